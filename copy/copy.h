/*
 * The pixel copy: moves the damaged rows of a client's wl_shm buffer into
 * the host buffer.  Both sides are plain mappings with the same format and
 * size but possibly different strides (the host side's stride is chosen by
 * whoever allocated it).
 */
#ifndef WLGP_COPY_H
#define WLGP_COPY_H

#include <pixman.h>
#include <stddef.h>

/*
 * Copies every pixel of region from src to dst and nothing else: one row
 * copy per row of each rectangle, or one per rectangle when its rows are
 * contiguous in both mappings (full width, no padding, equal strides).
 * Large pieces use the CPU's streaming-store kernel (copy_kernel.h),
 * small ones memcpy; the stores are fenced before it returns.
 *
 * region is in buffer pixels and must already be clipped to the buffer
 * (damage_to_buffer does that); nothing outside it is read or written.
 * bytes_per_pixel is 1, 2, 3, 4 or 8 (shm_format_bytes_per_pixel).
 *
 * Returns the number of bytes copied, 0 for an unsupported
 * bytes_per_pixel.  The src mapping is client memory: the caller guards
 * the call against SIGBUS (wl_shm_buffer_begin_access or its own).
 */
size_t copy_region(void *dst, size_t dst_stride,
		   const void *src, size_t src_stride,
		   unsigned bytes_per_pixel, const pixman_region32_t *region);

struct copy_kernel;

/* copy_region with a given row kernel (copy_kernel.h) instead of the
 * best one: for tests and the benchmark. */
size_t copy_region_with(const struct copy_kernel *kernel, void *dst,
			size_t dst_stride, const void *src, size_t src_stride,
			unsigned bytes_per_pixel,
			const pixman_region32_t *region);

#endif
