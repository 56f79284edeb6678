/* An xdg_toplevel window for the e2e test clients. */
#ifndef TC_WINDOW_H
#define TC_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "tc-wayland.h"

struct tc_window;

struct tc_window_options {
	const char *title; /* NULL: none set */
	const char *app_id; /* NULL: none set */
	bool fullscreen;
	/* Called after every xdg_surface.configure, once it is acked (the
	 * size is in window->width and height); may be NULL. */
	void (*configure)(struct tc_window *window, void *data);
	void *data;
};

/* A wl_surface with the xdg_toplevel role.  Acks every configure itself,
 * so clients only say what a configure means to them. */
struct tc_window {
	struct tc_globals *globals; /* not owned */
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	/* The size of the latest xdg_toplevel.configure (0: the client's
	 * choice); once acked, what window->surface is asked to be. */
	int32_t width, height;
	unsigned configures; /* xdg_surface.configure events acked */
	bool closed; /* xdg_toplevel.close arrived */
	struct tc_window_options options;
};

/* Creates the toplevel and makes the initial (bufferless) commit, which
 * asks the compositor for the first configure.  NULL if out of memory. */
struct tc_window *tc_window_create(struct tc_globals *globals,
				   const struct tc_window_options *options);
void tc_window_destroy(struct tc_window *window);

/* Dispatches until the first configure is acked or the window is closed.
 * Returns false on a display error, which it leaves to the caller. */
bool tc_window_wait_configure(struct tc_window *window);
/* Dispatches until the window is closed; dies on a display error. */
void tc_window_run_until_closed(struct tc_window *window);

#endif
