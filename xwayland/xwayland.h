/*
 * Xwayland on demand: the proxy listens on the X display's sockets and
 * starts Xwayland at the first X connection, handing it those sockets, a
 * Wayland connection of its own (a socketpair the proxy serves as one more
 * guest client, so X pixels take the same copy path as any Wayland
 * client's) and the window manager's connection (xwm/).  If Xwayland dies
 * the next X connection starts another, no sooner than
 * XWAYLAND_RESTART_DELAY_MS after the last start.
 */
#ifndef WLGP_XWAYLAND_H
#define WLGP_XWAYLAND_H

#include "x_display.h"

struct wlgp_server;
struct xwayland;

#define XWAYLAND_RESTART_DELAY_MS 5000

/* Takes over xd's sockets and lock (closed by xwayland_destroy).  binary:
 * the Xwayland to run (a name looked up in PATH, or a path). */
struct xwayland *xwayland_create(struct wlgp_server *server,
				 const struct x_display *xd,
				 const char *binary);
void xwayland_destroy(struct xwayland *xwl);

/* ":N" */
const char *xwayland_display_name(const struct xwayland *xwl);

#endif
