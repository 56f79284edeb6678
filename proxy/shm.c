/*
 * wl_shm: create_pool carries the guest's pool fd.  Only on the direct
 * transport does that fd mean anything to the host, so only there is it
 * passed through; elsewhere wl_shm stays hidden until the copy engine
 * (copy/) mirrors pools into transport memory.
 */
#include <wayland-client-protocol.h>

#include "channel.h"
#include "relay.h"

static bool
shm_available(const struct channel *ch)
{
	return ch->passes_local_fds;
}

const struct relay_override shm_override = {
	.interface = "wl_shm",
	.fd_requests = 1u << WL_SHM_CREATE_POOL,
	.available = shm_available,
};
