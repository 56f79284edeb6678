/*
 * Hidden globals and registry changes at run time.  The host advertises
 * zwp_linux_dmabuf_v1 (its buffers are fds that cannot cross the device)
 * and test_unknown_v1 (an interface the proxy does not know): guests never
 * see either, neither at start nor when they come and go.
 * Globals the guest can see that the host removes (wl_global_destroy)
 * produce global_remove; ones it adds produce global, at the capped version.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guest.h"
#include "harness.h"

static void
expect_nothing_hidden(struct guest *guest)
{
	for (int i = 0; i < guest->n_globals; i++) {
		CHECK_MSG(strcmp(guest->globals[i].interface, "zwp_linux_dmabuf_v1") != 0 &&
			  strcmp(guest->globals[i].interface, "test_unknown_v1") != 0,
			  "guest was shown %s", guest->globals[i].interface);
	}
}

int
main(void)
{
	struct host_config config = { 0 };
	config.version[HOST_COMPOSITOR] = 4;
	config.version[HOST_OUTPUT] = 3;
	config.version[HOST_DMABUF] = 3;
	config.version[HOST_UNKNOWN] = 1;
	struct env *env = env_create(&config);
	int a = env_add_guest(env);
	env_start(env);

	struct guest *guest = guest_create(env_guest_connect(env, a));
	expect_nothing_hidden(guest);
	CHECK_INT(guest->n_globals, ==, 2);
	CHECK(guest_find(guest, "wl_compositor"));
	const struct guest_global *out = guest_find(guest, "wl_output");
	CHECK(out);
	CHECK_INT(out->version, ==, 3);
	uint32_t first_output = out->name;

	/* A visible global appears at run time. */
	env_host_global_add(env, HOST_SEAT, 5);
	guest_roundtrip(guest);
	CHECK_INT(guest->n_globals, ==, 3);
	const struct guest_global *seat = guest_find(guest, "wl_seat");
	CHECK(seat);
	CHECK_INT(seat->version, ==, 5);

	/* Hidden ones going and coming stay invisible: no global, no
	 * global_remove for a name the guest never saw. */
	env_host_global_destroy(env, HOST_UNKNOWN);
	env_host_global_destroy(env, HOST_DMABUF);
	guest_roundtrip(guest);
	CHECK_INT(guest->n_removes, ==, 0);
	env_host_global_add(env, HOST_UNKNOWN, 1);
	env_host_global_add(env, HOST_DMABUF, 3);
	guest_roundtrip(guest);
	CHECK_INT(guest->n_globals, ==, 3);
	expect_nothing_hidden(guest);

	/* A visible global removed: global_remove with its name. */
	env_host_global_destroy(env, HOST_OUTPUT);
	guest_roundtrip(guest);
	CHECK_INT(guest->n_removes, ==, 1);
	CHECK(!guest_find(guest, "wl_output"));
	bool seen_removed = false;
	for (int i = 0; i < guest->n_globals; i++) {
		if (guest->globals[i].name == first_output)
			seen_removed = guest->globals[i].removed;
	}
	CHECK(seen_removed);

	/* Back under a new name, capped like any other. */
	env_host_global_add(env, HOST_OUTPUT, 2);
	guest_roundtrip(guest);
	out = guest_find(guest, "wl_output");
	CHECK(out);
	CHECK_INT(out->name, !=, first_output);
	CHECK_INT(out->version, ==, 2);
	CHECK_INT(guest_count_live(guest), ==, 3);

	/* A seat above the compiled version is capped when it comes late. */
	env_host_global_destroy(env, HOST_SEAT);
	env_host_global_add(env, HOST_SEAT, 1000);
	guest_roundtrip(guest);
	CHECK_INT(guest->n_removes, ==, 2);
	seat = guest_find(guest, "wl_seat");
	CHECK(seat);
	CHECK_INT(seat->version, ==, wl_seat_interface.version);

	/* A guest arriving now gets the current set, nothing hidden. */
	struct guest *late = guest_create(env_guest_new(env));
	CHECK_INT(late->n_globals, ==, 3);
	CHECK_INT(late->n_removes, ==, 0);
	expect_nothing_hidden(late);
	CHECK(guest_find(late, "wl_compositor"));
	CHECK_INT(guest_find(late, "wl_output")->version, ==, 2);
	CHECK_INT(guest_find(late, "wl_seat")->version, ==, wl_seat_interface.version);

	/* Both can still bind what they see. */
	struct wl_output *o1 = guest_bind(guest, &wl_output_interface, 2);
	struct wl_output *o2 = guest_bind(late, &wl_output_interface, 2);
	guest_roundtrip(guest);
	guest_roundtrip(late);
	struct host_stats st;
	env_host_stats(env, &st);
	CHECK_INT(st.output_binds, ==, 2);

	wl_output_destroy(o1);
	wl_output_destroy(o2);
	guest_destroy(late);
	guest_destroy(guest);
	env_destroy(env);
	return 0;
}
