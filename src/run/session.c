/* One mklive run session: QEMU started with its serial console on pipes,
 * the console relayed to the terminal (raw, with a Ctrl-A escape, when
 * interactive), typed into and watched, then the guest powered off and
 * every private file removed, on every path out: a match, a timeout, the
 * guest's own power-off, Ctrl-A X, SIGINT/SIGTERM/SIGHUP. If mklive itself
 * is killed, PR_SET_PDEATHSIG takes QEMU with it; the private directory is
 * already gone by then (it is removed as soon as QEMU has opened it). */
#include "core/error.h"
#include "core/progress.h"
#include "core/util.h"
#include "run/qmp.h"
#include "run/run.h"
#include "run/shooter.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* --send: first when the guest waits at a prompt (quiet this long), and
 * again this often until --expect matches. */
#define SEND_QUIET_S 1.0
#define SEND_AGAIN_S 5.0
/* Power-off: how long QEMU gets to quit before SIGKILL. */
#define QUIT_GRACE_S 5.0
/* The end of a run: how long QEMU gets to write the last screenshots. */
#define SHOT_GRACE_S 60.0
#define CTRL_A 0x01

struct session {
	const struct run_opts *o;
	char *dir, *qmp_path, *vars_path;
	struct run_direct direct; /* --append */
	struct run_netboot nb;	  /* --netboot: the TFTP root, kept to the end */
	bool dir_removed;
	pid_t pid;
	int pidfd;
	int in_w, out_r, err_r; /* QEMU's stdin, stdout, stderr (our ends) */
	bool exited;
	int status;
	struct run_qmp qmp;
	struct run_shooter shooter;
	int log_fd;
	bool out_broken, log_broken;
	/* terminal */
	bool raw;
	struct termios saved;
	bool in_eof, escape;
	/* matching and typing */
	struct run_text text;
	regex_t expect, send_after;
	bool has_expect, has_send_after, send_armed;
	double last_output, last_send;
	unsigned sends;
	/* bytes waiting to be written to QEMU's stdin */
	char *pending;
	size_t npending, cappending;
};

static int sig_pipe[2] = {-1, -1};
static const int caught[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int e = errno;
	if (write(sig_pipe[1], &b, 1) < 0) {
		/* the pipe is full: a signal is already waiting */
	}
	errno = e;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void queue(struct session *s, const char *data, size_t n)
{
	util_grow(&s->pending, &s->cappending, s->npending + n, 1);
	memcpy(s->pending + s->npending, data, n);
	s->npending += n;
}

static void flush_pending(struct session *s)
{
	while (s->npending && s->in_w >= 0) {
		ssize_t w = write(s->in_w, s->pending, s->npending);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w <= 0) { /* QEMU is gone */
			s->npending = 0;
			return;
		}
		memmove(s->pending, s->pending + w, s->npending - (size_t)w);
		s->npending -= (size_t)w;
	}
}

/* Write to the terminal; in raw mode a bare LF needs its CR. */
static void to_terminal(struct session *s, int fd, const char *data, size_t n, bool add_cr)
{
	if (fd < 0 || (fd == s->o->out_fd && s->out_broken))
		return;
	if (!add_cr) {
		if (util_write_full(fd, data, n) < 0 && fd == s->o->out_fd)
			s->out_broken = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n' && util_write_full(fd, "\r", 1) < 0)
			return;
		if (util_write_full(fd, data + i, 1) < 0)
			return;
	}
}

/* Remove the private files; QEMU keeps what it opened. */
static void remove_private(struct session *s)
{
	if (!s->dir || s->dir_removed)
		return;
	if (s->qmp_path)
		unlink(s->qmp_path);
	if (s->vars_path)
		unlink(s->vars_path);
	run_direct_free(&s->direct);
	/* QEMU's TFTP opens files by name as the guest asks: the TFTP root
	 * stays to the end of the run */
	if (s->nb.tftp)
		return;
	rmdir(s->dir);
	s->dir_removed = true;
}

/* The private directory: $TMPDIR, or /tmp when that would make the
 * socket's path longer than a socket address can hold. */
static int make_private_dir(struct session *s)
{
	const char *tmp = getenv("TMPDIR");
	const char *bases[2] = {tmp && *tmp ? tmp : "/tmp", "/tmp"};
	struct sockaddr_un sa;
	int rc = 0;
	for (int i = 0; i < 2; i++) {
		char *d = xasprintf("%s/mklive-run-XXXXXX", bases[i]), *sock;
		if (!mkdtemp(d)) {
			rc = err_sys(errno, "%s", d);
			free(d);
			continue;
		}
		sock = xasprintf("%s/qmp.sock", d);
		if (strlen(sock) < sizeof sa.sun_path) {
			s->dir = d;
			s->qmp_path = sock;
			return 0;
		}
		rc = err_set(ENAMETOOLONG, "%s: too long for a socket's path", sock);
		rmdir(d);
		free(d);
		free(sock);
	}
	return rc;
}

static int start_qemu(struct session *s, const struct run_argv *argv)
{
	int in[2], out[2], err[2];
	pid_t parent = getpid();

	if (pipe2(in, O_CLOEXEC) < 0)
		return err_sys(errno, "pipe");
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return err_sys(errno, "pipe");
	}
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return err_sys(errno, "pipe");
	}
	s->pid = fork();
	if (s->pid < 0) {
		int e = errno;
		for (int i = 0; i < 2; i++) {
			close(in[i]);
			close(out[i]);
			close(err[i]);
		}
		return err_sys(e, "fork");
	}
	if (s->pid == 0) {
		sigset_t all;
		/* QEMU dies with mklive, even of SIGKILL; if mklive is gone
		 * already, do not start at all */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		/* its own process group: Ctrl-C on the terminal reaches mklive,
		 * which powers the guest off in order */
		setpgid(0, 0);
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		for (size_t i = 0; i < ARRAY_SIZE(caught); i++)
			signal(caught[i], SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		execv(argv->v[0], argv->v);
		dprintf(2, "mklive run: cannot run %s: %s\n", argv->v[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	s->in_w = in[1];
	s->out_r = out[0];
	s->err_r = err[0];
	fcntl(s->in_w, F_SETFL, fcntl(s->in_w, F_GETFL) | O_NONBLOCK);
	fcntl(s->out_r, F_SETFL, fcntl(s->out_r, F_GETFL) | O_NONBLOCK);
	fcntl(s->err_r, F_SETFL, fcntl(s->err_r, F_GETFL) | O_NONBLOCK);
	s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	return 0;
}

/* QEMU leads its own process group: helpers it may have started go too. */
static void kill_qemu(struct session *s, int sig)
{
	kill(-s->pid, sig);
	kill(s->pid, sig); /* before its setpgid, the group is not there yet */
}

static bool reap(struct session *s, bool block)
{
	if (s->exited)
		return true;
	for (;;) {
		pid_t r = waitpid(s->pid, &s->status, block ? 0 : WNOHANG);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == s->pid || r < 0) {
			s->exited = true;
			if (s->pidfd >= 0)
				close(s->pidfd);
			s->pidfd = -1;
			return true;
		}
		return false;
	}
}

/* The --log file: a write error is said once, and the run goes on. */
static void log_bytes(struct session *s, const char *buf, size_t n)
{
	int rc;
	if (s->log_fd < 0 || s->log_broken)
		return;
	if ((rc = util_write_full(s->log_fd, buf, n)) < 0) {
		s->log_broken = true;
		log_warn("--log %s: %s; the log is incomplete%s", s->o->log_path, strerror(-rc),
			 s->raw ? "\r" : "");
	}
}

/* Serial output: relayed, logged, matched. Returns true on --expect. */
static bool on_output(struct session *s, const char *buf, size_t n, double t)
{
	const struct run_opts *o = s->o;
	to_terminal(s, o->out_fd, buf, n, false);
	log_bytes(s, buf, n);
	run_text_feed(&s->text, buf, n);
	s->last_output = t;
	if (s->has_send_after && !s->send_armed && run_text_match(&s->text, &s->send_after, 0, NULL)) {
		s->send_armed = true;
		s->last_send = 0; /* type now */
	}
	return s->has_expect && run_text_match(&s->text, &s->expect, 0, NULL);
}

/* Should --send type now? */
static bool send_due(struct session *s, double t)
{
	const struct run_opts *o = s->o;
	if (!o->send || !s->send_armed)
		return false;
	if (s->sends && (!s->has_expect || t - s->last_send < SEND_AGAIN_S))
		return false;
	if (s->has_send_after)
		return s->sends == 0 || t - s->last_output >= SEND_QUIET_S;
	return s->last_output > 0 && t - s->last_output >= SEND_QUIET_S && run_text_at_prompt(&s->text);
}

/* Keys from the terminal: Ctrl-A X leaves, Ctrl-A Ctrl-A types Ctrl-A. */
static bool on_input(struct session *s, const char *buf, size_t n)
{
	if (!s->o->interactive) {
		queue(s, buf, n);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		if (s->escape) {
			s->escape = false;
			if (c == 'x' || c == 'X')
				return true;
			if (c == 'h' || c == 'H' || c == '?') {
				static const char help[] = "\r\nmklive run: Ctrl-A X  power off and leave\r\n"
							   "mklive run: Ctrl-A Ctrl-A  type Ctrl-A\r\n";
				to_terminal(s, s->o->err_fd, help, sizeof help - 1, false);
				continue;
			}
			if (c != CTRL_A)
				queue(s, "\001", 1);
			queue(s, &c, 1);
			continue;
		}
		if (c == CTRL_A) {
			s->escape = true;
			continue;
		}
		queue(s, &c, 1);
	}
	return false;
}

static void tty_raw(struct session *s)
{
	struct termios t;
	if (!s->o->interactive || s->o->in_fd < 0 || tcgetattr(s->o->in_fd, &s->saved) < 0)
		return;
	t = s->saved;
	cfmakeraw(&t);
	if (tcsetattr(s->o->in_fd, TCSAFLUSH, &t) == 0)
		s->raw = true;
}

static void tty_restore(struct session *s)
{
	if (s->raw)
		tcsetattr(s->o->in_fd, TCSAFLUSH, &s->saved);
	s->raw = false;
}

/* Read a pipe into buf; returns bytes, 0 at EOF, -1 when nothing is there. */
static ssize_t read_some(int fd, char *buf, size_t n)
{
	for (;;) {
		ssize_t r = read(fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return -1;
		return r < 0 ? 0 : r;
	}
}

/* QEMU's own messages go to stderr as they come. */
static void on_qemu_stderr(struct session *s)
{
	char buf[4096];
	ssize_t r = read_some(s->err_r, buf, sizeof buf);
	if (r == 0) {
		close(s->err_r);
		s->err_r = -1;
	} else if (r > 0) {
		to_terminal(s, s->o->err_fd, buf, (size_t)r, s->raw);
	}
}

/* While the guest is being stopped: what QEMU still writes goes on to the
 * terminal and the log (and, feed_text, to the text the screenshots wait
 * for), so that a QEMU blocked on a full pipe does not hang. */
static void drain_output(struct session *s, bool feed_text)
{
	char buf[4096];
	if (s->out_r >= 0) {
		ssize_t r = read_some(s->out_r, buf, sizeof buf);
		if (r == 0) {
			close(s->out_r);
			s->out_r = -1;
		} else if (r > 0) {
			to_terminal(s, s->o->out_fd, buf, (size_t)r, false);
			log_bytes(s, buf, (size_t)r);
			if (feed_text)
				run_text_feed(&s->text, buf, (size_t)r);
		}
	}
	if (s->err_r >= 0)
		on_qemu_stderr(s);
}

/* Power the guest off: QMP quit, else SIGTERM; SIGKILL after the grace
 * time. Output is still drained meanwhile (a QEMU blocked on a full pipe
 * could not quit). */
static void stop_qemu(struct session *s)
{
	double t0 = now();
	bool killed = false;
	if (reap(s, false))
		return;
	if (s->qmp.fd < 0 || run_qmp_quit(&s->qmp) < 0)
		kill_qemu(s, SIGTERM);
	while (!reap(s, false)) {
		struct pollfd p[3];
		nfds_t np = 0;
		double left = QUIT_GRACE_S - (now() - t0);
		if (left <= 0 && !killed) {
			kill_qemu(s, SIGKILL);
			killed = true;
			reap(s, true);
			break;
		}
		if (s->out_r >= 0)
			p[np++] = (struct pollfd){.fd = s->out_r, .events = POLLIN};
		if (s->err_r >= 0)
			p[np++] = (struct pollfd){.fd = s->err_r, .events = POLLIN};
		if (s->pidfd >= 0)
			p[np++] = (struct pollfd){.fd = s->pidfd, .events = POLLIN};
		if (poll(p, np, np ? (int)(MIN(left, 0.05) * 1000) + 1 : 50) < 0 && errno != EINTR)
			break;
		drain_output(s, false);
	}
}

/* The run ended: the screenshots due at the end are taken (and one QEMU
 * is still writing finished) while the guest still runs; the console is
 * drained meanwhile, since QEMU blocked on a full pipe would not answer. */
static void finish_shots(struct session *s)
{
	double limit = now() + SHOT_GRACE_S;
	run_shooter_end(&s->shooter);
	for (;;) {
		struct pollfd p[3];
		nfds_t np = 0;
		double wake = 0;
		run_shooter_step(&s->shooter, &s->qmp, &s->text, now(), &wake);
		if (!run_shooter_pending(&s->shooter) || !s->qmp.ready || s->qmp.fd < 0 || now() > limit ||
		    reap(s, false))
			break;
		p[np++] = (struct pollfd){.fd = s->qmp.fd, .events = POLLIN};
		if (s->out_r >= 0)
			p[np++] = (struct pollfd){.fd = s->out_r, .events = POLLIN};
		if (s->err_r >= 0)
			p[np++] = (struct pollfd){.fd = s->err_r, .events = POLLIN};
		if (poll(p, np, 100) < 0 && errno != EINTR)
			break;
		run_qmp_read(&s->qmp);
		drain_output(s, true);
	}
	run_shooter_free(&s->shooter, s->exited || s->qmp.fd < 0 ? "QEMU had exited"
				      : !s->qmp.ready		 ? "QEMU never answered on QMP"
								 : "QEMU did not write it in time");
}

static int install_signals(struct sigaction *old)
{
	struct sigaction sa;
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return err_sys(errno, "pipe");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(caught); i++)
		sigaction(caught[i], &sa, &old[i]);
	return 0;
}

static void restore_signals(const struct sigaction *old)
{
	for (size_t i = 0; i < ARRAY_SIZE(caught); i++)
		sigaction(caught[i], &old[i], NULL);
	for (int i = 0; i < 2; i++) {
		if (sig_pipe[i] >= 0)
			close(sig_pipe[i]);
		sig_pipe[i] = -1;
	}
}

/* The relay loop: returns how the run ended. */
static enum run_end relay(struct session *s, int *sig)
{
	const struct run_opts *o = s->o;
	double start = now(), deadline = o->timeout > 0 ? start + o->timeout : 0;
	char buf[8192];

	for (;;) {
		struct pollfd p[6];
		nfds_t np = 0;
		int ms = -1, i_out = -1, i_err = -1, i_in = -1, i_sig, i_qmp = -1, i_pid = -1;
		double t = now(), wake = 0;

		if (deadline && t >= deadline)
			return RUN_END_TIMEOUT;
		run_shooter_step(&s->shooter, &s->qmp, &s->text, t, &wake);
		if (!o->expect && !o->interactive && run_shooter_all_done(&s->shooter))
			return RUN_END_SHOTS;
		if (send_due(s, t)) {
			queue(s, o->send, strlen(o->send));
			s->sends++;
			s->last_send = t;
		}
		flush_pending(s);

		i_sig = (int)np;
		p[np++] = (struct pollfd){.fd = sig_pipe[0], .events = POLLIN};
		if (s->out_r >= 0) {
			i_out = (int)np;
			p[np++] = (struct pollfd){.fd = s->out_r, .events = POLLIN};
		}
		if (s->err_r >= 0) {
			i_err = (int)np;
			p[np++] = (struct pollfd){.fd = s->err_r, .events = POLLIN};
		}
		if (o->in_fd >= 0 && !s->in_eof && !o->expect) {
			i_in = (int)np;
			p[np++] = (struct pollfd){.fd = o->in_fd, .events = POLLIN};
		}
		if (s->qmp.fd >= 0) {
			i_qmp = (int)np;
			p[np++] = (struct pollfd){.fd = s->qmp.fd, .events = POLLIN};
		}
		if (s->pidfd >= 0) {
			i_pid = (int)np;
			p[np++] = (struct pollfd){.fd = s->pidfd, .events = POLLIN};
		}
		/* wake for: the deadline, the QMP socket appearing, typing, the
		 * pending input, and (without a pidfd) QEMU's exit */
		if (deadline)
			ms = (int)((deadline - t) * 1000) + 1;
		if (s->qmp.fd < 0 && !s->qmp.ready && (ms < 0 || ms > 50))
			ms = 50;
		if ((o->send && s->send_armed) || s->npending || s->pidfd < 0)
			if (ms < 0 || ms > 200)
				ms = 200;
		if (wake > 0 && (ms < 0 || ms > (int)((wake - t) * 1000) + 1))
			ms = wake > t ? (int)((wake - t) * 1000) + 1 : 0;
		if (poll(p, np, ms) < 0) {
			if (errno == EINTR)
				continue;
			return RUN_END_EXITED;
		}
		if (p[i_sig].revents & POLLIN) {
			unsigned char b;
			if (read(sig_pipe[0], &b, 1) == 1) {
				*sig = b;
				return RUN_END_SIGNAL;
			}
		}
		if (i_out >= 0 && p[i_out].revents) {
			ssize_t r = read_some(s->out_r, buf, sizeof buf);
			if (r == 0) { /* QEMU closed its stdout: it is exiting */
				close(s->out_r);
				s->out_r = -1;
			} else if (r > 0 && on_output(s, buf, (size_t)r, now())) {
				return RUN_END_MATCHED;
			}
		}
		if (i_err >= 0 && p[i_err].revents)
			on_qemu_stderr(s);
		if (i_in >= 0 && p[i_in].revents) {
			ssize_t r = read_some(o->in_fd, buf, sizeof buf);
			if (r == 0)
				s->in_eof = true;
			else if (r > 0 && on_input(s, buf, (size_t)r))
				return RUN_END_ESCAPE;
		}
		if (s->qmp.fd < 0 && !s->qmp.ready && !s->exited)
			run_qmp_try_connect(&s->qmp, s->qmp_path);
		if (i_qmp >= 0 && p[i_qmp].revents) {
			run_qmp_read(&s->qmp);
			/* QEMU runs: what it opens by name is open */
			if (s->qmp.ready)
				remove_private(s);
		}
		if ((i_pid >= 0 && p[i_pid].revents) || s->out_r < 0 || s->pidfd < 0) {
			if (s->out_r < 0 ? reap(s, true) : reap(s, false)) {
				/* the rest of its output, then its end */
				ssize_t r;
				while (s->out_r >= 0 && (r = read_some(s->out_r, buf, sizeof buf)) > 0)
					if (on_output(s, buf, (size_t)r, now()))
						return RUN_END_MATCHED;
				return RUN_END_EXITED;
			}
		}
	}
}

/* The output matchers (--expect, --send-after) and the --log file. */
static int open_watchers(struct session *s)
{
	int rc;

	if (s->o->expect) {
		if ((rc = run_regex_compile(&s->expect, s->o->expect, "--expect")))
			return rc;
		s->has_expect = true;
	}
	if (s->o->send_after) {
		if ((rc = run_regex_compile(&s->send_after, s->o->send_after, "--send-after")))
			return rc;
		s->has_send_after = true;
	}
	s->send_armed = !s->o->send_after;
	if (s->o->log_path) {
		s->log_fd = open(s->o->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (s->log_fd < 0)
			return err_sys(errno, "--log %s", s->o->log_path);
	}
	return 0;
}

/* What the QEMU command line names: the private directory with its UEFI
 * variable store, and the files of a direct kernel boot or a netboot. */
static int prepare_boot_files(struct session *s, const char *qemu, const char *code, const char *vars_tmpl,
			      struct run_paths *paths)
{
	int rc;

	if ((rc = make_private_dir(s)))
		return rc;
	if (code) {
		s->vars_path = xasprintf("%s/%s", s->dir, strrchr(vars_tmpl, '/') + 1);
		if ((rc = run_copy_file(vars_tmpl, s->vars_path)))
			return rc;
	}
	paths->qemu = qemu;
	paths->qmp_socket = s->qmp_path;
	paths->ovmf_code = code;
	paths->ovmf_vars = s->vars_path;
	if (s->o->append) {
		if ((rc = run_direct_prepare(s->o, s->dir, &s->direct)))
			return rc;
		paths->kernel = s->direct.kernel;
		paths->initrd = s->direct.initrd;
		paths->kernel_args = s->direct.cmdline;
		log_info("booting the kernel of entry '%s' directly: %s", s->direct.entry, s->direct.cmdline);
	}
	if (s->o->netboot) {
		if ((rc = run_netboot_prepare(s->o, s->dir, &s->nb)))
			return rc;
		paths->tftp = s->nb.tftp;
		paths->self = s->nb.self;
		paths->tree = s->nb.dir;
	}
	return 0;
}

/* Everything the session holds once QEMU is gone. */
static void session_release(struct session *s)
{
	run_netboot_free(&s->nb);
	remove_private(s);
	run_qmp_close(&s->qmp);
	if (s->in_w >= 0)
		close(s->in_w);
	if (s->out_r >= 0)
		close(s->out_r);
	if (s->err_r >= 0)
		close(s->err_r);
	if (s->pidfd >= 0)
		close(s->pidfd);
	if (s->log_fd >= 0)
		close(s->log_fd);
	if (s->has_expect)
		regfree(&s->expect);
	if (s->has_send_after)
		regfree(&s->send_after);
	run_text_free(&s->text);
	free(s->pending);
	free(s->dir);
	free(s->qmp_path);
	free(s->vars_path);
}

int run_session(const struct run_opts *o, struct run_result *res)
{
	struct session s;
	struct run_argv argv = {0};
	struct run_paths paths;
	struct sigaction old[ARRAY_SIZE(caught)];
	char *qemu = NULL, *code = NULL, *vars_tmpl = NULL;
	bool signals = false;
	double t0;
	int rc;

	memset(res, 0, sizeof *res);
	memset(&s, 0, sizeof s);
	memset(&paths, 0, sizeof paths);
	s.o = o;
	s.pid = -1;
	s.pidfd = s.in_w = s.out_r = s.err_r = s.log_fd = -1;
	run_qmp_init(&s.qmp);
	run_text_init(&s.text);

	if ((rc = run_find_qemu(o->qemu, &qemu)))
		goto out;
	if (o->firmware != RUN_BIOS && (rc = run_find_ovmf(o->ovmf_dir, o->firmware, &code, &vars_tmpl)))
		goto out;
	if ((rc = open_watchers(&s)))
		goto out;
	if ((rc = prepare_boot_files(&s, qemu, code, vars_tmpl, &paths)))
		goto out;
	if ((rc = run_cmdline(o, &paths, &argv)))
		goto out;
	res->argv_text = run_argv_string(&argv);
	log_info("%s", res->argv_text);

	if ((rc = install_signals(old)))
		goto out;
	signals = true;
	if ((rc = start_qemu(&s, &argv)))
		goto out;
	t0 = now();
	tty_raw(&s);
	if ((rc = run_shooter_init(&s.shooter, o, t0)))
		goto out;
	s.shooter.raw = s.raw;
	s.qmp.on_reply = run_shooter_reply;
	s.qmp.ctx = &s.shooter;
	res->end = relay(&s, &res->signal);
	finish_shots(&s);
	stop_qemu(&s);
	tty_restore(&s);
	/* messages that follow start on a line of their own */
	if (s.text.len && s.text.buf[s.text.len - 1] != '\n' && isatty(o->out_fd))
		to_terminal(&s, o->out_fd, "\r\n", 2, false);
	res->seconds = now() - t0;
	res->qemu_status = s.status;
	rc = 0;
out:
	tty_restore(&s);
	run_shooter_free(&s.shooter, "the run failed");
	res->shots_taken = s.shooter.taken;
	res->shots_failed = s.shooter.failed;
	if (s.pid > 0 && !s.exited) {
		kill_qemu(&s, SIGKILL);
		reap(&s, true);
	}
	if (signals)
		restore_signals(old);
	session_release(&s);
	run_argv_free(&argv);
	free(qemu);
	free(code);
	free(vars_tmpl);
	return rc;
}

void run_result_free(struct run_result *r)
{
	free(r->argv_text);
	memset(r, 0, sizeof *r);
}
