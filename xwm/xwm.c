/*
 * The window manager's X connection once it is up: the event dispatch
 * and the reply queue that lets every X request be answered from the loop
 * instead of waited for.  Its start-up, which does not wait either, is
 * startup.c's.
 *
 * The proxy never waits for Xwayland: Xwayland blocks in Wayland round
 * trips to the proxy (at start-up, and on some output and seat changes),
 * and a proxy waiting for an X reply at such a moment would hang both; a
 * stopped or hung Xwayland must hold up its own X clients only.
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
void
xwm_fail(struct xwm *xwm)
{
	if (xwm->dead)
		return;
	xwm->dead = true;
	if (xwm->x_source)
		wl_event_source_fd_update(xwm->x_source, 0);
	xwm->lost_idle = wl_event_loop_add_idle(xwm->server->loop,
						handle_lost_idle, xwm);
}

/* An event xcb has read already, without reading the socket.  Until the
 * start-up is done (startup.c) events wait in xcb's queue: the atoms they
 * would be compared with are not known yet. */
static bool
take_queued_event(struct xwm *xwm)
{
	if (!xwm->managing)
		return false;
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
	bool progress = xwm->conn != NULL;
	while (progress && !xwm->dead) {
		progress = false;
		xcb_generic_event_t *ev;
		while (!xwm->dead && xwm->managing &&
		       (ev = xcb_poll_for_event(xwm->conn))) {
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
			xwm_fail(xwm);
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
		xwm_fail(xwm);
		return 0;
	}
	pump(xwm);
	return 0;
}

bool
xwm_watch_connection(struct xwm *xwm)
{
	xwm->x_source = wl_event_loop_add_fd(xwm->server->loop,
					     xcb_get_file_descriptor(xwm->conn),
					     WL_EVENT_READABLE, handle_x_fd, xwm);
	return xwm->x_source != NULL;
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

void
xwm_destroy(struct xwm *xwm)
{
	if (!xwm)
		return;
	xwm_startup_finish(xwm);
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
