/* Wayland helpers the e2e test clients share: the connection with the
 * globals every client binds, errors, the ping listener, log capture. */
#ifndef TC_WAYLAND_H
#define TC_WAYLAND_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-client.h>

#include "tc-xdg-shell-client-protocol.h"

struct tc_globals_options {
	/* Highest wl_compositor version to bind (the advertised one if lower). */
	uint32_t compositor_version;
	/* Highest wl_seat version to bind; 0: the client wants no seat. */
	uint32_t seat_version;
	/* The seat's wl_seat.capabilities, to get its devices from; may be
	 * NULL. */
	void (*seat_capabilities)(void *data, struct wl_seat *seat,
				  uint32_t capabilities);
	/* Sees every global the helper does not bind itself, so that a client
	 * binds what only it needs there; may be NULL. */
	void (*global)(void *data, struct wl_registry *registry, uint32_t name,
		       const char *interface, uint32_t version);
	void *data; /* for the hooks */
};

/* A connection to $WAYLAND_DISPLAY and the globals every test client binds.
 * Owns the display and the globals it bound, not those options.global
 * bound (the client destroys them before tc_globals_destroy). */
struct tc_globals {
	const char *name; /* the client's, to prefix messages with */
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	uint32_t compositor_version; /* the version bound */
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_seat *seat; /* the first one, if options.seat_version */
	struct wl_array shm_formats; /* uint32_t each, as wl_shm announced them */
	struct tc_globals_options options;
};

/* Connects, binds after one round trip and checks that wl_compositor,
 * wl_shm, xdg_wm_base (and wl_seat if wanted) are there.  The wl_shm
 * formats are not in yet: they come with the next round trip.  On failure
 * says why on stderr and returns NULL. */
struct tc_globals *tc_globals_create(const char *name,
				     const struct tc_globals_options *options);
/* Destroys what it bound and disconnects. */
void tc_globals_destroy(struct tc_globals *globals);

/* Whether wl_shm has announced format (so far). */
bool tc_globals_has_shm_format(const struct tc_globals *globals, uint32_t format);

/* A protocol error, as the e2e tests read it. */
struct tc_protocol_error {
	const char *interface; /* "?" if libwayland does not know it */
	uint32_t id, code;
};

/* After a request failed: prints on stdout
 *   PROTOCOL_ERROR interface=<name> id=<object id> code=<code>
 * and fills *error, or, if the connection failed in another way,
 *   CONNECTION_ERROR <text>
 * and returns false. */
bool tc_globals_report_error(struct tc_globals *globals,
			     struct tc_protocol_error *error);

/* Prints the display's error (a protocol error with its object and code,
 * or the lost connection) prefixed with what was being done; exits 2. */
_Noreturn void tc_globals_die(struct tc_globals *globals, const char *what);
/* wl_display_dispatch and wl_display_roundtrip that die on failure. */
void tc_globals_dispatch(struct tc_globals *globals, const char *what);
void tc_globals_roundtrip(struct tc_globals *globals, const char *what);

/* Answers xdg_wm_base.ping; needs no user data. */
extern const struct xdg_wm_base_listener tc_wm_base_listener;

/* Keeps what libwayland-client logs (a protocol error's text among it) and
 * still prints it on stderr. */
void tc_log_capture_start(void);
/* Everything captured so far, without trailing newlines ("" if nothing). */
const char *tc_log_text(void);

#endif
