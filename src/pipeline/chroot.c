/* Run= scripts inside a root (namespaces + chroot, or mmdebstrap hooks); see chroot.h. */
#include "pipeline/chroot.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/time.h"
#include "core/util.h"
#include "pipeline/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUN_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define OUTPUT_KEEP (1024 * 1024)
#define TAIL_LINES 20
#define TAIL_BYTES 1400 /* the error message holds 2048 */
#define SAVED_RESOLV ".resolv.conf.mklive-saved"

int build_run_check(enum build_root_kind kind, const char *source, const char *script)
{
	if (access(script, R_OK) < 0)
		return err_sys(errno, "Run= script %s", script);
	switch (kind) {
	case BUILD_ROOT_DEBIAN:
		return 0; /* a mmdebstrap customize hook, in its namespace */
	case BUILD_ROOT_DIR:
		if (geteuid() == 0)
			return 0;
		return err_set(
		    EPERM,
		    "Run= script %s cannot run inside the directory root %s without root: it runs "
		    "chrooted in a private mount namespace, which needs root. Run as root, or use a "
		    "debian:SUITE source, where it runs as a mmdebstrap hook without root",
		    script, source);
	case BUILD_ROOT_TAR:
		return err_set(
		    EINVAL,
		    "Run= script %s cannot run inside the tarball root %s: a tarball is imaged as it is, "
		    "never unpacked. Use a debian:SUITE source, where it runs as a mmdebstrap hook "
		    "(no root needed), or unpack the tarball and build from the directory as root",
		    script, source);
	case BUILD_ROOT_DEFAULT:
		return err_set(
		    EINVAL,
		    "Run= script %s cannot run inside the embedded default root: it is made in memory, "
		    "never unpacked. Use a debian:SUITE source, or a directory root as root",
		    script);
	}
	return err_set(EINVAL, "Run= script %s: unknown kind of root", script);
}

/* The clean environment of a script; sde is a buffer for SOURCE_DATE_EPOCH. */
static void run_env(char *env[8], char sde[48])
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

/* A file without "#!" is a shell script, as execvp would treat it. */
static int has_shebang(const char *path)
{
	char b[2] = {0, 0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t r = read(fd, b, 2);
	close(fd);
	return r == 2 && b[0] == '#' && b[1] == '!';
}

/* 'text' for sh and for mmdebstrap's shellwords. */
static char *sh_quote(const char *s)
{
	size_t n = 3;
	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	char *q = xmalloc(n), *o = q;
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else
			*o++ = *p;
	}
	*o++ = '\'';
	*o = 0;
	return q;
}

void build_run_hooks(const char *script_path, size_t index, const char *marker, char **upload, char **command)
{
	char *env[8], sde[48], envs[512] = "", *q = sh_quote(script_path);
	run_env(env, sde);
	for (int i = 0; env[i]; i++) {
		char *e = sh_quote(env[i]);
		snprintf(envs + strlen(envs), sizeof envs - strlen(envs), " %s", e);
		free(e);
	}
	/* upload reads the file outside the namespace, so it works in unshare
	 * mode, where the namespace's root may not read the user's files. */
	*upload = xasprintf("upload %s /tmp/mklive-run-%zu", q, index);
	*command = xasprintf("echo '%s begin %zu'; chmod 0755 \"$1/tmp/mklive-run-%zu\" && "
			     "env -i%s chroot \"$1\" %s/tmp/mklive-run-%zu </dev/null 2>&1; rc=$?; "
			     "rm -f \"$1/tmp/mklive-run-%zu\"; echo \"%s end %zu $rc\"; exit $rc",
			     marker, index, index, envs, has_shebang(script_path) ? "" : "/bin/sh ", index,
			     index, marker, index);
	free(q);
}

/* ---- the directory runner ----------------------------------------------- */

/* Setup errors of the children travel to the parent on a pipe. */
static int err_fd = -1;

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
	_exit(125);
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

/* A device node in the fresh /dev; where mknod is refused (a container),
 * bind the host's node over an empty file instead. */
static void dev_node(const char *root, const char *name, unsigned maj, unsigned min)
{
	char *p = xasprintf("%s/dev/%s", root, name), *host = xasprintf("/dev/%s", name);
	if (mknod(p, S_IFCHR | 0666, makedev(maj, min)) < 0) {
		int fd;
		if (errno != EPERM || (fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) < 0)
			child_fail("mknod %s", p);
		close(fd);
		if (mount(host, p, NULL, MS_BIND, NULL) < 0)
			child_fail("bind %s on %s", host, p);
	}
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
	do_mount(root, "sys", 0555, "sysfs", "sysfs", nosuid | MS_RDONLY, NULL);
	do_mount(root, "dev", 0755, "tmpfs", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=1m");
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

struct run_job {
	const char *root, *name; /* name: the script inside the root */
	const uint8_t *script;
	size_t len;
	int shebang, out_fd;
};

/* PID 1 of the new PID namespace: prepares the root, runs the script,
 * and leaves with its status. When it leaves the kernel kills whatever the
 * script left running, and with the last process the mounts go. */
static void __attribute__((noreturn)) ns_init(const struct run_job *j)
{
	char *env[8], sde[48], inside[PATH_MAX];
	int st;
	pid_t pid, w;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setup_root(j->root);
	place_script(j->root, j->name, j->script, j->len);
	run_env(env, sde);
	snprintf(inside, sizeof inside, "/run/mklive/%s", j->name);
	if (chroot(j->root) < 0)
		child_fail("chroot %s", j->root);
	if (chdir("/") < 0)
		child_fail("chdir / in %s", j->root);
	pid = fork();
	if (pid < 0)
		child_fail("fork");
	if (pid == 0) {
		char *sh_argv[] = {"/bin/sh", inside, NULL}, *argv[] = {inside, NULL};
		int null = open("/dev/null", O_RDONLY);
		if (null < 0)
			child_fail("/dev/null in %s", j->root);
		dup2(null, 0);
		dup2(j->out_fd, 1);
		dup2(j->out_fd, 2);
		if (j->shebang)
			execve(inside, argv, env);
		else
			execve("/bin/sh", sh_argv, env);
		child_fail("cannot execute %s inside %s", j->shebang ? inside : "/bin/sh", j->root);
	}
	close(j->out_fd);
	while ((w = wait(&st)) != pid)
		if (w < 0 && errno != EINTR)
			_exit(255);
	_exit(build_capture_status(st));
}

/* The root's /etc/resolv.conf is moved aside for the host's and put back
 * after, unless the script replaced it (a package that links it into /run).
 * Nothing is mounted on it, so scripts may rename or remove it. */
struct resolv {
	int etc_fd, had, placed;
	dev_t dev;
	ino_t ino;
};

static int resolv_setup(struct resolv *r, const char *root)
{
	char *etc = xasprintf("%s/etc", root);
	uint8_t *host = NULL;
	size_t len = 0;
	struct stat st;
	int fd, rc = 0;

	memset(r, 0, sizeof *r);
	r->etc_fd = open(etc, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	free(etc);
	if (r->etc_fd < 0) /* no /etc (or a symlink, which we leave alone) */
		return 0;
	if (util_read_file("/etc/resolv.conf", &host, &len) < 0) {
		err_clear(); /* the host has none: nothing to offer */
		return 0;
	}
	/* A run that was killed left the root's own file aside: put it back. */
	if (fstatat(r->etc_fd, SAVED_RESOLV, &st, AT_SYMLINK_NOFOLLOW) == 0)
		renameat(r->etc_fd, SAVED_RESOLV, r->etc_fd, "resolv.conf");
	if (fstatat(r->etc_fd, "resolv.conf", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode))
			goto out; /* odd; leave it */
		if (renameat(r->etc_fd, "resolv.conf", r->etc_fd, SAVED_RESOLV) < 0) {
			rc = err_sys(errno, "%s/etc/resolv.conf", root);
			goto out;
		}
		r->had = 1;
	}
	fd = openat(r->etc_fd, "resolv.conf", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || util_write_full(fd, host, len) < 0 || fstat(fd, &st) < 0) {
		rc = err_sys(errno, "%s/etc/resolv.conf", root);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	r->placed = 1;
	r->dev = st.st_dev;
	r->ino = st.st_ino;
out:
	free(host);
	return rc;
}

static void resolv_restore(struct resolv *r)
{
	struct stat st;
	if (r->etc_fd < 0)
		return;
	if (r->placed) {
		int ours = fstatat(r->etc_fd, "resolv.conf", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			   S_ISREG(st.st_mode) && st.st_dev == r->dev && st.st_ino == r->ino;
		if (ours) {
			unlinkat(r->etc_fd, "resolv.conf", 0);
			if (r->had)
				renameat(r->etc_fd, SAVED_RESOLV, r->etc_fd, "resolv.conf");
		} else if (r->had)
			unlinkat(r->etc_fd, SAVED_RESOLV, 0); /* the script's own wins */
	} else if (r->had)
		renameat(r->etc_fd, SAVED_RESOLV, r->etc_fd, "resolv.conf");
	close(r->etc_fd);
	r->etc_fd = -1;
}

static void on_line(void *arg, const char *line)
{
	if (log_level() >= 2)
		log_info("%s: %s", (const char *)arg, line);
}

int build_run_in_root(const char *root_dir, const char *script_path, char **output)
{
	char root[PATH_MAX], errbuf[1100], *tail;
	const char *base = strrchr(script_path, '/');
	struct run_job j = {0};
	struct resolv rv = {.etc_fd = -1};
	struct build_capture cap;
	uint8_t *script = NULL;
	int out[2] = {-1, -1}, ep[2] = {-1, -1}, rc, st = 0, code;
	ssize_t elen = 0, r;
	struct stat sb;
	pid_t pid;

	*output = NULL;
	if (geteuid() != 0)
		return build_run_check(BUILD_ROOT_DIR, root_dir, script_path);
	if (!realpath(root_dir, root) || stat(root, &sb) < 0)
		return err_sys(errno, "root directory %s", root_dir);
	if (!S_ISDIR(sb.st_mode))
		return err_set(ENOTDIR, "root directory %s: Not a directory", root_dir);
	if (strcmp(root, "/") == 0)
		return err_set(EINVAL, "Run= script %s: the root directory is the host's /", script_path);
	if ((rc = util_read_file(script_path, &script, &j.len)) < 0)
		return err_wrap(rc, "Run= script");
	j.root = root;
	j.name = base && base[1] ? base + 1 : script_path;
	j.script = script;
	j.shebang = j.len >= 2 && script[0] == '#' && script[1] == '!';

	if ((rc = resolv_setup(&rv, root)) < 0)
		goto out;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		rc = err_sys(errno, "pipe");
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rc = err_sys(errno, "fork");
		goto out;
	}
	if (pid == 0) {
		pid_t init;
		close(out[0]);
		close(ep[0]);
		err_fd = ep[1];
		j.out_fd = out[1];
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC) < 0)
			child_fail("unshare (mount, PID, UTS and IPC namespaces)");
		/* Nothing mounted below may propagate back to the host. */
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			child_fail("making / private in the new mount namespace");
		init = fork();
		if (init < 0)
			child_fail("fork");
		if (init == 0)
			ns_init(&j);
		close(out[1]);
		while (waitpid(init, &st, 0) < 0)
			if (errno != EINTR)
				_exit(255);
		_exit(build_capture_status(st));
	}
	close(out[1]);
	close(ep[1]);
	out[1] = ep[1] = -1;
	build_capture_init(&cap, -1, OUTPUT_KEEP);
	cap.on_line = on_line;
	cap.arg = (void *)j.name;
	rc = build_capture_drain(&cap, out[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			rc = err_sys(errno, "waitpid");
			break;
		}
	while ((r = read(ep[0], errbuf + elen, sizeof errbuf - 1 - (size_t)elen)) > 0 ||
	       (r < 0 && errno == EINTR))
		if (r > 0)
			elen += r;
	errbuf[elen] = 0;
	code = build_capture_status(st);
	*output = xstrdup(cap.buf);
	if (elen > 0) {
		rc = err_set(EIO, "Run= script %s: cannot prepare %s to run it: %s", script_path, root,
			     errbuf);
	} else if (rc < 0) {
		rc = err_sys(rc, "Run= script %s: reading its output", script_path);
	} else if (code != 0) {
		tail = build_capture_tail(cap.buf, TAIL_LINES, TAIL_BYTES);
		rc = err_set(EIO, "Run= script %s failed (exit %d) inside %s; its output:\n%s", script_path,
			     code, root, tail[0] ? tail : "  (none)");
		free(tail);
	}
	build_capture_free(&cap);
out:
	resolv_restore(&rv);
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	free(script);
	return rc;
}
