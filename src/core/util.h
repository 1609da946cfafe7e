/* Small shared helpers: checked allocation, byte encoders, size parsing. */
#ifndef MKLIVE_CORE_UTIL_H
#define MKLIVE_CORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define DIV_ROUND_UP(n, d) (((n) + (d)-1) / (d))
#define ALIGN_UP(n, a) (DIV_ROUND_UP((n), (a)) * (a))

/* Allocation that aborts on out-of-memory (the only sane reaction for a
 * command-line tool) and checks size arithmetic for overflow. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write code point c (below 0x110000) as UTF-8 at out: 1 to 4 bytes,
 * returns how many. */
size_t util_utf8_put(char *out, uint32_t c);
/* The value of a hex digit (either case), or -1. */
int util_hexval(int c);
/* A growing string: {0} is empty; s is malloc'ed (NULL until the first
 * addition), NUL-terminated after each. */
struct strbuf {
	char *s;
	size_t len, cap;
};
void strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Grow *arr (element size elem) so that it holds at least need elements. */
void util_grow(void *arrp, size_t *cap, size_t need, size_t elem);

/* Little- and big-endian encoders/decoders. */
static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}
static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}
static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}
static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}
static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}
static inline void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}
static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}
static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static inline uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* s without leading and trailing white space (cut in place). */
char *util_trim(char *s);

/* Parse "1440K", "64M", "2G", "4096", "1.44M" is not accepted. Suffixes are
 * binary (K = 1024). Returns 0, or -EINVAL with the error set naming what. */
int util_parse_size(const char *s, uint64_t *out, const char *what);
/* Parse a non-negative integer within [min, max]. */
int util_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char *what);

/* Parse a boolean word: 1/0, yes/no, true/false, on/off (any case). */
int util_parse_bool(const char *s, bool *out, const char *what);

/* Read/write the whole buffer, retrying on EINTR and short transfers.
 * Return 0 or -errno (no error message set). */
int util_read_full(int fd, void *buf, size_t n, size_t *got);
int util_pread_full(int fd, void *buf, size_t n, off_t off, size_t *got);
int util_write_full(int fd, const void *buf, size_t n);

/* Read a whole (small) file into memory; sets the error naming path. The
 * buffer has a NUL after the len bytes, so text can be used as a string. */
int util_read_file(const char *path, uint8_t **data, size_t *len);

/* Join two path components with one '/'. Result is malloc'ed. */
char *util_path_join(const char *a, const char *b);

/* Remove path and, for a directory, everything below it, best effort (what
 * cannot be removed stays, no error is reported); a symbolic link is
 * removed itself, never followed. For trees the program made itself. */
void util_remove_tree(const char *path);

/* Number of online CPUs (at least 1). */
int util_cpu_count(void);

bool util_streq(const char *a, const char *b);
bool util_has_prefix(const char *s, const char *prefix);

#endif
