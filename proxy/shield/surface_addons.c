/*
 * Add-on objects a surface may have one of (per seat, where a seat is
 * named): one table row per protocol, its error beside it.
 *
 *   wp_fractional_scale_manager_v1  fractional_scale_exists
 *   wp_content_type_manager_v1      already_constructed
 *   wp_tearing_control_manager_v1   tearing_control_exists
 *   zwp_keyboard_shortcuts_inhibit_manager_v1
 *                                   already_inhibited (per seat)
 *
 * The error goes on the manager (the XMLs put the enum there); the add-on
 * frees its place when destroyed.  wp_viewporter's viewport_exists is in
 * viewporter.c with the viewport's other rules.
 */
#include <stdlib.h>
#include <string.h>

#include "content-type-v1-client-protocol.h"
#include "content-type-v1-server-protocol.h"
#include "fractional-scale-v1-client-protocol.h"
#include "fractional-scale-v1-server-protocol.h"
#include "keyboard-shortcuts-inhibit-unstable-v1-client-protocol.h"
#include "keyboard-shortcuts-inhibit-unstable-v1-server-protocol.h"
#include "tearing-control-v1-client-protocol.h"
#include "tearing-control-v1-server-protocol.h"

#include "rules.h"

struct addon_rule {
	const struct shield_rules *manager, *addon;
	uint32_t opcode;   /* the request that makes the add-on */
	int surface_arg;   /* its wl_surface argument */
	int seat_arg;      /* its wl_seat argument, or -1 */
	uint32_t code;
	const char *error;
};

static const struct addon_rule addon_rules[] = {
	{ &shield_wp_fractional_scale_manager_v1_rules,
	  &shield_wp_fractional_scale_v1_rules,
	  WP_FRACTIONAL_SCALE_MANAGER_V1_GET_FRACTIONAL_SCALE, 1, -1,
	  WP_FRACTIONAL_SCALE_MANAGER_V1_ERROR_FRACTIONAL_SCALE_EXISTS,
	  "fractional_scale_exists" },
	{ &shield_wp_content_type_manager_v1_rules,
	  &shield_wp_content_type_v1_rules,
	  WP_CONTENT_TYPE_MANAGER_V1_GET_SURFACE_CONTENT_TYPE, 1, -1,
	  WP_CONTENT_TYPE_MANAGER_V1_ERROR_ALREADY_CONSTRUCTED,
	  "already_constructed" },
	{ &shield_wp_tearing_control_manager_v1_rules,
	  &shield_wp_tearing_control_v1_rules,
	  WP_TEARING_CONTROL_MANAGER_V1_GET_TEARING_CONTROL, 1, -1,
	  WP_TEARING_CONTROL_MANAGER_V1_ERROR_TEARING_CONTROL_EXISTS,
	  "tearing_control_exists" },
	{ &shield_zwp_keyboard_shortcuts_inhibit_manager_v1_rules,
	  &shield_zwp_keyboard_shortcuts_inhibitor_v1_rules,
	  ZWP_KEYBOARD_SHORTCUTS_INHIBIT_MANAGER_V1_INHIBIT_SHORTCUTS, 1, 2,
	  ZWP_KEYBOARD_SHORTCUTS_INHIBIT_MANAGER_V1_ERROR_ALREADY_INHIBITED,
	  "already_inhibited" },
};

struct addon {
	struct shield_ref surface;
	struct shield_ref seat;
};

static const struct addon_rule *
rule_of_manager(const struct shield_object *manager)
{
	for (size_t i = 0; i < sizeof(addon_rules) / sizeof(addon_rules[0]); i++) {
		if (addon_rules[i].manager == manager->rules)
			return &addon_rules[i];
	}
	return NULL;
}

static bool
manager_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	const struct addon_rule *rule = rule_of_manager(obj);
	if (!rule || opcode != rule->opcode)
		return true;
	struct shield_object *surface = shield_object_from_arg(&args[rule->surface_arg]);
	struct shield_object *seat = rule->seat_arg >= 0 ?
		shield_object_from_arg(&args[rule->seat_arg]) : NULL;
	struct shield_object *o;
	shield_for_each(o, obj->client) {
		struct addon *a = o->state;
		if (!surface || o->rules != rule->addon || a->surface.obj != surface ||
		    (rule->seat_arg >= 0 && a->seat.obj != seat))
			continue;
		return shield_refuse(obj, rule->code, "%s: wl_surface@%u already has "
				     "%s@%u%s", rule->error,
				     wl_resource_get_id(surface->resource),
				     rule->addon->interface, wl_resource_get_id(o->resource),
				     rule->seat_arg >= 0 ? " for this seat" : "");
	}
	shield_expect(obj, args[0].n, surface, seat);
	return true;
}

static void
addon_init(struct shield_object *obj)
{
	struct addon *a = obj->state;
	const struct shield_birth *birth = shield_object_birth(obj);
	shield_ref_init(&a->surface);
	shield_ref_init(&a->seat);
	if (!birth)
		return;
	shield_ref_set(&a->surface, birth->subject);
	shield_ref_set(&a->seat, birth->other);
}

static void
addon_destroy(struct shield_object *obj)
{
	struct addon *a = obj->state;
	shield_ref_clear(&a->surface);
	shield_ref_clear(&a->seat);
}

#define MANAGER(name) \
	const struct shield_rules shield_##name##_rules = { \
		.interface = #name, \
		.request = manager_request, \
	}
#define ADDON(name) \
	const struct shield_rules shield_##name##_rules = { \
		.interface = #name, \
		.state_size = sizeof(struct addon), \
		.init = addon_init, \
		.destroy = addon_destroy, \
	}

MANAGER(wp_fractional_scale_manager_v1);
ADDON(wp_fractional_scale_v1);
MANAGER(wp_content_type_manager_v1);
ADDON(wp_content_type_v1);
MANAGER(wp_tearing_control_manager_v1);
ADDON(wp_tearing_control_v1);
MANAGER(zwp_keyboard_shortcuts_inhibit_manager_v1);
ADDON(zwp_keyboard_shortcuts_inhibitor_v1);
