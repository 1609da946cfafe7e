/* mklive-init: the root image (squashfs on a loop device, or cloop), the
 * copy to RAM, and the writable layer (overlayfs or the article's tgz). */
#include "pid1.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* Linux loop device ABI (include/uapi/linux/loop.h); musl ships no kernel
 * headers, so the few definitions are spelled out here. */
#define LOOP_SET_FD 0x4C00
#define LOOP_SET_STATUS64 0x4C04
#define LOOP_CONFIGURE 0x4C0A
#define LOOP_CTL_GET_FREE 0x4C82
#define LO_FLAGS_READ_ONLY 1
#define LO_FLAGS_AUTOCLEAR 4
struct loop_info64 {
	uint64_t lo_device, lo_inode, lo_rdevice, lo_offset, lo_sizelimit;
	uint32_t lo_number, lo_encrypt_type, lo_encrypt_key_size, lo_flags;
	uint8_t lo_file_name[64], lo_crypt_name[64], lo_encrypt_key[32];
	uint64_t lo_init[2];
};
struct loop_config {
	uint32_t fd, block_size;
	struct loop_info64 info;
	uint64_t reserved[8];
};
_Static_assert(sizeof(struct loop_info64) == 232, "loop_info64 ABI");
_Static_assert(sizeof(struct loop_config) == 304, "loop_config ABI");

/* ---- the root image ------------------------------------------------------ */
bool live_in_ram; /* the root (and root_fs.tgz) were copied to TORAM */

/* Returns an open fd of the configured loop device, or -1. */
int live_loop_attach(const char *file, bool rw, char *dev, size_t cap)
{
	int ctl, n, lfd = -1, bfd;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		live_say("/dev/loop-control: %s (is the loop module in the initramfs?)", strerror(errno));
		return -1;
	}
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	if (n < 0) {
		live_say("no free loop device: %s", strerror(errno));
		return -1;
	}
	snprintf(dev, cap, "/dev/loop%d", n);
	for (int i = 0; i < 50 && lfd < 0; i++) {
		lfd = open(dev, O_RDWR | O_CLOEXEC);
		if (lfd < 0 && errno == ENOENT) {
			mknod(dev, S_IFBLK | 0600, makedev(7, (unsigned)n));
			continue;
		}
	}
	if (lfd < 0) {
		live_say("%s: %s", dev, strerror(errno));
		return -1;
	}
	bfd = open(file, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (bfd < 0) {
		live_say("%s: %s", file, strerror(errno));
		close(lfd);
		return -1;
	}
	struct loop_config c;
	memset(&c, 0, sizeof c);
	c.fd = (uint32_t)bfd;
	c.info.lo_flags = (rw ? 0 : LO_FLAGS_READ_ONLY) | LO_FLAGS_AUTOCLEAR;
	snprintf((char *)c.info.lo_file_name, sizeof c.info.lo_file_name, "%s", file);
	if (ioctl(lfd, LOOP_CONFIGURE, &c) < 0) {
		/* Kernels before 5.8: the two-step setup. */
		if (ioctl(lfd, LOOP_SET_FD, bfd) < 0 || ioctl(lfd, LOOP_SET_STATUS64, &c.info) < 0) {
			live_say("%s: attaching %s: %s", dev, file, strerror(errno));
			close(bfd);
			close(lfd);
			return -1;
		}
	}
	close(bfd);
	/* With autoclear, the last close detaches the device: the caller
	 * closes lfd only once the mount holds it. */
	return lfd;
}

/* MemAvailable from /proc/meminfo in bytes, 0 if unknown. */
uint64_t live_mem_available(void)
{
	uint8_t *t;
	size_t n;
	uint64_t kb = 0;
	if (live_read_file("/proc/meminfo", &t, &n) < 0)
		return 0;
	char *p = strstr((char *)t, "MemAvailable:");
	if (p)
		kb = strtoull(p + 13, NULL, 10);
	free(t);
	return kb * 1024;
}

/* What a copy into RAM must leave free for the rest of the boot (the
 * kernel's own needs, the writable layer, the root's first programs): below
 * that the kernel deadlocks on memory rather than failing a write. */
uint64_t live_ram_margin(uint64_t size)
{
	return (64ull << 20) + size / 8;
}

/* Is there room for size bytes in RAM? Says why not. */
bool live_ram_fits(const char *what, uint64_t size)
{
	uint64_t avail = live_mem_available(), need = size + live_ram_margin(size);
	if (!avail || avail >= need)
		return true;
	live_say("%s needs %llu MiB of RAM (%llu MiB plus a margin of %llu MiB), only %llu MiB are available",
		 what, (unsigned long long)(need >> 20), (unsigned long long)(size >> 20),
		 (unsigned long long)(live_ram_margin(size) >> 20), (unsigned long long)(avail >> 20));
	return false;
}

/* live.toram: copy the files into a tmpfs sized to hold exactly them, with
 * progress on the console. A full tmpfs fails a write cleanly, where
 * filling RAM would not. */
static int copy_to_ram(const char *src, const char *name, char *dst, size_t cap)
{
	struct stat st;
	int in = open(src, O_RDONLY | O_CLOEXEC), out;
	if (in < 0 || fstat(in, &st) < 0) {
		live_say("%s: %s", src, strerror(errno));
		if (in >= 0)
			close(in);
		return -1;
	}
	snprintf(dst, cap, "%s/%s", TORAM, name);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		live_say("%s: %s", dst, strerror(errno));
		close(in);
		return -1;
	}
	uint64_t done = 0, total = (uint64_t)st.st_size;
	int last = -1;
	while (done < total) {
		ssize_t n = sendfile(out, in, NULL, total - done > (8u << 20) ? (8u << 20) : total - done);
		if (n <= 0) {
			live_console_write("\n", 1);
			live_say("copying %s to RAM: %s", src, n < 0 ? strerror(errno) : "short read");
			close(in);
			close(out);
			return -1;
		}
		done += (uint64_t)n;
		int pct = (int)(done * 100 / total);
		if (pct / 10 != last / 10) {
			char b[80];
			int l = snprintf(b, sizeof b, "\rlive: copying %s to RAM: %3d%%", name, pct);
			live_console_write(b, (size_t)l);
			last = pct;
		}
	}
	live_console_write("\n", 1);
	close(in);
	close(out);
	return 0;
}

/* A root laid out in boot order (mklive build --boot-order) starts with
 * the data its boot reads; /live/root.readahead says how many bytes. Ask
 * for them all at once: the medium streams them in large sequential
 * requests while the boot goes on, instead of one small read at a time. */
static void read_ahead_boot_set(const char *img)
{
	char buf[32];
	unsigned long long n;
	int fd;
	if (live_read_text(MEDIUM "/live/root.readahead", buf, sizeof buf) <= 0)
		return;
	n = strtoull(buf, NULL, 10);
	if (!n || (fd = open(img, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (posix_fadvise(fd, 0, (off_t)n, POSIX_FADV_WILLNEED) == 0)
		live_step("reading ahead the first %llu bytes of the root (its boot set)", n);
	close(fd);
}

/* A root laid out in boot order is read front to back while the system
 * boots: let the kernel's read-ahead of the medium grow to 1 MiB windows
 * (the default is 128 KiB), so that stream reaches the drive as fewer,
 * larger requests. The kernel widens a window only while reads are
 * sequential, so scattered reads later cost no more than before. Set
 * before the loop device opens the image: a file takes its read-ahead
 * limit when it is opened. */
#define BOOT_ORDER_RA_SECTORS 2048 /* 1 MiB in 512-byte sectors */
#ifndef BLKRASET		   /* <linux/fs.h>, which musl's headers leave out */
#define BLKRASET _IO(0x12, 98)
#define BLKRAGET _IO(0x12, 99)
#endif
static void widen_read_ahead(void)
{
	char path[80];
	unsigned long cur = 0;
	int fd;
	if (access(MEDIUM "/live/root.readahead", F_OK) != 0)
		return;
	snprintf(path, sizeof path, "/dev/%s", live_medium_dev);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return;
	if (ioctl(fd, BLKRAGET, &cur) == 0 && cur < BOOT_ORDER_RA_SECTORS &&
	    ioctl(fd, BLKRASET, (unsigned long)BOOT_ORDER_RA_SECTORS) == 0)
		live_step("read-ahead of %s: %lu KiB (a root in boot order)", live_medium_dev,
			  (unsigned long)BOOT_ORDER_RA_SECTORS / 2);
	close(fd);
}

/* live.toram for the image (and root_fs.tgz): 0 with img set to the copy,
 * or 1 when it does not fit or the copy failed: the tmpfs is gone again and
 * the boot goes on from the medium. */
static int to_ram(char *img, size_t cap, const char *name)
{
	struct stat st, tgz;
	char dst[300], o[80];
	uint64_t total;
	bool with_tgz = live_opt.writable == LIVE_TGZ;
	if (stat(img, &st) < 0)
		return 1;
	total = (uint64_t)st.st_size;
	if (with_tgz && stat(MEDIUM "/live/root_fs.tgz", &tgz) == 0)
		total += (uint64_t)tgz.st_size;
	if (!live_ram_fits("live.toram: the copy", total)) {
		live_say("live.toram: not enough memory; booting from the medium %s instead",
			 live_medium_dev);
		return 1;
	}
	live_mkdirs(TORAM);
	snprintf(o, sizeof o, "size=%llu,mode=0755", (unsigned long long)(total + (1u << 20)));
	if (mount("tmpfs", TORAM, "tmpfs", MS_NOSUID | MS_NODEV, o) < 0) {
		live_say("tmpfs for live.toram: %s; booting from the medium instead", strerror(errno));
		return 1;
	}
	live_step("copying %s (%llu MiB) to RAM, %llu MiB available", name, (unsigned long long)(total >> 20),
		  (unsigned long long)(live_mem_available() >> 20));
	if (copy_to_ram(img, name, dst, sizeof dst) < 0 ||
	    (with_tgz && copy_to_ram(MEDIUM "/live/root_fs.tgz", "root_fs.tgz", o, sizeof o) < 0)) {
		umount2(TORAM, MNT_DETACH);
		live_say(
		    "live.toram: the copy failed, its memory is freed; booting from the medium %s instead",
		    live_medium_dev);
		return 1;
	}
	snprintf(img, cap, "%s", dst);
	return 0;
}

int live_mount_root(void)
{
	char img[300], dev[64];
	struct stat st;
	bool squash = stat(MEDIUM "/live/root.squashfs", &st) == 0;
	bool cloop = !squash && stat(MEDIUM "/live/root.cloop", &st) == 0;
	if (!squash && !cloop) {
		live_say("medium %s has /live/mklive.id but no /live/root.squashfs or /live/root.cloop",
			 live_medium_dev);
		return -1;
	}
	const char *name = squash ? "root.squashfs" : "root.cloop";
	snprintf(img, sizeof img, MEDIUM "/live/%s", name);
	live_mkdirs(ROOTFS);
	bool in_ram = false;
	if (live_opt.toram) {
		in_ram = to_ram(img, sizeof img, name) == 0;
	}
	if (squash && !in_ram)
		widen_read_ahead();
	if (squash && !in_ram && live_opt.readahead)
		read_ahead_boot_set(img);
	if (squash) {
		int lfd = live_loop_attach(img, false, dev, sizeof dev);
		if (lfd < 0)
			return -1;
		if (mount(dev, ROOTFS, "squashfs", MS_RDONLY, NULL) < 0) {
			live_say("mounting %s (%s) as squashfs: %s (corrupt image?)", img, dev,
				 strerror(errno));
			close(lfd);
			return -1;
		}
		close(lfd);
	} else {
		char params[400];
		snprintf(params, sizeof params, "file=%s", img);
		int r = live_load_module("cloop", params);
		if (r < 0) {
			live_say("root.cloop needs the cloop module: %s (build the initrd with --add-module "
				 "cloop)",
				 r == -ENOENT ? "not in the initramfs" : strerror(-r));
			return -1;
		}
		int fd = -1;
		for (int i = 0; i < 100 && fd < 0; i++) {
			fd = open("/dev/cloop0", O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				struct timespec ts = {0, 20000000};
				nanosleep(&ts, NULL);
			}
		}
		if (fd >= 0)
			close(fd);
		if (mount("/dev/cloop0", ROOTFS, "iso9660", MS_RDONLY, NULL) < 0) {
			live_say("mounting %s (/dev/cloop0) as iso9660: %s", img, strerror(errno));
			return -1;
		}
	}
	live_step("mounted %s", img);
	live_in_ram = in_ram;
	if (in_ram) {
		/* The image now lives in RAM: release the medium (it may be ejected). */
		if (umount2(MEDIUM, MNT_DETACH) == 0)
			rmdir(MEDIUM);
		live_step("medium %s released", live_medium_dev);
	}
	return 0;
}

/* ---- the writable layer ------------------------------------------------ */
static int tmpfs_at(const char *dir)
{
	char o[80];
	snprintf(o, sizeof o, "size=%s,mode=0755", live_opt.overlay_size);
	live_mkdirs(dir);
	if (mount("tmpfs", dir, "tmpfs", 0, o) < 0) {
		live_say("tmpfs on %s (%s): %s", dir, o, strerror(errno));
		return -1;
	}
	return 0;
}

int live_writable_overlay(void)
{
	char o[700];
	bool kept = false;
	if (live_opt.persistence) {
		kept = live_persist_mount() == 0;
		if (!kept)
			live_say(
			    "persistence: not available; this session's changes stay in RAM and are lost at "
			    "power-off");
	}
	if (!kept) {
		if (tmpfs_at(RW) < 0)
			return -1;
		snprintf(live_rw_dir, sizeof live_rw_dir, "%s", RW);
		mkdir(RW "/upper", 0755);
		mkdir(RW "/work", 0755);
	}
	live_mkdirs(NEWROOT);
	snprintf(o, sizeof o, "lowerdir=" ROOTFS ",upperdir=%s/upper,workdir=%s/work", live_rw_dir,
		 live_rw_dir);
	if (mount("overlay", NEWROOT, "overlay", 0, o) < 0) {
		live_say("overlayfs on %s (%s): %s", NEWROOT, o, strerror(errno));
		return -1;
	}
	return 0;
}

int live_writable_tgz(void)
{
	uint8_t *gz, *tar;
	size_t gzlen, tarlen;
	uint64_t nfiles;
	char err[512];
	int r = -1;
	if (tmpfs_at(NEWROOT) < 0)
		return -1;
	if (live_read_file(live_in_ram ? TORAM "/root_fs.tgz" : MEDIUM "/live/root_fs.tgz", &gz, &gzlen) <
	    0) {
		/* With live.toram the medium is gone; the tgz was read before. */
		live_say("live.writable=tgz: cannot read /live/root_fs.tgz from %s: %s", live_medium_dev,
			 strerror(errno));
		return -1;
	}
	if (tar_gunzip(gz, gzlen, &tar, &tarlen, err, sizeof err) < 0) {
		live_say("/live/root_fs.tgz: %s", err);
		free(gz);
		return -1;
	}
	free(gz);
	int dfd = open(NEWROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tar_extract(tar, tarlen, dfd, err, sizeof err, &nfiles) < 0)
		live_say("/live/root_fs.tgz: %s", err);
	else
		r = 0;
	free(tar);
	if (r < 0) {
		close(dfd);
		return -1;
	}
	live_step("unpacked %llu entries of root_fs.tgz", (unsigned long long)nfiles);
	/* Everything else comes read-only from the compressed root. */
	DIR *d = opendir(ROOTFS);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		struct stat st, have;
		char src[300], dst[300];
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dfd, de->d_name, &have, AT_SYMLINK_NOFOLLOW) == 0)
			continue; /* root_fs.tgz provides it */
		snprintf(src, sizeof src, ROOTFS "/%s", de->d_name);
		snprintf(dst, sizeof dst, NEWROOT "/%s", de->d_name);
		if (lstat(src, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			char t[300];
			ssize_t n = readlink(src, t, sizeof t - 1);
			if (n > 0) {
				t[n] = 0;
				symlink(t, dst);
			}
			continue;
		}
		if (S_ISDIR(st.st_mode))
			mkdir(dst, st.st_mode & 07777);
		else {
			int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
			if (fd >= 0)
				close(fd);
		}
		if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
			live_say("bind-mounting %s: %s", src, strerror(errno));
	}
	if (d)
		closedir(d);
	close(dfd);
	return 0;
}
