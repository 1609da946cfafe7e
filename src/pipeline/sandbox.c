/* The child side of a Run= script on a directory root: namespaces, the
 * overlay over the root, a minimal /dev, pivot_root, fewer capabilities,
 * and the script itself; see sandbox.h. */
#include "pipeline/sandbox.h"
#include "core/error.h"
#include "core/time.h"
#include "core/util.h"
#include "pipeline/capture.h"
#include "pipeline/chroot.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const sandbox_mount_points[] = {"proc", "sys", "dev", "run", "tmp", NULL};

#define RUN_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The clean environment of a script; sde is a buffer for SOURCE_DATE_EPOCH. */
void sandbox_env(char *env[8], char sde[48])
{
	int64_t t;
	int n = 0;
	env[n++] = "PATH=" RUN_PATH;
	env[n++] = "HOME=/root";
	env[n++] = "LANG=C.UTF-8";
	env[n++] = "DEBIAN_FRONTEND=noninteractive";
	if (time_source_date_epoch(&t) == 1) {
		snprintf(sde, 48, "SOURCE_DATE_EPOCH=%" PRId64, t);
		env[n++] = sde;
	} else
		err_clear(); /* a malformed value is reported where the build reads it */
	env[n] = NULL;
}

/* Setup errors travel to the parent on a pipe. */
static int err_fd = -1;
static int fail_status = 125;

static void child_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void child_fail(const char *fmt, ...)
{
	char msg[1024];
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof msg)
		n = sizeof msg - 1;
	n += snprintf(msg + n, sizeof msg - (size_t)n, ": %s", strerror(e));
	if ((size_t)n >= sizeof msg)
		n = sizeof msg - 1;
	(void)!write(err_fd, msg, (size_t)n);
	_exit(fail_status);
}

/* A mount point inside the root: a real directory (made if missing), never
 * a symlink that would lead a mount elsewhere. */
static char *mount_point(const char *root, const char *rel, mode_t mode)
{
	char *p = xasprintf("%s/%s", root, rel);
	struct stat st;
	if (lstat(p, &st) < 0) {
		if (errno != ENOENT || mkdir(p, mode) < 0)
			child_fail("%s", p);
	} else if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		child_fail("%s (a mount point for the script)", p);
	}
	return p;
}

static void do_mount(const char *root, const char *rel, mode_t mode, const char *src, const char *type,
		     unsigned long flags, const char *data)
{
	char *p = mount_point(root, rel, mode);
	if (mount(src, p, type, flags, data) < 0)
		child_fail("mount %s on %s", type, p);
	free(p);
}

/* A read-only view of a part of /proc that would reach the host kernel
 * (sysctls, sysrq); missing ones (a kernel without them) are skipped. */
static void proc_read_only(const char *root, const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);
	if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
		if (errno != ENOENT)
			child_fail("bind %s", p);
	} else if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			 NULL) < 0)
		child_fail("read-only %s", p);
	free(p);
}

/* A device node in the fresh /dev: the host's node bound over an empty
 * file. /dev itself is nodev, like every other place a script can write,
 * so a node the script makes (a disk's, say) cannot be opened: only these
 * bind mounts of the host's own character devices can. */
static void dev_node(const char *root, const char *name, unsigned maj, unsigned min)
{
	char *p = xasprintf("%s/dev/%s", root, name), *host = xasprintf("/dev/%s", name);
	struct stat st;
	int fd;
	if (stat(host, &st) < 0)
		child_fail("%s", host);
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(maj, min)) {
		errno = ENODEV;
		child_fail("%s is not the character device %u:%u", host, maj, min);
	}
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) < 0)
		child_fail("%s", p);
	close(fd);
	if (mount(host, p, NULL, MS_BIND, NULL) < 0)
		child_fail("bind %s on %s", host, p);
	free(p);
	free(host);
}

static void dev_link(const char *root, const char *name, const char *target)
{
	char *p = xasprintf("%s/dev/%s", root, name);
	if (symlink(target, p) < 0)
		child_fail("symlink %s", p);
	free(p);
}

static void setup_root(const char *root)
{
	const unsigned long nosuid = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	umask(0);
	do_mount(root, "proc", 0555, "proc", "proc", nosuid, NULL);
	proc_read_only(root, "proc/sys");
	proc_read_only(root, "proc/sysrq-trigger");
	proc_read_only(root, "proc/irq");
	proc_read_only(root, "proc/bus");
	proc_read_only(root, "proc/fs");
	proc_read_only(root, "proc/acpi");
	proc_read_only(root, "proc/scsi");
	do_mount(root, "sys", 0555, "sysfs", "sysfs", nosuid | MS_RDONLY, NULL);
	do_mount(root, "dev", 0755, "tmpfs", "tmpfs", nosuid, "mode=0755,size=1m");
	/* devices.txt: mem 1,3 null; 1,5 zero; 1,7 full; 1,8 random; 1,9 urandom; tty 5,0 */
	dev_node(root, "null", 1, 3);
	dev_node(root, "zero", 1, 5);
	dev_node(root, "full", 1, 7);
	dev_node(root, "random", 1, 8);
	dev_node(root, "urandom", 1, 9);
	dev_node(root, "tty", 5, 0);
	dev_link(root, "fd", "/proc/self/fd");
	dev_link(root, "stdin", "/proc/self/fd/0");
	dev_link(root, "stdout", "/proc/self/fd/1");
	dev_link(root, "stderr", "/proc/self/fd/2");
	dev_link(root, "ptmx", "pts/ptmx");
	/* devpts keeps its devices usable: nobody can make nodes in it */
	do_mount(root, "dev/pts", 0755, "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
		 "newinstance,ptmxmode=0666,mode=0620,gid=5");
	do_mount(root, "dev/shm", 01777, "tmpfs", "tmpfs", nosuid, "mode=1777");
	do_mount(root, "run", 0755, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	do_mount(root, "tmp", 01777, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	umask(022);
}

/* The script's copy lives in the fresh /run, gone with its tmpfs. */
static void place_script(const char *root, const char *name, const uint8_t *data, size_t len)
{
	char *dir = xasprintf("%s/run/mklive", root), *p = xasprintf("%s/%s", dir, name);
	int fd;
	if (mkdir(dir, 0700) < 0)
		child_fail("%s", dir);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700)) < 0)
		child_fail("%s", p);
	if (util_write_full(fd, data, len) < 0)
		child_fail("%s", p);
	close(fd);
	free(dir);
	free(p);
}

/* The overlay: the root bound read-only at lower/ (so its path, which may
 * hold ',' or ':', never enters the mount options), the upper layers
 * already carried into the tree above it, the private upperN/ and work/,
 * merged at merged/. Relative paths: the session is the cwd. The
 * upper layer gets whole files (no metacopy), directory renames are copies
 * (no redirects), and nothing refers back into the lower layer (no index),
 * so the upper directory alone says what changed. nodev: a device node in
 * the root, or one a script makes, cannot be opened. */
static char *mount_overlay(const struct sandbox_job *j)
{
	if (chdir(j->session) < 0)
		child_fail("%s", j->session);
	if (mount(j->lower, "lower", NULL, MS_BIND, NULL) < 0)
		child_fail("bind %s", j->lower);
	if (mount(NULL, "lower", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		child_fail("read-only %s", j->lower);
	/* upper layers already carried into the tree lie between */
	char *opts = xstrdup("lowerdir=");
	for (unsigned i = j->layer; i-- > 0;) {
		char *o = xasprintf("%supper%u:", opts, i);
		free(opts);
		opts = o;
	}
	char *o = xasprintf("%slower,upperdir=upper%u,workdir=work,redirect_dir=off,index=off,metacopy=off",
			    opts, j->layer);
	free(opts);
	fail_status = SANDBOX_NO_OVERLAY;
	if (mount("overlay", "merged", "overlay", MS_NODEV, o) < 0)
		child_fail("mount an overlay over %s (its upper layer in %s)", j->lower, j->session);
	fail_status = 125;
	free(o);
	return xasprintf("%s/merged", j->session);
}

/* Into the root for good: the old root is detached, so neither a second
 * chroot nor '..' leads anywhere outside it. */
static void enter(const char *merged)
{
	if (chdir(merged) < 0)
		child_fail("%s", merged);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		child_fail("pivot_root into %s", merged);
	if (umount2(".", MNT_DETACH) < 0)
		child_fail("detaching the host's root");
	if (chdir("/") < 0)
		child_fail("chdir /");
}

/* What a package install does not need and what would reach past the
 * root: opening files by handle, kernel modules, reboot, raw I/O, the clock, mounts and every
 * other CAP_SYS_ADMIN power, tracing, the (shared) network's settings,
 * the kernel log, LSM policy, audit, immutable files, BPF and perf. Out of
 * the bounding set too, so no setuid or file-capability program gets them
 * back. */
static const int dropped_caps[] = {
    CAP_DAC_READ_SEARCH, /* open_by_handle_at: any file of a file system it has a descriptor on */
    CAP_SYS_MODULE,
    CAP_SYS_BOOT,
    CAP_SYS_RAWIO,
    CAP_SYS_TIME,
    CAP_SYS_ADMIN,
    CAP_SYS_PTRACE,
    CAP_NET_ADMIN,
    CAP_SYSLOG,
    CAP_MAC_ADMIN,
    CAP_MAC_OVERRIDE,
    CAP_AUDIT_CONTROL,
    CAP_LINUX_IMMUTABLE,
    CAP_WAKE_ALARM,
    CAP_BLOCK_SUSPEND,
    CAP_SYS_PACCT,
    CAP_SYS_TTY_CONFIG,
    38 /* CAP_PERFMON */,
    39 /* CAP_BPF */,
    40 /* CAP_CHECKPOINT_RESTORE */,
};

static void drop_caps(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	for (size_t i = 0; i < ARRAY_SIZE(dropped_caps); i++)
		if (prctl(PR_CAPBSET_DROP, dropped_caps[i], 0, 0, 0) < 0 && errno != EINVAL)
			child_fail("dropping capability %d", dropped_caps[i]);
	if (syscall(SYS_capget, &h, d) < 0)
		child_fail("capget");
	for (size_t i = 0; i < ARRAY_SIZE(dropped_caps); i++) {
		unsigned c = (unsigned)dropped_caps[i], w = c / 32, bit = 1u << (c % 32);
		d[w].effective &= ~bit;
		d[w].permitted &= ~bit;
		d[w].inheritable &= ~bit;
	}
	if (syscall(SYS_capset, &h, d) < 0)
		child_fail("capset");
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

/* The UTS namespace's name: the root's own (its /etc/hostname), else
 * localhost, never this machine's (ssh-keygen writes it into host keys). */
static void set_hostname(void)
{
	char name[65] = "";
	int fd = open("/etc/hostname", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	size_t n;
	if (fd >= 0) {
		ssize_t r = read(fd, name, sizeof name - 1);
		name[r > 0 ? r : 0] = 0;
		close(fd);
	}
	n = strcspn(name, "\n");
	name[n] = 0;
	if (!n || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != n)
		snprintf(name, sizeof name, "localhost");
	if (sethostname(name, strlen(name)) < 0)
		child_fail("sethostname %s", name);
}

/* PID 1 of the new PID namespace: prepares the root, runs the script,
 * and leaves with its status. When it leaves the kernel kills whatever the
 * script left running, and with the last process the mounts go. */
static void __attribute__((noreturn)) ns_init(const struct sandbox_job *j)
{
	char *env[8], sde[48], inside[PATH_MAX], *merged;
	int st;
	pid_t pid, w;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	merged = mount_overlay(j);
	setup_root(merged);
	place_script(merged, j->name, j->script, j->len);
	sandbox_env(env, sde);
	snprintf(inside, sizeof inside, "/run/mklive/%s", j->name);
	enter(merged);
	/* a session keyring of its own: not the one of whoever runs the build */
	if (syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, NULL) < 0 && errno != ENOSYS)
		child_fail("a session keyring of its own");
	set_hostname(); /* inside: a symbolic link /etc cannot lead out */
	drop_caps();
	pid = fork();
	if (pid < 0)
		child_fail("fork");
	if (pid == 0) {
		char *sh_argv[] = {"/bin/sh", inside, NULL}, *argv[] = {inside, NULL};
		if (j->shebang)
			execve(inside, argv, env);
		else
			execve("/bin/sh", sh_argv, env);
		child_fail("cannot execute %s inside %s", j->shebang ? inside : "/bin/sh", j->lower);
	}
	close(STDOUT_FILENO);
	close(STDERR_FILENO);
	while ((w = wait(&st)) != pid)
		if (w < 0 && errno != EINTR)
			_exit(255);
	_exit(build_capture_status(st));
}

/* Only stdin, stdout, stderr and the error pipe go on: no descriptor of
 * this program (an open directory of the host, say) reaches the script. */
static void close_others(int keep)
{
	if (keep > 3)
		syscall(SYS_close_range, 3u, (unsigned)keep - 1, 0u);
	syscall(SYS_close_range, (unsigned)keep + 1, ~0u, 0u);
}

/* The namespace's init as this process sees it; SIGTERM kills it, and with
 * it every process of the namespace. */
static volatile pid_t init_pid;
static void on_term(int sig)
{
	(void)sig;
	if (init_pid > 0)
		kill(init_pid, SIGKILL);
	_exit(128 + SIGKILL);
}

void sandbox_child(const struct sandbox_job *j)
{
	struct sigaction sa;
	sigset_t term, old;
	pid_t init;
	int st, null;

	err_fd = j->err_fd;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* no controlling terminal: /dev/tty inside cannot reach the user's */
	setsid();
	if ((null = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		child_fail("/dev/null");
	if (dup2(null, STDIN_FILENO) < 0 || dup2(j->out_fd, STDOUT_FILENO) < 0 ||
	    dup2(j->out_fd, STDERR_FILENO) < 0)
		child_fail("dup2");
	close_others(err_fd);
	if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC) < 0)
		child_fail("unshare (mount, PID, UTS and IPC namespaces)");
	/* Nothing mounted below may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail("making / private in the new mount namespace");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	/* a SIGTERM that comes while init is being made waits for its pid */
	sigprocmask(SIG_BLOCK, &term, &old);
	init = fork();
	if (init < 0)
		child_fail("fork");
	if (init == 0) {
		signal(SIGTERM, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		ns_init(j);
	}
	init_pid = init;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(STDOUT_FILENO);
	close(STDERR_FILENO);
	while (waitpid(init, &st, 0) < 0)
		if (errno != EINTR)
			_exit(255);
	_exit(build_capture_status(st));
}
