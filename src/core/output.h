/* Output files written safely: bytes go to a temporary file beside the
 * destination, which is renamed into place only by out_finish(). An error,
 * out_abort(), SIGINT, SIGTERM or SIGHUP removes the temporary file, so
 * nothing half-written is ever left at the destination. */
#ifndef MKLIVE_CORE_OUTPUT_H
#define MKLIVE_CORE_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

struct out_file;

/* Open an output. path "-" writes to standard output (append-only:
 * out_write_at() then fails). Mode bits of the final file: 0666 & ~umask. */
int out_open(struct out_file **out, const char *path);
/* Append n bytes at the current end. */
int out_write(struct out_file *o, const void *buf, size_t n);
/* Overwrite bytes already written (patching headers, tables). */
int out_write_at(struct out_file *o, uint64_t off, const void *buf, size_t n);
/* Append n zero bytes (a hole in a regular file). */
int out_zero(struct out_file *o, uint64_t n);
/* Append zeros up to absolute offset off (no-op if already there; error if past). */
int out_pad_to(struct out_file *o, uint64_t off);
/* Append len bytes read from fd at src_off, kernel-side where possible
 * (copy_file_range, then sendfile, then read/write). src_name names the
 * source in errors. Fails with ERR_CHANGED if the source is shorter than len. */
int out_copy_fd(struct out_file *o, int fd, uint64_t src_off, uint64_t len, const char *src_name);
/* Read back bytes already written (e.g. a boot file to checksum). */
int out_read_at(struct out_file *o, uint64_t off, void *buf, size_t n);
uint64_t out_tell(const struct out_file *o);
const char *out_path(const struct out_file *o);
/* Make the temporary file on disk hold every byte written so far, at its
 * full logical size (trailing holes included), so that an outside tool can
 * work on it before out_finish() renames it into place (say, a boot-loader
 * installer). Not for standard output. */
int out_sync(struct out_file *o);
/* Name of the temporary file (NULL for standard output). */
const char *out_temp_path(const struct out_file *o);
/* Flush, set the final size and mode, and rename into place. Frees o, also
 * on failure (the temporary file is then removed). */
int out_finish(struct out_file *o);
/* Discard: remove the temporary file and free o. Accepts NULL. */
void out_abort(struct out_file *o);

/* Install the signal handlers that remove temporary files (idempotent). */
void out_install_signal_handlers(void);

#endif
