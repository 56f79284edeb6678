/*
 * Guest-side helpers: a libwayland client's registry view, kept as a list
 * of every global and global_remove it received.
 */
#ifndef WLGP_UNIT_GUEST_H
#define WLGP_UNIT_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-client.h>

#define GUEST_MAX_GLOBALS 32

struct guest_global {
	uint32_t name;
	char interface[64];
	uint32_t version;
	bool removed;
};

struct guest {
	struct wl_display *display;
	struct wl_registry *registry;
	struct guest_global globals[GUEST_MAX_GLOBALS];
	int n_globals;       /* global events received */
	int n_removes;       /* global_remove events received */
};

/* Gets the registry and does one round trip: the initial globals are in. */
struct guest *guest_create(struct wl_display *display);
/* Registry destroyed, display disconnected, guest freed. */
void guest_destroy(struct guest *guest);

/* How long a guest waits for an answer before the test fails: far more
 * than any answer takes, far less than meson's timeout. */
#define GUEST_TIMEOUT_MS 3000

/* A round trip that must succeed within GUEST_TIMEOUT_MS. */
void guest_roundtrip(struct guest *guest);
/* wl_display_roundtrip with a deadline: 0, or -1 with the display's error
 * or errno ETIMEDOUT. */
int guest_roundtrip_timeout(struct wl_display *display, int timeout_ms);
/* wl_display_dispatch with a deadline: events dispatched, 0 on timeout,
 * -1 on error. */
int guest_dispatch_timeout(struct wl_display *display, int timeout_ms);

/* The advertised, not removed global of that interface (the last one). */
const struct guest_global *guest_find(struct guest *guest, const char *interface);
int guest_count_live(struct guest *guest);

/* Binds the live global of iface's name at version. */
void *guest_bind(struct guest *guest, const struct wl_interface *iface,
		 uint32_t version);

/* libwayland-client's last log line in this process, for forked guests:
 * guest_capture_log installs the handler. */
void guest_capture_log(void);
const char *guest_last_log(void);

#endif
