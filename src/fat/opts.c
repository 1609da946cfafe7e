/* The options of the FAT writer, set by key from the command line and the
 * build configuration alike. */
#include "core/error.h"
#include "core/util.h"
#include "fat/fat.h"

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
		if (v == 0 || v % 512)
			return err_set(ERR_USAGE, "%s %s: must be a non-zero multiple of 512 bytes", label,
				       value);
		o->size = v;
	} else if (!strcmp(key, "fat")) {
		if ((rc = util_parse_uint(value, 12, 32, &v, label)))
			return rc;
		if (v != 12 && v != 16 && v != 32)
			return err_set(ERR_USAGE, "%s %s: must be 12, 16 or 32", label, value);
		o->fat_bits = (int)v;
	} else if (!strcmp(key, "label")) {
		o->label = value;
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
