/* The QEMU Machine Protocol, as little of it as mklive run needs: connect
 * to the private socket, leave capabilities negotiation mode, know when
 * QEMU answers (its main loop runs, so every file it opens by name is
 * open), take screendumps and read their replies, and ask it to quit.
 * docs/interop/qmp-spec.rst in QEMU's tree. */
#include "run/qmp.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Replies are short; events and answers that are not ours may be long
 * and are only skipped. */
#define LINE_MAX_KEEP (64 * 1024)

void run_qmp_init(struct run_qmp *q)
{
	memset(q, 0, sizeof *q);
	q->fd = -1;
}

int run_qmp_try_connect(struct run_qmp *q, const char *path)
{
	struct sockaddr_un sa;
	int fd;
	static const char caps[] = "{\"execute\": \"qmp_capabilities\"}\n";

	if (q->fd >= 0)
		return 1;
	if (strlen(path) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		/* not listening yet: ENOENT or ECONNREFUSED, try again later */
		return e == ENOENT || e == ECONNREFUSED ? 0 : -e;
	}
	/* Commands may follow the greeting unread: the server handles them
	 * in order once it is ready. */
	if (util_write_full(fd, caps, sizeof caps - 1) < 0) {
		close(fd);
		return 0;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	q->fd = fd;
	return 1;
}

/* ---- just enough JSON to read a reply's top level ----------------------- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* Past a string starting at its opening quote; NULL if unterminated. */
static const char *skip_string(const char *p)
{
	for (p++; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* Past any value; NULL on malformed input. */
static const char *skip_value(const char *p)
{
	int depth = 0;
	p = skip_ws(p);
	while (*p) {
		if (*p == '"') {
			if (!(p = skip_string(p)))
				return NULL;
			if (!depth)
				return p;
		} else if (*p == '{' || *p == '[') {
			depth++;
			p++;
		} else if (*p == '}' || *p == ']') {
			if (!depth)
				return p; /* a scalar ended by its object's end */
			p++;
			if (!--depth)
				return p;
		} else if (!depth && strchr(", \t\r\n", *p)) {
			return p; /* a scalar's end */
		} else {
			p++;
		}
	}
	return depth ? NULL : p;
}

/* The value of key in the object at obj (top level only), or NULL. */
static const char *member(const char *obj, const char *key)
{
	const char *p = skip_ws(obj);
	size_t klen = strlen(key);
	if (*p != '{')
		return NULL;
	p = skip_ws(p + 1);
	while (*p == '"') {
		const char *k = p + 1, *end = skip_string(p);
		if (!end)
			return NULL;
		p = skip_ws(end);
		if (*p != ':')
			return NULL;
		p = skip_ws(p + 1);
		if ((size_t)(end - 1 - k) == klen && !memcmp(k, key, klen))
			return p;
		if (!(p = skip_value(p)))
			return NULL;
		p = skip_ws(p);
		if (*p != ',')
			return NULL;
		p = skip_ws(p + 1);
	}
	return NULL;
}

char *run_qmp_string(const char *line, const char *key)
{
	const char *v = member(line, key);
	char *out, *o;
	if (!v || *v != '"' || !skip_string(v))
		return NULL;
	out = o = xmalloc(strlen(v) + 1);
	for (v++; *v != '"'; v++) {
		if (*v != '\\') {
			*o++ = *v;
			continue;
		}
		v++;
		switch (*v) {
		case 'n':
			*o++ = '\n';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'r':
		case 'b':
		case 'f':
			*o++ = ' ';
			break;
		case 'u':
			*o++ = '?';
			for (int i = 0; i < 4 && v[1] && v[1] != '"'; i++)
				v++;
			break;
		default: /* \" \\ \/ */
			*o++ = *v;
		}
	}
	*o = 0;
	return out;
}

/* One whole message: the first "return" answers qmp_capabilities; a
 * reply with our numeric id goes to on_reply. Events are ignored. */
static void on_line(struct run_qmp *q, const char *line)
{
	const char *id = member(line, "id"), *ret = member(line, "return"), *err = member(line, "error");
	char *desc = NULL;
	unsigned long n;
	char *end;
	if (!q->ready && ret && !id)
		q->ready = true;
	if (!id || (!ret && !err) || !q->on_reply)
		return;
	n = strtoul(id, &end, 10);
	if (end == id)
		return;
	if (err && !(desc = run_qmp_string(err, "desc")))
		desc = xstrdup("an error without a description");
	q->on_reply(q->ctx, (unsigned)n, !err, desc);
	free(desc);
}

int run_qmp_read(struct run_qmp *q)
{
	char buf[4096];
	for (;;) {
		ssize_t r = read(q->fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r <= 0) {
			close(q->fd);
			q->fd = -1;
			return r < 0 ? -errno : -EPIPE;
		}
		for (ssize_t i = 0; i < r; i++) {
			char c = buf[i];
			if (c == '\n') {
				if (q->linelen && !q->overlong) {
					q->line[q->linelen] = 0;
					on_line(q, q->line);
				}
				q->linelen = 0;
				q->overlong = false;
				continue;
			}
			if (q->linelen >= LINE_MAX_KEEP) {
				q->overlong = true;
				continue;
			}
			util_grow(&q->line, &q->linecap, q->linelen + 2, 1);
			q->line[q->linelen++] = c;
		}
	}
}

int run_qmp_quit(struct run_qmp *q)
{
	static const char quit[] = "{\"execute\": \"quit\"}\n";
	if (q->fd < 0)
		return -ENOTCONN;
	return util_write_full(q->fd, quit, sizeof quit - 1);
}

/* s as a JSON string's contents. malloc'ed. */
static char *json_escape(const char *s)
{
	char *out = xmalloc(6 * strlen(s) + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			*o++ = '\\';
			*o++ = (char)*p;
		} else if (*p < 0x20) {
			o += sprintf(o, "\\u%04x", *p);
		} else {
			*o++ = (char)*p;
		}
	}
	*o = 0;
	return out;
}

int run_qmp_screendump(struct run_qmp *q, unsigned id, const char *file, const char *format)
{
	char *f, *cmd;
	int rc;
	if (q->fd < 0)
		return -ENOTCONN;
	f = json_escape(file);
	cmd = xasprintf(
	    "{\"execute\": \"screendump\", \"arguments\": {\"filename\": \"%s\", \"format\": \"%s\"}, "
	    "\"id\": %u}\n",
	    f, format, id);
	rc = util_write_full(q->fd, cmd, strlen(cmd));
	free(f);
	free(cmd);
	return rc;
}

void run_qmp_close(struct run_qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	free(q->line);
	q->line = NULL;
	q->linelen = q->linecap = 0;
}
