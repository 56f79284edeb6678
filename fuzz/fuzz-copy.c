/*
 * Damage and copy bounds: the commit path of surface.c without Wayland.
 * Arbitrary damage (surface and buffer), buffer sizes, strides, formats,
 * scales, transforms and viewports go through damage_to_buffer,
 * damage_align_to_blocks, the buffer ring and copy_region, into client
 * and host buffers malloc'ed to their exact sizes, so ASan catches any
 * byte the copy touches outside them.
 *
 * Oracles beyond the sanitizers:
 *  - every rectangle damage_to_buffer returns, and every rectangle the
 *    ring asks to copy, lies inside the buffer;
 *  - the host buffer the ring picks is, after the copy, identical to the
 *    client's picture: the client only draws where its buffer damage
 *    says, so a pixel the pipeline forgot shows up as a difference.
 */
#include <pixman.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client-protocol.h>

#include "buffer_ring.h"
#include "copy.h"
#include "damage.h"
#include "input.h"
#include "shm_format.h"

static const uint32_t formats[] = {
	WL_SHM_FORMAT_ARGB8888, WL_SHM_FORMAT_XRGB8888, WL_SHM_FORMAT_C8,
	WL_SHM_FORMAT_RGB565, WL_SHM_FORMAT_RGB888, WL_SHM_FORMAT_YUYV,
	WL_SHM_FORMAT_UYVY, WL_SHM_FORMAT_ABGR16161616F, WL_SHM_FORMAT_NV12,
	WL_SHM_FORMAT_R8, WL_SHM_FORMAT_GR88, WL_SHM_FORMAT_XBGR2101010,
};

static uint32_t
pick_format(struct input *in)
{
	uint8_t b = input_u8(in);
	size_t n = sizeof(formats) / sizeof(formats[0]);
	return b < 240 ? formats[b % n] : input_u32(in);
}

static void
read_viewport(struct input *in, struct damage_viewport *vp)
{
	uint8_t flags = input_u8(in);
	memset(vp, 0, sizeof(*vp));
	if (flags & 1) {
		vp->has_source = true;
		/* wl_fixed: 24.8, exact in a double */
		vp->src_x = wl_fixed_to_double((wl_fixed_t)input_u32(in));
		vp->src_y = wl_fixed_to_double((wl_fixed_t)input_u32(in));
		vp->src_width = wl_fixed_to_double((wl_fixed_t)input_u32(in));
		vp->src_height = wl_fixed_to_double((wl_fixed_t)input_u32(in));
	}
	if (flags & 2) {
		vp->has_destination = true;
		vp->dst_width = (int32_t)input_u32(in);
		vp->dst_height = (int32_t)input_u32(in);
	}
}

static void
read_damage(struct input *in, pixman_region32_t *region, bool small)
{
	unsigned n = input_range(in, 0, 6);
	for (unsigned i = 0; i < n; i++) {
		int32_t x, y, w, h;
		if (small) {
			x = (int8_t)input_u8(in) * 4;
			y = (int8_t)input_u8(in) * 4;
			w = input_u8(in) * 2;
			h = input_u8(in) * 2;
		} else {
			x = (int32_t)input_u32(in);
			y = (int32_t)input_u32(in);
			w = (int32_t)input_u32(in);
			h = (int32_t)input_u32(in);
		}
		damage_add_request(region, x, y, w, h);
	}
}

static void
check_inside(const pixman_region32_t *region, int32_t width, int32_t height,
	     const char *what)
{
	int n;
	const pixman_box32_t *r = pixman_region32_rectangles(region, &n);
	for (int i = 0; i < n; i++) {
		FUZZ_CHECK(r[i].x1 >= 0 && r[i].y1 >= 0 && r[i].x2 <= width &&
			   r[i].y2 <= height && r[i].x1 < r[i].x2 && r[i].y1 < r[i].y2,
			   "%s rect %d,%d-%d,%d outside %dx%d", what, r[i].x1,
			   r[i].y1, r[i].x2, r[i].y2, width, height);
	}
}

/* damage_to_buffer alone, on any geometry the wire can carry. */
static void
fuzz_damage(struct input *in)
{
	struct damage_state st = {
		.buffer_width = (int32_t)input_u32(in),
		.buffer_height = (int32_t)input_u32(in),
		.scale = (int32_t)input_u32(in),
		.transform = (enum wl_output_transform)input_range(in, 0, 9),
	};
	read_viewport(in, &st.viewport);
	pixman_region32_t sd, bd, out;
	pixman_region32_init(&sd);
	pixman_region32_init(&bd);
	pixman_region32_init(&out);
	read_damage(in, &sd, false);
	read_damage(in, &bd, false);
	damage_to_buffer(&out, &st, input_u8(in) & 1 ? &sd : NULL,
			 input_u8(in) & 1 ? &bd : NULL);
	if (st.buffer_width > 0 && st.buffer_height > 0) {
		check_inside(&out, st.buffer_width, st.buffer_height, "damage");
		damage_align_to_blocks(&out, input_range(in, 0, 3), st.buffer_width);
		check_inside(&out, st.buffer_width, st.buffer_height, "aligned damage");
	}
	pixman_region32_fini(&sd);
	pixman_region32_fini(&bd);
	pixman_region32_fini(&out);
}

/* ---- the commit path ---------------------------------------------------- */

struct host_buf {
	uint8_t *data; /* exactly stride * height */
	struct ring_geometry geo;
};

struct world {
	struct buffer_ring ring;
	struct host_buf bufs[RING_MAX_BUFFERS];
	/* The client's picture for the current geometry. */
	uint8_t *pool;    /* exactly offset + stride * height */
	uint8_t *pixels;  /* pool + offset */
	int32_t width, height, stride;
	uint32_t format;
	unsigned bpp;
	/* The picture of the last commit, rows packed: the surface content
	 * the ring's buffers stand for. */
	uint8_t *shown;
	int32_t shown_width, shown_height;
	uint32_t shown_format;
};

static void
destroy_buffer(void *data, unsigned index)
{
	struct world *w = data;
	FUZZ_CHECK(w->bufs[index].data, "ring destroys slot %u never allocated",
		   index);
	free(w->bufs[index].data);
	w->bufs[index].data = NULL;
}

static int32_t
host_stride(int32_t width, unsigned bpp)
{
	return (int32_t)(((int64_t)width * bpp + 3) & ~(int64_t)3);
}

/* The client draws a new value into the pixels of each damaged rectangle
 * (clipped to the buffer: the oracle's own clipping, not damage.c's). */
static void
client_draw(struct world *w, const pixman_region32_t *buffer_damage,
	    uint8_t value)
{
	int n;
	const pixman_box32_t *r = pixman_region32_rectangles(buffer_damage, &n);
	for (int i = 0; i < n; i++) {
		int64_t x1 = r[i].x1 < 0 ? 0 : r[i].x1;
		int64_t y1 = r[i].y1 < 0 ? 0 : r[i].y1;
		int64_t x2 = r[i].x2 > w->width ? w->width : r[i].x2;
		int64_t y2 = r[i].y2 > w->height ? w->height : r[i].y2;
		for (int64_t y = y1; y < y2; y++) {
			for (int64_t x = x1; x < x2; x++)
				memset(w->pixels + y * w->stride + x * w->bpp,
				       value + (int)x, w->bpp);
		}
	}
}

/* A new client buffer; false for a format or size the proxy refuses
 * (shm.c: unknown bytes per pixel, or a row not fitting its stride). */
static bool
new_client_buffer(struct world *w, struct input *in)
{
	uint32_t format = pick_format(in);
	unsigned bpp = shm_format_bytes_per_pixel(format);
	int32_t width = (int32_t)input_range(in, 1, 260);
	int32_t height = (int32_t)input_range(in, 1, 130);
	int32_t stride = width * (int32_t)bpp + (int32_t)input_range(in, 0, 40);
	int32_t offset = (int32_t)input_range(in, 0, 17);
	if (bpp == 0)
		return false;
	size_t size = (size_t)offset + (size_t)stride * (size_t)height;
	uint8_t *pool = malloc(size);
	for (size_t i = 0; i < size; i++)
		pool[i] = (uint8_t)(i * 7);
	/* Same geometry as the last commit: the ring takes it for the same
	 * surface content, so the client draws the same picture into its
	 * new buffer (damage is relative to what the surface shows). */
	if (w->shown && width == w->shown_width && height == w->shown_height &&
	    format == w->shown_format) {
		for (int32_t y = 0; y < height; y++)
			memcpy(pool + offset + (size_t)y * (size_t)stride,
			       w->shown + (size_t)y * (size_t)width * bpp,
			       (size_t)width * bpp);
	}
	free(w->pool);
	w->pool = pool;
	w->pixels = w->pool + offset;
	w->width = width;
	w->height = height;
	w->stride = stride;
	w->format = format;
	w->bpp = bpp;
	return true;
}

static void
commit(struct world *w, struct input *in)
{
	struct damage_state st = {
		.buffer_width = w->width,
		.buffer_height = w->height,
		.scale = (int32_t)input_range(in, 1, 4),
		.transform = (enum wl_output_transform)input_range(in, 0, 7),
	};
	if (input_u8(in) & 1)
		read_viewport(in, &st.viewport);
	pixman_region32_t sd, bd, damage, copy;
	pixman_region32_init(&sd);
	pixman_region32_init(&bd);
	pixman_region32_init(&damage);
	pixman_region32_init(&copy);
	read_damage(in, &sd, true);
	read_damage(in, &bd, true);
	if (ring_is_full(&w->ring))
		goto out; /* the proxy parks such a commit: nothing drawn yet */
	client_draw(w, &bd, input_u8(in));

	/* surface.c's buffer_damage and choose_host_buffer */
	damage_to_buffer(&damage, &st, &sd, &bd);
	check_inside(&damage, w->width, w->height, "damage");
	unsigned block = shm_format_block_width(w->format);
	if (block > 1)
		damage_align_to_blocks(&damage, block, w->width);
	check_inside(&damage, w->width, w->height, "aligned damage");
	struct ring_geometry geo = {
		.width = w->width, .height = w->height,
		.stride = host_stride(w->width, w->bpp), .format = w->format,
	};
	unsigned index;
	enum ring_commit_status status =
		ring_commit(&w->ring, &geo, &damage, &index, &copy);
	FUZZ_CHECK(status == RING_WRITE || status == RING_ALLOCATE,
		   "ring_commit %d on a valid geometry with a slot free", status);
	FUZZ_CHECK(index < w->ring.capacity, "slot %u of %u", index,
		   w->ring.capacity);
	struct host_buf *hb = &w->bufs[index];
	if (status == RING_ALLOCATE) {
		FUZZ_CHECK(!hb->data, "ring allocates slot %u twice", index);
		hb->data = malloc((size_t)geo.stride * (size_t)geo.height);
		memset(hb->data, 0xa5, (size_t)geo.stride * (size_t)geo.height);
		hb->geo = geo;
	}
	FUZZ_CHECK(hb->data && memcmp(&hb->geo, &geo, sizeof(geo)) == 0,
		   "slot %u written with a stale geometry", index);
	check_inside(&copy, w->width, w->height, "copy");
	if (getenv("FUZZ_TRACE")) {
		fprintf(stderr, "commit %dx%d fmt %#x bpp %u stride %d scale %d "
			"transform %d vp %d/%d -> slot %u %s\n", w->width, w->height,
			w->format, w->bpp, w->stride, st.scale, st.transform,
			st.viewport.has_source, st.viewport.has_destination, index,
			status == RING_ALLOCATE ? "new" : "write");
		int n;
		const pixman_box32_t *r = pixman_region32_rectangles(&bd, &n);
		for (int i = 0; i < n; i++)
			fprintf(stderr, "  bd %d,%d-%d,%d\n", r[i].x1, r[i].y1, r[i].x2, r[i].y2);
		r = pixman_region32_rectangles(&damage, &n);
		for (int i = 0; i < n; i++)
			fprintf(stderr, "  damage %d,%d-%d,%d\n", r[i].x1, r[i].y1, r[i].x2, r[i].y2);
		r = pixman_region32_rectangles(&copy, &n);
		for (int i = 0; i < n; i++)
			fprintf(stderr, "  copy %d,%d-%d,%d\n", r[i].x1, r[i].y1, r[i].x2, r[i].y2);
	}
	copy_region(hb->data, (size_t)geo.stride, w->pixels, (size_t)w->stride,
		    w->bpp, &copy);
	for (int32_t y = 0; y < w->height; y++) {
		const uint8_t *a = hb->data + (size_t)y * (size_t)geo.stride;
		const uint8_t *b = w->pixels + (size_t)y * (size_t)w->stride;
		FUZZ_CHECK(memcmp(a, b, (size_t)w->width * w->bpp) == 0,
			   "host buffer %u row %d differs from the client's after "
			   "the copy", index, y);
	}
	free(w->shown);
	w->shown = malloc((size_t)w->width * w->bpp * (size_t)w->height);
	for (int32_t y = 0; y < w->height; y++)
		memcpy(w->shown + (size_t)y * (size_t)w->width * w->bpp,
		       w->pixels + (size_t)y * (size_t)w->stride,
		       (size_t)w->width * w->bpp);
	w->shown_width = w->width;
	w->shown_height = w->height;
	w->shown_format = w->format;
out:
	pixman_region32_fini(&sd);
	pixman_region32_fini(&bd);
	pixman_region32_fini(&damage);
	pixman_region32_fini(&copy);
}

static void
fuzz_commits(struct input *in)
{
	struct world w = { 0 };
	ring_init(&w.ring, input_range(in, 1, RING_MAX_BUFFERS), destroy_buffer, &w);
	bool have_buffer = false;
	for (int step = 0; step < 64 && !input_done(in); step++) {
		uint8_t op = input_u8(in) % 4;
		if (getenv("FUZZ_TRACE"))
			fprintf(stderr, "op %u\n", op);
		if (op == 0 || !have_buffer) {
			if (new_client_buffer(&w, in))
				have_buffer = true;
		} else if (op == 1) {
			/* wl_buffer.release, possibly bogus (a hostile host) */
			ring_release(&w.ring, input_range(in, 0, RING_MAX_BUFFERS + 1));
		} else {
			commit(&w, in);
		}
	}
	ring_finish(&w.ring);
	for (unsigned i = 0; i < RING_MAX_BUFFERS; i++)
		FUZZ_CHECK(!w.bufs[i].data, "slot %u left allocated by ring_finish", i);
	free(w.pool);
	free(w.shown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in;
	input_init(&in, data, size);
	if (input_u8(&in) & 1)
		fuzz_damage(&in);
	else
		fuzz_commits(&in);
	return 0;
}
