/* Output files that respect what is at the destination; see output.h. */
#include "core/output.h"
#include "core/error.h"
#include "core/util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define OUT_BUF_SIZE (1u << 20)
#define MAX_TEMPS 64

enum out_kind {
	OUT_TEMP,   /* a regular file: written under a temporary name, renamed into place */
	OUT_DIRECT, /* an existing device: written in place, seekable */
	OUT_STREAM, /* standard output, a FIFO, a terminal: append only */
};

struct out_file {
	char *path;  /* destination as given, for messages */
	char *final; /* destination with symbolic links resolved */
	char *tmp;   /* temporary name; NULL while the temporary file is unnamed */
	int fd;
	int slot; /* index in the signal-cleanup registry */
	enum out_kind kind;
	bool is_stdout;
	bool unnamed;  /* O_TMPFILE: nothing to remove if the process dies */
	bool had_dest; /* a file existed at final: keep its mode (and owner) */
	mode_t mode;   /* permission bits of the final file */
	uid_t uid;     /* owner of the replaced file */
	gid_t gid;
	uint64_t dst_dev, dst_ino; /* identity of the existing destination */
	uint64_t end;		   /* logical size (bytes appended so far, holes included) */
	uint64_t flushed;	   /* bytes before buf start */
	uint8_t *buf;		   /* append buffer: covers [flushed, flushed + buf_len) */
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

/* Follow symbolic links at path to the file they name (which may not exist
 * yet), as mkisofs writes through a link: relative targets are relative to
 * the link's directory. */
static int resolve_links(const char *path, char **out)
{
	char *cur = xstrdup(path);
	for (int hops = 0;; hops++) {
		struct stat lst, st;
		char *target, *slash, *next;
		size_t cap;
		ssize_t n;
		if (lstat(cur, &lst) < 0 || !S_ISLNK(lst.st_mode)) {
			*out = cur;
			return 0;
		}
		/* A link to a device or FIFO is written through as it is: the
		 * links of /proc (/dev/stdout) name a pipe by no path. */
		if (stat(cur, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			*out = cur;
			return 0;
		}
		if (hops == 40) {
			free(cur);
			return err_set(ELOOP, "%s: too many levels of symbolic links", path);
		}
		/* (the links of /proc report a size of 64 whatever they hold) */
		cap = MAX((size_t)lst.st_size, (size_t)4096) + 1;
		target = xmalloc(cap);
		n = readlink(cur, target, cap);
		if (n < 0 || (size_t)n >= cap) {
			int e = n < 0 ? errno : ENAMETOOLONG;
			free(target);
			free(cur);
			return err_sys(e, "%s: cannot read symbolic link", path);
		}
		target[n] = 0;
		slash = strrchr(cur, '/');
		if (target[0] == '/' || !slash)
			next = xstrdup(target);
		else
			next = xasprintf("%.*s/%s", (int)(slash - cur), cur, target);
		free(target);
		free(cur);
		cur = next;
	}
}

/* An unnamed temporary file in dir (Linux O_TMPFILE), if the filesystem
 * has them and /proc can give it a name later; -1 otherwise. */
static int open_unnamed(const char *dir)
{
	char fdpath[32];
	int fd = open(*dir ? dir : ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
	if (access(fdpath, F_OK) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Open an existing device or FIFO for writing in place (no temporary file:
 * a device cannot be replaced by renaming, and must not be). */
static int open_direct(struct out_file *o, const struct stat *st)
{
	int flags = O_CLOEXEC | O_NOCTTY;
	if (S_ISFIFO(st->st_mode))
		o->fd = open(o->final, flags | O_WRONLY);
	else {
		/* read-write where allowed: writers read back what they wrote */
		o->fd = open(o->final, flags | O_RDWR);
		if (o->fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS))
			o->fd = open(o->final, flags | O_WRONLY);
	}
	if (o->fd < 0)
		return err_sys(errno, "%s: cannot open for writing", o->path);
	o->kind = S_ISBLK(st->st_mode) || (S_ISCHR(st->st_mode) && lseek(o->fd, 0, SEEK_CUR) >= 0)
		      ? OUT_DIRECT
		      : OUT_STREAM;
	return 0;
}

int out_open(struct out_file **out, const char *path)
{
	struct out_file *o;
	struct stat st;
	int rc;
	*out = NULL;
	out_install_signal_handlers();
	o = xcalloc(1, sizeof *o);
	o->path = xstrdup(path);
	o->slot = -1;
	o->fd = -1;
	o->buf = xmalloc(OUT_BUF_SIZE);
	if (strcmp(path, "-") == 0) {
		o->fd = STDOUT_FILENO;
		o->kind = OUT_STREAM;
		o->is_stdout = true;
		*out = o;
		return 0;
	}
	if ((rc = resolve_links(path, &o->final)) < 0)
		goto fail;
	if (stat(o->final, &st) == 0) {
		o->dst_dev = st.st_dev;
		o->dst_ino = st.st_ino;
		if (S_ISDIR(st.st_mode)) {
			rc = err_set(EISDIR, "%s: is a directory", path);
			goto fail;
		}
		if (!S_ISREG(st.st_mode)) {
			if ((rc = open_direct(o, &st)) < 0)
				goto fail;
			*out = o;
			return 0;
		}
		/* Replacing a file is writing to it: refuse what open() would
		 * (genisoimage says "Permission denied"), and keep its mode. */
		if (faccessat(AT_FDCWD, o->final, W_OK, AT_EACCESS) < 0) {
			rc = err_sys(errno, "%s: cannot write", path);
			goto fail;
		}
		o->had_dest = true;
		o->mode = st.st_mode & 07777;
		o->uid = st.st_uid;
		o->gid = st.st_gid;
	} else {
		mode_t um = umask(0);
		umask(um);
		o->mode = 0666 & ~um;
	}
	{
		const char *slash = strrchr(o->final, '/');
		char *dir = slash ? xstrndup(o->final, (size_t)(slash - o->final + 1)) : xstrdup("");
		o->fd = open_unnamed(dir);
		if (o->fd >= 0) {
			o->unnamed = true;
		} else {
			o->tmp = xasprintf("%s.%s.mklive-XXXXXX", dir, slash ? slash + 1 : o->final);
			o->fd = mkostemp(o->tmp, O_CLOEXEC);
		}
		free(dir);
	}
	if (o->fd < 0) {
		int e = errno;
		free(o->tmp);
		o->tmp = NULL;
		rc = err_sys(e, "%s: cannot create output", path);
		goto fail;
	}
	if (o->tmp)
		o->slot = register_temp(o->tmp);
	*out = o;
	return 0;
fail:
	out_abort(o);
	return rc;
}

int out_check_not_input(const struct out_file *o, int fd, const char *in_name)
{
	struct stat st;
	if (!o->dst_ino || fstat(fd, &st) < 0)
		return 0;
	if ((uint64_t)st.st_dev == o->dst_dev && (uint64_t)st.st_ino == o->dst_ino)
		return err_set(EINVAL, "%s: is the input %s itself; writing it would destroy the input",
			       o->path, in_name);
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
	if (o->kind == OUT_STREAM)
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
	if (o->kind == OUT_STREAM)
		return err_set(ESPIPE, "%s: this output format must seek back; write to a file or a device",
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
	if (o->kind == OUT_STREAM)
		return err_set(ESPIPE, "%s: cannot read back what was written to a stream", o->path);
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
	/* Holes only in a file of our own: a device keeps old bytes there. */
	if (o->kind == OUT_TEMP && n >= 65536) {
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

/* One copy in the kernel: copy_file_range into a file, sendfile into a
 * stream (a pipe). */
static ssize_t kernel_copy(struct out_file *o, int fd, loff_t *in, loff_t *out, size_t n)
{
	off_t i = (off_t)*in;
	ssize_t r;
	if (o->kind != OUT_STREAM)
		return copy_file_range(fd, in, o->fd, out, n, 0);
	if ((r = sendfile(o->fd, fd, &i, n)) > 0)
		*in = (loff_t)i;
	return r;
}

/* An error after which the copy goes on with read and write (the kernel
 * cannot copy between these two), rather than a write error. */
static bool kernel_copy_unsupported(const struct out_file *o, int e)
{
	if (o->kind != OUT_STREAM)
		return !(e == ENOSPC || e == EIO || e == EDQUOT || e == EFBIG);
	return e == EINVAL || e == ENOSYS;
}

int out_copy_fd(struct out_file *o, int fd, uint64_t src_off, uint64_t len, const char *src_name)
{
	loff_t in = (loff_t)src_off, outo;
	uint64_t left = len;
	int rc;
	/* Small copies go through the buffer: a syscall pair per tiny file costs
	 * more than the memcpy. */
	if (len < 65536)
		return copy_rw(o, fd, src_off, len, src_name);
	rc = flush_buf(o);
	if (rc)
		return rc;
	o->flushed = o->end;
	outo = (loff_t)o->end;
	while (left) {
		ssize_t r = kernel_copy(o, fd, &in, &outo, (size_t)MIN(left, (uint64_t)1 << 30));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (!kernel_copy_unsupported(o, errno))
				return write_err(o, errno);
			break; /* read and write from here on */
		}
		if (r == 0)
			return err_set(ERR_CHANGED, "%s: file shrank while being read (%llu bytes missing)",
				       src_name, (unsigned long long)left);
		left -= (uint64_t)r;
	}
	o->end += len - left;
	o->flushed = o->end;
	/* the pwrite-based fallback keeps o->end's meaning */
	return left ? copy_rw(o, fd, (uint64_t)in, left, src_name) : 0;
}

uint64_t out_tell(const struct out_file *o)
{
	return o->end;
}

bool out_can_seek(const struct out_file *o)
{
	return o->kind != OUT_STREAM;
}

const char *out_path(const struct out_file *o)
{
	return o->path;
}

/* Give the unnamed temporary file a unique hidden name beside the
 * destination ("/proc/self/fd/N" names the open file for linkat; linking
 * through AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH). From here on it is
 * a named temporary file, removed by out_abort() and the signal handlers. */
static int name_unnamed(struct out_file *o)
{
	const char *slash = strrchr(o->final, '/');
	const char *base = slash ? slash + 1 : o->final;
	int dirlen = slash ? (int)(slash - o->final + 1) : 0;
	char fdpath[32];
	snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", o->fd);
	for (unsigned tries = 0;; tries++) {
		static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
		uint8_t rnd[6];
		char suffix[7];
		char *name;
		if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
			uint64_t x = ((uint64_t)getpid() << 20) ^ (uint64_t)time(NULL) ^ tries;
			for (size_t i = 0; i < sizeof rnd; i++, x >>= 6)
				rnd[i] = (uint8_t)x;
		}
		for (size_t i = 0; i < sizeof rnd; i++)
			suffix[i] = chars[rnd[i] % (sizeof chars - 1)];
		suffix[6] = 0;
		name = xasprintf("%.*s.%s.mklive-%s", dirlen, o->final, base, suffix);
		if (linkat(AT_FDCWD, fdpath, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0) {
			o->tmp = name;
			o->unnamed = false;
			o->slot = register_temp(o->tmp);
			return 0;
		}
		free(name);
		if (errno != EEXIST || tries >= 100)
			return err_sys(errno, "%s: cannot link the temporary file into place", o->path);
	}
}

int out_sync(struct out_file *o)
{
	int rc;
	if (o->kind == OUT_STREAM)
		return err_set(EINVAL, "%s: a stream cannot be handed to another program", o->path);
	rc = flush_buf(o);
	if (rc)
		return rc;
	o->flushed = o->end;
	if (o->kind == OUT_DIRECT)
		return 0;
	if (ftruncate(o->fd, (off_t)o->end) < 0)
		return write_err(o, errno);
	if (o->unnamed)
		return name_unnamed(o);
	return 0;
}

const char *out_temp_path(const struct out_file *o)
{
	return o->kind == OUT_DIRECT ? o->final : o->tmp;
}

static void out_free(struct out_file *o)
{
	unregister_temp(o->slot);
	free(o->tmp);
	free(o->final);
	free(o->path);
	free(o->buf);
	free(o);
}

/* A device or stream: everything is in place once written. */
static int finish_direct(struct out_file *o)
{
	struct stat st;
	int rc = 0;
	if (o->is_stdout)
		return 0;
	/* a block device's page cache reports write errors only on fsync */
	if (fstat(o->fd, &st) == 0 && S_ISBLK(st.st_mode) && fsync(o->fd) < 0)
		rc = write_err(o, errno);
	if (close(o->fd) < 0 && !rc)
		rc = write_err(o, errno);
	o->fd = -1;
	return rc;
}

int out_finish(struct out_file *o)
{
	int rc = flush_buf(o);
	if (rc)
		goto fail;
	if (o->kind != OUT_TEMP) {
		rc = finish_direct(o);
		if (rc)
			goto fail;
		out_free(o);
		return 0;
	}
	if (ftruncate(o->fd, (off_t)o->end) < 0) {
		rc = write_err(o, errno);
		goto fail;
	}
	/* A replaced file keeps its owner (where allowed) and mode. */
	if (o->had_dest && geteuid() == 0)
		(void)!fchown(o->fd, o->uid, o->gid);
	if (fchmod(o->fd, o->mode) < 0) {
		rc = err_sys(errno, "%s: chmod", o->path);
		goto fail;
	}
	if (o->unnamed && (rc = name_unnamed(o)) < 0)
		goto fail;
	if (close(o->fd) < 0) {
		o->fd = -1;
		rc = write_err(o, errno);
		goto fail;
	}
	o->fd = -1;
	if (rename(o->tmp, o->final) < 0) {
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
		close(o->fd); /* an unnamed temporary file vanishes with it */
	if (o->tmp)
		unlink(o->tmp);
	out_free(o);
}
