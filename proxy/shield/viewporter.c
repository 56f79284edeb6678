/*
 * Rules of wp_viewporter and wp_viewport (stable/viewporter/viewporter.xml).
 *
 *   wp_viewporter.error  viewport_exists  get_viewport for a surface that
 *                                         has a viewport
 *   wp_viewport.error    bad_value        set_source with x, y < 0 or
 *                                         w, h <= 0 (not all -1);
 *                                         set_destination <= 0 (not -1, -1)
 *                        bad_size         at commit: no destination and a
 *                                         source size that is not integer
 *                        out_of_buffer    at commit: the source rectangle
 *                                         leaves the buffer
 *                        no_surface       any request but destroy after
 *                                         the surface was destroyed
 *
 * The crop and scale state is kept here and not read from viewport.c and
 * surface.c: the shield sees each request when it arrives, while the
 * overrides may apply it later.  out_of_buffer needs the buffer's size,
 * known for guest shm buffers only.
 */
#include <stdlib.h>
#include <wayland-server-protocol.h>

#include "viewporter-client-protocol.h"
#include "viewporter-server-protocol.h"

#include "shield_surface.h"

struct viewport {
	struct shield_object *self;
	struct shield_ref surface;
	bool had_surface;
	bool has_source, has_destination;
	wl_fixed_t src_x, src_y, src_w, src_h;
	struct wl_listener commit;
};

static struct shield_object *
viewport_of(struct shield_object *surface)
{
	struct shield_object *o;
	shield_for_each(o, surface->client) {
		if (o->rules == &shield_wp_viewport_rules &&
		    ((struct viewport *)o->state)->surface.obj == surface)
			return o;
	}
	return NULL;
}

static bool
viewporter_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	if (opcode != WP_VIEWPORTER_GET_VIEWPORT)
		return true;
	struct shield_object *surface = shield_object_from_arg(&args[1]);
	if (!surface)
		return true;
	struct shield_object *existing = viewport_of(surface);
	if (existing)
		return shield_refuse(obj, WP_VIEWPORTER_ERROR_VIEWPORT_EXISTS,
				     "get_viewport: wl_surface@%u already has "
				     "wp_viewport@%u",
				     wl_resource_get_id(surface->resource),
				     wl_resource_get_id(existing->resource));
	shield_expect(obj, args[0].n, surface, NULL);
	return true;
}

const struct shield_rules shield_wp_viewporter_rules = {
	.interface = "wp_viewporter",
	.request = viewporter_request,
};

/* The buffer's size in surface-local coordinates before cropping (after
 * the buffer transform and scale, as the source rectangle is given), in
 * 1/256ths times the scale: exact, as a buffer need not be a multiple of
 * the scale when a destination is set. */
static void
buffer_surface_size(const struct shield_commit *c, int64_t *w, int64_t *h)
{
	bool swap = c->transform & 1; /* 90, 270 and their flips */
	*w = (int64_t)(swap ? c->height : c->width) * 256;
	*h = (int64_t)(swap ? c->width : c->height) * 256;
}

static void
viewport_handle_commit(struct wl_listener *listener, void *data)
{
	struct viewport *vp = wl_container_of(listener, vp, commit);
	struct shield_commit *c = data;
	if (c->refused || !vp->has_source)
		return;
	if (!vp->has_destination &&
	    (wl_fixed_to_int(vp->src_w) * 256 != vp->src_w ||
	     wl_fixed_to_int(vp->src_h) * 256 != vp->src_h)) {
		c->refused = !shield_refuse(vp->self, WP_VIEWPORT_ERROR_BAD_SIZE,
					    "commit: source size %gx%g is not "
					    "integer and no destination is set",
					    wl_fixed_to_double(vp->src_w),
					    wl_fixed_to_double(vp->src_h));
		return;
	}
	if (!c->has_buffer || c->width <= 0)
		return; /* a NULL buffer, or one of unknown size */
	int64_t bw, bh;
	buffer_surface_size(c, &bw, &bh);
	int64_t scale = c->scale > 0 ? c->scale : 1;
	/* wl_fixed_t is 24.8; the products fit in 64 bits. */
	if (((int64_t)vp->src_x + vp->src_w) * scale > bw ||
	    ((int64_t)vp->src_y + vp->src_h) * scale > bh)
		c->refused = !shield_refuse(vp->self, WP_VIEWPORT_ERROR_OUT_OF_BUFFER,
					    "commit: source rectangle %g,%g %gx%g "
					    "leaves the %gx%g buffer",
					    wl_fixed_to_double(vp->src_x),
					    wl_fixed_to_double(vp->src_y),
					    wl_fixed_to_double(vp->src_w),
					    wl_fixed_to_double(vp->src_h),
					    (double)bw / 256 / (double)scale,
					    (double)bh / 256 / (double)scale);
}

static bool
viewport_set_source(struct shield_object *obj, union wl_argument *args)
{
	struct viewport *vp = obj->state;
	wl_fixed_t x = args[0].f, y = args[1].f, w = args[2].f, h = args[3].f;
	wl_fixed_t unset = wl_fixed_from_int(-1);
	if (x == unset && y == unset && w == unset && h == unset) {
		vp->has_source = false;
		return true;
	}
	if (x < 0 || y < 0 || w <= 0 || h <= 0)
		return shield_refuse(obj, WP_VIEWPORT_ERROR_BAD_VALUE,
				     "set_source %g,%g %gx%g: negative position "
				     "or size not positive",
				     wl_fixed_to_double(x), wl_fixed_to_double(y),
				     wl_fixed_to_double(w), wl_fixed_to_double(h));
	vp->has_source = true;
	vp->src_x = x;
	vp->src_y = y;
	vp->src_w = w;
	vp->src_h = h;
	return true;
}

static bool
viewport_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	struct viewport *vp = obj->state;
	if (opcode == WP_VIEWPORT_DESTROY) {
		if (vp->surface.obj)
			shield_surface_set_viewport_destination(vp->surface.obj, false);
		return true;
	}
	if (vp->had_surface && !vp->surface.obj)
		return shield_refuse(obj, WP_VIEWPORT_ERROR_NO_SURFACE,
				     "the wl_surface of this viewport was destroyed");
	switch (opcode) {
	case WP_VIEWPORT_SET_SOURCE:
		return viewport_set_source(obj, args);
	case WP_VIEWPORT_SET_DESTINATION:
		if (args[0].i == -1 && args[1].i == -1) {
			vp->has_destination = false;
		} else if (args[0].i <= 0 || args[1].i <= 0) {
			return shield_refuse(obj, WP_VIEWPORT_ERROR_BAD_VALUE,
					     "set_destination %dx%d: the size must "
					     "be positive", args[0].i, args[1].i);
		} else {
			vp->has_destination = true;
		}
		if (vp->surface.obj)
			shield_surface_set_viewport_destination(vp->surface.obj,
								vp->has_destination);
		return true;
	}
	return true;
}

static void
viewport_init(struct shield_object *obj)
{
	struct viewport *vp = obj->state;
	const struct shield_birth *birth = shield_object_birth(obj);
	vp->self = obj;
	shield_ref_init(&vp->surface);
	vp->commit.notify = viewport_handle_commit;
	wl_list_init(&vp->commit.link);
	if (!birth || !birth->subject)
		return;
	vp->had_surface = true;
	shield_ref_set(&vp->surface, birth->subject);
	shield_surface_add_commit_listener(birth->subject, &vp->commit);
}

static void
viewport_destroy(struct shield_object *obj)
{
	struct viewport *vp = obj->state;
	wl_list_remove(&vp->commit.link);
	shield_ref_clear(&vp->surface);
}

const struct shield_rules shield_wp_viewport_rules = {
	.interface = "wp_viewport",
	.state_size = sizeof(struct viewport),
	.init = viewport_init,
	.request = viewport_request,
	.destroy = viewport_destroy,
};
