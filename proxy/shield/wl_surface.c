/*
 * Rules of wl_surface, wl_subcompositor and wl_subsurface (wayland.xml).
 *
 *   wl_surface.error        invalid_scale      set_buffer_scale <= 0
 *                           invalid_transform  set_buffer_transform not a
 *                                              wl_output.transform
 *                           invalid_size       committed buffer not a
 *                                              multiple of the scale
 *                           invalid_offset     attach with x, y != 0 from
 *                                              version 5 (use offset)
 *   wl_subcompositor.error  bad_surface        get_subsurface for a surface
 *                                              with another role or a live
 *                                              wl_subsurface, or whose parent
 *                                              is itself or a descendant
 *   wl_subsurface.error     bad_surface        place_above/below a surface
 *                                              that is neither a sibling nor
 *                                              the parent
 *
 * A surface has at most one role for life; the same role may be given again
 * once the object that played it is destroyed.  wl_region defines no errors
 * and has no rules.
 *
 * Left to the host on purpose: the buffer-size rule for cursor and
 * drag-icon surfaces and for surfaces with a viewport destination (where
 * compositors differ), and for buffers whose size the proxy cannot know.
 */
#include <stdlib.h>
#include <string.h>
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "shm.h"
#include "shield_surface.h"

struct surface {
	const char *role;
	struct shield_ref role_object;
	struct shield_ref xdg_surface;
	struct shield_ref parent; /* the parent surface, as a sub-surface */

	bool pending_attached, pending_has_buffer;
	int32_t pending_width, pending_height;
	int32_t pending_scale, pending_transform;
	bool viewport_destination;
	uint32_t life_flags; /* SHIELD_SURFACE_* */

	bool has_buffer;
	int32_t width, height;
	int32_t scale, transform;

	struct wl_signal commit;
};

static struct surface *
surface_state(struct shield_object *obj)
{
	return obj->state;
}

bool
shield_surface_give_role(struct shield_object *obj, const char *role,
			 struct shield_object *error_on, uint32_t code,
			 const char *request)
{
	struct surface *s = surface_state(obj);
	uint32_t id = wl_resource_get_id(obj->resource);
	if (s->role && strcmp(s->role, role) != 0)
		return shield_refuse(error_on, code, "%s: wl_surface@%u already "
				     "has the %s role, a surface has one role "
				     "for life", request, id, s->role);
	if (s->role && s->role_object.obj)
		return shield_refuse(error_on, code, "%s: wl_surface@%u already "
				     "has a live %s@%u", request, id,
				     wl_resource_get_class(s->role_object.obj->resource),
				     wl_resource_get_id(s->role_object.obj->resource));
	if (!s->role && s->xdg_surface.obj && strncmp(role, "xdg_", 4) != 0)
		return shield_refuse(error_on, code, "%s: wl_surface@%u has an "
				     "xdg_surface, so only a role extending "
				     "xdg_surface", request, id);
	s->role = role;
	return true;
}

void
shield_surface_set_role_object(struct shield_object *obj,
			       struct shield_object *role_object)
{
	shield_ref_set(&surface_state(obj)->role_object, role_object);
}

const char *
shield_surface_role(struct shield_object *obj)
{
	return surface_state(obj)->role;
}

struct shield_object *
shield_surface_role_object(struct shield_object *obj)
{
	return surface_state(obj)->role_object.obj;
}

void
shield_surface_set_xdg_surface(struct shield_object *obj,
			       struct shield_object *xdg_surface)
{
	shield_ref_set(&surface_state(obj)->xdg_surface, xdg_surface);
}

struct shield_object *
shield_surface_xdg_surface(struct shield_object *obj)
{
	return surface_state(obj)->xdg_surface.obj;
}

void
shield_surface_add_commit_listener(struct shield_object *obj,
				   struct wl_listener *listener)
{
	wl_signal_add(&surface_state(obj)->commit, listener);
}

bool
shield_surface_test_and_set(struct shield_object *obj, uint32_t flag)
{
	struct surface *s = surface_state(obj);
	bool was = s->life_flags & flag;
	s->life_flags |= flag;
	return was;
}

void
shield_surface_set_viewport_destination(struct shield_object *obj, bool set)
{
	surface_state(obj)->viewport_destination = set;
}

bool
shield_surface_commit_size(const struct shield_commit *c, int32_t *width, int32_t *height)
{
	if (!c->has_buffer || c->width <= 0 || c->height <= 0 || c->scale < 1 ||
	    surface_state(c->surface)->viewport_destination)
		return false;
	bool turned = c->transform & 1; /* 90 and 270, flipped or not */
	*width = (turned ? c->height : c->width) / c->scale;
	*height = (turned ? c->width : c->height) / c->scale;
	return true;
}

bool
shield_surface_has_subsurfaces(struct shield_object *obj)
{
	struct shield_object *o;
	shield_for_each(o, obj->client) {
		if (o->rules == &shield_wl_surface_rules &&
		    surface_state(o)->parent.obj == obj)
			return true;
	}
	return false;
}

bool
shield_surface_has_buffer(struct shield_object *obj)
{
	struct surface *s = surface_state(obj);
	return s->has_buffer || (s->pending_attached && s->pending_has_buffer);
}

static bool
surface_handle_attach(struct shield_object *obj, union wl_argument *args)
{
	struct surface *s = surface_state(obj);
	struct wl_resource *buffer = (struct wl_resource *)args[0].o;
	if (wl_resource_get_version(obj->resource) >= WL_SURFACE_OFFSET_SINCE_VERSION &&
	    (args[1].i != 0 || args[2].i != 0))
		return shield_refuse(obj, WL_SURFACE_ERROR_INVALID_OFFSET,
				     "attach with offset %d,%d: from version %d "
				     "the offset goes in wl_surface.offset",
				     args[1].i, args[2].i,
				     WL_SURFACE_OFFSET_SINCE_VERSION);
	s->pending_attached = true;
	s->pending_has_buffer = buffer != NULL;
	struct shm_buffer *shm = buffer ? shm_buffer_from_resource(buffer) : NULL;
	s->pending_width = shm ? shm->width : 0;
	s->pending_height = shm ? shm->height : 0;
	return true;
}

static bool
size_rule_applies(const struct surface *s)
{
	if (s->viewport_destination)
		return false;
	if (!s->role)
		return true;
	return strcmp(s->role, SHIELD_ROLE_CURSOR) != 0 &&
	       strcmp(s->role, SHIELD_ROLE_DND_ICON) != 0;
}

static bool
surface_handle_commit(struct shield_object *obj)
{
	struct surface *s = surface_state(obj);
	struct shield_commit c = {
		.surface = obj,
		.attached = s->pending_attached,
		.has_buffer = s->pending_attached ? s->pending_has_buffer : s->has_buffer,
		.width = s->pending_attached ? s->pending_width : s->width,
		.height = s->pending_attached ? s->pending_height : s->height,
		.scale = s->pending_scale,
		.transform = s->pending_transform,
	};
	if (c.has_buffer && c.width > 0 && c.scale > 1 && size_rule_applies(s) &&
	    (c.width % c.scale != 0 || c.height % c.scale != 0))
		return shield_refuse(obj, WL_SURFACE_ERROR_INVALID_SIZE,
				     "commit: a %dx%d buffer at scale %d: its size "
				     "must be a multiple of the scale",
				     c.width, c.height, c.scale);
	wl_signal_emit_mutable(&s->commit, &c);
	if (c.refused)
		return false;
	s->has_buffer = c.has_buffer;
	s->width = c.width;
	s->height = c.height;
	s->scale = c.scale;
	s->transform = c.transform;
	s->pending_attached = false;
	return true;
}

static bool
surface_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	struct surface *s = surface_state(obj);
	switch (opcode) {
	case WL_SURFACE_ATTACH:
		return surface_handle_attach(obj, args);
	case WL_SURFACE_SET_BUFFER_SCALE:
		if (args[0].i <= 0)
			return shield_refuse(obj, WL_SURFACE_ERROR_INVALID_SCALE,
					     "set_buffer_scale %d: the scale must "
					     "be positive", args[0].i);
		s->pending_scale = args[0].i;
		return true;
	case WL_SURFACE_SET_BUFFER_TRANSFORM:
		if (args[0].i < WL_OUTPUT_TRANSFORM_NORMAL ||
		    args[0].i > WL_OUTPUT_TRANSFORM_FLIPPED_270)
			return shield_refuse(obj, WL_SURFACE_ERROR_INVALID_TRANSFORM,
					     "set_buffer_transform %d: not a "
					     "wl_output.transform", args[0].i);
		s->pending_transform = args[0].i;
		return true;
	case WL_SURFACE_COMMIT:
		return surface_handle_commit(obj);
	}
	return true;
}

static void
surface_init(struct shield_object *obj)
{
	struct surface *s = surface_state(obj);
	shield_ref_init(&s->role_object);
	shield_ref_init(&s->xdg_surface);
	shield_ref_init(&s->parent);
	s->scale = s->pending_scale = 1;
	s->transform = s->pending_transform = WL_OUTPUT_TRANSFORM_NORMAL;
	wl_signal_init(&s->commit);
}

static void
surface_destroy(struct shield_object *obj)
{
	struct surface *s = surface_state(obj);
	/* Commit listeners outlive the surface (a viewport, an xdg_surface):
	 * unhook them so that their own destroy finds a valid link. */
	struct wl_listener *l, *tmp;
	wl_list_for_each_safe(l, tmp, &s->commit.listener_list, link) {
		wl_list_remove(&l->link);
		wl_list_init(&l->link);
	}
	shield_ref_clear(&s->role_object);
	shield_ref_clear(&s->xdg_surface);
	shield_ref_clear(&s->parent);
}

const struct shield_rules shield_wl_surface_rules = {
	.interface = "wl_surface",
	.state_size = sizeof(struct surface),
	.init = surface_init,
	.request = surface_request,
	.destroy = surface_destroy,
};

/* ---- sub-surfaces ---- */

static bool
is_ancestor(struct shield_object *ancestor, struct shield_object *surface)
{
	/* The tree has no cycles (that is what this rule keeps), so the walk
	 * ends; the bound is for safety. */
	for (int depth = 0; surface && depth < 10000; depth++) {
		if (surface == ancestor)
			return true;
		surface = surface_state(surface)->parent.obj;
	}
	return false;
}

static bool
subcompositor_request(struct shield_object *obj, uint32_t opcode,
		      union wl_argument *args)
{
	if (opcode != WL_SUBCOMPOSITOR_GET_SUBSURFACE)
		return true;
	struct shield_object *surface = shield_object_from_arg(&args[1]);
	struct shield_object *parent = shield_object_from_arg(&args[2]);
	if (!surface || !parent)
		return true;
	uint32_t sid = wl_resource_get_id(surface->resource);
	uint32_t pid = wl_resource_get_id(parent->resource);
	if (surface == parent)
		return shield_refuse(obj, WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE,
				     "get_subsurface: wl_surface@%u cannot be its "
				     "own parent", sid);
	if (is_ancestor(surface, parent))
		return shield_refuse(obj, WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE,
				     "get_subsurface: parent wl_surface@%u is a "
				     "descendant of wl_surface@%u", pid, sid);
	if (!shield_surface_give_role(surface, SHIELD_ROLE_SUBSURFACE, obj,
				      WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE,
				      "get_subsurface"))
		return false;
	shield_expect(obj, args[0].n, surface, parent);
	return true;
}

const struct shield_rules shield_wl_subcompositor_rules = {
	.interface = "wl_subcompositor",
	.request = subcompositor_request,
};

struct subsurface {
	struct shield_ref surface;
};

static void
subsurface_init(struct shield_object *obj)
{
	struct subsurface *sub = obj->state;
	const struct shield_birth *birth = shield_object_birth(obj);
	shield_ref_init(&sub->surface);
	if (!birth || !birth->subject)
		return;
	shield_ref_set(&sub->surface, birth->subject);
	shield_surface_set_role_object(birth->subject, obj);
	shield_ref_set(&surface_state(birth->subject)->parent, birth->other);
}

static void
subsurface_destroy(struct shield_object *obj)
{
	struct subsurface *sub = obj->state;
	/* The surface loses its parent with its wl_subsurface. */
	if (sub->surface.obj)
		shield_ref_clear(&surface_state(sub->surface.obj)->parent);
	shield_ref_clear(&sub->surface);
}

static bool
subsurface_request(struct shield_object *obj, uint32_t opcode,
		   union wl_argument *args)
{
	struct subsurface *sub = obj->state;
	if (opcode != WL_SUBSURFACE_PLACE_ABOVE && opcode != WL_SUBSURFACE_PLACE_BELOW)
		return true;
	struct shield_object *sibling = shield_object_from_arg(&args[0]);
	struct shield_object *parent = sub->surface.obj ?
		surface_state(sub->surface.obj)->parent.obj : NULL;
	if (!sibling || !parent)
		return true; /* no parent left: nothing to restack against */
	if (sibling == parent ||
	    (sibling != sub->surface.obj && surface_state(sibling)->parent.obj == parent))
		return true;
	return shield_refuse(obj, WL_SUBSURFACE_ERROR_BAD_SURFACE,
			     "%s: wl_surface@%u is neither a sibling nor the "
			     "parent", opcode == WL_SUBSURFACE_PLACE_ABOVE ?
			     "place_above" : "place_below",
			     wl_resource_get_id(sibling->resource));
}

const struct shield_rules shield_wl_subsurface_rules = {
	.interface = "wl_subsurface",
	.state_size = sizeof(struct subsurface),
	.init = subsurface_init,
	.request = subsurface_request,
	.destroy = subsurface_destroy,
};
