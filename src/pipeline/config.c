/* mklive.conf: the table of keys, the INI reader, checked assignments, and
 * the effective settings; see config.h. */
#include "pipeline/config.h"
#include "core/error.h"
#include "core/util.h"
#include "image/image.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum cfg_type {
	T_STR,
	T_PATH, /* relative to the configuration file */
	T_SRC,	/* a root source: debian:SUITE, or a path (IMAGE:PATH too) */
	T_BOOL,
	T_UINT,	 /* min..max */
	T_SIZE,	 /* bytes with K/M/G */
	T_ENUM,	 /* one of choices */
	T_WORDS, /* a list: whitespace-separated words ("quoted" for spaces) */
	T_PATHS, /* a list of words that are paths */
	T_LINES, /* a list: every assignment is one value */
};

struct cfg_def {
	const char *section, *key;
	enum cfg_type type;
	const char *def;	 /* default (NULL: none) */
	const char *article_def; /* the article profile's default, if different */
	const char *choices;	 /* T_ENUM: "a|b|c" */
	unsigned long long min, max;
	/* The command line (mklive build --help is made from these): the
	 * spelling ("o|output"), what its value is called, one help line
	 * ('\n' continues it); flag, with flag_value and flag_help, spells a
	 * fixed value without an argument ("no-cache" sets "no"). */
	const char *opt, *arg, *help;
	const char *flag, *flag_value, *flag_help;
};

static const struct cfg_def defs[CFG_NKEYS] = {
    [CFG_SOURCE] =
	{"Root", "Source", T_SRC, .opt = "r|root", .arg = "SOURCE",
	 .help = "the root: a directory, a tarball (.tar, .tar.gz,\n.tar.xz, .tar.zst), an image (old.iso, "
		 "or\nold.iso:/live/filesystem.squashfs), debian:SUITE,\nor nothing for the embedded "
		 "default system"},
    [CFG_PACKAGES] = {"Root", "Packages", T_WORDS},
    [CFG_VARIANT] = {"Root", "Variant", T_ENUM, "minbase", NULL,
		     "extract|custom|essential|apt|required|minbase|buildd|important|debootstrap|standard"},
    [CFG_MIRROR] = {"Root", "Mirror", T_STR},
    [CFG_COMPONENTS] = {"Root", "Components", T_STR, "main"},
    [CFG_OVERLAY] = {"Root", "Overlay", T_PATHS, .opt = "overlay", .arg = "DIR",
		     .help = "copy DIR over the root (repeatable)"},
    [CFG_REMOVE] = {"Root", "Remove", T_WORDS, .opt = "remove", .arg = "GLOB",
		    .help = "leave out paths of the root (repeatable)"},
    [CFG_ATTR] = {"Root", "Attr", T_LINES},
    [CFG_HOSTNAME] = {"Root", "Hostname", T_STR, "mklive", .opt = "hostname", .arg = "NAME",
		      .help = "the live system's host name (default mklive)"},
    [CFG_RUN] =
	{"Root", "Run", T_PATHS, .opt = "run", .arg = "SCRIPT",
	 .help = "run SCRIPT inside the root before imaging\n(a directory root: sandboxed, on an overlay)"},
    [CFG_INIT] = {"Root", "Init", T_STR, "/sbin/init"},
    [CFG_RUN_TIMEOUT] = {"Root", "RunTimeout", T_STR, "1h", .opt = "run-timeout", .arg = "T",
			 .help = "stop a Run= script after T: 90, 30s, 10m, 1h\n(default), 0 for no limit"},
    [CFG_KERNEL] = {"Kernel", "Kernel", T_PATH, .opt = "k|kernel", .arg = "FILE",
		    .help = "the kernel (default: the root's, else this\nmachine's)"},
    [CFG_KERNEL_VERSION] = {"Kernel", "Version", T_STR},
    [CFG_MODULES_DIR] = {"Kernel", "ModulesDir", T_PATH, .opt = "modules-dir", .arg = "DIR",
			 .help = "its modules (default: /lib/modules/VERSION of the root\nor this machine)"},
    [CFG_MODULE_PROFILE] = {"Kernel", "ModuleProfile", T_ENUM, "generic", NULL,
			    "generic|minimal|generic+net|minimal+net"},
    [CFG_ADD_MODULE] = {"Kernel", "AddModule", T_PATHS, .opt = "a|add-module", .arg = "M",
			.help = "also carry module M in the initramfs (a name\nor a .ko)"},
    [CFG_INITRD_COMPRESSION] = {"Kernel", "Compression", T_ENUM, "gzip", NULL, "gzip|zstd|xz|none"},
    [CFG_RESCUE_SHELL] = {"Kernel", "RescueShell", T_ENUM, "auto", NULL, "auto|yes|no"},
    [CFG_ROOT_FORMAT] = {"Live", "RootFormat", T_ENUM, "squashfs", "cloop", "squashfs|cloop",
			 .opt = "root-format", .arg = "F", .help = "squashfs (default) or cloop"},
    [CFG_COMPRESSION] = {"Live", "Compression", T_ENUM, "zstd", "zlib", "zstd|xz|gzip|zlib|lz4",
			 .opt = "compression", .arg = "C",
			 .help = "zstd (default), xz, gzip, lz4 (squashfs);\nzlib, xz, lz4 (cloop)"},
    [CFG_LEVEL] = {"Live", "Level", T_UINT, NULL, NULL, NULL, 0, 22},
    [CFG_BLOCK_SIZE] = {"Live", "BlockSize", T_SIZE},
    [CFG_WRITABLE] = {"Live", "Writable", T_ENUM, "overlay", "tgz", "overlay|tgz", .opt = "writable",
		      .arg = "W", .help = "overlay (default) or tgz"},
    [CFG_WRITABLE_PATHS] = {"Live", "WritablePaths", T_WORDS, "/etc /var /home /root /tmp"},
    [CFG_ID] = {"Live", "Id", T_STR},
    [CFG_THREADS] = {"Live", "Threads", T_UINT, NULL, NULL, NULL, 1, 1024},
    /* the live system (src/pipeline/livesys.c); User's default "live"
     * applies to roots with /etc/passwd, not to the embedded default.
     * There is no option for Password: it takes a crypt(3) hash only. */
    [CFG_USER] = {"Live", "User", T_STR, "live", .opt = "user", .arg = "NAME",
		  .help = "the live user, logged in without a password\n(default live; none: no user)"},
    [CFG_PASSWORD] = {"Live", "Password", T_STR},
    [CFG_AUTOLOGIN] = {"Live", "Autologin", T_BOOL, "yes"},
    [CFG_LOCALE] = {"Live", "Locale", T_STR, .opt = "locale", .arg = "L",
		    .help = "the system locale, generated in the root"},
    [CFG_LOCALES] = {"Live", "Locales", T_WORDS},
    [CFG_KEYMAP] = {"Live", "Keymap", T_STR, .opt = "keymap", .arg = "LAYOUT",
		    .help = "the keyboard layout, e.g. de"},
    [CFG_TIMEZONE] = {"Live", "Timezone", T_STR, .opt = "timezone", .arg = "ZONE",
		      .help = "the time zone, e.g. Europe/Berlin"},
    [CFG_NETWORK] = {"Live", "Network", T_ENUM, "dhcp", NULL, "dhcp|off", .opt = "network", .arg = "dhcp|off",
		     .help = "DHCP on every wired interface (default dhcp)"},
    [CFG_AUTHORIZED_KEYS] = {"Live", "AuthorizedKeys", T_PATH},
    [CFG_TIMEOUT] = {"Boot", "Timeout", T_UINT, "5", NULL, NULL, 0, 3600, .opt = "timeout", .arg = "S",
		     .help = "seconds before the default entry boots"},
    [CFG_SERIAL] = {"Boot", "Serial", T_BOOL, "yes", .opt = "serial", .arg = "on|off",
		    .help = "the first serial port as a console too"},
    [CFG_SERIAL_SPEED] = {"Boot", "SerialSpeed", T_UINT, "115200", NULL, NULL, 300, 921600},
    [CFG_APPEND] = {"Boot", "Append", T_STR, .opt = "append", .arg = "ARGS",
		    .help = "extra kernel parameters for every entry"},
    [CFG_DEFAULT] = {"Boot", "Default", T_STR, "live"},
    [CFG_ENTRIES] = {"Boot", "Entries", T_WORDS,
		     "live toram persist check debug shell safe lang fwsetup memtest"},
    [CFG_HELP] = {"Boot", "Help", T_LINES},
    [CFG_DISPLAY] = {"Boot", "Display", T_PATH},
    [CFG_BOOT_FLOPPY] = {"Boot", "BootFloppy", T_ENUM, "none", "auto", "none|auto|1440K|2880K"},
    [CFG_FLOPPY_ENTRIES] = {"Boot", "FloppyEntries", T_WORDS},
    [CFG_USB] = {"Boot", "USB", T_BOOL, "yes"},
    [CFG_UEFI] =
	{"Boot", "UEFI", T_ENUM, "yes", "no", "yes|auto|no", .opt = "uefi", .arg = "yes|auto|no",
	 .help =
	     "UEFI boot through Debian's signed shim and GRUB\n(yes: fail when they are missing, auto: BIOS "
	     "only\nthen)",
	 .flag = "no-uefi", .flag_value = "no", .flag_help = "BIOS only"},
    [CFG_OUTPUT] = {"Output", "Output", T_PATH, "live.iso", .opt = "o|output", .arg = "FILE",
		    .help = "the medium to write (default live.iso)"},
    [CFG_PROFILE] = {"Output", "Profile", T_ENUM, "default", NULL, "default|article", .opt = "profile",
		     .arg = "NAME", .help = "default, or article (cloop root, root_fs.tgz,\nboot floppy)"},
    [CFG_VOLUME_ID] = {"Output", "VolumeId", T_STR, "MKLIVE", .opt = "volume-id", .arg = "ID",
		       .help = "the ISO 9660 volume id"},
    [CFG_PUBLISHER] = {"Output", "Publisher", T_STR},
    [CFG_APPLICATION] = {"Output", "Application", T_STR},
    [CFG_PREPARER] = {"Output", "Preparer", T_STR},
    [CFG_CACHE_DIR] = {"Output", "CacheDir", T_PATH, .opt = "cache-dir", .arg = "DIR",
		       .help = "where debian: roots and compressed blocks\nare cached"},
    [CFG_CACHE] = {"Output", "Cache", T_BOOL, "yes", .flag = "no-cache", .flag_value = "no",
		   .flag_help = "do not use the cache"},
    [CFG_CACHE_SIZE] = {"Output", "CacheSize", T_SIZE, "4G"},
};

static const struct {
	const char *key;
	enum cfg_type type;
} entry_defs[CFG_E_NKEYS] = {
    [CFG_E_TITLE] = {"Title", T_STR},
    [CFG_E_KERNEL] = {"Kernel", T_PATH},
    [CFG_E_INITRD] = {"Initrd", T_PATH},
    [CFG_E_APPEND] = {"Append", T_STR},
};

void build_cfg_init(struct build_cfg *c)
{
	memset(c, 0, sizeof *c);
}

static void list_clear(struct cfg_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].value);
		free(l->v[i].label);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

void build_cfg_free(struct build_cfg *c)
{
	for (int k = 0; k < CFG_NKEYS; k++)
		list_clear(&c->vals[k]);
	for (size_t i = 0; i < c->nentries; i++) {
		for (int k = 0; k < CFG_E_NKEYS; k++)
			list_clear(&c->entries[i].vals[k]);
		free(c->entries[i].name);
		free(c->entries[i].label);
	}
	free(c->entries);
	free(c->files);
	for (size_t i = 0; i < c->nargs; i++) {
		free(c->args[i].name);
		free(c->args[i].value);
		free(c->args[i].label);
	}
	free(c->args);
	for (size_t i = 0; i < c->nfmt; i++) {
		free(c->fmt[i].format);
		free(c->fmt[i].key);
		free(c->fmt[i].value);
		free(c->fmt[i].label);
	}
	free(c->fmt);
	memset(c, 0, sizeof *c);
}

const char *build_cfg_short(const char *v, char *buf)
{
	size_t n = strlen(v);
	if (n <= 64)
		return v;
	n = 64;
	while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
		n--; /* not in the middle of a UTF-8 character */
	memcpy(buf, v, n);
	memcpy(buf + n, "...", 4);
	return buf;
}

const struct build_cfg_option *build_cfg_option(size_t i)
{
	static struct build_cfg_option o[2 * CFG_NKEYS + 1];
	static size_t n;
	if (!n) {
		for (int k = 0; k < CFG_NKEYS; k++) {
			if (defs[k].opt)
				o[n++] =
				    (struct build_cfg_option){defs[k].opt, defs[k].arg, NULL, defs[k].help,
							      build_cfg_name((enum cfg_key)k)};
			if (defs[k].flag)
				o[n++] = (struct build_cfg_option){defs[k].flag, NULL, defs[k].flag_value,
								   defs[k].flag_help,
								   build_cfg_name((enum cfg_key)k)};
		}
	}
	return i < n ? &o[i] : NULL;
}

void build_cfg_arg(struct build_cfg *c, const char *name, const char *value, const char *label)
{
	util_grow(&c->args, &c->args_cap, c->nargs + 1, sizeof *c->args);
	c->args[c->nargs++] = (struct cfg_arg){xstrdup(name), xstrdup(value), xstrdup(label)};
}

int build_cfg_apply_args(struct build_cfg *c)
{
	int rc = 0;
	for (size_t i = 0; i < c->nargs && !rc; i++) {
		bool first = true;
		for (size_t j = 0; j < i && first; j++)
			first = strcasecmp(c->args[j].name, c->args[i].name) != 0;
		rc = build_cfg_set(c, c->args[i].name, c->args[i].value, c->args[i].label, first);
	}
	return rc;
}

const char *build_cfg_name(enum cfg_key k)
{
	static char names[CFG_NKEYS][48];
	if (!names[k][0])
		snprintf(names[k], sizeof names[k], "%s.%s", defs[k].section, defs[k].key);
	return names[k];
}

static void push(struct cfg_list *l, char *value, const char *label)
{
	util_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v);
	l->v[l->n].value = value;
	l->v[l->n].label = xstrdup(label);
	l->n++;
}

/* Split words; "double quotes" keep spaces. */
static int split_words(const char *s, const char *label, char ***out, size_t *n)
{
	char **w = NULL;
	size_t nw = 0, cap = 0;
	while (*s) {
		char *word, *d;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		word = d = xmalloc(strlen(s) + 1);
		while (*s && !isspace((unsigned char)*s)) {
			if (*s == '"') {
				const char *e = strchr(s + 1, '"');
				if (!e) {
					free(word);
					for (size_t i = 0; i < nw; i++)
						free(w[i]);
					free(w);
					return err_set(ERR_USAGE, "%s: a quote is not closed", label);
				}
				memcpy(d, s + 1, (size_t)(e - s - 1));
				d += e - s - 1;
				s = e + 1;
			} else {
				*d++ = *s++;
			}
		}
		*d = 0;
		util_grow(&w, &cap, nw + 1, sizeof *w);
		w[nw++] = word;
	}
	*out = w;
	*n = nw;
	return 0;
}

/* base: the directory of the file the value comes from ("" for the command line). */
static char *resolve_path(const char *base, const char *p)
{
	if (!base || !*base || p[0] == '/' || !strncmp(p, "debian:", 7))
		return xstrdup(p);
	return util_path_join(base, p);
}

static int check_value(enum cfg_type t, const struct cfg_def *d, const char *v, const char *label)
{
	uint64_t n;
	bool b;
	char sb[BUILD_CFG_SHORT];
	/* no yes/no, number or name is that long: say so before a parser
	 * quotes all of it */
	if (t != T_STR && t != T_PATH && t != T_SRC && strlen(v) > 64)
		return err_set(ERR_USAGE, "%s: '%s' (%zu bytes) is too long for %s", label,
			       build_cfg_short(v, sb), strlen(v),
			       t == T_ENUM ? "one of its names" : "a number or yes/no");
	switch (t) {
	case T_BOOL:
		return util_parse_bool(v, &b, label);
	case T_UINT:
		return util_parse_uint(v, d ? d->min : 0, d ? d->max : UINT64_MAX, &n, label);
	case T_SIZE:
		return util_parse_size(v, &n, label);
	case T_ENUM: {
		const char *p = d->choices;
		size_t len = strlen(v);
		while (p) {
			const char *e = strchr(p, '|');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			if (l == len && !strncasecmp(p, v, l))
				return 0;
			p = e ? e + 1 : NULL;
		}
		return err_set(ERR_USAGE, "%s: '%s' is not one of %s", label, v, d->choices);
	}
	case T_SRC:
		if (!strncmp(v, "debian:", 7) && !v[7])
			return err_set(ERR_USAGE, "%s: 'debian:' needs a suite (debian:bookworm)", label);
		return 0;
	default:
		return 0;
	}
}

static bool is_list(enum cfg_type t)
{
	return t == T_WORDS || t == T_PATHS || t == T_LINES;
}

/* Store value into l after checking it; base as for resolve_path. */
static int assign_values(struct cfg_list *l, enum cfg_type t, const struct cfg_def *d, const char *value,
			 const char *label, const char *base, bool replace)
{
	int rc;
	if (t == T_WORDS || t == T_PATHS) {
		char **w = NULL;
		size_t n = 0;
		if ((rc = split_words(value, label, &w, &n)))
			return rc;
		if (replace)
			list_clear(l);
		for (size_t i = 0; i < n; i++) {
			push(l, t == T_PATHS ? resolve_path(base, w[i]) : xstrdup(w[i]), label);
			free(w[i]);
		}
		free(w);
		return 0;
	}
	if (t == T_LINES) {
		if (replace)
			list_clear(l);
		if (*value)
			push(l, xstrdup(value), label);
		return 0;
	}
	if ((rc = check_value(t, d, value, label)))
		return rc;
	list_clear(l); /* a scalar: the last assignment counts */
	push(l, t == T_PATH || (t == T_SRC && *value) ? resolve_path(base, value) : xstrdup(value), label);
	return 0;
}

static int assign(struct cfg_list *l, enum cfg_type t, const struct cfg_def *d, const char *value,
		  const char *label, const char *base, bool replace)
{
	int rc = assign_values(l, t, d, value, label, base, replace);
	if (!rc)
		l->set = true;
	return rc;
}

static struct cfg_entry *entry_get(struct build_cfg *c, const char *name, const char *label)
{
	for (size_t i = 0; i < c->nentries; i++)
		if (!strcmp(c->entries[i].name, name))
			return &c->entries[i];
	util_grow(&c->entries, &c->entries_cap, c->nentries + 1, sizeof *c->entries);
	struct cfg_entry *e = &c->entries[c->nentries++];
	memset(e, 0, sizeof *e);
	e->name = xstrdup(name);
	e->label = xstrdup(label);
	return e;
}

static int set_in(struct build_cfg *c, const char *section, const char *key, const char *value,
		  const char *label, const char *base, bool replace)
{
	if (!strncasecmp(section, "Entry ", 6) || !strncasecmp(section, "Entry.", 6)) {
		const char *name = section + 6;
		while (*name == ' ')
			name++;
		if (!*name || strpbrk(name, " \t\"'"))
			return err_set(ERR_USAGE, "%s: [Entry LABEL] needs a one-word label", label);
		for (int k = 0; k < CFG_E_NKEYS; k++)
			if (!strcasecmp(entry_defs[k].key, key)) {
				struct cfg_entry *e = entry_get(c, name, label);
				return assign(&e->vals[k], entry_defs[k].type, NULL, value, label, base,
					      true);
			}
		return err_set(ERR_USAGE,
			       "%s: unknown key '%s' in [Entry %s] (Title, Kernel, Initrd, Append)", label,
			       key, name);
	}
	const struct image_writer *w = image_writer_find(section);
	if (w) {
		util_grow(&c->fmt, &c->fmt_cap, c->nfmt + 1, sizeof *c->fmt);
		c->fmt[c->nfmt++] =
		    (struct cfg_fmt){xstrdup(w->name), xstrdup(key), xstrdup(value), xstrdup(label)};
		return 0;
	}
	bool section_known = false;
	for (int k = 0; k < CFG_NKEYS; k++) {
		if (strcasecmp(defs[k].section, section))
			continue;
		section_known = true;
		if (!strcasecmp(defs[k].key, key))
			return assign(&c->vals[k], defs[k].type, &defs[k], value, label, base, replace);
	}
	if (!section_known)
		return err_set(ERR_USAGE,
			       "%s: unknown section [%s] (Root, Kernel, Live, Boot, Output, Entry LABEL, "
			       "squashfs, cloop)",
			       label, section);
	return err_set(ERR_USAGE, "%s: unknown key '%s' in [%s] (see mklive-build(1))", label, key, section);
}

int build_cfg_set(struct build_cfg *c, const char *name, const char *value, const char *label, bool replace)
{
	const char *dot = strrchr(name, '.');
	char *section;
	int rc;
	if (!dot || dot == name || !dot[1])
		return err_set(ERR_USAGE, "%s: '%s' is not SECTION.KEY (e.g. Root.Source)", label, name);
	section = xstrndup(name, (size_t)(dot - name));
	rc = set_in(c, section, dot + 1, value, label, NULL, replace);
	free(section);
	return rc;
}

static int check_section(const char *section, const char *label)
{
	if (!strncasecmp(section, "Entry ", 6) || !strcasecmp(section, "Entry") || image_writer_find(section))
		return 0;
	for (int k = 0; k < CFG_NKEYS; k++)
		if (!strcasecmp(defs[k].section, section))
			return 0;
	return err_set(
	    ERR_USAGE,
	    "%s: unknown section [%s] (Root, Kernel, Live, Boot, Output, Entry LABEL, squashfs, cloop)",
	    label, section);
}

static char *trim(char *s)
{
	char *e;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int build_cfg_load(struct build_cfg *c, const char *path)
{
	uint8_t *data;
	size_t len;
	char *text, *line, *save = NULL, *base, *section = NULL, label[4200];
	const char *slash;
	unsigned lineno = 0;
	int rc = util_read_file(path, &data, &len);
	if (rc)
		return rc;
	if (memchr(data, 0, len)) {
		const uint8_t *z = memchr(data, 0, len);
		unsigned nl = 1;
		for (const uint8_t *p = data; p < z; p++)
			nl += *p == '\n';
		free(data);
		return err_set(ERR_FORMAT, "%s:%u: a NUL byte: not a text file", path, nl);
	}
	slash = strrchr(path, '/');
	base = slash ? xstrndup(path, (size_t)(slash - path + (slash == path))) : xstrdup("");
	text = (char *)data;
	/* a UTF-8 byte order mark, as some Windows editors write one */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		text += 3;
	/* strtok_r would skip empty lines and lose the count: walk by hand */
	for (line = text; line && rc == 0; line = save) {
		char *nl = strchr(line, '\n'), *s, *eq;
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = 0;
		lineno++;
		snprintf(label, sizeof label, "%s:%u", path, lineno);
		s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (!e || trim(e + 1)[0]) {
				rc = err_set(ERR_FORMAT, "%s: a section header is [NAME]", label);
				break;
			}
			*e = 0;
			free(section);
			section = xstrdup(trim(s + 1));
			if ((rc = check_section(section, label)))
				break;
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			rc = err_set(ERR_FORMAT, "%s: expected KEY = VALUE, a [Section] or a # comment",
				     label);
			break;
		}
		*eq = 0;
		if (!section) {
			rc = err_set(ERR_FORMAT, "%s: '%s' comes before any [Section]", label, trim(s));
			break;
		}
		{
			char full[4400];
			snprintf(full, sizeof full, "%s: %s", label, trim(s));
			rc = set_in(c, section, trim(s), trim(eq + 1), full, base, false);
		}
	}
	{
		char *f = c->files ? xasprintf("%s, %s", c->files, path) : xstrdup(path);
		free(c->files);
		c->files = f;
	}
	free(section);
	free(base);
	free(data);
	return rc;
}

static bool article(const struct build_cfg *c)
{
	const struct cfg_list *l = &c->vals[CFG_PROFILE];
	return l->n && !strcasecmp(l->v[l->n - 1].value, "article");
}

const char *build_cfg_get(const struct build_cfg *c, enum cfg_key k, const char **label)
{
	const struct cfg_list *l = &c->vals[k];
	if (l->n) {
		if (label)
			*label = l->v[l->n - 1].label;
		return l->v[l->n - 1].value;
	}
	if (article(c) && defs[k].article_def) {
		if (label)
			*label = "profile article";
		return defs[k].article_def;
	}
	if (label)
		*label = defs[k].def ? "default" : NULL;
	return defs[k].def;
}

const struct cfg_val *build_cfg_list(const struct build_cfg *c, enum cfg_key k, size_t *n)
{
	/* defaults of lists, split once */
	static struct cfg_list dl[CFG_NKEYS];
	const struct cfg_list *l = &c->vals[k];
	if (l->set || !defs[k].def) {
		*n = l->n;
		return l->v;
	}
	if (!dl[k].n)
		assign(&dl[k], defs[k].type, &defs[k], defs[k].def, "default", NULL, true);
	*n = dl[k].n;
	return dl[k].v;
}

bool build_cfg_bool(const struct build_cfg *c, enum cfg_key k)
{
	const char *v = build_cfg_get(c, k, NULL);
	bool b = false;
	if (v)
		util_parse_bool(v, &b, build_cfg_name(k));
	return b;
}

/* A value as it would be written in the file: quoted if it has spaces;
 * one too long to read (a mistake, most likely) shortened and its size
 * said, so the listing never echoes megabytes. */
static void add_word(struct strbuf *b, const char *w, bool quote)
{
	char sb[BUILD_CFG_SHORT];
	size_t n = strlen(w);
	const char *s = n > 256 ? build_cfg_short(w, sb) : w;
	if (quote && (!*s || strpbrk(s, " \t")))
		strbuf_addf(b, "\"%s\"", s);
	else
		strbuf_addf(b, "%s", s);
	if (n > 256)
		strbuf_addf(b, " (%zu bytes)", n);
}

char *build_cfg_dump(const struct build_cfg *c)
{
	struct strbuf b = {0};
	const char *sec = NULL;
	if (c->files)
		strbuf_addf(&b, "# the effective settings of mklive build (read: %s)\n", c->files);
	else
		strbuf_addf(&b, "# the effective settings of mklive build\n");
	for (int k = 0; k < CFG_NKEYS; k++) {
		const struct cfg_def *d = &defs[k];
		if (!sec || strcmp(sec, d->section)) {
			sec = d->section;
			strbuf_addf(&b, "\n[%s]\n", sec);
		}
		if (is_list(d->type)) {
			size_t n;
			const struct cfg_val *v = build_cfg_list(c, (enum cfg_key)k, &n);
			if (!n) {
				strbuf_addf(&b, "%s =\n", d->key);
				continue;
			}
			if (d->type == T_LINES) {
				for (size_t i = 0; i < n; i++) {
					strbuf_addf(&b, "%s = ", d->key);
					add_word(&b, v[i].value, false);
					strbuf_addf(&b, "    # %s\n", v[i].label);
				}
				continue;
			}
			strbuf_addf(&b, "%s =", d->key);
			for (size_t i = 0; i < n; i++) {
				strbuf_addf(&b, " ");
				add_word(&b, v[i].value, true);
			}
			strbuf_addf(&b, "    # %s\n", v[0].label);
		} else {
			const char *label, *v = build_cfg_get(c, (enum cfg_key)k, &label);
			if (v) {
				strbuf_addf(&b, "%s = ", d->key);
				add_word(&b, v, false);
				strbuf_addf(&b, "    # %s\n", label ? label : "default");
			} else
				strbuf_addf(&b, "%s =\n", d->key);
		}
	}
	for (size_t i = 0; i < c->nfmt; i++) {
		if (!i || strcmp(c->fmt[i].format, c->fmt[i - 1].format))
			strbuf_addf(&b, "\n[%s]\n", c->fmt[i].format);
		strbuf_addf(&b, "%s = ", c->fmt[i].key);
		add_word(&b, c->fmt[i].value, false);
		strbuf_addf(&b, "    # %s\n", c->fmt[i].label);
	}
	for (size_t i = 0; i < c->nentries; i++) {
		const struct cfg_entry *e = &c->entries[i];
		strbuf_addf(&b, "\n[Entry %s]    # %s\n", e->name, e->label);
		for (int k = 0; k < CFG_E_NKEYS; k++)
			if (e->vals[k].n) {
				strbuf_addf(&b, "%s = ", entry_defs[k].key);
				add_word(&b, e->vals[k].v[e->vals[k].n - 1].value, false);
				strbuf_addf(&b, "\n");
			}
	}
	return b.s;
}
