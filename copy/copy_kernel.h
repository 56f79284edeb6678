/*
 * Row kernels: the loops that move one contiguous byte range of a row.
 * Large rows go through streaming (non-temporal) stores, which write the
 * host buffer without first reading each destination line into the cache
 * (the host buffer is read by the host, never again by us, so caching it
 * only evicts the source).  Small pieces, and other architectures, use
 * memcpy.  The kernel is chosen once, by what the CPU supports.
 */
#ifndef WLGP_COPY_KERNEL_H
#define WLGP_COPY_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

/* Copies n bytes from src to dst exactly as memcpy does (no overlap). */
typedef void copy_row_fn(void *dst, const void *src, size_t n);

struct copy_kernel {
	const char *name;
	/* Streaming stores for the aligned middle of the row, memcpy for the
	 * ends; visible to other threads/processes only after finish. */
	copy_row_fn *row;
	/* Orders the streaming stores before anything the caller does next
	 * (sfence); NULL for kernels with ordinary stores. */
	void (*finish)(void);
};

/*
 * Rows (or contiguous rectangles) shorter than this many bytes are copied
 * with memcpy whatever the kernel.  Measured on the 2-vCPU development VM
 * (Xeon, AVX-512) with `build/tests/copy/bench-kernel 60 8` and
 * `... 60 1` (1080 rows of each length, median ms, 4 runs):
 *
 *   row bytes   memcpy        sse2          avx2          avx512
 *   64          .052-.097     .050-.099     .048-.097     .047-.099
 *   256         .075-.118     .053-.118     .048-.107     .046-.109
 *   512         .161-.187     .106-.177     .082-.139     .075-.123
 *   4096        .842-.996     .443-.708     .388-.581     .369-.486
 *   whole frame 1.31-1.54     .945-1.19     .765-1.02     .708-.935
 *
 * Streaming never lost; at 64 bytes it ties (the kernel is all head and
 * tail there) and at 256 it wins in some runs only; from 512 bytes (128
 * XRGB pixels) it wins by 10% or more in every run, so that is where it
 * starts.  Small damage stays on memcpy, whose stores leave the lines in
 * cache for the next frame's same small rectangle.
 */
#define COPY_STREAM_MIN_BYTES 512

/* The kernel copy_region uses: the widest this CPU runs, picked once. */
const struct copy_kernel *copy_kernel_best(void);

/* Every kernel this CPU can run, plain memcpy first; for tests and the
 * benchmark.  Returns how many were written to out (at most max). */
size_t copy_kernels_available(const struct copy_kernel **out, size_t max);

#endif
