/* mklive-init: live.fetch=URL: the root image, or a whole mklive ISO,
 * downloaded over HTTP/1.1 into a tmpfs, checked against SHA256SUMS, and
 * mounted on MEDIUM so that the boot goes on as from a disc. */
#include "pid1.h"

#include "../src/core/sha256.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define FETCH "/run/live/fetch"
#define IO_SECONDS 30 /* a server silent this long has failed */
#define HEAD_CAP 16384

struct conn {
	int fd;
	char buf[HEAD_CAP];
	size_t have, off; /* body bytes already read with the head: buf[off..have) */
	struct http_resp r;
};

static const char *base_name(const char *url)
{
	struct http_url u;
	static char name[128];
	if (http_url_parse(url, &u) < 0)
		return url;
	u.path[strcspn(u.path, "?")] = 0;
	const char *b = strrchr(u.path, '/');
	snprintf(name, sizeof name, "%s", b && b[1] ? b + 1 : u.path);
	return name;
}

static int dial(const struct http_url *u, const char *url)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[8];
	int fd = -1, e = 0;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%u", u->port);
	int r = getaddrinfo(u->host, port, &hints, &res);
	if (r) {
		live_say("live.fetch: %s: cannot resolve %s: %s", url, u->host, gai_strerror(r));
		return -1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			e = errno;
			close(fd);
			fd = -1;
			continue;
		}
		struct pollfd p = {fd, POLLOUT, 0};
		socklen_t sl = sizeof e;
		if (poll(&p, 1, IO_SECONDS * 1000) <= 0) {
			e = ETIMEDOUT;
			close(fd);
			fd = -1;
			continue;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0 || e) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		live_say("live.fetch: %s: connecting to %s port %u: %s", url, u->host, u->port, strerror(e));
	return fd;
}

/* read() with a timeout: >0 bytes, 0 at the end, -errno. */
static ssize_t rd(int fd, void *b, size_t n)
{
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		int r = poll(&p, 1, IO_SECONDS * 1000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return -ETIMEDOUT;
		ssize_t k = read(fd, b, n);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return k < 0 ? -errno : k;
	}
}

static int wr_all(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t k = write(fd, b, n);
		if (k < 0 && (errno == EINTR || errno == EAGAIN)) {
			struct pollfd p = {fd, POLLOUT, 0};
			if (poll(&p, 1, IO_SECONDS * 1000) <= 0)
				return -ETIMEDOUT;
			continue;
		}
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* GET url (following up to 5 redirects); the connection with the head
 * parsed. 0, or -1 with the reason said. */
static int get(const char *url0, struct conn *c, char *final, size_t fcap)
{
	char url[512];
	snprintf(url, sizeof url, "%s", url0);
	for (int hop = 0; hop < 6; hop++) {
		struct http_url u;
		char req[1024];
		if (http_url_parse(url, &u) < 0) {
			live_say("live.fetch: %s: not an http:// URL", url);
			return -1;
		}
		if ((c->fd = dial(&u, url)) < 0)
			return -1;
		char hostport[300];
		if (u.port != 80)
			snprintf(hostport, sizeof hostport, "%s:%u", u.host, u.port);
		else
			snprintf(hostport, sizeof hostport, "%s", u.host);
		int n = snprintf(req, sizeof req,
				 "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: mklive-init\r\n"
				 "Accept-Encoding: identity\r\nConnection: close\r\n\r\n",
				 u.path, hostport);
		int e = wr_all(c->fd, req, (size_t)n);
		if (e < 0) {
			live_say("live.fetch: %s: sending the request: %s", url, strerror(-e));
			close(c->fd);
			return -1;
		}
		int h = 0;
		c->have = 0;
		while ((h = http_head_parse(c->buf, c->have, &c->r)) == 0) {
			ssize_t k = rd(c->fd, c->buf + c->have, sizeof c->buf - c->have);
			if (k <= 0) {
				live_say("live.fetch: %s: %s before the server answered", url,
					 k == 0 ? "the connection was closed" : strerror((int)-k));
				close(c->fd);
				return -1;
			}
			c->have += (size_t)k;
		}
		if (h < 0) {
			live_say("live.fetch: %s: the answer is not a valid HTTP/1.x response", url);
			close(c->fd);
			return -1;
		}
		c->off = (size_t)h;
		int st = c->r.status;
		if ((st == 301 || st == 302 || st == 303 || st == 307 || st == 308) && *c->r.location) {
			char next[512];
			close(c->fd);
			if (http_url_resolve(url, c->r.location, next, sizeof next) < 0) {
				live_say("live.fetch: %s: redirected to %s, which is not an http:// URL (no "
					 "TLS here)",
					 url, c->r.location);
				return -1;
			}
			live_step("%s redirects to %s", url, next);
			snprintf(url, sizeof url, "%s", next);
			continue;
		}
		snprintf(final, fcap, "%s", url);
		return 0;
	}
	live_say("live.fetch: %s: too many redirects", url0);
	return -1;
}

static void progress(const char *name, uint64_t done, int64_t total, double t0, double *last)
{
	double now = live_now();
	if (now - *last < 0.5 && (total < 0 || done < (uint64_t)total))
		return;
	*last = now;
	char b[160];
	double mbs = now > t0 ? done / 1e6 / (now - t0) : 0;
	int l =
	    total > 0
		? snprintf(b, sizeof b, "\rlive: fetching %s: %3d%% (%.1f of %.1f MB, %.1f MB/s)  ", name,
			   (int)(done * 100 / (uint64_t)total), done / 1e6, (double)total / 1e6, mbs)
		: snprintf(b, sizeof b, "\rlive: fetching %s: %.1f MB (%.1f MB/s)  ", name, done / 1e6, mbs);
	live_console_write(b, (size_t)l);
}

/* The body into fd (or into *mem when fd < 0, at most cap bytes). */
static int body(struct conn *c, const char *url, int out, uint8_t **mem, size_t *mlen, size_t cap)
{
	const char *name = base_name(url);
	int64_t total = c->r.content_length;
	uint64_t done = 0;
	double t0 = live_now(), last = 0;
	static char chunk[1 << 16];
	if (c->r.chunked) {
		live_say(
		    "live.fetch: %s: the server sent it in chunked encoding, which mklive-init does not read "
		    "(serve it as a static file)",
		    url);
		return -1;
	}
	if (out < 0) {
		if (total > (int64_t)cap) {
			live_say("live.fetch: %s: %lld bytes, more than the %zu expected", url,
				 (long long)total, cap);
			return -1;
		}
		*mem = malloc(cap + 1);
		if (!*mem)
			return -1;
	}
	for (;;) {
		const char *p;
		size_t n;
		if (c->off < c->have) {
			p = c->buf + c->off;
			n = c->have - c->off;
			c->off = c->have;
		} else {
			if (total >= 0 && done >= (uint64_t)total)
				break;
			ssize_t k = rd(c->fd, chunk, sizeof chunk);
			if (k < 0) {
				live_console_write("\n", 1);
				live_say("live.fetch: %s: reading: %s after %llu bytes", url,
					 strerror((int)-k), (unsigned long long)done);
				return -1;
			}
			if (k == 0)
				break;
			p = chunk;
			n = (size_t)k;
		}
		if (total >= 0 && done + n > (uint64_t)total)
			n = (size_t)((uint64_t)total - done);
		if (out >= 0) {
			int e = wr_all(out, p, n);
			if (e < 0) {
				live_console_write("\n", 1);
				live_say("live.fetch: %s: writing to RAM: %s after %llu MB (too little RAM?)",
					 url, strerror(-e), (unsigned long long)(done >> 20));
				return -1;
			}
			progress(name, done + n, total, t0, &last);
		} else {
			if (done + n > cap) {
				live_say("live.fetch: %s: more than %zu bytes", url, cap);
				return -1;
			}
			memcpy(*mem + done, p, n);
		}
		done += n;
	}
	if (out >= 0)
		live_console_write("\n", 1);
	if (total >= 0 && done < (uint64_t)total) {
		live_say("live.fetch: %s: short read: the connection ended after %llu of %lld bytes", url,
			 (unsigned long long)done, (long long)total);
		return -1;
	}
	if (out >= 0) {
		double dt = live_now() - t0;
		live_say("fetched %s: %.1f MB in %.1f s (%.1f MB/s)", name, done / 1e6, dt,
			 dt > 0 ? done / 1e6 / dt : 0.0);
	} else {
		(*mem)[done] = 0;
		*mlen = (size_t)done;
	}
	return 0;
}

static int status_fail(const char *url, int st)
{
	live_say("live.fetch: %s: the server answered HTTP %d%s", url, st,
		 st == 404 ? " (not found: check the URL)" : "");
	return -1;
}

/* Download url into path (a tmpfs mounted at FETCH, sized to it). */
static int download(const char *url, const char *path, bool mount_tmpfs)
{
	struct conn *c = calloc(1, sizeof *c);
	char final[512];
	int rc = -1, out = -1;
	if (!c)
		return -1;
	if (get(url, c, final, sizeof final) < 0)
		goto out;
	if (c->r.status != 200) {
		status_fail(final, c->r.status);
		close(c->fd);
		goto out;
	}
	if (c->r.content_length >= 0 && !live_ram_fits(base_name(final), (uint64_t)c->r.content_length)) {
		live_say("live.fetch: too little RAM for %s: give the machine more memory", final);
		close(c->fd);
		goto out;
	}
	if (mount_tmpfs) {
		char o[64];
		live_mkdirs(FETCH);
		if (c->r.content_length >= 0)
			snprintf(o, sizeof o, "size=%llu,mode=0755",
				 (unsigned long long)c->r.content_length + (4u << 20));
		else
			snprintf(o, sizeof o, "size=90%%,mode=0755");
		if (mount("tmpfs", FETCH, "tmpfs", MS_NOSUID | MS_NODEV, o) < 0) {
			live_say("live.fetch: tmpfs on %s: %s", FETCH, strerror(errno));
			close(c->fd);
			goto out;
		}
		live_mkdirs(FETCH "/live");
	} else if (c->r.content_length >= 0) {
		/* A second file (root_fs.tgz): the tmpfs grows by its size. */
		struct statvfs sv;
		char o[64];
		if (statvfs(FETCH, &sv) == 0) {
			unsigned long long used =
			    (unsigned long long)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
			snprintf(o, sizeof o, "size=%llu",
				 used + (unsigned long long)c->r.content_length + (4u << 20));
			mount(NULL, FETCH, NULL, MS_REMOUNT | MS_NOSUID | MS_NODEV, o);
		}
	}
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		live_say("live.fetch: %s: %s", path, strerror(errno));
		close(c->fd);
		goto out;
	}
	rc = body(c, final, out, NULL, NULL, 0);
	close(c->fd);
	if (close(out) < 0 && rc == 0) {
		live_say("live.fetch: %s: %s", path, strerror(errno));
		rc = -1;
	}
out:
	free(c);
	return rc;
}

/* SHA256SUMS beside url: 1 with the text, 0 if the server has none (404),
 * -1 on another failure. */
static int get_sums(const char *url, uint8_t **text, size_t *len)
{
	char su[600], final[512];
	struct conn *c = calloc(1, sizeof *c);
	int rc = -1;
	if (!c)
		return -1;
	if (http_url_beside(url, "SHA256SUMS", su, sizeof su) < 0) {
		live_say("live.fetch: %s: no room for the SHA256SUMS URL", url);
		goto out;
	}
	if (get(su, c, final, sizeof final) < 0)
		goto out;
	if (c->r.status == 404) {
		rc = 0;
	} else if (c->r.status != 200) {
		status_fail(final, c->r.status);
	} else {
		rc = body(c, final, -1, text, len, 1u << 20) < 0 ? -1 : 1;
	}
	close(c->fd);
out:
	free(c);
	return rc;
}

/* Check path (downloaded from url) against its line in sums. */
static int verify(const char *url, const char *path, const uint8_t *sums, size_t slen, bool required)
{
	struct http_url u;
	uint8_t want[SHA256_DIGEST], got[SHA256_DIGEST];
	http_url_parse(url, &u);
	if (!sums || http_sums_lookup((const char *)sums, slen, u.path, want) < 0) {
		if (!required)
			return 1;
		if (sums)
			live_say("live.fetch: %s: the SHA256SUMS beside it has no line for %s: nothing to "
				 "check it "
				 "against",
				 url, u.path);
		else
			live_say("live.fetch: %s: there is no SHA256SUMS beside it (HTTP 404): nothing to "
				 "check it "
				 "against",
				 url);
		return -1;
	}
	static uint8_t b[1 << 16];
	double t0 = live_now();
	int r = live_sha256_file(path, 0, b, sizeof b, got, NULL, NULL);
	if (r < 0) {
		live_say("live.fetch: %s: %s", path, strerror(-r));
		return -1;
	}
	if (memcmp(want, got, sizeof got)) {
		live_say(
		    "live.fetch: checksum mismatch: %s does not match its SHA-256 in SHA256SUMS (a damaged "
		    "or changed file on the server)",
		    url);
		return -1;
	}
	struct stat st;
	double dt = live_now() - t0;
	stat(path, &st);
	live_say("live.fetch: %s matches its SHA-256 in SHA256SUMS (%.1f MB/s)", base_name(url),
		 dt > 0 ? st.st_size / 1e6 / dt : 0.0);
	return 0;
}

/* live.fetch=/PATH: the URL on the boot server, said with why that
 * server; 0, or -1 with the reason said. */
static int complete_url(char *url, size_t cap)
{
	uint32_t siaddr, server_id, server;
	const char *why;
	char a[16];
	if (live_opt.fetch[0] != '/')
		return snprintf(url, cap, "%s", live_opt.fetch) < (int)cap ? 0 : -1;
	live_net_dhcp_servers(&siaddr, &server_id);
	server = http_boot_server(live_opt.boot_server, siaddr, server_id, &why);
	if (!server) {
		live_say("live.fetch=%s: a path, but no server to fetch it from (%s): give "
			 "live.fetch=http://HOST/PATH",
			 live_opt.fetch, why);
		return -1;
	}
	if (http_url_complete(live_opt.fetch, server, url, cap) < 0) {
		live_say("live.fetch=%s: not a path that makes an http:// URL", live_opt.fetch);
		return -1;
	}
	inet_ntop(AF_INET, &server, a, sizeof a);
	live_say("live.fetch: %s is on %s: %s", live_opt.fetch, a, why);
	return 0;
}

int live_fetch_medium(void)
{
	char url[512];
	char path[300], dev[64];
	uint8_t *sums = NULL;
	size_t slen = 0;
	struct probe_info pi;
	int rc = -1;
	umount2(FETCH, MNT_DETACH);
	if (live_net_up() < 0 || complete_url(url, sizeof url) < 0)
		return -1;
	static const char *const fixed[] = {"isofs", "loop", "squashfs", "overlay"};
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		live_load_module(fixed[i], NULL);
	snprintf(live_medium_dev, sizeof live_medium_dev, "%s", base_name(url));
	live_medium_part[0] = 0;
	live_say("live.fetch: %s", url);
	snprintf(path, sizeof path, FETCH "/download");
	if (download(url, path, true) < 0)
		goto fail;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int pr = fd < 0 ? -errno : probe_fd(fd, &pi);
	if (fd >= 0)
		close(fd);
	if (pr < 0 || (pi.type != PROBE_ISO9660 && pi.type != PROBE_SQUASHFS)) {
		live_say("live.fetch: %s is neither a squashfs root image nor an ISO 9660 image", url);
		goto fail;
	}
	int s = get_sums(url, &sums, &slen);
	if (s < 0)
		goto fail;
	if (pi.type == PROBE_SQUASHFS) {
		if (verify(url, path, s ? sums : NULL, slen, true) < 0)
			goto fail;
		if (rename(path, FETCH "/live/root.squashfs") < 0) {
			live_say("live.fetch: %s: %s", path, strerror(errno));
			goto fail;
		}
		if (live_opt.writable == LIVE_TGZ) {
			char tu[600];
			if (http_url_beside(url, "root_fs.tgz", tu, sizeof tu) < 0 ||
			    download(tu, FETCH "/live/root_fs.tgz", false) < 0 ||
			    verify(tu, FETCH "/live/root_fs.tgz", s ? sums : NULL, slen, true) < 0)
				goto fail;
		}
		if (mount(FETCH, MEDIUM, NULL, MS_BIND, NULL) < 0) {
			live_say("live.fetch: bind-mounting %s: %s", FETCH, strerror(errno));
			goto fail;
		}
		live_opt.check = false; /* checked above */
	} else {
		/* The whole ISO: its own /live/SHA256SUMS covers its files;
		 * a line beside it on the server, if any, covers the ISO. */
		if (verify(url, path, s ? sums : NULL, slen, false) < 0)
			goto fail;
		int lfd = live_loop_attach(path, false, dev, sizeof dev);
		if (lfd < 0)
			goto fail;
		int m = mount(dev, MEDIUM, "iso9660", MS_RDONLY, NULL);
		int e = errno;
		close(lfd);
		if (m < 0) {
			live_say("live.fetch: mounting the ISO %s: %s", url, strerror(e));
			goto fail;
		}
		if (access(MEDIUM "/live/SHA256SUMS", F_OK) != 0) {
			live_say("live.fetch: the ISO %s has no /live/SHA256SUMS to check it against", url);
			umount2(MEDIUM, MNT_DETACH);
			goto fail;
		}
		if (live_check_medium() < 0) {
			umount2(MEDIUM, MNT_DETACH);
			goto fail;
		}
		live_opt.check = false; /* done */
	}
	uint8_t *id;
	size_t idn;
	if (live_read_file(MEDIUM "/live/mklive.id", &id, &idn) == 0) {
		snprintf(live_medium_id, sizeof live_medium_id, "%s", (char *)id);
		live_trim(live_medium_id);
		free(id);
		/* Another build's ISO boots too, but its root's modules are for
		 * its own kernel, which may not be the one running. */
		if (*live_want_id && strcmp(live_medium_id, live_want_id))
			live_say(
			    "live.fetch: note: the ISO is another build (id %s, this initramfs is %s); its "
			    "kernel modules may not fit the running kernel",
			    live_medium_id, live_want_id);
	}
	/* Already in RAM: live.toram would only copy it again. */
	live_opt.toram = false;
	rc = 0;
	free(sums);
	return rc;
fail:
	free(sums);
	umount2(FETCH, MNT_DETACH);
	return -1;
}
