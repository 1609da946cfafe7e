/* What mklive run needs from the machine: the QEMU binary and, for UEFI,
 * OVMF's firmware (Debian's ovmf package) with a private copy of its
 * variable store per run, since the firmware writes boot entries there. */
#include "core/error.h"
#include "core/util.h"
#include "run/run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool executable(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

int run_find_qemu(const char *name, char **found)
{
	const char *path = getenv("PATH");
	if (!name)
		name = RUN_QEMU;
	if (strchr(name, '/')) {
		if (!executable(name))
			return err_sys(access(name, F_OK) ? errno : EACCES, "%s", name);
		*found = xstrdup(name);
		return 0;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *cand = xasprintf("%.*s/%s", (int)n, n ? p : ".", name);
		if (executable(cand)) {
			*found = cand;
			return 0;
		}
		free(cand);
		if (!e)
			break;
		p = e + 1;
	}
	return err_set(ENOENT, "%s not found in PATH (it comes with the Debian package %s)", name,
		       strcmp(name, RUN_QEMU) ? "that provides it" : RUN_QEMU_PACKAGE);
}

/* The 4 MB builds: the ones Debian's ovmf ships for q35 (the 2 MB ones
 * are kept only for old machine configurations). The .ms variable store
 * has Microsoft's keys enrolled, so shim signed by Microsoft's UEFI CA is
 * trusted and Secure Boot is on from the first boot. */
int run_find_ovmf(const char *dir, enum run_firmware fw, char **code, char **vars_template)
{
	const char *c = fw == RUN_UEFI_SECURE ? "OVMF_CODE_4M.secboot.fd" : "OVMF_CODE_4M.fd";
	const char *v = fw == RUN_UEFI_SECURE ? "OVMF_VARS_4M.ms.fd" : "OVMF_VARS_4M.fd";
	char *cp, *vp;
	if (!dir)
		dir = getenv("MKLIVE_OVMF_DIR");
	if (!dir || !*dir)
		dir = RUN_OVMF_DIR;
	cp = util_path_join(dir, c);
	vp = util_path_join(dir, v);
	for (int i = 0; i < 2; i++) {
		const char *p = i ? vp : cp;
		if (access(p, R_OK) < 0) {
			int e = errno;
			err_set(e, "%s: %s (the %s firmware's %s; it comes with the Debian package %s)", p,
				strerror(e), fw == RUN_UEFI_SECURE ? "Secure Boot UEFI" : "UEFI",
				i ? "variable store" : "code", RUN_OVMF_PACKAGE);
			free(cp);
			free(vp);
			return -e;
		}
	}
	*code = cp;
	*vars_template = vp;
	return 0;
}

int run_copy_file(const char *src, const char *dst)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int fd, rc;
	if ((rc = util_read_file(src, &data, &len)))
		return rc;
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = err_sys(errno, "%s", dst);
	} else {
		if ((rc = util_write_full(fd, data, len)) < 0)
			err_sys(-rc, "%s", dst);
		if (close(fd) < 0 && !rc)
			rc = err_sys(errno, "%s", dst);
	}
	free(data);
	return rc;
}
