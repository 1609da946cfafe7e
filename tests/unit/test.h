/* Minimal unit-test support: each *_test.c has a main() that calls RUN() per
 * test function; RUN prints "PASS: file/name" or "FAIL: file/name" lines that
 * tests/run.sh counts. A failed CHECK reports file:line and the values. */
#ifndef MKLIVE_TEST_H
#define MKLIVE_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failed_;
static int test_any_failed_;

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);           \
			test_failed_ = 1;                                                                    \
		}                                                                                            \
	} while (0)

#define CHECK_EQ(a, b)                                                                                       \
	do {                                                                                                 \
		long long a_ = (long long)(a), b_ = (long long)(b);                                          \
		if (a_ != b_) {                                                                              \
			fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__,    \
				#a, a_, #b, b_);                                                             \
			test_failed_ = 1;                                                                    \
		}                                                                                            \
	} while (0)

#define CHECK_STR(a, b)                                                                                      \
	do {                                                                                                 \
		const char *a_ = (a), *b_ = (b);                                                             \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                     \
			fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a,  \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                     \
			test_failed_ = 1;                                                                    \
		}                                                                                            \
	} while (0)

/* Compare bytes; on mismatch print the first differing offset. */
#define CHECK_MEM(a, b, n)                                                                                   \
	do {                                                                                                 \
		const unsigned char *a_ = (const unsigned char *)(a);                                        \
		const unsigned char *b_ = (const unsigned char *)(b);                                        \
		for (size_t i_ = 0; i_ < (size_t)(n); i_++)                                                  \
			if (a_[i_] != b_[i_]) {                                                              \
				fprintf(stderr,                                                              \
					"  %s:%d: %s differs from %s at byte %zu: 0x%02x != 0x%02x\n",       \
					__FILE__, __LINE__, #a, #b, i_, a_[i_], b_[i_]);                     \
				test_failed_ = 1;                                                            \
				break;                                                                       \
			}                                                                                    \
	} while (0)

#define RUN(fn)                                                                                              \
	do {                                                                                                 \
		test_failed_ = 0;                                                                            \
		fn();                                                                                        \
		printf("%s: %s/%s\n", test_failed_ ? "FAIL" : "PASS", TEST_SUITE, #fn);                      \
		fflush(stdout);                                                                              \
		test_any_failed_ |= test_failed_;                                                            \
	} while (0)

#define TEST_EXIT() return test_any_failed_ ? 1 : 0

/* A fresh scratch directory for a test binary: $TEST_TMP or /tmp. */
static inline char *test_tmpdir(void)
{
	const char *base = getenv("TEST_TMP");
	static char path[4096];
	snprintf(path, sizeof path, "%s/mklive-unit-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(path)) {
		perror("mkdtemp");
		exit(1);
	}
	return path;
}

#endif
