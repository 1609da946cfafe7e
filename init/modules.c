/* mklive-init: loading kernel modules with their dependencies, and coldplug
 * (modalias of every device matched against modules.alias). */
#include "pid1.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static char modroot[300];

/* ---- kernel modules ---------------------------------------------------- */
void live_load_db(void)
{
	struct utsname u;
	uint8_t *t;
	size_t n;
	uname(&u);
	snprintf(modroot, sizeof modroot, "/lib/modules/%s", u.release);
	char p[400];
	snprintf(p, sizeof p, "%s/modules.dep", modroot);
	if (live_read_file(p, &t, &n) < 0) {
		live_say("no modules for kernel %s in the initramfs (%s); using built-in drivers only",
			 u.release, p);
		return;
	}
	kmod_db_parse_dep(&live_db, (char *)t);
	free(t);
	snprintf(p, sizeof p, "%s/modules.alias", modroot);
	if (live_read_file(p, &t, &n) == 0) {
		kmod_db_parse_alias(&live_db, (char *)t);
		free(t);
	}
	snprintf(p, sizeof p, "%s/modules.softdep", modroot);
	if (live_read_file(p, &t, &n) == 0) {
		kmod_db_parse_softdep(&live_db, (char *)t);
		free(t);
	}
	live_step("%zu modules, %zu aliases for %s", live_db.nmods, live_db.naliases, u.release);
}

/* Load module i and what it needs; params apply to module i only.
 * Returns 0 if it is loaded (or was), -errno otherwise. */
static int load_index(int i, const char *params)
{
	int order[256];
	size_t n;
	int rc = 0;
	if (live_db.mods[i].state == 2)
		return 0;
	if (live_db.mods[i].state < 0)
		return -ENOENT;
	n = kmod_load_order(&live_db, i, order, 0, 256);
	for (size_t k = 0; k < n; k++) {
		struct kmod_module *m = &live_db.mods[order[k]];
		char p[600];
		snprintf(p, sizeof p, "%s/%s", modroot, m->path);
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		int r = fd < 0 ? -1
			       : (int)syscall(SYS_finit_module, fd, order[k] == i && params ? params : "", 0);
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (r < 0 && e != EEXIST) {
			live_step("module %s: %s", m->name, strerror(e));
			m->state = -1;
			rc = -e;
		} else {
			live_step("loaded %s", m->name);
		}
	}
	return live_db.mods[i].state == 2 ? 0 : rc ? rc : -ENOENT;
}

int live_load_module(const char *name, const char *params)
{
	int i = kmod_db_find(&live_db, name);
	if (i < 0)
		return -ENOENT; /* built in, or not carried */
	return load_index(i, params);
}

/* Coldplug: every device's modalias in /sys/devices, each handled once. */
static char **seen;
static size_t nseen, seen_cap;
static int loaded_now;

static void handle_modalias(const char *alias)
{
	int m[32];
	for (size_t i = 0; i < nseen; i++)
		if (!strcmp(seen[i], alias))
			return;
	if (nseen == seen_cap) {
		seen_cap = seen_cap ? seen_cap * 2 : 256;
		seen = realloc(seen, seen_cap * sizeof *seen);
	}
	seen[nseen++] = strdup(alias);
	size_t n = kmod_match(&live_db, alias, m, 32);
	for (size_t i = 0; i < n; i++)
		if (live_db.mods[m[i]].state == 0) {
			load_index(m[i], NULL);
			loaded_now++;
		}
}

/* Every device is listed under /sys/bus/BUS/devices/: reading their
 * modalias files is far cheaper than walking all of /sys/devices. */
static void walk_buses(void)
{
	DIR *buses = opendir("/sys/bus");
	struct dirent *b;
	while (buses && (b = readdir(buses))) {
		char path[300];
		if (b->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/sys/bus/%s/devices", b->d_name);
		DIR *d = opendir(path);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			char f[600], buf[512];
			if (de->d_name[0] == '.')
				continue;
			snprintf(f, sizeof f, "%s/%s/modalias", path, de->d_name);
			int fd = open(f, O_RDONLY | O_CLOEXEC);
			ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
			if (fd >= 0)
				close(fd);
			if (n > 0) {
				buf[n] = 0;
				live_trim(buf);
				if (*buf)
					handle_modalias(buf);
			}
		}
		if (d)
			closedir(d);
	}
	if (buses)
		closedir(buses);
}

/* Walks /sys only when the kernel reported new events since the last walk. */
int live_coldplug(void)
{
	static char last[32];
	char cur[32];
	live_read_text("/sys/kernel/uevent_seqnum", cur, sizeof cur);
	if (*cur && !strcmp(cur, last))
		return 0;
	snprintf(last, sizeof last, "%s", cur);
	loaded_now = 0;
	if (live_db.nmods)
		walk_buses();
	return loaded_now;
}
