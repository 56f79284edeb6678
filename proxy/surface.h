#ifndef WLGP_SURFACE_H
#define WLGP_SURFACE_H

#include "damage.h"

struct relay_object;

/* wp_viewport (viewport.c) feeds the surface's pending viewport: it changes
 * how surface damage maps to buffer pixels. */
struct damage_viewport *surface_pending_viewport(struct relay_object *surface);

#endif
