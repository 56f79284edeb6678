/*
 * The shield on xwayland_shell_v1 (what Xwayland binds; weston 10 and sway
 * 1.7 have none), on the in-process host.  One guest commits a serial for a
 * surface, makes a new xwayland_surface_v1 for it (legal: the same role
 * again once the first object went) and commits a second serial: it gets
 * already_associated, and the host (its commit counter is the oracle) never
 * sees that commit.  Another gives the role to a sub-surface: role.
 */
#include <errno.h>

#include "check.h"
#include "guest.h"
#include "harness.h"
#include "xwayland-shell-v1-client-protocol.h"

static void
check_error(struct wl_display *display, void *object, const char *iface_name,
	    uint32_t want)
{
	CHECK_MSG(guest_roundtrip_timeout(display, GUEST_TIMEOUT_MS) < 0,
		  "no error on %s", iface_name);
	CHECK_INT(wl_display_get_error(display), ==, EPROTO);
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	uint32_t code = wl_display_get_protocol_error(display, &iface, &id);
	CHECK(iface);
	CHECK_STR(iface->name, iface_name);
	CHECK_INT(id, ==, wl_proxy_get_id(object));
	CHECK_INT(code, ==, want);
}

static int
serial_guest(struct wl_display *display, int ctl, void *data)
{
	struct guest *guest = guest_create(display);
	struct wl_compositor *comp = guest_bind(guest, &wl_compositor_interface, 4);
	struct xwayland_shell_v1 *shell = guest_bind(guest, &xwayland_shell_v1_interface, 1);
	struct wl_surface *s = wl_compositor_create_surface(comp);
	struct xwayland_surface_v1 *xs = xwayland_shell_v1_get_xwayland_surface(shell, s);
	xwayland_surface_v1_set_serial(xs, 1, 0);
	wl_surface_commit(s);
	xwayland_surface_v1_destroy(xs);
	xs = xwayland_shell_v1_get_xwayland_surface(shell, s);
	guest_roundtrip(guest);
	CHECK_INT(wl_display_get_error(display), ==, 0);
	xwayland_surface_v1_set_serial(xs, 2, 0);
	wl_surface_commit(s);
	check_error(display, xs, "xwayland_surface_v1",
		    XWAYLAND_SURFACE_V1_ERROR_ALREADY_ASSOCIATED);
	return 0;
}

static int
role_guest(struct wl_display *display, int ctl, void *data)
{
	struct guest *guest = guest_create(display);
	struct wl_compositor *comp = guest_bind(guest, &wl_compositor_interface, 4);
	struct wl_subcompositor *subcomp = guest_bind(guest, &wl_subcompositor_interface, 1);
	struct xwayland_shell_v1 *shell = guest_bind(guest, &xwayland_shell_v1_interface, 1);
	struct wl_surface *parent = wl_compositor_create_surface(comp);
	struct wl_surface *sub = wl_compositor_create_surface(comp);
	wl_subcompositor_get_subsurface(subcomp, sub, parent);
	guest_roundtrip(guest);
	xwayland_shell_v1_get_xwayland_surface(shell, sub);
	check_error(display, shell, "xwayland_shell_v1", XWAYLAND_SHELL_V1_ERROR_ROLE);
	return 0;
}

int
main(void)
{
	struct host_config config = { 0 };
	config.version[HOST_COMPOSITOR] = 4;
	config.version[HOST_SUBCOMPOSITOR] = 1;
	config.version[HOST_XWAYLAND_SHELL] = 1;
	struct env *env = env_create(&config);
	int ctl_serial, ctl_role;
	pid_t serial = env_fork_guest(env, serial_guest, NULL, &ctl_serial);
	pid_t role = env_fork_guest(env, role_guest, NULL, &ctl_role);
	env_start(env);

	CHECK_INT(env_wait_child(env, serial), ==, 0);
	CHECK_INT(env_wait_child(env, role), ==, 0);
	struct host_stats st;
	env_host_stats(env, &st);
	CHECK_INT(st.xwayland_surfaces_created, ==, 2);
	CHECK_INT(st.commits, ==, 1);
	CHECK_INT(st.subsurfaces_created, ==, 1);
	CHECK_INT(st.errors_posted, ==, 0);
	env_destroy(env);
	return 0;
}
