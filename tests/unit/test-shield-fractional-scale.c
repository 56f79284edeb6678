/*
 * The shield on a protocol no real host here offers (weston 10 and sway 1.7
 * lack fractional-scale-v1): wp_fractional_scale_manager_v1's
 * fractional_scale_exists.  A guest gets a wp_fractional_scale_v1 for a
 * surface, destroys it and gets one again (legal), then asks for a second
 * one: it gets the error on its manager, and the host (its own counter is
 * the oracle) saw exactly the two legal requests.  A bystander carries on.
 */
#include <errno.h>

#include "check.h"
#include "fractional-scale-v1-client-protocol.h"
#include "guest.h"
#include "harness.h"

static int
offending_guest(struct wl_display *display, int ctl, void *data)
{
	struct guest *guest = guest_create(display);
	struct wl_compositor *comp = guest_bind(guest, &wl_compositor_interface, 4);
	struct wp_fractional_scale_manager_v1 *manager =
		guest_bind(guest, &wp_fractional_scale_manager_v1_interface, 1);
	struct wl_surface *surface = wl_compositor_create_surface(comp);

	struct wp_fractional_scale_v1 *fs =
		wp_fractional_scale_manager_v1_get_fractional_scale(manager, surface);
	guest_roundtrip(guest);
	wp_fractional_scale_v1_destroy(fs);
	fs = wp_fractional_scale_manager_v1_get_fractional_scale(manager, surface);
	guest_roundtrip(guest);
	CHECK_INT(wl_display_get_error(display), ==, 0);

	wp_fractional_scale_manager_v1_get_fractional_scale(manager, surface);
	CHECK_MSG(guest_roundtrip_timeout(display, GUEST_TIMEOUT_MS) < 0,
		  "no error for a second wp_fractional_scale_v1");
	CHECK_INT(wl_display_get_error(display), ==, EPROTO);
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	uint32_t code = wl_display_get_protocol_error(display, &iface, &id);
	CHECK(iface);
	CHECK_STR(iface->name, "wp_fractional_scale_manager_v1");
	CHECK_INT(id, ==, wl_proxy_get_id((struct wl_proxy *)manager));
	CHECK_INT(code, ==,
		  WP_FRACTIONAL_SCALE_MANAGER_V1_ERROR_FRACTIONAL_SCALE_EXISTS);
	return 0;
}

int
main(void)
{
	struct host_config config = { 0 };
	config.version[HOST_COMPOSITOR] = 4;
	config.version[HOST_FRACTIONAL_SCALE] = 1;
	struct env *env = env_create(&config);
	int ctl;
	pid_t child = env_fork_guest(env, offending_guest, NULL, &ctl);
	int b = env_add_guest(env);
	env_start(env);

	struct guest *guest = guest_create(env_guest_connect(env, b));
	CHECK_INT(env_wait_child(env, child), ==, 0);

	struct host_stats st;
	env_host_stats(env, &st);
	CHECK_INT(st.fractional_scales_created, ==, 2);
	CHECK_INT(st.errors_posted, ==, 0);

	/* The bystander's requests still reach the host. */
	struct wl_compositor *comp = guest_bind(guest, &wl_compositor_interface, 4);
	struct wl_surface *surface = wl_compositor_create_surface(comp);
	guest_roundtrip(guest);
	CHECK_INT(wl_display_get_error(guest->display), ==, 0);
	env_host_stats(env, &st);
	CHECK_INT(st.surfaces, ==, 1);

	wl_surface_destroy(surface);
	wl_compositor_destroy(comp);
	guest_roundtrip(guest);
	guest_destroy(guest);
	env_destroy(env);
	return 0;
}
