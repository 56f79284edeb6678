/*
 * Rules of xdg-shell (stable/xdg-shell/xdg-shell.xml, version 5).
 *
 *   xdg_wm_base.error     role                   get_xdg_surface for a surface
 *                                                with a non-xdg role or a live
 *                                                xdg_surface; get_toplevel /
 *                                                get_popup switching roles
 *                         defunct_surfaces       destroy while xdg_surfaces it
 *                                                made are alive
 *                         not_the_topmost_popup  xdg_popup.destroy with a live,
 *                                                undismissed child popup
 *                         invalid_popup_parent   get_popup with a parent that
 *                                                has no role
 *                         invalid_positioner     get_popup / reposition with a
 *                                                positioner lacking set_size or
 *                                                set_anchor_rect
 *                         invalid_surface_state  a commit whose window geometry
 *                                                is larger than the acked
 *                                                fullscreen configure (the
 *                                                fullscreen state "is a
 *                                                maximum"; weston 10 raises
 *                                                this code)
 *                         unresponsive           pong with a serial no ping on
 *                                                this xdg_wm_base is waiting for
 *                                                (a pong that answers no ping is
 *                                                no answer)
 *   xdg_positioner.error  invalid_input          set_size <= 0, set_anchor_rect
 *                                                < 0, anchor / gravity not in
 *                                                their enums
 *   xdg_surface.error     not_constructed        requests or a commit before
 *                                                get_toplevel / get_popup
 *                         already_constructed    a second role object
 *                         unconfigured_buffer    a buffer committed before the
 *                                                first configure is acked
 *                         invalid_serial         ack of a serial never sent,
 *                                                acked already, or older than
 *                                                an acked one
 *                         invalid_size           set_window_geometry <= 0
 *                         defunct_role_object    destroy before the role object
 *   xdg_toplevel.error    invalid_resize_edge    resize edges not in the enum
 *                         invalid_parent         set_parent to itself or to a
 *                                                descendant
 *                         invalid_size           negative min/max, or min > max
 *                                                at commit
 *   xdg_popup.error       invalid_grab           grab after being mapped
 *
 * Left to the host on purpose:
 *   - unresponsive for a ping never answered: the XML leaves the timeout to
 *     the compositor ("unspecified ... in what timeframe"), the pings are the
 *     host's, and each guest client has a host connection of its own, so the
 *     host disconnecting a silent guest harms no one else.
 *   - invalid_surface_state for a maximized window of another size: sway
 *     gives every xdg_wm_base v1 window it tiles the maximized state with
 *     the tile's size, accepts any size back, and simple clients ignore
 *     the size (weston 10 refuses them itself, with this code); refusing
 *     them here would kill apps the host keeps.
 *   - invalid_surface_state where the window geometry is not known here: a
 *     surface with sub-surfaces (they widen the bounding box the geometry is
 *     clamped to) unless the set geometry lies inside the surface itself, a
 *     viewport destination, or a buffer that is not wl_shm.
 *
 * Leniency, where the XML allows a reading that a real client relies on:
 * a surface is "configured" from its first ack until its role object is
 * destroyed; a parent that is not mapped is no parent (as set_parent says).
 */
#include <stdlib.h>
#include <string.h>

#include "xdg-shell-client-protocol.h"
#include "xdg-shell-server-protocol.h"

#include "shield_surface.h"

/* What an xdg_toplevel.configure asks, for invalid_surface_state. */
struct toplevel_state {
	int32_t width, height; /* 0: the client's choice */
	bool maximized, fullscreen;
};

/* A configure sent to the guest and not yet acked. */
struct sent_configure {
	uint32_t serial;
	struct toplevel_state toplevel; /* zero for a popup */
};

struct geometry {
	int32_t x, y, width, height;
};

struct xsurface {
	struct shield_object *self;
	struct shield_ref wm_base;
	struct shield_ref surface;
	const char *role;             /* role given through it, or NULL */
	struct shield_ref role_object;
	struct wl_array serials;      /* struct sent_configure, oldest first */
	bool configured, mapped;
	struct toplevel_state acked;  /* what the latest ack agreed to */
	/* set_window_geometry is double-buffered: pending until a commit. */
	struct geometry pending_geometry, geometry;
	bool pending_geometry_set, geometry_set;
	struct wl_listener commit;
};

/* Pings the guest was sent and has not answered; the oldest are forgotten
 * beyond this many (a client that far behind did not answer in time). */
#define WM_BASE_MAX_PINGS 64

struct wm_base {
	struct wl_array pings; /* uint32_t serials, oldest first */
};

struct positioner {
	bool has_size, has_anchor_rect;
};

struct toplevel {
	struct shield_ref xdg_surface;
	struct shield_ref parent; /* a mapped toplevel, or NULL */
	int32_t min_w, min_h, max_w, max_h;
	/* The latest xdg_toplevel.configure, which the xdg_surface.configure
	 * after it completes. */
	struct toplevel_state configure;
};

struct popup {
	struct shield_ref xdg_surface;
	struct shield_ref parent; /* its parent xdg_surface */
	bool dismissed;
};

static struct xsurface *
xsurface_state(struct shield_object *obj)
{
	return obj->state;
}

/* The error of xdg_wm_base's enum goes on the xdg_wm_base the xdg_surface
 * came from (alive: destroying it first is itself refused). */
static struct shield_object *
wm_base_of(struct shield_object *xdg_surface)
{
	return xsurface_state(xdg_surface)->wm_base.obj;
}

/* ---- xdg_wm_base ---- */

static bool
wm_base_handle_get_xdg_surface(struct shield_object *obj, union wl_argument *args)
{
	struct shield_object *surface = shield_object_from_arg(&args[1]);
	if (!surface)
		return true;
	uint32_t sid = wl_resource_get_id(surface->resource);
	struct shield_object *existing = shield_surface_xdg_surface(surface);
	if (existing)
		return shield_refuse(obj, XDG_WM_BASE_ERROR_ROLE,
				     "get_xdg_surface: wl_surface@%u already has "
				     "xdg_surface@%u", sid,
				     wl_resource_get_id(existing->resource));
	const char *role = shield_surface_role(surface);
	if (role && strncmp(role, "xdg_", 4) != 0)
		return shield_refuse(obj, XDG_WM_BASE_ERROR_ROLE,
				     "get_xdg_surface: wl_surface@%u has the %s "
				     "role", sid, role);
	shield_expect(obj, args[0].n, surface, NULL);
	return true;
}

/* Removes value from an array of uint32_t; false if it was not there. */
static bool
serial_take(struct wl_array *array, uint32_t value)
{
	uint32_t *v = array->data;
	size_t n = array->size / sizeof(uint32_t);
	for (size_t i = 0; i < n; i++) {
		if (v[i] != value)
			continue;
		memmove(v + i, v + i + 1, (n - i - 1) * sizeof(uint32_t));
		array->size -= sizeof(uint32_t);
		return true;
	}
	return false;
}

static bool
wm_base_handle_pong(struct shield_object *obj, uint32_t serial)
{
	struct wm_base *wb = obj->state;
	if (serial_take(&wb->pings, serial))
		return true;
	return shield_refuse(obj, XDG_WM_BASE_ERROR_UNRESPONSIVE,
			     "pong %u: no ping with this serial is waiting for "
			     "an answer", serial);
}

static bool
wm_base_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	switch (opcode) {
	case XDG_WM_BASE_PONG:
		return wm_base_handle_pong(obj, args[0].u);
	case XDG_WM_BASE_DESTROY: {
		unsigned live = 0;
		struct shield_object *o;
		shield_for_each(o, obj->client) {
			if (o->rules == &shield_xdg_surface_rules &&
			    xsurface_state(o)->wm_base.obj == obj)
				live++;
		}
		if (live)
			return shield_refuse(obj, XDG_WM_BASE_ERROR_DEFUNCT_SURFACES,
					     "destroy: %u xdg_surface%s made by "
					     "this xdg_wm_base still alive", live,
					     live == 1 ? " is" : "s are");
		return true;
	}
	case XDG_WM_BASE_GET_XDG_SURFACE:
		return wm_base_handle_get_xdg_surface(obj, args);
	}
	return true;
}

static void
wm_base_event(struct shield_object *obj, uint32_t opcode, const union wl_argument *args)
{
	struct wm_base *wb = obj->state;
	if (opcode != XDG_WM_BASE_PING)
		return;
	if (wb->pings.size >= WM_BASE_MAX_PINGS * sizeof(uint32_t)) {
		memmove(wb->pings.data, (uint32_t *)wb->pings.data + 1,
			wb->pings.size - sizeof(uint32_t));
		wb->pings.size -= sizeof(uint32_t);
	}
	uint32_t *s = wl_array_add(&wb->pings, sizeof(*s));
	if (s)
		*s = args[0].u;
}

static void
wm_base_init(struct shield_object *obj)
{
	struct wm_base *wb = obj->state;
	wl_array_init(&wb->pings);
}

static void
wm_base_destroy(struct shield_object *obj)
{
	struct wm_base *wb = obj->state;
	wl_array_release(&wb->pings);
}

const struct shield_rules shield_xdg_wm_base_rules = {
	.interface = "xdg_wm_base",
	.state_size = sizeof(struct wm_base),
	.init = wm_base_init,
	.request = wm_base_request,
	.event = wm_base_event,
	.destroy = wm_base_destroy,
};

/* ---- xdg_positioner ---- */

static bool
positioner_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	struct positioner *p = obj->state;
	switch (opcode) {
	case XDG_POSITIONER_SET_SIZE:
		if (args[0].i <= 0 || args[1].i <= 0)
			return shield_refuse(obj, XDG_POSITIONER_ERROR_INVALID_INPUT,
					     "set_size %dx%d: the size must be "
					     "positive", args[0].i, args[1].i);
		p->has_size = true;
		return true;
	case XDG_POSITIONER_SET_ANCHOR_RECT:
		if (args[2].i < 0 || args[3].i < 0)
			return shield_refuse(obj, XDG_POSITIONER_ERROR_INVALID_INPUT,
					     "set_anchor_rect %dx%d: negative size",
					     args[2].i, args[3].i);
		p->has_anchor_rect = true;
		return true;
	case XDG_POSITIONER_SET_ANCHOR:
		if (args[0].u > XDG_POSITIONER_ANCHOR_BOTTOM_RIGHT)
			return shield_refuse(obj, XDG_POSITIONER_ERROR_INVALID_INPUT,
					     "set_anchor %u: not an anchor", args[0].u);
		return true;
	case XDG_POSITIONER_SET_GRAVITY:
		if (args[0].u > XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT)
			return shield_refuse(obj, XDG_POSITIONER_ERROR_INVALID_INPUT,
					     "set_gravity %u: not a gravity", args[0].u);
		return true;
	}
	return true;
}

const struct shield_rules shield_xdg_positioner_rules = {
	.interface = "xdg_positioner",
	.state_size = sizeof(struct positioner),
	.request = positioner_request,
};

/* A positioner is complete with a size and an anchor rectangle. */
static bool
check_positioner(struct shield_object *xdg_surface, struct shield_object *positioner,
		 const char *request)
{
	struct shield_object *wm_base = wm_base_of(xdg_surface);
	if (!positioner || !wm_base)
		return true;
	struct positioner *p = positioner->state;
	if (p->has_size && p->has_anchor_rect)
		return true;
	return shield_refuse(wm_base, XDG_WM_BASE_ERROR_INVALID_POSITIONER,
			     "%s: xdg_positioner@%u has no %s", request,
			     wl_resource_get_id(positioner->resource),
			     p->has_size ? "anchor rectangle" : "size");
}

/* ---- xdg_surface ---- */

static void toplevel_handle_unmap(struct shield_object *toplevel);
static bool toplevel_check_commit(struct shield_object *toplevel);
static bool toplevel_check_surface_state(struct shield_object *toplevel,
					 const struct shield_commit *c);

static bool
xsurface_check_constructed(struct shield_object *obj, const char *request)
{
	if (xsurface_state(obj)->role)
		return true;
	return shield_refuse(obj, XDG_SURFACE_ERROR_NOT_CONSTRUCTED,
			     "%s before get_toplevel or get_popup", request);
}

/* get_toplevel / get_popup: one role object at a time, one role for life. */
static bool
xsurface_give_role(struct shield_object *obj, const char *role, const char *request)
{
	struct xsurface *xs = xsurface_state(obj);
	if (xs->role_object.obj)
		return shield_refuse(obj, XDG_SURFACE_ERROR_ALREADY_CONSTRUCTED,
				     "%s: already has %s@%u", request,
				     wl_resource_get_class(xs->role_object.obj->resource),
				     wl_resource_get_id(xs->role_object.obj->resource));
	struct shield_object *wm_base = wm_base_of(obj);
	if (xs->role && strcmp(xs->role, role) != 0 && wm_base)
		return shield_refuse(wm_base, XDG_WM_BASE_ERROR_ROLE,
				     "%s: xdg_surface@%u was an %s, a surface "
				     "has one role for life", request,
				     wl_resource_get_id(obj->resource), xs->role);
	if (xs->surface.obj && wm_base &&
	    !shield_surface_give_role(xs->surface.obj, role, wm_base,
				      XDG_WM_BASE_ERROR_ROLE, request))
		return false;
	return true;
}

static bool
xsurface_handle_get_popup(struct shield_object *obj, union wl_argument *args)
{
	struct shield_object *parent = shield_object_from_arg(&args[1]);
	struct shield_object *positioner = shield_object_from_arg(&args[2]);
	struct shield_object *wm_base = wm_base_of(obj);
	if (parent && wm_base && !xsurface_state(parent)->role)
		return shield_refuse(wm_base, XDG_WM_BASE_ERROR_INVALID_POPUP_PARENT,
				     "get_popup: parent xdg_surface@%u has neither "
				     "the xdg_toplevel nor the xdg_popup role",
				     wl_resource_get_id(parent->resource));
	if (!check_positioner(obj, positioner, "get_popup"))
		return false;
	if (!xsurface_give_role(obj, SHIELD_ROLE_XDG_POPUP, "get_popup"))
		return false;
	shield_expect(obj, args[0].n, obj, parent);
	return true;
}

static bool
xsurface_handle_ack(struct shield_object *obj, uint32_t serial)
{
	struct xsurface *xs = xsurface_state(obj);
	if (!xsurface_check_constructed(obj, "ack_configure"))
		return false;
	struct sent_configure *sent = xs->serials.data;
	size_t n = xs->serials.size / sizeof(*sent);
	for (size_t i = 0; i < n; i++) {
		if (sent[i].serial != serial)
			continue;
		xs->acked = sent[i].toplevel;
		/* Acking one configure acks every one sent before it. */
		memmove(sent, sent + i + 1, (n - i - 1) * sizeof(*sent));
		xs->serials.size = (n - i - 1) * sizeof(*sent);
		xs->configured = true;
		return true;
	}
	return shield_refuse(obj, XDG_SURFACE_ERROR_INVALID_SERIAL,
			     "ack_configure %u: no configure event with this "
			     "serial is waiting for an ack", serial);
}

static bool
xsurface_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	struct xsurface *xs = xsurface_state(obj);
	switch (opcode) {
	case XDG_SURFACE_DESTROY:
		if (xs->role_object.obj)
			return shield_refuse(obj, XDG_SURFACE_ERROR_DEFUNCT_ROLE_OBJECT,
					     "destroy before its %s@%u",
					     wl_resource_get_class(xs->role_object.obj->resource),
					     wl_resource_get_id(xs->role_object.obj->resource));
		return true;
	case XDG_SURFACE_GET_TOPLEVEL:
		if (!xsurface_give_role(obj, SHIELD_ROLE_XDG_TOPLEVEL, "get_toplevel"))
			return false;
		shield_expect(obj, args[0].n, obj, NULL);
		return true;
	case XDG_SURFACE_GET_POPUP:
		return xsurface_handle_get_popup(obj, args);
	case XDG_SURFACE_SET_WINDOW_GEOMETRY:
		if (!xsurface_check_constructed(obj, "set_window_geometry"))
			return false;
		if (args[2].i <= 0 || args[3].i <= 0)
			return shield_refuse(obj, XDG_SURFACE_ERROR_INVALID_SIZE,
					     "set_window_geometry %dx%d: the size "
					     "must be positive", args[2].i, args[3].i);
		xs->pending_geometry = (struct geometry){
			args[0].i, args[1].i, args[2].i, args[3].i };
		xs->pending_geometry_set = true;
		return true;
	case XDG_SURFACE_ACK_CONFIGURE:
		return xsurface_handle_ack(obj, args[0].u);
	}
	return true;
}

static void
xsurface_event(struct shield_object *obj, uint32_t opcode, const union wl_argument *args)
{
	struct xsurface *xs = xsurface_state(obj);
	if (opcode != XDG_SURFACE_CONFIGURE)
		return;
	struct sent_configure *sent = wl_array_add(&xs->serials, sizeof(*sent));
	if (!sent)
		return;
	*sent = (struct sent_configure){ .serial = args[0].u };
	struct shield_object *role_object = xs->role_object.obj;
	if (role_object && role_object->rules == &shield_xdg_toplevel_rules)
		sent->toplevel = ((struct toplevel *)role_object->state)->configure;
}

static void
xsurface_handle_commit(struct wl_listener *listener, void *data)
{
	struct xsurface *xs = wl_container_of(listener, xs, commit);
	struct shield_commit *c = data;
	if (c->refused)
		return;
	struct shield_object *obj = xs->self;
	if (!xs->role) {
		shield_refuse(obj, XDG_SURFACE_ERROR_NOT_CONSTRUCTED,
			      "wl_surface.commit before get_toplevel or get_popup");
		c->refused = true;
		return;
	}
	struct shield_object *role_object = xs->role_object.obj;
	if (!role_object)
		return;
	if (c->has_buffer && !xs->configured) {
		shield_refuse(obj, XDG_SURFACE_ERROR_UNCONFIGURED_BUFFER,
			      "wl_surface.commit with a buffer before the first "
			      "configure was acked");
		c->refused = true;
		return;
	}
	if (xs->pending_geometry_set) {
		xs->geometry = xs->pending_geometry;
		xs->geometry_set = true;
		xs->pending_geometry_set = false;
	}
	if (role_object->rules == &shield_xdg_toplevel_rules &&
	    (!toplevel_check_commit(role_object) ||
	     !toplevel_check_surface_state(role_object, c))) {
		c->refused = true;
		return;
	}
	bool was_mapped = xs->mapped;
	xs->mapped = c->has_buffer;
	if (was_mapped && !xs->mapped && role_object->rules == &shield_xdg_toplevel_rules)
		toplevel_handle_unmap(role_object);
}

static void
xsurface_init(struct shield_object *obj)
{
	struct xsurface *xs = xsurface_state(obj);
	const struct shield_birth *birth = shield_object_birth(obj);
	xs->self = obj;
	shield_ref_init(&xs->wm_base);
	shield_ref_init(&xs->surface);
	shield_ref_init(&xs->role_object);
	wl_array_init(&xs->serials);
	xs->commit.notify = xsurface_handle_commit;
	wl_list_init(&xs->commit.link);
	if (!birth)
		return;
	shield_ref_set(&xs->wm_base, birth->parent);
	if (birth->subject) {
		shield_ref_set(&xs->surface, birth->subject);
		shield_surface_set_xdg_surface(birth->subject, obj);
		shield_surface_add_commit_listener(birth->subject, &xs->commit);
	}
}

static void
xsurface_destroy(struct shield_object *obj)
{
	struct xsurface *xs = xsurface_state(obj);
	wl_list_remove(&xs->commit.link);
	shield_ref_clear(&xs->wm_base);
	shield_ref_clear(&xs->surface);
	shield_ref_clear(&xs->role_object);
	wl_array_release(&xs->serials);
}

const struct shield_rules shield_xdg_surface_rules = {
	.interface = "xdg_surface",
	.state_size = sizeof(struct xsurface),
	.init = xsurface_init,
	.request = xsurface_request,
	.event = xsurface_event,
	.destroy = xsurface_destroy,
};

/* The role object made by get_toplevel / get_popup takes its place. */
static void
xsurface_attach_role_object(struct shield_object *xdg_surface,
			    struct shield_object *role_object, const char *role)
{
	struct xsurface *xs = xsurface_state(xdg_surface);
	xs->role = role;
	shield_ref_set(&xs->role_object, role_object);
	if (xs->surface.obj)
		shield_surface_set_role_object(xs->surface.obj, role_object);
}

/* Destroying the role object unmaps the surface: it must be configured
 * again before its next buffer. */
static void
xsurface_detach_role_object(struct shield_object *xdg_surface)
{
	struct xsurface *xs = xsurface_state(xdg_surface);
	xs->configured = false;
	xs->mapped = false;
	xs->acked = (struct toplevel_state){ 0 };
}

/* ---- xdg_toplevel ---- */

static bool
is_valid_resize_edge(uint32_t edges)
{
	switch (edges) {
	case XDG_TOPLEVEL_RESIZE_EDGE_NONE:
	case XDG_TOPLEVEL_RESIZE_EDGE_TOP:
	case XDG_TOPLEVEL_RESIZE_EDGE_BOTTOM:
	case XDG_TOPLEVEL_RESIZE_EDGE_LEFT:
	case XDG_TOPLEVEL_RESIZE_EDGE_TOP_LEFT:
	case XDG_TOPLEVEL_RESIZE_EDGE_BOTTOM_LEFT:
	case XDG_TOPLEVEL_RESIZE_EDGE_RIGHT:
	case XDG_TOPLEVEL_RESIZE_EDGE_TOP_RIGHT:
	case XDG_TOPLEVEL_RESIZE_EDGE_BOTTOM_RIGHT:
		return true;
	}
	return false;
}

static bool
toplevel_is_mapped(struct shield_object *obj)
{
	struct toplevel *t = obj->state;
	return t->xdg_surface.obj && xsurface_state(t->xdg_surface.obj)->mapped;
}

static bool
toplevel_handle_set_parent(struct shield_object *obj, union wl_argument *args)
{
	struct toplevel *t = obj->state;
	struct shield_object *parent = shield_object_from_arg(&args[0]);
	if (parent == obj)
		return shield_refuse(obj, XDG_TOPLEVEL_ERROR_INVALID_PARENT,
				     "set_parent: a toplevel cannot be its own parent");
	int depth = 0;
	for (struct shield_object *p = parent; p && depth < 10000; depth++) {
		if (p == obj)
			return shield_refuse(obj, XDG_TOPLEVEL_ERROR_INVALID_PARENT,
					     "set_parent: xdg_toplevel@%u is a "
					     "descendant of this toplevel",
					     wl_resource_get_id(parent->resource));
		p = ((struct toplevel *)p->state)->parent.obj;
	}
	/* "Setting a parent which is not mapped is equivalent to setting a
	 * null parent." */
	shield_ref_set(&t->parent, parent && toplevel_is_mapped(parent) ? parent : NULL);
	return true;
}

static bool
toplevel_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	struct toplevel *t = obj->state;
	switch (opcode) {
	case XDG_TOPLEVEL_DESTROY:
		if (!shield_toplevel_decoration_allows_destroy(obj))
			return false;
		toplevel_handle_unmap(obj);
		if (t->xdg_surface.obj)
			xsurface_detach_role_object(t->xdg_surface.obj);
		return true;
	case XDG_TOPLEVEL_SET_PARENT:
		return toplevel_handle_set_parent(obj, args);
	case XDG_TOPLEVEL_RESIZE:
		if (!is_valid_resize_edge(args[2].u))
			return shield_refuse(obj, XDG_TOPLEVEL_ERROR_INVALID_RESIZE_EDGE,
					     "resize: %u is not a resize_edge",
					     args[2].u);
		return true;
	case XDG_TOPLEVEL_SET_MAX_SIZE:
	case XDG_TOPLEVEL_SET_MIN_SIZE: {
		bool max = opcode == XDG_TOPLEVEL_SET_MAX_SIZE;
		if (args[0].i < 0 || args[1].i < 0)
			return shield_refuse(obj, XDG_TOPLEVEL_ERROR_INVALID_SIZE,
					     "%s %dx%d: negative size",
					     max ? "set_max_size" : "set_min_size",
					     args[0].i, args[1].i);
		/* Compared at commit: both are double-buffered, and a
		 * client may pass through min > max between two commits. */
		*(max ? &t->max_w : &t->min_w) = args[0].i;
		*(max ? &t->max_h : &t->min_h) = args[1].i;
		return true;
	}
	}
	return true;
}

static bool
toplevel_check_commit(struct shield_object *obj)
{
	struct toplevel *t = obj->state;
	if ((t->max_w > 0 && t->min_w > t->max_w) ||
	    (t->max_h > 0 && t->min_h > t->max_h))
		return shield_refuse(obj, XDG_TOPLEVEL_ERROR_INVALID_SIZE,
				     "commit: minimum size %dx%d exceeds maximum "
				     "size %dx%d", t->min_w, t->min_h,
				     t->max_w, t->max_h);
	return true;
}

/* The window geometry this commit makes effective, as the XML defines it:
 * the set geometry clamped to the bounding box of the surface and its
 * sub-surfaces, or that box when none is set.  False if it is not known
 * here (see "Left to the host" at the top). */
static bool
effective_geometry(const struct xsurface *xs, const struct shield_commit *c,
		   int32_t *width, int32_t *height)
{
	int32_t sw, sh;
	if (!shield_surface_commit_size(c, &sw, &sh))
		return false;
	bool children = shield_surface_has_subsurfaces(c->surface);
	if (!xs->geometry_set) {
		*width = sw;
		*height = sh;
		return !children;
	}
	const struct geometry *g = &xs->geometry;
	int64_t x0 = g->x > 0 ? g->x : 0, y0 = g->y > 0 ? g->y : 0;
	int64_t x1 = (int64_t)g->x + g->width, y1 = (int64_t)g->y + g->height;
	bool inside = g->x >= 0 && g->y >= 0 && x1 <= sw && y1 <= sh;
	if (children && !inside)
		return false;
	x1 = x1 < sw ? x1 : sw;
	y1 = y1 < sh ? y1 : sh;
	*width = x1 > x0 ? (int32_t)(x1 - x0) : 0;
	*height = y1 > y0 ? (int32_t)(y1 - y0) : 0;
	return true;
}

/* xdg_toplevel.state fullscreen: the configured size "is a maximum"
 * (maximized: left to the host, see the top of this file). */
static bool
toplevel_check_surface_state(struct shield_object *obj, const struct shield_commit *c)
{
	struct toplevel *t = obj->state;
	struct xsurface *xs = t->xdg_surface.obj ? xsurface_state(t->xdg_surface.obj) : NULL;
	struct shield_object *wm_base = xs ? wm_base_of(t->xdg_surface.obj) : NULL;
	if (!xs || !wm_base || !c->has_buffer)
		return true;
	const struct toplevel_state *st = &xs->acked;
	if (!st->fullscreen)
		return true;
	int32_t w, h;
	if (!effective_geometry(xs, c, &w, &h))
		return true;
	if (st->fullscreen && !st->maximized &&
	    ((st->width > 0 && w > st->width) || (st->height > 0 && h > st->height)))
		return shield_refuse(wm_base, XDG_WM_BASE_ERROR_INVALID_SURFACE_STATE,
				     "xdg_toplevel@%u commit: window geometry "
				     "%dx%d is larger than the acked fullscreen "
				     "configure %dx%d",
				     wl_resource_get_id(obj->resource),
				     w, h, st->width, st->height);
	return true;
}

static void
toplevel_event(struct shield_object *obj, uint32_t opcode, const union wl_argument *args)
{
	struct toplevel *t = obj->state;
	if (opcode != XDG_TOPLEVEL_CONFIGURE)
		return;
	t->configure = (struct toplevel_state){ .width = args[0].i, .height = args[1].i };
	const struct wl_array *states = args[2].a;
	const uint32_t *state;
	if (!states)
		return;
	wl_array_for_each(state, states) {
		if (*state == XDG_TOPLEVEL_STATE_MAXIMIZED)
			t->configure.maximized = true;
		else if (*state == XDG_TOPLEVEL_STATE_FULLSCREEN)
			t->configure.fullscreen = true;
	}
}

struct shield_object *
shield_toplevel_surface(struct shield_object *toplevel)
{
	struct toplevel *t = toplevel->state;
	return t->xdg_surface.obj ? xsurface_state(t->xdg_surface.obj)->surface.obj : NULL;
}

/* "If a surface becomes unmapped, its children's parent is set to the
 * parent of the now-unmapped surface." */
static void
toplevel_handle_unmap(struct shield_object *obj)
{
	struct toplevel *t = obj->state;
	struct shield_object *o;
	shield_for_each(o, obj->client) {
		if (o->rules != &shield_xdg_toplevel_rules)
			continue;
		struct toplevel *child = o->state;
		if (child->parent.obj == obj)
			shield_ref_set(&child->parent, t->parent.obj);
	}
	shield_ref_clear(&t->parent);
}

static void
toplevel_init(struct shield_object *obj)
{
	struct toplevel *t = obj->state;
	const struct shield_birth *birth = shield_object_birth(obj);
	shield_ref_init(&t->xdg_surface);
	shield_ref_init(&t->parent);
	if (!birth || !birth->subject)
		return;
	shield_ref_set(&t->xdg_surface, birth->subject);
	xsurface_attach_role_object(birth->subject, obj, SHIELD_ROLE_XDG_TOPLEVEL);
}

static void
toplevel_destroy(struct shield_object *obj)
{
	struct toplevel *t = obj->state;
	shield_ref_clear(&t->xdg_surface);
	shield_ref_clear(&t->parent);
}

const struct shield_rules shield_xdg_toplevel_rules = {
	.interface = "xdg_toplevel",
	.state_size = sizeof(struct toplevel),
	.init = toplevel_init,
	.request = toplevel_request,
	.event = toplevel_event,
	.destroy = toplevel_destroy,
};

/* ---- xdg_popup ---- */

static bool
popup_handle_destroy(struct shield_object *obj)
{
	struct popup *p = obj->state;
	struct shield_object *xdg_surface = p->xdg_surface.obj;
	if (!xdg_surface)
		return true;
	struct shield_object *o;
	shield_for_each(o, obj->client) {
		if (o->rules != &shield_xdg_popup_rules || o == obj)
			continue;
		struct popup *child = o->state;
		struct shield_object *wm_base = wm_base_of(xdg_surface);
		if (child->parent.obj == xdg_surface && !child->dismissed && wm_base)
			return shield_refuse(wm_base, XDG_WM_BASE_ERROR_NOT_THE_TOPMOST_POPUP,
					     "xdg_popup@%u.destroy: its child "
					     "xdg_popup@%u is still open",
					     wl_resource_get_id(obj->resource),
					     wl_resource_get_id(o->resource));
	}
	xsurface_detach_role_object(xdg_surface);
	return true;
}

static bool
popup_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	struct popup *p = obj->state;
	switch (opcode) {
	case XDG_POPUP_DESTROY:
		return popup_handle_destroy(obj);
	case XDG_POPUP_GRAB:
		if (p->xdg_surface.obj && xsurface_state(p->xdg_surface.obj)->mapped)
			return shield_refuse(obj, XDG_POPUP_ERROR_INVALID_GRAB,
					     "grab after the popup was mapped");
		return true;
	case XDG_POPUP_REPOSITION:
		return !p->xdg_surface.obj ||
		       check_positioner(p->xdg_surface.obj,
					shield_object_from_arg(&args[0]), "reposition");
	}
	return true;
}

static void
popup_event(struct shield_object *obj, uint32_t opcode, const union wl_argument *args)
{
	struct popup *p = obj->state;
	if (opcode == XDG_POPUP_POPUP_DONE)
		p->dismissed = true;
}

static void
popup_init(struct shield_object *obj)
{
	struct popup *p = obj->state;
	const struct shield_birth *birth = shield_object_birth(obj);
	shield_ref_init(&p->xdg_surface);
	shield_ref_init(&p->parent);
	if (!birth || !birth->subject)
		return;
	shield_ref_set(&p->xdg_surface, birth->subject);
	shield_ref_set(&p->parent, birth->other);
	xsurface_attach_role_object(birth->subject, obj, SHIELD_ROLE_XDG_POPUP);
}

static void
popup_destroy(struct shield_object *obj)
{
	struct popup *p = obj->state;
	shield_ref_clear(&p->xdg_surface);
	shield_ref_clear(&p->parent);
}

const struct shield_rules shield_xdg_popup_rules = {
	.interface = "xdg_popup",
	.state_size = sizeof(struct popup),
	.init = popup_init,
	.request = popup_request,
	.event = popup_event,
	.destroy = popup_destroy,
};
