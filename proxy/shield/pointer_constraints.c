/*
 * Rules of zwp_pointer_constraints_v1
 * (unstable/pointer-constraints/pointer-constraints-unstable-v1.xml).
 *
 *   zwp_pointer_constraints_v1.error  already_constrained  lock_pointer or
 *       confine_pointer for a surface that has a lock or confinement of
 *       the same seat (any of its wl_pointer objects)
 *
 * A oneshot constraint that was deactivated (unlocked / unconfined) no
 * longer counts, though its object lives on until the client destroys it.
 */
#include <stdlib.h>

#include "pointer-constraints-unstable-v1-client-protocol.h"
#include "pointer-constraints-unstable-v1-server-protocol.h"

#include "rules.h"

struct constraint {
	struct shield_ref surface;
	struct shield_ref pointer;
	struct shield_ref seat;
	bool oneshot, defunct;
};

static bool
is_constraint(const struct shield_object *o)
{
	return o->rules == &shield_zwp_locked_pointer_v1_rules ||
	       o->rules == &shield_zwp_confined_pointer_v1_rules;
}

static bool
same_seat(struct constraint *c, struct shield_object *pointer,
	  struct shield_object *seat)
{
	if (seat && c->seat.obj)
		return seat == c->seat.obj;
	return pointer == c->pointer.obj;
}

static bool
constraints_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	if (opcode != ZWP_POINTER_CONSTRAINTS_V1_LOCK_POINTER &&
	    opcode != ZWP_POINTER_CONSTRAINTS_V1_CONFINE_POINTER)
		return true;
	struct shield_object *surface = shield_object_from_arg(&args[1]);
	struct shield_object *pointer = shield_object_from_arg(&args[2]);
	struct shield_object *seat = shield_pointer_seat(pointer);
	struct shield_object *o;
	shield_for_each(o, obj->client) {
		if (!is_constraint(o))
			continue;
		struct constraint *c = o->state;
		if (surface && c->surface.obj == surface && !c->defunct &&
		    same_seat(c, pointer, seat))
			return shield_refuse(obj,
				ZWP_POINTER_CONSTRAINTS_V1_ERROR_ALREADY_CONSTRAINED,
				"%s: wl_surface@%u already has %s@%u for this seat",
				opcode == ZWP_POINTER_CONSTRAINTS_V1_LOCK_POINTER ?
				"lock_pointer" : "confine_pointer",
				wl_resource_get_id(surface->resource),
				wl_resource_get_class(o->resource),
				wl_resource_get_id(o->resource));
	}
	shield_expect_value(obj, args[0].n, surface, pointer, args[4].u);
	return true;
}

const struct shield_rules shield_zwp_pointer_constraints_v1_rules = {
	.interface = "zwp_pointer_constraints_v1",
	.request = constraints_request,
};

static void
constraint_init(struct shield_object *obj)
{
	struct constraint *c = obj->state;
	const struct shield_birth *birth = shield_object_birth(obj);
	shield_ref_init(&c->surface);
	shield_ref_init(&c->pointer);
	shield_ref_init(&c->seat);
	if (!birth)
		return;
	c->oneshot = birth->value == ZWP_POINTER_CONSTRAINTS_V1_LIFETIME_ONESHOT;
	shield_ref_set(&c->surface, birth->subject);
	shield_ref_set(&c->pointer, birth->other);
	shield_ref_set(&c->seat, shield_pointer_seat(birth->other));
}

static void
constraint_destroy(struct shield_object *obj)
{
	struct constraint *c = obj->state;
	shield_ref_clear(&c->surface);
	shield_ref_clear(&c->pointer);
	shield_ref_clear(&c->seat);
}

static void
constraint_event(struct shield_object *obj, uint32_t opcode, const union wl_argument *args)
{
	struct constraint *c = obj->state;
	bool deactivated = obj->rules == &shield_zwp_locked_pointer_v1_rules ?
		opcode == ZWP_LOCKED_POINTER_V1_UNLOCKED :
		opcode == ZWP_CONFINED_POINTER_V1_UNCONFINED;
	if (deactivated && c->oneshot)
		c->defunct = true;
}

const struct shield_rules shield_zwp_locked_pointer_v1_rules = {
	.interface = "zwp_locked_pointer_v1",
	.state_size = sizeof(struct constraint),
	.init = constraint_init,
	.event = constraint_event,
	.destroy = constraint_destroy,
};

const struct shield_rules shield_zwp_confined_pointer_v1_rules = {
	.interface = "zwp_confined_pointer_v1",
	.state_size = sizeof(struct constraint),
	.init = constraint_init,
	.event = constraint_event,
	.destroy = constraint_destroy,
};
