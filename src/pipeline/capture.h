/* Internal to src/pipeline: A child process's output: every line to a log file and a callback, the
 * last part kept in memory for the error message and the caller. */
#ifndef MKLIVE_BUILD_CAPTURE_H
#define MKLIVE_BUILD_CAPTURE_H

#include <stddef.h>
#include <sys/types.h>

struct build_capture {
	int log_fd;				      /* every byte goes here too; -1: no log */
	void (*on_line)(void *arg, const char *line); /* each complete line, without '\n' */
	void *arg;
	size_t keep; /* bytes of output kept in memory (the newest) */
	char *buf;   /* kept output, NUL-terminated */
	size_t len, cap;
	int dropped; /* older output was dropped to stay within keep */
	char line[1024];
	size_t line_len;
};

void build_capture_init(struct build_capture *c, int log_fd, size_t keep);
void build_capture_free(struct build_capture *c);
void build_capture_feed(struct build_capture *c, const char *data, size_t n);
/* One read of fd (retried on EINTR), fed: the bytes read, 0 at its end,
 * or -errno. */
ssize_t build_capture_read(struct build_capture *c, int fd);
/* Read fd to its end, feeding everything; returns 0 or -errno. */
int build_capture_drain(struct build_capture *c, int fd);
/* Ends a last line without '\n' (calls on_line for it). */
void build_capture_end(struct build_capture *c);
/* The last `lines` lines of the kept output, each indented by two spaces,
 * at most max_bytes long (older lines left out first). Malloc'ed. */
char *build_capture_tail(const char *text, int lines, size_t max_bytes);

/* Run argv[0] (a path) with argv and envp (NULL: this environment), stdin
 * from /dev/null, stdout and stderr into c. *status gets the exit status, or
 * 128 + the signal that ended it. Returns 0, or a negative error (with a
 * message naming argv[0]) when it could not be started. */
int build_capture_run(struct build_capture *c, char *const argv[], char *const envp[], int *status);
/* The exit status of a wait status: the code, or 128 + signal. */
int build_capture_status(int wstatus);

#endif
