/* The cache of compressed blocks: one small file per result under
 * DIR/blocks/SETTINGS/KK/KEY, verified on every hit; see compress.h.
 * An entry is a flag byte (0 compressed, 1 stored raw), the SHA-256 of the
 * flag and what follows, then the compressed bytes (none when raw). */
#include "compress/compress.h"
#include "core/error.h"
#include "core/sha256.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

struct comp_cache {
	char *dir; /* DIR/blocks */
	_Atomic uint64_t hits, misses;
};

static int mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			int rc = err_sys(errno, "%s", p);
			free(p);
			return rc;
		}
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST) {
		int rc = err_sys(errno, "%s", p);
		free(p);
		return rc;
	}
	free(p);
	return 0;
}

int comp_cache_create(struct comp_cache **out, const char *dir)
{
	struct comp_cache *c = xcalloc(1, sizeof *c);
	int rc;
	c->dir = util_path_join(dir, "blocks");
	if ((rc = mkdir_p(c->dir))) {
		free(c->dir);
		free(c);
		return err_wrap(rc, "the block cache");
	}
	*out = c;
	return 0;
}

void comp_cache_destroy(struct comp_cache *c)
{
	if (!c)
		return;
	free(c->dir);
	free(c);
}

void comp_cache_stats(const struct comp_cache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = c->hits;
	*misses = c->misses;
}

/* The entry layout's version: a new one lands in other directories, so
 * older entries are plain misses (and pruned by age). */
#define ENTRY_VERSION 2
#define ENTRY_HEAD (1 + SHA256_DIGEST)

/* What decides a result besides the bytes: the codec's settings, the
 * library versions (a new libzstd may compress differently) and the cap. */
static uint64_t settings_key(const struct comp_opts *o, size_t cap)
{
	char s[256];
	int n = snprintf(s, sizeof s, "v%d c%d l%d d%u k%d e%d b%d cap%zu deflate%s zstd%u lzma%u lz4%d",
			 ENTRY_VERSION, (int)o->codec, o->level < 0 ? comp_level_default(o->codec) : o->level,
			 o->xz_dict_size, o->xz_check, o->xz_extreme, o->xz_x86_bcj, cap,
			 LIBDEFLATE_VERSION_STRING, ZSTD_versionNumber(), lzma_version_number(),
			 LZ4_versionNumber());
	return lzma_crc64((const uint8_t *)s, (size_t)n, 0);
}

static char *entry_path(const struct comp_cache *c, const struct comp_opts *o, size_t cap, const void *in,
			size_t len, bool mk)
{
	uint64_t k1 = lzma_crc64(in, len, 0);
	uint32_t k2 = libdeflate_crc32(0, in, len);
	char *d = xasprintf("%s/%016llx/%02x", c->dir, (unsigned long long)settings_key(o, cap),
			    (unsigned)(k1 >> 56));
	char *p;
	if (mk && mkdir_p(d) < 0)
		err_clear();
	p = xasprintf("%s/%016llx%08x%zx", d, (unsigned long long)k1, k2, len);
	free(d);
	return p;
}

/* Decompress an entry's bytes, which must be exactly one stream: bytes
 * after its end make it a miss (gzip, zlib, xz and lz4 frames otherwise
 * stop at their end and ignore what follows; a zstd stream could carry
 * a second frame). -1 when it is not exactly one stream that fits. */
static ssize_t decode_whole(enum comp_codec codec, const void *in, size_t n, void *out, size_t cap)
{
	size_t used = 0, got = 0;
	switch (codec) {
	case COMP_DEFLATE:
	case COMP_ZLIB:
	case COMP_GZIP: {
		struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
		enum libdeflate_result r;
		if (!d)
			return -1;
		r = codec == COMP_GZIP	 ? libdeflate_gzip_decompress_ex(d, in, n, out, cap, &used, &got)
		    : codec == COMP_ZLIB ? libdeflate_zlib_decompress_ex(d, in, n, out, cap, &used, &got)
					 : libdeflate_deflate_decompress_ex(d, in, n, out, cap, &used, &got);
		libdeflate_free_decompressor(d);
		return r == LIBDEFLATE_SUCCESS && used == n ? (ssize_t)got : -1;
	}
	case COMP_XZ: {
		uint64_t memlimit = UINT64_MAX;
		if (lzma_stream_buffer_decode(&memlimit, 0, NULL, in, &used, n, out, &got, cap) != LZMA_OK ||
		    used != n)
			return -1;
		return (ssize_t)got;
	}
	case COMP_ZSTD: {
		size_t f = ZSTD_findFrameCompressedSize(in, n);
		if (ZSTD_isError(f) || f != n)
			return -1;
		break;
	}
	case COMP_LZ4_FRAME: {
		LZ4F_dctx *d;
		size_t r = 1;
		if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
			return -1;
		while (used < n && r != 0 && !LZ4F_isError(r)) {
			size_t src = n - used, dst = cap - got;
			r = LZ4F_decompress(d, (uint8_t *)out + got, &dst, (const uint8_t *)in + used, &src,
					    NULL);
			used += src;
			got += dst;
			if (!LZ4F_isError(r) && r != 0 && src == 0 && dst == 0)
				break;
		}
		LZ4F_freeDecompressionContext(d);
		return r == 0 && used == n ? (ssize_t)got : -1;
	}
	default: /* an lz4 block ends where its input ends */
		break;
	}
	ssize_t r = comp_decompress(codec, in, n, out, cap);
	if (r < 0)
		err_clear();
	return r;
}

static void entry_hash(uint8_t flag, const void *payload, size_t n, uint8_t out[SHA256_DIGEST])
{
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, &flag, 1);
	if (n) /* a raw entry has no bytes (and payload may be NULL) */
		sha256_update(&h, payload, n);
	sha256_final(&h, out);
}

/* 1 when the open entry holds a result for exactly these input bytes:
 * the whole file is read and hashed (so appended or changed bytes and a
 * changed flag are misses), and a compressed result must decompress to
 * the input, byte for byte. */
static int entry_check(int fd, const struct stat *st, const struct comp_opts *o, const void *in,
		       size_t in_len, void *out, size_t out_cap, size_t *out_len, bool *raw, void *scratch)
{
	uint8_t head[ENTRY_HEAD], sum[SHA256_DIGEST], extra;
	size_t got = 0, n;
	ssize_t d;
	if (st->st_size < ENTRY_HEAD || (uint64_t)st->st_size - ENTRY_HEAD > out_cap)
		return 0;
	n = (size_t)st->st_size - ENTRY_HEAD;
	if (util_read_full(fd, head, ENTRY_HEAD, &got) < 0 || got != ENTRY_HEAD)
		goto bad;
	if (util_read_full(fd, out, n, &got) < 0 || got != n)
		goto bad;
	/* the file may have grown since fstat */
	if (util_read_full(fd, &extra, 1, &got) < 0 || got != 0)
		goto bad;
	entry_hash(head[0], out, n, sum);
	if (memcmp(sum, head + 1, SHA256_DIGEST) != 0)
		return 0;
	if (head[0] == 1 && n == 0) { /* stored raw */
		*raw = true;
		*out_len = in_len;
		return 1;
	}
	if (head[0] != 0 || n == 0)
		return 0;
	d = decode_whole(o->codec, out, n, scratch, in_len);
	if (d != (ssize_t)in_len || memcmp(scratch, in, in_len) != 0)
		return 0;
	*raw = false;
	*out_len = n;
	return 1;
bad:
	err_clear();
	return 0;
}

int comp_cache_get(struct comp_cache *c, const struct comp_opts *o, size_t cap, const void *in, size_t in_len,
		   void *out, size_t out_cap, size_t *out_len, bool *raw, void *scratch)
{
	char *p = entry_path(c, o, cap, in, in_len, false);
	struct stat st;
	int fd = open(p, O_RDONLY | O_CLOEXEC), hit = 0;
	free(p);
	if (fd < 0)
		goto miss;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		hit = entry_check(fd, &st, o, in, in_len, out, out_cap, out_len, raw, scratch);
	/* recently used: what comp_cache_prune keeps (an hour's grace saves a
	 * write per block on quick rebuilds) */
	if (hit && time(NULL) - st.st_mtime > 3600)
		futimens(fd, NULL);
	close(fd);
	if (hit) {
		c->hits++;
		return 1;
	}
miss:
	c->misses++;
	return 0;
}

void comp_cache_put(struct comp_cache *c, const struct comp_opts *o, size_t cap, const void *in,
		    size_t in_len, const void *out, size_t out_len, bool raw)
{
	char *p = entry_path(c, o, cap, in, in_len, true), *tmp = xasprintf("%s.%ld.tmp", p, (long)gettid());
	uint8_t head[ENTRY_HEAD];
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (raw)
		out_len = 0;
	head[0] = raw ? 1 : 0;
	entry_hash(head[0], out, out_len, head + 1);
	if (fd >= 0) {
		bool ok = util_write_full(fd, head, ENTRY_HEAD) == 0 &&
			  (out_len == 0 || util_write_full(fd, out, out_len) == 0);
		if (close(fd) == 0 && ok && rename(tmp, p) == 0)
			tmp[0] = 0;
		if (tmp[0])
			unlink(tmp);
	}
	free(tmp);
	free(p);
}

struct entry {
	char *path;
	int64_t mtime;
	uint64_t size;
};

static int by_age(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Every entry file under dir, three levels deep (settings/KK/key). */
static void collect(const char *dir, int depth, struct entry **v, size_t *n, size_t *cap, uint64_t *total)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;
		char *p;
		if (e->d_name[0] == '.')
			continue;
		p = util_path_join(dir, e->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && depth < 2) {
			collect(p, depth + 1, v, n, cap, total);
			free(p);
		} else if (S_ISREG(st.st_mode)) {
			util_grow(v, cap, *n + 1, sizeof **v);
			(*v)[(*n)++] = (struct entry){p, (int64_t)st.st_mtime, (uint64_t)st.st_blocks * 512};
			*total += (uint64_t)st.st_blocks * 512;
		} else {
			free(p);
		}
	}
	closedir(d);
}

int comp_cache_prune(struct comp_cache *c, uint64_t max_bytes)
{
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t total = 0;
	collect(c->dir, 0, &v, &n, &cap, &total);
	if (total > max_bytes) {
		qsort(v, n, sizeof *v, by_age);
		for (size_t i = 0; i < n && total > max_bytes; i++)
			if (unlink(v[i].path) == 0)
				total -= v[i].size;
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
	return 0;
}
