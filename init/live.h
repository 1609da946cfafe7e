/* mklive-init: declarations shared by the init's pure logic (command line,
 * module aliases, device probing, tar reader) and its PID 1 driver. The
 * pure parts build both into the static init and into host unit tests. */
#ifndef MKLIVE_INIT_LIVE_H
#define MKLIVE_INIT_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- boot parameters (cmdline.c) ----------------------------------------- */
enum live_writable { LIVE_OVERLAY, LIVE_TGZ };
/* live.ip=: AUTO is DHCP when live.fetch= is given, else nothing. */
enum live_ip { LIVE_IP_AUTO, LIVE_IP_DHCP, LIVE_IP_STATIC, LIVE_IP_OFF };

struct live_opts {
	char id[128];			 /* live.id=; "" when not given */
	bool toram;			 /* live.toram */
	enum live_writable writable;	 /* live.writable=overlay|tgz */
	unsigned timeout;		 /* live.timeout=SECONDS, default 30 */
	bool shell;			 /* live.shell: a shell before switching root */
	bool debug;			 /* live.debug: log each step with timings */
	char init[256];			 /* live.init=, default /sbin/init */
	char overlay_size[32];		 /* live.overlay_size= (tmpfs size=), default 50% */
	bool persistence;		 /* live.persistence: changes kept on a mklive-rw store */
	bool check;			 /* live.check: verify /live/SHA256SUMS first */
	enum live_ip ip;		 /* live.ip=dhcp|ADDR/PREFIX:GATEWAY:DNS|off */
	uint32_t ip_addr, ip_gw, ip_dns; /* static: network byte order, 0 = none */
	unsigned ip_prefix;		 /* static: 0..32 */
	char fetch[512];		 /* live.fetch=http://HOST[:PORT]/PATH; "" when not given */
	char findiso[256];		 /* live.findiso=/PATH/FILE.iso; "" when not given */
	char warnings[512];		 /* what was ignored and why, "" if nothing */
};

void live_opts_default(struct live_opts *o);
/* Parse a kernel command line (the contents of /proc/cmdline). Unknown
 * live.* words and malformed values are ignored with a note in o->warnings;
 * everything else on the line is not ours. Returns the number of warnings. */
int live_cmdline_parse(const char *cmdline, struct live_opts *o);
/* live.ip= static form "ADDR/PREFIX[:GATEWAY[:DNS]]" (dotted quads); 0 or -1. */
int live_ip_parse(const char *v, struct live_opts *o);

/* ---- the live system's settings (livecfg.c) ------------------------------ */
#define LIVECFG_VAL 64
struct livecfg {
	char user[LIVECFG_VAL];	     /* live.user= */
	char autologin[LIVECFG_VAL]; /* live.autologin=off (live.noautologin) */
	char lang[LIVECFG_VAL];	     /* live.lang=XX: locale, keymap, tz from the table */
	char locale[LIVECFG_VAL];    /* live.locale= */
	char keymap[LIVECFG_VAL];    /* live.keymap= (an X11 layout name) */
	char tz[LIVECFG_VAL];	     /* live.tz= */
	char hostname[LIVECFG_VAL];  /* live.hostname= */
	char network[LIVECFG_VAL];   /* live.network=off|dhcp */
	bool given;		     /* any of them is on the command line */
};
/* The live.* settings of a kernel command line. */
void livecfg_parse(const char *cmdline, struct livecfg *c);
/* Fill locale, keymap and tz from live.lang= where not given; clear bad
 * values, with one message per value in warn. Returns how many were bad. */
int livecfg_resolve(struct livecfg *c, char *warn, size_t cap);
/* The value of "key=" in /etc/mklive/live.conf's text ("" when absent). */
void livecfg_conf_get(const char *conf, const char *key, char *out, size_t cap);

/* ---- kernel modules (modalias.c) ----------------------------------------- */
struct kmod_alias {
	char *pattern;	/* fnmatch(3) pattern from modules.alias */
	char *module;	/* module name, '-' folded to '_' */
	size_t literal; /* length of the pattern's prefix without wildcards */
};

struct kmod_module {
	char *name; /* '-' folded to '_' */
	char *path; /* relative to the modules directory */
	int *deps;  /* indices, as listed in modules.dep */
	size_t ndeps;
	int *pre; /* softdep pre: indices */
	size_t npre;
	int state; /* 0 not loaded, 1 loading, 2 loaded, -1 failed */
};

struct kmod_db {
	struct kmod_alias *aliases;
	size_t naliases;
	struct kmod_module *mods;
	size_t nmods;
};

/* Module name of a path or name: basename, ".ko" (and compression suffix)
 * dropped, '-' folded to '_'. Writes at most cap bytes. */
void kmod_name(const char *path, char *out, size_t cap);
/* Parse modules.dep / modules.alias / modules.softdep text (NUL-terminated,
 * modified in place is not required). Unparseable lines are skipped. */
int kmod_db_parse_dep(struct kmod_db *db, const char *text);
int kmod_db_parse_alias(struct kmod_db *db, const char *text);
int kmod_db_parse_softdep(struct kmod_db *db, const char *text);
void kmod_db_free(struct kmod_db *db);
int kmod_db_find(const struct kmod_db *db, const char *name);
/* Does a modalias string match an alias pattern? */
bool kmod_alias_match(const struct kmod_alias *a, const char *modalias);
/* Indices of modules whose aliases match modalias, without duplicates;
 * returns how many were written (at most cap). */
size_t kmod_match(const struct kmod_db *db, const char *modalias, int *out, size_t cap);
/* Load order for module i: softdep pre, dependencies (last listed first, as
 * modprobe does), then the module; modules already in *state != 0 are not
 * repeated. Appends to order[] (cap entries); returns the new count. */
size_t kmod_load_order(struct kmod_db *db, int i, int *order, size_t n, size_t cap);

/* ---- device probing (probe.c) -------------------------------------------- */
enum probe_type { PROBE_NONE, PROBE_ISO9660, PROBE_VFAT, PROBE_EXT4, PROBE_SQUASHFS, PROBE_MBR };

struct probe_info {
	enum probe_type type;
	char label[64];
};

const char *probe_type_name(enum probe_type t);
/* Kernel filesystem type for mount(2), or NULL. */
const char *probe_fstype(enum probe_type t);
/* Identify the filesystem at the start of fd. Returns 0, or -errno when
 * the device cannot be read (ENOMEDIUM: no disc). */
int probe_fd(int fd, struct probe_info *out);
/* Read a file (path relative to the root, like "live/mklive.id") from an
 * ISO 9660 volume on fd without mounting it. Returns the number of bytes
 * stored (at most cap), -ENOENT if it is absent, or another -errno. */
ssize_t probe_iso_read(int fd, const char *path, char *buf, size_t cap);

/* ---- persistence and medium check (persist.c, check.c) --------------------- */
#define LIVE_PERSIST_LABEL "mklive-rw"
#define LIVE_PERSIST_FILE "mklive-rw.img"
/* The disk a block device belongs to: "sda" for "sda2" and for "sda",
 * from the sysfs path of the device (".../block/sda/sda2"). */
void live_disk_of(const char *sysfs_link, const char *name, char *disk, size_t cap);
/* Why a partition was not used as the store, appended to notes ("; "
 * between): part "sdb2", partname its GPT partition name ("" when none),
 * err an errno from opening or reading it (0: pi is what was read). Only
 * what is worth saying: unreadable, or labelled mklive-rw but not ext4. */
void live_persist_note(char *notes, size_t cap, const char *part, const char *partname, int err,
		       const struct probe_info *pi);
/* The message when no store was found, with the notes. */
void live_persist_missing(const char *notes, char *out, size_t cap);
/* Is a path from SHA256SUMS safe to open below the medium: relative, no
 * "." or ".." component, no empty component? */
bool live_sums_path_ok(const char *path);

/* ---- DHCP messages (dhcp.c) ---------------------------------------------- */
#define DHCP_MIN_PACKET 300
#define DHCP_MAX_PACKET 1500
enum { DHCP_DISCOVER = 1, DHCP_OFFER = 2, DHCP_REQUEST = 3, DHCP_ACK = 5, DHCP_NAK = 6 };
enum {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_DOMAIN = 15,
	DHCP_OPT_REQIP = 50,
	DHCP_OPT_LEASE = 51,
	DHCP_OPT_MSGTYPE = 53,
	DHCP_OPT_SERVERID = 54,
	DHCP_OPT_PARAMS = 55,
	DHCP_OPT_CLIENTID = 61,
	DHCP_OPT_END = 255,
};

/* What a server's answer says. Addresses in network byte order. */
struct dhcp_lease {
	uint8_t type; /* DHCP_OFFER, DHCP_ACK or DHCP_NAK */
	uint32_t yiaddr, siaddr, server_id, mask, router, dns[3];
	unsigned ndns;
	uint32_t lease; /* seconds; 0 = not given */
	char domain[64];
};

/* A client message (DHCP_DISCOVER, DHCP_REQUEST) with the broadcast flag,
 * the client id, and req_ip / server_id when not 0 (network order). Returns
 * its length (at least DHCP_MIN_PACKET), 0 if cap is too small. */
size_t dhcp_build(uint8_t *buf, size_t cap, int type, uint32_t xid, const uint8_t mac[6], uint32_t req_ip,
		  uint32_t server_id, uint16_t secs);
/* A server message for this xid and MAC: 0 with *l filled, -1 if it is not
 * one (another client's, malformed, truncated options, no address). */
int dhcp_parse(const uint8_t *buf, size_t len, uint32_t xid, const uint8_t mac[6], struct dhcp_lease *l);
/* Netmask <-> prefix length (network order masks). */
unsigned dhcp_mask_prefix(uint32_t mask_net);
uint32_t dhcp_prefix_mask(unsigned prefix);

/* ---- HTTP (http.c) ------------------------------------------------------- */
struct http_url {
	char host[256];
	unsigned port;
	char path[512]; /* from the first '/', "/" if none */
};

struct http_resp {
	int status;		/* e.g. 200 */
	int64_t content_length; /* -1: not given */
	bool chunked;		/* Transfer-Encoding: chunked */
	char location[512];	/* Location:, "" if none */
};

/* "http://HOST[:PORT][/PATH]": 0, or -1 (not http, empty host, bad port,
 * too long, spaces or control characters). */
int http_url_parse(const char *url, struct http_url *u);
/* The response head at the start of buf[0..len): its length including the
 * blank line, 0 if more bytes are needed, -1 if it is not a valid HTTP/1.x
 * response head (or too large, or conflicting Content-Length). */
int http_head_parse(const char *buf, size_t len, struct http_resp *r);
/* A redirect target: an absolute http:// URL, or a path on base's server
 * (absolute, or relative to base's directory). 0 or -1. */
int http_url_resolve(const char *base, const char *loc, char *out, size_t cap);
/* The URL of a file beside url: same directory, this name. 0, or -1 if
 * it would not be a URL http_url_parse takes (too long). */
int http_url_beside(const char *url, const char *name, char *out, size_t cap);
/* In SHA256SUMS text, the entry for the file that urlpath names: a line
 * whose path is urlpath itself or a tail of it after a '/' ("root.squashfs",
 * "live/root.squashfs"), the longest such. 0 with the digest, -1 if none. */
int http_sums_lookup(const char *text, size_t len, const char *urlpath, uint8_t digest[32]);

/* ---- tar reader (tar.c) -------------------------------------------------- */
/* Extract a tar archive held in memory (already decompressed) below the
 * directory dirfd. Refuses absolute names, ".." components, hard links out
 * of the tree, relative symlinks that climb out of it, and never follows a
 * symlink while extracting. On error returns -1 with a message in err. */
int tar_extract(const uint8_t *data, size_t len, int dirfd, char *err, size_t errcap, uint64_t *nfiles);
/* Decompress a whole gzip file (one or more members) into a malloc'ed
 * buffer. Returns 0, or -1 with a message in err. */
int tar_gunzip(const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len, char *err, size_t errcap);

#endif
