/* Unit tests for src/cloop: header and index byte by byte, writer/reader
 * round trips, and the reader's checks on corrupt images. */
#define TEST_SUITE "cloop"
#include "test.h"

#include "cloop/cloop.h"
#include "core/error.h"
#include "core/output.h"
#include "core/util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* The first 92 bytes Debian's create_compressed_fs (cloop-utils 3.14.1.3)
 * writes; the rest of the 128-byte preamble is zeros. */
static const uint8_t debian_preamble[92] = {
    0x23, 0x21, 0x2f, 0x62, 0x69, 0x6e, 0x2f, 0x73, 0x68, 0x0a, 0x23, 0x56, 0x32, 0x2e, 0x30, 0x20,
    0x46, 0x6f, 0x72, 0x6d, 0x61, 0x74, 0x0a, 0x6d, 0x6f, 0x64, 0x70, 0x72, 0x6f, 0x62, 0x65, 0x20,
    0x63, 0x6c, 0x6f, 0x6f, 0x70, 0x20, 0x66, 0x69, 0x6c, 0x65, 0x3d, 0x24, 0x30, 0x20, 0x26, 0x26,
    0x20, 0x6d, 0x6f, 0x75, 0x6e, 0x74, 0x20, 0x2d, 0x72, 0x20, 0x2d, 0x74, 0x20, 0x69, 0x73, 0x6f,
    0x39, 0x36, 0x36, 0x30, 0x20, 0x2f, 0x64, 0x65, 0x76, 0x2f, 0x63, 0x6c, 0x6f, 0x6f, 0x70, 0x20,
    0x24, 0x31, 0x0a, 0x65, 0x78, 0x69, 0x74, 0x20, 0x24, 0x3f, 0x0a, 0x00,
};

static char *dir;

TEST(test_header)
{
	uint8_t h[CLOOP_HEAD_SIZE], zero[CLOOP_HEAD_SIZE] = {0};
	static const uint8_t tail[8] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08};
	cloop_head_encode(h, CLOOP_V2, 65536, 8);
	CHECK_MEM(h, debian_preamble, sizeof debian_preamble);
	CHECK_MEM(h + 92, zero, 128 - 92);
	CHECK_MEM(h + 128, tail, 8);
	CHECK_EQ(cloop_head_version(h), 2);
	cloop_head_encode(h, CLOOP_V4, 0x12345600, 0xA1B2C3D4);
	CHECK_MEM(h + 11, "V4.0", 4);
	CHECK_EQ(h[128], 0x12);
	CHECK_EQ(h[131], 0x00);
	CHECK_EQ(h[132], 0xA1);
	CHECK_EQ(h[135], 0xD4);
	CHECK_EQ(cloop_head_version(h), 4);
	{
		uint8_t lead[CLOOP_V4_LEAD_SIZE];
		cloop_v4_lead_encode(lead);
		CHECK_EQ(cloop_head_version(lead), 0); /* never mistaken for a header */
	}
	CHECK_EQ(cloop_index_entry(CLOOP_M_XZ, 0x1234), 0x2000000000001234ull);
	CHECK_EQ(cloop_index_entry(CLOOP_M_NONE, 0xF000000000000010ull), 0x1000000000000010ull);
}

static uint8_t *make_input(size_t n)
{
	uint8_t *p = xmalloc(n ? n : 1);
	uint32_t x = 12345;
	for (size_t i = 0; i < n; i++) {
		if ((i / 512) % 3 == 1) { /* every third 512-byte block is noise */
			x = x * 1103515245 + 12345;
			p[i] = (uint8_t)(x >> 16);
		} else {
			p[i] = (uint8_t)("cloop "[i % 6]);
		}
	}
	return p;
}

static bool raw_blocks = true;

static int write_image(const char *path, enum cloop_version v, enum comp_codec c, const uint8_t *data,
		       size_t n, int threads, bool size_known, struct cloop_stats *st)
{
	struct out_file *o;
	struct cloop_writer *w;
	struct cloop_writer_opts wo = {.version = v,
				       .block_size = 512,
				       .comp = {.codec = c, .level = -1, .xz_check = 1},
				       .threads = threads,
				       .input_size = size_known ? n : UINT64_MAX,
				       .raw_blocks = raw_blocks};
	int rc = out_open(&o, path);
	if (rc < 0)
		return rc;
	rc = cloop_writer_create(&w, o, &wo);
	if (rc < 0) {
		out_abort(o);
		return rc;
	}
	/* odd-sized writes cross block boundaries */
	for (size_t i = 0; rc == 0 && i < n; i += 700)
		rc = cloop_writer_write(w, data + i, MIN(700, n - i));
	if (rc == 0)
		rc = cloop_writer_finish(w, st);
	cloop_writer_destroy(w);
	if (rc < 0) {
		out_abort(o);
		return rc;
	}
	return out_finish(o);
}

static uint8_t *slurp(const char *path, size_t *n)
{
	uint8_t *d = NULL;
	if (util_read_file(path, &d, n) < 0)
		return NULL;
	return d;
}

/* v2: header, n+1 big-endian offsets, zlib blocks; every block equals the
 * codec's own output for the zero-padded block. */
TEST(test_v2_layout)
{
	size_t n = 3 * 512 + 100, len;
	uint8_t *in = make_input(n), *img, blk[512], exp[1024];
	char *path = util_path_join(dir, "v2.cloop");
	struct comp_opts co = {.codec = COMP_ZLIB, .level = -1};
	struct comp_ctx *cc;
	struct cloop_stats st;
	for (int known = 0; known < 2; known++) {
		CHECK_EQ(write_image(path, CLOOP_V2, COMP_ZLIB, in, n, 2, known, &st), 0);
		img = slurp(path, &len);
		CHECK(img != NULL);
		if (!img)
			continue;
		CHECK_MEM(img, debian_preamble, sizeof debian_preamble);
		CHECK_EQ(get_be32(img + 128), 512);
		CHECK_EQ(get_be32(img + 132), 4);
		CHECK_EQ(st.num_blocks, 4);
		CHECK_EQ(st.blocks_by_method[CLOOP_M_ZLIB], 4);
		CHECK_EQ(get_be64(img + 136), 136 + 5 * 8);
		CHECK_EQ(get_be64(img + 136 + 4 * 8), len);
		CHECK_EQ(comp_ctx_create(&cc, &co), 0);
		for (int b = 0; b < 4; b++) {
			uint64_t o0 = get_be64(img + 136 + b * 8), o1 = get_be64(img + 136 + (b + 1) * 8);
			ssize_t el;
			memset(blk, 0, sizeof blk);
			memcpy(blk, in + b * 512, b < 3 ? 512 : 100);
			el = comp_compress(cc, blk, 512, exp, sizeof exp);
			CHECK(el > 0);
			CHECK_EQ(o1 - o0, el);
			if ((ssize_t)(o1 - o0) == el && o1 <= len)
				CHECK_MEM(img + o0, exp, (size_t)el);
		}
		comp_ctx_destroy(cc);
		free(img);
	}
	free(path);
	free(in);
}

/* v4: lead, blocks, index with flags, header at the end; noise stored raw. */
TEST(test_v4_layout)
{
	size_t n = 3 * 512 + 100, len;
	uint8_t *in = make_input(n), *img;
	char *path = util_path_join(dir, "v4.cloop");
	struct cloop_stats st;
	CHECK_EQ(write_image(path, CLOOP_V4, COMP_LZ4, in, n, 1, false, &st), 0);
	img = slurp(path, &len);
	if (!img) {
		CHECK(0);
		return;
	}
	CHECK_EQ(cloop_head_version(img), 0);
	CHECK_MEM(img + len - 136 + 11, "V4.0", 4);
	CHECK_EQ(get_be32(img + len - 8), 512);
	CHECK_EQ(get_be32(img + len - 4), 4);
	{
		const uint8_t *idx = img + len - 136 - 5 * 8;
		uint64_t e[5];
		for (int i = 0; i < 5; i++)
			e[i] = get_be64(idx + i * 8);
		CHECK_EQ(e[0], cloop_index_entry(CLOOP_M_LZ4, 128));
		CHECK_EQ(e[1] >> 60, CLOOP_M_NONE); /* block 1 is noise: stored */
		CHECK_EQ((e[2] & CLOOP_OFFSET_MASK) - (e[1] & CLOOP_OFFSET_MASK), 512);
		CHECK_MEM(img + (e[1] & CLOOP_OFFSET_MASK), in + 512, 512);
		CHECK_EQ(e[2] >> 60, CLOOP_M_LZ4);
		CHECK_EQ(e[3] >> 60, CLOOP_M_LZ4);
		CHECK_EQ(e[4], (uint64_t)(len - 136 - 5 * 8));
	}
	CHECK_EQ(st.blocks_by_method[CLOOP_M_NONE], 1);
	CHECK_EQ(st.blocks_by_method[CLOOP_M_LZ4], 3);
	free(img);
	/* By default no stored blocks (the cloop module cannot read them). */
	raw_blocks = false;
	CHECK_EQ(write_image(path, CLOOP_V4, COMP_LZ4, in, n, 2, false, &st), 0);
	raw_blocks = true;
	CHECK_EQ(st.blocks_by_method[CLOOP_M_NONE], 0);
	CHECK_EQ(st.blocks_by_method[CLOOP_M_LZ4], 4);
	img = slurp(path, &len);
	if (img)
		CHECK_EQ(get_be64(img + len - 136 - 4 * 8) >> 60, CLOOP_M_LZ4);
	free(img);
	free(path);
	free(in);
}

/* Read an image back; returns 0 if every block matches the padded input. */
static int read_back(const char *path, const uint8_t *in, size_t n, struct cloop_info *info)
{
	int fd = open(path, O_RDONLY), rc;
	struct stat sb;
	struct cloop_reader *r;
	uint8_t *buf;
	if (fd < 0 || fstat(fd, &sb) < 0)
		return -1;
	rc = cloop_reader_open(&r, fd, (uint64_t)sb.st_size, path);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	*info = *cloop_reader_info(r);
	buf = xmalloc(info->block_size);
	for (uint32_t i = 0; rc == 0 && i < info->num_blocks; i++) {
		rc = cloop_reader_read_block(r, i, buf);
		for (uint32_t k = 0; rc == 0 && k < info->block_size; k++) {
			size_t pos = (size_t)i * info->block_size + k;
			if (buf[k] != (pos < n ? in[pos] : 0))
				rc = -1000;
		}
	}
	free(buf);
	cloop_reader_close(r);
	close(fd);
	return rc;
}

TEST(test_round_trip)
{
	size_t sizes[] = {0, 1, 512, 513, 40000};
	struct {
		enum cloop_version v;
		enum comp_codec c;
	} kinds[] = {{CLOOP_V2, COMP_ZLIB},
		     {CLOOP_V4, COMP_ZLIB},
		     {CLOOP_V4, COMP_XZ},
		     {CLOOP_V4, COMP_LZ4},
		     {CLOOP_V4, COMP_NONE}};
	char *p1 = util_path_join(dir, "rt1.cloop"), *p2 = util_path_join(dir, "rt2.cloop");
	for (int raw = 0; raw < 2; raw++)
		for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
			for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
				raw_blocks = raw;
				uint8_t *in = make_input(sizes[s]), *a, *b;
				size_t la, lb;
				struct cloop_info info = {0};
				struct cloop_stats st;
				CHECK_EQ(write_image(p1, kinds[k].v, kinds[k].c, in, sizes[s], 1, true, &st),
					 0);
				CHECK_EQ(write_image(p2, kinds[k].v, kinds[k].c, in, sizes[s], 3, false, &st),
					 0);
				a = slurp(p1, &la);
				b = slurp(p2, &lb);
				CHECK(a && b &&
				      la == lb); /* any thread count, known or unknown size: same bytes */
				if (a && b && la == lb)
					CHECK_MEM(a, b, la);
				free(a);
				free(b);
				CHECK_EQ(read_back(p1, in, sizes[s], &info), 0);
				CHECK_EQ(info.version, kinds[k].v);
				CHECK_EQ(info.num_blocks, DIV_ROUND_UP(sizes[s], 512));
				if (kinds[k].c != COMP_NONE && !raw)
					CHECK_EQ(info.blocks_by_method[CLOOP_M_NONE], 0);
				free(in);
			}
	raw_blocks = true;
	free(p1);
	free(p2);
}

/* Corrupt copies of a good image: each must fail with a message. */
static int open_bytes(const uint8_t *img, size_t len, bool read_all)
{
	char *path = util_path_join(dir, "bad.cloop");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), rc;
	struct cloop_reader *r = NULL;
	if (write(fd, img, len) != (ssize_t)len)
		rc = -1;
	else
		rc = cloop_reader_open(&r, fd, len, "bad.cloop");
	if (rc == 0 && read_all) {
		uint8_t *buf = xmalloc(cloop_reader_info(r)->block_size);
		for (uint32_t i = 0; rc == 0 && i < cloop_reader_info(r)->num_blocks; i++)
			rc = cloop_reader_read_block(r, i, buf);
		free(buf);
	}
	cloop_reader_close(r);
	close(fd);
	free(path);
	return rc;
}

#define EXPECT_BAD(img, len, text)                                                                           \
	do {                                                                                                 \
		err_clear();                                                                                 \
		CHECK_EQ(open_bytes(img, len, true), -ERR_FORMAT);                                           \
		if (!strstr(err_msg(), text)) {                                                              \
			fprintf(stderr, "  message '%s' lacks '%s'\n", err_msg(), text);                     \
			test_failed_ = 1;                                                                    \
		}                                                                                            \
	} while (0)

TEST(test_bad_input)
{
	size_t n = 4 * 512, len;
	uint8_t *in = make_input(n), *good, *img;
	char *path = util_path_join(dir, "good.cloop");
	CHECK_EQ(write_image(path, CLOOP_V2, COMP_ZLIB, in, n, 1, true, NULL), 0);
	good = slurp(path, &len);
	if (!good) {
		CHECK(0);
		return;
	}
	CHECK_EQ(open_bytes(good, len, true), 0);
	img = xmalloc(len);
#define RESET() memcpy(img, good, len)
	EXPECT_BAD(good, 0, "truncated");
	EXPECT_BAD(good, 100, "truncated");
	EXPECT_BAD(good, 150, "index");		       /* index cut */
	EXPECT_BAD(good, len - 1, "outside the data"); /* last block cut */
	RESET();
	put_be64(img + 136 + 2 * 8, get_be64(img + 136 + 1 * 8) - 1); /* decreasing */
	EXPECT_BAD(img, len, "decrease");
	RESET();
	put_be64(img + 136 + 4 * 8, len + 1); /* past the end */
	EXPECT_BAD(img, len, "outside the data");
	RESET();
	put_be64(img + 136, 0); /* into the header */
	EXPECT_BAD(img, len, "outside the data");
	RESET();
	put_be32(img + 128, 1000); /* block size */
	EXPECT_BAD(img, len, "not a multiple of 512");
	RESET();
	put_be32(img + 128, 0);
	EXPECT_BAD(img, len, "not a multiple of 512");
	RESET();
	put_be32(img + 132, 0xFFFFFFF0u); /* huge count */
	EXPECT_BAD(img, len, "index");
	RESET();
	put_be32(img + 128, 1024); /* blocks inflate to 512, not 1024 */
	EXPECT_BAD(img, len, "inflates to 512 bytes, expected 1024");
	RESET();
	img[get_be64(img + 136) + 5] ^= 0x55; /* corrupt deflate data */
	EXPECT_BAD(img, len, "block 0");
	RESET();
	memcpy(img + 11, "V3.0", 4);
	EXPECT_BAD(img, len, "not a cloop image");
	free(img);
	free(good);

	/* v4: a block inflating to more than the block size, flags 4 and 5 */
	CHECK_EQ(write_image(path, CLOOP_V4, COMP_ZLIB, in, n, 1, true, NULL), 0);
	good = slurp(path, &len);
	img = xmalloc(len);
	RESET();
	put_be32(img + len - 8, 512 * 0 + 512); /* unchanged: fine */
	CHECK_EQ(open_bytes(img, len, true), 0);
	RESET();
	{
		uint8_t *idx = img + len - 136 - 5 * 8;
		put_be64(idx, get_be64(idx) | (uint64_t)5 << 60);
		EXPECT_BAD(img, len, "unknown compressor flag 5");
		RESET();
		put_be64(idx, (get_be64(idx) & CLOOP_OFFSET_MASK) | (uint64_t)CLOOP_M_NONE << 60);
		EXPECT_BAD(img, len, "stored block 0");
		RESET();
		put_be64(idx, (get_be64(idx) & CLOOP_OFFSET_MASK) | (uint64_t)CLOOP_M_LZO << 60);
		EXPECT_BAD(img, len, "LZO");
	}
	free(img);
	free(good);
	free(path);
	free(in);
}

TEST(test_writer_errors)
{
	struct out_file *o;
	struct cloop_writer *w = NULL;
	char *path = util_path_join(dir, "err.cloop");
	struct cloop_writer_opts wo = {.version = CLOOP_V2,
				       .block_size = 1000,
				       .comp = {.codec = COMP_ZLIB, .level = -1},
				       .threads = 1,
				       .input_size = UINT64_MAX};
	CHECK_EQ(out_open(&o, path), 0);
	CHECK(cloop_writer_create(&w, o, &wo) < 0);
	CHECK(strstr(err_msg(), "multiple of 512") != NULL);
	wo.block_size = 512;
	wo.comp.codec = COMP_XZ;
	CHECK(cloop_writer_create(&w, o, &wo) < 0);
	CHECK(strstr(err_msg(), "v2") != NULL);
	wo.version = CLOOP_V4;
	wo.comp.codec = COMP_ZSTD;
	CHECK(cloop_writer_create(&w, o, &wo) < 0);
	/* known size, but the input delivers less: an error, not a bad index */
	wo.version = CLOOP_V2;
	wo.comp.codec = COMP_ZLIB;
	wo.input_size = 2000;
	CHECK_EQ(cloop_writer_create(&w, o, &wo), 0);
	CHECK_EQ(cloop_writer_write(w, "abc", 3), 0);
	CHECK(cloop_writer_finish(w, NULL) < 0);
	CHECK(strstr(err_msg(), "changed") != NULL);
	cloop_writer_destroy(w);
	out_abort(o);
	CHECK(access(path, F_OK) != 0);
	free(path);
}

int main(void)
{
	dir = test_tmpdir();
	RUN_ALL();
	TEST_EXIT();
}
