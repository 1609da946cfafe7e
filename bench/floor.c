/* The physical floor of a squashfs build, for bench/build.sh: read every
 * regular file of a tree and compress its data with libzstd in blocks of
 * the squashfs block size on N threads, and nothing else (no image, no
 * metadata, no duplicate search). Tails shorter than a block are packed
 * together into blocks, as squashfs packs them into fragment blocks.
 *   floor DIR LEVEL THREADS [BLOCK_SIZE]
 * prints "files N in BYTES out BYTES seconds S". Hard links are read
 * once, as a squashfs stores them once. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#define QUEUE 64

struct blk {
	uint8_t *buf;
	size_t len;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct blk q[QUEUE];
	size_t head, n;
	int done;
} Q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, {{0}}, 0, 0, 0};

static size_t bs = 128 * 1024;
static int level = 15;
static uint64_t in_bytes, out_bytes, nfiles;
static uint8_t *pack;
static size_t pack_len;
static dev_t *seen_dev;
static ino_t *seen_ino;
static size_t nseen, seen_cap;

static void push(uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&Q.mu);
	while (Q.n == QUEUE)
		pthread_cond_wait(&Q.not_full, &Q.mu);
	Q.q[(Q.head + Q.n) % QUEUE] = (struct blk){buf, len};
	Q.n++;
	pthread_cond_signal(&Q.not_empty);
	pthread_mutex_unlock(&Q.mu);
}

static void *worker(void *arg)
{
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	size_t cap = ZSTD_compressBound(bs);
	uint8_t *out = malloc(cap);
	uint64_t mine = 0;
	(void)arg;
	for (;;) {
		struct blk b;
		pthread_mutex_lock(&Q.mu);
		while (!Q.n && !Q.done)
			pthread_cond_wait(&Q.not_empty, &Q.mu);
		if (!Q.n) {
			pthread_mutex_unlock(&Q.mu);
			break;
		}
		b = Q.q[Q.head];
		Q.head = (Q.head + 1) % QUEUE;
		Q.n--;
		pthread_cond_signal(&Q.not_full);
		pthread_mutex_unlock(&Q.mu);
		size_t r = ZSTD_compressCCtx(cc, out, cap, b.buf, b.len, level);
		mine += ZSTD_isError(r) || r >= b.len ? b.len : r;
		free(b.buf);
	}
	pthread_mutex_lock(&Q.mu);
	out_bytes += mine;
	pthread_mutex_unlock(&Q.mu);
	ZSTD_freeCCtx(cc);
	free(out);
	return NULL;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *f)
{
	int fd;
	(void)f;
	if (type != FTW_F || !S_ISREG(st->st_mode) || !st->st_size)
		return 0;
	if (st->st_nlink > 1) {
		for (size_t i = 0; i < nseen; i++)
			if (seen_dev[i] == st->st_dev && seen_ino[i] == st->st_ino)
				return 0;
		if (nseen == seen_cap) {
			seen_cap = seen_cap ? seen_cap * 2 : 64;
			seen_dev = realloc(seen_dev, seen_cap * sizeof *seen_dev);
			seen_ino = realloc(seen_ino, seen_cap * sizeof *seen_ino);
		}
		seen_dev[nseen] = st->st_dev;
		seen_ino[nseen++] = st->st_ino;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	nfiles++;
	for (off_t off = 0; off < st->st_size;) {
		size_t want = (size_t)(st->st_size - off) < bs ? (size_t)(st->st_size - off) : bs;
		uint8_t *buf = malloc(bs);
		ssize_t got = pread(fd, buf, want, off);
		if (got <= 0) {
			free(buf);
			break;
		}
		in_bytes += (uint64_t)got;
		off += got;
		if ((size_t)got == bs) {
			push(buf, (size_t)got);
			continue;
		}
		/* a tail: into the pack, which goes out when the next would not fit */
		if (pack_len + (size_t)got > bs) {
			push(pack, pack_len);
			pack = malloc(bs);
			pack_len = 0;
		}
		memcpy(pack + pack_len, buf, (size_t)got);
		pack_len += (size_t)got;
		free(buf);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	int threads;
	pthread_t *tid;
	if (argc < 4) {
		fprintf(stderr, "usage: floor DIR LEVEL THREADS [BLOCK_SIZE]\n");
		return 2;
	}
	level = atoi(argv[2]);
	threads = atoi(argv[3]);
	if (argc > 4)
		bs = strtoul(argv[4], NULL, 0);
	if (threads < 1 || !bs)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pack = malloc(bs);
	tid = calloc((size_t)threads, sizeof *tid);
	for (int i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, worker, NULL);
	if (nftw(argv[1], visit, 64, FTW_PHYS) != 0) {
		perror(argv[1]);
		return 1;
	}
	if (pack_len)
		push(pack, pack_len);
	else
		free(pack);
	pthread_mutex_lock(&Q.mu);
	Q.done = 1;
	pthread_cond_broadcast(&Q.not_empty);
	pthread_mutex_unlock(&Q.mu);
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("files %llu in %llu out %llu seconds %.3f\n", (unsigned long long)nfiles,
	       (unsigned long long)in_bytes, (unsigned long long)out_bytes,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(tid);
	return 0;
}
