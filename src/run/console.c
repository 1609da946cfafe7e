/* The serial console as text: what --send types (escapes decoded) and what
 * --expect is matched against (the output without terminal control
 * sequences, so a pattern is written as the text a person sees). */
#include "core/error.h"
#include "core/util.h"
#include "run/run.h"

#include <stdlib.h>
#include <string.h>

int run_unescape(const char *s, char **out)
{
	char *r = xmalloc(strlen(s) + 1), *q = r;
	for (const char *p = s; *p; p++) {
		if (*p != '\\') {
			*q++ = *p;
			continue;
		}
		switch (*++p) {
		case 'n':
			*q++ = '\n';
			break;
		case 'r':
			*q++ = '\r';
			break;
		case 't':
			*q++ = '\t';
			break;
		case 'e':
			*q++ = 033;
			break;
		case '\\':
			*q++ = '\\';
			break;
		case 'x':
			if (util_hexval(p[1]) >= 0 && util_hexval(p[2]) >= 0 &&
			    (util_hexval(p[1]) | util_hexval(p[2]))) {
				*q++ = (char)(util_hexval(p[1]) << 4 | util_hexval(p[2]));
				p += 2;
				break;
			}
			free(r);
			return err_set(ERR_USAGE, "--send %s: \\x needs two hex digits (not 00)", s);
		default:
			free(r);
			return err_set(ERR_USAGE,
				       "--send %s: unknown escape \\%.1s (use \\n \\r \\t \\e \\\\ \\xHH)", s,
				       *p ? p : "");
		}
	}
	*q = 0;
	*out = r;
	return 0;
}

int run_regex_compile(regex_t *re, const char *pattern, const char *what)
{
	/* POSIX ERE has no escape for a newline: "\n" is made one here, so a
	 * pattern can span lines ("\\" stays a backslash). */
	char *p = xmalloc(strlen(pattern) + 1), *q = p;
	int rc;
	for (const char *s = pattern; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*q++ = '\n';
			s++;
		} else if (s[0] == '\\' && s[1] == '\\') {
			*q++ = *s++;
			*q++ = *s;
		} else {
			*q++ = *s;
		}
	}
	*q = 0;
	rc = regcomp(re, p, REG_EXTENDED);
	free(p);
	if (rc) {
		char msg[200];
		regerror(rc, re, msg, sizeof msg);
		return err_set(ERR_USAGE, "%s %s: not a POSIX extended regular expression: %s", what, pattern,
			       msg);
	}
	return 0;
}

/* Escape-sequence states (ECMA-48): plain text, after ESC, inside a CSI
 * (ESC [ ... final byte 0x40..0x7E), inside a string (OSC, DCS, ...: up
 * to BEL or ESC \), after ESC inside a string, and ESC plus one
 * intermediate (ESC ( B: a character set). */
enum { T_TEXT, T_ESC, T_CSI, T_STR, T_STR_ESC, T_INTER };

void run_text_init(struct run_text *t)
{
	memset(t, 0, sizeof *t);
	util_grow(&t->buf, &t->cap, 1, 1);
	t->buf[0] = 0;
}

void run_text_free(struct run_text *t)
{
	free(t->buf);
	memset(t, 0, sizeof *t);
}

static void keep(struct run_text *t, char c)
{
	util_grow(&t->buf, &t->cap, t->len + 2, 1);
	t->buf[t->len++] = c;
}

void run_text_feed(struct run_text *t, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)data[i];
		switch (t->esc) {
		case T_TEXT:
			if (c == 033)
				t->esc = T_ESC;
			else if (c == 0x9b) /* 8-bit CSI */
				t->esc = T_CSI;
			else if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f))
				keep(t, (char)c);
			/* CR, BS, BEL, NUL...: not text */
			break;
		case T_ESC:
			if (c == '[')
				t->esc = T_CSI;
			else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_')
				t->esc = T_STR;
			else if (c >= 0x20 && c <= 0x2f)
				t->esc = T_INTER;
			else
				t->esc = T_TEXT; /* ESC c, ESC 7, ESC M ... */
			break;
		case T_CSI:
			if (c >= 0x40 && c <= 0x7e)
				t->esc = T_TEXT;
			else if (c == 033)
				t->esc = T_ESC;
			break;
		case T_STR:
			if (c == 7)
				t->esc = T_TEXT;
			else if (c == 033)
				t->esc = T_STR_ESC;
			break;
		case T_STR_ESC:
			t->esc = c == '\\' ? T_TEXT : T_STR;
			break;
		case T_INTER:
			if (!(c >= 0x20 && c <= 0x2f))
				t->esc = T_TEXT;
			break;
		}
	}
	/* Keep the tail: a match is looked for after every chunk, so what is
	 * dropped has been searched already; half the window stays so that a
	 * pattern spanning the cut is still seen whole. */
	if (t->len > RUN_TEXT_KEEP) {
		size_t drop = t->len - RUN_TEXT_KEEP / 2;
		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
		t->trimmed += drop;
	}
	t->buf[t->len] = 0;
}

bool run_text_match(const struct run_text *t, const regex_t *re, size_t from, size_t *end)
{
	regmatch_t m;
	size_t off = from > t->trimmed ? from - t->trimmed : 0;
	if (off > t->len)
		return false;
	if (regexec(re, t->buf + off, 1, &m, off ? REG_NOTBOL : 0) != 0)
		return false;
	if (end)
		*end = t->trimmed + off + (size_t)m.rm_eo;
	return true;
}

const char *run_text_last_line(const struct run_text *t)
{
	const char *nl = strrchr(t->buf, '\n');
	return nl ? nl + 1 : t->buf;
}

bool run_text_at_prompt(const struct run_text *t)
{
	const char *l = run_text_last_line(t);
	size_t n = strlen(l);
	while (n && (l[n - 1] == ' ' || l[n - 1] == '\t'))
		n--;
	/* A prompt ends in what shells, getty and login end theirs with
	 * ("# ", "$ ", "> ", "% ", "login: "). Text typed early would wait in
	 * the serial port for the next reader, which could be the boot
	 * loader, so a line such as iPXE's "Press Ctrl-B..." is not one. */
	if (!n || !strchr("#$>%:", l[n - 1]))
		return false;
	/* SYSLINUX/ISOLINUX's prompt: a key there stops its timeout and
	 * names a boot entry, so typing waits until the kernel runs */
	if (n >= 5 && !memcmp(l + n - 5, "boot:", 5))
		return false;
	return true;
}
