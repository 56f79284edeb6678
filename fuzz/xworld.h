/*
 * The x11 fuzz target's world: the guest target's proxy and unit host
 * (world.h), the strict host shell (xhost.h), and a real Xwayland started
 * the way xwayland/xwayland.c starts it (rootless, -shm, -wm, its Wayland
 * connection one more guest client of the proxy) with the window manager
 * (xwm/) running in this process on its -wm connection.  Made once per
 * process; X clients connect to it on a listening socket of its own.
 */
#ifndef WLGP_FUZZ_XWORLD_H
#define WLGP_FUZZ_XWORLD_H

#include <xcb/xcb.h>

struct world;
struct xhost;
struct xwm;

struct xworld {
	struct world *w;
	struct xhost *xh;
	struct xwm *xwm;
	int pid;
	char socket_path[100];
	char log_path[100];
};

/* The world of this process; the first call starts Xwayland and fails
 * the run (a fuzz check) if it cannot. */
struct xworld *xworld_get(void);

/* One round of the proxy and the host, then a wait of at most timeout_ms
 * for any of them or x_fd (-1: none) to have something. */
void xworld_round(struct xworld *xw, int x_fd, int timeout_ms);

/* A new X client connection (its set-up done while the proxy runs). */
xcb_connection_t *xworld_connect(struct xworld *xw);

#endif
