/*
 * Rules of zxdg_decoration_manager_v1
 * (unstable/xdg-decoration/xdg-decoration-unstable-v1.xml).
 *
 *   zxdg_toplevel_decoration_v1.error
 *       unconfigured_buffer  get_toplevel_decoration for a toplevel whose
 *                            surface has a buffer attached or committed
 *                            (raised on the new object, made here only to
 *                            carry the error); a commit with a buffer before
 *                            the decoration's first configure event
 *       already_constructed  get_toplevel_decoration for a toplevel that has
 *                            a decoration object (raised on that object: the
 *                            new one does not exist yet)
 *       orphaned             xdg_toplevel.destroy before its decoration
 *                            object (raised on the decoration)
 *
 * "Attach or manipulate a buffer" before the first configure is checked at
 * the commit that would apply it, as xdg_surface's unconfigured_buffer is:
 * a pending attach reaches the host's state only there.
 */
#include <stdlib.h>

#include "xdg-decoration-unstable-v1-client-protocol.h"
#include "xdg-decoration-unstable-v1-server-protocol.h"

#include "shield_surface.h"

struct decoration {
	struct shield_object *self;
	struct shield_ref toplevel;
	bool configured; /* a configure event was sent to the guest */
	struct wl_listener commit;
};

static struct shield_object *
decoration_of(struct shield_object *toplevel)
{
	struct shield_object *o;
	shield_for_each(o, toplevel->client) {
		if (o->rules == &shield_zxdg_toplevel_decoration_v1_rules &&
		    ((struct decoration *)o->state)->toplevel.obj == toplevel)
			return o;
	}
	return NULL;
}

bool
shield_toplevel_decoration_allows_destroy(struct shield_object *toplevel)
{
	struct shield_object *deco = decoration_of(toplevel);
	if (!deco)
		return true;
	return shield_refuse(deco, ZXDG_TOPLEVEL_DECORATION_V1_ERROR_ORPHANED,
			     "xdg_toplevel@%u destroyed before its decoration "
			     "object", wl_resource_get_id(toplevel->resource));
}

/* The error belongs to the object the request creates: make it, so the
 * guest learns which of its objects broke the rule.  An id that cannot be
 * used gets the error on the manager instead. */
static bool
refuse_on_new_decoration(struct shield_object *manager, uint32_t id,
			 struct shield_object *toplevel)
{
	struct wl_client *client = wl_resource_get_client(manager->resource);
	struct wl_resource *deco = wl_resource_create(client,
		&zxdg_toplevel_decoration_v1_interface,
		wl_resource_get_version(manager->resource), id);
	uint32_t tid = wl_resource_get_id(toplevel->resource);
	if (!deco)
		return shield_refuse(manager, ZXDG_TOPLEVEL_DECORATION_V1_ERROR_UNCONFIGURED_BUFFER,
				     "get_toplevel_decoration: xdg_toplevel@%u "
				     "already has a buffer", tid);
	return shield_refuse_resource(deco, ZXDG_TOPLEVEL_DECORATION_V1_ERROR_UNCONFIGURED_BUFFER,
				      "get_toplevel_decoration: xdg_toplevel@%u "
				      "already has a buffer attached or committed",
				      tid);
}

static bool
manager_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	if (opcode != ZXDG_DECORATION_MANAGER_V1_GET_TOPLEVEL_DECORATION)
		return true;
	struct shield_object *toplevel = shield_object_from_arg(&args[1]);
	struct shield_object *existing = toplevel ? decoration_of(toplevel) : NULL;
	if (existing)
		return shield_refuse(existing,
				     ZXDG_TOPLEVEL_DECORATION_V1_ERROR_ALREADY_CONSTRUCTED,
				     "get_toplevel_decoration: xdg_toplevel@%u "
				     "already has this decoration object",
				     wl_resource_get_id(toplevel->resource));
	struct shield_object *surface = toplevel ? shield_toplevel_surface(toplevel) : NULL;
	if (surface && shield_surface_has_buffer(surface))
		return refuse_on_new_decoration(obj, args[0].n, toplevel);
	shield_expect(obj, args[0].n, toplevel, NULL);
	return true;
}

const struct shield_rules shield_zxdg_decoration_manager_v1_rules = {
	.interface = "zxdg_decoration_manager_v1",
	.request = manager_request,
};

static void
decoration_handle_commit(struct wl_listener *listener, void *data)
{
	struct decoration *d = wl_container_of(listener, d, commit);
	struct shield_commit *c = data;
	if (c->refused || d->configured || !c->has_buffer)
		return;
	shield_refuse(d->self, ZXDG_TOPLEVEL_DECORATION_V1_ERROR_UNCONFIGURED_BUFFER,
		      "wl_surface.commit with a buffer before the first "
		      "configure event of this decoration object");
	c->refused = true;
}

static void
decoration_event(struct shield_object *obj, uint32_t opcode, const union wl_argument *args)
{
	struct decoration *d = obj->state;
	if (opcode == ZXDG_TOPLEVEL_DECORATION_V1_CONFIGURE)
		d->configured = true;
}

static void
decoration_init(struct shield_object *obj)
{
	struct decoration *d = obj->state;
	const struct shield_birth *birth = shield_object_birth(obj);
	d->self = obj;
	shield_ref_init(&d->toplevel);
	d->commit.notify = decoration_handle_commit;
	wl_list_init(&d->commit.link);
	if (!birth || !birth->subject)
		return;
	shield_ref_set(&d->toplevel, birth->subject);
	struct shield_object *surface = shield_toplevel_surface(birth->subject);
	if (surface)
		shield_surface_add_commit_listener(surface, &d->commit);
}

static void
decoration_destroy(struct shield_object *obj)
{
	struct decoration *d = obj->state;
	wl_list_remove(&d->commit.link);
	shield_ref_clear(&d->toplevel);
}

const struct shield_rules shield_zxdg_toplevel_decoration_v1_rules = {
	.interface = "zxdg_toplevel_decoration_v1",
	.state_size = sizeof(struct decoration),
	.init = decoration_init,
	.event = decoration_event,
	.destroy = decoration_destroy,
};
