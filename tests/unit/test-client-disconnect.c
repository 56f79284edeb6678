/*
 * A guest that disconnects with live objects and requests in flight.  The
 * guest holds surfaces, a pointer, pending frame callbacks, a tablet seat
 * with event-created tablet objects, then sends more work (commits that
 * make the host answer, a sync, a bind the slow host is still busy with)
 * and hangs up while the host is processing it.  The proxy must drop that
 * guest's relay objects and its host connection (so the host frees its
 * side too), free everything (ASan/LSan check), and keep serving a guest
 * that was connected all along and a guest that arrives afterwards.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guest.h"
#include "harness.h"
#include "tablet-unstable-v2-client-protocol.h"

#define DELAY_MS 100

/* Every proxy the guest holds: freed on the guest's side only (no
 * requests) before it hangs up, so that LSan's verdict is about the proxy. */
struct held {
	struct wl_proxy *proxies[64];
	int n;
	int added;
};

static void *
hold(struct held *h, void *proxy)
{
	CHECK(proxy);
	CHECK(h->n < 64);
	h->proxies[h->n++] = proxy;
	return proxy;
}

static void
unhold(struct held *h, void *proxy)
{
	for (int i = 0; i < h->n; i++) {
		if (h->proxies[i] == proxy) {
			h->proxies[i] = h->proxies[--h->n];
			return;
		}
	}
	CHECK_FAIL("not held");
}

/* The pad's group and the group's ring are created by events too: hold
 * them, and ignore everything else. */
static void pad_u(void *d, struct zwp_tablet_pad_v2 *p, uint32_t u) {}
static void pad_none(void *d, struct zwp_tablet_pad_v2 *p) {}
static void pad_s(void *d, struct zwp_tablet_pad_v2 *p, const char *s) {}
static void pad_button(void *d, struct zwp_tablet_pad_v2 *p, uint32_t t,
		       uint32_t b, uint32_t s) {}
static void pad_enter(void *d, struct zwp_tablet_pad_v2 *p, uint32_t serial,
		      struct zwp_tablet_v2 *t, struct wl_surface *s) {}
static void pad_leave(void *d, struct zwp_tablet_pad_v2 *p, uint32_t serial,
		      struct wl_surface *s) {}
static void group_buttons(void *d, struct zwp_tablet_pad_group_v2 *g,
			  struct wl_array *a) {}
static void group_strip(void *d, struct zwp_tablet_pad_group_v2 *g,
			struct zwp_tablet_pad_strip_v2 *s) {}
static void group_u(void *d, struct zwp_tablet_pad_group_v2 *g, uint32_t u) {}
static void group_none(void *d, struct zwp_tablet_pad_group_v2 *g) {}
static void group_switch(void *d, struct zwp_tablet_pad_group_v2 *g, uint32_t t,
			 uint32_t s, uint32_t m) {}

static void
group_ring(void *data, struct zwp_tablet_pad_group_v2 *group,
	   struct zwp_tablet_pad_ring_v2 *ring)
{
	hold(data, ring);
}

static const struct zwp_tablet_pad_group_v2_listener group_listener = {
	.buttons = group_buttons,
	.ring = group_ring,
	.strip = group_strip,
	.modes = group_u,
	.done = group_none,
	.mode_switch = group_switch,
};

static void
pad_group(void *data, struct zwp_tablet_pad_v2 *pad, struct zwp_tablet_pad_group_v2 *group)
{
	hold(data, group);
	zwp_tablet_pad_group_v2_add_listener(group, &group_listener, data);
}

static const struct zwp_tablet_pad_v2_listener pad_listener = {
	.group = pad_group,
	.path = pad_s,
	.buttons = pad_u,
	.done = pad_none,
	.button = pad_button,
	.enter = pad_enter,
	.leave = pad_leave,
	.removed = pad_none,
};

static void
seat_tablet_added(void *data, struct zwp_tablet_seat_v2 *seat, struct zwp_tablet_v2 *tablet)
{
	struct held *h = data;
	hold(h, tablet);
	h->added++;
}

static void
seat_tool_added(void *data, struct zwp_tablet_seat_v2 *seat, struct zwp_tablet_tool_v2 *tool)
{
	struct held *h = data;
	hold(h, tool);
	h->added++;
}

static void
seat_pad_added(void *data, struct zwp_tablet_seat_v2 *seat, struct zwp_tablet_pad_v2 *pad)
{
	struct held *h = data;
	hold(h, pad);
	zwp_tablet_pad_v2_add_listener(pad, &pad_listener, h);
	h->added++;
}

static const struct zwp_tablet_seat_v2_listener tablet_seat_listener = {
	.tablet_added = seat_tablet_added,
	.tool_added = seat_tool_added,
	.pad_added = seat_pad_added,
};

static bool
host_busy_binding(struct env *env, void *data)
{
	struct host_stats st;
	env_host_stats(env, &st);
	return st.output_bind_started > *(int *)data;
}

static bool
guest_gone(struct env *env, void *data)
{
	struct host_stats st;
	env_host_stats(env, &st);
	return env_proxy_guest_count(env) == *(int *)data && st.clients == *(int *)data;
}

/* Everything a busy client holds, then a hang-up mid-stream.  The tablet
 * and tool have no listeners: the guest's libwayland drops their events,
 * the proxy must still relay and free them. */
static void
busy_guest_hangs_up(struct env *env, struct wl_display *display)
{
	struct held h = { 0 };
	int others = env_proxy_object_count(env); /* other guests' */
	struct host_stats base;
	env_host_stats(env, &base);
	struct guest *guest = guest_create(display);
	struct wl_compositor *comp =
		hold(&h, guest_bind(guest, &wl_compositor_interface, 4));
	struct wl_seat *seat = hold(&h, guest_bind(guest, &wl_seat_interface, 7));
	struct zwp_tablet_manager_v2 *manager =
		hold(&h, guest_bind(guest, &zwp_tablet_manager_v2_interface, 1));
	hold(&h, wl_seat_get_pointer(seat));
	struct zwp_tablet_seat_v2 *tablet_seat =
		hold(&h, zwp_tablet_manager_v2_get_tablet_seat(manager, seat));
	zwp_tablet_seat_v2_add_listener(tablet_seat, &tablet_seat_listener, &h);
	struct wl_surface *surfaces[8];
	for (int i = 0; i < 8; i++) {
		surfaces[i] = hold(&h, wl_compositor_create_surface(comp));
		hold(&h, wl_surface_frame(surfaces[i])); /* pending: no commit yet */
	}
	struct wl_region *region = hold(&h, wl_compositor_create_region(comp));
	wl_region_add(region, 0, 0, 10, 10);
	wl_surface_set_input_region(surfaces[0], region);
	guest_roundtrip(guest);
	CHECK_INT(h.added, ==, 3);

	/* registry, compositor, seat, manager, pointer, tablet seat, 5 tablet
	 * objects (tablet, tool, pad, the pad's group and its ring),
	 * 8 surfaces, 8 callbacks, a region */
	CHECK_INT(env_proxy_object_count(env), ==, others + 28);
	struct host_stats st;
	env_host_stats(env, &st);
	CHECK_INT(st.surfaces, ==, base.surfaces + 8);
	CHECK_INT(st.callbacks, ==, base.callbacks + 8);
	CHECK_INT(st.tablet_objects, ==, base.tablet_objects + 5);
	int binds_started = st.output_bind_started;

	/* In flight: commits (the host answers with frame done and pointer
	 * enter), a surface destroyed right after its commit, a sync, more
	 * frames, and a bind the host is slow to answer. */
	for (int i = 0; i < 8; i++)
		wl_surface_commit(surfaces[i]);
	unhold(&h, surfaces[7]);
	wl_surface_destroy(surfaces[7]);
	hold(&h, wl_display_sync(display));
	for (int i = 0; i < 7; i++)
		hold(&h, wl_surface_frame(surfaces[i]));
	hold(&h, wl_registry_bind(guest->registry,
				  guest_find(guest, "wl_output")->name,
				  &wl_output_interface, 3));
	for (int i = 0; i < 7; i++) {
		wl_surface_commit(surfaces[i]);
		hold(&h, wl_surface_frame(surfaces[i]));
	}
	CHECK(wl_display_flush(display) >= 0);

	/* Hang up while the host sits in the bind with the rest queued. */
	CHECK_MSG(env_wait_until(env, host_busy_binding, &binds_started, 2000),
		  "the host never got the bind");
	for (int i = 0; i < h.n; i++)
		wl_proxy_destroy(h.proxies[i]);
	wl_registry_destroy(guest->registry);
	wl_display_disconnect(display);
	free(guest);
}

int
main(void)
{
	struct host_config config = { 0 };
	config.version[HOST_COMPOSITOR] = 4;
	config.version[HOST_OUTPUT] = 3;
	config.version[HOST_SEAT] = 7;
	config.version[HOST_TABLET_MANAGER] = 1;
	config.output_bind_delay_ms = DELAY_MS;
	config.pointer_enter_on_commit = true;
	struct env *env = env_create(&config);
	int a = env_add_guest(env);
	int b = env_add_guest(env);
	env_start(env);

	/* b is connected all along but idle. */
	struct wl_display *display_b = env_guest_connect(env, b);

	busy_guest_hangs_up(env, env_guest_connect(env, a));
	int one = 1;
	CHECK_MSG(env_wait_until(env, guest_gone, &one, 3000),
		  "the proxy or the host still holds the guest that left");
	/* b has no objects yet: nothing of a's may be left in the lists. */
	CHECK_INT(env_proxy_object_count(env), ==, 0);
	struct host_stats st;
	env_host_stats(env, &st);
	CHECK_INT(st.surfaces, ==, 0);
	CHECK_INT(st.callbacks, ==, 0);
	CHECK_INT(st.pointers, ==, 0);
	CHECK_INT(st.tablet_objects, ==, 0);
	CHECK_INT(st.tablet_seats, ==, 0);

	/* b works. */
	struct guest *guest_b = guest_create(display_b);
	struct wl_compositor *comp = guest_bind(guest_b, &wl_compositor_interface, 4);
	struct wl_output *output = guest_bind(guest_b, &wl_output_interface, 3);
	struct wl_surface *surface = wl_compositor_create_surface(comp);
	guest_roundtrip(guest_b);
	env_host_stats(env, &st);
	CHECK_INT(st.surfaces, ==, 1);

	/* A newcomer works, and can go the same way. */
	busy_guest_hangs_up(env, env_guest_new(env));
	CHECK_MSG(env_wait_until(env, guest_gone, &one, 3000),
		  "the proxy or the host still holds the second guest that left");
	guest_roundtrip(guest_b);
	CHECK_INT(wl_display_get_error(guest_b->display), ==, 0);
	CHECK_INT(env_proxy_object_count(env), ==, 4); /* b's */

	struct guest *guest_c = guest_create(env_guest_new(env));
	CHECK(guest_find(guest_c, "wl_compositor"));
	CHECK_INT(env_proxy_guest_count(env), ==, 2);

	wl_surface_destroy(surface);
	wl_output_release(output);
	wl_compositor_destroy(comp);
	guest_roundtrip(guest_b);
	guest_destroy(guest_c);
	guest_destroy(guest_b);
	env_destroy(env);
	return 0;
}
