/* Stage 4: the compressed root, squashfs, or the article's ISO 9660 inside
 * cloop, as an unlinked temporary file beside the output. */
#include "core/error.h"
#include "core/util.h"
#include "pipeline/pipeline.h"
#include "version.h"

#include <stdlib.h>
#include <unistd.h>

int build_root_image(struct build_ctx *c)
{
	const struct build_plan *p = c->plan;
	char *path, *iso = NULL;
	int rc;
	c->rep->root_format = p->cloop_root ? "cloop" : "squashfs";
	path = build_tmp_path(c, p->cloop_root ? "root.cloop" : "root.squashfs");
	if (!p->cloop_root) {
		rc = sqfs_write(c->root, &p->sqfs, path, NULL);
	} else {
		/* the article: an ISO 9660 (Rock Ridge, owners and modes as they
		 * are) inside cloop */
		struct iso_opts io;
		iso_opts_init(&io);
		iso = build_tmp_path(c, "root.iso");
		if (!(rc = iso_opts_set(&io, "level", "3", NULL)) &&
		    !(rc = iso_opts_set(&io, "rock", NULL, NULL)) &&
		    !(rc = iso_opts_set(&io, "volume-id", "MKLIVE_ROOT", NULL)) &&
		    !(rc = iso_opts_set(&io, "application-id", "MKLIVE " MKLIVE_VERSION, NULL)) &&
		    !(rc = iso_opts_check(&io)))
			rc = iso_write(c->root, &io, iso, NULL);
		if (!rc)
			rc = cloop_write(iso, &p->cloop, path, NULL);
		unlink(iso);
	}
	if (!rc)
		rc = build_tmp_adopt(c, path, p->cloop_root ? "root.cloop" : "root.squashfs", &c->root_img,
				     &c->root_size);
	free(path);
	free(iso);
	return rc;
}
