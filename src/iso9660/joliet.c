/* Joliet (Microsoft, 1995): UCS-2 big-endian identifiers for the
 * supplementary volume descriptor (escape sequence %/E, level 3). */
#include "iso9660/joliet.h"

#include "core/util.h"

size_t iso_joliet_str(const char *s, uint8_t *out, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = 0;
	while (*p && n < max_chars) {
		uint32_t c = *p++;
		int more = 0;
		if (c >= 0xF0)
			more = 3, c &= 0x07;
		else if (c >= 0xE0)
			more = 2, c &= 0x0F;
		else if (c >= 0xC0)
			more = 1, c &= 0x1F;
		else if (c >= 0x80)
			c = '_';
		for (; more > 0; more--) {
			if ((*p & 0xC0) != 0x80) {
				c = '_';
				break;
			}
			c = c << 6 | (*p++ & 0x3F);
		}
		if (c > 0xFFFF || (c >= 0xD800 && c <= 0xDFFF))
			c = '_';
		put_be16(out + 2 * n++, (uint16_t)c);
	}
	return 2 * n;
}
