/*
 * The row kernels of copy_kernel.h.  Each vector kernel copies the row's
 * head with memcpy until the destination is aligned to its vector width
 * (streaming stores need an aligned address), then streams whole vectors
 * with unaligned loads (the guest's rows are aligned however the client
 * chose), then copies the tail with memcpy.  The selection runs once,
 * under pthread_once, from __builtin_cpu_supports.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "copy_kernel.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define HAVE_X86_KERNELS 1
#endif

static void
row_memcpy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}

#ifdef HAVE_X86_KERNELS

/* Bytes to copy before dst is aligned to align (a power of two), at most n. */
static size_t
head_bytes(const void *dst, size_t align, size_t n)
{
	size_t head = (align - ((uintptr_t)dst & (align - 1))) & (align - 1);
	return head < n ? head : n;
}

/* Four vectors per round: enough stores in flight to fill the write
 * combining buffers, as the streaming loops in glibc's memmove do. */
static void
row_sse2(void *dst_, const void *src_, size_t n)
{
	uint8_t *dst = dst_;
	const uint8_t *src = src_;
	size_t head = head_bytes(dst, 16, n);

	memcpy(dst, src, head);
	dst += head, src += head, n -= head;
	for (; n >= 64; dst += 64, src += 64, n -= 64) {
		__m128i a = _mm_loadu_si128((const __m128i *)src);
		__m128i b = _mm_loadu_si128((const __m128i *)(src + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(src + 32));
		__m128i d = _mm_loadu_si128((const __m128i *)(src + 48));
		_mm_stream_si128((__m128i *)dst, a);
		_mm_stream_si128((__m128i *)(dst + 16), b);
		_mm_stream_si128((__m128i *)(dst + 32), c);
		_mm_stream_si128((__m128i *)(dst + 48), d);
	}
	for (; n >= 16; dst += 16, src += 16, n -= 16)
		_mm_stream_si128((__m128i *)dst,
				 _mm_loadu_si128((const __m128i *)src));
	memcpy(dst, src, n);
}

__attribute__((target("avx2"))) static void
row_avx2(void *dst_, const void *src_, size_t n)
{
	uint8_t *dst = dst_;
	const uint8_t *src = src_;
	size_t head = head_bytes(dst, 32, n);

	memcpy(dst, src, head);
	dst += head, src += head, n -= head;
	for (; n >= 128; dst += 128, src += 128, n -= 128) {
		__m256i a = _mm256_loadu_si256((const __m256i *)src);
		__m256i b = _mm256_loadu_si256((const __m256i *)(src + 32));
		__m256i c = _mm256_loadu_si256((const __m256i *)(src + 64));
		__m256i d = _mm256_loadu_si256((const __m256i *)(src + 96));
		_mm256_stream_si256((__m256i *)dst, a);
		_mm256_stream_si256((__m256i *)(dst + 32), b);
		_mm256_stream_si256((__m256i *)(dst + 64), c);
		_mm256_stream_si256((__m256i *)(dst + 96), d);
	}
	for (; n >= 32; dst += 32, src += 32, n -= 32)
		_mm256_stream_si256((__m256i *)dst,
				    _mm256_loadu_si256((const __m256i *)src));
	/* Upper halves of the ymm registers cleared before the SSE code of
	 * memcpy and the caller runs (the AVX-SSE transition penalty). */
	_mm256_zeroupper();
	memcpy(dst, src, n);
}

__attribute__((target("avx512f"))) static void
row_avx512(void *dst_, const void *src_, size_t n)
{
	uint8_t *dst = dst_;
	const uint8_t *src = src_;
	size_t head = head_bytes(dst, 64, n);

	memcpy(dst, src, head);
	dst += head, src += head, n -= head;
	for (; n >= 256; dst += 256, src += 256, n -= 256) {
		__m512i a = _mm512_loadu_si512(src);
		__m512i b = _mm512_loadu_si512(src + 64);
		__m512i c = _mm512_loadu_si512(src + 128);
		__m512i d = _mm512_loadu_si512(src + 192);
		_mm512_stream_si512((void *)dst, a);
		_mm512_stream_si512((void *)(dst + 64), b);
		_mm512_stream_si512((void *)(dst + 128), c);
		_mm512_stream_si512((void *)(dst + 192), d);
	}
	for (; n >= 64; dst += 64, src += 64, n -= 64)
		_mm512_stream_si512((void *)dst, _mm512_loadu_si512(src));
	_mm256_zeroupper();
	memcpy(dst, src, n);
}

static void
stream_fence(void)
{
	_mm_sfence();
}

#endif /* HAVE_X86_KERNELS */

static const struct copy_kernel kernels[] = {
	{ "memcpy", row_memcpy, NULL },
#ifdef HAVE_X86_KERNELS
	{ "sse2", row_sse2, stream_fence },
	{ "avx2", row_avx2, stream_fence },
	{ "avx512", row_avx512, stream_fence },
#endif
};

static bool
kernel_supported(const struct copy_kernel *k)
{
#ifdef HAVE_X86_KERNELS
	if (k->row == row_avx2)
		return __builtin_cpu_supports("avx2");
	if (k->row == row_avx512)
		return __builtin_cpu_supports("avx512f");
#endif
	(void)k;
	return true; /* memcpy anywhere, SSE2 on every x86-64 */
}

size_t
copy_kernels_available(const struct copy_kernel **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
		if (n < max && kernel_supported(&kernels[i]))
			out[n++] = &kernels[i];
	}
	return n;
}

static const struct copy_kernel *best_kernel;
static pthread_once_t best_once = PTHREAD_ONCE_INIT;

/*
 * The widest kernel available: on the development VM (Xeon with AVX-512,
 * 2 vCPUs) AVX-512 was the fastest at every row length from 512 bytes up,
 * AVX2 next, SSE2 last, all ahead of memcpy (the table in copy_kernel.h,
 * build/tests/copy/bench-kernel).
 */
static void
choose_best_kernel(void)
{
	const struct copy_kernel *all[sizeof(kernels) / sizeof(kernels[0])];

	__builtin_cpu_init();
	size_t n = copy_kernels_available(all, sizeof(all) / sizeof(all[0]));
	best_kernel = all[n - 1];
}

const struct copy_kernel *
copy_kernel_best(void)
{
	pthread_once(&best_once, choose_best_kernel);
	return best_kernel;
}
