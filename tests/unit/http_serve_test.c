/* The HTTP server of mklive serve: Range parsing by the RFC 9110 14.1
 * examples, and whole connections (requests in, answers out) through
 * both ways of opening a path: openat2 RESOLVE_BENEATH and the careful
 * walk used without it. */
#define TEST_SUITE "http_serve_test"
#include "test.h"

#include "net/http_serve.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmp;

TEST(range_parse)
{
	/* RFC 9110 14.1.2, on a representation of `size` bytes: 1 and the
	 * range [first, last]; -1 not satisfiable (416); 0 ignored (the whole
	 * file) */
	static const struct {
		const char *h;
		uint64_t size;
		int rc;
		uint64_t first, last;
	} cases[] = {
	    {"bytes=0-499", 10000, 1, 0, 499},
	    {"bytes=500-999", 10000, 1, 500, 999},
	    {"bytes=-500", 10000, 1, 9500, 9999},
	    {"bytes=9500-", 10000, 1, 9500, 9999},
	    /* a last position past the end is the end; a suffix longer than
	     * the file is all of it */
	    {"bytes=9000-20000", 10000, 1, 9000, 9999},
	    {"bytes=-20000", 10000, 1, 0, 9999},
	    {"Bytes = 1 - 2", 10000, 1, 1, 2},
	    {"bytes=10000-", 10000, -1, 0, 0},
	    {"bytes=-0", 10000, -1, 0, 0},
	    {"bytes=0-", 0, -1, 0, 0},
	    {"bytes=0-1,5-6", 10000, 0, 0, 0},
	    {"bytes=5-1", 10000, 0, 0, 0},
	    {"items=0-1", 10000, 0, 0, 0},
	    {"bytes=-", 10000, 0, 0, 0},
	    {"bytes=1-2x", 10000, 0, 0, 0},
	    {"bytes=99999999999999999999-", 10000, 0, 0, 0},
	    {NULL, 10000, 0, 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t a = 7, b = 7;
		CHECK_EQ(http_parse_range(cases[i].h, cases[i].size, &a, &b), cases[i].rc);
		if (cases[i].rc == 1) {
			CHECK_EQ(a, cases[i].first);
			CHECK_EQ(b, cases[i].last);
		}
	}
}

/* Feed requests, return every byte answered (malloc'ed). */
static char *converse(const char *requests, int walk, size_t *len)
{
	struct http_serve_opts o = {.idle_ms = 2000, .no_openat2 = walk};
	struct http_serve_stats st;
	char *outp = NULL, *answer;
	int p[2], dfd, out;
	struct stat sb;
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], requests, strlen(requests)) == (ssize_t)strlen(requests));
	close(p[1]);
	dfd = open(tmp, O_RDONLY | O_DIRECTORY);
	if (asprintf(&outp, "%s/answer", tmp) < 0)
		exit(1);
	out = open(outp, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK_EQ(http_serve(dfd, p[0], out, &o, &st), 0);
	fstat(out, &sb);
	answer = calloc(1, (size_t)sb.st_size + 1);
	CHECK(pread(out, answer, (size_t)sb.st_size, 0) == sb.st_size);
	*len = (size_t)sb.st_size;
	close(out);
	close(dfd);
	close(p[0]);
	unlink(outp);
	free(outp);
	return answer;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void setup(void)
{
	char *p;
	FILE *f;
	tmp = test_tmpdir();
	if (asprintf(&p, "%s/sub", tmp) < 0)
		exit(1);
	mkdir(p, 0755);
	free(p);
	if (asprintf(&p, "%s/sub/file.txt", tmp) < 0)
		exit(1);
	f = fopen(p, "w");
	fputs("0123456789", f);
	fclose(f);
	free(p);
	if (asprintf(&p, "%s/in", tmp) < 0 || symlink("sub/file.txt", p) < 0)
		exit(1);
	free(p);
	if (asprintf(&p, "%s/out", tmp) < 0 || symlink("/etc/hostname", p) < 0)
		exit(1);
	free(p);
	if (asprintf(&p, "%s/up", tmp) < 0 || symlink("../../../../../../etc/hostname", p) < 0)
		exit(1);
	free(p);
	if (asprintf(&p, "%s/fifo", tmp) < 0 || mkfifo(p, 0644) < 0)
		exit(1);
	free(p);
}

static void serve_both(int walk)
{
	size_t len;
	char *a = converse("GET /sub/file.txt HTTP/1.1\r\nHost: x\r\n\r\n"
			   "HEAD /sub/file.txt HTTP/1.1\r\n\r\n"
			   "GET /sub/./file.txt HTTP/1.1\r\nRange: bytes=2-4\r\n\r\n"
			   "GET /sub/file.txt HTTP/1.1\r\nrange: bytes=-3\r\n\r\n"
			   "GET /sub/file.txt HTTP/1.1\r\nRange: bytes=7-\r\n\r\n"
			   "GET /sub/file.txt HTTP/1.1\r\nRange: bytes=10-\r\n\r\n"
			   "GET /sub/../sub/file.txt HTTP/1.1\r\n\r\n"
			   "GET /%2e%2e/etc/hostname HTTP/1.1\r\n\r\n"
			   "GET /out HTTP/1.1\r\n\r\n"
			   "GET /up HTTP/1.1\r\n\r\n"
			   "GET /fifo HTTP/1.1\r\n\r\n"
			   "GET /sub HTTP/1.1\r\n\r\n"
			   "GET /sub%2ffile.txt HTTP/1.1\r\n\r\n"
			   "PUT /sub/file.txt HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
			   "GET /in HTTP/1.1\r\n\r\n"
			   "GET http://example/sub/file.txt?x=1 HTTP/1.1\r\nConnection: close\r\n\r\n"
			   "GET /never HTTP/1.1\r\n\r\n",
			   walk, &len);
	CHECK_EQ(count(a, "HTTP/1.1 "), 16); /* the one after Connection: close is not answered */
	CHECK(strstr(a, "Content-Length: 10\r\n\r\n0123456789HTTP/1.1 200 OK") != NULL);
	/* HEAD: the length, no body */
	CHECK(strstr(a, "Content-Length: 10\r\n\r\nHTTP/1.1 206") != NULL);
	CHECK(strstr(a, "Content-Range: bytes 2-4/10\r\nContent-Length: 3\r\n\r\n234") != NULL);
	CHECK(strstr(a, "Content-Range: bytes 7-9/10\r\nContent-Length: 3\r\n\r\n789") != NULL);
	CHECK_EQ(count(a, "Content-Range: bytes 7-9/10"), 2);
	CHECK(strstr(a, "HTTP/1.1 416 Range Not Satisfiable") && strstr(a, "Content-Range: bytes */10"));
	/* .., %2e%2e, links leaving, a FIFO (not opened for reading: no
	 * hang), a directory, an encoded slash */
	CHECK_EQ(count(a, "HTTP/1.1 404 Not Found"), walk ? 8 : 7);
	CHECK(strstr(a, "HTTP/1.1 405 Method Not Allowed") && strstr(a, "Allow: GET, HEAD"));
	CHECK(!strstr(a, "abc"));
	CHECK(!strstr(a, "localhost") && !strstr(a, "never"));
	/* a link that stays inside: served with openat2, refused by the walk */
	CHECK_EQ(count(a, "0123456789"), walk ? 2 : 3);
	CHECK(strstr(a, "Connection: close") != NULL);
	free(a);
}

TEST(serve_openat2)
{
	serve_both(0);
}

TEST(serve_walk)
{
	serve_both(1);
}

TEST(bad_requests)
{
	static const struct {
		const char *req;
		const char *status;
	} cases[] = {
	    {"GET /sub/file.txt\r\n\r\n", "400"},
	    {"GET  /sub/file.txt HTTP/1.1\r\n\r\n", "400"},
	    {"GET sub/file.txt HTTP/1.1\r\n\r\n", "400"},
	    {"GET /sub/file.txt HTTP/2.0\r\n\r\n", "505"},
	    {"GET /sub/file.txt FTP/1.1\r\n\r\n", "400"},
	    {"GET /%zz HTTP/1.1\r\n\r\n", "400"},
	    {"GET /sub/file.txt HTTP/1.1\r\nBad Header: x\r\n\r\n", "400"},
	    {"GET /sub/file.txt HTTP/1.1\r\nHost : x\r\n\r\n", "400"},
	    {"GET /sub/file.txt HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", "400"},
	    {"GET /sub/file.txt HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "501"},
	    {"GET /sub/file.txt HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "400"},
	    {"GET /sub/file.txt HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", "413"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len;
		/* a second request after it: the connection is closed first */
		char *req = NULL, *a;
		if (asprintf(&req, "%sGET /sub/file.txt HTTP/1.1\r\n\r\n", cases[i].req) < 0)
			exit(1);
		a = converse(req, 0, &len);
		if (strncmp(a, "HTTP/1.1 ", 9) || strncmp(a + 9, cases[i].status, 3) ||
		    count(a, "HTTP/1.1 ") != 1 || !strstr(a, "Connection: close")) {
			fprintf(stderr, "  case %zu: %s", i, a);
			test_failed_ = 1;
		}
		free(a);
		free(req);
	}
	/* HTTP/1.0 closes unless asked to keep the connection */
	size_t len;
	char *a = converse("GET /sub/file.txt HTTP/1.0\r\n\r\nGET /sub/file.txt HTTP/1.0\r\n\r\n", 0, &len);
	CHECK_EQ(count(a, "HTTP/1.1 200"), 1);
	free(a);
	a = converse(
	    "GET /sub/file.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /sub/file.txt HTTP/1.0\r\n\r\n",
	    0, &len);
	CHECK_EQ(count(a, "HTTP/1.1 200"), 2);
	free(a);
	/* bare LF line ends, blank lines between requests */
	a = converse("\r\n\nGET /sub/file.txt HTTP/1.1\n\nGET /sub/file.txt HTTP/1.1\n\n", 0, &len);
	CHECK_EQ(count(a, "HTTP/1.1 200"), 2);
	free(a);
	/* a header block past the limit: 431 */
	char *big = calloc(1, HTTP_SERVE_MAX_HEADER + 100);
	strcpy(big, "GET /sub/file.txt HTTP/1.1\r\nX: ");
	memset(big + strlen(big), 'a', HTTP_SERVE_MAX_HEADER);
	a = converse(big, 0, &len);
	CHECK(!strncmp(a, "HTTP/1.1 431", 12));
	free(a);
	free(big);
}

int main(void)
{
	setup();
	RUN_ALL();
	TEST_EXIT();
}
