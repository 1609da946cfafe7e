/* libFuzzer target for mklive serve's HTTP parsing: arbitrary bytes as the
 * requests of one connection, answered from a small directory (a file, a
 * link inside, a link out), the answers thrown away. Whatever a guest
 * sends must end in answers or a closed connection, never a crash. */
#include "core/error.h"
#include "net/http_serve.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int dirfd_ = -1, null_ = -1;

static void setup(void)
{
	char tmpl[] = "/tmp/mklive-http-fuzz-XXXXXX", path[64];
	FILE *f;
	if (!mkdtemp(tmpl))
		abort();
	snprintf(path, sizeof path, "%s/file.txt", tmpl);
	if (!(f = fopen(path, "w")))
		abort();
	fputs("0123456789abcdef", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/in", tmpl);
	if (symlink("file.txt", path) < 0)
		abort();
	snprintf(path, sizeof path, "%s/out", tmpl);
	if (symlink("/etc/hostname", path) < 0)
		abort();
	dirfd_ = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	null_ = open("/dev/null", O_WRONLY | O_CLOEXEC);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_serve_opts o = {.idle_ms = 10};
	struct http_serve_stats st;
	int fd;
	if (dirfd_ < 0)
		setup();
	fd = memfd_create("http-fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size && lseek(fd, 0, SEEK_SET) == 0) {
		o.no_openat2 = size && (data[0] & 1);
		http_serve(dirfd_, fd, null_, &o, &st);
	}
	err_clear();
	close(fd);
	return 0;
}
