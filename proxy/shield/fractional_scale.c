/*
 * Rules of wp_fractional_scale_manager_v1
 * (staging/fractional-scale/fractional-scale-v1.xml).
 *
 *   wp_fractional_scale_manager_v1.error  fractional_scale_exists
 *       get_fractional_scale for a surface that has one
 */
#include <stdlib.h>

#include "fractional-scale-v1-client-protocol.h"
#include "fractional-scale-v1-server-protocol.h"

#include "rules.h"

struct fractional_scale {
	struct shield_ref surface;
};

static bool
manager_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	if (opcode != WP_FRACTIONAL_SCALE_MANAGER_V1_GET_FRACTIONAL_SCALE)
		return true;
	struct shield_object *surface = shield_object_from_arg(&args[1]);
	struct shield_object *o;
	shield_for_each(o, obj->client) {
		if (surface && o->rules == &shield_wp_fractional_scale_v1_rules &&
		    ((struct fractional_scale *)o->state)->surface.obj == surface)
			return shield_refuse(obj,
				WP_FRACTIONAL_SCALE_MANAGER_V1_ERROR_FRACTIONAL_SCALE_EXISTS,
				"get_fractional_scale: wl_surface@%u already has "
				"wp_fractional_scale_v1@%u",
				wl_resource_get_id(surface->resource),
				wl_resource_get_id(o->resource));
	}
	shield_expect(obj, args[0].n, surface, NULL);
	return true;
}

const struct shield_rules shield_wp_fractional_scale_manager_v1_rules = {
	.interface = "wp_fractional_scale_manager_v1",
	.request = manager_request,
};

static void
fractional_scale_init(struct shield_object *obj)
{
	struct fractional_scale *fs = obj->state;
	const struct shield_birth *birth = shield_object_birth(obj);
	shield_ref_init(&fs->surface);
	if (birth)
		shield_ref_set(&fs->surface, birth->subject);
}

static void
fractional_scale_destroy(struct shield_object *obj)
{
	struct fractional_scale *fs = obj->state;
	shield_ref_clear(&fs->surface);
}

const struct shield_rules shield_wp_fractional_scale_v1_rules = {
	.interface = "wp_fractional_scale_v1",
	.state_size = sizeof(struct fractional_scale),
	.init = fractional_scale_init,
	.destroy = fractional_scale_destroy,
};
