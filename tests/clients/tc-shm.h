/* Shared-memory helpers for the e2e test clients. */
#ifndef TC_SHM_H
#define TC_SHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wl_shm;

/* Returns an fd of a fresh anonymous file of `size` bytes, or -1 (errno set). */
int tc_create_shm_file(size_t size);
/* The same, with every whole 32-bit word of the file set to `pixel`. */
int tc_create_filled_shm_file(size_t size, uint32_t pixel);

/* A width x height XRGB8888 wl_buffer of one colour in a pool of its own,
 * for clients that draw once and never touch the pixels again; NULL on
 * failure (errno set). */
struct wl_buffer *tc_create_solid_buffer(struct wl_shm *shm, int32_t width,
					 int32_t height, uint32_t pixel);

/* A wl_buffer in a pool of its own, mapped for drawing, that knows whether
 * the compositor still holds it.  Storage belongs to the caller. */
struct tc_buffer {
	struct wl_buffer *wl_buffer;
	void *map; /* the whole pool */
	size_t map_size;
	void *data; /* the buffer's first pixel: map + offset */
	int32_t width, height, stride;
	bool busy; /* set by the caller on commit, cleared by wl_buffer.release */
	/* Called on wl_buffer.release after busy is cleared; may be NULL. */
	void (*release)(struct tc_buffer *buffer);
};

/* Makes buffer a width x height wl_buffer of `format`, rows `stride` bytes
 * apart, starting `offset` bytes into a pool of offset + stride * height
 * bytes.  The pool is destroyed at once: the wl_buffer keeps the memory.
 * All of buffer is set, release to NULL: a caller's hook goes in after.
 * Returns false (errno set) on failure, with buffer left empty. */
bool tc_buffer_init(struct tc_buffer *buffer, struct wl_shm *shm, int32_t width,
		    int32_t height, int32_t stride, uint32_t format, int32_t offset);
/* Destroys the wl_buffer and unmaps; buffer is empty (all zero) again. */
void tc_buffer_finish(struct tc_buffer *buffer);

#endif
