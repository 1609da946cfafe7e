/* The persistence partition: is the image a USB-bootable hybrid ISO,
 * where does the partition go, and formatting it with mke2fs. */
#include "usb/usb.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1024ull * 1024)

extern char **environ;

int usb_check_image(const uint8_t *head, size_t len, uint64_t size, const char *name)
{
	/* ECMA-119 8.4: the primary volume descriptor at sector 16: type 1,
	 * "CD001", version 1. */
	if (len < 17 * 2048 || head[32768] != 1 || memcmp(head + 32769, "CD001", 5) || head[32774] != 1)
		return err_set(ERR_FORMAT,
			       "%s: not an ISO 9660 image (no primary volume descriptor at byte 32768)",
			       name);
	if (head[510] != 0x55 || head[511] != 0xAA)
		return err_set(
		    ERR_FORMAT,
		    "%s: an ISO 9660 image without an MBR (isohybrid), so it does not boot from a USB "
		    "stick; make it with 'mklive build' (Boot.USB=yes) or 'mklive iso -isohybrid-mbr'",
		    name);
	if (size % 512)
		return err_set(ERR_FORMAT, "%s: %llu bytes is not a whole number of 512-byte sectors", name,
			       (unsigned long long)size);
	return 0;
}

int usb_image_open(struct usb_image *im, const char *path)
{
	struct stat st;
	uint8_t *head;
	size_t got = 0;
	int rc;
	memset(im, 0, sizeof *im);
	im->name = xstrdup(path);
	im->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (im->fd < 0 || fstat(im->fd, &st) < 0)
		return err_sys(errno, "%s", path);
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return err_set(EINVAL, "%s: not a regular file", path);
	im->size = (uint64_t)st.st_size;
	im->dev = st.st_dev;
	im->ino = st.st_ino;
	head = xcalloc(1, 17 * 2048);
	if ((rc = util_pread_full(im->fd, head, (size_t)MIN(im->size, 17 * 2048ull), 0, &got)) < 0)
		rc = err_sys(-rc, "%s", path);
	else if ((rc = usb_check_image(head, got, im->size, path)) == 0)
		im->gpt_tail = usb_gpt_tail(head, got);
	free(head);
	return rc;
}

void usb_image_close(struct usb_image *im)
{
	if (im->fd >= 0)
		close(im->fd);
	im->fd = -1;
	free(im->name);
	im->name = NULL;
}

uint64_t usb_persist_need(const struct usb_image *im, bool persist, uint64_t want, bool rest)
{
	if (!persist)
		return im->size;
	return ALIGN_UP(im->size, MIB) + (rest ? 16 * MIB : ALIGN_UP(want, 4096)) + im->gpt_tail;
}

int usb_persist_disk_size(const struct usb_target *t, uint64_t need, bool rest, uint64_t *dsize)
{
	*dsize = t->size;
	if (t->kind != USB_FILE)
		return 0;
	if (rest && t->size < need)
		return err_set(
		    EINVAL,
		    "%s: --persistence rest on a file takes the file's size as the disk's (make it "
		    "first, e.g. truncate -s 4G %s); it has %llu bytes, at least %llu are needed",
		    t->named, t->named, (unsigned long long)t->size, (unsigned long long)need);
	*dsize = MAX(t->size, need);
	return 0;
}

int usb_persist_add(struct usb_target *t, const struct usb_image *im, uint64_t dsize, uint64_t want,
		    bool rest, struct usb_persist_result *r)
{
	struct usb_table_result tr;
	int rc;
	memset(r, 0, sizeof *r);
	if ((rc = usb_persist_plan(im->size, dsize, want, rest, im->gpt_tail, &r->start, &r->len)) < 0)
		return rc;
	if (t->kind == USB_FILE && ftruncate(t->fd, (off_t)dsize) < 0)
		return err_sys(errno, "%s: setting its size", t->named);
	if ((rc = usb_table_add(t->fd, dsize, r->start, r->len, USB_PERSIST_LABEL, &tr)) < 0)
		return err_wrap(rc, "%s", t->named);
	if (fsync(t->fd) < 0)
		return err_sys(errno, "%s: flushing the partition table", t->named);
	/* mke2fs opens the device exclusively itself. */
	if ((rc = usb_target_release(t)) < 0 ||
	    (rc = usb_mkfs_ext4(t->path, r->start, r->len, USB_PERSIST_LABEL)) < 0 ||
	    (rc = usb_target_reacquire(t)) < 0)
		return rc;
	r->partno = tr.mbr_slot ? tr.mbr_slot : tr.gpt_slot;
	r->mbr = tr.mbr_slot != 0;
	r->gpt = tr.gpt;
	if (t->kind != USB_FILE && usb_target_reread(t, r->partno, r->start, r->len) < 0) {
		log_warn("%s (the partition appears after replugging the stick)", err_msg());
		err_clear();
	}
	return 0;
}

int usb_persist_plan(uint64_t img_size, uint64_t dev_size, uint64_t want, bool rest, uint64_t tail,
		     uint64_t *start, uint64_t *len)
{
	uint64_t s = ALIGN_UP(img_size, MIB), end = dev_size > tail ? dev_size - tail : 0;
	if (rest) {
		if (end < s || end - s < 16 * MIB)
			return err_set(ENOSPC,
				       "--persistence rest: only %llu bytes are left after the image (%llu "
				       "bytes); an ext4 "
				       "persistence partition needs at least 16 MiB",
				       (unsigned long long)(dev_size > s ? dev_size - s : 0),
				       (unsigned long long)img_size);
		*len = (end - s) / MIB * MIB;
		if (*len == 0)
			*len = (end - s) / 4096 * 4096;
	} else {
		if (want < 16 * MIB)
			return err_set(EINVAL,
				       "--persistence: %llu bytes is too small; ext4 needs at least 16M",
				       (unsigned long long)want);
		*len = ALIGN_UP(want, 4096);
	}
	*start = s;
	return 0;
}

int usb_mkfs_ext4(const char *path, uint64_t offset, uint64_t len, const char *label)
{
	char opt[64], blocks[32], msg[1024];
	int pfd[2], status = 0;
	pid_t pid;
	posix_spawn_file_actions_t fa;
	/* nodiscard: a discard must never reach the image in front of the
	 * partition; -m 0: no blocks reserved for root on a data stick. */
	snprintf(opt, sizeof opt, "offset=%llu,nodiscard", (unsigned long long)offset);
	snprintf(blocks, sizeof blocks, "%llu", (unsigned long long)(len / 4096));
	char *argv[] = {"mke2fs", "-q", "-F",	       "-t", "ext4", "-b",	   "4096", "-m",
			"0",	  "-L", (char *)label, "-E", opt,    (char *)path, blocks, NULL};
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return err_sys(errno, "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	/* mke2fs lives in /sbin, which a user's PATH may lack. */
	const char *old = getenv("PATH");
	char *path_env = xasprintf("%s%s/usr/sbin:/sbin", old ? old : "", old ? ":" : "");
	setenv("PATH", path_env, 1);
	int rc = posix_spawnp(&pid, "mke2fs", &fa, NULL, argv, environ);
	if (old)
		setenv("PATH", old, 1);
	else
		unsetenv("PATH");
	free(path_env);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc != 0) {
		close(pfd[0]);
		return err_sys(rc, "running mke2fs (Debian package e2fsprogs)");
	}
	size_t n = 0;
	for (;;) {
		ssize_t r = read(pfd[0], msg + n, sizeof msg - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof msg - 1) {
			char sink[256];
			while (read(pfd[0], sink, sizeof sink) > 0)
				;
			break;
		}
	}
	msg[n] = 0;
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = 0;
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(EIO, "mke2fs on %s at byte %llu failed (%s%d)%s%s", path,
			       (unsigned long long)offset, WIFEXITED(status) ? "exit status " : "signal ",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), n ? ": " : "",
			       msg);
	return 0;
}
