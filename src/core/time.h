/* Build time: SOURCE_DATE_EPOCH makes every date in an image reproducible. */
#ifndef MKLIVE_CORE_TIME_H
#define MKLIVE_CORE_TIME_H

#include <stdbool.h>
#include <stdint.h>

/* Reads SOURCE_DATE_EPOCH. Returns 1 and sets *out if it is set and valid,
 * 0 if unset, or a negative error (with message) if it is malformed. */
int time_source_date_epoch(int64_t *out);
/* SOURCE_DATE_EPOCH if set and valid, else the current time. */
int64_t time_build(void);
/* True if SOURCE_DATE_EPOCH is set (and valid). */
bool time_reproducible(void);
/* Clamp t to SOURCE_DATE_EPOCH when set (newer times become the epoch). */
int64_t time_clamp(int64_t t);

#endif
