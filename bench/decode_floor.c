/* The decode floor of a squashfs extraction, for bench/extract.sh: every
 * compressed data block and fragment block of an image decompressed with
 * the codec's library alone (libzstd, liblzma with its integrity check,
 * libdeflate) on N threads, and nothing else: no file is written, no
 * metadata read in the timed part. mklive's reader is used only to list
 * where the blocks lie (sqfs_node_extent, sqfs_node_block); the compressed
 * bytes are read into memory before the clock starts.
 *   decode_floor IMAGE THREADS
 * prints "blocks N in BYTES out BYTES seconds S cpu S" (wall and CPU
 * seconds of the decoding alone). Blocks shared by
 * several files (hard links, duplicates) are decoded once, as an
 * extraction that reads each block once would. */
#include "core/imgsrc.h"
#include "core/tree.h"
#include "squashfs/reader.h"

#include <fcntl.h>
#include <libdeflate.h>
#include <lzma.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

struct job {
	uint64_t at;
	uint32_t len;
	uint8_t *in;
};

static struct job *jobs;
static size_t njobs, jobs_cap;
static uint32_t block_size;
static unsigned codec; /* the superblock's compressor id */
static atomic_size_t next_job;
static atomic_ullong out_total;

static void add(uint64_t at, uint32_t len)
{
	if (njobs == jobs_cap) {
		jobs_cap = jobs_cap ? 2 * jobs_cap : 4096;
		jobs = realloc(jobs, jobs_cap * sizeof *jobs);
		if (!jobs)
			abort();
	}
	jobs[njobs++] = (struct job){at, len, NULL};
}

static int collect(struct tree_node *n, void *ctx)
{
	struct sqfs_extent e;
	uint64_t at;
	uint32_t w;
	(void)ctx;
	if (!tree_is_reg(n) || !sqfs_node_extent(n, &e))
		return 0;
	at = e.start;
	for (uint32_t i = 0; sqfs_node_block(n, i, &w); i++) {
		uint32_t len = w & 0xffffff;
		if (len && !(w & (1u << 24)))
			add(at, len);
		at += len;
	}
	if (e.frag != 0xffffffffu && !e.frag_raw)
		add(e.frag_start, (uint32_t)(e.frag_end - e.frag_start));
	return 0;
}

static int by_offset(const void *a, const void *b)
{
	const struct job *x = a, *y = b;
	return x->at < y->at ? -1 : x->at > y->at;
}

static void *worker(void *arg)
{
	uint8_t *out = malloc(block_size);
	ZSTD_DCtx *zs = ZSTD_createDCtx();
	struct libdeflate_decompressor *def = libdeflate_alloc_decompressor();
	unsigned long long total = 0;
	size_t i;
	(void)arg;
	while ((i = atomic_fetch_add(&next_job, 1)) < njobs) {
		const struct job *j = &jobs[i];
		size_t got = 0;
		if (codec == 6) {
			got = ZSTD_decompressDCtx(zs, out, block_size, j->in, j->len);
			if (ZSTD_isError(got))
				goto bad;
		} else if (codec == 4) {
			uint64_t memlimit = 64u << 20;
			size_t in_pos = 0;
			if (lzma_stream_buffer_decode(&memlimit, 0, NULL, j->in, &in_pos, j->len, out, &got,
						      block_size) != LZMA_OK)
				goto bad;
		} else if (codec == 1) {
			if (libdeflate_zlib_decompress(def, j->in, j->len, out, block_size, &got) !=
			    LIBDEFLATE_SUCCESS)
				goto bad;
		} else {
			fprintf(stderr, "decode_floor: compressor %u not measured (zstd, xz, gzip)\n", codec);
			exit(1);
		}
		total += got;
		continue;
	bad:
		fprintf(stderr, "decode_floor: the block at %llu does not decode\n",
			(unsigned long long)j->at);
		exit(1);
	}
	atomic_fetch_add(&out_total, total);
	ZSTD_freeDCtx(zs);
	libdeflate_free_decompressor(def);
	free(out);
	return NULL;
}

int main(int argc, char **argv)
{
	struct imgsrc s;
	struct sqfs_read_opts o;
	struct tree *t = tree_create();
	uint8_t sb[96], *all;
	unsigned long long in = 0;
	struct timespec t0, t1, c0, c1;
	pthread_t th[64];
	int nth, fd;
	size_t k = 0;
	if (argc != 3 || (nth = atoi(argv[2])) < 1 || nth > 64) {
		fprintf(stderr, "usage: decode_floor IMAGE THREADS\n");
		return 2;
	}
	if (imgsrc_open_path(&s, argv[1]) || imgsrc_pread(&s, sb, sizeof sb, 0)) {
		fprintf(stderr, "decode_floor: cannot read %s\n", argv[1]);
		return 1;
	}
	block_size =
	    (uint32_t)sb[12] | (uint32_t)sb[13] << 8 | (uint32_t)sb[14] << 16 | (uint32_t)sb[15] << 24;
	codec = (unsigned)sb[20] | (unsigned)sb[21] << 8;
	sqfs_read_opts_init(&o);
	o.threads = -1;
	if (sqfs_read_src(&s, t, &o) != 0) {
		fprintf(stderr, "decode_floor: %s is not a squashfs mklive reads\n", argv[1]);
		return 1;
	}
	tree_walk(t->root, collect, NULL, NULL);
	qsort(jobs, njobs, sizeof *jobs, by_offset);
	for (size_t i = 0; i < njobs; i++) /* blocks of hard links and duplicates once */
		if (!k || jobs[i].at != jobs[k - 1].at)
			jobs[k++] = jobs[i];
	njobs = k;
	for (size_t i = 0; i < njobs; i++)
		in += jobs[i].len;
	all = malloc(in ? in : 1);
	fd = open(argv[1], O_RDONLY);
	in = 0;
	for (size_t i = 0; i < njobs; i++) {
		jobs[i].in = all + in;
		if (pread(fd, jobs[i].in, jobs[i].len, (off_t)jobs[i].at) != (ssize_t)jobs[i].len) {
			fprintf(stderr, "decode_floor: short read at %llu\n", (unsigned long long)jobs[i].at);
			return 1;
		}
		in += jobs[i].len;
	}
	close(fd);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	for (int i = 0; i < nth; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	printf("blocks %zu in %llu out %llu seconds %.3f cpu %.3f\n", njobs, in,
	       (unsigned long long)atomic_load(&out_total),
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9);
	tree_destroy(t);
	imgsrc_close(&s);
	free(all);
	free(jobs);
	return 0;
}
