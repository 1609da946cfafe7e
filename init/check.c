/* mklive-init: live.check, verifying every file that /live/SHA256SUMS of
 * the medium lists before anything else is mounted from it. */
#include "pid1.h"

#include "../src/core/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUMS MEDIUM "/live/SHA256SUMS"
#define CHUNK (1u << 20)

bool live_sums_path_ok(const char *p)
{
	if (!*p || *p == '/')
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/')
			p++;
		else
			break;
	}
	return p[-1] != '/';
}

/* One line of progress, redrawn in place: "live: checking the medium: 42%". */
static void progress(uint64_t done, uint64_t total, int *last)
{
	int pct = total ? (int)(done * 100 / total) : 100;
	if (pct == *last)
		return;
	*last = pct;
	char b[96];
	int l = snprintf(b, sizeof b, "\rlive: checking the medium: %3d%% (%llu of %llu MB)", pct,
			 (unsigned long long)(done >> 20), (unsigned long long)(total >> 20));
	live_console_write(b, (size_t)l);
}

/* Also live.fetch's check of what it downloaded; see pid1.h. */
int live_sha256_file(const char *path, int oflags, uint8_t *buf, size_t cap, uint8_t digest[32],
		     void (*on_read)(size_t n, void *ctx), void *ctx)
{
	struct sha256 s;
	int fd = open(path, O_RDONLY | O_CLOEXEC | oflags);
	if (fd < 0)
		return -errno;
	sha256_init(&s);
	for (;;) {
		ssize_t n = read(fd, buf, cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;
			close(fd);
			return e;
		}
		if (n == 0)
			break;
		sha256_update(&s, buf, (size_t)n);
		if (on_read)
			on_read((size_t)n, ctx);
	}
	close(fd);
	sha256_final(&s, digest);
	return 0;
}

/* The meter's state while the files are hashed. */
struct meter {
	uint64_t done, total;
	int last;
};

static void count(size_t n, void *ctx)
{
	struct meter *m = ctx;
	m->done += (uint64_t)n;
	progress(m->done, m->total, &m->last);
}

static int damaged(const char *file, const char *why)
{
	live_console_write("\n", 1);
	live_say("medium check FAILED: /%s %s", file, why);
	live_say("the medium %s is damaged (a bad copy or a failing stick or disc): write it again, or try "
		 "another one",
		 live_medium_dev);
	return -1;
}

int live_check_medium(void)
{
	uint8_t *text, *buf;
	size_t len;
	uint64_t files = 0;
	struct meter m = {0, 0, -1};
	char name[1024], path[1200];
	uint8_t want[SHA256_DIGEST], got[SHA256_DIGEST];
	int rc = 0;
	double t0 = live_now();
	int r0 = live_read_file(SUMS, &text, &len);
	if (r0 < 0) {
		live_say("live.check: the medium %s has no /live/SHA256SUMS (%s): nothing to check against",
			 live_medium_dev, strerror(-r0));
		return -1;
	}
	/* First pass: the format, the paths, and the bytes for the meter. */
	for (size_t i = 0, line = 1; i < len; line++) {
		char *nl = memchr(text + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (char *)(text + i)) : len - i;
		struct stat st;
		if (l) {
			if (sha256sum_parse_line((char *)text + i, l, want, name, sizeof name) < 0 ||
			    !live_sums_path_ok(name)) {
				live_say("live.check: /live/SHA256SUMS line %zu is not \"HEX  PATH\" with a "
					 "relative path",
					 line);
				free(text);
				return damaged("live/SHA256SUMS", "is not a valid checksum list");
			}
			snprintf(path, sizeof path, MEDIUM "/%s", name);
			if (stat(path, &st) == 0)
				m.total += (uint64_t)st.st_size;
		}
		i += l + 1;
	}
	buf = malloc(CHUNK);
	if (!buf) {
		free(text);
		return -1;
	}
	live_say("checking the medium %s against /live/SHA256SUMS (sha256: %s)", live_medium_dev,
		 sha256_impl());
	for (size_t i = 0; i < len && rc == 0;) {
		char *nl = memchr(text + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (char *)(text + i)) : len - i;
		if (l) {
			sha256sum_parse_line((char *)text + i, l, want, name, sizeof name);
			snprintf(path, sizeof path, MEDIUM "/%s", name);
			int r = live_sha256_file(path, O_NOFOLLOW, buf, CHUNK, got, count, &m);
			files++;
			if (r == -ENOENT)
				rc = damaged(name, "is missing");
			else if (r < 0) {
				char why[96];
				snprintf(why, sizeof why, "cannot be read (%s)", strerror(-r));
				rc = damaged(name, why);
			} else if (memcmp(want, got, sizeof got))
				rc = damaged(name, "does not match its SHA-256 checksum");
		}
		i += l + 1;
	}
	free(buf);
	free(text);
	if (rc < 0)
		return rc;
	double dt = live_now() - t0;
	live_console_write("\n", 1);
	live_say("medium check passed: all %llu files are correct (%.1f MB in %.1f s, %.1f MB/s)",
		 (unsigned long long)files, m.done / 1e6, dt, dt > 0 ? m.done / 1e6 / dt : 0.0);
	return 0;
}
