/*
 * A host protocol error reaches only the guest that caused it, as the same
 * error: the host posts code HOST_ERROR_CODE with HOST_ERROR_TEXT on a
 * wl_surface when it is given buffer transform 77.  That guest (forked, so
 * it can capture libwayland-client's log of the error text; see harness.h)
 * must see interface wl_surface, its own surface's id, the code and the
 * text.  Another guest of the same proxy keeps working, and the proxy
 * frees the failed guest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guest.h"
#include "harness.h"

static int
offending_guest(struct wl_display *display, int ctl, void *data)
{
	guest_capture_log();
	struct guest *guest = guest_create(display);
	struct wl_compositor *comp = guest_bind(guest, &wl_compositor_interface, 4);
	struct wl_surface *other = wl_compositor_create_surface(comp);
	struct wl_surface *surface = wl_compositor_create_surface(comp);
	guest_roundtrip(guest);

	wl_surface_set_buffer_transform(surface, HOST_ERROR_TRANSFORM);
	CHECK_MSG(guest_roundtrip_timeout(display, GUEST_TIMEOUT_MS) < 0,
		  "the host's error never came");
	CHECK_MSG(wl_display_get_error(display) == EPROTO,
		  "no protocol error (error %d)", wl_display_get_error(display));
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	uint32_t code = wl_display_get_protocol_error(display, &iface, &id);
	CHECK(iface);
	CHECK_STR(iface->name, "wl_surface");
	CHECK_INT(id, ==, wl_proxy_get_id((struct wl_proxy *)surface));
	CHECK_INT(id, !=, wl_proxy_get_id((struct wl_proxy *)other));
	CHECK_INT(code, ==, HOST_ERROR_CODE);
	/* libwayland-client logs "wl_surface@ID: error CODE: TEXT". */
	char expected[256];
	snprintf(expected, sizeof(expected), "wl_surface@%u: error %d: %s", id,
		 HOST_ERROR_CODE, HOST_ERROR_TEXT);
	CHECK_CONTAINS(guest_last_log(), expected);
	return 0;
}

static void
frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	(*(int *)data)++;
	wl_callback_destroy(cb);
}

static const struct wl_callback_listener frame_listener = { .done = frame_done };

static bool
only_one_guest_left(struct env *env, void *data)
{
	struct host_stats st;
	env_host_stats(env, &st);
	return env_proxy_guest_count(env) == 1 && st.clients == 1;
}

int
main(void)
{
	struct host_config config = { 0 };
	config.version[HOST_COMPOSITOR] = 4;
	struct env *env = env_create(&config);
	int ctl;
	pid_t child = env_fork_guest(env, offending_guest, NULL, &ctl);
	int b = env_add_guest(env);
	env_start(env);

	struct guest *guest = guest_create(env_guest_connect(env, b));
	struct wl_compositor *comp = guest_bind(guest, &wl_compositor_interface, 4);
	struct wl_surface *surface = wl_compositor_create_surface(comp);
	guest_roundtrip(guest);

	CHECK_INT(env_wait_child(env, child), ==, 0);
	struct host_stats st;
	env_host_stats(env, &st);
	CHECK_INT(st.errors_posted, ==, 1);
	CHECK(env_wait_until(env, only_one_guest_left, NULL, 2000));

	/* The bystander is untouched. */
	int dones = 0;
	struct wl_callback *cb = wl_surface_frame(surface);
	wl_callback_add_listener(cb, &frame_listener, &dones);
	wl_surface_set_buffer_transform(surface, WL_OUTPUT_TRANSFORM_90);
	wl_surface_commit(surface);
	guest_roundtrip(guest);
	CHECK_INT(wl_display_get_error(guest->display), ==, 0);
	CHECK_INT(dones, ==, 1);
	env_host_stats(env, &st);
	CHECK_INT(st.surfaces, ==, 1);
	CHECK_INT(st.clients, ==, 1);

	wl_surface_destroy(surface);
	wl_compositor_destroy(comp);
	guest_roundtrip(guest);
	guest_destroy(guest);
	env_destroy(env);
	return 0;
}
