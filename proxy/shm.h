/*
 * Guest wl_shm pools and buffers.  They never reach the host: only memory
 * the transport allocated can (across the device, nothing else exists), so
 * the proxy keeps the guest's pools to itself and surface.c copies from
 * them into host buffers on commit.
 */
#ifndef WLGP_SHM_H
#define WLGP_SHM_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>

struct shm_pool;

/* A guest wl_buffer made by wl_shm_pool.create_buffer.  Owned by its
 * resource; holds a reference on its pool. */
struct shm_buffer {
	struct wl_resource *resource;
	struct shm_pool *pool;
	int32_t offset, width, height, stride;
	uint32_t format;
	unsigned bytes_per_pixel;
	struct wl_signal destroy_signal;
};

/* NULL if resource is not a guest shm buffer (e.g. a relayed host one). */
struct shm_buffer *shm_buffer_from_resource(struct wl_resource *resource);

/*
 * Reading a guest pool can fault: the guest may truncate its memfd at any
 * time.  Between begin and end, a SIGBUS inside this pool's mapping is
 * absorbed (the pool is replaced by zero pages, as libwayland-server's
 * wl_shm does) and end returns false; the caller then fails that guest.
 */
const void *shm_buffer_begin_access(struct shm_buffer *buffer);
bool shm_buffer_end_access(struct shm_buffer *buffer);

/*
 * The same guard for a copy thread (copy_pool.h access hooks): the
 * thread's own guard covers the pool between begin and end.  The caller
 * keeps the pool mapped with a reference for as long as the copy runs,
 * whatever happens to the buffer meanwhile.
 */
const void *shm_buffer_data(struct shm_buffer *buffer);
struct shm_pool *shm_buffer_ref_pool(struct shm_buffer *buffer);
void shm_pool_release(struct shm_pool *pool);
void shm_pool_begin_access(void *pool);
bool shm_pool_end_access(void *pool);

#endif
