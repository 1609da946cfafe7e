/* Internal to src/pipeline: Run= scripts executed inside a root before imaging: in a private mount,
 * PID, UTS and IPC namespace for directory roots (as root), as mmdebstrap
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
 * the root, others with /bin/sh) inside root_dir. Needs root. The script
 * runs in new mount, PID, UTS and IPC namespaces with a fresh /proc, a
 * read-only /sys, a minimal /dev (null zero full random urandom tty, ptmx
 * with its own devpts, shm), tmpfs /run and /tmp, the host's resolv.conf in
 * /etc, chrooted, with stdin from /dev/null and the environment PATH,
 * HOME=/root, LANG=C.UTF-8, DEBIAN_FRONTEND=noninteractive and
 * SOURCE_DATE_EPOCH when set. What the script changes in root_dir stays
 * there (that is its purpose: the build images the directory afterwards).
 * Every mount, and every process it left running, goes with the namespace;
 * the root's own /etc/resolv.conf is put back unless the script replaced
 * it. *output (malloc'ed, or NULL) gets the script's stdout and stderr
 * (the last 1 MiB); a script that fails is an error showing its last
 * lines. */
int build_run_in_root(const char *root_dir, const char *script_path, char **output);

/* The two mmdebstrap --customize-hook arguments that run Run= script
 * number index (1-based) the same way inside mmdebstrap's chroot: an
 * upload of the file, then a shell hook that runs it with the environment
 * above and prints "<marker> begin N" and "<marker> end N STATUS" around
 * its output. Both malloc'ed. */
void build_run_hooks(const char *script_path, size_t index, const char *marker, char **upload,
		     char **command);

#endif
