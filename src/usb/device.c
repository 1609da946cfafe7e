/* The target of `mklive write`: resolving and opening it, and refusing
 * what must not be overwritten (partitions, mounted or busy disks, disks
 * smaller than the image, fixed disks without --force). */
#include "usb/usb.h"

#include "core/error.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/blkpg.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

void usb_human_size(uint64_t b, char *out, size_t cap)
{
	if (b >= 1000000000ull)
		snprintf(out, cap, "%.1f GB", b / 1e9);
	else if (b >= 1000000ull)
		snprintf(out, cap, "%.1f MB", b / 1e6);
	else
		snprintf(out, cap, "%llu bytes", (unsigned long long)b);
}

/* ---- sysfs ----------------------------------------------------------- */
/* Read a small sysfs attribute, trimmed; "" when absent. */
static void sys_read(const char *path, char *out, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, out, cap - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0)
		n = 0;
	out[n] = 0;
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = 0;
}

static int parse_devno(const char *s, dev_t *d)
{
	unsigned ma, mi;
	if (sscanf(s, "%u:%u", &ma, &mi) != 2)
		return -1;
	*d = makedev(ma, mi);
	return 0;
}

/* The disk and its partitions: names and device numbers. */
struct disk_parts {
	char name[16][64];
	dev_t dev[16];
	uint64_t size[16];
	size_t n; /* [0] is the disk itself */
};

static void list_parts(const char *sys, dev_t disk, struct disk_parts *p)
{
	char path[PATH_MAX], v[64];
	DIR *d;
	struct dirent *de;
	p->n = 1;
	snprintf(p->name[0], sizeof p->name[0], "%s", sys);
	p->dev[0] = disk;
	snprintf(path, sizeof path, "/sys/class/block/%s", sys);
	if (!(d = opendir(path)))
		return;
	while ((de = readdir(d)) && p->n < 16) {
		char attr[PATH_MAX];
		if (strncmp(de->d_name, sys, strlen(sys)) != 0)
			continue;
		snprintf(attr, sizeof attr, "%s/%s/partition", path, de->d_name);
		if (access(attr, F_OK) != 0)
			continue;
		snprintf(attr, sizeof attr, "%s/%s/dev", path, de->d_name);
		sys_read(attr, v, sizeof v);
		if (parse_devno(v, &p->dev[p->n]) < 0)
			continue;
		snprintf(attr, sizeof attr, "%s/%s/size", path, de->d_name);
		sys_read(attr, v, sizeof v);
		p->size[p->n] = strtoull(v, NULL, 10) * 512; /* sysfs counts 512-byte sectors */
		snprintf(p->name[p->n], sizeof p->name[p->n], "%s", de->d_name);
		p->n++;
	}
	closedir(d);
	/* readdir order is not stable: by name, for the messages */
	for (size_t i = 2; i < p->n; i++)
		for (size_t j = i; j > 1 && strverscmp(p->name[j - 1], p->name[j]) > 0; j--) {
			char t[64];
			dev_t td = p->dev[j];
			uint64_t ts = p->size[j];
			memcpy(t, p->name[j], 64);
			memcpy(p->name[j], p->name[j - 1], 64);
			memcpy(p->name[j - 1], t, 64);
			p->dev[j] = p->dev[j - 1];
			p->dev[j - 1] = td;
			p->size[j] = p->size[j - 1];
			p->size[j - 1] = ts;
		}
}

/* A holder (device mapper, md, a loop device on it...) of name, or "". */
static void first_holder(const char *name, char *out, size_t cap)
{
	char path[PATH_MAX];
	DIR *d;
	struct dirent *de;
	out[0] = 0;
	snprintf(path, sizeof path, "/sys/class/block/%s/holders", name);
	if (!(d = opendir(path)))
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(out, cap, "%s", de->d_name);
			break;
		}
	closedir(d);
}

/* ---- mounts and swap ----------------------------------------------------- */
static bool dev_in(dev_t d, const dev_t *devs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (devs[i] == d)
			return true;
	return false;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

bool usb_mountinfo_uses(const char *text, const dev_t *devs, size_t n, char *where, size_t cap)
{
	/* proc(5): "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw"
	 * field 3 the device number, 5 the mount point, after " - " the
	 * type and the source. Filesystems such as btrfs show an anonymous
	 * device number, so the source is checked too. */
	const char *p = text;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		char line[4096], *f[6] = {0}, *save = NULL, *sep;
		size_t nf = 0;
		dev_t d;
		struct stat st;
		if (l >= sizeof line)
			l = sizeof line - 1;
		memcpy(line, p, l);
		line[l] = 0;
		p = nl ? nl + 1 : NULL;
		sep = strstr(line, " - ");
		if (sep)
			*sep = 0;
		for (char *tok = strtok_r(line, " ", &save); tok && nf < 6; tok = strtok_r(NULL, " ", &save))
			f[nf++] = tok;
		if (nf < 5)
			continue;
		unescape(f[4]);
		bool hit = parse_devno(f[2], &d) == 0 && dev_in(d, devs, n);
		if (!hit && sep) {
			char *type, *src, *s2 = NULL;
			type = strtok_r(sep + 3, " ", &s2);
			src = type ? strtok_r(NULL, " ", &s2) : NULL;
			if (src && src[0] == '/') {
				unescape(src);
				hit =
				    stat(src, &st) == 0 && S_ISBLK(st.st_mode) && dev_in(st.st_rdev, devs, n);
			}
		}
		if (hit) {
			snprintf(where, cap, "%s", f[4]);
			return true;
		}
	}
	return false;
}

/* /proc/swaps: "Filename Type Size Used Priority", one swap a line. */
static bool swap_uses(const dev_t *devs, size_t n, char *where, size_t cap)
{
	uint8_t *text;
	size_t len;
	bool hit = false;
	if (util_read_file("/proc/swaps", &text, &len) < 0) {
		err_clear();
		return false;
	}
	char *save = NULL;
	for (char *l = strtok_r((char *)text, "\n", &save); l && !hit; l = strtok_r(NULL, "\n", &save)) {
		char name[PATH_MAX];
		struct stat st;
		if (sscanf(l, "%4095s", name) == 1 && name[0] == '/') {
			unescape(name);
			if (stat(name, &st) == 0 && S_ISBLK(st.st_mode) && dev_in(st.st_rdev, devs, n)) {
				snprintf(where, cap, "%s", name);
				hit = true;
			}
		}
	}
	free(text);
	return hit;
}

/* ---- opening --------------------------------------------------------- */
static int check_disk(struct usb_target *t, const struct usb_target_opts *o, const char *named)
{
	char path[PATH_MAX], link[PATH_MAX], v[128], where[PATH_MAX];
	struct disk_parts p;
	uint8_t *mi = NULL;
	size_t milen;
	ssize_t n;

	snprintf(path, sizeof path, "/sys/dev/block/%u:%u", major(t->rdev), minor(t->rdev));
	n = readlink(path, link, sizeof link - 1);
	if (n < 0)
		return err_sys(errno, "%s: no such block device in sysfs (%s)", named, path);
	link[n] = 0;
	snprintf(t->sys, sizeof t->sys, "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	snprintf(path, sizeof path, "/sys/dev/block/%u:%u/partition", major(t->rdev), minor(t->rdev));
	if (access(path, F_OK) == 0) {
		/* the parent directory in sysfs is the whole disk */
		char *slash = strrchr(link, '/');
		*slash = 0;
		return err_set(
		    EINVAL,
		    "%s is a partition (%s); a live image goes onto the whole disk (/dev/%s), which "
		    "then boots from its first sector",
		    named, t->sys, strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	}
	t->kind = !strncmp(t->sys, "loop", 4) ? USB_LOOP : USB_DISK;
	snprintf(path, sizeof path, "/sys/class/block/%s/removable", t->sys);
	sys_read(path, v, sizeof v);
	/* USB and SD-card readers often say 0 (a stick posing as a fixed
	 * disk); a disk on those buses is what this command is for. */
	t->removable = !strcmp(v, "1") || strstr(link, "/usb") || strstr(link, "/mmc");
	char vendor[48], model[48];
	snprintf(path, sizeof path, "/sys/class/block/%s/device/vendor", t->sys);
	sys_read(path, vendor, sizeof vendor);
	snprintf(path, sizeof path, "/sys/class/block/%s/device/model", t->sys);
	sys_read(path, model, sizeof model);
	if (t->kind == USB_LOOP) {
		snprintf(path, sizeof path, "/sys/class/block/%s/loop/backing_file", t->sys);
		sys_read(path, v, sizeof v);
		snprintf(t->model, sizeof t->model, "loop device%s%s", *v ? " on " : "", v);
	} else {
		snprintf(t->model, sizeof t->model, "%s%s%s", vendor, *vendor && *model ? " " : "", model);
	}

	list_parts(t->sys, t->rdev, &p);
	size_t plen = 0;
	t->parts = xstrdup("");
	for (size_t i = 1; i < p.n; i++) {
		char sz[32];
		usb_human_size(p.size[i], sz, sizeof sz);
		char *np = xasprintf("%s%s%s (%s)", t->parts, plen ? ", " : "", p.name[i], sz);
		free(t->parts);
		t->parts = np;
		plen = strlen(np);
	}
	/* Mounted? The disk itself (a whole-disk filesystem, an ISO) or any
	 * of its partitions, the root filesystem included. */
	if (util_read_file("/proc/self/mountinfo", &mi, &milen) < 0)
		return err_wrap(err_code(), "%s: cannot tell what is mounted", named);
	bool mounted = usb_mountinfo_uses((char *)mi, p.dev, p.n, where, sizeof where);
	free(mi);
	if (mounted)
		return err_set(EBUSY, "%s: refusing: a filesystem on it is mounted on %s%s; unmount it first",
			       named, where, !strcmp(where, "/") ? " (the running system's root)" : "");
	if (swap_uses(p.dev, p.n, where, sizeof where))
		return err_set(EBUSY, "%s: refusing: %s is in use as swap", named, where);
	for (size_t i = 0; i < p.n; i++) {
		first_holder(p.name[i], v, sizeof v);
		if (*v)
			return err_set(
			    EBUSY, "%s: refusing: %s is in use by %s (device mapper, RAID or a loop device)",
			    named, p.name[i], v);
	}
	if (!t->removable && t->kind == USB_DISK && !o->force)
		return err_set(
		    EPERM,
		    "%s: refusing: %s%s%s is not a removable disk (not on USB or MMC, sysfs removable "
		    "= 0); pass --force if it really is the disk to erase",
		    named, t->sys, *t->model ? ", " : "", t->model);
	return 0;
}

/* A read-only device (a write-protect switch, blockdev --setro, a loop
 * device made with losetup -r) is refused before anything else. */
static int check_writable(const char *named, const char *real)
{
	int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), ro = 0;
	if (fd < 0)
		return err_sys(errno, "%s", named);
	if (ioctl(fd, BLKROGET, &ro) < 0)
		ro = 0;
	close(fd);
	if (ro)
		return err_set(EROFS,
			       "%s: refusing: the device is read-only (a write-protect switch, blockdev "
			       "--setro or losetup -r); nothing written",
			       named);
	return 0;
}

int usb_target_open(struct usb_target *t, const char *named, const struct usb_target_opts *o, uint64_t need)
{
	struct stat ls, st, fst;
	char real[PATH_MAX];
	int rc;
	memset(t, 0, sizeof *t);
	t->fd = -1;
	t->named = xstrdup(named);
	if (lstat(named, &ls) < 0) {
		if (errno == ENOENT && strncmp(named, "/dev/", 5) != 0) {
			/* a new file */
			t->kind = USB_FILE;
			t->path = xstrdup(named);
			t->fd = open(named, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
			if (t->fd < 0)
				return err_sys(errno, "%s", named);
			t->created = true;
			t->lbs = 512;
			return 0;
		}
		return err_sys(errno, "%s", named);
	}
	if (stat(named, &st) < 0)
		return err_sys(errno, "%s", named);
	if (S_ISLNK(ls.st_mode) && !S_ISBLK(st.st_mode))
		return err_set(EINVAL,
			       "%s is a symbolic link to something that is not a block device; name the "
			       "file itself",
			       named);
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
		return err_set(EINVAL, "%s is neither a block device nor a regular file", named);
	if (S_ISREG(st.st_mode) && st.st_dev == o->img_dev && st.st_ino == o->img_ino)
		return err_set(EINVAL, "%s is the image itself", named);
	if (!realpath(named, real))
		return err_sys(errno, "%s", named);
	t->path = xstrdup(real);
	if (S_ISREG(st.st_mode)) {
		t->kind = USB_FILE;
		t->lbs = 512;
		t->fd = open(real, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (t->fd < 0)
			return err_sys(errno, "%s", named);
		if (fstat(t->fd, &fst) < 0 || fst.st_dev != st.st_dev || fst.st_ino != st.st_ino)
			return err_set(EAGAIN, "%s changed while it was opened", named);
		t->size = (uint64_t)fst.st_size;
		return 0;
	}
	t->rdev = st.st_rdev;
	if ((rc = check_writable(named, real)) < 0 || (rc = check_disk(t, o, named)) < 0)
		return rc;
	/* O_EXCL on a block device: the kernel refuses it while the disk or a
	 * partition is mounted or claimed, closing the gap after the checks. */
	t->fd = open(real, O_RDWR | O_EXCL | O_CLOEXEC | O_NOFOLLOW);
	if (t->fd < 0)
		return err_sys(errno, "%s%s%s: opening it for exclusive use", named,
			       strcmp(named, real) ? " -> " : "", strcmp(named, real) ? real : "");
	if (fstat(t->fd, &fst) < 0 || !S_ISBLK(fst.st_mode) || fst.st_rdev != t->rdev ||
	    stat(named, &st) < 0 || st.st_rdev != t->rdev)
		return err_set(EAGAIN,
			       "%s: the name now points to another device than when it was checked; "
			       "nothing written",
			       named);
	if (ioctl(t->fd, BLKGETSIZE64, &t->size) < 0)
		return err_sys(errno, "%s: reading its size", named);
	int lbs = 512;
	if (ioctl(t->fd, BLKSSZGET, &lbs) < 0 || lbs < 512)
		lbs = 512;
	t->lbs = (unsigned)lbs;
	if (t->size == 0)
		return err_set(ENOMEDIUM, "%s: no medium (size 0)", named);
	if (t->size < need) {
		char a[32], b[32];
		usb_human_size(t->size, a, sizeof a);
		usb_human_size(need, b, sizeof b);
		return err_set(
		    ENOSPC,
		    "%s: refusing: the device holds %s (%llu bytes), the image%s needs %s (%llu bytes)",
		    named, a, (unsigned long long)t->size, need > 0 ? " and what was asked" : "", b,
		    (unsigned long long)need);
	}
	return 0;
}

void usb_target_close(struct usb_target *t, bool failed)
{
	if (t->fd >= 0)
		close(t->fd);
	if (failed && t->created && t->path)
		unlink(t->path);
	free(t->named);
	free(t->path);
	free(t->parts);
	memset(t, 0, sizeof *t);
	t->fd = -1;
}

char *usb_target_describe(const struct usb_target *t)
{
	char sz[32];
	usb_human_size(t->size, sz, sizeof sz);
	if (t->kind == USB_FILE)
		return xasprintf("%s: regular file%s", t->path, t->created ? " (new)" : "");
	return xasprintf("%s%s%s: %s%s%s (%llu bytes)%s\n  partitions: %s", t->named,
			 strcmp(t->named, t->path) ? " -> " : "", strcmp(t->named, t->path) ? t->path : "",
			 *t->model ? t->model : "unknown model", ", ", sz, (unsigned long long)t->size,
			 t->kind == USB_LOOP ? ""
			 : t->removable	     ? ", removable"
					     : ", NOT removable",
			 t->parts && *t->parts ? t->parts : "none");
}

int usb_target_release(struct usb_target *t)
{
	if (t->fd >= 0 && close(t->fd) < 0) {
		t->fd = -1;
		return err_sys(errno, "%s: closing", t->named);
	}
	t->fd = -1;
	return 0;
}

int usb_target_reacquire(struct usb_target *t)
{
	struct stat st;
	int fl = O_RDWR | O_CLOEXEC | O_NOFOLLOW | (t->kind == USB_FILE ? 0 : O_EXCL);
	for (int i = 0; i < 50 && t->fd < 0; i++) {
		t->fd = open(t->path, fl);
		if (t->fd < 0 && errno == EBUSY) { /* udev probing the new table */
			struct timespec ts = {0, 100000000};
			nanosleep(&ts, NULL);
			continue;
		}
		if (t->fd < 0)
			return err_sys(errno, "%s: opening it again", t->named);
	}
	if (t->fd < 0)
		return err_sys(EBUSY, "%s: opening it again", t->named);
	if (fstat(t->fd, &st) < 0 || (t->kind != USB_FILE && st.st_rdev != t->rdev))
		return err_set(EAGAIN, "%s: another device is there now", t->named);
	return 0;
}

/* The kernel's name for partition n of disk: "sdb2", "loop3p2", "nvme0n1p2". */
static void part_name(const char *disk, int n, char *out, size_t cap)
{
	size_t l = strlen(disk);
	bool digit = l && disk[l - 1] >= '0' && disk[l - 1] <= '9';
	snprintf(out, cap, "%s%s%d", disk, digit ? "p" : "", n);
}

int usb_target_reread(struct usb_target *t, int partno, uint64_t start, uint64_t len)
{
	char name[80], path[160];
	int rc = -1;
	if (t->kind == USB_FILE)
		return 0;
	for (int i = 0; i < 20; i++) {
		if ((rc = ioctl(t->fd, BLKRRPART)) == 0 || errno != EBUSY)
			break;
		struct timespec ts = {0, 100000000};
		nanosleep(&ts, NULL);
	}
	if (partno <= 0)
		return rc == 0
			   ? 0
			   : err_sys(errno, "%s: the kernel did not re-read the partition table", t->named);
	part_name(t->sys, partno, name, sizeof name);
	snprintf(path, sizeof path, "/sys/class/block/%s", name);
	if (access(path, F_OK) == 0)
		return 0;
	/* A kernel without the parser for this table (or one that refused to
	 * re-read it): tell it about the new partition directly. */
	struct blkpg_partition bp = {.start = (long long)start, .length = (long long)len, .pno = partno};
	struct blkpg_ioctl_arg a = {.op = BLKPG_ADD_PARTITION, .datalen = sizeof bp, .data = &bp};
	snprintf(bp.devname, sizeof bp.devname, "%s", name);
	if (ioctl(t->fd, BLKPG, &a) < 0)
		return err_sys(errno, "%s: the kernel does not show partition %s", t->named, name);
	return 0;
}
