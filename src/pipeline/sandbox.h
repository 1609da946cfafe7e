/* The sandbox of a Run= script on a directory root: an overlay whose lower
 * layer is the root (never written) and whose upper layer is private,
 * entered with pivot_root in new mount, PID, UTS and IPC namespaces, with a
 * minimal /dev and a reduced set of capabilities; and carrying the upper
 * layer's changes into a tree afterwards. Used by chroot.c. */
#ifndef MKLIVE_PIPELINE_SANDBOX_H
#define MKLIVE_PIPELINE_SANDBOX_H

#include "core/tree.h"

#include <stddef.h>
#include <stdint.h>

/* The mount points a script gets; made in the upper layer when the root
 * lacks them, and taken away again afterwards. */
extern const char *const sandbox_mount_points[];

struct sandbox_job {
	const char *session; /* holds upperN/ and work/ (and merged/, the mount point) */
	unsigned layer;	     /* N: upper0..N-1 are lower layers over the root */
	const char *lower;   /* the root directory, absolute */
	const char *name;    /* the script's file name, placed in /run/mklive */
	const uint8_t *script;
	size_t len;
	int shebang;
	int out_fd; /* the script's stdout and stderr */
	int err_fd; /* setup errors, as text */
};

/* The clean environment of a script (PATH, HOME, LANG,
 * DEBIAN_FRONTEND, SOURCE_DATE_EPOCH when set); sde is a buffer for the
 * last. */
void sandbox_env(char *env[8], char sde[48]);

/* The exit status of sandbox_child when the overlay cannot be mounted
 * (the upper layer's file system cannot hold one). */
#define SANDBOX_NO_OVERLAY 124

/* The child forked for one script: makes the namespaces, mounts, enters the
 * root, runs the script and leaves with its status (125, or SANDBOX_NO_OVERLAY, and a
 * message on err_fd when the setup fails). SIGTERM to it kills the
 * namespace's init, and so every process of the script. Never returns. */
void sandbox_child(const struct sandbox_job *j) __attribute__((noreturn));

/* Carry the overlay upper directory upper_dir into t (a tree read from the
 * lower layer): new and changed files with their attributes, deletions
 * from whiteouts, opaque directories replacing the root's. */
int sandbox_apply_upper(const char *upper_dir, struct tree *t);

#endif
