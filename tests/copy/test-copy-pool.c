/*
 * copy_pool: jobs split into row bands on 1 to 4 threads arrive pixel for
 * pixel as one copy_region on the calling thread makes them (the oracle),
 * each job's done runs once on the calling thread after its fd became
 * readable, the access hooks run on the copying thread around each band
 * and a false from them marks the job faulted, and a cancelled job is
 * never reported done.  Run under ThreadSanitizer by tests/run-all.sh.
 */
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "copy.h"
#include "copy_pool.h"
#include "testlib.h"

#define W 1920
#define H 1080
#define BPP 4
#define SRC_STRIDE (W * BPP + 64)
#define DST_STRIDE (W * BPP)
#define SENTINEL 0xa5

struct test_job {
	struct copy_job job;
	uint8_t *dst, *want;
	int done_calls;
	bool fail_access;
	int begins; /* counted on the copy threads, read after done */
	bool begun_on_main;
};

static uint8_t *src;
static pthread_t main_thread;

static void
fill_pattern(uint8_t *m, size_t size, unsigned seed)
{
	for (size_t i = 0; i < size; i++) {
		uint8_t v = (uint8_t)(i * 7 + i / 251 + seed);
		m[i] = v == SENTINEL ? 0 : v;
	}
}

static void
handle_done(struct copy_job *job)
{
	struct test_job *t = job->data;
	CHECK(pthread_equal(pthread_self(), main_thread));
	t->done_calls++;
}

static void
access_begin(void *data)
{
	struct test_job *t = data;
	__atomic_add_fetch(&t->begins, 1, __ATOMIC_RELAXED);
	if (pthread_equal(pthread_self(), main_thread))
		t->begun_on_main = true;
}

static bool
access_end(void *data)
{
	struct test_job *t = data;
	return !t->fail_access;
}

static void
test_job_init(struct test_job *t, const pixman_region32_t *region)
{
	memset(t, 0, sizeof(*t));
	copy_job_init(&t->job);
	pixman_region32_copy(&t->job.region, (pixman_region32_t *)region);
	t->dst = malloc((size_t)DST_STRIDE * H);
	t->want = malloc((size_t)DST_STRIDE * H);
	memset(t->dst, SENTINEL, (size_t)DST_STRIDE * H);
	memset(t->want, SENTINEL, (size_t)DST_STRIDE * H);
	copy_region(t->want, DST_STRIDE, src, SRC_STRIDE, BPP, region);
	t->job.dst = t->dst;
	t->job.dst_stride = DST_STRIDE;
	t->job.src = src;
	t->job.src_stride = SRC_STRIDE;
	t->job.bytes_per_pixel = BPP;
	t->job.access_begin = access_begin;
	t->job.access_end = access_end;
	t->job.access_data = t;
	t->job.done = handle_done;
	t->job.data = t;
}

static void
test_job_finish(struct test_job *t)
{
	copy_job_finish(&t->job);
	free(t->dst);
	free(t->want);
}

/* Waits on the pool's fd as the event loop does, until n jobs are done. */
static void
wait_done(struct copy_pool *pool, struct test_job **jobs, int n)
{
	for (;;) {
		int pending = 0;
		for (int i = 0; i < n; i++)
			pending += jobs[i]->done_calls == 0;
		if (!pending)
			return;
		struct pollfd pfd = { .fd = copy_pool_fd(pool), .events = POLLIN };
		int r = poll(&pfd, 1, 10000);
		CHECK(r == 1);
		if (r != 1)
			return;
		copy_pool_dispatch(pool);
	}
}

static size_t
area_bytes(const pixman_region32_t *r)
{
	int n;
	const pixman_box32_t *b = pixman_region32_rectangles((pixman_region32_t *)r, &n);
	size_t a = 0;
	for (int i = 0; i < n; i++)
		a += (size_t)(b[i].x2 - b[i].x1) * (size_t)(b[i].y2 - b[i].y1);
	return a * BPP;
}

static void
check_job(struct test_job *t, const char *what, int threads)
{
	CHECK_EQ(t->done_calls, 1);
	CHECK(!t->job.faulted);
	CHECK(!t->begun_on_main);
	CHECK(t->begins >= 1 && t->begins <= threads);
	CHECK_EQ(t->job.copied, area_bytes(&t->job.region));
	if (memcmp(t->dst, t->want, (size_t)DST_STRIDE * H) != 0) {
		fprintf(stderr, "%s on %d threads differs from copy_region\n",
			what, threads);
		region_print("region", &t->job.region);
		CHECK(!"pool copy differs");
	}
}

/* Regions with awkward row counts for the band split: a full frame (split
 * into as many bands as threads), 7 rows on 4 threads, 1 row, rows that
 * do not start at 0, and a region with holes and separate rectangles. */
static void
make_regions(pixman_region32_t *r, int *n)
{
	int i = 0;
	pixman_region32_init_rect(&r[i++], 0, 0, W, H);
	pixman_region32_init_rect(&r[i++], 3, 101, W - 5, 7);
	pixman_region32_init_rect(&r[i++], 0, H - 1, W, 1);
	pixman_region32_init_rect(&r[i++], 640, 333, 1001, 667);
	pixman_region32_init_rect(&r[i], 0, 0, 100, 100);
	pixman_region32_union_rect(&r[i], &r[i], 1000, 500, 920, 579);
	pixman_region32_union_rect(&r[i], &r[i], 10, 999, 1500, 3);
	i++;
	*n = i;
}

static void
test_bands_match_copy_region(void)
{
	pixman_region32_t regions[8];
	int nregions;

	make_regions(regions, &nregions);
	for (int threads = 1; threads <= COPY_POOL_MAX_THREADS; threads++) {
		struct copy_pool *pool = copy_pool_create(threads);
		CHECK(pool != NULL);
		if (!pool)
			continue;
		/* All at once: bands of several jobs interleave in the queue. */
		struct test_job jobs[8], *ptrs[8];
		for (int i = 0; i < nregions; i++) {
			test_job_init(&jobs[i], &regions[i]);
			ptrs[i] = &jobs[i];
			copy_pool_submit(pool, &jobs[i].job, H);
		}
		wait_done(pool, ptrs, nregions);
		for (int i = 0; i < nregions; i++) {
			char what[32];
			snprintf(what, sizeof(what), "region %d", i);
			check_job(&jobs[i], what, threads);
			test_job_finish(&jobs[i]);
		}
		copy_pool_destroy(pool);
	}
	/* A full frame on several threads is split: more than one band. */
	struct copy_pool *pool = copy_pool_create(3);
	struct test_job t, *p = &t;
	test_job_init(&t, &regions[0]);
	copy_pool_submit(pool, &t.job, H);
	wait_done(pool, &p, 1);
	CHECK_EQ(t.begins, 3);
	test_job_finish(&t);
	copy_pool_destroy(pool);
	for (int i = 0; i < nregions; i++)
		pixman_region32_fini(&regions[i]);
}

static void
test_fault_marks_job(void)
{
	struct copy_pool *pool = copy_pool_create(2);
	pixman_region32_t r;
	struct test_job bad, good, *ptrs[] = { &bad, &good };

	pixman_region32_init_rect(&r, 0, 0, W, H);
	test_job_init(&bad, &r);
	test_job_init(&good, &r);
	bad.fail_access = true;
	copy_pool_submit(pool, &bad.job, H);
	copy_pool_submit(pool, &good.job, H);
	wait_done(pool, ptrs, 2);
	CHECK(bad.job.faulted);
	CHECK(!good.job.faulted);
	CHECK(memcmp(good.dst, good.want, (size_t)DST_STRIDE * H) == 0);
	test_job_finish(&bad);
	test_job_finish(&good);
	pixman_region32_fini(&r);
	copy_pool_destroy(pool);
}

/* A job cancelled at any point (queued, copying, or finished but not yet
 * dispatched) is never reported, and its memory may go right after. */
static void
test_cancel(void)
{
	enum { N = 12 };
	struct copy_pool *pool = copy_pool_create(2);
	pixman_region32_t r;
	struct test_job jobs[N], *keep[N];
	int nkeep = 0;

	pixman_region32_init_rect(&r, 0, 0, W, H);
	for (int i = 0; i < N; i++) {
		test_job_init(&jobs[i], &r);
		copy_pool_submit(pool, &jobs[i].job, H);
	}
	for (int i = 0; i < N; i++) {
		if (i % 3 == 1) {
			copy_pool_cancel(pool, &jobs[i].job);
			/* Freed at once, as a client going away frees them. */
			free(jobs[i].dst);
			jobs[i].dst = NULL;
		} else {
			keep[nkeep++] = &jobs[i];
		}
	}
	wait_done(pool, keep, nkeep);
	/* Anything cancelled that had finished must not be dispatched now. */
	copy_pool_dispatch(pool);
	for (int i = 0; i < N; i++) {
		if (i % 3 == 1) {
			CHECK_EQ(jobs[i].done_calls, 0);
		} else {
			CHECK_EQ(jobs[i].done_calls, 1);
			CHECK(memcmp(jobs[i].dst, jobs[i].want,
				     (size_t)DST_STRIDE * H) == 0);
		}
		test_job_finish(&jobs[i]);
	}
	pixman_region32_fini(&r);
	copy_pool_destroy(pool);
}

static void
test_default_threads(void)
{
	int n = copy_pool_default_threads();
	CHECK(n >= 1 && n <= COPY_POOL_MAX_THREADS);
	CHECK(copy_pool_create(0) == NULL);
	CHECK(copy_pool_create(COPY_POOL_MAX_THREADS + 1) == NULL);
}

int
main(void)
{
	main_thread = pthread_self();
	src = malloc((size_t)SRC_STRIDE * H);
	fill_pattern(src, (size_t)SRC_STRIDE * H, 3);
	test_default_threads();
	test_bands_match_copy_region();
	test_fault_marks_job();
	test_cancel();
	free(src);
	TEST_EXIT();
}
