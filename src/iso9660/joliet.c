/* Joliet (Microsoft, 1995): UCS-2 big-endian file identifiers (at most 64
 * characters, none of * / : ; ? \ or controls, version ";1" on files),
 * their order, and the supplementary volume descriptor's identifiers
 * (escape sequence %/E). */
#include "iso9660/joliet.h"
#include "iso9660/names.h"

#include "core/util.h"

#include <string.h>

/* Decode one UTF-8 sequence; invalid bytes decode as '_' one at a time. */
static uint32_t utf8_next(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint32_t c = p[0];
	int n = 0;
	if (c < 0x80)
		n = 0;
	else if ((c & 0xE0) == 0xC0)
		n = 1, c &= 0x1F;
	else if ((c & 0xF0) == 0xE0)
		n = 2, c &= 0x0F;
	else if ((c & 0xF8) == 0xF0)
		n = 3, c &= 0x07;
	else {
		*pp = p + 1;
		return '_';
	}
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*pp = p + 1;
			return '_';
		}
		c = c << 6 | (p[i] & 0x3F);
	}
	*pp = p + n + 1;
	return c;
}

size_t iso_name_joliet(const char *name, bool is_dir, uint8_t *out)
{
	uint16_t u[256 * 4];
	size_t n = 0, chars = 0, keep, dot = 0, ext = 0;
	const unsigned char *p = (const unsigned char *)name;
	while (*p && n < ARRAY_SIZE(u)) {
		uint32_t c = utf8_next(&p);
		/* Joliet forbids controls and * / : ; ? \ ; UCS-2 holds only the BMP */
		if (c < 0x20 || c > 0xFFFF || (c >= 0xD800 && c <= 0xDFFF) || strchr("*/:;?\\", (int)c))
			c = '_';
		u[n++] = (uint16_t)c;
	}
	/* A file name too long keeps its extension, as xorriso's do: the
	 * characters after the last dot, all of them if the name part can
	 * still keep 60 characters, else at least 3 (".txt" stays ".txt"). */
	keep = MIN(n, (size_t)ISO_JOLIET_MAX_CHARS);
	if (!is_dir && n > ISO_JOLIET_MAX_CHARS) {
		for (size_t i = n; i-- > 0;)
			if (u[i] == '.') {
				dot = i;
				ext = n - i - 1;
				break;
			}
		if (ext) {
			size_t room = ISO_JOLIET_MAX_CHARS - 1; /* name part and extension */
			if (ext > 3)
				ext = dot < room - 3 ? room - dot : 3;
			keep = room - ext;
		}
	}
	for (size_t i = 0; i < keep; i++)
		put_be16(out + 2 * chars++, u[i]);
	if (ext)
		for (size_t i = dot; i <= dot + ext; i++)
			put_be16(out + 2 * chars++, u[i]);
	if (!chars)
		put_be16(out + 2 * chars++, '_');
	if (!is_dir) {
		put_be16(out + 2 * chars++, ';');
		put_be16(out + 2 * chars++, '1');
	}
	return 2 * chars;
}

int iso_joliet_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, MIN(al, bl));
	if (c)
		return c;
	return al < bl ? -1 : al > bl;
}

size_t iso_joliet_str(const char *s, uint8_t *out, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = 0;
	while (*p && n < max_chars) {
		uint32_t c = utf8_next(&p);
		if (c > 0xFFFF || (c >= 0xD800 && c <= 0xDFFF))
			c = '_';
		put_be16(out + 2 * n++, (uint16_t)c);
	}
	return 2 * n;
}
