/* Output files written safely: bytes go to a temporary file beside the
 * destination, which is put in place only by out_finish(). The temporary
 * file is unnamed (O_TMPFILE) where the filesystem allows, so even SIGKILL
 * leaves nothing; a named one (".NAME.mklive-XXXXXX") is removed by an
 * error, out_abort(), SIGINT, SIGTERM or SIGHUP. Nothing half-written is
 * ever left at the destination, and what is there is respected: a symbolic
 * link is written through (to its target), a device or FIFO is written in
 * place, a file that may not be written is refused, and a replaced file
 * keeps its mode. */
#ifndef MKLIVE_CORE_OUTPUT_H
#define MKLIVE_CORE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct out_file;

/* Open an output. path "-" writes to standard output; so does an existing
 * FIFO or terminal (append-only: out_write_at() then fails). An existing
 * block or character device is written in place. An existing regular file
 * must be writable (EACCES otherwise); its mode is kept, and its owner when
 * running as root. A new file gets mode 0666 & ~umask. */
int out_open(struct out_file **out, const char *path);
/* Refuse (EINVAL, message naming both) when fd, an input of the command,
 * is the file at the destination itself (same device and inode): replacing
 * it would destroy the input. */
int out_check_not_input(const struct out_file *o, int fd, const char *in_name);
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
/* Whether out_write_at() and out_read_at() can work (not a stream). */
bool out_can_seek(const struct out_file *o);
const char *out_path(const struct out_file *o);
/* Make the temporary file on disk hold every byte written so far, at its
 * full logical size (trailing holes included), and give it a name, so that
 * an outside tool can work on it before out_finish() puts it in place (say,
 * a boot-loader installer). Not for streams. */
int out_sync(struct out_file *o);
/* Where the bytes are on disk by name: the temporary file (NULL while it is
 * unnamed: call out_sync() first), the device written in place, or NULL for
 * a stream. */
const char *out_temp_path(const struct out_file *o);
/* Flush, set the final size and mode, and put the file in place (rename;
 * an unnamed file is first linked under a temporary name). Frees o, also
 * on failure (the temporary file is then removed). */
int out_finish(struct out_file *o);
/* Discard: remove the temporary file and free o. Accepts NULL. */
void out_abort(struct out_file *o);

/* Install the signal handlers that remove temporary files (idempotent). */
void out_install_signal_handlers(void);

#endif
