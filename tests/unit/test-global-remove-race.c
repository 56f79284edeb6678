/*
 * A bind racing a global's removal.  libwayland-server's wl_global_remove
 * exists so compositors can withdraw a global without killing clients: the
 * global_remove event goes out, and binds that were already on their way
 * (the client had not read the event yet) still succeed until the
 * compositor calls wl_global_destroy.  The same race through the proxy must
 * not turn into a protocol error for the guest either.
 *
 * A forked guest (it may get a protocol error, see harness.h) runs the race
 * twice: first straight against the host, as a control that the
 * expectation is libwayland's own behaviour, then through the proxy.  Each
 * time it waits until the global_remove sits unread on its socket, then
 * binds the removed global's name.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guest.h"
#include "harness.h"

static void
bind_after_remove(struct guest *guest, int ctl, const char *path)
{
	const struct guest_global *out = guest_find(guest, "wl_output");
	CHECK_MSG(out, "%s: no wl_output", path);
	uint32_t name = out->name;

	env_ctl_send(ctl, 'r'); /* please wl_global_remove the output */
	CHECK(env_ctl_recv(ctl) == 'g');
	struct pollfd pfd = { .fd = wl_display_get_fd(guest->display), .events = POLLIN };
	CHECK_MSG(poll(&pfd, 1, 2000) == 1, "%s: global_remove never came", path);

	/* Sent before reading the global_remove that is already here. */
	struct wl_output *output = wl_registry_bind(guest->registry, name,
						    &wl_output_interface, 3);
	if (guest_roundtrip_timeout(guest->display, GUEST_TIMEOUT_MS) < 0) {
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code = wl_display_get_protocol_error(guest->display, &iface, &id);
		CHECK_FAIL("%s: binding a global whose global_remove was in flight "
			   "killed the guest: protocol error %u on %s@%u: %s", path,
			   code, iface ? iface->name : "?", id, guest_last_log());
	}
	CHECK_INT(guest->n_removes, ==, 1);
	wl_output_release(output);
	guest_roundtrip(guest);

	env_ctl_send(ctl, 'd'); /* done: destroy it and add a fresh one */
	CHECK(env_ctl_recv(ctl) == 'a');
}

static int
racing_guest(struct wl_display *proxied, int ctl, void *data)
{
	guest_capture_log();

	CHECK(env_ctl_recv(ctl) == 'c'); /* the host is up */
	struct wl_display *direct = wl_display_connect("host-0");
	CHECK(direct);
	struct guest *control = guest_create(direct);
	bind_after_remove(control, ctl, "straight to the host (control)");
	guest_destroy(control);

	struct guest *guest = guest_create(proxied);
	bind_after_remove(guest, ctl, "through the proxy");
	guest_destroy(guest);
	return 0;
}

/* False when the guest stopped early (it says why on stderr). */
static bool
serve_one_race(struct env *env, int ctl)
{
	if (env_ctl_recv(ctl) != 'r')
		return false;
	env_host_global_remove(env, HOST_OUTPUT);
	env_ctl_send(ctl, 'g');
	if (env_ctl_recv(ctl) != 'd')
		return false;
	env_host_global_destroy(env, HOST_OUTPUT);
	env_host_global_add(env, HOST_OUTPUT, 3);
	env_ctl_send(ctl, 'a');
	return true;
}

int
main(void)
{
	struct host_config config = { 0 };
	config.version[HOST_COMPOSITOR] = 4;
	config.version[HOST_OUTPUT] = 3;
	struct env *env = env_create(&config);
	int ctl;
	pid_t child = env_fork_guest(env, racing_guest, NULL, &ctl);
	env_start(env);

	env_ctl_send(ctl, 'c');
	if (serve_one_race(env, ctl)) {
		struct host_stats st;
		env_host_stats(env, &st);
		CHECK_INT(st.binds_after_remove, ==, 1); /* the control bound it */
		serve_one_race(env, ctl);
	}
	CHECK_INT(env_wait_child(env, child), ==, 0);

	env_destroy(env);
	return 0;
}
