/* libFuzzer target for mklive-init's parsers of untrusted input: the tar
 * reader (root_fs.tgz from the medium, extracted into a scratch directory
 * that is emptied after each run, and checked never to gain anything
 * outside it), gzip decompression, device probing and the ISO 9660 file
 * lookup, the boot command line and modules.* parsing. The first byte picks
 * the parser. */
#include "../../init/cmdline.c"
#include "../../init/modalias.c"
#include "../../init/probe.c"
#include "../../init/tar.c"

#include <ftw.h>
#include <sys/mman.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char scratch[64];

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	if (f->level > 0)
		remove(p);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	if (size < 1)
		return 0;
	uint8_t op = data[0];
	data++;
	size--;
	if (op % 4 == 0) {
		uint64_t n;
		if (!scratch[0]) {
			snprintf(scratch, sizeof scratch, "/tmp/mklive-fuzz-tar-XXXXXX");
			if (!mkdtemp(scratch))
				abort();
		}
		int dfd = open(scratch, O_RDONLY | O_DIRECTORY);
		if (dfd < 0)
			abort();
		uint8_t *raw = NULL;
		size_t rawlen;
		if (op & 4) {
			if (size < (1u << 16) &&
			    tar_gunzip(data, size, &raw, &rawlen, err, sizeof err) == 0 &&
			    rawlen < (1u << 22))
				tar_extract(raw, rawlen, dfd, err, sizeof err, &n);
			free(raw);
		} else {
			tar_extract(data, size, dfd, err, sizeof err, &n);
		}
		close(dfd);
		nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		/* Nothing may have been written beside the scratch directory. */
		if (access("/tmp/mklive-fuzz-escape", F_OK) == 0)
			abort();
	} else if (op % 4 == 1) {
		struct probe_info pi;
		char buf[256];
		int fd = memfd_create("probe-fuzz", MFD_CLOEXEC);
		if (fd < 0)
			return 0;
		if (write(fd, data, size) == (ssize_t)size) {
			probe_fd(fd, &pi);
			probe_iso_read(fd, "live/mklive.id", buf, sizeof buf);
		}
		close(fd);
	} else if (op % 4 == 2) {
		struct live_opts o;
		char *s = malloc(size + 1);
		memcpy(s, data, size);
		s[size] = 0;
		live_opts_default(&o);
		live_cmdline_parse(s, &o);
		free(s);
	} else {
		struct kmod_db db;
		int m[8], order[64];
		char *s = malloc(size + 1);
		memcpy(s, data, size);
		s[size] = 0;
		memset(&db, 0, sizeof db);
		kmod_db_parse_dep(&db, s);
		kmod_db_parse_alias(&db, s);
		kmod_db_parse_softdep(&db, s);
		size_t k = kmod_match(&db, "pci:v00008086d00007010sv00001AF4sd00001100bc01sc01i80", m, 8);
		for (size_t i = 0; i < k; i++)
			kmod_load_order(&db, m[i], order, 0, 64);
		kmod_db_free(&db);
		free(s);
	}
	return 0;
}
