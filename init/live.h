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

struct live_opts {
	char id[128];		     /* live.id=; "" when not given */
	bool toram;		     /* live.toram */
	enum live_writable writable; /* live.writable=overlay|tgz */
	unsigned timeout;	     /* live.timeout=SECONDS, default 30 */
	bool shell;		     /* live.shell: a shell before switching root */
	bool debug;		     /* live.debug: log each step with timings */
	char init[256];		     /* live.init=, default /sbin/init */
	char overlay_size[32];	     /* live.overlay_size= (tmpfs size=), default 50% */
	bool persistence;	     /* live.persistence: changes kept on a mklive-rw store */
	bool check;		     /* live.check: verify /live/SHA256SUMS first */
	bool readahead;		     /* live.readahead: read the boot set ahead */
	char warnings[512];	     /* what was ignored and why, "" if nothing */
};

void live_opts_default(struct live_opts *o);
/* Parse a kernel command line (the contents of /proc/cmdline). Unknown
 * live.* words and malformed values are ignored with a note in o->warnings;
 * everything else on the line is not ours. Returns the number of warnings. */
int live_cmdline_parse(const char *cmdline, struct live_opts *o);

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
/* Is a path from SHA256SUMS safe to open below the medium: relative, no
 * "." or ".." component, no empty component? */
bool live_sums_path_ok(const char *path);

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
