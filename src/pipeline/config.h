/* mklive.conf: the build's settings, an INI file with sections [Root]
 * [Kernel] [Live] [Boot] [Output] and one [Entry LABEL] section per
 * user-defined boot menu entry. The command line sets the same keys and
 * overrides the file. Every value keeps where it came from ("mklive.conf:12",
 * "--root") so a bad value is reported there. */
#ifndef MKLIVE_BUILD_CONFIG_H
#define MKLIVE_BUILD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum cfg_key {
	/* [Root] */
	CFG_SOURCE,
	CFG_PACKAGES,
	CFG_VARIANT,
	CFG_MIRROR,
	CFG_COMPONENTS,
	CFG_OVERLAY,
	CFG_REMOVE,
	CFG_ATTR,
	CFG_HOSTNAME,
	CFG_RUN,
	CFG_INIT,
	CFG_RUN_TIMEOUT,
	/* [Kernel] */
	CFG_KERNEL,
	CFG_KERNEL_VERSION,
	CFG_MODULES_DIR,
	CFG_MODULE_PROFILE,
	CFG_ADD_MODULE,
	CFG_INITRD_COMPRESSION,
	CFG_RESCUE_SHELL,
	/* [Live] */
	CFG_ROOT_FORMAT,
	CFG_COMPRESSION,
	CFG_LEVEL,
	CFG_BLOCK_SIZE,
	CFG_WRITABLE,
	CFG_WRITABLE_PATHS,
	CFG_ID,
	CFG_THREADS,
	CFG_USER,
	CFG_PASSWORD,
	CFG_AUTOLOGIN,
	CFG_LOCALE,
	CFG_LOCALES,
	CFG_KEYMAP,
	CFG_TIMEZONE,
	CFG_NETWORK,
	CFG_AUTHORIZED_KEYS,
	/* [Boot] */
	CFG_TIMEOUT,
	CFG_SERIAL,
	CFG_SERIAL_SPEED,
	CFG_APPEND,
	CFG_DEFAULT,
	CFG_ENTRIES,
	CFG_HELP,
	CFG_DISPLAY,
	CFG_BOOT_FLOPPY,
	CFG_FLOPPY_ENTRIES,
	CFG_USB,
	CFG_UEFI,
	/* [Output] */
	CFG_OUTPUT,
	CFG_PROFILE,
	CFG_VOLUME_ID,
	CFG_PUBLISHER,
	CFG_APPLICATION,
	CFG_PREPARER,
	CFG_CACHE_DIR,
	CFG_CACHE,
	CFG_CACHE_SIZE,
	CFG_NKEYS
};

/* Keys of an [Entry LABEL] section. */
enum cfg_entry_key { CFG_E_TITLE, CFG_E_KERNEL, CFG_E_INITRD, CFG_E_APPEND, CFG_E_NKEYS };

struct cfg_val {
	char *value;
	char *label; /* where it was set: "mklive.conf:12", "--root", "profile article" */
};

struct cfg_list {
	struct cfg_val *v;
	size_t n, cap;
	bool set; /* assigned, perhaps to nothing ("Entries =" empties a list) */
};

struct cfg_entry {
	char *name; /* the menu label */
	char *label;
	struct cfg_list vals[CFG_E_NKEYS];
};

/* A key of a root image format's own ([squashfs] b = 1M, --set
 * squashfs.b=1M): handed to the format's option setter by the plan. */
struct cfg_fmt {
	char *format, *key, *value, *label;
};

/* A command-line assignment, kept until every file is read. */
struct cfg_arg {
	char *name, *value, *label;
};

struct build_cfg {
	struct cfg_list vals[CFG_NKEYS];
	struct cfg_entry *entries;
	size_t nentries, entries_cap;
	char *files; /* the configuration files read, for messages */
	struct cfg_arg *args;
	size_t nargs, args_cap;
	struct cfg_fmt *fmt;
	size_t nfmt, fmt_cap;
};

void build_cfg_init(struct build_cfg *c);
void build_cfg_free(struct build_cfg *c);

/* Read an INI file. Relative paths in it are relative to its directory.
 * An unknown section or key, or a bad value, fails with "FILE:LINE: ...". */
int build_cfg_load(struct build_cfg *c, const char *path);
/* Set "Section.Key" (or "Entry.LABEL.Key") to value; label says where
 * it comes from. A list key given again appends, unless replace is set (the
 * command line replaces a list the file set). Values are checked now. */
int build_cfg_set(struct build_cfg *c, const char *name, const char *value, const char *label, bool replace);

/* The command line: an assignment given as an option (label: how it was
 * spelled). They are applied by build_cfg_apply_args after every file,
 * whatever the order of the options, and a list key's first one there
 * replaces the files' list, later ones append. */
void build_cfg_arg(struct build_cfg *c, const char *name, const char *value, const char *label);
int build_cfg_apply_args(struct build_cfg *c);

/* The command-line spellings the keys have, for the option table and the
 * usage of mklive build: i counts from 0; NULL past the last. */
struct build_cfg_option {
	const char *names; /* "o|output" */
	const char *arg;   /* what the value is called; NULL: a flag */
	const char *value; /* a flag's value */
	const char *help;  /* '\n' continues the line */
	const char *key;   /* "Output.Output" */
};
const struct build_cfg_option *build_cfg_option(size_t i);

/* A value for a message: the first 64 bytes and "..." when it is longer
 * (buf holds at least BUILD_CFG_SHORT bytes). */
#define BUILD_CFG_SHORT 72
const char *build_cfg_short(const char *v, char *buf);

/* The effective value of a scalar key (the last one set, the profile's
 * default, or the key's default; NULL when it has none), and where it came
 * from (label may be NULL). */
const char *build_cfg_get(const struct build_cfg *c, enum cfg_key k, const char **label);
/* All values of a list key (words of every assignment, in order); n is the
 * count. When none was set, the default's words. */
const struct cfg_val *build_cfg_list(const struct build_cfg *c, enum cfg_key k, size_t *n);
/* Booleans and numbers, already checked when set. */
bool build_cfg_bool(const struct build_cfg *c, enum cfg_key k);
/* The name of a key: "Root.Source". */
const char *build_cfg_name(enum cfg_key k);

/* --print-config: every key with its effective value and where it came from. */
char *build_cfg_dump(const struct build_cfg *c);

#endif
