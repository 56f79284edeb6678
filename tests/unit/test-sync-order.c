/*
 * wl_display.sync is a host round trip.  The guest binds wl_output, whose
 * bind makes the host send geometry/mode/scale/done, and asks for a sync in
 * the same flush.  The host is slow (it spends 50 ms in the bind handler
 * before sending those events, as a busy compositor would, still in order):
 * a proxy that answered sync itself would deliver done before the output
 * events; a relayed sync can only come back after them.  The host also
 * counts the sync requests it receives.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "guest.h"
#include "harness.h"

#define DELAY_MS 50

struct order {
	char log[64];
	int n;
};

static void
note(struct order *o, char c)
{
	CHECK(o->n < (int)sizeof(o->log) - 1);
	o->log[o->n++] = c;
}

static void
output_geometry(void *data, struct wl_output *o, int32_t x, int32_t y,
		int32_t pw, int32_t ph, int32_t subpixel, const char *make,
		const char *model, int32_t transform)
{
	CHECK_STR(make, HOST_OUTPUT_MAKE);
	CHECK_STR(model, HOST_OUTPUT_MODEL);
	note(data, 'g');
}

static void
output_mode(void *data, struct wl_output *o, uint32_t flags, int32_t w,
	    int32_t h, int32_t refresh)
{
	note(data, 'm');
}

static void
output_done(void *data, struct wl_output *o)
{
	note(data, 'd');
}

static void
output_scale(void *data, struct wl_output *o, int32_t factor)
{
	note(data, 's');
}

static const struct wl_output_listener output_listener = {
	.geometry = output_geometry,
	.mode = output_mode,
	.done = output_done,
	.scale = output_scale,
};

struct sync_mark {
	struct order *order;
	char c;
	bool done;
};

static void
sync_done(void *data, struct wl_callback *cb, uint32_t serial)
{
	struct sync_mark *mark = data;
	note(mark->order, mark->c);
	mark->done = true;
	wl_callback_destroy(cb);
}

static const struct wl_callback_listener sync_listener = { .done = sync_done };

static void
sync_mark(struct wl_display *display, struct sync_mark *mark,
	  struct order *order, char c)
{
	mark->order = order;
	mark->c = c;
	mark->done = false;
	struct wl_callback *cb = wl_display_sync(display);
	wl_callback_add_listener(cb, &sync_listener, mark);
}

static double now_ms(void);

static void
dispatch_until(struct wl_display *display, const bool *flag)
{
	double deadline = now_ms() + GUEST_TIMEOUT_MS;
	while (!*flag) {
		int left = (int)(deadline - now_ms());
		CHECK_MSG(left > 0, "no sync done within %d ms", GUEST_TIMEOUT_MS);
		CHECK(guest_dispatch_timeout(display, left) >= 0);
	}
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main(void)
{
	struct host_config config = { 0 };
	config.version[HOST_OUTPUT] = 3;
	config.output_bind_delay_ms = DELAY_MS;
	struct env *env = env_create(&config);
	int a = env_add_guest(env);
	env_start(env);

	struct guest *guest = guest_create(env_guest_connect(env, a));
	struct host_stats st;
	env_host_stats(env, &st);
	int syncs = st.sync_requests;
	CHECK_INT(syncs, ==, 1); /* guest_create's round trip */

	/* bind + sync in one flush. */
	struct order order = { 0 };
	struct sync_mark mark;
	double t0 = now_ms();
	struct wl_output *output = guest_bind(guest, &wl_output_interface, 3);
	wl_output_add_listener(output, &output_listener, &order);
	sync_mark(guest->display, &mark, &order, 'S');
	dispatch_until(guest->display, &mark.done);
	double elapsed = now_ms() - t0;
	CHECK_STR(order.log, "gmsdS");
	/* The host really was slow, so a local answer could not have won by
	 * luck of timing. */
	CHECK_MSG(elapsed >= DELAY_MS * 0.9, "round trip took %.1f ms", elapsed);
	env_host_stats(env, &st);
	CHECK_INT(st.sync_requests, ==, syncs + 1);
	syncs = st.sync_requests;

	/* Pipelined: bind, sync, bind, sync: each sync lands right after the
	 * events of the bind before it. */
	struct order order2 = { 0 };
	struct sync_mark m1, m2;
	struct wl_output *o2 = guest_bind(guest, &wl_output_interface, 3);
	wl_output_add_listener(o2, &output_listener, &order2);
	sync_mark(guest->display, &m1, &order2, '1');
	struct wl_output *o3 = guest_bind(guest, &wl_output_interface, 3);
	wl_output_add_listener(o3, &output_listener, &order2);
	sync_mark(guest->display, &m2, &order2, '2');
	dispatch_until(guest->display, &m2.done);
	CHECK_STR(order2.log, "gmsd1gmsd2");
	env_host_stats(env, &st);
	CHECK_INT(st.sync_requests, ==, syncs + 2);
	CHECK_INT(st.output_binds, ==, 3);

	/* A plain round trip. */
	guest_roundtrip(guest);
	env_host_stats(env, &st);
	CHECK_INT(st.sync_requests, ==, syncs + 3);

	wl_output_release(output);
	wl_output_release(o2);
	wl_output_release(o3);
	guest_roundtrip(guest);
	guest_destroy(guest);
	env_destroy(env);
	return 0;
}
