/* The build's plan: every key of mklive.conf compiled into typed fields
 * and every writer's options, checked before stage 1, so an error that
 * needs only the settings is reported before any work (no mmdebstrap run,
 * nothing read or compressed). The stages read the plan, never the
 * settings' strings. */
#ifndef MKLIVE_PIPELINE_PLAN_H
#define MKLIVE_PIPELINE_PLAN_H

#include "boot/menu.h"
#include "image/image.h"
#include "live/initrd.h"
#include "pipeline/chroot.h"
#include "pipeline/config.h"

#include <stdbool.h>
#include <stdint.h>

/* A value and where it was set ("mklive.conf:12: Kernel", "--kernel",
 * "default"); value is NULL when the key has none. */
struct plan_str {
	const char *value, *label;
};

/* Attr = PATH MODE UID GID; -1: keep the field. */
struct plan_attr {
	char *path;
	const char *label;
	int mode;
	int64_t uid, gid;
};

/* The built-in menu entries, named (never by their row). */
enum build_entry {
	BUILD_ENTRY_LIVE,
	BUILD_ENTRY_TORAM,
	BUILD_ENTRY_PERSIST,
	BUILD_ENTRY_CHECK,
	BUILD_ENTRY_DEBUG,
	BUILD_ENTRY_SHELL,
	/* the live-build-like ones, which give way to an [Entry] of the same
	 * label; lang, fwsetup and memtest are made by medium.c */
	BUILD_ENTRY_SAFE,
	BUILD_ENTRY_LANG,
	BUILD_ENTRY_FWSETUP,
	BUILD_ENTRY_MEMTEST,
	BUILD_NENTRIES
};
struct build_entry_def {
	const char *label, *title, *extra; /* extra: parameters after the base */
	bool needs_shell;		   /* left out when the initramfs has no shell */
};
extern const struct build_entry_def build_entries[BUILD_NENTRIES];

/* An [Entry LABEL] section. */
struct plan_entry {
	const char *name, *title, *append, *label;
	struct plan_str kernel, initrd; /* its own kernel, else value NULL */
};

/* Help = Fn FILE [TITLE] */
struct plan_help {
	int key;
	char *file;
	const char *title, *label;
};

enum build_uefi { BUILD_UEFI_NO, BUILD_UEFI_AUTO, BUILD_UEFI_YES };
enum plan_floppy { PLAN_FLOPPY_NONE, PLAN_FLOPPY_AUTO, PLAN_FLOPPY_1440K, PLAN_FLOPPY_2880K };

struct build_plan {
	/* The settings themselves, for the live system's [Live] keys (User,
	 * Locale, ...), which livesys.c checks and applies as a whole. */
	const struct build_cfg *cfg;
	/* [Root] */
	struct plan_str source;
	enum build_root_kind root_kind;
	const char *variant, *mirror, *components;
	const char **packages;
	size_t npackages;
	struct plan_str *overlay, *remove, *run;
	size_t noverlay, nremove, nrun;
	struct plan_attr *attr;
	size_t nattr;
	struct plan_str hostname; /* value NULL: the root's own */
	struct plan_str init;
	long long run_timeout;	       /* seconds a Run= script may take; 0: no limit */
	const char *run_timeout_label; /* where RunTimeout was set */
	/* [Kernel] */
	struct plan_str kernel, kernel_version, modules_dir;
	struct live_initrd_opts initrd;
	char *busybox; /* the rescue shell's busybox, or NULL */
	/* [Live] */
	const struct image_writer *root_writer; /* RootFormat, from the writers' table */
	void *root_opts;			/* its options, set and checked */
	bool cloop_root;			/* RootFormat=cloop: the cloop module is needed */
	bool tgz;				/* Writable=tgz: root_fs.tgz */
	const char **writable_paths;
	size_t nwritable_paths;
	const char *id; /* Live.Id, or NULL: derived from the root image */
	/* [Boot] */
	unsigned timeout, serial_speed;
	bool serial, usb;
	const char *append;			  /* Boot.Append, or NULL */
	enum build_entry builtin[BUILD_NENTRIES]; /* in the order of Entries */
	size_t nbuiltin;
	unsigned builtin_set; /* 1 << enum build_entry for each of them */
	struct plan_entry *entries;
	size_t nentries;
	struct plan_help help[MENU_MAX_HELP];
	size_t nhelp;
	const char *default_entry;
	struct plan_str display;
	enum plan_floppy floppy;
	const char *floppy_label;
	const char **floppy_entries; /* none: every entry */
	size_t nfloppy_entries;
	enum build_uefi uefi;
	const char *uefi_label; /* "--uefi", "mk.conf:7: UEFI", else "Boot.UEFI" */
	/* [Output] */
	const char *output, *output_label;
	char *outdir;
	struct plan_str volume_id, publisher, application, preparer;
	char *cache_dir; /* NULL: none to use */
	bool cache;
	uint64_t cache_max;
};

struct iso_opts;
/* The medium's identifiers (VolumeId, Publisher, Application, Preparer)
 * set on io through its setters, labelled with where they were set. */
int build_plan_iso_ids(const struct build_plan *p, struct iso_opts *io);

/* Compile cfg into p; every error names the key's file:line or option. */
int build_plan(const struct build_cfg *cfg, struct build_plan *p);
void build_plan_free(struct build_plan *p);

#endif
