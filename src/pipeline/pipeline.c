/* The build pipeline: runs the stages in order, keeps the intermediate
 * images (root image, initramfs) as unlinked temporary files beside the
 * output, and reports sizes and times. See build.h. */
#include "pipeline/pipeline.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/time.h"
#include "core/util.h"
#include "pipeline/build.h"
#include "pipeline/chroot.h"
#include "pipeline/livesys.h"

#include <fcntl.h>
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const stage_names[BUILD_NSTAGES] = {
    [BUILD_ROOT] = "reading the root",	       [BUILD_CUSTOMISE] = "customising the root",
    [BUILD_KERNEL] = "finding the kernel",     [BUILD_ROOT_IMAGE] = "compressing the root",
    [BUILD_INITRD] = "building the initramfs", [BUILD_MEDIUM] = "writing the medium",
};

static void stage_begin(struct build_ctx *c, enum build_stage s)
{
	c->stage = s;
	c->t0 = now();
	if (isatty(STDERR_FILENO))
		log_note("%s...", stage_names[s]);
	else
		log_info("%s", stage_names[s]);
}

static void stage_end(struct build_ctx *c)
{
	c->rep->seconds[c->stage] += now() - c->t0;
}

char *build_tmp_path(struct build_ctx *c, const char *name)
{
	return xasprintf("%s/.%s.mklive-build-%ld", c->plan->outdir, name, (long)getpid());
}

int build_tmp_adopt(struct build_ctx *c, const char *path, const char *name, struct tree_img **img,
		    uint64_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int rc = err_sys(errno, "%s", path);
		unlink(path);
		return rc;
	}
	/* nothing is left behind whatever happens next: the data lives on
	 * in the open descriptor only */
	unlink(path);
	if (fstat(fd, &st) < 0) {
		int rc = err_sys(errno, "%s", path);
		close(fd);
		return rc;
	}
	*img = tree_img_create(fd, name, NULL, NULL);
	*size = (uint64_t)st.st_size;
	return 0;
}

/* A medium id: the same for the same root image, kernel and settings
 * (reproducible), different for different ones. */
static int make_id(struct build_ctx *c)
{
	uint32_t crc = 0, adler = 1;
	uint8_t *buf;
	int64_t epoch = 0;
	if (c->plan->id) {
		snprintf(c->id, sizeof c->id, "%s", c->plan->id);
		return 0;
	}
	buf = xmalloc(1 << 20);
	for (uint64_t off = 0; off < c->root_size;) {
		size_t n = (size_t)MIN(c->root_size - off, 1u << 20), got = 0;
		int rc = util_pread_full(c->root_img->fd, buf, n, (off_t)off, &got);
		if (rc < 0 || got != n) {
			free(buf);
			return err_sys(rc < 0 ? -rc : EIO, "reading back the root image");
		}
		crc = libdeflate_crc32(crc, buf, n);
		adler = libdeflate_adler32(adler, buf, n);
		off += n;
	}
	free(buf);
	if (time_source_date_epoch(&epoch) != 1)
		epoch = (int64_t)time(NULL);
	crc = libdeflate_crc32(crc, c->kernel.version, strlen(c->kernel.version));
	crc = libdeflate_crc32(crc, &epoch, sizeof epoch);
	snprintf(c->id, sizeof c->id, "%08x%08x", crc, adler);
	return 0;
}

static void summary(const struct build_report *r, const char *out)
{
	char line[512];
	size_t n = 0;
	double total = 0;
	for (int i = 0; i < BUILD_NSTAGES; i++)
		total += r->seconds[i];
	log_note("wrote %s: %.1f MB (kernel %s %.1f MB, initramfs %.1f MB with %zu modules, %s %.1f MB from "
		 "%.1f MB "
		 "of files, %.1f%%)",
		 out, (double)r->image_bytes / 1e6, r->kernel_version, (double)r->kernel_bytes / 1e6,
		 (double)r->initrd_bytes / 1e6, r->modules, r->root_format, (double)r->root_bytes / 1e6,
		 (double)r->root_raw_bytes / 1e6,
		 r->root_raw_bytes ? 100.0 * (double)r->root_bytes / (double)r->root_raw_bytes : 0.0);
	for (int i = 0; i < BUILD_NSTAGES; i++)
		n += (size_t)snprintf(line + n, sizeof line - n, "%s%s %.2f s", i ? ", " : "", stage_names[i],
				      r->seconds[i]);
	log_note("boots on BIOS%s (CD%s); medium id %s; %.2f s in all: %s",
		 r->uefi ? " and UEFI with Secure Boot" : " only", r->usb ? " and USB stick" : "", r->id,
		 total, line);
}

static int check_init(const struct build_plan *p, const struct tree *root)
{
	const char *init = p->init.value, *label = p->init.label;
	const struct tree_node *n = tree_resolve(root, init);
	if (!n || !tree_is_reg(n) || !(n->mode & 0111))
		return err_set(
		    ENOENT,
		    "the root has no %s (%s): a live system needs an init (install systemd-sysv or "
		    "sysvinit-core, or set Root.Init)",
		    init, strcmp(label, "default") ? label : "Root.Init");
	return 0;
}

static int raw_bytes(struct tree_node *n, void *ctx)
{
	if (tree_is_reg(n) && (!n->link_id || n->link_first == n))
		*(uint64_t *)ctx += n->size;
	return 0;
}

/* The live system's settings (livesys.c); the locales of roots mmdebstrap
 * did not make are generated here, those of debian: roots by its hook. */
static int live_system(const struct build_plan *p, struct tree *root)
{
	bool embedded = p->root_kind == BUILD_ROOT_DEFAULT;
	int rc = build_live_apply(p->cfg, root, embedded);
	if (!rc && !embedded && p->root_kind != BUILD_ROOT_DEBIAN && tree_lookup(root, "/etc/passwd"))
		rc = build_live_gen_locales(p->cfg, root, p->outdir);
	return rc;
}

int build_run(const struct build_cfg *cfg, struct build_report *rep)
{
	struct build_ctx c;
	struct build_plan plan;
	const char *out;
	char *desc = NULL;
	int rc;

	memset(rep, 0, sizeof *rep);
	memset(&c, 0, sizeof c);
	c.rep = rep;
	c.plan = &plan;
	if ((rc = build_plan(cfg, &plan)) || (rc = build_live_check(cfg)))
		goto done;
	out = plan.output;
	c.uefi = plan.uefi;
	if (plan.cache) {
		if (plan.cache_dir && comp_cache_create(&c.cache, plan.cache_dir) < 0) {
			log_warn("no block cache: %s", err_msg());
			err_clear();
		}
		plan.root_writer->set_cache(plan.root_opts, c.cache);
		plan.initrd.cache = c.cache;
	}
	c.root = tree_create();

	stage_begin(&c, BUILD_ROOT);
	rc = build_root_read(&plan, c.root, &desc);
	stage_end(&c);
	if (rc)
		goto done;
	log_info("root: %s", desc);

	stage_begin(&c, BUILD_CUSTOMISE);
	rc = build_customise(&plan, c.root);
	if (!rc)
		rc = build_run_apply_pending(c.root);
	if (!rc)
		rc = live_system(&plan, c.root);
	if (!rc)
		rc = check_init(&plan, c.root);
	if (!rc)
		rc = tree_finalize(c.root);
	stage_end(&c);
	if (rc)
		goto done;
	rep->root_files = c.root->nnodes;
	tree_walk(c.root->root, raw_bytes, NULL, &rep->root_raw_bytes);

	stage_begin(&c, BUILD_KERNEL);
	rc = build_kernel_find(&plan, c.root, &c.kernel);
	if (!rc)
		rc = build_uefi_check(&c);
	stage_end(&c);
	if (rc)
		goto done;
	snprintf(rep->kernel_version, sizeof rep->kernel_version, "%s", c.kernel.version);
	rep->kernel_bytes = c.kernel.size;

	stage_begin(&c, BUILD_ROOT_IMAGE);
	rc = build_root_image(&c);
	if (!rc)
		rc = make_id(&c);
	stage_end(&c);
	if (rc)
		goto done;
	snprintf(rep->id, sizeof rep->id, "%s", c.id);
	rep->root_bytes = c.root_size;

	stage_begin(&c, BUILD_INITRD);
	rc = build_initrd(&c);
	stage_end(&c);
	if (rc)
		goto done;

	stage_begin(&c, BUILD_MEDIUM);
	rc = build_medium(&c, out);
	stage_end(&c);
	if (rc)
		goto done;
	if (c.cache) {
		comp_cache_stats(c.cache, &rep->cache_hits, &rep->cache_misses);
		comp_cache_prune(c.cache, plan.cache_max);
		log_info("block cache: %llu blocks reused, %llu compressed",
			 (unsigned long long)rep->cache_hits, (unsigned long long)rep->cache_misses);
	}
	summary(rep, out);
done:
	build_ctx_free(&c);
	build_run_cleanup(); /* the Run= scripts' changes, read until the medium was written */
	build_plan_free(&plan);
	free(desc);
	return rc;
}
