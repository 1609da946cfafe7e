/* mklive-init: the live.* boot parameters from the kernel command line. */
#include "live.h"

#include <arpa/inet.h>
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

/* One dotted quad of [s, s+n) into *out (network order); empty: 0. */
static int quad(const char *s, size_t n, uint32_t *out, bool empty_ok)
{
	char b[16];
	struct in_addr a;
	if (n == 0 && empty_ok) {
		*out = 0;
		return 0;
	}
	if (n == 0 || n >= sizeof b)
		return -1;
	memcpy(b, s, n);
	b[n] = 0;
	if (inet_pton(AF_INET, b, &a) != 1)
		return -1;
	*out = a.s_addr;
	return 0;
}

int live_ip_parse(const char *v, struct live_opts *o)
{
	const char *slash = strchr(v, '/'), *c1, *c2;
	char *end;
	uint32_t addr, gw = 0, dns = 0;
	unsigned long prefix;
	if (!slash || quad(v, (size_t)(slash - v), &addr, false) < 0 || addr == 0)
		return -1;
	if (slash[1] < '0' || slash[1] > '9')
		return -1;
	prefix = strtoul(slash + 1, &end, 10);
	if (prefix > 32 || (*end && *end != ':'))
		return -1;
	c1 = *end == ':' ? end + 1 : NULL;
	if (c1) {
		c2 = strchr(c1, ':');
		if (quad(c1, c2 ? (size_t)(c2 - c1) : strlen(c1), &gw, true) < 0)
			return -1;
		if (c2 && (strchr(c2 + 1, ':') || quad(c2 + 1, strlen(c2 + 1), &dns, true) < 0))
			return -1;
	}
	o->ip = LIVE_IP_STATIC;
	o->ip_addr = addr;
	o->ip_prefix = (unsigned)prefix;
	o->ip_gw = gw;
	o->ip_dns = dns;
	return 0;
}

int live_ipappend_server(const char *v, uint32_t *server)
{
	/* CLIENT:SERVER:...: only SERVER is used (the address comes from
	 * live.ip= or DHCP; the kernel here has no ip= autoconfiguration) */
	const char *c1 = strchr(v, ':');
	uint32_t client;
	if (!c1 || quad(v, (size_t)(c1 - v), &client, true) < 0)
		return -1; /* not "ip=dhcp", not an IPv6 "[...]" form */
	c1++;
	return quad(c1, strcspn(c1, ":"), server, true);
}

int live_bootif_parse(const char *v, uint8_t mac[6])
{
	/* exactly "01" and six "-xx" */
	if (strlen(v) != 20 || strncmp(v, "01", 2))
		return -1;
	for (int i = 0; i < 6; i++) {
		const char *p = v + 2 + 3 * i;
		unsigned x = 0;
		if (p[0] != '-' && p[0] != ':')
			return -1;
		for (int j = 1; j <= 2; j++) {
			char c = p[j];
			unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
				     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
				     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
							    : 16;
			if (d > 15)
				return -1;
			x = x * 16 + d;
		}
		mac[i] = (uint8_t)x;
	}
	return 0;
}

/* The on/off switches: "live.x" alone, or with 0/1, yes/no, on/off. */
static bool is_switch(const char *k)
{
	return !strcmp(k, "live.toram") || !strcmp(k, "live.shell") || !strcmp(k, "live.debug") ||
	       !strcmp(k, "live.persistence") || !strcmp(k, "live.check") || !strcmp(k, "live.readahead");
}

static int set_switch(struct live_opts *o, const char *k, const char *val)
{
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

static int set_fetch(struct live_opts *o, const char *k, const char *val)
{
	/* http:// only: there is no TLS in the initramfs. A bare /PATH
	 * (pxelinux menus) is on the boot server, known once the
	 * network is up (fetch.c). */
	bool path = val && val[0] == '/' && val[1] && val[1] != '/';
	if (!val || (!path && (strncmp(val, "http://", 7) || !val[7] || val[7] == '/')) ||
	    strpbrk(val, " \t")) {
		warnf(o, k, ": expected http://HOST[:PORT]/PATH or /PATH; ignored");
		return 1;
	}
	return set_str(o, o->fetch, sizeof o->fetch, k, val);
}

static int set_timeout(struct live_opts *o, const char *k, const char *val)
{
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
	if (is_switch(k))
		return set_switch(o, k, val);
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
	if (!strcmp(k, "live.ip")) {
		if (val && !strcmp(val, "dhcp"))
			o->ip = LIVE_IP_DHCP;
		else if (val && (!strcmp(val, "off") || !strcmp(val, "none")))
			o->ip = LIVE_IP_OFF;
		else if (!val || live_ip_parse(val, o) < 0) {
			warnf(o, k, ": expected dhcp, off or ADDR/PREFIX:GATEWAY:DNS; ignored");
			return 1;
		}
		return 0;
	}
	if (!strcmp(k, "live.fetch"))
		return set_fetch(o, k, val);
	if (!strcmp(k, "live.findiso")) {
		if (!val || *val != '/' || strstr(val, "/../") ||
		    !strcmp(val + strlen(val) - (strlen(val) > 2 ? 3 : 0), "/..")) {
			warnf(o, k, ": expected an absolute path such as /isos/live.iso; ignored");
			return 1;
		}
		return set_str(o, o->findiso, sizeof o->findiso, k, val);
	}
	if (!strcmp(k, "live.timeout"))
		return set_timeout(o, k, val);
	/* the live system's settings: livecfg.c reads them */
	static const char *const livecfg_keys[] = {"live.user", "live.autologin", "live.noautologin",
						   "live.lang", "live.locale",	  "live.keymap",
						   "live.tz",	"live.hostname",  "live.network"};
	for (size_t i = 0; i < sizeof livecfg_keys / sizeof livecfg_keys[0]; i++)
		if (!strcmp(k, livecfg_keys[i]))
			return 0;
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
		/* pxelinux's SYSAPPEND 3 words, not ours to warn about: the
		 * last one of each form counts */
		uint32_t srv;
		uint8_t mac[6];
		if (!toolong && !strncmp(word, "ip=", 3) && live_ipappend_server(word + 3, &srv) == 0)
			o->boot_server = srv;
		if (!toolong && !strncmp(word, "BOOTIF=", 7) && live_bootif_parse(word + 7, mac) == 0) {
			memcpy(o->bootif, mac, 6);
			o->has_bootif = true;
		}
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
