/* mklive-init: the HTTP/1.1 pieces of live.fetch= that need no network:
 * URLs, the response head (status, Content-Length, Location), redirects,
 * and finding a file's line in SHA256SUMS. Pure: the host's unit tests and
 * fuzzer build it. */
#include "live.h"

#include "../src/core/sha256.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int http_url_parse(const char *url, struct http_url *u)
{
	const char *h, *p, *colon;
	size_t hl;
	memset(u, 0, sizeof *u);
	if (strncasecmp(url, "http://", 7))
		return -1;
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return -1;
	h = url + 7;
	p = h + strcspn(h, "/?#");
	colon = memchr(h, ':', (size_t)(p - h));
	hl = (size_t)((colon ? colon : p) - h);
	if (hl == 0 || hl >= sizeof u->host || memchr(h, '@', (size_t)(p - h)) || memchr(h, '[', hl))
		return -1;
	memcpy(u->host, h, hl);
	u->port = 80;
	if (colon) {
		unsigned long port = 0;
		const char *d = colon + 1;
		if (d == p)
			return -1;
		for (; d < p; d++) {
			if (!isdigit((unsigned char)*d))
				return -1;
			port = port * 10 + (unsigned long)(*d - '0');
			if (port > 65535)
				return -1;
		}
		if (port == 0)
			return -1;
		u->port = (unsigned)port;
	}
	if (*p != '/' && *p)
		return -1; /* "?x" straight after the host */
	if (snprintf(u->path, sizeof u->path, "%s", *p ? p : "/") >= (int)sizeof u->path)
		return -1;
	/* The fragment is not sent. */
	u->path[strcspn(u->path, "#")] = 0;
	return 0;
}

/* Case-insensitive header name match at line start: "Name:". */
static const char *header(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	if (len <= n || strncasecmp(line, name, n) || line[n] != ':')
		return NULL;
	line += n + 1;
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

#define HEAD_MAX 16384

int http_head_parse(const char *buf, size_t len, struct http_resp *r)
{
	size_t end = 0;
	memset(r, 0, sizeof *r);
	r->content_length = -1;
	/* The head ends at the first empty line ("\r\n\r\n", or bare LFs). */
	for (size_t i = 0; i < len && !end; i++)
		if (buf[i] == '\n') {
			if (i + 1 < len && buf[i + 1] == '\n')
				end = i + 2;
			else if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
				end = i + 3;
		}
	if (!end)
		return len >= HEAD_MAX ? -1 : 0;
	if (end > HEAD_MAX)
		return -1;
	/* Status line: HTTP/1.x SP 3DIGIT [SP reason] */
	if (end < 12 || memcmp(buf, "HTTP/1.", 7) || !isdigit((unsigned char)buf[7]) || buf[8] != ' ' ||
	    !isdigit((unsigned char)buf[9]) || !isdigit((unsigned char)buf[10]) ||
	    !isdigit((unsigned char)buf[11]) || (buf[12] != ' ' && buf[12] != '\r' && buf[12] != '\n'))
		return -1;
	r->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	if (r->status < 100)
		return -1;
	const char *line = memchr(buf, '\n', end);
	while (line && (size_t)(line + 1 - buf) < end) {
		line++;
		const char *nl = memchr(line, '\n', end - (size_t)(line - buf));
		size_t ll = nl ? (size_t)(nl - line) : end - (size_t)(line - buf);
		if (ll && line[ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break;
		for (size_t k = 0; k < ll; k++)
			if (line[k] == 0)
				return -1;
		const char *v;
		if ((v = header(line, ll, "Content-Length"))) {
			int64_t cl = 0;
			const char *e = line + ll;
			if (v >= e || !isdigit((unsigned char)*v))
				return -1;
			for (; v < e && isdigit((unsigned char)*v); v++) {
				if (cl > (INT64_MAX - 9) / 10)
					return -1;
				cl = cl * 10 + (*v - '0');
			}
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			if (v != e || (r->content_length >= 0 && r->content_length != cl))
				return -1;
			r->content_length = cl;
		} else if ((v = header(line, ll, "Transfer-Encoding"))) {
			size_t vl = ll - (size_t)(v - line);
			/* "chunked" as the last coding */
			if (vl >= 7 && !strncasecmp(v + vl - 7, "chunked", 7))
				r->chunked = true;
		} else if ((v = header(line, ll, "Location"))) {
			size_t vl = ll - (size_t)(v - line);
			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl >= sizeof r->location)
				return -1;
			memcpy(r->location, v, vl);
			r->location[vl] = 0;
		}
		line = nl;
	}
	/* RFC 7230 3.3.3: with chunked coding, Content-Length is ignored. */
	if (r->chunked)
		r->content_length = -1;
	return (int)end;
}

static int fetchable(const char *out)
{
	struct http_url u;
	return http_url_parse(out, &u);
}

int http_url_resolve(const char *base, const char *loc, char *out, size_t cap)
{
	struct http_url u;
	if (!strncasecmp(loc, "http://", 7)) {
		if (http_url_parse(loc, &u) < 0)
			return -1;
		return snprintf(out, cap, "%s", loc) < (int)cap ? fetchable(out) : -1;
	}
	if (strstr(loc, "://") || !*loc || http_url_parse(base, &u) < 0)
		return -1;
	for (const char *c = loc; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return -1;
	/* The server part of base: "http://host[:port]" */
	const char *h = base + 7;
	size_t sl = 7 + strcspn(h, "/?#");
	if (loc[0] == '/') {
		if (loc[1] == '/')
			return -1; /* scheme-relative: another host, not followed */
		return snprintf(out, cap, "%.*s%s", (int)sl, base, loc) < (int)cap ? fetchable(out) : -1;
	}
	const char *slash = strrchr(u.path, '/');
	return snprintf(out, cap, "%.*s%.*s%s", (int)sl, base, (int)(slash - u.path + 1), u.path, loc) <
		       (int)cap
		   ? fetchable(out)
		   : -1;
}

int http_url_beside(const char *url, const char *name, char *out, size_t cap)
{
	struct http_url u;
	if (http_url_parse(url, &u) < 0)
		return -1;
	size_t sl = 7 + strcspn(url + 7, "/?#");
	u.path[strcspn(u.path, "?")] = 0;
	const char *slash = strrchr(u.path, '/');
	return snprintf(out, cap, "%.*s%.*s%s", (int)sl, url, (int)(slash - u.path + 1), u.path, name) <
		       (int)cap
		   ? fetchable(out)
		   : -1;
}

int http_sums_lookup(const char *text, size_t len, const char *urlpath, uint8_t digest[32])
{
	char name[512], path[512];
	uint8_t d[SHA256_DIGEST];
	size_t best = 0, pl;
	snprintf(path, sizeof path, "%s", urlpath);
	path[strcspn(path, "?#")] = 0;
	pl = strlen(path);
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (text + i)) : len - i;
		if (l && l < 1200 && sha256sum_parse_line(text + i, l, d, name, sizeof name) == 0) {
			const char *n = name;
			if (!strncmp(n, "./", 2))
				n += 2;
			while (*n == '/')
				n++;
			size_t nl2 = strlen(n);
			if (nl2 && nl2 <= pl && !strcmp(path + pl - nl2, n) &&
			    (nl2 == pl || path[pl - nl2 - 1] == '/') && nl2 > best) {
				best = nl2;
				memcpy(digest, d, SHA256_DIGEST);
			}
		}
		i += l + 1;
	}
	return best ? 0 : -1;
}
