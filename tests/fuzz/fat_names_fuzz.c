/* Fuzz the FAT name handling with arbitrary bytes as a file name: the name
 * check, UTF-8 to UTF-16, the 8.3 basis and tails, and a directory of such
 * names (aliases unique, records encoded within the directory's size). */
#include "core/error.h"
#include "core/tree.h"
#include "core/util.h"
#include "fat/fat_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool short_ok(const uint8_t sn[11])
{
	for (int i = 0; i < 11; i++) {
		uint8_t c = sn[i];
		if (c < 0x20 || c >= 0x7F || (c >= 'a' && c <= 'z') || strchr("\"*+,./:;<=>?[\\]|", c))
			return false;
	}
	return sn[0] != ' ';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name;
	uint8_t sn[11], basis[11], nt;
	uint16_t u[256];
	struct tree *t;
	if (size > 600)
		return 0;
	name = xstrndup((const char *)data, size);
	(void)fat_name_check(name, "/fuzz");
	(void)fat_utf16(name, u, 255);
	if (fat_short_exact(name, sn, &nt) && !short_ok(sn))
		abort();
	fat_short_basis(name, basis);
	if (!short_ok(basis))
		abort();
	for (unsigned n = 1; n < 2000000; n = n * 7 + 1) {
		fat_short_tail(basis, n, sn);
		if (!short_ok(sn))
			abort();
	}
	/* A directory of names cut from the input at newlines. */
	t = tree_create();
	{
		char *save = NULL;
		int k = 0;
		for (char *p = strtok_r(name, "\n/", &save); p && k < 40;
		     p = strtok_r(NULL, "\n/", &save), k++) {
			char path[700];
			snprintf(path, sizeof path, "/%s", p);
			if (strcmp(p, ".") && strcmp(p, ".."))
				(void)tree_add_mem_file(t, path, "x", 1, 0644, NULL);
		}
	}
	{
		struct tree_node *root = t->root;
		struct fat_ent *ents = xcalloc(root->nchildren + 1, sizeof *ents);
		root->user = &ents[0];
		for (size_t i = 0; i < root->nchildren; i++)
			root->children[i]->user = &ents[i + 1];
		if (fat_dir_names(root, true, false) == 0) {
			uint8_t *buf = xcalloc(ents[0].entries + 1, 32);
			for (size_t i = 1; i <= root->nchildren; i++)
				for (size_t j = i + 1; j <= root->nchildren; j++)
					if (memcmp(ents[i].sn, ents[j].sn, 11) == 0)
						abort(); /* aliases must be unique */
			fat_dir_encode(root, true, NULL, buf);
			free(buf);
		}
		for (size_t i = 0; i < root->nchildren; i++)
			root->children[i]->user = NULL;
		root->user = NULL;
		free(ents);
	}
	tree_destroy(t);
	err_clear();
	free(name);
	return 0;
}
