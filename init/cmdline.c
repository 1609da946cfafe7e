/* mklive-init: the live.* boot parameters from the kernel command line. */
#include "live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void live_opts_default(struct live_opts *o)
{
	memset(o, 0, sizeof *o);
	o->writable = LIVE_OVERLAY;
	o->timeout = 30;
	strcpy(o->init, "/sbin/init");
	strcpy(o->overlay_size, "50%");
}

/* Append "a b" to the warnings (cut if the buffer is full). */
static void warnf(struct live_opts *o, const char *a, const char *b)
{
	size_t n = strlen(o->warnings);
	if (n + 2 < sizeof o->warnings)
		snprintf(o->warnings + n, sizeof o->warnings - n, "%s%s%s", n ? "; " : "", a, b);
}

/* Copy a value that must fit; oversize values are refused, not cut. */
static int set_str(struct live_opts *o, char *dst, size_t cap, const char *key, const char *v)
{
	if (strlen(v) >= cap || !*v) {
		warnf(o, key, *v ? ": value too long, ignored" : ": empty value, ignored");
		return 1;
	}
	strcpy(dst, v);
	return 0;
}

/* One word "key" or "key=value" (quotes already removed). */
static int parse_word(struct live_opts *o, const char *key, size_t klen, const char *val)
{
	char k[40];
	if (klen >= sizeof k) {
		warnf(o, "unknown parameter ", "(too long)");
		return 1;
	}
	memcpy(k, key, klen);
	k[klen] = 0;
	if (!strcmp(k, "live.toram") || !strcmp(k, "live.shell") || !strcmp(k, "live.debug") ||
	    !strcmp(k, "live.persistence") || !strcmp(k, "live.check") || !strcmp(k, "live.readahead")) {
		bool on = true;
		if (val) {
			if (!strcmp(val, "1") || !strcmp(val, "yes") || !strcmp(val, "on"))
				on = true;
			else if (!strcmp(val, "0") || !strcmp(val, "no") || !strcmp(val, "off"))
				on = false;
			else {
				warnf(o, k, ": expected no value, 0/1, yes/no or on/off; ignored");
				return 1;
			}
		}
		if (!strcmp(k, "live.persistence"))
			o->persistence = on;
		else if (!strcmp(k, "live.readahead"))
			o->readahead = on;
		else if (!strcmp(k, "live.check"))
			o->check = on;
		else if (k[5] == 't')
			o->toram = on;
		else if (k[5] == 's')
			o->shell = on;
		else
			o->debug = on;
		return 0;
	}
	if (!strcmp(k, "live.id"))
		return set_str(o, o->id, sizeof o->id, k, val ? val : "");
	if (!strcmp(k, "live.init")) {
		if (val && *val != '/') {
			warnf(o, k, ": must be an absolute path; ignored");
			return 1;
		}
		return set_str(o, o->init, sizeof o->init, k, val ? val : "");
	}
	if (!strcmp(k, "live.overlay_size")) {
		/* Passed to tmpfs as size=: digits with an optional k/m/g or %. */
		const char *p = val ? val : "";
		size_t d = strspn(p, "0123456789");
		if (!d || (p[d] && (strchr("kKmMgG%", p[d]) == NULL || p[d + 1]))) {
			warnf(o, k, ": expected a size like 512m or 50%; ignored");
			return 1;
		}
		return set_str(o, o->overlay_size, sizeof o->overlay_size, k, p);
	}
	if (!strcmp(k, "live.writable")) {
		if (val && !strcmp(val, "overlay"))
			o->writable = LIVE_OVERLAY;
		else if (val && !strcmp(val, "tgz"))
			o->writable = LIVE_TGZ;
		else {
			warnf(o, k, ": expected overlay or tgz; ignored");
			return 1;
		}
		return 0;
	}
	if (!strcmp(k, "live.timeout")) {
		char *end;
		unsigned long t;
		if (!val || !*val || *val == '-' || *val == '+') {
			warnf(o, k, ": expected seconds; ignored");
			return 1;
		}
		t = strtoul(val, &end, 10);
		if (*end || t > 86400) {
			warnf(o, k, ": expected seconds (0..86400); ignored");
			return 1;
		}
		o->timeout = (unsigned)t;
		return 0;
	}
	if (!strncmp(k, "live.", 5)) {
		warnf(o, "unknown parameter ", k);
		return 1;
	}
	return 0;
}

int live_cmdline_parse(const char *s, struct live_opts *o)
{
	int warnings = 0;
	char word[512];
	while (*s) {
		size_t n = 0;
		bool quoted = false, toolong = false;
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		/* The kernel's own rule (lib/cmdline.c next_arg): double quotes
		 * group spaces and are removed. */
		while (*s && (quoted || (*s != ' ' && *s != '\t' && *s != '\n'))) {
			if (*s == '"')
				quoted = !quoted;
			else if (n + 1 < sizeof word)
				word[n++] = *s;
			else
				toolong = true;
			s++;
		}
		word[n] = 0;
		if (n < 5 || memcmp(word, "live.", 5) != 0)
			continue;
		if (toolong) {
			warnf(o, "a live.* parameter is too long; ", "ignored");
			warnings++;
			continue;
		}
		char *eq = strchr(word, '=');
		warnings += parse_word(o, word, eq ? (size_t)(eq - word) : n, eq ? eq + 1 : NULL);
	}
	return warnings;
}
