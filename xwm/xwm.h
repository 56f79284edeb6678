/*
 * The X11 window manager for the proxy's Xwayland (see xwayland/): it
 * gives each X window's wl_surface a role on the host, keeps titles and
 * sizes in step both ways and moves the X input focus to the window the
 * host focuses.
 */
#ifndef WLGP_XWM_H
#define WLGP_XWM_H

#include <stdbool.h>

struct wlgp_server;
struct wl_client;
struct xwm;

/* Connects to Xwayland on wm_fd (always taken, even on failure) once
 * Xwayland is ready, and claims WM_S0, which lets X clients in; both
 * happen later, from the loop (startup.c), without waiting for Xwayland.
 * xwayland_client: Xwayland's own Wayland connection to the proxy.
 * lost(data) is called from the loop when the X connection fails or
 * cannot be made; the caller then destroys the xwm. */
struct xwm *xwm_create(struct wlgp_server *server, int wm_fd,
		       struct wl_client *xwayland_client,
		       void (*lost)(void *data), void *data);
/* The start-up is done: WM_S0 is claimed. */
bool xwm_is_managing(const struct xwm *xwm);
void xwm_destroy(struct xwm *xwm);

#endif
