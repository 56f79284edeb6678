/*
 * Host roles for paired X windows, made on Xwayland's own host connection
 * (xdg_wm_base and wl_subcompositor bound there by us, never shown to a
 * guest):
 *  - a managed window becomes an xdg_toplevel with its title, app_id,
 *    parent and size limits; the host's configure becomes an X configure,
 *    its activation the X input focus, its close WM_DELETE_WINDOW;
 *  - an override-redirect window (menu, tooltip, combo list) becomes a
 *    desynchronized subsurface of the window it belongs to, at its X
 *    position relative to that window and above it.  A subsurface, not an
 *    xdg_popup: the host could dismiss a popup and the X client would
 *    never know (sommelier's reason to avoid popups too).
 * Its first commit waits for the first configure to be acked (pairing.c).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-client-protocol.h>

#include "client.h"
#include "log.h"
#include "relay.h"
#include "primary-selection-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"
#include "provenance.h"
#include "server.h"
#include "xwm_internal.h"

static struct wl_surface *
host_surface(const struct xwm_window *win)
{
	return (struct wl_surface *)win->surface->ro->proxy;
}

static bool
has_role(const struct xwm_window *win)
{
	return win->toplevel || win->subsurface;
}

/* Shown on the host: a role whose first configure was acked. */
static bool
is_shown(const struct xwm_window *win)
{
	return win && win->surface && win->surface->ro->proxy && has_role(win) &&
	       win->configured;
}

static void
handle_wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = handle_wm_base_ping,
};

/* A keyboard of our own on Xwayland's host connection, for the input
 * serials wl_data_device.set_selection wants (selection.c). */
static void
handle_keyboard_keymap(void *data, struct wl_keyboard *keyboard, uint32_t format,
		       int32_t fd, uint32_t size)
{
	close(fd);
}

static void
handle_keyboard_enter(void *data, struct wl_keyboard *keyboard, uint32_t serial,
		      struct wl_surface *surface, struct wl_array *keys)
{
	struct xwm *xwm = data;
	xwm->host_input_serial = serial;
	xwm_selection_input_serial(xwm);
}

static void
handle_keyboard_leave(void *data, struct wl_keyboard *keyboard, uint32_t serial,
		      struct wl_surface *surface)
{
}

static void
handle_keyboard_key(void *data, struct wl_keyboard *keyboard, uint32_t serial,
		    uint32_t time, uint32_t key, uint32_t state)
{
	struct xwm *xwm = data;
	xwm->host_input_serial = serial;
}

static void
handle_keyboard_modifiers(void *data, struct wl_keyboard *keyboard,
			  uint32_t serial, uint32_t depressed, uint32_t latched,
			  uint32_t locked, uint32_t group)
{
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = handle_keyboard_keymap,
	.enter = handle_keyboard_enter,
	.leave = handle_keyboard_leave,
	.key = handle_keyboard_key,
	.modifiers = handle_keyboard_modifiers,
};

static void
handle_seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct xwm *xwm = data;
	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && !xwm->host_keyboard) {
		xwm->host_keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(xwm->host_keyboard, &keyboard_listener, xwm);
	}
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = handle_seat_capabilities,
};

static void
handle_global(void *data, struct wl_registry *registry, uint32_t name,
	      const char *interface, uint32_t version)
{
	struct xwm *xwm = data;
	if (!xwm->host_wm_base && strcmp(interface, xdg_wm_base_interface.name) == 0) {
		xwm->host_wm_base = wl_registry_bind(registry, name,
						     &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(xwm->host_wm_base, &wm_base_listener, xwm);
	} else if (!xwm->host_subcompositor &&
		   strcmp(interface, wl_subcompositor_interface.name) == 0) {
		xwm->host_subcompositor = wl_registry_bind(registry, name,
			&wl_subcompositor_interface, 1);
	} else if (!xwm->host_seat && strcmp(interface, wl_seat_interface.name) == 0) {
		xwm->host_seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
		wl_seat_add_listener(xwm->host_seat, &seat_listener, xwm);
		xwm_selection_host_ready(xwm);
		return;
	} else if (!xwm->host_data_manager &&
		   strcmp(interface, wl_data_device_manager_interface.name) == 0 &&
		   version >= 3) {
		xwm->host_data_manager = wl_registry_bind(registry, name,
			&wl_data_device_manager_interface, 3);
		xwm_selection_host_ready(xwm);
		return;
	} else if (!xwm->host_primary_manager &&
		   strcmp(interface,
			  zwp_primary_selection_device_manager_v1_interface.name) == 0) {
		xwm->host_primary_manager = wl_registry_bind(registry, name,
			&zwp_primary_selection_device_manager_v1_interface, 1);
		xwm_selection_host_ready(xwm);
		return;
	} else {
		return;
	}
	xwm_role_retry_all(xwm);
}

static void
handle_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = handle_global,
	.global_remove = handle_global_remove,
};

void
xwm_role_bind_globals(struct xwm *xwm)
{
	xwm->host_registry = wl_display_get_registry(xwm->gc->host);
	if (xwm->host_registry)
		wl_registry_add_listener(xwm->host_registry, &registry_listener, xwm);
}

void
xwm_role_drop_globals(struct xwm *xwm)
{
	if (xwm->host_wm_base)
		xdg_wm_base_destroy(xwm->host_wm_base);
	if (xwm->host_subcompositor)
		wl_subcompositor_destroy(xwm->host_subcompositor);
	if (xwm->host_keyboard)
		wl_keyboard_destroy(xwm->host_keyboard);
	if (xwm->host_seat)
		wl_seat_destroy(xwm->host_seat);
	if (xwm->host_data_manager)
		wl_data_device_manager_destroy(xwm->host_data_manager);
	if (xwm->host_primary_manager)
		zwp_primary_selection_device_manager_v1_destroy(xwm->host_primary_manager);
	xwm->host_primary_manager = NULL;
	if (xwm->host_registry)
		wl_registry_destroy(xwm->host_registry);
	xwm->host_keyboard = NULL;
	xwm->host_seat = NULL;
	xwm->host_data_manager = NULL;
	xwm->host_wm_base = NULL;
	xwm->host_subcompositor = NULL;
	xwm->host_registry = NULL;
}

static void
apply_activation(struct xwm_window *win)
{
	struct xwm *xwm = win->xwm;
	if (win->pending_activated == win->activated)
		return;
	win->activated = win->pending_activated;
	if (win->activated) {
		xwm->last_active = win->id;
		xwm_window_focus(xwm, win);
	} else if (xwm->focused == win->id) {
		xwm_window_focus(xwm, NULL);
	}
}

static void
handle_xdg_surface_configure(void *data, struct xdg_surface *xdg_surface,
			     uint32_t serial)
{
	struct xwm_window *win = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	bool was_fixed = win->acked_fullscreen || win->acked_maximized;
	bool fixed = win->pending_fullscreen || win->pending_maximized;
	int32_t width = win->pending_width, height = win->pending_height;
	/* The host's 0x0 leaves the size to the client, and an X client
	 * does not pick one: back from fullscreen or maximized, the window
	 * gets the size it had before. */
	if (fixed && !was_fixed) {
		win->saved_width = win->width;
		win->saved_height = win->height;
	} else if (!fixed && was_fixed && width == 0 && height == 0) {
		width = win->saved_width;
		height = win->saved_height;
	}
	win->acked_uncommitted = true;
	win->acked_fullscreen = win->pending_fullscreen;
	win->acked_maximized = win->pending_maximized;
	xwm_window_set_size(win, width, height);
	apply_activation(win);
	xwm_window_set_net_wm_state(win);
	if (!win->configured) {
		win->configured = true;
		/* Xwayland may post damage now (cf. handle_map_request). */
		xcb_delete_property(win->xwm->conn, win->id,
				    win->xwm->atoms[ATOM_XWAYLAND_ALLOW_COMMITS]);
		xwm_schedule_flush(win->xwm);
		xwm_surface_release(win->surface);
	}
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = handle_xdg_surface_configure,
};

static void
handle_toplevel_configure(void *data, struct xdg_toplevel *toplevel,
			  int32_t width, int32_t height, struct wl_array *states)
{
	struct xwm_window *win = data;
	win->pending_width = width;
	win->pending_height = height;
	win->pending_activated = win->pending_fullscreen =
		win->pending_maximized = false;
	const uint32_t *state;
	wl_array_for_each(state, states) {
		switch (*state) {
		case XDG_TOPLEVEL_STATE_ACTIVATED:
			win->pending_activated = true;
			break;
		case XDG_TOPLEVEL_STATE_FULLSCREEN:
			win->pending_fullscreen = true;
			break;
		case XDG_TOPLEVEL_STATE_MAXIMIZED:
			win->pending_maximized = true;
			break;
		}
	}
}

static void
handle_toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	xwm_window_close(data);
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = handle_toplevel_configure,
	.close = handle_toplevel_close,
};

/* A Wayland message is at most 4 KiB (libwayland fails the whole
 * connection on a longer one): strings the host gets are cut here, on a
 * UTF-8 character boundary. */
#define XWM_HOST_STRING_MAX 1024

static const char *
host_string(const char *s, char *buf)
{
	size_t n = strlen(s);
	if (n <= XWM_HOST_STRING_MAX)
		return s;
	n = XWM_HOST_STRING_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/* --tag and --app-id-prefix (provenance.h) apply to X11 windows as to
 * Wayland ones; the X client never sees them. */
void
xwm_role_update_title(struct xwm_window *win)
{
	if (!win->toplevel)
		return;
	char buf[XWM_HOST_STRING_MAX + 1];
	bool oom = false;
	const char *title = xwm_window_title(win);
	char *shown = provenance_title(&win->xwm->server->provenance, title, &oom);
	if (shown || title)
		xdg_toplevel_set_title(win->toplevel, host_string(shown ? shown : title, buf));
	free(shown);
}

void
xwm_role_update_app_id(struct xwm_window *win)
{
	if (!win->toplevel)
		return;
	char buf[XWM_HOST_STRING_MAX + 1];
	bool oom = false;
	const char *app_id = xwm_window_app_id(win);
	char *shown = provenance_app_id(&win->xwm->server->provenance, app_id, 0, &oom);
	if (shown || app_id)
		xdg_toplevel_set_app_id(win->toplevel, host_string(shown ? shown : app_id, buf));
	free(shown);
}

void
xwm_role_update_size_hints(struct xwm_window *win)
{
	if (!win->toplevel || !win->has_size_hints)
		return;
	const xcb_size_hints_t *h = &win->size_hints;
	int32_t min_w = 0, min_h = 0, max_w = 0, max_h = 0;
	/* ICCCM 4.1.2.3: base stands in for a missing min, and min for base. */
	if (h->flags & XCB_ICCCM_SIZE_HINT_P_MIN_SIZE) {
		min_w = h->min_width;
		min_h = h->min_height;
	} else if (h->flags & XCB_ICCCM_SIZE_HINT_BASE_SIZE) {
		min_w = h->base_width;
		min_h = h->base_height;
	}
	if (h->flags & XCB_ICCCM_SIZE_HINT_P_MAX_SIZE) {
		max_w = h->max_width;
		max_h = h->max_height;
	}
	/* xdg_toplevel rejects negative sizes and min > max. */
	if (min_w < 0 || min_h < 0)
		min_w = min_h = 0;
	if (max_w < 0 || max_h < 0 || (max_w && max_w < min_w) ||
	    (max_h && max_h < min_h))
		max_w = max_h = 0;
	xdg_toplevel_set_min_size(win->toplevel, min_w, min_h);
	xdg_toplevel_set_max_size(win->toplevel, max_w, max_h);
}

/* How long a deferred state request waits for Xwayland's buffer: a
 * window whose content does not change may never send one. */
#define XWM_STATE_DEFER_MS 500

/*
 * weston 10 compares a state request with the state of the last commit
 * that carried a buffer when no configure is outstanding: after a
 * configure is acked and before Xwayland's next buffer, a request that
 * undoes it (unset_fullscreen right after the fullscreen configure) is
 * dropped without any configure, and the X window keeps the state for
 * good.  Such a request waits for that buffer.
 */
static bool
undoes_uncommitted(const struct xwm_window *win)
{
	if (!win->acked_uncommitted)
		return false;
	bool fs = win->fullscreen != win->asked_fullscreen &&
		  win->acked_fullscreen != win->committed_fullscreen &&
		  win->fullscreen == win->committed_fullscreen;
	bool max = win->maximized != win->asked_maximized &&
		   win->acked_maximized != win->committed_maximized &&
		   win->maximized == win->committed_maximized;
	return fs || max;
}

static int
handle_state_timer(void *data)
{
	struct xwm_window *win = data;
	wlgp_debug("xwm: window 0x%x: no buffer after its configure; sending "
		   "its state request anyway", win->id);
	win->acked_uncommitted = false;
	xwm_role_update_state(win);
	return 0;
}

static void
defer_state(struct xwm_window *win)
{
	wlgp_debug("xwm: window 0x%x: its state request waits for the buffer "
		   "of the configure it undoes", win->id);
	win->state_deferred = true;
	if (!win->state_timer)
		win->state_timer = wl_event_loop_add_timer(win->xwm->server->loop,
							   handle_state_timer, win);
	if (win->state_timer)
		wl_event_source_timer_update(win->state_timer, XWM_STATE_DEFER_MS);
}

static void
cancel_deferred_state(struct xwm_window *win)
{
	win->state_deferred = false;
	if (win->state_timer) {
		wl_event_source_remove(win->state_timer);
		win->state_timer = NULL;
	}
}

/* Xwayland's commit reached the host: with a buffer, the acked state is
 * in effect there. */
void
xwm_role_handle_commit(struct xwm_window *win, bool buffer)
{
	if (!buffer || !win->acked_uncommitted)
		return;
	win->acked_uncommitted = false;
	win->committed_fullscreen = win->acked_fullscreen;
	win->committed_maximized = win->acked_maximized;
	if (win->state_deferred)
		xwm_role_update_state(win);
}

/* Only what changed: weston answers unset_maximized with a 0x0 size,
 * which would undo a fullscreen asked for in the same breath. */
void
xwm_role_update_state(struct xwm_window *win)
{
	if (!win->toplevel)
		return;
	if (undoes_uncommitted(win)) {
		defer_state(win);
		return;
	}
	cancel_deferred_state(win);
	if (win->fullscreen != win->asked_fullscreen) {
		if (win->fullscreen)
			xdg_toplevel_set_fullscreen(win->toplevel, NULL);
		else
			xdg_toplevel_unset_fullscreen(win->toplevel);
	}
	if (win->maximized != win->asked_maximized) {
		if (win->maximized)
			xdg_toplevel_set_maximized(win->toplevel);
		else
			xdg_toplevel_unset_maximized(win->toplevel);
	}
	win->asked_fullscreen = win->fullscreen;
	win->asked_maximized = win->maximized;
}

static void
create_toplevel(struct xwm_window *win)
{
	struct xwm *xwm = win->xwm;
	win->xdg_surface = xdg_wm_base_get_xdg_surface(xwm->host_wm_base,
						       host_surface(win));
	xdg_surface_add_listener(win->xdg_surface, &xdg_surface_listener, win);
	win->toplevel = xdg_surface_get_toplevel(win->xdg_surface);
	xdg_toplevel_add_listener(win->toplevel, &toplevel_listener, win);
	struct xwm_window *parent = xwm_window_lookup(xwm, win->transient_for);
	/* Loops are impossible here: only a parent with a role already is
	 * named, and it got its role before this window. */
	if (parent && parent->toplevel)
		xdg_toplevel_set_parent(win->toplevel, parent->toplevel);
	xwm_role_update_title(win);
	xwm_role_update_app_id(win);
	xwm_role_update_size_hints(win);
	win->asked_fullscreen = win->asked_maximized = false;
	win->acked_uncommitted = false;
	win->acked_fullscreen = win->acked_maximized = false;
	win->committed_fullscreen = win->committed_maximized = false;
	xwm_role_update_state(win);
	/* The role's first commit, with no buffer: the host answers with the
	 * first configure. */
	wl_surface_commit(host_surface(win));
	wlgp_debug("xwm: window 0x%x is an xdg_toplevel (\"%s\")", win->id,
		   xwm_window_title(win) ? xwm_window_title(win) : "");
}

/* The window an override-redirect one belongs to: its WM_TRANSIENT_FOR,
 * else the window with the focus, else the last one the host activated,
 * else the newest shown one. */
static struct xwm_window *
choose_parent(struct xwm_window *win)
{
	struct xwm *xwm = win->xwm;
	xcb_window_t candidates[] = { win->transient_for, xwm->focused,
				      xwm->last_active };
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		struct xwm_window *p = xwm_window_lookup(xwm, candidates[i]);
		if (p && p != win && is_shown(p))
			return p;
	}
	struct xwm_window *p;
	wl_list_for_each(p, &xwm->windows, link) {
		if (p != win && p->toplevel && is_shown(p))
			return p;
	}
	return NULL;
}

/* Subsurface positions take effect with the parent's commit. */
static void
commit_parent(struct xwm_window *win)
{
	struct xwm_window *parent = xwm_window_lookup(win->xwm, win->parent);
	if (is_shown(parent))
		wl_surface_commit(host_surface(parent));
}

void
xwm_role_update_position(struct xwm_window *win)
{
	struct xwm_window *parent = xwm_window_lookup(win->xwm, win->parent);
	if (!win->subsurface || !parent)
		return;
	wl_subsurface_set_position(win->subsurface, win->x - parent->x,
				   win->y - parent->y);
	commit_parent(win);
}

static void
create_subsurface(struct xwm_window *win, struct xwm_window *parent)
{
	struct xwm *xwm = win->xwm;
	win->parent = parent->id;
	win->subsurface = wl_subcompositor_get_subsurface(xwm->host_subcompositor,
		host_surface(win), host_surface(parent));
	/* Its own commits show at once, whatever the parent does. */
	wl_subsurface_set_desync(win->subsurface);
	xwm_role_update_position(win);
	win->configured = true;
	wlgp_debug("xwm: override-redirect window 0x%x is a subsurface of 0x%x "
		   "at %d,%d", win->id, parent->id, win->x - parent->x,
		   win->y - parent->y);
	xwm_surface_release(win->surface);
}

void
xwm_role_try(struct xwm_window *win)
{
	struct xwm *xwm = win->xwm;
	if (!win->surface || has_role(win) || win->props_pending || !xwm->gc ||
	    !win->surface->ro->proxy || !xwm->host_wm_base ||
	    !xwm->host_subcompositor)
		return;
	if (win->override_redirect) {
		struct xwm_window *parent = choose_parent(win);
		if (parent) {
			create_subsurface(win, parent);
			return;
		}
		/* Nothing to sit on (a splash screen): a window of its own. */
	}
	create_toplevel(win);
}

void
xwm_role_retry_all(struct xwm *xwm)
{
	struct xwm_window *win;
	wl_list_for_each(win, &xwm->windows, link)
		xwm_role_try(win);
}

void
xwm_role_destroy(struct xwm_window *win)
{
	if (win->subsurface) {
		wl_subsurface_destroy(win->subsurface);
		commit_parent(win);
	}
	if (win->toplevel)
		xdg_toplevel_destroy(win->toplevel);
	if (win->xdg_surface)
		xdg_surface_destroy(win->xdg_surface);
	win->subsurface = NULL;
	win->toplevel = NULL;
	win->xdg_surface = NULL;
	win->parent = XCB_NONE;
	win->configured = false;
	cancel_deferred_state(win);
	win->acked_uncommitted = false;
	win->activated = win->pending_activated = false;
}
