/* mklive-init: PID 1 of the live initramfs. Loads drivers for the hardware
 * it finds, finds the medium whose /live/mklive.id matches, mounts the
 * compressed root with a writable layer and switches to it. On failure it
 * says what it scanned and offers a shell or waits; it never exits (that
 * would panic the kernel). */
#include "pid1.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RAMFS_MAGIC 0x858458f6
#define TMPFS_MAGIC 0x01021994

struct live_opts live_opt;
struct kmod_db live_db;
char live_want_id[128];
char live_medium_dev[64];
char live_medium_id[128];
char live_medium_part[64];
char live_rw_dir[300];

/* ---- messages ------------------------------------------------------------ */
double live_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Every console the kernel writes to (console=ttyS0,115200 console=tty0):
 * /dev/console is only the last one, and a user at the screen and a test
 * on the serial line must both see what happens. */
static int console_fds[4];
static int nconsoles = -1;

static void open_consoles(void)
{
	uint8_t *list;
	size_t n;
	nconsoles = 0;
	if (live_read_file("/sys/class/tty/console/active", &list, &n) < 0)
		return;
	for (char *save = NULL, *w = strtok_r((char *)list, " \n", &save); w && nconsoles < 4;
	     w = strtok_r(NULL, " \n", &save)) {
		char dev[64];
		int fd;
		snprintf(dev, sizeof dev, "/dev/%s", w);
		fd = open(dev, O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0)
			console_fds[nconsoles++] = fd;
	}
	free(list);
	/* one console: standard error is it */
	if (nconsoles == 1) {
		close(console_fds[0]);
		nconsoles = 0;
	}
}

void live_console_write(const void *b, size_t n)
{
	if (nconsoles <= 0) {
		(void)!write(2, b, n);
		return;
	}
	for (int i = 0; i < nconsoles; i++)
		(void)!write(console_fds[i], b, n);
}

static void vsay(const char *fmt, va_list ap)
{
	char buf[1536];
	int n = snprintf(buf, sizeof buf, "live: ");
	vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
	strcat(buf, "\n");
	live_console_write(buf, strlen(buf));
}

void live_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

/* live.debug: each step with the time since boot. */
void live_step(const char *fmt, ...)
{
	char f[256];
	va_list ap;
	if (!live_opt.debug)
		return;
	snprintf(f, sizeof f, "[%8.3f] %s", live_now(), fmt);
	va_start(ap, fmt);
	vsay(f, ap);
	va_end(ap);
}

/* ---- small file helpers ------------------------------------------------ */
int live_read_file(const char *path, uint8_t **data, size_t *len)
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

ssize_t live_read_text(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	buf[0] = 0;
	if (fd < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

void live_trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r' || s[n - 1] == '\t'))
		s[--n] = 0;
}

void live_mkdirs(const char *path)
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

/* ---- shell, wait, switch ----------------------------------------------- */
static bool have_shell(void)
{
	return access("/bin/sh", X_OK) == 0;
}

static void run_shell(const char *why)
{
	live_say("%s: starting a shell (/bin/sh); leave it with 'exit' to %s", why,
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

/* A damaged medium: trying again reads the same bytes, so the boot stops
 * here for good, at a shell when there is one. Never returns. */
static void stop_damaged(void)
{
	for (;;) {
		if (have_shell())
			run_shell("the medium is damaged");
		else
			live_say("no shell in this initramfs; waiting. Replace the medium and reboot.");
		while (!have_shell()) {
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			pause();
		}
	}
}

/* Never returns while there is no shell: PID 1 must not exit. */
static void rescue(void)
{
	if (have_shell()) {
		run_shell("boot failed");
		return;
	}
	live_say("no shell in this initramfs (build it with --shell for one); waiting. Fix the problem and "
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
		_exit(chroot(NEWROOT) == 0 && chdir("/") == 0 && access(live_opt.init, X_OK) == 0 ? 0 : 1);
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
			live_say("moving %s into the new root: %s", moves[i], strerror(errno));
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
		live_say("switching to the new root: %s", strerror(errno));
		return;
	}
	live_step("starting %s", live_opt.init);
	argv[0] = live_opt.init;
	execv(live_opt.init, argv);
	live_say("exec %s: %s", live_opt.init, strerror(errno));
}

static void read_id(void)
{
	uint8_t *t;
	size_t n;
	if (*live_opt.id) {
		snprintf(live_want_id, sizeof live_want_id, "%s", live_opt.id);
		return;
	}
	if (live_read_file("/mklive.id", &t, &n) == 0) {
		snprintf(live_want_id, sizeof live_want_id, "%s", (char *)t);
		live_trim(live_want_id);
		free(t);
	}
}

static int boot_once(void)
{
	live_step("looking for %s%s", *live_want_id ? "medium with id " : "any live medium", live_want_id);
	if (live_find_medium() < 0)
		return -1;
	if (live_opt.check && live_check_medium() < 0)
		return -2;
	if (live_mount_root() < 0)
		return -1;
	if ((live_opt.writable == LIVE_OVERLAY ? live_writable_overlay() : live_writable_tgz()) < 0)
		return -1;
	if (!init_ok()) {
		live_say("%s is not an executable in the root filesystem (set live.init=)", live_opt.init);
		return -1;
	}
	return 0;
}

/* Undo a failed attempt so that the next one starts clean. */
static void cleanup_attempt(void)
{
	umount2(NEWROOT, MNT_DETACH);
	umount2(RW, MNT_DETACH);
	umount2("/run/live/persist-host", MNT_DETACH);
	umount2(ROOTFS, MNT_DETACH);
	umount2(TORAM, MNT_DETACH);
	umount2(MEDIUM, MNT_DETACH);
	live_mkdirs(MEDIUM);
	for (size_t i = 0; i < live_db.nmods; i++)
		if (live_db.mods[i].state == -1)
			live_db.mods[i].state = 0;
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
		live_say("mounting devtmpfs on /dev: %s", strerror(errno));
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
	open_consoles();
	live_opts_default(&live_opt);
	if (live_read_file("/proc/cmdline", &cl, &n) == 0) {
		if (live_cmdline_parse((char *)cl, &live_opt))
			live_say("ignored on the kernel command line: %s", live_opt.warnings);
		free(cl);
	}
	live_step("mklive-init started");
	read_id();
	live_mkdirs(MEDIUM);
	live_load_db();
	live_firmware();
	for (;;) {
		int r = boot_once();
		if (r == -2)
			stop_damaged();
		if (r == 0) {
			live_config();
			if (live_opt.shell && have_shell())
				run_shell("live.shell");
			switch_root(argv);
			/* Only reached if the switch failed after deleting
			 * nothing irreversible or exec failed: wait. */
			for (;;)
				pause();
		}
		rescue();
		cleanup_attempt();
	}
}
