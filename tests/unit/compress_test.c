/* Unit tests for src/compress: codec round trips and the ordered engine. */
#define TEST_SUITE "compress"
#include "test.h"

#include <dirent.h>
#include <fcntl.h>

#include "compress/compress.h"
#include "core/error.h"
#include "core/sha256.h"
#include "core/util.h"

#include <unistd.h>

static const enum comp_codec all_codecs[] = {COMP_NONE, COMP_DEFLATE, COMP_ZLIB, COMP_GZIP,
					     COMP_XZ,	COMP_ZSTD,    COMP_LZ4,	 COMP_LZ4_FRAME};

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static void fill_text(uint8_t *p, size_t n)
{
	static const char *words[] = {"live ", "cloop ", "kernel ", "block ", "iso9660 ", "\n"};
	size_t i = 0;
	while (i < n) {
		const char *w = words[rnd() % ARRAY_SIZE(words)];
		for (; *w && i < n; w++)
			p[i++] = (uint8_t)*w;
	}
}

/* Compress with o, check the size against cap rules, decompress, compare. */
static void round_trip(const struct comp_opts *o, const uint8_t *in, size_t n)
{
	struct comp_ctx *c = NULL;
	size_t cap;
	uint8_t *out, *back;
	ssize_t clen, dlen;
	CHECK_EQ(comp_ctx_create(&c, o), 0);
	if (!c)
		return;
	cap = comp_bound(c, n);
	CHECK(cap >= n);
	out = xmalloc(cap ? cap : 1);
	back = xmalloc(n + 1);
	clen = comp_compress(c, in, n, out, cap);
	if (clen == 0 && n == 0 && o->codec == COMP_NONE) {
		/* nothing to store */
	} else if (clen <= 0) {
		fprintf(stderr, "  %s level %d: compress(%zu) = %zd: %s\n", comp_codec_name(o->codec),
			o->level, n, clen, err_msg());
		test_failed_ = 1;
	} else {
		dlen = comp_decompress(o->codec, out, (size_t)clen, back, n + 1);
		CHECK_EQ(dlen, (ssize_t)n);
		if (dlen == (ssize_t)n)
			CHECK_MEM(back, in, n);
		if (n > 0) {
			/* One byte less room than the data needs: an error, not an overrun. */
			uint8_t *small = xmalloc(n - 1 ? n - 1 : 1);
			CHECK(comp_decompress(o->codec, out, (size_t)clen, small, n - 1) < 0);
			free(small);
			/* Truncated input: an error. */
			if (o->codec != COMP_NONE)
				CHECK(comp_decompress(o->codec, out, (size_t)clen - 1, back, n + 1) !=
					  (ssize_t)n ||
				      o->codec == COMP_DEFLATE);
		}
	}
	free(out);
	free(back);
	comp_ctx_destroy(c);
}

TEST(test_round_trips)
{
	size_t sizes[] = {0, 1, 511, 4096, 65536 + 3, 300000};
	uint8_t *buf = xmalloc(300000);
	for (size_t ci = 0; ci < ARRAY_SIZE(all_codecs); ci++) {
		struct comp_opts o = {.codec = all_codecs[ci], .level = -1, .xz_check = 1};
		for (size_t si = 0; si < ARRAY_SIZE(sizes); si++) {
			fill_text(buf, sizes[si]);
			round_trip(&o, buf, sizes[si]);
			fill_random(buf, sizes[si]);
			round_trip(&o, buf, sizes[si]);
		}
	}
	free(buf);
}

TEST(test_levels)
{
	static const struct {
		enum comp_codec c;
		int lo, hi;
	} r[] = {{COMP_ZLIB, 0, 12}, {COMP_GZIP, 1, 12}, {COMP_XZ, 0, 9},
		 {COMP_ZSTD, 1, 22}, {COMP_LZ4, 1, 12},	 {COMP_LZ4_FRAME, 1, 12}};
	uint8_t *buf = xmalloc(100000);
	fill_text(buf, 100000);
	for (size_t i = 0; i < ARRAY_SIZE(r); i++) {
		struct comp_opts o = {.codec = r[i].c, .level = r[i].lo};
		round_trip(&o, buf, 100000);
		o.level = r[i].hi;
		round_trip(&o, buf, 100000);
		CHECK(comp_level_check(r[i].c, r[i].hi + 1) < 0);
		CHECK(strstr(err_msg(), "out of range") != NULL);
		CHECK(comp_level_check(r[i].c, -1) == 0);
	}
	{ /* xz with every option set */
		struct comp_opts o = {.codec = COMP_XZ,
				      .level = 6,
				      .xz_dict_size = 1 << 20,
				      .xz_check = 4,
				      .xz_extreme = true,
				      .xz_x86_bcj = true};
		round_trip(&o, buf, 100000);
		o.xz_dict_size = 100;
		struct comp_ctx *c = NULL;
		CHECK(comp_ctx_create(&c, &o) < 0);
		CHECK(c == NULL);
	}
	free(buf);
}

TEST(test_names)
{
	enum comp_codec c;
	for (size_t i = 0; i < ARRAY_SIZE(all_codecs); i++) {
		CHECK_EQ(comp_codec_parse(comp_codec_name(all_codecs[i]), &c), 0);
		CHECK_EQ(c, all_codecs[i]);
	}
	CHECK(comp_codec_parse("bzip2", &c) < 0);
	CHECK(strstr(err_msg(), "bzip2") != NULL);
}

TEST(test_incompressible_fit)
{
	/* A result that does not fit in out_cap is 0 (store raw), for every codec. */
	uint8_t in[4096], out[4096];
	fill_random(in, sizeof in);
	for (size_t ci = 1; ci < ARRAY_SIZE(all_codecs); ci++) {
		struct comp_opts o = {.codec = all_codecs[ci], .level = -1};
		struct comp_ctx *c = NULL;
		CHECK_EQ(comp_ctx_create(&c, &o), 0);
		CHECK_EQ(comp_compress(c, in, sizeof in, out, sizeof in - 1), 0);
		comp_ctx_destroy(c);
	}
}

TEST(test_corrupt)
{
	uint8_t junk[1000], out[4096];
	memset(junk, 0xA5, sizeof junk);
	for (size_t ci = 2; ci < ARRAY_SIZE(all_codecs); ci++) {
		err_clear();
		CHECK(comp_decompress(all_codecs[ci], junk, sizeof junk, out, sizeof out) < 0);
		CHECK(err_msg()[0] != 0);
	}
}

/* ---- engine ---------------------------------------------------------------- */

struct sink_rec {
	uint8_t *data; /* concatenation of (raw flag, len, bytes) */
	size_t len, cap;
	uint64_t next_seq;
	int order_errors;
	long fail_at; /* sink fails at this seq (-1: never) */
	int calls_after_fail;
	bool failed;
	bool slow;
	size_t gets, max_in_flight, in_flight_peak;
};

static void rec_add(struct sink_rec *r, const void *p, size_t n)
{
	util_grow(&r->data, &r->cap, r->len + n, 1);
	memcpy(r->data + r->len, p, n);
	r->len += n;
}

static int sink(struct comp_block *b, void *ctx)
{
	struct sink_rec *r = ctx;
	uint8_t hdr[9];
	if (r->failed)
		r->calls_after_fail++;
	if (b->seq != r->next_seq || b->tag != b->seq * 7)
		r->order_errors++;
	r->next_seq = b->seq + 1;
	if (r->fail_at >= 0 && b->seq == (uint64_t)r->fail_at) {
		r->failed = true;
		return err_set(EIO, "sink refuses block %llu", (unsigned long long)b->seq);
	}
	if (b->raw && b->out != b->in)
		r->order_errors++;
	hdr[0] = b->raw;
	put_le64(hdr + 1, b->out_len);
	rec_add(r, hdr, sizeof hdr);
	rec_add(r, b->out, b->out_len);
	if (r->slow && b->seq % 5 == 0)
		usleep(2000);
	return 0;
}

#define NBLOCKS 60
#define BS 16384

static size_t block_len(int i)
{
	return i == NBLOCKS - 1 ? 1234 : BS; /* last block short */
}

static void fill_block(uint8_t *p, int i)
{
	uint64_t save = rng_state;
	rng_state = 0x1234567ull + (uint64_t)i * 977;
	if (i % 3 == 0)
		fill_random(p, block_len(i)); /* incompressible: raw */
	else if (i % 7 == 0)
		memset(p, 0, block_len(i));
	else
		fill_text(p, block_len(i));
	rng_state = save;
}

static struct comp_cache *test_cache; /* used by run_engine when set */

/* Run NBLOCKS through an engine; returns the first error (0). */
static int run_engine(struct sink_rec *r, enum comp_codec codec, int threads, size_t mif, size_t raw_thr,
		      long codec_fail_at)
{
	struct comp_opts o = {.codec = codec, .level = -1};
	struct comp_engine *e = NULL;
	int rc;
	memset(r, 0, sizeof *r);
	r->fail_at = -1;
	rc = comp_engine_create(&e, &o, threads, BS, mif, sink, r);
	if (rc < 0)
		return rc;
	if (raw_thr)
		comp_engine_set_raw_threshold(e, raw_thr);
	if (test_cache)
		comp_engine_set_cache(e, test_cache);
	if (codec_fail_at >= 0)
		comp_engine_fail_block(e, (uint64_t)codec_fail_at);
	for (int i = 0; i < NBLOCKS; i++) {
		struct comp_block *b;
		rc = comp_engine_get(e, &b);
		if (rc < 0)
			break;
		r->gets++;
		if (r->gets - r->next_seq > r->in_flight_peak)
			r->in_flight_peak = r->gets - r->next_seq;
		fill_block(b->in, i);
		b->in_len = block_len(i);
		b->tag = (uint64_t)i * 7;
		rc = comp_engine_submit(e, b);
		if (rc < 0)
			break;
	}
	if (rc == 0)
		rc = comp_engine_finish(e);
	comp_engine_destroy(e);
	return rc;
}

TEST(test_engine_order)
{
	enum comp_codec codecs[] = {COMP_ZLIB, COMP_LZ4, COMP_XZ, COMP_NONE};
	for (size_t ci = 0; ci < ARRAY_SIZE(codecs); ci++) {
		struct sink_rec ref;
		CHECK_EQ(run_engine(&ref, codecs[ci], 1, 0, 0, -1), 0);
		CHECK_EQ(ref.next_seq, NBLOCKS);
		CHECK_EQ(ref.order_errors, 0);
		int threads[] = {1, 2, 8};
		size_t mifs[] = {1, 2, 3, 0};
		for (size_t t = 0; t < ARRAY_SIZE(threads); t++)
			for (size_t m = 0; m < ARRAY_SIZE(mifs); m++) {
				struct sink_rec r;
				CHECK_EQ(run_engine(&r, codecs[ci], threads[t], mifs[m], 0, -1), 0);
				CHECK_EQ(r.next_seq, NBLOCKS);
				CHECK_EQ(r.order_errors, 0);
				CHECK_EQ(r.len, ref.len);
				if (r.len == ref.len)
					CHECK_MEM(r.data, ref.data, r.len);
				if (mifs[m])
					CHECK(r.in_flight_peak <= mifs[m]);
				free(r.data);
			}
		/* The reference really has raw and compressed blocks: decode it. */
		size_t off = 0;
		int raw = 0, packed = 0;
		for (int i = 0; i < NBLOCKS && off + 9 <= ref.len; i++) {
			uint8_t *exp = xmalloc(BS), *got = xmalloc(BS);
			size_t n = get_le64(ref.data + off + 1);
			fill_block(exp, i);
			if (ref.data[off]) {
				raw++;
				CHECK_EQ(n, block_len(i));
				CHECK_MEM(ref.data + off + 9, exp, block_len(i));
			} else {
				packed++;
				CHECK(n < block_len(i));
				CHECK_EQ(comp_decompress(codecs[ci], ref.data + off + 9, n, got, BS),
					 (ssize_t)block_len(i));
				CHECK_MEM(got, exp, block_len(i));
			}
			off += 9 + n;
			free(exp);
			free(got);
		}
		CHECK_EQ(off, ref.len);
		if (codecs[ci] == COMP_NONE) {
			CHECK_EQ(raw, NBLOCKS);
		} else {
			CHECK_EQ(raw, NBLOCKS / 3);
			CHECK_EQ(packed, NBLOCKS - NBLOCKS / 3);
		}
		free(ref.data);
	}
}

TEST(test_engine_backpressure)
{
	struct sink_rec r;
	struct sink_rec ref;
	CHECK_EQ(run_engine(&ref, COMP_LZ4, 1, 0, 0, -1), 0);
	memset(&r, 0, sizeof r);
	/* slow sink, tiny pool, many threads */
	{
		struct comp_opts o = {.codec = COMP_LZ4, .level = -1};
		struct comp_engine *e = NULL;
		r.fail_at = -1;
		r.slow = true;
		CHECK_EQ(comp_engine_create(&e, &o, 4, BS, 2, sink, &r), 0);
		for (int i = 0; i < NBLOCKS; i++) {
			struct comp_block *b;
			CHECK_EQ(comp_engine_get(e, &b), 0);
			r.gets++;
			if (r.gets - r.next_seq > r.in_flight_peak)
				r.in_flight_peak = r.gets - r.next_seq;
			fill_block(b->in, i);
			b->in_len = block_len(i);
			b->tag = (uint64_t)i * 7;
			CHECK_EQ(comp_engine_submit(e, b), 0);
		}
		CHECK_EQ(comp_engine_finish(e), 0);
		comp_engine_destroy(e);
	}
	CHECK(r.in_flight_peak <= 2);
	CHECK_EQ(r.order_errors, 0);
	CHECK_EQ(r.len, ref.len);
	CHECK_MEM(r.data, ref.data, MIN(r.len, ref.len));
	free(r.data);
	free(ref.data);
}

TEST(test_engine_never_raw)
{
	struct sink_rec r;
	CHECK_EQ(run_engine(&r, COMP_ZLIB, 2, 0, COMP_NEVER_RAW, -1), 0);
	size_t off = 0;
	for (int i = 0; i < NBLOCKS && off + 9 <= r.len; i++) {
		CHECK_EQ(r.data[off], 0);
		off += 9 + get_le64(r.data + off + 1);
	}
	CHECK_EQ(off, r.len);
	free(r.data);
}

/* A sink error at block 5 stops the engine: reported once by the call that
 * ran the sink and by every later call, sink never called again. */
TEST(test_engine_sink_error)
{
	int threads[] = {1, 2, 8};
	for (size_t t = 0; t < ARRAY_SIZE(threads); t++) {
		struct sink_rec r;
		struct comp_opts o = {.codec = COMP_ZLIB, .level = -1};
		struct comp_engine *e = NULL;
		int rc = 0, i;
		struct comp_block *b;
		memset(&r, 0, sizeof r);
		r.fail_at = 5;
		CHECK_EQ(comp_engine_create(&e, &o, threads[t], BS, 3, sink, &r), 0);
		for (i = 0; i < NBLOCKS; i++) {
			rc = comp_engine_get(e, &b);
			if (rc < 0)
				break;
			fill_block(b->in, i);
			b->in_len = block_len(i);
			b->tag = (uint64_t)i * 7;
			rc = comp_engine_submit(e, b);
			if (rc < 0)
				break;
		}
		CHECK_EQ(rc, -EIO);
		CHECK(i < NBLOCKS);
		CHECK(strstr(err_msg(), "sink refuses block 5") != NULL);
		err_clear();
		CHECK_EQ(comp_engine_finish(e), -EIO);
		CHECK(strstr(err_msg(), "sink refuses block 5") != NULL);
		CHECK_EQ(comp_engine_get(e, &b), -EIO);
		CHECK_EQ(r.calls_after_fail, 0);
		CHECK_EQ(r.next_seq, 6);
		comp_engine_destroy(e);
		free(r.data);
	}
}

TEST(test_engine_codec_error)
{
	int threads[] = {1, 2, 8};
	for (size_t t = 0; t < ARRAY_SIZE(threads); t++) {
		struct sink_rec r;
		int rc = run_engine(&r, COMP_ZLIB, threads[t], 4, 0, 7);
		CHECK_EQ(rc, -EIO);
		CHECK(strstr(err_msg(), "block 7: injected codec failure") != NULL);
		CHECK(r.next_seq <= 7); /* nothing at or after the failed block reached the sink */
		CHECK_EQ(r.order_errors, 0);
		free(r.data);
	}
	/* A real codec error from create: a bad level. */
	{
		struct comp_opts o = {.codec = COMP_ZLIB, .level = 42};
		struct comp_engine *e = NULL;
		struct sink_rec r;
		CHECK(comp_engine_create(&e, &o, 2, BS, 0, sink, &r) < 0);
		CHECK(e == NULL);
	}
}

/* The probe calls incompressible only what zstd level 1 cannot shrink and
 * order-0 statistics say is near 8 bits per byte. */
TEST(test_probe)
{
	struct comp_probe *p = NULL;
	struct comp_opts o = {.codec = COMP_ZLIB, .level = 9};
	struct comp_ctx *c = NULL;
	size_t n = 65536;
	uint8_t *buf = xmalloc(n), *z = xmalloc(2 * n);
	ssize_t zl;
	CHECK_EQ(comp_probe_create(&p), 0);
	fill_random(buf, n);
	CHECK(comp_probe_incompressible(p, buf, n));
	CHECK(comp_probe_incompressible(p, buf, COMP_PROBE_MIN));
	CHECK(!comp_probe_incompressible(p, buf, COMP_PROBE_MIN - 1)); /* too short to tell */
	/* high order-0 entropy, yet the second half repeats the first */
	memcpy(buf + n / 2, buf, n / 2);
	CHECK(!comp_probe_incompressible(p, buf, n));
	fill_text(buf, n);
	CHECK(!comp_probe_incompressible(p, buf, n));
	/* already compressed data (a .gz file's bytes) */
	CHECK_EQ(comp_ctx_create(&c, &o), 0);
	zl = comp_compress(c, buf, n, z, 2 * n);
	CHECK(zl > 1024);
	CHECK(comp_probe_incompressible(p, z, (size_t)zl));
	/* a byte skew the entropy coder can use: three quarters random bytes,
	 * one quarter one byte value, spread out */
	fill_random(buf, n);
	for (size_t i = 0; i < n; i += 4)
		buf[i] = 'a';
	CHECK(!comp_probe_incompressible(p, buf, n));
	comp_ctx_destroy(c);
	comp_probe_destroy(p);
	free(buf);
	free(z);
}

/* With the probe, random blocks bypass the codec (raw even under
 * COMP_NEVER_RAW), blocks marked store too, the rest is compressed; the
 * result is the same for any thread count. */
TEST(test_engine_probe)
{
	struct sink_rec ref;
	int threads[] = {1, 2, 8};
	memset(&ref, 0, sizeof ref);
	for (size_t t = 0; t < ARRAY_SIZE(threads); t++) {
		struct comp_opts o = {.codec = COMP_XZ, .level = -1};
		struct comp_engine *e = NULL;
		struct sink_rec r;
		size_t off = 0;
		memset(&r, 0, sizeof r);
		r.fail_at = -1;
		CHECK_EQ(comp_engine_create(&e, &o, threads[t], BS, 0, sink, &r), 0);
		comp_engine_set_raw_threshold(e, COMP_NEVER_RAW);
		CHECK_EQ(comp_engine_set_probe(e), 0);
		for (int i = 0; i < NBLOCKS; i++) {
			struct comp_block *b;
			CHECK_EQ(comp_engine_get(e, &b), 0);
			fill_block(b->in, i);
			b->in_len = block_len(i);
			b->tag = (uint64_t)i * 7;
			b->store = i == 1;
			CHECK_EQ(comp_engine_submit(e, b), 0);
		}
		CHECK_EQ(comp_engine_finish(e), 0);
		comp_engine_destroy(e);
		CHECK_EQ(r.order_errors, 0);
		for (int i = 0; i < NBLOCKS && off + 9 <= r.len; i++) {
			bool want_raw = i % 3 == 0 || i == 1;
			CHECK_EQ(r.data[off], want_raw);
			off += 9 + get_le64(r.data + off + 1);
		}
		CHECK_EQ(off, r.len);
		if (t == 0) {
			ref = r;
		} else {
			CHECK_EQ(r.len, ref.len);
			CHECK_MEM(r.data, ref.data, MIN(r.len, ref.len));
			free(r.data);
		}
	}
	free(ref.data);
}

TEST(test_engine_empty)
{
	struct comp_opts o = {.codec = COMP_XZ, .level = 1};
	struct comp_engine *e = NULL;
	struct sink_rec r;
	memset(&r, 0, sizeof r);
	r.fail_at = -1;
	CHECK_EQ(comp_engine_create(&e, &o, 3, BS, 0, sink, &r), 0);
	CHECK_EQ(comp_engine_finish(e), 0);
	comp_engine_destroy(e);
	CHECK_EQ(r.len, 0);
	/* destroy with blocks still in flight (an aborted producer) */
	CHECK_EQ(comp_engine_create(&e, &o, 3, BS, 0, sink, &r), 0);
	for (int i = 0; i < 5; i++) {
		struct comp_block *b;
		CHECK_EQ(comp_engine_get(e, &b), 0);
		fill_block(b->in, 1);
		b->in_len = BS;
		b->tag = (uint64_t)i * 7;
		CHECK_EQ(comp_engine_submit(e, b), 0);
	}
	comp_engine_destroy(e);
	free(r.data);
}

/* Every cache entry file under dir (three levels), for the tests. */
static void cache_files(const char *dir, int depth, char ***out, size_t *n, size_t *cap)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char *p;
		if (de->d_name[0] == '.')
			continue;
		p = util_path_join(dir, de->d_name);
		if (depth < 3 && de->d_type == DT_DIR) {
			cache_files(p, depth + 1, out, n, cap);
			free(p);
		} else {
			util_grow(out, cap, *n + 1, sizeof **out);
			(*out)[(*n)++] = p;
		}
	}
	if (d)
		closedir(d);
}

/* The block cache: the same output with and without it, hits on the second
 * run, a corrupted entry detected (never used), pruning. */
TEST(test_engine_cache)
{
	char *dir = util_path_join(test_tmpdir(), "cache");
	struct sink_rec ref, r1, r2, r3;
	uint64_t hits, misses;
	char **files = NULL;
	size_t nf = 0, cap = 0, corrupted = 0;
	CHECK_EQ(run_engine(&ref, COMP_XZ, 2, 0, 0, -1), 0);
	CHECK_EQ(comp_cache_create(&test_cache, dir), 0);
	CHECK_EQ(run_engine(&r1, COMP_XZ, 2, 0, 0, -1), 0);
	comp_cache_stats(test_cache, &hits, &misses);
	CHECK_EQ(hits + misses, NBLOCKS);
	CHECK(hits <= NBLOCKS / 7); /* only repeats of the block of zeros */
	CHECK_EQ(run_engine(&r2, COMP_XZ, 1, 0, 0, -1), 0);
	comp_cache_stats(test_cache, &hits, &misses);
	CHECK(hits >= 2 * NBLOCKS - misses - 1 && misses < NBLOCKS); /* the second run: hits only */
	CHECK_EQ(r1.len, ref.len);
	CHECK_EQ(r2.len, ref.len);
	if (r1.len == ref.len && r2.len == ref.len) {
		CHECK_MEM(r1.data, ref.data, ref.len);
		CHECK_MEM(r2.data, ref.data, ref.len);
	}
	/* a corrupted result must not be used: the block is compressed again */
	cache_files(dir, 0, &files, &nf, &cap);
	CHECK(nf > 0);
	for (size_t i = 0; i < nf; i++) {
		uint8_t *data = NULL;
		size_t len = 0;
		if (util_read_file(files[i], &data, &len) == 0 && len > 16 && data[0] == 0) {
			int fd = open(files[i], O_WRONLY);
			data[len / 2] ^= 0x55;
			CHECK(pwrite(fd, data, len, 0) == (ssize_t)len);
			close(fd);
			corrupted++;
		}
		free(data);
	}
	CHECK(corrupted > 0);
	CHECK_EQ(run_engine(&r3, COMP_XZ, 2, 0, 0, -1), 0);
	CHECK_EQ(r3.len, ref.len);
	if (r3.len == ref.len)
		CHECK_MEM(r3.data, ref.data, ref.len);
	CHECK_EQ(comp_cache_prune(test_cache, 0), 0);
	for (size_t i = 0; i < nf; i++) {
		CHECK(access(files[i], F_OK) != 0);
		free(files[i]);
	}
	free(files);
	comp_cache_destroy(test_cache);
	test_cache = NULL;
	free(ref.data);
	free(r1.data);
	free(r2.data);
	free(r3.data);
	free(dir);
}

/* An entry whose stream is followed by more bytes is a miss, even with a
 * hash that matches them: gzip, xz and lz4 frames stop at their end, and
 * zstd decodes a second (empty) frame to nothing, so the decompressed
 * bytes alone would still match. */
TEST(test_cache_whole_entry)
{
	static const enum comp_codec codecs[] = {COMP_GZIP, COMP_ZLIB, COMP_XZ, COMP_ZSTD, COMP_LZ4_FRAME};
	char *dir = util_path_join(test_tmpdir(), "cache-whole");
	struct comp_cache *cache;
	uint8_t in[8192], *scratch = xmalloc(sizeof in);
	CHECK_EQ(comp_cache_create(&cache, dir), 0);
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)(i * 7 / 13);
	for (size_t ci = 0; ci < ARRAY_SIZE(codecs); ci++) {
		struct comp_opts o = {.codec = codecs[ci], .level = -1, .xz_check = 1};
		struct comp_ctx *c;
		char **files = NULL;
		size_t nf = 0, fcap = 0, len = 0, olen = 0;
		bool raw;
		CHECK_EQ(comp_ctx_create(&c, &o), 0);
		size_t cap = comp_bound(c, sizeof in) + 64;
		uint8_t *out = xmalloc(cap), *tail = xmalloc(cap), *data = NULL;
		ssize_t n = comp_compress(c, in, sizeof in, out, cap), tn;
		/* what follows: an empty stream of the same codec (valid on its own) */
		tn = comp_compress(c, in, 0, tail, cap);
		if (tn <= 0) {
			memcpy(tail, "trailing", 8);
			tn = 8;
		}
		CHECK(n > 0);
		comp_cache_put(cache, &o, cap, in, sizeof in, out, (size_t)n, false);
		CHECK_EQ(comp_cache_get(cache, &o, cap, in, sizeof in, out, cap, &olen, &raw, scratch), 1);
		cache_files(dir, 0, &files, &nf, &fcap);
		CHECK_EQ(nf, 1);
		if (nf == 1 && util_read_file(files[0], &data, &len) == 0 && len > 33) {
			/* the stream, then the tail; the hash made for both */
			uint8_t *e = xmalloc(len + (size_t)tn);
			memcpy(e, data, len);
			memcpy(e + len, tail, (size_t)tn);
			struct sha256 h;
			sha256_init(&h);
			sha256_update(&h, e, 1);
			sha256_update(&h, e + 33, len - 33 + (size_t)tn);
			sha256_final(&h, e + 1);
			int fd = open(files[0], O_WRONLY | O_TRUNC);
			CHECK(write(fd, e, len + (size_t)tn) == (ssize_t)(len + (size_t)tn));
			close(fd);
			free(e);
			if (comp_cache_get(cache, &o, cap, in, sizeof in, out, cap, &olen, &raw, scratch) !=
			    0) {
				fprintf(stderr, "  %s: a stream with bytes after it was used\n",
					comp_codec_name(codecs[ci]));
				test_failed_ = 1;
			}
			unlink(files[0]);
		}
		free(data);
		for (size_t i = 0; i < nf; i++)
			free(files[i]);
		free(files);
		free(out);
		free(tail);
		comp_ctx_destroy(c);
	}
	comp_cache_destroy(cache);
	free(scratch);
	free(dir);
}

int main(void)
{
	RUN_ALL();
	TEST_EXIT();
}
