/*
 * wp_viewporter / wp_viewport: relayed as they are, but a viewport changes
 * how surface damage maps to buffer pixels, so surface.c must know the
 * source rectangle and destination size the guest set.
 */
#include <stdlib.h>
#include <wayland-server-protocol.h>

#include "relay.h"
#include "surface.h"

/* Opcodes from viewporter.xml (no generated header is needed for four
 * numbers). */
enum {
	VIEWPORTER_GET_VIEWPORT = 1,
	VIEWPORT_DESTROY = 0,
	VIEWPORT_SET_SOURCE = 1,
	VIEWPORT_SET_DESTINATION = 2,
};

struct viewport {
	struct relay_object *surface; /* NULL once the surface is gone */
	struct wl_listener surface_destroy;
};

static void
handle_surface_destroy(struct wl_listener *listener, void *data)
{
	struct viewport *vp = wl_container_of(listener, vp, surface_destroy);
	wl_list_remove(&vp->surface_destroy.link);
	wl_list_init(&vp->surface_destroy.link);
	vp->surface = NULL;
}

static void
viewporter_request(struct relay_object *ro, uint32_t opcode, union wl_argument *args)
{
	uint32_t id = args[0].n;
	struct wl_resource *surface_res = (struct wl_resource *)args[1].o;
	relay_forward_request(ro, opcode, args);
	if (opcode != VIEWPORTER_GET_VIEWPORT)
		return;

	struct wl_resource *vp_res = wl_client_get_object(
		wl_resource_get_client(ro->resource), id);
	if (!vp_res || !surface_res)
		return;
	struct relay_object *vp_ro = wl_resource_get_user_data(vp_res);
	struct viewport *vp = vp_ro->override_data;
	vp->surface = wl_resource_get_user_data(surface_res);
	wl_resource_add_destroy_listener(surface_res, &vp->surface_destroy);
}

static void
viewport_request(struct relay_object *ro, uint32_t opcode, union wl_argument *args)
{
	struct viewport *vp = ro->override_data;
	struct damage_viewport *pending =
		vp->surface ? surface_pending_viewport(vp->surface) : NULL;
	if (pending) {
		switch (opcode) {
		case VIEWPORT_DESTROY:
			pending->has_source = pending->has_destination = false;
			break;
		case VIEWPORT_SET_SOURCE:
			/* all -1: unset; other invalid values are the host's
			 * to reject */
			pending->has_source = args[2].f > 0 && args[3].f > 0 &&
					      args[0].f >= 0 && args[1].f >= 0;
			pending->src_x = wl_fixed_to_double(args[0].f);
			pending->src_y = wl_fixed_to_double(args[1].f);
			pending->src_width = wl_fixed_to_double(args[2].f);
			pending->src_height = wl_fixed_to_double(args[3].f);
			break;
		case VIEWPORT_SET_DESTINATION:
			pending->has_destination = args[0].i > 0 && args[1].i > 0;
			pending->dst_width = args[0].i;
			pending->dst_height = args[1].i;
			break;
		}
	}
	relay_forward_request(ro, opcode, args);
}

static int
viewport_init(struct relay_object *ro)
{
	struct viewport *vp = calloc(1, sizeof(*vp));
	if (!vp)
		return -1;
	vp->surface_destroy.notify = handle_surface_destroy;
	wl_list_init(&vp->surface_destroy.link);
	ro->override_data = vp;
	return 0;
}

static void
viewport_fini(struct relay_object *ro)
{
	struct viewport *vp = ro->override_data;
	wl_list_remove(&vp->surface_destroy.link);
	free(vp);
}

const struct relay_override viewporter_override = {
	.interface = "wp_viewporter",
	.request = viewporter_request,
};

const struct relay_override viewport_override = {
	.interface = "wp_viewport",
	.request = viewport_request,
	.init = viewport_init,
	.fini = viewport_fini,
};
