/*
 * The shield: guest-side enforcement of the protocol rules, so that a
 * request which breaks one never reaches the host compositor.  Host
 * compositors trust their clients' protocol state less than they should and
 * have crashed on well-typed, illegal sequences; behind the proxy every
 * guest app is one such client.
 *
 * relay.c asks shield_allow_request() before a request reaches an override
 * or the generic relay.  A refused request gets the protocol's own error
 * (its code from the XML's error enum) on the guest object, which
 * disconnects that guest alone; the host never sees the request.
 *
 * The rules live one file per protocol (wl_surface.c, xdg_shell.c, ...),
 * next to the XML's error enum they enforce; an interface without rules is
 * relayed as before.
 */
#ifndef WLGP_SHIELD_H
#define WLGP_SHIELD_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>

struct shield;

/* Watches every client of display from now on.  NULL when out of memory. */
struct shield *shield_create(struct wl_display *display);
/* After every client is gone, before the display is destroyed. */
void shield_destroy(struct shield *shield);

/* False if the request on resource breaks a rule: the error has been
 * posted on the guest, fds in args are closed, and the request must be
 * dropped.  True: relay it as usual. */
bool shield_allow_request(struct shield *shield, struct wl_resource *resource,
			  uint32_t opcode, const struct wl_message *msg,
			  union wl_argument *args);

#endif
