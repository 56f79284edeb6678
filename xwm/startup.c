/*
 * The window manager's start-up, in four steps, none of which waits for
 * Xwayland (xwm.c says why the proxy must never wait for X):
 *
 *  1. xwm_create: the X connection's set-up, the one thing xcb cannot do
 *     without blocking (xcb_connect_to_fd reads Xwayland's answer), runs on
 *     a thread of its own; the loop hears of its end on an eventfd.
 *  2. handle_connected: root's events, the atoms and the two extensions
 *     are asked for in one go, closed by a round trip (GetInputFocus).
 *  3. handle_first_answers: X answers in order, so with the round trip's
 *     reply every earlier one is in xcb already and is taken without
 *     blocking.  XFixes is then asked its version, which it wants before
 *     any other of its requests.
 *  4. start_managing: the Wayland side is hooked up and WM_S0 claimed,
 *     which lets X clients in.
 *
 * A stopped or hung Xwayland thus holds up only its own X clients.  Tearing
 * the xwm down meanwhile shuts the socket down, which ends the set-up
 * thread's wait, and joins the thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xcb/composite.h>
#include <xcb/xfixes.h>

#include "client.h"
#include "log.h"
#include "server.h"
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

/* xfixes: XFixes answered its version, so the selections can be set up. */
static void
start_managing(struct xwm *xwm, bool xfixes)
{
	if (!xwm->gc || !xwm_pairing_init(xwm)) {
		xwm_fail(xwm);
		return;
	}
	if (xfixes)
		xwm_selection_init(xwm);
	xwm_role_bind_globals(xwm);
	announce(xwm);
	xwm->managing = true;
	/* Events that came during the start-up wait in xcb's queue, where
	 * the fd does not announce them: the pump takes them. */
	xwm_schedule_flush(xwm);
	wlgp_info("xwm: managing X windows");
}

static void
handle_xfixes_version(struct xwm *xwm, struct xwm_reply *r, void *reply,
		      xcb_generic_error_t *error)
{
	if (!reply)
		wlgp_warn("xwm: XFixes answers no version: no clipboard for X clients");
	start_managing(xwm, reply != NULL);
}

static bool
take_atoms(struct xwm *xwm)
{
	bool ok = true;
	for (int i = 0; i < ATOM_COUNT; i++) {
		xcb_intern_atom_reply_t *reply = xcb_intern_atom_reply(
			xwm->conn, xwm->startup.atoms[i], NULL);
		if (reply)
			xwm->atoms[i] = reply->atom;
		else
			ok = false;
		free(reply);
	}
	return ok;
}

static bool
take_root(struct xwm *xwm)
{
	const xcb_query_extension_reply_t *composite =
		xcb_get_extension_data(xwm->conn, &xcb_composite_id);
	if (!composite || !composite->present) {
		wlgp_err("xwm: Xwayland has no Composite extension");
		return false;
	}
	xcb_generic_error_t *err = xcb_request_check(xwm->conn,
						     xwm->startup.root_events);
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
handle_first_answers(struct xwm *xwm, struct xwm_reply *r, void *reply,
		     xcb_generic_error_t *error)
{
	if (!reply) {
		wlgp_err("xwm: Xwayland did not answer the window manager's "
			 "first questions");
		xwm_fail(xwm);
		return;
	}
	if (!take_atoms(xwm) || !take_root(xwm)) {
		xwm_fail(xwm);
		return;
	}
	const xcb_query_extension_reply_t *xfixes =
		xcb_get_extension_data(xwm->conn, &xcb_xfixes_id);
	if (!xfixes || !xfixes->present) {
		wlgp_warn("xwm: Xwayland has no XFixes: no clipboard for X clients");
		start_managing(xwm, false);
		return;
	}
	xcb_xfixes_query_version_cookie_t c =
		xcb_xfixes_query_version(xwm->conn, 5, 0);
	xwm_expect(xwm, c.sequence, handle_xfixes_version, XCB_NONE, XCB_NONE, 0);
}

static void
ask_first_questions(struct xwm *xwm)
{
	xcb_connection_t *c = xwm->conn;
	xcb_prefetch_extension_data(c, &xcb_composite_id);
	xcb_prefetch_extension_data(c, &xcb_xfixes_id);
	uint32_t mask = XCB_EVENT_MASK_SUBSTRUCTURE_NOTIFY |
			XCB_EVENT_MASK_SUBSTRUCTURE_REDIRECT |
			XCB_EVENT_MASK_PROPERTY_CHANGE;
	xwm->startup.root_events = xcb_change_window_attributes_checked(c,
		xwm->screen->root, XCB_CW_EVENT_MASK, &mask);
	for (int i = 0; i < ATOM_COUNT; i++)
		xwm->startup.atoms[i] = xcb_intern_atom(c, 0,
			strlen(atom_names[i]), atom_names[i]);
	xcb_get_input_focus_cookie_t last = xcb_get_input_focus(c);
	xwm_expect(xwm, last.sequence, handle_first_answers, XCB_NONE, XCB_NONE, 0);
}

/* Step 1, on its own thread: only the fds and the result field are its,
 * handed over by pthread_create and pthread_join. */
static void *
set_up_connection(void *data)
{
	struct xwm_startup *st = data;
	st->conn = xcb_connect_to_fd(st->fd, NULL);
	uint64_t one = 1;
	if (write(st->done_fd, &one, sizeof(one)) < 0)
		wlgp_err("xwm: cannot signal the end of the X set-up: %s",
			 strerror(errno));
	return NULL;
}

/* The thread's result; xcb owns the socket from here (it closed it if the
 * set-up failed). */
static xcb_connection_t *
join_set_up_thread(struct xwm_startup *st)
{
	pthread_join(st->thread, NULL);
	st->running = false;
	st->fd = -1;
	xcb_connection_t *conn = st->conn;
	st->conn = NULL;
	return conn;
}

static void
close_set_up(struct xwm_startup *st)
{
	if (st->done_source)
		wl_event_source_remove(st->done_source);
	st->done_source = NULL;
	if (st->done_fd >= 0)
		close(st->done_fd);
	if (st->wake_fd >= 0)
		close(st->wake_fd);
	if (st->fd >= 0)
		close(st->fd);
	st->done_fd = st->wake_fd = st->fd = -1;
}

static int
handle_connected(int fd, uint32_t mask, void *data)
{
	struct xwm *xwm = data;
	xwm->conn = join_set_up_thread(&xwm->startup);
	close_set_up(&xwm->startup);
	int err = xcb_connection_has_error(xwm->conn);
	if (err) {
		wlgp_err("xwm: cannot connect to Xwayland (xcb error %d)", err);
		xwm_fail(xwm);
		return 0;
	}
	xwm->screen = xcb_setup_roots_iterator(xcb_get_setup(xwm->conn)).data;
	if (!xwm->screen || !xwm_watch_connection(xwm)) {
		xwm_fail(xwm);
		return 0;
	}
	ask_first_questions(xwm);
	return 0;
}

static bool
start_set_up_thread(struct xwm *xwm)
{
	struct xwm_startup *st = &xwm->startup;
	st->wake_fd = fcntl(st->fd, F_DUPFD_CLOEXEC, 0);
	st->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (st->wake_fd < 0 || st->done_fd < 0) {
		wlgp_err("xwm: cannot start: %s", strerror(errno));
		return false;
	}
	st->done_source = wl_event_loop_add_fd(xwm->server->loop, st->done_fd,
					       WL_EVENT_READABLE, handle_connected,
					       xwm);
	int err = st->done_source ?
		pthread_create(&st->thread, NULL, set_up_connection, st) : ENOMEM;
	if (err) {
		wlgp_err("xwm: cannot start the X set-up: %s", strerror(err));
		return false;
	}
	st->running = true;
	return true;
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
	xwm->startup.fd = wm_fd;
	xwm->startup.wake_fd = xwm->startup.done_fd = -1;
	wl_list_init(&xwm->windows);
	wl_list_init(&xwm->surfaces);
	wl_list_init(&xwm->replies);
	wl_list_init(&xwm->gc_destroy.link);

	xwm->gc = guest_client_from_client(server, xwayland_client);
	if (!xwm->gc) {
		wlgp_err("xwm: cannot connect to Xwayland: its Wayland client is gone");
		xwm_destroy(xwm);
		return NULL;
	}
	xwm->gc_destroy.notify = handle_gc_destroy;
	wl_signal_add(&xwm->gc->events.destroy, &xwm->gc_destroy);
	if (!start_set_up_thread(xwm)) {
		xwm_destroy(xwm);
		return NULL;
	}
	return xwm;
}

bool
xwm_is_managing(const struct xwm *xwm)
{
	return xwm->managing;
}

void
xwm_startup_finish(struct xwm *xwm)
{
	struct xwm_startup *st = &xwm->startup;
	if (st->running) {
		/* Ends a set-up waiting on a hung Xwayland: its reads see the
		 * end of the stream, its writes fail (SIGPIPE is ignored). */
		shutdown(st->wake_fd, SHUT_RDWR);
		xcb_connection_t *conn = join_set_up_thread(st);
		xcb_disconnect(conn);
	}
	close_set_up(st);
}
