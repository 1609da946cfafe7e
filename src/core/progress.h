/* Progress and log output: the one place library code may print.
 * Progress is drawn on stderr only when it is a terminal and not quiet. */
#ifndef MKLIVE_CORE_PROGRESS_H
#define MKLIVE_CORE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

/* "mklive iso": prefix of every message. */
void log_set_prog(const char *name);
const char *log_prog(void);
/* 0 = quiet (errors only), 1 = normal (warnings), 2 = verbose (info). */
void log_set_level(int level);
int log_level(void);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A message at the normal level (not quiet): what a long command did. */
void log_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the current error (err_msg()) once: "mklive iso: error: ..." */
void log_error_current(void);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A progress meter for one long task. Thread-safe: progress_add may be
 * called from worker threads. */
void progress_begin(const char *label, uint64_t total_bytes);
void progress_add(uint64_t bytes);
void progress_end(void);
/* Force the meter on or off (tests); by default on iff stderr is a TTY. */
void progress_force(int on);

#endif
