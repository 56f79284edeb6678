/*
 * The relay unit tests' one assertion vocabulary: print file:line and what
 * was compared, then leave with status 1 at once.  _exit, not exit: the
 * host and proxy threads are still running and must not be torn down (or
 * leak-checked) half-way.
 */
#ifndef WLGP_UNIT_CHECK_H
#define WLGP_UNIT_CHECK_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Set by the harness: removes the test's temporary runtime directory. */
extern void (*check_fail_hook)(void);

#define CHECK_FAIL(...) do { \
	fprintf(stderr, "%s:%d: check failed: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); \
	fflush(stderr); \
	if (check_fail_hook) \
		check_fail_hook(); \
	_exit(1); \
} while (0)

#define CHECK(cond) do { \
	if (!(cond)) \
		CHECK_FAIL("%s", #cond); \
} while (0)

#define CHECK_MSG(cond, ...) do { \
	if (!(cond)) \
		CHECK_FAIL(__VA_ARGS__); \
} while (0)

/* Integers of any width and signedness: compared and printed as long long. */
#define CHECK_INT(a, op, b) do { \
	long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
	if (!(check_a_ op check_b_)) \
		CHECK_FAIL("%s %s %s (%lld vs %lld)", #a, #op, #b, \
			   check_a_, check_b_); \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *check_a_ = (a), *check_b_ = (b); \
	if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) \
		CHECK_FAIL("%s == %s (\"%s\" vs \"%s\")", #a, #b, \
			   check_a_ ? check_a_ : "(null)", \
			   check_b_ ? check_b_ : "(null)"); \
} while (0)

#define CHECK_CONTAINS(haystack, needle) do { \
	const char *check_h_ = (haystack), *check_n_ = (needle); \
	if (!check_h_ || !strstr(check_h_, check_n_)) \
		CHECK_FAIL("\"%s\" contains \"%s\"", \
			   check_h_ ? check_h_ : "(null)", check_n_); \
} while (0)

#endif
