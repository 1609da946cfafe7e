/* Internal to src/pipeline: Run= scripts executed inside a root before imaging: in a private mount,
 * PID, UTS and IPC namespace on an overlay for directory roots (as root), as mmdebstrap
 * customize hooks for debian: roots (no root needed). */
#ifndef MKLIVE_BUILD_CHROOT_H
#define MKLIVE_BUILD_CHROOT_H

#include <stddef.h>

/* What a root source is, for build_run_check. */
enum build_root_kind {
	BUILD_ROOT_DIR,	    /* a directory: build_run_in_root, as root */
	BUILD_ROOT_TAR,	    /* a tarball, imaged without unpacking: scripts cannot run */
	BUILD_ROOT_DEBIAN,  /* debian:SUITE: the scripts go to build_debian.hooks */
	BUILD_ROOT_DEFAULT, /* the embedded default: scripts cannot run */
};

/* Whether a Run= script can run for this root here, checked before any
 * work; the error says what would work instead. source names the root in
 * the message (a path, debian:SUITE). */
int build_run_check(enum build_root_kind kind, const char *source, const char *script);

/* Runs script_path (a host file; "#!" scripts by their interpreter inside
 * the root, others with /bin/sh) inside the directory root_dir. Needs root.
 * root_dir is never written: the script runs on an overlay whose lower
 * layer is root_dir and whose upper layer is private to this process (one
 * per root, in a session directory; later scripts on the same root see
 * what earlier ones did). build_run_apply carries the changes into a tree.
 *
 * The script runs in new mount, PID, UTS and IPC namespaces (the network
 * is the host's, so apt works), after pivot_root into the overlay with the
 * host's root detached, with a fresh /proc (its sysctls read-only), a
 * read-only /sys, a minimal /dev (null zero full random urandom tty, ptmx
 * with its own devpts, shm), tmpfs /run and /tmp, nothing in the root
 * where a device node can be opened but those, without the capabilities
 * listed in mklive-build(1), without a controlling terminal, with the
 * host's resolv.conf in /etc for its duration only, with stdin from
 * /dev/null and the environment PATH, HOME=/root, LANG=C.UTF-8,
 * DEBIAN_FRONTEND=noninteractive and SOURCE_DATE_EPOCH when set. Every
 * mount, and every process it left running, goes with the namespace.
 * *output (malloc'ed, or NULL) gets the script's stdout and stderr (the
 * last 1 MiB); a script that fails is an error showing its last lines.
 * SIGINT, SIGTERM or SIGHUP during the script kill it, remove the session
 * and end this process by the same signal. */
int build_run_in_root(const char *root_dir, const char *script_path, char **output);

struct build_run_opts {
	/* Where the session directory (the upper layer) goes when this root
	 * has none yet; NULL, or a directory inside root_dir: $TMPDIR or
	 * /var/tmp. It needs room for what the scripts write. */
	const char *tmp_dir;
	/* Seconds a script may run; then all its processes are killed and it
	 * is an error. 0: no limit; negative: BUILD_RUN_TIMEOUT_DEFAULT. */
	long long timeout;
	/* Names the setting in a timeout's message ("mklive.conf:3: RunTimeout"). */
	const char *timeout_label;
};
#define BUILD_RUN_TIMEOUT_DEFAULT 3600

/* build_run_in_root with options (o may be NULL). */
int build_run_in_root_opts(const char *root_dir, const char *script_path, const struct build_run_opts *o,
			   char **output);

/* Carry what the scripts run on root_dir changed since the last call into
 * t, a tree read from root_dir (and given the earlier calls' changes): new
 * and changed files (mode, owner, times, xattrs, symlinks, devices),
 * deletions, replaced directories. Later scripts still see those changes
 * (the carried layer becomes a lower one), and the next call carries only
 * theirs, so scripts may run at any stage: run, apply, customise, run,
 * apply. The tree's nodes then read files in the session directory, so
 * call build_run_cleanup only when the tree's bytes are written. 0 when no
 * script ran on root_dir. */
struct tree;
int build_run_apply(const char *root_dir, struct tree *t);

/* build_run_apply for every root a script ran on since its last carry
 * (the build calls it after customising: a script run there is not lost). */
int build_run_apply_pending(struct tree *t);

/* Remove every session directory of this process (end of the build). */
void build_run_cleanup(void);

/* A duration: seconds ("90"), or a number with s, m or h ("30s", "10m",
 * "1h"); 0 is none. 0, or an error naming label. */
int build_run_timeout_parse(const char *text, const char *label, long long *seconds);

/* The two mmdebstrap --customize-hook arguments that run Run= script
 * number index (1-based) the same way inside mmdebstrap's chroot: an
 * upload of the file, then a shell hook that runs it with the environment
 * above and prints "<marker> begin N" and "<marker> end N STATUS" around
 * its output. Both malloc'ed. */
void build_run_hooks(const char *script_path, size_t index, const char *marker, char **upload,
		     char **command);

#endif
