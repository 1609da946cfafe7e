/* Run= scripts inside a root: on an overlay of a directory root (the
 * parent's side: sessions, resolv.conf, output, timeout; sandbox.c is the
 * child's), or as mmdebstrap hooks; see chroot.h. */
#include "pipeline/chroot.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/time.h"
#include "core/util.h"
#include "pipeline/capture.h"
#include "pipeline/sandbox.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUTPUT_KEEP (1024 * 1024)
#define TAIL_LINES 20
#define TAIL_BYTES 1400 /* the error message holds 2048 */

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
		    "on an overlay of it in private namespaces, which needs root. Run as root, or use a "
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
	sandbox_env(env, sde);
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

/* ---- the directory runner: sessions, resolv.conf, the parent's side ---- */

struct session {
	char *root;	/* the root directory (realpath) */
	char *dir;	/* upperN/ work/ lower/ merged/ */
	unsigned layer; /* the scripts write to upperN; upper0..N-1 are applied */
	bool used;	/* a script ran on it: its upper layer holds changes */
	bool pending;	/* a script ran since the last build_run_apply */
	bool fallback;	/* in $TMPDIR or /var/tmp rather than where asked */
};
static struct session *sessions;
static size_t nsessions, sessions_cap;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D || flag == FTW_DNR)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

#define SESSION_PREFIX ".run.mklive-build-"

/* Session directories of builds that were killed (SIGKILL leaves them). */
static void remove_stale(const char *base)
{
	DIR *d = opendir(base);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long pid;
		if (strncmp(e->d_name, SESSION_PREFIX, strlen(SESSION_PREFIX)))
			continue;
		pid = strtol(e->d_name + strlen(SESSION_PREFIX), &end, 10);
		if (pid <= 0 || *end != '-' || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		char *p = xasprintf("%s/%s", base, e->d_name);
		rm_rf(p);
		free(p);
	}
	closedir(d);
}

static bool inside(const char *path, const char *root)
{
	char real[PATH_MAX];
	size_t n = strlen(root);
	if (!realpath(path, real))
		return false;
	return !strncmp(real, root, n) && (real[n] == '/' || real[n] == 0 || n == 1);
}

/* The upper directory scripts write to now. */
static char *upper_dir(const struct session *s)
{
	return xasprintf("%s/upper%u", s->dir, s->layer);
}

/* A new upper directory; its root is the overlay's root, so it looks like
 * the root directory's. */
static int make_upper(const struct session *s)
{
	char *p = upper_dir(s);
	struct stat st;
	int rc = 0;
	if (mkdir(p, 0700) < 0 || (stat(s->root, &st) == 0 &&
				   (chown(p, st.st_uid, st.st_gid) < 0 || chmod(p, st.st_mode & 07777) < 0)))
		rc = err_sys(errno, "%s", p);
	free(p);
	return rc;
}

static int session_get(const char *root, const char *tmp_dir, bool fallback, struct session **out)
{
	const char *base = tmp_dir, *env = getenv("TMPDIR");
	char real[PATH_MAX];
	struct session *s;
	char *dir;
	int rc;
	for (size_t i = 0; i < nsessions; i++)
		if (!strcmp(sessions[i].root, root)) {
			*out = &sessions[i];
			return 0;
		}
	/* the upper layer must not lie inside the lower one */
	if (!base || fallback || inside(base, root))
		base = env && env[0] == '/' && !inside(env, root) ? env : "/var/tmp";
	if (inside(base, root))
		return err_set(EINVAL, "no place for the Run= scripts' changes outside the root %s", root);
	/* absolute: the sandbox works in it after a chdir */
	if (!realpath(base, real))
		return err_sys(errno, "%s (for the Run= scripts' changes)", base);
	remove_stale(real);
	dir = xasprintf("%s/" SESSION_PREFIX "%ld-XXXXXX", real, (long)getpid());
	if (!mkdtemp(dir)) {
		rc = err_sys(errno, "a directory for the Run= scripts' changes in %s", base);
		free(dir);
		return rc;
	}
	const char *subs[] = {"work", "lower", "merged"};
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		char *p = xasprintf("%s/%s", dir, subs[i]);
		int bad = mkdir(p, 0700) < 0;
		if (bad) {
			rc = err_sys(errno, "%s", p);
			free(p);
			rm_rf(dir);
			free(dir);
			return rc;
		}
		free(p);
	}
	util_grow(&sessions, &sessions_cap, nsessions + 1, sizeof *sessions);
	s = &sessions[nsessions];
	s->root = xstrdup(root);
	s->dir = dir;
	s->layer = 0;
	s->used = s->pending = false;
	s->fallback = base != tmp_dir;
	if ((rc = make_upper(s)) < 0) {
		rm_rf(dir);
		free(dir);
		free(s->root);
		return rc;
	}
	nsessions++;
	*out = s;
	return 0;
}

/* Forget a session no script has used. */
static void session_drop(struct session *s)
{
	size_t i = (size_t)(s - sessions);
	rm_rf(s->dir);
	free(s->dir);
	free(s->root);
	memmove(sessions + i, sessions + i + 1, (nsessions - i - 1) * sizeof *sessions);
	nsessions--;
}

void build_run_cleanup(void)
{
	for (size_t i = 0; i < nsessions; i++) {
		rm_rf(sessions[i].dir);
		free(sessions[i].dir);
		free(sessions[i].root);
	}
	free(sessions);
	sessions = NULL;
	nsessions = sessions_cap = 0;
}

static int apply(struct session *s, struct tree *t)
{
	char *up;
	int rc;
	if (!s->pending)
		return 0;
	up = upper_dir(s);
	rc = sandbox_apply_upper(up, t);
	free(up);
	if (rc < 0)
		return rc;
	/* what is carried becomes a lower layer; the next scripts write to a
	 * fresh upper one, which the next call carries (the tree reads the
	 * old one's files: it stays) */
	s->pending = false;
	s->layer++;
	return make_upper(s);
}

int build_run_apply_pending(struct tree *t)
{
	int rc = 0;
	for (size_t i = 0; i < nsessions && !rc; i++)
		rc = apply(&sessions[i], t);
	return rc;
}

int build_run_apply(const char *root_dir, struct tree *t)
{
	char root[PATH_MAX];
	if (!realpath(root_dir, root))
		return err_sys(errno, "root directory %s", root_dir);
	for (size_t i = 0; i < nsessions; i++)
		if (!strcmp(sessions[i].root, root))
			return apply(&sessions[i], t);
	return 0;
}

/* The host's resolv.conf for the script's duration, written into the
 * upper layer while no overlay is mounted (and the upper layer's own
 * resolv.conf, from an earlier script, moved aside); afterwards taken away
 * again unless the script replaced it. The lower layer, the root, is
 * never touched, so the root's own file is what the image carries. */
struct resolv {
	int etc_fd, had, placed, made_etc;
	ino_t ino;
	char *saved, *etc;
};

static int resolv_setup(struct resolv *r, const struct session *s)
{
	char *lower_etc = xasprintf("%s/etc", s->root),
	     *lower_file = xasprintf("%s/etc/resolv.conf", s->root);
	uint8_t *host = NULL;
	size_t len = 0;
	struct stat st, lst;
	int fd, rc = 0;

	memset(r, 0, sizeof *r);
	r->etc_fd = -1;
	r->etc = xasprintf("%s/upper%u/etc", s->dir, s->layer);
	r->saved = xasprintf("%s/resolv.conf.saved", s->dir);
	if (util_read_file("/etc/resolv.conf", &host, &len) < 0) {
		err_clear(); /* the host has none: nothing to offer */
		goto out;
	}
	if (lstat(r->etc, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			goto out; /* a script replaced /etc: leave it */
	} else if (lstat(lower_etc, &lst) == 0 && S_ISDIR(lst.st_mode)) {
		/* the /etc the script sees: of the newest layer that has one */
		for (unsigned i = s->layer; i-- > 0;) {
			char *e = xasprintf("%s/upper%u/etc", s->dir, i);
			int found = lstat(e, &st) == 0;
			free(e);
			if (found) {
				if (!S_ISDIR(st.st_mode))
					goto out; /* a whiteout, or a file a script made */
				lst = st;
				break;
			}
		}
		/* a directory of the upper layer shows its own attributes: the root's */
		struct timespec ts[2] = {lst.st_atim, lst.st_mtim};
		if (mkdir(r->etc, 0755) < 0 || chown(r->etc, lst.st_uid, lst.st_gid) < 0 ||
		    chmod(r->etc, lst.st_mode & 07777) < 0 || utimensat(AT_FDCWD, r->etc, ts, 0) < 0) {
			rc = err_sys(errno, "%s", r->etc);
			goto out;
		}
		r->made_etc = 1;
	} else
		goto out; /* no /etc at all */
	r->etc_fd = open(r->etc, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r->etc_fd < 0) {
		rc = err_sys(errno, "%s", r->etc);
		goto out;
	}
	if (fstatat(r->etc_fd, "resolv.conf", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode))
			goto out; /* odd; leave it */
		if (renameat(r->etc_fd, "resolv.conf", AT_FDCWD, r->saved) < 0) {
			rc = err_sys(errno, "%s/resolv.conf", r->etc);
			goto out;
		}
		r->had = 1;
	} else if (lstat(lower_file, &lst) == 0 && S_ISDIR(lst.st_mode))
		goto out;
	fd = openat(r->etc_fd, "resolv.conf", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || util_write_full(fd, host, len) < 0 || fstat(fd, &st) < 0) {
		rc = err_sys(errno, "%s/resolv.conf", r->etc);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	r->placed = 1;
	r->ino = st.st_ino;
out:
	free(host);
	free(lower_etc);
	free(lower_file);
	return rc;
}

static void resolv_restore(struct resolv *r)
{
	struct stat st;
	if (r->etc_fd >= 0) {
		if (r->placed) {
			int ours = fstatat(r->etc_fd, "resolv.conf", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				   S_ISREG(st.st_mode) && st.st_ino == r->ino;
			if (ours) {
				unlinkat(r->etc_fd, "resolv.conf", 0);
				if (r->had)
					renameat(AT_FDCWD, r->saved, r->etc_fd, "resolv.conf");
			} else if (r->had)
				unlink(r->saved); /* the script's own wins */
		} else if (r->had)
			renameat(AT_FDCWD, r->saved, r->etc_fd, "resolv.conf");
		close(r->etc_fd);
	}
	if (r->made_etc)
		rmdir(r->etc); /* only if nothing else changed in /etc */
	free(r->etc);
	free(r->saved);
	memset(r, 0, sizeof *r);
	r->etc_fd = -1;
}

/* Mount points the root lacked were made in the upper layer: not the
 * script's doing, so not the image's. */
static void unmake_mount_points(const struct session *s)
{
	for (size_t i = 0; sandbox_mount_points[i]; i++) {
		char *lo = xasprintf("%s/%s", s->root, sandbox_mount_points[i]),
		     *up = xasprintf("%s/upper%u/%s", s->dir, s->layer, sandbox_mount_points[i]);
		struct stat st;
		if (lstat(lo, &st) < 0 && errno == ENOENT)
			rmdir(up);
		free(lo);
		free(up);
	}
}

static void on_line(void *arg, const char *line)
{
	if (log_level() >= 2)
		log_info("%s: %s", (const char *)arg, line);
}

static volatile sig_atomic_t caught;
static void on_signal(int sig)
{
	caught = sig;
}
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The script's output until its end, a timeout or a signal; then SIGTERM
 * to the child makes it kill the namespace's init, and the whole PID
 * namespace dies with it (the pipe ends when its last process is gone). */
static int drain(struct build_capture *cap, int fd, pid_t pid, long long timeout, int *timed_out)
{
	double deadline = timeout > 0 ? mono() + (double)timeout : 0;
	int killed = 0;
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		int ms = -1;
		ssize_t r;
		if (caught && !killed) {
			kill(pid, SIGTERM);
			killed = 1;
		}
		if (deadline && !killed) {
			double left = deadline - mono();
			if (left <= 0) {
				kill(pid, SIGTERM);
				killed = *timed_out = 1;
			} else
				ms = (int)(left * 1000) + 1;
		}
		if (poll(&p, 1, ms) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!p.revents)
			continue;
		if ((r = build_capture_read(cap, fd)) < 0)
			return (int)r;
		if (r == 0)
			break;
	}
	build_capture_end(cap);
	return 0;
}

static char *duration(long long s)
{
	if (s % 3600 == 0)
		return xasprintf("%lldh", s / 3600);
	if (s % 60 == 0)
		return xasprintf("%lldm", s / 60);
	return xasprintf("%llds", s);
}

int build_run_in_root(const char *root_dir, const char *script_path, char **output)
{
	return build_run_in_root_opts(root_dir, script_path, NULL, output);
}

/* The user stopped the build while a script ran: nothing of this run
 * stays, and the build ends by the same signal. */
static void stopped_by_user(const char *script_path, const char *root)
{
	int sig = caught;
	build_run_cleanup();
	log_error("Run= script %s stopped by signal %d; the root %s is as it was", script_path, sig, root);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* What the sandbox's child wrote on its error pipe before the script
 * started (empty when the sandbox was set up). */
static ssize_t read_setup_error(int fd, char *buf, size_t cap)
{
	ssize_t len = 0, r;
	while ((r = read(fd, buf + len, cap - 1 - (size_t)len)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			len += r;
	buf[len] = 0;
	return len;
}

/* SIGINT, SIGTERM and the like end the build after the script's session
 * is cleaned up (see on_signal); a signal ignored by nohup stays ignored. */
static void stop_handlers_install(struct sigaction *old)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	caught = 0;
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++) {
		sigaction(stop_signals[i], NULL, &old[i]);
		if (old[i].sa_handler != SIG_IGN)
			sigaction(stop_signals[i], &sa, NULL);
	}
}

static void stop_handlers_restore(const struct sigaction *old)
{
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaction(stop_signals[i], &old[i], NULL);
}

/* How a script run ended, as the build's error (0 when it succeeded):
 * a timeout, a sandbox that could not be prepared (setup_error), a failed
 * read of its output (rc), or its exit status (code). */
static int script_verdict(const char *script_path, const char *root, const struct build_run_opts *o,
			  long long timeout, int timed_out, const char *setup_error, int rc, int code,
			  const char *output)
{
	char *tail;
	if (timed_out) {
		char *d = duration(timeout);
		tail = build_capture_tail(output, TAIL_LINES, TAIL_BYTES);
		rc = err_set(ETIMEDOUT,
			     "Run= script %s timed out after %s (%s) inside %s: it and every process it "
			     "started were killed; its output:\n%s",
			     script_path, d, o && o->timeout_label ? o->timeout_label : "Root.RunTimeout",
			     root, tail[0] ? tail : "  (none)");
		free(tail);
		free(d);
	} else if (setup_error) {
		rc = err_set(EIO, "Run= script %s: cannot prepare %s to run it: %s", script_path, root,
			     setup_error);
	} else if (rc < 0) {
		rc = err_sys(rc, "Run= script %s: reading its output", script_path);
	} else if (code != 0) {
		tail = build_capture_tail(output, TAIL_LINES, TAIL_BYTES);
		rc = err_set(EIO, "Run= script %s failed (exit %d) inside %s; its output:\n%s", script_path,
			     code, root, tail[0] ? tail : "  (none)");
		free(tail);
	}
	return rc;
}

int build_run_in_root_opts(const char *root_dir, const char *script_path, const struct build_run_opts *o,
			   char **output)
{
	char root[PATH_MAX], errbuf[1100];
	const char *base = strrchr(script_path, '/');
	long long timeout = o && o->timeout >= 0 ? o->timeout : BUILD_RUN_TIMEOUT_DEFAULT;
	struct sandbox_job j = {0};
	struct resolv rv = {.etc_fd = -1};
	struct build_capture cap;
	struct session *s = NULL;
	struct sigaction old[ARRAY_SIZE(stop_signals)];
	uint8_t *script = NULL;
	int out[2] = {-1, -1}, ep[2] = {-1, -1}, rc, st = 0, code, timed_out = 0;
	ssize_t elen = 0;
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
	j.lower = root;
	j.name = base && base[1] ? base + 1 : script_path;
	j.script = script;
	j.shebang = j.len >= 2 && script[0] == '#' && script[1] == '!';
	if ((rc = session_get(root, o ? o->tmp_dir : NULL, false, &s)) < 0) {
		free(script);
		return rc;
	}
again:
	j.session = s->dir;
	j.layer = s->layer;
	if ((rc = resolv_setup(&rv, s)) < 0)
		goto out;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		rc = err_sys(errno, "pipe");
		goto out;
	}
	stop_handlers_install(old);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rc = err_sys(errno, "fork");
		stop_handlers_restore(old);
		goto out;
	}
	if (pid == 0) {
		for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
			signal(stop_signals[i], SIG_DFL);
		close(out[0]);
		close(ep[0]);
		j.out_fd = out[1];
		j.err_fd = ep[1];
		sandbox_child(&j);
	}
	close(out[1]);
	close(ep[1]);
	out[1] = ep[1] = -1;
	build_capture_init(&cap, -1, OUTPUT_KEEP);
	cap.on_line = on_line;
	cap.arg = (void *)j.name;
	rc = drain(&cap, out[0], pid, timeout, &timed_out);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			rc = err_sys(errno, "waitpid");
			break;
		}
	stop_handlers_restore(old);
	if (caught) {
		resolv_restore(&rv);
		stopped_by_user(script_path, root);
	}
	elen = read_setup_error(ep[0], errbuf, sizeof errbuf);
	code = build_capture_status(st);
	if (code == SANDBOX_NO_OVERLAY && elen > 0 && !s->used && !s->fallback) {
		/* the output's file system cannot hold an overlay's upper
		 * layer (FAT, NFS, an overlay): the scripts' changes go to
		 * $TMPDIR or /var/tmp instead */
		log_info("no overlay with its upper layer in %s (%s): using $TMPDIR or /var/tmp", s->dir,
			 errbuf);
		build_capture_free(&cap);
		resolv_restore(&rv);
		close(out[0]);
		close(ep[0]);
		out[0] = ep[0] = -1;
		elen = 0;
		session_drop(s);
		if ((rc = session_get(root, NULL, true, &s)) < 0) {
			s = NULL;
			goto out;
		}
		goto again;
	}
	s->used = s->pending = true;
	*output = xstrdup(cap.buf);
	rc = script_verdict(script_path, root, o, timeout, timed_out, elen > 0 ? errbuf : NULL, rc, code,
			    cap.buf);
	build_capture_free(&cap);
out:
	resolv_restore(&rv);
	if (s)
		unmake_mount_points(s);
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	free(script);
	return rc;
}

int build_run_timeout_parse(const char *text, const char *label, long long *seconds)
{
	char *end;
	long long v, mul = 1;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (*end == 's')
		end++;
	else if (*end == 'm')
		mul = 60, end++;
	else if (*end == 'h')
		mul = 3600, end++;
	if (end == text || !isdigit((unsigned char)text[0]) || *end || errno || v > 100LL * 365 * 86400 / mul)
		return err_set(ERR_USAGE,
			       "%s: '%s' is not a duration: seconds, or a number with s, m or h (30s, 10m, "
			       "1h); 0 for no limit",
			       label, text);
	*seconds = v * mul;
	return 0;
}
