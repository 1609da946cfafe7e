/* /live/filesystem.packages: the packages of the root and their versions,
 * as live-build's media carry it, read from the dpkg database in the tree
 * (no dpkg-query run: the root is never unpacked). See livesys.h. */
#include "core/util.h"
#include "pipeline/livesys.h"

#include <stdlib.h>
#include <string.h>

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The value of field "Name: " in the paragraph [p, end), or NULL. */
static char *field(const char *p, const char *end, const char *name)
{
	size_t nl = strlen(name);
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		if (!e)
			e = end;
		if ((size_t)(e - p) > nl && !strncmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (v < e && *v == ' ')
				v++;
			return xstrndup(v, (size_t)(e - v));
		}
		p = e + 1;
	}
	return NULL;
}

int build_live_manifest(const struct tree *t, char **text)
{
	char *status, **lines = NULL;
	size_t len, n = 0, cap = 0;
	struct strbuf b = {0};
	int rc = build_live_read(t, "/var/lib/dpkg/status", &status, &len);
	*text = NULL;
	if (rc || !status)
		return rc;
	for (const char *p = status; *p;) {
		const char *end = strstr(p, "\n\n");
		char *pkg, *st, *ver;
		end = end ? end + 1 : p + strlen(p);
		pkg = field(p, end, "Package");
		st = field(p, end, "Status");
		ver = field(p, end, "Version");
		/* "install ok installed": not half-installed or removed with
		 * its configuration left */
		if (pkg && st && ver && strlen(st) >= 10 && !strcmp(st + strlen(st) - 10, " installed")) {
			util_grow(&lines, &cap, n + 1, sizeof *lines);
			lines[n++] = xasprintf("%s\t%s\n", pkg, ver);
		}
		free(pkg), free(st), free(ver);
		p = end;
		while (*p == '\n')
			p++;
	}
	if (n > 1)
		qsort(lines, n, sizeof *lines, cmp_line);
	strbuf_addf(&b, "%s", "");
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(&b, "%s", lines[i]);
		free(lines[i]);
	}
	free(lines);
	free(status);
	*text = b.s;
	return 0;
}
