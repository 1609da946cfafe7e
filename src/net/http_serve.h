/* A static-file HTTP/1.1 server for one connection that is already open
 * (mklive serve --stdio: QEMU's guestfwd=...-cmd: runs one per guest
 * connection with the connection on stdin and stdout), so mklive never
 * opens a listening socket. It serves the regular files below one
 * directory and nothing else:
 *
 *   - GET and HEAD; any other method 405 (Allow: GET, HEAD); a request it
 *     cannot parse 400, and the connection is closed;
 *   - Range: bytes=A-B, A- and -N (one range) answered 206 with
 *     Content-Range; a range past the end 416 with "bytes * /SIZE" (no
 *     space); several ranges, or a malformed header, get the whole file
 *     (RFC 9110 14.2 lets a server ignore Range);
 *   - 404 for anything not a regular file below the directory: ".."
 *     components, paths that are not absolute, symbolic links that
 *     leave it (openat2 RESOLVE_BENEATH; without openat2, every symbolic
 *     link is refused), directories and special files;
 *   - persistent connections (HTTP/1.1 by default, HTTP/1.0 with
 *     Connection: keep-alive) with pipelined requests, until the client
 *     closes, says Connection: close, or stays idle for idle_ms.
 *
 *     int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
 *     struct http_serve_stats st;
 *     http_serve(dfd, 0, 1, NULL, &st);
 */
#ifndef MKLIVE_NET_HTTP_SERVE_H
#define MKLIVE_NET_HTTP_SERVE_H

#include <stdint.h>

#define HTTP_SERVE_MAX_HEADER 16384 /* bytes of a request line and headers */
#define HTTP_SERVE_IDLE_MS 120000   /* an idle connection is closed after this */

struct http_serve_opts {
	int idle_ms;	  /* 0: HTTP_SERVE_IDLE_MS */
	int no_openat2;	  /* tests: use the careful walk instead of openat2 */
	const char *name; /* the directory's name, for log lines */
};

struct http_serve_stats {
	uint64_t requests, bytes; /* requests answered, body bytes sent */
	uint64_t errors;	  /* answers of 4xx */
};

/* Answer the requests arriving on in_fd on out_fd for files below dirfd
 * (kept open by the caller). o may be NULL. Returns 0 when the
 * connection ends in order (the client closed it, Connection: close, a
 * 400, idle), or a negative code when writing fails (the client went
 * away in the middle of an answer). Each answer is logged at the info
 * level. */
int http_serve(int dirfd, int in_fd, int out_fd, const struct http_serve_opts *o,
	       struct http_serve_stats *st);

/* Parse a Range header's value for a file of size bytes: 1 and [*first,
 * *last] for one satisfiable range, 0 to send the whole file (no header,
 * a malformed one, several ranges), -1 when it cannot be satisfied (416). */
int http_parse_range(const char *value, uint64_t size, uint64_t *first, uint64_t *last);

#endif
