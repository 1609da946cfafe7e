/* The live system's settings ([Live] User, Password, Autologin, Locale,
 * Locales, Keymap, Timezone, Network, AuthorizedKeys and Root.Hostname)
 * applied to the root tree: the live user in passwd/shadow/group/gshadow
 * with a home from /etc/skel, passwordless sudo, autologin on the consoles
 * and in the display manager, locale, keyboard, time zone, DHCP on wired
 * interfaces, and /etc/mklive/live.conf for mklive-init's live.* boot
 * parameters. Values are checked twice: their form before any work
 * (build_live_check), what they name in the root as soon as it is read
 * (build_live_apply), before anything is compressed. */
#include "live/livesys.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/time.h"
#include "core/util.h"
#include "pipeline/build.h"
#include "pipeline/livesys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The groups live-config gives its user, and the serial/dialout ones. */
static const char *const user_groups[] = {"sudo",   "audio", "video",	"plugdev",
					  "netdev", "cdrom", "dialout", "users"};

/* ---- the form of the values, before any work ------------------------------ */

static bool word_ok(const char *s, const char *extra)
{
	return strlen(s) <= 100 && live_files_word_ok(s, extra);
}

static bool locale_form_ok(const char *s)
{
	return word_ok(s, "_.@-") && s[0] != '.' && s[0] != '-';
}

static bool tz_form_ok(const char *s)
{
	return word_ok(s, "_/+-") && s[0] != '/' && !strstr(s, "//") && s[strlen(s) - 1] != '/';
}

int build_live_check(const struct build_cfg *cfg)
{
	const char *label, *v;
	const struct cfg_val *l;
	size_t n;
	v = build_cfg_get(cfg, CFG_USER, &label);
	if (v && strcmp(v, "none") && !live_acct_name_ok(v))
		return err_set(
		    ERR_USAGE,
		    "%s: '%s' is not a user name (a lower-case letter or '_', then letters, digits, "
		    "'_' or '-', 32 at most), or none",
		    label, v);
	v = build_cfg_get(cfg, CFG_PASSWORD, &label);
	if (v && !live_acct_hash_ok(v))
		return err_set(
		    ERR_USAGE,
		    "%s: not a crypt(3) hash; plain text is refused. Make one with "
		    "'mkpasswd -m yescrypt' (package whois) or 'openssl passwd -6', or leave it empty "
		    "for no password",
		    label);
	v = build_cfg_get(cfg, CFG_LOCALE, &label);
	if (v && *v && !locale_form_ok(v))
		return err_set(ERR_USAGE, "%s: '%s' is not a locale name (e.g. en_US.UTF-8)", label, v);
	l = build_cfg_list(cfg, CFG_LOCALES, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i].value, "all-lang") && !locale_form_ok(l[i].value))
			return err_set(ERR_USAGE,
				       "%s: '%s' is not a locale name (e.g. de_DE.UTF-8) or all-lang",
				       l[i].label, l[i].value);
	v = build_cfg_get(cfg, CFG_KEYMAP, &label);
	if (v && *v && !word_ok(v, "_-"))
		return err_set(ERR_USAGE, "%s: '%s' is not a keyboard layout name (e.g. de, fr, us)", label,
			       v);
	v = build_cfg_get(cfg, CFG_TIMEZONE, &label);
	if (v && *v && !tz_form_ok(v))
		return err_set(ERR_USAGE, "%s: '%s' is not a time zone name (e.g. Europe/Berlin)", label, v);
	v = build_cfg_get(cfg, CFG_AUTHORIZED_KEYS, &label);
	if (v && *v) {
		struct stat st;
		if (stat(v, &st) < 0)
			return err_sys(errno, "%s: %s", label, v);
		if (!S_ISREG(st.st_mode))
			return err_set(EINVAL, "%s: %s: not a file", label, v);
	}
	return 0;
}

/* ---- the locales to generate ---------------------------------------------- */

static bool builtin_locale(const char *l)
{
	return !strcmp(l, "C") || !strcmp(l, "POSIX") || !strcmp(l, "C.UTF-8") || !strcmp(l, "C.utf8");
}

static void push_unique(char ***v, size_t *n, size_t *cap, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return;
	util_grow(v, cap, *n + 2, sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

char **build_live_locales(const struct build_cfg *cfg, size_t *count)
{
	char **v = NULL;
	size_t n = 0, cap = 0, nl;
	const char *loc = build_cfg_get(cfg, CFG_LOCALE, NULL);
	const struct cfg_val *l = build_cfg_list(cfg, CFG_LOCALES, &nl);
	if (loc && *loc && !builtin_locale(loc))
		push_unique(&v, &n, &cap, loc);
	for (size_t i = 0; i < nl; i++) {
		if (!strcmp(l[i].value, "all-lang")) {
			for (size_t j = 0; j < live_nlangs; j++)
				push_unique(&v, &n, &cap, live_langs[j].locale);
		} else if (!builtin_locale(l[i].value)) {
			push_unique(&v, &n, &cap, l[i].value);
		}
	}
	*count = n;
	return v;
}

void build_live_locales_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* ---- reading and writing files of the tree --------------------------------- */

int build_live_read(const struct tree *t, const char *path, char **text, size_t *len)
{
	struct tree_node *n = tree_resolve(t, path);
	int fd, rc;
	*text = NULL;
	if (len)
		*len = 0;
	if (!n || !tree_is_reg(n))
		return 0;
	if (n->size > (64u << 20))
		return err_set(ERR_LIMIT, "%s in the root: %llu bytes, more than expected", path,
			       (unsigned long long)n->size);
	fd = tree_node_open(n);
	if (fd < -1)
		return fd;
	*text = xmalloc((size_t)n->size + 1);
	rc = n->size ? tree_node_pread(n, fd, *text, (size_t)n->size, 0) : 0;
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		free(*text);
		*text = NULL;
		return rc;
	}
	(*text)[n->size] = 0;
	if (len)
		*len = (size_t)n->size;
	return 0;
}

static int slurp(const struct tree *t, const char *path, char **text, size_t *len)
{
	return build_live_read(t, path, text, len);
}

static bool exists(const struct tree *t, const char *path)
{
	return tree_resolve(t, path) != NULL;
}

/* Write text (taken: freed here) at path, keeping the mode and owner of
 * the file it replaces (mode/uid/gid when it is new). */
static int put(struct tree *t, const char *path, char *text, mode_t mode, uint32_t uid, uint32_t gid)
{
	struct tree_node *old = tree_lookup(t, path), *n;
	int rc;
	if (!text)
		return err_set(ENOMEM, "%s: out of memory", path);
	if (old && tree_is_reg(old)) {
		mode = old->mode & 07777;
		uid = old->uid;
		gid = old->gid;
	}
	rc = tree_add_mem_file(t, path, text, strlen(text), mode, &n);
	free(text);
	if (rc)
		return err_wrap(rc, "writing %s into the root", path);
	n->uid = uid;
	n->gid = gid;
	return 0;
}

static int put_link(struct tree *t, const char *path, const char *target)
{
	struct tree_node *dir, *n;
	char *d = xstrndup(path, (size_t)(strrchr(path, '/') - path));
	int rc = tree_mkdir_p(t, d, &dir);
	free(d);
	if (!rc)
		rc = tree_add_child(t, dir, strrchr(path, '/') + 1, S_IFLNK | 0777, &n);
	if (rc)
		return err_wrap(rc, "writing %s into the root", path);
	n->symlink = xstrdup(target);
	n->size = strlen(target);
	n->mtime = n->atime = n->ctime = time_build();
	return 0;
}

/* ---- the live user ---------------------------------------------------------- */

/* A copy of the tree below from (/etc/skel) at dir, owned by uid:gid. */
static int copy_skel(struct tree *t, const struct tree_node *from, struct tree_node *dir, uint32_t uid,
		     uint32_t gid, unsigned depth)
{
	for (size_t i = 0; i < from->nchildren && depth < 32; i++) {
		const struct tree_node *c = from->children[i];
		struct tree_node *n;
		int rc;
		if (!tree_is_dir(c) && !tree_is_reg(c) && !tree_is_lnk(c))
			continue;
		if ((rc = tree_add_child(t, dir, c->name, c->mode, &n)))
			return rc;
		n->uid = uid;
		n->gid = gid;
		n->mtime = c->mtime;
		n->atime = c->atime;
		n->ctime = c->ctime;
		if (tree_is_reg(c))
			tree_node_share_data(n, c);
		else if (tree_is_lnk(c)) {
			n->symlink = xstrdup(c->symlink);
			n->size = c->size;
		} else if ((rc = copy_skel(t, c, n, uid, gid, depth + 1)))
			return rc;
	}
	return 0;
}

struct live_state {
	const struct build_cfg *cfg;
	struct tree *t;
	const char *user; /* NULL: none */
	uint32_t uid, gid;
	bool systemd, sudo;
	char groups[256]; /* the groups the user is in, comma-separated */
};

/* A database of the root, edited; missing ones are empty. */
struct db {
	const char *path;
	char *text;
};

static int add_user(struct live_state *s)
{
	const char *label, *pw = build_cfg_get(s->cfg, CFG_PASSWORD, &label), *shell;
	struct db passwd = {"/etc/passwd", NULL}, shadow = {"/etc/shadow", NULL},
		  group = {"/etc/group", NULL}, gshadow = {"/etc/gshadow", NULL};
	struct db *dbs[] = {&passwd, &shadow, &group, &gshadow};
	struct tree_node *home, *skel;
	char line[512], *home_path = NULL, *e;
	size_t len;
	int64_t days;
	int rc = 0;
	bool found;

	for (size_t i = 0; i < 4; i++)
		if ((rc = slurp(s->t, dbs[i]->path, &dbs[i]->text, NULL)))
			goto out;
	if (!group.text) {
		rc = err_set(ENOENT, "%s: %s: the root has /etc/passwd but no /etc/group",
			     label ? label : "Live.User", s->user);
		goto out;
	}
	if (live_acct_find(passwd.text, s->user, &len)) {
		char f[16];
		/* an account the root already has: it keeps its ids and home */
		const char *p = live_acct_find(passwd.text, s->user, &len);
		live_acct_field(p, len, 2, f, sizeof f);
		s->uid = (uint32_t)strtoul(f, NULL, 10);
		live_acct_field(p, len, 3, f, sizeof f);
		s->gid = (uint32_t)strtoul(f, NULL, 10);
	} else {
		s->uid = live_acct_free_id(passwd.text, NULL, 1000);
		s->gid = live_acct_free_id(group.text, NULL, s->uid);
		if (!s->uid || !s->gid) {
			rc = err_set(ERR_LIMIT, "User %s: no free user id from 1000 on", s->user);
			goto out;
		}
	}
	shell = exists(s->t, "/bin/bash") ? "/bin/bash" : "/bin/sh";
	home_path = xasprintf("/home/%s", s->user);
	snprintf(line, sizeof line, "%s:x:%u:%u:Live user,,,:%s:%s", s->user, s->uid, s->gid, home_path,
		 shell);
	e = live_acct_put(passwd.text, s->user, line);
	free(passwd.text);
	passwd.text = e;
	if (time_source_date_epoch(&days) != 1)
		days = (int64_t)time(NULL);
	days /= 86400;
	snprintf(line, sizeof line, "%s:%s:%lld:0:99999:7:::", s->user, pw ? pw : "", (long long)days);
	e = live_acct_put(shadow.text ? shadow.text : "", s->user, line);
	free(shadow.text);
	shadow.text = e;
	if (!live_acct_find(group.text, s->user, &len)) {
		snprintf(line, sizeof line, "%s:x:%u:", s->user, s->gid);
		e = live_acct_put(group.text, s->user, line);
		free(group.text);
		group.text = e;
		if (gshadow.text) {
			snprintf(line, sizeof line, "%s:!::", s->user);
			e = live_acct_put(gshadow.text, s->user, line);
			free(gshadow.text);
			gshadow.text = e;
		}
	}
	s->groups[0] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(user_groups); i++) {
		e = live_acct_add_member(group.text, user_groups[i], s->user, &found);
		free(group.text);
		group.text = e;
		if (!found)
			continue;
		snprintf(s->groups + strlen(s->groups), sizeof s->groups - strlen(s->groups), "%s%s",
			 s->groups[0] ? "," : "", user_groups[i]);
		if (gshadow.text) {
			e = live_acct_add_member(gshadow.text, user_groups[i], s->user, &found);
			free(gshadow.text);
			gshadow.text = e;
		}
	}
	if ((rc = put(s->t, "/etc/passwd", passwd.text, 0644, 0, 0)))
		goto out_put;
	passwd.text = NULL;
	/* shadow files are root:shadow 0640 on Debian (gid 42) */
	rc = put(s->t, "/etc/shadow", shadow.text, 0640, 0, 42);
	shadow.text = NULL;
	if (!rc)
		rc = put(s->t, "/etc/group", group.text, 0644, 0, 0);
	group.text = NULL;
	if (!rc && gshadow.text)
		rc = put(s->t, "/etc/gshadow", gshadow.text, 0640, 0, 42);
	gshadow.text = NULL;
	if (rc)
		goto out_put;

	/* the home, from /etc/skel, unless the root has it already */
	if (!tree_lookup(s->t, home_path)) {
		if ((rc = tree_mkdir_p(s->t, home_path, &home)))
			goto out_put;
		home->uid = s->uid;
		home->gid = s->gid;
		home->mode = S_IFDIR | 0750;
		skel = tree_resolve(s->t, "/etc/skel");
		if (skel && tree_is_dir(skel) && (rc = copy_skel(s->t, skel, home, s->uid, s->gid, 0)))
			goto out_put;
	}
	if ((s->sudo = exists(s->t, "/usr/bin/sudo") && exists(s->t, "/etc/sudoers.d")))
		rc = put(s->t, LIVE_FILES_SUDOERS, live_files_sudoers(s->user), 0440, 0, 0);
out_put:
out:
	for (size_t i = 0; i < 4; i++)
		free(dbs[i]->text);
	free(home_path);
	return rc;
}

static int authorized_keys(struct live_state *s)
{
	const char *label, *path = build_cfg_get(s->cfg, CFG_AUTHORIZED_KEYS, &label);
	struct tree_node *d, *n;
	uint8_t *data;
	size_t len;
	char *dir, *file;
	int rc;
	if (!path || !*path)
		return 0;
	if (!s->user)
		return err_set(EINVAL, "%s: AuthorizedKeys needs a live user (User is none)", label);
	if ((rc = util_read_file(path, &data, &len)))
		return err_wrap(rc, "%s: AuthorizedKeys", label);
	dir = xasprintf("/home/%s/.ssh", s->user);
	file = xasprintf("%s/authorized_keys", dir);
	rc = tree_mkdir_p(s->t, dir, &d);
	if (!rc) {
		d->mode = S_IFDIR | 0700;
		d->uid = s->uid;
		d->gid = s->gid;
		rc = tree_add_mem_file(s->t, file, data, len, 0600, &n);
	}
	if (!rc) {
		n->uid = s->uid;
		n->gid = s->gid;
	}
	free(data);
	free(dir);
	free(file);
	return rc;
}

/* ---- autologin -------------------------------------------------------------- */

static int autologin(struct live_state *s)
{
	const char *path;
	char *text;
	int rc = 0;
	if (!s->user || !build_cfg_bool(s->cfg, CFG_AUTOLOGIN))
		return 0;
	if (s->systemd) {
		text = live_files_getty("serial-getty@ttyS0", s->user, &path);
		if ((rc = put(s->t, path, text, 0644, 0, 0)))
			return rc;
		text = live_files_getty("getty@tty1", s->user, &path);
		if ((rc = put(s->t, path, text, 0644, 0, 0)))
			return rc;
	} else if (exists(s->t, "/etc/inittab")) {
		char *old;
		if ((rc = slurp(s->t, "/etc/inittab", &old, NULL)))
			return rc;
		text = live_files_inittab(old, s->user);
		free(old);
		if ((rc = put(s->t, "/etc/inittab", text, 0644, 0, 0)))
			return rc;
	}
	if (exists(s->t, "/usr/sbin/lightdm") &&
	    (rc = put(s->t, LIVE_FILES_LIGHTDM, live_files_lightdm(s->user), 0644, 0, 0)))
		return rc;
	if (exists(s->t, "/usr/bin/sddm") &&
	    (rc = put(s->t, LIVE_FILES_SDDM, live_files_sddm(s->user), 0644, 0, 0)))
		return rc;
	if (exists(s->t, "/usr/sbin/gdm3")) {
		char *old;
		if ((rc = slurp(s->t, "/etc/gdm3/daemon.conf", &old, NULL)))
			return rc;
		text = live_files_gdm(old, s->user);
		free(old);
		rc = put(s->t, "/etc/gdm3/daemon.conf", text, 0644, 0, 0);
	}
	return rc;
}

/* ---- locale, keyboard, time zone -------------------------------------------- */

/* Is "LOCALE CHARSET" a line of the root's /usr/share/i18n/SUPPORTED? */
static bool supported(const char *list, const char *locale)
{
	size_t ll = strlen(locale);
	for (const char *p = list; p && *p;) {
		if (!strncmp(p, locale, ll) && (p[ll] == ' ' || p[ll] == '\t'))
			return true;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return false;
}

/* Where a locale to generate was asked for: its Locales entry, else
 * Locale, else the all-lang entry. */
static const char *locale_label(const struct build_cfg *cfg, const char *locale)
{
	size_t n;
	const struct cfg_val *l = build_cfg_list(cfg, CFG_LOCALES, &n);
	const char *label, *loc = build_cfg_get(cfg, CFG_LOCALE, &label);
	for (size_t j = 0; j < n; j++)
		if (!strcmp(l[j].value, locale))
			return l[j].label;
	if (loc && !strcmp(loc, locale) && label)
		return label;
	for (size_t j = 0; j < n; j++)
		if (!strcmp(l[j].value, "all-lang"))
			return l[j].label;
	return "Live.Locales";
}

static int check_locales(struct live_state *s, char **gen)
{
	char *list = NULL;
	int rc;
	if (!gen || !gen[0])
		return 0;
	if (!exists(s->t, "/usr/sbin/locale-gen"))
		return err_set(
		    ENOENT,
		    "%s: locale %s: the root has no locale-gen; install the package locales (add it "
		    "to Root.Packages)",
		    locale_label(s->cfg, gen[0]), gen[0]);
	if ((rc = slurp(s->t, "/usr/share/i18n/SUPPORTED", &list, NULL)))
		return rc;
	for (size_t i = 0; gen[i] && !rc; i++)
		if (!supported(list, gen[i]))
			rc = err_set(ENOENT, "%s: locale %s is not in the root's /usr/share/i18n/SUPPORTED",
				     locale_label(s->cfg, gen[i]), gen[i]);
	free(list);
	return rc;
}

/* Is name.kmap(.gz) somewhere below dir? */
static bool find_kmap(const struct tree_node *dir, const char *name, unsigned depth)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < dir->nchildren && depth < 8; i++) {
		const struct tree_node *c = dir->children[i];
		if (tree_is_dir(c) && find_kmap(c, name, depth + 1))
			return true;
		if (!strncmp(c->name, name, nl) && !strncmp(c->name + nl, ".kmap", 5))
			return true;
	}
	return false;
}

static int check_keymap(struct live_state *s, const char *xkb, const char *label)
{
	struct tree_node *syms = tree_resolve(s->t, "/usr/share/X11/xkb/symbols"), *km;
	char *p;
	bool ok;
	if (syms) {
		p = xasprintf("/usr/share/X11/xkb/symbols/%s", xkb);
		ok = exists(s->t, p);
		free(p);
		if (!ok)
			return err_set(
			    ENOENT,
			    "%s: the root has no layout %s in /usr/share/X11/xkb/symbols (package xkb-data)",
			    label, xkb);
		return 0;
	}
	km = tree_resolve(s->t, "/usr/share/keymaps");
	if (!km)
		km = tree_resolve(s->t, "/usr/share/kbd/keymaps");
	if (km) {
		if (!find_kmap(km, live_lang_kmap(xkb), 0))
			return err_set(ENOENT, "%s: the root has no console keymap %s (for the layout %s)",
				       label, live_lang_kmap(xkb), xkb);
		return 0;
	}
	return err_set(ENOENT,
		       "%s: the root has no keyboard layouts for %s; install keyboard-configuration and "
		       "console-setup (or kbd)",
		       label, xkb);
}

static int settings(struct live_state *s)
{
	const char *label, *loc = build_cfg_get(s->cfg, CFG_LOCALE, NULL);
	const char *kb = build_cfg_get(s->cfg, CFG_KEYMAP, &label);
	const char *tz;
	int rc = 0;
	if (loc && *loc) {
		if ((rc = put(s->t, "/etc/default/locale", live_files_locale(loc), 0644, 0, 0)) ||
		    (rc = put(s->t, "/etc/locale.conf", live_files_locale(loc), 0644, 0, 0)))
			return rc;
	}
	if (kb && *kb) {
		if ((rc = check_keymap(s, kb, label)))
			return rc;
		if ((rc = put(s->t, "/etc/default/keyboard", live_files_keyboard(kb), 0644, 0, 0)) ||
		    (rc = put(s->t, "/etc/vconsole.conf", live_files_vconsole(kb), 0644, 0, 0)))
			return rc;
		if (exists(s->t, "/etc/X11") &&
		    (rc = put(s->t, LIVE_FILES_X11, live_files_x11(kb), 0644, 0, 0)))
			return rc;
	}
	tz = build_cfg_get(s->cfg, CFG_TIMEZONE, &label);
	if (tz && *tz) {
		char *zone = xasprintf("/usr/share/zoneinfo/%s", tz);
		struct tree_node *z = tree_resolve(s->t, zone);
		if (!z || !tree_is_reg(z))
			rc = err_set(
			    ENOENT,
			    "%s: the root has no %s (a name from the package tzdata, e.g. Europe/Berlin)",
			    label, zone);
		else if (!(rc = put_link(s->t, "/etc/localtime", zone)))
			rc = put(s->t, "/etc/timezone", xasprintf("%s\n", tz), 0644, 0, 0);
		free(zone);
	}
	return rc;
}

/* ---- network ------------------------------------------------------------------ */

static int network(struct live_state *s)
{
	const char *net = build_cfg_get(s->cfg, CFG_NETWORK, NULL);
	int rc;
	if (!net || strcasecmp(net, "dhcp"))
		return 0;
	/* NetworkManager configures every interface itself */
	if (exists(s->t, "/usr/sbin/NetworkManager"))
		return 0;
	if (s->systemd && exists(s->t, "/lib/systemd/system/systemd-networkd.service")) {
		if ((rc = put(s->t, LIVE_FILES_NETWORKD, live_files_networkd(), 0644, 0, 0)) ||
		    (rc = put_link(s->t,
				   "/etc/systemd/system/multi-user.target.wants/systemd-networkd.service",
				   "/lib/systemd/system/systemd-networkd.service")))
			return rc;
		if (exists(s->t, "/lib/systemd/system/systemd-networkd.socket") &&
		    (rc = put_link(s->t, "/etc/systemd/system/sockets.target.wants/systemd-networkd.socket",
				   "/lib/systemd/system/systemd-networkd.socket")))
			return rc;
		if (exists(s->t, "/lib/systemd/system/systemd-resolved.service")) {
			if ((rc = put_link(
				 s->t, "/etc/systemd/system/sysinit.target.wants/systemd-resolved.service",
				 "/lib/systemd/system/systemd-resolved.service")) ||
			    (rc = put_link(s->t, "/etc/resolv.conf",
					   "../run/systemd/resolve/stub-resolv.conf")))
				return rc;
		}
		return 0;
	}
	if (exists(s->t, "/sbin/ifup") && exists(s->t, "/etc/network/interfaces"))
		return put(s->t, LIVE_FILES_IFUPDOWN,
			   xstrdup("# mklive: DHCP on the first wired interface (Network = dhcp)\n"
				   "allow-hotplug eth0\niface eth0 inet dhcp\n"),
			   0644, 0, 0);
	return 0;
}

/* ---- the whole step ----------------------------------------------------------- */

static int record(struct live_state *s, char **gen)
{
	struct strbuf b = {0};
	const char *v;
	strbuf_addf(&b, "# written by mklive build: the live system's settings, read by mklive-init for\n"
			"# the live.* boot parameters (mklive-init(7))\n");
	strbuf_addf(&b, "user=%s\n", s->user ? s->user : "");
	strbuf_addf(&b, "groups=%s\n", s->groups);
	strbuf_addf(&b, "autologin=%s\n", build_cfg_bool(s->cfg, CFG_AUTOLOGIN) ? "yes" : "no");
	strbuf_addf(&b, "init=%s\n",
		    s->systemd			   ? "systemd"
		    : exists(s->t, "/etc/inittab") ? "inittab"
						   : "other");
	strbuf_addf(&b, "sudo=%s\n", s->sudo ? "yes" : "no");
	v = build_cfg_get(s->cfg, CFG_LOCALE, NULL);
	strbuf_addf(&b, "locale=%s\n", v ? v : "");
	strbuf_addf(&b, "locales=");
	for (size_t i = 0; gen && gen[i]; i++)
		strbuf_addf(&b, "%s%s", i ? " " : "", gen[i]);
	strbuf_addf(&b, "\n");
	v = build_cfg_get(s->cfg, CFG_KEYMAP, NULL);
	strbuf_addf(&b, "keymap=%s\n", v ? v : "");
	v = build_cfg_get(s->cfg, CFG_TIMEZONE, NULL);
	strbuf_addf(&b, "tz=%s\n", v ? v : "");
	v = build_cfg_get(s->cfg, CFG_HOSTNAME, NULL);
	strbuf_addf(&b, "hostname=%s\n", v ? v : "");
	v = build_cfg_get(s->cfg, CFG_NETWORK, NULL);
	strbuf_addf(&b, "network=%s\n", v ? v : "dhcp");
	return put(s->t, LIVE_FILES_CONF, b.s, 0644, 0, 0);
}

int build_live_apply(const struct build_cfg *cfg, struct tree *t, bool embedded)
{
	struct live_state s = {.cfg = cfg, .t = t};
	const char *user = build_cfg_get(cfg, CFG_USER, NULL), *host;
	char **gen;
	size_t ngen;
	int rc;
	/* the embedded default keeps its root shell; a root without accounts
	 * gets no user */
	if (embedded || !exists(t, "/etc/passwd"))
		return 0;
	s.user = user && *user && strcmp(user, "none") ? user : NULL;
	s.systemd = exists(t, "/lib/systemd/systemd");
	gen = build_live_locales(cfg, &ngen);
	if ((rc = check_locales(&s, gen)))
		goto out;
	if (s.user && (rc = add_user(&s)))
		goto out;
	if ((rc = authorized_keys(&s)) || (rc = autologin(&s)) || (rc = settings(&s)) || (rc = network(&s)))
		goto out;
	host = build_cfg_get(cfg, CFG_HOSTNAME, NULL);
	if (host && *host) {
		char *old;
		if ((rc = slurp(t, "/etc/hosts", &old, NULL)))
			goto out;
		rc = put(t, "/etc/hosts", live_files_hosts(old, host), 0644, 0, 0);
		free(old);
		if (rc)
			goto out;
	}
	/* a remastered live-build root: live-config would set up its own
	 * user and settings over ours (it needs boot=live, which the menu
	 * never passes; masked, a typed boot=live cannot start it either) */
	if (exists(t, "/lib/systemd/system/live-config.service") &&
	    (rc = put_link(t, "/etc/systemd/system/live-config.service", "/dev/null")))
		goto out;
	rc = record(&s, gen);
	if (!rc)
		log_info("live system: user %s%s, locale %s, network %s", s.user ? s.user : "none",
			 s.user && build_cfg_bool(cfg, CFG_AUTOLOGIN) ? " (autologin)" : "",
			 build_cfg_get(cfg, CFG_LOCALE, NULL) ? build_cfg_get(cfg, CFG_LOCALE, NULL)
							      : "unchanged",
			 build_cfg_get(cfg, CFG_NETWORK, NULL));
out:
	build_live_locales_free(gen);
	return rc;
}
