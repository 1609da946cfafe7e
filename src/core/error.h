/* Error reporting: a negative error code travels up the call chain, the
 * human-readable context ("path: reason") is kept once per thread and printed
 * once by the command. Library code never prints and never exits. */
#ifndef MKLIVE_CORE_ERROR_H
#define MKLIVE_CORE_ERROR_H

#include <errno.h>
#include <stddef.h>

/* Error codes are negative errno values, plus a few of our own. */
enum {
	ERR_FORMAT = 4096, /* input is not in the expected format / corrupt */
	ERR_USAGE,	   /* bad command line */
	ERR_LIMIT,	   /* a format limit is exceeded */
	ERR_CHANGED,	   /* a source changed while it was being read */
};

/* Record the message for this thread and return -code (code > 0).
 * Returns the negative code so callers can write `return err_set(...)`. */
int err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like err_set with code = errno-value, appending ": strerror(code)". */
int err_sys(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the current message with more context: "ctx: old message". */
int err_wrap(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const char *err_msg(void); /* current message, "" if none */
int err_code(void);	   /* current (negative) code, 0 if none */
void err_clear(void);
/* Copy an error captured on another thread into this one. */
void err_copy(int code, const char *msg);

#endif
