/*
 * wl_surface: where guest pixels cross to the host.  A guest shm buffer
 * cannot be attached on the host (shm.c keeps it here), so on commit the
 * damaged pixels are copied into one of the surface's host buffers and
 * that buffer is attached instead.  Everything else, damage included, is
 * relayed as the guest sent it: after the copy the host buffer holds the
 * guest's picture exactly, so the guest's own damage describes it.
 *
 * The copy costs what changed: each host buffer's ring slot remembers the
 * union of damage since it was last written (copy/buffer_ring.h), and the
 * guest's buffer is released as soon as its pixels are copied.
 *
 * A large copy leaves the event loop: it goes to the copy threads
 * (copy/copy_pool.h) and the commit is parked like one waiting for a host
 * buffer (hold.h), so this client's later requests wait behind it while
 * every other client carries on; when the copy is done the commit is
 * replayed and finishes (release, attach, commit) in its turn.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "buffer_ring.h"
#include "client.h"
#include "copy.h"
#include "copy_pool.h"
#include "damage.h"
#include "hold.h"
#include "host_buffer.h"
#include "log.h"
#include "relay.h"
#include "shm.h"
#include "shm_format.h"
#include "server.h"
#include "surface.h"
#include "trace.h"

/* How many host buffers one surface may have in flight. */
#define SURFACE_HOST_BUFFERS 4

struct surface_state {
	struct relay_object *ro;
	struct buffer_ring ring;
	struct host_buffer *buffers[RING_MAX_BUFFERS];
	uint32_t commits;
	bool parked; /* a commit waits for a host buffer (hold.h) */

	/* A commit whose pixels the copy threads are copying (its commit is
	 * parked until then), or copied (the commit's replay finishes it). */
	enum { COPY_IDLE, COPY_RUNNING, COPY_DONE } copy;
	struct copy_job job;
	struct shm_pool *copy_source; /* a reference: mapped until done */
	struct copy_pool *copy_pool;  /* the threads it was handed to */
	int copy_index;               /* host buffer being written */
	bool copy_is_new;

	/* Memory that follows use: host buffers not chosen for a commit
	 * between two ticks are freed (ring_free_unused). */
	struct wl_event_source *trim_timer;
	bool trim_armed;
	uint64_t trim_mark; /* ring.seq at the last tick */

	/* Double-buffered state, applied on commit as wl_surface does. */
	struct shm_buffer *pending_buffer; /* attached, not committed */
	struct wl_listener pending_buffer_destroy;
	int32_t pending_x, pending_y;
	pixman_region32_t pending_damage;        /* surface coordinates */
	pixman_region32_t pending_buffer_damage; /* buffer coordinates */
	int32_t pending_scale, scale;
	enum wl_output_transform pending_transform, transform;
	struct damage_viewport pending_viewport, viewport;

	struct wl_signal commit_signal; /* struct surface_commit_event */
};

static void
clear_pending_buffer(struct surface_state *s)
{
	if (!s->pending_buffer)
		return;
	wl_list_remove(&s->pending_buffer_destroy.link);
	s->pending_buffer = NULL;
}

static void
handle_pending_buffer_destroy(struct wl_listener *listener, void *data)
{
	struct surface_state *s = wl_container_of(listener, s, pending_buffer_destroy);
	wl_list_init(&s->pending_buffer_destroy.link);
	s->pending_buffer = NULL;
}

static void
ring_destroy_host_buffer(void *data, unsigned index)
{
	struct surface_state *s = data;
	if (s->buffers[index])
		host_buffer_destroy(s->buffers[index]);
	s->buffers[index] = NULL;
}

static int32_t
host_stride(int32_t width, unsigned bpp)
{
	/* pixman, behind most compositors' shm, wants 4-byte aligned rows */
	return (int32_t)(((int64_t)width * bpp + 3) & ~(int64_t)3);
}

static void
buffer_damage(struct surface_state *s, struct shm_buffer *buf,
	      pixman_region32_t *out)
{
	struct damage_state st = {
		.buffer_width = buf->width,
		.buffer_height = buf->height,
		.scale = s->scale,
		.transform = s->transform,
		.viewport = s->viewport,
	};
	damage_to_buffer(out, &st, &s->pending_damage, &s->pending_buffer_damage);
	unsigned block = shm_format_block_width(buf->format);
	if (block > 1)
		damage_align_to_blocks(out, block, buf->width);
}

/* A host buffer no commit chose for between one and two of these is
 * freed: an animating surface reuses each of its buffers many times a
 * second, one that stopped keeps only the buffer the host shows. */
#define HOST_BUFFER_IDLE_MS 1000

static size_t
host_buffer_bytes(const struct surface_state *s, unsigned *count)
{
	size_t bytes = 0;
	*count = 0;
	for (unsigned i = 0; i < RING_MAX_BUFFERS; i++) {
		if (s->buffers[i]) {
			bytes += s->buffers[i]->memory.size;
			(*count)++;
		}
	}
	return bytes;
}

static int
handle_trim_timer(void *data)
{
	struct surface_state *s = data;
	s->trim_armed = false;
	unsigned freed = ring_free_unused(&s->ring, s->trim_mark);
	s->trim_mark = s->ring.seq;
	if (freed) {
		unsigned count;
		size_t bytes = host_buffer_bytes(s, &count);
		wlgp_debug("host buffers: client %d surface %u: freed %u unused, "
			   "%u kept (%zu bytes)", (int)s->ro->client->pid,
			   wl_resource_get_id(s->ro->resource), freed, count, bytes);
	}
	if (ring_idle_count(&s->ring) > 0) {
		wl_event_source_timer_update(s->trim_timer, HOST_BUFFER_IDLE_MS);
		s->trim_armed = true;
	}
	return 0;
}

/* After a commit chose a host buffer: the next tick looks at what went
 * unused. */
static void
arm_trim_timer(struct surface_state *s)
{
	if (s->trim_armed)
		return;
	if (!s->trim_timer)
		s->trim_timer = wl_event_loop_add_timer(s->ro->client->server->loop,
							handle_trim_timer, s);
	if (!s->trim_timer)
		return; /* out of memory: buffers then live as long as the surface */
	wl_event_source_timer_update(s->trim_timer, HOST_BUFFER_IDLE_MS);
	s->trim_armed = true;
}

static void
handle_host_buffer_release(struct host_buffer *hb, void *data)
{
	struct surface_state *s = data;
	for (unsigned i = 0; i < RING_MAX_BUFFERS; i++) {
		if (s->buffers[i] == hb && ring_release(&s->ring, i))
			break;
	}
	/* A tick that found every buffer still held by the host did not
	 * re-arm; a buffer the host gives back after the client's last
	 * commit must still be found unused. */
	arm_trim_timer(s);
	if (s->parked && !ring_is_full(&s->ring)) {
		s->parked = false;
		hold_resume(s->ro->client);
	}
}

/* How long a parked commit waits for the host to hand a buffer back. */
#define RELEASE_TIMEOUT_MS 1000

/* Picks (or makes) the host buffer for this commit; -1 after closing the
 * guest when that is impossible. */
static int
choose_host_buffer(struct surface_state *s, struct shm_buffer *buf,
		   const pixman_region32_t *damage, pixman_region32_t *copy,
		   bool *is_new)
{
	struct guest_client *gc = s->ro->client;
	struct ring_geometry geo = {
		.width = buf->width,
		.height = buf->height,
		.stride = host_stride(buf->width, buf->bytes_per_pixel),
		.format = buf->format,
	};
	unsigned index;
	/* Never RING_FULL: surface_commit parks the commit until then. */
	switch (ring_commit(&s->ring, &geo, damage, &index, copy)) {
	case RING_WRITE:
		*is_new = false;
		return (int)index;
	case RING_ALLOCATE:
		*is_new = true;
		s->buffers[index] = host_buffer_create(gc, geo.width, geo.height,
						       geo.stride, geo.format);
		if (!s->buffers[index]) {
			int err = errno;
			ring_cancel_allocation(&s->ring, index);
			if (err == ENOSPC && gc->over_memory &&
			    gc->over_memory(gc->over_memory_data, s->ro,
					    geo.width, geo.height))
				return -1;
			guest_client_close(gc, "cannot allocate a %dx%d host buffer: %s",
					   geo.width, geo.height, strerror(err));
			return -1;
		}
		s->buffers[index]->release = handle_host_buffer_release;
		s->buffers[index]->release_data = s;
		return (int)index;
	case RING_FULL:
	case RING_INVALID:
		break;
	}
	guest_client_close(gc, "invalid buffer geometry");
	return -1;
}

/* The attach the guest never sent: its buffer's stand-in on the host. */
static void
trace_host_attach(struct surface_state *s, struct host_buffer *hb)
{
	if (!s->ro->client->server->trace)
		return;
	union wl_argument sent[] = {
		{ .o = (struct wl_object *)hb->proxy },
		{ .i = s->pending_x }, { .i = s->pending_y },
	};
	trace_host_request(s->ro->client, "wl_surface",
			   wl_proxy_get_id(s->ro->proxy),
			   &wl_surface_interface.methods[WL_SURFACE_ATTACH], sent, NULL);
}

/* A copy at least this large goes to the copy threads: 256x256 XRGB.
 * Below it the copy (tens of microseconds, tests/copy/bench-kernel) costs
 * less than handing it over and replaying the parked commit. */
#define ASYNC_COPY_MIN_BYTES (256u * 1024)

/*
 * Whether a large copy goes to the copy threads.  They are there so that
 * one client's frame never holds up another's: a client alone on the
 * proxy holds up nobody, and with a single copy thread (two CPUs) the
 * hand-over is pure cost for it, about a quarter of a frame's memcpy
 * (bench/README.md).  Several threads split a frame, which pays off alone
 * too.
 */
static bool
copy_off_loop(const struct surface_state *s, size_t bytes)
{
	struct wlgp_server *server = s->ro->client->server;
	if (!server->copy_pool || bytes < ASYNC_COPY_MIN_BYTES)
		return false;
	return copy_pool_threads(server->copy_pool) > 1 ||
	       wl_list_length(&server->clients) > 1;
}

/* How long a commit may wait for its copy before the client is failed:
 * a copy never takes near this (a 4K frame is milliseconds), so only a
 * wedged machine reaches it. */
#define COPY_TIMEOUT_MS 10000

enum commit_result { COMMIT_COPIED, COMMIT_COPYING, COMMIT_FAILED };

static size_t
region_bytes(const pixman_region32_t *region, unsigned bpp)
{
	int n;
	const pixman_box32_t *b = pixman_region32_rectangles(region, &n);
	size_t area = 0;
	for (int i = 0; i < n; i++)
		area += (size_t)(b[i].x2 - b[i].x1) * (size_t)(b[i].y2 - b[i].y1);
	return area * bpp;
}

/* The copy into host buffer index is over: on a fault the host buffer's
 * contents are unknown and the guest gets libwayland's wl_shm error,
 * otherwise the guest's buffer is released and the host buffer attached.
 * False if the guest was failed. */
static bool
finish_copy(struct surface_state *s, struct shm_buffer *buf, int index,
	    bool is_new, size_t bytes, int nrects, bool good, bool threaded)
{
	struct host_buffer *hb = s->buffers[index];
	if (!good) {
		ring_invalidate(&s->ring, (unsigned)index);
		ring_release(&s->ring, (unsigned)index);
		wl_resource_post_error(buf->resource, WL_SHM_ERROR_INVALID_FD,
				       "error accessing SHM buffer");
		/* libwayland-server ends a client for its error only at the
		 * end of that client's dispatch: a copy from the threads, or
		 * from a parked commit's replay, runs outside it. */
		guest_client_schedule_close(s->ro->client);
		return false;
	}
	wlgp_debug("copy: client %d surface %u commit %u: copied %zu "
		   "bytes in %d rects of a %dx%d buffer (host buffer %d%s%s)",
		   (int)s->ro->client->pid,
		   wl_resource_get_id(s->ro->resource), s->commits,
		   bytes, nrects, buf->width, buf->height, index,
		   is_new ? ", new" : "", threaded ? ", copy threads" : "");
	/* Its pixels are ours now: the guest may draw the next
	 * frame while the host still shows this one. */
	wl_buffer_send_release(buf->resource);
	wl_proxy_marshal_flags(s->ro->proxy, WL_SURFACE_ATTACH, NULL,
			       wl_proxy_get_version(s->ro->proxy), 0,
			       hb->proxy, s->pending_x, s->pending_y);
	trace_host_attach(s, hb);
	return true;
}

/* The commit waits for its copy: held, and this client's later requests
 * behind it (hold.h), until handle_copy_done resumes it. */
static void
park_behind_copy(struct surface_state *s, union wl_argument *args)
{
	if (!relay_hold_request(s->ro, WL_SURFACE_COMMIT, args))
		return;
	hold_park(s->ro->client, COPY_TIMEOUT_MS,
		  "the copy of a commit on wl_surface@%u did not finish "
		  "within %d ms", wl_resource_get_id(s->ro->resource),
		  COPY_TIMEOUT_MS);
}

/* On the event loop, from the copy threads' completion fd. */
static void
handle_copy_done(struct copy_job *job)
{
	struct surface_state *s = job->data;
	s->copy = COPY_DONE;
	hold_resume(s->ro->client);
}

/* Drops a copy in flight before what it reads or writes goes away: the
 * threads finish or skip it, and nothing of it is applied. */
static void
cancel_copy(struct surface_state *s)
{
	if (s->copy == COPY_IDLE)
		return;
	/* The pool it went to: the client may already be gone (ro->client
	 * NULL) when the surface is freed. */
	copy_pool_cancel(s->copy_pool, &s->job);
	shm_pool_release(s->copy_source);
	s->copy_source = NULL;
	s->copy = COPY_IDLE;
}

static void
start_threaded_copy(struct surface_state *s, struct shm_buffer *buf,
		    int index, bool is_new, const pixman_region32_t *copy,
		    union wl_argument *args)
{
	struct host_buffer *hb = s->buffers[index];
	struct copy_job *job = &s->job;
	pixman_region32_copy(&job->region, (pixman_region32_t *)copy);
	job->dst = hb->memory.data;
	job->dst_stride = (size_t)hb->stride;
	job->src = shm_buffer_data(buf);
	job->src_stride = (size_t)buf->stride;
	job->bytes_per_pixel = buf->bytes_per_pixel;
	s->copy_source = shm_buffer_ref_pool(buf);
	job->access_begin = shm_pool_begin_access;
	job->access_end = shm_pool_end_access;
	job->access_data = s->copy_source;
	job->done = handle_copy_done;
	job->data = s;
	s->copy = COPY_RUNNING;
	s->copy_index = index;
	s->copy_is_new = is_new;
	s->copy_pool = s->ro->client->server->copy_pool;
	copy_pool_submit(s->copy_pool, job, buf->height);
	park_behind_copy(s, args);
}

/* Copies the committed guest buffer into a host buffer and attaches that
 * on the host, or hands a large copy to the copy threads. */
static enum commit_result
commit_shm_buffer(struct surface_state *s, struct shm_buffer *buf,
		  union wl_argument *args)
{
	pixman_region32_t damage, copy;
	pixman_region32_init(&damage);
	pixman_region32_init(&copy);
	buffer_damage(s, buf, &damage);

	bool is_new;
	enum commit_result result = COMMIT_FAILED;
	int index = choose_host_buffer(s, buf, &damage, &copy, &is_new);
	if (index >= 0)
		arm_trim_timer(s);
	if (index >= 0 && copy_off_loop(s, region_bytes(&copy, buf->bytes_per_pixel))) {
		start_threaded_copy(s, buf, index, is_new, &copy, args);
		result = COMMIT_COPYING;
	} else if (index >= 0) {
		struct host_buffer *hb = s->buffers[index];
		const void *src = shm_buffer_begin_access(buf);
		size_t bytes = copy_region(hb->memory.data, (size_t)hb->stride,
					   src, (size_t)buf->stride,
					   buf->bytes_per_pixel, &copy);
		bool good = shm_buffer_end_access(buf);
		int nrects;
		pixman_region32_rectangles(&copy, &nrects);
		if (finish_copy(s, buf, index, is_new, bytes, nrects, good, false))
			result = COMMIT_COPIED;
	}
	pixman_region32_fini(&damage);
	pixman_region32_fini(&copy);
	return result;
}

/* A guest committing faster than the host releases: this commit and the
 * client's later requests wait until the host gives a buffer back, as a
 * compositor holds a client that outruns it, while every other client
 * carries on.  The host releases the previous buffer as soon as it has
 * taken the next one, so the wait is short; a host that releases nothing
 * costs this client its connection, nobody else anything. */
static void
surface_park_commit(struct surface_state *s, union wl_argument *args)
{
	if (!relay_hold_request(s->ro, WL_SURFACE_COMMIT, args))
		return;
	/* The commit number it will have once it runs (the tests pair this
	 * line with that commit's copy line). */
	wlgp_debug("copy: client %d surface %u commit %u: held back, the "
		   "host holds all %d buffers", (int)s->ro->client->pid,
		   wl_resource_get_id(s->ro->resource), s->commits + 1,
		   SURFACE_HOST_BUFFERS);
	s->parked = true;
	hold_park(s->ro->client, RELEASE_TIMEOUT_MS,
		  "the host compositor holds all %d buffers of wl_surface@%u "
		  "and released none within %d ms", SURFACE_HOST_BUFFERS,
		  wl_resource_get_id(s->ro->resource), RELEASE_TIMEOUT_MS);
}

/* The commit's pending state is used up: the next one starts afresh. */
static void
end_commit(struct surface_state *s, union wl_argument *args, bool forward)
{
	struct surface_commit_event ev = { .buffer = s->pending_buffer != NULL };
	clear_pending_buffer(s);
	pixman_region32_clear(&s->pending_damage);
	pixman_region32_clear(&s->pending_buffer_damage);
	if (!forward)
		return;
	relay_forward_request(s->ro, WL_SURFACE_COMMIT, args);
	wl_signal_emit(&s->commit_signal, &ev);
}

/* The replay of a commit whose copy the threads finished. */
static void
finish_threaded_commit(struct surface_state *s, union wl_argument *args)
{
	struct copy_job *job = &s->job;
	struct shm_buffer *buf = s->pending_buffer;
	bool good = !job->faulted;
	shm_pool_release(s->copy_source);
	s->copy_source = NULL;
	s->copy = COPY_IDLE;
	int nrects;
	pixman_region32_rectangles(&job->region, &nrects);
	/* The buffer cannot have gone: its destroy request waits behind
	 * this commit (shm.c), and a client going away cancels the copy. */
	bool forward = buf && guest_client_host_alive(s->ro->client) &&
		       finish_copy(s, buf, s->copy_index, s->copy_is_new,
				   job->copied, nrects, good, true);
	end_commit(s, args, forward);
}

static void
surface_commit(struct relay_object *ro, union wl_argument *args)
{
	struct surface_state *s = ro->override_data;
	if (s->copy == COPY_DONE) {
		finish_threaded_commit(s, args);
		return;
	}
	if (s->copy == COPY_RUNNING) {
		/* Replayed early (another wait of this client ended): back in
		 * line until the copy is done. */
		park_behind_copy(s, args);
		return;
	}
	/* Before any state is applied: a parked commit runs again from here. */
	if (s->pending_buffer && guest_client_host_alive(ro->client) &&
	    ring_is_full(&s->ring)) {
		surface_park_commit(s, args);
		return;
	}
	s->parked = false;
	s->commits++;
	s->scale = s->pending_scale;
	s->transform = s->pending_transform;
	s->viewport = s->pending_viewport;

	bool forward = true;
	if (s->pending_buffer && guest_client_host_alive(ro->client)) {
		enum commit_result r = commit_shm_buffer(s, s->pending_buffer, args);
		if (r == COMMIT_COPYING)
			return; /* pending state kept for the replay */
		forward = r == COMMIT_COPIED;
	}
	end_commit(s, args, forward);
}

static void
surface_attach(struct relay_object *ro, union wl_argument *args)
{
	struct surface_state *s = ro->override_data;
	struct shm_buffer *buf =
		shm_buffer_from_resource((struct wl_resource *)args[0].o);
	clear_pending_buffer(s);
	if (!buf) {
		/* NULL or a host-relayed buffer: the host can take it as is. */
		relay_forward_request(ro, WL_SURFACE_ATTACH, args);
		return;
	}
	s->pending_buffer = buf;
	s->pending_x = args[1].i;
	s->pending_y = args[2].i;
	wl_signal_add(&buf->destroy_signal, &s->pending_buffer_destroy);
}

static void
surface_request(struct relay_object *ro, uint32_t opcode, union wl_argument *args)
{
	struct surface_state *s = ro->override_data;
	switch (opcode) {
	case WL_SURFACE_ATTACH:
		surface_attach(ro, args);
		return;
	case WL_SURFACE_COMMIT:
		surface_commit(ro, args);
		return;
	case WL_SURFACE_DAMAGE:
		damage_add_request(&s->pending_damage, args[0].i, args[1].i,
				   args[2].i, args[3].i);
		break;
	case WL_SURFACE_DAMAGE_BUFFER:
		damage_add_request(&s->pending_buffer_damage, args[0].i,
				   args[1].i, args[2].i, args[3].i);
		break;
	case WL_SURFACE_SET_BUFFER_SCALE:
		/* Invalid values are the host's to reject, with its own error;
		 * only valid ones change how damage maps to buffer pixels. */
		if (args[0].i >= 1)
			s->pending_scale = args[0].i;
		break;
	case WL_SURFACE_SET_BUFFER_TRANSFORM:
		if (args[0].i >= 0 && args[0].i <= WL_OUTPUT_TRANSFORM_FLIPPED_270)
			s->pending_transform = (enum wl_output_transform)args[0].i;
		break;
	}
	relay_forward_request(ro, opcode, args);
}

void
surface_add_commit_listener(struct relay_object *surface,
			    struct wl_listener *listener)
{
	struct surface_state *s = surface->override_data;
	wl_signal_add(&s->commit_signal, listener);
}

struct damage_viewport *
surface_pending_viewport(struct relay_object *surface)
{
	struct surface_state *s = surface->override_data;
	return &s->pending_viewport;
}

static int
surface_init(struct relay_object *ro)
{
	struct surface_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	s->ro = ro;
	s->scale = s->pending_scale = 1;
	s->transform = s->pending_transform = WL_OUTPUT_TRANSFORM_NORMAL;
	pixman_region32_init(&s->pending_damage);
	pixman_region32_init(&s->pending_buffer_damage);
	s->pending_buffer_destroy.notify = handle_pending_buffer_destroy;
	wl_signal_init(&s->commit_signal);
	ring_init(&s->ring, SURFACE_HOST_BUFFERS, ring_destroy_host_buffer, s);
	copy_job_init(&s->job);
	ro->override_data = s;
	return 0;
}

/* Host buffers go while the host connection exists: either the guest
 * destroyed the surface, or the guest is going away (drop_host). */
static void
surface_drop_host(struct relay_object *ro)
{
	struct surface_state *s = ro->override_data;
	cancel_copy(s);
	ring_finish(&s->ring);
	ring_init(&s->ring, SURFACE_HOST_BUFFERS, ring_destroy_host_buffer, s);
	s->trim_mark = 0;
}

static void
surface_fini(struct relay_object *ro)
{
	struct surface_state *s = ro->override_data;
	cancel_copy(s);
	copy_job_finish(&s->job);
	if (s->trim_timer)
		wl_event_source_remove(s->trim_timer);
	ring_finish(&s->ring);
	clear_pending_buffer(s);
	pixman_region32_fini(&s->pending_damage);
	pixman_region32_fini(&s->pending_buffer_damage);
	free(s);
}

const struct relay_override surface_override = {
	.interface = "wl_surface",
	.request = surface_request,
	.init = surface_init,
	.fini = surface_fini,
	.drop_host = surface_drop_host,
};
