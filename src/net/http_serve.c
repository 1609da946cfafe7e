/* One HTTP/1.1 connection on a pair of descriptors, answering GET and
 * HEAD (with Range) for the regular files below a directory; see
 * http_serve.h. Message syntax: RFC 9112 (request line 3, fields 5,
 * persistence 9.3); ranges: RFC 9110 14. */
#include "net/http_serve.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY (1u << 20) /* a request body we read and drop */

struct conn {
	int in, out, dirfd;
	const struct http_serve_opts *o;
	struct http_serve_stats *st;
	char buf[HTTP_SERVE_MAX_HEADER + 1];
	size_t len; /* bytes in buf */
	bool eof;   /* the client closed its side */
	bool walk;  /* no openat2 here: the careful walk */
};

struct request {
	char *method, *target, *version;
	const char *range, *if_range, *connection, *content_length, *transfer_encoding;
	bool http10;
};

/* ---- reading ------------------------------------------------------------------ */

/* Wait for and read more bytes; 1 when some came, 0 at the end (EOF or idle). */
static int fill(struct conn *c)
{
	struct pollfd p = {.fd = c->in, .events = POLLIN};
	int idle = c->o && c->o->idle_ms ? c->o->idle_ms : HTTP_SERVE_IDLE_MS;
	ssize_t r;
	if (c->eof || c->len >= HTTP_SERVE_MAX_HEADER)
		return 0;
	for (;;) {
		int n = poll(&p, 1, idle);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		r = read(c->in, c->buf + c->len, HTTP_SERVE_MAX_HEADER - c->len);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			c->eof = true;
			return 0;
		}
		c->len += (size_t)r;
		return 1;
	}
}

/* The end of the header block (just past the empty line) in buf[0..len],
 * or 0. A bare LF ends a line too (RFC 9112 2.2). */
static size_t header_end(const char *b, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (b[i] != '\n')
			continue;
		if (i + 1 < len && b[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && b[i + 1] == '\r' && b[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static void consume(struct conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* Read and drop n body bytes; false when the client ends first. */
static bool drop_body(struct conn *c, uint64_t n)
{
	while (n) {
		if (!c->len && !fill(c))
			return false;
		size_t k = (size_t)MIN((uint64_t)c->len, n);
		consume(c, k);
		n -= k;
	}
	return true;
}

/* ---- writing ------------------------------------------------------------------- */

static int put(struct conn *c, const void *data, size_t n)
{
	int rc = util_write_full(c->out, data, n);
	return rc < 0 ? err_sys(-rc, "writing the answer") : 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 206:
		return "Partial Content";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Content Too Large";
	case 416:
		return "Range Not Satisfiable";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 505:
		return "HTTP Version Not Supported";
	}
	return "Error";
}

static void http_date(char *out, size_t n, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* The status line and the fields every answer has. */
static void head_start(struct strbuf *b, int status, bool keep)
{
	char date[64];
	http_date(date, sizeof date, time(NULL));
	strbuf_addf(b, "HTTP/1.1 %d %s\r\nServer: mklive/%s\r\nDate: %s\r\nConnection: %s\r\n", status,
		    reason(status), MKLIVE_VERSION, date, keep ? "keep-alive" : "close");
}

static int send_error(struct conn *c, const struct request *rq, int status, bool keep, uint64_t size)
{
	struct strbuf b = {0};
	char body[96];
	int n = snprintf(body, sizeof body, "%d %s\n", status, reason(status)), rc;
	head_start(&b, status, keep);
	if (status == 405)
		strbuf_addf(&b, "Allow: GET, HEAD\r\n");
	if (status == 416)
		strbuf_addf(&b, "Content-Range: bytes */%llu\r\n", (unsigned long long)size);
	strbuf_addf(&b, "Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n", n);
	if (!rq || !rq->method || strcmp(rq->method, "HEAD"))
		strbuf_addf(&b, "%s", body);
	rc = put(c, b.s, b.len);
	free(b.s);
	c->st->requests++;
	c->st->errors++;
	log_info("%s %s: %d %s", rq && rq->method ? rq->method : "-", rq && rq->target ? rq->target : "-",
		 status, reason(status));
	return rc;
}

/* The file's bytes [off, off+n) to the client: sendfile, or read and
 * write where sendfile cannot (an output it does not support). */
static int send_range(struct conn *c, int fd, uint64_t off, uint64_t n)
{
	static char buf[65536];
	off_t o = (off_t)off;
	while (n) {
		ssize_t w = sendfile(c->out, fd, &o, (size_t)MIN(n, (uint64_t)1 << 30));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EINVAL || errno == ENOSYS))
			break;
		if (w < 0)
			return err_sys(errno, "writing the answer");
		if (w == 0)
			return err_set(EIO, "the file ended early (it changed while being sent)");
		n -= (uint64_t)w;
		c->st->bytes += (uint64_t)w;
	}
	while (n) {
		size_t k = (size_t)MIN(n, (uint64_t)sizeof buf), got = 0;
		int rc = util_pread_full(fd, buf, k, o, &got);
		if (rc < 0)
			return err_sys(-rc, "reading the file");
		if (got != k)
			return err_set(EIO, "the file ended early (it changed while being sent)");
		if ((rc = put(c, buf, k)))
			return rc;
		o += (off_t)k;
		n -= k;
		c->st->bytes += k;
	}
	return 0;
}

/* ---- the path ------------------------------------------------------------------- */

/* The request target as a path relative to the directory: origin-form
 * "/a/b?q" or absolute-form "http://host/a/b", percent-decoded, empty
 * and "." components dropped. 0, or the status to answer. */
static int target_path(const char *target, char **out)
{
	const char *p = target, *end;
	struct strbuf b = {0};
	if (!strncasecmp(p, "http://", 7)) {
		p = strchr(p + 7, '/');
		if (!p)
			p = "/";
	}
	if (*p != '/')
		return 400;
	end = p + strcspn(p, "?#");
	while (p < end) {
		char comp[4096];
		size_t n = 0;
		while (p < end && *p == '/')
			p++;
		if (p >= end)
			break;
		while (p < end && *p != '/') {
			int ch = (unsigned char)*p++;
			if (ch == '%') {
				int h = p + 1 < end ? util_hexval(p[0]) : -1,
				    l = h >= 0 ? util_hexval(p[1]) : -1;
				if (h < 0 || l < 0) {
					free(b.s);
					return 400;
				}
				ch = h * 16 + l;
				p += 2;
			}
			/* a NUL cannot name a file; an encoded '/' would start a new
			 * component the walk did not check */
			if (ch == 0 || ch == '/' || n >= sizeof comp - 1) {
				free(b.s);
				return 404;
			}
			comp[n++] = (char)ch;
		}
		comp[n] = 0;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			free(b.s);
			return 404;
		}
		strbuf_addf(&b, "%s%s", b.len ? "/" : "", comp);
	}
	if (!b.s) {
		return 404; /* the directory itself */
	}
	*out = b.s;
	return 0;
}

/* Open rel below dirfd without following links anywhere: each component
 * opened with O_NOFOLLOW, a symbolic link refused. */
static int open_walk(int dirfd, const char *rel)
{
	int cur = dup(dirfd);
	char *copy = xstrdup(rel), *save = NULL, *comp = strtok_r(copy, "/", &save);
	while (cur >= 0 && comp) {
		char *next = strtok_r(NULL, "/", &save);
		int fd =
		    openat(cur, comp,
			   (next ? O_PATH | O_DIRECTORY : O_RDONLY | O_NONBLOCK) | O_NOFOLLOW | O_CLOEXEC);
		close(cur);
		cur = fd;
		comp = next;
	}
	free(copy);
	return cur;
}

static int open_beneath(struct conn *c, const char *rel)
{
	if (!c->walk) {
		struct open_how how = {
		    .flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
		};
		int fd = (int)syscall(SYS_openat2, c->dirfd, rel, &how, sizeof how);
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		c->walk = true; /* a kernel before 5.6 */
	}
	return open_walk(c->dirfd, rel);
}

static const char *content_type(const char *rel)
{
	const char *base = strrchr(rel, '/'), *dot;
	base = base ? base + 1 : rel;
	dot = strrchr(base, '.');
	if (!strcmp(base, "SHA256SUMS") || !strcmp(base, "default") ||
	    (dot &&
	     (!strcmp(dot, ".txt") || !strcmp(dot, ".cfg") || !strcmp(dot, ".ipxe") || !strcmp(dot, ".id"))))
		return "text/plain";
	return "application/octet-stream";
}

/* ---- one request ------------------------------------------------------------------ */

static bool has_token(const char *list, const char *token)
{
	size_t n = strlen(token);
	for (const char *p = list; p && *p;) {
		p += strspn(p, " \t,");
		size_t k = strcspn(p, " \t,");
		if (k == n && !strncasecmp(p, token, n))
			return true;
		p += k;
	}
	return false;
}

/* Split the header block (NUL-terminated, line ends LF or CRLF). 0 or a status. */
static int parse(char *h, struct request *rq)
{
	char *line, *save = NULL, *sp1, *sp2;
	memset(rq, 0, sizeof rq[0]);
	line = strtok_r(h, "\n", &save);
	if (!line)
		return 400;
	line[strcspn(line, "\r")] = 0;
	sp1 = strchr(line, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || sp1 == line || sp2 == sp1 + 1 || strchr(sp2 + 1, ' '))
		return 400;
	*sp1 = *sp2 = 0;
	rq->method = line;
	rq->target = sp1 + 1;
	rq->version = sp2 + 1;
	for (char *m = rq->method; *m; m++)
		if (*m <= ' ' || *m >= 0x7f || strchr("()<>@,;:\\\"/[]?={}", *m))
			return 400;
	if (strncmp(rq->version, "HTTP/", 5) || strlen(rq->version) != 8 || rq->version[6] != '.' ||
	    rq->version[5] < '0' || rq->version[5] > '9' || rq->version[7] < '0' || rq->version[7] > '9')
		return 400;
	if (rq->version[5] != '1')
		return 505;
	rq->http10 = rq->version[7] == '0';
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *colon, *v, *e;
		line[strcspn(line, "\r")] = 0;
		if (!*line)
			break;
		/* no folded lines, no blank before the colon (RFC 9112 5.1, 5.2) */
		if (*line == ' ' || *line == '\t' || !(colon = strchr(line, ':')) || colon == line ||
		    colon[-1] == ' ' || colon[-1] == '\t')
			return 400;
		*colon = 0;
		for (char *k = line; *k; k++)
			if (*k <= ' ' || *k >= 0x7f || strchr("()<>@,;\\\"/[]?={}", *k))
				return 400;
		v = colon + 1 + strspn(colon + 1, " \t");
		for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		*e = 0;
		if (!strcasecmp(line, "Range"))
			rq->range = rq->range ? "" : v; /* twice: malformed, ignored */
		else if (!strcasecmp(line, "If-Range"))
			rq->if_range = v;
		else if (!strcasecmp(line, "Connection"))
			rq->connection = v;
		else if (!strcasecmp(line, "Content-Length"))
			rq->content_length = v;
		else if (!strcasecmp(line, "Transfer-Encoding"))
			rq->transfer_encoding = v;
	}
	return 0;
}

/* A decimal number at *p (none: *any stays false), then blanks; false on
 * overflow. */
static bool range_num(const char **p, uint64_t *v, bool *any)
{
	for (; **p >= '0' && **p <= '9'; (*p)++, *any = true) {
		if (*v > (UINT64_MAX - 9) / 10)
			return false;
		*v = *v * 10 + (uint64_t)(**p - '0');
	}
	*p += strspn(*p, " \t");
	return true;
}

int http_parse_range(const char *v, uint64_t size, uint64_t *first, uint64_t *last)
{
	uint64_t a = 0, b = 0;
	bool has_a = false, has_b = false;
	const char *p;
	if (!v || strncasecmp(v, "bytes", 5))
		return 0;
	p = v + 5;
	p += strspn(p, " \t");
	if (*p++ != '=' || strchr(p, ','))
		return 0;
	p += strspn(p, " \t");
	if (!range_num(&p, &a, &has_a) || *p++ != '-')
		return 0;
	p += strspn(p, " \t");
	if (!range_num(&p, &b, &has_b))
		return 0;
	if (*p || (!has_a && !has_b) || (has_a && has_b && b < a))
		return 0;
	if (!has_a) { /* the last b bytes */
		if (!b || !size)
			return -1;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return 1;
	}
	if (a >= size)
		return -1;
	*first = a;
	*last = has_b && b < size ? b : size - 1;
	return 1;
}

/* Answer one parsed request; *keep says whether the connection goes on. */
static int answer(struct conn *c, struct request *rq, bool *keep)
{
	struct stat st;
	struct strbuf b = {0};
	char *rel = NULL, date[64];
	uint64_t first = 0, last = 0, n;
	bool head = !strcmp(rq->method, "HEAD");
	int fd = -1, status, r = 0, rc;

	*keep = rq->http10 ? has_token(rq->connection, "keep-alive") : !has_token(rq->connection, "close");
	if (rq->transfer_encoding) {
		*keep = false; /* its body cannot be skipped reliably */
		return send_error(c, rq, 501, false, 0);
	}
	if (rq->content_length) {
		uint64_t len;
		char *end;
		errno = 0;
		len = strtoull(rq->content_length, &end, 10);
		if (errno || *end || end == rq->content_length || rq->content_length[0] == '-') {
			*keep = false;
			return send_error(c, rq, 400, false, 0);
		}
		if (len > MAX_BODY) {
			*keep = false;
			return send_error(c, rq, 413, false, 0);
		}
		if (!drop_body(c, len)) {
			*keep = false;
			return 0;
		}
	}
	if (strcmp(rq->method, "GET") && !head)
		return send_error(c, rq, 405, *keep, 0);
	if ((status = target_path(rq->target, &rel))) {
		if (status == 400)
			*keep = false;
		return send_error(c, rq, status, *keep, 0);
	}
	fd = open_beneath(c, rel);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		free(rel);
		return send_error(c, rq, 404, *keep, 0);
	}
	http_date(date, sizeof date, st.st_mtime);
	/* If-Range with a date other than ours: the file changed, send it whole */
	if (rq->range && (!rq->if_range || !strcmp(rq->if_range, date)))
		r = http_parse_range(rq->range, (uint64_t)st.st_size, &first, &last);
	if (r < 0) {
		close(fd);
		free(rel);
		return send_error(c, rq, 416, *keep, (uint64_t)st.st_size);
	}
	if (r == 0) {
		first = 0;
		last = (uint64_t)st.st_size - 1;
	}
	n = st.st_size ? last - first + 1 : 0;
	head_start(&b, r ? 206 : 200, *keep);
	strbuf_addf(&b, "Content-Type: %s\r\nLast-Modified: %s\r\nAccept-Ranges: bytes\r\n",
		    content_type(rel), date);
	if (r)
		strbuf_addf(&b, "Content-Range: bytes %llu-%llu/%llu\r\n", (unsigned long long)first,
			    (unsigned long long)last, (unsigned long long)st.st_size);
	strbuf_addf(&b, "Content-Length: %llu\r\n\r\n", (unsigned long long)n);
	rc = put(c, b.s, b.len);
	free(b.s);
	if (!rc && !head && n)
		rc = send_range(c, fd, first, n);
	c->st->requests++;
	log_info("%s /%s: %d, %llu bytes", rq->method, rel, r ? 206 : 200,
		 head ? 0ull : (unsigned long long)n);
	close(fd);
	free(rel);
	return rc;
}

int http_serve(int dirfd, int in_fd, int out_fd, const struct http_serve_opts *o, struct http_serve_stats *st)
{
	struct conn c;
	struct http_serve_stats dummy;
	memset(&c, 0, sizeof c);
	c.in = in_fd;
	c.out = out_fd;
	c.dirfd = dirfd;
	c.o = o;
	c.st = st ? st : &dummy;
	c.walk = o && o->no_openat2;
	memset(c.st, 0, sizeof *c.st);
	for (;;) {
		struct request rq;
		size_t end;
		bool keep = false;
		int rc, status;
		/* blank lines before a request are ignored (RFC 9112 2.2) */
		while (c.len && (c.buf[0] == '\r' || c.buf[0] == '\n'))
			consume(&c, 1);
		while (!(end = header_end(c.buf, c.len))) {
			if (c.len >= HTTP_SERVE_MAX_HEADER)
				return send_error(&c, NULL, 431, false, 0);
			if (!fill(&c))
				return 0; /* the client is done (a partial request is dropped) */
			while (c.len && (c.buf[0] == '\r' || c.buf[0] == '\n'))
				consume(&c, 1);
		}
		char *h = xstrndup(c.buf, end);
		consume(&c, end);
		if ((status = parse(h, &rq))) {
			rc = send_error(&c, &rq, status, false, 0);
			free(h);
			return rc;
		}
		rc = answer(&c, &rq, &keep);
		free(h);
		if (rc || !keep)
			return rc;
	}
}
