/* The --screenshot schedule of one mklive run session (private to
 * src/run): which picture is due, when, and what became of it. */
#ifndef MKLIVE_RUN_SHOOTER_H
#define MKLIVE_RUN_SHOOTER_H

#include "run/qmp.h"
#include "run/run.h"

#include <regex.h>

struct run_shooter {
	const struct run_opts *o;
	double start; /* QEMU's start (the clock of seconds triggers) */
	bool raw;     /* the terminal is raw: messages need their CR */
	size_t next;  /* the next triggered shot (o->nshots: none left) */
	regex_t re;   /* its regex trigger */
	bool has_re, armed;
	size_t from;	/* where its regex is looked for in the console text */
	double due;	/* its time trigger (0: none) */
	unsigned every; /* --screenshot-every: the next picture's number */
	bool ending;	/* the run ended: the shots without a trigger are due */
	size_t end_next;
	/* the picture QEMU is writing */
	bool busy, replied, reply_ok;
	unsigned id;
	char *tmp, *file, *desc;
	unsigned taken, failed;
};

/* Ready the first shot; start is QEMU's start on the session's clock. */
int run_shooter_init(struct run_shooter *sh, const struct run_opts *o, double start);
/* Look at the console text and the time: take what is due, finish what
 * QEMU has written. *wake lowers to when a time trigger is due. */
void run_shooter_step(struct run_shooter *sh, struct run_qmp *q, const struct run_text *t, double now,
		      double *wake);
/* The reply callback for run_qmp (ctx: the shooter). */
void run_shooter_reply(void *ctx, unsigned id, bool ok, const char *desc);
/* Has every shot with a trigger been taken, and none waits for the end? */
bool run_shooter_all_done(const struct run_shooter *sh);
/* The run ends: the shots without a trigger become due (taken by the
 * next steps); triggered shots still waiting are failed, with a message. */
void run_shooter_end(struct run_shooter *sh);
/* Is a picture being written, or an end shot still due? */
bool run_shooter_pending(const struct run_shooter *sh);
/* Whatever is still pending failed (why: "QEMU exited"), with a message;
 * any temporary file is removed. */
void run_shooter_free(struct run_shooter *sh, const char *why);

#endif
