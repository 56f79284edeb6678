/*
 * The shield's one-per-surface add-ons on protocols no real host here
 * offers (weston 10 and sway 1.7 lack them), one row each: a guest makes
 * the add-on for a surface, destroys it and makes it again (legal), then
 * asks for a second one: it gets the manager's error, and the host (its own
 * counter is the oracle) saw exactly the two legal requests.  A bystander
 * carries on.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#include "check.h"
#include "content-type-v1-client-protocol.h"
#include "fractional-scale-v1-client-protocol.h"
#include "guest.h"
#include "harness.h"
#include "tearing-control-v1-client-protocol.h"

struct row {
	enum host_global global;
	const struct wl_interface *manager;
	/* makes the add-on for surface; destroy destroys one */
	void *(*make)(void *manager, struct wl_surface *surface);
	void (*destroy)(void *addon);
	uint32_t code;
	size_t created; /* offsetof the host's counter in host_stats */
};

static void *
make_fractional(void *m, struct wl_surface *s)
{
	return wp_fractional_scale_manager_v1_get_fractional_scale(m, s);
}

static void
destroy_fractional(void *a)
{
	wp_fractional_scale_v1_destroy(a);
}

static void *
make_content_type(void *m, struct wl_surface *s)
{
	return wp_content_type_manager_v1_get_surface_content_type(m, s);
}

static void
destroy_content_type(void *a)
{
	wp_content_type_v1_destroy(a);
}

static void *
make_tearing(void *m, struct wl_surface *s)
{
	return wp_tearing_control_manager_v1_get_tearing_control(m, s);
}

static void
destroy_tearing(void *a)
{
	wp_tearing_control_v1_destroy(a);
}

static const struct row rows[] = {
	{ HOST_FRACTIONAL_SCALE, &wp_fractional_scale_manager_v1_interface,
	  make_fractional, destroy_fractional,
	  WP_FRACTIONAL_SCALE_MANAGER_V1_ERROR_FRACTIONAL_SCALE_EXISTS,
	  offsetof(struct host_stats, fractional_scales_created) },
	{ HOST_CONTENT_TYPE, &wp_content_type_manager_v1_interface,
	  make_content_type, destroy_content_type,
	  WP_CONTENT_TYPE_MANAGER_V1_ERROR_ALREADY_CONSTRUCTED,
	  offsetof(struct host_stats, content_types_created) },
	{ HOST_TEARING_CONTROL, &wp_tearing_control_manager_v1_interface,
	  make_tearing, destroy_tearing,
	  WP_TEARING_CONTROL_MANAGER_V1_ERROR_TEARING_CONTROL_EXISTS,
	  offsetof(struct host_stats, tearing_controls_created) },
};

static int
offending_guest(struct wl_display *display, int ctl, void *data)
{
	const struct row *row = data;
	struct guest *guest = guest_create(display);
	struct wl_compositor *comp = guest_bind(guest, &wl_compositor_interface, 4);
	void *manager = guest_bind(guest, row->manager, 1);
	struct wl_surface *surface = wl_compositor_create_surface(comp);

	void *addon = row->make(manager, surface);
	guest_roundtrip(guest);
	row->destroy(addon);
	row->make(manager, surface);
	guest_roundtrip(guest);
	CHECK_INT(wl_display_get_error(display), ==, 0);

	row->make(manager, surface);
	CHECK_MSG(guest_roundtrip_timeout(display, GUEST_TIMEOUT_MS) < 0,
		  "no error for a second add-on of %s", row->manager->name);
	CHECK_INT(wl_display_get_error(display), ==, EPROTO);
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	uint32_t code = wl_display_get_protocol_error(display, &iface, &id);
	CHECK(iface);
	CHECK_STR(iface->name, row->manager->name);
	CHECK_INT(id, ==, wl_proxy_get_id(manager));
	CHECK_INT(code, ==, row->code);
	return 0;
}

static void
run_row(const struct row *row)
{
	struct host_config config = { 0 };
	config.version[HOST_COMPOSITOR] = 4;
	config.version[row->global] = 1;
	struct env *env = env_create(&config);
	int ctl;
	pid_t child = env_fork_guest(env, offending_guest, (void *)row, &ctl);
	int b = env_add_guest(env);
	env_start(env);

	struct guest *guest = guest_create(env_guest_connect(env, b));
	CHECK_INT(env_wait_child(env, child), ==, 0);

	struct host_stats st;
	env_host_stats(env, &st);
	CHECK_INT(*(int *)((char *)&st + row->created), ==, 2);
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
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		run_row(&rows[i]);
		fprintf(stderr, "%s: ok\n", rows[i].manager->name);
	}
	return 0;
}
