/* mklive run --netboot: the TFTP root for QEMU's user network. The
 * guest fetches the root image by HTTP from RUN_NETBOOT_HTTP, where
 * guestfwd starts `mklive serve --stdio DIR`; QEMU's TFTP server and
 * DHCP next-server are its gateway, 10.0.2.2, which guestfwd may not
 * take. So the loaders' configurations are served with live.fetch=
 * pointed there; everything else is the tree itself, through symbolic
 * links (QEMU's TFTP opens them as files). */
#include "core/error.h"
#include "core/util.h"
#include "run/run.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY "live.fetch="
#define CFG_MAX (1u << 20)

/* The loader configurations, by their place in the tree. */
static const char *const configs[] = {"pxelinux.cfg/default", "grub/grub.cfg", "boot.ipxe"};

static bool is_config(const char *rel)
{
	for (size_t i = 0; i < ARRAY_SIZE(configs); i++)
		if (!strcmp(rel, configs[i]))
			return true;
	return false;
}

/* The longest tail of path naming a regular file below dirfd, or NULL. */
static const char *file_tail(const char *path, int dirfd)
{
	for (const char *p = path; p && *p;) {
		struct stat st;
		p += strspn(p, "/");
		if (!*p)
			break;
		if (strncmp(p, "../", 3) && !strstr(p, "/../") && fstatat(dirfd, p, &st, 0) == 0 &&
		    S_ISREG(st.st_mode))
			return p;
		p = strchr(p, '/');
	}
	return NULL;
}

int run_netboot_rewrite(const char *text, int dirfd, const char *host, const char *cfg, char **out)
{
	struct strbuf b = {0};
	const char *p = text, *k;
	while ((k = strstr(p, KEY))) {
		const char *v = k + strlen(KEY), *path, *tail;
		size_t n = strcspn(v, " \t\r\n\"'");
		char *value = xstrndup(v, n), *scheme = strstr(value, "://");
		path = scheme ? strchr(scheme + 3, '/') : value;
		tail = path ? file_tail(path, dirfd) : NULL;
		if (!tail) {
			int rc = err_set(ERR_FORMAT, "%s: live.fetch=%s names no file of the netboot tree",
					 cfg, value);
			free(value);
			free(b.s);
			return rc;
		}
		strbuf_addf(&b, "%.*shttp://%s/%s", (int)(v - p), p, host, tail);
		free(value);
		p = v + n;
	}
	strbuf_addf(&b, "%s", p);
	*out = b.s;
	return 0;
}

static int copy_config(int dirfd, const char *src_dir, const char *rel, const char *dst)
{
	uint8_t *data = NULL;
	size_t len = 0;
	char *src = util_path_join(src_dir, rel), *text = NULL;
	int rc = util_read_file(src, &data, &len), fd;
	if (!rc && (len > CFG_MAX || memchr(data, 0, len)))
		rc = err_set(ERR_FORMAT, "%s: not a boot loader configuration", src);
	if (!rc)
		rc = run_netboot_rewrite((char *)data, dirfd, RUN_NETBOOT_HTTP, src, &text);
	if (!rc) {
		fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			rc = err_sys(errno, "%s", dst);
		else {
			if (util_write_full(fd, text, strlen(text)) < 0)
				rc = err_sys(errno, "%s", dst);
			close(fd);
		}
	}
	free(src);
	free(data);
	free(text);
	return rc;
}

/* Mirror the directory rel (""= the top) of the tree at tftp/rel. */
static int mirror(int dirfd, const char *src_dir, const char *tftp, const char *rel, int depth)
{
	char *from = *rel ? util_path_join(src_dir, rel) : xstrdup(src_dir);
	DIR *d = opendir(from);
	struct dirent *e;
	int rc = 0;
	if (!d) {
		rc = err_sys(errno, "%s", from);
		free(from);
		return rc;
	}
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *r = *rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		char *src = util_path_join(src_dir, r), *dst = util_path_join(tftp, r);
		struct stat st;
		bool holds_config = false;
		for (size_t i = 0; i < ARRAY_SIZE(configs); i++)
			holds_config |= !strncmp(configs[i], r, strlen(r)) && configs[i][strlen(r)] == '/';
		if (is_config(r)) {
			rc = copy_config(dirfd, src_dir, r, dst);
		} else if (holds_config && depth < 4 && lstat(src, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (mkdir(dst, 0755) < 0)
				rc = err_sys(errno, "%s", dst);
			else
				rc = mirror(dirfd, src_dir, tftp, r, depth + 1);
		} else if (symlink(src, dst) < 0) {
			rc = err_sys(errno, "%s", dst);
		}
		free(r);
		free(src);
		free(dst);
	}
	closedir(d);
	free(from);
	return rc;
}

int run_netboot_prepare(const struct run_opts *o, const char *dir, struct run_netboot *nb)
{
	char real[PATH_MAX], self[PATH_MAX];
	ssize_t n;
	int dirfd, rc;
	memset(nb, 0, sizeof *nb);
	if (!realpath(o->netboot, real))
		return err_sys(errno, "--netboot %s", o->netboot);
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) < 0)
		return err_sys(errno, "/proc/self/exe: where this mklive is, for guestfwd's mklive serve");
	self[n] = 0;
	dirfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return err_sys(errno, "--netboot %s", o->netboot);
	nb->self = xstrdup(self);
	nb->dir = xstrdup(real);
	nb->tftp = util_path_join(dir, "tftp");
	if (mkdir(nb->tftp, 0755) < 0)
		rc = err_sys(errno, "%s", nb->tftp);
	else
		rc = mirror(dirfd, real, nb->tftp, "", 0);
	close(dirfd);
	if (rc)
		run_netboot_free(nb);
	return rc;
}

void run_netboot_free(struct run_netboot *nb)
{
	if (nb->tftp)
		util_remove_tree(nb->tftp);
	free(nb->tftp);
	free(nb->self);
	free(nb->dir);
	memset(nb, 0, sizeof *nb);
}
