/* mklive check: verify a medium against its /live/SHA256SUMS, or write
 * that file for a medium tree. */
#include "cmd/opt.h"
#include "core/error.h"
#include "core/output.h"
#include "core/progress.h"
#include "core/sha256.h"
#include "core/tree.h"
#include "core/util.h"
#include "image/image.h"
#include "live/sums.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int cmd_check(int argc, char **argv);
extern const char cmd_check_summary[];
const char cmd_check_summary[] = "verify a live medium against its /live/SHA256SUMS";

static const char usage_text[] =
    "usage: mklive check [options] MEDIUM\n"
    "       mklive check --write-sums DIR\n"
    "\n"
    "Reads /live/SHA256SUMS of a medium and checks every file it lists, naming each\n"
    "file that differs or is missing, and each file it does not list (but itself,\n"
    "/boot/isolinux/isolinux.bin and boot.cat) or lists twice; exit status 1 if\n"
    "any. MEDIUM is an image, a device a medium was written to, or the\n"
    "medium's root directory (a mounted stick or CD, or a tree about to become an\n"
    "image). The result is the same as 'sha256sum -c live/SHA256SUMS' run in that\n"
    "directory.\n"
    "\n"
    "options:\n"
    "      --write-sums        write DIR/live/SHA256SUMS for the tree in DIR: every\n"
    "                          regular file but itself, sorted by path\n"
    "  -q, --quiet             errors only;  -v, --verbose: more detail\n"
    "  -h, --help              this text\n";

enum { O_WRITE = 1 };

static const struct opt opts[] = {
    {"write-sums", O_WRITE, OPT_NOARG, NULL, NULL},
    OPT_COMMON_ROWS,
};

static int on_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	if (o->id == O_WRITE)
		*(bool *)vctx = true;
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The medium as a tree. A directory is scanned; an image (a stick, an
 * ISO file) needs the ISO 9660 reader, which this build does not have. */
static int open_medium(const char *path, struct tree **out)
{
	struct stat st;
	struct tree_scan_opts so = {0};
	int rc;
	if (stat(path, &st) < 0)
		return err_sys(errno, "%s", path);
	if (!S_ISDIR(st.st_mode)) {
		/* an image or a written stick: read in place (a hybrid stick's
		 * ISO 9660 starts at sector 0) */
		struct tree_node *node;
		struct image_info info;
		memset(&info, 0, sizeof info);
		rc = image_open(path, 0, out, &node, &info);
		image_info_free(&info);
		return rc;
	}
	so.quiet_sockets = true;
	*out = tree_create();
	if ((rc = tree_add_path(*out, "/", path, &so)) < 0) {
		tree_destroy(*out);
		*out = NULL;
	}
	return rc;
}

static int write_sums(const char *dir)
{
	struct tree *t = NULL;
	struct out_file *o = NULL;
	char *text = NULL, *dst = NULL;
	size_t len;
	int rc;
	if ((rc = open_medium(dir, &t)) < 0)
		goto out;
	if ((rc = live_sums_make(t, NULL, &text, &len)) < 0)
		goto out;
	dst = util_path_join(dir, LIVE_SUMS_PATH);
	struct tree_node *live = tree_lookup(t, "live");
	if (!live || !tree_is_dir(live)) {
		rc = err_set(ENOENT, "%s: no live/ directory: not a live medium tree", dir);
		goto out;
	}
	if ((rc = out_open(&o, dst)) < 0 || (rc = out_write(o, text, len)) < 0)
		goto out;
	rc = out_finish(o);
	o = NULL;
	if (rc == 0) {
		size_t lines = 0;
		for (size_t i = 0; i < len; i++)
			lines += text[i] == '\n';
		log_note("wrote %s: %zu files", dst, lines);
	}
out:
	out_abort(o);
	free(text);
	free(dst);
	tree_destroy(t);
	return rc;
}

static int check(const char *path)
{
	struct tree *t = NULL;
	struct live_sums_result r;
	int rc;
	double t0 = now();
	if ((rc = open_medium(path, &t)) < 0 || (rc = live_sums_verify(t, path, &r)) < 0)
		goto out;
	double dt = now() - t0;
	if (r.bad) {
		rc = err_set(ERR_FORMAT, "%s: /%s %s%s; the medium is damaged (%llu of %llu files bad)", path,
			     r.first, r.why, r.bad > 1 ? " (and others above)" : "",
			     (unsigned long long)r.bad, (unsigned long long)r.files);
		goto out;
	}
	log_note("%s: all %llu files match /%s (%.1f MB in %.2f s, %.0f MB/s, SHA-256 %s)", path,
		 (unsigned long long)r.files, LIVE_SUMS_PATH, r.bytes / 1e6, dt,
		 dt > 0 ? r.bytes / 1e6 / dt : 0.0, sha256_impl());
out:
	tree_destroy(t);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	const struct opt_cmd cmd = {"mklive check", OPT_GNU, opts, usage_text, on_opt, false};
	bool write = false;
	char **ops = NULL;
	size_t nops = 0;
	int rc;
	log_set_level(1);
	if ((rc = opt_parse(&cmd, argc, argv, &write, &ops, &nops)))
		goto out;
	if ((rc = opt_operands(&cmd, ops, nops, 1, 1, "MEDIUM")))
		goto out;
	rc = write ? write_sums(ops[0]) : check(ops[0]);
out:
	free(ops);
	return opt_exit(rc < 0 ? rc : 0);
}
