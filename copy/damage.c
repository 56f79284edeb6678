/*
 * Surface damage to buffer pixels.  The coordinate spaces, from the
 * client's point of view outward:
 *
 *   buffer pixels       what the client drew into the wl_buffer
 *   transformed buffer  the buffer after buffer_transform is undone, still
 *                       in buffer pixels (width and height swap for 90/270)
 *   viewport source     transformed buffer / buffer_scale; wp_viewport's
 *                       source rectangle lives here
 *   surface             viewport source cropped and scaled to the
 *                       viewport destination size
 *
 * Damage travels inward.  Every map is axis-aligned, so a rectangle stays
 * a rectangle and mapping its two corners is enough.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "damage.h"

/* [x1, x2) x [y1, y2), fractional. */
struct frect {
	double x1, y1, x2, y2;
};

static bool
transform_swaps_axes(enum wl_output_transform transform)
{
	/* 90, 270, flipped_90 and flipped_270 are the odd values. */
	return transform & 1;
}

static bool
viewport_is_valid(const struct damage_viewport *vp)
{
	/* viewporter.xml: width/height must be positive, x/y not negative.
	 * Written so that NaN fails too. */
	if (vp->has_source &&
	    !(isfinite(vp->src_x) && isfinite(vp->src_y) &&
	      isfinite(vp->src_width) && isfinite(vp->src_height) &&
	      vp->src_x >= 0 && vp->src_y >= 0 &&
	      vp->src_width > 0 && vp->src_height > 0))
		return false;
	if (vp->has_destination && (vp->dst_width <= 0 || vp->dst_height <= 0))
		return false;
	return true;
}

static bool
state_is_valid(const struct damage_state *state)
{
	return state->buffer_width > 0 && state->buffer_height > 0 &&
	       state->scale >= 1 &&
	       (unsigned)state->transform <= WL_OUTPUT_TRANSFORM_FLIPPED_270 &&
	       viewport_is_valid(&state->viewport);
}

/* Size of the transformed buffer, in buffer pixels. */
static void
transformed_buffer_size(const struct damage_state *state, double *w, double *h)
{
	if (transform_swaps_axes(state->transform)) {
		*w = state->buffer_height;
		*h = state->buffer_width;
	} else {
		*w = state->buffer_width;
		*h = state->buffer_height;
	}
}

/*
 * The viewport source rectangle, multiplied by buffer_scale so that it is
 * in transformed-buffer pixels.  Unset means the whole buffer.  Folding
 * the scale in here keeps every later step in one space, and keeps the
 * common cases exact: wl_fixed values times a small integer are exact in
 * a double, so is the unset case.
 */
static struct frect
source_in_transformed_buffer(const struct damage_state *state)
{
	const struct damage_viewport *vp = &state->viewport;
	struct frect src = { 0, 0, 0, 0 };

	if (!vp->has_source) {
		transformed_buffer_size(state, &src.x2, &src.y2);
		return src;
	}
	src.x1 = vp->src_x * state->scale;
	src.y1 = vp->src_y * state->scale;
	src.x2 = (vp->src_x + vp->src_width) * state->scale;
	src.y2 = (vp->src_y + vp->src_height) * state->scale;
	return src;
}

/*
 * Maps a surface coordinate to transformed-buffer pixels along one axis:
 * scale by source/destination (the viewport crops src and stretches it to
 * dst), times buffer_scale, plus the source offset.  Without a destination
 * the surface is the source size, so the factor is buffer_scale alone.
 * Multiply before dividing: when the exact result is whole, one rounding
 * step returns it exactly and rounding outward adds no pixel.
 */
static double
surface_to_transformed(double s, double src_origin, double src_size,
		       bool has_destination, int32_t dst_size, int32_t scale)
{
	if (has_destination)
		return src_origin + (s * src_size) / dst_size;
	return src_origin + s * scale;
}

/*
 * Undoes buffer_transform for one point.  wayland.xml: the buffer holds
 * the image flipped around the vertical axis (flipped_* only), then
 * rotated counter-clockwise by the named angle; these are the inverse
 * maps, the same as weston's weston_transformed_coord().  tw/th: the
 * transformed buffer size.
 */
static void
untransform_point(enum wl_output_transform transform, double tw, double th,
		  double x, double y, double *bx, double *by)
{
	switch (transform) {
	case WL_OUTPUT_TRANSFORM_NORMAL:
	default:
		*bx = x;
		*by = y;
		break;
	case WL_OUTPUT_TRANSFORM_90:
		*bx = y;
		*by = tw - x;
		break;
	case WL_OUTPUT_TRANSFORM_180:
		*bx = tw - x;
		*by = th - y;
		break;
	case WL_OUTPUT_TRANSFORM_270:
		*bx = th - y;
		*by = x;
		break;
	case WL_OUTPUT_TRANSFORM_FLIPPED:
		*bx = tw - x;
		*by = y;
		break;
	case WL_OUTPUT_TRANSFORM_FLIPPED_90:
		*bx = y;
		*by = x;
		break;
	case WL_OUTPUT_TRANSFORM_FLIPPED_180:
		*bx = x;
		*by = th - y;
		break;
	case WL_OUTPUT_TRANSFORM_FLIPPED_270:
		*bx = th - y;
		*by = tw - x;
		break;
	}
}

static struct frect
untransform_rect(enum wl_output_transform transform, double tw, double th,
		 struct frect r)
{
	double ax, ay, bx, by;

	untransform_point(transform, tw, th, r.x1, r.y1, &ax, &ay);
	untransform_point(transform, tw, th, r.x2, r.y2, &bx, &by);
	return (struct frect){ fmin(ax, bx), fmin(ay, by),
			       fmax(ax, bx), fmax(ay, by) };
}

static struct frect
clip_frect(struct frect r, struct frect clip)
{
	return (struct frect){ fmax(r.x1, clip.x1), fmax(r.y1, clip.y1),
			       fmin(r.x2, clip.x2), fmin(r.y2, clip.y2) };
}

static bool
frect_is_empty(struct frect r)
{
	return !(r.x1 < r.x2 && r.y1 < r.y2);
}

/*
 * One surface-damage box to a buffer box, or false if nothing of it falls
 * inside the visible part of the buffer.  Clipping to the source rectangle
 * is clipping to the surface (damage outside the surface is ignored,
 * wl_surface.damage), and it happens before any double becomes an int.
 */
static bool
surface_box_to_buffer(const struct damage_state *state, struct frect src,
		      const pixman_box32_t *box, pixman_box32_t *out)
{
	const struct damage_viewport *vp = &state->viewport;
	double tw, th;
	struct frect r;

	r.x1 = surface_to_transformed(box->x1, src.x1, src.x2 - src.x1,
				      vp->has_destination, vp->dst_width,
				      state->scale);
	r.x2 = surface_to_transformed(box->x2, src.x1, src.x2 - src.x1,
				      vp->has_destination, vp->dst_width,
				      state->scale);
	r.y1 = surface_to_transformed(box->y1, src.y1, src.y2 - src.y1,
				      vp->has_destination, vp->dst_height,
				      state->scale);
	r.y2 = surface_to_transformed(box->y2, src.y1, src.y2 - src.y1,
				      vp->has_destination, vp->dst_height,
				      state->scale);
	r = clip_frect(r, src);
	if (frect_is_empty(r))
		return false;

	transformed_buffer_size(state, &tw, &th);
	r = untransform_rect(state->transform, tw, th, r);
	r = clip_frect(r, (struct frect){ 0, 0, state->buffer_width,
					  state->buffer_height });
	if (frect_is_empty(r))
		return false;

	out->x1 = (int32_t)floor(r.x1);
	out->y1 = (int32_t)floor(r.y1);
	out->x2 = (int32_t)ceil(r.x2);
	out->y2 = (int32_t)ceil(r.y2);
	return true;
}

static void
set_whole_buffer(pixman_region32_t *out, const struct damage_state *state)
{
	pixman_region32_fini(out);
	pixman_region32_init_rect(out, 0, 0,
				  state->buffer_width > 0 ? state->buffer_width : 0,
				  state->buffer_height > 0 ? state->buffer_height : 0);
}

/* Builds the region in one pixman call: uniting box by box is quadratic
 * in the number of boxes. */
static bool
add_surface_damage(pixman_region32_t *out, const struct damage_state *state,
		   const pixman_region32_t *surface_damage)
{
	const pixman_box32_t *boxes;
	pixman_box32_t *mapped;
	pixman_region32_t region;
	int n, count = 0;

	boxes = pixman_region32_rectangles(surface_damage, &n);
	if (n == 0)
		return true;
	mapped = calloc((size_t)n, sizeof(*mapped));
	if (!mapped)
		return false;

	struct frect src = source_in_transformed_buffer(state);
	for (int i = 0; i < n; i++) {
		if (surface_box_to_buffer(state, src, &boxes[i], &mapped[count]))
			count++;
	}
	bool ok = pixman_region32_init_rects(&region, mapped, count) &&
		  pixman_region32_union(out, out, &region);
	pixman_region32_fini(&region);
	free(mapped);
	return ok;
}

bool
damage_to_buffer(pixman_region32_t *out, const struct damage_state *state,
		 const pixman_region32_t *surface_damage,
		 const pixman_region32_t *buffer_damage)
{
	if (!state_is_valid(state)) {
		set_whole_buffer(out, state);
		return false;
	}

	pixman_region32_clear(out);
	bool ok = !surface_damage ||
		  add_surface_damage(out, state, surface_damage);
	ok = ok && (!buffer_damage ||
		    pixman_region32_union(out, out, buffer_damage));
	ok = ok && pixman_region32_intersect_rect(out, out, 0, 0,
						  state->buffer_width,
						  state->buffer_height);
	if (!ok) {
		/* pixman ran out of memory: copying everything is slow,
		 * never wrong. */
		set_whole_buffer(out, state);
	}
	return true;
}

void
damage_add_request(pixman_region32_t *region, int32_t x, int32_t y,
		   int32_t width, int32_t height)
{
	if (width <= 0 || height <= 0)
		return;

	/* x + width can exceed INT32_MAX; pixman stores x2 in an int32. */
	int64_t x2 = (int64_t)x + width;
	int64_t y2 = (int64_t)y + height;
	if (x2 > INT32_MAX)
		x2 = INT32_MAX;
	if (y2 > INT32_MAX)
		y2 = INT32_MAX;
	pixman_region32_union_rect(region, region, x, y,
				   (unsigned)(x2 - x), (unsigned)(y2 - y));
}

static int32_t
round_down_to(int32_t v, int32_t multiple)
{
	return v - v % multiple;
}

static int32_t
round_up_to(int32_t v, int32_t multiple, int32_t limit)
{
	int64_t up = (int64_t)v + (multiple - v % multiple) % multiple;

	return up < limit ? (int32_t)up : limit;
}

/* The fallback when pixman cannot allocate: whole rows are whole blocks,
 * and a one-box region needs no allocation.  e: the extents from before
 * the failure, which leaves the region empty. */
static void
widen_to_whole_rows(pixman_region32_t *region, pixman_box32_t e,
		    int32_t buffer_width)
{
	pixman_region32_fini(region);
	pixman_region32_init_rect(region, 0, e.y1, (unsigned)buffer_width,
				  (unsigned)(e.y2 - e.y1));
}

void
damage_align_to_blocks(pixman_region32_t *region, unsigned block_width,
		       int32_t buffer_width)
{
	const pixman_box32_t *boxes;
	pixman_box32_t *aligned;
	pixman_region32_t widened;
	int n;

	if (block_width <= 1 || block_width > INT32_MAX)
		return;
	int32_t bw = (int32_t)block_width;

	boxes = pixman_region32_rectangles(region, &n);
	if (n == 0)
		return;
	pixman_box32_t extents = *pixman_region32_extents(region);
	aligned = calloc((size_t)n, sizeof(*aligned));
	if (!aligned) {
		widen_to_whole_rows(region, extents, buffer_width);
		return;
	}
	for (int i = 0; i < n; i++) {
		/* Clipped regions only: x1 >= 0, so % rounds down. */
		aligned[i] = boxes[i];
		aligned[i].x1 = round_down_to(boxes[i].x1, bw);
		aligned[i].x2 = round_up_to(boxes[i].x2, bw, buffer_width);
	}
	bool ok = pixman_region32_init_rects(&widened, aligned, n) &&
		  pixman_region32_union(region, region, &widened);
	pixman_region32_fini(&widened);
	free(aligned);
	if (!ok)
		widen_to_whole_rows(region, extents, buffer_width);
}
