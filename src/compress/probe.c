/* A cheap test for bytes no codec can shrink (data that is already
 * compressed: .gz, .xz, images), so that callers can store them as they are
 * instead of spending an expensive codec on them. */
#include "compress/codec_impl.h"

#include "core/util.h"

#include <stdlib.h>
#include <string.h>

struct comp_probe {
	struct comp_ctx *fast; /* zstd level 1: LZ matches and entropy coding */
	uint8_t *buf;
	size_t cap;
};

int comp_probe_create(struct comp_probe **out)
{
	struct comp_opts o;
	struct comp_probe *p = xcalloc(1, sizeof *p);
	int rc;
	memset(&o, 0, sizeof o);
	o.codec = COMP_ZSTD;
	o.level = 1;
	*out = NULL;
	if ((rc = comp_ctx_create(&p->fast, &o)) != 0) {
		free(p);
		return rc;
	}
	*out = p;
	return 0;
}

void comp_probe_destroy(struct comp_probe *p)
{
	if (!p)
		return;
	comp_ctx_destroy(p->fast);
	free(p->buf);
	free(p);
}

static void count(uint32_t h[4][256], const uint8_t *p, size_t n)
{
	size_t i = 0;
	for (; i + 4 <= n; i += 4) { /* four tables: no store-to-load stalls */
		h[0][p[i]]++;
		h[1][p[i + 1]]++;
		h[2][p[i + 2]]++;
		h[3][p[i + 3]]++;
	}
	for (; i < n; i++)
		h[0][p[i]]++;
}

/* Order-0 gate: the collision probability sum(p_i^2) of the byte values,
 * estimated without bias as (sum c_i^2 - n) / (n (n - 1)). Text and code
 * are far above 2^-7.5 (Renyi entropy below 7.5 bits per byte); compressed
 * data sits at 2^-8. Only what passes the gate pays for the trial run, so
 * large inputs are sampled (SAMPLES slices spread over them): a wrong
 * guess costs only time, never size. */
#define SAMPLES 16
#define SLICE 1024
static bool high_entropy(const uint8_t *p, size_t n)
{
	uint32_t h[4][256];
	uint64_t sq = 0, m = 0;
	memset(h, 0, sizeof h);
	if (n <= SAMPLES * SLICE * 2) {
		count(h, p, n);
		m = n;
	} else {
		size_t stride = n / SAMPLES;
		for (size_t k = 0; k < SAMPLES; k++)
			count(h, p + k * stride, SLICE);
		m = SAMPLES * SLICE;
	}
	for (int b = 0; b < 256; b++) {
		uint64_t c = (uint64_t)h[0][b] + h[1][b] + h[2][b] + h[3][b];
		sq += c * c;
	}
	/* sum p^2 <= 2^-7.5 ~ 1/181 */
	return (sq - m) * 181 <= m * (m - 1);
}

bool comp_probe_incompressible(struct comp_probe *p, const void *in, size_t n)
{
	ssize_t r;
	if (n < COMP_PROBE_MIN || !high_entropy(in, n))
		return false;
	if (p->cap < n) {
		free(p->buf);
		p->buf = xmalloc(n);
		p->cap = n;
	}
	/* the fast pass cannot store it in fewer bytes than it has */
	r = comp_compress(p->fast, in, n, p->buf, n - 1);
	return r == 0;
}
