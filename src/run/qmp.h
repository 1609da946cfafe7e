/* A minimal QMP client for mklive run (private to src/run). */
#ifndef MKLIVE_RUN_QMP_H
#define MKLIVE_RUN_QMP_H

#include <stdbool.h>
#include <stddef.h>

struct run_qmp {
	int fd;	    /* -1: not connected */
	bool ready; /* QEMU answered qmp_capabilities: its main loop runs */
	char line[64];
	size_t linelen;
};

void run_qmp_init(struct run_qmp *q);
/* Connect and send qmp_capabilities: 1 connected, 0 not listening yet,
 * or -errno. */
int run_qmp_try_connect(struct run_qmp *q, const char *path);
/* Read what QEMU sent (non-blocking): 0, or -errno when the connection
 * closed (then fd is -1). */
int run_qmp_read(struct run_qmp *q);
/* Ask QEMU to exit at once (as the guest would at power-off). */
int run_qmp_quit(struct run_qmp *q);
void run_qmp_close(struct run_qmp *q);

#endif
