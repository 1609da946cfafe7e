/* Stage 4: the compressed root, in the format the plan chose from the
 * writers' table (squashfs, or the article's ISO 9660 inside cloop), as an
 * unlinked temporary file beside the output. */
#include "core/error.h"
#include "core/util.h"
#include "pipeline/pipeline.h"

#include <stdlib.h>

int build_root_image(struct build_ctx *c)
{
	const struct build_plan *p = c->plan;
	char *name = xasprintf("root.%s", p->root_writer->name), *path = build_tmp_path(c, name),
	     *scratch = build_tmp_path(c, "root.scratch");
	int rc;
	c->rep->root_format = p->root_writer->name;
	rc = p->root_writer->write(c->root, p->root_opts, path, scratch);
	if (!rc)
		rc = build_tmp_adopt(c, path, name, &c->root_img, &c->root_size);
	free(scratch);
	free(path);
	free(name);
	return rc;
}
