/* mklive run: boot an image in QEMU with its serial console relayed, typed
 * into (--send) and watched (--expect). The command line is built by
 * run_cmdline(), the session (spawn, relay, timeouts, power-off, cleanup)
 * is run_session(); the pieces are separate so they can be tested alone. */
#ifndef MKLIVE_RUN_RUN_H
#define MKLIVE_RUN_RUN_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

enum run_accel { RUN_ACCEL_AUTO, RUN_ACCEL_KVM, RUN_ACCEL_TCG };
enum run_medium { RUN_CD, RUN_USB };
enum run_firmware { RUN_BIOS, RUN_UEFI, RUN_UEFI_SECURE };

/* One --screenshot: taken when its trigger fires (in turn: a shot's
 * trigger is looked for only once the one before it is taken). */
struct run_shot {
	const char *file;  /* the name; with --screenshot-every a pattern with %d */
	const char *after; /* its --screenshot-after: a regex or a number of
			    * seconds; NULL: at the end of the run */
	double after_s;	   /* after as seconds from QEMU's start, or -1 (a regex) */
};

/* The default QEMU binary and the Debian package that has it. */
#define RUN_QEMU "qemu-system-x86_64"
#define RUN_QEMU_PACKAGE "qemu-system-x86"
#define RUN_OVMF_DIR "/usr/share/OVMF"
#define RUN_OVMF_PACKAGE "ovmf"

struct run_opts {
	const char *image;
	enum run_medium medium;
	enum run_firmware firmware;
	enum run_accel accel;	/* run_session needs KVM or TCG, not AUTO */
	unsigned memory_mb;	/* default 1024 */
	unsigned cpus;		/* default 1 */
	bool writable;		/* the image read-write, else a snapshot (USB) or read-only (CD) */
	const char *expect;	/* POSIX extended regex, or NULL */
	const char *send;	/* text to type (escapes decoded, Enter added for --send), or NULL */
	const char *send_after; /* regex: type only once it has appeared, or NULL */
	double timeout;		/* seconds; 0: none (see RUN_EXPECT_TIMEOUT) */
	const char *log_path;	/* the raw serial output, or NULL */
	char *const *qemu_args; /* appended verbatim */
	size_t nqemu_args;
	const char *qemu;     /* binary (a name looked up in PATH, or a path); NULL: RUN_QEMU */
	const char *ovmf_dir; /* NULL: $MKLIVE_OVMF_DIR, else RUN_OVMF_DIR */
	/* The terminal side: serial output goes to out_fd, QEMU's own
	 * messages to err_fd; in_fd (or -1) is typed to the guest, in raw
	 * mode with the Ctrl-A escape when interactive is set (a TTY). */
	int in_fd, out_fd, err_fd;
	bool interactive;
	char *send_buf; /* owns send when set through run_opts_set */
	/* --append: boot the image's own kernel and initramfs directly with
	 * its default entry's command line plus these parameters; NULL: boot
	 * the image from its boot loader */
	const char *append;
	/* --netboot DIR: boot by PXE from a netboot tree instead of a medium
	 * (image is then NULL); bootfile is what the DHCP answer names (NULL:
	 * lpxelinux.0 for BIOS, bootx64.efi for UEFI) */
	const char *netboot;
	const char *bootfile;
	/* --screenshot FILE (repeated) and --screenshot-after (repeated: the
	 * i-th belongs to the i-th --screenshot), --screenshot-every S */
	struct run_shot *shots;
	size_t nshots, nafters;
	double shot_every; /* 0: none */
};

/* The address inside the guest's user network where mklive serve
 * answers HTTP for --netboot (QEMU's guestfwd; 10.0.2.2 and .3 are
 * QEMU's own gateway and DNS, .15 the guest). */
#define RUN_NETBOOT_HTTP "10.0.2.100"

/* --timeout when --expect is given without one. */
#define RUN_EXPECT_TIMEOUT 300

void run_opts_init(struct run_opts *o);
void run_opts_free(struct run_opts *o);
/* Set an option by key: usb, writable, uefi, secure-boot (flags; value
 * NULL), memory, cpus, accel (kvm|tcg|auto), expect, send (escapes
 * decoded), send-after, timeout (seconds), log, screenshot (FILE),
 * screenshot-after (REGEX or seconds), screenshot-every (seconds). label
 * names the option in messages ("--memory"). */
int run_opts_set(struct run_opts *o, const char *key, const char *value, const char *label);
/* Combinations, patterns and the image (opened as it will be used), and
 * the timeout's default: returns 0 or ERR_USAGE / -errno with the message
 * set ("IMAGE: No such file or directory"). */
int run_opts_check(struct run_opts *o);

/* ---- screenshots (shot.c) ---------------------------------------------- */

/* A --screenshot-every pattern: exactly one %d (or %0Nd; %% is a percent
 * sign). Fails naming the option. */
int run_shot_pattern_check(const char *pattern);
/* The pattern with its %d replaced by n. malloc'ed. */
char *run_shot_name(const char *pattern, unsigned n);
/* Can FILE be written? Creates and removes a temporary file beside it,
 * so the error is the real one ("--screenshot x/y.png: No such file or
 * directory"), before the guest starts. */
int run_shot_writable(const char *file);
/* A new empty file beside FILE for QEMU to write into (so FILE never
 * holds half a picture): *tmp malloc'ed, mode 0666 less the umask. */
int run_shot_tmpfile(const char *file, char **tmp);
/* Check that QEMU wrote a whole PNG (or PPM) into tmp, then rename it to
 * file; *w and *h: its size. On failure tmp is removed. */
int run_shot_finish(const char *tmp, const char *file, unsigned *w, unsigned *h);
/* QEMU's screendump format for FILE: "ppm" for *.ppm, else "png". */
const char *run_shot_format(const char *file);

/* ---- the QEMU command line (cmdline.c) ---------------------------------- */

/* What the session resolved before QEMU starts: files it made or found. */
struct run_paths {
	const char *qemu;	 /* the binary as found */
	const char *qmp_socket;	 /* the private QMP socket (a unique path) */
	const char *ovmf_code;	 /* UEFI only: firmware code, attached read-only */
	const char *ovmf_vars;	 /* UEFI only: this run's private copy of the variables */
	const char *kernel;	 /* direct kernel boot only */
	const char *initrd;	 /* direct kernel boot only, or NULL */
	const char *kernel_args; /* direct kernel boot only: the whole command line */
	const char *tftp;	 /* --netboot: the TFTP root QEMU serves */
	const char *self;	 /* --netboot: this mklive binary, for guestfwd's mklive serve */
	const char *tree;	 /* --netboot: the tree, absolute */
};

struct run_argv {
	char **v; /* NULL-terminated, strings malloc'ed */
	size_t n, cap;
};

void run_argv_add(struct run_argv *a, const char *s);
void run_argv_addf(struct run_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void run_argv_free(struct run_argv *a);
/* The whole argv for QEMU (argv[0] = p->qemu). Returns 0 or ERR_USAGE for
 * an image path QEMU's -drive syntax cannot carry. */
int run_cmdline(const struct run_opts *o, const struct run_paths *p, struct run_argv *out);
/* Quote an argv for people (a shell can paste it back). malloc'ed. */
char *run_argv_string(const struct run_argv *a);

/* ---- accelerator (kvm.c) ----------------------------------------------- */

/* Does KVM really run a guest here? Opens /dev/kvm, creates a VM with one
 * page of memory and one vCPU, and runs a three-instruction real-mode
 * guest (OUT 0x2a to port 0x10, then HLT) through KVM_RUN in a child
 * process, with a time limit of timeout_ms. Returns true only if the
 * guest's OUT and HLT both came back as exits; otherwise false with a
 * reason in why (what failed: "/dev/kvm: No such file or directory",
 * "KVM_RUN did not return within 2 s"). */
bool run_kvm_works(int timeout_ms, char *why, size_t why_len);
/* Settle o->accel: RUN_ACCEL_AUTO becomes KVM when run_kvm_works (2 s at
 * most), else TCG with the reason in why. Returns whether it was chosen
 * here (auto) rather than given. */
bool run_accel_choose(struct run_opts *o, char *why, size_t why_len);

/* ---- firmware and binaries (firmware.c) --------------------------------- */

/* The QEMU binary: name looked up in PATH (or a path). Sets *found
 * (malloc'ed) or fails naming the Debian package. */
int run_find_qemu(const char *name, char **found);
/* OVMF code and variables template for fw (RUN_UEFI or RUN_UEFI_SECURE)
 * in dir; both malloc'ed. Fails naming the missing file and the package. */
int run_find_ovmf(const char *dir, enum run_firmware fw, char **code, char **vars_template);
/* A private copy of a file (the firmware variables) at dst, mode 0600. */
int run_copy_file(const char *src, const char *dst);

/* ---- the serial console's text (console.c) ------------------------------ */

/* Decode --send escapes: \n \r \t \e \\ \xHH. Fails on a bad escape. */
int run_unescape(const char *s, char **out);
/* Compile an --expect pattern: POSIX ERE; "\n" in it means a newline. */
int run_regex_compile(regex_t *re, const char *pattern, const char *what);

/* Serial output as text to match: ANSI escape sequences, CRs and other
 * control characters (except newline and tab) removed, state kept across
 * chunks, the last RUN_TEXT_KEEP bytes kept. */
#define RUN_TEXT_KEEP (64 * 1024)
struct run_text {
	char *buf; /* NUL-terminated */
	size_t len, cap;
	int esc;	/* escape-sequence state between chunks */
	size_t trimmed; /* bytes dropped from the front so far */
};
void run_text_init(struct run_text *t);
void run_text_free(struct run_text *t);
void run_text_feed(struct run_text *t, const char *data, size_t n);
/* Does re match in the text from offset from (relative to all text fed,
 * trimmed bytes counted)? On a match, *end is the offset just after it. */
bool run_text_match(const struct run_text *t, const regex_t *re, size_t from, size_t *end);
/* The last, unfinished line (after the last newline). */
const char *run_text_last_line(const struct run_text *t);
/* Is the guest waiting at a prompt that --send may type into: an
 * unfinished line ending in # $ > % or : (trailing blanks aside) that is
 * not SYSLINUX's "boot:" prompt? */
bool run_text_at_prompt(const struct run_text *t);

/* ---- the image's default boot entry (isolinux.c) ------------------------ */

struct run_boot_entry {
	char *label;
	char *kernel;	/* absolute path on the medium */
	char **initrds; /* absolute paths, NULL-terminated (INITRD, initrd= in APPEND) */
	size_t ninitrds;
	char *append; /* APPEND without initrd=..., "" if none */
};
/* Reads INCLUDE'd files (path absolute on the medium); NULL: includes fail. */
typedef int (*run_read_fn)(void *ctx, const char *path, char **text);
/* Parse an isolinux.cfg / syslinux.cfg (text, found at cfg_path on the
 * medium, so relative paths resolve against its directory) and return
 * the entry that boots without a key pressed: ONTIMEOUT, else DEFAULT
 * (its extra words join APPEND as SYSLINUX does), else the MENU DEFAULT
 * entry, else the first LABEL. Fails with the file and line for a
 * default that is not a Linux kernel (COM32, a .c32, BOOT...) or missing. */
int run_isolinux_default(const char *text, const char *cfg_path, run_read_fn read, void *ctx,
			 struct run_boot_entry *e);
void run_boot_entry_free(struct run_boot_entry *e);

/* ---- --append: the image's kernel booted directly (direct.c) ------------- */

struct run_direct {
	char *kernel, *initrd; /* copies in the private directory (initrd may be NULL) */
	char *cmdline;	       /* the default entry's APPEND, then --append's */
	char *entry;	       /* the entry's label */
};
/* Read the default entry of the image's isolinux.cfg or syslinux.cfg and
 * copy its kernel and initramfs (several are concatenated) into dir. */
int run_direct_prepare(const struct run_opts *o, const char *dir, struct run_direct *d);
/* Remove the copies and free d. */
void run_direct_free(struct run_direct *d);

/* ---- --netboot: the TFTP root (netboot.c) ------------------------------- */

struct run_netboot {
	char *tftp; /* the private TFTP root */
	char *self; /* this program, absolute */
	char *dir;  /* the tree, absolute, for mklive serve */
};
/* The TFTP root QEMU serves: the tree as it is (symbolic links to its
 * entries) but for its three loader configurations (pxelinux.cfg/default,
 * grub/grub.cfg, boot.ipxe), copied with every live.fetch=URL pointed at
 * RUN_NETBOOT_HTTP, where this run's mklive serve answers: the URL's path
 * keeps its part that names a file of the tree (the build put the
 * loader's own server variable, or --netboot-url, before it). Made in
 * dir; run_netboot_free removes it. */
int run_netboot_prepare(const struct run_opts *o, const char *dir, struct run_netboot *nb);
void run_netboot_free(struct run_netboot *nb);
/* The rewrite alone: text with each live.fetch= value pointed at
 * http://host/SUFFIX, SUFFIX the longest tail of the value's path that
 * names a regular file below the directory dirfd. Fails naming cfg when
 * a value names no file there. */
int run_netboot_rewrite(const char *text, int dirfd, const char *host, const char *cfg, char **out);

/* ---- the session (session.c) -------------------------------------------- */

enum run_end {
	RUN_END_MATCHED, /* --expect appeared */
	RUN_END_TIMEOUT, /* --timeout passed first */
	RUN_END_EXITED,	 /* QEMU exited by itself (the guest powered off, or an error) */
	RUN_END_ESCAPE,	 /* the user typed Ctrl-A X */
	RUN_END_SIGNAL,	 /* SIGINT, SIGTERM or SIGHUP */
	RUN_END_SHOTS,	 /* every screenshot is taken (no --expect, not interactive) */
};

struct run_result {
	enum run_end end;
	int qemu_status;		    /* wait status of QEMU */
	int signal;			    /* RUN_END_SIGNAL: which */
	double seconds;			    /* from QEMU's start to the end */
	char *argv_text;		    /* the QEMU command line, quoted (malloc'ed) */
	unsigned shots_taken, shots_failed; /* screenshots saved, and not */
};

/* Boot: find QEMU and the firmware, make the private directory (QMP
 * socket, firmware variables), start QEMU in its own process group with
 * PR_SET_PDEATHSIG, relay the console until the end, then power the guest
 * off (QMP quit, then SIGKILL) and remove every private file. The
 * terminal is restored on every path out. Returns 0 (see result->end) or
 * a negative code when QEMU could not be started. */
int run_session(const struct run_opts *o, struct run_result *result);
void run_result_free(struct run_result *r);

/* ---- --record-boot-order (record.c) ------------------------------------- */

/* The default --expect of a recording: a login prompt or a shell's. */
#define RUN_PROMPT_REGEX "(login: *|[#$] )$"
/* Boot o->image once (o as run_session takes it, expect set) with QEMU's
 * block trace on, until o->expect appears; map the reads of the medium to
 * the files of its squashfs root and write them to out, one path a line,
 * in the order they were first read. res as from run_session. */
int run_record_boot_order(struct run_opts *o, const char *out, struct run_result *res);

#endif
