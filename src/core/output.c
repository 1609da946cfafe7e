/* Atomic output files; see output.h. */
#include "core/output.h"
#include "core/error.h"
#include "core/util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_BUF_SIZE (1u << 20)
#define MAX_TEMPS 64

struct out_file {
	char *path; /* destination */
	char *tmp;  /* temporary name, NULL for stdout */
	int fd;
	int slot; /* index in the signal-cleanup registry */
	int is_stdout;
	uint64_t end;	  /* logical size (bytes appended so far, holes included) */
	uint64_t flushed; /* bytes before buf start */
	uint8_t *buf;	  /* append buffer: covers [flushed, flushed + buf_len) */
	size_t buf_len;
};

/* Temporary names to unlink when a fatal signal arrives. Written only by the
 * main thread; the handler reads the pointers (async-signal-safe unlink). */
static char *volatile temps[MAX_TEMPS];
static int handlers_installed;

static void on_signal(int sig)
{
	for (int i = 0; i < MAX_TEMPS; i++) {
		char *t = temps[i];
		if (t)
			unlink(t);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void out_install_signal_handlers(void)
{
	struct sigaction sa;
	if (handlers_installed)
		return;
	handlers_installed = 1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int register_temp(char *t)
{
	for (int i = 0; i < MAX_TEMPS; i++)
		if (!temps[i]) {
			temps[i] = t;
			return i;
		}
	return -1;
}

static void unregister_temp(int slot)
{
	if (slot >= 0)
		temps[slot] = NULL;
}

int out_open(struct out_file **out, const char *path)
{
	struct out_file *o;
	struct stat st;
	*out = NULL;
	out_install_signal_handlers();
	o = xcalloc(1, sizeof *o);
	o->path = xstrdup(path);
	o->slot = -1;
	o->fd = -1;
	o->buf = xmalloc(OUT_BUF_SIZE);
	if (strcmp(path, "-") == 0) {
		o->fd = STDOUT_FILENO;
		o->is_stdout = 1;
		*out = o;
		return 0;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		out_abort(o);
		return err_set(EISDIR, "%s: is a directory", path);
	}
	{
		const char *slash = strrchr(path, '/');
		char *dir = slash ? xstrndup(path, (size_t)(slash - path + 1)) : xstrdup("");
		const char *base = slash ? slash + 1 : path;
		o->tmp = xasprintf("%s.%s.mklive-XXXXXX", dir, base);
		free(dir);
	}
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		int e = errno;
		free(o->tmp);
		o->tmp = NULL;
		out_abort(o);
		return err_sys(e, "%s: cannot create output", path);
	}
	o->slot = register_temp(o->tmp);
	*out = o;
	return 0;
}

static int write_err(struct out_file *o, int e)
{
	return err_sys(e, "%s: write failed", o->path);
}

static int flush_buf(struct out_file *o)
{
	int rc;
	if (!o->buf_len)
		return 0;
	if (o->is_stdout)
		rc = util_write_full(o->fd, o->buf, o->buf_len);
	else {
		size_t done = 0;
		rc = 0;
		while (done < o->buf_len) {
			ssize_t w =
			    pwrite(o->fd, o->buf + done, o->buf_len - done, (off_t)(o->flushed + done));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				rc = -errno;
				break;
			}
			if (w == 0) {
				rc = -ENOSPC;
				break;
			}
			done += (size_t)w;
		}
	}
	if (rc < 0)
		return write_err(o, -rc);
	o->flushed += o->buf_len;
	o->buf_len = 0;
	return 0;
}

int out_write(struct out_file *o, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	/* The buffer always ends at o->end, so appends extend it. */
	if (o->flushed + o->buf_len != o->end) {
		int rc = flush_buf(o);
		if (rc)
			return rc;
		o->flushed = o->end;
	}
	while (n) {
		size_t room = OUT_BUF_SIZE - o->buf_len, k = MIN(room, n);
		memcpy(o->buf + o->buf_len, p, k);
		o->buf_len += k;
		o->end += k;
		p += k;
		n -= k;
		if (o->buf_len == OUT_BUF_SIZE) {
			int rc = flush_buf(o);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int out_write_at(struct out_file *o, uint64_t off, const void *buf, size_t n)
{
	int rc;
	if (o->is_stdout)
		return err_set(ESPIPE,
			       "%s: this output format must seek back; write to a file, not standard output",
			       o->path);
	if (off + n > o->end)
		return err_set(EINVAL, "%s: internal error: write_at past the end (%llu+%zu > %llu)", o->path,
			       (unsigned long long)off, n, (unsigned long long)o->end);
	/* Patch the buffer if the range overlaps it; otherwise write through. */
	if (o->buf_len && off + n > o->flushed && off < o->flushed + o->buf_len) {
		rc = flush_buf(o);
		if (rc)
			return rc;
	}
	{
		size_t done = 0;
		while (done < n) {
			ssize_t w = pwrite(o->fd, (const uint8_t *)buf + done, n - done, (off_t)(off + done));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return write_err(o, errno);
			}
			if (w == 0)
				return write_err(o, ENOSPC);
			done += (size_t)w;
		}
	}
	return 0;
}

int out_read_at(struct out_file *o, uint64_t off, void *buf, size_t n)
{
	size_t got;
	int rc;
	if (o->is_stdout)
		return err_set(ESPIPE, "%s: cannot read back standard output", o->path);
	rc = flush_buf(o);
	if (rc)
		return rc;
	rc = util_pread_full(o->fd, buf, n, (off_t)off, &got);
	if (rc < 0)
		return err_sys(-rc, "%s: read back failed", o->path);
	if (got < n)
		memset((uint8_t *)buf + got, 0, n - got); /* inside a trailing hole */
	return 0;
}

int out_zero(struct out_file *o, uint64_t n)
{
	static const uint8_t zeros[65536];
	if (!o->is_stdout && n >= 65536) {
		int rc = flush_buf(o);
		if (rc)
			return rc;
		o->end += n;
		o->flushed = o->end;
		return 0;
	}
	while (n) {
		size_t k = (size_t)MIN(n, (uint64_t)sizeof zeros);
		int rc = out_write(o, zeros, k);
		if (rc)
			return rc;
		n -= k;
	}
	return 0;
}

int out_pad_to(struct out_file *o, uint64_t off)
{
	if (off < o->end)
		return err_set(EINVAL, "%s: internal error: pad to %llu but already at %llu", o->path,
			       (unsigned long long)off, (unsigned long long)o->end);
	return out_zero(o, off - o->end);
}

static int copy_rw(struct out_file *o, int fd, uint64_t off, uint64_t len, const char *src)
{
	uint8_t *b = xmalloc(1u << 20);
	int rc = 0;
	while (len) {
		size_t got, k = (size_t)MIN(len, (uint64_t)(1u << 20));
		rc = util_pread_full(fd, b, k, (off_t)off, &got);
		if (rc < 0) {
			rc = err_sys(-rc, "%s: read failed", src);
			break;
		}
		if (got == 0) {
			rc = err_set(ERR_CHANGED, "%s: file shrank while being read (%llu bytes missing)",
				     src, (unsigned long long)len);
			break;
		}
		rc = out_write(o, b, got);
		if (rc)
			break;
		off += got;
		len -= got;
	}
	free(b);
	return rc;
}

int out_copy_fd(struct out_file *o, int fd, uint64_t src_off, uint64_t len, const char *src_name)
{
	int rc;
	/* Small copies go through the buffer: a syscall pair per tiny file costs
	 * more than the memcpy. */
	if (len < 65536)
		return copy_rw(o, fd, src_off, len, src_name);
	rc = flush_buf(o);
	if (rc)
		return rc;
	o->flushed = o->end;
	if (!o->is_stdout) {
		loff_t in = (loff_t)src_off, outo = (loff_t)o->end;
		uint64_t left = len;
		while (left) {
			ssize_t r =
			    copy_file_range(fd, &in, o->fd, &outo, (size_t)MIN(left, (uint64_t)1 << 30), 0);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				if (errno == ENOSPC || errno == EIO || errno == EDQUOT || errno == EFBIG)
					return write_err(o, errno);
				break; /* unsupported here: fall back */
			}
			if (r == 0)
				return err_set(ERR_CHANGED,
					       "%s: file shrank while being read (%llu bytes missing)",
					       src_name, (unsigned long long)left);
			left -= (uint64_t)r;
		}
		o->end += len - left;
		o->flushed = o->end;
		if (!left)
			return 0;
		src_off = (uint64_t)in;
		len = left;
		/* pwrite-based fallback keeps o->end semantics */
		return copy_rw(o, fd, src_off, len, src_name);
	}
	{
		off_t in = (off_t)src_off;
		uint64_t left = len;
		while (left) {
			ssize_t r = sendfile(o->fd, fd, &in, (size_t)MIN(left, (uint64_t)1 << 30));
			if (r < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EINVAL || errno == ENOSYS)
					break;
				return write_err(o, errno);
			}
			if (r == 0)
				return err_set(ERR_CHANGED,
					       "%s: file shrank while being read (%llu bytes missing)",
					       src_name, (unsigned long long)left);
			left -= (uint64_t)r;
		}
		o->end += len - left;
		o->flushed = o->end;
		return left ? copy_rw(o, fd, (uint64_t)in, left, src_name) : 0;
	}
}

uint64_t out_tell(const struct out_file *o)
{
	return o->end;
}

const char *out_path(const struct out_file *o)
{
	return o->path;
}

int out_sync(struct out_file *o)
{
	int rc;
	if (o->is_stdout)
		return err_set(EINVAL, "standard output cannot be handed to another program");
	rc = flush_buf(o);
	if (rc)
		return rc;
	o->flushed = o->end;
	if (ftruncate(o->fd, (off_t)o->end) < 0)
		return write_err(o, errno);
	return 0;
}

const char *out_temp_path(const struct out_file *o)
{
	return o->tmp;
}

static void out_free(struct out_file *o)
{
	unregister_temp(o->slot);
	free(o->tmp);
	free(o->path);
	free(o->buf);
	free(o);
}

int out_finish(struct out_file *o)
{
	int rc = flush_buf(o);
	mode_t um;
	if (rc)
		goto fail;
	if (o->is_stdout) {
		out_free(o);
		return 0;
	}
	if (ftruncate(o->fd, (off_t)o->end) < 0) {
		rc = write_err(o, errno);
		goto fail;
	}
	um = umask(0);
	umask(um);
	if (fchmod(o->fd, 0666 & ~um) < 0) {
		rc = err_sys(errno, "%s: chmod", o->path);
		goto fail;
	}
	if (close(o->fd) < 0) {
		o->fd = -1;
		rc = write_err(o, errno);
		goto fail;
	}
	o->fd = -1;
	if (rename(o->tmp, o->path) < 0) {
		rc = err_sys(errno, "%s: cannot rename %s into place", o->path, o->tmp);
		goto fail;
	}
	out_free(o);
	return 0;
fail:
	out_abort(o);
	return rc;
}

void out_abort(struct out_file *o)
{
	if (!o)
		return;
	if (o->fd >= 0 && !o->is_stdout)
		close(o->fd);
	if (o->tmp)
		unlink(o->tmp);
	out_free(o);
}
