/* build_plan: mklive.conf's keys compiled into typed fields and the
 * writers' options, every rule that needs only the settings checked here,
 * before stage 1; see plan.h. */
#include "pipeline/plan.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "iso9660/iso.h"
#include "pipeline/build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

const struct build_entry_def build_entries[BUILD_NENTRIES] = {
    [BUILD_ENTRY_LIVE] = {"live", "Live system", " quiet", false},
    [BUILD_ENTRY_TORAM] = {"toram", "Live system, copied to RAM first", " quiet live.toram", false},
    [BUILD_ENTRY_PERSIST] = {"persist", "Live system with persistence (changes kept on the stick)",
			     " quiet live.persistence", false},
    [BUILD_ENTRY_CHECK] = {"check", "Check the medium for damage, then boot", " quiet live.check", false},
    [BUILD_ENTRY_DEBUG] = {"debug", "Live system with every boot message (debug)", " live.debug", false},
    [BUILD_ENTRY_SHELL] = {"shell", "Rescue shell in the initramfs, before the root is mounted",
			   " live.shell", true},
    /* live-build's fail-safe parameters: no mode setting, no APIC, APM,
     * DMA, MCE or SMP, the text console */
    [BUILD_ENTRY_SAFE] = {"safe", "Live system, fail-safe (for troublesome hardware and graphics)",
			  " nomodeset noapic noapm nodma nomce nolapic nosmp nosplash vga=normal", false},
    [BUILD_ENTRY_LANG] = {"lang", NULL, NULL, false},
    [BUILD_ENTRY_FWSETUP] = {"fwsetup", "UEFI firmware settings", NULL, false},
    [BUILD_ENTRY_MEMTEST] = {"memtest", "Memory test (memtest86+)", NULL, false},
};

/* Whether an [Entry LABEL] section takes label: the newer built-ins give way to it. */
static bool user_entry(const struct build_cfg *cfg, const char *label)
{
	for (size_t i = 0; i < cfg->nentries; i++)
		if (!strcmp(cfg->entries[i].name, label))
			return true;
	return false;
}

static struct plan_str get(const struct build_cfg *cfg, enum cfg_key k)
{
	struct plan_str s;
	s.value = build_cfg_get(cfg, k, &s.label);
	if (!s.label)
		s.label = build_cfg_name(k);
	return s;
}

/* A list key's values with where each was set (the strings stay cfg's). */
static struct plan_str *list(const struct build_cfg *cfg, enum cfg_key k, size_t *n)
{
	const struct cfg_val *v = build_cfg_list(cfg, k, n);
	struct plan_str *s = xcalloc(*n + 1, sizeof *s);
	for (size_t i = 0; i < *n; i++)
		s[i] = (struct plan_str){v[i].value, v[i].label};
	return s;
}

static const char **words(const struct build_cfg *cfg, enum cfg_key k, size_t *n)
{
	const struct cfg_val *v = build_cfg_list(cfg, k, n);
	const char **w = xcalloc(*n + 1, sizeof *w);
	for (size_t i = 0; i < *n; i++)
		w[i] = v[i].value;
	return w;
}

/* A value that reaches a boot loader's file (isolinux.cfg, grub.cfg, the
 * kernel command line, the volume descriptor): a control character there
 * would start a line of its own (a LABEL block of the value's choosing). */
static int no_control(const char *v, const char *label, const char *key)
{
	for (const unsigned char *p = (const unsigned char *)v; v && *p; p++) {
		if (*p >= 0x20 && *p != 0x7f)
			continue;
		/* the message shows the value's start, the control characters
		 * escaped, so it stays one line */
		char shown[4 * 64 + 4], *d = shown;
		size_t i;
		for (i = 0; v[i] && i < 64; i++) {
			unsigned char ch = (unsigned char)v[i];
			if (ch < 0x20 || ch == 0x7f)
				d += sprintf(d, "\\x%02x", ch);
			else
				*d++ = (char)ch;
		}
		strcpy(d, v[i] ? "..." : "");
		return err_set(
		    ERR_USAGE,
		    "%s: %s '%s': a control character (0x%02x at byte %zu) cannot go into a boot menu", label,
		    key, shown, *p, (size_t)(p - (const unsigned char *)v));
	}
	return 0;
}

/* ---- [Root] ------------------------------------------------------------------- */

/* RFC 1123: labels of letters, digits and '-', 1..63 bytes, not starting
 * or ending with '-'; 253 bytes in all. */
static int check_hostname(const struct plan_str *h)
{
	char sb[BUILD_CFG_SHORT];
	const char *v = h->value, *why = NULL;
	size_t len = strlen(v);
	if (len > 253)
		why = "at most 253 characters";
	for (const char *l = v; !why;) {
		size_t n = strcspn(l, ".");
		if (!n)
			why = "an empty label (a leading, trailing or double '.')";
		else if (n > 63)
			why = "a label (between dots) of more than 63 characters";
		else if (l[0] == '-' || l[n - 1] == '-')
			why = "a label starting or ending with '-'";
		else if (strspn(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") < n)
			why = "letters, digits, '-' and '.' only";
		if (!l[n])
			break;
		l += n + 1;
	}
	if (why)
		return err_set(ERR_USAGE, "%s: Hostname '%s': not a host name (RFC 1123): %s", h->label,
			       build_cfg_short(v, sb), why);
	return 0;
}

static int parse_id(const char *s, int64_t *out)
{
	char *end;
	unsigned long long v;
	if (!strcmp(s, "-")) {
		*out = -1;
		return 0;
	}
	if (!*s || !strchr("0123456789", *s))
		return -1;
	v = strtoull(s, &end, 10);
	if (*end || v > UINT32_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int plan_attr_one(struct plan_attr *a, const struct plan_str *s)
{
	char path[4096], mode[32], uid[32], gid[32], extra[8], sb[BUILD_CFG_SHORT];
	char *end;
	unsigned long v;
	a->label = s->label;
	if (sscanf(s->value, "%4095s %31s %31s %31s %7s", path, mode, uid, gid, extra) != 4)
		return err_set(ERR_USAGE, "%s: Attr %s: expected PATH MODE UID GID (- keeps a field)",
			       s->label, build_cfg_short(s->value, sb));
	a->mode = -1;
	if (strcmp(mode, "-")) {
		v = strtoul(mode, &end, 8);
		if (*end || !*mode || v > 07777)
			return err_set(ERR_USAGE, "%s: Attr %s: mode '%s' is not octal (e.g. 4755)", s->label,
				       path, mode);
		a->mode = (int)v;
	}
	if (parse_id(uid, &a->uid))
		return err_set(ERR_USAGE, "%s: Attr %s: uid '%s' is not a number", s->label, path, uid);
	if (parse_id(gid, &a->gid))
		return err_set(ERR_USAGE, "%s: Attr %s: gid '%s' is not a number", s->label, path, gid);
	a->path = xstrdup(path);
	return 0;
}

static enum build_root_kind kind_of(const char *src)
{
	struct stat st;
	if (!src || !*src)
		return BUILD_ROOT_DEFAULT;
	if (!strncmp(src, "debian:", 7))
		return BUILD_ROOT_DEBIAN;
	if (stat(src, &st) == 0 && S_ISDIR(st.st_mode))
		return BUILD_ROOT_DIR;
	return BUILD_ROOT_TAR;
}

static int plan_root(const struct build_cfg *cfg, struct build_plan *p)
{
	char sb[BUILD_CFG_SHORT];
	int rc;
	p->source = get(cfg, CFG_SOURCE);
	p->root_kind = kind_of(p->source.value);
	p->variant = build_cfg_get(cfg, CFG_VARIANT, NULL);
	p->mirror = build_cfg_get(cfg, CFG_MIRROR, NULL);
	p->components = build_cfg_get(cfg, CFG_COMPONENTS, NULL);
	p->packages = words(cfg, CFG_PACKAGES, &p->npackages);
	p->overlay = list(cfg, CFG_OVERLAY, &p->noverlay);
	p->remove = list(cfg, CFG_REMOVE, &p->nremove);
	for (size_t i = 0; i < p->nremove; i++)
		if (p->remove[i].value[0] != '/')
			return err_set(ERR_USAGE, "%s: Remove %s: patterns start with / (a path in the root)",
				       p->remove[i].label, build_cfg_short(p->remove[i].value, sb));
	{
		size_t n;
		struct plan_str *a = list(cfg, CFG_ATTR, &n);
		p->attr = xcalloc(n + 1, sizeof *p->attr);
		for (size_t i = 0; i < n; i++)
			if ((rc = plan_attr_one(&p->attr[p->nattr++], &a[i]))) {
				free(a);
				return rc;
			}
		free(a);
	}
	p->hostname = get(cfg, CFG_HOSTNAME);
	if (p->hostname.value && !*p->hostname.value)
		p->hostname.value = NULL;
	if (p->hostname.value && ((rc = no_control(p->hostname.value, p->hostname.label, "Hostname")) ||
				  (rc = check_hostname(&p->hostname))))
		return rc;
	p->run = list(cfg, CFG_RUN, &p->nrun);
	for (size_t i = 0; i < p->nrun; i++) {
		const char *src = p->source.value;
		if ((rc = build_run_check(p->root_kind, src && *src ? src : "the embedded default",
					  p->run[i].value)))
			return err_wrap(rc, "%s", p->run[i].label);
	}
	p->init = get(cfg, CFG_INIT);
	{
		struct plan_str rt = get(cfg, CFG_RUN_TIMEOUT);
		p->run_timeout_label = rt.label ? rt.label : "Root.RunTimeout";
		if ((rc = build_run_timeout_parse(rt.value, p->run_timeout_label, &p->run_timeout)))
			return rc;
	}
	return 0;
}

/* ---- [Kernel] and [Live]: the writers' options ---------------------------------------- */

/* A value of the settings in the format's spelling: "zlib" is squashfs's
 * "gzip", "gzip" cloop's "zlib" (the writer's aliases, "FROM=TO ..."). */
static const char *alias(const char *aliases, const char *v, char *buf, size_t cap)
{
	for (const char *a = aliases; a && *a;) {
		size_t n = strcspn(a, " "), eq = strcspn(a, "=");
		if (eq < n && eq == strlen(v) && !strncasecmp(a, v, eq)) {
			snprintf(buf, cap, "%.*s", (int)(n - eq - 1), a + eq + 1);
			return buf;
		}
		a += n + (a[n] == ' ');
	}
	return v;
}

static bool one_of(const char *names, const char *v)
{
	size_t len = strlen(v);
	for (const char *a = names; *a;) {
		size_t n = strcspn(a, "|");
		if (n == len && !strncasecmp(a, v, n))
			return true;
		a += n + (a[n] == '|');
	}
	return false;
}

/* A format key from mklive.conf ([squashfs] b = 1M, --set squashfs.b=1M):
 * every one is tried on its format's options now, so a typo is found
 * before any work; those of the root's format are applied. */
static int plan_format_keys(const struct build_cfg *cfg, struct build_plan *p)
{
	int rc = 0;
	for (size_t i = 0; i < cfg->nfmt && !rc; i++) {
		const struct cfg_fmt *f = &cfg->fmt[i];
		const struct image_writer *w = image_writer_find(f->format);
		if (w == p->root_writer) {
			rc = w->set(p->root_opts, f->key, f->value, f->label);
			continue;
		}
		void *o = xcalloc(1, w->opts_size);
		w->opts_init(o);
		if (!(rc = w->set(o, f->key, f->value, f->label)))
			rc = w->check(o);
		w->opts_free(o);
		free(o);
	}
	return rc;
}

static int plan_root_format(const struct build_cfg *cfg, struct build_plan *p)
{
	struct plan_str fmt = get(cfg, CFG_ROOT_FORMAT), comp = get(cfg, CFG_COMPRESSION),
			level = get(cfg, CFG_LEVEL), bs = get(cfg, CFG_BLOCK_SIZE),
			threads = get(cfg, CFG_THREADS);
	const struct image_writer *w = image_writer_find(fmt.value);
	char buf[32], names[64];
	const char *c;
	int rc;
	if (!w)
		return err_set(ERR_USAGE, "%s: RootFormat %s: no such writer", fmt.label, fmt.value);
	p->root_writer = w;
	p->cloop_root = !strcmp(w->name, "cloop");
	p->root_opts = xcalloc(1, w->opts_size);
	w->opts_init(p->root_opts);
	c = alias(w->comp_aliases, comp.value, buf, sizeof buf);
	if (!one_of(w->comp_names, c)) {
		snprintf(names, sizeof names, "%s", w->comp_names);
		for (char *q = names; (q = strchr(q, '|'));)
			*q = ',', memmove(q + 2, q + 1, strlen(q + 1) + 1), q[1] = ' ';
		return err_set(ERR_USAGE, "%s: Compression %s: %s has %s (RootFormat %s, %s)", comp.label,
			       comp.value, w->name, names, w->name, fmt.label);
	}
	rc = w->set(p->root_opts, w->comp_key, c, comp.label);
	if (!rc && level.value)
		rc = w->set(p->root_opts, w->level_key, level.value, level.label);
	if (!rc && bs.value)
		rc = w->set(p->root_opts, w->block_key, bs.value, bs.label);
	if (!rc && threads.value)
		rc = w->set(p->root_opts, w->threads_key, threads.value, threads.label);
	if (!rc)
		rc = plan_format_keys(cfg, p);
	if (!rc)
		rc = w->check(p->root_opts);
	return rc;
}

static int plan_initrd(const struct build_cfg *cfg, struct build_plan *p)
{
	struct plan_str v;
	const struct cfg_val *mods;
	size_t n;
	int rc;
	live_initrd_opts_init(&p->initrd);
	v = get(cfg, CFG_MODULE_PROFILE);
	if ((rc = live_initrd_opts_set(&p->initrd, "profile", v.value, v.label)))
		return rc;
	v = get(cfg, CFG_INITRD_COMPRESSION);
	if ((rc = live_initrd_opts_set(&p->initrd, "compress", v.value, v.label)))
		return rc;
	mods = build_cfg_list(cfg, CFG_ADD_MODULE, &n);
	bool add_cloop = p->cloop_root;
	for (size_t i = 0; i < n; i++) {
		const char *b = strrchr(mods[i].value, '/');
		if ((rc = live_initrd_opts_set(&p->initrd, "add-module", mods[i].value, mods[i].label)))
			return rc;
		if (!strncmp(b ? b + 1 : mods[i].value, "cloop", 5))
			add_cloop = false;
	}
	/* a cloop root needs the module; Debian ships it only as source
	 * (cloop-src), so the build says how to make it when it is missing */
	if (add_cloop && (rc = live_initrd_opts_set(&p->initrd, "add-module", "cloop", NULL)))
		return rc;
	v = get(cfg, CFG_RESCUE_SHELL);
	if (strcasecmp(v.value, "no")) {
		rc = live_check_static_elf("/bin/busybox");
		if (rc == 0) {
			p->busybox = xstrdup("/bin/busybox");
		} else if (!strcasecmp(v.value, "yes")) {
			return err_wrap(rc, "%s: RescueShell yes", v.label);
		} else {
			err_clear();
			log_info("no static busybox on this machine (busybox-static): the initramfs has no "
				 "rescue shell");
		}
	}
	p->kernel = get(cfg, CFG_KERNEL);
	p->kernel_version = get(cfg, CFG_KERNEL_VERSION);
	p->modules_dir = get(cfg, CFG_MODULES_DIR);
	return 0;
}

static int plan_live(const struct build_cfg *cfg, struct build_plan *p)
{
	char sb[BUILD_CFG_SHORT];
	struct plan_str v = get(cfg, CFG_WRITABLE);
	int rc;
	p->tgz = !strcasecmp(v.value, "tgz");
	p->writable_paths = words(cfg, CFG_WRITABLE_PATHS, &p->nwritable_paths);
	if (p->tgz) {
		size_t n;
		const struct cfg_val *paths = build_cfg_list(cfg, CFG_WRITABLE_PATHS, &n);
		for (size_t i = 0; i < n; i++)
			if (paths[i].value[0] != '/' || !paths[i].value[1] || strchr(paths[i].value + 1, '/'))
				return err_set(
				    ERR_USAGE,
				    "%s: WritablePaths %s: root_fs.tgz holds top-level directories "
				    "(/etc, /var...)",
				    paths[i].label, build_cfg_short(paths[i].value, sb));
	}
	v = get(cfg, CFG_ID);
	if (v.value && *v.value) {
		if ((rc = no_control(v.value, v.label, "Id")))
			return rc;
		if (strlen(v.value) > 60 || strpbrk(v.value, " \t\n\"'/"))
			return err_set(ERR_USAGE, "%s: Id %s: up to 60 characters, no spaces, quotes or '/'",
				       v.label, build_cfg_short(v.value, sb));
		p->id = v.value;
	}
	return 0;
}

/* ---- [Boot]: the menu, checked whole --------------------------------------------- */

static int plan_builtin(const struct build_cfg *cfg, struct build_plan *p)
{
	char sb[BUILD_CFG_SHORT];
	const struct cfg_val *v;
	size_t n;
	v = build_cfg_list(cfg, CFG_ENTRIES, &n);
	for (size_t i = 0; i < n; i++) {
		size_t k;
		for (k = 0; k < BUILD_NENTRIES; k++)
			if (!strcmp(v[i].value, build_entries[k].label))
				break;
		if (k == BUILD_NENTRIES) {
			char names[160] = "";
			for (size_t j = 0; j < BUILD_NENTRIES; j++)
				snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
					 j ? ", " : "", build_entries[j].label);
			return err_set(ERR_USAGE, "%s: Entries %s: not a built-in entry (%s)", v[i].label,
				       build_cfg_short(v[i].value, sb), names);
		}
		if (p->builtin_set & (1u << k))
			return err_set(ERR_USAGE, "%s: Entries: '%s' is named twice", v[i].label, v[i].value);
		if (k >= BUILD_ENTRY_SAFE && user_entry(cfg, build_entries[k].label))
			continue; /* [Entry memtest] and the like: the user's own */
		if (build_entries[k].needs_shell && !p->busybox) {
			log_info("no rescue shell in the initramfs: leaving out the '%s' entry",
				 build_entries[k].label);
			continue;
		}
		p->builtin_set |= 1u << k;
		p->builtin[p->nbuiltin++] = (enum build_entry)k;
	}
	return 0;
}

static int plan_user_entries(const struct build_cfg *cfg, struct build_plan *p)
{
	int rc;
	p->entries = xcalloc(cfg->nentries + 1, sizeof *p->entries);
	for (size_t i = 0; i < cfg->nentries; i++) {
		const struct cfg_entry *ce = &cfg->entries[i];
		const struct cfg_list *title = &ce->vals[CFG_E_TITLE], *kern = &ce->vals[CFG_E_KERNEL],
				      *ird = &ce->vals[CFG_E_INITRD], *app = &ce->vals[CFG_E_APPEND];
		struct plan_entry *e = &p->entries[p->nentries++];
		e->name = ce->name;
		e->label = ce->label;
		e->title = title->n ? title->v[title->n - 1].value : ce->name;
		e->append = app->n ? app->v[app->n - 1].value : "";
		if (kern->n)
			e->kernel = (struct plan_str){kern->v[kern->n - 1].value, kern->v[kern->n - 1].label};
		if (ird->n)
			e->initrd = (struct plan_str){ird->v[ird->n - 1].value, ird->v[ird->n - 1].label};
		if ((rc = no_control(e->name, ce->label, "Entry")) ||
		    (rc = no_control(e->title, title->n ? title->v[title->n - 1].label : ce->label,
				     "Title")) ||
		    (rc = no_control(e->append, app->n ? app->v[app->n - 1].label : ce->label, "Append")))
			return rc;
	}
	return 0;
}

static int plan_help(const struct build_cfg *cfg, struct build_plan *p)
{
	char sb[BUILD_CFG_SHORT];
	const struct cfg_val *v;
	size_t n;
	int rc;
	v = build_cfg_list(cfg, CFG_HELP, &n);
	for (size_t i = 0; i < n; i++) {
		char key[8], file[4096];
		int title = 0, fk = 0;
		if ((rc = no_control(v[i].value, v[i].label, "Help")))
			return rc;
		if (sscanf(v[i].value, "%7s %4095s %n", key, file, &title) < 2 ||
		    (key[0] != 'F' && key[0] != 'f') || (fk = atoi(key + 1)) < 1 || fk > 10 ||
		    p->nhelp >= MENU_MAX_HELP)
			return err_set(ERR_USAGE, "%s: Help %s: expected F1..F10 FILE [TITLE]", v[i].label,
				       build_cfg_short(v[i].value, sb));
		p->help[p->nhelp++] =
		    (struct plan_help){fk, xstrdup(file), title ? v[i].value + title : NULL, v[i].label};
	}
	return 0;
}

/* The menu as the medium will have it (the labels; the command lines
 * need the medium id): Default and FloppyEntries name one of its entries. */
static int plan_menu(const struct build_cfg *cfg, struct build_plan *p)
{
	struct menu m;
	struct plan_str def;
	const struct cfg_val *fl;
	size_t n;
	int rc;
	menu_init(&m);
	for (size_t i = 0; i < p->nbuiltin; i++) {
		struct menu_entry e = {
		    build_entries[p->builtin[i]].label, "", "/boot/vmlinuz", NULL, NULL, false, NULL, false};
		if (p->builtin[i] == BUILD_ENTRY_LANG)
			continue; /* its labels depend on the locales (medium.c) */
		if ((rc = menu_add(&m, &e)))
			return err_wrap(rc, "%s", get(cfg, CFG_ENTRIES).label);
	}
	for (size_t i = 0; i < p->nentries; i++) {
		struct menu_entry e = {
		    p->entries[i].name, "", "/boot/vmlinuz", NULL, NULL, false, NULL, false};
		if ((rc = menu_add(&m, &e)))
			return err_wrap(rc, "%s", p->entries[i].label);
	}
	if (!m.nentries)
		return err_set(ERR_USAGE, "the boot menu has no entries (Boot.Entries and [Entry] sections)");
	def = get(cfg, CFG_DEFAULT);
	if (!menu_find(&m, def.value))
		return err_set(ERR_USAGE, "%s: Default %s: no such menu entry",
			       strcmp(def.label, "default") ? def.label : "Boot.Default", def.value);
	p->default_entry = def.value;
	fl = build_cfg_list(cfg, CFG_FLOPPY_ENTRIES, &n);
	p->floppy_entries = words(cfg, CFG_FLOPPY_ENTRIES, &p->nfloppy_entries);
	for (size_t i = 0; i < n; i++)
		if (!menu_find(&m, fl[i].value))
			return err_set(ERR_USAGE, "%s: FloppyEntries %s: no such menu entry", fl[i].label,
				       fl[i].value);
	return 0;
}

static int plan_boot(const struct build_cfg *cfg, struct build_plan *p)
{
	struct plan_str v;
	uint64_t t;
	int rc;
	p->serial = build_cfg_bool(cfg, CFG_SERIAL);
	p->usb = build_cfg_bool(cfg, CFG_USB);
	if ((rc =
		 util_parse_uint(build_cfg_get(cfg, CFG_SERIAL_SPEED, NULL), 300, 921600, &t, "SerialSpeed")))
		return rc;
	p->serial_speed = (unsigned)t;
	if ((rc = util_parse_uint(build_cfg_get(cfg, CFG_TIMEOUT, NULL), 0, 3600, &t, "Timeout")))
		return rc;
	p->timeout = (unsigned)t;
	v = get(cfg, CFG_APPEND);
	if ((rc = no_control(v.value, v.label, "Append")))
		return rc;
	p->append = v.value;
	if ((rc = plan_builtin(cfg, p)) || (rc = plan_user_entries(cfg, p)) || (rc = plan_help(cfg, p)) ||
	    (rc = plan_menu(cfg, p)))
		return rc;
	p->display = get(cfg, CFG_DISPLAY);
	v = get(cfg, CFG_BOOT_FLOPPY);
	p->floppy_label = v.label;
	p->floppy = !strcasecmp(v.value, "auto")    ? PLAN_FLOPPY_AUTO
		    : !strcasecmp(v.value, "1440K") ? PLAN_FLOPPY_1440K
		    : !strcasecmp(v.value, "2880K") ? PLAN_FLOPPY_2880K
						    : PLAN_FLOPPY_NONE;
	v = get(cfg, CFG_UEFI);
	p->uefi = !strcasecmp(v.value, "no")	 ? BUILD_UEFI_NO
		  : !strcasecmp(v.value, "auto") ? BUILD_UEFI_AUTO
						 : BUILD_UEFI_YES;
	/* "--uefi", "mk.conf:7: UEFI"; the default and profiles by the key */
	p->uefi_label = strcmp(v.label, "default") && strncmp(v.label, "profile", 7) ? v.label : "Boot.UEFI";
	return 0;
}

/* ---- [Output] ------------------------------------------------------------------- */

/* Output.CacheDir, else $XDG_CACHE_HOME/mklive, else ~/.cache/mklive;
 * NULL when there is none to use. */
static char *cache_dir(const struct build_cfg *cfg)
{
	const char *dir = build_cfg_get(cfg, CFG_CACHE_DIR, NULL), *xdg = getenv("XDG_CACHE_HOME"),
		   *home = getenv("HOME");
	if (dir && *dir)
		return xstrdup(dir);
	if (xdg && xdg[0] == '/')
		return util_path_join(xdg, "mklive");
	if (home && home[0] == '/')
		return xasprintf("%s/.cache/mklive", home);
	return NULL;
}

static int plan_output(const struct build_cfg *cfg, struct build_plan *p)
{
	static const enum cfg_key ident[] = {CFG_VOLUME_ID, CFG_PUBLISHER, CFG_APPLICATION, CFG_PREPARER};
	struct plan_str *dst[] = {&p->volume_id, &p->publisher, &p->application, &p->preparer};
	const char *slash;
	int rc;
	p->output = build_cfg_get(cfg, CFG_OUTPUT, &p->output_label);
	if (!p->output_label)
		p->output_label = "Output.Output";
	slash = strrchr(p->output, '/');
	p->outdir =
	    slash ? xstrndup(p->output, (size_t)(slash - p->output + (slash == p->output))) : xstrdup(".");
	struct iso_opts io;
	for (size_t i = 0; i < ARRAY_SIZE(ident); i++)
		*dst[i] = get(cfg, ident[i]);
	/* the ISO 9660 writer's rules (lengths, no control characters), now */
	iso_opts_init(&io);
	rc = build_plan_iso_ids(p, &io);
	if (!rc)
		rc = iso_opts_check(&io);
	iso_opts_free(&io);
	if (rc)
		return rc;
	if ((rc = build_root_check_output(p)))
		return rc;
	p->cache_dir = cache_dir(cfg);
	p->cache = build_cfg_bool(cfg, CFG_CACHE);
	return util_parse_size(build_cfg_get(cfg, CFG_CACHE_SIZE, NULL), &p->cache_max, "CacheSize");
}

int build_plan_iso_ids(const struct build_plan *p, struct iso_opts *io)
{
	const struct {
		const char *key;
		const struct plan_str *v;
	} ids[] = {
	    {"volume-id", &p->volume_id},
	    {"publisher-id", &p->publisher},
	    {"application-id", &p->application},
	    {"preparer-id", &p->preparer},
	};
	int rc;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		if (ids[i].v->value && (rc = iso_opts_set(io, ids[i].key, ids[i].v->value, ids[i].v->label)))
			return rc;
	return 0;
}

int build_plan(const struct build_cfg *cfg, struct build_plan *p)
{
	int rc;
	memset(p, 0, sizeof *p);
	p->cfg = cfg;
	if ((rc = plan_root_format(cfg, p)) || (rc = plan_initrd(cfg, p)) || (rc = plan_root(cfg, p)) ||
	    (rc = plan_live(cfg, p)) || (rc = plan_boot(cfg, p)) || (rc = plan_output(cfg, p)))
		return rc;
	return 0;
}

void build_plan_free(struct build_plan *p)
{
	if (p->root_writer)
		p->root_writer->opts_free(p->root_opts);
	free(p->root_opts);
	live_initrd_opts_free(&p->initrd);
	free(p->busybox);
	free(p->packages);
	free(p->overlay);
	free(p->remove);
	free(p->run);
	for (size_t i = 0; i < p->nattr; i++)
		free(p->attr[i].path);
	free(p->attr);
	free(p->writable_paths);
	free(p->entries);
	for (size_t i = 0; i < p->nhelp; i++)
		free(p->help[i].file);
	free(p->floppy_entries);
	free(p->outdir);
	free(p->cache_dir);
	memset(p, 0, sizeof *p);
}
