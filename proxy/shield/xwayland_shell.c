/*
 * Rules of xwayland_shell_v1 (staging/xwayland-shell/xwayland-shell-v1.xml),
 * which only Xwayland binds.
 *
 *   xwayland_shell_v1.error    role                get_xwayland_surface for a
 *                                                  surface with another role
 *                                                  or a live xwayland_surface_v1
 *   xwayland_surface_v1.error  already_associated  a second set_serial
 *                                                  committed for one wl_surface
 *
 * Not checked: invalid_serial (which serials are valid is the X server's
 * and the compositor's business).
 */
#include <stdlib.h>

#include "xwayland-shell-v1-client-protocol.h"
#include "xwayland-shell-v1-server-protocol.h"

#include "shield_surface.h"

#define SHIELD_ROLE_XWAYLAND "xwayland_surface_v1"

struct xwayland_surface {
	struct shield_object *self;
	struct shield_ref surface;
	bool pending_serial;
	struct wl_listener commit;
};

static bool
shell_request(struct shield_object *obj, uint32_t opcode, union wl_argument *args)
{
	if (opcode != XWAYLAND_SHELL_V1_GET_XWAYLAND_SURFACE)
		return true;
	struct shield_object *surface = shield_object_from_arg(&args[1]);
	if (surface && !shield_surface_give_role(surface, SHIELD_ROLE_XWAYLAND, obj,
						 XWAYLAND_SHELL_V1_ERROR_ROLE,
						 "get_xwayland_surface"))
		return false;
	shield_expect(obj, args[0].n, surface, NULL);
	return true;
}

const struct shield_rules shield_xwayland_shell_v1_rules = {
	.interface = "xwayland_shell_v1",
	.request = shell_request,
};

/* "For each wl_surface, this state must not be committed more than once." */
static void
xwayland_surface_handle_commit(struct wl_listener *listener, void *data)
{
	struct xwayland_surface *xs = wl_container_of(listener, xs, commit);
	struct shield_commit *c = data;
	if (c->refused || !xs->pending_serial)
		return;
	xs->pending_serial = false;
	if (shield_surface_test_and_set(c->surface, SHIELD_SURFACE_XWAYLAND_SERIAL))
		c->refused = !shield_refuse(xs->self,
			XWAYLAND_SURFACE_V1_ERROR_ALREADY_ASSOCIATED,
			"wl_surface@%u.commit: a serial was committed for this "
			"surface before", wl_resource_get_id(c->surface->resource));
}

static bool
xwayland_surface_request(struct shield_object *obj, uint32_t opcode,
			 union wl_argument *args)
{
	struct xwayland_surface *xs = obj->state;
	if (opcode == XWAYLAND_SURFACE_V1_SET_SERIAL)
		xs->pending_serial = true;
	return true;
}

static void
xwayland_surface_init(struct shield_object *obj)
{
	struct xwayland_surface *xs = obj->state;
	const struct shield_birth *birth = shield_object_birth(obj);
	xs->self = obj;
	shield_ref_init(&xs->surface);
	xs->commit.notify = xwayland_surface_handle_commit;
	wl_list_init(&xs->commit.link);
	if (!birth || !birth->subject)
		return;
	shield_ref_set(&xs->surface, birth->subject);
	shield_surface_set_role_object(birth->subject, obj);
	shield_surface_add_commit_listener(birth->subject, &xs->commit);
}

static void
xwayland_surface_destroy(struct shield_object *obj)
{
	struct xwayland_surface *xs = obj->state;
	wl_list_remove(&xs->commit.link);
	shield_ref_clear(&xs->surface);
}

const struct shield_rules shield_xwayland_surface_v1_rules = {
	.interface = "xwayland_surface_v1",
	.state_size = sizeof(struct xwayland_surface),
	.init = xwayland_surface_init,
	.request = xwayland_surface_request,
	.destroy = xwayland_surface_destroy,
};
