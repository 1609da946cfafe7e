/* A minimal QMP client for mklive run (private to src/run). */
#ifndef MKLIVE_RUN_QMP_H
#define MKLIVE_RUN_QMP_H

#include <stdbool.h>
#include <stddef.h>

/* A reply to a command sent with an id: ok, or QEMU's error text. */
typedef void (*run_qmp_reply_fn)(void *ctx, unsigned id, bool ok, const char *desc);

struct run_qmp {
	int fd;	    /* -1: not connected */
	bool ready; /* QEMU answered qmp_capabilities: its main loop runs */
	char *line; /* the message being received (one JSON object a line) */
	size_t linelen, linecap;
	bool overlong; /* the line is longer than kept: its rest is skipped */
	run_qmp_reply_fn on_reply;
	void *ctx;
};

void run_qmp_init(struct run_qmp *q);
/* Connect and send qmp_capabilities: 1 connected, 0 not listening yet,
 * or -errno. */
int run_qmp_try_connect(struct run_qmp *q, const char *path);
/* Read what QEMU sent (non-blocking) and pass replies to on_reply: 0, or
 * -errno when the connection closed (then fd is -1). */
int run_qmp_read(struct run_qmp *q);
/* Ask QEMU to exit at once (as the guest would at power-off). */
int run_qmp_quit(struct run_qmp *q);
/* screendump of the primary display into file (format "png" or "ppm");
 * the reply comes to on_reply with id. */
int run_qmp_screendump(struct run_qmp *q, unsigned id, const char *file, const char *format);
void run_qmp_close(struct run_qmp *q);

/* The string value of "key" in a JSON line, unescaped (\uXXXX outside
 * ASCII becomes '?'); NULL if absent. malloc'ed. Exposed for the tests. */
char *run_qmp_string(const char *line, const char *key);

#endif
