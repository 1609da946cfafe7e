/* Small shared helpers; see util.h. */
#include "core/util.h"
#include "core/error.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static void oom(size_t n)
{
	fprintf(stderr, "mklive: out of memory (allocating %zu bytes)\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		oom(count * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

void *xreallocarray(void *p, size_t count, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(count, size, &n))
		oom(SIZE_MAX);
	return xrealloc(p, n);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

size_t util_utf8_put(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3F));
	out[2] = (char)(0x80 | (c >> 6 & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

int util_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void strbuf_addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	util_grow(&b->s, &b->cap, b->len + (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(0);
	return s;
}

void util_grow(void *arrp, size_t *cap, size_t need, size_t elem)
{
	void **arr = arrp;
	size_t ncap;
	if (need <= *cap)
		return;
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			oom(SIZE_MAX);
		ncap *= 2;
	}
	*arr = xreallocarray(*arr, ncap, elem);
	*cap = ncap;
}

char *util_trim(char *s)
{
	char *e;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int util_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char *what)
{
	char *end;
	unsigned long long v;
	if (!s || !*s || !isdigit((unsigned char)*s))
		return err_set(ERR_USAGE, "%s: '%s' is not a number", what, s ? s : "");
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return err_set(ERR_USAGE, "%s: '%s' is not a number", what, s);
	if (v < min || v > max)
		return err_set(ERR_USAGE, "%s: %llu is out of range (%llu..%llu)", what, v,
			       (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

int util_parse_bool(const char *s, bool *out, const char *what)
{
	static const char *const yes[] = {"1", "yes", "true", "on"}, *const no[] = {"0", "no", "false",
										    "off"};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return err_set(ERR_USAGE, "%s: '%s' is not a yes/no value (use yes or no)", what, s);
}

int util_parse_size(const char *s, uint64_t *out, const char *what)
{
	char *end;
	unsigned long long v, mul = 1;
	if (!s || !isdigit((unsigned char)*s))
		return err_set(ERR_USAGE, "%s: '%s' is not a size", what, s ? s : "");
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return err_set(ERR_USAGE, "%s: '%s' is too large", what, s);
	switch (toupper((unsigned char)*end)) {
	case 0:
		break;
	case 'K':
		mul = 1ULL << 10;
		end++;
		break;
	case 'M':
		mul = 1ULL << 20;
		end++;
		break;
	case 'G':
		mul = 1ULL << 30;
		end++;
		break;
	case 'T':
		mul = 1ULL << 40;
		end++;
		break;
	default:
		return err_set(ERR_USAGE, "%s: '%s' is not a size (use a number with K, M or G)", what, s);
	}
	if ((toupper((unsigned char)*end) == 'I' && toupper((unsigned char)end[1]) == 'B' && !end[2]))
		end += 2;
	else if (toupper((unsigned char)*end) == 'B' && !end[1])
		end++;
	if (*end)
		return err_set(ERR_USAGE, "%s: '%s' is not a size (use a number with K, M or G)", what, s);
	if (v && mul > ~0ULL / v)
		return err_set(ERR_USAGE, "%s: '%s' is too large", what, s);
	*out = v * mul;
	return 0;
}

/* read() when off < 0, else pread() from off on: until n bytes, the end,
 * or an error. */
static int read_loop(int fd, void *buf, size_t n, off_t off, size_t *got)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = off < 0 ? read(fd, (char *)buf + done, n - done)
				    : pread(fd, (char *)buf + done, n - done, off + (off_t)done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (got)
				*got = done;
			return -errno;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	if (got)
		*got = done;
	return 0;
}

int util_read_full(int fd, void *buf, size_t n, size_t *got)
{
	return read_loop(fd, buf, n, -1, got);
}

int util_pread_full(int fd, void *buf, size_t n, off_t off, size_t *got)
{
	/* a negative offset is pread's EINVAL, not a read from the position */
	if (off < 0) {
		if (got)
			*got = 0;
		return -EINVAL;
	}
	return read_loop(fd, buf, n, off, got);
}

int util_write_full(int fd, const void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = write(fd, (const char *)buf + done, n - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ENOSPC;
		done += (size_t)r;
	}
	return 0;
}

int util_read_file(const char *path, uint8_t **data, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(errno, "%s", path);
	/* Size the buffer from the file when known (one read, no regrowth). */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		util_grow(&buf, &cap, (size_t)st.st_size + 1, 1);
	for (;;) {
		size_t got;
		int rc;
		util_grow(&buf, &cap, n + 65536, 1);
		rc = util_read_full(fd, buf + n, cap - n, &got);
		if (rc < 0) {
			free(buf);
			close(fd);
			return err_sys(-rc, "%s", path);
		}
		n += got;
		if (n < cap)
			break;
	}
	close(fd);
	buf[n] = 0; /* n < cap: text files can be used as C strings */
	*data = buf;
	*len = n;
	return 0;
}

char *util_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	while (*b == '/')
		b++;
	if (la == 0)
		return xstrdup(b);
	if (a[la - 1] == '/')
		return xasprintf("%s%s", a, b);
	return xasprintf("%s/%s", a, b);
}

void util_remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	if ((d = opendir(path))) {
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char *p = util_path_join(path, e->d_name);
			util_remove_tree(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(path);
}

int util_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

bool util_streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

bool util_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}
