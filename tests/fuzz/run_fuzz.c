/* Fuzz the parsers of mklive run that read what an image provides: an
 * isolinux.cfg (with INCLUDEs resolving to the same bytes, so nesting and
 * its limit are exercised) and the serial output's text cleaner and prompt
 * check, fed in uneven chunks. */
#include "core/error.h"
#include "core/util.h"
#include "run/run.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *in;
static size_t in_len;

static int read_same(void *ctx, const char *path, char **text)
{
	(void)ctx;
	(void)path;
	*text = xstrndup((const char *)in, in_len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run_boot_entry e;
	struct run_text t;
	regex_t re;
	char *cfg;
	if (size > 65536)
		return 0;
	in = data;
	in_len = size;
	cfg = xstrndup((const char *)data, size);
	if (run_isolinux_default(cfg, "/boot/isolinux/isolinux.cfg", read_same, NULL, &e) == 0) {
		/* what comes back is absolute and the command line is one line */
		if (e.kernel[0] != '/' || strchr(e.append, '\n'))
			abort();
		for (size_t i = 0; i < e.ninitrds; i++)
			if (e.initrds[i][0] != '/')
				abort();
		run_boot_entry_free(&e);
	}
	free(cfg);

	run_text_init(&t);
	for (size_t off = 0, step = 1; off < size; off += step, step = step * 3 % 17 + 1)
		run_text_feed(&t, (const char *)data + off, MIN(step, size - off));
	/* no control character survives but newline and tab */
	for (size_t i = 0; i < t.len; i++)
		if ((unsigned char)t.buf[i] < 0x20 && t.buf[i] != '\n' && t.buf[i] != '\t')
			abort();
	(void)run_text_at_prompt(&t);
	if (run_regex_compile(&re, "[a-z]+: $", "--expect") == 0) {
		(void)run_text_match(&t, &re, 0, NULL);
		regfree(&re);
	}
	run_text_free(&t);
	err_clear();
	return 0;
}
