/* Unit tests for the build's root sources: the cache key, the debian: cache
 * and its errors (with a fake mmdebstrap first in PATH), Run= hooks and the
 * output capture. With arguments it is also the driver the interop tests
 * use until `mklive build` calls these functions:
 *   build_root_test debian [-v] [--cache DIR] [--variant V] [--mirror M]
 *                   [--components C] [--arch A] [--package P]... [--run SCRIPT]... SUITE
 *   build_root_test run-in-root [-v] [--timeout S] [--apply-each] [--show PATH]... ROOT SCRIPT...
 */
#define TEST_SUITE "build_root"
#include "test.h"

#include "core/error.h"
#include "core/progress.h"
#include "core/tree.h"
#include "core/util.h"
#include "pipeline/capture.h"
#include "pipeline/chroot.h"
#include "pipeline/debian.h"
#include "pipeline/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static char *tmp, *fake_bin, *fake_calls, *fake_root, *real_path;

static void write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

static char *tpath(const char *rel)
{
	return util_path_join(tmp, rel);
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, c;
	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static char *read_text(const char *path)
{
	uint8_t *d;
	size_t n;
	if (util_read_file(path, &d, &n) < 0) {
		err_clear();
		return xstrdup("");
	}
	return (char *)d;
}

/* Files in dir whose names end in suffix. */
static int count_files(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name), s = strlen(suffix);
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && l >= s &&
		    strcmp(de->d_name + l - s, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* A stand-in for mmdebstrap: records its arguments, then acts as FAKE_MODE
 * says. "hooks" plays mmdebstrap's customize hooks on FAKE_ROOT: upload
 * copies the file in, others run under sh with the root as $1. */
static const char fake_script[] =
    "#!/bin/sh\n"
    "our $VERSION = '9.8.7';\n" /* read, not run, for the key */
    "printf '%s\\n' \"$*\" >>\"$FAKE_CALLS\"\n"
    "out=; for a; do case $a in *.tar) out=$a;; esac; done\n"
    "root=$FAKE_ROOT\n"
    "upload() { cp \"$1\" \"$root$2\"; }\n"
    "case ${FAKE_MODE:-ok} in\n"
    "fail) echo 'I: running apt-get update...'; echo 'E: cannot find a release file for nosuch' >&2; exit "
    "1;;\n"
    "slow) sleep 1; tar -cf \"$out\" -C \"$root\" . ;;\n"
    "notar) exit 0;;\n"
    "hooks)\n"
    "  for a; do case $a in\n"
    "  --customize-hook=upload\\ *) eval \"upload ${a#--customize-hook=upload }\" || exit 1;;\n"
    "  --customize-hook=*) echo 'I: running --customize-hook in shell: ...'\n"
    "     sh -c \"${a#--customize-hook=}\" exec \"$root\" || { echo 'E: hook failed'; exit 1; };;\n"
    "  esac; done\n"
    "  tar -cf \"$out\" -C \"$root\" . ;;\n"
    "*) echo 'I: downloading packages with apt...'; tar -cf \"$out\" -C \"$root\" . ;;\n"
    "esac\n";

static void set_fake(const char *mode)
{
	setenv("FAKE_MODE", mode, 1);
	setenv("FAKE_CALLS", fake_calls, 1);
	setenv("FAKE_ROOT", fake_root, 1);
	/* the fake first; sh, tar, cp, env and chroot after it */
	char *path = xasprintf("%s:%s", fake_bin, real_path);
	setenv("PATH", path, 1);
	free(path);
}

static void no_fake(void)
{
	setenv("PATH", real_path, 1);
}

/* ---- the cache key ------------------------------------------------------ */

static char *key_of(const struct build_debian *d, const char *prog)
{
	char *k = NULL;
	int rc = build_debian_key(d, prog, &k);
	CHECK_EQ(rc, 0);
	if (rc < 0)
		fprintf(stderr, "  %s\n", err_msg());
	return k ? k : xstrdup("");
}

TEST(test_key)
{
	char *prog = tpath("bin/mmdebstrap"), *h1 = tpath("hook1.sh"), *h2 = tpath("hook2.sh"),
	     *h1copy = tpath("renamed.sh");
	const char *pk_a[] = {"b a", "c,a"}, *pk_b[] = {"a", "b", "c"}, *pk_c[] = {"a", "b"};
	const char *hooks[] = {h1, h2}, *hooks_rev[] = {h2, h1}, *hooks_renamed[] = {h1copy, h2};
	struct build_debian base = {.suite = "bookworm", .packages = pk_a, .npackages = 2};
	struct build_debian d;
	char *k0, *k;

	write_text(h1, "#!/bin/sh\necho one\n", 0755);
	write_text(h1copy, "#!/bin/sh\necho one\n", 0755);
	write_text(h2, "echo two\n", 0644);
	unsetenv("SOURCE_DATE_EPOCH");
	k0 = key_of(&base, prog);
	/* stable, and the same set of packages in any spelling is one key */
	k = key_of(&base, prog);
	CHECK_STR(k, k0);
	free(k);
	d = base, d.packages = pk_b, d.npackages = 3;
	k = key_of(&d, prog);
	CHECK_STR(k, k0);
	free(k);
	/* defaults spelled out are the same key */
	d = base, d.variant = "minbase", d.arch = "amd64", d.components = "main";
	k = key_of(&d, prog);
	CHECK_STR(k, k0);
	free(k);
	CHECK(strstr(k0, "packages=a b c\n") != NULL);
	CHECK(strstr(k0, "mmdebstrap=9.8.7 sha256:") != NULL);

	/* every input changes it */
	struct build_debian changed[] = {
	    {.suite = "trixie", .packages = pk_a, .npackages = 2},
	    {.suite = "bookworm", .variant = "apt", .packages = pk_a, .npackages = 2},
	    {.suite = "bookworm",
	     .mirror = "http://ftp.de.debian.org/debian",
	     .packages = pk_a,
	     .npackages = 2},
	    {.suite = "bookworm", .components = "main contrib", .packages = pk_a, .npackages = 2},
	    {.suite = "bookworm", .arch = "arm64", .packages = pk_a, .npackages = 2},
	    {.suite = "bookworm", .packages = pk_c, .npackages = 2},
	    {.suite = "bookworm", .packages = pk_a, .npackages = 2, .hooks = hooks, .nhooks = 1},
	    {.suite = "bookworm", .packages = pk_a, .npackages = 2, .hooks = hooks, .nhooks = 2},
	    {.suite = "bookworm", .packages = pk_a, .npackages = 2, .hooks = hooks_rev, .nhooks = 2},
	};
	char *keys[ARRAY_SIZE(changed)];
	for (size_t i = 0; i < ARRAY_SIZE(changed); i++) {
		keys[i] = key_of(&changed[i], prog);
		CHECK(strcmp(keys[i], k0) != 0);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(keys[i], keys[j]) != 0);
	}
	/* component order does not matter, script names do not, contents do */
	d = base, d.components = "contrib,main";
	k = key_of(&d, prog);
	CHECK_STR(k, keys[3]);
	free(k);
	d = base, d.hooks = hooks_renamed, d.nhooks = 2;
	k = key_of(&d, prog);
	CHECK_STR(k, keys[7]);
	free(k);
	write_text(h2, "echo two, changed\n", 0644);
	d = base, d.hooks = hooks, d.nhooks = 2;
	k = key_of(&d, prog);
	CHECK(strcmp(k, keys[7]) != 0);
	free(k);
	for (size_t i = 0; i < ARRAY_SIZE(changed); i++)
		free(keys[i]);

	/* SOURCE_DATE_EPOCH and the mmdebstrap program */
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	k = key_of(&base, prog);
	CHECK(strcmp(k, k0) != 0);
	CHECK(strstr(k, "source_date_epoch=1700000000\n") != NULL);
	free(k);
	setenv("SOURCE_DATE_EPOCH", "not-a-number", 1);
	CHECK(build_debian_key(&base, prog, &k) < 0);
	unsetenv("SOURCE_DATE_EPOCH");
	char *prog2 = tpath("mmdebstrap-other");
	write_text(prog2, "#!/bin/sh\nour $VERSION = '9.8.7';\n# another build\n", 0755);
	k = key_of(&base, prog2);
	CHECK(strcmp(k, k0) != 0);
	free(k);

	/* bad words are refused before anything runs */
	d = base, d.suite = "book worm";
	CHECK(build_debian_key(&d, prog, &k) < 0);
	CHECK(strstr(err_msg(), "suite 'book worm'") != NULL);
	d = base, d.suite = "../x";
	CHECK(build_debian_key(&d, prog, &k) < 0);
	d = base, d.suite = NULL;
	CHECK(build_debian_key(&d, prog, &k) < 0);
	/* a missing Run= script is named */
	const char *missing[] = {"/nonexistent/run.sh"};
	d = base, d.hooks = missing, d.nhooks = 1;
	CHECK(build_debian_key(&d, prog, &k) < 0);
	CHECK(strstr(err_msg(), "/nonexistent/run.sh") != NULL);

	free(k0);
	free(prog), free(prog2), free(h1), free(h2), free(h1copy);
}

TEST(test_cache_dir)
{
	char *s;
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	s = build_debian_cache_dir(NULL);
	CHECK_STR(s, "/x/cache/mklive");
	free(s);
	setenv("XDG_CACHE_HOME", "relative", 1); /* invalid per the XDG spec */
	setenv("HOME", "/home/u", 1);
	s = build_debian_cache_dir(NULL);
	CHECK_STR(s, "/home/u/.cache/mklive");
	free(s);
	unsetenv("XDG_CACHE_HOME");
	s = build_debian_cache_dir("/given");
	CHECK_STR(s, "/given");
	free(s);
}

/* ---- the cache ---------------------------------------------------------- */

static int stages;
static void count_stage(void *arg, const char *stage)
{
	(void)arg;
	stages++;
	if (strcmp(stage, "cached") == 0)
		(*(int *)arg)++;
}

TEST(test_cache_hit)
{
	char *cache = tpath("cache1"), *path = NULL, *path2 = NULL, *dir = util_path_join(cache, "debian");
	const char *pk[] = {"linux-image-amd64 systemd-sysv", "kmod"};
	int hits = 0, rc;
	struct build_debian d = {.suite = "bookworm",
				 .packages = pk,
				 .npackages = 2,
				 .mirror = "http://deb.example/debian",
				 .cache_dir = cache,
				 .on_stage = count_stage,
				 .stage_arg = &hits};

	unlink(fake_calls);
	set_fake("ok");
	rc = build_debian_tarball(&d, &path);
	CHECK_EQ(rc, 0);
	if (rc < 0)
		fprintf(stderr, "  %s\n", err_msg());
	CHECK_EQ(count_lines(fake_calls), 1);
	CHECK(path && util_has_prefix(path, dir));
	CHECK(path && strlen(path) == strlen(dir) + 1 + 64 + 4);
	CHECK_EQ(hits, 0);
	CHECK(stages > 0);
	/* the arguments mmdebstrap got */
	char *calls = read_text(fake_calls);
	CHECK(strstr(calls, geteuid() == 0 ? "--mode=root " : "--mode=unshare ") != NULL);
	CHECK(strstr(calls, "--variant=minbase ") != NULL);
	CHECK(strstr(calls, "--architectures=amd64 ") != NULL);
	CHECK(strstr(calls, "--components=main ") != NULL);
	CHECK(strstr(calls, "--include=kmod,linux-image-amd64,systemd-sysv ") != NULL);
	CHECK(strstr(calls, "--format=tar bookworm ") != NULL);
	CHECK(strstr(calls, ".tmp.tar http://deb.example/debian\n") != NULL);
	free(calls);
	/* the tarball, its key and log beside it; no temporary left */
	if (path) {
		char *key = xstrdup(path), *log = xstrdup(path), *txt;
		strcpy(key + strlen(key) - 4, ".key");
		strcpy(log + strlen(log) - 4, ".log");
		txt = read_text(key);
		CHECK(util_has_prefix(txt, "mklive debian root key 1\nsuite=bookworm\n"));
		CHECK(strstr(txt, "mirror=http://deb.example/debian\n") != NULL);
		free(txt);
		txt = read_text(log);
		CHECK(strstr(txt, "I: downloading packages with apt...") != NULL);
		free(txt);
		free(key), free(log);
	}
	CHECK_EQ(count_files(dir, ".tmp.tar"), 0);

	/* a hit runs nothing, not even mmdebstrap --version */
	rc = build_debian_tarball(&d, &path2);
	CHECK_EQ(rc, 0);
	CHECK_EQ(count_lines(fake_calls), 1);
	CHECK_STR(path2, path);
	CHECK_EQ(hits, 1);
	free(path2);
	/* the same packages in another order are the same entry */
	const char *pk2[] = {"kmod,systemd-sysv", "linux-image-amd64"};
	d.packages = pk2;
	rc = build_debian_tarball(&d, &path2);
	CHECK_EQ(rc, 0);
	CHECK_EQ(count_lines(fake_calls), 1);
	CHECK_STR(path2, path);
	free(path2);
	/* another input is another entry */
	d.variant = "apt";
	rc = build_debian_tarball(&d, &path2);
	CHECK_EQ(rc, 0);
	CHECK_EQ(count_lines(fake_calls), 2);
	CHECK(path2 && path && strcmp(path2, path) != 0);
	CHECK_EQ(count_files(dir, ".tar"), 2);
	free(path2);
	no_fake();
	free(path), free(cache), free(dir);
}

/* Two builds of one key at once: one runs mmdebstrap, the other waits. */
TEST(test_cache_concurrent)
{
	char *cache = tpath("cache2"), *dir = util_path_join(cache, "debian");
	struct build_debian d = {.suite = "bookworm", .cache_dir = cache};
	pid_t kids[2];
	int st, ok = 1;

	unlink(fake_calls);
	set_fake("slow");
	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			char *p = NULL;
			_exit(build_debian_tarball(&d, &p) == 0 && p ? 0 : 1);
		}
	}
	for (int i = 0; i < 2; i++) {
		waitpid(kids[i], &st, 0);
		ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	CHECK(ok);
	CHECK_EQ(count_lines(fake_calls), 1);
	CHECK_EQ(count_files(dir, ".tar"), 1);
	CHECK_EQ(count_files(dir, ".tmp.tar"), 0);
	no_fake();
	free(cache), free(dir);
}

TEST(test_errors)
{
	char *cache = tpath("cache3"), *dir = util_path_join(cache, "debian"), *p = NULL;
	struct build_debian d = {.suite = "nosuch", .cache_dir = cache};
	int rc;

	/* mmdebstrap fails: its message shown, nothing cached */
	unlink(fake_calls);
	set_fake("fail");
	rc = build_debian_tarball(&d, &p);
	CHECK(rc < 0);
	CHECK(p == NULL);
	CHECK(strstr(err_msg(), "debian:nosuch: mmdebstrap failed (exit 1)") != NULL);
	CHECK(strstr(err_msg(), "E: cannot find a release file for nosuch") != NULL);
	CHECK(strstr(err_msg(), ".log") != NULL);
	CHECK_EQ(count_files(dir, ".tar"), 0);
	CHECK_EQ(count_files(dir, ".tmp"), 0);
	CHECK_EQ(count_files(dir, ".key"), 0);
	/* it tried; the next call tries again (failures are not cached) */
	rc = build_debian_tarball(&d, &p);
	CHECK(rc < 0);
	CHECK_EQ(count_lines(fake_calls), 2);

	/* success without a tarball is an error too */
	set_fake("notar");
	rc = build_debian_tarball(&d, &p);
	CHECK(rc < 0);
	CHECK(strstr(err_msg(), "wrote no tarball") != NULL);
	CHECK_EQ(count_files(dir, ".tar"), 0);

	/* no mmdebstrap at all */
	char *empty = tpath("empty");
	mkdir(empty, 0755);
	setenv("PATH", empty, 1);
	rc = build_debian_tarball(&d, &p);
	CHECK(rc < 0);
	CHECK(strstr(err_msg(), "Debian package mmdebstrap") != NULL);
	free(empty);

	/* a missing Run= script is named before anything runs */
	const char *hooks[] = {"/nonexistent/setup.sh"};
	set_fake("ok");
	unlink(fake_calls);
	d.hooks = hooks, d.nhooks = 1;
	rc = build_debian_tarball(&d, &p);
	CHECK(rc < 0);
	CHECK(strstr(err_msg(), "/nonexistent/setup.sh") != NULL);
	CHECK_EQ(count_lines(fake_calls), 0);
	no_fake();
	free(cache), free(dir);
}

/* Without root, the mode check says what is missing and what would work,
 * and mmdebstrap is never started. */
static void unprivileged(void);
TEST(test_unprivileged)
{
	if (geteuid() != 0)
		TEST_SKIP("needs root to become nobody");
	unprivileged();
}

static void unprivileged(void)
{
	char *cache = tpath("cache4"), msg[2048] = "";
	struct build_debian d = {.suite = "bookworm", .cache_dir = cache};
	int fds[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0)
		return;
	unlink(fake_calls);
	set_fake("ok");
	chmod(tmp, 0755);
	pid = fork();
	if (pid == 0) {
		const char *mode = "";
		char *p = NULL;
		int rc1, rc2;
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		rc1 = build_debian_mode(&mode);
		rc2 = build_debian_tarball(&d, &p);
		dprintf(fds[1], "%d %d %s|%s", rc1 < 0, rc2 < 0, mode, err_msg());
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], msg, sizeof msg - 1);
	msg[n > 0 ? n : 0] = 0;
	close(fds[0]);
	waitpid(pid, &st, 0);
	no_fake();
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (strstr(msg, "0 ") == msg) { /* this machine gives nobody subordinate ids */
		CHECK(strstr(msg, "unshare|") != NULL);
		free(cache);
		return;
	}
	CHECK(util_has_prefix(msg, "1 1 |"));
	CHECK(strstr(msg, "needs root, or its unshare mode") != NULL);
	CHECK(strstr(msg, "Run as root") != NULL);
	CHECK(strstr(msg, "usermod --add-subuids") != NULL);
	CHECK(strstr(msg, "/etc/subuid has no entry for nobody") != NULL || strstr(msg, "uidmap") != NULL);
	CHECK_EQ(count_lines(fake_calls), 0);
	free(cache);
}

/* Run= scripts as customize hooks, played by the fake on a busybox root:
 * the hook text, markers, environment, and a failing script's output. */
static int make_busybox_root(const char *root)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "rm -rf '%s' && mkdir -p '%s/bin' '%s/tmp' '%s/root' && cp /bin/busybox '%s/bin/' && "
		 "for a in sh env echo cat; do ln -s busybox '%s/bin/'$a; done",
		 root, root, root, root, root, root);
	return system(cmd) == 0 ? 0 : -1;
}

static void hooks(void);
TEST(test_hooks)
{
	if (geteuid() != 0 || access("/bin/busybox", X_OK) != 0)
		TEST_SKIP("needs root for chroot and /bin/busybox from busybox-static");
	hooks();
}

static void hooks(void)
{
	char *cache = tpath("cache5"), *dir = util_path_join(cache, "debian"), *p = NULL,
	     *h1 = tpath("a b.sh"), *h2 = tpath("plain"), *h3 = tpath("fail.sh"), *out = tpath("hooks-out"),
	     cmd[2048], *txt;
	const char *hooks[] = {h1, h2};
	struct build_debian d = {.suite = "bookworm", .hooks = hooks, .nhooks = 2, .cache_dir = cache};
	int rc;

	CHECK_EQ(make_busybox_root(fake_root), 0);
	write_text(h1,
		   "#!/bin/sh\necho \"$HOME $LANG $DEBIAN_FRONTEND $SOURCE_DATE_EPOCH\" >/made\nenv >/env\n",
		   0644);
	write_text(h2, "echo second >/second; echo \"it's $0\"\n", 0600);
	write_text(h3, "#!/bin/sh\necho some output\necho oops >&2\nexit 3\n", 0755);
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	unlink(fake_calls);
	set_fake("hooks");
	rc = build_debian_tarball(&d, &p);
	no_fake();
	CHECK_EQ(rc, 0);
	if (rc < 0)
		fprintf(stderr, "  %s\n", err_msg());
	if (p) {
		snprintf(cmd, sizeof cmd, "mkdir -p '%s' && tar -xf '%s' -C '%s'", out, p, out);
		CHECK(system(cmd) == 0);
		char *made = util_path_join(out, "made"), *env = util_path_join(out, "env"),
		     *second = util_path_join(out, "second"), *left = util_path_join(out, "tmp/mklive-run-1");
		txt = read_text(made);
		CHECK_STR(txt, "/root C.UTF-8 noninteractive 1700000000\n");
		free(txt);
		txt = read_text(env); /* the clean environment, nothing of ours */
		CHECK(strstr(txt, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n") !=
		      NULL);
		CHECK(strstr(txt, "FAKE_") == NULL);
		CHECK(strstr(txt, "TEST_TMP") == NULL);
		free(txt);
		txt = read_text(second);
		CHECK_STR(txt, "second\n");
		free(txt);
		CHECK(access(left, F_OK) < 0); /* the uploaded copy is removed */
		free(made), free(env), free(second), free(left);
	}
	free(p);
	p = NULL;

	/* a failing script: its own output in the error, nothing cached */
	const char *bad[] = {h1, h3};
	d.hooks = bad;
	set_fake("hooks");
	rc = build_debian_tarball(&d, &p);
	no_fake();
	CHECK(rc < 0);
	CHECK(strstr(err_msg(), "fail.sh failed (exit 3) inside debian:bookworm") != NULL);
	CHECK(strstr(err_msg(), "  some output\n  oops") != NULL);
	CHECK(strstr(err_msg(), "hook failed") == NULL); /* the script's lines, not mmdebstrap's */
	CHECK_EQ(count_files(dir, ".tar"), 1);		 /* only the first build's */
	CHECK_EQ(count_files(dir, ".tmp.tar"), 0);
	unsetenv("SOURCE_DATE_EPOCH");
	free(cache), free(dir), free(h1), free(h2), free(h3), free(out);
}

/* ---- small pieces ------------------------------------------------------- */

TEST(test_capture_tail)
{
	char *t;
	t = build_capture_tail("a\nb\nc\nd\n", 2, 100);
	CHECK_STR(t, "  c\n  d");
	free(t);
	t = build_capture_tail("a\nb\n", 10, 100);
	CHECK_STR(t, "  a\n  b");
	free(t);
	t = build_capture_tail("", 5, 100);
	CHECK_STR(t, "");
	free(t);
	/* the byte bound drops older lines first, then keeps a line's end */
	t = build_capture_tail("0123456789\nabc\n", 5, 10);
	CHECK_STR(t, "  abc");
	free(t);
	t = build_capture_tail("0123456789abcdef", 5, 10);
	CHECK_STR(t, "  9abcdef");
	free(t);

	struct build_capture c;
	build_capture_init(&c, -1, 8);
	build_capture_feed(&c, "12345", 5);
	build_capture_feed(&c, "67890", 5);
	CHECK_STR(c.buf, "34567890");
	CHECK(c.dropped);
	build_capture_free(&c);
}

TEST(test_run_check)
{
	char *s = tpath("check.sh");
	write_text(s, "true\n", 0644);
	CHECK(build_run_check(BUILD_ROOT_TAR, "root.tar.zst", s) < 0);
	CHECK(strstr(err_msg(), "tarball root root.tar.zst") != NULL);
	CHECK(strstr(err_msg(), "use a debian:SUITE source") != NULL ||
	      strstr(err_msg(), "Use a debian:SUITE") != NULL);
	CHECK(build_run_check(BUILD_ROOT_DEFAULT, "", s) < 0);
	CHECK(strstr(err_msg(), "embedded default") != NULL);
	CHECK_EQ(build_run_check(BUILD_ROOT_DEBIAN, "debian:bookworm", s), 0);
	CHECK(build_run_check(BUILD_ROOT_DEBIAN, "debian:bookworm", "/nonexistent/x.sh") < 0);
	CHECK(strstr(err_msg(), "/nonexistent/x.sh") != NULL);
	if (geteuid() == 0)
		CHECK_EQ(build_run_check(BUILD_ROOT_DIR, "/srv/root", s), 0);
	else {
		CHECK(build_run_check(BUILD_ROOT_DIR, "/srv/root", s) < 0);
		CHECK(strstr(err_msg(), "Run as root") != NULL);
	}
	free(s);
}

/* An upper layer made by hand, with the spellings a real overlay mount
 * does not produce here: user.overlay.* attributes (userxattr mounts) and
 * the regular-file whiteouts of newer kernels; the classic char 0/0 only as
 * root. What they mean reaches the tree, the attributes themselves never. */
TEST(test_apply_upper)
{
	char *up = tpath("upper");
	struct tree *t = tree_create();
	struct tree_node *n;
	char p[4096];
	tree_mkdir_p(t, "/keep/dir", &n);
	tree_mkdir_p(t, "/opaque/old", &n);
	tree_add_mem_file(t, "/gone", "x", 1, 0644, NULL);
	tree_add_mem_file(t, "/xgone", "x", 1, 0644, NULL);
	tree_add_mem_file(t, "/keep/file", "old", 3, 0644, NULL);
	tree_add_mem_file(t, "/opaque/old/f", "x", 1, 0644, NULL);
	tree_add_mem_file(t, "/swap", "x", 1, 0644, NULL);
	mkdir(up, 0755);
	snprintf(p, sizeof p, "%s/keep", up), mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/keep/file", up), write_text(p, "new\n", 0600);
	snprintf(p, sizeof p, "%s/opaque", up), mkdir(p, 0755);
	CHECK_EQ(lsetxattr(p, "user.overlay.opaque", "y", 1, 0), 0);
	snprintf(p, sizeof p, "%s/opaque/new", up), write_text(p, "n\n", 0644);
	snprintf(p, sizeof p, "%s/xgone", up), write_text(p, "", 0644);
	CHECK_EQ(lsetxattr(p, "user.overlay.whiteout", "", 0, 0), 0);
	snprintf(p, sizeof p, "%s/swap", up), mkdir(p, 0755); /* a directory over a file */
	snprintf(p, sizeof p, "%s/swap/in", up), write_text(p, "i\n", 0644);
	snprintf(p, sizeof p, "%s/gone", up);
	if (geteuid() == 0)
		CHECK_EQ(mknod(p, S_IFCHR | 0, makedev(0, 0)), 0);
	CHECK_EQ(sandbox_apply_upper(up, t), 0);
	CHECK((n = tree_lookup(t, "/keep/file")) && n->size == 4 && (n->mode & 0777) == 0600);
	CHECK(tree_lookup(t, "/keep/dir") != NULL);
	CHECK(tree_lookup(t, "/opaque/new") && !tree_lookup(t, "/opaque/old"));
	CHECK((n = tree_lookup(t, "/opaque")) && n->nxattrs == 0);
	CHECK(tree_lookup(t, "/xgone") == NULL);
	CHECK((n = tree_lookup(t, "/swap")) && tree_is_dir(n) && tree_lookup(t, "/swap/in"));
	if (geteuid() == 0)
		CHECK(tree_lookup(t, "/gone") == NULL);
	tree_destroy(t);
	free(up);
}

/* Durations of Root.RunTimeout. */
TEST(test_timeout_parse)
{
	long long v = -1;
	CHECK_EQ(build_run_timeout_parse("90", "k", &v), 0);
	CHECK_EQ(v, 90);
	CHECK_EQ(build_run_timeout_parse("30s", "k", &v), 0);
	CHECK_EQ(v, 30);
	CHECK_EQ(build_run_timeout_parse("10m", "k", &v), 0);
	CHECK_EQ(v, 600);
	CHECK_EQ(build_run_timeout_parse("1h", "k", &v), 0);
	CHECK_EQ(v, 3600);
	CHECK_EQ(build_run_timeout_parse("0", "k", &v), 0);
	CHECK_EQ(v, 0);
	CHECK(build_run_timeout_parse("soon", "mk.conf:3: RunTimeout", &v) < 0);
	CHECK(strstr(err_msg(), "mk.conf:3: RunTimeout: 'soon' is not a duration") != NULL);
	CHECK(build_run_timeout_parse("-5", "k", &v) < 0);
	CHECK(build_run_timeout_parse("5d", "k", &v) < 0);
	CHECK(build_run_timeout_parse("", "k", &v) < 0);
	CHECK(build_run_timeout_parse("99999999999999h", "k", &v) < 0);
}

/* ---- the driver for the interop tests ---------------------------------- */

static void print_stage(void *arg, const char *stage)
{
	fprintf(stderr, "%s: %s\n", (const char *)arg, stage);
}

static int drive_debian(int argc, char **argv)
{
	const char *pk[64], *hooks[16];
	struct build_debian d = {
	    .packages = pk, .hooks = hooks, .on_stage = print_stage, .stage_arg = "debian"};
	char *path = NULL;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-v") == 0)
			log_set_level(2);
		else if (strcmp(a, "--cache") == 0 && v)
			d.cache_dir = v, i++;
		else if (strcmp(a, "--variant") == 0 && v)
			d.variant = v, i++;
		else if (strcmp(a, "--mirror") == 0 && v)
			d.mirror = v, i++;
		else if (strcmp(a, "--components") == 0 && v)
			d.components = v, i++;
		else if (strcmp(a, "--arch") == 0 && v)
			d.arch = v, i++;
		else if (strcmp(a, "--package") == 0 && v && d.npackages < ARRAY_SIZE(pk))
			pk[d.npackages++] = v, i++;
		else if (strcmp(a, "--run") == 0 && v && d.nhooks < ARRAY_SIZE(hooks))
			hooks[d.nhooks++] = v, i++;
		else if (a[0] != '-' && !d.suite)
			d.suite = a;
		else {
			fprintf(stderr, "build_root_test debian: bad argument %s\n", a);
			return 2;
		}
	}
	if (build_debian_tarball(&d, &path) < 0) {
		log_error_current();
		return 1;
	}
	printf("%s\n", path);
	free(path);
	return 0;
}

/* Runs the scripts on ROOT one after the other, then carries their changes
 * into a tree read from ROOT (--apply-each: after every script) and prints
 * each --show PATH of it. */
static int drive_run(int argc, char **argv)
{
	struct build_run_opts o = {NULL, -1, "--timeout"};
	const char *show[16];
	size_t nshow = 0;
	struct tree *t = tree_create();
	struct tree_scan_opts so = {.xattrs = true};
	int rc = 0, each = 0;
	for (;;) {
		if (argc > 0 && strcmp(argv[0], "-v") == 0)
			log_set_level(2), argc--, argv++;
		else if (argc > 1 && strcmp(argv[0], "--timeout") == 0)
			o.timeout = atoll(argv[1]), argc -= 2, argv += 2;
		else if (argc > 1 && strcmp(argv[0], "--show") == 0 && nshow < 16)
			show[nshow++] = argv[1], argc -= 2, argv += 2;
		else if (argc > 0 && strcmp(argv[0], "--apply-each") == 0)
			each = 1, argc--, argv++;
		else
			break;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: build_root_test run-in-root [-v] [--timeout S] [--show PATH]... ROOT "
				"SCRIPT...\n");
		return 2;
	}
	if (nshow)
		rc = tree_add_path(t, "", argv[0], &so);
	for (int i = 1; i < argc && !rc; i++) {
		char *out = NULL;
		rc = build_run_in_root_opts(argv[0], argv[i], &o, &out);
		if (out)
			fputs(out, stdout);
		free(out);
		if (!rc && nshow && (each || i == argc - 1))
			rc = build_run_apply(argv[0], t);
	}
	for (size_t i = 0; !rc && i < nshow; i++) {
		struct tree_node *n = tree_lookup(t, show[i]);
		char buf[256] = "";
		int fd;
		if (!n)
			printf("%s: missing\n", show[i]);
		else if (tree_is_lnk(n))
			printf("%s -> %s\n", show[i], n->symlink);
		else if (tree_is_dir(n))
			printf("%s: directory\n", show[i]);
		else if (tree_is_reg(n)) {
			fd = tree_node_open(n);
			if (tree_node_pread(n, fd, buf, (size_t)MIN(n->size, sizeof buf - 1), 0) < 0)
				err_clear();
			if (fd >= 0)
				close(fd);
			buf[strcspn(buf, "\n")] = 0;
			printf("%s = %s\n", show[i], buf);
		} else
			printf("%s: mode %o\n", show[i], (unsigned)n->mode);
	}
	tree_destroy(t);
	build_run_cleanup();
	if (rc < 0) {
		log_error_current();
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	log_set_prog("build_root_test");
	if (argc > 1 && strcmp(argv[1], "debian") == 0)
		return drive_debian(argc - 2, argv + 2);
	if (argc > 1 && strcmp(argv[1], "run-in-root") == 0)
		return drive_run(argc - 2, argv + 2);

	tmp = test_tmpdir();
	real_path = xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	fake_bin = tpath("bin");
	fake_calls = tpath("calls");
	fake_root = tpath("fakeroot");
	mkdir(fake_bin, 0755);
	mkdir(fake_root, 0755);
	char *prog = tpath("bin/mmdebstrap");
	write_text(prog, fake_script, 0755);
	free(prog);
	RUN_ALL();
	TEST_EXIT();
}
