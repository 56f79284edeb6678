#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "guest.h"

static void
registry_handle_global(void *data, struct wl_registry *registry, uint32_t name,
		       const char *interface, uint32_t version)
{
	struct guest *guest = data;
	CHECK(guest->n_globals < GUEST_MAX_GLOBALS);
	struct guest_global *g = &guest->globals[guest->n_globals++];
	g->name = name;
	snprintf(g->interface, sizeof(g->interface), "%s", interface);
	g->version = version;
	g->removed = false;
}

static void
registry_handle_global_remove(void *data, struct wl_registry *registry,
			      uint32_t name)
{
	struct guest *guest = data;
	guest->n_removes++;
	for (int i = 0; i < guest->n_globals; i++) {
		if (guest->globals[i].name == name && !guest->globals[i].removed) {
			guest->globals[i].removed = true;
			return;
		}
	}
	CHECK_FAIL("global_remove for a name never announced: %u", name);
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_handle_global,
	.global_remove = registry_handle_global_remove,
};

struct guest *
guest_create(struct wl_display *display)
{
	struct guest *guest = calloc(1, sizeof(*guest));
	CHECK(guest);
	guest->display = display;
	guest->registry = wl_display_get_registry(display);
	CHECK(guest->registry);
	wl_registry_add_listener(guest->registry, &registry_listener, guest);
	guest_roundtrip(guest);
	return guest;
}

void
guest_destroy(struct guest *guest)
{
	wl_registry_destroy(guest->registry);
	wl_display_disconnect(guest->display);
	free(guest);
}

int
guest_dispatch_timeout(struct wl_display *display, int timeout_ms)
{
	int n = wl_display_dispatch_pending(display);
	if (n != 0)
		return n;
	while (wl_display_prepare_read(display) != 0) {
		n = wl_display_dispatch_pending(display);
		if (n != 0)
			return n;
	}
	if (wl_display_flush(display) < 0 && errno != EAGAIN) {
		wl_display_cancel_read(display);
		return -1;
	}
	struct pollfd pfd = { .fd = wl_display_get_fd(display), .events = POLLIN };
	int ready = poll(&pfd, 1, timeout_ms);
	if (ready <= 0) {
		wl_display_cancel_read(display);
		return ready < 0 ? -1 : 0;
	}
	if (wl_display_read_events(display) < 0)
		return -1;
	return wl_display_dispatch_pending(display);
}

static void
sync_done(void *data, struct wl_callback *cb, uint32_t serial)
{
	*(bool *)data = true;
	wl_callback_destroy(cb);
}

static const struct wl_callback_listener sync_listener = { .done = sync_done };

int
guest_roundtrip_timeout(struct wl_display *display, int timeout_ms)
{
	bool done = false;
	struct wl_callback *cb = wl_display_sync(display);
	wl_callback_add_listener(cb, &sync_listener, &done);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!done) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		int left = timeout_ms - (int)((now.tv_sec - start.tv_sec) * 1000 +
					       (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0) {
			/* The callback may still come: leave it a no-op. */
			wl_callback_destroy(cb);
			errno = ETIMEDOUT;
			return -1;
		}
		if (guest_dispatch_timeout(display, left) < 0)
			return -1;
	}
	return 0;
}

void
guest_roundtrip(struct guest *guest)
{
	if (guest_roundtrip_timeout(guest->display, GUEST_TIMEOUT_MS) == 0)
		return;
	int err = wl_display_get_error(guest->display);
	if (!err)
		CHECK_FAIL("guest round trip: no answer within %d ms", GUEST_TIMEOUT_MS);
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	uint32_t code = wl_display_get_protocol_error(guest->display, &iface, &id);
	CHECK_FAIL("guest round trip failed: error %d (%s), protocol error %u on %s@%u",
		   err, strerror(err), code, iface ? iface->name : "?", id);
}

const struct guest_global *
guest_find(struct guest *guest, const char *interface)
{
	for (int i = guest->n_globals - 1; i >= 0; i--) {
		if (!guest->globals[i].removed &&
		    strcmp(guest->globals[i].interface, interface) == 0)
			return &guest->globals[i];
	}
	return NULL;
}

int
guest_count_live(struct guest *guest)
{
	int n = 0;
	for (int i = 0; i < guest->n_globals; i++)
		n += !guest->globals[i].removed;
	return n;
}

void *
guest_bind(struct guest *guest, const struct wl_interface *iface, uint32_t version)
{
	const struct guest_global *g = guest_find(guest, iface->name);
	CHECK_MSG(g, "guest sees no %s", iface->name);
	void *proxy = wl_registry_bind(guest->registry, g->name, iface, version);
	CHECK(proxy);
	return proxy;
}

static char last_log[1024];

static void
capture_log(const char *fmt, va_list ap)
{
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	size_t n = strlen(last_log);
	while (n > 0 && last_log[n - 1] == '\n')
		last_log[--n] = '\0';
}

void
guest_capture_log(void)
{
	wl_log_set_handler_client(capture_log);
}

const char *
guest_last_log(void)
{
	return last_log;
}
