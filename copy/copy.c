/*
 * Row copies, each through copy_kernel.h.  The bytes-per-pixel value only scales offsets: a row of a
 * rectangle is contiguous in any packed format, so memcpy moves it whatever
 * the pixel size, including 3-byte formats no integer type fits.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "copy.h"
#include "copy_kernel.h"

static bool
bytes_per_pixel_supported(unsigned bpp)
{
	return bpp == 1 || bpp == 2 || bpp == 3 || bpp == 4 || bpp == 8;
}

/*
 * Whole rows in both mappings, with nothing between them: the rectangle is
 * one contiguous byte range and a single memcpy copies exactly it.  Padding
 * at a row's end must stay untouched, hence row_bytes == stride and not
 * just "starts at x 0".
 */
static bool
rows_are_contiguous(size_t row_bytes, size_t dst_stride, size_t src_stride)
{
	return dst_stride == src_stride && row_bytes == src_stride;
}

/* A piece big enough for streaming stores goes to the kernel, a small
 * one to memcpy; true if the kernel's stores were used. */
static bool
copy_piece(const struct copy_kernel *k, uint8_t *dst, const uint8_t *src,
	   size_t n)
{
	if (n < COPY_STREAM_MIN_BYTES || !k->finish) {
		memcpy(dst, src, n);
		return false;
	}
	k->row(dst, src, n);
	return true;
}

static size_t
copy_box(const struct copy_kernel *k, uint8_t *dst, size_t dst_stride,
	 const uint8_t *src, size_t src_stride, unsigned bpp,
	 const pixman_box32_t *box, bool *streamed)
{
	/* Clipped regions only: a negative coordinate here is a caller bug
	 * that would otherwise become a huge offset. */
	assert(box->x1 >= 0 && box->y1 >= 0);
	assert(box->x2 >= box->x1 && box->y2 >= box->y1);

	size_t rows = (size_t)(box->y2 - box->y1);
	size_t row_bytes = (size_t)(box->x2 - box->x1) * bpp;
	size_t x_offset = (size_t)box->x1 * bpp;

	dst += (size_t)box->y1 * dst_stride + x_offset;
	src += (size_t)box->y1 * src_stride + x_offset;

	if (rows_are_contiguous(row_bytes, dst_stride, src_stride)) {
		*streamed |= copy_piece(k, dst, src, rows * row_bytes);
		return rows * row_bytes;
	}
	for (size_t y = 0; y < rows; y++)
		*streamed |= copy_piece(k, dst + y * dst_stride,
					src + y * src_stride, row_bytes);
	return rows * row_bytes;
}

size_t
copy_region_with(const struct copy_kernel *kernel, void *dst,
		 size_t dst_stride, const void *src, size_t src_stride,
		 unsigned bytes_per_pixel, const pixman_region32_t *region)
{
	const pixman_box32_t *boxes;
	size_t copied = 0;
	bool streamed = false;
	int n;

	if (!bytes_per_pixel_supported(bytes_per_pixel))
		return 0;

	boxes = pixman_region32_rectangles(region, &n);
	for (int i = 0; i < n; i++)
		copied += copy_box(kernel, dst, dst_stride, src, src_stride,
				   bytes_per_pixel, &boxes[i], &streamed);
	/* Streaming stores are weakly ordered: fenced before the caller
	 * tells anyone (the host, the event loop) that the pixels are in. */
	if (streamed)
		kernel->finish();
	return copied;
}

size_t
copy_region(void *dst, size_t dst_stride, const void *src, size_t src_stride,
	    unsigned bytes_per_pixel, const pixman_region32_t *region)
{
	return copy_region_with(copy_kernel_best(), dst, dst_stride, src,
				src_stride, bytes_per_pixel, region);
}
