/*
 * Rules of the data device (wayland.xml: wl_data_device, wl_data_source,
 * wl_data_offer).
 *
 *   wl_data_device.error  role                 start_drag with an icon that
 *                                              has another role
 *   wl_data_source.error  invalid_action_mask  set_actions outside the
 *                                              dnd_actions enum
 *                         invalid_source       set_actions on a source
 *                                              already used, or set_selection
 *                                              with a drag-and-drop source
 *   wl_data_offer.error   invalid_finish       finish on a selection offer,
 *                                              after accept(NULL), or before
 *                                              any action event
 *                         invalid_action_mask  set_actions outside the enum
 *                         invalid_action       preferred action not one value
 *                                              of dnd_actions, or not among
 *                                              the source's actions
 *                         invalid_offer        set_actions on a selection
 *                                              offer
 *
 * Whether an offer is for drag-and-drop or the selection is learnt from the
 * event that presented it (wl_data_device.enter or .selection); an offer
 * not yet presented is given the benefit of the doubt.  The primary
 * selection protocol defines no errors.
 */
#include <stdlib.h>
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "shield_surface.h"

#define ALL_DND_ACTIONS (WL_DATA_DEVICE_MANAGER_DND_ACTION_COPY | \
			 WL_DATA_DEVICE_MANAGER_DND_ACTION_MOVE | \
			 WL_DATA_DEVICE_MANAGER_DND_ACTION_ASK)

struct source {
	bool actions_set;
	bool used; /* in start_drag or set_selection */
};

enum offer_kind { OFFER_UNKNOWN, OFFER_DND, OFFER_SELECTION };

struct offer {
	enum offer_kind kind;
	bool accepted_null, got_action, got_source_actions;
	uint32_t source_actions;
};

static struct source *
source_state(struct shield_object *obj)
{
	return obj && obj->rules == &shield_wl_data_source_rules ? obj->state : NULL;
}

static bool
data_device_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	switch (opcode) {
	case WL_DATA_DEVICE_START_DRAG: {
		struct shield_object *icon = shield_object_from_arg(&args[2]);
		if (icon && !shield_surface_give_role(icon, SHIELD_ROLE_DND_ICON, obj,
						      WL_DATA_DEVICE_ERROR_ROLE,
						      "start_drag"))
			return false;
		struct source *src = source_state(shield_object_from_arg(&args[0]));
		if (src)
			src->used = true;
		return true;
	}
	case WL_DATA_DEVICE_SET_SELECTION: {
		struct shield_object *src_obj = shield_object_from_arg(&args[0]);
		struct source *src = source_state(src_obj);
		if (!src)
			return true;
		if (src->actions_set)
			return shield_refuse(src_obj, WL_DATA_SOURCE_ERROR_INVALID_SOURCE,
					     "wl_data_device.set_selection with a "
					     "drag-and-drop source (set_actions was "
					     "called)");
		src->used = true;
		return true;
	}
	}
	return true;
}

static void
mark_offer(const union wl_argument *arg, enum offer_kind kind)
{
	struct shield_object *o = shield_object_from_arg(arg);
	if (o && o->rules == &shield_wl_data_offer_rules)
		((struct offer *)o->state)->kind = kind;
}

static void
data_device_event(struct shield_object *obj, uint32_t opcode, const union wl_argument *args)
{
	if (opcode == WL_DATA_DEVICE_ENTER)
		mark_offer(&args[4], OFFER_DND);
	else if (opcode == WL_DATA_DEVICE_SELECTION)
		mark_offer(&args[0], OFFER_SELECTION);
}

const struct shield_rules shield_wl_data_device_rules = {
	.interface = "wl_data_device",
	.request = data_device_request,
	.event = data_device_event,
};

static bool
source_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	struct source *src = obj->state;
	if (opcode != WL_DATA_SOURCE_SET_ACTIONS)
		return true;
	if (args[0].u & ~(uint32_t)ALL_DND_ACTIONS)
		return shield_refuse(obj, WL_DATA_SOURCE_ERROR_INVALID_ACTION_MASK,
				     "set_actions %#x: not a mask of dnd_actions",
				     args[0].u);
	if (src->used)
		return shield_refuse(obj, WL_DATA_SOURCE_ERROR_INVALID_SOURCE,
				     "set_actions after the source was used");
	src->actions_set = true;
	return true;
}

const struct shield_rules shield_wl_data_source_rules = {
	.interface = "wl_data_source",
	.state_size = sizeof(struct source),
	.request = source_request,
};

static bool
offer_set_actions(struct shield_object *obj, uint32_t actions, uint32_t preferred)
{
	struct offer *o = obj->state;
	if (actions & ~(uint32_t)ALL_DND_ACTIONS)
		return shield_refuse(obj, WL_DATA_OFFER_ERROR_INVALID_ACTION_MASK,
				     "set_actions %#x: not a mask of dnd_actions",
				     actions);
	if (preferred && ((preferred & (preferred - 1)) || !(preferred & actions)))
		return shield_refuse(obj, WL_DATA_OFFER_ERROR_INVALID_ACTION,
				     "set_actions: preferred action %#x is not one "
				     "action of %#x", preferred, actions);
	if (preferred && o->got_source_actions && !(preferred & o->source_actions))
		return shield_refuse(obj, WL_DATA_OFFER_ERROR_INVALID_ACTION,
				     "set_actions: preferred action %#x is not "
				     "among the source's %#x", preferred,
				     o->source_actions);
	if (o->kind == OFFER_SELECTION)
		return shield_refuse(obj, WL_DATA_OFFER_ERROR_INVALID_OFFER,
				     "set_actions on a selection offer");
	return true;
}

static bool
offer_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	struct offer *o = obj->state;
	switch (opcode) {
	case WL_DATA_OFFER_ACCEPT:
		o->accepted_null = args[1].s == NULL;
		return true;
	case WL_DATA_OFFER_FINISH:
		if (o->kind == OFFER_SELECTION)
			return shield_refuse(obj, WL_DATA_OFFER_ERROR_INVALID_FINISH,
					     "finish on a selection offer");
		if (o->kind == OFFER_DND && o->accepted_null)
			return shield_refuse(obj, WL_DATA_OFFER_ERROR_INVALID_FINISH,
					     "finish after accept with no mime type");
		if (o->kind == OFFER_DND && !o->got_action)
			return shield_refuse(obj, WL_DATA_OFFER_ERROR_INVALID_FINISH,
					     "finish before any action event");
		return true;
	case WL_DATA_OFFER_SET_ACTIONS:
		return offer_set_actions(obj, args[0].u, args[1].u);
	}
	return true;
}

static void
offer_event(struct shield_object *obj, uint32_t opcode, const union wl_argument *args)
{
	struct offer *o = obj->state;
	if (opcode == WL_DATA_OFFER_SOURCE_ACTIONS) {
		o->got_source_actions = true;
		o->source_actions = args[0].u;
	} else if (opcode == WL_DATA_OFFER_ACTION) {
		o->got_action = true;
	}
}

const struct shield_rules shield_wl_data_offer_rules = {
	.interface = "wl_data_offer",
	.state_size = sizeof(struct offer),
	.request = offer_request,
	.event = offer_event,
};
