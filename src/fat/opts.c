/* The options of the FAT writer, set by key from the command line and the
 * build configuration alike. */
#include "core/error.h"
#include "core/tree.h"
#include "core/util.h"
#include "fat/fat.h"
#include "fat/fat_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fat_opts_init(struct fat_opts *o)
{
	memset(o, 0, sizeof *o);
	o->syslinux_dir = "";
}

static int parse_serial(const char *s, uint32_t *out, const char *label)
{
	char hex[9];
	size_t n = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '-' && n == 4 && p == s + 4)
			continue;
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')) ||
		    n == 8)
			return err_set(ERR_USAGE, "%s %s: expected 8 hex digits (XXXX-XXXX)", label, s);
		hex[n++] = *p;
	}
	if (n != 8)
		return err_set(ERR_USAGE, "%s %s: expected 8 hex digits (XXXX-XXXX)", label, s);
	hex[8] = 0;
	*out = (uint32_t)strtoul(hex, NULL, 16);
	return 0;
}

int fat_opts_set(struct fat_opts *o, const char *key, const char *value, const char *label)
{
	uint64_t v;
	bool on = true;
	int rc;
	if (!label)
		label = key;
	if (!strcmp(key, "partition") || !strcmp(key, "syslinux")) {
		if (value && (rc = util_parse_bool(value, &on, label)))
			return rc;
		*(key[0] == 'p' ? &o->partition : &o->syslinux) = on;
		return 0;
	}
	if (!value)
		return err_set(ERR_USAGE, "%s needs a value", label);
	if (!strcmp(key, "size")) {
		if (!strcmp(value, "auto")) {
			o->size = 0;
			return 0;
		}
		if ((rc = util_parse_size(value, &v, label)))
			return rc;
		o->size = o->size_given = v;
		snprintf(o->given.size, sizeof o->given.size, "%s", label);
	} else if (!strcmp(key, "fat")) {
		if ((rc = util_parse_uint(value, 0, 64, &v, label)))
			return rc;
		o->fat_bits = o->fat_bits_given = (int)v;
		snprintf(o->given.fat, sizeof o->given.fat, "%s", label);
	} else if (!strcmp(key, "label")) {
		o->label = value;
		snprintf(o->given.label, sizeof o->given.label, "%s", label);
	} else if (!strcmp(key, "serial")) {
		if ((rc = parse_serial(value, &o->serial, label)))
			return rc;
		o->serial_set = true;
	} else if (!strcmp(key, "syslinux-dir")) {
		o->syslinux_dir = value;
	} else {
		return err_set(ERR_USAGE, "%s: not a FAT option", label);
	}
	return 0;
}

int fat_opts_check(struct fat_opts *o, struct tree *t)
{
	uint8_t lbl[11];
	int rc;
	if (o->given.size[0] && (o->size_given == 0 || o->size_given % 512))
		return err_set(ERR_USAGE, "%s %llu: must be a non-zero multiple of 512 bytes", o->given.size,
			       (unsigned long long)o->size_given);
	if (o->given.fat[0] && o->fat_bits_given != 12 && o->fat_bits_given != 16 && o->fat_bits_given != 32)
		return err_set(ERR_USAGE, "%s %d: must be 12, 16 or 32", o->given.fat, o->fat_bits_given);
	if (o->label && (rc = fat_label_parse(o->label, lbl)))
		return o->given.label[0] ? err_wrap(rc, "%s", o->given.label) : rc;
	if (o->syslinux) {
		if (t->finalized)
			return err_set(EINVAL,
				       "internal error: SYSLINUX needs the FAT tree before tree_finalize()");
		if ((rc = fat_syslinux_prepare(t, o)))
			return rc;
	}
	o->prepared = true;
	return 0;
}
