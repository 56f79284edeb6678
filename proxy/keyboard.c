/*
 * wl_keyboard: the keymap event carries an fd, and across the device the
 * host's keymap is a read-only vfd a guest client could not even map the
 * way it expects (MAP_PRIVATE).  The guest gets the server's keymap_cache's
 * answer instead: the host keymap recompiled (or the --keymap override, or a
 * fallback) in a sealed read-only memfd of the proxy's own.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <wayland-server-protocol.h>

#include "client.h"
#include "keymap.h"
#include "log.h"
#include "relay.h"
#include "server.h"

static void
keyboard_event(struct relay_object *ro, uint32_t opcode, union wl_argument *args)
{
	if (opcode != WL_KEYBOARD_KEYMAP) {
		relay_forward_event(ro, opcode, args);
		return;
	}
	/* keymap(format u, fd h, size u) */
	uint32_t format, size;
	int host_fd = args[1].h;
	int fd = keymap_cache_translate(ro->client->server->keymaps, args[0].u,
					host_fd, args[2].u, &format, &size);
	close(host_fd);
	args[1].h = -1;
	if (fd < 0) {
		wlgp_warn("client pid %d: no keymap to send: %s",
			  (int)ro->client->pid, strerror(errno));
		return;
	}
	args[0].u = format;
	args[1].h = fd;
	args[2].u = size;
	relay_forward_event(ro, opcode, args);
}

const struct relay_override keyboard_override = {
	.interface = "wl_keyboard",
	.event = keyboard_event,
	.fd_events = 1u << WL_KEYBOARD_KEYMAP,
};
