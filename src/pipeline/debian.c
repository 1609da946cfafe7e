/* debian:SUITE root sources: mmdebstrap → cached root tarball; see debian.h. */
#include "pipeline/debian.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/sha256.h"
#include "core/time.h"
#include "core/util.h"
#include "pipeline/capture.h"
#include "pipeline/chroot.h"
#include "pipeline/livesys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* SHA-256 of bytes, and of a file's contents, as hex for the cache key. */
static void keyhash_hex(const void *data, size_t n, char hex[SHA256_HEX])
{
	uint8_t d[SHA256_DIGEST];
	sha256_buf(data, n, d);
	sha256_hex(d, hex);
}

static int keyhash_file_hex(const char *path, char hex[SHA256_HEX])
{
	uint8_t *data;
	size_t len;
	int rc = util_read_file(path, &data, &len);
	if (rc < 0)
		return rc;
	keyhash_hex(data, len, hex);
	free(data);
	return 0;
}

#define KEY_VERSION "mklive debian root key 1"
#define TAIL_LINES 15
#define TAIL_BYTES 1400 /* the error message holds 2048 */

struct strv {
	char **v;
	size_t n, cap;
};

static void strv_push(struct strv *s, char *str)
{
	util_grow(&s->v, &s->cap, s->n + 2, sizeof *s->v);
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
}

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Split every entry on spaces and commas, then sort (byte order) and drop
 * duplicates: the same set in any spelling gives the same key. */
static void word_set(struct strv *out, const char *const *items, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = items[i];
		while (p && *p) {
			size_t len = strcspn(p, " \t\n,");
			if (len)
				strv_push(out, xstrndup(p, len));
			p += len;
			p += strspn(p, " \t\n,");
		}
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, cmp_str);
	for (size_t i = 0; i < out->n; i++) {
		if (w && strcmp(out->v[w - 1], out->v[i]) == 0) {
			free(out->v[i]);
			continue;
		}
		out->v[w++] = out->v[i];
	}
	out->n = w;
	if (out->v)
		out->v[w] = NULL;
}

static char *join(const struct strv *s, const char *sep)
{
	size_t len = 1, sl = strlen(sep), o = 0;
	char *r;
	for (size_t i = 0; i < s->n; i++)
		len += strlen(s->v[i]) + sl;
	r = xmalloc(len);
	for (size_t i = 0; i < s->n; i++) {
		size_t l = strlen(s->v[i]);
		if (i) {
			memcpy(r + o, sep, sl);
			o += sl;
		}
		memcpy(r + o, s->v[i], l);
		o += l;
	}
	r[o] = 0;
	return r;
}

static const char *or_default(const char *s, const char *def)
{
	return s && *s ? s : def;
}

/* A word mmdebstrap takes as one argument: no spaces, no commas, no
 * slashes (a suite or variant name), nothing that needs a shell. */
static int check_word(const char *what, const char *s)
{
	if (!*s)
		return err_set(EINVAL, "debian: %s is empty", what);
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("+-._~", *p)))
			return err_set(
			    EINVAL, "debian: %s '%s' has the character '%c' (expected a name like bookworm)",
			    what, s, *p);
	return 0;
}

/* mmdebstrap's version from its `our $VERSION = '1.3.5';` line, read rather
 * than run, so that a cache hit runs nothing. */
static char *program_version(const char *path)
{
	uint8_t *data;
	size_t len;
	char *v = NULL;
	int saved = err_code();
	if (util_read_file(path, &data, &len) < 0) {
		if (!saved)
			err_clear();
		return xstrdup("unknown");
	}
	const char *p = strstr((const char *)data, "$VERSION = '");
	if (p) {
		p += strlen("$VERSION = '");
		size_t n = strcspn(p, "'\n");
		if (n && n < 32)
			v = xstrndup(p, n);
	}
	free(data);
	return v ? v : xstrdup("unknown");
}

int build_debian_key(const struct build_debian *d, const char *mmdebstrap_path, char **key)
{
	struct strv pk = {0}, comp = {0}, lines = {0};
	const char *cs = or_default(d->components, "main");
	char hex[SHA256_HEX], *ver = NULL, *pks = NULL, *comps = NULL;
	int64_t sde = 0;
	int rc, have_sde;

	*key = NULL;
	if (!d->suite)
		return err_set(EINVAL, "debian: no suite given (debian:SUITE, e.g. debian:bookworm)");
	if ((rc = check_word("suite", d->suite)) < 0 ||
	    (rc = check_word("variant", or_default(d->variant, "minbase"))) < 0 ||
	    (rc = check_word("architecture", or_default(d->arch, "amd64"))) < 0)
		return rc;
	if ((have_sde = time_source_date_epoch(&sde)) < 0)
		return have_sde;
	if ((rc = keyhash_file_hex(mmdebstrap_path, hex)) < 0)
		return err_wrap(rc, "debian: reading mmdebstrap");
	ver = program_version(mmdebstrap_path);

	word_set(&pk, d->packages, d->npackages);
	word_set(&comp, &cs, 1);
	pks = join(&pk, " ");
	comps = join(&comp, " ");
	strv_push(&lines, xstrdup(KEY_VERSION));
	strv_push(&lines, xasprintf("suite=%s", d->suite));
	strv_push(&lines, xasprintf("variant=%s", or_default(d->variant, "minbase")));
	strv_push(&lines, xasprintf("architecture=%s", or_default(d->arch, "amd64")));
	strv_push(&lines, xasprintf("components=%s", comps));
	strv_push(&lines, xasprintf("mirror=%s", d->mirror ? d->mirror : ""));
	strv_push(&lines, xasprintf("packages=%s", pks));
	strv_push(&lines,
		  have_sde ? xasprintf("source_date_epoch=%" PRId64, sde) : xstrdup("source_date_epoch="));
	strv_push(&lines, xasprintf("mmdebstrap=%s sha256:%s", ver, hex));
	/* Scripts count by their contents, in order: renaming one changes nothing. */
	for (size_t i = 0; i < d->nhooks; i++) {
		if ((rc = keyhash_file_hex(d->hooks[i], hex)) < 0) {
			rc = err_wrap(rc, "Run= script");
			goto out;
		}
		strv_push(&lines, xasprintf("run=sha256:%s", hex));
	}
	/* The live system's locales, generated by the last hook: the command
	 * (which names them) is part of the key. */
	if (d->locales && d->locales[0]) {
		char *cmd = build_live_locale_command(d->locales);
		keyhash_hex(cmd, strlen(cmd), hex);
		strv_push(&lines, xasprintf("locales=sha256:%s", hex));
		free(cmd);
	}
	/* How the scripts run (environment, chroot) is part of the result too. */
	if (d->nhooks) {
		char *upload, *command;
		build_run_hooks("SCRIPT", 1, "MARKER", &upload, &command);
		keyhash_hex(command, strlen(command), hex);
		strv_push(&lines, xasprintf("runner=sha256:%s", hex));
		free(upload);
		free(command);
	}
	strv_push(&lines, xstrdup(""));
	*key = join(&lines, "\n");
	rc = 0;
out:
	strv_free(&pk);
	strv_free(&comp);
	strv_free(&lines);
	free(pks);
	free(comps);
	free(ver);
	return rc;
}

char *build_debian_cache_dir(const char *dir)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (dir && *dir)
		return xstrdup(dir);
	/* XDG Base Directory: a relative $XDG_CACHE_HOME is invalid, ignore it */
	if (xdg && xdg[0] == '/')
		return xasprintf("%s/mklive", xdg);
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw && pw->pw_dir ? pw->pw_dir : "/";
	}
	return xasprintf("%s/.cache/mklive", home);
}

/* The first executable `name` in $PATH, or NULL. */
static char *find_program(const char *name)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		char *p = xasprintf("%.*s/%s", (int)n, n ? path : ".", name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
			return p;
		free(p);
		path += n;
		if (*path == ':')
			path++;
	}
	return NULL;
}

/* Does /etc/subuid (or subgid) give `user` (by name or uid) a range? */
static int has_subid(const char *file, const char *user, uid_t uid)
{
	char line[512], num[32];
	FILE *f = fopen(file, "re");
	int found = 0;
	if (!f)
		return 0;
	snprintf(num, sizeof num, "%u", (unsigned)uid);
	while (!found && fgets(line, sizeof line, f)) {
		size_t n = strcspn(line, ":");
		if (line[n] != ':')
			continue;
		if ((user && strlen(user) == n && strncmp(line, user, n) == 0) ||
		    (strlen(num) == n && strncmp(line, num, n) == 0))
			found = 1;
	}
	fclose(f);
	return found;
}

/* Try it for real: a child unshares a user namespace. */
static int userns_works(int *err)
{
	int st;
	pid_t pid = fork();
	if (pid < 0) {
		*err = errno;
		return 0;
	}
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : (errno & 0x7f) + 1);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			*err = errno;
			return 0;
		}
	*err = WIFEXITED(st) && WEXITSTATUS(st) ? WEXITSTATUS(st) - 1 : 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void sysctl_note(char *buf, size_t n, const char *path, const char *name)
{
	uint8_t *data;
	size_t len;
	if (util_read_file(path, &data, &len) < 0) {
		err_clear();
		return;
	}
	data[strcspn((char *)data, "\n")] = 0;
	snprintf(buf + strlen(buf), n - strlen(buf), ", %s = %s", name, (char *)data);
	free(data);
}

int build_debian_mode(const char **mode)
{
	char missing[768] = "";
	struct passwd *pw;
	const char *user;
	char *p;
	int e = 0;

	if (geteuid() == 0) {
		*mode = "root";
		return 0;
	}
	pw = getpwuid(getuid());
	user = pw ? pw->pw_name : NULL;
	if (!userns_works(&e)) {
		snprintf(missing, sizeof missing, "; user namespaces do not work here (unshare: %s",
			 strerror(e));
		sysctl_note(missing, sizeof missing, "/proc/sys/kernel/unprivileged_userns_clone",
			    "kernel.unprivileged_userns_clone");
		sysctl_note(missing, sizeof missing, "/proc/sys/user/max_user_namespaces",
			    "user.max_user_namespaces");
		snprintf(missing + strlen(missing), sizeof missing - strlen(missing), ")");
	}
	if (!(p = find_program("newuidmap")) || (free(p), !(p = find_program("newgidmap"))))
		snprintf(missing + strlen(missing), sizeof missing - strlen(missing),
			 "; newuidmap/newgidmap are not installed (Debian package uidmap)");
	free(p);
	if (!has_subid("/etc/subuid", user, getuid()))
		snprintf(missing + strlen(missing), sizeof missing - strlen(missing),
			 "; /etc/subuid has no entry for %s", user ? user : "this user");
	if (!has_subid("/etc/subgid", user, getuid()))
		snprintf(missing + strlen(missing), sizeof missing - strlen(missing),
			 "; /etc/subgid has no entry for %s", user ? user : "this user");
	if (!missing[0]) {
		*mode = "unshare";
		return 0;
	}
	return err_set(EPERM,
		       "debian: mmdebstrap needs root, or its unshare mode, which is not available%s. Run as "
		       "root, or set up subordinate ids as root: apt-get install uidmap; usermod "
		       "--add-subuids 100000-165535 --add-subgids 100000-165535 %s",
		       missing, user ? user : "USER");
}

/* ---- running mmdebstrap ------------------------------------------------- */

struct run_state {
	const struct build_debian *d;
	char marker[32]; /* "mklive-run-<8 hex>:" starts our hook marker lines */
	size_t cur;	 /* the Run= script running now (1-based), 0: none */
	size_t failed;	 /* the Run= script that failed, 0: none */
	int failed_rc;
	int failing;		   /* mmdebstrap said "E:": what follows is its cleanup, no stage */
	struct build_capture hook; /* the output of the script running now */
};

static void stage(const struct run_state *s, const char *fmt, const char *arg)
{
	char buf[256];
	snprintf(buf, sizeof buf, fmt, arg);
	if (s->d->on_stage)
		s->d->on_stage(s->d->stage_arg, buf);
	else if (isatty(STDERR_FILENO)) /* a line per stage on a terminal, as the build's own stages */
		log_note("debian:%s: %s", s->d->suite, buf);
	else
		log_info("debian:%s: %s", s->d->suite, buf);
}

static void on_line(void *arg, const char *line)
{
	struct run_state *s = arg;
	size_t ml = strlen(s->marker), idx;
	int rc;

	if (strncmp(line, s->marker, ml) == 0) {
		if (sscanf(line + ml, " begin %zu", &idx) == 1 && idx >= 1 && idx <= s->d->nhooks) {
			s->cur = idx;
			build_capture_free(&s->hook);
			build_capture_init(&s->hook, -1, 64 * 1024);
			stage(s, "running Run= script %s", s->d->hooks[idx - 1]);
		} else if (sscanf(line + ml, " end %zu %d", &idx, &rc) == 2) {
			if (rc != 0 && !s->failed) {
				s->failed = idx;
				s->failed_rc = rc;
			}
			s->cur = 0;
		}
		return;
	}
	if (log_level() >= 2)
		log_info("mmdebstrap: %s", line);
	if (s->cur && !s->failed) {
		build_capture_feed(&s->hook, line, strlen(line));
		build_capture_feed(&s->hook, "\n", 1);
		return;
	}
	if (strncmp(line, "E: ", 3) == 0)
		s->failing = 1;
	/* "I: downloading packages with apt..." is a stage; our hooks name
	 * themselves through the markers instead of as shell text. */
	if (!s->failing && strncmp(line, "I: ", 3) == 0 && strncmp(line, "I: running ", 11) != 0) {
		size_t n = strlen(line);
		if (n > 6 && strcmp(line + n - 3, "...") == 0) {
			char buf[200];
			snprintf(buf, sizeof buf, "%.*s", (int)(n - 6), line + 3);
			stage(s, "%s", buf);
		}
	}
}

/* Write text to tmp, then rename it to path. */
static int write_file_atomic(const char *tmp, const char *path, const char *text)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), rc;
	if (fd < 0)
		return err_sys(errno, "%s", tmp);
	if ((rc = util_write_full(fd, text, strlen(text))) < 0 || (rc = fsync(fd) < 0 ? -errno : 0) < 0) {
		close(fd);
		unlink(tmp);
		return err_sys(rc, "%s", tmp);
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		rc = err_sys(errno, "%s", path);
		unlink(tmp);
		return rc;
	}
	return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = 0;
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				rc = err_sys(errno, "cache directory %s", p);
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return rc;
}

/* Temporary tarballs of this key left by a run that was killed: the lock
 * is ours, so nobody is writing them. */
static void remove_stale(const char *dir, const char *hex)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	size_t hl = strlen(hex);
	if (!dh)
		return;
	while ((de = readdir(dh))) {
		if (de->d_name[0] == '.' && strncmp(de->d_name + 1, hex, hl) == 0 &&
		    strstr(de->d_name, ".tmp")) {
			char *p = util_path_join(dir, de->d_name);
			unlink(p);
			free(p);
		}
	}
	closedir(dh);
}

static int is_cached(const char *tar)
{
	struct stat st;
	return stat(tar, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

static int run_mmdebstrap(const struct build_debian *d, const char *prog, const char *mode, const char *hex,
			  const char *tmp, const char *log_path, const char *key)
{
	struct strv argv = {0}, pk = {0}, comp = {0};
	struct run_state s = {.d = d};
	struct build_capture cap;
	const char *cs = or_default(d->components, "main");
	int log_fd, status = 0, rc;
	char *tail;

	log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log_fd < 0)
		return err_sys(errno, "%s", log_path);
	snprintf(s.marker, sizeof s.marker, "mklive-run-%.8s:", hex);
	build_capture_init(&s.hook, -1, 64 * 1024);
	word_set(&pk, d->packages, d->npackages);
	word_set(&comp, &cs, 1);

	strv_push(&argv, xstrdup(prog));
	strv_push(&argv, xasprintf("--mode=%s", mode));
	strv_push(&argv, xasprintf("--variant=%s", or_default(d->variant, "minbase")));
	strv_push(&argv, xasprintf("--architectures=%s", or_default(d->arch, "amd64")));
	{
		char *list = join(&comp, ",");
		strv_push(&argv, xasprintf("--components=%s", list));
		free(list);
	}
	if (pk.n) {
		char *list = join(&pk, ",");
		strv_push(&argv, xasprintf("--include=%s", list));
		free(list);
	}
	for (size_t i = 0; i < d->nhooks; i++) {
		char *upload, *command;
		build_run_hooks(d->hooks[i], i + 1, s.marker, &upload, &command);
		strv_push(&argv, xasprintf("--customize-hook=%s", upload));
		strv_push(&argv, xasprintf("--customize-hook=%s", command));
		free(upload);
		free(command);
	}
	if (d->locales && d->locales[0]) {
		char *cmd = build_live_locale_command(d->locales);
		strv_push(&argv, xasprintf("--customize-hook=chroot \"$1\" /bin/sh -c '%s'", cmd));
		free(cmd);
	}
	strv_push(&argv, xstrdup("--format=tar"));
	strv_push(&argv, xstrdup(d->suite));
	strv_push(&argv, xstrdup(tmp));
	if (d->mirror && *d->mirror)
		strv_push(&argv, xstrdup(d->mirror));

	/* The log starts with the key and the command, to read it alone. */
	(void)util_write_full(log_fd, key, strlen(key));
	for (size_t i = 0; i < argv.n; i++) {
		(void)util_write_full(log_fd, i ? " " : "# ", i ? 1 : 2);
		(void)util_write_full(log_fd, argv.v[i], strlen(argv.v[i]));
	}
	(void)util_write_full(log_fd, "\n", 1);

	build_capture_init(&cap, log_fd, 64 * 1024);
	cap.on_line = on_line;
	cap.arg = &s;
	stage(&s, "mmdebstrap %s", d->suite);
	rc = build_capture_run(&cap, argv.v, NULL, &status);
	if (rc == 0 && s.failed) {
		tail = build_capture_tail(s.hook.buf, TAIL_LINES, TAIL_BYTES);
		rc = err_set(
		    EIO,
		    "Run= script %s failed (exit %d) inside debian:%s; its output:\n%s\n(the whole log: %s)",
		    d->hooks[s.failed - 1], s.failed_rc, d->suite, tail[0] ? tail : "  (none)", log_path);
		free(tail);
	} else if (rc == 0 && status != 0) {
		tail = build_capture_tail(cap.buf, TAIL_LINES, TAIL_BYTES);
		rc = err_set(
		    EIO, "debian:%s: mmdebstrap failed (exit %d); its last lines:\n%s\n(the whole log: %s)",
		    d->suite, status, tail, log_path);
		free(tail);
	} else if (rc == 0 && !is_cached(tmp)) {
		rc = err_set(EIO, "debian:%s: mmdebstrap succeeded but wrote no tarball at %s (log: %s)",
			     d->suite, tmp, log_path);
	}
	build_capture_free(&cap);
	build_capture_free(&s.hook);
	close(log_fd);
	strv_free(&argv);
	strv_free(&pk);
	strv_free(&comp);
	return rc;
}

int build_debian_tarball(const struct build_debian *d, char **tar_path)
{
	char *prog = NULL, *key = NULL, *cache = NULL, *dir = NULL, *tar = NULL, *tmp = NULL, *lock = NULL;
	char *log_path = NULL, *key_path = NULL, *key_tmp = NULL, *key_file = NULL, hex[65];
	const char *mode;
	int rc, lock_fd = -1, tfd;
	struct run_state quiet = {.d = d};

	*tar_path = NULL;
	if (!(prog = find_program("mmdebstrap")))
		return err_set(ENOENT, "debian:%s: mmdebstrap is not installed (Debian package mmdebstrap)",
			       d->suite ? d->suite : "");
	for (size_t i = 0; i < d->nhooks; i++)
		if (access(d->hooks[i], R_OK) < 0) {
			rc = err_sys(errno, "Run= script %s", d->hooks[i]);
			goto out;
		}
	if ((rc = build_debian_key(d, prog, &key)) < 0)
		goto out;
	keyhash_hex(key, strlen(key), hex);
	cache = build_debian_cache_dir(d->cache_dir);
	dir = util_path_join(cache, "debian");
	tar = xasprintf("%s/%s.tar", dir, hex);
	/* A hit runs nothing: the tarball only ever appears by rename. */
	if (is_cached(tar)) {
		stage(&quiet, "%s", "cached");
		goto hit;
	}
	if ((rc = build_debian_mode(&mode)) < 0)
		goto out;
	if ((rc = mkdir_p(dir, 0755)) < 0)
		goto out;
	lock = xasprintf("%s/%s.lock", dir, hex);
	if ((lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		rc = err_sys(errno, "%s", lock);
		goto out;
	}
	if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
		stage(&quiet, "%s", "waiting for another build of the same root");
		while (flock(lock_fd, LOCK_EX) < 0)
			if (errno != EINTR) {
				rc = err_sys(errno, "%s: lock", lock);
				goto out;
			}
	}
	if (is_cached(tar)) { /* made while we waited */
		stage(&quiet, "%s", "cached");
		goto hit;
	}
	remove_stale(dir, hex);
	tmp = xasprintf("%s/.%s.%ld.tmp.tar", dir, hex, (long)getpid());
	log_path = xasprintf("%s/%s.log", dir, hex);
	key_path = xasprintf("%s/%s.key", dir, hex);
	if ((rc = run_mmdebstrap(d, prog, mode, hex, tmp, log_path, key)) < 0)
		goto out;
	/* The data must be on disk before the name says the tarball is whole. */
	if ((tfd = open(tmp, O_RDONLY | O_CLOEXEC)) < 0 || fsync(tfd) < 0) {
		rc = err_sys(errno, "%s", tmp);
		if (tfd >= 0)
			close(tfd);
		goto out;
	}
	close(tfd);
	key_file = xasprintf("%s# Run= scripts, in order:%s", key, d->nhooks ? "\n" : " none\n");
	for (size_t i = 0; i < d->nhooks; i++) {
		char *k = xasprintf("%s#   %s\n", key_file, d->hooks[i]);
		free(key_file);
		key_file = k;
	}
	key_tmp = xasprintf("%s/.%s.%ld.tmp.key", dir, hex, (long)getpid());
	if ((rc = write_file_atomic(key_tmp, key_path, key_file)) < 0)
		goto out;
	if (rename(tmp, tar) < 0) {
		rc = err_sys(errno, "%s", tar);
		goto out;
	}
hit:
	*tar_path = tar;
	tar = NULL;
	rc = 0;
out:
	if (tmp)
		unlink(tmp); /* gone already after a successful rename */
	if (lock_fd >= 0)
		close(lock_fd);
	free(prog), free(key), free(cache), free(dir), free(tar), free(tmp), free(lock);
	free(log_path), free(key_path), free(key_tmp), free(key_file);
	return rc;
}
