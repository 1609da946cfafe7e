/* libFuzzer target for the readers of disk and boot headers: an MBR, a GPT
 * header and its entry array (CRCs checked first, entries decoded as a
 * reader of an untrusted image would), a PE header (EFI stub, signature),
 * and GUID text. Any crash or sanitizer report is a finding. */
#include "boot/efi.h"
#include "part/part.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sec[512];
	struct part_mbr_entry e[4];
	struct part_gpt_header h;
	struct efi_pe_info pi;
	char text[80];
	memset(sec, 0, sizeof sec);
	memcpy(sec, data, size < sizeof sec ? size : sizeof sec);
	part_mbr_decode(sec, e);
	efi_pe_parse(data, size, &pi);
	if (size >= 512 && part_gpt_header_decode(data, &h) == 0 && h.entry_size &&
	    part_gpt_array_check(&h, data + 512, size - 512) == 0) {
		char name[37];
		struct part_gpt_entry pe;
		for (size_t i = 0; i < h.nentries; i++)
			part_gpt_entry_decode(data + 512, &h, i, &pe, name);
	}
	size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
	memcpy(text, data, n);
	text[n] = 0;
	uint8_t g[16];
	part_guid_parse(text, g, NULL);
	return 0;
}
