/*
 * X windows as the window manager sees them: their properties (read
 * asynchronously, bounded, type-checked), the requests the WM makes of
 * them (focus, close, size, _NET_WM_STATE) and their lifetime from
 * CreateNotify to DestroyNotify.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xwm_internal.h"

struct xwm_window *
xwm_window_lookup(struct xwm *xwm, xcb_window_t id)
{
	struct xwm_window *win;
	wl_list_for_each(win, &xwm->windows, link) {
		if (win->id == id)
			return win;
	}
	return NULL;
}

struct xwm_window *
xwm_window_create(struct xwm *xwm, xcb_window_t id, int16_t x, int16_t y,
		  uint16_t w, uint16_t h, bool o_r)
{
	/* An XID is reused only after DestroyNotify; a stale record would be
	 * a bug, so replace it rather than keep two. */
	struct xwm_window *old = xwm_window_lookup(xwm, id);
	if (old)
		xwm_window_destroy(old);
	struct xwm_window *win = calloc(1, sizeof(*win));
	if (!win)
		return NULL;
	win->xwm = xwm;
	win->id = id;
	win->x = x;
	win->y = y;
	win->width = w;
	win->height = h;
	win->override_redirect = o_r;
	win->accepts_input = true;
	wl_list_insert(&xwm->windows, &win->link);
	uint32_t mask = XCB_EVENT_MASK_PROPERTY_CHANGE | XCB_EVENT_MASK_FOCUS_CHANGE;
	xcb_change_window_attributes(xwm->conn, id, XCB_CW_EVENT_MASK, &mask);
	return win;
}

void
xwm_window_destroy(struct xwm_window *win)
{
	struct xwm *xwm = win->xwm;
	xwm_window_unpair(win);
	/* Children placed on it lose their parent. */
	struct xwm_window *other;
	wl_list_for_each(other, &xwm->windows, link) {
		if (other->parent == win->id) {
			xwm_role_destroy(other);
			other->parent = XCB_NONE;
		}
	}
	if (xwm->focused == win->id)
		xwm->focused = XCB_NONE;
	if (xwm->last_active == win->id)
		xwm->last_active = XCB_NONE;
	wl_list_remove(&win->link);
	free(win->net_wm_name);
	free(win->wm_name);
	free(win->wm_class);
	free(win);
}

const char *
xwm_window_title(const struct xwm_window *win)
{
	return win->net_wm_name ? win->net_wm_name : win->wm_name;
}

const char *
xwm_window_app_id(const struct xwm_window *win)
{
	return win->wm_class;
}

/* The length of the well-formed UTF-8 character at p (at most left
 * bytes), 0 if there is none: overlong forms, surrogates and values past
 * U+10FFFF are not UTF-8 either. */
static size_t
utf8_char_length(const unsigned char *p, size_t left)
{
	size_t n = p[0] < 0x80 ? 1 : p[0] < 0xc2 ? 0 : p[0] < 0xe0 ? 2 :
		   p[0] < 0xf0 ? 3 : p[0] < 0xf5 ? 4 : 0;
	if (n == 0 || n > left)
		return 0;
	uint32_t c = n == 1 ? p[0] : p[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return n;
}

/* A UTF8_STRING holds whatever its X client wrote, but a Wayland string
 * must be UTF-8: each byte that is not part of a character becomes
 * U+FFFD.  Cut at the first NUL. */
static char *
copy_utf8(const char *value, size_t len)
{
	const char *nul = memchr(value, '\0', len);
	if (nul)
		len = (size_t)(nul - value);
	char *out = malloc(len * 3 + 1);
	if (!out)
		return NULL;
	const unsigned char *p = (const unsigned char *)value;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_char_length(p + i, len - i);
		if (n) {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

/* WM_NAME is Latin-1 (STRING): hosts take UTF-8. */
static char *
latin1_to_utf8(const unsigned char *value, size_t len)
{
	char *out = malloc(len * 2 + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len && value[i]; i++) {
		if (value[i] < 0x80) {
			out[o++] = (char)value[i];
		} else {
			out[o++] = (char)(0xc0 | (value[i] >> 6));
			out[o++] = (char)(0x80 | (value[i] & 0x3f));
		}
	}
	out[o] = '\0';
	return out;
}

static void
read_name(struct xwm_window *win, xcb_atom_t atom, xcb_get_property_reply_t *reply)
{
	struct xwm *xwm = win->xwm;
	char **slot = atom == xwm->atoms[ATOM_NET_WM_NAME] ? &win->net_wm_name :
							     &win->wm_name;
	free(*slot);
	*slot = NULL;
	if (!reply || reply->format != 8)
		return;
	const char *value = xcb_get_property_value(reply);
	size_t len = (size_t)xcb_get_property_value_length(reply);
	if (reply->type == xwm->atoms[ATOM_UTF8_STRING])
		*slot = copy_utf8(value, len);
	else if (reply->type == XCB_ATOM_STRING)
		*slot = latin1_to_utf8((const unsigned char *)value, len);
	/* COMPOUND_TEXT and others: no title rather than a wrong one. */
}

static void
read_class(struct xwm_window *win, xcb_get_property_reply_t *reply)
{
	free(win->wm_class);
	win->wm_class = NULL;
	if (!reply || reply->format != 8 || reply->type != XCB_ATOM_STRING)
		return;
	/* "instance\0class\0": the class names the application. */
	const char *value = xcb_get_property_value(reply);
	size_t len = (size_t)xcb_get_property_value_length(reply);
	const char *nul = memchr(value, '\0', len);
	if (!nul || (size_t)(nul + 1 - value) >= len)
		return;
	size_t skip = (size_t)(nul + 1 - value);
	/* STRING is Latin-1 (ICCCM 2.7.1), as WM_NAME's. */
	win->wm_class = latin1_to_utf8((const unsigned char *)value + skip,
				       len - skip);
}

static const uint32_t *
values32(xcb_get_property_reply_t *reply, xcb_atom_t type, size_t *count)
{
	*count = 0;
	if (!reply || reply->format != 32 || (type && reply->type != type))
		return NULL;
	*count = (size_t)xcb_get_property_value_length(reply) / 4;
	return xcb_get_property_value(reply);
}

static void
read_protocols(struct xwm_window *win, xcb_get_property_reply_t *reply)
{
	struct xwm *xwm = win->xwm;
	size_t n;
	const uint32_t *atoms = values32(reply, XCB_ATOM_ATOM, &n);
	win->take_focus = win->delete_window = false;
	for (size_t i = 0; i < n; i++) {
		if (atoms[i] == xwm->atoms[ATOM_WM_TAKE_FOCUS])
			win->take_focus = true;
		else if (atoms[i] == xwm->atoms[ATOM_WM_DELETE_WINDOW])
			win->delete_window = true;
	}
}

static void
read_hints(struct xwm_window *win, xcb_get_property_reply_t *reply)
{
	xcb_icccm_wm_hints_t hints;
	/* No hint, no input flag: assume the window takes input (ICCCM lets
	 * the WM assume what suits; wlroots 96aa18ae4). */
	win->accepts_input = true;
	if (reply && reply->type != XCB_NONE &&
	    xcb_icccm_get_wm_hints_from_reply(&hints, reply) &&
	    (hints.flags & XCB_ICCCM_WM_HINT_INPUT))
		win->accepts_input = hints.input != 0;
}

static void
read_size_hints(struct xwm_window *win, xcb_get_property_reply_t *reply)
{
	win->has_size_hints = reply && reply->type == XCB_ATOM_WM_SIZE_HINTS &&
		xcb_icccm_get_wm_size_hints_from_reply(&win->size_hints, reply);
}

static void
read_transient_for(struct xwm_window *win, xcb_get_property_reply_t *reply)
{
	size_t n;
	const uint32_t *v = values32(reply, XCB_ATOM_WINDOW, &n);
	win->transient_for = n == 1 && v[0] != win->id ? v[0] : XCB_NONE;
}

static void
read_net_wm_state(struct xwm_window *win, xcb_get_property_reply_t *reply)
{
	struct xwm *xwm = win->xwm;
	size_t n;
	const uint32_t *v = values32(reply, XCB_ATOM_ATOM, &n);
	win->fullscreen = win->maximized = false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == xwm->atoms[ATOM_NET_WM_STATE_FULLSCREEN])
			win->fullscreen = true;
		else if (v[i] == xwm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_VERT] ||
			 v[i] == xwm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_HORZ])
			win->maximized = true;
	}
}

static void
read_window_type(struct xwm_window *win, xcb_get_property_reply_t *reply)
{
	struct xwm *xwm = win->xwm;
	size_t n;
	const uint32_t *v = values32(reply, XCB_ATOM_ATOM, &n);
	win->type = XCB_NONE;
	/* The first type we know, as the EWMH orders them by preference. */
	for (size_t i = 0; i < n && !win->type; i++) {
		for (int a = ATOM_NET_WM_WINDOW_TYPE_NORMAL;
		     a <= ATOM_NET_WM_WINDOW_TYPE_DND; a++) {
			if (v[i] == xwm->atoms[a])
				win->type = v[i];
		}
	}
}

static void
handle_property_reply(struct xwm *xwm, struct xwm_reply *r, void *data,
		      xcb_generic_error_t *error)
{
	struct xwm_window *win = xwm_window_lookup(xwm, r->window);
	xcb_get_property_reply_t *reply = error ? NULL : data;
	/* data: the window's record generation we asked for (props_pending
	 * counts only those) */
	if (!win)
		return;
	if (r->data && win->props_pending)
		win->props_pending--;
	xcb_atom_t atom = r->atom;
	const xcb_atom_t *atoms = xwm->atoms;
	if (atom == XCB_ATOM_WM_NAME || atom == atoms[ATOM_NET_WM_NAME]) {
		read_name(win, atom, reply);
		xwm_role_update_title(win);
	} else if (atom == XCB_ATOM_WM_CLASS) {
		read_class(win, reply);
		xwm_role_update_app_id(win);
	} else if (atom == atoms[ATOM_WM_PROTOCOLS]) {
		read_protocols(win, reply);
	} else if (atom == XCB_ATOM_WM_HINTS) {
		read_hints(win, reply);
	} else if (atom == XCB_ATOM_WM_NORMAL_HINTS) {
		read_size_hints(win, reply);
		xwm_role_update_size_hints(win);
	} else if (atom == XCB_ATOM_WM_TRANSIENT_FOR) {
		read_transient_for(win, reply);
	} else if (atom == atoms[ATOM_NET_WM_STATE]) {
		read_net_wm_state(win, reply);
	} else if (atom == atoms[ATOM_NET_WM_WINDOW_TYPE]) {
		read_window_type(win, reply);
	}
	if (r->data && win->props_pending == 0)
		xwm_role_try(win);
}

static bool
property_wanted(struct xwm *xwm, xcb_atom_t atom)
{
	const xcb_atom_t *atoms = xwm->atoms;
	return atom == XCB_ATOM_WM_NAME || atom == atoms[ATOM_NET_WM_NAME] ||
	       atom == XCB_ATOM_WM_CLASS || atom == atoms[ATOM_WM_PROTOCOLS] ||
	       atom == XCB_ATOM_WM_HINTS || atom == XCB_ATOM_WM_NORMAL_HINTS ||
	       atom == XCB_ATOM_WM_TRANSIENT_FOR ||
	       atom == atoms[ATOM_NET_WM_WINDOW_TYPE];
}

static void
request_property(struct xwm_window *win, xcb_atom_t atom, bool counted)
{
	struct xwm *xwm = win->xwm;
	xcb_get_property_cookie_t c = xcb_get_property(xwm->conn, 0, win->id, atom,
		XCB_GET_PROPERTY_TYPE_ANY, 0, XWM_PROPERTY_MAX_LONGS);
	if (counted)
		win->props_pending++;
	xwm_expect(xwm, c.sequence, handle_property_reply, win->id, atom, counted);
}

void
xwm_window_read_property(struct xwm_window *win, xcb_atom_t atom)
{
	/* _NET_WM_STATE is ours to write once mapped (EWMH): clients ask
	 * with client messages. */
	if (property_wanted(win->xwm, atom))
		request_property(win, atom, false);
}

void
xwm_window_read_properties(struct xwm_window *win)
{
	struct xwm *xwm = win->xwm;
	const xcb_atom_t atoms[] = {
		XCB_ATOM_WM_NAME, xwm->atoms[ATOM_NET_WM_NAME], XCB_ATOM_WM_CLASS,
		xwm->atoms[ATOM_WM_PROTOCOLS], XCB_ATOM_WM_HINTS,
		XCB_ATOM_WM_NORMAL_HINTS, XCB_ATOM_WM_TRANSIENT_FOR,
		xwm->atoms[ATOM_NET_WM_STATE], xwm->atoms[ATOM_NET_WM_WINDOW_TYPE],
	};
	for (size_t i = 0; i < sizeof(atoms) / sizeof(atoms[0]); i++)
		request_property(win, atoms[i], true);
}

static void
send_wm_protocol(struct xwm_window *win, xcb_atom_t protocol)
{
	struct xwm *xwm = win->xwm;
	xcb_client_message_event_t ev = {
		.response_type = XCB_CLIENT_MESSAGE,
		.format = 32,
		.window = win->id,
		.type = xwm->atoms[ATOM_WM_PROTOCOLS],
		.data.data32 = { protocol, XCB_CURRENT_TIME },
	};
	xcb_send_event(xwm->conn, 0, win->id, XCB_EVENT_MASK_NO_EVENT,
		       (const char *)&ev);
}

/* Sent at once, not from the idle flush: it must reach Xwayland before
 * the Wayland event the caller is about to relay.  xcb_flush only blocks
 * while Xwayland does not read its X clients, which it always does. */
void
xwm_window_raise(struct xwm_window *win)
{
	uint32_t above = XCB_STACK_MODE_ABOVE;
	xcb_configure_window(win->xwm->conn, win->id, XCB_CONFIG_WINDOW_STACK_MODE,
			     &above);
	xcb_flush(win->xwm->conn);
	/* The flush may have read events into xcb's queue, which the fd
	 * would not announce: the pump takes them. */
	xwm_schedule_flush(win->xwm);
}

void
xwm_window_focus(struct xwm *xwm, struct xwm_window *win)
{
	xcb_window_t id = win ? win->id : XCB_NONE;
	wlgp_debug("xwm: X input focus to 0x%x", id);
	if (win && win->mapped) {
		/* Raised too: Xwayland picks the X window under the pointer
		 * from X's own stacking (xwl_xy_to_window), whatever the host
		 * shows on top. */
		uint32_t above = XCB_STACK_MODE_ABOVE;
		xcb_configure_window(xwm->conn, id, XCB_CONFIG_WINDOW_STACK_MODE,
				     &above);
		if (win->take_focus)
			send_wm_protocol(win, xwm->atoms[ATOM_WM_TAKE_FOCUS]);
		if (win->accepts_input)
			xcb_set_input_focus(xwm->conn,
					    XCB_INPUT_FOCUS_POINTER_ROOT, id,
					    XCB_CURRENT_TIME);
		xwm->focused = id;
	} else {
		/* Not None: that breaks keyboard grabs (wlroots f9199bb6d). */
		xcb_set_input_focus(xwm->conn, XCB_INPUT_FOCUS_POINTER_ROOT,
				    XCB_INPUT_FOCUS_POINTER_ROOT, XCB_CURRENT_TIME);
		xwm->focused = XCB_NONE;
		id = XCB_NONE;
	}
	xcb_change_property(xwm->conn, XCB_PROP_MODE_REPLACE, xwm->screen->root,
			    xwm->atoms[ATOM_NET_ACTIVE_WINDOW], XCB_ATOM_WINDOW,
			    32, 1, &id);
	xwm_schedule_flush(xwm);
}

void
xwm_window_close(struct xwm_window *win)
{
	struct xwm *xwm = win->xwm;
	if (win->delete_window)
		send_wm_protocol(win, xwm->atoms[ATOM_WM_DELETE_WINDOW]);
	else
		xcb_kill_client(xwm->conn, win->id);
	xwm_schedule_flush(xwm);
}

void
xwm_window_set_size(struct xwm_window *win, int32_t width, int32_t height)
{
	if (width <= 0 || height <= 0 || width > 32767 || height > 32767 ||
	    (width == win->width && height == win->height))
		return;
	uint32_t values[2] = { (uint32_t)width, (uint32_t)height };
	xcb_configure_window(win->xwm->conn, win->id,
			     XCB_CONFIG_WINDOW_WIDTH | XCB_CONFIG_WINDOW_HEIGHT,
			     values);
	xwm_schedule_flush(win->xwm);
}

void
xwm_window_send_configure_notify(struct xwm_window *win)
{
	xcb_configure_notify_event_t ev = {
		.response_type = XCB_CONFIGURE_NOTIFY,
		.event = win->id,
		.window = win->id,
		.x = win->x,
		.y = win->y,
		.width = win->width,
		.height = win->height,
		.override_redirect = win->override_redirect,
	};
	xcb_send_event(win->xwm->conn, 0, win->id, XCB_EVENT_MASK_STRUCTURE_NOTIFY,
		       (const char *)&ev);
	xwm_schedule_flush(win->xwm);
}

/* _NET_WM_STATE as the host has it now (the WM writes it, EWMH). */
void
xwm_window_set_net_wm_state(struct xwm_window *win)
{
	struct xwm *xwm = win->xwm;
	uint32_t atoms[4];
	uint32_t n = 0;
	if (win->pending_fullscreen)
		atoms[n++] = xwm->atoms[ATOM_NET_WM_STATE_FULLSCREEN];
	if (win->pending_maximized) {
		atoms[n++] = xwm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_VERT];
		atoms[n++] = xwm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_HORZ];
	}
	if (win->activated)
		atoms[n++] = xwm->atoms[ATOM_NET_WM_STATE_FOCUSED];
	xcb_change_property(xwm->conn, XCB_PROP_MODE_REPLACE, win->id,
			    xwm->atoms[ATOM_NET_WM_STATE], XCB_ATOM_ATOM, 32, n,
			    atoms);
	xwm_schedule_flush(xwm);
}

static bool
apply_state_action(uint32_t action, bool current)
{
	switch (action) {
	case 0: return false;    /* _NET_WM_STATE_REMOVE */
	case 1: return true;     /* _NET_WM_STATE_ADD */
	case 2: return !current; /* _NET_WM_STATE_TOGGLE */
	}
	return current;
}

/* A client's wish (EWMH _NET_WM_STATE message): the host decides, and its
 * configure comes back to us. */
void
xwm_window_handle_state_message(struct xwm_window *win,
				const xcb_client_message_event_t *ev)
{
	struct xwm *xwm = win->xwm;
	uint32_t action = ev->data.data32[0];
	bool fullscreen = win->fullscreen, maximized = win->maximized;
	for (int i = 1; i <= 2; i++) {
		uint32_t prop = ev->data.data32[i];
		if (prop == xwm->atoms[ATOM_NET_WM_STATE_FULLSCREEN])
			fullscreen = apply_state_action(action, win->fullscreen);
		else if (prop == xwm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_VERT] ||
			 prop == xwm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_HORZ])
			maximized = apply_state_action(action, win->maximized);
	}
	win->fullscreen = fullscreen;
	win->maximized = maximized;
	xwm_role_update_state(win);
}
