/* Unit tests for reads of one squashfs from several threads at once
 * (src/squashfs/reader_data.c, tree_img_ops.concurrent): many files
 * (multi-block, tails sharing fragment blocks, sparse, duplicates) read by
 * four threads, each in its own order and chunk size, with and without
 * decompression threads; every byte as written. */
#define TEST_SUITE "sqfspar"
#include "test.h"

#include "core/error.h"
#include "core/imgsrc.h"
#include "core/progress.h"
#include "core/tree.h"
#include "core/util.h"
#include "squashfs/reader.h"
#include "squashfs/squashfs.h"

#include <pthread.h>
#include <unistd.h>

#define NFILES_MAX 240
#define NREADERS 4
/* Block size, files and passes of the current image: 4 KiB blocks give
 * many blocks and a large cache, 1 MiB blocks a cache of a few dozen
 * slots. */
static uint32_t BS = 4096;
static int NFILES = NFILES_MAX, PASSES = 8;

static char *tmp;

static uint64_t step(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 17;
}

/* File i: empty, a tail alone (many share a fragment block), whole
 * blocks, blocks and a tail, sparse (zero blocks between data), a copy of
 * another file, or large. Text for some, so blocks differ in how well
 * they compress. */
static size_t file_size(int i)
{
	switch (i % 8) {
	case 0:
		return 0;
	case 1:
		return (size_t)(i * 37 % 3000) + 1;
	case 2:
		return BS * (size_t)(1 + i % 4);
	case 3:
		return BS * (size_t)(1 + i % 5) + (size_t)(i * 91 % (BS - 1)) + 1;
	case 4:
		return BS * 9 + 123; /* sparse */
	case 5:
		return file_size(i - 4); /* same bytes as file i - 4 */
	case 6:
		return (size_t)(i * 53 % 900) + 1;
	default:
		return BS * (size_t)(BS > 65536 ? 2 + i % 2 : 20 + i % 7) + (size_t)(i % 3 ? 77 : 0);
	}
}

static void file_bytes(int i, uint8_t *d, size_t len)
{
	uint64_t s = (uint64_t)(i % 8 == 5 ? i - 4 : i) * 7919 + 1;
	bool text = i % 3 == 0;
	for (size_t k = 0; k < len; k++)
		d[k] = text ? (uint8_t)("the quick brown fox "[(k + (size_t)i) % 20]) : (uint8_t)step(&s);
	if (i % 8 == 4) /* blocks 1-3 and 5-7 all zeros: holes */
		for (size_t b = 1; b < 8; b++)
			if (b != 4)
				memset(d + b * BS, 0, BS);
}

static struct tree *make_tree(void)
{
	struct tree *t = tree_create();
	uint8_t *d = xmalloc((size_t)BS * 32);
	for (int i = 0; i < NFILES; i++) {
		char p[32];
		struct tree_node *n = NULL;
		size_t len = file_size(i);
		snprintf(p, sizeof p, "d%d/f%03d", i % 5, i);
		file_bytes(i, d, len);
		CHECK_EQ(tree_add_mem_file(t, p, d, len, 0644, &n), 0);
		n->mtime = 1600000000;
	}
	free(d);
	CHECK_EQ(tree_finalize(t), 0);
	return t;
}

struct reader {
	struct tree *src, *back;
	int order[NFILES_MAX];
	size_t chunk;
	int bad, errors;
	char first[64];
	pthread_t th;
};

static void *read_all(void *arg)
{
	struct reader *rd = arg;
	uint8_t *x = xmalloc(rd->chunk), *y = xmalloc(rd->chunk);
	for (int pass = 0; pass < PASSES; pass++)
		for (int j = 0; j < NFILES; j++) {
			int i = rd->order[(j + pass * 17) % NFILES];
			char p[32];
			struct tree_node *a, *b;
			snprintf(p, sizeof p, "d%d/f%03d", i % 5, i);
			a = tree_lookup(rd->src, p);
			b = tree_lookup(rd->back, p);
			if (!a || !b || a->size != b->size || (b->size && b->src != TREE_SRC_IMAGE)) {
				rd->bad++;
				continue;
			}
			for (uint64_t off = 0; off < a->size;) {
				size_t k = (size_t)MIN(rd->chunk, a->size - off);
				if (tree_node_pread(b, -1, y, k, off) != 0) {
					rd->errors++;
					if (!*rd->first)
						snprintf(rd->first, sizeof rd->first, "%s", err_msg());
					break;
				}
				memcpy(x, a->src_data + off, k);
				if (memcmp(x, y, k)) {
					if (!rd->bad++)
						snprintf(rd->first, sizeof rd->first, "%s at %llu", p,
							 (unsigned long long)off);
					break;
				}
				off += k;
			}
		}
	free(x);
	free(y);
	return NULL;
}

/* Reads of every file by NREADERS threads at once: forwards, backwards, a
 * shuffle, and forwards again (so two threads often read the same file),
 * in chunks that do not line up with blocks. */
static void read_parallel(enum comp_codec codec, int threads, uint32_t bs)
{
	struct tree *src, *back = tree_create();
	struct sqfs_opts so;
	struct sqfs_read_opts ro;
	struct reader rd[NREADERS];
	static const size_t chunks[NREADERS] = {1000, 4097, 6553, 65537};
	struct imgsrc s;
	char *img;
	uint64_t seed = 12345;
	const struct tree_node *n;

	BS = bs;
	NFILES = bs > 65536 ? 24 : NFILES_MAX;
	PASSES = bs > 65536 ? 2 : 8;
	src = make_tree();
	img = xasprintf("%s/par-%d-%d-%u.sqfs", tmp, (int)codec, threads, bs);
	sqfs_opts_init(&so);
	so.codec = codec;
	so.block_size = BS;
	so.threads = 1;
	CHECK_EQ(sqfs_write(src, &so, img, NULL), 0);
	CHECK_EQ(imgsrc_open_path(&s, img), 0);
	sqfs_read_opts_init(&ro);
	ro.threads = threads;
	CHECK_EQ(sqfs_read_src(&s, back, &ro), 0);
	imgsrc_close(&s);
	CHECK_EQ(tree_finalize(back), 0);
	n = tree_lookup(back, "d0/f005");
	CHECK(n && n->src == TREE_SRC_IMAGE && n->src_img->ops->concurrent);
	/* the image is what the test means: files share fragment blocks, the
	 * sparse file has holes */
	{
		uint32_t frags[NFILES_MAX];
		int nfrag = 0, shared = 0;
		const struct tree_node *sp = tree_lookup(back, "d4/f004");
		for (int i = 0; i < NFILES; i++) {
			char p[32];
			struct sqfs_extent e;
			snprintf(p, sizeof p, "d%d/f%03d", i % 5, i);
			if (!sqfs_node_extent(tree_lookup(back, p), &e) || e.frag == 0xffffffffu)
				continue;
			for (int j = 0; j < nfrag; j++)
				shared += frags[j] == e.frag;
			frags[nfrag++] = e.frag;
		}
		CHECK(nfrag > NFILES / 5 && shared > NFILES / 12);
		CHECK(sp && sp->stored_size > 0 && sp->stored_size < 4 * BS);
		/* sqfs_node_block lists each file's block words: their lengths
		 * add up to the file's extent, and there is none past the last
		 * (the decode floor decodes what it lists) */
		for (int i = 0; i < NFILES; i++) {
			char p[32];
			struct sqfs_extent e;
			uint64_t sum = 0;
			uint32_t b = 0, w;
			const struct tree_node *f;
			snprintf(p, sizeof p, "d%d/f%03d", i % 5, i);
			f = tree_lookup(back, p);
			if (!sqfs_node_extent(f, &e))
				continue;
			while (sqfs_node_block(f, b, &w)) {
				sum += w & 0xffffffu;
				b++;
			}
			CHECK_EQ(sum, e.end - e.start);
			CHECK_EQ(b, f->size / BS + (f->size % BS && e.frag == 0xffffffffu));
		}
	}

	memset(rd, 0, sizeof rd);
	for (int t = 0; t < NREADERS; t++) {
		rd[t].src = src;
		rd[t].back = back;
		rd[t].chunk = chunks[t];
		for (int i = 0; i < NFILES; i++)
			rd[t].order[i] = t == 1 ? NFILES - 1 - i : i;
		if (t == 2)
			for (int i = NFILES - 1; i > 0; i--) {
				int j = (int)(step(&seed) % (uint64_t)(i + 1)), v = rd[t].order[i];
				rd[t].order[i] = rd[t].order[j];
				rd[t].order[j] = v;
			}
	}
	for (int t = 0; t < NREADERS; t++)
		CHECK_EQ(pthread_create(&rd[t].th, NULL, read_all, &rd[t]), 0);
	for (int t = 0; t < NREADERS; t++) {
		pthread_join(rd[t].th, NULL);
		if (rd[t].bad || rd[t].errors)
			fprintf(stderr, "  codec %d, %d threads, reader %d: %d wrong, %d errors (%s)\n",
				(int)codec, threads, t, rd[t].bad, rd[t].errors, rd[t].first);
		CHECK_EQ(rd[t].bad, 0);
		CHECK_EQ(rd[t].errors, 0);
	}
	tree_destroy(src);
	tree_destroy(back); /* the image's threads end with its last node */
	unlink(img);
	free(img);
}

TEST(test_parallel_zstd_workers)
{
	read_parallel(COMP_ZSTD, 2, 4096);
}

TEST(test_parallel_zstd_no_workers)
{
	read_parallel(COMP_ZSTD, -1, 4096);
}

TEST(test_parallel_xz_workers)
{
	read_parallel(COMP_XZ, 3, 4096);
}

TEST(test_parallel_gzip_no_workers)
{
	read_parallel(COMP_ZLIB, -1, 4096);
}

/* 1 MiB blocks: a cache of 28 slots and a read-ahead window of 12 blocks
 * shared by four readers (and up to four read-ahead streams) */
TEST(test_parallel_big_blocks)
{
	read_parallel(COMP_ZSTD, 2, 1u << 20);
}

int main(void)
{
	tmp = test_tmpdir();
	log_set_level(0);
	RUN_ALL();
	TEST_EXIT();
}
