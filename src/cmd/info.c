/* mklive info: what an image is: format, volume descriptors, boot catalog,
 * partition tables, layers, and the parts of a live medium. */
#include "cmd/opt.h"
#include "core/error.h"
#include "image/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_info(int argc, char **argv);
extern const char cmd_info_summary[];
const char cmd_info_summary[] = "describe an image: format, boot catalog, partitions, live medium parts";

static const char usage_text[] = "usage: mklive info IMAGE[:PATH...]\n"
				 "\n"
				 "Describes an image (a PATH names an image file inside another): its\n"
				 "format and that format's records (ISO 9660 volume descriptors, Rock Ridge\n"
				 "and Joliet, El Torito boot entries; FAT geometry; cloop blocks), MBR and\n"
				 "GPT partition tables, an Apple partition map, the image inside a cloop\n"
				 "layer, and for a live medium the kernel, initrd, root image (format,\n"
				 "compressor, ratio) and the medium id. One \"key: value\" a line; \"---\n"
				 "NAME\" starts a nested image.\n"
				 "\n"
				 "  -q, --quiet  errors only;  -v, --verbose: more detail\n"
				 "  -h, --help   this help\n";

static const struct opt opts[] = {
    {"q|quiet", OPT_QUIET, OPT_NOARG, NULL, NULL},
    {"v|verbose", OPT_VERBOSE, OPT_NOARG, NULL, NULL},
    {"h|help", OPT_HELP, OPT_NOARG, NULL, NULL},
    {NULL, 0, 0, NULL, NULL},
};

static int on_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	return 0;
}

int cmd_info(int argc, char **argv)
{
	static const struct opt_cmd cmd = {"mklive info", OPT_GNU, opts, usage_text, on_opt, false};
	struct imgsrc_info info = {0};
	char **ops = NULL;
	size_t nops = 0;
	int rc;
	if ((rc = opt_parse(&cmd, argc, argv, NULL, &ops, &nops)))
		goto out;
	if ((rc = opt_operands(&cmd, ops, nops, 1, 1, "IMAGE"))) {
		goto out;
	}
	rc = image_describe(ops[0], &info);
	for (size_t i = 0; i < info.n; i++)
		printf("%s\n", info.lines[i]);
	if (fflush(stdout) != 0 && rc == 0)
		rc = err_sys(errno, "standard output");
out:
	imgsrc_info_free(&info);
	free(ops);
	return rc == 1 ? 0 : opt_exit(rc);
}
