/*
 * Objects created by events.  On zwp_tablet_manager_v2.get_tablet_seat the
 * host announces a tablet (tablet_added), a tool (tool_added) and a pad
 * (pad_added) whose group (zwp_tablet_pad_v2.group) and ring
 * (zwp_tablet_pad_group_v2.ring) are created by events on objects that were
 * themselves created by events.  The guest must get each as a usable object
 * whose own events (name, id, path, done, …) arrive on it, and its
 * destructor requests must reach the host's resource.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guest.h"
#include "harness.h"
#include "tablet-unstable-v2-client-protocol.h"

struct tablets {
	/* The order of everything received, one letter per event. */
	char log[128];
	int n;

	struct zwp_tablet_v2 *tablet;
	char name[64], path[128];
	uint32_t vid, pid;

	struct zwp_tablet_tool_v2 *tool;
	uint32_t tool_type, serial_lo, capability;

	struct zwp_tablet_pad_v2 *pad;
	struct zwp_tablet_pad_group_v2 *group;
	struct zwp_tablet_pad_ring_v2 *ring;
	int group_buttons, pad_buttons, modes;
};

static void
note(struct tablets *t, char c)
{
	CHECK(t->n < (int)sizeof(t->log) - 1);
	t->log[t->n++] = c;
}

/* ---- tablet ---- */
static void
tablet_name(void *data, struct zwp_tablet_v2 *tablet, const char *name)
{
	struct tablets *t = data;
	CHECK(tablet == t->tablet);
	snprintf(t->name, sizeof(t->name), "%s", name);
	note(t, 'n');
}

static void
tablet_id(void *data, struct zwp_tablet_v2 *tablet, uint32_t vid, uint32_t pid)
{
	struct tablets *t = data;
	t->vid = vid;
	t->pid = pid;
	note(t, 'i');
}

static void
tablet_path(void *data, struct zwp_tablet_v2 *tablet, const char *path)
{
	struct tablets *t = data;
	snprintf(t->path, sizeof(t->path), "%s", path);
	note(t, 'p');
}

static void
tablet_done(void *data, struct zwp_tablet_v2 *tablet)
{
	note(data, 'D');
}

static void
tablet_removed(void *data, struct zwp_tablet_v2 *tablet)
{
	note(data, 'R');
}

static const struct zwp_tablet_v2_listener tablet_listener = {
	.name = tablet_name,
	.id = tablet_id,
	.path = tablet_path,
	.done = tablet_done,
	.removed = tablet_removed,
};

/* ---- tool ---- */
static void
tool_type(void *data, struct zwp_tablet_tool_v2 *tool, uint32_t type)
{
	struct tablets *t = data;
	t->tool_type = type;
	note(t, 'y');
}

static void
tool_serial(void *data, struct zwp_tablet_tool_v2 *tool, uint32_t hi, uint32_t lo)
{
	struct tablets *t = data;
	t->serial_lo = lo;
	note(t, 's');
}

static void
tool_hwid(void *data, struct zwp_tablet_tool_v2 *tool, uint32_t hi, uint32_t lo)
{
}

static void
tool_capability(void *data, struct zwp_tablet_tool_v2 *tool, uint32_t cap)
{
	struct tablets *t = data;
	t->capability = cap;
	note(t, 'c');
}

static void
tool_done(void *data, struct zwp_tablet_tool_v2 *tool)
{
	note(data, 'T');
}

static void
tool_noargs(void *data, struct zwp_tablet_tool_v2 *tool)
{
}

static void
tool_proximity_in(void *data, struct zwp_tablet_tool_v2 *tool, uint32_t serial,
		  struct zwp_tablet_v2 *tablet, struct wl_surface *surface)
{
}

static void
tool_u(void *data, struct zwp_tablet_tool_v2 *tool, uint32_t u)
{
}

static void
tool_ff(void *data, struct zwp_tablet_tool_v2 *tool, wl_fixed_t a, wl_fixed_t b)
{
}

static void
tool_f(void *data, struct zwp_tablet_tool_v2 *tool, wl_fixed_t a)
{
}

static void
tool_i(void *data, struct zwp_tablet_tool_v2 *tool, int32_t a)
{
}

static void
tool_wheel(void *data, struct zwp_tablet_tool_v2 *tool, wl_fixed_t deg, int32_t clicks)
{
}

static void
tool_button(void *data, struct zwp_tablet_tool_v2 *tool, uint32_t serial,
	    uint32_t button, uint32_t state)
{
}

static const struct zwp_tablet_tool_v2_listener tool_listener = {
	.type = tool_type,
	.hardware_serial = tool_serial,
	.hardware_id_wacom = tool_hwid,
	.capability = tool_capability,
	.done = tool_done,
	.removed = tool_noargs,
	.proximity_in = tool_proximity_in,
	.proximity_out = tool_noargs,
	.down = tool_u,
	.up = tool_noargs,
	.motion = tool_ff,
	.pressure = tool_u,
	.distance = tool_u,
	.tilt = tool_ff,
	.rotation = tool_f,
	.slider = tool_i,
	.wheel = tool_wheel,
	.button = tool_button,
	.frame = tool_u,
};

/* ---- pad ring ---- */
static void
ring_u(void *data, struct zwp_tablet_pad_ring_v2 *ring, uint32_t u)
{
}

static void
ring_angle(void *data, struct zwp_tablet_pad_ring_v2 *ring, wl_fixed_t deg)
{
}

static void
ring_stop(void *data, struct zwp_tablet_pad_ring_v2 *ring)
{
}

static const struct zwp_tablet_pad_ring_v2_listener ring_listener = {
	.source = ring_u,
	.angle = ring_angle,
	.stop = ring_stop,
	.frame = ring_u,
};

/* ---- pad group ---- */
static void
group_buttons(void *data, struct zwp_tablet_pad_group_v2 *group, struct wl_array *buttons)
{
	struct tablets *t = data;
	uint32_t *b;
	int i = 0;
	wl_array_for_each(b, buttons) {
		CHECK_INT(*b, ==, i);
		i++;
	}
	t->group_buttons = i;
	note(t, 'b');
}

static void
group_ring(void *data, struct zwp_tablet_pad_group_v2 *group,
	   struct zwp_tablet_pad_ring_v2 *ring)
{
	struct tablets *t = data;
	CHECK(ring);
	CHECK(!t->ring);
	t->ring = ring;
	zwp_tablet_pad_ring_v2_add_listener(ring, &ring_listener, t);
	note(t, 'r');
}

static void
group_strip(void *data, struct zwp_tablet_pad_group_v2 *group,
	    struct zwp_tablet_pad_strip_v2 *strip)
{
	CHECK_FAIL("the host sends no strip");
}

static void
group_modes(void *data, struct zwp_tablet_pad_group_v2 *group, uint32_t modes)
{
	struct tablets *t = data;
	t->modes = (int)modes;
	note(t, 'm');
}

static void
group_done(void *data, struct zwp_tablet_pad_group_v2 *group)
{
	note(data, 'G');
}

static void
group_mode_switch(void *data, struct zwp_tablet_pad_group_v2 *group, uint32_t time,
		  uint32_t serial, uint32_t mode)
{
}

static const struct zwp_tablet_pad_group_v2_listener group_listener = {
	.buttons = group_buttons,
	.ring = group_ring,
	.strip = group_strip,
	.modes = group_modes,
	.done = group_done,
	.mode_switch = group_mode_switch,
};

/* ---- pad ---- */
static void
pad_group(void *data, struct zwp_tablet_pad_v2 *pad, struct zwp_tablet_pad_group_v2 *group)
{
	struct tablets *t = data;
	CHECK(group);
	CHECK(!t->group);
	t->group = group;
	zwp_tablet_pad_group_v2_add_listener(group, &group_listener, t);
	note(t, 'g');
}

static void
pad_path(void *data, struct zwp_tablet_pad_v2 *pad, const char *path)
{
	note(data, 'q');
}

static void
pad_buttons(void *data, struct zwp_tablet_pad_v2 *pad, uint32_t buttons)
{
	struct tablets *t = data;
	t->pad_buttons = (int)buttons;
	note(t, 'u');
}

static void
pad_done(void *data, struct zwp_tablet_pad_v2 *pad)
{
	note(data, 'P');
}

static void
pad_button(void *data, struct zwp_tablet_pad_v2 *pad, uint32_t time,
	   uint32_t button, uint32_t state)
{
}

static void
pad_enter(void *data, struct zwp_tablet_pad_v2 *pad, uint32_t serial,
	  struct zwp_tablet_v2 *tablet, struct wl_surface *surface)
{
}

static void
pad_leave(void *data, struct zwp_tablet_pad_v2 *pad, uint32_t serial,
	  struct wl_surface *surface)
{
}

static void
pad_removed(void *data, struct zwp_tablet_pad_v2 *pad)
{
}

static const struct zwp_tablet_pad_v2_listener pad_listener = {
	.group = pad_group,
	.path = pad_path,
	.buttons = pad_buttons,
	.done = pad_done,
	.button = pad_button,
	.enter = pad_enter,
	.leave = pad_leave,
	.removed = pad_removed,
};

/* ---- tablet seat ---- */
static void
seat_tablet_added(void *data, struct zwp_tablet_seat_v2 *seat, struct zwp_tablet_v2 *tablet)
{
	struct tablets *t = data;
	CHECK(tablet);
	CHECK(!t->tablet);
	t->tablet = tablet;
	zwp_tablet_v2_add_listener(tablet, &tablet_listener, t);
	note(t, 'A');
}

static void
seat_tool_added(void *data, struct zwp_tablet_seat_v2 *seat, struct zwp_tablet_tool_v2 *tool)
{
	struct tablets *t = data;
	CHECK(tool);
	CHECK(!t->tool);
	t->tool = tool;
	zwp_tablet_tool_v2_add_listener(tool, &tool_listener, t);
	note(t, 'B');
}

static void
seat_pad_added(void *data, struct zwp_tablet_seat_v2 *seat, struct zwp_tablet_pad_v2 *pad)
{
	struct tablets *t = data;
	CHECK(pad);
	CHECK(!t->pad);
	t->pad = pad;
	zwp_tablet_pad_v2_add_listener(pad, &pad_listener, t);
	note(t, 'C');
}

static const struct zwp_tablet_seat_v2_listener tablet_seat_listener = {
	.tablet_added = seat_tablet_added,
	.tool_added = seat_tool_added,
	.pad_added = seat_pad_added,
};

static void
expect_server_created(void *proxy, uint32_t version)
{
	/* Created by the proxy's server on the guest's connection: the id is
	 * from libwayland's server range. */
	CHECK_INT(wl_proxy_get_id(proxy), >=, 0xff000000u);
	CHECK_INT(wl_proxy_get_version(proxy), ==, version);
}

int
main(void)
{
	struct host_config config = { 0 };
	config.version[HOST_SEAT] = 7;
	config.version[HOST_TABLET_MANAGER] = 1;
	struct env *env = env_create(&config);
	int a = env_add_guest(env);
	env_start(env);

	struct guest *guest = guest_create(env_guest_connect(env, a));
	struct wl_seat *seat = guest_bind(guest, &wl_seat_interface, 7);
	struct zwp_tablet_manager_v2 *manager =
		guest_bind(guest, &zwp_tablet_manager_v2_interface, 1);
	guest_roundtrip(guest);
	int objects_before = env_proxy_object_count(env);

	struct tablets t = { 0 };
	struct zwp_tablet_seat_v2 *tablet_seat =
		zwp_tablet_manager_v2_get_tablet_seat(manager, seat);
	zwp_tablet_seat_v2_add_listener(tablet_seat, &tablet_seat_listener, &t);
	guest_roundtrip(guest);

	/* Every event, in the host's order, on the object it was sent to. */
	CHECK_STR(t.log, "AnipDByscTCgbrmGquP");
	CHECK_STR(t.name, HOST_TABLET_NAME);
	CHECK_STR(t.path, HOST_TABLET_PATH);
	CHECK_INT(t.vid, ==, HOST_TABLET_VID);
	CHECK_INT(t.pid, ==, HOST_TABLET_PID);
	CHECK_INT(t.tool_type, ==, ZWP_TABLET_TOOL_V2_TYPE_PEN);
	CHECK_INT(t.serial_lo, ==, HOST_TOOL_SERIAL_LO);
	CHECK_INT(t.capability, ==, ZWP_TABLET_TOOL_V2_CAPABILITY_PRESSURE);
	CHECK_INT(t.group_buttons, ==, HOST_PAD_BUTTONS);
	CHECK_INT(t.pad_buttons, ==, HOST_PAD_BUTTONS);
	CHECK_INT(t.modes, ==, 1);
	expect_server_created(t.tablet, 1);
	expect_server_created(t.tool, 1);
	expect_server_created(t.pad, 1);
	expect_server_created(t.group, 1);
	expect_server_created(t.ring, 1);
	/* tablet seat + five event-created objects */
	CHECK_INT(env_proxy_object_count(env), ==, objects_before + 6);

	struct host_stats st;
	env_host_stats(env, &st);
	CHECK_INT(st.tablet_seats, ==, 1);
	CHECK_INT(st.tablet_objects, ==, 5);

	/* The objects are usable: requests on them reach the host's
	 * resources (set_cursor with a null surface on the way). */
	zwp_tablet_tool_v2_set_cursor(t.tool, 0, NULL, 0, 0);
	zwp_tablet_v2_destroy(t.tablet);
	zwp_tablet_tool_v2_destroy(t.tool);
	guest_roundtrip(guest);
	env_host_stats(env, &st);
	CHECK_INT(st.tablets_destroyed, ==, 1);
	CHECK_INT(st.tools_destroyed, ==, 1);
	CHECK_INT(st.tablet_objects, ==, 3);

	/* Children before parents, as a client would. */
	zwp_tablet_pad_ring_v2_destroy(t.ring);
	zwp_tablet_pad_group_v2_destroy(t.group);
	zwp_tablet_pad_v2_destroy(t.pad);
	guest_roundtrip(guest);
	env_host_stats(env, &st);
	CHECK_INT(st.rings_destroyed, ==, 1);
	CHECK_INT(st.groups_destroyed, ==, 1);
	CHECK_INT(st.pads_destroyed, ==, 1);
	CHECK_INT(st.tablet_objects, ==, 0);
	CHECK_INT(env_proxy_object_count(env), ==, objects_before + 1);

	/* A second tablet seat gets a second, independent set. */
	struct tablets t2 = { 0 };
	struct zwp_tablet_seat_v2 *tablet_seat2 =
		zwp_tablet_manager_v2_get_tablet_seat(manager, seat);
	zwp_tablet_seat_v2_add_listener(tablet_seat2, &tablet_seat_listener, &t2);
	guest_roundtrip(guest);
	CHECK_STR(t2.log, "AnipDByscTCgbrmGquP");
	env_host_stats(env, &st);
	CHECK_INT(st.tablet_objects, ==, 5);

	zwp_tablet_seat_v2_destroy(tablet_seat);
	zwp_tablet_seat_v2_destroy(tablet_seat2);
	zwp_tablet_manager_v2_destroy(manager);
	wl_seat_release(seat);
	guest_roundtrip(guest);
	env_host_stats(env, &st);
	CHECK_INT(st.tablet_seats, ==, 0);

	/* t2's objects stay alive until the guest goes, and the proxy frees
	 * them then (ASan/LSan watch): forget them here without a request. */
	wl_proxy_destroy((struct wl_proxy *)t2.tablet);
	wl_proxy_destroy((struct wl_proxy *)t2.tool);
	wl_proxy_destroy((struct wl_proxy *)t2.ring);
	wl_proxy_destroy((struct wl_proxy *)t2.group);
	wl_proxy_destroy((struct wl_proxy *)t2.pad);
	guest_destroy(guest);
	env_destroy(env);
	return 0;
}
