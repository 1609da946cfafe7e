/* The files of mklive run --screenshot: name patterns, a temporary file
 * beside the target for QEMU to write into, and the check that what QEMU
 * wrote is a whole picture before it takes the target's name. */
#include "core/error.h"
#include "core/util.h"
#include "run/run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where the conversion of a pattern is: *start at '%', *end after 'd',
 * *width its field width (0: none). Returns how many conversions there
 * are (0, 1, or 2 for "more than one"), -1 for a '%' that is neither %%
 * nor %[0N]d. */
static int find_conversion(const char *p, size_t *start, size_t *end, unsigned *width)
{
	int n = 0;
	for (size_t i = 0; p[i]; i++) {
		size_t j;
		unsigned wd = 0;
		if (p[i] != '%')
			continue;
		if (p[i + 1] == '%') {
			i++;
			continue;
		}
		for (j = i + 1; p[j] >= '0' && p[j] <= '9' && wd < 100; j++)
			wd = wd * 10 + (unsigned)(p[j] - '0');
		if (p[j] != 'd' || wd >= 100)
			return -1;
		if (n++ == 0) {
			*start = i;
			*end = j + 1;
			*width = wd;
		}
		i = j;
	}
	return n > 1 ? 2 : n;
}

int run_shot_pattern_check(const char *pattern)
{
	size_t a, b;
	unsigned w;
	int n = find_conversion(pattern, &a, &b, &w);
	if (n < 0)
		return err_set(ERR_USAGE, "--screenshot %s: a '%%' other than %%d, %%0Nd or %%%%", pattern);
	if (n != 1)
		return err_set(
		    ERR_USAGE,
		    "--screenshot %s: with --screenshot-every the name needs %s %%d for the number", pattern,
		    n ? "only one" : "a");
	return 0;
}

/* Copy s, every "%%" made '%'. */
static void put_literal(char **out, size_t *len, size_t *cap, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		util_grow(out, cap, *len + 2, 1);
		(*out)[(*len)++] = s[i];
		if (s[i] == '%' && i + 1 < n && s[i + 1] == '%')
			i++;
	}
}

char *run_shot_name(const char *pattern, unsigned n)
{
	size_t a = 0, b = 0, len = 0, cap = 0;
	unsigned w = 0;
	char num[128], *out = NULL;
	int have = find_conversion(pattern, &a, &b, &w);
	if (have != 1)
		return xstrdup(pattern);
	snprintf(num, sizeof num, "%0*u", (int)w, n);
	put_literal(&out, &len, &cap, pattern, a);
	util_grow(&out, &cap, len + strlen(num) + 1, 1);
	memcpy(out + len, num, strlen(num));
	len += strlen(num);
	put_literal(&out, &len, &cap, pattern + b, strlen(pattern + b));
	util_grow(&out, &cap, len + 1, 1);
	out[len] = 0;
	return out;
}

const char *run_shot_format(const char *file)
{
	size_t n = strlen(file);
	return n >= 4 && !strcasecmp(file + n - 4, ".ppm") ? "ppm" : "png";
}

int run_shot_tmpfile(const char *file, char **tmp)
{
	const char *slash = strrchr(file, '/');
	mode_t mask = umask(0);
	char *t;
	int fd;
	umask(mask);
	if (!*file || (slash && !slash[1]))
		return err_set(ERR_USAGE, "--screenshot %s: not a file name", file);
	/* beside the target, so the rename cannot cross file systems */
	if (slash)
		t = xasprintf("%.*s/.%s.mklive-XXXXXX", (int)(slash - file), file, slash + 1);
	else
		t = xasprintf(".%s.mklive-XXXXXX", file);
	fd = mkstemp(t);
	if (fd < 0) {
		int rc = err_sys(errno, "--screenshot %s", file);
		free(t);
		return rc;
	}
	fchmod(fd, 0666 & ~mask);
	close(fd);
	*tmp = t;
	return 0;
}

int run_shot_writable(const char *file)
{
	struct stat st;
	char *t;
	int rc;
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode))
		return err_set(ERR_USAGE, "--screenshot %s: a directory, not a file name", file);
	if ((rc = run_shot_tmpfile(file, &t)))
		return rc;
	unlink(t);
	free(t);
	return 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A PNG: the signature, IHDR first, IEND last (QEMU writes the file
 * whole, so a missing IEND means it stopped short). */
static int check_png(const unsigned char *d, size_t n, unsigned *w, unsigned *h)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	static const unsigned char iend[8] = {0, 0, 0, 0, 'I', 'E', 'N', 'D'};
	if (n < 8 + 25 + 12 || memcmp(d, sig, 8) || memcmp(d + 12, "IHDR", 4))
		return -1;
	if (memcmp(d + n - 12, iend, 8))
		return -1;
	*w = be32(d + 16);
	*h = be32(d + 20);
	return *w && *h ? 0 : -1;
}

/* A binary PPM: "P6 W H 255\n" and W*H*3 bytes. */
static int check_ppm(const unsigned char *d, size_t n, unsigned *w, unsigned *h)
{
	unsigned max;
	int off = 0;
	char head[64];
	size_t hn = n < sizeof head - 1 ? n : sizeof head - 1;
	memcpy(head, d, hn);
	head[hn] = 0;
	if (sscanf(head, "P6 %u %u %u%n", w, h, &max, &off) != 3 || !*w || !*h || max != 255 || off <= 0)
		return -1;
	return n - (size_t)off - 1 == (size_t)*w * *h * 3 ? 0 : -1;
}

int run_shot_finish(const char *tmp, const char *file, unsigned *w, unsigned *h)
{
	unsigned char *d = NULL;
	size_t n = 0;
	int rc = util_read_file(tmp, &d, &n);
	if (rc < 0) {
		rc = err_wrap(rc, "--screenshot %s", file);
		unlink(tmp);
		return rc;
	}
	rc = strcmp(run_shot_format(file), "ppm") ? check_png(d, n, w, h) : check_ppm(d, n, w, h);
	free(d);
	if (rc < 0) {
		unlink(tmp);
		return err_set(ERR_FORMAT, "--screenshot %s: QEMU wrote no whole %s picture (%zu bytes)",
			       file, run_shot_format(file), n);
	}
	if (rename(tmp, file) < 0) {
		rc = err_sys(errno, "--screenshot %s", file);
		unlink(tmp);
		return rc;
	}
	return 0;
}
