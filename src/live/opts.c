/* The options of the initramfs builder, set by key from the command line
 * and the build configuration alike, and the rules between them. */
#include "core/error.h"
#include "core/util.h"
#include "live/init_blob.h"
#include "live/initrd.h"

#include <stdlib.h>
#include <string.h>

void live_initrd_opts_init(struct live_initrd_opts *o)
{
	memset(o, 0, sizeof *o);
	o->comp.codec = COMP_GZIP;
	o->comp.level = -1;
	o->init = mklive_init_blob;
	o->init_len = live_init_blob_size();
}

void live_initrd_opts_free(struct live_initrd_opts *o)
{
	free((void *)o->add_modules);
	free((void *)o->adds);
	o->add_modules = o->adds = NULL;
	o->nadd_modules = o->nadds = o->mods_cap = o->adds_cap = 0;
}

static void push(const char *const **arr, size_t *n, size_t *cap, const char *v)
{
	const char **a = (const char **)*arr;
	util_grow(&a, cap, *n + 1, sizeof *a);
	a[(*n)++] = v;
	*arr = a;
}

int live_initrd_opts_set(struct live_initrd_opts *o, const char *key, const char *value, const char *label)
{
	uint64_t v;
	bool on = true;
	int rc;
	if (!label)
		label = key;
	if (!strcmp(key, "shell") || !strcmp(key, "no-modules") || !strcmp(key, "net")) {
		if (value && (rc = util_parse_bool(value, &on, label)))
			return rc;
		*(key[0] == 's' ? &o->shell : key[0] == 'n' && key[1] == 'e' ? &o->net : &o->no_modules) = on;
		return 0;
	}
	if (!value)
		return err_set(ERR_USAGE, "%s needs a value", label);
	if (!strcmp(key, "kernel-version")) {
		o->kernel_version = value;
	} else if (!strcmp(key, "modules-dir")) {
		o->modules_dir = value;
	} else if (!strcmp(key, "profile")) {
		if (strcmp(value, "generic") && strcmp(value, "minimal") && strcmp(value, "generic+net") &&
		    strcmp(value, "minimal+net"))
			return err_set(ERR_USAGE,
				       "%s %s: expected generic, minimal, generic+net or minimal+net", label,
				       value);
		o->profile = value;
	} else if (!strcmp(key, "add-module")) {
		push(&o->add_modules, &o->nadd_modules, &o->mods_cap, value);
	} else if (!strcmp(key, "add")) {
		push(&o->adds, &o->nadds, &o->adds_cap, value);
	} else if (!strcmp(key, "busybox")) {
		o->busybox = value;
	} else if (!strcmp(key, "id")) {
		if (!*value || strlen(value) > 100 || strpbrk(value, " \t\n\""))
			return err_set(ERR_USAGE, "%s '%s': 1 to 100 characters, no spaces or quotes", label,
				       value);
		o->id = value;
	} else if (!strcmp(key, "compress")) {
		enum comp_codec codec;
		if (comp_codec_parse(value, &codec) < 0 ||
		    (codec != COMP_GZIP && codec != COMP_ZSTD && codec != COMP_XZ && codec != COMP_NONE))
			return err_set(ERR_USAGE, "%s %s: expected gzip, zstd, xz or none", label, value);
		o->comp.codec = codec;
	} else if (!strcmp(key, "level")) {
		if ((rc = util_parse_uint(value, 0, 22, &v, label)) < 0)
			return rc;
		o->comp.level = (int)v;
	} else {
		return err_set(ERR_USAGE, "%s: not an initramfs option", label);
	}
	return 0;
}

int live_initrd_opts_check(struct live_initrd_opts *o)
{
	if (!o->kernel_version && !o->no_modules)
		return err_set(ERR_USAGE, "--kernel-version VER is required (or --no-modules)");
	if (o->no_modules)
		o->kernel_version = NULL;
	return comp_level_check(o->comp.codec, o->comp.level);
}
