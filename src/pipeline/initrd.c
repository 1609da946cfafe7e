/* Stage 5: the initramfs (mklive-init, the kernel's modules for finding
 * the medium, the rescue shell), as an unlinked temporary file. */
#include "core/error.h"
#include "core/util.h"
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>

int build_initrd(struct build_ctx *c)
{
	struct build_plan *p = c->plan;
	struct live_initrd_stats st;
	char *path;
	int rc;
	p->initrd.kernel_version = c->kernel.version;
	p->initrd.id = c->id;
	if (c->kernel.modules_in_root)
		p->initrd.root = c->root;
	else
		p->initrd.modules_dir = c->kernel.modules_dir;
	if (p->busybox) {
		p->initrd.shell = true;
		p->initrd.busybox = p->busybox;
	}
	if ((rc = live_initrd_opts_check(&p->initrd)))
		return rc;
	path = build_tmp_path(c, "initrd.img");
	rc = live_initrd_write(&p->initrd, path, &st);
	if (rc && p->cloop_root && strstr(err_msg(), "cloop"))
		rc = err_wrap(
		    rc,
		    "RootFormat cloop needs the cloop module, which Debian ships as source only: build "
		    "it from cloop-src for kernel %s and give it as Kernel.AddModule=/path/cloop.ko "
		    "(see mklive-build(1))",
		    c->kernel.version);
	if (!rc)
		rc = build_tmp_adopt(c, path, "initrd.img", &c->initrd_img, &c->initrd_size);
	free(path);
	c->rep->initrd_bytes = c->initrd_size;
	c->rep->modules = st.modules;
	return rc;
}
