/* SHA-256 (FIPS 180-4): the block function in portable C and with the x86
 * SHA extensions (chosen once at run time from CPUID), and the padding. */
#include "sha256.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SHA256_HAVE_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

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

/* ---- portable block function (FIPS 180-4 6.2.2) -------------------------- */
static inline uint32_t ror(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One round with the working variables renamed instead of moved. */
#define ROUND(a, b, c, d, e, f, g, h, i)                                                                     \
	do {                                                                                                 \
		uint32_t t1_ =                                                                               \
		    h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + (g ^ (e & (f ^ g))) + K[i] + w[i];           \
		d += t1_;                                                                                    \
		h = t1_ + (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) | (c & (a | b)));                 \
	} while (0)

static void blocks_c(uint32_t st[8], const uint8_t *p, size_t n)
{
	uint32_t w[64];
	while (n--) {
		for (int i = 0; i < 16; i++)
			w[i] = be32(p + 4 * i);
		for (int i = 16; i < 64; i++) {
			uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
			uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6],
			 h = st[7];
		for (int i = 0; i < 64; i += 8) {
			ROUND(a, b, c, d, e, f, g, h, i);
			ROUND(h, a, b, c, d, e, f, g, i + 1);
			ROUND(g, h, a, b, c, d, e, f, i + 2);
			ROUND(f, g, h, a, b, c, d, e, i + 3);
			ROUND(e, f, g, h, a, b, c, d, i + 4);
			ROUND(d, e, f, g, h, a, b, c, i + 5);
			ROUND(c, d, e, f, g, h, a, b, i + 6);
			ROUND(b, c, d, e, f, g, h, a, i + 7);
		}
		st[0] += a;
		st[1] += b;
		st[2] += c;
		st[3] += d;
		st[4] += e;
		st[5] += f;
		st[6] += g;
		st[7] += h;
		p += 64;
	}
}
#undef ROUND

/* ---- x86 SHA extensions -------------------------------------------------- */
#ifdef SHA256_HAVE_X86
/* SHA256RNDS2 keeps the state as two registers, ABEF and CDGH (Intel's
 * "Intel SHA Extensions" paper, 2013); SHA256MSG1/MSG2 compute the message
 * schedule four words at a time. */
#define SHANI_TARGET __attribute__((target("sha,sse4.1,ssse3")))

SHANI_TARGET static void blocks_shani(uint32_t st[8], const uint8_t *p, size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i t = _mm_loadu_si128((const __m128i *)&st[0]);  /* D C B A (high..low) */
	__m128i s1 = _mm_loadu_si128((const __m128i *)&st[4]); /* H G F E */
	t = _mm_shuffle_epi32(t, 0xB1);			       /* C D A B */
	s1 = _mm_shuffle_epi32(s1, 0x1B);		       /* E F G H */
	__m128i s0 = _mm_alignr_epi8(t, s1, 8);		       /* A B E F */
	s1 = _mm_blend_epi16(s1, t, 0xF0);		       /* C D G H */
	while (n--) {
		__m128i save0 = s0, save1 = s1, m[4], k;
		for (int i = 0; i < 4; i++)
			m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
#pragma GCC unroll 16
		for (int g = 0; g < 16; g++) {
			if (g >= 4) {
				__m128i x = _mm_sha256msg1_epu32(m[g & 3], m[(g + 1) & 3]);
				x = _mm_add_epi32(x, _mm_alignr_epi8(m[(g + 3) & 3], m[(g + 2) & 3], 4));
				m[g & 3] = _mm_sha256msg2_epu32(x, m[(g + 3) & 3]);
			}
			k = _mm_add_epi32(m[g & 3], _mm_loadu_si128((const __m128i *)&K[4 * g]));
			s1 = _mm_sha256rnds2_epu32(s1, s0, k);
			s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(k, 0x0E));
		}
		s0 = _mm_add_epi32(s0, save0);
		s1 = _mm_add_epi32(s1, save1);
		p += 64;
	}
	t = _mm_shuffle_epi32(s0, 0x1B);   /* F E B A */
	s1 = _mm_shuffle_epi32(s1, 0xB1);  /* D C H G */
	s0 = _mm_blend_epi16(t, s1, 0xF0); /* D C B A */
	s1 = _mm_alignr_epi8(s1, t, 8);	   /* H G F E */
	_mm_storeu_si128((__m128i *)&st[0], s0);
	_mm_storeu_si128((__m128i *)&st[4], s1);
}

/* CPUID leaf 7 EBX bit 29: SHA; leaf 1 ECX bit 9 SSSE3, bit 19 SSE4.1. */
static int cpu_has_shani(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19)))
		return 0;
	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	return (b >> 29) & 1;
}
#endif

typedef void (*blocks_fn)(uint32_t st[8], const uint8_t *p, size_t n);
static blocks_fn chosen; /* NULL until the first use */
static int forced_portable;

static blocks_fn blocks(void)
{
	if (forced_portable)
		return blocks_c;
	if (!chosen) {
		blocks_fn f = blocks_c;
#ifdef SHA256_HAVE_X86
		if (cpu_has_shani())
			f = blocks_shani;
#endif
		chosen = f; /* the same value from every thread: a benign race */
	}
	return chosen;
}

const char *sha256_impl(void)
{
	return blocks() == blocks_c ? "portable" : "sha-ni";
}

void sha256_force_portable(int on)
{
	forced_portable = on;
}

/* ---- the hash ------------------------------------------------------------ */
void sha256_init(struct sha256 *s)
{
	/* FIPS 180-4 5.3.3 */
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(s->h, iv, sizeof iv);
	s->len = 0;
	s->nbuf = 0;
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	blocks_fn f = blocks();
	s->len += len;
	if (s->nbuf) {
		size_t take = 64 - s->nbuf < len ? 64 - s->nbuf : len;
		memcpy(s->buf + s->nbuf, p, take);
		s->nbuf += take;
		p += take;
		len -= take;
		if (s->nbuf < 64)
			return;
		f(s->h, s->buf, 1);
		s->nbuf = 0;
	}
	if (len >= 64) {
		f(s->h, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	memcpy(s->buf, p, len);
	s->nbuf = len;
}

void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST])
{
	/* FIPS 180-4 5.1.1: a 1 bit, zeros, and the length in bits as a
	 * 64-bit big-endian number, to a multiple of 512 bits. */
	uint64_t bits = s->len * 8;
	uint8_t pad[72];
	size_t n = (s->nbuf < 56 ? 56 : 120) - s->nbuf;
	memset(pad, 0, sizeof pad);
	pad[0] = 0x80;
	for (int i = 0; i < 8; i++)
		pad[n + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(s, pad, n + 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
}

void sha256_buf(const void *data, size_t len, uint8_t out[SHA256_DIGEST])
{
	struct sha256 s;
	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, out);
}

void sha256_hex(const uint8_t d[SHA256_DIGEST], char out[SHA256_HEX])
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < SHA256_DIGEST; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[64] = 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sha256_parse_hex(const char *s, uint8_t out[SHA256_DIGEST])
{
	for (int i = 0; i < SHA256_DIGEST; i++) {
		int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* ---- sha256sum's line format ----------------------------------------------- */
int sha256sum_parse_line(const char *line, size_t len, uint8_t d[SHA256_DIGEST], char *name, size_t cap)
{
	size_t i = 0, o = 0;
	int esc = len && line[0] == '\\';
	if (len && line[len - 1] == '\r')
		len--; /* a file edited on another system */
	i = (size_t)esc;
	if (len < i + 66 || sha256_parse_hex(line + i, d) < 0 || line[i + 64] != ' ' ||
	    (line[i + 65] != ' ' && line[i + 65] != '*'))
		return -1;
	for (i += 66; i < len; i++) {
		char c = line[i];
		if (esc && c == '\\') {
			if (++i == len)
				return -1;
			c = line[i] == 'n' ? '\n' : line[i] == 'r' ? '\r' : line[i] == '\\' ? '\\' : 0;
			if (!c)
				return -1;
		}
		if (o + 1 >= cap || c == 0)
			return -1;
		name[o++] = c;
	}
	if (!o)
		return -1;
	name[o] = 0;
	return 0;
}

size_t sha256sum_format_line(const uint8_t d[SHA256_DIGEST], const char *name, char *out)
{
	size_t o = 0;
	int esc = strpbrk(name, "\\\n\r") != NULL;
	if (esc)
		out[o++] = '\\';
	sha256_hex(d, out + o);
	o += 64;
	out[o++] = ' ';
	out[o++] = ' ';
	for (; *name; name++) {
		if (esc && (*name == '\\' || *name == '\n' || *name == '\r')) {
			out[o++] = '\\';
			out[o++] = *name == '\\' ? '\\' : *name == '\n' ? 'n' : 'r';
		} else {
			out[o++] = *name;
		}
	}
	out[o++] = '\n';
	out[o] = 0;
	return o;
}
