/* Internal to src/pipeline: debian:SUITE root sources: mmdebstrap makes an uncompressed root tarball,
 * cached under the cache directory by everything that determines it. */
#ifndef MKLIVE_BUILD_DEBIAN_H
#define MKLIVE_BUILD_DEBIAN_H

#include <stddef.h>

struct build_debian {
	const char *suite;	     /* "bookworm", "trixie", ... (required) */
	const char *variant;	     /* NULL: "minbase" */
	const char *mirror;	     /* NULL: mmdebstrap's default (deb.debian.org) */
	const char *components;	     /* NULL: "main"; names separated by spaces or commas */
	const char *arch;	     /* NULL: "amd64" */
	const char *const *packages; /* Packages=; an entry may hold several names */
	size_t npackages;	     /*   separated by spaces or commas */
	const char *const *hooks;    /* Run= scripts (host paths), run in order inside */
	size_t nhooks;		     /*   the root as mmdebstrap customize hooks */
	char *const *locales;	     /* locales to generate with locale-gen (NULL-terminated, or NULL) */
	const char *cache_dir;	     /* NULL: $XDG_CACHE_HOME/mklive, else ~/.cache/mklive */
	/* One short line per stage ("running apt-get update", "running Run=
	 * script setup.sh", "cached"), for a progress line. NULL: log_note on
	 * a terminal, log_info otherwise. With log level verbose every line of
	 * mmdebstrap's output also goes to log_info. */
	void (*on_stage)(void *arg, const char *stage);
	void *stage_arg;
};

/* Makes the root tarball, or finds it in the cache (without running
 * anything). *tar_path (malloc'ed) is CACHE/debian/<sha256 of the key>.tar,
 * an uncompressed tar whose file data can be read in place. mmdebstrap's
 * whole output is in the .log beside it. Errors name what failed and show
 * the last lines of mmdebstrap's output, or a failed Run= script's own
 * output; nothing is cached then. SOURCE_DATE_EPOCH, when set, is part of
 * the key and reaches mmdebstrap and the scripts. */
int build_debian_tarball(const struct build_debian *d, char **tar_path);

/* The canonical cache key text: one "name=value" line per input, package
 * and component lists sorted and deduplicated, each Run= script by the
 * SHA-256 of its contents (and the way scripts are run by the hash of the
 * hook text), the mmdebstrap program by its version and the SHA-256 of the
 * file at mmdebstrap_path. *key is malloc'ed. */
int build_debian_key(const struct build_debian *d, const char *mmdebstrap_path, char **key);

/* The mmdebstrap --mode this process can use: "root" as root, "unshare"
 * where user namespaces, newuidmap/newgidmap and an /etc/subuid and
 * /etc/subgid entry for the user are all there; otherwise an error saying
 * which of them is missing and what would work. */
int build_debian_mode(const char **mode);

/* The cache directory: dir if given, else $XDG_CACHE_HOME/mklive, else
 * $HOME/.cache/mklive. Malloc'ed; not created. */
char *build_debian_cache_dir(const char *dir);

#endif
