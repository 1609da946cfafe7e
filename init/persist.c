/* mklive-init: live.persistence, the overlay's upper layer on a store that
 * survives reboots: a partition labelled mklive-rw, or a file
 * /mklive-rw.img on a FAT or ext4 partition; the boot medium's disk is
 * searched first. Anything that fails leaves the caller to use RAM. */
#include "pid1.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PERSIST_HOST "/run/live/persist-host"

void live_disk_of(const char *link, const char *name, char *disk, size_t cap)
{
	/* sysfs: ".../block/sda" for a disk, ".../block/sda/sda2" for one of
	 * its partitions: the component before the name is the disk, unless
	 * it is "block". */
	char tmp[512];
	snprintf(tmp, sizeof tmp, "%s", link);
	char *last = strrchr(tmp, '/');
	snprintf(disk, cap, "%s", name);
	if (!last)
		return;
	*last = 0;
	char *prev = strrchr(tmp, '/');
	prev = prev ? prev + 1 : tmp;
	if (*prev && strcmp(prev, "block") != 0)
		snprintf(disk, cap, "%s", prev);
}

static void disk_of(const char *name, char *disk, size_t cap)
{
	char p[128], link[512];
	snprintf(p, sizeof p, "/sys/class/block/%s", name);
	ssize_t n = readlink(p, link, sizeof link - 1);
	if (n < 0) {
		snprintf(disk, cap, "%s", name);
		return;
	}
	link[n] = 0;
	live_disk_of(link, name, disk, cap);
}

struct part {
	char name[32];
	char disk[32];
};

static int cmp_parts(const void *a, const void *b)
{
	return strverscmp(((const struct part *)a)->name, ((const struct part *)b)->name);
}

/* Partitions only, never whole disks: on a hybrid ISO the disk and its
 * first partition both show the ISO, and a disk with a partition table is
 * not a filesystem to write to. The medium's disk first. */
static size_t list_parts(struct part *v, size_t cap)
{
	char medium_disk[32], p[128];
	DIR *d = opendir("/sys/class/block");
	struct dirent *de;
	size_t n = 0, mine = 0;
	disk_of(live_medium_dev, medium_disk, sizeof medium_disk);
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < cap) {
		if (de->d_name[0] == '.' || !strncmp(de->d_name, "loop", 4) || !strncmp(de->d_name, "ram", 3))
			continue;
		snprintf(p, sizeof p, "/sys/class/block/%s/partition", de->d_name);
		if (access(p, F_OK) != 0)
			continue;
		snprintf(v[n].name, sizeof v[n].name, "%s", de->d_name);
		disk_of(de->d_name, v[n].disk, sizeof v[n].disk);
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof *v, cmp_parts);
	/* stable move of the medium disk's partitions to the front */
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].disk, medium_disk)) {
			struct part t = v[i];
			memmove(v + mine + 1, v + mine, (i - mine) * sizeof *v);
			v[mine++] = t;
		}
	return n;
}

/* A partition's GPT name (PARTNAME in its uevent), "" when it has none. */
static void part_name(const char *part, char *out, size_t cap)
{
	char p[128], buf[1024];
	snprintf(p, sizeof p, "/sys/class/block/%s/uevent", part);
	*out = 0;
	if (live_read_text(p, buf, sizeof buf) < 0)
		return;
	char *s = strstr(buf, "PARTNAME=");
	if (s && (s == buf || s[-1] == '\n')) {
		s += 9;
		size_t l = strcspn(s, "\n");
		snprintf(out, cap, "%.*s", (int)l, s);
	}
}

/* e2fsck -p when the initramfs carries one: 0 clean or fixed, 1 not. */
static int fsck(const char *dev)
{
	static const char *const cands[] = {"/sbin/e2fsck", "/usr/sbin/e2fsck", "/bin/e2fsck"};
	const char *prog = NULL;
	for (size_t i = 0; i < 3 && !prog; i++)
		if (access(cands[i], X_OK) == 0)
			prog = cands[i];
	if (!prog)
		return 0; /* the kernel replays the journal when it mounts */
	pid_t p = fork();
	if (p == 0) {
		execl(prog, "e2fsck", "-p", dev, (char *)NULL);
		_exit(8);
	}
	int st = 0;
	while (p > 0 && waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	/* e2fsck(8): 0 clean, 1 errors corrected, 2 corrected and reboot
	 * wanted; 4 and more: errors left. */
	if (p < 0 || !WIFEXITED(st) || WEXITSTATUS(st) >= 4) {
		live_say("persistence: e2fsck -p %s could not repair it (exit %d)", dev,
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return 1;
	}
	return 0;
}

static int mount_ext4_rw(const char *dev, const char *what)
{
	live_load_module("ext4", NULL);
	if (fsck(dev))
		return -1;
	if (mount(dev, RW, "ext4", MS_NOATIME, NULL) < 0) {
		live_say("persistence: %s does not mount as ext4: %s (corrupt?)", what, strerror(errno));
		return -1;
	}
	return 0;
}

/* The id as a directory name: [A-Za-z0-9._-], others become '_'. */
static void id_dir(char *out, size_t cap)
{
	const char *id = *live_medium_id ? live_medium_id : live_want_id;
	size_t n = 0;
	for (; *id && n + 1 < cap; id++)
		out[n++] = (*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z') ||
				   (*id >= '0' && *id <= '9') || *id == '.' || *id == '-' || *id == '_'
			       ? *id
			       : '_';
	out[n] = 0;
	if (!n || !strcmp(out, ".") || !strcmp(out, ".."))
		snprintf(out, cap, "default");
}

static int try_file(const char *part, struct probe_info *pi)
{
	char dev[64], img[128], loopdev[64];
	snprintf(dev, sizeof dev, "/dev/%s", part);
	live_mkdirs(PERSIST_HOST);
	if (pi->type == PROBE_VFAT) {
		static const char *const nls[] = {"nls_cp437", "nls_utf8", "nls_iso8859_1", "nls_ascii",
						  "vfat"};
		for (size_t i = 0; i < 5; i++)
			live_load_module(nls[i], NULL);
	} else {
		live_load_module("ext4", NULL);
	}
	if (mount(dev, PERSIST_HOST, probe_fstype(pi->type), MS_NOATIME, NULL) < 0)
		return 0; /* not ours to report: any partition is looked at */
	snprintf(img, sizeof img, PERSIST_HOST "/" LIVE_PERSIST_FILE);
	struct stat st;
	if (stat(img, &st) < 0 || !S_ISREG(st.st_mode)) {
		umount(PERSIST_HOST);
		return 0;
	}
	char what[160];
	snprintf(what, sizeof what, "/%s on %s", LIVE_PERSIST_FILE, part);
	int lfd = live_loop_attach(img, true, loopdev, sizeof loopdev);
	if (lfd < 0 || mount_ext4_rw(loopdev, what) < 0) {
		if (lfd >= 0)
			close(lfd);
		umount2(PERSIST_HOST, MNT_DETACH);
		return -1;
	}
	close(lfd);
	live_say("persistence: changes are kept in %s", what);
	return 1;
}

int live_persist_mount(void)
{
	struct part parts[128];
	size_t n = list_parts(parts, 128);
	char sub[160], d[300], notes[1024] = "", msg[1400];
	int found = 0;
	live_mkdirs(RW);
	/* A partition labelled mklive-rw, then a /mklive-rw.img file. */
	for (size_t i = 0; i < n && !found; i++) {
		struct probe_info pi;
		char dev[64], pname[64];
		memset(&pi, 0, sizeof pi);
		part_name(parts[i].name, pname, sizeof pname);
		snprintf(dev, sizeof dev, "/dev/%s", parts[i].name);
		int fd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK), r = fd < 0 ? -errno : 0;
		if (fd >= 0) {
			r = probe_fd(fd, &pi);
			close(fd);
		}
		live_persist_note(notes, sizeof notes, parts[i].name, pname, r < 0 ? -r : 0, &pi);
		if (r < 0 || pi.type != PROBE_EXT4 || strcmp(pi.label, LIVE_PERSIST_LABEL) != 0)
			continue;
		char what[96];
		snprintf(what, sizeof what, "%s (label %s)", dev, LIVE_PERSIST_LABEL);
		if (mount_ext4_rw(dev, what) < 0)
			return -1;
		live_say("persistence: changes are kept on %s", what);
		found = 1;
	}
	for (size_t i = 0; i < n && !found; i++) {
		struct probe_info pi;
		char dev[64];
		snprintf(dev, sizeof dev, "/dev/%s", parts[i].name);
		int fd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		int r = probe_fd(fd, &pi);
		close(fd);
		if (r < 0 || (pi.type != PROBE_VFAT && pi.type != PROBE_EXT4) ||
		    !strcmp(parts[i].name, live_medium_dev) || !strcmp(parts[i].name, live_medium_part))
			continue;
		found = try_file(parts[i].name, &pi);
		if (found < 0)
			return -1;
	}
	if (!found) {
		live_persist_missing(notes, msg, sizeof msg);
		live_say("persistence: %s", msg);
		return -1;
	}
	/* One store, several images: each medium id has its own layer. */
	id_dir(sub, sizeof sub);
	snprintf(d, sizeof d, RW "/%s/upper", sub);
	live_mkdirs(d);
	snprintf(d, sizeof d, RW "/%s/work", sub);
	live_mkdirs(d);
	snprintf(live_rw_dir, sizeof live_rw_dir, RW "/%s", sub);
	return 0;
}
