/*
 * X client → window manager: a hostile X client.  The proxy core, the
 * unit host with a strict xdg_wm_base (xhost.h) and the window manager
 * (xwm/) run in this process; a real Xwayland, started once per process
 * by xworld.c as xwayland/xwayland.c starts it, serves both the WM and
 * the target's own X connection.  A real X server because the WM's input
 * is X events and replies: only a server makes the CreateNotify,
 * MapRequest, PropertyNotify and reply sequences a client can cause, and
 * only Xwayland makes the wl_surfaces and WL_SURFACE_ID messages that pair
 * windows, so that role.c runs and the host sees titles and sizes.
 * (Xvfb would leave pairing and roles unreached.)
 *
 * The input is a script for a new X client connection (closed at the
 * end, which destroys its windows and drops its selections):
 *   ops, each a byte (mod OP_COUNT) and its operands:
 *     create, map, unmap, destroy, reparent, configure a window (≤ 8);
 *     property: any atom, type, format (8/16/32 or invalid), mode and
 *       length, small or up to 64 KiB (past the WM's 8 KiB read);
 *     transient: WM_TRANSIENT_FOR naming one of ours (cycles, self);
 *     delete a property;
 *     client message: any type and format, to the window or to root with
 *       SubstructureRedirect (how EWMH messages travel), data words from
 *       the atom table (_NET_WM_STATE actions and atoms, WM_CHANGE_STATE,
 *       _NET_ACTIVE_WINDOW, _NET_WM_MOVERESIZE, forged WL_SURFACE_ID);
 *     set-owner: CLIPBOARD/PRIMARY/any, and how this owner will answer
 *       SelectionRequests: never, with a property (TARGETS as atoms of
 *       any type/format, data of any type), INCR with a bogus size,
 *       None, or a property it never set;
 *     incr-chunk: the next INCR chunk (zero length ends it);
 *     renotify: the last SelectionRequest answered again, later;
 *     convert: ConvertSelection of anything into one of our windows;
 *     focus: SetInputFocus; settle: run everything until quiet;
 *     host-configure / host-close: the host's side of a toplevel (a close
 *       of a window without WM_DELETE_WINDOW makes the WM kill the
 *       client: the input ends there, as the connection does).
 * The target never touches the WM's own windows or root's properties:
 * the world is kept from input to input (starting Xwayland takes about a
 * second), and those would outlive the input.
 *
 * Oracles: the sanitizers; the WM never loses its X connection (Xwayland
 * alive and the connection error-free); the host gets only legal
 * xdg-shell requests, titles and app_ids valid UTF-8 and at most
 * XHOST_STRING_MAX bytes (xhost.c), and raises no protocol error on
 * anything the proxy relayed; once the client is gone the WM tracks no
 * window and the host has no toplevel left, so the next input starts
 * from the same state, and the host buffers of its windows are freed
 * (see wait_host_memory).  What does stay: the WM's selection records,
 * the server's atoms, and for about a second the wl_surfaces of gone
 * windows (Xwayland destroys them late); every finding so far replayed
 * alone or was explained by that last one.
 */
#include <stdlib.h>
#include <string.h>
#include <xcb/xcb.h>
#include <xcb/xcbext.h>

#include "client.h"
#include "input.h"
#include "server.h"
#include "world.h"
#include "xhost.h"
#include "xwm_internal.h"
#include "xworld.h"

#define MAX_WINDOWS 8
/* Windows the target makes or asks for are at most this wide and high.
 * Open finding (README): the proxy bounds each Wayland client's host
 * buffers (GUEST_CLIENT_HOST_MEMORY_LIMIT) and closes the client past it;
 * Xwayland is one client for all X clients, so one X client asking for a
 * 4098x27501 window got Xwayland, and every X client, disconnected, and
 * so did an override-redirect window (which no WM constrains) with a
 * 10416-pixel border: 22880x23144.  Until that is decided, the target
 * stays where 8 windows fit (borders at most 16). */
#define MAX_SIDE 2048
#define SYNC_TIMEOUT_MS 10000

static const char *const atom_names[] = {
	"WM_NAME", "_NET_WM_NAME", "WM_CLASS", "WM_NORMAL_HINTS", "WM_HINTS",
	"WM_PROTOCOLS", "WM_TRANSIENT_FOR", "_NET_WM_WINDOW_TYPE",
	"_NET_WM_STATE", "UTF8_STRING", "STRING", "ATOM", "WINDOW", "CARDINAL",
	"WM_SIZE_HINTS", "WM_DELETE_WINDOW", "WM_TAKE_FOCUS", "_NET_WM_PING",
	"_NET_WM_STATE_FULLSCREEN", "_NET_WM_STATE_MAXIMIZED_VERT",
	"_NET_WM_STATE_MAXIMIZED_HORZ", "_NET_WM_STATE_FOCUSED",
	"_NET_WM_STATE_HIDDEN", "_NET_WM_WINDOW_TYPE_NORMAL",
	"_NET_WM_WINDOW_TYPE_DIALOG", "_NET_WM_WINDOW_TYPE_MENU",
	"_NET_WM_WINDOW_TYPE_TOOLTIP", "_NET_WM_WINDOW_TYPE_DND",
	"WM_CHANGE_STATE", "_NET_ACTIVE_WINDOW", "_NET_WM_MOVERESIZE",
	"WL_SURFACE_ID", "WM_STATE", "_XWAYLAND_ALLOW_COMMITS",
	"_MOTIF_WM_HINTS", "CLIPBOARD", "PRIMARY", "CLIPBOARD_MANAGER",
	"TARGETS", "TIMESTAMP", "INCR", "TEXT", "MULTIPLE", "DELETE",
	"text/plain", "text/plain;charset=utf-8", "image/png", "_WL_SELECTION",
	"WM_S0", "COMPOUND_TEXT", "INTEGER", "FUZZ_X",
};
#define N_ATOMS (sizeof(atom_names) / sizeof(atom_names[0]))
static xcb_atom_t atoms[N_ATOMS];

enum atom_index { A_CLIPBOARD = 35, A_PRIMARY = 36, A_TARGETS = 38, A_INCR = 40 };

enum op {
	OP_CREATE, OP_MAP, OP_UNMAP, OP_DESTROY, OP_REPARENT, OP_CONFIGURE,
	OP_PROPERTY, OP_TRANSIENT, OP_DELETE_PROPERTY, OP_CLIENT_MESSAGE,
	OP_SET_OWNER, OP_INCR_CHUNK, OP_CONVERT, OP_FOCUS, OP_SETTLE,
	OP_HOST_CONFIGURE, OP_HOST_CLOSE, OP_RENOTIFY, OP_COUNT
};

enum answer { ANSWER_NEVER, ANSWER_PROPERTY, ANSWER_INCR, ANSWER_NONE,
	      ANSWER_UNSET_PROPERTY, ANSWER_COUNT };

struct xclient {
	struct xworld *xw;
	xcb_connection_t *c;
	xcb_window_t root;
	xcb_window_t windows[MAX_WINDOWS];
	int n_windows;
	struct input *in;
	enum answer answer;
	xcb_window_t incr_window;
	xcb_atom_t incr_property;
	xcb_selection_request_event_t last_request; /* for OP_RENOTIFY */
};

static xcb_atom_t
pick_atom(struct input *in)
{
	uint8_t v = input_u8(in);
	if (v < 240)
		return atoms[v % N_ATOMS];
	if (v < 250)
		return (xcb_atom_t)(v - 239); /* predefined: PRIMARY .. */
	return input_u32(in);
}

/* One of ours (0 when none). */
static xcb_window_t
pick_window(struct xclient *cl)
{
	uint8_t v = input_u8(cl->in);
	return cl->n_windows ? cl->windows[v % cl->n_windows] : 0;
}

static void
handle_selection_request(struct xclient *cl, xcb_selection_request_event_t *req);

static void
drain_events(struct xclient *cl)
{
	xcb_generic_event_t *ev;
	while ((ev = xcb_poll_for_event(cl->c))) {
		if ((ev->response_type & 0x7f) == XCB_SELECTION_REQUEST)
			handle_selection_request(cl, (xcb_selection_request_event_t *)ev);
		free(ev);
	}
}

/* Runs everything until Xwayland has answered a request sent now. */
static void
x_sync(struct xclient *cl)
{
	xcb_get_input_focus_cookie_t cookie = xcb_get_input_focus(cl->c);
	xcb_flush(cl->c);
	for (int waited = 0;; waited++) {
		FUZZ_CHECK(waited < SYNC_TIMEOUT_MS, "Xwayland answered no "
			   "request in %d ms", SYNC_TIMEOUT_MS);
		/* Killed: the host closed a window without WM_DELETE_WINDOW,
		 * and the WM did what ICCCM WMs do (KillClient). */
		if (xcb_connection_has_error(cl->c))
			return;
		void *reply = NULL;
		xcb_generic_error_t *error = NULL;
		drain_events(cl);
		if (xcb_poll_for_reply(cl->c, cookie.sequence, &reply, &error)) {
			free(reply);
			free(error);
			return;
		}
		xworld_round(cl->xw, xcb_get_file_descriptor(cl->c), 1);
	}
}

static void
settle(struct xclient *cl)
{
	x_sync(cl);
	world_settle(cl->xw->w, -1, NULL, NULL);
	x_sync(cl);
	world_settle(cl->xw->w, -1, NULL, NULL);
}

static void
op_create(struct xclient *cl)
{
	struct input *in = cl->in;
	xcb_window_t parent = cl->root;
	if (cl->n_windows && (input_u8(in) & 3) == 0)
		parent = pick_window(cl);
	int16_t x = (int16_t)input_u16(in), y = (int16_t)input_u16(in);
	uint16_t w = (uint16_t)input_range(in, 1, MAX_SIDE);
	uint16_t h = (uint16_t)input_range(in, 1, MAX_SIDE);
	uint16_t border = (uint16_t)input_range(in, 0, 3);
	uint32_t values[2] = { input_u8(in) & 1, XCB_EVENT_MASK_PROPERTY_CHANGE };
	if (cl->n_windows == MAX_WINDOWS)
		return;
	xcb_window_t id = xcb_generate_id(cl->c);
	xcb_create_window(cl->c, XCB_COPY_FROM_PARENT, id, parent, x, y, w, h,
			  border, XCB_WINDOW_CLASS_INPUT_OUTPUT, XCB_COPY_FROM_PARENT,
			  XCB_CW_OVERRIDE_REDIRECT | XCB_CW_EVENT_MASK, values);
	cl->windows[cl->n_windows++] = id;
}

static void
op_window(struct xclient *cl, enum op op)
{
	xcb_window_t win = pick_window(cl);
	if (!win)
		return;
	if (op == OP_MAP) {
		xcb_map_window(cl->c, win);
	} else if (op == OP_UNMAP) {
		xcb_unmap_window(cl->c, win);
	} else if (op == OP_DESTROY) {
		xcb_destroy_window(cl->c, win);
	} else if (op == OP_REPARENT) {
		xcb_window_t parent = input_u8(cl->in) & 1 ? cl->root : pick_window(cl);
		xcb_reparent_window(cl->c, win, parent, (int16_t)input_u16(cl->in),
				    (int16_t)input_u16(cl->in));
	} else if (op == OP_FOCUS) {
		xcb_set_input_focus(cl->c, input_u8(cl->in) % 3, win,
				    input_u8(cl->in) & 1 ? XCB_CURRENT_TIME :
				    input_u32(cl->in));
	}
}

static void
op_configure(struct xclient *cl)
{
	xcb_window_t win = pick_window(cl);
	uint16_t mask = input_u8(cl->in) & 0x7f;
	uint32_t values[7];
	int n = 0;
	/* Sizes and borders stay small: see MAX_SIDE. */
	for (int bit = 0; bit < 7; bit++) {
		if (mask >> bit & 1)
			values[n++] = bit == 6 ? input_u8(cl->in) % 5 :
				      bit == 5 ? pick_window(cl) :
				      bit == 2 || bit == 3 ?
					input_range(cl->in, 1, MAX_SIDE) :
				      bit == 4 ? input_range(cl->in, 0, 16) :
					input_u16(cl->in);
	}
	if (win)
		xcb_configure_window(cl->c, win, mask, values);
}

/* len bytes of property data: the input's, or a pattern from it when
 * large (bytes past the input are zero). */
static void
fill_data(struct input *in, uint8_t *buf, size_t len, bool pattern)
{
	memset(buf, 0, len);
	if (!pattern) {
		input_bytes(in, buf, len);
		return;
	}
	uint8_t unit[16];
	size_t n = input_bytes(in, unit, input_range(in, 1, sizeof(unit)));
	for (size_t i = 0; n && i < len; i++)
		buf[i] = unit[i % n];
}

static void
op_property(struct xclient *cl)
{
	static uint8_t buf[65536];
	struct input *in = cl->in;
	xcb_window_t win = pick_window(cl);
	xcb_atom_t prop = pick_atom(in), type = pick_atom(in);
	uint8_t how = input_u8(in);
	static const uint8_t formats[] = { 8, 16, 32, 8 };
	uint8_t format = formats[how & 3];
	uint8_t mode = (how >> 2) % 3;
	bool big = how & 0x20;
	size_t len = big ? input_range(in, 0, sizeof(buf)) : input_range(in, 0, 128);
	len -= len % (format / 8);
	fill_data(in, buf, len, big);
	/* Format 24: a well-framed request the server refuses (BadValue). */
	if ((how & 0xc0) == 0xc0 && len % 3 == 0)
		format = 24;
	if (win)
		xcb_change_property(cl->c, mode, win, prop, type, format,
				    (uint32_t)(len / (format / 8)), buf);
}

static void
op_transient(struct xclient *cl)
{
	xcb_window_t win = pick_window(cl);
	xcb_window_t parent = pick_window(cl);
	if (win)
		xcb_change_property(cl->c, XCB_PROP_MODE_REPLACE, win,
				    XCB_ATOM_WM_TRANSIENT_FOR, XCB_ATOM_WINDOW,
				    32, 1, &parent);
}

static void
op_delete_property(struct xclient *cl)
{
	xcb_window_t win = pick_window(cl);
	xcb_atom_t prop = pick_atom(cl->in);
	if (win)
		xcb_delete_property(cl->c, win, prop);
}

static void
op_client_message(struct xclient *cl)
{
	struct input *in = cl->in;
	xcb_client_message_event_t ev = { .response_type = XCB_CLIENT_MESSAGE };
	ev.window = pick_window(cl);
	ev.type = pick_atom(in);
	uint8_t how = input_u8(in);
	static const uint8_t formats[] = { 32, 32, 8, 16 };
	ev.format = formats[how & 3];
	if (ev.format == 32) {
		ev.data.data32[0] = how & 0x10 ? input_u32(in) : input_u8(in) % 4;
		ev.data.data32[1] = pick_atom(in);
		ev.data.data32[2] = pick_atom(in);
		ev.data.data32[3] = input_u32(in);
		ev.data.data32[4] = input_u32(in);
	} else {
		input_bytes(in, ev.data.data8, sizeof(ev.data.data8));
	}
	bool to_root = how & 0x20;
	uint32_t mask = to_root ? XCB_EVENT_MASK_SUBSTRUCTURE_REDIRECT |
				  XCB_EVENT_MASK_SUBSTRUCTURE_NOTIFY : 0;
	if (ev.window)
		xcb_send_event(cl->c, 0, to_root ? cl->root : ev.window, mask,
			       (const char *)&ev);
}

static void
op_set_owner(struct xclient *cl)
{
	struct input *in = cl->in;
	uint8_t which = input_u8(in);
	xcb_atom_t selection = which % 3 == 0 ? atoms[A_CLIPBOARD] :
			       which % 3 == 1 ? atoms[A_PRIMARY] : pick_atom(in);
	xcb_window_t owner = which & 0x80 ? XCB_NONE : pick_window(cl);
	xcb_timestamp_t time = which & 0x40 ? input_u32(in) : XCB_CURRENT_TIME;
	cl->answer = input_u8(in) % ANSWER_COUNT;
	xcb_set_selection_owner(cl->c, owner, selection, time);
}

static void
op_incr_chunk(struct xclient *cl)
{
	static uint8_t buf[8192];
	struct input *in = cl->in;
	size_t len = input_u8(in) & 1 ? 0 : input_range(in, 0, sizeof(buf));
	fill_data(in, buf, len, true);
	xcb_atom_t type = pick_atom(in);
	if (cl->incr_window)
		xcb_change_property(cl->c, XCB_PROP_MODE_REPLACE, cl->incr_window,
				    cl->incr_property, type, 8, (uint32_t)len, buf);
}

static void
op_convert(struct xclient *cl)
{
	xcb_window_t requestor = pick_window(cl);
	xcb_atom_t selection = pick_atom(cl->in), target = pick_atom(cl->in);
	xcb_atom_t property = pick_atom(cl->in);
	if (requestor)
		xcb_convert_selection(cl->c, requestor, selection, target, property,
				      XCB_CURRENT_TIME);
}

/* The answer set by the last set-owner: the owner's side of ICCCM §2.2,
 * followed or not. */
static void
answer_request(struct xclient *cl, xcb_selection_request_event_t *req,
	       xcb_atom_t property)
{
	static uint8_t buf[1024];
	struct input *in = cl->in;
	if (cl->answer == ANSWER_INCR) {
		uint32_t size = input_u32(in);
		xcb_change_property(cl->c, XCB_PROP_MODE_REPLACE, req->requestor,
				    property, atoms[A_INCR], 32, 1, &size);
		cl->incr_window = req->requestor;
		cl->incr_property = property;
		return;
	}
	if (req->target == atoms[A_TARGETS] && !(input_u8(in) & 0x80)) {
		xcb_atom_t list[32];
		uint32_t n = input_range(in, 0, 32);
		for (uint32_t i = 0; i < n; i++)
			list[i] = pick_atom(in);
		xcb_atom_t type = input_u8(in) & 1 ? XCB_ATOM_ATOM : pick_atom(in);
		xcb_change_property(cl->c, XCB_PROP_MODE_REPLACE, req->requestor,
				    property, type, 32, n, list);
		return;
	}
	size_t len = input_range(in, 0, sizeof(buf));
	fill_data(in, buf, len, false);
	xcb_change_property(cl->c, XCB_PROP_MODE_REPLACE, req->requestor, property,
			    pick_atom(in), 8, (uint32_t)len, buf);
}

static void
handle_selection_request(struct xclient *cl, xcb_selection_request_event_t *req)
{
	cl->last_request = *req;
	if (cl->answer == ANSWER_NEVER)
		return;
	xcb_atom_t property = req->property ? req->property : req->target;
	if (cl->answer == ANSWER_PROPERTY || cl->answer == ANSWER_INCR)
		answer_request(cl, req, property);
	else if (cl->answer == ANSWER_NONE)
		property = XCB_NONE;
	else
		property = pick_atom(cl->in);
	xcb_selection_notify_event_t ev = {
		.response_type = XCB_SELECTION_NOTIFY,
		.time = req->time,
		.requestor = req->requestor,
		.selection = req->selection,
		.target = req->target,
		.property = property,
	};
	xcb_send_event(cl->c, 0, req->requestor, 0, (const char *)&ev);
	xcb_flush(cl->c);
}

static void
run_op(struct xclient *cl, enum op op)
{
	switch (op) {
	case OP_CREATE: op_create(cl); break;
	case OP_MAP: case OP_UNMAP: case OP_DESTROY: case OP_REPARENT:
	case OP_FOCUS:
		op_window(cl, op);
		break;
	case OP_CONFIGURE: op_configure(cl); break;
	case OP_PROPERTY: op_property(cl); break;
	case OP_TRANSIENT: op_transient(cl); break;
	case OP_DELETE_PROPERTY: op_delete_property(cl); break;
	case OP_CLIENT_MESSAGE: op_client_message(cl); break;
	case OP_SET_OWNER: op_set_owner(cl); break;
	case OP_INCR_CHUNK: op_incr_chunk(cl); break;
	case OP_CONVERT: op_convert(cl); break;
	case OP_SETTLE: settle(cl); break;
	case OP_HOST_CONFIGURE: xhost_configure(cl->xw->xh, cl->in); break;
	case OP_HOST_CLOSE: xhost_close(cl->xw->xh, cl->in); break;
	case OP_RENOTIFY:
		if (cl->last_request.requestor)
			handle_selection_request(cl, &cl->last_request);
		break;
	case OP_COUNT: break;
	}
}

/* Atoms live as long as the X server: interned once per process. */
static void
intern_atoms(struct xworld *xw, xcb_connection_t *c)
{
	static bool done;
	if (done)
		return;
	FUZZ_CHECK(strcmp(atom_names[A_CLIPBOARD], "CLIPBOARD") == 0 &&
		   strcmp(atom_names[A_PRIMARY], "PRIMARY") == 0 &&
		   strcmp(atom_names[A_TARGETS], "TARGETS") == 0 &&
		   strcmp(atom_names[A_INCR], "INCR") == 0,
		   "enum atom_index does not match atom_names");
	xcb_intern_atom_cookie_t cookies[N_ATOMS];
	for (size_t i = 0; i < N_ATOMS; i++)
		cookies[i] = xcb_intern_atom(c, 0, strlen(atom_names[i]), atom_names[i]);
	xcb_flush(c);
	for (size_t i = 0; i < N_ATOMS; i++) {
		xcb_intern_atom_reply_t *r = NULL;
		xcb_generic_error_t *e = NULL;
		for (int waited = 0; !xcb_poll_for_reply(c, cookies[i].sequence,
				(void **)&r, &e); waited++) {
			FUZZ_CHECK(waited < SYNC_TIMEOUT_MS, "no InternAtom reply");
			xworld_round(xw, xcb_get_file_descriptor(c), 1);
		}
		FUZZ_CHECK(r, "InternAtom %s failed", atom_names[i]);
		atoms[i] = r->atom;
		free(r);
		free(e);
	}
	done = true;
}

/* Xwayland destroys a window's wl_surface about a second after the
 * window (xwl_window's delayed surface destruction), and the proxy frees
 * the surface's host buffers then: inputs that come faster would pile up
 * the host memory of Xwayland's connection until the proxy's bound
 * (GUEST_CLIENT_HOST_MEMORY_LIMIT) disconnects Xwayland, which a run
 * once did (README, findings).  Past a quarter of the bound, wait until
 * it has come down: the proxy must free them. */
static void
wait_host_memory(struct xworld *xw)
{
	struct guest_client *gc = xw->xwm->gc;
	for (int waited = 0; gc->host_memory > GUEST_CLIENT_HOST_MEMORY_LIMIT / 4;
	     waited++) {
		FUZZ_CHECK(waited < SYNC_TIMEOUT_MS, "Xwayland's connection still "
			   "holds %zu bytes of host buffers %d ms after their "
			   "windows went", gc->host_memory, SYNC_TIMEOUT_MS);
		xworld_round(xw, -1, 1);
	}
}

/* The client has gone: its windows go (X destroys them), and with them
 * everything the WM and the host kept for them. */
static void
check_forgotten(struct xworld *xw)
{
	struct xwm *xwm = xw->xwm;
	for (int waited = 0; !wl_list_empty(&xwm->windows); waited++) {
		FUZZ_CHECK(waited < SYNC_TIMEOUT_MS, "the window manager still "
			   "tracks %d windows after their client left",
			   wl_list_length(&xwm->windows));
		xworld_round(xw, -1, 1);
	}
	world_settle(xw->w, -1, NULL, NULL);
	FUZZ_CHECK(xhost_toplevel_count(xw->xh) == 0, "the host still has %d "
		   "toplevels after their X client left",
		   xhost_toplevel_count(xw->xh));
	wait_host_memory(xw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xworld *xw = xworld_get();
	struct input in;
	input_init(&in, data, size);
	struct xclient cl = { .xw = xw, .in = &in };
	cl.c = xworld_connect(xw);
	intern_atoms(xw, cl.c);
	cl.root = xcb_setup_roots_iterator(xcb_get_setup(cl.c)).data->root;
	xw->w->server->last_host_error[0] = '\0';

	for (int ops = 0; ops < 256 && !input_done(&in) &&
			  !xcb_connection_has_error(cl.c); ops++)
		run_op(&cl, input_u8(&in) % OP_COUNT);
	settle(&cl);
	xcb_disconnect(cl.c);
	check_forgotten(xw);
	FUZZ_CHECK(!xw->w->server->last_host_error[0], "the host raised a "
		   "protocol error on what the proxy relayed: %s",
		   xw->w->server->last_host_error);
	return 0;
}
