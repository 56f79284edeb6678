/*
 * The fuzz targets' way of reading their input: a cursor over libFuzzer's
 * bytes that hands out integers, ranges and byte strings, and zeros once
 * the bytes run out (so every input, however short, is a complete run).
 */
#ifndef WLGP_FUZZ_INPUT_H
#define WLGP_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct input {
	const uint8_t *data;
	size_t size, pos;
};

static inline void
input_init(struct input *in, const uint8_t *data, size_t size)
{
	in->data = data;
	in->size = size;
	in->pos = 0;
}

static inline bool
input_done(const struct input *in)
{
	return in->pos >= in->size;
}

static inline size_t
input_left(const struct input *in)
{
	return in->size - in->pos;
}

static inline uint8_t
input_u8(struct input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static inline uint16_t
input_u16(struct input *in)
{
	return (uint16_t)(input_u8(in) | (uint16_t)input_u8(in) << 8);
}

static inline uint32_t
input_u32(struct input *in)
{
	return (uint32_t)input_u16(in) | (uint32_t)input_u16(in) << 16;
}

/* lo..hi inclusive, hi >= lo. */
static inline uint32_t
input_range(struct input *in, uint32_t lo, uint32_t hi)
{
	uint32_t span = hi - lo;
	uint32_t v = span < 0x100 ? input_u8(in) :
		     span < 0x10000 ? input_u16(in) : input_u32(in);
	return span == UINT32_MAX ? v : lo + v % (span + 1);
}

/* Up to n bytes (fewer at the end of the input); returns how many. */
static inline size_t
input_bytes(struct input *in, void *out, size_t n)
{
	size_t left = input_left(in);
	if (n > left)
		n = left;
	memcpy(out, in->data + in->pos, n);
	in->pos += n;
	return n;
}

/* A target's own oracle: abort() so libFuzzer (or the replay) reports the
 * input as a crash. */
#define FUZZ_CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: fuzz check failed: %s: ", __FILE__, \
			__LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} \
} while (0)

#endif
