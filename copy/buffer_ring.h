/*
 * Per-surface host buffers: which one to write on a commit, and which of
 * its pixels are out of date.
 *
 * The host compositor may read a wl_buffer from the commit that attaches
 * it until it sends wl_buffer.release, so a surface needs several host
 * buffers in rotation.  Each one falls behind the client by every commit
 * written to another buffer since it was last written; its "stale" region
 * is exactly that, and is all that has to be copied when it comes round
 * again.
 *
 * The ring only does the accounting.  It never allocates: the caller keeps
 * its host buffers in an array of RING_MAX_BUFFERS indexed like the ring,
 * allocates one when ring_commit says RING_ALLOCATE, and frees one when the
 * ring calls destroy_buffer.
 *
 * When every buffer is busy, ring_commit returns RING_FULL and records
 * nothing: the caller holds that client's commit back (parks it, with the
 * client's later requests behind it) until ring_release for this surface,
 * then calls ring_commit again with the same arguments.  Waiting cannot deadlock with capacity >= 2: a
 * compositor may hold on indefinitely only to the buffer currently
 * attached, and must release the others once it is done with them.  The
 * ring does not grow past its capacity because host buffers are
 * device-allocated shared memory, the scarcest thing a guest client can
 * consume; the capacity is the hard per-surface limit.
 */
#ifndef WLGP_BUFFER_RING_H
#define WLGP_BUFFER_RING_H

#include <pixman.h>
#include <stdbool.h>
#include <stdint.h>

#define RING_MAX_BUFFERS 4

/* What a host buffer must match to be reused for a commit. */
struct ring_geometry {
	int32_t width, height; /* pixels */
	int32_t stride;        /* bytes, of the host buffer */
	uint32_t format;       /* wl_shm.format */
};

struct ring_slot {
	bool allocated; /* the caller holds a host buffer for this index */
	bool busy;      /* committed to the host, not released yet */
	bool orphaned;  /* geometry is out of date: destroy on release */
	uint64_t written_seq; /* when last written, for picking the freshest */
	struct ring_geometry geometry;
	pixman_region32_t stale; /* pixels behind the client */
};

/* Called when the host buffer of slot index must be freed: its geometry
 * is out of date and the host does not hold it, or ring_finish.  After it
 * returns, index may come back as RING_ALLOCATE. */
typedef void (*ring_destroy_buffer_func)(void *data, unsigned index);

struct buffer_ring {
	unsigned capacity; /* 1..RING_MAX_BUFFERS */
	bool has_geometry;
	struct ring_geometry geometry; /* of the newest commit */
	uint64_t seq;
	struct ring_slot slots[RING_MAX_BUFFERS];

	ring_destroy_buffer_func destroy_buffer;
	void *data;
};

enum ring_commit_status {
	RING_WRITE,    /* write copy into the existing buffer *index */
	RING_ALLOCATE, /* allocate buffer *index with this geometry, write
			* copy (the whole buffer) into it */
	RING_FULL,     /* every buffer busy; no damage recorded, no buffer
			* chosen: retry after a ring_release */
	RING_INVALID,  /* width, height or stride not positive */
};

/* capacity is clamped to 1..RING_MAX_BUFFERS. */
void ring_init(struct buffer_ring *ring, unsigned capacity,
	       ring_destroy_buffer_func destroy_buffer, void *data);

/* Calls destroy_buffer for every allocated slot, busy or not: the surface
 * is gone, and wl_buffer.destroy on a buffer the host still shows is
 * allowed (the surface's content just becomes undefined). */
void ring_finish(struct buffer_ring *ring);

/*
 * One commit of a surface whose client buffer has this geometry and this
 * damage (buffer pixels, as damage_to_buffer returns it; NULL is none).
 *
 * The damage is added to every buffer's stale region.  A geometry
 * different from the previous commit's first does ring_reset.  Then the
 * freshest idle buffer of the right geometry is chosen (least to copy), or
 * a free slot to allocate.  copy (initialized by the caller) is set to the
 * pixels to write: the chosen buffer's stale region, or the whole buffer
 * for a new one.  The chosen buffer is then up to date and busy.
 *
 * If the caller then does not submit the buffer after all, it calls
 * ring_release itself; if the copy failed half-way (SIGBUS from a shrunk
 * client pool), ring_invalidate first; if the allocation failed,
 * ring_cancel_allocation.
 */
enum ring_commit_status ring_commit(struct buffer_ring *ring,
				    const struct ring_geometry *geometry,
				    const pixman_region32_t *damage,
				    unsigned *index, pixman_region32_t *copy);

/* Every buffer is busy: ring_commit would return RING_FULL, whatever the
 * geometry (an idle buffer of another geometry is destroyed and its slot
 * reused). */
bool ring_is_full(const struct buffer_ring *ring);

/* The host sent wl_buffer.release for buffer index.  An orphaned buffer
 * is destroyed now.  False if index is not a busy buffer (a confused or
 * hostile host; the caller ignores the event). */
bool ring_release(struct buffer_ring *ring, unsigned index);

/*
 * The surface's buffers now have this geometry: idle buffers of another
 * geometry are destroyed at once, busy ones are orphaned and destroyed
 * when the host releases them (the host may still be reading them).
 * Orphans keep their slot until then, so they count against capacity.
 * ring_commit calls this itself; callers may call it early, e.g. when a
 * new wl_buffer is attached.
 */
void ring_reset(struct buffer_ring *ring, const struct ring_geometry *geometry);

/* Buffer index holds garbage (a copy into it failed): the next write to
 * it copies the whole buffer. */
void ring_invalidate(struct buffer_ring *ring, unsigned index);

/*
 * Memory that follows use: frees every idle buffer (the host does not hold
 * it) not chosen by ring_commit after the commit numbered since (compare
 * ring->seq, taken earlier).  A surface that stopped committing, or now
 * gets by with fewer buffers, gives the rest back; the buffer the host
 * shows is busy and stays.  Returns how many were freed.
 */
unsigned ring_free_unused(struct buffer_ring *ring, uint64_t since);

/* Allocated buffers the host does not hold. */
unsigned ring_idle_count(const struct buffer_ring *ring);

/* RING_ALLOCATE's buffer could not be allocated: the slot is free again,
 * without a destroy_buffer call. */
void ring_cancel_allocation(struct buffer_ring *ring, unsigned index);

#endif
