/*
 * What the window manager's files share: the xwm context, one xwm_window
 * per X window (a child of root), one xwm_surface per wl_surface Xwayland
 * made, and the host role objects a paired window gets.
 *
 * Where state lives: X facts (geometry, properties) on xwm_window; the
 * Wayland side of Xwayland's surfaces on xwm_surface (whether their
 * commits are held); host role objects (xdg_surface + xdg_toplevel, or a
 * wl_subsurface for override-redirect windows) on xwm_window, made on
 * Xwayland's own host connection so that no guest ever sees them.
 *
 * Nothing here waits for X: every reply is taken from the loop in request
 * order (xwm_expect), so Xwayland may wait on a Wayland round trip to the
 * proxy at any time without a deadlock.
 */
#ifndef WLGP_XWM_INTERNAL_H
#define WLGP_XWM_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>
#include <xcb/xcb.h>
#include <xcb/xcb_icccm.h>

#include "xwm.h"

struct guest_client;
struct relay_object;

enum xwm_atom {
	ATOM_WL_SURFACE_ID,
	ATOM_WM_PROTOCOLS,
	ATOM_WM_DELETE_WINDOW,
	ATOM_WM_TAKE_FOCUS,
	ATOM_WM_STATE,
	ATOM_WM_CHANGE_STATE,
	ATOM_WM_S0,
	ATOM_UTF8_STRING,
	ATOM_NET_WM_NAME,
	ATOM_NET_SUPPORTED,
	ATOM_NET_SUPPORTING_WM_CHECK,
	ATOM_NET_ACTIVE_WINDOW,
	ATOM_NET_WM_CM_S0,
	ATOM_NET_WM_STATE,
	ATOM_NET_WM_STATE_FULLSCREEN,
	ATOM_NET_WM_STATE_MAXIMIZED_VERT,
	ATOM_NET_WM_STATE_MAXIMIZED_HORZ,
	ATOM_NET_WM_STATE_FOCUSED,
	ATOM_NET_WM_STATE_HIDDEN,
	ATOM_NET_WM_WINDOW_TYPE,
	ATOM_NET_WM_WINDOW_TYPE_NORMAL,
	ATOM_NET_WM_WINDOW_TYPE_DIALOG,
	ATOM_NET_WM_WINDOW_TYPE_UTILITY,
	ATOM_NET_WM_WINDOW_TYPE_SPLASH,
	ATOM_NET_WM_WINDOW_TYPE_MENU,
	ATOM_NET_WM_WINDOW_TYPE_DROPDOWN_MENU,
	ATOM_NET_WM_WINDOW_TYPE_POPUP_MENU,
	ATOM_NET_WM_WINDOW_TYPE_TOOLTIP,
	ATOM_NET_WM_WINDOW_TYPE_COMBO,
	ATOM_NET_WM_WINDOW_TYPE_NOTIFICATION,
	ATOM_NET_WM_WINDOW_TYPE_DND,
	ATOM_NET_CLIENT_LIST,
	ATOM_XWAYLAND_ALLOW_COMMITS,
	ATOM_CLIPBOARD,
	ATOM_TARGETS,
	ATOM_TIMESTAMP,
	ATOM_INCR,
	ATOM_TEXT,
	ATOM_WL_SELECTION,
	ATOM_COUNT,
};

/* Property values read at most this long (in 32-bit units): a title or a
 * class longer than 8 KiB is cut, never allocated without bound. */
#define XWM_PROPERTY_MAX_LONGS 2048

enum { XWM_CLIPBOARD, XWM_PRIMARY, XWM_SELECTIONS };

struct xwm_reply;
typedef void (*xwm_reply_handler)(struct xwm *xwm, struct xwm_reply *r,
				  void *reply, xcb_generic_error_t *error);

/* A request whose reply the loop takes when it comes (never waited for).
 * window/atom: what it was about; the handler looks the window up again,
 * since it may be gone by then. */
struct xwm_reply {
	struct wl_list link; /* xwm.replies, in request order */
	unsigned int sequence;
	xwm_reply_handler handle;
	xcb_window_t window;
	xcb_atom_t atom;
	uint32_t data;
};

/* The start-up's state (startup.c). */
struct xwm_startup {
	/* The set-up thread runs from xwm_create until the loop joins it. */
	pthread_t thread;
	bool running;
	int fd;       /* the WM's X socket: the thread's, then xcb's */
	int wake_fd;  /* a dup of it: shutdown() ends a set-up that hangs */
	int done_fd;  /* eventfd the thread signals when it is done */
	struct wl_event_source *done_source;
	xcb_connection_t *conn; /* the thread's result, read after the join */
	/* The first questions, answered together (handle_first_answers). */
	xcb_intern_atom_cookie_t atoms[ATOM_COUNT];
	xcb_void_cookie_t root_events;
};

struct xwm {
	struct wlgp_server *server;
	xcb_connection_t *conn; /* NULL until the set-up thread is joined */
	bool managing;          /* start-up done: WM_S0 is ours */
	struct xwm_startup startup;
	xcb_screen_t *screen;
	xcb_atom_t atoms[ATOM_COUNT];
	xcb_window_t wm_window; /* the check window; owns WM_S0 */
	struct wl_event_source *x_source;
	struct wl_event_source *pump_idle;
	struct wl_event_source *lost_idle;
	void (*lost)(void *data);
	void *lost_data;
	bool dead;

	struct wl_list windows;  /* xwm_window.link */
	struct wl_list surfaces; /* xwm_surface.link */
	struct wl_list replies;  /* xwm_reply.link */

	/* Xwayland's guest client and our objects on its host connection. */
	struct wl_client *xwayland_client;
	struct guest_client *gc; /* NULL once it is gone */
	struct wl_listener gc_destroy;
	struct wl_registry *host_registry;
	struct xdg_wm_base *host_wm_base;
	struct wl_subcompositor *host_subcompositor;

	/* CLIPBOARD and PRIMARY (selection.c); NULL without XFixes. */
	struct xwm_selection *selections[XWM_SELECTIONS];
	uint8_t xfixes_event_base;
	struct wl_seat *host_seat;
	struct wl_keyboard *host_keyboard;
	struct wl_data_device_manager *host_data_manager;
	struct zwp_primary_selection_device_manager_v1 *host_primary_manager;
	uint32_t host_input_serial; /* latest, for set_selection */

	xcb_window_t focused;     /* X window we gave the input focus */
	xcb_window_t last_active; /* last managed window the host activated */
};

enum xwm_surface_state {
	/* Just made: held until the WL_SURFACE_ID for it arrives, or an X
	 * round trip shows none will (a cursor, say). */
	XWM_SURFACE_UNKNOWN,
	/* Paired with a window: held until its role is configured. */
	XWM_SURFACE_PAIRED,
	/* Not a window's: relayed as is. */
	XWM_SURFACE_FREE,
	/* Its window was unmapped: Xwayland destroys it a second later;
	 * what it commits meanwhile is dropped. */
	XWM_SURFACE_RETIRED,
};

struct xwm_surface {
	struct xwm *xwm;
	struct relay_object *ro; /* Xwayland's wl_surface and its host proxy */
	uint32_t id;             /* its id in Xwayland's connection */
	enum xwm_surface_state state;
	bool held;               /* commits wait (pending) */
	bool commit_pending;     /* one held commit to replay */
	struct xwm_window *window;
	struct wl_listener resource_destroy;
	struct wl_listener commit; /* its commits reaching the host */
	struct wl_list link;
};

struct xwm_window {
	struct xwm *xwm;
	xcb_window_t id;
	struct wl_list link;
	int16_t x, y;
	uint16_t width, height;
	bool override_redirect;
	bool mapped;
	unsigned props_pending; /* property replies still to come */
	uint32_t surface_id;    /* from WL_SURFACE_ID, until paired */
	struct xwm_surface *surface;

	/* Properties. */
	char *net_wm_name, *wm_name, *wm_class;
	xcb_window_t transient_for;
	xcb_size_hints_t size_hints;
	bool has_size_hints;
	bool accepts_input;  /* WM_HINTS input, True if absent */
	bool take_focus, delete_window;
	bool fullscreen, maximized; /* _NET_WM_STATE: what the client wants */
	bool asked_fullscreen, asked_maximized; /* what we asked the host */
	xcb_atom_t type;

	/* Host role, on Xwayland's host connection. */
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct wl_subsurface *subsurface;
	xcb_window_t parent; /* a subsurface's parent window */
	bool configured;     /* the first configure was acked */
	/* weston 10 ignores a state request that undoes a configure acked
	 * but not yet followed by a buffer: such a request waits for
	 * Xwayland's next buffer (role.c). */
	bool acked_uncommitted;
	bool acked_fullscreen, acked_maximized;         /* last acked */
	bool committed_fullscreen, committed_maximized; /* and in effect */
	bool state_deferred;
	int32_t saved_width, saved_height; /* before fullscreen or maximized */
	struct wl_event_source *state_timer;
	int32_t pending_width, pending_height;
	bool pending_activated, pending_fullscreen, pending_maximized;
	bool activated;
};

/* xwm.c */
bool xwm_watch_connection(struct xwm *xwm);
/* The X connection failed: lost() is called from an idle callback. */
void xwm_fail(struct xwm *xwm);
void xwm_expect(struct xwm *xwm, unsigned int sequence, xwm_reply_handler handle,
		xcb_window_t window, xcb_atom_t atom, uint32_t data);
void xwm_schedule_flush(struct xwm *xwm);
void xwm_set_cardinal(struct xwm *xwm, xcb_window_t window, xcb_atom_t prop,
		      uint32_t value);

/* startup.c */
/* Ends a start-up still under way (the set-up thread is stopped and
 * joined); for xwm_destroy. */
void xwm_startup_finish(struct xwm *xwm);

/* window.c */
struct xwm_window *xwm_window_lookup(struct xwm *xwm, xcb_window_t id);
struct xwm_window *xwm_window_create(struct xwm *xwm, xcb_window_t id, int16_t x,
				     int16_t y, uint16_t w, uint16_t h, bool o_r);
void xwm_window_destroy(struct xwm_window *win);
void xwm_window_read_properties(struct xwm_window *win);
void xwm_window_read_property(struct xwm_window *win, xcb_atom_t atom);
const char *xwm_window_title(const struct xwm_window *win);
const char *xwm_window_app_id(const struct xwm_window *win);
void xwm_window_focus(struct xwm *xwm, struct xwm_window *win);
void xwm_window_raise(struct xwm_window *win);
void xwm_window_close(struct xwm_window *win);
void xwm_window_set_size(struct xwm_window *win, int32_t width, int32_t height);
void xwm_window_set_net_wm_state(struct xwm_window *win);
void xwm_window_handle_state_message(struct xwm_window *win,
				     const xcb_client_message_event_t *ev);
void xwm_window_send_configure_notify(struct xwm_window *win);

/* pairing.c */
bool xwm_pairing_init(struct xwm *xwm);
void xwm_pairing_finish(struct xwm *xwm);
void xwm_handle_surface_id(struct xwm *xwm, struct xwm_window *win, uint32_t id);
void xwm_window_unpair(struct xwm_window *win);
void xwm_surface_release(struct xwm_surface *s);

/* selection.c */
/* Once XFixes answered its version (startup.c asks it, as XFixes wants
 * before any other of its requests). */
void xwm_selection_init(struct xwm *xwm);
void xwm_selection_host_ready(struct xwm *xwm);
/* A first input serial came: selections waiting for one are set. */
void xwm_selection_input_serial(struct xwm *xwm);
void xwm_selection_drop_host(struct xwm *xwm);
void xwm_selection_finish(struct xwm *xwm);
bool xwm_selection_handle_event(struct xwm *xwm, xcb_generic_event_t *ev);
bool xwm_selection_owns_window(struct xwm *xwm, xcb_window_t window);

/* role.c */
void xwm_role_bind_globals(struct xwm *xwm);
void xwm_role_drop_globals(struct xwm *xwm);
/* Gives a paired window with all its properties read its host role, when
 * everything it needs exists; else it is retried later. */
void xwm_role_try(struct xwm_window *win);
void xwm_role_retry_all(struct xwm *xwm);
void xwm_role_destroy(struct xwm_window *win);
void xwm_role_update_title(struct xwm_window *win);
void xwm_role_update_app_id(struct xwm_window *win);
void xwm_role_update_size_hints(struct xwm_window *win);
void xwm_role_update_state(struct xwm_window *win);
void xwm_role_handle_commit(struct xwm_window *win, bool buffer);
void xwm_role_update_position(struct xwm_window *win);

#endif
