#include <errno.h>
#include <stdlib.h>
#include <wayland-client-protocol.h>

#include "client.h"
#include "host_buffer.h"
#include "server.h"

static void
handle_host_release(void *data, struct wl_buffer *buffer)
{
	struct host_buffer *hb = data;
	if (hb->release)
		hb->release(hb, hb->release_data);
}

static const struct wl_buffer_listener host_buffer_listener = {
	.release = handle_host_release,
};

struct host_buffer *
host_buffer_create(struct guest_client *gc, int32_t width, int32_t height,
		   int32_t stride, uint32_t format)
{
	size_t size = (size_t)stride * (size_t)height;
	if (!gc->host_shm || size > INT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if (gc->host_memory + size > GUEST_CLIENT_HOST_MEMORY_LIMIT) {
		errno = ENOSPC;
		return NULL;
	}
	struct host_buffer *hb = calloc(1, sizeof(*hb));
	if (!hb)
		return NULL;
	hb->client = gc;
	hb->stride = stride;
	hb->memory.fd = -1;
	if (channel_alloc_memory(gc->server->channel, size, &hb->memory) < 0) {
		free(hb);
		return NULL;
	}
	/* The pool only lives long enough to make the buffer: the host keeps
	 * the memory mapped for as long as the buffer exists. */
	struct wl_shm_pool *pool = wl_shm_create_pool(gc->host_shm,
						      hb->memory.fd, (int32_t)size);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, width, height,
							     stride, format);
	wl_shm_pool_destroy(pool);
	if (!buffer) {
		channel_free_memory(gc->server->channel, &hb->memory);
		free(hb);
		errno = ENOMEM;
		return NULL;
	}
	wl_buffer_add_listener(buffer, &host_buffer_listener, hb);
	hb->proxy = (struct wl_proxy *)buffer;
	gc->host_memory += size;
	return hb;
}

void
host_buffer_destroy(struct host_buffer *hb)
{
	struct guest_client *gc = hb->client;
	wl_buffer_destroy((struct wl_buffer *)hb->proxy);
	gc->host_memory -= hb->memory.size;
	channel_free_memory(gc->server->channel, &hb->memory);
	free(hb);
}
