/* Progress meter and log messages; see progress.h. */
#include "core/progress.h"
#include "core/error.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "mklive";
static int level = 1;
static int forced = -1;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char label[64];
static uint64_t total;
static _Atomic uint64_t done;
static double t_start, t_last;
static int active, drawn;

void log_set_prog(const char *name)
{
	prog = name;
}
const char *log_prog(void)
{
	return prog;
}
void log_set_level(int l)
{
	level = l;
}
int log_level(void)
{
	return level;
}
void progress_force(int on)
{
	forced = on;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void clear_line(void)
{
	if (drawn) {
		fputs("\r\033[K", stderr);
		drawn = 0;
	}
}

static void vlog(const char *kind, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&lock);
	clear_line();
	fprintf(stderr, "%s: %s", prog, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&lock);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	if (level < 1)
		return;
	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	if (level < 2)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void log_note(const char *fmt, ...)
{
	va_list ap;
	if (level < 1)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("error: ", fmt, ap);
	va_end(ap);
}

void log_error_current(void)
{
	log_error("%s", err_msg()[0] ? err_msg() : "failed");
}

static int enabled(void)
{
	if (forced >= 0)
		return forced;
	return level >= 1 && isatty(STDERR_FILENO);
}

static void human(char *buf, size_t n, double v)
{
	const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int i = 0;
	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, n, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

static void draw(double t)
{
	char a[32], b[32], r[32];
	uint64_t d = atomic_load(&done);
	double el = t - t_start, rate = el > 0 ? (double)d / el : 0;
	human(a, sizeof a, (double)d);
	human(b, sizeof b, (double)total);
	human(r, sizeof r, rate);
	if (total) {
		double pct = 100.0 * (double)d / (double)total;
		double eta = rate > 0 && d < total ? (double)(total - d) / rate : 0;
		fprintf(stderr, "\r\033[K%s: %s / %s  %3.0f%%  %s/s  ETA %d:%02d", label, a, b,
			pct > 100 ? 100 : pct, r, (int)eta / 60, (int)eta % 60);
	} else
		fprintf(stderr, "\r\033[K%s: %s  %s/s", label, a, r);
	fflush(stderr);
	drawn = 1;
	t_last = t;
}

void progress_begin(const char *lbl, uint64_t total_bytes)
{
	pthread_mutex_lock(&lock);
	snprintf(label, sizeof label, "%s", lbl);
	total = total_bytes;
	atomic_store(&done, 0);
	t_start = t_last = now();
	active = enabled();
	pthread_mutex_unlock(&lock);
}

void progress_add(uint64_t bytes)
{
	double t;
	atomic_fetch_add(&done, bytes);
	if (!active)
		return;
	t = now();
	if (t - t_last < 0.1)
		return;
	if (pthread_mutex_trylock(&lock) != 0)
		return;
	if (active && t - t_last >= 0.1)
		draw(t);
	pthread_mutex_unlock(&lock);
}

void progress_end(void)
{
	pthread_mutex_lock(&lock);
	if (active) {
		draw(now());
		fputc('\n', stderr);
		drawn = 0;
	}
	active = 0;
	pthread_mutex_unlock(&lock);
}
