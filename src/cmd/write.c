/* mklive write: put a live image on a USB stick safely, verify it, and
 * optionally add a persistence partition. */
#include "cmd/opt.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "usb/usb.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cmd_write(int argc, char **argv);
extern const char cmd_write_summary[];
const char cmd_write_summary[] = "write a live image to a USB stick (verified, optional persistence)";

static const char usage_text[] =
    "usage: mklive write [options] IMAGE DEVICE\n"
    "\n"
    "Writes a hybrid live ISO (made by mklive build) to a whole disk, usually a USB\n"
    "stick, or to a regular file (a disk image for a virtual machine). Refuses\n"
    "partitions, disks with anything mounted, used as swap or held by another device,\n"
    "disks smaller than needed, and fixed (non-removable) disks without --force.\n"
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
    {"persistence", O_PERSIST, OPT_ARG, NULL, NULL}, {"no-verify", O_NOVERIFY, OPT_NOARG, NULL, NULL},
    {"y|yes", O_YES, OPT_NOARG, NULL, NULL},	     {"f|force", O_FORCE, OPT_NOARG, NULL, NULL},
    {"q|quiet", OPT_QUIET, OPT_NOARG, NULL, NULL},   {"v|verbose", OPT_VERBOSE, OPT_NOARG, NULL, NULL},
    {"h|help", OPT_HELP, OPT_NOARG, NULL, NULL},     {NULL, 0, 0, NULL, NULL},
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
	struct usb_write_stats ws;
	struct stat st;
	char **ops = NULL;
	size_t nops = 0;
	uint8_t *head = NULL;
	int img = -1, rc;
	uint64_t need, start = 0, plen = 0;
	uint64_t tail;

	log_set_level(1);
	if ((rc = opt_parse(&cmd, argc, argv, &a, &ops, &nops)))
		goto out;
	if (nops != 2) {
		rc = err_set(ERR_USAGE, "expected IMAGE and DEVICE (see 'mklive write --help')");
		goto out;
	}
	const char *image = ops[0], *dev = ops[1];
	img = open(image, O_RDONLY | O_CLOEXEC);
	if (img < 0 || fstat(img, &st) < 0) {
		rc = err_sys(errno, "%s", image);
		goto out;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		rc = err_set(EINVAL, "%s: not a regular file", image);
		goto out;
	}
	uint64_t isize = (uint64_t)st.st_size;
	size_t hl = (size_t)MIN(isize, 17 * 2048ull), got = 0;
	head = xcalloc(1, 17 * 2048);
	if ((rc = util_pread_full(img, head, hl, 0, &got)) < 0) {
		rc = err_sys(-rc, "%s", image);
		goto out;
	}
	if ((rc = usb_check_image(head, got, isize, image)) < 0)
		goto out;
	tail = usb_gpt_tail(head, got);
	need = isize;
	if (a.persist)
		need = ALIGN_UP(isize, 1ull << 20) + (a.rest ? 16ull << 20 : ALIGN_UP(a.size, 4096)) + tail;
	to.force = a.force;
	to.img_dev = st.st_dev;
	to.img_ino = st.st_ino;
	if ((rc = usb_target_open(&t, dev, &to, need)) < 0)
		goto out;
	uint64_t dsize = t.size;
	if (t.kind == USB_FILE) {
		if (a.rest && dsize < need) {
			rc = err_set(
			    EINVAL,
			    "%s: --persistence rest on a file takes the file's size as the disk's (make it "
			    "first, e.g. truncate -s 4G %s); it has %llu bytes, at least %llu are needed",
			    dev, dev, (unsigned long long)dsize, (unsigned long long)need);
			goto out;
		}
		dsize = MAX(dsize, need);
	}
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
	if ((rc = usb_write_image(&t, img, isize, image, !a.no_verify, &ws)) < 0)
		goto out;
	{
		char sz[32];
		usb_human_size(isize, sz, sizeof sz);
		log_note("wrote %s to %s: %s in %.1f s (%.0f MB/s)", image, t.named, sz, ws.seconds_write,
			 ws.seconds_write > 0 ? isize / 1e6 / ws.seconds_write : 0.0);
		if (ws.skipped)
			log_info("%llu bytes of zeros left to the target's holes or zeroing",
				 (unsigned long long)ws.skipped);
		if (ws.verified)
			log_note("verified: read back in %.1f s, SHA-256 %s", ws.seconds_verify, ws.sha256);
		else
			log_note("not verified (--no-verify); SHA-256 of the image %s", ws.sha256);
	}
	if (a.persist) {
		struct usb_table_result tr;
		if ((rc = usb_persist_plan(isize, dsize, a.size, a.rest, tail, &start, &plen)) < 0)
			goto out;
		if (t.kind == USB_FILE && ftruncate(t.fd, (off_t)dsize) < 0) {
			rc = err_sys(errno, "%s: setting its size", dev);
			goto out;
		}
		if ((rc = usb_table_add(t.fd, dsize, start, plen, USB_PERSIST_LABEL, &tr)) < 0) {
			rc = err_wrap(rc, "%s", dev);
			goto out;
		}
		if (fsync(t.fd) < 0) {
			rc = err_sys(errno, "%s: flushing the partition table", dev);
			goto out;
		}
		/* mke2fs opens the device exclusively itself. */
		if ((rc = usb_target_release(&t)) < 0 ||
		    (rc = usb_mkfs_ext4(t.path, start, plen, USB_PERSIST_LABEL)) < 0 ||
		    (rc = usb_target_reacquire(&t)) < 0)
			goto out;
		if (t.kind != USB_FILE &&
		    usb_target_reread(&t, tr.mbr_slot ? tr.mbr_slot : tr.gpt_slot, start, plen) < 0) {
			log_warn("%s (the partition appears after replugging the stick)", err_msg());
			err_clear();
		}
		char sz[32];
		usb_human_size(plen, sz, sizeof sz);
		log_note("persistence: partition %d%s, ext4 labelled %s, %s from byte %llu",
			 tr.mbr_slot ? tr.mbr_slot : tr.gpt_slot,
			 tr.gpt ? (tr.mbr_slot ? " (MBR and GPT)" : " (GPT)") : " (MBR)", USB_PERSIST_LABEL,
			 sz, (unsigned long long)start);
	}
out:
	usb_target_close(&t, rc < 0);
	if (img >= 0)
		close(img);
	free(head);
	free(ops);
	return opt_exit(rc < 0 ? rc : 0);
}
