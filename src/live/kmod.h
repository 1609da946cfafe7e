/* Kernel-module selection for the initramfs: which .ko files from
 * /lib/modules/VER an initrd carries (profiles, names, path patterns), the
 * closure over modules.dep and softdep "pre:", and trimmed copies of
 * modules.dep, modules.alias and modules.softdep naming only those. */
#ifndef MKLIVE_LIVE_KMOD_H
#define MKLIVE_LIVE_KMOD_H

#include <stdbool.h>
#include <stddef.h>

struct kmod_set;

/* Parse DIR/modules.dep (required), modules.alias and modules.softdep. */
int kmod_set_open(struct kmod_set **out, const char *moddir);
/* Parse from text (for tests); any may be NULL but dep. */
int kmod_set_parse(struct kmod_set **out, const char *dep, const char *alias, const char *softdep);
void kmod_set_destroy(struct kmod_set *s);

/* Select a module by name ("usb-storage" or "usb_storage") or, when the
 * spec contains '/', every module whose path (relative to the modules
 * directory, e.g. "kernel/drivers/ata/ahci.ko") matches the fnmatch
 * pattern. Returns the number selected (0: none matched; not an error). */
int kmod_set_add(struct kmod_set *s, const char *spec);
/* Add a module file from outside the modules directory (e.g. a cloop.ko
 * built from cloop-src): carried as extra/NAME.ko, NAME being the module's
 * own (.modinfo name=, as modinfo -F name says; the file's name when it
 * has none), its dependencies (.modinfo depends=) taken from modules.dep.
 * Replaces a module of that name. */
int kmod_set_add_file(struct kmod_set *s, const char *file);
/* Add the profile "generic" or "minimal", each optionally with "+net"
 * (the net set below); error for another name. */
int kmod_set_add_profile(struct kmod_set *s, const char *profile);
/* Add what the selection needs: dependencies and softdep "pre:" modules,
 * until nothing changes. */
void kmod_set_add_deps(struct kmod_set *s);
/* Add the "net" set: Ethernet drivers (PCI, virtual, USB adapters). Used by
 * ModuleProfile = generic+net and by the initrd option "net" (--net). */
void kmod_set_add_net(struct kmod_set *s);

size_t kmod_set_count(const struct kmod_set *s);
/* The i-th selected module's path relative to the modules directory, in
 * modules.dep order. NULL past the end. */
const char *kmod_set_path(const struct kmod_set *s, size_t i);
/* Host file of the i-th selected module when it came from kmod_set_add_file,
 * else NULL (it is in the modules directory). */
const char *kmod_set_source(const struct kmod_set *s, size_t i);
bool kmod_set_has(const struct kmod_set *s, const char *name);

/* Trimmed index files (malloc'ed text): only the selected modules. */
char *kmod_set_dep_text(const struct kmod_set *s);
char *kmod_set_alias_text(const struct kmod_set *s);
char *kmod_set_softdep_text(const struct kmod_set *s);

#endif
