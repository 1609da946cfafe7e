/* SHA-256 (FIPS 180-4): the x86 SHA extensions when the CPU has them,
 * portable C otherwise. Self-contained (standard headers only), so that
 * mklive-init compiles the same file. */
#ifndef MKLIVE_CORE_SHA256_H
#define MKLIVE_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST 32
#define SHA256_HEX 65 /* 64 hex digits and a NUL */

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST]);
/* One call for a whole buffer. */
void sha256_buf(const void *data, size_t len, uint8_t out[SHA256_DIGEST]);
/* Lower-case hex, as sha256sum prints it. */
void sha256_hex(const uint8_t d[SHA256_DIGEST], char out[SHA256_HEX]);
/* Parse 64 hex digits (either case); 0, or -1 if s is not that. */
int sha256_parse_hex(const char *s, uint8_t out[SHA256_DIGEST]);

/* sha256sum's line format (GNU coreutils): "HEX  NAME" ("HEX *NAME" in
 * binary mode); a name holding a newline or a backslash makes the line
 * start with a backslash, with "\\n" and "\\\\" in the name.
 * Parse one line (len bytes, without its newline) into the digest and the
 * unescaped name (cap bytes); 0, or -1 when the line is not of that form
 * or the name does not fit. */
int sha256sum_parse_line(const char *line, size_t len, uint8_t d[SHA256_DIGEST], char *name, size_t cap);
/* Write "HEX  NAME\n" with those escapes into out, which has room for
 * 68 + 2 * strlen(name) bytes and a NUL; returns the length. */
size_t sha256sum_format_line(const uint8_t d[SHA256_DIGEST], const char *name, char *out);

/* Which block function runs: "sha-ni" or "portable". */
const char *sha256_impl(void);
/* Tests: 1 forces the portable code, 0 restores the CPU's choice. */
void sha256_force_portable(int on);

#endif
