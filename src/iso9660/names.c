/* Name mangling: ECMA-119 7.4-7.6 d-character identifiers for levels 1-3,
 * Joliet UCS-2 identifiers, and numbered variants that keep every name of a
 * directory unique without depending on anything but the names. */
#include "iso9660/names.h"
#include "iso9660/joliet.h"

#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_dchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Host name to upper-case d-characters; a multi-byte UTF-8 sequence
 * becomes one '_'. Dots are kept for the caller to split on. */
static size_t map_dchars(const char *name, char *m, size_t cap)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)name; *p && n < cap; p++) {
		unsigned char c = *p;
		if (c >= 0x80) {
			if ((c & 0xC0) == 0x80)
				continue; /* continuation byte of a sequence already mapped */
			m[n++] = '_';
			continue;
		}
		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		m[n++] = c == '.' ? '.' : is_dchar(c) ? (char)c : '_';
	}
	return n;
}

size_t iso_name_mangle(const char *name, bool is_dir, const struct iso_name_rules *r, uint8_t *out)
{
	char m[1024];
	size_t n = map_dchars(name, m, sizeof m);
	bool short83 = r->level == 1 && !r->long_names;
	size_t len = 0;
	if (is_dir) {
		size_t max = short83 ? 8 : 31;
		for (size_t i = 0; i < n && len < max; i++)
			out[len++] = m[i] == '.' ? '_' : (uint8_t)m[i];
		if (!len)
			out[len++] = '_';
		return len;
	}
	{
		/* 7.5.1: one separator; the extension is what follows the last dot
		 * (a leading dot, as in ".profile", starts no extension). */
		size_t dot = n, base_len, ext_len, base_max, ext_max;
		for (size_t i = n; i-- > 1;)
			if (m[i] == '.') {
				dot = i;
				break;
			}
		base_len = dot;
		ext_len = dot < n ? n - dot - 1 : 0;
		if (short83) {
			base_max = 8;
			ext_max = 3;
		} else {
			ext_max = base_len + 1 + ext_len <= 31 ? ext_len : MIN(ext_len, (size_t)8);
			base_max = 30 - MIN(ext_max, ext_len);
		}
		if (base_len > base_max)
			base_len = base_max;
		if (ext_len > ext_max)
			ext_len = ext_max;
		for (size_t i = 0; i < base_len; i++)
			out[len++] = m[i] == '.' ? '_' : (uint8_t)m[i];
		if (!base_len && !ext_len)
			out[len++] = '_';
		out[len++] = '.';
		for (size_t i = 0; i < ext_len; i++)
			out[len++] = m[dot + 1 + i] == '.' ? '_' : (uint8_t)m[dot + 1 + i];
		memcpy(out + len, ";1", 2);
		return len + 2;
	}
}

/* Numbered variant k of an identifier: the decimal digits of k replace the
 * end of the name part, which stays within the level's length limit. */
static size_t variant(const struct iso_name *nm, bool joliet, const struct iso_name_rules *r, unsigned k,
		      uint8_t *out)
{
	char digits[16];
	size_t nd = (size_t)snprintf(digits, sizeof digits, "%u", k);
	size_t cw = joliet ? 2 : 1; /* bytes per character */
	size_t chars = nm->len / cw, base = chars, tail = 0, max, keep, len = 0;
	/* The tail kept after the digits: ";1" and the extension ".EXT". */
	if (!nm->is_dir) {
		size_t i;
		base = chars - 2; /* drop ";1" */
		for (i = base; i-- > 0;) {
			uint16_t c = joliet ? get_be16(nm->bytes + 2 * i) : nm->bytes[i];
			if (c == '.')
				break;
		}
		if (i != (size_t)-1 && (!joliet || base - i <= 9))
			base = i;
		tail = chars - base;
	}
	if (joliet)
		max = ISO_JOLIET_MAX_CHARS + (nm->is_dir ? 0 : 2);
	else if (r->level == 1 && !r->long_names)
		max = nm->is_dir ? 8 : 8 + tail;
	else
		max = nm->is_dir ? 31 : 31 + 2;
	keep = max > tail + nd ? max - tail - nd : 0;
	if (keep > base)
		keep = base;
	memcpy(out, nm->bytes, keep * cw);
	len = keep * cw;
	for (size_t i = 0; i < nd; i++) {
		if (joliet) {
			put_be16(out + len, (uint16_t)digits[i]);
			len += 2;
		} else
			out[len++] = (uint8_t)digits[i];
	}
	memcpy(out + len, nm->bytes + base * cw, tail * cw);
	return len + tail * cw;
}

/* A set of identifiers (open addressing on FNV-1a). */
struct nameset {
	const struct iso_name **slots;
	size_t cap;
};

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static bool set_has(struct nameset *s, const uint8_t *b, size_t len)
{
	size_t i = (size_t)fnv(b, len) & (s->cap - 1);
	for (; s->slots[i]; i = (i + 1) & (s->cap - 1))
		if (s->slots[i]->len == len && !memcmp(s->slots[i]->bytes, b, len))
			return true;
	return false;
}

static void set_add(struct nameset *s, const struct iso_name *nm)
{
	size_t i = (size_t)fnv(nm->bytes, nm->len) & (s->cap - 1);
	while (s->slots[i])
		i = (i + 1) & (s->cap - 1);
	s->slots[i] = nm;
}

struct sort_ctx_item {
	const struct iso_name *nm;
	size_t idx;
};

static int cmp_item(const void *a, const void *b)
{
	const struct sort_ctx_item *x = a, *y = b;
	int c = iso_joliet_cmp(x->nm->bytes, x->nm->len, y->nm->bytes, y->nm->len);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

void iso_names_uniquify(struct iso_name **names, size_t n, bool joliet, const struct iso_name_rules *r)
{
	struct sort_ctx_item *sorted;
	size_t *dups, *group, ndup = 0;
	unsigned k = 0;
	uint8_t *is_dup;
	struct nameset s;
	if (n < 2)
		return;
	sorted = xmalloc(n * sizeof *sorted);
	for (size_t i = 0; i < n; i++) {
		sorted[i].nm = names[i];
		sorted[i].idx = i;
	}
	qsort(sorted, n, sizeof *sorted, cmp_item);
	dups = xmalloc(n * sizeof *dups);
	group = xmalloc(n * sizeof *group);
	for (size_t i = 1, g = 0; i < n; i++) {
		if (sorted[i].nm->len == sorted[i - 1].nm->len &&
		    !memcmp(sorted[i].nm->bytes, sorted[i - 1].nm->bytes, sorted[i].nm->len)) {
			group[ndup] = g;
			dups[ndup++] = sorted[i].idx;
		} else
			g++;
	}
	free(sorted);
	if (!ndup) {
		free(dups);
		free(group);
		return;
	}
	/* The first of equal names (in host-name order) keeps it; the others
	 * take variants, group by group in sorted order and in host-name order
	 * within a group, whose numbering continues where it stopped (so n equal
	 * names cost O(n), not O(n^2)). */
	is_dup = xcalloc(n, 1);
	for (size_t d = 0; d < ndup; d++)
		is_dup[dups[d]] = 1;
	memset(&s, 0, sizeof s);
	s.cap = 16;
	while (s.cap < 2 * (n + ndup))
		s.cap *= 2;
	s.slots = xcalloc(s.cap, sizeof *s.slots);
	for (size_t i = 0; i < n; i++)
		if (!is_dup[i])
			set_add(&s, names[i]);
	for (size_t d = 0; d < ndup; d++) {
		uint8_t buf[ISO_JOLIET_NAME_MAX + 32];
		struct iso_name *nm = names[dups[d]];
		if (d == 0 || group[d] != group[d - 1])
			k = 0;
		for (;;) {
			size_t len = variant(nm, joliet, r, ++k, buf);
			if (!set_has(&s, buf, len)) {
				memcpy(nm->bytes, buf, len);
				nm->len = (uint8_t)len;
				set_add(&s, nm);
				break;
			}
		}
	}
	free(is_dup);
	free(group);
	free(s.slots);
	free(dups);
}
