/* mklive-init's PID 1 driver: what main.c, modules.c, medium.c and rootfs.c
 * share (paths, options, messages, small file helpers). Not used by the
 * pure logic that the host unit tests build. */
#ifndef MKLIVE_INIT_PID1_H
#define MKLIVE_INIT_PID1_H

#include "live.h"

#define MEDIUM "/run/live/medium"
#define ROOTFS "/run/live/rootfs"
#define RW "/run/live/rw"
#define TORAM "/run/live/toram"
#define NEWROOT "/newroot"

extern struct live_opts live_opt;
extern struct kmod_db live_db;
extern char live_want_id[128];	  /* live.id, or the id built into the initrd */
extern char live_medium_dev[64];  /* e.g. "sr0" */
extern char live_medium_part[64]; /* the partition mounted for it, "" if the device itself */
extern char live_medium_id[128];  /* the /live/mklive.id of the medium found */
extern char live_rw_dir[300];	  /* holds upper/ and work/: RW, or RW/ID on a store */

/* main.c: messages on the console ("live: ..."), live_step only with
 * live.debug (with the time since boot), and small helpers. */
double live_now(void);
/* Bytes to every console as they are (a progress line redrawn with \r). */
void live_console_write(const void *b, size_t n);
void live_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void live_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int live_read_file(const char *path, uint8_t **data, size_t *len);
/* One read of a small file (sysfs, proc) into buf, NUL-terminated, "" when
 * nothing was read: the byte count, or -1 when it does not open or read. */
ssize_t live_read_text(const char *path, char *buf, size_t cap);
void live_trim(char *s);
void live_mkdirs(const char *path);

/* modules.c: the initramfs's module indexes, loading with dependencies,
 * and coldplug (returns how many modules it loaded). */
void live_load_db(void);
int live_load_module(const char *name, const char *params);
int live_coldplug(void);

/* medium.c: find the medium and mount it on MEDIUM (0 or -1, with the
 * message already printed). */
int live_find_medium(void);

/* firmware.c: BIOS or UEFI, and Secure Boot, said on the console and
 * written to /run/mklive/boot (see mklive-init(7)). The parser and the
 * wording are pure, for the host's unit tests. */
void live_firmware(void);
int live_secureboot_parse(const uint8_t *data, size_t len);
void live_boot_describe(bool efi, int secureboot, char *line, size_t cap, char *words, size_t wcap);

/* rootfs.c: the root image on ROOTFS, the writable layer on NEWROOT;
 * loop devices (autoclear; the caller closes the fd once mounted). */
int live_loop_attach(const char *file, bool rw, char *dev, size_t cap);
extern bool live_in_ram; /* live.toram copied the root: the medium is released */
/* MemAvailable (bytes, 0 unknown); the margin a copy into RAM must leave;
 * whether size bytes fit (saying "WHAT needs N MiB ... only M available"). */
uint64_t live_mem_available(void);
uint64_t live_ram_margin(uint64_t size);
bool live_ram_fits(const char *what, uint64_t size);
int live_mount_root(void);
int live_writable_overlay(void);
int live_writable_tgz(void);

/* net.c: live.ip: the first Ethernet interface with a link (the one BOOTIF=
 * names, if any), configured
 * by DHCP or statically (nothing with live.ip=off), handed over in
 * /run/mklive/net. 0, or -1 with the reason said. Done once. */
int live_net_up(void);
/* The DHCP lease's next-server (siaddr) and server identifier, network
 * order; 0 when the address did not come from DHCP. */
void live_net_dhcp_servers(uint32_t *siaddr, uint32_t *server_id);

/* fetch.c: live.fetch=URL: download, verify, mount on MEDIUM (0; -1 with
 * the reason said). */
int live_fetch_medium(void);

/* check.c: live.check, every file of /live/SHA256SUMS on the mounted
 * medium (0; -1 with the damaged file named). */
int live_check_medium(void);
/* The SHA-256 of the file at path (opened with O_RDONLY | O_CLOEXEC |
 * oflags), read through buf (cap bytes); on_read, if not NULL, is told of
 * every piece read. 0, or -errno on an open or read error. */
int live_sha256_file(const char *path, int oflags, uint8_t *buf, size_t cap, uint8_t digest[32],
		     void (*on_read)(size_t n, void *ctx), void *ctx);

/* persist.c: live.persistence: mount a mklive-rw store on RW (0), or say
 * why not (-1: the caller uses a tmpfs). */
int live_persist_mount(void);
/* livecfg.c: the live.* settings of the live system, written into the
 * mounted root (its writable layer) before its init starts. */
void live_config(void);

#endif
