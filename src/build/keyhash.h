/* SHA-256 for the root cache keys (FIPS 180-4). Temporary: it goes away when
 * the shared src/core/sha256.h lands on main, and its callers switch to it. */
#ifndef MKLIVE_BUILD_KEYHASH_H
#define MKLIVE_BUILD_KEYHASH_H

#include <stddef.h>
#include <stdint.h>

struct keyhash {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t fill;
};

void keyhash_init(struct keyhash *k);
void keyhash_update(struct keyhash *k, const void *data, size_t n);
void keyhash_final(struct keyhash *k, uint8_t digest[32]);
/* The digest of data as 64 lower-case hex digits and a NUL. */
void keyhash_hex(const void *data, size_t n, char hex[65]);
/* The digest of a file's contents as hex; sets the error naming path. */
int keyhash_file_hex(const char *path, char hex[65]);

#endif
