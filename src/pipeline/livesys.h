/* The live system's settings on the root tree (livesys.c) and the
 * generation of its locales with the root's own locale-gen (livelocale.c). */
#ifndef MKLIVE_PIPELINE_LIVESYS_H
#define MKLIVE_PIPELINE_LIVESYS_H

#include "core/tree.h"
#include "pipeline/config.h"

#include <stdbool.h>
#include <stddef.h>

/* The form of every [Live] value (and Root.Hostname), before any work:
 * errors name the key and where it was set (file:line). */
int build_live_check(const struct build_cfg *cfg);
/* The locales to generate (Locale, Locales with all-lang expanded; C and
 * POSIX left out), NULL-terminated, malloc'ed; free with
 * build_live_locales_free. NULL when there are none. */
char **build_live_locales(const struct build_cfg *cfg, size_t *count);
void build_live_locales_free(char **v);
/* Check what the values name in the root, then apply them to t. The
 * embedded default root (embedded) and roots without /etc/passwd are
 * left alone. */
int build_live_apply(const struct build_cfg *cfg, struct tree *t, bool embedded);
/* Generate the locales in a root that was not made by mmdebstrap (whose
 * customize hook did it already): the parts of t that locale-gen needs are
 * extracted into a directory beside the output, locale-gen runs there
 * (build_run_in_root, as root), and /etc/locale.gen and
 * /usr/lib/locale/locale-archive come back into t. Needs root. */
int build_live_gen_locales(const struct build_cfg *cfg, struct tree *t, const char *tmpdir);

/* The bytes of a regular file of the tree (after symbolic links),
 * NUL-terminated and malloc'ed; *text NULL (and 0) when there is none. */
int build_live_read(const struct tree *t, const char *path, char **text, size_t *len);
/* manifest.c: /live/filesystem.packages, "name<TAB>version" per installed
 * package sorted by name (as dpkg-query -W prints it), from the root's
 * /var/lib/dpkg/status; *text NULL when the root has no dpkg database. */
int build_live_manifest(const struct tree *t, char **text);

/* The shell command that generates the locales gen inside a root (for
 * mmdebstrap's customize hook: chroot "$1" sh -c '...'). malloc'ed. */
char *build_live_locale_command(char *const *gen);

#endif
