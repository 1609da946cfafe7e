/* mklive-init: the live system's settings from the boot prompt (live.user=,
 * live.autologin=off, live.lang=, live.locale=, live.keymap=, live.tz=,
 * live.hostname=, live.network=off), written into the mounted root before
 * its init starts. The build put its defaults into the compressed root and
 * described them in /etc/mklive/live.conf; what is written here lands in
 * the writable layer (and so, with persistence, is kept), so what a user
 * changed in a persistent layer stays unless this boot's command line
 * names the same setting. A bad value costs one line on the console and
 * keeps the build's setting; it never stops the boot. */
#include "live.h"
#include "pid1.h"

#include "../src/live/livesys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the parameters (pure: unit-tested on the host) ------------------------ */

void livecfg_parse(const char *cmdline, struct livecfg *c)
{
	char word[256];
	memset(c, 0, sizeof *c);
	while (*cmdline) {
		size_t n = 0;
		bool q = false;
		while (*cmdline == ' ' || *cmdline == '\t' || *cmdline == '\n')
			cmdline++;
		while (*cmdline && (q || (*cmdline != ' ' && *cmdline != '\t' && *cmdline != '\n'))) {
			if (*cmdline == '"')
				q = !q;
			else if (n + 1 < sizeof word)
				word[n++] = *cmdline;
			cmdline++;
		}
		word[n] = 0;
		static const struct {
			const char *key;
			size_t off;
		} keys[] = {
		    {"live.user=", offsetof(struct livecfg, user)},
		    {"live.autologin=", offsetof(struct livecfg, autologin)},
		    {"live.lang=", offsetof(struct livecfg, lang)},
		    {"live.locale=", offsetof(struct livecfg, locale)},
		    {"live.keymap=", offsetof(struct livecfg, keymap)},
		    {"live.tz=", offsetof(struct livecfg, tz)},
		    {"live.hostname=", offsetof(struct livecfg, hostname)},
		    {"live.network=", offsetof(struct livecfg, network)},
		};
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			size_t kl = strlen(keys[i].key);
			if (!strncmp(word, keys[i].key, kl)) {
				char *dst = (char *)c + keys[i].off;
				snprintf(dst, LIVECFG_VAL, "%s", word + kl);
				c->given = true;
			}
		}
		if (!strcmp(word, "live.noautologin")) {
			strcpy(c->autologin, "off");
			c->given = true;
		}
	}
}

int livecfg_resolve(struct livecfg *c, char *warn, size_t cap)
{
	int bad = 0;
	size_t w = 0;
	warn[0] = 0;
#define WARN(...)                                                                                            \
	do {                                                                                                 \
		if (w < cap)                                                                                 \
			w += (size_t)snprintf(warn + w, cap - w, "%s", w ? "; " : "");                       \
		if (w < cap)                                                                                 \
			w += (size_t)snprintf(warn + w, cap - w, __VA_ARGS__);                               \
		bad++;                                                                                       \
	} while (0)
	if (c->lang[0]) {
		const struct live_lang *l = live_lang_find(c->lang);
		if (!l)
			WARN("live.lang=%s: not a language of the table (mklive-init(7)); the build's "
			     "settings stay",
			     c->lang);
		else {
			/* live.locale= and the others, when given, win over the language's */
			if (!c->locale[0])
				snprintf(c->locale, LIVECFG_VAL, "%s", l->locale);
			if (!c->keymap[0])
				snprintf(c->keymap, LIVECFG_VAL, "%s", l->xkb);
			if (!c->tz[0])
				snprintf(c->tz, LIVECFG_VAL, "%s", l->tz);
		}
	}
	if (c->user[0] && !live_acct_name_ok(c->user)) {
		WARN("live.user=%s: not a user name; the build's user stays", c->user);
		c->user[0] = 0;
	}
	if (c->autologin[0] && strcmp(c->autologin, "off") && strcmp(c->autologin, "no") &&
	    strcmp(c->autologin, "0") && strcmp(c->autologin, "on") && strcmp(c->autologin, "yes") &&
	    strcmp(c->autologin, "1")) {
		WARN("live.autologin=%s: expected off or on", c->autologin);
		c->autologin[0] = 0;
	}
	if (c->locale[0] && (!live_files_word_ok(c->locale, "_.@-") || c->locale[0] == '.')) {
		WARN("live.locale=%s: not a locale name", c->locale);
		c->locale[0] = 0;
	}
	if (c->keymap[0] && !live_files_word_ok(c->keymap, "_-")) {
		WARN("live.keymap=%s: not a keyboard layout name", c->keymap);
		c->keymap[0] = 0;
	}
	if (c->tz[0] && (!live_files_word_ok(c->tz, "_/+-") || c->tz[0] == '/' || strstr(c->tz, ".."))) {
		WARN("live.tz=%s: not a time zone name", c->tz);
		c->tz[0] = 0;
	}
	if (c->hostname[0] &&
	    (!live_files_word_ok(c->hostname, "-.") || strlen(c->hostname) > 63 || c->hostname[0] == '-')) {
		WARN("live.hostname=%s: letters, digits, '-' and '.' only", c->hostname);
		c->hostname[0] = 0;
	}
	if (c->network[0] && strcmp(c->network, "off") && strcmp(c->network, "dhcp")) {
		WARN("live.network=%s: expected off or dhcp", c->network);
		c->network[0] = 0;
	}
#undef WARN
	return bad;
}

/* A key=value line of live.conf, into out (empty when absent). */
void livecfg_conf_get(const char *conf, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	out[0] = 0;
	for (const char *p = conf; p && *p;) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, "\n");
			snprintf(out, cap, "%.*s", (int)n, p + kl + 1);
			return;
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
}

/* Is word one of the space-separated words of list? */
static bool in_list(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ,");
		if (n == wl && !strncmp(p, word, n))
			return true;
		p += n;
		p += strspn(p, " ,");
	}
	return false;
}

#ifndef LIVECFG_PURE
/* ---- writing into the root (in a child chrooted into it) -------------------- */

static int put(const char *path, char *text, mode_t mode)
{
	char tmp[300], dir[300];
	int fd, rc = 0;
	struct stat st;
	if (!text)
		return -ENOMEM;
	snprintf(dir, sizeof dir, "%s", path);
	*strrchr(dir, '/') = 0;
	live_mkdirs(dir);
	/* the file it replaces keeps its mode and owner */
	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	snprintf(tmp, sizeof tmp, "%s.mklive-new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		rc = -errno;
	if (fd >= 0) {
		fchmod(fd, mode);
		if (stat(path, &st) == 0)
			(void)!fchown(fd, st.st_uid, st.st_gid);
		close(fd);
	}
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		unlink(tmp);
		live_say("writing %s: %s", path, strerror(-rc));
	}
	free(text);
	return rc;
}

static char *slurp(const char *path)
{
	uint8_t *d;
	size_t n;
	return live_read_file(path, &d, &n) == 0 ? (char *)d : NULL;
}

/* Copy /etc/skel into a new home, owned by the user. */
static void copy_tree(const char *from, const char *to, uid_t uid, gid_t gid, unsigned depth)
{
	DIR *d = opendir(from);
	struct dirent *de;
	if (!d || depth > 16) {
		if (d)
			closedir(d);
		return;
	}
	while ((de = readdir(d))) {
		char s[512], t[512];
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(s, sizeof s, "%s/%s", from, de->d_name);
		snprintf(t, sizeof t, "%s/%s", to, de->d_name);
		if (lstat(s, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			mkdir(t, st.st_mode & 07777);
			copy_tree(s, t, uid, gid, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			uint8_t *data;
			size_t n;
			int fd;
			if (live_read_file(s, &data, &n) < 0)
				continue;
			fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
			if (fd >= 0) {
				(void)!write(fd, data, n);
				close(fd);
			}
			free(data);
		} else if (S_ISLNK(st.st_mode)) {
			char l[512];
			ssize_t n = readlink(s, l, sizeof l - 1);
			if (n > 0) {
				l[n] = 0;
				(void)!symlink(l, t);
			}
		}
		(void)!lchown(t, uid, gid);
	}
	closedir(d);
}

/* The account of user, made as the build makes its user when the root
 * does not have it: the build user's groups, no password, a home from
 * /etc/skel. */
static int ensure_user(const char *user, const char *groups)
{
	char *passwd = slurp("/etc/passwd"), *shadow = slurp("/etc/shadow"), *group = slurp("/etc/group"),
	     *gshadow = slurp("/etc/gshadow"), line[512], home[300], *e;
	unsigned uid, gid;
	size_t len;
	int rc = 0;
	if (!passwd || !group) {
		rc = -ENOENT;
		goto out;
	}
	if (live_acct_find(passwd, user, &len))
		goto out; /* made on an earlier boot (persistence), or by the build */
	uid = live_acct_free_id(passwd, NULL, 1000);
	gid = live_acct_free_id(group, NULL, uid);
	snprintf(home, sizeof home, "/home/%s", user);
	snprintf(line, sizeof line, "%s:x:%u:%u:Live user,,,:%s:%s", user, uid, gid, home,
		 access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh");
	rc = put("/etc/passwd", live_acct_put(passwd, user, line), 0644);
	snprintf(line, sizeof line, "%s::19000:0:99999:7:::", user);
	if (!rc && shadow)
		rc = put("/etc/shadow", live_acct_put(shadow, user, line), 0640);
	snprintf(line, sizeof line, "%s:x:%u:", user, gid);
	e = live_acct_put(group, user, line);
	for (const char *p = groups; e && *p;) {
		char g[64];
		size_t n = strcspn(p, ",");
		bool found;
		snprintf(g, sizeof g, "%.*s", (int)n, p);
		char *e2 = live_acct_add_member(e, g, user, &found);
		free(e);
		e = e2;
		if (gshadow) {
			e2 = live_acct_add_member(gshadow, g, user, &found);
			free(gshadow);
			gshadow = e2;
		}
		p += n + (p[n] == ',');
	}
	if (!rc)
		rc = put("/etc/group", e, 0644);
	else
		free(e);
	if (!rc && gshadow) {
		snprintf(line, sizeof line, "%s:!::", user);
		rc = put("/etc/gshadow", live_acct_put(gshadow, user, line), 0640);
	}
	if (!rc && mkdir(home, 0750) == 0) {
		copy_tree("/etc/skel", home, uid, gid, 0);
		(void)!chown(home, uid, gid);
	}
out:
	free(passwd), free(shadow), free(group), free(gshadow);
	return rc;
}

/* Autologin for user on the consoles and in the display manager, or none
 * (user NULL), the way the build wrote it. */
static void set_autologin(const char *user, const char *init)
{
	const char *path;
	char *text;
	if (!strcmp(init, "systemd")) {
		const char *units[] = {"serial-getty@ttyS0", "getty@tty1"};
		for (int i = 0; i < 2; i++) {
			text = live_files_getty(units[i], user ? user : "-", &path);
			if (user)
				put(path, text, 0644);
			else {
				free(text);
				unlink(path);
			}
		}
	} else if (!strcmp(init, "inittab")) {
		char *old = slurp("/etc/inittab");
		if (old)
			put("/etc/inittab", live_files_inittab(old, user), 0644);
		free(old);
	}
	if (access("/usr/sbin/lightdm", X_OK) == 0) {
		if (user)
			put(LIVE_FILES_LIGHTDM, live_files_lightdm(user), 0644);
		else
			unlink(LIVE_FILES_LIGHTDM);
	}
	if (access("/usr/bin/sddm", X_OK) == 0) {
		if (user)
			put(LIVE_FILES_SDDM, live_files_sddm(user), 0644);
		else
			unlink(LIVE_FILES_SDDM);
	}
	if (access("/usr/sbin/gdm3", X_OK) == 0) {
		char *old = slurp("/etc/gdm3/daemon.conf");
		put("/etc/gdm3/daemon.conf", live_files_gdm(old, user), 0644);
		free(old);
	}
}

static void apply(const struct livecfg *c, const char *conf)
{
	char user[64], groups[256], init[32], locales[4096], sudo[8], autologin[8];
	livecfg_conf_get(conf, "user", user, sizeof user);
	livecfg_conf_get(conf, "groups", groups, sizeof groups);
	livecfg_conf_get(conf, "init", init, sizeof init);
	livecfg_conf_get(conf, "locales", locales, sizeof locales);
	livecfg_conf_get(conf, "sudo", sudo, sizeof sudo);
	livecfg_conf_get(conf, "autologin", autologin, sizeof autologin);

	if (c->user[0] && strcmp(c->user, user)) {
		if (ensure_user(c->user, groups) == 0) {
			snprintf(user, sizeof user, "%s", c->user);
			if (!strcmp(sudo, "yes"))
				put(LIVE_FILES_SUDOERS, live_files_sudoers(user), 0440);
			if (strcmp(autologin, "no"))
				set_autologin(user, init);
		} else
			live_say("live.user=%s: the root has no /etc/passwd to add the user to", c->user);
	}
	if (c->autologin[0]) {
		bool on = strchr("oy1", c->autologin[0]) && strcmp(c->autologin, "off");
		if (on && !user[0])
			live_say("live.autologin=%s: this system has no live user (live.user=NAME)",
				 c->autologin);
		else
			set_autologin(on ? user : NULL, init);
	}
	if (c->locale[0]) {
		if (strncmp(c->locale, "C.", 2) && strcmp(c->locale, "C") && !in_list(locales, c->locale))
			live_say("live.locale=%s: not generated by the build (Live.Locales lists %s); the "
				 "locale stays",
				 c->locale, locales[0] ? locales : "none");
		else {
			put("/etc/default/locale", live_files_locale(c->locale), 0644);
			put("/etc/locale.conf", live_files_locale(c->locale), 0644);
		}
	}
	if (c->keymap[0]) {
		put("/etc/default/keyboard", live_files_keyboard(c->keymap), 0644);
		put("/etc/vconsole.conf", live_files_vconsole(c->keymap), 0644);
		if (access("/etc/X11", F_OK) == 0)
			put(LIVE_FILES_X11, live_files_x11(c->keymap), 0644);
	}
	if (c->tz[0]) {
		char zone[300];
		struct stat st;
		snprintf(zone, sizeof zone, "/usr/share/zoneinfo/%s", c->tz);
		if (stat(zone, &st) < 0 || !S_ISREG(st.st_mode))
			live_say("live.tz=%s: the root has no %s; the time zone stays", c->tz, zone);
		else {
			unlink("/etc/localtime.mklive-new");
			if (symlink(zone, "/etc/localtime.mklive-new") == 0 &&
			    rename("/etc/localtime.mklive-new", "/etc/localtime") == 0) {
				char *t = malloc(strlen(c->tz) + 2);
				if (t)
					sprintf(t, "%s\n", c->tz);
				put("/etc/timezone", t, 0644);
			} else
				live_say("live.tz=%s: /etc/localtime: %s", c->tz, strerror(errno));
		}
	}
	if (c->hostname[0]) {
		char *old = slurp("/etc/hosts"), *t = malloc(strlen(c->hostname) + 2);
		if (t)
			sprintf(t, "%s\n", c->hostname);
		put("/etc/hostname", t, 0644);
		put("/etc/hosts", live_files_hosts(old, c->hostname), 0644);
		free(old);
	}
	if (c->network[0] && !strcmp(c->network, "off")) {
		unlink(LIVE_FILES_NETWORKD);
		unlink(LIVE_FILES_IFUPDOWN);
	} else if (c->network[0] && !strcmp(c->network, "dhcp") && !strcmp(init, "systemd") &&
		   access("/usr/sbin/NetworkManager", X_OK) < 0) {
		put(LIVE_FILES_NETWORKD, live_files_networkd(), 0644);
	}
}

void live_config(void)
{
	struct livecfg c;
	uint8_t *cl;
	size_t n;
	char warn[768], path[300], *conf;
	double t0 = live_now();
	pid_t p;
	if (live_read_file("/proc/cmdline", &cl, &n) < 0)
		return;
	livecfg_parse((char *)cl, &c);
	free(cl);
	if (!c.given)
		return;
	if (livecfg_resolve(&c, warn, sizeof warn))
		live_say("%s", warn);
	snprintf(path, sizeof path, NEWROOT "%s", LIVE_FILES_CONF);
	if (!(conf = slurp(path))) {
		/* the embedded default root, or one built before: nothing to set */
		live_step("live.* settings: this root has no %s; nothing changed", LIVE_FILES_CONF);
		return;
	}
	/* in the root itself, so that its own symbolic links (/lib ->
	 * usr/lib, /etc/localtime) resolve there */
	p = fork();
	if (p == 0) {
		if (chroot(NEWROOT) == 0 && chdir("/") == 0) {
			umask(022);
			apply(&c, conf);
			_exit(0);
		}
		_exit(1);
	}
	free(conf);
	if (p > 0)
		while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
	live_step("live.* settings written in %.1f ms", (live_now() - t0) * 1000.0);
}
#endif
