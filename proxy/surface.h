#ifndef WLGP_SURFACE_H
#define WLGP_SURFACE_H

#include "damage.h"

#include <stdbool.h>
#include <wayland-server-core.h>

struct relay_object;

/* What a surface's commit signal carries: the commit has just been sent
 * to the host. */
struct surface_commit_event {
	bool buffer; /* with a buffer newly attached */
};

/* Listens for the surface's commits reaching the host (Xwayland's window
 * manager orders its own requests on that surface after them).  The
 * listener must be removed before the surface's resource is gone: its
 * destroy listeners run first. */
void surface_add_commit_listener(struct relay_object *surface,
				 struct wl_listener *listener);

/* wp_viewport (viewport.c) feeds the surface's pending viewport: it changes
 * how surface damage maps to buffer pixels. */
struct damage_viewport *surface_pending_viewport(struct relay_object *surface);

#endif
