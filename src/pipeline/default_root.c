/* The embedded default root: a small working system made of Debian's
 * static busybox (package busybox-static), whose init mounts what a system
 * needs, prints a banner saying how it was booted and with which writable
 * layer, and offers a shell on every console the kernel writes to. */
#include "core/error.h"
#include "core/progress.h"
#include "core/time.h"
#include "core/util.h"
#include "live/initrd.h"
#include "pipeline/build.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* busybox init: rcS once, a console on the serial port and one on the
 * screen (each waits quietly if the kernel does not use that console). */
static const char inittab[] = "# mklive's default root: busybox init\n"
			      "::sysinit:/etc/mklive/rcS\n"
			      "::respawn:/etc/mklive/console ttyS0\n"
			      "::respawn:/etc/mklive/console tty1\n"
			      "::ctrlaltdel:/sbin/reboot\n"
			      "::shutdown:/bin/umount -a -r\n";

static const char rcs[] =
    "#!/bin/sh\n"
    "# mklive default root: what a system needs before the consoles start\n"
    "export PATH=/sbin:/bin:/usr/sbin:/usr/bin\n"
    "# mklive-init moved /proc, /sys, /dev and /run here (with /run/mklive/boot);\n"
    "# Debian's busybox has no mountpoint applet: ask /proc/self/mounts\n"
    "mounted() { awk -v d=\"$1\" '$2 == d { f = 1 } END { exit !f }' /proc/self/mounts 2>/dev/null; }\n"
    "[ -r /proc/self/mounts ] || mount -t proc proc /proc\n"
    "mounted /sys || mount -t sysfs sysfs /sys\n"
    "mounted /dev || mount -t devtmpfs devtmpfs /dev\n"
    "mounted /run || mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run\n"
    "mkdir -p /dev/pts /dev/shm\n"
    "mounted /dev/pts || mount -t devpts -o gid=5,mode=620 devpts /dev/pts\n"
    "mounted /dev/shm || mount -t tmpfs -o mode=1777 tmpfs /dev/shm\n"
    "[ -w /tmp ] || mount -t tmpfs -o mode=1777 tmpfs /tmp\n"
    "if [ -d /sys/firmware/efi/efivars ] && ! mounted /sys/firmware/efi/efivars; then\n"
    "\tmount -t efivarfs efivarfs /sys/firmware/efi/efivars 2>/dev/null\n"
    "fi\n"
    "[ -s /etc/hostname ] && hostname -F /etc/hostname\n"
    "ip link set lo up 2>/dev/null\n"
    "exit 0\n";

/* The banner: kernel, firmware (and Secure Boot), root and writable layer. */
static const char banner[] =
    "#!/bin/sh\n"
    "# mklive default root: say what is running and how it was booted\n"
    "fw=BIOS\n"
    "case $(cat /run/mklive/boot 2>/dev/null) in\n"
    "bios) ;;\n"
    "*secureboot=1) fw=\"UEFI, Secure Boot on\" ;;\n"
    "*secureboot=0) fw=\"UEFI, Secure Boot off\" ;;\n"
    "*) if [ -d /sys/firmware/efi ]; then\n"
    "\tfw=UEFI\n"
    "\tsb=$(for f in /sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c; do\n"
    "\t\t[ -r \"$f\" ] && od -An -tu1 -j4 -N1 \"$f\"; done 2>/dev/null | tr -d ' ')\n"
    "\tcase $sb in 1) fw=\"UEFI, Secure Boot on\" ;; 0) fw=\"UEFI, Secure Boot off\" ;; esac\n"
    "fi ;;\n"
    "esac\n"
    "root=$(awk '$2 == \"/\" { t = $3 } END { print t }' /proc/mounts)\n"
    "rw=$(awk '$2 == \"/run/live/rw\" { print $3 \" on \" $1 }' /proc/mounts)\n"
    "case $root in\n"
    "overlay) case $rw in tmpfs*) layer=\"overlay (changes in RAM)\" ;;\n"
    "\t\t\"\") layer=overlay ;; *) layer=\"overlay (changes kept: $rw)\" ;; esac ;;\n"
    "tmpfs) layer=\"tgz (root_fs.tgz unpacked in RAM)\" ;;\n"
    "*) layer=\"$root\" ;;\n"
    "esac\n"
    "echo\n"
    "echo \"mklive live system: Linux $(uname -r) on $(uname -m)\"\n"
    "echo \"booted: $fw\"\n"
    "echo \"writable layer: $layer\"\n"
    "echo \"console: $(basename \"$(tty)\"); type 'poweroff' to leave\"\n"
    "echo\n";

/* A console: busybox getty sets the line up (-L: a local line, no carrier
 * to wait for; the speed of the kernel's console) and starts the shell
 * without a login (-n -l), which prints the banner first. A console the
 * kernel does not write to waits quietly instead. */
static const char console[] =
    "#!/bin/sh\n"
    "# mklive default root: the banner and a shell on TTY, if the kernel writes there\n"
    "tty=$1\n"
    "active=$(cat /sys/class/tty/console/active 2>/dev/null)\n"
    "want=$tty\n"
    "[ \"$tty\" = tty1 ] && want=tty0\n"
    "case \" $active \" in *\" $want \"* | *\" $tty \"*) ;; *) exec sleep 2147483647 ;; esac\n"
    "speed=$(sed -n 's/.*console=ttyS0,\\([0-9]*\\).*/\\1/p' /proc/cmdline)\n"
    "case $tty in ttyS*) exec getty -n -L -l /etc/mklive/shell \"${speed:-115200}\" \"$tty\" vt100 ;; esac\n"
    "exec getty -n -l /etc/mklive/shell 0 \"$tty\" linux\n";

static const char shell[] = "#!/bin/sh\n"
			    "# mklive default root: what getty starts on a console\n"
			    "/etc/mklive/banner\n"
			    "exec /bin/sh -l\n";

static const char profile[] = "export PATH=/sbin:/bin:/usr/sbin:/usr/bin\n"
			      "export HOME=/root\n"
			      "PS1='\\h:\\w\\$ '\n";

static int add_text(struct tree *t, const char *path, const char *text, mode_t mode)
{
	return tree_add_mem_file(t, path, text, strlen(text), mode, NULL);
}

static int add_link(struct tree *t, const char *path, const char *target)
{
	struct tree_node *dir, *n;
	char *d = xstrdup(path), *slash = strrchr(d, '/');
	int rc;
	*slash = 0;
	rc = tree_mkdir_p(t, d, &dir);
	if (rc == 0 && !tree_lookup(t, path) &&
	    (rc = tree_add_child(t, dir, slash + 1, S_IFLNK | 0777, &n)) == 0) {
		n->symlink = xstrdup(target);
		n->size = strlen(target);
		n->mtime = n->atime = n->ctime = time_build();
	}
	free(d);
	return rc;
}

/* "busybox --list-full": the applets and where they live (bin/sh, sbin/init...). */
static int applets(const char *busybox, char **out)
{
	char *argv[] = {(char *)busybox, "--list-full", NULL};
	posix_spawn_file_actions_t fa;
	int p[2], status, rc = 0;
	size_t len = 0, cap = 0;
	char *buf = NULL;
	pid_t pid;
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(errno, "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	rc = posix_spawn(&pid, busybox, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc) {
		close(p[0]);
		return err_sys(rc, "%s", busybox);
	}
	for (;;) {
		ssize_t r;
		util_grow(&buf, &cap, len + 4097, 1);
		r = read(p[0], buf + len, 4096);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(p[0]);
	buf[len] = 0;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) || !len) {
		free(buf);
		return err_set(ERR_FORMAT, "%s --list-full did not list its applets", busybox);
	}
	*out = buf;
	return rc;
}

int build_default_root(struct tree *t, const char *busybox)
{
	static const char *const dirs[] = {"/proc", "/sys",	   "/dev", "/run",     "/tmp",
					   "/root", "/etc/mklive", "/mnt", "/var/log", "/home"};
	struct tree_scan_opts so = {.follow_links = true};
	struct tree_node *d;
	char *list = NULL;
	int rc;
	if (!busybox)
		busybox = "/bin/busybox";
	if ((rc = live_check_static_elf(busybox)) < 0)
		return err_wrap(rc,
				"the default root needs Debian's static busybox (package busybox-static)");
	if ((rc = tree_add_path(t, "/bin/busybox", busybox, &so)) < 0)
		return rc;
	d = tree_lookup(t, "/bin/busybox");
	d->mode = S_IFREG | 0755;
	d->uid = d->gid = 0;
	if ((rc = applets(busybox, &list)) < 0)
		return rc;
	for (char *save = NULL, *a = strtok_r(list, "\n", &save); a && rc == 0;
	     a = strtok_r(NULL, "\n", &save)) {
		char *path;
		if (!*a || strstr(a, "..") || !strcmp(a, "bin/busybox"))
			continue;
		path = xasprintf("/%s", a);
		rc = add_link(t, path, "/bin/busybox");
		free(path);
	}
	free(list);
	for (size_t i = 0; i < ARRAY_SIZE(dirs) && rc == 0; i++)
		rc = tree_mkdir_p(t, dirs[i], &d);
	if (rc)
		return rc;
	tree_lookup(t, "/tmp")->mode = S_IFDIR | 01777;
	tree_lookup(t, "/root")->mode = S_IFDIR | 0700;
	if ((rc = add_text(t, "/etc/inittab", inittab, 0644)) ||
	    (rc = add_text(t, "/etc/mklive/rcS", rcs, 0755)) ||
	    (rc = add_text(t, "/etc/mklive/banner", banner, 0755)) ||
	    (rc = add_text(t, "/etc/mklive/console", console, 0755)) ||
	    (rc = add_text(t, "/etc/mklive/shell", shell, 0755)) ||
	    (rc = add_text(t, "/etc/profile", profile, 0644)) ||
	    (rc = add_text(t, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644)) ||
	    (rc = add_text(t, "/etc/shadow", "root::0:0:99999:7:::\n", 0600)) ||
	    (rc = add_text(t, "/etc/group", "root:x:0:\ntty:x:5:\n", 0644)) ||
	    (rc = add_text(t, "/etc/hostname", "mklive\n", 0644)) ||
	    (rc = add_text(t, "/etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\tmklive\n", 0644)) ||
	    (rc = add_text(t, "/etc/os-release",
			   "NAME=\"mklive default\"\nID=mklive\nPRETTY_NAME=\"mklive default live system\"\n",
			   0644)))
		return rc;
	log_info("default root: busybox from %s", busybox);
	return 0;
}
