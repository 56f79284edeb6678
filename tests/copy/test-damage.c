/*
 * damage_to_buffer: surface damage to buffer pixels.
 *
 * The transforms are checked two ways: hand-computed rectangles, and an
 * image oracle that builds the buffer the way wayland.xml describes it
 * (scale up, flip around the vertical axis, rotate counter-clockwise) and
 * reads off which buffer pixels show damaged surface pixels.  The oracle
 * shares no code or formula with damage.c.
 */
#include <stdint.h>
#include <stdlib.h>

#include "damage.h"
#include "testlib.h"

static struct damage_state
plain_state(int32_t w, int32_t h, int32_t scale,
	    enum wl_output_transform transform)
{
	return (struct damage_state){
		.buffer_width = w,
		.buffer_height = h,
		.scale = scale,
		.transform = transform,
	};
}

static void
set_source(struct damage_state *s, double x, double y, double w, double h)
{
	s->viewport.has_source = true;
	s->viewport.src_x = x;
	s->viewport.src_y = y;
	s->viewport.src_width = w;
	s->viewport.src_height = h;
}

static void
set_destination(struct damage_state *s, int32_t w, int32_t h)
{
	s->viewport.has_destination = true;
	s->viewport.dst_width = w;
	s->viewport.dst_height = h;
}

/* Surface damage of one rectangle, mapped; result in out. */
static bool
map_rect(pixman_region32_t *out, const struct damage_state *s, int32_t x,
	 int32_t y, int32_t w, int32_t h)
{
	pixman_region32_t surface;
	bool ok;

	pixman_region32_init(&surface);
	damage_add_request(&surface, x, y, w, h);
	ok = damage_to_buffer(out, s, &surface, NULL);
	pixman_region32_fini(&surface);
	return ok;
}

#define CHECK_MAPS_TO(state, x, y, w, h, ex1, ey1, ex2, ey2)                 \
	do {                                                                 \
		pixman_region32_t out_;                                      \
		pixman_region32_init(&out_);                                 \
		CHECK(map_rect(&out_, (state), (x), (y), (w), (h)));         \
		CHECK_REGION_BOX(&out_, ex1, ey1, ex2, ey2);                 \
		pixman_region32_fini(&out_);                                 \
	} while (0)

#define CHECK_MAPS_TO_NOTHING(state, x, y, w, h)                             \
	do {                                                                 \
		pixman_region32_t out_;                                      \
		pixman_region32_init(&out_);                                 \
		CHECK(map_rect(&out_, (state), (x), (y), (w), (h)));         \
		CHECK_REGION_EMPTY(&out_);                                   \
		pixman_region32_fini(&out_);                                 \
	} while (0)

static void
test_identity(void)
{
	struct damage_state s = plain_state(40, 20, 1, WL_OUTPUT_TRANSFORM_NORMAL);

	CHECK_MAPS_TO(&s, 1, 2, 3, 4, 1, 2, 4, 6);
	CHECK_MAPS_TO(&s, 0, 0, 40, 20, 0, 0, 40, 20);
}

/*
 * Buffer 40x20, scale 1; surface damage x [2,5) y [3,10).  Even transforms
 * keep the surface 40x20, odd ones make it 20x40.  Each expectation follows
 * from wayland.xml: the buffer is the surface flipped (flipped_*), then
 * rotated counter-clockwise; e.g. for 90 the surface's top-right corner
 * lands at the buffer's top-left.
 */
static void
test_transforms_by_hand(void)
{
	static const struct {
		enum wl_output_transform t;
		int32_t x1, y1, x2, y2;
	} cases[] = {
		{ WL_OUTPUT_TRANSFORM_NORMAL, 2, 3, 5, 10 },
		{ WL_OUTPUT_TRANSFORM_FLIPPED, 35, 3, 38, 10 },
		{ WL_OUTPUT_TRANSFORM_180, 35, 10, 38, 17 },
		{ WL_OUTPUT_TRANSFORM_FLIPPED_180, 2, 10, 5, 17 },
		{ WL_OUTPUT_TRANSFORM_90, 3, 15, 10, 18 },
		{ WL_OUTPUT_TRANSFORM_FLIPPED_90, 3, 2, 10, 5 },
		{ WL_OUTPUT_TRANSFORM_270, 30, 2, 37, 5 },
		{ WL_OUTPUT_TRANSFORM_FLIPPED_270, 30, 15, 37, 18 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct damage_state s = plain_state(40, 20, 1, cases[i].t);
		CHECK_MAPS_TO(&s, 2, 3, 3, 7, cases[i].x1, cases[i].y1,
			      cases[i].x2, cases[i].y2);

		/* Scale 2: same surface, buffer twice the size. */
		s = plain_state(80, 40, 2, cases[i].t);
		CHECK_MAPS_TO(&s, 2, 3, 3, 7, 2 * cases[i].x1, 2 * cases[i].y1,
			      2 * cases[i].x2, 2 * cases[i].y2);
	}
}

/* The image oracle. */

struct image {
	int w, h;
	int *px;
};

static struct image
image_new(int w, int h)
{
	struct image img = { w, h, calloc((size_t)w * h, sizeof(int)) };

	if (!img.px)
		abort();
	return img;
}

static int *
image_at(const struct image *img, int x, int y)
{
	return &img->px[y * img->w + x];
}

/* What the client draws before transforming: the surface at buffer
 * resolution, each pixel holding the index of the surface pixel it is. */
static struct image
surface_ids(int sw, int sh, int scale)
{
	struct image img = image_new(sw * scale, sh * scale);

	for (int y = 0; y < img.h; y++)
		for (int x = 0; x < img.w; x++)
			*image_at(&img, x, y) = (y / scale) * sw + x / scale;
	return img;
}

/* "flip around a vertical axis" */
static struct image
image_flip(struct image in)
{
	struct image out = image_new(in.w, in.h);

	for (int y = 0; y < in.h; y++)
		for (int x = 0; x < in.w; x++)
			*image_at(&out, x, y) = *image_at(&in, in.w - 1 - x, y);
	free(in.px);
	return out;
}

/* 90 degrees counter-clockwise: the top-right corner moves to the
 * top-left, the top-left corner to the bottom-left. */
static struct image
image_rotate_ccw(struct image in)
{
	struct image out = image_new(in.h, in.w);

	for (int y = 0; y < out.h; y++)
		for (int x = 0; x < out.w; x++)
			*image_at(&out, x, y) = *image_at(&in, in.w - 1 - y, x);
	free(in.px);
	return out;
}

static struct image
client_buffer(int sw, int sh, int scale, enum wl_output_transform t)
{
	struct image img = surface_ids(sw, sh, scale);

	if (t >= WL_OUTPUT_TRANSFORM_FLIPPED)
		img = image_flip(img);
	for (int i = 0; i < (int)(t & 3); i++)
		img = image_rotate_ccw(img);
	return img;
}

/* Buffer pixels showing a surface pixel inside damage. */
static void
oracle_damage(pixman_region32_t *out, const struct image *buffer, int sw,
	      const pixman_region32_t *damage)
{
	pixman_region32_clear(out);
	for (int y = 0; y < buffer->h; y++) {
		for (int x = 0; x < buffer->w; x++) {
			int id = *image_at(buffer, x, y);
			if (pixman_region32_contains_point(damage, id % sw,
							   id / sw, NULL))
				pixman_region32_union_rect(out, out, x, y, 1, 1);
		}
	}
}

static void
random_damage(pixman_region32_t *damage, int sw, int sh, unsigned *seed)
{
	int rects = 1 + (int)(test_rand(seed) % 3);

	pixman_region32_clear(damage);
	for (int i = 0; i < rects; i++) {
		/* Starting up to 3 outside and reaching up to 4 past the
		 * far edge, so that clipping is exercised too. */
		int32_t x = (int32_t)(test_rand(seed) % (sw + 6)) - 3;
		int32_t y = (int32_t)(test_rand(seed) % (sh + 6)) - 3;
		int32_t w = (int32_t)(test_rand(seed) % (sw + 4));
		int32_t h = (int32_t)(test_rand(seed) % (sh + 4));
		damage_add_request(damage, x, y, w, h);
	}
}

static void
check_against_oracle(int sw, int sh, int scale, enum wl_output_transform t,
		     unsigned *seed)
{
	struct image buffer = client_buffer(sw, sh, scale, t);
	struct damage_state s = plain_state(buffer.w, buffer.h, scale, t);
	pixman_region32_t damage, actual, expected;

	pixman_region32_init(&damage);
	pixman_region32_init(&actual);
	pixman_region32_init(&expected);
	for (int round = 0; round < 200; round++) {
		random_damage(&damage, sw, sh, seed);
		CHECK(damage_to_buffer(&actual, &s, &damage, NULL));
		oracle_damage(&expected, &buffer, sw, &damage);
		if (!region_same_pixels(&actual, &expected)) {
			fprintf(stderr, "transform %d scale %d:\n", t, scale);
			region_print("surface damage", &damage);
		}
		CHECK_REGION(&actual, &expected);
	}
	pixman_region32_fini(&damage);
	pixman_region32_fini(&actual);
	pixman_region32_fini(&expected);
	free(buffer.px);
}

static void
test_all_transforms_and_scales_against_oracle(void)
{
	unsigned seed = 1;

	for (int t = 0; t <= WL_OUTPUT_TRANSFORM_FLIPPED_270; t++)
		for (int scale = 1; scale <= 3; scale++)
			check_against_oracle(7, 5, scale,
					     (enum wl_output_transform)t, &seed);
}

/* Viewports.  Expected values worked out by hand in the comments. */

static void
test_viewport_fractional_source(void)
{
	struct damage_state s = plain_state(100, 100, 1,
					    WL_OUTPUT_TRANSFORM_NORMAL);
	set_source(&s, 10.5, 20.25, 50, 40); /* surface 50x40 */

	/* x [10.5, 11.5) y [20.25, 21.25) -> outward */
	CHECK_MAPS_TO(&s, 0, 0, 1, 1, 10, 20, 12, 22);
	/* Clipped to the 50x40 surface first: x [59.5, 60.5) y [59.25,
	 * 60.25), not the 5x5 the request names. */
	CHECK_MAPS_TO(&s, 49, 39, 5, 5, 59, 59, 61, 61);
}

static void
test_viewport_downscale(void)
{
	struct damage_state s = plain_state(100, 100, 1,
					    WL_OUTPUT_TRANSFORM_NORMAL);
	set_source(&s, 10.5, 20.25, 50, 40);
	set_destination(&s, 25, 20); /* half size */

	/* x 10.5 + [2,3)*2 = [14.5, 16.5), y 20.25 + [2,3)*2 */
	CHECK_MAPS_TO(&s, 2, 2, 1, 1, 14, 24, 17, 27);
}

static void
test_viewport_upscale(void)
{
	struct damage_state s = plain_state(10, 10, 1,
					    WL_OUTPUT_TRANSFORM_NORMAL);
	set_source(&s, 0, 0, 10, 10);
	set_destination(&s, 100, 100); /* ten times */

	CHECK_MAPS_TO(&s, 15, 15, 10, 10, 1, 1, 3, 3); /* [1.5, 2.5) */
	CHECK_MAPS_TO(&s, 20, 20, 10, 10, 2, 2, 3, 3); /* exactly [2, 3) */
	CHECK_MAPS_TO(&s, 20, 20, 1, 1, 2, 2, 3, 3);   /* [2, 2.1) */
}

/* Factors no double holds exactly: 58/14 across, 30/22 down.  Surface
 * (7, 11) is exactly buffer (29, 15) and must not round out to 30 or 14,
 * which s * (58.0 / 14) = 29.000000000000004 and s * (30.0 / 22) =
 * 14.999999999999998 would. */
static void
test_viewport_inexact_factor_stays_exact_at_whole_results(void)
{
	struct damage_state s = plain_state(64, 64, 1,
					    WL_OUTPUT_TRANSFORM_NORMAL);
	set_source(&s, 0, 0, 58, 30);
	set_destination(&s, 14, 22);

	CHECK_MAPS_TO(&s, 0, 0, 7, 11, 0, 0, 29, 15);
	/* x [29, 33.14) y [15, 16.36) */
	CHECK_MAPS_TO(&s, 7, 11, 1, 1, 29, 15, 34, 17);
}

static void
test_viewport_destination_only(void)
{
	struct damage_state s = plain_state(100, 50, 1,
					    WL_OUTPUT_TRANSFORM_NORMAL);
	set_destination(&s, 200, 100); /* whole buffer, half resolution */

	CHECK_MAPS_TO(&s, 10, 10, 3, 3, 5, 5, 7, 7); /* [5, 6.5) */
}

static void
test_viewport_fractional_source_with_scale(void)
{
	struct damage_state s = plain_state(40, 40, 2,
					    WL_OUTPUT_TRANSFORM_NORMAL);
	set_source(&s, 0.5, 0.5, 10, 10);

	/* Source [0.5, 1.5) at scale 2 is exactly buffer [1, 3): no extra
	 * pixel from rounding. */
	CHECK_MAPS_TO(&s, 0, 0, 1, 1, 1, 1, 3, 3);
}

static void
test_viewport_with_transform_90_and_scale_2(void)
{
	/* Transformed buffer 100x200, viewport-source space 50x100. */
	struct damage_state s = plain_state(200, 100, 2,
					    WL_OUTPUT_TRANSFORM_90);
	set_source(&s, 10, 20, 20.5, 30);
	set_destination(&s, 41, 60); /* half of the source, per axis */

	/* Source x 10 + [4,6)/2 = [12, 13), y 20 + [6,8)/2 = [23, 24);
	 * times 2: x [24, 26), y [46, 48); undo 90 (bx = y, by = 100 - x). */
	CHECK_MAPS_TO(&s, 4, 6, 2, 2, 46, 74, 48, 76);
}

static void
test_viewport_with_flip(void)
{
	struct damage_state s = plain_state(64, 32, 1,
					    WL_OUTPUT_TRANSFORM_FLIPPED);
	set_source(&s, 3.25, 1.75, 8.5, 4.5);
	set_destination(&s, 17, 9);

	/* x 3.25 + [2,4)/2 = [4.25, 5.25), mirrored: [58.75, 59.75);
	 * y 1.75 + [2,4)/2 = [2.75, 3.75). */
	CHECK_MAPS_TO(&s, 2, 2, 2, 2, 58, 2, 60, 4);
}

static void
test_viewport_with_transform_270_and_scale_3(void)
{
	/* Transformed buffer 60x30. */
	struct damage_state s = plain_state(30, 60, 3,
					    WL_OUTPUT_TRANSFORM_270);
	set_source(&s, 1, 2, 9, 6);
	set_destination(&s, 27, 18); /* 1 surface unit = 1 buffer pixel */

	/* x 3 + [3,6) = [6, 9), y 6 + [3,6) = [9, 12); undo 270
	 * (bx = 30 - y, by = x). */
	CHECK_MAPS_TO(&s, 3, 3, 3, 3, 18, 6, 21, 9);
}

/* Clipping and the wire's extreme values. */

static void
test_damage_outside_buffer_is_clipped(void)
{
	struct damage_state s = plain_state(50, 40, 1,
					    WL_OUTPUT_TRANSFORM_NORMAL);

	CHECK_MAPS_TO(&s, -10, -10, 1000, 1000, 0, 0, 50, 40);
	CHECK_MAPS_TO(&s, 45, 35, 10, 10, 45, 35, 50, 40);
	CHECK_MAPS_TO_NOTHING(&s, 500, 500, 10, 10);
	CHECK_MAPS_TO_NOTHING(&s, -20, 0, 20, 10); /* ends at x 0 */
	CHECK_MAPS_TO(&s, 0, 0, INT32_MAX, INT32_MAX, 0, 0, 50, 40);
	CHECK_MAPS_TO_NOTHING(&s, INT32_MIN, INT32_MIN, INT32_MAX, INT32_MAX);
	CHECK_MAPS_TO_NOTHING(&s, INT32_MAX - 5, 0, 100, 10);

	/* Rotated and scaled, the surface edge is a buffer edge too. */
	s = plain_state(60, 30, 3, WL_OUTPUT_TRANSFORM_90); /* surface 10x20 */
	CHECK_MAPS_TO(&s, 8, 18, 100, 100, 54, 0, 60, 6);
	CHECK_MAPS_TO(&s, 0, 0, INT32_MAX, INT32_MAX, 0, 0, 60, 30);

	/* A viewport blowing the buffer up a thousandfold: clipped to the
	 * 10000x10000 surface; (0,0 5x5) is x [0, 0.015) y [0, 0.03) in the
	 * transformed buffer, so after 90 bx [0, 0.03) by [29.985, 30). */
	set_destination(&s, 10000, 10000);
	CHECK_MAPS_TO(&s, 0, 0, INT32_MAX, INT32_MAX, 0, 0, 60, 30);
	CHECK_MAPS_TO(&s, -5, -5, 10, 10, 0, 29, 1, 30);
}

static void
test_viewport_source_outside_buffer_is_clipped(void)
{
	/* The protocol error out_of_buffer is the relay's to raise; the
	 * copy must still never reach past the buffer. */
	struct damage_state s = plain_state(20, 20, 1,
					    WL_OUTPUT_TRANSFORM_NORMAL);
	set_source(&s, 15, 15, 10, 10);

	CHECK_MAPS_TO(&s, 0, 0, 10, 10, 15, 15, 20, 20);
}

static void
test_buffer_damage_is_united_and_clipped(void)
{
	struct damage_state s = plain_state(50, 40, 2,
					    WL_OUTPUT_TRANSFORM_180);
	pixman_region32_t surface, buffer, out, expected;

	pixman_region32_init(&surface);
	pixman_region32_init(&buffer);
	pixman_region32_init(&out);
	pixman_region32_init(&expected);

	/* Buffer damage is already in buffer pixels: no transform, no
	 * scale, only the clip. */
	damage_add_request(&buffer, -5, -5, 10, 10);
	damage_add_request(&buffer, 45, 30, 100, 5);
	damage_add_request(&buffer, 100, 100, 5, 5);
	CHECK(damage_to_buffer(&out, &s, NULL, &buffer));
	pixman_region32_union_rect(&expected, &expected, 0, 0, 5, 5);
	pixman_region32_union_rect(&expected, &expected, 45, 30, 5, 5);
	CHECK_REGION(&out, &expected);

	/* Plus surface damage (0,0 1x1) -> 180 at scale 2 -> [48,50)x[38,40). */
	damage_add_request(&surface, 0, 0, 1, 1);
	CHECK(damage_to_buffer(&out, &s, &surface, &buffer));
	pixman_region32_union_rect(&expected, &expected, 48, 38, 2, 2);
	CHECK_REGION(&out, &expected);

	/* Previous contents of out are replaced, not added to. */
	pixman_region32_clear(&buffer);
	CHECK(damage_to_buffer(&out, &s, NULL, &buffer));
	CHECK_REGION_EMPTY(&out);

	pixman_region32_fini(&surface);
	pixman_region32_fini(&buffer);
	pixman_region32_fini(&out);
	pixman_region32_fini(&expected);
}

static void
test_invalid_state_means_whole_buffer(void)
{
	struct damage_state bad[6];
	pixman_region32_t out;

	bad[0] = plain_state(30, 20, 0, WL_OUTPUT_TRANSFORM_NORMAL);
	bad[1] = plain_state(30, 20, 1, (enum wl_output_transform)8);
	bad[2] = plain_state(30, 20, 1, (enum wl_output_transform)-1);
	bad[3] = plain_state(30, 20, 1, WL_OUTPUT_TRANSFORM_NORMAL);
	set_source(&bad[3], 0, 0, 0, 5);
	bad[4] = plain_state(30, 20, 1, WL_OUTPUT_TRANSFORM_NORMAL);
	set_destination(&bad[4], -1, 5);
	bad[5] = plain_state(30, 20, 1, WL_OUTPUT_TRANSFORM_NORMAL);
	set_source(&bad[5], -1, 0, 5, 5);

	pixman_region32_init(&out);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(!map_rect(&out, &bad[i], 1, 1, 1, 1));
		CHECK_REGION_BOX(&out, 0, 0, 30, 20);
	}

	struct damage_state empty = plain_state(0, 20, 1,
						WL_OUTPUT_TRANSFORM_NORMAL);
	CHECK(!map_rect(&out, &empty, 1, 1, 1, 1));
	CHECK_REGION_EMPTY(&out);
	pixman_region32_fini(&out);
}

static void
test_add_request(void)
{
	pixman_region32_t r;

	pixman_region32_init(&r);
	damage_add_request(&r, 5, 5, 0, 10);
	damage_add_request(&r, 5, 5, 10, -1);
	CHECK_REGION_EMPTY(&r);

	damage_add_request(&r, 10, 20, INT32_MAX, INT32_MAX);
	CHECK_REGION_BOX(&r, 10, 20, INT32_MAX, INT32_MAX);
	pixman_region32_fini(&r);
}

static void
test_align_to_blocks(void)
{
	pixman_region32_t r, expected;

	pixman_region32_init(&r);
	pixman_region32_init(&expected);
	pixman_region32_union_rect(&r, &r, 3, 0, 2, 2);  /* [3,5) */
	pixman_region32_union_rect(&r, &r, 8, 4, 1, 1);  /* [8,9) */
	pixman_region32_union_rect(&r, &r, 4, 6, 2, 1);  /* already aligned */

	damage_align_to_blocks(&r, 1, 9);
	pixman_region32_union_rect(&expected, &expected, 3, 0, 2, 2);
	pixman_region32_union_rect(&expected, &expected, 8, 4, 1, 1);
	pixman_region32_union_rect(&expected, &expected, 4, 6, 2, 1);
	CHECK_REGION(&r, &expected);

	damage_align_to_blocks(&r, 2, 9);
	pixman_region32_clear(&expected);
	pixman_region32_union_rect(&expected, &expected, 2, 0, 4, 2);
	pixman_region32_union_rect(&expected, &expected, 8, 4, 1, 1); /* clip */
	pixman_region32_union_rect(&expected, &expected, 4, 6, 2, 1);
	CHECK_REGION(&r, &expected);

	pixman_region32_fini(&r);
	pixman_region32_fini(&expected);
}

int
main(void)
{
	test_identity();
	test_transforms_by_hand();
	test_all_transforms_and_scales_against_oracle();
	test_viewport_fractional_source();
	test_viewport_downscale();
	test_viewport_upscale();
	test_viewport_inexact_factor_stays_exact_at_whole_results();
	test_viewport_destination_only();
	test_viewport_fractional_source_with_scale();
	test_viewport_with_transform_90_and_scale_2();
	test_viewport_with_flip();
	test_viewport_with_transform_270_and_scale_3();
	test_damage_outside_buffer_is_clipped();
	test_viewport_source_outside_buffer_is_clipped();
	test_buffer_damage_is_united_and_clipped();
	test_invalid_state_means_whole_buffer();
	test_add_request();
	test_align_to_blocks();
	TEST_EXIT();
}
