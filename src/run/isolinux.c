/* The entry an isolinux.cfg (or syslinux.cfg) boots without a key
 * pressed: its kernel, initrds and command line, so mklive run --append
 * can boot the same kernel directly with more parameters. The keywords
 * follow SYSLINUX's config documentation (doc/syslinux.txt, "CONFIGURATION
 * FILE"): case-insensitive, one per line, LABEL starting an entry. */
#include "core/error.h"
#include "core/util.h"
#include "run/run.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_LABELS 256
#define MAX_INCLUDE_DEPTH 8
#define MAX_FILES 64 /* a config and what it includes, bounded in all */

struct label {
	char *name;
	char *kernel; /* as written */
	char *kind;   /* the keyword that named it: LINUX, KERNEL, COM32, BOOT... */
	char *initrd; /* INITRD, as written (comma-separated list) */
	char *append; /* as written; NULL: none */
	const char *file;
	int line;
	bool menu_default;
};

struct cfg {
	struct label labels[MAX_LABELS];
	size_t n;
	char *def; /* DEFAULT's command line */
	char *ontimeout;
	bool ui; /* UI menu.c32 / vesamenu.c32: MENU DEFAULT counts */
	run_read_fn read;
	void *ctx;
	int depth;
	char **files; /* the paths of the files read, for messages */
	size_t nfiles, capfiles;
};

/* The keyword at the start of s (case-insensitive), and its argument. */
static bool keyword(char *s, const char *kw, char **arg)
{
	size_t n = strlen(kw);
	if (strncasecmp(s, kw, n) != 0 || (s[n] && !isspace((unsigned char)s[n])))
		return false;
	*arg = util_trim(s + n);
	return true;
}

/* A path on the medium: absolute paths stay, relative ones are taken from
 * the config file's directory (ISOLINUX's working directory), "." and
 * ".." resolved. */
static char *medium_path(const char *cfg_path, const char *p)
{
	char *joined, *out, *q;
	if (p[0] == '/') {
		joined = xstrdup(p);
	} else {
		const char *slash = strrchr(cfg_path, '/');
		size_t dl = slash ? (size_t)(slash - cfg_path) : 0;
		joined = xasprintf("%.*s/%s", (int)dl, cfg_path, p);
	}
	out = q = xmalloc(strlen(joined) + 2);
	for (char *save = NULL, *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (q > out && q[-1] != '/')
				q--;
			if (q > out)
				q--;
			continue;
		}
		*q++ = '/';
		memcpy(q, c, strlen(c));
		q += strlen(c);
	}
	if (q == out)
		*q++ = '/';
	*q = 0;
	free(joined);
	return out;
}

static void set(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static int parse(struct cfg *c, const char *text, const char *path);

static int include(struct cfg *c, const char *from, int line, const char *arg)
{
	char *p, *text = NULL, *name = xstrdup(arg), *sp;
	int rc;
	/* "INCLUDE file [tag]": only the file name */
	if ((sp = strpbrk(name, " \t")))
		*sp = 0;
	p = medium_path(from, name);
	free(name);
	if (!c->read) {
		rc = err_set(ERR_FORMAT, "%s:%d: INCLUDE %s cannot be read here", from, line, p);
	} else if (c->depth >= MAX_INCLUDE_DEPTH) {
		rc = err_set(ERR_FORMAT, "%s:%d: INCLUDE %s: more than %d levels deep", from, line, p,
			     MAX_INCLUDE_DEPTH);
	} else if (c->nfiles >= MAX_FILES) {
		rc = err_set(ERR_LIMIT, "%s:%d: INCLUDE %s: more than %d files included", from, line, p,
			     MAX_FILES);
	} else if ((rc = c->read(c->ctx, p, &text)) < 0) {
		rc = err_wrap(rc, "%s:%d: INCLUDE", from, line);
	} else {
		c->depth++;
		rc = parse(c, text, p);
		c->depth--;
	}
	free(text);
	free(p);
	return rc;
}

static int parse(struct cfg *c, const char *text, const char *path)
{
	char *copy = xstrdup(text), *save = NULL, *line;
	struct label *cur = NULL;
	bool in_text = false;
	int lineno = 0, rc = 0;
	const char *fpath;

	util_grow(&c->files, &c->capfiles, c->nfiles + 1, sizeof *c->files);
	c->files[c->nfiles++] = xstrdup(path);
	fpath = c->files[c->nfiles - 1];

	for (char *p = copy; p && rc == 0; p = save) {
		char *nl = strchr(p, '\n'), *arg;
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = 0;
		lineno++;
		line = util_trim(p);
		if (in_text) { /* TEXT HELP ... ENDTEXT is free text */
			if (!strncasecmp(line, "ENDTEXT", 7))
				in_text = false;
			continue;
		}
		if (!*line || *line == '#')
			continue;
		if (keyword(line, "LABEL", &arg)) {
			if (c->n >= MAX_LABELS) {
				rc = err_set(ERR_LIMIT, "%s:%d: more than %d LABELs", fpath, lineno,
					     MAX_LABELS);
				break;
			}
			cur = &c->labels[c->n++];
			memset(cur, 0, sizeof *cur);
			cur->name = xstrdup(arg);
			cur->file = fpath;
			cur->line = lineno;
		} else if (keyword(line, "DEFAULT", &arg)) {
			set(&c->def, arg);
		} else if (keyword(line, "ONTIMEOUT", &arg)) {
			set(&c->ontimeout, arg);
		} else if (keyword(line, "UI", &arg)) {
			c->ui = true;
		} else if (keyword(line, "INCLUDE", &arg) || keyword(line, "MENU INCLUDE", &arg)) {
			rc = include(c, fpath, lineno, arg);
		} else if (keyword(line, "TEXT HELP", &arg)) {
			in_text = true;
		} else if (!cur) {
			continue; /* global settings: SERIAL, TIMEOUT, PROMPT, DISPLAY, MENU ... */
		} else if (keyword(line, "MENU DEFAULT", &arg)) {
			cur->menu_default = true;
		} else if (keyword(line, "APPEND", &arg)) {
			set(&cur->append, arg);
		} else if (keyword(line, "INITRD", &arg)) {
			set(&cur->initrd, arg);
		} else {
			static const char *const kinds[] = {"LINUX",  "KERNEL",	  "BOOT",    "BSS",
							    "PXE",    "FDIMAGE",  "COMBOOT", "COM32",
							    "CONFIG", "LOCALBOOT"};
			for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
				if (keyword(line, kinds[i], &arg)) {
					set(&cur->kernel, arg);
					set(&cur->kind, kinds[i]);
					break;
				}
		}
	}
	free(copy);
	return rc;
}

static struct label *find(struct cfg *c, const char *name, size_t len)
{
	/* the last definition of a label wins, as in SYSLINUX */
	for (size_t i = c->n; i-- > 0;)
		if (strlen(c->labels[i].name) == len && !strncmp(c->labels[i].name, name, len))
			return &c->labels[i];
	return NULL;
}

static const char *ext(const char *p)
{
	const char *dot = strrchr(p, '.'), *slash = strrchr(p, '/');
	return dot && (!slash || dot > slash) ? dot : "";
}

/* Split APPEND into initrd= values (comma-separated lists) and the rest. */
static void split_append(const char *append, const char *extra, char **rest, char **initrds)
{
	size_t cap = strlen(append) + (extra ? strlen(extra) : 0) + 2;
	char *r = xmalloc(cap),
	     *copy = xasprintf("%s%s%s", append, extra && *extra ? " " : "", extra ? extra : "");
	*r = 0;
	*initrds = NULL;
	for (char *save = NULL, *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (!strncmp(w, "initrd=", 7)) {
			set(initrds, w + 7);
			continue;
		}
		if (*r)
			strcat(r, " ");
		strcat(r, w);
	}
	free(copy);
	*rest = r;
}

/* Does DEFAULT's command line start a menu module (menu.c32,
 * vesamenu.c32) rather than a LABEL of that name? */
static bool is_menu_module(struct cfg *c, const char *def)
{
	size_t len = strcspn(def, " \t");
	char *w = xasprintf("%.*s", (int)len, def);
	const char *base = strrchr(w, '/') ? strrchr(w, '/') + 1 : w;
	bool menu =
	    !find(c, def, len) && (!strcasecmp(base, "menu.c32") || !strcasecmp(base, "vesamenu.c32"));
	free(w);
	return menu;
}

/* The LABEL of the entry booted without a key pressed, how it was chosen
 * (for messages) and the options DEFAULT or ONTIMEOUT add after it. */
static int choose_default(struct cfg *c, const char *cfg_path, struct label **lp, const char **howp,
			  const char **extrap)
{
	struct label *l = NULL;
	const char *how = NULL, *extra = NULL;

	/* ONTIMEOUT runs when the prompt times out; DEFAULT is a command line
	 * (a label and extra options); a menu UI boots its MENU DEFAULT. */
	if (c->ontimeout) {
		how = "ONTIMEOUT";
		extra = c->ontimeout;
	} else if (c->ui) {
		for (size_t i = 0; i < c->n; i++)
			if (c->labels[i].menu_default) {
				l = &c->labels[i];
				how = "MENU DEFAULT";
			}
	}
	if (!l && !extra && c->def && is_menu_module(c, c->def)) {
		/* "DEFAULT vesamenu.c32" (live-build, Debian's live ISOs) starts
		 * the menu, which boots its MENU DEFAULT, else its first entry */
		for (size_t i = 0; i < c->n; i++)
			if (c->labels[i].menu_default) {
				l = &c->labels[i];
				how = "MENU DEFAULT";
			}
	} else if (!l && !extra && c->def) {
		how = "DEFAULT";
		extra = c->def;
	}
	if (extra) {
		size_t len = strcspn(extra, " \t");
		l = find(c, extra, len);
		if (!l)
			return err_set(ERR_FORMAT, "%s: %s %.*s names no LABEL", cfg_path, how, (int)len,
				       extra);
		extra += len;
		while (*extra == ' ' || *extra == '\t')
			extra++;
	}
	if (!l && c->n) {
		l = &c->labels[0];
		how = "the first LABEL";
	}
	if (!l)
		return err_set(ERR_FORMAT, "%s: no boot entry (no LABEL)", cfg_path);
	*lp = l;
	*howp = how;
	*extrap = extra;
	return 0;
}

/* Only a Linux kernel can be booted directly. */
static int check_linux_kernel(const struct label *l, const char *how)
{
	if (!l->kernel)
		return err_set(ERR_FORMAT, "%s:%d: LABEL %s (%s) names no kernel", l->file, l->line, l->name,
			       how);
	/* KERNEL guesses from the extension (.c32 COM32, .bs/.bin boot
	 * sectors...); LINUX always means a Linux kernel */
	if (strcasecmp(l->kind, "LINUX") &&
	    (strcasecmp(l->kind, "KERNEL") || !strcasecmp(ext(l->kernel), ".c32") ||
	     !strcasecmp(ext(l->kernel), ".com") || !strcasecmp(ext(l->kernel), ".cbt") ||
	     !strcasecmp(ext(l->kernel), ".bs") || !strcasecmp(ext(l->kernel), ".bss") ||
	     !strcasecmp(ext(l->kernel), ".0") || !strcasecmp(ext(l->kernel), ".img")))
		return err_set(ERR_FORMAT, "%s:%d: LABEL %s (%s) boots %s %s, not a Linux kernel", l->file,
			       l->line, l->name, how, l->kind, l->kernel);
	return 0;
}

/* The kernel's path and command line; initrd= words of the command line
 * go to *append_initrds. */
static void fill_kernel(const struct label *l, const char *extra, struct run_boot_entry *e,
			char **append_initrds)
{
	char *k = xstrdup(l->kernel), *sp = strpbrk(k, " \t");
	/* "KERNEL vmlinuz opts": words after the file join the command line */
	char *kopts = sp ? xstrdup(util_trim(sp)) : NULL;
	char *app;
	if (sp)
		*sp = 0;
	e->kernel = medium_path(l->file, k);
	app = xasprintf("%s%s%s", l->append && strcmp(l->append, "-") ? l->append : "",
			kopts && l->append && strcmp(l->append, "-") ? " " : "", kopts ? kopts : "");
	split_append(app, extra, &e->append, append_initrds);
	free(app);
	free(kopts);
	free(k);
}

/* initrd= in APPEND replaces INITRD, as in SYSLINUX; either may be a
 * comma-separated list, loaded one after the other */
static void fill_initrds(const struct label *l, const char *append_initrds, struct run_boot_entry *e)
{
	size_t cap = 0;
	char *list = xstrdup(append_initrds ? append_initrds : l->initrd ? l->initrd : "");
	for (char *save = NULL, *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		w = util_trim(w);
		if (!*w)
			continue;
		util_grow(&e->initrds, &cap, e->ninitrds + 2, sizeof *e->initrds);
		e->initrds[e->ninitrds++] = medium_path(l->file, w);
		e->initrds[e->ninitrds] = NULL;
	}
	free(list);
}

static void cfg_free(struct cfg *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->labels[i].name);
		free(c->labels[i].kernel);
		free(c->labels[i].kind);
		free(c->labels[i].initrd);
		free(c->labels[i].append);
	}
	free(c->def);
	free(c->ontimeout);
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
}

int run_isolinux_default(const char *text, const char *cfg_path, run_read_fn read, void *ctx,
			 struct run_boot_entry *e)
{
	struct cfg *c = xcalloc(1, sizeof *c);
	struct label *l = NULL;
	const char *how = NULL, *extra = NULL;
	char *append_initrds = NULL;
	int rc;

	memset(e, 0, sizeof *e);
	c->read = read;
	c->ctx = ctx;
	if (!(rc = parse(c, text, cfg_path)) && !(rc = choose_default(c, cfg_path, &l, &how, &extra)) &&
	    !(rc = check_linux_kernel(l, how))) {
		e->label = xstrdup(l->name);
		fill_kernel(l, extra, e, &append_initrds);
		fill_initrds(l, append_initrds, e);
	}
	free(append_initrds);
	cfg_free(c);
	if (rc)
		run_boot_entry_free(e);
	return rc;
}

void run_boot_entry_free(struct run_boot_entry *e)
{
	free(e->label);
	free(e->kernel);
	for (size_t i = 0; i < e->ninitrds; i++)
		free(e->initrds[i]);
	free(e->initrds);
	free(e->append);
	memset(e, 0, sizeof *e);
}
