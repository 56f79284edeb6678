/*
 * copy_region: exactly the region's pixels arrive, nothing else is
 * written, and the byte count is the region's area times the pixel size.
 * The expectation is built pixel by pixel with pixman's point test, so it
 * shares nothing with copy.c's row arithmetic.  Mappings are allocated to
 * their exact size (stride * height, what wl_shm guarantees), so ASan
 * catches any read or write past them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "copy.h"
#include "testlib.h"

#define W 37
#define H 23
#define SENTINEL 0xa5

static uint8_t *
mapping(size_t stride, int height)
{
	uint8_t *m = malloc(stride * (size_t)height);

	if (!m)
		abort();
	return m;
}

/* Every byte different from its neighbours and from the sentinel. */
static void
fill_pattern(uint8_t *m, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		uint8_t v = (uint8_t)(i * 7 + i / 251);
		m[i] = v == SENTINEL ? 0 : v;
	}
}

static void
expected_copy(uint8_t *dst, size_t dst_stride, const uint8_t *src,
	      size_t src_stride, unsigned bpp, const pixman_region32_t *region)
{
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			if (pixman_region32_contains_point(region, x, y, NULL))
				memcpy(dst + y * dst_stride + x * bpp,
				       src + y * src_stride + x * bpp, bpp);
}

static size_t
region_area(const pixman_region32_t *region)
{
	int n;
	const pixman_box32_t *b = pixman_region32_rectangles(region, &n);
	size_t area = 0;

	for (int i = 0; i < n; i++)
		area += (size_t)(b[i].x2 - b[i].x1) * (b[i].y2 - b[i].y1);
	return area;
}

static void
check_copy(unsigned bpp, size_t src_stride, size_t dst_stride,
	   const pixman_region32_t *region)
{
	uint8_t *src = mapping(src_stride, H);
	uint8_t *dst = mapping(dst_stride, H);
	uint8_t *want = mapping(dst_stride, H);

	fill_pattern(src, src_stride * H);
	memset(dst, SENTINEL, dst_stride * H);
	memset(want, SENTINEL, dst_stride * H);
	expected_copy(want, dst_stride, src, src_stride, bpp, region);

	size_t copied = copy_region(dst, dst_stride, src, src_stride, bpp,
				    region);
	CHECK_EQ(copied, region_area(region) * bpp);
	if (memcmp(dst, want, dst_stride * H) != 0) {
		fprintf(stderr, "bpp %u strides %zu/%zu:\n", bpp, src_stride,
			dst_stride);
		region_print("region", region);
		CHECK(!"destination differs from expected");
	}
	free(src);
	free(dst);
	free(want);
}

static void
make_scattered_region(pixman_region32_t *r)
{
	pixman_region32_clear(r);
	pixman_region32_union_rect(r, r, 0, 0, 1, 1);         /* corner */
	pixman_region32_union_rect(r, r, W - 1, H - 1, 1, 1); /* corner */
	pixman_region32_union_rect(r, r, 3, 2, 10, 5);
	pixman_region32_union_rect(r, r, 8, 4, 20, 9); /* overlaps */
	pixman_region32_union_rect(r, r, 30, 0, 7, H); /* right edge */
	pixman_region32_union_rect(r, r, 0, 15, W, 2); /* full rows */
}

static void
test_every_bpp_with_different_padded_strides(void)
{
	static const unsigned bpps[] = { 1, 2, 3, 4, 8 };
	pixman_region32_t r;

	pixman_region32_init(&r);
	make_scattered_region(&r);
	for (size_t i = 0; i < sizeof(bpps) / sizeof(bpps[0]); i++) {
		unsigned bpp = bpps[i];
		check_copy(bpp, W * bpp + 13, W * bpp + 5, &r);
		check_copy(bpp, W * bpp, W * bpp + 64, &r);
		check_copy(bpp, W * bpp, W * bpp, &r);
	}
	pixman_region32_fini(&r);
}

/* The one-memcpy path: contiguous only if strides are equal and have no
 * padding.  Padded or unequal strides must go row by row and leave the
 * padding alone, which check_copy verifies byte for byte. */
static void
test_full_width_rows(void)
{
	pixman_region32_t r;

	pixman_region32_init_rect(&r, 0, 3, W, 7);
	for (unsigned bpp = 1; bpp <= 8; bpp *= 2) {
		check_copy(bpp, W * bpp, W * bpp, &r);         /* one memcpy */
		check_copy(bpp, W * bpp + 4, W * bpp + 4, &r); /* padding */
		check_copy(bpp, W * bpp, W * bpp + 4, &r);     /* unequal */
	}
	check_copy(3, W * 3, W * 3, &r);

	/* The whole buffer, last row included: the single memcpy must stop
	 * at stride * H. */
	pixman_region32_fini(&r);
	pixman_region32_init_rect(&r, 0, 0, W, H);
	check_copy(4, W * 4, W * 4, &r);
	check_copy(3, W * 3 + 1, W * 3 + 1, &r);
	pixman_region32_fini(&r);
}

static void
test_unsupported_bpp_and_empty_region_copy_nothing(void)
{
	uint8_t src[64], dst[64];
	pixman_region32_t r;

	memset(src, 1, sizeof(src));
	memset(dst, SENTINEL, sizeof(dst));
	pixman_region32_init_rect(&r, 0, 0, 2, 2);
	CHECK_EQ(copy_region(dst, 16, src, 16, 0, &r), 0);
	CHECK_EQ(copy_region(dst, 16, src, 16, 5, &r), 0);
	CHECK_EQ(copy_region(dst, 16, src, 16, 16, &r), 0);
	pixman_region32_clear(&r);
	CHECK_EQ(copy_region(dst, 16, src, 16, 4, &r), 0);
	for (size_t i = 0; i < sizeof(dst); i++)
		CHECK_EQ(dst[i], SENTINEL);
	pixman_region32_fini(&r);
}

int
main(void)
{
	test_every_bpp_with_different_padded_strides();
	test_full_width_rows();
	test_unsupported_bpp_and_empty_region_copy_nothing();
	TEST_EXIT();
}
