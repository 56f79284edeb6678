/*
 * The window manager's X connection: the handshake Xwayland waits for
 * (WM_S0 last), the event dispatch and the reply queue that lets every X
 * request be answered from the loop instead of waited for.
 *
 * Blocking: only xwm_create waits on X (the connection set-up, atoms,
 * extension queries), and only once Xwayland reported ready on -displayfd,
 * when its own Wayland set-up is behind it.  After that the proxy never
 * waits for Xwayland: Xwayland blocks in Wayland round trips to the proxy
 * (at start-up, and on some output and seat changes), and a proxy waiting
 * for an X reply at such a moment would hang both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xcb/composite.h>
#include <xcb/xcbext.h>
#include <xcb/xfixes.h>

#include "client.h"
#include "log.h"
#include "server.h"
#include "xdg-shell-client-protocol.h"
#include "xwm_internal.h"

static const char *const atom_names[ATOM_COUNT] = {
	[ATOM_WL_SURFACE_ID] = "WL_SURFACE_ID",
	[ATOM_WM_PROTOCOLS] = "WM_PROTOCOLS",
	[ATOM_WM_DELETE_WINDOW] = "WM_DELETE_WINDOW",
	[ATOM_WM_TAKE_FOCUS] = "WM_TAKE_FOCUS",
	[ATOM_WM_STATE] = "WM_STATE",
	[ATOM_WM_CHANGE_STATE] = "WM_CHANGE_STATE",
	[ATOM_WM_S0] = "WM_S0",
	[ATOM_UTF8_STRING] = "UTF8_STRING",
	[ATOM_NET_WM_NAME] = "_NET_WM_NAME",
	[ATOM_NET_SUPPORTED] = "_NET_SUPPORTED",
	[ATOM_NET_SUPPORTING_WM_CHECK] = "_NET_SUPPORTING_WM_CHECK",
	[ATOM_NET_ACTIVE_WINDOW] = "_NET_ACTIVE_WINDOW",
	[ATOM_NET_WM_CM_S0] = "_NET_WM_CM_S0",
	[ATOM_NET_WM_STATE] = "_NET_WM_STATE",
	[ATOM_NET_WM_STATE_FULLSCREEN] = "_NET_WM_STATE_FULLSCREEN",
	[ATOM_NET_WM_STATE_MAXIMIZED_VERT] = "_NET_WM_STATE_MAXIMIZED_VERT",
	[ATOM_NET_WM_STATE_MAXIMIZED_HORZ] = "_NET_WM_STATE_MAXIMIZED_HORZ",
	[ATOM_NET_WM_STATE_FOCUSED] = "_NET_WM_STATE_FOCUSED",
	[ATOM_NET_WM_STATE_HIDDEN] = "_NET_WM_STATE_HIDDEN",
	[ATOM_NET_WM_WINDOW_TYPE] = "_NET_WM_WINDOW_TYPE",
	[ATOM_NET_WM_WINDOW_TYPE_NORMAL] = "_NET_WM_WINDOW_TYPE_NORMAL",
	[ATOM_NET_WM_WINDOW_TYPE_DIALOG] = "_NET_WM_WINDOW_TYPE_DIALOG",
	[ATOM_NET_WM_WINDOW_TYPE_UTILITY] = "_NET_WM_WINDOW_TYPE_UTILITY",
	[ATOM_NET_WM_WINDOW_TYPE_SPLASH] = "_NET_WM_WINDOW_TYPE_SPLASH",
	[ATOM_NET_WM_WINDOW_TYPE_MENU] = "_NET_WM_WINDOW_TYPE_MENU",
	[ATOM_NET_WM_WINDOW_TYPE_DROPDOWN_MENU] = "_NET_WM_WINDOW_TYPE_DROPDOWN_MENU",
	[ATOM_NET_WM_WINDOW_TYPE_POPUP_MENU] = "_NET_WM_WINDOW_TYPE_POPUP_MENU",
	[ATOM_NET_WM_WINDOW_TYPE_TOOLTIP] = "_NET_WM_WINDOW_TYPE_TOOLTIP",
	[ATOM_NET_WM_WINDOW_TYPE_COMBO] = "_NET_WM_WINDOW_TYPE_COMBO",
	[ATOM_NET_WM_WINDOW_TYPE_NOTIFICATION] = "_NET_WM_WINDOW_TYPE_NOTIFICATION",
	[ATOM_NET_WM_WINDOW_TYPE_DND] = "_NET_WM_WINDOW_TYPE_DND",
	[ATOM_NET_CLIENT_LIST] = "_NET_CLIENT_LIST",
	[ATOM_XWAYLAND_ALLOW_COMMITS] = "_XWAYLAND_ALLOW_COMMITS",
	[ATOM_CLIPBOARD] = "CLIPBOARD",
	[ATOM_TARGETS] = "TARGETS",
	[ATOM_TIMESTAMP] = "TIMESTAMP",
	[ATOM_INCR] = "INCR",
	[ATOM_TEXT] = "TEXT",
	[ATOM_WL_SELECTION] = "_WL_SELECTION",
};

void
xwm_expect(struct xwm *xwm, unsigned int sequence, xwm_reply_handler handle,
	   xcb_window_t window, xcb_atom_t atom, uint32_t data)
{
	struct xwm_reply *r = calloc(1, sizeof(*r));
	if (!r) {
		/* The reply is then discarded by xcb when it comes. */
		xcb_discard_reply(xwm->conn, sequence);
		return;
	}
	r->sequence = sequence;
	r->handle = handle;
	r->window = window;
	r->atom = atom;
	r->data = data;
	wl_list_insert(xwm->replies.prev, &r->link);
	xwm_schedule_flush(xwm);
}

void
xwm_set_cardinal(struct xwm *xwm, xcb_window_t window, xcb_atom_t prop,
		 uint32_t value)
{
	xcb_change_property(xwm->conn, XCB_PROP_MODE_REPLACE, window, prop,
			    XCB_ATOM_CARDINAL, 32, 1, &value);
}

static void
handle_create_notify(struct xwm *xwm, xcb_create_notify_event_t *ev)
{
	if (ev->window == xwm->wm_window || ev->parent != xwm->screen->root ||
	    xwm_selection_owns_window(xwm, ev->window))
		return;
	xwm_window_create(xwm, ev->window, ev->x, ev->y, ev->width, ev->height,
			  ev->override_redirect);
}

static void
handle_destroy_notify(struct xwm *xwm, xcb_destroy_notify_event_t *ev)
{
	struct xwm_window *win = xwm_window_lookup(xwm, ev->window);
	if (win)
		xwm_window_destroy(win);
}

/* Only root's children are windows of ours: one reparented away is
 * forgotten (its DestroyNotify would go to its new parent's listeners,
 * never to us, and the record would stay for good), and one reparented
 * to root is taken on as if created there (its size comes with its next
 * ConfigureNotify). */
static void
handle_reparent_notify(struct xwm *xwm, xcb_reparent_notify_event_t *ev)
{
	struct xwm_window *win = xwm_window_lookup(xwm, ev->window);
	if (ev->parent != xwm->screen->root) {
		if (win)
			xwm_window_destroy(win);
		return;
	}
	if (win || ev->window == xwm->wm_window ||
	    xwm_selection_owns_window(xwm, ev->window))
		return;
	xwm_window_create(xwm, ev->window, ev->x, ev->y, 0, 0,
			  ev->override_redirect);
}

static void
handle_map_request(struct xwm *xwm, xcb_map_request_event_t *ev)
{
	struct xwm_window *win = xwm_window_lookup(xwm, ev->window);
	if (!win)
		return;
	/* Xwayland posts no damage while this is 0 (xwayland-window.c): the
	 * surface gets no buffer before its role is configured. */
	xwm_set_cardinal(xwm, win->id, xwm->atoms[ATOM_XWAYLAND_ALLOW_COMMITS], 0);
	xwm_window_read_properties(win);
	/* The surface is the window with its border: a border would make it
	 * larger than the size the host configures (weston kills a client
	 * whose fullscreen surface is larger than the output). */
	uint32_t border = 0;
	xcb_configure_window(xwm->conn, win->id, XCB_CONFIG_WINDOW_BORDER_WIDTH,
			     &border);
	uint32_t state[2] = { XCB_ICCCM_WM_STATE_NORMAL, XCB_NONE };
	xcb_change_property(xwm->conn, XCB_PROP_MODE_REPLACE, win->id,
			    xwm->atoms[ATOM_WM_STATE], xwm->atoms[ATOM_WM_STATE],
			    32, 2, state);
	xcb_map_window(xwm->conn, win->id);
}

static void
handle_map_notify(struct xwm *xwm, xcb_map_notify_event_t *ev)
{
	struct xwm_window *win = xwm_window_lookup(xwm, ev->window);
	if (!win)
		return;
	win->mapped = true;
	/* Override-redirect may have changed since CreateNotify. */
	win->override_redirect = ev->override_redirect;
	if (win->override_redirect)
		xwm_window_read_properties(win);
}

static void
handle_unmap_notify(struct xwm *xwm, xcb_unmap_notify_event_t *ev)
{
	struct xwm_window *win = xwm_window_lookup(xwm, ev->window);
	if (!win)
		return;
	win->mapped = false;
	xwm_window_unpair(win);
	if (!win->override_redirect) {
		uint32_t state[2] = { XCB_ICCCM_WM_STATE_WITHDRAWN, XCB_NONE };
		xcb_change_property(xwm->conn, XCB_PROP_MODE_REPLACE, win->id,
				    xwm->atoms[ATOM_WM_STATE],
				    xwm->atoms[ATOM_WM_STATE], 32, 2, state);
	}
	if (xwm->focused == win->id)
		xwm_window_focus(xwm, NULL);
}

static void
handle_configure_request(struct xwm *xwm, xcb_configure_request_event_t *ev)
{
	struct xwm_window *win = xwm_window_lookup(xwm, ev->window);
	if (!win)
		return;
	/* A fullscreen or maximized window has the host's size. */
	bool fixed = win->toplevel && (win->pending_fullscreen ||
				       win->pending_maximized);
	uint16_t mask = ev->value_mask & (XCB_CONFIG_WINDOW_X | XCB_CONFIG_WINDOW_Y |
		XCB_CONFIG_WINDOW_WIDTH | XCB_CONFIG_WINDOW_HEIGHT);
	if (fixed)
		mask &= ~(XCB_CONFIG_WINDOW_WIDTH | XCB_CONFIG_WINDOW_HEIGHT);
	bool changes = ((mask & XCB_CONFIG_WINDOW_X) && ev->x != win->x) ||
		       ((mask & XCB_CONFIG_WINDOW_Y) && ev->y != win->y) ||
		       ((mask & XCB_CONFIG_WINDOW_WIDTH) && ev->width != win->width) ||
		       ((mask & XCB_CONFIG_WINDOW_HEIGHT) && ev->height != win->height);
	uint32_t values[5];
	int n = 0;
	if (mask & XCB_CONFIG_WINDOW_X)
		values[n++] = (uint32_t)(int32_t)ev->x;
	if (mask & XCB_CONFIG_WINDOW_Y)
		values[n++] = (uint32_t)(int32_t)ev->y;
	if (mask & XCB_CONFIG_WINDOW_WIDTH)
		values[n++] = ev->width;
	if (mask & XCB_CONFIG_WINDOW_HEIGHT)
		values[n++] = ev->height;
	mask |= XCB_CONFIG_WINDOW_BORDER_WIDTH;
	values[n++] = 0;
	xcb_configure_window(xwm->conn, win->id, mask, values);
	/* ICCCM 4.1.5: a refused or empty change still gets an answer, or
	 * the client may wait for one forever. */
	if (!changes)
		xwm_window_send_configure_notify(win);
}

static void
handle_configure_notify(struct xwm *xwm, xcb_configure_notify_event_t *ev)
{
	struct xwm_window *win = xwm_window_lookup(xwm, ev->window);
	if (!win)
		return;
	bool moved = win->x != ev->x || win->y != ev->y;
	win->x = ev->x;
	win->y = ev->y;
	win->width = ev->width;
	win->height = ev->height;
	win->override_redirect = ev->override_redirect;
	if (moved)
		xwm_role_update_position(win);
}

static void
handle_property_notify(struct xwm *xwm, xcb_property_notify_event_t *ev)
{
	struct xwm_window *win = xwm_window_lookup(xwm, ev->window);
	if (win)
		xwm_window_read_property(win, ev->atom);
}

static void
handle_client_message(struct xwm *xwm, xcb_client_message_event_t *ev)
{
	struct xwm_window *win = xwm_window_lookup(xwm, ev->window);
	wlgp_debug("xwm: client message %u for window 0x%x%s", ev->type,
		   ev->window, win ? "" : " (not a window of ours)");
	if (!win || ev->format != 32)
		return;
	if (ev->type == xwm->atoms[ATOM_WL_SURFACE_ID]) {
		/* Xwayland's own message never has the SendEvent bit; any X
		 * client can send a copy with it (ProcSendEvent sets it). */
		if (ev->response_type & 0x80) {
			wlgp_debug("xwm: ignoring a forged WL_SURFACE_ID for 0x%x",
				   win->id);
			return;
		}
		xwm_handle_surface_id(xwm, win, ev->data.data32[0]);
	} else if (ev->type == xwm->atoms[ATOM_NET_WM_STATE]) {
		xwm_window_handle_state_message(win, ev);
	} else if (ev->type == xwm->atoms[ATOM_WM_CHANGE_STATE] &&
		   ev->data.data32[0] == XCB_ICCCM_WM_STATE_ICONIC &&
		   win->toplevel) {
		xdg_toplevel_set_minimized(win->toplevel);
	}
}

static void
handle_error(struct xwm *xwm, xcb_generic_error_t *err)
{
	/* Windows die between an event and our request about them: BadWindow
	 * and friends are part of normal life here. */
	wlgp_debug("xwm: X error %u for request %u.%u (sequence %u, resource 0x%x)",
		   err->error_code, err->major_code, err->minor_code,
		   err->sequence, err->resource_id);
}

static void
handle_event(struct xwm *xwm, xcb_generic_event_t *ev)
{
	if (xwm_selection_handle_event(xwm, ev))
		return;
	switch (ev->response_type & 0x7f) {
	case 0:
		handle_error(xwm, (xcb_generic_error_t *)ev);
		break;
	case XCB_CREATE_NOTIFY:
		handle_create_notify(xwm, (xcb_create_notify_event_t *)ev);
		break;
	case XCB_DESTROY_NOTIFY:
		handle_destroy_notify(xwm, (xcb_destroy_notify_event_t *)ev);
		break;
	case XCB_REPARENT_NOTIFY:
		handle_reparent_notify(xwm, (xcb_reparent_notify_event_t *)ev);
		break;
	case XCB_MAP_REQUEST:
		handle_map_request(xwm, (xcb_map_request_event_t *)ev);
		break;
	case XCB_MAP_NOTIFY:
		handle_map_notify(xwm, (xcb_map_notify_event_t *)ev);
		break;
	case XCB_UNMAP_NOTIFY:
		handle_unmap_notify(xwm, (xcb_unmap_notify_event_t *)ev);
		break;
	case XCB_CONFIGURE_REQUEST:
		handle_configure_request(xwm, (xcb_configure_request_event_t *)ev);
		break;
	case XCB_CONFIGURE_NOTIFY:
		handle_configure_notify(xwm, (xcb_configure_notify_event_t *)ev);
		break;
	case XCB_PROPERTY_NOTIFY:
		handle_property_notify(xwm, (xcb_property_notify_event_t *)ev);
		break;
	case XCB_CLIENT_MESSAGE:
		handle_client_message(xwm, (xcb_client_message_event_t *)ev);
		break;
	}
}

/* The next queued reply, if xcb has it (reading the socket without
 * blocking); true when one was handled. */
static bool
take_reply(struct xwm *xwm)
{
	if (wl_list_empty(&xwm->replies))
		return false;
	struct xwm_reply *r = wl_container_of(xwm->replies.next, r, link);
	void *reply = NULL;
	xcb_generic_error_t *error = NULL;
	if (!xcb_poll_for_reply(xwm->conn, r->sequence, &reply, &error))
		return false;
	wl_list_remove(&r->link);
	r->handle(xwm, r, reply, error);
	free(reply);
	free(error);
	free(r);
	return true;
}

static void
handle_lost_idle(void *data)
{
	struct xwm *xwm = data;
	xwm->lost_idle = NULL;
	xwm->lost(xwm->lost_data); /* may destroy xwm */
}

/* The owner hears of it from an idle callback: it destroys the xwm, which
 * must not happen under our own feet. */
static void
fail(struct xwm *xwm)
{
	if (xwm->dead)
		return;
	xwm->dead = true;
	wl_event_source_fd_update(xwm->x_source, 0);
	xwm->lost_idle = wl_event_loop_add_idle(xwm->server->loop,
						handle_lost_idle, xwm);
}

/* An event xcb has read already, without reading the socket. */
static bool
take_queued_event(struct xwm *xwm)
{
	xcb_generic_event_t *ev = xcb_poll_for_queued_event(xwm->conn);
	if (!ev)
		return false;
	handle_event(xwm, ev);
	free(ev);
	return true;
}

/* Everything xcb has, events and replies alike, then our requests out.
 * Runs until nothing is left: data xcb already read from the socket
 * would not wake the loop again. */
static void
pump(struct xwm *xwm)
{
	bool progress = true;
	while (progress && !xwm->dead) {
		progress = false;
		xcb_generic_event_t *ev;
		while (!xwm->dead && (ev = xcb_poll_for_event(xwm->conn))) {
			handle_event(xwm, ev);
			free(ev);
			progress = true;
		}
		while (!xwm->dead && take_reply(xwm))
			progress = true;
		if (progress || xwm->dead)
			continue;
		/* xcb_flush can only block while Xwayland does not read its X
		 * socket; Xwayland reads it even while it waits for us. */
		if (xcb_flush(xwm->conn) <= 0 || xcb_connection_has_error(xwm->conn)) {
			fail(xwm);
			return;
		}
		/* xcb_flush reads too (it polls the socket for input as well
		 * as output), and so does take_reply's xcb_poll_for_reply: an
		 * event that came in just then (a SelectionRequest, say) sits
		 * in xcb's queue with the socket drained, and the fd would
		 * never wake us for it.  A requestor then waited forever for
		 * its SelectionNotify (seen under load).  Look once more. */
		progress = take_queued_event(xwm) || take_reply(xwm) ||
			   take_queued_event(xwm);
	}
}

static int
handle_x_fd(int fd, uint32_t mask, void *data)
{
	struct xwm *xwm = data;
	if (mask & (WL_EVENT_HANGUP | WL_EVENT_ERROR)) {
		pump(xwm);
		fail(xwm);
		return 0;
	}
	pump(xwm);
	return 0;
}

static void
handle_pump_idle(void *data)
{
	struct xwm *xwm = data;
	xwm->pump_idle = NULL;
	pump(xwm);
}

/* Requests made from the Wayland side go out from an idle callback, which
 * also handles whatever xcb read meanwhile. */
void
xwm_schedule_flush(struct xwm *xwm)
{
	if (xwm->pump_idle || xwm->dead)
		return;
	xwm->pump_idle = wl_event_loop_add_idle(xwm->server->loop,
						handle_pump_idle, xwm);
}

static bool
intern_atoms(struct xwm *xwm)
{
	xcb_intern_atom_cookie_t cookies[ATOM_COUNT];
	for (int i = 0; i < ATOM_COUNT; i++)
		cookies[i] = xcb_intern_atom(xwm->conn, 0, strlen(atom_names[i]),
					     atom_names[i]);
	bool ok = true;
	for (int i = 0; i < ATOM_COUNT; i++) {
		xcb_intern_atom_reply_t *reply =
			xcb_intern_atom_reply(xwm->conn, cookies[i], NULL);
		if (reply)
			xwm->atoms[i] = reply->atom;
		else
			ok = false;
		free(reply);
	}
	return ok;
}

static bool
redirect_root(struct xwm *xwm)
{
	const xcb_query_extension_reply_t *composite =
		xcb_get_extension_data(xwm->conn, &xcb_composite_id);
	if (!composite || !composite->present) {
		wlgp_err("xwm: Xwayland has no Composite extension");
		return false;
	}
	uint32_t mask = XCB_EVENT_MASK_SUBSTRUCTURE_NOTIFY |
			XCB_EVENT_MASK_SUBSTRUCTURE_REDIRECT |
			XCB_EVENT_MASK_PROPERTY_CHANGE;
	xcb_void_cookie_t c = xcb_change_window_attributes_checked(xwm->conn,
		xwm->screen->root, XCB_CW_EVENT_MASK, &mask);
	xcb_generic_error_t *err = xcb_request_check(xwm->conn, c);
	if (err) {
		wlgp_err("xwm: another window manager runs on this X display");
		free(err);
		return false;
	}
	/* Rootless Xwayland makes a wl_surface only for windows redirected
	 * manually (xwayland-window.c ensure_surface_for_window). */
	xcb_composite_redirect_subwindows(xwm->conn, xwm->screen->root,
					  XCB_COMPOSITE_REDIRECT_MANUAL);
	return true;
}

static void
announce(struct xwm *xwm)
{
	xcb_connection_t *c = xwm->conn;
	xcb_window_t root = xwm->screen->root;
	xcb_atom_t supported[] = {
		xwm->atoms[ATOM_NET_WM_STATE],
		xwm->atoms[ATOM_NET_WM_STATE_FULLSCREEN],
		xwm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_VERT],
		xwm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_HORZ],
		xwm->atoms[ATOM_NET_WM_STATE_FOCUSED],
		xwm->atoms[ATOM_NET_ACTIVE_WINDOW],
		xwm->atoms[ATOM_NET_WM_NAME],
	};
	xcb_change_property(c, XCB_PROP_MODE_REPLACE, root,
			    xwm->atoms[ATOM_NET_SUPPORTED], XCB_ATOM_ATOM, 32,
			    sizeof(supported) / sizeof(supported[0]), supported);
	xcb_window_t none = XCB_NONE;
	xcb_change_property(c, XCB_PROP_MODE_REPLACE, root,
			    xwm->atoms[ATOM_NET_ACTIVE_WINDOW], XCB_ATOM_WINDOW,
			    32, 1, &none);

	/* X's default root cursor is a big X: the usual arrow instead
	 * (left_ptr of the core cursor font), for windows that set none. */
	xcb_font_t font = xcb_generate_id(c);
	xcb_open_font(c, font, strlen("cursor"), "cursor");
	xcb_cursor_t cursor = xcb_generate_id(c);
	xcb_create_glyph_cursor(c, cursor, font, font, 68, 69, 0, 0, 0,
				0xffff, 0xffff, 0xffff);
	xcb_change_window_attributes(c, root, XCB_CW_CURSOR, &cursor);
	xcb_free_cursor(c, cursor);
	xcb_close_font(c, font);

	xwm->wm_window = xcb_generate_id(c);
	xcb_create_window(c, XCB_COPY_FROM_PARENT, xwm->wm_window, root, 0, 0, 10,
			  10, 0, XCB_WINDOW_CLASS_INPUT_OUTPUT,
			  xwm->screen->root_visual, 0, NULL);
	static const char name[] = "wl-guest-proxy";
	xcb_change_property(c, XCB_PROP_MODE_REPLACE, xwm->wm_window,
			    xwm->atoms[ATOM_NET_WM_NAME],
			    xwm->atoms[ATOM_UTF8_STRING], 8, sizeof(name) - 1, name);
	xcb_change_property(c, XCB_PROP_MODE_REPLACE, root,
			    xwm->atoms[ATOM_NET_SUPPORTING_WM_CHECK],
			    XCB_ATOM_WINDOW, 32, 1, &xwm->wm_window);
	xcb_change_property(c, XCB_PROP_MODE_REPLACE, xwm->wm_window,
			    xwm->atoms[ATOM_NET_SUPPORTING_WM_CHECK],
			    XCB_ATOM_WINDOW, 32, 1, &xwm->wm_window);
	/* Last: owning WM_S0 is what opens Xwayland's doors to X clients. */
	xcb_set_selection_owner(c, xwm->wm_window, xwm->atoms[ATOM_NET_WM_CM_S0],
				XCB_CURRENT_TIME);
	xcb_set_selection_owner(c, xwm->wm_window, xwm->atoms[ATOM_WM_S0],
				XCB_CURRENT_TIME);
}

static void
handle_gc_destroy(struct wl_listener *listener, void *data)
{
	struct xwm *xwm = wl_container_of(listener, xwm, gc_destroy);
	/* The host connection goes next: our objects on it go first. */
	struct xwm_window *win;
	wl_list_for_each(win, &xwm->windows, link)
		xwm_role_destroy(win);
	xwm_selection_drop_host(xwm);
	xwm_role_drop_globals(xwm);
	xwm_pairing_finish(xwm);
	wl_list_remove(&xwm->gc_destroy.link);
	wl_list_init(&xwm->gc_destroy.link);
	xwm->gc = NULL;
}

struct xwm *
xwm_create(struct wlgp_server *server, int wm_fd, struct wl_client *xwayland_client,
	   void (*lost)(void *data), void *data)
{
	struct xwm *xwm = calloc(1, sizeof(*xwm));
	if (!xwm) {
		close(wm_fd);
		return NULL;
	}
	xwm->server = server;
	xwm->lost = lost;
	xwm->lost_data = data;
	xwm->xwayland_client = xwayland_client;
	wl_list_init(&xwm->windows);
	wl_list_init(&xwm->surfaces);
	wl_list_init(&xwm->replies);
	wl_list_init(&xwm->gc_destroy.link);

	xwm->gc = guest_client_from_client(server, xwayland_client);
	xwm->conn = xcb_connect_to_fd(wm_fd, NULL);
	if (!xwm->gc || xcb_connection_has_error(xwm->conn)) {
		wlgp_err("xwm: cannot connect to Xwayland (%s, xcb error %d)",
			 xwm->gc ? "" : "its Wayland client is gone",
			 xcb_connection_has_error(xwm->conn));
		xwm_destroy(xwm);
		return NULL;
	}
	xcb_prefetch_extension_data(xwm->conn, &xcb_composite_id);
	xcb_prefetch_extension_data(xwm->conn, &xcb_xfixes_id);
	xwm->screen = xcb_setup_roots_iterator(xcb_get_setup(xwm->conn)).data;
	if (!xwm->screen || !intern_atoms(xwm) || !redirect_root(xwm)) {
		xwm_destroy(xwm);
		return NULL;
	}
	xwm->gc_destroy.notify = handle_gc_destroy;
	wl_signal_add(&xwm->gc->events.destroy, &xwm->gc_destroy);
	if (!xwm_pairing_init(xwm)) {
		xwm_destroy(xwm);
		return NULL;
	}
	xwm_selection_init(xwm);
	xwm_role_bind_globals(xwm);
	xwm->x_source = wl_event_loop_add_fd(server->loop,
					     xcb_get_file_descriptor(xwm->conn),
					     WL_EVENT_READABLE, handle_x_fd, xwm);
	if (!xwm->x_source) {
		xwm_destroy(xwm);
		return NULL;
	}
	announce(xwm);
	xcb_flush(xwm->conn);
	/* The blocking start-up replies and the flush may have queued events
	 * in xcb, which the fd would not announce: the pump takes them. */
	xwm_schedule_flush(xwm);
	wlgp_info("xwm: managing X windows");
	return xwm;
}

void
xwm_destroy(struct xwm *xwm)
{
	if (!xwm)
		return;
	struct xwm_window *win, *wtmp;
	wl_list_for_each_safe(win, wtmp, &xwm->windows, link)
		xwm_window_destroy(win);
	xwm_selection_finish(xwm);
	if (xwm->gc) {
		xwm_role_drop_globals(xwm);
		xwm_pairing_finish(xwm);
	}
	wl_list_remove(&xwm->gc_destroy.link);
	struct xwm_reply *r, *rtmp;
	wl_list_for_each_safe(r, rtmp, &xwm->replies, link) {
		wl_list_remove(&r->link);
		free(r);
	}
	if (xwm->pump_idle)
		wl_event_source_remove(xwm->pump_idle);
	if (xwm->lost_idle)
		wl_event_source_remove(xwm->lost_idle);
	if (xwm->x_source)
		wl_event_source_remove(xwm->x_source);
	if (xwm->conn)
		xcb_disconnect(xwm->conn);
	free(xwm);
}
