/* Making a FAT image boot with SYSLINUX: Debian ships ldlinux.sys and the
 * SYSLINUX boot sector only inside its installer (package syslinux), which
 * writes them into an image file through mtools; this runs it. */
#include "core/error.h"
#include "core/tree.h"
#include "core/util.h"
#include "fat/fat.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char *dirs, *save = NULL;
	bool found = false;
	dirs = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
	for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = util_path_join(d, prog);
		found = access(p, X_OK) == 0;
		free(p);
	}
	free(dirs);
	return found;
}

int fat_syslinux_prepare(struct tree *t, struct fat_opts *o)
{
	struct tree_scan_opts so;
	const char *dir = o->syslinux_dir && *o->syslinux_dir ? o->syslinux_dir : "/";
	char *dst;
	int rc;
	if (!o->syslinux)
		return 0;
	/* Everything the installer needs is checked before anything is written. */
	if (!in_path("syslinux"))
		return err_set(ENOENT, "syslinux: the SYSLINUX installer is not installed (Debian package "
				       "syslinux; it carries ldlinux.sys and the boot sector)");
	if (access(FAT_SYSLINUX_LDLINUX_C32, R_OK) != 0)
		return err_sys(errno, "%s (from the Debian package syslinux-common) is missing",
			       FAT_SYSLINUX_LDLINUX_C32);
	if (o->partition) {
		uint8_t *mbr;
		size_t len;
		if ((rc = util_read_file(FAT_SYSLINUX_MBR_BIN, &mbr, &len)))
			return err_wrap(rc, "SYSLINUX's MBR code (Debian package syslinux-common)");
		if (len > sizeof o->mbr_code) {
			free(mbr);
			return err_set(ERR_FORMAT, "%s: %zu bytes, MBR code holds at most %zu",
				       FAT_SYSLINUX_MBR_BIN, len, sizeof o->mbr_code);
		}
		memcpy(o->mbr_code, mbr, len);
		o->mbr_code_len = len;
		free(mbr);
	}
	memset(&so, 0, sizeof so);
	so.follow_links = true;
	dst = util_path_join(dir, "ldlinux.c32");
	rc = tree_add_path(t, dst, FAT_SYSLINUX_LDLINUX_C32, &so);
	free(dst);
	if (rc)
		return rc;
	if (o->reserve < FAT_SYSLINUX_RESERVE)
		o->reserve = FAT_SYSLINUX_RESERVE;
	return 0;
}

int fat_syslinux_install(const char *image, uint64_t fs_offset, const char *dir)
{
	char offset[32];
	const char *argv[10];
	int argc = 0, pipefd[2], status, rc;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	char out[2048];
	size_t got = 0;

	if (!in_path("syslinux"))
		return err_set(ENOENT, "syslinux: the SYSLINUX installer is not installed (Debian package "
				       "syslinux; it carries ldlinux.sys and the boot sector)");
	argv[argc++] = "syslinux";
	argv[argc++] = "--install";
	if (fs_offset) {
		snprintf(offset, sizeof offset, "%llu", (unsigned long long)fs_offset);
		argv[argc++] = "--offset";
		argv[argc++] = offset;
	}
	if (dir && *dir && strcmp(dir, "/") != 0) {
		argv[argc++] = "--directory";
		argv[argc++] = dir;
	}
	argv[argc++] = image;
	argv[argc] = NULL;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return err_sys(errno, "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawnp(&pid, "syslinux", &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc) {
		close(pipefd[0]);
		return err_sys(rc, "syslinux: cannot run the installer");
	}
	for (;;) {
		ssize_t r = read(pipefd[0], out + got, sizeof out - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof out - 1) /* keep reading, drop the rest */
			got = sizeof out / 2;
	}
	out[got] = 0;
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_sys(errno, "syslinux: waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		size_t n = strlen(out);
		while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
			out[--n] = 0;
		return err_set(EIO, "syslinux --install failed on %s (%s %d)%s%s", image,
			       WIFEXITED(status) ? "exit status" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), n ? ": " : "",
			       out);
	}
	return 0;
}
