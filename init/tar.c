/* mklive-init: a small tar reader (POSIX ustar, pax and GNU long names) that
 * unpacks root_fs.tgz into the tmpfs root without ever leaving it, and the
 * gzip decompression in front of it (libdeflate). */
#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <unistd.h>

static int fail(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
	return -1;
}

int tar_gunzip(const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len, char *err, size_t errcap)
{
	/* RFC 1952 2.3.1: ISIZE, the last 4 bytes, is the size modulo 2^32 of
	 * the last member; a good first guess, grown when it is not enough. */
	size_t cap = in_len >= 18 ? (size_t)in[in_len - 4] | (size_t)in[in_len - 3] << 8 |
					(size_t)in[in_len - 2] << 16 | (size_t)in[in_len - 1] << 24
				  : 0;
	size_t used = 0, pos = 0;
	uint8_t *buf = NULL;
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	if (!d)
		return fail(err, errcap, "out of memory");
	/* ISIZE is untrusted: the guess is bounded, the buffer grows as needed. */
	if (cap > in_len * 64)
		cap = in_len * 64;
	if (cap < in_len * 2)
		cap = in_len * 2;
	cap += 4096;
	/* DEFLATE cannot expand more than 1032:1: a stream that claims more
	 * is corrupt, and memory stays bounded. */
	size_t limit = in_len * 1032 + 65536;
	while (pos < in_len) {
		size_t in_used = 0, got = 0;
		enum libdeflate_result r;
		if (!buf || cap - used < 4096) {
			size_t ncap = buf ? cap * 2 : cap;
			uint8_t *nb = ncap <= limit ? realloc(buf, ncap) : NULL;
			if (!nb) {
				free(buf);
				libdeflate_free_decompressor(d);
				return fail(err, errcap,
					    ncap > limit ? "not a valid gzip file (corrupt)"
							 : "out of memory for %zu bytes",
					    ncap);
			}
			buf = nb;
			cap = ncap;
		}
		r = libdeflate_gzip_decompress_ex(d, in + pos, in_len - pos, buf + used, cap - used, &in_used,
						  &got);
		if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
			uint8_t *nb = cap * 2 <= limit ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				free(buf);
				libdeflate_free_decompressor(d);
				return fail(err, errcap,
					    "not a valid gzip file (corrupt, or too large for memory)");
			}
			buf = nb;
			cap *= 2;
			continue;
		}
		if (r != LIBDEFLATE_SUCCESS) {
			free(buf);
			libdeflate_free_decompressor(d);
			return fail(err, errcap, "not a valid gzip file (corrupt or truncated at byte %zu)",
				    pos);
		}
		pos += in_used;
		used += got;
		/* Trailing zeros after the last member are tolerated (gzip -d does). */
		while (pos < in_len && in[pos] == 0)
			pos++;
	}
	libdeflate_free_decompressor(d);
	*out = buf;
	*out_len = used;
	return 0;
}

/* Numeric header field: octal digits, or base-256 (GNU/star) when the high
 * bit of the first byte is set. */
static bool tar_num(const uint8_t *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i = 0;
	if (p[0] & 0x80) {
		x = p[0] & 0x3f;
		for (i = 1; i < n; i++) {
			if (x >> 55)
				return false;
			x = x << 8 | p[i];
		}
		*v = x;
		return true;
	}
	while (i < n && (p[i] == ' ' || p[i] == 0))
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (x >> 60)
			return false;
		x = x << 3 | (uint64_t)(p[i] - '0');
	}
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != 0)
			return false;
	*v = x;
	return true;
}

/* A member name made safe: leading "./" and "/"-runs folded; refuses
 * absolute names and ".." components. Returns false with a reason. */
static bool clean_name(const char *in, char *out, size_t cap, const char **why)
{
	size_t n = 0;
	const char *p = in;
	if (*p == '/') {
		*why = "absolute path";
		return false;
	}
	while (*p) {
		size_t l = strcspn(p, "/");
		if (l == 2 && p[0] == '.' && p[1] == '.') {
			*why = "\"..\" in the path";
			return false;
		}
		if (l && !(l == 1 && p[0] == '.')) {
			if (n + l + 2 > cap) {
				*why = "name too long";
				return false;
			}
			if (n)
				out[n++] = '/';
			memcpy(out + n, p, l);
			n += l;
		}
		p += l;
		while (*p == '/')
			p++;
	}
	out[n] = 0;
	return true;
}

/* Does a relative symlink target, placed at name, stay inside the tree? */
static bool link_stays_inside(const char *name, const char *target)
{
	int depth = 0;
	const char *p;
	for (p = name; *p; p++)
		if (*p == '/')
			depth++; /* directories above the link */
	p = target;
	while (*p) {
		size_t l = strcspn(p, "/");
		if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (l && !(l == 1 && p[0] == '.')) {
			depth++;
		}
		p += l;
		while (*p == '/')
			p++;
	}
	return true;
}

/* Open the directory that will hold name's last component, creating missing
 * directories; never follows a symlink (O_NOFOLLOW on every component). */
static int open_parent(int root, const char *name, const char **leaf)
{
	char comp[256];
	int fd = dup(root);
	const char *p = name;
	for (;;) {
		size_t l = strcspn(p, "/");
		if (!p[l]) {
			*leaf = p;
			return fd;
		}
		if (l >= sizeof comp) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, p, l);
		comp[l] = 0;
		int nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
				close(fd);
				return -1;
			}
			nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		close(fd);
		if (nfd < 0)
			return -1;
		fd = nfd;
		p += l + 1;
	}
}

struct tar_entry {
	char name[4096];
	char link[4096];
	uint64_t size, mode, uid, gid, mtime, devmajor, devminor;
	char type;
};

/* pax extended header records "LEN key=value\n" (POSIX pax, Extended Header). */
static bool pax_apply(const uint8_t *p, size_t n, char *name, char *link, uint64_t *size, bool *has_size)
{
	size_t off = 0;
	while (off < n) {
		size_t len = 0, i = off;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			len = len * 10 + (size_t)(p[i++] - '0');
		if (i >= n || p[i] != ' ' || len == 0 || off + len > n || p[off + len - 1] != '\n')
			return false;
		const uint8_t *kv = p + i + 1, *end = p + off + len - 1;
		const uint8_t *eq = memchr(kv, '=', (size_t)(end - kv));
		if (!eq)
			return false;
		size_t kl = (size_t)(eq - kv), vl = (size_t)(end - eq - 1);
		if (kl == 4 && !memcmp(kv, "path", 4) && vl < 4096) {
			memcpy(name, eq + 1, vl);
			name[vl] = 0;
		} else if (kl == 8 && !memcmp(kv, "linkpath", 8) && vl < 4096) {
			memcpy(link, eq + 1, vl);
			link[vl] = 0;
		} else if (kl == 4 && !memcmp(kv, "size", 4)) {
			uint64_t v = 0;
			for (size_t j = 0; j < vl; j++)
				v = v * 10 + (uint64_t)(eq[1 + j] - '0');
			*size = v;
			*has_size = true;
		}
		off += len;
	}
	return true;
}

static void set_meta(int dirfd, const char *leaf, const struct tar_entry *e, bool is_link)
{
	struct timespec ts[2] = {{(time_t)e->mtime, 0}, {(time_t)e->mtime, 0}};
	int flags = AT_SYMLINK_NOFOLLOW;
	/* Ownership first: chown clears set-id bits, chmod sets them again.
	 * Unprivileged (tests) it may fail; the files are still usable. */
	(void)fchownat(dirfd, leaf, (uid_t)e->uid, (gid_t)e->gid, flags);
	if (!is_link)
		fchmodat(dirfd, leaf, (mode_t)(e->mode & 07777), 0);
	utimensat(dirfd, leaf, ts, flags);
}

static int extract_one(int root, const struct tar_entry *e, const uint8_t *data, char *err, size_t errcap)
{
	char name[4096], tname[4096];
	const char *why = NULL, *leaf, *tleaf;
	int dfd, fd, rc = -1;
	if (!clean_name(e->name, name, sizeof name, &why))
		return fail(err, errcap, "%s: refused (%s)", e->name, why);
	if (!*name)
		return 0; /* "./" itself: the root keeps its own mode */
	dfd = open_parent(root, name, &leaf);
	if (dfd < 0)
		return fail(err, errcap, "%s: %s (a parent is not a directory, or is a symlink)", e->name,
			    strerror(errno));
	/* Replace what is there (not a directory being re-created). */
	if (e->type != '5')
		unlinkat(dfd, leaf, 0);
	switch (e->type) {
	case '5':
		if (mkdirat(dfd, leaf, 0700) < 0 && errno != EEXIST) {
			fail(err, errcap, "%s: mkdir: %s", e->name, strerror(errno));
			goto out;
		}
		fd = openat(dfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			fail(err, errcap, "%s: exists and is not a directory", e->name);
			goto out;
		}
		close(fd);
		set_meta(dfd, leaf, e, false);
		break;
	case '2':
		if (e->link[0] != '/' && !link_stays_inside(name, e->link)) {
			fail(err, errcap, "%s: refused (symlink to %s points out of the tree)", e->name,
			     e->link);
			goto out;
		}
		if (symlinkat(e->link, dfd, leaf) < 0) {
			fail(err, errcap, "%s: symlink: %s", e->name, strerror(errno));
			goto out;
		}
		set_meta(dfd, leaf, e, true);
		break;
	case '1': {
		if (!clean_name(e->link, tname, sizeof tname, &why) || !*tname) {
			fail(err, errcap, "%s: refused (hard link to %s: %s)", e->name, e->link,
			     why ? why : "the root");
			goto out;
		}
		int tfd = open_parent(root, tname, &tleaf);
		if (tfd < 0 || linkat(tfd, tleaf, dfd, leaf, 0) < 0) {
			fail(err, errcap, "%s: hard link to %s: %s", e->name, e->link, strerror(errno));
			if (tfd >= 0)
				close(tfd);
			goto out;
		}
		close(tfd);
		break;
	}
	case '3':
	case '4':
	case '6': {
		mode_t t = e->type == '3' ? S_IFCHR : e->type == '4' ? S_IFBLK : S_IFIFO;
		if (mknodat(dfd, leaf, t | 0600, makedev(e->devmajor, e->devminor)) < 0) {
			fail(err, errcap, "%s: mknod: %s", e->name, strerror(errno));
			goto out;
		}
		set_meta(dfd, leaf, e, false);
		break;
	}
	default: /* '0', '\0', '7' (contiguous): a regular file */
		fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			fail(err, errcap, "%s: %s", e->name, strerror(errno));
			goto out;
		}
		for (uint64_t off = 0; off < e->size;) {
			ssize_t w = write(fd, data + off, (size_t)(e->size - off));
			if (w <= 0) {
				fail(err, errcap, "%s: write: %s", e->name, strerror(w < 0 ? errno : ENOSPC));
				close(fd);
				goto out;
			}
			off += (uint64_t)w;
		}
		close(fd);
		set_meta(dfd, leaf, e, false);
		break;
	}
	rc = 0;
out:
	close(dfd);
	return rc;
}

int tar_extract(const uint8_t *data, size_t len, int dirfd, char *err, size_t errcap, uint64_t *nfiles)
{
	static struct tar_entry e; /* large; the init is single-threaded */
	char longname[4096] = "", longlink[4096] = "";
	uint64_t paxsize = 0;
	bool has_paxsize = false;
	size_t off = 0;
	*nfiles = 0;
	while (off + 512 <= len) {
		const uint8_t *h = data + off;
		uint64_t chk = 0, sum = 0;
		bool zero = true;
		for (int i = 0; i < 512; i++)
			if (h[i]) {
				zero = false;
				break;
			}
		if (zero)
			return 0; /* end-of-archive blocks */
		/* POSIX ustar header: name 0..99, mode 100, uid 108, gid 116,
		 * size 124, mtime 136, chksum 148, typeflag 156, linkname 157,
		 * magic 257, devmajor 329, devminor 337, prefix 345..499. */
		for (int i = 0; i < 512; i++)
			sum += (i >= 148 && i < 156) ? ' ' : h[i];
		if (!tar_num(h + 148, 8, &chk) || chk != sum)
			return fail(err, errcap, "corrupt tar header at byte %zu (bad checksum)", off);
		memset(&e, 0, sizeof e);
		e.type = (char)h[156];
		if (!tar_num(h + 124, 12, &e.size) || !tar_num(h + 100, 8, &e.mode) ||
		    !tar_num(h + 108, 8, &e.uid) || !tar_num(h + 116, 8, &e.gid) ||
		    !tar_num(h + 136, 12, &e.mtime))
			return fail(err, errcap, "corrupt tar header at byte %zu (bad number)", off);
		if (!memcmp(h + 257, "ustar", 5)) {
			tar_num(h + 329, 8, &e.devmajor);
			tar_num(h + 337, 8, &e.devminor);
		}
		if (has_paxsize)
			e.size = paxsize;
		off += 512;
		if (e.size > len - off)
			return fail(err, errcap, "truncated tar archive (member at byte %zu)", off - 512);
		const uint8_t *body = data + off;
		size_t padded = (size_t)((e.size + 511) & ~(uint64_t)511);
		off += padded > len - off ? len - off : padded;
		if (e.type == 'L' || e.type == 'K') { /* GNU long name / long link */
			char *dst = e.type == 'L' ? longname : longlink;
			size_t n = e.size < 4095 ? (size_t)e.size : 4095;
			memcpy(dst, body, n);
			dst[n] = 0;
			continue;
		}
		if (e.type == 'x') {
			if (!pax_apply(body, (size_t)e.size, longname, longlink, &paxsize, &has_paxsize))
				return fail(err, errcap, "corrupt pax header at byte %zu", off);
			continue;
		}
		if (e.type == 'g')
			continue; /* global pax header: nothing we use */
		if (longname[0]) {
			strcpy(e.name, longname);
		} else {
			size_t pl = strnlen((const char *)h + 345, 155), nl = strnlen((const char *)h, 100);
			if (!memcmp(h + 257, "ustar", 5) && pl && h[345])
				snprintf(e.name, sizeof e.name, "%.*s/%.*s", (int)pl, h + 345, (int)nl, h);
			else
				snprintf(e.name, sizeof e.name, "%.*s", (int)nl, h);
		}
		if (longlink[0])
			strcpy(e.link, longlink);
		else
			snprintf(e.link, sizeof e.link, "%.*s", (int)strnlen((const char *)h + 157, 100),
				 h + 157);
		longname[0] = longlink[0] = 0;
		has_paxsize = false;
		if (extract_one(dirfd, &e, body, err, errcap) < 0)
			return -1;
		(*nfiles)++;
	}
	/* No end-of-archive blocks (POSIX: two zero blocks): cut short. */
	return fail(err, errcap, "truncated tar archive (ends at byte %zu without an end-of-archive block)",
		    len);
}
