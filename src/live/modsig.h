/* Kernel module signatures, as Secure Boot's lockdown asks for them. */
#ifndef MKLIVE_LIVE_MODSIG_H
#define MKLIVE_LIVE_MODSIG_H

struct tree_node;

enum live_modsig {
	LIVE_MODSIG_SIGNED,  /* ends with the "~Module signature appended~\n" magic */
	LIVE_MODSIG_NONE,    /* an uncompressed .ko without one */
	LIVE_MODSIG_UNKNOWN, /* compressed (.ko.xz, .ko.zst): not looked into */
};

/* Look at the end of a module's bytes. 0, or a read error. */
int live_module_sig(const struct tree_node *n, enum live_modsig *out);

#endif
