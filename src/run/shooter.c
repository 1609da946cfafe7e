/* When mklive run takes its screenshots: each --screenshot in turn once
 * its --screenshot-after (console text or seconds) has come, the ones
 * without a trigger when the run ends, or a numbered series with
 * --screenshot-every. QEMU writes each picture (QMP screendump) into a
 * temporary file beside the target, which takes the target's name only
 * once it is checked whole. */
#include "run/shooter.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The first id of our QMP commands (any number that is not 0 will do). */
#define SHOT_ID_BASE 100

static const char *cr(const struct run_shooter *sh)
{
	return sh->raw ? "\r" : "";
}

/* Ready trigger i (the shot's, or the series' first): regex or time. */
static int arm(struct run_shooter *sh, size_t i, const struct run_text *t)
{
	const struct run_shot *shot = &sh->o->shots[i];
	if (sh->has_re)
		regfree(&sh->re);
	sh->has_re = sh->armed = false;
	sh->due = 0;
	/* a regex is looked for in what comes after the shot before */
	sh->from = t ? t->trimmed + t->len : 0;
	if (!shot->after)
		sh->armed = true; /* --screenshot-every without a trigger: at once */
	else if (shot->after_s >= 0)
		sh->due = sh->start + shot->after_s;
	else {
		int rc = run_regex_compile(&sh->re, shot->after, "--screenshot-after");
		if (rc)
			return rc;
		sh->has_re = true;
	}
	return 0;
}

/* The next shot with a trigger at or after i (o->nshots: none). */
static size_t next_triggered(const struct run_shooter *sh, size_t i)
{
	while (i < sh->o->nshots && !sh->o->shots[i].after)
		i++;
	return i;
}

int run_shooter_init(struct run_shooter *sh, const struct run_opts *o, double start)
{
	memset(sh, 0, sizeof *sh);
	sh->o = o;
	sh->start = start;
	sh->id = SHOT_ID_BASE;
	if (!o->nshots) {
		sh->next = 0;
		return 0;
	}
	if (o->shot_every) {
		sh->every = 1;
		return arm(sh, 0, NULL);
	}
	sh->next = next_triggered(sh, 0);
	return sh->next < o->nshots ? arm(sh, sh->next, NULL) : 0;
}

/* Ask QEMU for a picture into a temporary file beside file. */
static void request(struct run_shooter *sh, struct run_qmp *q, char *file)
{
	int rc;
	if ((rc = run_shot_tmpfile(file, &sh->tmp))) {
		log_error("%s%s", err_msg(), cr(sh));
		sh->failed++;
		free(file);
		return;
	}
	sh->id++;
	if ((rc = run_qmp_screendump(q, sh->id, sh->tmp, run_shot_format(file))) < 0) {
		log_error("--screenshot %s: cannot ask QEMU: %s%s", file, strerror(-rc), cr(sh));
		unlink(sh->tmp);
		free(sh->tmp);
		sh->tmp = NULL;
		sh->failed++;
		free(file);
		return;
	}
	sh->file = file;
	sh->busy = true;
	sh->replied = false;
}

void run_shooter_reply(void *ctx, unsigned id, bool ok, const char *desc)
{
	struct run_shooter *sh = ctx;
	if (!sh->busy || id != sh->id)
		return;
	sh->replied = true;
	sh->reply_ok = ok;
	free(sh->desc);
	sh->desc = desc ? xstrdup(desc) : NULL;
}

/* QEMU answered: keep the picture or say why not. */
static void collect(struct run_shooter *sh)
{
	unsigned w = 0, h = 0;
	if (!sh->reply_ok) {
		log_error("--screenshot %s: QEMU: %s%s", sh->file, sh->desc ? sh->desc : "failed", cr(sh));
		unlink(sh->tmp);
		sh->failed++;
	} else if (run_shot_finish(sh->tmp, sh->file, &w, &h) < 0) {
		log_error("%s%s", err_msg(), cr(sh));
		sh->failed++;
	} else {
		log_note("screenshot %s (%ux%u)%s", sh->file, w, h, cr(sh));
		sh->taken++;
	}
	free(sh->tmp);
	free(sh->file);
	free(sh->desc);
	sh->tmp = sh->file = sh->desc = NULL;
	sh->busy = sh->replied = false;
}

void run_shooter_step(struct run_shooter *sh, struct run_qmp *q, const struct run_text *t, double now,
		      double *wake)
{
	const struct run_opts *o = sh->o;
	if (!o->nshots)
		return;
	if (sh->busy && sh->replied) {
		collect(sh);
		if (!sh->ending && o->shot_every) {
			sh->every++;
			sh->due = now + o->shot_every;
			sh->armed = false;
		} else if (!sh->ending && sh->next < o->nshots) {
			sh->next = next_triggered(sh, sh->next + 1);
			if (sh->next < o->nshots && arm(sh, sh->next, t) < 0) {
				log_error("%s%s", err_msg(), cr(sh));
				sh->next = o->nshots;
			}
		}
	}
	if (sh->busy || !q->ready || q->fd < 0)
		return;
	if (sh->ending) {
		sh->end_next = o->shot_every ? o->nshots : sh->end_next;
		while (sh->end_next < o->nshots && o->shots[sh->end_next].after)
			sh->end_next++;
		if (sh->end_next < o->nshots)
			request(sh, q, xstrdup(o->shots[sh->end_next++].file));
		return;
	}
	if (!o->shot_every && sh->next >= o->nshots)
		return;
	if (!sh->armed && sh->due && now >= sh->due)
		sh->armed = true;
	if (!sh->armed && sh->has_re && run_text_match(t, &sh->re, sh->from, NULL))
		sh->armed = true;
	if (sh->armed) {
		sh->armed = false;
		sh->due = 0;
		if (sh->has_re) {
			regfree(&sh->re);
			sh->has_re = false;
		}
		request(sh, q,
			o->shot_every ? run_shot_name(o->shots[0].file, sh->every)
				      : xstrdup(o->shots[sh->next].file));
		return;
	}
	if (sh->due && (*wake <= 0 || sh->due < *wake))
		*wake = sh->due;
}

bool run_shooter_all_done(const struct run_shooter *sh)
{
	const struct run_opts *o = sh->o;
	if (!o->nshots || o->shot_every || sh->busy || sh->next < o->nshots)
		return false;
	for (size_t i = 0; i < o->nshots; i++)
		if (!o->shots[i].after)
			return false;
	return true;
}

void run_shooter_end(struct run_shooter *sh)
{
	const struct run_opts *o = sh->o;
	if (sh->ending)
		return;
	sh->ending = true;
	if (o->shot_every) {
		if (sh->every == 1 && !sh->busy) {
			log_error("--screenshot %s: no picture was taken: the run ended before '%s'%s",
				  o->shots[0].file, o->shots[0].after ? o->shots[0].after : "QEMU answered",
				  cr(sh));
			sh->failed++;
		}
		return;
	}
	/* the shot being written is the one at next; those after it are missed */
	for (size_t i = next_triggered(sh, sh->busy ? sh->next + 1 : sh->next); i < o->nshots;
	     i = next_triggered(sh, i + 1)) {
		const struct run_shot *shot = &o->shots[i];
		if (shot->after_s >= 0)
			log_error("--screenshot %s: not taken: the run ended before %g s%s", shot->file,
				  shot->after_s, cr(sh));
		else
			log_error("--screenshot %s: not taken: '%s' did not appear%s", shot->file,
				  shot->after, cr(sh));
		sh->failed++;
	}
	sh->next = o->nshots;
}

bool run_shooter_pending(const struct run_shooter *sh)
{
	const struct run_opts *o = sh->o;
	if (sh->busy)
		return true;
	if (!sh->ending || o->shot_every)
		return false;
	for (size_t i = sh->end_next; i < o->nshots; i++)
		if (!o->shots[i].after)
			return true;
	return false;
}

void run_shooter_free(struct run_shooter *sh, const char *why)
{
	const struct run_opts *o = sh->o;
	if (!o)
		return;
	if (sh->busy) {
		if (sh->replied) {
			collect(sh);
		} else {
			log_error("--screenshot %s: not taken: %s%s", sh->file, why, cr(sh));
			unlink(sh->tmp);
			sh->failed++;
		}
	}
	if (sh->ending && !o->shot_every)
		for (size_t i = sh->end_next; i < o->nshots; i++)
			if (!o->shots[i].after) {
				log_error("--screenshot %s: not taken: %s%s", o->shots[i].file, why, cr(sh));
				sh->failed++;
			}
	if (sh->has_re)
		regfree(&sh->re);
	free(sh->tmp);
	free(sh->file);
	free(sh->desc);
	sh->tmp = sh->file = sh->desc = NULL;
	sh->has_re = sh->busy = false;
}
