/*
 * The host-buffer ring.  Scripted frames check the exact region each
 * commit copies; a randomized run drives the ring with real pixels and a
 * model host, and checks after every commit that the buffer handed to the
 * host is byte-identical to the client's, that the copy was exactly the
 * damage since that buffer was last written, and that no buffer is ever
 * destroyed while the host holds it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client-protocol.h>

#include "buffer_ring.h"
#include "copy.h"
#include "testlib.h"

/* Records destroy_buffer calls. */
struct destroy_log {
	int calls[RING_MAX_BUFFERS];
	int total;
};

static void
log_destroy(void *data, unsigned index)
{
	struct destroy_log *log = data;

	CHECK(index < RING_MAX_BUFFERS);
	if (index < RING_MAX_BUFFERS)
		log->calls[index]++;
	log->total++;
}

static const struct ring_geometry geom_100 = {
	100, 100, 400, WL_SHM_FORMAT_XRGB8888
};

/* One commit of one damage rectangle; returns the status, fills index and
 * the copy region. */
static enum ring_commit_status
commit_rect(struct buffer_ring *ring, const struct ring_geometry *g, int x,
	    int y, int w, int h, unsigned *index, pixman_region32_t *copy)
{
	pixman_region32_t damage;
	enum ring_commit_status st;

	pixman_region32_init_rect(&damage, x, y, (unsigned)w, (unsigned)h);
	st = ring_commit(ring, g, &damage, index, copy);
	pixman_region32_fini(&damage);
	return st;
}

static void
region_of(pixman_region32_t *r, const int (*rects)[4], int n)
{
	pixman_region32_clear(r);
	for (int i = 0; i < n; i++)
		pixman_region32_union_rect(r, r, rects[i][0], rects[i][1],
					   (unsigned)rects[i][2],
					   (unsigned)rects[i][3]);
}

/*
 * Three buffers, partial damage D1..D8, the host releasing late and out of
 * order.  Each copy must be the union of the damage since that buffer was
 * last written, including this frame's.
 */
static void
test_three_buffer_rotation(void)
{
	static const int d[9][4] = {
		{ 0 },
		{ 0, 0, 10, 10 },   /* D1 */
		{ 20, 0, 10, 10 },  /* D2 */
		{ 40, 0, 10, 10 },  /* D3 */
		{ 60, 0, 10, 10 },  /* D4 */
		{ 0, 20, 10, 10 },  /* D5 */
		{ 5, 25, 10, 10 },  /* D6, overlaps D5 */
		{ 90, 90, 10, 10 }, /* D7 */
		{ 50, 50, 1, 1 },   /* D8 */
	};
	struct destroy_log log = { 0 };
	struct buffer_ring ring;
	pixman_region32_t copy, want;
	unsigned idx;

	ring_init(&ring, 3, log_destroy, &log);
	pixman_region32_init(&copy);
	pixman_region32_init(&want);

#define COMMIT(n) commit_rect(&ring, &geom_100, d[n][0], d[n][1], d[n][2], \
			      d[n][3], &idx, &copy)

	/* Frames 1-3: nothing idle, a new buffer each time, copied whole. */
	for (int f = 1; f <= 3; f++) {
		CHECK_EQ(COMMIT(f), RING_ALLOCATE);
		CHECK_EQ(idx, f - 1);
		CHECK_REGION_BOX(&copy, 0, 0, 100, 100);
	}

	CHECK(ring_release(&ring, 0));
	CHECK_EQ(COMMIT(4), RING_WRITE); /* buffer 0, last written frame 1 */
	CHECK_EQ(idx, 0);
	region_of(&want, &d[2], 3);      /* D2 D3 D4 */
	CHECK_REGION(&copy, &want);

	CHECK(ring_release(&ring, 1));
	CHECK_EQ(COMMIT(5), RING_WRITE); /* buffer 1, last written frame 2 */
	CHECK_EQ(idx, 1);
	region_of(&want, &d[3], 3);      /* D3 D4 D5 */
	CHECK_REGION(&copy, &want);

	/* Out of order: 2 (frame 3) then 0 (frame 4).  The freshest, 0,
	 * has the least to copy. */
	CHECK(ring_release(&ring, 2));
	CHECK(ring_release(&ring, 0));
	CHECK_EQ(COMMIT(6), RING_WRITE);
	CHECK_EQ(idx, 0);
	region_of(&want, &d[5], 2);      /* D5 D6 */
	CHECK_REGION(&copy, &want);

	CHECK_EQ(COMMIT(7), RING_WRITE); /* only 2 is idle */
	CHECK_EQ(idx, 2);
	region_of(&want, &d[4], 4);      /* D4 D5 D6 D7 */
	CHECK_REGION(&copy, &want);

	/* All three busy: FULL, and D8 is not recorded yet... */
	CHECK_EQ(COMMIT(8), RING_FULL);
	CHECK(ring_release(&ring, 1));
	/* ...so the retry with the same arguments records it once. */
	CHECK_EQ(COMMIT(8), RING_WRITE);
	CHECK_EQ(idx, 1);                /* last written frame 5 */
	region_of(&want, &d[6], 3);      /* D6 D7 D8 */
	CHECK_REGION(&copy, &want);

	CHECK_EQ(log.total, 0);
#undef COMMIT
	ring_finish(&ring);
	CHECK_EQ(log.total, 3); /* finish frees busy and idle alike */
	CHECK_EQ(log.calls[0], 1);
	CHECK_EQ(log.calls[1], 1);
	CHECK_EQ(log.calls[2], 1);
	pixman_region32_fini(&copy);
	pixman_region32_fini(&want);
}

static void
test_resize_copies_whole_and_frees_only_released_buffers(void)
{
	static const struct ring_geometry geom_50 = {
		50, 80, 200, WL_SHM_FORMAT_XRGB8888
	};
	struct destroy_log log = { 0 };
	struct buffer_ring ring;
	pixman_region32_t copy;
	unsigned idx;

	ring_init(&ring, 3, log_destroy, &log);
	pixman_region32_init(&copy);

	CHECK_EQ(commit_rect(&ring, &geom_100, 0, 0, 1, 1, &idx, &copy),
		 RING_ALLOCATE); /* 0 */
	CHECK_EQ(commit_rect(&ring, &geom_100, 0, 0, 1, 1, &idx, &copy),
		 RING_ALLOCATE); /* 1 */
	CHECK(ring_release(&ring, 0));

	/* Resize: idle 0 goes at once, busy 1 waits for its release. */
	CHECK_EQ(commit_rect(&ring, &geom_50, 1, 1, 1, 1, &idx, &copy),
		 RING_ALLOCATE);
	CHECK_EQ(log.calls[0], 1);
	CHECK_EQ(log.calls[1], 0);
	CHECK_EQ(idx, 0); /* the freed slot is reused */
	CHECK_REGION_BOX(&copy, 0, 0, 50, 80);

	/* 1 is orphaned: never chosen again, freed on release, once. */
	CHECK(ring_release(&ring, 0));
	CHECK_EQ(commit_rect(&ring, &geom_50, 1, 1, 1, 1, &idx, &copy),
		 RING_WRITE);
	CHECK_EQ(idx, 0);
	CHECK_REGION_BOX(&copy, 1, 1, 2, 2);
	CHECK(ring_release(&ring, 1));
	CHECK_EQ(log.calls[1], 1);
	CHECK(!ring_release(&ring, 1));
	CHECK_EQ(log.calls[1], 1);

	/* A stride or format change is a geometry change too. */
	struct ring_geometry padded = geom_50;
	padded.stride = 256;
	CHECK(ring_release(&ring, 0));
	CHECK_EQ(commit_rect(&ring, &padded, 1, 1, 1, 1, &idx, &copy),
		 RING_ALLOCATE);
	CHECK_EQ(log.calls[0], 2);
	CHECK_REGION_BOX(&copy, 0, 0, 50, 80);

	ring_finish(&ring);
	CHECK_EQ(log.total, 4);
	pixman_region32_fini(&copy);
}

static void
test_orphans_count_against_capacity(void)
{
	static const struct ring_geometry geom_small = {
		10, 10, 40, WL_SHM_FORMAT_ARGB8888
	};
	struct destroy_log log = { 0 };
	struct buffer_ring ring;
	pixman_region32_t copy;
	unsigned idx;

	ring_init(&ring, 2, log_destroy, &log);
	pixman_region32_init(&copy);
	commit_rect(&ring, &geom_100, 0, 0, 1, 1, &idx, &copy);
	commit_rect(&ring, &geom_100, 0, 0, 1, 1, &idx, &copy);

	/* Both busy with the old size: the host may still read them, so
	 * they cannot be freed, and there is no room for a new one. */
	CHECK_EQ(commit_rect(&ring, &geom_small, 0, 0, 1, 1, &idx, &copy),
		 RING_FULL);
	CHECK_EQ(log.total, 0);
	CHECK(ring_release(&ring, 1));
	CHECK_EQ(log.calls[1], 1);
	CHECK_EQ(commit_rect(&ring, &geom_small, 0, 0, 1, 1, &idx, &copy),
		 RING_ALLOCATE);
	CHECK_EQ(idx, 1);
	CHECK_REGION_BOX(&copy, 0, 0, 10, 10);

	ring_finish(&ring);
	CHECK_EQ(log.total, 3);
	pixman_region32_fini(&copy);
}

static void
test_release_ordering_and_bad_releases(void)
{
	struct destroy_log log = { 0 };
	struct buffer_ring ring;
	pixman_region32_t copy;
	unsigned idx;

	ring_init(&ring, 4, log_destroy, &log);
	pixman_region32_init(&copy);

	CHECK(!ring_release(&ring, 0)); /* never allocated */
	CHECK(!ring_release(&ring, 4)); /* out of range */
	CHECK(!ring_release(&ring, UINT32_MAX));

	for (int i = 0; i < 4; i++)
		commit_rect(&ring, &geom_100, i * 10, 0, 10, 10, &idx, &copy);
	CHECK_EQ(commit_rect(&ring, &geom_100, 0, 0, 1, 1, &idx, &copy),
		 RING_FULL);

	/* Released 3, 1, 2 (written in frames 4, 2, 3): the freshest idle
	 * is taken first, whatever the release order. */
	CHECK(ring_release(&ring, 3));
	CHECK(ring_release(&ring, 1));
	CHECK(ring_release(&ring, 2));
	CHECK(!ring_release(&ring, 2)); /* already idle */
	CHECK_EQ(commit_rect(&ring, &geom_100, 0, 50, 1, 1, &idx, &copy),
		 RING_WRITE);
	CHECK_EQ(idx, 3);
	CHECK_REGION_BOX(&copy, 0, 50, 1, 51);
	CHECK_EQ(commit_rect(&ring, &geom_100, 0, 60, 1, 1, &idx, &copy),
		 RING_WRITE);
	CHECK_EQ(idx, 2); /* frame 3: missed frames 4 (30,0) and 5, 6 */
	pixman_region32_t want;
	pixman_region32_init_rect(&want, 30, 0, 10, 10);
	pixman_region32_union_rect(&want, &want, 0, 50, 1, 1);
	pixman_region32_union_rect(&want, &want, 0, 60, 1, 1);
	CHECK_REGION(&copy, &want);
	pixman_region32_fini(&want);

	CHECK_EQ(log.total, 0); /* releases never free current buffers */
	ring_finish(&ring);
	pixman_region32_fini(&copy);
}

static void
test_cancel_invalidate_invalid_and_capacity(void)
{
	struct destroy_log log = { 0 };
	struct buffer_ring ring;
	pixman_region32_t copy;
	unsigned idx;

	ring_init(&ring, 0, log_destroy, &log);
	CHECK_EQ(ring.capacity, 1);
	ring_finish(&ring);
	ring_init(&ring, 99, log_destroy, &log);
	CHECK_EQ(ring.capacity, RING_MAX_BUFFERS);
	ring_finish(&ring);

	ring_init(&ring, 2, log_destroy, &log);
	pixman_region32_init(&copy);

	struct ring_geometry bad = geom_100;
	bad.width = 0;
	CHECK_EQ(commit_rect(&ring, &bad, 0, 0, 1, 1, &idx, &copy),
		 RING_INVALID);
	bad = geom_100;
	bad.stride = -4;
	CHECK_EQ(commit_rect(&ring, &bad, 0, 0, 1, 1, &idx, &copy),
		 RING_INVALID);

	/* Allocation failed: the slot is free again, nothing destroyed. */
	CHECK_EQ(commit_rect(&ring, &geom_100, 0, 0, 1, 1, &idx, &copy),
		 RING_ALLOCATE);
	CHECK_EQ(idx, 0);
	ring_cancel_allocation(&ring, idx);
	CHECK(!ring_release(&ring, 0));
	CHECK_EQ(commit_rect(&ring, &geom_100, 0, 0, 1, 1, &idx, &copy),
		 RING_ALLOCATE);
	CHECK_EQ(idx, 0);

	/* The copy into 0 failed half-way: next time it is copied whole. */
	ring_invalidate(&ring, 0);
	CHECK(ring_release(&ring, 0));
	CHECK_EQ(commit_rect(&ring, &geom_100, 5, 5, 1, 1, &idx, &copy),
		 RING_WRITE);
	CHECK_EQ(idx, 0);
	CHECK_REGION_BOX(&copy, 0, 0, 100, 100);

	/* A commit without damage copies only what is stale. */
	CHECK(ring_release(&ring, 0));
	CHECK_EQ(ring_commit(&ring, &geom_100, NULL, &idx, &copy), RING_WRITE);
	CHECK_REGION_EMPTY(&copy);

	CHECK_EQ(log.total, 0);
	ring_finish(&ring);
	CHECK_EQ(log.total, 1);
	pixman_region32_fini(&copy);
}

/*
 * The randomized run.  The client draws random rectangles each frame; the
 * model host holds the newest buffer and releases older ones at random.
 */

#define MAX_FRAMES 400

struct host_model {
	struct buffer_ring ring;
	struct ring_geometry geometry;
	uint8_t *client;                    /* the client's current buffer */
	uint8_t *buffers[RING_MAX_BUFFERS]; /* host buffers */
	bool held[RING_MAX_BUFFERS];        /* the host holds it */
	int written_frame[RING_MAX_BUFFERS];
	pixman_region32_t damage[MAX_FRAMES + 1];
	int destroyed;
};

static void
model_destroy(void *data, unsigned index)
{
	struct host_model *m = data;

	/* The one rule: never free what the host may be reading. */
	CHECK(!m->held[index]);
	CHECK(m->buffers[index] != NULL);
	free(m->buffers[index]);
	m->buffers[index] = NULL;
	m->destroyed++;
}

static size_t
geometry_size(const struct ring_geometry *g)
{
	return (size_t)g->stride * (size_t)g->height;
}

static void
client_draw(struct host_model *m, int frame, unsigned *seed,
	    pixman_region32_t *damage)
{
	const struct ring_geometry *g = &m->geometry;
	int rects = (int)(test_rand(seed) % 3);

	pixman_region32_clear(damage);
	for (int i = 0; i < rects; i++) {
		int x = (int)(test_rand(seed) % (unsigned)g->width);
		int y = (int)(test_rand(seed) % (unsigned)g->height);
		int w = 1 + (int)(test_rand(seed) % (unsigned)(g->width - x));
		int h = 1 + (int)(test_rand(seed) % (unsigned)(g->height - y));
		for (int row = y; row < y + h; row++)
			memset(m->client + (size_t)row * g->stride + x * 4,
			       (frame * 13 + i) & 0xff, (size_t)w * 4);
		pixman_region32_union_rect(damage, damage, x, y, (unsigned)w,
					   (unsigned)h);
	}
}

/* A resize: the client's new buffer is drawn completely. */
static void
client_resize(struct host_model *m, int frame, unsigned *seed,
	      pixman_region32_t *damage)
{
	struct ring_geometry *g = &m->geometry;

	g->width = 8 + (int32_t)(test_rand(seed) % 40);
	g->height = 8 + (int32_t)(test_rand(seed) % 40);
	g->stride = g->width * 4 + (int32_t)(test_rand(seed) % 3) * 4;
	free(m->client);
	m->client = malloc(geometry_size(g));
	if (!m->client)
		abort();
	memset(m->client, frame & 0xff, geometry_size(g));
	pixman_region32_fini(damage);
	pixman_region32_init_rect(damage, 0, 0, (unsigned)g->width,
				  (unsigned)g->height);
}

static void
host_release_some(struct host_model *m, unsigned newest, unsigned *seed)
{
	for (unsigned i = 0; i < RING_MAX_BUFFERS; i++) {
		if (!m->held[i] || i == newest || test_rand(seed) % 2)
			continue;
		m->held[i] = false;
		CHECK(ring_release(&m->ring, i));
	}
}

/* Expected copy: everything drawn since buffer index was last written. */
static void
damage_since(struct host_model *m, unsigned index, int frame,
	     pixman_region32_t *out)
{
	pixman_region32_clear(out);
	for (int f = m->written_frame[index] + 1; f <= frame; f++)
		pixman_region32_union(out, out, &m->damage[f]);
	pixman_region32_intersect_rect(out, out, 0, 0,
				       (unsigned)m->geometry.width,
				       (unsigned)m->geometry.height);
}

static bool
host_buffer_matches_client(const struct host_model *m, unsigned index)
{
	const struct ring_geometry *g = &m->geometry;

	for (int y = 0; y < g->height; y++) {
		size_t row = (size_t)y * g->stride;
		if (memcmp(m->buffers[index] + row, m->client + row,
			   (size_t)g->width * 4) != 0)
			return false;
	}
	return true;
}

/* Commits frame, retrying after releases while the ring is full. */
static void
commit_frame(struct host_model *m, int frame, unsigned *newest,
	     unsigned *seed)
{
	pixman_region32_t copy, want;
	enum ring_commit_status st;
	unsigned idx;

	pixman_region32_init(&copy);
	pixman_region32_init(&want);
	/* Each round releases each releasable buffer with probability 1/2:
	 * 200 rounds without a free slot means the ring leaks slots. */
	for (int tries = 0;
	     (st = ring_commit(&m->ring, &m->geometry, &m->damage[frame],
			       &idx, &copy)) == RING_FULL;
	     tries++) {
		if (tries == 200) {
			CHECK(!"ring stays full although the host releases");
			abort();
		}
		host_release_some(m, *newest, seed);
	}

	CHECK(st == RING_WRITE || st == RING_ALLOCATE);
	CHECK(!m->held[idx]);
	if (st == RING_ALLOCATE) {
		CHECK(m->buffers[idx] == NULL);
		m->buffers[idx] = malloc(geometry_size(&m->geometry));
		if (!m->buffers[idx])
			abort();
		memset(m->buffers[idx], 0xee, geometry_size(&m->geometry));
		pixman_region32_init_rect(&want, 0, 0,
					  (unsigned)m->geometry.width,
					  (unsigned)m->geometry.height);
	} else {
		damage_since(m, idx, frame, &want);
	}
	CHECK_REGION(&copy, &want);

	copy_region(m->buffers[idx], (size_t)m->geometry.stride, m->client,
		    (size_t)m->geometry.stride, 4, &copy);
	if (!host_buffer_matches_client(m, idx)) {
		fprintf(stderr, "frame %d: host buffer %u differs\n", frame,
			idx);
		test_failures++;
	}
	m->held[idx] = true;
	m->written_frame[idx] = frame;
	*newest = idx;
	pixman_region32_fini(&copy);
	pixman_region32_fini(&want);
}

static void
run_randomized(unsigned capacity, unsigned seed)
{
	struct host_model m = { 0 };
	unsigned newest = RING_MAX_BUFFERS;

	ring_init(&m.ring, capacity, model_destroy, &m);
	for (int f = 0; f <= MAX_FRAMES; f++)
		pixman_region32_init(&m.damage[f]);

	for (int frame = 1; frame <= MAX_FRAMES; frame++) {
		if (frame == 1 || test_rand(&seed) % 50 == 0)
			client_resize(&m, frame, &seed, &m.damage[frame]);
		else
			client_draw(&m, frame, &seed, &m.damage[frame]);
		commit_frame(&m, frame, &newest, &seed);
		host_release_some(&m, newest, &seed);
	}

	int allocated = 0;
	for (unsigned i = 0; i < RING_MAX_BUFFERS; i++) {
		allocated += m.buffers[i] != NULL;
		m.held[i] = false; /* finish may free held buffers */
	}
	int before = m.destroyed;
	ring_finish(&m.ring);
	CHECK_EQ(m.destroyed - before, allocated);
	for (unsigned i = 0; i < RING_MAX_BUFFERS; i++)
		CHECK(m.buffers[i] == NULL);

	for (int f = 0; f <= MAX_FRAMES; f++)
		pixman_region32_fini(&m.damage[f]);
	free(m.client);
}

static void
test_randomized_against_model_host(void)
{
	for (unsigned capacity = 2; capacity <= RING_MAX_BUFFERS; capacity++)
		for (unsigned seed = 1; seed <= 5; seed++)
			run_randomized(capacity, seed);
}

/*
 * Memory that follows use: after a burst on three buffers the surface
 * commits with one buffer at a time (the host releases each at once).
 * ring_free_unused frees exactly the idle buffers not chosen since the
 * mark, never a busy one, and a freed slot comes back as RING_ALLOCATE
 * copied whole.
 */
static void
test_free_unused(void)
{
	struct destroy_log log = { 0 };
	struct buffer_ring ring;
	pixman_region32_t copy;
	unsigned idx;

	ring_init(&ring, 3, log_destroy, &log);
	pixman_region32_init(&copy);
	for (int f = 0; f < 3; f++)
		CHECK_EQ(commit_rect(&ring, &geom_100, 0, 0, 10, 10, &idx, &copy),
			 RING_ALLOCATE);
	/* The host holds buffer 2 (on screen), released 0 and 1. */
	CHECK(ring_release(&ring, 0));
	CHECK(ring_release(&ring, 1));
	CHECK_EQ(ring_idle_count(&ring), 2);

	/* Nothing chosen since the mark yet: both idle ones go, 2 stays. */
	uint64_t mark = ring.seq;
	CHECK_EQ(ring_free_unused(&ring, mark), 2);
	CHECK_EQ(log.calls[0], 1);
	CHECK_EQ(log.calls[1], 1);
	CHECK_EQ(log.calls[2], 0);
	CHECK_EQ(ring_idle_count(&ring), 0);

	/* The host releases 2; the next commit reuses it (partial copy). */
	CHECK(ring_release(&ring, 2));
	mark = ring.seq;
	CHECK_EQ(commit_rect(&ring, &geom_100, 0, 0, 10, 10, &idx, &copy),
		 RING_WRITE);
	CHECK_EQ(idx, 2);
	CHECK(ring_release(&ring, 2));
	/* Chosen after the mark: kept. */
	CHECK_EQ(ring_free_unused(&ring, mark), 0);
	CHECK_EQ(log.total, 2);
	/* Not chosen after a later mark: freed, and a new commit allocates. */
	CHECK_EQ(ring_free_unused(&ring, ring.seq), 1);
	CHECK_EQ(log.calls[2], 1);
	CHECK_EQ(commit_rect(&ring, &geom_100, 0, 0, 10, 10, &idx, &copy),
		 RING_ALLOCATE);
	CHECK_REGION_BOX(&copy, 0, 0, 100, 100);
	ring_finish(&ring);
	pixman_region32_fini(&copy);
}

int
main(void)
{
	test_free_unused();
	test_three_buffer_rotation();
	test_resize_copies_whole_and_frees_only_released_buffers();
	test_orphans_count_against_capacity();
	test_release_ordering_and_bad_releases();
	test_cancel_invalidate_invalid_and_capacity();
	test_randomized_against_model_host();
	TEST_EXIT();
}
