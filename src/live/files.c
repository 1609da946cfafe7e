/* The text of the files that carry the live system's settings, written by
 * the build into the root and by mklive-init into the writable layer, so
 * both write the same thing. See livesys.h. */
#include "livesys.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool live_files_word_ok(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr(extra, *p)))
			return false;
	return true;
}

static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s;
	int n;
	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	if (n < 0 || !(s = malloc((size_t)n + 1)))
		return NULL;
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

char *live_files_getty(const char *unit, const char *user, const char **path)
{
	static char p[128];
	bool serial = !strncmp(unit, "serial-", 7);
	snprintf(p, sizeof p, "/etc/systemd/system/%s.service.d/mklive-autologin.conf", unit);
	*path = p;
	/* the unit's own ExecStart is cleared first: a service may have one
	 * only; agetty's options as Debian's units give them, plus the user */
	return fmt("# mklive: the live user is logged in without a password\n"
		   "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin %s %s%%I $TERM\n",
		   user, serial ? "--keep-baud 115200,57600,38400,9600 - " : "--noclear - ");
}

char *live_files_sudoers(const char *user)
{
	return fmt(
	    "# mklive: the live user may use sudo without a password\n%s ALL=(ALL:ALL) NOPASSWD: ALL\n",
	    user);
}

char *live_files_locale(const char *locale)
{
	return fmt("LANG=%s\n", locale);
}

char *live_files_keyboard(const char *xkb)
{
	return fmt(
	    "# KEYBOARD CONFIGURATION FILE (written by mklive; see keyboard(5))\n"
	    "XKBMODEL=\"pc105\"\nXKBLAYOUT=\"%s\"\nXKBVARIANT=\"\"\nXKBOPTIONS=\"\"\nBACKSPACE=\"guess\"\n",
	    xkb);
}

char *live_files_vconsole(const char *xkb)
{
	return fmt("KEYMAP=%s\nXKBLAYOUT=%s\n", live_lang_kmap(xkb), xkb);
}

char *live_files_x11(const char *xkb)
{
	return fmt("# written by mklive\nSection \"InputClass\"\n\tIdentifier \"system-keyboard\"\n"
		   "\tMatchIsKeyboard \"on\"\n\tOption \"XkbLayout\" \"%s\"\nEndSection\n",
		   xkb);
}

char *live_files_networkd(void)
{
	return fmt("# mklive: DHCP on every wired interface (Network = dhcp, live.network=off)\n"
		   "[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n");
}

char *live_files_hosts(const char *old, const char *host)
{
	/* every line but 127.0.1.1's, then 127.0.1.1 with the name */
	size_t n = old ? strlen(old) : 0, o = 0;
	char *r = malloc(n + strlen(host) + 160), *line;
	if (!r)
		return NULL;
	if (!old || !*old)
		o +=
		    (size_t)sprintf(r, "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n");
	for (const char *p = old; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) + 1 : strlen(p);
		if (strncmp(p, "127.0.1.1", 9)) {
			memcpy(r + o, p, l);
			o += l;
			if (!e)
				r[o++] = '\n';
		}
		p += l;
	}
	line = r + o;
	sprintf(line, "127.0.1.1\t%s\n", host);
	return r;
}

char *live_files_lightdm(const char *user)
{
	return fmt("# mklive: the live user's session starts without a password\n"
		   "[Seat:*]\nautologin-user=%s\nautologin-user-timeout=0\n",
		   user);
}

char *live_files_sddm(const char *user)
{
	return fmt("# mklive: the live user's session starts without a password\n[Autologin]\nUser=%s\n",
		   user);
}

/* old with every line starting with key removed. */
static void drop_key(char *s, const char *key)
{
	size_t kl = strlen(key);
	char *w = s;
	for (char *p = s; *p;) {
		char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) + 1 : strlen(p);
		if (strncmp(p, key, kl)) {
			memmove(w, p, l);
			w += l;
		}
		p += l;
	}
	*w = 0;
}

char *live_files_gdm(const char *old, const char *user)
{
	/* gdm3 reads only /etc/gdm3/daemon.conf: its [daemon] section gets
	 * the two keys (any earlier ones go) */
	size_t n = old ? strlen(old) : 0;
	char *s = malloc(n + 1), *r, *d;
	if (!s)
		return NULL;
	memcpy(s, old ? old : "", n + 1);
	drop_key(s, "AutomaticLoginEnable");
	drop_key(s, "AutomaticLogin=");
	drop_key(s, "AutomaticLogin =");
	if (!user)
		return s;
	d = strstr(s, "[daemon]\n");
	if (!d)
		r = fmt("%s%s[daemon]\nAutomaticLoginEnable=true\nAutomaticLogin=%s\n", s,
			n && s[strlen(s) - 1] != '\n' ? "\n" : "", user);
	else
		r = fmt("%.*s[daemon]\nAutomaticLoginEnable=true\nAutomaticLogin=%s\n%s", (int)(d - s), s,
			user, d + 9);
	free(s);
	return r;
}

char *live_files_inittab(const char *old, const char *user)
{
	/* "1:2345:respawn:/sbin/getty 38400 tty1" and the ttyS0 line: the
	 * getty program word is followed by "--autologin USER" */
	size_t n = strlen(old), o = 0, lines = 1;
	char *r;
	for (const char *p = old; *p; p++)
		lines += *p == '\n';
	/* every line may grow by the option and end in a newline */
	r = malloc(n + lines * ((user ? strlen(user) : 0) + 16) + 1);
	if (!r)
		return NULL;
	for (const char *p = old; *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		char line[1024];
		snprintf(line, sizeof line, "%.*s", (int)(l < 1023 ? l : 1023), p);
		if (l < 1000 && line[0] != '#' && strstr(line, "getty") &&
		    (strstr(line, " tty1") || strstr(line, "ttyS0"))) {
			char *a = strstr(line, " --autologin ");
			if (a) { /* what an earlier run wrote goes first */
				char *u = a + 13, *after = u + strcspn(u, " ");
				memmove(a, after, strlen(after) + 1);
			}
			char *g = strstr(line, "getty");
			if (user && g) {
				g += 5;
				o += (size_t)sprintf(r + o, "%.*s --autologin %s%s\n", (int)(g - line), line,
						     user, g);
			} else {
				o += (size_t)sprintf(r + o, "%s\n", line);
			}
		} else {
			memcpy(r + o, p, l);
			o += l;
			r[o++] = '\n';
		}
		p += l + (e != NULL);
	}
	r[o] = 0;
	return r;
}
