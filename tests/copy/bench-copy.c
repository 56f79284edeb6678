/*
 * Is splitting a full-frame copy across two threads worth a worker pool?
 *
 * Copies a 1920x1080 XRGB8888 frame (stride 7680) with: one memcpy of the
 * whole frame (the reference), copy_region on one thread, and copy_region
 * split into two row bands, one on the calling thread and one on a
 * persistent worker (the pool design under test) -- and, for comparison,
 * on a thread created per copy.  Three cache situations: "hot" copies the
 * same pair of buffers each time (both stay in L3); "cold" rotates over 8
 * pairs (133 MB) so neither side is cached; "fresh" rewrites the source
 * just before each copy (untimed), like a client that has just rendered,
 * into destinations rotating over 8 (a host buffer last written frames
 * ago).  The modes take turns copy by copy.  MB = 10^6 bytes.
 *
 * Outcome on the 2-vCPU development VM: the pool is some 20-25% faster on
 * a full frame (about 0.15 ms of 0.6-0.9 ms); only regions that large
 * would be split (small damage was not measured).  It is not in copy/
 * anyway: a worker thread reading client memory takes the SIGBUS of a
 * client that shrank its pool on a thread the caller's guard does not
 * cover (libwayland's wl_shm guard looks its state up per thread and
 * re-raises otherwise, killing the proxy), and in a 2-vCPU guest the
 * second core is the one the client renders on.  The pool below is the
 * prototype to promote if profiling on the real device says otherwise.
 *
 * Usage: bench-copy [iterations]   (default 200)
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "copy.h"

#define WIDTH 1920
#define HEIGHT 1080
#define BPP 4
#define STRIDE (WIDTH * BPP)
#define FRAME ((size_t)STRIDE * HEIGHT)
#define PAIRS 8

/* One band for the worker. */
struct band_job {
	void *dst;
	const void *src;
	const pixman_region32_t *region;
	int32_t y1, y2;
};

struct worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct band_job job;
	bool has_job, done, quit;
};

static void
copy_band(const struct band_job *job)
{
	pixman_region32_t band;

	pixman_region32_init(&band);
	pixman_region32_intersect_rect(&band, job->region, 0, job->y1, WIDTH,
				       (unsigned)(job->y2 - job->y1));
	copy_region(job->dst, STRIDE, job->src, STRIDE, BPP, &band);
	pixman_region32_fini(&band);
}

static void *
worker_main(void *data)
{
	struct worker *w = data;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->has_job && !w->quit)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->quit)
			break;
		pthread_mutex_unlock(&w->lock);
		copy_band(&w->job);
		pthread_mutex_lock(&w->lock);
		w->has_job = false;
		w->done = true;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void
copy_split_pool(struct worker *w, void *dst, const void *src,
		const pixman_region32_t *region)
{
	pthread_mutex_lock(&w->lock);
	w->job = (struct band_job){ dst, src, region, HEIGHT / 2, HEIGHT };
	w->has_job = true;
	w->done = false;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);

	copy_band(&(struct band_job){ dst, src, region, 0, HEIGHT / 2 });

	pthread_mutex_lock(&w->lock);
	while (!w->done)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

static void *
band_thread(void *data)
{
	copy_band(data);
	return NULL;
}

static void
copy_split_spawn(void *dst, const void *src, const pixman_region32_t *region)
{
	struct band_job job = { dst, src, region, HEIGHT / 2, HEIGHT };
	pthread_t t;

	pthread_create(&t, NULL, band_thread, &job);
	copy_band(&(struct band_job){ dst, src, region, 0, HEIGHT / 2 });
	pthread_join(t, NULL);
}

enum mode { MEMCPY, SINGLE, SPLIT_POOL, SPLIT_SPAWN };
static const char *const mode_names[] = {
	"memcpy whole frame", "copy_region 1 thread",
	"copy_region 2 bands, worker pool", "copy_region 2 bands, spawn/copy",
};

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

enum cache { HOT, COLD, FRESH };
static const char *const cache_names[] = {
	"hot (same buffers, in L3)",
	"cold (8 buffer pairs, 133 MB)",
	"fresh (source rewritten before each copy, 8 destinations)",
};

static void
copy_once(enum mode mode, struct worker *w, uint8_t *to, const uint8_t *from,
	  const pixman_region32_t *region)
{
	switch (mode) {
	case MEMCPY:
		memcpy(to, from, FRAME);
		break;
	case SINGLE:
		copy_region(to, STRIDE, from, STRIDE, BPP, region);
		break;
	case SPLIT_POOL:
		copy_split_pool(w, to, from, region);
		break;
	case SPLIT_SPAWN:
		copy_split_spawn(to, from, region);
		break;
	}
}

/* The modes take turns, copy by copy, so that a drift in the machine's
 * speed (this is a VM) hits them all alike. */
static void
run(enum cache cache, int iterations, uint8_t **src, uint8_t **dst,
    struct worker *w, const pixman_region32_t *region)
{
	double *seconds[SPLIT_SPAWN + 1];

	for (int m = MEMCPY; m <= SPLIT_SPAWN; m++)
		seconds[m] = calloc((size_t)iterations, sizeof(double));

	for (int i = -5; i < iterations; i++) { /* 5 warm-up rounds */
		for (int m = MEMCPY; m <= SPLIT_SPAWN; m++) {
			int rot = ((i + 5) * (SPLIT_SPAWN + 1) + m) % PAIRS;
			uint8_t *from = src[cache == COLD ? rot : 0];
			uint8_t *to = dst[cache == HOT ? 0 : rot];
			if (cache == FRESH)
				memset(from, (i + m) & 0xff, FRAME);

			double t0 = now();
			copy_once((enum mode)m, w, to, from, region);
			if (i >= 0)
				seconds[m][i] = now() - t0;
		}
	}
	for (int m = MEMCPY; m <= SPLIT_SPAWN; m++) {
		qsort(seconds[m], (size_t)iterations, sizeof(double),
		      compare_double);
		printf("  %-34s median %7.0f MB/s   best %7.0f MB/s\n",
		       mode_names[m], FRAME / seconds[m][iterations / 2] / 1e6,
		       FRAME / seconds[m][0] / 1e6);
		free(seconds[m]);
	}
}

int
main(int argc, char *argv[])
{
	int iterations = argc > 1 ? atoi(argv[1]) : 200;
	uint8_t *src[PAIRS], *dst[PAIRS];
	pixman_region32_t region;
	struct worker w = { .lock = PTHREAD_MUTEX_INITIALIZER,
			    .cond = PTHREAD_COND_INITIALIZER };

	if (iterations < 1)
		iterations = 1;
	for (int i = 0; i < PAIRS; i++) {
		src[i] = aligned_alloc(64, FRAME);
		dst[i] = aligned_alloc(64, FRAME);
		if (!src[i] || !dst[i])
			return 1;
		memset(src[i], i + 1, FRAME); /* fault every page in */
		memset(dst[i], 0, FRAME);
	}
	pixman_region32_init_rect(&region, 0, 0, WIDTH, HEIGHT);
	pthread_create(&w.thread, NULL, worker_main, &w);

	printf("%dx%dx%d full-frame copy (%.1f MB), %d iterations\n", WIDTH,
	       HEIGHT, BPP, FRAME / 1e6, iterations);
	for (int c = HOT; c <= FRESH; c++) {
		printf("%s:\n", cache_names[c]);
		run((enum cache)c, iterations, src, dst, &w, &region);
	}

	pthread_mutex_lock(&w.lock);
	w.quit = true;
	pthread_cond_broadcast(&w.cond);
	pthread_mutex_unlock(&w.lock);
	pthread_join(w.thread, NULL);
	pixman_region32_fini(&region);
	for (int i = 0; i < PAIRS; i++) {
		free(src[i]);
		free(dst[i]);
	}
	return 0;
}
