/* Editing /etc/passwd, shadow, group and gshadow as text, the same way in
 * the build (on the root tree) and in mklive-init (on the mounted root):
 * lines are replaced or appended, never reordered, so a database keeps the
 * shape its own tools gave it. See livesys.h. */
#include "livesys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *live_acct_find(const char *db, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	for (const char *p = db; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l > nl && !strncmp(p, name, nl) && p[nl] == ':') {
			*len = l;
			return p;
		}
		p = e ? e + 1 : NULL;
	}
	return NULL;
}

bool live_acct_field(const char *line, size_t len, unsigned idx, char *out, size_t cap)
{
	const char *p = line, *end = line + len;
	for (unsigned i = 0; i < idx; i++) {
		const char *c = memchr(p, ':', (size_t)(end - p));
		if (!c)
			return false;
		p = c + 1;
	}
	const char *c = memchr(p, ':', (size_t)(end - p));
	size_t n = c ? (size_t)(c - p) : (size_t)(end - p);
	if (cap) {
		if (n >= cap)
			n = cap - 1;
		memcpy(out, p, n);
		out[n] = 0;
	}
	return true;
}

/* db with [at, at + len) replaced by rep (rlen bytes). */
static char *splice(const char *db, size_t at, size_t len, const char *rep, size_t rlen)
{
	size_t dl = strlen(db);
	char *r = malloc(dl - len + rlen + 2);
	if (!r)
		return NULL;
	memcpy(r, db, at);
	memcpy(r + at, rep, rlen);
	memcpy(r + at + rlen, db + at + len, dl - at - len + 1);
	return r;
}

char *live_acct_put(const char *db, const char *name, const char *line)
{
	size_t len, dl = strlen(db);
	const char *p = live_acct_find(db, name, &len);
	char *r;
	if (p)
		return splice(db, (size_t)(p - db), len, line, strlen(line));
	/* appended, after a newline the last line may lack */
	r = malloc(dl + strlen(line) + 3);
	if (!r)
		return NULL;
	sprintf(r, "%s%s%s\n", db, dl && db[dl - 1] != '\n' ? "\n" : "", line);
	return r;
}

char *live_acct_set_field(const char *db, const char *name, unsigned idx, const char *value, bool *found)
{
	size_t len;
	const char *p = live_acct_find(db, name, &len), *f, *end;
	*found = p != NULL;
	if (!p)
		return NULL;
	f = p;
	end = p + len;
	for (unsigned i = 0; i < idx; i++) {
		const char *c = memchr(f, ':', (size_t)(end - f));
		if (!c) {
			*found = false;
			return NULL;
		}
		f = c + 1;
	}
	const char *c = memchr(f, ':', (size_t)(end - f));
	size_t fl = c ? (size_t)(c - f) : (size_t)(end - f);
	return splice(db, (size_t)(f - db), fl, value, strlen(value));
}

static bool id_used(const char *db, unsigned id)
{
	char f[16];
	for (const char *p = db; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (live_acct_field(p, l, 2, f, sizeof f) && strtoul(f, NULL, 10) == id && f[0] >= '0' &&
		    f[0] <= '9')
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

unsigned live_acct_free_id(const char *db1, const char *db2, unsigned from)
{
	for (unsigned id = from; id < 60000; id++)
		if (!(db1 && id_used(db1, id)) && !(db2 && id_used(db2, id)))
			return id;
	return 0;
}

char *live_acct_add_member(const char *db, const char *group, const char *user, bool *found)
{
	char members[4096], *line, *r;
	size_t len, ul = strlen(user);
	const char *p = live_acct_find(db, group, &len);
	bool in = false;
	*found = p != NULL;
	if (!p || !live_acct_field(p, len, 3, members, sizeof members))
		return strdup(db);
	for (const char *m = members; *m;) {
		size_t n = strcspn(m, ",");
		if (n == ul && !strncmp(m, user, n))
			in = true;
		m += n + (m[n] == ',');
	}
	if (in)
		return strdup(db);
	line = malloc(len + ul + 3);
	if (!line)
		return NULL;
	/* the line as it is, with ",user" (or "user") at its end */
	memcpy(line, p, len);
	sprintf(line + len, "%s%s", members[0] ? "," : "", user);
	r = splice(db, (size_t)(p - db), len, line, strlen(line));
	free(line);
	return r;
}

bool live_acct_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (!n || n > 32 || !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

bool live_acct_hash_ok(const char *s)
{
	/* crypt(3): "$id$[params$]salt$hash" (yescrypt $y$, sha512 $6$,
	 * sha256 $5$, bcrypt $2b$, md5 $1$, gost-yescrypt $gy$...): at least
	 * three '$' and only crypt's alphabet */
	size_t dollars = 0;
	if (!*s)
		return true;
	if (s[0] != '$' || strlen(s) < 13)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p == '$')
			dollars++;
		else if (!strchr("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=,-", *p))
			return false;
	}
	return dollars >= 3 && s[strlen(s) - 1] != '$';
}
