/*
 * A host wl_buffer backed by transport memory: what the host is shown in
 * place of a guest shm buffer.  Owned by the surface whose ring slot it
 * fills (surface.c); destroyed by that surface's ring.
 */
#ifndef WLGP_HOST_BUFFER_H
#define WLGP_HOST_BUFFER_H

#include <stdint.h>
#include <wayland-client-core.h>

#include "channel.h"

struct guest_client;

struct host_buffer {
	struct guest_client *client;
	struct channel_memory memory;
	struct wl_proxy *proxy; /* host wl_buffer */
	int32_t stride;
	void (*release)(struct host_buffer *hb, void *data);
	void *release_data;
};

/* NULL with errno set when the transport, the per-client memory limit or
 * the host connection says no. */
struct host_buffer *host_buffer_create(struct guest_client *gc,
				       int32_t width, int32_t height,
				       int32_t stride, uint32_t format);
void host_buffer_destroy(struct host_buffer *hb);

#endif
