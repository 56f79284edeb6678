/*
 * The shield's cursor roles, on the in-process host: wl_pointer.set_cursor
 * and zwp_tablet_tool_v2.set_cursor (a tool is an object the host creates by
 * an event) with a surface that is a sub-surface get each interface's role
 * error, while setting the same cursor surface again is legal.  The host's
 * counters are the oracle for what reached it: the legal requests only.
 */
#include <errno.h>

#include "check.h"
#include "guest.h"
#include "harness.h"
#include "tablet-unstable-v2-client-protocol.h"

struct surfaces {
	struct wl_surface *cursor, *sub;
};

static void
make_surfaces(struct guest *guest, struct surfaces *s)
{
	struct wl_compositor *comp = guest_bind(guest, &wl_compositor_interface, 4);
	struct wl_subcompositor *subcomp = guest_bind(guest, &wl_subcompositor_interface, 1);
	struct wl_surface *parent = wl_compositor_create_surface(comp);
	s->sub = wl_compositor_create_surface(comp);
	s->cursor = wl_compositor_create_surface(comp);
	wl_subcompositor_get_subsurface(subcomp, s->sub, parent);
}

static void
check_role_error(struct wl_display *display, void *object, const char *iface_name)
{
	CHECK_MSG(guest_roundtrip_timeout(display, GUEST_TIMEOUT_MS) < 0,
		  "no error for a sub-surface as %s cursor", iface_name);
	CHECK_INT(wl_display_get_error(display), ==, EPROTO);
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	uint32_t code = wl_display_get_protocol_error(display, &iface, &id);
	CHECK(iface);
	CHECK_STR(iface->name, iface_name);
	CHECK_INT(id, ==, wl_proxy_get_id(object));
	CHECK_INT(code, ==, 0); /* role, in both enums */
}

static int
pointer_guest(struct wl_display *display, int ctl, void *data)
{
	struct guest *guest = guest_create(display);
	struct surfaces s;
	make_surfaces(guest, &s);
	struct wl_seat *seat = guest_bind(guest, &wl_seat_interface, 5);
	struct wl_pointer *pointer = wl_seat_get_pointer(seat);
	wl_pointer_set_cursor(pointer, 0, s.cursor, 0, 0);
	wl_pointer_set_cursor(pointer, 0, s.cursor, 1, 1);
	guest_roundtrip(guest);
	CHECK_INT(wl_display_get_error(display), ==, 0);
	CHECK_INT(WL_POINTER_ERROR_ROLE, ==, 0);
	wl_pointer_set_cursor(pointer, 0, s.sub, 0, 0);
	check_role_error(display, pointer, "wl_pointer");
	return 0;
}

static void
tablet_added(void *data, struct zwp_tablet_seat_v2 *seat, struct zwp_tablet_v2 *tablet)
{
}

static void
tool_added(void *data, struct zwp_tablet_seat_v2 *seat, struct zwp_tablet_tool_v2 *tool)
{
	*(struct zwp_tablet_tool_v2 **)data = tool;
}

static void
pad_added(void *data, struct zwp_tablet_seat_v2 *seat, struct zwp_tablet_pad_v2 *pad)
{
}

static const struct zwp_tablet_seat_v2_listener tablet_seat_listener = {
	.tablet_added = tablet_added,
	.tool_added = tool_added,
	.pad_added = pad_added,
};

static int
tablet_guest(struct wl_display *display, int ctl, void *data)
{
	struct guest *guest = guest_create(display);
	struct surfaces s;
	make_surfaces(guest, &s);
	struct wl_seat *seat = guest_bind(guest, &wl_seat_interface, 5);
	struct zwp_tablet_manager_v2 *manager =
		guest_bind(guest, &zwp_tablet_manager_v2_interface, 1);
	struct zwp_tablet_tool_v2 *tool = NULL;
	struct zwp_tablet_seat_v2 *tseat =
		zwp_tablet_manager_v2_get_tablet_seat(manager, seat);
	zwp_tablet_seat_v2_add_listener(tseat, &tablet_seat_listener, &tool);
	guest_roundtrip(guest);
	guest_roundtrip(guest);
	CHECK_MSG(tool, "no tablet tool announced");
	zwp_tablet_tool_v2_set_cursor(tool, 0, s.cursor, 0, 0);
	guest_roundtrip(guest);
	CHECK_INT(wl_display_get_error(display), ==, 0);
	CHECK_INT(ZWP_TABLET_TOOL_V2_ERROR_ROLE, ==, 0);
	zwp_tablet_tool_v2_set_cursor(tool, 0, s.sub, 0, 0);
	check_role_error(display, tool, "zwp_tablet_tool_v2");
	return 0;
}

int
main(void)
{
	struct host_config config = { 0 };
	config.version[HOST_COMPOSITOR] = 4;
	config.version[HOST_SUBCOMPOSITOR] = 1;
	config.version[HOST_SEAT] = 5;
	config.version[HOST_TABLET_MANAGER] = 1;
	struct env *env = env_create(&config);
	int ctl_pointer, ctl_tablet;
	pid_t pointer = env_fork_guest(env, pointer_guest, NULL, &ctl_pointer);
	pid_t tablet = env_fork_guest(env, tablet_guest, NULL, &ctl_tablet);
	env_start(env);

	CHECK_INT(env_wait_child(env, pointer), ==, 0);
	CHECK_INT(env_wait_child(env, tablet), ==, 0);
	struct host_stats st;
	env_host_stats(env, &st);
	CHECK_INT(st.subsurfaces_created, ==, 2);
	CHECK_INT(st.pointer_cursors_set, ==, 2);
	CHECK_INT(st.tool_cursors_set, ==, 1);
	CHECK_INT(st.errors_posted, ==, 0);
	env_destroy(env);
	return 0;
}
