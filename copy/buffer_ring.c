/*
 * Host-buffer accounting.  A slot goes empty -> allocated+busy (commit) ->
 * idle (release) -> busy (commit) ... and leaves through destroy_buffer
 * only while the host does not hold it: freeing memory the host may still
 * read is the one mistake this file exists to prevent.
 */
#include <stddef.h>

#include "buffer_ring.h"

static bool
geometry_equal(const struct ring_geometry *a, const struct ring_geometry *b)
{
	return a->width == b->width && a->height == b->height &&
	       a->stride == b->stride && a->format == b->format;
}

static bool
geometry_is_valid(const struct ring_geometry *geometry)
{
	return geometry->width > 0 && geometry->height > 0 &&
	       geometry->stride > 0;
}

/* Needs no allocation, so it is also the answer when pixman runs out of
 * memory: copying too much is slow, copying too little is wrong. */
static void
set_whole(pixman_region32_t *region, const struct ring_geometry *g)
{
	pixman_region32_fini(region);
	pixman_region32_init_rect(region, 0, 0, (unsigned)g->width,
				  (unsigned)g->height);
}

static void
slot_clear(struct ring_slot *slot)
{
	pixman_region32_fini(&slot->stale);
	*slot = (struct ring_slot){ 0 };
	pixman_region32_init(&slot->stale);
}

static void
slot_destroy(struct buffer_ring *ring, unsigned index)
{
	slot_clear(&ring->slots[index]);
	if (ring->destroy_buffer)
		ring->destroy_buffer(ring->data, index);
}

void
ring_init(struct buffer_ring *ring, unsigned capacity,
	  ring_destroy_buffer_func destroy_buffer, void *data)
{
	*ring = (struct buffer_ring){
		.capacity = capacity < 1 ? 1 :
			    capacity > RING_MAX_BUFFERS ? RING_MAX_BUFFERS :
			    capacity,
		.destroy_buffer = destroy_buffer,
		.data = data,
	};
	for (unsigned i = 0; i < RING_MAX_BUFFERS; i++)
		pixman_region32_init(&ring->slots[i].stale);
}

void
ring_finish(struct buffer_ring *ring)
{
	for (unsigned i = 0; i < ring->capacity; i++) {
		if (ring->slots[i].allocated)
			slot_destroy(ring, i);
	}
	for (unsigned i = 0; i < RING_MAX_BUFFERS; i++)
		pixman_region32_fini(&ring->slots[i].stale);
}

void
ring_reset(struct buffer_ring *ring, const struct ring_geometry *geometry)
{
	ring->geometry = *geometry;
	ring->has_geometry = true;

	for (unsigned i = 0; i < ring->capacity; i++) {
		struct ring_slot *slot = &ring->slots[i];

		if (!slot->allocated || geometry_equal(&slot->geometry, geometry))
			continue;
		if (slot->busy)
			slot->orphaned = true;
		else
			slot_destroy(ring, i);
	}
}

/* Idle, current geometry, and written most recently: it has seen the
 * fewest commits go to other buffers, so its stale region is smallest. */
static int
find_freshest_idle(const struct buffer_ring *ring)
{
	int best = -1;

	for (unsigned i = 0; i < ring->capacity; i++) {
		const struct ring_slot *slot = &ring->slots[i];

		if (!slot->allocated || slot->busy || slot->orphaned)
			continue;
		if (best < 0 || slot->written_seq > ring->slots[best].written_seq)
			best = (int)i;
	}
	return best;
}

static int
find_empty(const struct buffer_ring *ring)
{
	for (unsigned i = 0; i < ring->capacity; i++) {
		if (!ring->slots[i].allocated)
			return (int)i;
	}
	return -1;
}

/* Orphans are excluded: nothing will ever be copied into them again. */
static void
add_damage_to_all(struct buffer_ring *ring, const pixman_region32_t *damage)
{
	for (unsigned i = 0; i < ring->capacity; i++) {
		struct ring_slot *slot = &ring->slots[i];

		if (!slot->allocated || slot->orphaned)
			continue;
		if (!pixman_region32_union(&slot->stale, &slot->stale, damage))
			set_whole(&slot->stale, &slot->geometry);
	}
}

/* Marks slot index written by this commit and says what to copy into it. */
static void
take_slot(struct buffer_ring *ring, unsigned index, bool is_new,
	  pixman_region32_t *copy)
{
	struct ring_slot *slot = &ring->slots[index];
	const struct ring_geometry *g = &ring->geometry;

	/* A new buffer holds nothing of the client's yet. */
	if (is_new || !pixman_region32_intersect_rect(copy, &slot->stale, 0, 0,
						      (unsigned)g->width,
						      (unsigned)g->height))
		set_whole(copy, g);
	pixman_region32_clear(&slot->stale);
	slot->allocated = true;
	slot->busy = true;
	slot->geometry = *g;
	slot->written_seq = ++ring->seq;
}

enum ring_commit_status
ring_commit(struct buffer_ring *ring, const struct ring_geometry *geometry,
	    const pixman_region32_t *damage, unsigned *index,
	    pixman_region32_t *copy)
{
	if (!geometry_is_valid(geometry))
		return RING_INVALID;
	if (!ring->has_geometry || !geometry_equal(&ring->geometry, geometry))
		ring_reset(ring, geometry);

	int reuse = find_freshest_idle(ring);
	int empty = reuse < 0 ? find_empty(ring) : -1;
	if (reuse < 0 && empty < 0)
		return RING_FULL;

	if (damage)
		add_damage_to_all(ring, damage);
	if (reuse >= 0) {
		*index = (unsigned)reuse;
		take_slot(ring, *index, false, copy);
		return RING_WRITE;
	}
	*index = (unsigned)empty;
	take_slot(ring, *index, true, copy);
	return RING_ALLOCATE;
}

bool
ring_is_full(const struct buffer_ring *ring)
{
	for (unsigned i = 0; i < ring->capacity; i++) {
		if (!ring->slots[i].allocated || !ring->slots[i].busy)
			return false;
	}
	return true;
}

bool
ring_release(struct buffer_ring *ring, unsigned index)
{
	if (index >= ring->capacity)
		return false;
	struct ring_slot *slot = &ring->slots[index];
	if (!slot->allocated || !slot->busy)
		return false;

	slot->busy = false;
	if (slot->orphaned)
		slot_destroy(ring, index);
	return true;
}

void
ring_invalidate(struct buffer_ring *ring, unsigned index)
{
	if (index >= ring->capacity || !ring->slots[index].allocated)
		return;
	set_whole(&ring->slots[index].stale, &ring->slots[index].geometry);
}

void
ring_cancel_allocation(struct buffer_ring *ring, unsigned index)
{
	if (index >= ring->capacity)
		return;
	slot_clear(&ring->slots[index]);
}

unsigned
ring_free_unused(struct buffer_ring *ring, uint64_t since)
{
	unsigned freed = 0;
	for (unsigned i = 0; i < ring->capacity; i++) {
		struct ring_slot *slot = &ring->slots[i];
		if (slot->allocated && !slot->busy && slot->written_seq <= since) {
			slot_destroy(ring, i);
			freed++;
		}
	}
	return freed;
}

unsigned
ring_idle_count(const struct buffer_ring *ring)
{
	unsigned n = 0;
	for (unsigned i = 0; i < ring->capacity; i++)
		n += ring->slots[i].allocated && !ring->slots[i].busy;
	return n;
}
