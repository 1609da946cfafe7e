/* What `mklive info` says of an image: each image on the way in (the
 * file, its layers), its format's own lines, partition tables, and for a
 * live medium the kernel, initrd, root image, its compressor and ratio,
 * and the medium id. */
#include "image/image.h"
#include "image/part.h"

#include "core/error.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int describe_src(const struct imgsrc *src, struct imgsrc_info *out, unsigned depth, bool host);

static struct tree_node *first_match(struct tree *t, const char *const *dirs, const char *const *prefixes)
{
	for (const char *const *d = dirs; *d; d++) {
		struct tree_node *dir = tree_lookup(t, *d);
		if (!dir || !tree_is_dir(dir))
			continue;
		for (const char *const *p = prefixes; *p; p++)
			for (size_t i = 0; i < dir->nchildren; i++)
				if (tree_is_reg(dir->children[i]) &&
				    util_has_prefix(dir->children[i]->name, *p))
					return dir->children[i];
	}
	return NULL;
}

static bool has_prefix_in(const char *name, const char *const *prefixes)
{
	for (const char *const *p = prefixes; *p; p++)
		if (util_has_prefix(name, *p))
			return true;
	return false;
}

struct sum {
	uint64_t bytes, files;
};
static int sum_pre(struct tree_node *n, void *vctx)
{
	struct sum *s = vctx;
	if (tree_is_reg(n) && (!n->link_first || n->link_first == n)) {
		s->bytes += n->size;
		s->files++;
	}
	return 0;
}

/* kernel, initrd and root image of a live medium (Debian live, mklive,
 * casper, Knoppix layouts) */
static void live_summary(struct tree *t, const struct imgsrc *src, struct imgsrc_info *out, unsigned depth)
{
	static const char *const kdirs[] = {"/boot",	      "/live", "/casper", "/isolinux",
					    "/boot/isolinux", "/",     NULL};
	static const char *const kpre[] = {"vmlinuz", "bzImage", "linux", NULL};
	static const char *const ipre[] = {"initrd", "initramfs", "minirt", NULL};
	static const char *const rdirs[] = {"/live", "/casper", "/KNOPPIX", "/LiveOS", NULL};
	struct tree_node *k = first_match(t, kdirs, kpre), *i = first_match(t, kdirs, ipre), *id;
	char *p;
	if (k) {
		p = tree_node_path(k);
		imgsrc_info_add(out, "kernel: %s (%llu bytes)", p, (unsigned long long)k->size);
		free(p);
	}
	if (i) {
		p = tree_node_path(i);
		imgsrc_info_add(out, "initrd: %s (%llu bytes)", p, (unsigned long long)i->size);
		free(p);
	}
	if ((id = tree_lookup(t, "/live/mklive.id")) && tree_is_reg(id) && id->size && id->size < 256) {
		char buf[256];
		if (tree_node_pread(id, -1, buf, (size_t)id->size, 0) == 0) {
			size_t n = (size_t)id->size;
			while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
				n--;
			buf[n] = 0;
			imgsrc_info_add(out, "medium id: %s", buf);
		}
		err_clear();
	}
	if (depth >= 4)
		return;
	for (const char *const *d = rdirs; *d; d++) {
		struct tree_node *dir = tree_lookup(t, *d);
		if (!dir || !tree_is_dir(dir))
			continue;
		for (size_t c = 0; c < dir->nchildren; c++) {
			struct tree_node *n = dir->children[c];
			const struct image_format *fmt = NULL;
			struct imgsrc s;
			char *name;
			/* the kernel and initramfs beside the root image
			 * (live-build's /live/vmlinuz, /live/initrd.img) are
			 * said above, not root images */
			if (!tree_is_reg(n) || n->size < 4096 || n == k || n == i ||
			    has_prefix_in(n->name, kpre) || has_prefix_in(n->name, ipre))
				continue;
			p = tree_node_path(n);
			name = xasprintf("%s:%s", src->name, p);
			if (imgsrc_open_node(&s, n, name) == 0) {
				if (image_probe(&s, &fmt) == 0 && fmt) {
					struct tree *rt = NULL;
					struct image_info ii;
					memset(&ii, 0, sizeof ii);
					imgsrc_info_add(out, "root image: %s (%s, %llu bytes)", p, fmt->name,
							(unsigned long long)n->size);
					if (image_read_src(&s, &rt, &ii) == 0) {
						struct sum sm = {0, 0};
						tree_walk(rt->root, sum_pre, NULL, &sm);
						if (sm.bytes)
							imgsrc_info_add(
							    out,
							    "root image ratio: %.1f%% (%llu bytes hold %llu "
							    "bytes in %llu files)",
							    100.0 * (double)n->size / (double)sm.bytes,
							    (unsigned long long)n->size,
							    (unsigned long long)sm.bytes,
							    (unsigned long long)sm.files);
					}
					tree_destroy(rt);
					err_clear();
					imgsrc_info_add(out, "--- %s", name);
					if (describe_src(&s, out, depth + 1, false) < 0)
						err_clear();
				} else if (util_has_prefix(n->name, "root") ||
					   util_has_prefix(n->name, "filesystem") || !strcmp(*d, "/KNOPPIX"))
					imgsrc_info_add(
					    out,
					    "root image: %s (%llu bytes, a format this build does not read)",
					    p, (unsigned long long)n->size);
				err_clear();
				imgsrc_close(&s);
			}
			err_clear();
			free(name);
			free(p);
		}
	}
}

static int describe_src(const struct imgsrc *src, struct imgsrc_info *out, unsigned depth, bool host)
{
	const struct image_format *fmt;
	struct tree *t = NULL;
	struct image_info ii;
	int rc;
	if (depth > IMAGE_MAX_NEST)
		return err_set(ERR_LIMIT, "%s: more than %d nested images", src->name, IMAGE_MAX_NEST);
	if ((rc = image_probe(src, &fmt)) < 0)
		return rc;
	if (!fmt)
		return err_set(ERR_FORMAT,
			       "%s: not an image mklive reads (ISO 9660, squashfs, cloop, FAT, tar, cpio)",
			       src->name);
	imgsrc_info_add(out, "image: %s (%llu bytes)", src->name, (unsigned long long)src->size);
	imgsrc_info_add(out, "format: %s", fmt->name);
	if (host)
		image_part_info(src, out);
	if (fmt->info && (rc = fmt->info(src, out)) < 0)
		return rc;
	if (fmt->layer) {
		struct tree_node *dev;
		struct imgsrc inner;
		if ((rc = fmt->layer(src, &dev)) < 0)
			return rc;
		rc = imgsrc_open_node(&inner, dev, src->name);
		tree_node_free_detached(dev);
		if (rc < 0)
			return rc;
		imgsrc_info_add(out, "--- inside the %s layer", fmt->name);
		rc = describe_src(&inner, out, depth + 1, false);
		imgsrc_close(&inner);
		return rc;
	}
	memset(&ii, 0, sizeof ii);
	if ((rc = image_read_src(src, &t, &ii)) < 0)
		return rc;
	{
		struct sum sm = {0, 0};
		tree_walk(t->root, sum_pre, NULL, &sm);
		imgsrc_info_add(out, "files: %llu regular files, %llu bytes", (unsigned long long)sm.files,
				(unsigned long long)sm.bytes);
	}
	live_summary(t, src, out, depth);
	tree_destroy(t);
	return 0;
}

int image_describe(const char *spec, struct imgsrc_info *out)
{
	struct imgsrc s;
	struct tree *t = NULL;
	struct tree_node *n;
	struct image_info info;
	int rc;
	if (!strchr(spec, ':') || access(spec, F_OK) == 0) {
		if ((rc = imgsrc_open_path(&s, spec)) < 0)
			return rc;
		rc = describe_src(&s, out, 0, true);
		imgsrc_close(&s);
		return rc;
	}
	if ((rc = image_open(spec, 0, &t, &n, &info)) < 0)
		return rc;
	if (!tree_is_reg(n)) {
		rc = err_set(EINVAL, "%s: not an image file", spec);
	} else if ((rc = imgsrc_open_node(&s, n, spec)) == 0) {
		rc = describe_src(&s, out, 0, false);
		imgsrc_close(&s);
	}
	image_info_free(&info);
	tree_destroy(t);
	return rc;
}
