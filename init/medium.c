/* mklive-init: finding the medium (CD-ROMs, disks, partitions) whose
 * /live/mklive.id matches, while drivers for new devices are loaded. */
#include "pid1.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ISOHOST "/run/live/isohost" /* the partition holding the live.findiso file */

static char scanned[1024]; /* "sr0 (no disc), sda1 (ext4, no /live)" */

/* ---- finding the medium -------------------------------------------------- */
struct scan_state {
	char name[32];
	char status[96];
	bool final; /* the answer will not change (wrong id, not ours) */
};
static struct scan_state devs[64];
static size_t ndevs;

static struct scan_state *dev_state(const char *name)
{
	for (size_t i = 0; i < ndevs; i++)
		if (!strcmp(devs[i].name, name))
			return &devs[i];
	if (ndevs == 64)
		return NULL;
	snprintf(devs[ndevs].name, sizeof devs[ndevs].name, "%s", name);
	devs[ndevs].status[0] = 0;
	devs[ndevs].final = false;
	return &devs[ndevs++];
}

static bool candidate(const char *n)
{
	static const char *const pre[] = {"sr", "sd", "vd", "nvme", "mmcblk", "hd", "xvd"};
	for (size_t i = 0; i < sizeof pre / sizeof *pre; i++)
		if (!strncmp(n, pre[i], strlen(pre[i])))
			return true;
	return false;
}

/* Does the mounted medium carry our id? Fills status when it does not. */
static bool id_matches(const char *id, const char *fstype, char *status, size_t cap)
{
	if (!*live_want_id) {
		/* no id asked for: the first live medium wins */
		snprintf(live_medium_id, sizeof live_medium_id, "%s", id);
		return true;
	}
	if (strcmp(id, live_want_id) != 0) {
		snprintf(status, cap, "%s, id %.40s", fstype, id);
		return false;
	}
	snprintf(live_medium_id, sizeof live_medium_id, "%s", id);
	return true;
}

/* The partition of disk name that starts at sector 0 (sysfs "start"), if
 * there is one. */
static bool part_at_zero(const char *name, char *out, size_t cap)
{
	char path[128], v[32];
	DIR *d;
	struct dirent *de;
	bool found = false;
	snprintf(path, sizeof path, "/sys/class/block/%s", name);
	if (!(d = opendir(path)))
		return false;
	while (!found && (de = readdir(d))) {
		if (strncmp(de->d_name, name, strlen(name)) != 0)
			continue;
		snprintf(path, sizeof path, "/sys/class/block/%s/%s/start", name, de->d_name);
		ssize_t n = live_read_text(path, v, sizeof v);
		if (n > 0 && strtoull(v, NULL, 10) == 0 && v[0] == '0') {
			snprintf(out, cap, "%s", de->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

/* Does the disk have partitions (their directories in sysfs)? */
static bool has_partitions(const char *name)
{
	char path[128];
	DIR *d;
	struct dirent *de;
	bool found = false;
	snprintf(path, sizeof path, "/sys/class/block/%s", name);
	if (!(d = opendir(path)))
		return false;
	while (!found && (de = readdir(d)))
		found = strncmp(de->d_name, name, strlen(name)) == 0;
	closedir(d);
	return found;
}

/* Mount a partition that may hold the live.findiso file, read-only on
 * ISOHOST. Types the prober does not know (exfat, ntfs3) are tried by
 * mounting. 0, or -1 with st->status set. */
static int mount_host(const char *dev, const struct probe_info *pi, char *fsname, size_t cap,
		      struct scan_state *st)
{
	static const char *const others[] = {"exfat", "ntfs3"};
	unsigned long fl = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	live_mkdirs(ISOHOST);
	if (pi->type == PROBE_VFAT || pi->type == PROBE_EXT4 || pi->type == PROBE_ISO9660) {
		if (pi->type == PROBE_VFAT) {
			live_load_module("nls_cp437", NULL);
			live_load_module("nls_iso8859_1", NULL);
			live_load_module("nls_ascii", NULL);
			live_load_module("vfat", NULL);
		} else {
			live_load_module(pi->type == PROBE_EXT4 ? "ext4" : "isofs", NULL);
		}
		if (mount(dev, ISOHOST, probe_fstype(pi->type), fl, NULL) == 0)
			return 0;
		snprintf(st->status, sizeof st->status, "%s, mount failed: %s", fsname, strerror(errno));
		return -1;
	}
	if (pi->type != PROBE_NONE) {
		st->final = true;
		snprintf(st->status, sizeof st->status, "%s", fsname);
		return -1;
	}
	for (size_t i = 0; i < 2; i++) {
		live_load_module(others[i], NULL);
		if (mount(dev, ISOHOST, others[i], fl, NULL) == 0) {
			snprintf(fsname, cap, "%s", others[i]);
			return 0;
		}
	}
	snprintf(st->status, sizeof st->status, "no filesystem%s",
		 access("/proc/fs/ntfs3", F_OK) == 0 ? "" : " (FAT, exFAT, ext4 or ISO 9660; no ntfs3 here)");
	return -1;
}

/* live.findiso=PATH: the ISO file on this partition, loop-mounted read-only
 * on MEDIUM when its /live/mklive.id is ours. */
static bool try_findiso(const char *name, int fd, struct scan_state *st)
{
	char dev[64], loopdev[64], fsname[32], file[320], id[160];
	struct probe_info pi;
	struct stat sb;
	int r = probe_fd(fd, &pi);
	close(fd);
	if (r < 0) {
		snprintf(st->status, sizeof st->status, "%s", r == -ENOMEDIUM ? "no disc" : strerror(-r));
		return false;
	}
	if (pi.type == PROBE_MBR || pi.type == PROBE_SQUASHFS) {
		snprintf(st->status, sizeof st->status, "%s", probe_type_name(pi.type));
		st->final = true;
		return false;
	}
	snprintf(fsname, sizeof fsname, "%s", probe_type_name(pi.type));
	snprintf(dev, sizeof dev, "/dev/%s", name);
	if (mount_host(dev, &pi, fsname, sizeof fsname, st) < 0)
		return false;
	st->final = true;
	snprintf(file, sizeof file, ISOHOST "%s", live_opt.findiso);
	if (stat(file, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(st->status, sizeof st->status, "%s, no %.60s", fsname, live_opt.findiso);
		umount2(ISOHOST, MNT_DETACH);
		return false;
	}
	int lfd = live_loop_attach(file, false, loopdev, sizeof loopdev);
	if (lfd < 0) {
		snprintf(st->status, sizeof st->status, "%s, %.60s: loop device failed", fsname,
			 live_opt.findiso);
		umount2(ISOHOST, MNT_DETACH);
		return false;
	}
	ssize_t n = probe_iso_read(lfd, "live/mklive.id", id, sizeof id - 1);
	if (n < 0) {
		snprintf(st->status, sizeof st->status, "%s, %.50s is not a live ISO (no /live/mklive.id)",
			 fsname, live_opt.findiso);
	} else {
		id[n] = 0;
		live_trim(id);
		if (id_matches(id, "the ISO file", st->status, sizeof st->status)) {
			live_load_module("isofs", NULL);
			if (mount(loopdev, MEDIUM, "iso9660", MS_RDONLY, NULL) == 0) {
				close(lfd);
				/* The partition holding the ISO counts as the medium
				 * (persistence looks elsewhere for its store). */
				snprintf(live_medium_part, sizeof live_medium_part, "%s", name);
				live_say("live.findiso: %s on %s (%s)", live_opt.findiso, name, fsname);
				return true;
			}
			snprintf(st->status, sizeof st->status, "%s, mounting %.40s: %s", fsname,
				 live_opt.findiso, strerror(errno));
		}
	}
	close(lfd);
	umount2(ISOHOST, MNT_DETACH);
	return false;
}

static bool try_device(const char *name, struct scan_state *st)
{
	char dev[64], id[160], fsname[32];
	struct probe_info pi;
	int fd, r;
	live_medium_part[0] = 0;
	snprintf(dev, sizeof dev, "/dev/%s", name);
	fd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(st->status, sizeof st->status, "%s",
			 errno == ENOMEDIUM ? "no disc" : strerror(errno));
		return false;
	}
	if (!strncmp(name, "sr", 2)) {
		/* An empty drive fails reads with EIO: ask it first
		 * (CDROM_DRIVE_STATUS, linux/cdrom.h: 1 no disc, 2 tray open). */
		int cds = ioctl(fd, 0x5326, 0);
		if (cds == 1 || cds == 2) {
			close(fd);
			snprintf(st->status, sizeof st->status, "%s",
				 cds == 1 ? "no disc" : "no disc, tray open");
			return false;
		}
	}
	if (*live_opt.findiso)
		return try_findiso(name, fd, st);
	r = probe_fd(fd, &pi);
	if (r < 0) {
		close(fd);
		snprintf(st->status, sizeof st->status, "%s", r == -ENOMEDIUM ? "no disc" : strerror(-r));
		return false;
	}
	snprintf(fsname, sizeof fsname, "%s", probe_type_name(pi.type));
	if (pi.type == PROBE_ISO9660) {
		/* Read the id straight from the volume: no mount for media that
		 * are not ours. */
		ssize_t n = probe_iso_read(fd, "live/mklive.id", id, sizeof id - 1);
		close(fd);
		if (n < 0) {
			snprintf(st->status, sizeof st->status, "iso9660, no /live/mklive.id");
			st->final = true;
			return false;
		}
		id[n] = 0;
		live_trim(id);
		if (!id_matches(id, fsname, st->status, sizeof st->status)) {
			st->final = true;
			return false;
		}
		live_load_module("isofs", NULL);
		/* A hybrid ISO on a disk: partition 1 starts at sector 0 and
		 * shows the same volume. Mounting the disk itself would claim
		 * the whole disk and keep its other partitions (persistence)
		 * from being mounted, so the partition is mounted instead. */
		char part[32];
		int lfd = -1;
		if (part_at_zero(name, part, sizeof part)) {
			snprintf(dev, sizeof dev, "/dev/%s", part);
			snprintf(live_medium_part, sizeof live_medium_part, "%s", part);
		} else if (has_partitions(name)) {
			/* The GPT layout has no partition over the volume (only
			 * the ESP, and persistence after it): mount the disk
			 * through a read-only loop device, which opens it
			 * without claiming it. */
			char whole[64];
			snprintf(whole, sizeof whole, "%s", dev);
			lfd = live_loop_attach(whole, false, dev, sizeof dev);
			if (lfd < 0)
				snprintf(dev, sizeof dev, "%s", whole);
		}
		if (mount(dev, MEDIUM, "iso9660", MS_RDONLY, NULL) < 0) {
			snprintf(st->status, sizeof st->status, "iso9660, mount failed: %s", strerror(errno));
			if (lfd >= 0)
				close(lfd);
			return false;
		}
		if (lfd >= 0)
			close(lfd);
		return true;
	}
	close(fd);
	if (pi.type != PROBE_VFAT && pi.type != PROBE_EXT4) {
		snprintf(st->status, sizeof st->status, "%s",
			 pi.type == PROBE_NONE ? "no filesystem" : fsname);
		st->final = pi.type != PROBE_NONE;
		return false;
	}
	if (pi.type == PROBE_VFAT) {
		live_load_module("nls_cp437", NULL);
		live_load_module("nls_utf8", NULL);
		live_load_module("nls_iso8859_1", NULL);
		live_load_module("nls_ascii", NULL); /* Debian's default FAT iocharset */
		live_load_module("vfat", NULL);
	} else {
		live_load_module("ext4", NULL);
	}
	if (mount(dev, MEDIUM, probe_fstype(pi.type), MS_RDONLY, NULL) < 0) {
		snprintf(st->status, sizeof st->status, "%s, mount failed: %s", fsname, strerror(errno));
		return false;
	}
	uint8_t *t;
	size_t n;
	st->final = true;
	if (live_read_file(MEDIUM "/live/mklive.id", &t, &n) < 0) {
		umount(MEDIUM);
		snprintf(st->status, sizeof st->status, "%s, no /live/mklive.id", fsname);
		return false;
	}
	snprintf(id, sizeof id, "%s", (char *)t);
	free(t);
	live_trim(id);
	if (!id_matches(id, fsname, st->status, sizeof st->status)) {
		umount(MEDIUM);
		return false;
	}
	return true;
}

static int cmp_names(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* Probe the block devices in name order (sr0 before sr1, vda before vdb):
 * readdir order is not stable, and the first match wins. */
static bool scan_devices(void)
{
	DIR *d = opendir("/sys/class/block");
	struct dirent *de;
	char *names[256];
	size_t n = 0;
	bool found = false;
	if (!d)
		return false;
	while ((de = readdir(d)) && n < 256)
		if (de->d_name[0] != '.' && candidate(de->d_name))
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof *names, cmp_names);
	for (size_t i = 0; i < n; i++) {
		struct scan_state *st = found || !names[i] ? NULL : dev_state(names[i]);
		if (st && !st->final) {
			if (try_device(names[i], st)) {
				snprintf(live_medium_dev, sizeof live_medium_dev, "%s", names[i]);
				found = true;
			} else if (st->final) {
				live_step("%s: %s: not ours", st->name, st->status);
			}
		}
		free(names[i]);
	}
	return found;
}

static void summary(void)
{
	size_t n = 0;
	scanned[0] = 0;
	for (size_t i = 0; i < ndevs; i++)
		n += (size_t)snprintf(scanned + n, n < sizeof scanned ? sizeof scanned - n : 0, "%s%s (%s)",
				      i ? ", " : "", devs[i].name, devs[i].status);
	if (!ndevs)
		snprintf(scanned, sizeof scanned, "nothing (no CD-ROM, disk or partition appeared)");
}

int live_find_medium(void)
{
	double t0 = live_now(), deadline = t0 + live_opt.timeout;
	/* Hardware first (controllers probe, disks appear asynchronously),
	 * then the filesystems the boot needs while the buses are scanned. */
	static const char *const fixed[] = {"sr_mod", "isofs", "loop", "squashfs", "overlay"};
	bool fixed_loaded = false;
	if (*live_opt.fetch)
		return live_fetch_medium();
	umount2(ISOHOST, MNT_DETACH); /* from a failed attempt */
	if (live_opt.ip != LIVE_IP_AUTO && live_net_up() < 0)
		live_say("network: not configured; going on without it");
	ndevs = 0;
	for (;;) {
		int loaded = live_coldplug();
		if (!fixed_loaded) {
			for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
				live_load_module(fixed[i], NULL);
			fixed_loaded = true;
		}
		if (scan_devices()) {
			live_step("medium %s found after %.2f s", live_medium_dev, live_now() - t0);
			return 0;
		}
		if (live_now() > deadline)
			break;
		struct timespec ts = {0, loaded ? 10000000 : 25000000};
		nanosleep(&ts, NULL);
	}
	summary();
	if (*live_opt.findiso)
		live_say("live.findiso: no partition holds %s%s%s after %u s; scanned %s", live_opt.findiso,
			 *live_want_id ? " with id " : "", live_want_id, live_opt.timeout, scanned);
	else if (*live_want_id)
		live_say("no medium with id %s after %u s; scanned %s", live_want_id, live_opt.timeout,
			 scanned);
	else
		live_say("no live medium (/live/mklive.id) after %u s; scanned %s", live_opt.timeout,
			 scanned);
	return -1;
}
