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
#include "copy_kernel.h"
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

/*
 * Every kernel's row copy against memcpy: lengths from 0 to past a few
 * vector rounds, every source and destination misalignment within a
 * cache line, with guard bytes on both sides that must stay untouched.
 */
static void
test_kernel_rows_match_memcpy(const struct copy_kernel *k)
{
	enum { GUARD = 64, MAX_LEN = 1100 };
	uint8_t *src = malloc(MAX_LEN + 2 * GUARD + 64);
	uint8_t *dst = malloc(MAX_LEN + 2 * GUARD + 64);
	uint8_t *want = malloc(MAX_LEN + 2 * GUARD + 64);
	size_t size = MAX_LEN + 2 * GUARD + 64;
	int bad = 0;

	fill_pattern(src, size);
	for (size_t len = 0; len <= MAX_LEN && bad < 5;
	     len += len < 300 ? 1 : 37) {
		for (size_t da = 0; da < 64; da += len < 300 ? 7 : 1) {
			for (size_t sa = 0; sa < 64; sa += 13) {
				memset(dst, SENTINEL, size);
				memset(want, SENTINEL, size);
				memcpy(want + GUARD + da, src + GUARD + sa, len);
				k->row(dst + GUARD + da, src + GUARD + sa, len);
				if (k->finish)
					k->finish();
				if (memcmp(dst, want, size) != 0 && bad++ < 5)
					fprintf(stderr, "%s: row of %zu bytes, "
						"dst+%zu src+%zu differs\n",
						k->name, len, da, sa);
			}
		}
	}
	CHECK_EQ(bad, 0);
	free(src);
	free(dst);
	free(want);
}

/* A mapping whose first pixel sits misalign bytes past a 64-byte
 * boundary, as a guest buffer at any pool offset does. */
static uint8_t *
misaligned(uint8_t *base, size_t misalign)
{
	return base + misalign;
}

/*
 * Whole regions through each kernel with rows long enough to stream
 * (COPY_STREAM_MIN_BYTES and more), for many widths, x offsets, strides
 * and base alignments, against the pixel-by-pixel expectation.
 */
static void
test_kernel_regions_match(const struct copy_kernel *k)
{
	enum { RH = 5 };
	static const int widths[] = { 1, 15, 127, 128, 129, 130, 200, 257, 513, 1000 };
	static const int xs[] = { 0, 1, 3, 17, 64 };
	static const unsigned bpps[] = { 1, 3, 4, 8 };
	int bad = 0;

	for (size_t b = 0; b < sizeof(bpps) / sizeof(bpps[0]); b++)
	for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
	for (size_t x = 0; x < sizeof(xs) / sizeof(xs[0]); x++)
	for (size_t pad = 0; pad <= 64; pad += 29)
	for (size_t al = 0; al < 64; al += 21) {
		unsigned bpp = bpps[b];
		int bw = xs[x] + widths[w] + 3; /* buffer width */
		size_t src_stride = (size_t)bw * bpp + pad;
		size_t dst_stride = (size_t)bw * bpp + (pad ? 64 - pad : 0);
		size_t ssize = src_stride * RH, dsize = dst_stride * RH;
		uint8_t *sbase = malloc(ssize + 64), *dbase = malloc(dsize + 64);
		uint8_t *want = malloc(dsize);
		uint8_t *src = misaligned(sbase, al), *dst = misaligned(dbase, (al * 5) % 64);
		pixman_region32_t r;

		pixman_region32_init_rect(&r, xs[x], 1, (unsigned)widths[w], RH - 2);
		pixman_region32_union_rect(&r, &r, 0, RH - 1, (unsigned)bw, 1);
		fill_pattern(src, ssize);
		memset(dst, SENTINEL, dsize);
		memset(want, SENTINEL, dsize);
		for (int y = 0; y < RH; y++)
			for (int px = 0; px < bw; px++)
				if (pixman_region32_contains_point(&r, px, y, NULL))
					memcpy(want + y * dst_stride + px * bpp,
					       src + y * src_stride + px * bpp, bpp);
		size_t copied = copy_region_with(k, dst, dst_stride, src,
						 src_stride, bpp, &r);
		if ((copied != ((size_t)widths[w] * (RH - 2) + (size_t)bw) * bpp ||
		     memcmp(dst, want, dsize) != 0) && bad++ < 5)
			fprintf(stderr, "%s: bpp %u width %d x %d strides "
				"%zu/%zu align %zu differs\n", k->name, bpp,
				widths[w], xs[x], src_stride, dst_stride, al);
		pixman_region32_fini(&r);
		free(sbase);
		free(dbase);
		free(want);
	}
	CHECK_EQ(bad, 0);
}

/* A full 1920x1080 frame, one contiguous piece, through each kernel. */
static void
test_kernel_full_frame(const struct copy_kernel *k)
{
	size_t stride = 1920 * 4, size = stride * 1080;
	uint8_t *src = malloc(size), *dst = malloc(size);
	pixman_region32_t r;

	fill_pattern(src, size);
	memset(dst, SENTINEL, size);
	pixman_region32_init_rect(&r, 0, 0, 1920, 1080);
	CHECK_EQ(copy_region_with(k, dst, stride, src, stride, 4, &r), size);
	CHECK(memcmp(dst, src, size) == 0);
	pixman_region32_fini(&r);
	free(src);
	free(dst);
}

static void
test_every_kernel(void)
{
	const struct copy_kernel *k[8];
	size_t n = copy_kernels_available(k, 8);

	CHECK(n >= 1);
	CHECK(strcmp(k[0]->name, "memcpy") == 0);
#if defined(__x86_64__)
	/* SSE2 is part of x86-64: its streaming kernel is always there. */
	CHECK(n >= 2);
#endif
	CHECK(copy_kernel_best() == k[n - 1]);
	for (size_t i = 0; i < n; i++) {
		fprintf(stderr, "kernel %s\n", k[i]->name);
		test_kernel_rows_match_memcpy(k[i]);
		test_kernel_regions_match(k[i]);
		test_kernel_full_frame(k[i]);
	}
}

int
main(void)
{
	test_every_kernel();
	test_every_bpp_with_different_padded_strides();
	test_full_width_rows();
	test_unsupported_bpp_and_empty_region_copy_nothing();
	TEST_EXIT();
}
