/* mklive-init: PID 1 of the live initramfs. Loads drivers for the hardware
 * it finds, finds the medium whose /live/mklive.id matches, mounts the
 * compressed root with a writable layer and switches to it. On failure it
 * says what it scanned and offers a shell or waits; it never exits (that
 * would panic the kernel). */
#include "live.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MEDIUM "/run/live/medium"
#define ROOTFS "/run/live/rootfs"
#define RW "/run/live/rw"
#define TORAM "/run/live/toram"
#define NEWROOT "/newroot"

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
#define RAMFS_MAGIC 0x858458f6
#define TMPFS_MAGIC 0x01021994

static struct live_opts opt;
static struct kmod_db db;
static char modroot[300];
static char want_id[128];   /* live.id, or the id built into the initrd */
static char medium_dev[64]; /* e.g. "sr0" */
static char scanned[1024];  /* "sr0 (no disc), sda1 (ext4, no /live)" */

/* ---- messages ------------------------------------------------------------ */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void vsay(const char *fmt, va_list ap)
{
	char buf[1536];
	int n = snprintf(buf, sizeof buf, "live: ");
	vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
	strcat(buf, "\n");
	(void)!write(2, buf, strlen(buf));
}

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

/* live.debug: each step with the time since boot. */
__attribute__((format(printf, 1, 2))) static void step(const char *fmt, ...)
{
	char f[256];
	va_list ap;
	if (!opt.debug)
		return;
	snprintf(f, sizeof f, "[%8.3f] %s", now(), fmt);
	va_start(ap, fmt);
	vsay(f, ap);
	va_end(ap);
}

/* ---- small file helpers ------------------------------------------------ */
static int read_file(const char *path, uint8_t **data, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap, n = 0;
	if (fd < 0)
		return -errno;
	cap = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	uint8_t *b = malloc(cap + 1);
	for (;;) {
		if (!b) {
			close(fd);
			return -ENOMEM;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;
			free(b);
			close(fd);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap) {
			cap *= 2;
			b = realloc(b, cap + 1);
		}
	}
	close(fd);
	b[n] = 0;
	*data = b;
	*len = n;
	return 0;
}

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r' || s[n - 1] == '\t'))
		s[--n] = 0;
}

static void mkdirs(const char *path)
{
	char p[512];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

/* ---- kernel modules ---------------------------------------------------- */
static void load_db(void)
{
	struct utsname u;
	uint8_t *t;
	size_t n;
	uname(&u);
	snprintf(modroot, sizeof modroot, "/lib/modules/%s", u.release);
	char p[400];
	snprintf(p, sizeof p, "%s/modules.dep", modroot);
	if (read_file(p, &t, &n) < 0) {
		say("no modules for kernel %s in the initramfs (%s); using built-in drivers only", u.release,
		    p);
		return;
	}
	kmod_db_parse_dep(&db, (char *)t);
	free(t);
	snprintf(p, sizeof p, "%s/modules.alias", modroot);
	if (read_file(p, &t, &n) == 0) {
		kmod_db_parse_alias(&db, (char *)t);
		free(t);
	}
	snprintf(p, sizeof p, "%s/modules.softdep", modroot);
	if (read_file(p, &t, &n) == 0) {
		kmod_db_parse_softdep(&db, (char *)t);
		free(t);
	}
	step("%zu modules, %zu aliases for %s", db.nmods, db.naliases, u.release);
}

/* Load module i and what it needs; params apply to module i only.
 * Returns 0 if it is loaded (or was), -errno otherwise. */
static int load_index(int i, const char *params)
{
	int order[256];
	size_t n;
	int rc = 0;
	if (db.mods[i].state == 2)
		return 0;
	if (db.mods[i].state < 0)
		return -ENOENT;
	n = kmod_load_order(&db, i, order, 0, 256);
	for (size_t k = 0; k < n; k++) {
		struct kmod_module *m = &db.mods[order[k]];
		char p[600];
		snprintf(p, sizeof p, "%s/%s", modroot, m->path);
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		int r = fd < 0 ? -1
			       : (int)syscall(SYS_finit_module, fd, order[k] == i && params ? params : "", 0);
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (r < 0 && e != EEXIST) {
			step("module %s: %s", m->name, strerror(e));
			m->state = -1;
			rc = -e;
		} else {
			step("loaded %s", m->name);
		}
	}
	return db.mods[i].state == 2 ? 0 : rc ? rc : -ENOENT;
}

static int load_module(const char *name, const char *params)
{
	int i = kmod_db_find(&db, name);
	if (i < 0)
		return -ENOENT; /* built in, or not carried */
	return load_index(i, params);
}

/* Coldplug: every device's modalias in /sys/devices, each handled once. */
static char **seen;
static size_t nseen, seen_cap;
static int loaded_now;

static void handle_modalias(const char *alias)
{
	int m[32];
	for (size_t i = 0; i < nseen; i++)
		if (!strcmp(seen[i], alias))
			return;
	if (nseen == seen_cap) {
		seen_cap = seen_cap ? seen_cap * 2 : 256;
		seen = realloc(seen, seen_cap * sizeof *seen);
	}
	seen[nseen++] = strdup(alias);
	size_t n = kmod_match(&db, alias, m, 32);
	for (size_t i = 0; i < n; i++)
		if (db.mods[m[i]].state == 0) {
			load_index(m[i], NULL);
			loaded_now++;
		}
}

/* Every device is listed under /sys/bus/BUS/devices/: reading their
 * modalias files is far cheaper than walking all of /sys/devices. */
static void walk_buses(void)
{
	DIR *buses = opendir("/sys/bus");
	struct dirent *b;
	while (buses && (b = readdir(buses))) {
		char path[300];
		if (b->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/sys/bus/%s/devices", b->d_name);
		DIR *d = opendir(path);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			char f[600], buf[512];
			if (de->d_name[0] == '.')
				continue;
			snprintf(f, sizeof f, "%s/%s/modalias", path, de->d_name);
			int fd = open(f, O_RDONLY | O_CLOEXEC);
			ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
			if (fd >= 0)
				close(fd);
			if (n > 0) {
				buf[n] = 0;
				trim(buf);
				if (*buf)
					handle_modalias(buf);
			}
		}
		if (d)
			closedir(d);
	}
	if (buses)
		closedir(buses);
}

/* Walks /sys only when the kernel reported new events since the last walk. */
static int coldplug(void)
{
	static char last[32];
	char cur[32] = "";
	int fd = open("/sys/kernel/uevent_seqnum", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, cur, sizeof cur - 1);
		cur[n > 0 ? n : 0] = 0;
		close(fd);
	}
	if (*cur && !strcmp(cur, last))
		return 0;
	snprintf(last, sizeof last, "%s", cur);
	loaded_now = 0;
	if (db.nmods)
		walk_buses();
	return loaded_now;
}

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
	if (!*want_id)
		return true; /* no id asked for: the first live medium wins */
	if (strcmp(id, want_id) != 0) {
		snprintf(status, cap, "%s, id %.40s", fstype, id);
		return false;
	}
	return true;
}

static bool try_device(const char *name, struct scan_state *st)
{
	char dev[64], id[160], fsname[32];
	struct probe_info pi;
	int fd, r;
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
		trim(id);
		if (!id_matches(id, fsname, st->status, sizeof st->status)) {
			st->final = true;
			return false;
		}
		load_module("isofs", NULL);
		if (mount(dev, MEDIUM, "iso9660", MS_RDONLY, NULL) < 0) {
			snprintf(st->status, sizeof st->status, "iso9660, mount failed: %s", strerror(errno));
			return false;
		}
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
		load_module("nls_cp437", NULL);
		load_module("nls_utf8", NULL);
		load_module("nls_iso8859_1", NULL);
		load_module("nls_ascii", NULL); /* Debian's default FAT iocharset */
		load_module("vfat", NULL);
	} else {
		load_module("ext4", NULL);
	}
	if (mount(dev, MEDIUM, probe_fstype(pi.type), MS_RDONLY, NULL) < 0) {
		snprintf(st->status, sizeof st->status, "%s, mount failed: %s", fsname, strerror(errno));
		return false;
	}
	uint8_t *t;
	size_t n;
	st->final = true;
	if (read_file(MEDIUM "/live/mklive.id", &t, &n) < 0) {
		umount(MEDIUM);
		snprintf(st->status, sizeof st->status, "%s, no /live/mklive.id", fsname);
		return false;
	}
	snprintf(id, sizeof id, "%s", (char *)t);
	free(t);
	trim(id);
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
				snprintf(medium_dev, sizeof medium_dev, "%s", names[i]);
				found = true;
			} else if (st->final) {
				step("%s: %s: not ours", st->name, st->status);
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

static int find_medium(void)
{
	double t0 = now(), deadline = t0 + opt.timeout;
	/* Hardware first (controllers probe, disks appear asynchronously),
	 * then the filesystems the boot needs while the buses are scanned. */
	static const char *const fixed[] = {"sr_mod", "isofs", "loop", "squashfs", "overlay"};
	bool fixed_loaded = false;
	ndevs = 0;
	for (;;) {
		int loaded = coldplug();
		if (!fixed_loaded) {
			for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
				load_module(fixed[i], NULL);
			fixed_loaded = true;
		}
		if (scan_devices()) {
			step("medium %s found after %.2f s", medium_dev, now() - t0);
			return 0;
		}
		if (now() > deadline)
			break;
		struct timespec ts = {0, loaded ? 10000000 : 25000000};
		nanosleep(&ts, NULL);
	}
	summary();
	if (*want_id)
		say("no medium with id %s after %u s; scanned %s", want_id, opt.timeout, scanned);
	else
		say("no live medium (/live/mklive.id) after %u s; scanned %s", opt.timeout, scanned);
	return -1;
}

/* ---- the root image ------------------------------------------------------ */
/* Returns an open fd of the configured loop device, or -1. */
static int loop_attach(const char *file, char *dev, size_t cap)
{
	int ctl, n, lfd = -1, bfd;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		say("/dev/loop-control: %s (is the loop module in the initramfs?)", strerror(errno));
		return -1;
	}
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	if (n < 0) {
		say("no free loop device: %s", strerror(errno));
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
		say("%s: %s", dev, strerror(errno));
		return -1;
	}
	bfd = open(file, O_RDONLY | O_CLOEXEC);
	if (bfd < 0) {
		say("%s: %s", file, strerror(errno));
		close(lfd);
		return -1;
	}
	struct loop_config c;
	memset(&c, 0, sizeof c);
	c.fd = (uint32_t)bfd;
	c.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
	snprintf((char *)c.info.lo_file_name, sizeof c.info.lo_file_name, "%s", file);
	if (ioctl(lfd, LOOP_CONFIGURE, &c) < 0) {
		/* Kernels before 5.8: the two-step setup. */
		if (ioctl(lfd, LOOP_SET_FD, bfd) < 0 || ioctl(lfd, LOOP_SET_STATUS64, &c.info) < 0) {
			say("%s: attaching %s: %s", dev, file, strerror(errno));
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

/* live.toram: copy the image into a tmpfs, with progress on the console. */
static int copy_to_ram(const char *src, const char *name, char *dst, size_t cap)
{
	struct stat st, mp;
	int in = open(src, O_RDONLY | O_CLOEXEC), out;
	if (in < 0 || fstat(in, &st) < 0) {
		say("%s: %s", src, strerror(errno));
		return -1;
	}
	mkdirs(TORAM);
	/* One tmpfs for the image (and root_fs.tgz); pages are used only as
	 * they are written. */
	if (stat(TORAM "/..", &mp) == 0 && stat(TORAM, &st) == 0 && st.st_dev == mp.st_dev &&
	    mount("tmpfs", TORAM, "tmpfs", MS_NOSUID | MS_NODEV, "size=90%,mode=0755") < 0) {
		say("tmpfs for live.toram: %s", strerror(errno));
		close(in);
		return -1;
	}
	fstat(in, &st);
	snprintf(dst, cap, "%s/%s", TORAM, name);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		say("%s: %s", dst, strerror(errno));
		close(in);
		return -1;
	}
	uint64_t done = 0, total = (uint64_t)st.st_size;
	int last = -1;
	while (done < total) {
		ssize_t n = sendfile(out, in, NULL, total - done > (8u << 20) ? (8u << 20) : total - done);
		if (n <= 0) {
			say("copying %s to RAM: %s", src, n < 0 ? strerror(errno) : "short read");
			close(in);
			close(out);
			return -1;
		}
		done += (uint64_t)n;
		int pct = (int)(done * 100 / total);
		if (pct / 10 != last / 10) {
			char b[80];
			int l = snprintf(b, sizeof b, "\rlive: copying %s to RAM: %3d%%", name, pct);
			(void)!write(2, b, (size_t)l);
			last = pct;
		}
	}
	(void)!write(2, "\n", 1);
	close(in);
	close(out);
	return 0;
}

static int mount_root_image(void)
{
	char img[300], dev[64];
	struct stat st;
	bool squash = stat(MEDIUM "/live/root.squashfs", &st) == 0;
	bool cloop = !squash && stat(MEDIUM "/live/root.cloop", &st) == 0;
	if (!squash && !cloop) {
		say("medium %s has /live/mklive.id but no /live/root.squashfs or /live/root.cloop",
		    medium_dev);
		return -1;
	}
	const char *name = squash ? "root.squashfs" : "root.cloop";
	snprintf(img, sizeof img, MEDIUM "/live/%s", name);
	mkdirs(ROOTFS);
	if (opt.toram) {
		char dst[300];
		step("copying %s to RAM", name);
		if (copy_to_ram(img, name, dst, sizeof dst) < 0)
			return -1;
		snprintf(img, sizeof img, "%s", dst);
		if (opt.writable == LIVE_TGZ &&
		    copy_to_ram(MEDIUM "/live/root_fs.tgz", "root_fs.tgz", dst, sizeof dst) < 0)
			return -1;
	}
	if (squash) {
		int lfd = loop_attach(img, dev, sizeof dev);
		if (lfd < 0)
			return -1;
		if (mount(dev, ROOTFS, "squashfs", MS_RDONLY, NULL) < 0) {
			say("mounting %s (%s) as squashfs: %s (corrupt image?)", img, dev, strerror(errno));
			close(lfd);
			return -1;
		}
		close(lfd);
	} else {
		char params[400];
		snprintf(params, sizeof params, "file=%s", img);
		int r = load_module("cloop", params);
		if (r < 0) {
			say("root.cloop needs the cloop module: %s (build the initrd with --add-module "
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
			say("mounting %s (/dev/cloop0) as iso9660: %s", img, strerror(errno));
			return -1;
		}
	}
	step("mounted %s", img);
	if (opt.toram) {
		/* The image now lives in RAM: release the medium (it may be ejected). */
		if (umount2(MEDIUM, MNT_DETACH) == 0)
			rmdir(MEDIUM);
		step("medium %s released", medium_dev);
	}
	return 0;
}

/* ---- the writable layer ------------------------------------------------ */
static int tmpfs_at(const char *dir)
{
	char o[80];
	snprintf(o, sizeof o, "size=%s,mode=0755", opt.overlay_size);
	mkdirs(dir);
	if (mount("tmpfs", dir, "tmpfs", 0, o) < 0) {
		say("tmpfs on %s (%s): %s", dir, o, strerror(errno));
		return -1;
	}
	return 0;
}

static int writable_overlay(void)
{
	if (tmpfs_at(RW) < 0)
		return -1;
	mkdir(RW "/upper", 0755);
	mkdir(RW "/work", 0755);
	mkdirs(NEWROOT);
	if (mount("overlay", NEWROOT, "overlay", 0,
		  "lowerdir=" ROOTFS ",upperdir=" RW "/upper,workdir=" RW "/work") < 0) {
		say("overlayfs on %s: %s", NEWROOT, strerror(errno));
		return -1;
	}
	return 0;
}

static int writable_tgz(void)
{
	uint8_t *gz, *tar;
	size_t gzlen, tarlen;
	uint64_t nfiles;
	char err[512];
	int r = -1;
	if (tmpfs_at(NEWROOT) < 0)
		return -1;
	if (read_file(opt.toram ? TORAM "/root_fs.tgz" : MEDIUM "/live/root_fs.tgz", &gz, &gzlen) < 0) {
		/* With live.toram the medium is gone; the tgz was read before. */
		say("live.writable=tgz: cannot read /live/root_fs.tgz from %s: %s", medium_dev,
		    strerror(errno));
		return -1;
	}
	if (tar_gunzip(gz, gzlen, &tar, &tarlen, err, sizeof err) < 0) {
		say("/live/root_fs.tgz: %s", err);
		free(gz);
		return -1;
	}
	free(gz);
	int dfd = open(NEWROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tar_extract(tar, tarlen, dfd, err, sizeof err, &nfiles) < 0)
		say("/live/root_fs.tgz: %s", err);
	else
		r = 0;
	free(tar);
	if (r < 0) {
		close(dfd);
		return -1;
	}
	step("unpacked %llu entries of root_fs.tgz", (unsigned long long)nfiles);
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
			say("bind-mounting %s: %s", src, strerror(errno));
	}
	if (d)
		closedir(d);
	close(dfd);
	return 0;
}

/* ---- shell, wait, switch ----------------------------------------------- */
static bool have_shell(void)
{
	return access("/bin/sh", X_OK) == 0;
}

static void run_shell(const char *why)
{
	say("%s: starting a shell (/bin/sh); leave it with 'exit' to %s", why,
	    strcmp(why, "live.shell") ? "try again" : "continue booting");
	pid_t p = fork();
	if (p == 0) {
		setsid();
		ioctl(0, TIOCSCTTY, 1);
		execl("/bin/sh", "sh", "-i", (char *)NULL);
		_exit(127);
	}
	while (p > 0) {
		pid_t w = wait(NULL);
		if (w == p || (w < 0 && errno != EINTR))
			break;
	}
}

/* Never returns while there is no shell: PID 1 must not exit. */
static void rescue(void)
{
	if (have_shell()) {
		run_shell("boot failed");
		return;
	}
	say("no shell in this initramfs (build it with --shell for one); waiting. Fix the problem and "
	    "reboot.");
	for (;;) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		pause();
	}
}

/* Remove the initramfs contents (it is rootfs: the memory is only freed by
 * deleting the files), without crossing into other filesystems. */
static void delete_tree(int dfd, dev_t rootdev)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	if (!d) {
		close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != rootdev)
				continue; /* a mount point: the new root */
			int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				delete_tree(sub, rootdev);
			unlinkat(dfd, de->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dfd, de->d_name, 0);
		}
	}
	closedir(d);
}

/* Is init executable inside the new root (symlinks resolved there)? */
static bool init_ok(void)
{
	pid_t p = fork();
	int status = 1;
	if (p == 0)
		_exit(chroot(NEWROOT) == 0 && chdir("/") == 0 && access(opt.init, X_OK) == 0 ? 0 : 1);
	if (p < 0)
		return true;
	while (waitpid(p, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void switch_root(char **argv)
{
	static const char *const moves[] = {"/dev", "/proc", "/sys", "/run"};
	struct stat st;
	struct statfs sf;
	char dst[64];
	for (size_t i = 0; i < 4; i++) {
		snprintf(dst, sizeof dst, NEWROOT "%s", moves[i]);
		mkdir(dst, 0755);
		if (mount(moves[i], dst, NULL, MS_MOVE, NULL) < 0) {
			say("moving %s into the new root: %s", moves[i], strerror(errno));
			umount2(moves[i], MNT_DETACH);
		}
	}
	if (stat("/", &st) == 0 && statfs("/", &sf) == 0 &&
	    ((unsigned long)sf.f_type == RAMFS_MAGIC || (unsigned long)sf.f_type == TMPFS_MAGIC)) {
		int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			delete_tree(fd, st.st_dev);
	}
	if (chdir(NEWROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0) {
		say("switching to the new root: %s", strerror(errno));
		return;
	}
	step("starting %s", opt.init);
	argv[0] = opt.init;
	execv(opt.init, argv);
	say("exec %s: %s", opt.init, strerror(errno));
}

static void read_id(void)
{
	uint8_t *t;
	size_t n;
	if (*opt.id) {
		snprintf(want_id, sizeof want_id, "%s", opt.id);
		return;
	}
	if (read_file("/mklive.id", &t, &n) == 0) {
		snprintf(want_id, sizeof want_id, "%s", (char *)t);
		trim(want_id);
		free(t);
	}
}

static int boot_once(void)
{
	step("looking for %s%s", *want_id ? "medium with id " : "any live medium", want_id);
	if (find_medium() < 0)
		return -1;
	if (mount_root_image() < 0)
		return -1;
	if ((opt.writable == LIVE_OVERLAY ? writable_overlay() : writable_tgz()) < 0)
		return -1;
	if (!init_ok()) {
		say("%s is not an executable in the root filesystem (set live.init=)", opt.init);
		return -1;
	}
	return 0;
}

/* Undo a failed attempt so that the next one starts clean. */
static void cleanup_attempt(void)
{
	umount2(NEWROOT, MNT_DETACH);
	umount2(RW, MNT_DETACH);
	umount2(ROOTFS, MNT_DETACH);
	umount2(TORAM, MNT_DETACH);
	umount2(MEDIUM, MNT_DETACH);
	mkdirs(MEDIUM);
	for (size_t i = 0; i < db.nmods; i++)
		if (db.mods[i].state == -1)
			db.mods[i].state = 0;
}

int main(int argc, char **argv)
{
	uint8_t *cl;
	size_t n;
	(void)argc;
	if (getpid() != 1) {
		fprintf(stderr, "mklive-init: runs only as PID 1 of an initramfs (made by mklive initrd)\n");
		return 1;
	}
	umask(022);
	/* The kernel starts init with HOME and TERM only: the rescue shell and
	 * the root's init scripts expect a PATH. */
	if (!getenv("PATH"))
		setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mkdir("/run", 0755);
	mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755") < 0 && errno != EBUSY)
		say("mounting devtmpfs on /dev: %s", strerror(errno));
	mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	/* If the kernel found no console, make sure messages reach one. */
	if (fcntl(2, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR | O_NOCTTY);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
	live_opts_default(&opt);
	if (read_file("/proc/cmdline", &cl, &n) == 0) {
		if (live_cmdline_parse((char *)cl, &opt))
			say("ignored on the kernel command line: %s", opt.warnings);
		free(cl);
	}
	step("mklive-init started");
	read_id();
	mkdirs(MEDIUM);
	load_db();
	for (;;) {
		if (boot_once() == 0) {
			if (opt.shell && have_shell())
				run_shell("live.shell");
			switch_root(argv);
			/* Only reached if the switch failed after deleting
			 * nothing irreversible or exec failed: wait. */
			for (;;)
				pause();
		}
		rescue();
		cleanup_attempt();
		ndevs = 0;
	}
}
