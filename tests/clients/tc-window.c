/* An xdg_toplevel window for the e2e test clients. */
#include "tc-window.h"

#include <stdio.h>
#include <stdlib.h>

static void
xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct tc_window *window = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	window->configures++;
	if (window->options.configure)
		window->options.configure(window, window->options.data);
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void
toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width,
		   int32_t height, struct wl_array *states)
{
	struct tc_window *window = data;
	window->width = width;
	window->height = height;
}

static void
toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	struct tc_window *window = data;
	window->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

struct tc_window *
tc_window_create(struct tc_globals *globals, const struct tc_window_options *options)
{
	struct tc_window *window = calloc(1, sizeof *window);
	if (!window) {
		fprintf(stderr, "%s: out of memory\n", globals->name);
		return NULL;
	}
	window->globals = globals;
	window->options = *options;
	window->surface = wl_compositor_create_surface(globals->compositor);
	window->xdg_surface = xdg_wm_base_get_xdg_surface(globals->wm_base, window->surface);
	xdg_surface_add_listener(window->xdg_surface, &xdg_surface_listener, window);
	window->toplevel = xdg_surface_get_toplevel(window->xdg_surface);
	xdg_toplevel_add_listener(window->toplevel, &toplevel_listener, window);
	if (options->title)
		xdg_toplevel_set_title(window->toplevel, options->title);
	if (options->app_id)
		xdg_toplevel_set_app_id(window->toplevel, options->app_id);
	if (options->fullscreen)
		xdg_toplevel_set_fullscreen(window->toplevel, NULL);
	wl_surface_commit(window->surface);
	return window;
}

void
tc_window_destroy(struct tc_window *window)
{
	if (!window)
		return;
	xdg_toplevel_destroy(window->toplevel);
	xdg_surface_destroy(window->xdg_surface);
	wl_surface_destroy(window->surface);
	free(window);
}

bool
tc_window_wait_configure(struct tc_window *window)
{
	while (!window->configures && !window->closed) {
		if (wl_display_dispatch(window->globals->display) < 0)
			return false;
	}
	return true;
}

void
tc_window_run_until_closed(struct tc_window *window)
{
	while (!window->closed)
		tc_globals_dispatch(window->globals, "dispatch");
}
