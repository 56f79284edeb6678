/*
 * Rules of zxdg_decoration_manager_v1
 * (unstable/xdg-decoration/xdg-decoration-unstable-v1.xml).
 *
 *   zxdg_toplevel_decoration_v1.error
 *       already_constructed  get_toplevel_decoration for a toplevel that has
 *                            a decoration object (raised on that object: the
 *                            new one does not exist yet)
 *       orphaned             xdg_toplevel.destroy before its decoration
 *                            object (raised on the decoration)
 *
 * Not checked: unconfigured_buffer, whose object would be the one the
 * offending request creates; the host raises it.
 */
#include <stdlib.h>

#include "xdg-decoration-unstable-v1-client-protocol.h"
#include "xdg-decoration-unstable-v1-server-protocol.h"

#include "rules.h"

struct decoration {
	struct shield_ref toplevel;
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
	shield_expect(obj, args[0].n, toplevel, NULL);
	return true;
}

const struct shield_rules shield_zxdg_decoration_manager_v1_rules = {
	.interface = "zxdg_decoration_manager_v1",
	.request = manager_request,
};

static void
decoration_init(struct shield_object *obj)
{
	struct decoration *d = obj->state;
	const struct shield_birth *birth = shield_object_birth(obj);
	shield_ref_init(&d->toplevel);
	if (birth)
		shield_ref_set(&d->toplevel, birth->subject);
}

static void
decoration_destroy(struct shield_object *obj)
{
	struct decoration *d = obj->state;
	shield_ref_clear(&d->toplevel);
}

const struct shield_rules shield_zxdg_toplevel_decoration_v1_rules = {
	.interface = "zxdg_toplevel_decoration_v1",
	.state_size = sizeof(struct decoration),
	.init = decoration_init,
	.destroy = decoration_destroy,
};
