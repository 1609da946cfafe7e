/* The QEMU Machine Protocol, as little of it as mklive run needs: connect
 * to the private socket, leave capabilities negotiation mode, know when
 * QEMU answers (its main loop runs, so every file it opens by name is
 * open), and ask it to quit. docs/interop/qmp-spec.rst in QEMU's tree. */
#include "run/qmp.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

void run_qmp_init(struct run_qmp *q)
{
	memset(q, 0, sizeof *q);
	q->fd = -1;
}

int run_qmp_try_connect(struct run_qmp *q, const char *path)
{
	struct sockaddr_un sa;
	int fd;
	static const char caps[] = "{\"execute\": \"qmp_capabilities\"}\n";

	if (q->fd >= 0)
		return 1;
	if (strlen(path) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		/* not listening yet: ENOENT or ECONNREFUSED, try again later */
		return e == ENOENT || e == ECONNREFUSED ? 0 : -e;
	}
	/* Commands may follow the greeting unread: the server handles them
	 * in order once it is ready. */
	if (util_write_full(fd, caps, sizeof caps - 1) < 0) {
		close(fd);
		return 0;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	q->fd = fd;
	return 1;
}

int run_qmp_read(struct run_qmp *q)
{
	char buf[4096];
	for (;;) {
		ssize_t r = read(q->fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r <= 0) {
			close(q->fd);
			q->fd = -1;
			return r < 0 ? -errno : -EPIPE;
		}
		/* The first "return" answers qmp_capabilities. A line is one
		 * JSON message; only its start matters here, so a short
		 * window over line starts is kept. */
		for (ssize_t i = 0; i < r; i++) {
			char c = buf[i];
			if (c == '\n') {
				q->linelen = 0;
				continue;
			}
			if (q->linelen < sizeof q->line - 1) {
				q->line[q->linelen++] = c;
				q->line[q->linelen] = 0;
				if (!q->ready && strstr(q->line, "{\"return\""))
					q->ready = true;
			}
		}
	}
}

int run_qmp_quit(struct run_qmp *q)
{
	static const char quit[] = "{\"execute\": \"quit\"}\n";
	if (q->fd < 0)
		return -ENOTCONN;
	return util_write_full(q->fd, quit, sizeof quit - 1);
}

void run_qmp_close(struct run_qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}
