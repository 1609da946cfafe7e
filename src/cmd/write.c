/* mklive write: put a live image on a USB stick safely, verify it, and
 * optionally add a persistence partition. */
#include "cmd/opt.h"
#include "core/error.h"
#include "core/progress.h"
#include "usb/usb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_write(int argc, char **argv);
extern const char cmd_write_summary[];
const char cmd_write_summary[] = "write a live image to a USB stick (verified, optional persistence)";

static const char usage_text[] =
    "usage: mklive write [options] IMAGE DEVICE\n"
    "\n"
    "Writes a hybrid live ISO (made by mklive build) to a whole disk, usually a USB\n"
    "stick, or to a regular file (a disk image for a virtual machine). Refuses\n"
    "read-only devices, partitions, disks with anything mounted, used as swap or\n"
    "held by another device, disks smaller than needed, and fixed (non-removable)\n"
    "disks without --force.\n"
    "Then flushes, reads everything back and compares SHA-256 digests.\n"
    "\n"
    "options:\n"
    "      --persistence SIZE|rest  add an ext4 partition labelled mklive-rw after the\n"
    "                          image (SIZE like 512M or 4G, or the rest of the disk);\n"
    "                          boot with live.persistence to keep changes on it\n"
    "      --no-verify         do not read the written image back\n"
    "  -y, --yes               do not ask for confirmation on a terminal\n"
    "  -f, --force             also write to a disk that is not removable\n"
    "  -q, --quiet             errors only;  -v, --verbose: more detail\n"
    "  -h, --help              this text\n"
    "\n"
    "A loop device counts as removable (it is a file underneath). On a terminal the\n"
    "disk's model, size and partitions are shown and 'yes' must be typed; without a\n"
    "terminal a block device needs --yes.\n";

enum { O_PERSIST = 1, O_NOVERIFY, O_YES, O_FORCE };

static const struct opt opts[] = {
    {"persistence", O_PERSIST, OPT_ARG, NULL, NULL},
    {"no-verify", O_NOVERIFY, OPT_NOARG, NULL, NULL},
    {"y|yes", O_YES, OPT_NOARG, NULL, NULL},
    {"f|force", O_FORCE, OPT_NOARG, NULL, NULL},
    OPT_COMMON_ROWS,
};

struct write_args {
	bool persist, rest, no_verify, yes, force;
	unsigned long long size;
};

static int on_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	struct write_args *a = vctx;
	switch (o->id) {
	case O_PERSIST:
		a->persist = true;
		if (!strcmp(arg, "rest")) {
			a->rest = true;
			return 0;
		}
		return opt_size(spelled, arg, &a->size);
	case O_NOVERIFY:
		a->no_verify = true;
		return 0;
	case O_YES:
		a->yes = true;
		return 0;
	case O_FORCE:
		a->force = true;
		return 0;
	}
	return 0;
}

static int confirm(const struct usb_target *t, const char *image)
{
	char *d = usb_target_describe(t), line[32];
	fprintf(stderr, "%s\nEverything on it is lost. Write %s to it? Type 'yes': ", d, image);
	free(d);
	fflush(stderr);
	if (!fgets(line, sizeof line, stdin) || (strcmp(line, "yes\n") && strcmp(line, "y\n")))
		return err_set(ECANCELED, "%s: not confirmed; nothing written", t->named);
	return 0;
}

int cmd_write(int argc, char **argv)
{
	const struct opt_cmd cmd = {"mklive write", OPT_GNU, opts, usage_text, on_opt, false};
	struct write_args a = {0};
	struct usb_target t = {.fd = -1};
	struct usb_target_opts to = {0};
	struct usb_image im = {.fd = -1};
	struct usb_write_stats ws;
	char **ops = NULL;
	size_t nops = 0;
	int rc;
	uint64_t need, dsize = 0;

	log_set_level(1);
	if ((rc = opt_parse(&cmd, argc, argv, &a, &ops, &nops)))
		goto out;
	if (nops != 2) {
		rc = err_set(ERR_USAGE, "expected IMAGE and DEVICE (see 'mklive write --help')");
		goto out;
	}
	const char *image = ops[0], *dev = ops[1];
	if ((rc = usb_image_open(&im, image)) < 0)
		goto out;
	need = usb_persist_need(&im, a.persist, a.size, a.rest);
	to.force = a.force;
	to.img_dev = im.dev;
	to.img_ino = im.ino;
	if ((rc = usb_target_open(&t, dev, &to, need)) < 0)
		goto out;
	if (a.persist && (rc = usb_persist_disk_size(&t, need, a.rest, &dsize)) < 0)
		goto out;
	if (t.kind != USB_FILE && !a.yes) {
		if (!isatty(0)) {
			rc = err_set(ECANCELED,
				     "%s: standard input is not a terminal, so nothing can be confirmed; "
				     "pass --yes to write anyway",
				     dev);
			goto out;
		}
		if ((rc = confirm(&t, image)) < 0)
			goto out;
	}
	if ((rc = usb_write_medium(&t, &im, !a.no_verify, &ws)) < 0)
		goto out;
	{
		char sz[32];
		usb_human_size(im.size, sz, sizeof sz);
		log_note("wrote %s to %s: %s in %.1f s (%.0f MB/s)", image, t.named, sz, ws.seconds_write,
			 ws.seconds_write > 0 ? im.size / 1e6 / ws.seconds_write : 0.0);
		if (ws.skipped)
			log_info("%llu bytes of zeros left to the target's holes or zeroing",
				 (unsigned long long)ws.skipped);
		if (ws.verified)
			log_note("verified: read back in %.1f s, SHA-256 %s", ws.seconds_verify, ws.sha256);
		else
			log_note("not verified (--no-verify); SHA-256 of the image %s", ws.sha256);
	}
	if (a.persist) {
		struct usb_persist_result pr;
		char sz[32];
		if ((rc = usb_persist_add(&t, &im, dsize, a.size, a.rest, &pr)) < 0)
			goto out;
		usb_human_size(pr.len, sz, sizeof sz);
		log_note("persistence: partition %d%s, ext4 labelled %s, %s from byte %llu", pr.partno,
			 pr.gpt ? (pr.mbr ? " (MBR and GPT)" : " (GPT)") : " (MBR)", USB_PERSIST_LABEL, sz,
			 (unsigned long long)pr.start);
	}
out:
	usb_target_close(&t, rc < 0);
	usb_image_close(&im);
	free(ops);
	return opt_exit(rc < 0 ? rc : 0);
}
