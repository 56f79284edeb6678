/*
 * Where do streaming stores start to pay?  The benchmark behind
 * COPY_STREAM_MIN_BYTES (copy_kernel.h) and the choice of kernel.
 *
 * For each row length, copies 1080 rows of that many bytes out of a
 * 1920x1080 XRGB8888 frame (stride 7680), as a damage rectangle that wide
 * would, with each available kernel called on every row (no threshold),
 * and prints the median time per kernel.  Like a client that has just
 * rendered, the source is rewritten before each copy (untimed), and the
 * destination rotates over 8 frames (a host buffer last written frames
 * ago).  Kernels take turns copy by copy so drift in a shared VM hits all
 * alike.  The last line is the whole frame as one contiguous piece.
 * With destinations 1 the destination stays cached (a small damage
 * rectangle copied again and again into the same host buffer).
 * With idle_us the thread sleeps that long between rewriting the source
 * and the copy: a client draws a frame over milliseconds before it
 * commits, and by the time the proxy copies, much of the source has left
 * the shared caches (spinning instead of sleeping loses the same on the
 * development VM, so it is the time, not the CPU's idling).  The streaming
 * kernels lose more to that than memcpy does (README, Performance).
 *
 * Usage: bench-kernel [iterations [destinations [idle_us]]]   (default 100 8 0)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "copy_kernel.h"

#define STRIDE 7680
#define ROWS 1080
#define FRAME ((size_t)STRIDE * ROWS)
#define MAX_DESTS 8
#define MAX_KERNELS 8

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
copy_rows(const struct copy_kernel *k, uint8_t *dst, const uint8_t *src,
	  size_t row_bytes)
{
	if (row_bytes == FRAME) {
		k->row(dst, src, FRAME);
	} else {
		for (size_t y = 0; y < ROWS; y++)
			k->row(dst + y * STRIDE, src + y * STRIDE, row_bytes);
	}
	if (k->finish)
		k->finish();
}

int
main(int argc, char *argv[])
{
	static const size_t lengths[] = { 64,   256,  512,  1024, 2048, 3072,
					  4096, 6144, 7680, FRAME };
	int iterations = argc > 1 ? atoi(argv[1]) : 100;
	int dests = argc > 2 ? atoi(argv[2]) : MAX_DESTS;
	int idle_us = argc > 3 ? atoi(argv[3]) : 0;
	const struct copy_kernel *k[MAX_KERNELS];
	size_t nk = copy_kernels_available(k, MAX_KERNELS);
	uint8_t *src = aligned_alloc(64, FRAME), *dst[MAX_DESTS];
	double *t[MAX_KERNELS];

	if (iterations < 1)
		iterations = 1;
	if (dests < 1 || dests > MAX_DESTS)
		dests = MAX_DESTS;
	for (int i = 0; i < MAX_DESTS; i++) {
		dst[i] = aligned_alloc(64, FRAME);
		memset(dst[i], 0, FRAME);
	}
	for (size_t j = 0; j < nk; j++)
		t[j] = calloc((size_t)iterations, sizeof(double));

	printf("%-10s", "row bytes");
	for (size_t j = 0; j < nk; j++)
		printf(" %10s", k[j]->name);
	printf("   (median ms per 1080 rows; last: whole frame)\n");
	for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
		int turn = 0;
		for (int i = -3; i < iterations; i++) {
			for (size_t j = 0; j < nk; j++, turn++) {
				memset(src, (i + (int)j) & 0xff, FRAME);
				if (idle_us > 0)
					usleep((useconds_t)idle_us);
				double t0 = now();
				copy_rows(k[j], dst[turn % dests], src, lengths[l]);
				if (i >= 0)
					t[j][i] = now() - t0;
			}
		}
		printf("%-10zu", lengths[l]);
		for (size_t j = 0; j < nk; j++) {
			qsort(t[j], (size_t)iterations, sizeof(double),
			      compare_double);
			printf(" %10.3f", t[j][iterations / 2] * 1e3);
		}
		printf("\n");
	}
	return 0;
}
