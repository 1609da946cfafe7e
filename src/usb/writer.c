/* Writing the image to the target: one pass that reads, hashes and writes
 * (skipping zero runs only where zeros are guaranteed), fsync, then a
 * read-back of what reached the medium, hashed and compared. The first
 * MiB (MBR, GPT, ISO 9660 volume descriptors) is zeroed first and written
 * last, so a target whose write was stopped shows no partition table and
 * no file system: nothing tries to boot or mount a truncated image. */
#include "usb/usb.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/sha256.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (4u << 20)       /* as dd bs=4M */
#define GRANULE (64u << 10)    /* zero runs are looked for in these steps */
#define ZEROOUT_MIN (1u << 20) /* shorter zero runs are written: not worth an ioctl */
#define HEAD (1u << 20)	       /* written last: every table and volume descriptor */

/* SIGINT or SIGTERM during the write: stop at the next chunk, head still
 * zeroed. */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	static const uint8_t z[16];
	return n < 16 ? memcmp(p, z, n) == 0 : memcmp(p, z, 16) == 0 && memcmp(p, p + 16, n - 16) == 0;
}

/* Does the device do WRITE ZEROES (offloaded zeroing)? Only then is
 * BLKZEROOUT cheaper than writing the zeros ourselves. */
static bool device_zeroes(const struct usb_target *t)
{
	char path[128], v[32] = "";
	snprintf(path, sizeof path, "/sys/class/block/%s/queue/write_zeroes_max_bytes", t->sys);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, v, sizeof v - 1);
		v[n > 0 ? n : 0] = 0;
		close(fd);
	}
	return strtoull(v, NULL, 10) > 0;
}

static int pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -ENOSPC;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* Write [off, off+n) of buf; zero granules become holes (file) or
 * BLKZEROOUT ranges (device) when skip is on. */
static int write_chunk(struct usb_target *t, const uint8_t *buf, size_t n, uint64_t off, int skip,
		       uint64_t *skipped)
{
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		bool zero = skip && all_zero(buf + i, MIN(GRANULE, n - i));
		/* extend the run of the same kind */
		while (j < n && (skip && all_zero(buf + j, MIN(GRANULE, n - j))) == zero)
			j += MIN(GRANULE, n - j);
		int rc = 0;
		if (!zero) {
			rc = pwrite_all(t->fd, buf + i, j - i, off + i);
		} else if (t->kind == USB_FILE) {
			*skipped += j - i; /* the file was truncated: a hole reads back zero */
		} else if (j - i >= ZEROOUT_MIN) {
			uint64_t range[2] = {off + i, j - i};
			if (ioctl(t->fd, BLKZEROOUT, range) == 0)
				*skipped += j - i;
			else
				rc = pwrite_all(t->fd, buf + i, j - i, off + i);
		} else {
			rc = pwrite_all(t->fd, buf + i, j - i, off + i);
		}
		if (rc < 0)
			return err_sys(-rc, "%s: writing at byte %llu", t->named,
				       (unsigned long long)(off + i));
		i = j;
	}
	return 0;
}

/* Read back n bytes at 0 past the page cache and hash them: fsync made
 * every page clean, so POSIX_FADV_DONTNEED (and BLKFLSBUF for a device)
 * drops them and the reads come from the medium, with the kernel's
 * readahead keeping it busy (O_DIRECT's one request at a time was half as
 * fast). */
static int read_back(struct usb_target *t, uint64_t n, uint8_t *buf, uint8_t d[SHA256_DIGEST])
{
	struct sha256 s;
	int fd, rc = 0;
	posix_fadvise(t->fd, 0, 0, POSIX_FADV_DONTNEED);
	if (t->kind != USB_FILE)
		ioctl(t->fd, BLKFLSBUF, 0);
	fd = open(t->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(errno, "%s: opening it to read back", t->named);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	sha256_init(&s);
	progress_begin("verifying", n);
	for (uint64_t off = 0; off < n;) {
		size_t k = (size_t)MIN((uint64_t)CHUNK, n - off), got = 0;
		rc = util_pread_full(fd, buf, k, (off_t)off, &got);
		if (rc < 0) {
			rc = err_sys(-rc, "%s: reading back at byte %llu", t->named, (unsigned long long)off);
			break;
		}
		if (got < k) {
			rc = err_set(EIO, "%s: reading back: only %llu of %llu bytes are there", t->named,
				     (unsigned long long)(off + got), (unsigned long long)n);
			break;
		}
		sha256_update(&s, buf, k);
		progress_add(k);
		off += k;
		if (stop_signal) {
			rc = err_set(ECANCELED,
				     "%s: interrupted (%s) while verifying: the image is written but not "
				     "verified",
				     t->named, strsignal(stop_signal));
			break;
		}
	}
	progress_end();
	close(fd);
	if (rc == 0)
		sha256_final(&s, d);
	return rc;
}

/* After a mismatch: the first MiB that differs, for the message. */
static uint64_t first_difference(struct usb_target *t, int img_fd, uint64_t n, uint8_t *a, uint8_t *b)
{
	int fd = open(t->path, O_RDONLY | O_CLOEXEC);
	uint64_t off = 0;
	for (; fd >= 0 && off < n; off += (1u << 20)) {
		size_t k = (size_t)MIN((uint64_t)(1u << 20), n - off), ga = 0, gb = 0;
		if (util_pread_full(img_fd, a, k, (off_t)off, &ga) < 0 ||
		    util_pread_full(fd, b, k, (off_t)off, &gb) < 0 || ga != gb || memcmp(a, b, k))
			break;
	}
	if (fd >= 0)
		close(fd);
	return off;
}

static int interrupted(const struct usb_target *t)
{
	if (t->created) /* usb_target_close removes it */
		return err_set(ECANCELED, "%s: interrupted (%s): the file is incomplete and is removed",
			       t->named, strsignal(stop_signal));
	return err_set(ECANCELED,
		       "%s: interrupted (%s): the target is incomplete; its first MiB is left zeroed, so "
		       "it has no partition table and no file system (write it again)",
		       t->named, strsignal(stop_signal));
}

/* The image's bytes [from, to), hashed into s, written with write_chunk. */
static int copy_range(struct usb_target *t, int img_fd, const char *img_name, uint64_t from, uint64_t to,
		      uint8_t *buf, int skip, struct sha256 *s, uint64_t *skipped)
{
	for (uint64_t off = from; off < to;) {
		size_t k = (size_t)MIN((uint64_t)CHUNK, to - off), got = 0;
		int rc;
		if (stop_signal)
			return interrupted(t);
		rc = util_pread_full(img_fd, buf, k, (off_t)off, &got);
		if (rc < 0 || got < k)
			return rc < 0 ? err_sys(-rc, "%s: reading at byte %llu", img_name,
						(unsigned long long)off)
				      : err_set(ERR_CHANGED, "%s: shorter than when the write started",
						img_name);
		if (s)
			sha256_update(s, buf, k);
		if ((rc = write_chunk(t, buf, k, off, skip, skipped)) < 0)
			return rc;
		progress_add(k);
		off += k;
	}
	return 0;
}

/* Zero the target's first head bytes and flush, before anything else is
 * written (a file was truncated: its head is a hole already). */
static int zero_head(struct usb_target *t, uint64_t head, uint8_t *buf)
{
	int rc;
	if (t->kind == USB_FILE)
		return 0;
	memset(buf, 0, head);
	if ((rc = pwrite_all(t->fd, buf, head, 0)) < 0)
		return err_sys(-rc, "%s: zeroing its first MiB", t->named);
	if (fsync(t->fd) < 0)
		return err_sys(errno, "%s: flushing to the medium (fsync)", t->named);
	return 0;
}

static int write_and_verify(struct usb_target *t, int img_fd, uint64_t img_size, const char *img_name,
			    bool verify, struct usb_write_stats *st, uint8_t *buf)
{
	uint8_t dimg[SHA256_DIGEST], dback[SHA256_DIGEST];
	struct sha256 s;
	int rc = 0, skip = 0;
	uint64_t head = MIN((uint64_t)HEAD, img_size);
	double t0 = now();
	if (t->kind == USB_FILE) {
		/* Truncating first makes every byte not written a hole, which
		 * reads back as zero (POSIX ftruncate): zero runs are skipped. */
		uint64_t keep = MAX(t->size, img_size);
		if (ftruncate(t->fd, 0) < 0 || ftruncate(t->fd, (off_t)keep) < 0)
			return err_sys(errno, "%s: setting its size", t->named);
		skip = 1;
	} else {
		skip = device_zeroes(t);
	}
	if ((rc = zero_head(t, head, buf)) < 0)
		return rc;
	/* the head is read (and hashed, in the image's order) first and
	 * written last, after everything else is flushed */
	size_t got = 0;
	uint8_t *hbuf = xmalloc(HEAD);
	rc = util_pread_full(img_fd, hbuf, (size_t)head, 0, &got);
	if (rc < 0 || got < head) {
		free(hbuf);
		return rc < 0 ? err_sys(-rc, "%s: reading at byte 0", img_name)
			      : err_set(ERR_CHANGED, "%s: shorter than when the write started", img_name);
	}
	sha256_init(&s);
	sha256_update(&s, hbuf, (size_t)head);
	posix_fadvise(img_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	progress_begin("writing", img_size);
	rc = copy_range(t, img_fd, img_name, head, img_size, buf, skip, &s, &st->skipped);
	if (rc == 0 && fsync(t->fd) < 0)
		rc = err_sys(errno, "%s: flushing to the medium (fsync)", t->named);
	if (rc == 0 && stop_signal)
		rc = interrupted(t);
	if (rc == 0 && (rc = write_chunk(t, hbuf, (size_t)head, 0, skip, &st->skipped)) == 0)
		progress_add(head);
	progress_end();
	free(hbuf);
	if (rc < 0)
		return rc;
	if (fsync(t->fd) < 0)
		return err_sys(errno, "%s: flushing to the medium (fsync)", t->named);
	st->seconds_write = now() - t0;
	sha256_final(&s, dimg);
	sha256_hex(dimg, st->sha256);
	if (!verify)
		return 0;
	t0 = now();
	if ((rc = read_back(t, img_size, buf, dback)) < 0)
		return rc;
	st->seconds_verify = now() - t0;
	if (memcmp(dimg, dback, sizeof dimg)) {
		char hb[SHA256_HEX];
		sha256_hex(dback, hb);
		uint64_t at = first_difference(t, img_fd, img_size, buf, buf + (2u << 20));
		return err_set(
		    EIO,
		    "%s: verification failed: the image has SHA-256 %s, the medium reads back %s (first "
		    "difference in the MiB at byte %llu); the medium may be failing or counterfeit",
		    t->named, st->sha256, hb, (unsigned long long)at);
	}
	st->verified = true;
	return 0;
}

int usb_write_image(struct usb_target *t, int img_fd, uint64_t img_size, const char *img_name, bool verify,
		    struct usb_write_stats *st)
{
	struct sigaction sa = {0}, old_int, old_term;
	uint8_t *buf = NULL;
	int rc;
	memset(st, 0, sizeof *st);
	st->bytes = img_size;
	if (posix_memalign((void **)&buf, 4096, CHUNK + 4096))
		return err_set(ENOMEM, "out of memory");
	/* no SA_RESTART: a read or write in progress returns, the loop stops */
	stop_signal = 0;
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = write_and_verify(t, img_fd, img_size, img_name, verify, st, buf);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	free(buf);
	return rc;
}

int usb_write_medium(struct usb_target *t, const struct usb_image *im, bool verify,
		     struct usb_write_stats *st)
{
	return usb_write_image(t, im->fd, im->size, im->name, verify, st);
}
