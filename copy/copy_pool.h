/*
 * Copy threads: large copies leave the event loop.  A job (one commit's
 * copy) is split into row bands, one per thread, that the pool's threads
 * copy while the event loop carries on with every other client; when the
 * last band is done the job's done callback runs back on the event loop
 * thread, from copy_pool_dispatch, which the owner calls when
 * copy_pool_fd becomes readable.
 *
 * Client memory is read on the pool's threads, so the access hooks run
 * around each band on the thread that copies it: the SIGBUS guard they
 * install must be per thread (proxy/shm.c).
 *
 * Ownership: the job belongs to its submitter, who keeps it (and the
 * memory it names) alive until done has run or copy_pool_cancel returned.
 */
#ifndef WLGP_COPY_POOL_H
#define WLGP_COPY_POOL_H

#include <pixman.h>
#include <stdbool.h>
#include <stddef.h>

#define COPY_POOL_MAX_THREADS 4

struct copy_pool;
struct copy_job;

struct copy_band {
	struct copy_band *next; /* in the pool's queue */
	struct copy_job *job;
	int32_t y1, y2;
};

struct copy_job {
	/* Set by the submitter, read-only until done. */
	void *dst;
	size_t dst_stride;
	const void *src;
	size_t src_stride;
	unsigned bytes_per_pixel;
	pixman_region32_t region; /* copy_job_init/finish own it */
	/* Around each band on its thread: begin guards the reads, end says
	 * whether they were good (false: the source faulted). */
	void (*access_begin)(void *data);
	bool (*access_end)(void *data);
	void *access_data;
	/* On the event loop thread, once every band is done. */
	void (*done)(struct copy_job *job);
	void *data;

	/* Results, valid in done. */
	size_t copied;
	bool faulted;

	/* The pool's. */
	struct copy_band bands[COPY_POOL_MAX_THREADS];
	int bands_left;       /* not finished */
	int bands_queued;     /* not started */
	struct copy_job *next_done;
	bool submitted;
};

void copy_job_init(struct copy_job *job);
void copy_job_finish(struct copy_job *job);

/* threads: 1..COPY_POOL_MAX_THREADS.  NULL on failure (errno set). */
struct copy_pool *copy_pool_create(int threads);
/* Cancels nothing: every submitted job must be done or cancelled. */
void copy_pool_destroy(struct copy_pool *pool);

/* The default --copy-threads: online CPUs - 1, at least 1, at most
 * COPY_POOL_MAX_THREADS. */
int copy_pool_default_threads(void);

/* How many threads the pool has. */
int copy_pool_threads(const struct copy_pool *pool);

/*
 * Queues the job, split into at most one row band per thread (a small
 * region is one band).  buffer_height bounds the bands.
 */
void copy_pool_submit(struct copy_pool *pool, struct copy_job *job,
		      int32_t buffer_height);

/* Readable when finished jobs wait for copy_pool_dispatch. */
int copy_pool_fd(const struct copy_pool *pool);
/* Runs the done callback of every finished job (event loop thread). */
void copy_pool_dispatch(struct copy_pool *pool);

/*
 * The job's owner is going away: bands not started are dropped, bands
 * being copied are waited for (a copy of at most a frame), and done will
 * not be called.  Afterwards the pool touches neither the job nor its
 * memory.  A job already done or never submitted is left alone.
 */
void copy_pool_cancel(struct copy_pool *pool, struct copy_job *job);

#endif
