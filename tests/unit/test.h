/* Minimal unit-test support: each *_test.c defines its tests with
 * TEST(name) and a main() that sets up and calls RUN_ALL(); each test
 * prints "PASS: file/name", "FAIL: file/name" or "SKIP: file/name (why)"
 * lines that tests/run.sh counts. A failed CHECK reports file:line and the
 * values. */
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

/* One test: TEST(test_name) { ... } defines it and registers it, so the
 * list of tests is collected from the file itself; RUN_ALL() runs them in
 * the order they are written. A test that cannot run calls TEST_SKIP. */
struct test_case_ {
	const char *name;
	void (*fn)(void);
	int line;
};
static struct test_case_ test_cases_[128];
static int test_ncases_;
static const char *test_skip_;

#define TEST(fn)                                                                                             \
	static void fn(void);                                                                                \
	__attribute__((constructor)) static void fn##_register_(void)                                        \
	{                                                                                                    \
		if (test_ncases_ < (int)(sizeof test_cases_ / sizeof test_cases_[0]))                        \
			test_cases_[test_ncases_++] = (struct test_case_){#fn, fn, __LINE__};                \
	}                                                                                                    \
	static void fn(void)

#define TEST_SKIP(reason)                                                                                    \
	do {                                                                                                 \
		test_skip_ = (reason);                                                                       \
		return;                                                                                      \
	} while (0)

static inline void test_run_(const char *suite, const char *name, void (*fn)(void))
{
	test_failed_ = 0;
	test_skip_ = NULL;
	fn();
	if (test_skip_ && !test_failed_)
		printf("SKIP: %s/%s (%s)\n", suite, name, test_skip_);
	else
		printf("%s: %s/%s\n", test_failed_ ? "FAIL" : "PASS", suite, name);
	fflush(stdout);
	test_any_failed_ |= test_failed_;
}

#define RUN(fn) test_run_(TEST_SUITE, #fn, fn)

/* Every TEST of the file, in the order written. */
#define RUN_ALL()                                                                                            \
	do {                                                                                                 \
		for (int i_ = 1; i_ < test_ncases_; i_++)                                                    \
			for (int j_ = i_; j_ > 0 && test_cases_[j_ - 1].line > test_cases_[j_].line; j_--) { \
				struct test_case_ t_ = test_cases_[j_];                                      \
				test_cases_[j_] = test_cases_[j_ - 1];                                       \
				test_cases_[j_ - 1] = t_;                                                    \
			}                                                                                    \
		for (int i_ = 0; i_ < test_ncases_; i_++)                                                    \
			test_run_(TEST_SUITE, test_cases_[i_].name, test_cases_[i_].fn);                     \
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
