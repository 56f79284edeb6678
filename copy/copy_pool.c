/*
 * The copy threads of copy_pool.h: a FIFO of row bands under one mutex,
 * worker threads that take bands from it, and an eventfd that tells the
 * event loop a job has finished.  The mutex also orders each band's pixel
 * stores (fenced by copy_region) before the event loop reads the results.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "copy.h"
#include "copy_pool.h"

struct copy_pool {
	pthread_mutex_t lock;
	pthread_cond_t work;      /* a band queued, or quit */
	pthread_cond_t band_done; /* for copy_pool_cancel */
	struct copy_band *head, **tail;
	struct copy_job *done_jobs; /* finished, done not yet called */
	bool quit;
	int nthreads;
	pthread_t threads[COPY_POOL_MAX_THREADS];
	int event_fd;
};

void
copy_job_init(struct copy_job *job)
{
	*job = (struct copy_job){ 0 };
	pixman_region32_init(&job->region);
}

void
copy_job_finish(struct copy_job *job)
{
	pixman_region32_fini(&job->region);
}

int
copy_pool_default_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long n = cpus - 1;

	if (n < 1)
		n = 1;
	if (n > COPY_POOL_MAX_THREADS)
		n = COPY_POOL_MAX_THREADS;
	return (int)n;
}

/* Copies the band's rows of the region; false if the source faulted. */
static bool
copy_band_run(struct copy_band *band, size_t *copied)
{
	struct copy_job *job = band->job;
	pixman_region32_t part;
	pixman_box32_t *ext = pixman_region32_extents(&job->region);

	pixman_region32_init(&part);
	pixman_region32_intersect_rect(&part, &job->region, ext->x1, band->y1,
				       (unsigned)(ext->x2 - ext->x1),
				       (unsigned)(band->y2 - band->y1));
	if (job->access_begin)
		job->access_begin(job->access_data);
	*copied = copy_region(job->dst, job->dst_stride, job->src,
				    job->src_stride, job->bytes_per_pixel, &part);
	bool good = job->access_end ? job->access_end(job->access_data) : true;
	pixman_region32_fini(&part);
	return good;
}

static void
notify_event_loop(struct copy_pool *pool)
{
	uint64_t one = 1;
	/* Only EAGAIN (counter saturated) can fail: it is readable then. */
	if (write(pool->event_fd, &one, sizeof(one)) < 0) {
	}
}

static void *
copy_thread_main(void *data)
{
	struct copy_pool *pool = data;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		while (!pool->head && !pool->quit)
			pthread_cond_wait(&pool->work, &pool->lock);
		if (pool->quit)
			break;
		struct copy_band *band = pool->head;
		pool->head = band->next;
		if (!pool->head)
			pool->tail = &pool->head;
		band->job->bands_queued--;
		pthread_mutex_unlock(&pool->lock);

		size_t copied;
		bool good = copy_band_run(band, &copied);

		/* Results under the lock: several bands add to them. */
		pthread_mutex_lock(&pool->lock);
		struct copy_job *job = band->job;
		job->copied += copied;
		if (!good)
			job->faulted = true;
		if (--job->bands_left == 0) {
			job->next_done = pool->done_jobs;
			pool->done_jobs = job;
			notify_event_loop(pool);
		}
		pthread_cond_broadcast(&pool->band_done);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

struct copy_pool *
copy_pool_create(int threads)
{
	if (threads < 1 || threads > COPY_POOL_MAX_THREADS) {
		errno = EINVAL;
		return NULL;
	}
	struct copy_pool *pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->work, NULL);
	pthread_cond_init(&pool->band_done, NULL);
	pool->tail = &pool->head;
	pool->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (pool->event_fd < 0) {
		free(pool);
		return NULL;
	}
	/* Asynchronous signals belong to the event loop (wl_event_loop's
	 * signalfd sources work only if no thread takes the signal first);
	 * the threads inherit a mask with them all blocked.  Faults stay
	 * open: a truncated pool's SIGBUS must reach the guard on the thread
	 * that read it. */
	sigset_t all, old;
	sigfillset(&all);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int err = 0;
	for (; !err && pool->nthreads < threads; pool->nthreads++) {
		err = pthread_create(&pool->threads[pool->nthreads], NULL,
				     copy_thread_main, pool);
		if (err)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		copy_pool_destroy(pool);
		errno = err;
		return NULL;
	}
	return pool;
}

void
copy_pool_destroy(struct copy_pool *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->quit = true;
	pthread_cond_broadcast(&pool->work);
	pthread_mutex_unlock(&pool->lock);
	for (int i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	close(pool->event_fd);
	pthread_cond_destroy(&pool->work);
	pthread_cond_destroy(&pool->band_done);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

/* Bands of whole rows, as even as the rows of the region allow; the
 * bands cover [y1, y2) of the region's extents exactly, no row twice. */
static int
split_bands(struct copy_job *job, int nbands, int32_t buffer_height)
{
	pixman_box32_t *ext = pixman_region32_extents(&job->region);
	int32_t y1 = ext->y1 < 0 ? 0 : ext->y1;
	int32_t y2 = ext->y2 > buffer_height ? buffer_height : ext->y2;
	int32_t rows = y2 - y1;

	if (rows < nbands)
		nbands = rows > 0 ? rows : 1;
	for (int i = 0; i < nbands; i++) {
		job->bands[i].job = job;
		job->bands[i].y1 = y1 + (int32_t)((int64_t)rows * i / nbands);
		job->bands[i].y2 = y1 + (int32_t)((int64_t)rows * (i + 1) / nbands);
	}
	return nbands;
}

/* Splitting costs a wakeup per thread; below this many bytes one band is
 * as quick (a quarter of a 1080p frame). */
#define COPY_SPLIT_MIN_BYTES (2u << 20)

static size_t
region_bytes(const struct copy_job *job)
{
	int n;
	const pixman_box32_t *b = pixman_region32_rectangles(
		(pixman_region32_t *)&job->region, &n);
	size_t area = 0;

	for (int i = 0; i < n; i++)
		area += (size_t)(b[i].x2 - b[i].x1) * (size_t)(b[i].y2 - b[i].y1);
	return area * job->bytes_per_pixel;
}

void
copy_pool_submit(struct copy_pool *pool, struct copy_job *job,
		 int32_t buffer_height)
{
	int nbands = region_bytes(job) >= COPY_SPLIT_MIN_BYTES ? pool->nthreads : 1;

	nbands = split_bands(job, nbands, buffer_height);
	job->copied = 0;
	job->faulted = false;
	job->submitted = true;
	pthread_mutex_lock(&pool->lock);
	job->bands_left = job->bands_queued = nbands;
	for (int i = 0; i < nbands; i++) {
		job->bands[i].next = NULL;
		*pool->tail = &job->bands[i];
		pool->tail = &job->bands[i].next;
	}
	pthread_cond_broadcast(&pool->work);
	pthread_mutex_unlock(&pool->lock);
}

int
copy_pool_fd(const struct copy_pool *pool)
{
	return pool->event_fd;
}

void
copy_pool_dispatch(struct copy_pool *pool)
{
	uint64_t count;

	if (read(pool->event_fd, &count, sizeof(count)) < 0) {
		/* EAGAIN: another dispatch took it; the list says what is done. */
	}
	pthread_mutex_lock(&pool->lock);
	struct copy_job *jobs = pool->done_jobs;
	pool->done_jobs = NULL;
	pthread_mutex_unlock(&pool->lock);

	/* Oldest first is not promised: each job's client waits only for its
	 * own. */
	while (jobs) {
		struct copy_job *job = jobs;
		jobs = job->next_done;
		job->submitted = false;
		job->done(job);
	}
}

static void
drop_queued_bands(struct copy_pool *pool, struct copy_job *job)
{
	struct copy_band **p = &pool->head;

	pool->tail = &pool->head;
	while (*p) {
		if ((*p)->job == job) {
			*p = (*p)->next;
			job->bands_queued--;
			job->bands_left--;
		} else {
			pool->tail = &(*p)->next;
			p = &(*p)->next;
		}
	}
}

void
copy_pool_cancel(struct copy_pool *pool, struct copy_job *job)
{
	if (!job->submitted)
		return;
	pthread_mutex_lock(&pool->lock);
	drop_queued_bands(pool, job);
	while (job->bands_left > 0)
		pthread_cond_wait(&pool->band_done, &pool->lock);
	/* Finished but not dispatched: take it off the done list. */
	for (struct copy_job **p = &pool->done_jobs; *p; p = &(*p)->next_done) {
		if (*p == job) {
			*p = job->next_done;
			break;
		}
	}
	pthread_mutex_unlock(&pool->lock);
	job->submitted = false;
}

int
copy_pool_threads(const struct copy_pool *pool)
{
	return pool->nthreads;
}
