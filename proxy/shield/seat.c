/*
 * Roles given through the seat's devices (wayland.xml, tablet-unstable-v2):
 *
 *   wl_pointer.error         role  set_cursor with a surface that has
 *                                  another role
 *   zwp_tablet_tool_v2.error role  the same for a tablet tool's cursor
 *
 * Also remembers which wl_seat each wl_pointer came from: pointer
 * constraints are per seat (pointer_constraints.c).
 */
#include <stdlib.h>
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "tablet-unstable-v2-client-protocol.h"
#include "tablet-unstable-v2-server-protocol.h"

#include "shield_surface.h"

struct pointer {
	struct shield_ref seat;
};

static bool
seat_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	if (opcode == WL_SEAT_GET_POINTER)
		shield_expect(obj, args[0].n, obj, NULL);
	return true;
}

const struct shield_rules shield_wl_seat_rules = {
	.interface = "wl_seat",
	.request = seat_request,
};

static bool
give_cursor_role(struct shield_object *obj, const union wl_argument *surface_arg,
		 uint32_t code)
{
	struct shield_object *surface = shield_object_from_arg(surface_arg);
	return !surface || shield_surface_give_role(surface, SHIELD_ROLE_CURSOR,
						    obj, code, "set_cursor");
}

static bool
pointer_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	if (opcode == WL_POINTER_SET_CURSOR)
		return give_cursor_role(obj, &args[1], WL_POINTER_ERROR_ROLE);
	return true;
}

static void
pointer_init(struct shield_object *obj)
{
	struct pointer *p = obj->state;
	const struct shield_birth *birth = shield_object_birth(obj);
	shield_ref_init(&p->seat);
	if (birth)
		shield_ref_set(&p->seat, birth->parent);
}

static void
pointer_destroy(struct shield_object *obj)
{
	struct pointer *p = obj->state;
	shield_ref_clear(&p->seat);
}

const struct shield_rules shield_wl_pointer_rules = {
	.interface = "wl_pointer",
	.state_size = sizeof(struct pointer),
	.init = pointer_init,
	.request = pointer_request,
	.destroy = pointer_destroy,
};

struct shield_object *
shield_pointer_seat(struct shield_object *pointer)
{
	if (!pointer || pointer->rules != &shield_wl_pointer_rules)
		return NULL;
	return ((struct pointer *)pointer->state)->seat.obj;
}

static bool
tablet_tool_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	if (opcode == ZWP_TABLET_TOOL_V2_SET_CURSOR)
		return give_cursor_role(obj, &args[1], ZWP_TABLET_TOOL_V2_ERROR_ROLE);
	return true;
}

const struct shield_rules shield_zwp_tablet_tool_v2_rules = {
	.interface = "zwp_tablet_tool_v2",
	.request = tablet_tool_request,
};
