/* Builds the live initramfs (see initrd.h). */
#include "live/initrd.h"

#include "archive/cpio.h"
#include "core/error.h"
#include "core/output.h"
#include "core/progress.h"
#include "core/time.h"
#include "core/tree.h"
#include "core/util.h"
#include "live/kmod.h"
#include "live/modsig.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* A busybox that needs a dynamic loader cannot run in the initramfs: look
 * for a PT_INTERP program header (ELF gABI, 64-bit little-endian only). */
int live_check_static_elf(const char *path)
{
	uint8_t eh[64], ph[56];
	size_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	if (fd < 0)
		return err_sys(errno, "%s (install busybox-static for --shell)", path);
	if (util_pread_full(fd, eh, sizeof eh, 0, &got) < 0 || got != sizeof eh || memcmp(eh, "\177ELF", 4) ||
	    eh[4] != 2 || eh[5] != 1) {
		rc = err_set(ERR_FORMAT, "%s: not a 64-bit little-endian ELF executable", path);
		goto out;
	}
	uint64_t phoff = get_le64(eh + 32);
	unsigned phentsize = get_le16(eh + 54), phnum = get_le16(eh + 56);
	for (unsigned i = 0; i < phnum && phentsize >= sizeof ph; i++) {
		if (util_pread_full(fd, ph, sizeof ph, (off_t)(phoff + (uint64_t)i * phentsize), &got) < 0 ||
		    got != sizeof ph)
			break;
		if (get_le32(ph) == 3 /* PT_INTERP */) {
			rc = err_set(ERR_USAGE,
				     "%s is dynamically linked; the initramfs needs a static busybox "
				     "(Debian: busybox-static)",
				     path);
			break;
		}
	}
out:
	close(fd);
	return rc;
}

static int add_node(struct tree *t, const char *dir, const char *name, mode_t mode, uint64_t rdev,
		    const char *symlink)
{
	struct tree_node *d, *n;
	int rc = tree_mkdir_p(t, dir, &d);
	if (rc < 0 || (rc = tree_add_child(t, d, name, mode, &n)) < 0)
		return rc;
	n->rdev = rdev;
	n->mtime = n->atime = n->ctime = time_build();
	if (symlink) {
		n->symlink = xstrdup(symlink);
		n->size = strlen(symlink);
	}
	return 0;
}

/* A text file of the root tree (NUL-terminated, malloc'ed); NULL if absent. */
static int tree_text(const struct tree *root, const char *path, char **out)
{
	const struct tree_node *n = tree_lookup(root, path);
	char *buf;
	int fd, rc;
	*out = NULL;
	if (!n || !tree_is_reg(n))
		return 0;
	if (n->size > (64u << 20))
		return err_set(ERR_LIMIT, "%s: %llu bytes is too large for a module index", path,
			       (unsigned long long)n->size);
	if ((fd = tree_node_open(n)) < -1)
		return fd;
	buf = xmalloc((size_t)n->size + 1);
	rc = tree_node_pread(n, fd, buf, (size_t)n->size, 0);
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	buf[n->size] = 0;
	*out = buf;
	return 0;
}

static int open_set_tree(struct kmod_set **s, const struct tree *root, const char *moddir)
{
	char *p, *dep = NULL, *alias = NULL, *soft = NULL;
	int rc;
	p = util_path_join(moddir, "modules.dep");
	rc = tree_text(root, p, &dep);
	if (rc == 0 && !dep)
		rc = err_set(ENOENT, "%s: not in the root (is the kernel's modules package installed?)", p);
	free(p);
	if (rc == 0) {
		p = util_path_join(moddir, "modules.alias");
		rc = tree_text(root, p, &alias);
		free(p);
	}
	if (rc == 0) {
		p = util_path_join(moddir, "modules.softdep");
		rc = tree_text(root, p, &soft);
		free(p);
	}
	if (rc == 0)
		rc = kmod_set_parse(s, dep, alias, soft);
	free(dep);
	free(alias);
	free(soft);
	return rc;
}

/* Copy a module from the root tree into the initramfs tree, sharing its bytes. */
static int add_from_tree(struct tree *t, const struct tree *root, const char *src, const char *dst)
{
	const struct tree_node *m = tree_lookup(root, src);
	struct tree_node *n;
	int rc;
	/* modules.dep may name a link (Debian's /lib -> usr/lib is resolved by
	 * the caller); a module must be a regular file */
	if (!m || !tree_is_reg(m))
		return err_set(ENOENT, "%s: listed in modules.dep but not a file in the root", src);
	if ((rc = tree_add_mem_file(t, dst, "", 0, m->mode & 07777, &n)) < 0)
		return rc;
	tree_node_share_data(n, m);
	n->mtime = m->mtime;
	return 0;
}

/* Where the root keeps /lib/modules: Debian's merged /usr has /lib -> usr/lib. */
static char *root_moddir(const struct tree *root, const char *ver)
{
	const struct tree_node *lib = tree_lookup(root, "/lib");
	if (lib && tree_is_lnk(lib) && lib->symlink &&
	    (!strcmp(lib->symlink, "usr/lib") || !strcmp(lib->symlink, "/usr/lib")))
		return xasprintf("/usr/lib/modules/%s", ver);
	return xasprintf("/lib/modules/%s", ver);
}

/* Carried byte for byte, Debian's modules keep their signatures; one
 * without (a module built here) will not load under Secure Boot. */
static int check_signature(struct tree *t, const char *dst, const char *from, size_t *nunsigned)
{
	const struct tree_node *n = tree_lookup(t, dst);
	enum live_modsig sig;
	int rc;
	if (!n || !tree_is_reg(n))
		return 0;
	if ((rc = live_module_sig(n, &sig)) < 0)
		return rc;
	if (sig == LIVE_MODSIG_NONE) {
		log_warn(
		    "%s: the module has no signature, so it will not load under Secure Boot (a locked-down "
		    "kernel loads only modules signed with a key it trusts); boot with Secure Boot off, "
		    "or sign it (Linux scripts/sign-file) with a key enrolled in MOK",
		    from);
		(*nunsigned)++;
	}
	return 0;
}

static int add_modules(struct tree *t, const struct live_initrd_opts *o, size_t *count, size_t *nunsigned)
{
	char *moddir = o->modules_dir ? xstrdup(o->modules_dir)
		       : o->root      ? root_moddir(o->root, o->kernel_version)
				      : xasprintf("/lib/modules/%s", o->kernel_version);
	char *base = xasprintf("/lib/modules/%s", o->kernel_version);
	const char *where = o->root ? "the root's " : "";
	struct kmod_set *s = NULL;
	int rc = o->root ? open_set_tree(&s, o->root, moddir) : kmod_set_open(&s, moddir);
	if (rc < 0) {
		rc = err_wrap(rc, "%smodules of kernel %s", where, o->kernel_version);
		goto out;
	}
	if ((rc = kmod_set_add_profile(s, o->profile ? o->profile : "generic")) < 0)
		goto out;
	if (o->net)
		kmod_set_add_net(s);
	for (size_t i = 0; i < o->nadd_modules; i++) {
		const char *m = o->add_modules[i];
		size_t ml = strlen(m);
		if (ml > 3 && (strstr(m, ".ko") || m[0] == '/' || m[0] == '.') && access(m, F_OK) == 0) {
			if ((rc = kmod_set_add_file(s, m)) < 0)
				goto out;
			continue;
		}
		if (kmod_set_add(s, m) == 0) {
			rc = err_set(ENOENT, "--add-module %s: no such module in %s%s/modules.dep",
				     o->add_modules[i], where, moddir);
			goto out;
		}
	}
	kmod_set_add_deps(s);
	for (size_t i = 0; i < kmod_set_count(s); i++) {
		const char *p = kmod_set_path(s, i), *from = kmod_set_source(s, i);
		char *src = from ? xstrdup(from) : util_path_join(moddir, p), *dst = util_path_join(base, p);
		if (o->root && !from)
			rc = add_from_tree(t, o->root, src, dst);
		else
			rc = tree_add_path(t, dst, src, NULL);
		if (rc >= 0)
			rc = check_signature(t, dst, from ? from : src, nunsigned);
		free(src);
		free(dst);
		if (rc < 0)
			goto out;
	}
	struct {
		const char *name;
		char *(*fn)(const struct kmod_set *);
	} idx[] = {{"modules.dep", kmod_set_dep_text},
		   {"modules.alias", kmod_set_alias_text},
		   {"modules.softdep", kmod_set_softdep_text}};
	for (size_t i = 0; i < ARRAY_SIZE(idx); i++) {
		char *text = idx[i].fn(s), *dst = util_path_join(base, idx[i].name);
		rc = tree_add_mem_file(t, dst, text, strlen(text), 0644, NULL);
		free(text);
		free(dst);
		if (rc < 0)
			goto out;
	}
	*count = kmod_set_count(s);
	log_info("%zu kernel modules from %s%s", kmod_set_count(s), where, moddir);
out:
	kmod_set_destroy(s);
	free(moddir);
	free(base);
	return rc;
}

static int build_tree(struct tree *t, const struct live_initrd_opts *o, const char *path, size_t *nmods,
		      size_t *nunsigned)
{
	struct tree_scan_opts add_so = {0};
	int rc;
	if ((rc = tree_add_mem_file(t, "/init", o->init, o->init_len, 0755, NULL)) < 0)
		return rc;
	/* The kernel opens /dev/console of the initramfs for PID 1's standard
	 * streams before /init runs, so the node must be in the archive. */
	if ((rc = add_node(t, "/dev", "console", S_IFCHR | 0600, makedev(5, 1), NULL)) < 0 ||
	    (rc = add_node(t, "/dev", "null", S_IFCHR | 0666, makedev(1, 3), NULL)) < 0)
		return rc;
	static const char *const dirs[] = {"/proc", "/sys", "/run", "/newroot"};
	struct tree_node *d;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if ((rc = tree_mkdir_p(t, dirs[i], &d)) < 0)
			return rc;
	if (o->kernel_version && (rc = add_modules(t, o, nmods, nunsigned)) < 0)
		return rc;
	if (o->id) {
		char *s = xasprintf("%s\n", o->id);
		rc = tree_add_mem_file(t, "/mklive.id", s, strlen(s), 0644, NULL);
		free(s);
		if (rc < 0)
			return rc;
	}
	if (o->shell) {
		const char *bb = o->busybox ? o->busybox : "/bin/busybox";
		struct tree_scan_opts so = {.follow_links = true};
		if ((rc = live_check_static_elf(bb)) < 0 ||
		    (rc = tree_add_path(t, "/bin/busybox", bb, &so)) < 0 ||
		    (rc = add_node(t, "/bin", "sh", S_IFLNK | 0777, 0, "busybox")) < 0)
			return rc;
	}
	tree_scan_skip_output(&add_so, path); /* an --add directory may hold the output */
	for (size_t i = 0; i < o->nadds; i++)
		if ((rc = tree_add_graft(t, o->adds[i], &add_so)) < 0)
			return err_wrap(rc, "--add %s", o->adds[i]);
	return tree_finalize(t);
}

/* ---- output: raw, or compressed as one stream --------------------------- */
/* The kernel's unpacker (init/initramfs.c) requires every compressed
 * stream to end exactly at the end of a cpio archive (after TRAILER!!!),
 * and cpio/bsdtar stop at the first trailer: so the archive is compressed
 * as one gzip member / xz stream / zstd frame, from memory. An initramfs is
 * tens of MB at most. */
struct sink {
	struct out_file *out;
	uint8_t *buf; /* the whole cpio when compressing */
	size_t len, cap;
	bool compress;
};

static int cpio_sink(void *ctx, const void *data, size_t n)
{
	struct sink *s = ctx;
	if (!s->compress)
		return out_write(s->out, data, n);
	util_grow(&s->buf, &s->cap, s->len + n, 1);
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return 0;
}

static int write_compressed(struct sink *s, const struct comp_opts *co, struct comp_cache *cache)
{
	struct comp_ctx *c = NULL;
	uint8_t *out = NULL;
	int rc = comp_ctx_create(&c, co);
	if (rc < 0)
		return rc;
	size_t cap = comp_bound(c, s->len), len;
	bool raw;
	out = xmalloc(cap);
	if (cache) {
		uint8_t *scratch = xmalloc(s->len + 1);
		int hit = comp_cache_get(cache, co, cap, s->buf, s->len, out, cap, &len, &raw, scratch);
		free(scratch);
		if (hit && !raw) {
			rc = out_write(s->out, out, len);
			free(out);
			comp_ctx_destroy(c);
			return rc;
		}
	}
	ssize_t n = comp_compress(c, s->buf, s->len, out, cap);
	if (n > 0 && cache)
		comp_cache_put(cache, co, cap, s->buf, s->len, out, (size_t)n, false);
	if (n < 0)
		rc = (int)n;
	else if (n == 0)
		rc = err_set(ERR_LIMIT, "%s: compressed initramfs exceeds the codec's bound",
			     out_path(s->out));
	else
		rc = out_write(s->out, out, (size_t)n);
	free(out);
	comp_ctx_destroy(c);
	return rc;
}

int live_initrd_write(const struct live_initrd_opts *o, const char *path, struct live_initrd_stats *stats)
{
	struct tree *t = tree_create();
	struct cpio_writer *w = NULL;
	struct sink s = {0};
	struct comp_opts co = o->comp;
	size_t nmods = 0, nunsigned = 0;
	int rc;
	if ((rc = build_tree(t, o, path, &nmods, &nunsigned)) < 0)
		goto fail;
	if ((rc = out_open(&s.out, path)) < 0)
		goto fail;
	/* xz: the kernel's decoder verifies CRC32 only (or none). */
	if (co.codec == COMP_XZ && co.xz_check == 0)
		co.xz_check = 1; /* LZMA_CHECK_CRC32 */
	s.compress = co.codec != COMP_NONE;
	cpio_writer_create(&w, cpio_sink, &s);
	if ((rc = cpio_write_tree(w, t)) < 0 || (rc = cpio_writer_finish(w)) < 0)
		goto fail;
	if (s.compress && (rc = write_compressed(&s, &co, o->cache)) < 0)
		goto fail;
	log_info("%s: %llu bytes of cpio, %llu bytes written", path, (unsigned long long)cpio_writer_bytes(w),
		 (unsigned long long)out_tell(s.out));
	if (stats) {
		stats->cpio_bytes = cpio_writer_bytes(w);
		stats->image_size = out_tell(s.out);
		stats->modules = nmods;
		stats->unsigned_modules = nunsigned;
	}
	rc = out_finish(s.out);
	s.out = NULL;
fail:
	if (rc < 0)
		out_abort(s.out);
	cpio_writer_destroy(w);
	free(s.buf);
	tree_destroy(t);
	return rc;
}
