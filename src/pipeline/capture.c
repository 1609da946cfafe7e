/* Child process output capture; see capture.h. */
#include "pipeline/capture.h"
#include "core/error.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void build_capture_init(struct build_capture *c, int log_fd, size_t keep)
{
	memset(c, 0, sizeof *c);
	c->log_fd = log_fd;
	c->keep = keep ? keep : 1;
	c->cap = 4096;
	c->buf = xmalloc(c->cap);
	c->buf[0] = 0;
}

void build_capture_free(struct build_capture *c)
{
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}

static void keep_bytes(struct build_capture *c, const char *data, size_t n)
{
	if (n >= c->keep) {
		data += n - c->keep;
		n = c->keep;
		c->len = 0;
		c->dropped = 1;
	} else if (c->len + n > c->keep) {
		/* Drop the oldest bytes in one move when over twice the bound, so
		 * a long run costs amortised constant time per byte. */
		size_t drop = c->len + n - c->keep;
		memmove(c->buf, c->buf + drop, c->len - drop);
		c->len -= drop;
		c->dropped = 1;
	}
	util_grow(&c->buf, &c->cap, c->len + n + 1, 1);
	memcpy(c->buf + c->len, data, n);
	c->len += n;
	c->buf[c->len] = 0;
}

static void line_done(struct build_capture *c)
{
	c->line[c->line_len] = 0;
	if (c->on_line)
		c->on_line(c->arg, c->line);
	c->line_len = 0;
}

void build_capture_feed(struct build_capture *c, const char *data, size_t n)
{
	if (c->log_fd >= 0 && n)
		(void)util_write_full(c->log_fd, data, n); /* the log is a help, not the result */
	keep_bytes(c, data, n);
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n') {
			line_done(c);
			continue;
		}
		/* A line longer than the buffer is passed on in pieces. */
		if (c->line_len == sizeof c->line - 1)
			line_done(c);
		c->line[c->line_len++] = data[i] == '\r' ? ' ' : data[i];
	}
}

void build_capture_end(struct build_capture *c)
{
	if (c->line_len)
		line_done(c);
}

ssize_t build_capture_read(struct build_capture *c, int fd)
{
	char buf[16384];
	ssize_t r;
	do
		r = read(fd, buf, sizeof buf);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r > 0)
		build_capture_feed(c, buf, (size_t)r);
	return r;
}

int build_capture_drain(struct build_capture *c, int fd)
{
	ssize_t r;
	while ((r = build_capture_read(c, fd)) > 0)
		;
	if (r < 0)
		return (int)r;
	build_capture_end(c);
	return 0;
}

char *build_capture_tail(const char *text, int lines, size_t max_bytes)
{
	size_t n = strlen(text), *starts = NULL, cap = 0, count = 0, first, total = 0, o = 0;
	char *out;
	while (n && text[n - 1] == '\n')
		n--;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || text[i - 1] == '\n') {
			util_grow(&starts, &cap, count + 1, sizeof *starts);
			starts[count++] = i;
		}
	first = count > (size_t)lines ? count - (size_t)lines : 0;
	/* each line costs two spaces of indent and a newline */
	for (size_t i = first; i < count; i++)
		total += (i + 1 < count ? starts[i + 1] - 1 : n) - starts[i] + 3;
	while (first + 1 < count && total > max_bytes) {
		total -= starts[first + 1] - starts[first] + 2;
		first++;
	}
	out = xmalloc(total + 4);
	for (size_t i = first; i < count; i++) {
		size_t s = starts[i], e = i + 1 < count ? starts[i + 1] - 1 : n;
		if (e - s + 3 > max_bytes && max_bytes > 3) /* one line longer than the bound: keep its end */
			s = e - (max_bytes - 3);
		out[o++] = ' ';
		out[o++] = ' ';
		memcpy(out + o, text + s, e - s);
		o += e - s;
		if (i + 1 < count)
			out[o++] = '\n';
	}
	out[o] = 0;
	free(starts);
	return out;
}

int build_capture_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

int build_capture_run(struct build_capture *c, char *const argv[], char *const envp[], int *status)
{
	int out[2], ep[2], child_errno = 0, rc = 0, ws;
	ssize_t r;
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) < 0)
		return err_sys(errno, "%s: pipe", argv[0]);
	/* exec failures come back through a close-on-exec pipe */
	if (pipe2(ep, O_CLOEXEC) < 0) {
		rc = err_sys(errno, "%s: pipe", argv[0]);
		close(out[0]);
		close(out[1]);
		return rc;
	}
	pid = fork();
	if (pid < 0) {
		rc = err_sys(errno, "%s: fork", argv[0]);
		close(out[0]), close(out[1]), close(ep[0]), close(ep[1]);
		return rc;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0 && null != 0) {
			dup2(null, 0);
			close(null);
		}
		dup2(out[1], 1);
		dup2(out[1], 2);
		signal(SIGPIPE, SIG_DFL);
		execve(argv[0], argv, envp ? envp : environ);
		child_errno = errno;
		(void)!write(ep[1], &child_errno, sizeof child_errno);
		_exit(127);
	}
	close(out[1]);
	close(ep[1]);
	rc = build_capture_drain(c, out[0]);
	close(out[0]);
	while ((r = read(ep[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR)
		;
	close(ep[0]);
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return err_sys(errno, "%s: waitpid", argv[0]);
	if (r == (ssize_t)sizeof child_errno)
		return err_sys(child_errno, "%s: cannot run it", argv[0]);
	if (rc < 0)
		return err_sys(rc, "%s: reading its output", argv[0]);
	*status = build_capture_status(ws);
	return 0;
}
