/* The options of the squashfs writer, set by key from the command line and
 * the build configuration alike, and the rules between them. */
#include "core/error.h"
#include "core/util.h"
#include "squashfs/format.h"
#include "squashfs/squashfs.h"

#include <stdio.h>
#include <string.h>

void sqfs_opts_init(struct sqfs_opts *o)
{
	memset(o, 0, sizeof *o);
	o->codec = COMP_ZLIB;
	o->level = -1;
	o->block_size = 128 * 1024;
	o->force_uid = o->force_gid = -1;
}

int sqfs_codec_parse(const char *name, enum comp_codec *out)
{
	for (unsigned id = 1; sqfs_comp_by_id(id); id++)
		if (sqfs_comp_by_id(id)->writable && !strcmp(name, sqfs_comp_name(id))) {
			*out = sqfs_comp_by_id(id)->codec;
			return 0;
		}
	return err_set(ERR_USAGE, "compressor '%s' is not supported (use gzip, xz, zstd or lz4)", name);
}

static int flag(const char *value, bool *on, const char *label)
{
	*on = true;
	return value ? util_parse_bool(value, on, label) : 0;
}

int sqfs_opts_set(struct sqfs_opts *o, const char *key, const char *value, const char *label)
{
	static const char *const flags[] = {"no-fragments", "no-duplicates", "no-xattrs",
					    "no-exports",   "all-root",	     "Xhc"};
	bool *const fields[] = {&o->no_fragments, &o->no_duplicates, &o->no_xattrs,
				&o->no_exports,	  &o->all_root,	     &o->lz4_hc};
	uint64_t v;
	int rc;
	if (!label)
		label = key;
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (!strcmp(key, flags[i]))
			return flag(value, fields[i], label);
	if (!value)
		return err_set(ERR_USAGE, "%s needs a value", label);
	if (!strcmp(key, "comp")) {
		if ((rc = sqfs_codec_parse(value, &o->codec)))
			return err_wrap(rc, "%s", label);
	} else if (!strcmp(key, "b")) {
		if ((rc = util_parse_size(value, &v, label)))
			return rc;
		o->block_given = v;
		o->block_size = (uint32_t)MIN(v, UINT32_MAX);
		snprintf(o->block_label, sizeof o->block_label, "%s", label);
	} else if (!strcmp(key, "Xcompression-level")) {
		if ((rc = util_parse_uint(value, 0, 99, &v, label)))
			return rc;
		o->level = (int)v;
		snprintf(o->level_label, sizeof o->level_label, "%s", label);
	} else if (!strcmp(key, "processors")) {
		if ((rc = util_parse_uint(value, 1, 1024, &v, label)))
			return rc;
		o->threads = (int)v;
	} else if (!strcmp(key, "force-uid") || !strcmp(key, "force-gid")) {
		if ((rc = util_parse_uint(value, 0, UINT32_MAX, &v, label)))
			return rc;
		*(key[6] == 'u' ? &o->force_uid : &o->force_gid) = (int64_t)v;
	} else {
		return err_set(ERR_USAGE, "%s: not a squashfs option", label);
	}
	return 0;
}

int sqfs_opts_check(struct sqfs_opts *o)
{
	const char *ll = o->level_label[0] ? o->level_label : "-Xcompression-level";
	int rc;
	if (o->block_label[0]) {
		uint64_t v = o->block_given;
		if (v < 4096 || v > (1u << 20) || (v & (v - 1)))
			return err_set(ERR_USAGE,
				       "%s %llu: the block size must be a power of two from 4K to 1M",
				       o->block_label, (unsigned long long)v);
		o->block_size = (uint32_t)v;
	}
	if (o->lz4_hc) {
		if (o->codec != COMP_LZ4)
			return err_set(ERR_USAGE, "-Xhc is an lz4 option");
		if (o->level < 0)
			o->level = 9;
	} else if (o->level >= 0 && o->codec == COMP_LZ4) {
		return err_set(ERR_USAGE,
			       "%s %d: lz4 has no compression level; use -Xhc for high compression", ll,
			       o->level);
	}
	if (o->level >= 0 && o->codec == COMP_ZLIB && (o->level < 1 || o->level > 9))
		return err_set(ERR_USAGE, "%s %d: gzip compression levels are 1 to 9", ll, o->level);
	if (o->level >= 0 && o->codec == COMP_ZSTD && o->level < 1)
		return err_set(ERR_USAGE, "%s %d: zstd compression levels are 1 to 22", ll, o->level);
	if (o->level >= 0 && (rc = comp_level_check(o->codec, o->level)) != 0)
		return err_wrap(rc, "%s", ll);
	return 0;
}
