/* The live system's settings shared by the build (src/pipeline/livesys.c,
 * on the root tree) and by mklive-init (init/livecfg.c, on the mounted
 * root at boot): editing the account databases, the language table of
 * live.lang= and Locales = all-lang, and the text of the files that turn
 * a setting on. Plain C and libc only, so that the static init builds the
 * same code (see init/Makefile.inc); every result is malloc'ed, NULL when
 * memory ran out. */
#ifndef MKLIVE_LIVE_LIVESYS_H
#define MKLIVE_LIVE_LIVESYS_H

#include <stdbool.h>
#include <stddef.h>

/* ---- accounts (accounts.c): /etc/passwd, shadow, group, gshadow --------- */

/* The line of name in a colon-separated database, or NULL; *len is its
 * length without the newline. */
const char *live_acct_find(const char *db, const char *name, size_t *len);
/* Field idx (0-based) of a line of len bytes, into out (cut at cap - 1);
 * false when the line has fewer fields. */
bool live_acct_field(const char *line, size_t len, unsigned idx, char *out, size_t cap);
/* db with name's line replaced by line (no newline), or line appended. */
char *live_acct_put(const char *db, const char *name, const char *line);
/* db with field idx of name's line set to value; NULL also when name has
 * no line (*found false). */
char *live_acct_set_field(const char *db, const char *name, unsigned idx, const char *value, bool *found);
/* The lowest id >= from and < 60000 (Debian's range for users) that no
 * line of db1 or db2 (either may be NULL) has in field 2; 0 if none. */
unsigned live_acct_free_id(const char *db1, const char *db2, unsigned from);
/* A group database (group or gshadow: members are field 3) with user in
 * group's member list; *found says whether the group exists (when it does
 * not, the result is a copy). */
char *live_acct_add_member(const char *db, const char *group, const char *user, bool *found);
/* A user name useradd accepts by default: [a-z_][a-z0-9_-]*, 32 at most. */
bool live_acct_name_ok(const char *name);
/* A crypt(3) hash ($id$... with the characters crypt uses), or "" for no
 * password. Plain text is refused. */
bool live_acct_hash_ok(const char *s);

/* ---- the language table (langs.c) ---------------------------------------- */
struct live_lang {
	const char *code;   /* live.lang=CODE */
	const char *locale; /* LANG= */
	const char *xkb;    /* X11 layout (Debian's XKBLAYOUT) */
	const char *kmap;   /* console keymap (vconsole.conf KEYMAP, kbd's name) */
	const char *tz;	    /* time zone */
};
extern const struct live_lang live_langs[];
extern const size_t live_nlangs;
const struct live_lang *live_lang_find(const char *code);
/* The console keymap for an X11 layout (the table's, else the same name). */
const char *live_lang_kmap(const char *xkb);
/* A locale name as it is written in /etc/locale.gen and SUPPORTED:
 * "de_DE.UTF-8" -> "UTF-8"; the charset part, "" for none. */
const char *live_lang_charset(const char *locale);

/* ---- the files that carry a setting (files.c) ---------------------------- */
/* A value that may stand in those files as it is: not empty, only ASCII
 * letters, digits and the characters of extra. */
bool live_files_word_ok(const char *s, const char *extra);
/* A systemd drop-in for getty@TTY or serial-getty@TTY that logs user in
 * (agetty --autologin); its path below the root in *path (static). */
char *live_files_getty(const char *unit, const char *user, const char **path);
/* /etc/sudoers.d/mklive-live: passwordless sudo for user. */
char *live_files_sudoers(const char *user);
/* /etc/default/locale and /etc/locale.conf (the same text: LANG=). */
char *live_files_locale(const char *locale);
/* /etc/default/keyboard (console-setup) and /etc/vconsole.conf. */
char *live_files_keyboard(const char *xkb);
char *live_files_vconsole(const char *xkb);
/* An X11 xorg.conf.d snippet with the layout. */
char *live_files_x11(const char *xkb);
/* /etc/systemd/network/80-mklive-wired.network: DHCP on every wired interface. */
char *live_files_networkd(void);
/* /etc/hosts naming host at 127.0.1.1, from the old text (may be NULL). */
char *live_files_hosts(const char *old, const char *host);
/* lightdm, sddm: an autologin drop-in; gdm3: daemon.conf edited. */
char *live_files_lightdm(const char *user);
char *live_files_sddm(const char *user);
char *live_files_gdm(const char *old, const char *user);
/* inittab with --autologin user added to the getty lines of tty1 and
 * ttyS0 (or removed when user is NULL). */
char *live_files_inittab(const char *old, const char *user);

#define LIVE_FILES_CONF "/etc/mklive/live.conf"
#define LIVE_FILES_NETWORKD "/etc/systemd/network/80-mklive-wired.network"
#define LIVE_FILES_IFUPDOWN "/etc/network/interfaces.d/mklive-wired"
#define LIVE_FILES_SUDOERS "/etc/sudoers.d/mklive-live"
#define LIVE_FILES_LIGHTDM "/etc/lightdm/lightdm.conf.d/50-mklive-autologin.conf"
#define LIVE_FILES_SDDM "/etc/sddm.conf.d/50-mklive-autologin.conf"
#define LIVE_FILES_X11 "/etc/X11/xorg.conf.d/00-mklive-keyboard.conf"

#endif
