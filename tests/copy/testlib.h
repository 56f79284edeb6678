/*
 * A few checks for the copy engine's unit tests.  A failed CHECK reports
 * where and carries on, so one run shows every broken case; TEST_EXIT
 * turns the count into the exit status meson reads.
 */
#ifndef WLGP_TESTLIB_H
#define WLGP_TESTLIB_H

#include <pixman.h>
#include <stdbool.h>
#include <stdio.h>

static int test_failures;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: %s: failed: %s\n", __FILE__, \
				__LINE__, __func__, #cond);                  \
			test_failures++;                                     \
		}                                                            \
	} while (0)

#define CHECK_EQ(a, b)                                                       \
	do {                                                                 \
		long long a_ = (long long)(a), b_ = (long long)(b);          \
		if (a_ != b_) {                                              \
			fprintf(stderr, "%s:%d: %s: failed: %s == %s "       \
				"(%lld != %lld)\n", __FILE__, __LINE__,      \
				__func__, #a, #b, a_, b_);                   \
			test_failures++;                                     \
		}                                                            \
	} while (0)

#define TEST_EXIT()                                                          \
	do {                                                                 \
		if (test_failures)                                           \
			fprintf(stderr, "%d check(s) failed\n",              \
				test_failures);                              \
		return test_failures ? 1 : 0;                                \
	} while (0)

static inline void
region_print(const char *label, const pixman_region32_t *region)
{
	int n;
	const pixman_box32_t *b = pixman_region32_rectangles(region, &n);

	fprintf(stderr, "  %s:", label);
	if (n == 0)
		fprintf(stderr, " (empty)");
	for (int i = 0; i < n; i++)
		fprintf(stderr, " [%d,%d %d,%d)", b[i].x1, b[i].y1, b[i].x2,
			b[i].y2);
	fprintf(stderr, "\n");
}

/* Same pixels, whatever the boxes. */
static inline bool
region_same_pixels(const pixman_region32_t *a, const pixman_region32_t *b)
{
	pixman_region32_t d;
	bool same;

	pixman_region32_init(&d);
	pixman_region32_subtract(&d, a, b);
	same = !pixman_region32_not_empty(&d);
	pixman_region32_subtract(&d, b, a);
	same = same && !pixman_region32_not_empty(&d);
	pixman_region32_fini(&d);
	return same;
}

#define CHECK_REGION(actual, expected)                                       \
	do {                                                                 \
		if (!region_same_pixels((actual), (expected))) {             \
			fprintf(stderr, "%s:%d: %s: region %s differs\n",    \
				__FILE__, __LINE__, __func__, #actual);      \
			region_print("actual", (actual));                    \
			region_print("expected", (expected));                \
			test_failures++;                                     \
		}                                                            \
	} while (0)

/* CHECK_REGION against one rectangle [x1, x2) x [y1, y2). */
#define CHECK_REGION_BOX(actual, x1, y1, x2, y2)                             \
	do {                                                                 \
		pixman_region32_t e_;                                        \
		pixman_region32_init_rect(&e_, (x1), (y1),                   \
					  (unsigned)((x2) - (x1)),           \
					  (unsigned)((y2) - (y1)));          \
		CHECK_REGION((actual), &e_);                                 \
		pixman_region32_fini(&e_);                                   \
	} while (0)

#define CHECK_REGION_EMPTY(actual)                                           \
	do {                                                                 \
		pixman_region32_t e_;                                        \
		pixman_region32_init(&e_);                                   \
		CHECK_REGION((actual), &e_);                                 \
		pixman_region32_fini(&e_);                                   \
	} while (0)

/* Deterministic, so a failure reproduces. */
static inline unsigned
test_rand(unsigned *state)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 16) & 0x7fff;
}

#endif
