/* Whether a kernel module carries a signature: under Secure Boot Debian's
 * kernel is locked down and loads only modules signed with a key it
 * trusts, so an unsigned module (a cloop.ko built from cloop-src) in the
 * initramfs will not load there. The signature is appended to the ELF
 * file and ends with a fixed magic string (Linux scripts/sign-file.c,
 * include/linux/module_signature.h). */
#include "live/modsig.h"

#include "core/tree.h"
#include "core/util.h"

#include <string.h>
#include <unistd.h>

#define MODSIG_MAGIC "~Module signature appended~\n"

int live_module_sig(const struct tree_node *n, enum live_modsig *out)
{
	static const char magic[] = MODSIG_MAGIC;
	const size_t ml = sizeof magic - 1;
	uint8_t tail[sizeof magic];
	size_t nl = strlen(n->name);
	int fd, rc;
	/* a compressed module is signed inside its compressed data */
	if (nl < 3 || strcmp(n->name + nl - 3, ".ko")) {
		*out = LIVE_MODSIG_UNKNOWN;
		return 0;
	}
	if (n->size < ml) {
		*out = LIVE_MODSIG_NONE;
		return 0;
	}
	fd = tree_node_open(n);
	if (fd < -1)
		return fd;
	rc = tree_node_pread(n, fd, tail, ml, n->size - ml);
	if (fd >= 0)
		close(fd);
	if (rc)
		return rc;
	*out = memcmp(tail, magic, ml) ? LIVE_MODSIG_NONE : LIVE_MODSIG_SIGNED;
	return 0;
}
