/* The kernel and its modules: from the root when it has them installed
 * (/boot/vmlinuz-VERSION and /lib/modules/VERSION), otherwise from the host,
 * or as given by Kernel.Kernel and Kernel.ModulesDir. */
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "pipeline/build.h"
#include "pipeline/plan.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The version string a bzImage carries (Linux boot protocol: "HdrS" at
 * 0x202, the offset of the version string minus 0x200 at 0x20E). */
static int bzimage_version(const uint8_t *head, size_t len, char *out, size_t cap)
{
	size_t off;
	if (len < 0x210 || memcmp(head + 0x202, "HdrS", 4) != 0)
		return -1;
	off = (size_t)get_le16(head + 0x20E) + 0x200;
	if (off >= len)
		return -1;
	size_t i = 0;
	while (off + i < len && i + 1 < cap && head[off + i] > ' ' && head[off + i] < 0x7f) {
		out[i] = (char)head[off + i];
		i++;
	}
	out[i] = 0;
	return i ? 0 : -1;
}

static bool modules_in_tree(const struct tree *root, const char *ver)
{
	char *p = xasprintf("/lib/modules/%s/modules.dep", ver);
	const struct tree_node *n = tree_resolve(root, p);
	free(p);
	return n && tree_is_reg(n);
}

static bool host_modules(const char *ver)
{
	char *p = xasprintf("/lib/modules/%s/modules.dep", ver);
	bool ok = access(p, R_OK) == 0;
	free(p);
	return ok;
}

/* The newest /boot/vmlinuz-VERSION in the root tree. */
static const struct tree_node *root_kernel(const struct tree *root, char *ver, size_t cap)
{
	const struct tree_node *boot = tree_resolve(root, "/boot"), *best = NULL;
	const char *bestv = NULL;
	if (!boot || !tree_is_dir(boot))
		return NULL;
	for (size_t i = 0; i < boot->nchildren; i++) {
		const struct tree_node *n = boot->children[i];
		const char *v = n->name + 8;
		if (strncmp(n->name, "vmlinuz-", 8) || !*v)
			continue;
		if (tree_is_lnk(n)) {
			char *p = xasprintf("/boot/%s", n->name);
			n = tree_resolve(root, p);
			free(p);
		}
		if (!n || !tree_is_reg(n))
			continue;
		if (!bestv || strverscmp(v, bestv) > 0) {
			bestv = v;
			best = n;
		}
	}
	if (best)
		snprintf(ver, cap, "%s", bestv);
	return best;
}

static char *host_kernel(char *ver, size_t cap)
{
	DIR *d = opendir("/boot");
	struct dirent *e;
	char *best = NULL;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "vmlinuz-", 8) || !e->d_name[8])
			continue;
		if (!best || strverscmp(e->d_name + 8, best) > 0) {
			free(best);
			best = xstrdup(e->d_name + 8);
		}
	}
	closedir(d);
	if (!best)
		return NULL;
	snprintf(ver, cap, "%s", best);
	free(best);
	return xasprintf("/boot/vmlinuz-%s", ver);
}

int build_kernel_find(const struct build_plan *p, const struct tree *root, struct build_kernel *k)
{
	const char *klabel = p->kernel.label, *given = p->kernel.value;
	const char *ver = p->kernel_version.value, *moddir = p->modules_dir.value;
	memset(k, 0, sizeof *k);
	if (given) {
		/* the version string follows the setup code: within 64 KiB */
		static uint8_t head[64 * 1024];
		size_t got = 0;
		struct stat st;
		int fd = open(given, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			return err_sys(e, "%s: Kernel %s", klabel, given);
		}
		if (!S_ISREG(st.st_mode)) {
			close(fd);
			return err_set(EINVAL, "%s: Kernel %s: not a regular file (%s)", klabel, given,
				       S_ISDIR(st.st_mode)   ? "a directory"
				       : S_ISBLK(st.st_mode) ? "a block device"
				       : S_ISCHR(st.st_mode) ? "a character device"
							     : "a special file");
		}
		util_read_full(fd, head, sizeof head, &got);
		close(fd);
		/* the boot loaders load it by the boot protocol's header, whatever
		 * Kernel.Version says */
		if (got < 0x210 || memcmp(head + 0x202, "HdrS", 4) != 0)
			return err_set(
			    ERR_FORMAT,
			    "%s: Kernel %s: not a Linux bzImage (no boot protocol header 'HdrS' at "
			    "byte 0x202)",
			    klabel, given);
		k->host_path = xstrdup(given);
		k->size = (uint64_t)st.st_size;
		if (ver)
			snprintf(k->version, sizeof k->version, "%s", ver);
		else if (bzimage_version(head, got, k->version, sizeof k->version) < 0)
			return err_set(
			    ERR_FORMAT,
			    "%s: Kernel %s: not a Linux bzImage (no version found); set Kernel.Version",
			    klabel, given);
	} else if ((k->image = root_kernel(root, k->version, sizeof k->version))) {
		k->size = k->image->size;
	} else if ((k->host_path = host_kernel(k->version, sizeof k->version))) {
		struct stat st;
		if (stat(k->host_path, &st) < 0)
			return err_sys(errno, "%s", k->host_path);
		k->size = (uint64_t)st.st_size;
		log_info("the root has no kernel in /boot; using the host's %s", k->host_path);
	} else {
		return err_set(
		    ENOENT, "no kernel: the root has no /boot/vmlinuz-* and neither has this machine; "
			    "install one (Debian: apt-get install linux-image-amd64) or set Kernel.Kernel");
	}
	if (ver && !given)
		snprintf(k->version, sizeof k->version, "%s", ver);
	if (moddir) {
		k->modules_dir = xstrdup(moddir);
	} else if (modules_in_tree(root, k->version)) {
		k->modules_in_root = true;
	} else if (host_modules(k->version)) {
		k->modules_dir = xasprintf("/lib/modules/%s", k->version);
	} else {
		return err_set(
		    ENOENT,
		    "no modules for kernel %s: neither the root nor this machine has /lib/modules/%s "
		    "(install the kernel's package, e.g. linux-image-amd64, or set Kernel.ModulesDir)",
		    k->version, k->version);
	}
	return 0;
}

void build_kernel_free(struct build_kernel *k)
{
	free(k->host_path);
	free(k->modules_dir);
	memset(k, 0, sizeof *k);
}
