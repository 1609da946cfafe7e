/* mklive-init: modules.dep / modules.alias / modules.softdep parsing,
 * modalias matching (fnmatch patterns, as modprobe does) and load order. */
#include "live.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	size_t n = *cap ? *cap * 2 : 64;
	while (n < need)
		n *= 2;
	void *q = realloc(p, n * elem);
	if (!q)
		abort();
	*cap = n;
	return q;
}

static char *dupn(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		abort();
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

void kmod_name(const char *path, char *out, size_t cap)
{
	const char *b = strrchr(path, '/');
	size_t n;
	b = b ? b + 1 : path;
	n = strcspn(b, ".");
	if (!strstr(b, ".ko"))
		n = strlen(b);
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = b[i] == '-' ? '_' : b[i];
	out[n] = 0;
}

int kmod_db_find(const struct kmod_db *db, const char *name)
{
	char n[128];
	kmod_name(name, n, sizeof n);
	for (size_t i = 0; i < db->nmods; i++)
		if (!strcmp(db->mods[i].name, n))
			return (int)i;
	return -1;
}

/* Next line of text: [*line, *end); returns false at the end. */
static bool next_line(const char **p, const char **line, const char **end)
{
	if (!**p)
		return false;
	*line = *p;
	*end = strchr(*p, '\n');
	if (!*end)
		*end = *p + strlen(*p);
	*p = **end ? *end + 1 : *end;
	return true;
}

/* Next whitespace-separated word within [*p, end). */
static bool next_word(const char **p, const char *end, const char **w, size_t *n)
{
	while (*p < end && (**p == ' ' || **p == '\t' || **p == '\r'))
		(*p)++;
	if (*p >= end)
		return false;
	*w = *p;
	while (*p < end && **p != ' ' && **p != '\t' && **p != '\r')
		(*p)++;
	*n = (size_t)(*p - *w);
	return true;
}

int kmod_db_parse_dep(struct kmod_db *db, const char *text)
{
	size_t cap = db->nmods;
	const char *p = text, *l, *e;
	/* Pass 1: every module line names a module. */
	while (next_line(&p, &l, &e)) {
		const char *colon = memchr(l, ':', (size_t)(e - l));
		char name[128];
		if (!colon || *l == '#')
			continue;
		char *path = dupn(l, (size_t)(colon - l));
		kmod_name(path, name, sizeof name);
		if (kmod_db_find(db, name) >= 0) {
			free(path);
			continue;
		}
		db->mods = grow(db->mods, &cap, db->nmods + 1, sizeof *db->mods);
		memset(&db->mods[db->nmods], 0, sizeof *db->mods);
		db->mods[db->nmods].name = strdup(name);
		db->mods[db->nmods].path = path;
		db->nmods++;
	}
	/* Pass 2: dependencies by index. */
	p = text;
	while (next_line(&p, &l, &e)) {
		const char *colon = memchr(l, ':', (size_t)(e - l)), *w;
		size_t n, dcap = 0;
		char name[128], tmp[512];
		if (!colon || *l == '#')
			continue;
		snprintf(tmp, sizeof tmp, "%.*s", (int)(colon - l), l);
		int i = kmod_db_find(db, tmp);
		if (i < 0)
			continue; /* a name too long to match itself: ignored */
		struct kmod_module *m = &db->mods[i];
		if (m->ndeps)
			continue;
		const char *q = colon + 1;
		while (next_word(&q, e, &w, &n)) {
			snprintf(tmp, sizeof tmp, "%.*s", (int)n, w);
			kmod_name(tmp, name, sizeof name);
			int d = kmod_db_find(db, name);
			if (d < 0 || d == i)
				continue;
			m->deps = grow(m->deps, &dcap, m->ndeps + 1, sizeof *m->deps);
			m->deps[m->ndeps++] = d;
		}
	}
	return 0;
}

int kmod_db_parse_alias(struct kmod_db *db, const char *text)
{
	size_t cap = db->naliases;
	const char *p = text, *l, *e, *w;
	size_t n;
	while (next_line(&p, &l, &e)) {
		const char *q = l, *pat;
		size_t plen;
		char name[128], tmp[256];
		if (!next_word(&q, e, &w, &n) || n != 5 || memcmp(w, "alias", 5))
			continue;
		if (!next_word(&q, e, &pat, &plen) || !next_word(&q, e, &w, &n))
			continue;
		snprintf(tmp, sizeof tmp, "%.*s", (int)n, w);
		kmod_name(tmp, name, sizeof name);
		db->aliases = grow(db->aliases, &cap, db->naliases + 1, sizeof *db->aliases);
		struct kmod_alias *a = &db->aliases[db->naliases++];
		a->pattern = dupn(pat, plen);
		a->module = strdup(name);
		a->literal = strcspn(a->pattern, "*?[\\");
	}
	return 0;
}

int kmod_db_parse_softdep(struct kmod_db *db, const char *text)
{
	const char *p = text, *l, *e, *w;
	size_t n;
	while (next_line(&p, &l, &e)) {
		const char *q = l;
		char tmp[256];
		bool pre = false;
		size_t pcap;
		if (!next_word(&q, e, &w, &n) || n != 7 || memcmp(w, "softdep", 7))
			continue;
		if (!next_word(&q, e, &w, &n))
			continue;
		snprintf(tmp, sizeof tmp, "%.*s", (int)n, w);
		int i = kmod_db_find(db, tmp);
		if (i < 0)
			continue;
		struct kmod_module *m = &db->mods[i];
		pcap = m->npre;
		while (next_word(&q, e, &w, &n)) {
			if (n == 4 && !memcmp(w, "pre:", 4)) {
				pre = true;
				continue;
			}
			if (n == 5 && !memcmp(w, "post:", 5)) {
				pre = false;
				continue;
			}
			if (!pre)
				continue;
			snprintf(tmp, sizeof tmp, "%.*s", (int)n, w);
			/* A softdep names a module or an alias ("crypto-crc32c"). */
			int ds[8];
			size_t nd = 0;
			int d = kmod_db_find(db, tmp);
			if (d >= 0)
				ds[nd++] = d;
			else
				nd = kmod_match(db, tmp, ds, 8);
			for (size_t k = 0; k < nd; k++) {
				if (ds[k] == i)
					continue;
				m->pre = grow(m->pre, &pcap, m->npre + 1, sizeof *m->pre);
				m->pre[m->npre++] = ds[k];
			}
		}
	}
	return 0;
}

void kmod_db_free(struct kmod_db *db)
{
	for (size_t i = 0; i < db->naliases; i++) {
		free(db->aliases[i].pattern);
		free(db->aliases[i].module);
	}
	for (size_t i = 0; i < db->nmods; i++) {
		free(db->mods[i].name);
		free(db->mods[i].path);
		free(db->mods[i].deps);
		free(db->mods[i].pre);
	}
	free(db->aliases);
	free(db->mods);
	memset(db, 0, sizeof *db);
}

bool kmod_alias_match(const struct kmod_alias *a, const char *modalias)
{
	/* The literal prefix rules out almost every pattern cheaply. */
	if (strncmp(a->pattern, modalias, a->literal) != 0)
		return false;
	return fnmatch(a->pattern, modalias, 0) == 0;
}

size_t kmod_match(const struct kmod_db *db, const char *modalias, int *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < db->naliases && n < cap; i++) {
		if (!kmod_alias_match(&db->aliases[i], modalias))
			continue;
		int m = kmod_db_find(db, db->aliases[i].module);
		bool dup = m < 0;
		for (size_t j = 0; j < n && !dup; j++)
			dup = out[j] == m;
		if (!dup)
			out[n++] = m;
	}
	return n;
}

size_t kmod_load_order(struct kmod_db *db, int i, int *order, size_t n, size_t cap)
{
	struct kmod_module *m = &db->mods[i];
	if (m->state != 0)
		return n;
	m->state = 1; /* guards against dependency cycles */
	for (size_t j = 0; j < m->npre; j++)
		n = kmod_load_order(db, m->pre[j], order, n, cap);
	/* modules.dep lists dependencies so that the last one is loaded first. */
	for (size_t j = m->ndeps; j-- > 0;)
		n = kmod_load_order(db, m->deps[j], order, n, cap);
	if (n < cap)
		order[n++] = i;
	m->state = 2;
	return n;
}
