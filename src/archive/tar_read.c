/* Reading tar and cpio archives through libarchive (see archive.h): input
 * callbacks over large buffers, so the bytes of each file can be found in
 * the archive itself; the spool file for what must be decompressed;
 * concatenated cpio archives (an initramfs); the image-reader contract. */
#include "archive/tar_impl.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAR_INBUF (4u << 20)	 /* one read of the archive */
#define TAR_SPOOL_BUF (1u << 20) /* one write of the spool file */

void tar_read_opts_init(struct tar_read_opts *o)
{
	memset(o, 0, sizeof *o);
}

/* ---- input --------------------------------------------------------------
 * libarchive hands out pointers into the last buffer the read callback
 * returned whenever the bytes asked for lie in it, and into its own copy
 * otherwise (a header across two buffers). A data block inside our buffer
 * is therefore at a known offset of the archive. */

static la_ssize_t read_cb(struct archive *a, void *ctx, const void **out)
{
	struct tar_rd *r = ctx;
	size_t n = (size_t)MIN((uint64_t)TAR_INBUF, r->src->size - r->pos);
	int rc;
	*out = r->buf;
	r->buf_len = 0;
	if (r->in_err)
		return -1;
	if (!n)
		return 0;
	rc = imgsrc_pread(r->src, r->buf, n, r->pos);
	if (rc) {
		r->in_err = rc;
		archive_set_error(a, EIO, "%s", err_msg());
		return -1;
	}
	r->buf_off = r->pos;
	r->buf_len = n;
	r->pos += n;
	return (la_ssize_t)n;
}

static la_int64_t skip_cb(struct archive *a, void *ctx, la_int64_t request)
{
	struct tar_rd *r = ctx;
	uint64_t n = request > 0 ? MIN((uint64_t)request, r->src->size - r->pos) : 0;
	(void)a;
	r->pos += n;
	r->buf_len = 0;
	return (la_int64_t)n;
}

static bool in_buf(const struct tar_rd *r, const void *p, size_t len, uint64_t *off)
{
	uintptr_t b = (uintptr_t)r->buf, q = (uintptr_t)p;
	if (!r->buf_len || q < b || q - b > r->buf_len || len > r->buf_len - (q - b))
		return false;
	*off = r->buf_off + (q - b);
	return true;
}

/* Offset in the archive's stream (decompressed, from the start of this
 * segment) of the next byte libarchive will consume. */
static uint64_t stream_pos(const struct tar_rd *r)
{
	la_int64_t b = archive_filter_bytes(r->a, 0);
	return b > 0 ? (uint64_t)b : 0;
}

int tar_la_error(struct tar_rd *r)
{
	const char *m;
	char *q;
	int rc;
	if (r->in_err)
		return r->in_err;
	m = archive_error_string(r->a);
	if (!r->st->entries && !archive_format(r->a))
		return err_set(ERR_FORMAT, "%s: not a tar or cpio archive (%s)", r->src->name,
			       m ? m : "unrecognised");
	q = r->cur ? tar_quote(r->cur) : NULL;
	rc = err_set(ERR_FORMAT, "%s: %s %llu%s%s%s: %s", r->src->name,
		     archive_filter_count(r->a) > 1 ? "offset in the decompressed stream" : "offset",
		     (unsigned long long)(archive_filter_count(r->a) > 1 ? stream_pos(r)
									 : r->seg_start + stream_pos(r)),
		     q ? " (entry '" : "", q ? q : "", q ? "')" : "", m ? m : "unreadable archive");
	free(q);
	return rc;
}

/* ---- the spool file -------------------------------------------------------- */

static const char *spool_dir(const struct tar_rd *r)
{
	const char *d = r->o.spool_dir;
	if (!d || !*d)
		d = getenv("TMPDIR");
	return d && *d ? d : "/tmp";
}

static int spool_open(struct tar_rd *r)
{
	const char *dir = spool_dir(r);
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		/* a file system without O_TMPFILE: a named file, unlinked at once */
		char *tmpl = util_path_join(dir, ".mklive-spool-XXXXXX");
		fd = mkostemp(tmpl, O_CLOEXEC);
		if (fd >= 0)
			unlink(tmpl);
		free(tmpl);
	}
	if (fd < 0)
		return err_sys(errno, "%s: cannot make a spool file for the data of %s", dir, r->src->name);
	r->sp.fd = fd;
	r->sp.img = tree_img_create(fd, r->src->name, NULL, NULL);
	r->sp.wbuf = xmalloc(TAR_SPOOL_BUF);
	return 0;
}

static int spool_pwrite(struct tar_rd *r, const void *p, size_t len, uint64_t off)
{
	const uint8_t *b = p;
	while (len) {
		ssize_t w = pwrite(r->sp.fd, b, len, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return err_sys(w < 0 ? errno : EIO, "%s: writing the spool file for %s", spool_dir(r),
				       r->src->name);
		b += w;
		len -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int spool_flush(struct tar_rd *r)
{
	int rc = r->sp.wlen ? spool_pwrite(r, r->sp.wbuf, r->sp.wlen, r->sp.woff) : 0;
	r->sp.wlen = 0;
	return rc;
}

static int spool_write(struct tar_rd *r, uint64_t off, const void *p, size_t len)
{
	struct tar_spool *s = &r->sp;
	int rc;
	if (s->wlen && off == s->woff + s->wlen && len <= TAR_SPOOL_BUF - s->wlen) {
		memcpy(s->wbuf + s->wlen, p, len);
		s->wlen += len;
		return 0;
	}
	if ((rc = spool_flush(r)) != 0)
		return rc;
	if (len >= TAR_SPOOL_BUF)
		return spool_pwrite(r, p, len, off);
	memcpy(s->wbuf, p, len);
	s->woff = off;
	s->wlen = len;
	return 0;
}

/* Room for size bytes. Files of 4 KiB and more start on a 4 KiB boundary,
 * so the holes of sparse entries stay holes of the spool file. */
static int spool_alloc(struct tar_rd *r, uint64_t size, uint64_t *base)
{
	int rc;
	if (r->sp.fd < 0 && (rc = spool_open(r)) != 0)
		return rc;
	*base = size >= 4096 ? ALIGN_UP(r->sp.end, 4096) : r->sp.end;
	r->sp.end = *base + size;
	return 0;
}

/* Copy len bytes at off of the archive to the spool at dst: the part of an
 * entry read in place before its data stopped being where expected. */
static int spool_copy_src(struct tar_rd *r, uint64_t dst, uint64_t off, uint64_t len)
{
	size_t chunk = (size_t)MIN(len, (uint64_t)TAR_SPOOL_BUF);
	uint8_t *b = chunk ? xmalloc(chunk) : NULL;
	int rc = 0;
	while (len && !rc) {
		size_t k = (size_t)MIN(len, (uint64_t)chunk);
		if ((rc = imgsrc_pread(r->src, b, k, off)) == 0)
			rc = spool_write(r, dst, b, k);
		off += k;
		dst += k;
		len -= k;
	}
	free(b);
	return rc;
}

static int spool_finish(struct tar_rd *r)
{
	struct stat st;
	int rc;
	if (r->sp.fd < 0)
		return 0;
	if ((rc = spool_flush(r)) != 0)
		return rc;
	if (fstat(r->sp.fd, &st) < 0)
		return err_sys(errno, "%s: the spool file for %s", spool_dir(r), r->src->name);
	if ((uint64_t)st.st_size < r->sp.end && ftruncate(r->sp.fd, (off_t)r->sp.end) < 0)
		return err_sys(errno, "%s: the spool file for %s", spool_dir(r), r->src->name);
	return 0;
}

/* ---- data placement -------------------------------------------------------- */

int tar_data_read(struct tar_rd *r, struct tree_node *n, uint64_t size)
{
	/* In a plain archive the data of an entry starts where libarchive
	 * stands after its header; a run of blocks in our buffers that starts
	 * there and covers the whole size is the file, in place. Anything else
	 * (a sparse entry, a block from libarchive's own copy) goes to the
	 * spool, with what was found in place so far. */
	uint64_t want = r->seg_start + stream_pos(r), start = 0, got = 0, sp = UINT64_MAX, stored = 0;
	bool inplace = r->plain;
	int rc;
	n->size = size;
	if (!size)
		return 0;
	if (r->o.no_data)
		return archive_read_data_skip(r->a) < ARCHIVE_WARN ? tar_la_error(r) : 0;
	for (;;) {
		const void *p;
		size_t len;
		la_int64_t off;
		uint64_t f;
		int ar = archive_read_data_block(r->a, &p, &len, &off);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar < ARCHIVE_WARN)
			return tar_la_error(r);
		if (off < 0 || (uint64_t)off > size || len > size - (uint64_t)off) {
			char *q = tar_quote(r->cur);
			rc = err_set(ERR_FORMAT, "%s: entry '%s': data beyond its size of %llu bytes",
				     r->src->name, q, (unsigned long long)size);
			free(q);
			return rc;
		}
		if (!len)
			continue;
		stored += len;
		if (inplace) {
			if ((uint64_t)off == got && in_buf(r, p, len, &f) &&
			    f == (got ? start + got : want)) {
				start = got ? start : f;
				got += len;
				continue;
			}
			inplace = false;
			if ((rc = spool_alloc(r, size, &sp)) != 0 ||
			    (rc = spool_copy_src(r, sp, start, got)) != 0)
				return rc;
		} else if (sp == UINT64_MAX && (rc = spool_alloc(r, size, &sp)) != 0)
			return rc;
		if ((rc = spool_write(r, sp + (uint64_t)off, p, len)) != 0)
			return rc;
	}
	if (inplace && got == size) {
		tree_node_set_img(n, r->img, r->img->ops ? start : r->base + start, 0);
		n->stored_size = size;
		r->st->in_place += size;
		return 0;
	}
	if (sp == UINT64_MAX) { /* in place up to a final hole, or holes only */
		if ((rc = spool_alloc(r, size, &sp)) != 0 || (rc = spool_copy_src(r, sp, start, got)) != 0)
			return rc;
	}
	tree_node_set_img(n, r->sp.img, sp, 0);
	n->stored_size = stored;
	r->st->spooled += size;
	if (!r->plain) { /* its share of the compressed stream is estimated at the end */
		util_grow(&r->est, &r->est_cap, r->nest + 1, sizeof *r->est);
		r->est[r->nest++] = sp;
	}
	return 0;
}

/* ---- the archive ----------------------------------------------------------- */

static int nested_pread(struct tree_img *img, const struct tree_node *n, void *buf, size_t len, uint64_t off)
{
	return imgsrc_pread(img->priv, buf, len, n->src_off + off);
}

static void nested_destroy(struct tree_img *img)
{
	imgsrc_close(img->priv);
	free(img->priv);
}

static const struct tree_img_ops nested_ops = {.pread = nested_pread, .destroy = nested_destroy};

/* Formats and filters with a library behind them (no external programs). */
static void setup(struct archive *a)
{
	archive_read_support_format_tar(a);
	archive_read_support_format_cpio(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_lz4(a);
}

/* Where the next of concatenated archives starts: after the zeros that
 * follow the TRAILER!!! of a cpio archive (the kernel's initramfs
 * unpacker reads on the same way); src->size if none does. */
static int next_segment(struct tar_rd *r, uint64_t off, uint64_t *next)
{
	uint8_t b[4096];
	while (off < r->src->size) {
		size_t k = (size_t)MIN((uint64_t)sizeof b, r->src->size - off), i = 0;
		int rc = imgsrc_pread(r->src, b, k, off);
		if (rc)
			return rc;
		while (i < k && !b[i])
			i++;
		off += i;
		if (i < k)
			break;
	}
	*next = off;
	return 0;
}

static int read_segment(struct tar_rd *r, uint64_t start, uint64_t *next)
{
	struct archive_entry *e;
	bool first = true;
	int ar, rc = 0;
	r->seg_start = r->pos = start;
	r->buf_len = 0;
	r->cur = NULL;
	r->a = archive_read_new();
	if (!r->a)
		return err_set(ENOMEM, "%s: cannot start libarchive", r->src->name);
	setup(r->a);
	*next = r->src->size;
	if (archive_read_open2(r->a, r, NULL, read_cb, skip_cb, NULL) != ARCHIVE_OK) {
		rc = tar_la_error(r);
		goto out;
	}
	r->plain = archive_filter_count(r->a) <= 1; /* the filters are chosen on opening */
	for (;;) {
		r->cur = NULL; /* the entry's name is libarchive's: gone with the next header */
		if ((ar = archive_read_next_header(r->a, &e)) == ARCHIVE_EOF)
			break;
		if (ar < ARCHIVE_WARN) {
			rc = tar_la_error(r);
			goto out;
		}
		if (first) {
			first = false;
			snprintf(r->st->format, sizeof r->st->format, "%s", archive_format_name(r->a));
			if (!r->st->segments)
				snprintf(r->st->filter, sizeof r->st->filter, "%s",
					 archive_filter_name(r->a, 0));
		}
		if (ar == ARCHIVE_WARN) {
			const char *m = archive_error_string(r->a);
			/* names are taken as bytes: the locale's charset does not matter */
			if (m && !strstr(m, "can't be converted")) {
				char *q =
				    tar_quote(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
				log_warn("%s: entry '%s': %s", r->src->name, q, m);
				free(q);
			}
		}
		if (++r->st->entries > r->o.max_entries) {
			rc = err_set(ERR_LIMIT, "%s: more than %llu entries", r->src->name,
				     (unsigned long long)r->o.max_entries);
			goto out;
		}
		if ((rc = tar_entry_add(r, e)) != 0)
			goto out;
	}
	r->st->segments++;
	r->st->stream_bytes += stream_pos(r);
	/* the end of a compressed stream is not known: it runs to the end */
	if (r->plain && (archive_format(r->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_CPIO)
		rc = next_segment(r, start + stream_pos(r), next);
out:
	archive_read_free(r->a);
	r->a = NULL;
	r->cur = NULL;
	return rc;
}

struct estimate {
	const struct tar_rd *r;
	double ratio;
};

/* Nodes spooled from a compressed stream (every name of a hard-linked
 * file) get their data bytes times the stream's compression ratio. */
static int estimate_node(struct tree_node *n, void *ctx)
{
	struct estimate *e = ctx;
	size_t lo = 0, hi = e->r->nest;
	if (n->src_img != e->r->sp.img || !n->stored_size)
		return 0;
	while (lo < hi) { /* est[] is in spool order */
		size_t mid = lo + (hi - lo) / 2;
		if (e->r->est[mid] == n->src_off) {
			n->stored_size = (uint64_t)((double)n->stored_size * e->ratio) + 1;
			return 0;
		}
		if (e->r->est[mid] < n->src_off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int tar_read_src(const struct imgsrc *src, struct tree *t, const struct tar_read_opts *o,
		 struct tar_read_stats *st)
{
	struct tar_read_stats local;
	struct tar_rd r;
	struct tree_img *host;
	uint64_t base = 0, off = 0, next = src->size, plain_stream = 0;
	int rc = 0;
	memset(&r, 0, sizeof r);
	if (o)
		r.o = *o;
	if (!r.o.max_entries)
		r.o.max_entries = TAR_MAX_ENTRIES;
	r.src = src;
	r.t = t;
	r.st = st ? st : &local;
	memset(r.st, 0, sizeof *r.st);
	r.st->archive_bytes = src->size;
	r.sp.fd = -1;
	host = imgsrc_host_img(src, &base);
	if (host) {
		int fd = fcntl(host->fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return err_sys(errno, "%s", src->name);
		r.img = tree_img_create(fd, src->name, NULL, NULL);
		r.base = base;
	} else {
		struct imgsrc *own = xcalloc(1, sizeof *own);
		if ((rc = imgsrc_open_node(own, src->node, src->name)) != 0) {
			free(own);
			return rc;
		}
		r.img = tree_img_create(-1, src->name, &nested_ops, own);
	}
	r.buf = xmalloc((size_t)MAX(MIN((uint64_t)TAR_INBUF, src->size), 1));
	do {
		uint64_t before = r.st->stream_bytes;
		rc = read_segment(&r, off, &next);
		if (r.plain)
			plain_stream += r.st->stream_bytes - before;
		off = next;
	} while (!rc && off < src->size);
	if (!rc)
		rc = spool_finish(&r);
	if (!rc && r.nest && r.st->stream_bytes > plain_stream) {
		/* a solid compressed stream has no per-file size: each file gets
		 * its share at the archive's ratio (for `mklive du`) */
		uint64_t comp = src->size > plain_stream ? src->size - plain_stream : 0;
		struct estimate e = {&r, (double)comp / (double)(r.st->stream_bytes - plain_stream)};
		tree_walk(t->root, estimate_node, NULL, &e);
	}
	tar_groups_free(&r);
	free(r.est);
	free(r.last_dir);
	free(r.buf);
	free(r.sp.wbuf);
	tree_img_unref(r.img);
	tree_img_unref(r.sp.img);
	return rc;
}

int tar_read_path(const char *path, struct tree *t, const struct tar_read_opts *o)
{
	struct imgsrc s;
	int rc = imgsrc_open_path(&s, path);
	if (rc)
		return rc;
	rc = tar_read_src(&s, t, o, NULL);
	imgsrc_close(&s);
	return rc;
}

/* ---- the image-reader contract -------------------------------------------- */

static int probe_format(const uint8_t *head, size_t len)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int f = 0;
	if (!a)
		return 0;
	setup(a);
	if (archive_read_open_memory(a, (void *)head, len) == ARCHIVE_OK) {
		int ar = archive_read_next_header(a, &e); /* an entry, not just an end mark */
		if (ar == ARCHIVE_OK || ar == ARCHIVE_WARN)
			f = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;
	}
	archive_read_free(a);
	return f;
}

bool tar_probe(const uint8_t *head, size_t len, uint64_t size)
{
	(void)size;
	return len && probe_format(head, len) == ARCHIVE_FORMAT_TAR;
}

bool cpio_probe(const uint8_t *head, size_t len, uint64_t size)
{
	(void)size;
	return len && probe_format(head, len) == ARCHIVE_FORMAT_CPIO;
}

int tar_read(const struct imgsrc *src, struct tree *t)
{
	return tar_read_src(src, t, NULL, NULL);
}

int cpio_read(const struct imgsrc *src, struct tree *t)
{
	return tar_read_src(src, t, NULL, NULL);
}

int tar_info(const struct imgsrc *src, struct imgsrc_info *info)
{
	struct tar_read_opts o;
	struct tar_read_stats st;
	struct tree *t = tree_create();
	int rc;
	tar_read_opts_init(&o);
	o.no_data = true;
	rc = tar_read_src(src, t, &o, &st);
	tree_destroy(t);
	if (rc)
		return rc;
	imgsrc_info_add(info, "format: %s", st.format);
	imgsrc_info_add(info, "compression: %s", st.filter);
	if (st.segments > 1)
		imgsrc_info_add(info, "archives: %u (concatenated)", st.segments);
	imgsrc_info_add(info, "entries: %llu", (unsigned long long)st.entries);
	imgsrc_info_add(info,
			"files: %llu, directories: %llu, symlinks: %llu, hard links: %llu, devices: %llu, "
			"fifos: %llu, sockets: %llu",
			(unsigned long long)st.files, (unsigned long long)st.dirs,
			(unsigned long long)st.symlinks, (unsigned long long)st.hardlinks,
			(unsigned long long)st.devices, (unsigned long long)st.fifos,
			(unsigned long long)st.sockets);
	imgsrc_info_add(info, "data: %llu bytes", (unsigned long long)st.data_bytes);
	imgsrc_info_add(info, "archive size: %llu bytes", (unsigned long long)st.archive_bytes);
	if (st.stream_bytes && st.archive_bytes)
		imgsrc_info_add(info, "ratio: %.2f (stream %llu bytes)",
				(double)st.stream_bytes / (double)st.archive_bytes,
				(unsigned long long)st.stream_bytes);
	return 0;
}

int cpio_info(const struct imgsrc *src, struct imgsrc_info *info)
{
	return tar_info(src, info);
}
