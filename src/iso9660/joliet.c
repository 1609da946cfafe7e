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
	size_t chars = 0;
	const unsigned char *p = (const unsigned char *)name;
	while (*p && chars < ISO_JOLIET_MAX_CHARS) {
		uint32_t c = utf8_next(&p);
		/* Joliet forbids controls and * / : ; ? \ ; UCS-2 holds only the BMP */
		if (c < 0x20 || c > 0xFFFF || (c >= 0xD800 && c <= 0xDFFF) || strchr("*/:;?\\", (int)c))
			c = '_';
		put_be16(out + 2 * chars++, (uint16_t)c);
	}
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
