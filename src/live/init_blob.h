/* The mklive-init binary (init/), embedded in mklive by init/Makefile.inc. */
#ifndef MKLIVE_LIVE_INIT_BLOB_H
#define MKLIVE_LIVE_INIT_BLOB_H

#include <stddef.h>

extern const unsigned char mklive_init_blob[];
extern const unsigned char mklive_init_blob_end[];

static inline size_t live_init_blob_size(void)
{
	return (size_t)(mklive_init_blob_end - mklive_init_blob);
}

#endif
