/* Live.BootOrder auto: the built medium is booted once in QEMU with its
 * reads traced (mklive run --record-boot-order), and the order the boot
 * read its root's files in is kept beside the output for the rebuild
 * (pipeline.c) and for later builds that want the same bytes. */
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "pipeline/pipeline.h"
#include "run/run.h"

#include <string.h>

/* A slow TCG boot of a full Debian root takes minutes; a hung one must
 * not hold the build forever. */
#define BOOT_ORDER_TIMEOUT "900"

int build_boot_order_record(struct build_ctx *c, const char *image, const char *list)
{
	struct run_opts o;
	struct run_result res;
	char why[256];
	int rc;
	if (!c->plan->serial)
		return err_set(ERR_USAGE, "BootOrder auto watches the serial console for the prompt: it "
					  "needs Boot.Serial yes");
	run_opts_init(&o);
	memset(&res, 0, sizeof res);
	o.image = image;
	o.out_fd = -1; /* the console is not the build's output */
	if ((rc = run_opts_set(&o, "expect", RUN_PROMPT_REGEX, "BootOrder auto")) ||
	    (rc = run_opts_set(&o, "timeout", BOOT_ORDER_TIMEOUT, "BootOrder auto")) ||
	    (rc = run_opts_check(&o)))
		goto out;
	o.accel = run_kvm_works(2000, why, sizeof why) ? RUN_ACCEL_KVM : RUN_ACCEL_TCG;
	log_info("recording the boot order: booting %s once (%s)", image,
		 o.accel == RUN_ACCEL_KVM ? "KVM" : "TCG");
	rc = run_record_boot_order(&o, list, &res);
	if (!rc)
		log_info("the boot reached its prompt after %.1f s; the order is in %s", res.seconds, list);
out:
	run_result_free(&res);
	run_opts_free(&o);
	return rc;
}
