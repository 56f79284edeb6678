/*
 * The relay's tables, without any connection: relay_message_args (the
 * signature walker every forwarded message goes through), the generated
 * relay_meta catalogue (destructor masks and by-name lookup), the override
 * table, and which interfaces may be offered on a transport.
 */
#include <stdlib.h>
#include <string.h>
/* Request opcodes come from the client header, event opcodes from the
 * server one. */
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "check.h"
#include "interfaces.h"
#include "relay-meta.h"
#include "relay.h"

extern const struct wl_interface xdg_toplevel_interface;
extern const struct wl_interface zwp_tablet_tool_v2_interface;
extern const struct wl_interface wp_presentation_feedback_interface;

static int
args_of(const char *signature, struct relay_arg *out, int max)
{
	const struct wl_message msg = { "test", signature, NULL };
	return relay_message_args(&msg, out, max);
}

static void
expect_args(const char *signature, const char *types, const char *nullable)
{
	struct relay_arg argv[RELAY_MAX_ARGS];
	int n = args_of(signature, argv, RELAY_MAX_ARGS);
	CHECK_MSG(n == (int)strlen(types), "\"%s\": %d arguments, expected %zu",
		  signature, n, strlen(types));
	for (int i = 0; i < n; i++) {
		CHECK_MSG(argv[i].type == types[i], "\"%s\" argument %d: '%c', expected '%c'",
			  signature, i, argv[i].type, types[i]);
		CHECK_MSG(argv[i].nullable == (nullable[i] == '?'),
			  "\"%s\" argument %d: nullable %d, expected %d",
			  signature, i, argv[i].nullable, nullable[i] == '?');
	}
}

static void
test_message_args(void)
{
	expect_args("", "", "");
	/* A since-version alone is no argument. */
	expect_args("2", "", "");
	expect_args("5ii", "ii", "--");
	/* Multi-digit since-versions. */
	expect_args("12?s?a", "sa", "??");
	/* Nullability applies to the next argument only. */
	expect_args("?oii", "oii", "?--");
	expect_args("uoff", "uoff", "----");
	expect_args("3?ohu", "ohu", "?--");
	expect_args("u?o?sn", "uosn", "-?" "?-");
	/* wl_registry.bind's untyped new_id. */
	expect_args("usun", "usun", "----");

	/* Limits: exactly max fits, one more is refused. */
	struct relay_arg argv[3];
	CHECK_INT(args_of("uuu", argv, 3), ==, 3);
	CHECK_INT(args_of("uuuu", argv, 3), ==, -1);
	CHECK_INT(args_of("2?u?u?u?u", argv, 3), ==, -1);

	/* The real tables. */
	const struct wl_message *attach = &wl_surface_interface.methods[WL_SURFACE_ATTACH];
	int n = relay_message_args(attach, argv, 3);
	CHECK_INT(n, ==, 3);
	CHECK(argv[0].type == 'o' && argv[0].nullable);
	const struct wl_message *enter = &wl_pointer_interface.events[WL_POINTER_ENTER];
	struct relay_arg ev[RELAY_MAX_ARGS];
	CHECK_INT(relay_message_args(enter, ev, RELAY_MAX_ARGS), ==, 4);
	CHECK(ev[1].type == 'o' && !ev[1].nullable);
}

/* Every message of every compiled-in interface: argument count within
 * libwayland's limit, and every object/new_id type the message names is
 * itself in the catalogue (the relay could not create it otherwise). */
static void
test_all_messages(void)
{
	for (unsigned i = 0; i < relay_meta_count; i++) {
		const struct wl_interface *iface = relay_meta_table[i].interface;
		const struct wl_message *lists[2] = { iface->methods, iface->events };
		int counts[2] = { iface->method_count, iface->event_count };
		for (int l = 0; l < 2; l++) {
			for (int m = 0; m < counts[l]; m++) {
				const struct wl_message *msg = &lists[l][m];
				struct relay_arg argv[RELAY_MAX_ARGS];
				int argc = relay_message_args(msg, argv, RELAY_MAX_ARGS);
				CHECK_MSG(argc >= 0, "%s.%s: too many arguments",
					  iface->name, msg->name);
				for (int a = 0; a < argc; a++) {
					const struct wl_interface *t = msg->types[a];
					if (argv[a].type != 'o' && argv[a].type != 'n') {
						CHECK_MSG(!t, "%s.%s: argument %d of type "
							  "'%c' has an interface", iface->name,
							  msg->name, a, argv[a].type);
						continue;
					}
					if (t)
						CHECK_MSG(relay_meta_by_interface(t),
							  "%s.%s: argument %d names %s, "
							  "not in the catalogue",
							  iface->name, msg->name, a, t->name);
				}
			}
		}
	}
}

static void
expect_meta(const char *name, uint64_t requests, uint64_t events)
{
	const struct relay_meta *meta = relay_meta_by_name(name);
	CHECK_MSG(meta, "no relay_meta for %s", name);
	CHECK_STR(meta->name, name);
	CHECK_STR(meta->interface->name, name);
	CHECK_MSG(meta->destructor_requests == requests,
		  "%s destructor requests %#llx, expected %#llx", name,
		  (unsigned long long)meta->destructor_requests,
		  (unsigned long long)requests);
	CHECK_MSG(meta->destructor_events == events,
		  "%s destructor events %#llx, expected %#llx", name,
		  (unsigned long long)meta->destructor_events,
		  (unsigned long long)events);
}

static void
test_relay_meta(void)
{
	expect_meta("wl_display", 0, 0);
	expect_meta("wl_registry", 0, 0);
	/* wl_callback.done is a destructor event. */
	expect_meta("wl_callback", 0, 1ull << WL_CALLBACK_DONE);
	/* wl_surface.destroy (request 0) and nothing else. */
	expect_meta("wl_surface", 1ull << WL_SURFACE_DESTROY, 0);
	expect_meta("wl_pointer", 1ull << WL_POINTER_RELEASE, 0);
	expect_meta("wl_seat", 1ull << WL_SEAT_RELEASE, 0);
	expect_meta("wl_output", 1ull << WL_OUTPUT_RELEASE, 0);
	expect_meta("xdg_toplevel", 1ull << 0, 0);
	expect_meta("zwp_tablet_tool_v2", 1ull << 1, 0);
	/* presented and discarded end the feedback object. */
	expect_meta("wp_presentation_feedback", 0, (1ull << 1) | (1ull << 2));

	const struct relay_meta *toplevel = relay_meta_by_name("xdg_toplevel");
	CHECK(toplevel && toplevel->interface == &xdg_toplevel_interface);
	CHECK(relay_meta_by_interface(&wl_surface_interface) ==
	      relay_meta_by_name("wl_surface"));
	CHECK(relay_meta_by_interface(&zwp_tablet_tool_v2_interface) ==
	      relay_meta_by_name("zwp_tablet_tool_v2"));

	CHECK(!relay_meta_by_name("test_unknown_v1"));
	CHECK(!relay_meta_by_name(""));
	CHECK(!relay_meta_by_name("wl_surfac"));
	CHECK(!relay_meta_by_name("wl_surface_"));
	CHECK(!relay_meta_by_name("WL_SURFACE"));

	/* bsearch needs strictly sorted names; every entry must be found. */
	CHECK_INT(relay_meta_count, >, 100);
	for (unsigned i = 0; i < relay_meta_count; i++) {
		const struct relay_meta *m = &relay_meta_table[i];
		CHECK_STR(m->name, m->interface->name);
		if (i > 0)
			CHECK_MSG(strcmp(relay_meta_table[i - 1].name, m->name) < 0,
				  "table not sorted at %s", m->name);
		CHECK_MSG(relay_meta_by_name(m->name) == m, "lookup of %s", m->name);
		/* No mask bit beyond the interface's messages. */
		if (m->interface->method_count < 64)
			CHECK_MSG(!(m->destructor_requests >> m->interface->method_count),
				  "%s: destructor request bit past the end", m->name);
		if (m->interface->event_count < 64)
			CHECK_MSG(!(m->destructor_events >> m->interface->event_count),
				  "%s: destructor event bit past the end", m->name);
	}
}

static void
test_overrides(void)
{
	const struct relay_override *reg = relay_override_for("wl_registry");
	CHECK(reg && reg->request && reg->event);
	const struct relay_override *kbd = relay_override_for("wl_keyboard");
	CHECK(kbd && kbd->fd_events == 1ull << WL_KEYBOARD_KEYMAP);
	const struct relay_override *shm = relay_override_for("wl_shm");
	CHECK(shm && shm->fd_requests == 1ull << WL_SHM_CREATE_POOL &&
	      shm->request);
	const struct relay_override *surface = relay_override_for("wl_surface");
	CHECK(surface && surface->request && surface->drop_host);
	CHECK(!relay_override_for("test_unknown_v1"));
}

static bool
relayable(const bool *table, const char *name)
{
	const struct relay_meta *meta = relay_meta_by_name(name);
	CHECK_MSG(meta, "no relay_meta for %s", name);
	return table[meta - relay_meta_table];
}

static void
test_relayable(void)
{
	/* Every fd translation the proxy has works on every transport, so
	 * one table serves them all. */
	bool *table = interfaces_compute_relayable();
	CHECK(table);

	const char *always[] = { "wl_compositor", "wl_output", "wl_seat",
				 "zwp_tablet_manager_v2", "xdg_wm_base" };
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		CHECK_MSG(relayable(table, always[i]), "%s", always[i]);
	/* wl_shm's pool is copied into transport memory (shm.c, surface.c),
	 * never passed through. */
	CHECK(relayable(table, "wl_shm"));
	/* The clipboard's pipes are copied (transfer.c). */
	CHECK(relayable(table, "wl_data_device_manager"));
	CHECK(relayable(table, "zwp_primary_selection_device_manager_v1"));
	/* Untranslated fds: zwp_linux_buffer_params_v1.add. */
	CHECK(!relayable(table, "zwp_linux_dmabuf_v1"));
	free(table);
}

int
main(void)
{
	test_message_args();
	test_all_messages();
	test_relay_meta();
	test_overrides();
	test_relayable();
	return 0;
}
