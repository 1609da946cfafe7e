/* mklive serve: answer HTTP on standard input and output for the files of
 * a directory (a netboot tree), one connection per process, as QEMU's
 * guestfwd=...-cmd: and inetd-style launchers start it. Options and
 * messages only; the server is in src/net. */
#include "cmd/opt.h"
#include "core/error.h"
#include "core/progress.h"
#include "net/http_serve.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cmd_serve(int argc, char **argv);
extern const char cmd_serve_summary[];
const char cmd_serve_summary[] = "answer HTTP on stdin/stdout for the files of a directory (netboot)";

static const char usage_text[] =
    "usage: mklive serve --stdio DIR\n"
    "\n"
    "Answers one HTTP/1.1 connection that is already open on standard input and\n"
    "output, serving the regular files below DIR (GET, HEAD, Range; several\n"
    "requests per connection), and exits when the client closes it. It opens no\n"
    "socket of its own: QEMU starts it per guest connection with\n"
    "  -netdev user,...,guestfwd=tcp:10.0.2.100:80-cmd:mklive serve --stdio DIR\n"
    "(what mklive run --netboot does), as can inetd or systemd socket units with\n"
    "Accept=yes. Paths with '..', symbolic links that leave DIR, directories\n"
    "and special files are answered 404. Each answer is logged on standard\n"
    "error with -v.\n"
    "\n"
    "  --stdio             the connection is on standard input and output (required)\n"
    "  --idle S            close the connection after S idle seconds (default 120)\n"
    "  -q, --quiet         errors only;  -v, --verbose: log each request\n"
    "  -h, --help          this help\n"
    "\n"
    "Example:  socat TCP-LISTEN:8080,bind=127.0.0.1,fork,reuseaddr EXEC:'mklive serve --stdio tree'\n";

enum { O_STDIO = 1, O_IDLE };

static const struct opt opts[] = {
    {"stdio", O_STDIO, OPT_NOARG, NULL, NULL},
    {"idle", O_IDLE, OPT_ARG, NULL, NULL},
    OPT_COMMON_ROWS,
};

struct ctx {
	bool stdio;
	struct http_serve_opts o;
};

static int on_opt(void *vctx, const struct opt *o, const char *spelled, const char *arg)
{
	struct ctx *c = vctx;
	unsigned long long v;
	int rc;
	if (o->id == O_STDIO) {
		c->stdio = true;
	} else if (o->id == O_IDLE) {
		if ((rc = opt_uint(spelled, arg, 1, 86400, &v)))
			return rc;
		c->o.idle_ms = (int)(v * 1000);
	}
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	static const struct opt_cmd cmd = {"mklive serve", OPT_GNU, opts, usage_text, on_opt, false};
	struct ctx c;
	struct http_serve_stats st;
	struct stat sb;
	char **ops = NULL;
	size_t nops = 0;
	int rc, dfd = -1;

	memset(&c, 0, sizeof c);
	if ((rc = opt_parse(&cmd, argc, argv, &c, &ops, &nops)))
		goto out;
	if (!c.stdio) {
		rc = err_set(ERR_USAGE, "--stdio is required: mklive serve answers a connection already "
					"open on standard input and output, and opens no socket");
		goto out;
	}
	if (nops != 1) {
		rc = err_set(ERR_USAGE, nops ? "one DIR only" : "no DIR given (see 'mklive serve --help')");
		goto out;
	}
	dfd = open(ops[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &sb) < 0) {
		rc = err_sys(errno, "%s", ops[0]);
		goto out;
	}
	/* a client that leaves in the middle of an answer is an error to
	 * report, not a signal to die of */
	signal(SIGPIPE, SIG_IGN);
	c.o.name = ops[0];
	rc = http_serve(dfd, 0, 1, &c.o, &st);
	if (rc == -EPIPE || rc == -ECONNRESET) {
		/* the client closed the connection during an answer: its choice */
		log_info("%s", err_msg());
		err_clear();
		rc = 0;
	}
out:
	if (dfd >= 0)
		close(dfd);
	free(ops);
	return rc == 1 ? 0 : opt_exit(rc);
}
