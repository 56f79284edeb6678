/*
 * Destruction races and destructor events.
 *
 * Race: the host sends wl_pointer.enter(surface) when a surface commits.
 * The guest commits a surface and destroys it in the same flush, so the
 * host's enter names a surface the guest no longer has: the proxy must
 * drop that event (posting it with a null surface would be a protocol
 * error for the guest), keep the guest connected, and keep translating
 * later events to the right objects, including a new surface that reuses
 * the dead one's id.
 *
 * Destructor events: wl_callback.done from wl_surface.frame reaches the
 * guest and the relay objects are freed (the object count goes back down;
 * ASan/LSan check the frees), also when the surface dies with the callback
 * pending.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guest.h"
#include "harness.h"

struct pointer_state {
	int enters;
	struct wl_surface *last_enter;
	int frames;
};

static void
pointer_enter(void *data, struct wl_pointer *p, uint32_t serial,
	      struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y)
{
	struct pointer_state *s = data;
	/* The guest's libwayland hands a destroyed surface over as NULL;
	 * the proxy should not have sent such an event at all. */
	CHECK_MSG(surface, "enter for a surface the guest destroyed");
	CHECK_INT(x, ==, wl_fixed_from_int(1));
	CHECK_INT(y, ==, wl_fixed_from_int(2));
	s->enters++;
	s->last_enter = surface;
}

static void
pointer_leave(void *data, struct wl_pointer *p, uint32_t serial,
	      struct wl_surface *surface)
{
}

static void
pointer_motion(void *data, struct wl_pointer *p, uint32_t time, wl_fixed_t x,
	       wl_fixed_t y)
{
}

static void
pointer_button(void *data, struct wl_pointer *p, uint32_t serial, uint32_t time,
	       uint32_t button, uint32_t state)
{
}

static void
pointer_axis(void *data, struct wl_pointer *p, uint32_t time, uint32_t axis,
	     wl_fixed_t value)
{
}

static void
pointer_frame(void *data, struct wl_pointer *p)
{
	struct pointer_state *s = data;
	s->frames++;
}

static const struct wl_pointer_listener pointer_listener = {
	.enter = pointer_enter,
	.leave = pointer_leave,
	.motion = pointer_motion,
	.button = pointer_button,
	.axis = pointer_axis,
	.frame = pointer_frame,
};

struct frame_state {
	int dones;
};

static void
frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	struct frame_state *f = data;
	f->dones++;
	wl_callback_destroy(cb);
}

static const struct wl_callback_listener frame_listener = { .done = frame_done };

static struct wl_callback *
request_frame(struct wl_surface *surface, struct frame_state *f)
{
	struct wl_callback *cb = wl_surface_frame(surface);
	wl_callback_add_listener(cb, &frame_listener, f);
	return cb;
}

static void
expect_alive(struct env *env, struct guest *guest)
{
	guest_roundtrip(guest);
	CHECK_INT(wl_display_get_error(guest->display), ==, 0);
	CHECK_INT(env_proxy_guest_count(env), ==, 1);
}

int
main(void)
{
	struct host_config config = { 0 };
	config.version[HOST_COMPOSITOR] = 4;
	config.version[HOST_SEAT] = 7;
	config.pointer_enter_on_commit = true;
	struct env *env = env_create(&config);
	int a = env_add_guest(env);
	env_start(env);

	struct guest *guest = guest_create(env_guest_connect(env, a));
	struct wl_compositor *comp = guest_bind(guest, &wl_compositor_interface, 4);
	struct wl_seat *seat = guest_bind(guest, &wl_seat_interface, 7);
	struct pointer_state ps = { 0 };
	struct wl_pointer *pointer = wl_seat_get_pointer(seat);
	wl_pointer_add_listener(pointer, &pointer_listener, &ps);
	guest_roundtrip(guest);

	/* Sanity: enter is relayed with the guest's own surface. */
	struct wl_surface *s1 = wl_compositor_create_surface(comp);
	wl_surface_commit(s1);
	expect_alive(env, guest);
	CHECK_INT(ps.enters, ==, 1);
	CHECK(ps.last_enter == s1);
	CHECK_INT(ps.frames, ==, 1);

	/* The race: commit and destroy in one flush. */
	struct wl_surface *s2 = wl_compositor_create_surface(comp);
	guest_roundtrip(guest);
	uint32_t s2_id = wl_proxy_get_id((struct wl_proxy *)s2);
	wl_surface_commit(s2);
	wl_surface_destroy(s2);
	CHECK(wl_display_flush(guest->display) >= 0);
	expect_alive(env, guest);
	struct host_stats st;
	env_host_stats(env, &st);
	CHECK_INT(st.enters_sent, ==, 2); /* the host did send it */
	CHECK_INT(st.surfaces_destroyed, ==, 1);
	CHECK_INT(st.surfaces, ==, 1);
	CHECK_INT(ps.enters, ==, 1);      /* and it went nowhere */
	/* The frame event after the dropped enter still arrives. */
	CHECK_INT(ps.frames, ==, 2);

	/* A new surface takes the dead one's id on the guest's side (the
	 * round trip's callback may have freed an id too, so try a few):
	 * events must follow objects, not ids. */
	struct wl_surface *s3 = NULL, *spare[4];
	int n_spare = 0;
	while (!s3 && n_spare < 4) {
		struct wl_surface *s = wl_compositor_create_surface(comp);
		if (wl_proxy_get_id((struct wl_proxy *)s) == s2_id)
			s3 = s;
		else
			spare[n_spare++] = s;
	}
	CHECK_MSG(s3, "no new surface reused id %u", s2_id);
	for (int i = 0; i < n_spare; i++)
		wl_surface_destroy(spare[i]);
	wl_surface_commit(s3);
	expect_alive(env, guest);
	CHECK_INT(ps.enters, ==, 2);
	CHECK(ps.last_enter == s3);

	/* The same race many times in a row, interleaved with live ones. */
	for (int i = 0; i < 20; i++) {
		struct wl_surface *doomed = wl_compositor_create_surface(comp);
		wl_surface_commit(doomed);
		wl_surface_destroy(doomed);
		wl_surface_commit(s1);
	}
	expect_alive(env, guest);
	CHECK_INT(ps.enters, ==, 22);
	CHECK(ps.last_enter == s1);
	env_host_stats(env, &st);
	CHECK_INT(st.enters_sent, ==, 43);
	CHECK_INT(st.surfaces, ==, 2);

	/* Destructor event: wl_callback.done ends the callback on both sides. */
	int objects = env_proxy_object_count(env);
	struct frame_state fs = { 0 };
	request_frame(s1, &fs);
	guest_roundtrip(guest);
	CHECK_INT(env_proxy_object_count(env), ==, objects + 1);
	wl_surface_commit(s1);
	expect_alive(env, guest);
	CHECK_INT(fs.dones, ==, 1);
	CHECK_INT(env_proxy_object_count(env), ==, objects);
	env_host_stats(env, &st);
	CHECK_INT(st.frame_dones, ==, 1);
	CHECK_INT(st.callbacks, ==, 0);

	/* Many at once. */
	for (int i = 0; i < 50; i++)
		request_frame(s3, &fs);
	wl_surface_commit(s3);
	expect_alive(env, guest);
	CHECK_INT(fs.dones, ==, 51);
	CHECK_INT(env_proxy_object_count(env), ==, objects);

	/* A callback outlives its surface: frame, commit, destroy in one
	 * flush; done still arrives. */
	request_frame(s3, &fs);
	wl_surface_commit(s3);
	wl_surface_destroy(s3);
	expect_alive(env, guest);
	CHECK_INT(fs.dones, ==, 52);
	CHECK_INT(env_proxy_object_count(env), ==, objects - 1);

	/* A callback whose surface dies before any commit never gets done:
	 * it stays until the guest leaves (then the proxy must free it). */
	struct wl_surface *s4 = wl_compositor_create_surface(comp);
	struct wl_callback *orphan = request_frame(s4, &fs);
	wl_surface_destroy(s4);
	expect_alive(env, guest);
	CHECK_INT(fs.dones, ==, 52);
	env_host_stats(env, &st);
	CHECK_INT(st.callbacks, ==, 1);

	wl_callback_destroy(orphan);
	wl_pointer_release(pointer);
	wl_surface_destroy(s1);
	wl_seat_release(seat);
	wl_compositor_destroy(comp);
	guest_roundtrip(guest);
	guest_destroy(guest);
	env_destroy(env);
	return 0;
}
