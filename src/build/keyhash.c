/* SHA-256 (FIPS 180-4) for the root cache keys; see keyhash.h. Temporary
 * until src/core/sha256.h is on main. */
#include "build/keyhash.h"
#include "core/error.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
	return x >> n | x << (32 - n);
}

/* FIPS 180-4 6.2.2: one 512-bit block. */
static void block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh;
	for (int t = 0; t < 16; t++)
		w[t] = get_be32(p + 4 * t);
	for (int t = 16; t < 64; t++) {
		uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ w[t - 15] >> 3;
		uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ w[t - 2] >> 10;
		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int t = 0; t < 64; t++) {
		uint32_t t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void keyhash_init(struct keyhash *k)
{
	/* FIPS 180-4 5.3.3 */
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(k->h, iv, sizeof iv);
	k->len = 0;
	k->fill = 0;
}

void keyhash_update(struct keyhash *k, const void *data, size_t n)
{
	const uint8_t *p = data;
	k->len += n;
	if (k->fill) {
		size_t take = MIN(n, 64 - k->fill);
		memcpy(k->buf + k->fill, p, take);
		k->fill += take, p += take, n -= take;
		if (k->fill < 64)
			return;
		block(k->h, k->buf);
		k->fill = 0;
	}
	for (; n >= 64; p += 64, n -= 64)
		block(k->h, p);
	memcpy(k->buf, p, n);
	k->fill = n;
}

void keyhash_final(struct keyhash *k, uint8_t digest[32])
{
	/* FIPS 180-4 5.1.1: a 1 bit, zeros, the message length in bits. */
	uint64_t bits = k->len * 8;
	uint8_t pad[72] = {0x80};
	size_t padlen = (k->fill < 56 ? 56 : 120) - k->fill;
	put_be64(pad + padlen, bits);
	keyhash_update(k, pad, padlen + 8);
	for (int i = 0; i < 8; i++)
		put_be32(digest + 4 * i, k->h[i]);
}

static void to_hex(const uint8_t d[32], char hex[65])
{
	static const char x[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = x[d[i] >> 4];
		hex[2 * i + 1] = x[d[i] & 15];
	}
	hex[64] = 0;
}

void keyhash_hex(const void *data, size_t n, char hex[65])
{
	struct keyhash k;
	uint8_t d[32];
	keyhash_init(&k);
	keyhash_update(&k, data, n);
	keyhash_final(&k, d);
	to_hex(d, hex);
}

int keyhash_file_hex(const char *path, char hex[65])
{
	struct keyhash k;
	uint8_t buf[65536], d[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(errno, "%s", path);
	keyhash_init(&k);
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return err_sys(e, "%s", path);
		}
		if (r == 0)
			break;
		keyhash_update(&k, buf, (size_t)r);
	}
	close(fd);
	keyhash_final(&k, d);
	to_hex(d, hex);
	return 0;
}
