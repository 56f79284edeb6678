/*
 * Version capping: the host advertises wl_compositor at 99 (beyond what the
 * proxy compiled) and wl_output at 2.  Guests must see
 * min(host, compiled) for each, binds must reach the host at the version
 * the guest asked for, and a bind above the version a guest was shown
 * (wl_output at 3; wl_compositor one above the compiled version, which the
 * host itself would accept) must be a protocol error on that guest's
 * wl_registry alone: another guest on the same proxy carries on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guest.h"
#include "harness.h"

static void
expect_capped_registry(struct guest *guest)
{
	const struct guest_global *comp = guest_find(guest, "wl_compositor");
	const struct guest_global *out = guest_find(guest, "wl_output");
	CHECK(comp && out);
	CHECK_INT(comp->version, ==, wl_compositor_interface.version);
	CHECK_INT(out->version, ==, 2);
}

struct overbind {
	const struct wl_interface *iface;
	uint32_t version;
};

/* Forked guest: binds a global above the version its registry showed. */
static int
overbinding_guest(struct wl_display *display, int ctl, void *data)
{
	const struct overbind *ob = data;
	guest_capture_log();
	struct guest *guest = guest_create(display);
	expect_capped_registry(guest);

	const struct guest_global *g = guest_find(guest, ob->iface->name);
	CHECK(g && g->version < ob->version);
	struct wl_proxy *proxy = wl_registry_bind(guest->registry, g->name,
						  ob->iface, ob->version);
	CHECK(proxy);
	CHECK_MSG(guest_roundtrip_timeout(display, GUEST_TIMEOUT_MS) < 0,
		  "binding %s v%u (v%u advertised) did not fail", ob->iface->name,
		  ob->version, g->version);
	CHECK_MSG(wl_display_get_error(display) == EPROTO,
		  "no protocol error (error %d)", wl_display_get_error(display));
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	uint32_t code = wl_display_get_protocol_error(display, &iface, &id);
	CHECK(iface);
	CHECK_STR(iface->name, "wl_registry");
	CHECK_INT(id, ==, wl_proxy_get_id((struct wl_proxy *)guest->registry));
	CHECK_INT(code, ==, WL_DISPLAY_ERROR_INVALID_OBJECT);
	CHECK_CONTAINS(guest_last_log(), ob->iface->name);
	return 0;
}

struct output_state {
	int modes, dones;
	int32_t width, height;
};

static void
output_geometry(void *data, struct wl_output *o, int32_t x, int32_t y,
		int32_t pw, int32_t ph, int32_t subpixel, const char *make,
		const char *model, int32_t transform)
{
}

static void
output_mode(void *data, struct wl_output *o, uint32_t flags, int32_t w,
	    int32_t h, int32_t refresh)
{
	struct output_state *s = data;
	s->modes++;
	s->width = w;
	s->height = h;
}

static void
output_done(void *data, struct wl_output *o)
{
	struct output_state *s = data;
	s->dones++;
}

static void
output_scale(void *data, struct wl_output *o, int32_t factor)
{
}

static const struct wl_output_listener output_listener = {
	.geometry = output_geometry,
	.mode = output_mode,
	.done = output_done,
	.scale = output_scale,
};

static bool
only_one_guest_left(struct env *env, void *data)
{
	struct host_stats st;
	env_host_stats(env, &st);
	return env_proxy_guest_count(env) == 1 && st.clients == 1;
}

/* Above what the host advertised, and above what the proxy compiled
 * (the host would take that one: it advertises 99). */
static const struct overbind output_v3 = { &wl_output_interface, 3 };
static struct overbind compositor_next;

int
main(void)
{
	/* The point of 99: well above any version libwayland compiles. */
	CHECK_INT(wl_compositor_interface.version, <, 99);

	struct host_config config = { 0 };
	config.version[HOST_COMPOSITOR] = 99;
	config.version[HOST_OUTPUT] = 2;
	struct env *env = env_create(&config);
	int ctl;
	pid_t child_output = env_fork_guest(env, overbinding_guest,
					    (void *)&output_v3, &ctl);
	compositor_next.iface = &wl_compositor_interface;
	compositor_next.version = (uint32_t)wl_compositor_interface.version + 1;
	pid_t child_compositor = env_fork_guest(env, overbinding_guest,
						&compositor_next, &ctl);
	int b = env_add_guest(env);
	env_start(env);

	struct guest *guest = guest_create(env_guest_connect(env, b));
	expect_capped_registry(guest);

	/* Binding at the capped version works and reaches the host as is. */
	struct wl_compositor *comp = guest_bind(guest, &wl_compositor_interface,
						(uint32_t)wl_compositor_interface.version);
	struct wl_surface *surface = wl_compositor_create_surface(comp);
	guest_roundtrip(guest);
	CHECK_INT(wl_proxy_get_version((struct wl_proxy *)surface), ==,
		  wl_compositor_interface.version);
	struct host_stats st;
	env_host_stats(env, &st);
	CHECK_INT(st.compositor_bind_version, ==, wl_compositor_interface.version);
	CHECK_INT(st.surfaces, ==, 1);

	/* The other guests' errors killed only them, and their bad binds
	 * never reached the host. */
	CHECK_INT(env_wait_child(env, child_output), ==, 0);
	CHECK_INT(env_wait_child(env, child_compositor), ==, 0);
	CHECK(env_wait_until(env, only_one_guest_left, NULL, 2000));
	env_host_stats(env, &st);
	CHECK_INT(st.output_binds, ==, 0);
	CHECK_INT(st.output_bind_started, ==, 0);
	CHECK_INT(st.compositor_bind_version, ==, wl_compositor_interface.version);

	struct output_state os = { 0 };
	struct wl_output *output = guest_bind(guest, &wl_output_interface, 2);
	wl_output_add_listener(output, &output_listener, &os);
	guest_roundtrip(guest);
	CHECK_INT(wl_display_get_error(guest->display), ==, 0);
	CHECK_INT(os.modes, ==, 1);
	CHECK_INT(os.dones, ==, 1);
	CHECK_INT(os.width, ==, HOST_OUTPUT_WIDTH);
	CHECK_INT(os.height, ==, HOST_OUTPUT_HEIGHT);
	env_host_stats(env, &st);
	CHECK_INT(st.output_binds, ==, 1);
	CHECK_INT(st.output_bind_version, ==, 2);

	wl_output_destroy(output); /* release needs v3 */
	wl_surface_destroy(surface);
	wl_compositor_destroy(comp);
	guest_roundtrip(guest);
	guest_destroy(guest);
	env_destroy(env);
	return 0;
}
