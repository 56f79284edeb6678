/*
 * The clipboard and the primary selection between X11 and Wayland:
 * CLIPBOARD through the host's wl_data_device, PRIMARY through its
 * zwp_primary_selection_device_v1 (where the host has one; weston 10 has
 * not), both on Xwayland's own host connection, which is the one the host
 * gives the selection to while an X window has the keyboard focus, and
 * whose input serials set_selection needs.
 *
 * X owner → host: on XFixes SelectionNotify the owner's TARGETS become the
 * mime types of a wl_data_source of ours (UTF8_STRING as
 * text/plain;charset=utf-8, STRING and TEXT as text/plain, types with a '/'
 * by their own name); a paste on the host (source.send) converts the
 * selection into a window of the transfer's own, reads the property (INCR
 * chunk by chunk when the owner sends it so) and writes it to the host's
 * fd.
 *
 * Host selection → X: we own the X selection; a SelectionRequest is
 * answered with TARGETS from the offer's mime types, else the offer is
 * received into a channel pipe and its bytes put on the requestor's
 * property, in INCR chunks of XSEL_INCR_CHUNK when larger.
 *
 * Nothing waits: X replies come through xwm_expect, fds are non-blocking
 * and watched from the loop; a transfer holds at most XSEL_MAX_BYTES.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-client-protocol.h>
#include <xcb/xfixes.h>

#include "primary-selection-unstable-v1-client-protocol.h"

#include "channel.h"
#include "client.h"
#include "log.h"
#include "server.h"
#include "xwm_internal.h"

#define XSEL_INCR_CHUNK (64 * 1024)
#define XSEL_MAX_BYTES ((size_t)256 << 20)
#define XSEL_MAX_TARGETS 256

struct xsel_offer {
	struct xwm_selection *sel;
	struct wl_proxy *offer; /* wl_data_offer or zwp_primary_selection_offer_v1 */
	struct wl_array mimes; /* char *, owned */
	struct wl_array atoms; /* xcb_atom_t per mime, once interned */
	size_t interned;
	struct wl_list link;   /* xwm_selection.offers */
};

struct xsel_transfer {
	struct xwm_selection *sel;
	struct wl_list link; /* xwm_selection.transfers */
	bool to_x;           /* host offer → X requestor */

	/* X → host */
	xcb_window_t window; /* ours, the conversion's target; 0 while queued */
	xcb_atom_t x_target; /* what to convert to */
	int host_fd;         /* the host's pipe: written through the channel */
	bool incr, x_done;

	/* host → X */
	int local_fd;        /* channel pipe: read through the channel */
	xcb_window_t requestor;
	xcb_atom_t property, target;
	bool host_done, incr_started;
	size_t sent;

	struct wl_event_source *source;
	char *data;
	size_t len, cap, written;
};

/* What differs between the clipboard (wl_data_*) and the primary
 * selection (zwp_primary_selection_*_v1) on the host: the same requests
 * under other names. */
struct xsel_host_ops {
	struct wl_proxy *(*create_source)(struct xwm_selection *sel);
	void (*source_offer)(struct wl_proxy *source, const char *mime);
	void (*set_selection)(struct xwm_selection *sel, struct wl_proxy *source,
			      uint32_t serial);
	void (*source_destroy)(struct wl_proxy *source);
	void (*offer_receive)(struct wl_proxy *offer, const char *mime, int fd);
	void (*offer_destroy)(struct wl_proxy *offer);
	void (*device_destroy)(struct wl_proxy *device);
};

struct xwm_selection {
	struct xwm *xwm;
	unsigned index; /* in xwm.selections */
	const struct xsel_host_ops *ops;
	xcb_atom_t atom;
	xcb_window_t window;
	bool own_x; /* we own the X selection for the host's */
	struct wl_proxy *device; /* on Xwayland's host connection */

	/* X owner → host */
	struct wl_proxy *source;
	bool publish_pending; /* waits for a first input serial */
	char **source_mimes;
	xcb_atom_t *source_atoms;
	size_t source_count, source_named;
	uint32_t source_generation;

	/* host → X */
	struct wl_list offers; /* xsel_offer.link */
	struct xsel_offer *current;
	uint32_t offer_generation;

	struct wl_list transfers;
	bool tearing_down; /* no new conversions */
};

static void transfer_destroy(struct xsel_transfer *t);

/* ---------------------------------------------------------------------- */
/* mime types ⇄ X targets */

static const char *
mime_for_target_name(struct xwm *xwm, xcb_atom_t atom, const char *name)
{
	if (atom == xwm->atoms[ATOM_UTF8_STRING])
		return "text/plain;charset=utf-8";
	if (atom == XCB_ATOM_STRING || strcmp(name, "TEXT") == 0)
		return "text/plain";
	return strchr(name, '/') ? name : NULL;
}

static const char *
offer_mime_for_target(struct xwm *xwm, struct xsel_offer *o, xcb_atom_t target)
{
	char **mime;
	if (target == xwm->atoms[ATOM_UTF8_STRING] || target == XCB_ATOM_STRING ||
	    target == xwm->atoms[ATOM_TEXT]) {
		const char *want[] = { "text/plain;charset=utf-8", "text/plain",
				       "UTF8_STRING", "STRING", "TEXT" };
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			wl_array_for_each(mime, &o->mimes) {
				if (strcmp(*mime, want[i]) == 0)
					return *mime;
			}
		}
		return NULL;
	}
	/* Other targets by their own name: the atom interned for it. */
	size_t i = 0;
	xcb_atom_t *a;
	wl_array_for_each(a, &o->atoms) {
		if (*a == target)
			return ((char **)o->mimes.data)[i];
		i++;
	}
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* transfers */

static void start_next_conversion(struct xwm_selection *sel);

static void
transfer_destroy(struct xsel_transfer *t)
{
	struct xwm_selection *sel = t->sel;
	bool was_conversion = !t->to_x && t->window;
	struct xwm *xwm = t->sel->xwm;
	if (t->source)
		wl_event_source_remove(t->source);
	if (t->host_fd >= 0)
		close(t->host_fd);
	if (t->local_fd >= 0)
		close(t->local_fd);
	if (t->window) {
		xcb_destroy_window(xwm->conn, t->window);
		xwm_schedule_flush(xwm);
	}
	wl_list_remove(&t->link);
	free(t->data);
	free(t);
	if (was_conversion && !sel->tearing_down)
		start_next_conversion(sel);
}

static bool
transfer_append(struct xsel_transfer *t, const void *data, size_t len)
{
	if (len == 0)
		return true;
	if (t->len + len > XSEL_MAX_BYTES)
		return false;
	if (t->len + len > t->cap) {
		size_t cap = t->cap ? t->cap : 65536;
		while (cap < t->len + len)
			cap *= 2;
		char *p = realloc(t->data, cap);
		if (!p)
			return false;
		t->data = p;
		t->cap = cap;
	}
	memcpy(t->data + t->len, data, len);
	t->len += len;
	return true;
}

static struct xsel_transfer *
transfer_new(struct xwm_selection *sel, bool to_x)
{
	struct xsel_transfer *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->sel = sel;
	t->to_x = to_x;
	t->host_fd = t->local_fd = -1;
	wl_list_insert(&sel->transfers, &t->link);
	return t;
}

/* X → host: what came from X goes to the host's fd as it can take it. */
static int handle_host_writable(int fd, uint32_t mask, void *data);

static void
write_to_host(struct xsel_transfer *t)
{
	struct wlgp_server *server = t->sel->xwm->server;
	while (t->written < t->len) {
		ssize_t n = channel_stream_write(server->channel, t->host_fd,
						 t->data + t->written,
						 t->len - t->written);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!t->source)
				t->source = wl_event_loop_add_fd(server->loop,
					t->host_fd, WL_EVENT_WRITABLE,
					handle_host_writable, t);
			return;
		}
		if (n <= 0) {
			transfer_destroy(t); /* the reader went away */
			return;
		}
		t->written += (size_t)n;
	}
	/* All written: keep the memory small while INCR goes on. */
	t->len = t->written = 0;
	if (t->source) {
		wl_event_source_remove(t->source);
		t->source = NULL;
	}
	if (t->x_done)
		transfer_destroy(t);
}

static int
handle_host_writable(int fd, uint32_t mask, void *data)
{
	struct xsel_transfer *t = data;
	if (mask & (WL_EVENT_HANGUP | WL_EVENT_ERROR)) {
		transfer_destroy(t);
		return 0;
	}
	write_to_host(t);
	return 0;
}

static struct xsel_transfer *
transfer_by_window(struct xwm_selection *sel, xcb_window_t window)
{
	struct xsel_transfer *t;
	wl_list_for_each(t, &sel->transfers, link) {
		if (!t->to_x && t->window == window)
			return t;
	}
	return NULL;
}

static struct xsel_transfer *
transfer_by_window_any(struct xwm *xwm, xcb_window_t window)
{
	for (int i = 0; i < XWM_SELECTIONS; i++) {
		struct xsel_transfer *t = xwm->selections[i] ?
			transfer_by_window(xwm->selections[i], window) : NULL;
		if (t)
			return t;
	}
	return NULL;
}

static void read_chunk(struct xsel_transfer *t);

static void
handle_chunk_reply(struct xwm *xwm, struct xwm_reply *r, void *data,
		   xcb_generic_error_t *error)
{
	struct xsel_transfer *t = transfer_by_window_any(xwm, r->window);
	xcb_get_property_reply_t *reply = error ? NULL : data;
	if (!t)
		return;
	if (!reply || reply->bytes_after) {
		transfer_destroy(t); /* gone, or larger than we read */
		return;
	}
	if (reply->type == XCB_NONE)
		return; /* nothing there (yet): the next PropertyNotify says */
	int len = xcb_get_property_value_length(reply);
	if (reply->type == xwm->atoms[ATOM_INCR] && !t->incr) {
		/* Deleting the property (we did) asks for the first chunk.  Its
		 * PropertyNotify may have been handled already (xcb gives us
		 * events before replies): look now as well.  A read that finds
		 * nothing is ignored (type None), so looking twice is safe. */
		t->incr = true;
		wlgp_debug("xwm: an X client sends its clipboard incrementally");
		read_chunk(t);
		return;
	}
	if (t->incr && len == 0) {
		t->x_done = true;
	} else if (!t->incr) {
		t->x_done = true;
	}
	if (len > 0 && !transfer_append(t, xcb_get_property_value(reply), (size_t)len)) {
		transfer_destroy(t);
		return;
	}
	write_to_host(t);
}

static void
read_chunk(struct xsel_transfer *t)
{
	struct xwm *xwm = t->sel->xwm;
	xcb_get_property_cookie_t c = xcb_get_property(xwm->conn, 1, t->window,
		xwm->atoms[ATOM_WL_SELECTION], XCB_GET_PROPERTY_TYPE_ANY, 0,
		XSEL_MAX_BYTES / 4);
	xwm_expect(xwm, c.sequence, handle_chunk_reply, t->window, XCB_NONE, 0);
}

/* One conversion at a time per selection: an owner may serve a single
 * requestor at once (xclip does, and drops a second INCR request), and the
 * host asks twice in a row often enough (weston's clipboard manager reads
 * every new selection, and the paste comes at the same time). */
static void
start_conversion(struct xsel_transfer *t)
{
	struct xwm *xwm = t->sel->xwm;
	/* A window per transfer: answers to one never mix with another's. */
	t->window = xcb_generate_id(xwm->conn);
	uint32_t mask = XCB_EVENT_MASK_PROPERTY_CHANGE;
	xcb_create_window(xwm->conn, XCB_COPY_FROM_PARENT, t->window,
			  xwm->screen->root, 0, 0, 10, 10, 0,
			  XCB_WINDOW_CLASS_INPUT_OUTPUT, xwm->screen->root_visual,
			  XCB_CW_EVENT_MASK, &mask);
	xcb_convert_selection(xwm->conn, t->window, t->sel->atom, t->x_target,
			      xwm->atoms[ATOM_WL_SELECTION], XCB_CURRENT_TIME);
	xwm_schedule_flush(xwm);
}

static void
start_next_conversion(struct xwm_selection *sel)
{
	struct xsel_transfer *t, *next = NULL;
	wl_list_for_each(t, &sel->transfers, link) {
		if (t->to_x)
			continue;
		if (t->window)
			return; /* one is running */
		next = t; /* the list is newest first: the last is the oldest */
	}
	if (next)
		start_conversion(next);
}

/* The host pastes what an X client owns. */
static void
source_send(struct xwm_selection *sel, const char *mime_type, int32_t fd)
{
	xcb_atom_t target = XCB_NONE;
	for (size_t i = 0; i < sel->source_count; i++) {
		if (sel->source_mimes[i] && strcmp(sel->source_mimes[i], mime_type) == 0)
			target = sel->source_atoms[i];
	}
	struct xsel_transfer *t = target ? transfer_new(sel, false) : NULL;
	if (!t || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		close(fd);
		if (t)
			transfer_destroy(t);
		return;
	}
	t->host_fd = fd;
	t->x_target = target;
	start_next_conversion(sel);
}

static void
free_source(struct xwm_selection *sel)
{
	if (sel->source)
		sel->ops->source_destroy(sel->source);
	sel->source = NULL;
	for (size_t i = 0; i < sel->source_count; i++)
		free(sel->source_mimes[i]);
	free(sel->source_mimes);
	free(sel->source_atoms);
	sel->source_mimes = NULL;
	sel->source_atoms = NULL;
	sel->source_count = sel->source_named = 0;
	sel->source_generation++;
	sel->publish_pending = false;
}

static void
source_cancelled(struct xwm_selection *sel, struct wl_proxy *source)
{
	if (sel->source != source)
		return;
	wlgp_debug("xwm: the host replaced the X client's %s",
		   sel->index ? "primary selection" : "clipboard");
	free_source(sel);
}

static void
publish_source(struct xwm_selection *sel)
{
	struct xwm *xwm = sel->xwm;
	if (!sel->device || !xwm->gc) {
		free_source(sel);
		return;
	}
	sel->source = sel->ops->create_source(sel);
	size_t offered = 0;
	for (size_t i = 0; i < sel->source_count; i++) {
		if (!sel->source_mimes[i])
			continue;
		/* Once per mime type: STRING and TEXT both give text/plain. */
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			dup |= sel->source_mimes[j] &&
			       strcmp(sel->source_mimes[j], sel->source_mimes[i]) == 0;
		if (!dup) {
			sel->ops->source_offer(sel->source, sel->source_mimes[i]);
			offered++;
		}
	}
	if (!offered) {
		free_source(sel);
		return;
	}
	if (!xwm->host_input_serial) {
		/* No input event on this connection yet: a host checks the
		 * serial (wlroots does), so the first one will do. */
		sel->publish_pending = true;
		return;
	}
	sel->ops->set_selection(sel, sel->source, xwm->host_input_serial);
	wlgp_debug("xwm: an X client's %s (%zu types) offered to the host "
		   "(serial %u)", sel->index ? "primary selection" : "clipboard",
		   offered, xwm->host_input_serial);
}

static void
handle_target_name(struct xwm *xwm, struct xwm_reply *r, void *data,
		   xcb_generic_error_t *error)
{
	struct xwm_selection *sel = r->window < XWM_SELECTIONS ?
		xwm->selections[r->window] : NULL;
	xcb_get_atom_name_reply_t *reply = error ? NULL : data;
	if (!sel || r->data != sel->source_generation || r->atom >= sel->source_count)
		return;
	if (reply) {
		int n = xcb_get_atom_name_name_length(reply);
		char *name = strndup(xcb_get_atom_name_name(reply), (size_t)n);
		const char *mime = name ?
			mime_for_target_name(xwm, sel->source_atoms[r->atom], name) : NULL;
		sel->source_mimes[r->atom] = mime ? strdup(mime) : NULL;
		free(name);
	}
	if (++sel->source_named == sel->source_count)
		publish_source(sel);
}

static void
handle_targets_reply(struct xwm *xwm, struct xwm_reply *r, void *data,
		     xcb_generic_error_t *error)
{
	struct xwm_selection *sel = r->window < XWM_SELECTIONS ?
		xwm->selections[r->window] : NULL;
	xcb_get_property_reply_t *reply = error ? NULL : data;
	/* One TARGETS list per owner: an owner that answered twice (or was
	 * set twice before our first conversion was answered) gives a
	 * second reply of the same generation, which would leak the first
	 * list and mix the two lists' names. */
	if (!sel || r->data != sel->source_generation || sel->source_mimes ||
	    !reply || reply->type != XCB_ATOM_ATOM || reply->format != 32)
		return;
	size_t n = (size_t)xcb_get_property_value_length(reply) / 4;
	if (n > XSEL_MAX_TARGETS)
		n = XSEL_MAX_TARGETS;
	const xcb_atom_t *atoms = xcb_get_property_value(reply);
	sel->source_mimes = calloc(n ? n : 1, sizeof(char *));
	sel->source_atoms = calloc(n ? n : 1, sizeof(xcb_atom_t));
	if (!sel->source_mimes || !sel->source_atoms)
		return;
	sel->source_count = n;
	for (size_t i = 0; i < n; i++) {
		sel->source_atoms[i] = atoms[i];
		xcb_get_atom_name_cookie_t c = xcb_get_atom_name(xwm->conn, atoms[i]);
		xwm_expect(xwm, c.sequence, handle_target_name, sel->index,
			   (xcb_atom_t)i, sel->source_generation);
	}
}

/* ---------------------------------------------------------------------- */
/* host selection → X requestors */

static int handle_local_readable(int fd, uint32_t mask, void *data);

static void
send_selection_notify(struct xwm *xwm, xcb_window_t requestor, xcb_atom_t selection,
		      xcb_atom_t target, xcb_atom_t property, xcb_timestamp_t time)
{
	xcb_selection_notify_event_t ev = {
		.response_type = XCB_SELECTION_NOTIFY,
		.time = time,
		.requestor = requestor,
		.selection = selection,
		.target = target,
		.property = property,
	};
	xcb_send_event(xwm->conn, 0, requestor, XCB_EVENT_MASK_NO_EVENT,
		       (const char *)&ev);
	xwm_schedule_flush(xwm);
}

/* The next INCR chunk, or the empty one that ends it. */
static void
put_incr_chunk(struct xsel_transfer *t)
{
	struct xwm *xwm = t->sel->xwm;
	size_t n = t->len - t->sent;
	if (n > XSEL_INCR_CHUNK)
		n = XSEL_INCR_CHUNK;
	xcb_change_property(xwm->conn, XCB_PROP_MODE_REPLACE, t->requestor,
			    t->property, t->target, 8, (uint32_t)n,
			    t->data + t->sent);
	xwm_schedule_flush(xwm);
	if (n == 0) {
		transfer_destroy(t);
		return;
	}
	t->sent += n;
}

static void
finish_to_x(struct xsel_transfer *t)
{
	struct xwm *xwm = t->sel->xwm;
	if (t->len < XSEL_INCR_CHUNK) {
		xcb_change_property(xwm->conn, XCB_PROP_MODE_REPLACE, t->requestor,
				    t->property, t->target, 8, (uint32_t)t->len,
				    t->data);
		send_selection_notify(xwm, t->requestor, t->sel->atom, t->target,
				      t->property, XCB_CURRENT_TIME);
		transfer_destroy(t);
		return;
	}
	/* ICCCM INCR: announce the size; each deletion of the property by
	 * the requestor asks for the next chunk. */
	/* Its deletions tell us to go on (as for the windows we manage). */
	uint32_t mask = XCB_EVENT_MASK_PROPERTY_CHANGE | XCB_EVENT_MASK_FOCUS_CHANGE;
	xcb_change_window_attributes(xwm->conn, t->requestor, XCB_CW_EVENT_MASK,
				     &mask);
	uint32_t size = (uint32_t)t->len;
	xcb_change_property(xwm->conn, XCB_PROP_MODE_REPLACE, t->requestor,
			    t->property, xwm->atoms[ATOM_INCR], 32, 1, &size);
	send_selection_notify(xwm, t->requestor, t->sel->atom, t->target,
			      t->property, XCB_CURRENT_TIME);
	t->incr_started = true;
	wlgp_debug("xwm: %zu bytes of the host's clipboard go to an X client "
		   "incrementally", t->len);
}

static int
handle_local_readable(int fd, uint32_t mask, void *data)
{
	struct xsel_transfer *t = data;
	struct wlgp_server *server = t->sel->xwm->server;
	char buf[65536];
	for (int i = 0; i < 16; i++) {
		ssize_t n = channel_stream_read(server->channel, t->local_fd, buf,
						sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0 || !transfer_append(t, buf, n > 0 ? (size_t)n : 0)) {
			send_selection_notify(t->sel->xwm, t->requestor, t->sel->atom,
					      t->target, XCB_NONE, XCB_CURRENT_TIME);
			transfer_destroy(t);
			return 0;
		}
		if (n == 0) {
			wl_event_source_remove(t->source);
			t->source = NULL;
			close(t->local_fd);
			t->local_fd = -1;
			t->host_done = true;
			finish_to_x(t);
			return 0;
		}
	}
	return 0;
}

static void
answer_targets(struct xwm_selection *sel, xcb_selection_request_event_t *req,
	       xcb_atom_t property)
{
	struct xwm *xwm = sel->xwm;
	xcb_atom_t atoms[XSEL_MAX_TARGETS];
	uint32_t n = 0;
	atoms[n++] = xwm->atoms[ATOM_TARGETS];
	atoms[n++] = xwm->atoms[ATOM_TIMESTAMP];
	char **mime;
	bool text = false;
	wl_array_for_each(mime, &sel->current->mimes) {
		if (strncmp(*mime, "text/plain", 10) == 0)
			text = true;
	}
	if (text) {
		atoms[n++] = xwm->atoms[ATOM_UTF8_STRING];
		atoms[n++] = XCB_ATOM_STRING;
		atoms[n++] = xwm->atoms[ATOM_TEXT];
	}
	/* Other types by their own name: their atoms were interned when the
	 * offer came (sel->current->atoms). */
	xcb_atom_t *a;
	wl_array_for_each(a, &sel->current->atoms) {
		if (n < XSEL_MAX_TARGETS && *a)
			atoms[n++] = *a;
	}
	xcb_change_property(xwm->conn, XCB_PROP_MODE_REPLACE, req->requestor,
			    property, XCB_ATOM_ATOM, 32, n, atoms);
	send_selection_notify(xwm, req->requestor, req->selection, req->target,
			      property, req->time);
}

static void
handle_selection_request(struct xwm_selection *sel, xcb_selection_request_event_t *req)
{
	struct xwm *xwm = sel->xwm;
	/* Obsolete clients name no property: the target stands in. */
	xcb_atom_t property = req->property ? req->property : req->target;
	if (!sel->own_x || !sel->current || req->requestor == sel->window) {
		send_selection_notify(xwm, req->requestor, req->selection,
				      req->target, XCB_NONE, req->time);
		return;
	}
	if (req->target == xwm->atoms[ATOM_TARGETS]) {
		answer_targets(sel, req, property);
		return;
	}
	if (req->target == xwm->atoms[ATOM_TIMESTAMP]) {
		uint32_t time = XCB_CURRENT_TIME;
		xcb_change_property(xwm->conn, XCB_PROP_MODE_REPLACE, req->requestor,
				    property, XCB_ATOM_INTEGER, 32, 1, &time);
		send_selection_notify(xwm, req->requestor, req->selection,
				      req->target, property, req->time);
		return;
	}
	const char *mime = offer_mime_for_target(xwm, sel->current, req->target);
	struct channel_pipe pipe = { .host_fd = -1, .local_fd = -1 };
	struct xsel_transfer *t = mime && xwm->gc ? transfer_new(sel, true) : NULL;
	if (!t || channel_new_pipe(xwm->server->channel, &pipe) < 0) {
		if (t)
			transfer_destroy(t);
		send_selection_notify(xwm, req->requestor, req->selection,
				      req->target, XCB_NONE, req->time);
		return;
	}
	t->local_fd = pipe.local_fd;
	t->requestor = req->requestor;
	t->property = property;
	t->target = req->target;
	sel->ops->offer_receive(sel->current->offer, mime, pipe.host_fd);
	close(pipe.host_fd);
	t->source = wl_event_loop_add_fd(xwm->server->loop, t->local_fd,
					 WL_EVENT_READABLE, handle_local_readable, t);
	if (!t->source) {
		send_selection_notify(xwm, req->requestor, req->selection,
				      req->target, XCB_NONE, req->time);
		transfer_destroy(t);
	}
}

/* ---------------------------------------------------------------------- */
/* the host's data device */

static void
offer_destroy(struct xsel_offer *o)
{
	if (o->sel->current == o)
		o->sel->current = NULL;
	char **mime;
	wl_array_for_each(mime, &o->mimes)
		free(*mime);
	wl_array_release(&o->mimes);
	wl_array_release(&o->atoms);
	o->sel->ops->offer_destroy(o->offer);
	wl_list_remove(&o->link);
	free(o);
}

static struct xsel_offer *
offer_find(struct xwm_selection *sel, struct wl_proxy *offer)
{
	struct xsel_offer *o;
	wl_list_for_each(o, &sel->offers, link) {
		if (o->offer == offer)
			return o;
	}
	return NULL;
}

static void
offer_add_mime(struct xsel_offer *o, const char *mime)
{
	if (o->mimes.size / sizeof(char *) >= XSEL_MAX_TARGETS)
		return;
	char **slot = wl_array_add(&o->mimes, sizeof(*slot));
	if (slot && !(*slot = strdup(mime)))
		o->mimes.size -= sizeof(*slot);
}

static struct xsel_offer *
new_offer(struct xwm_selection *sel, struct wl_proxy *offer)
{
	struct xsel_offer *o = calloc(1, sizeof(*o));
	if (!o) {
		sel->ops->offer_destroy(offer);
		return NULL;
	}
	o->sel = sel;
	o->offer = offer;
	wl_array_init(&o->mimes);
	wl_array_init(&o->atoms);
	wl_list_insert(&sel->offers, &o->link);
	return o;
}

static void
take_x_selection(struct xwm_selection *sel)
{
	struct xwm *xwm = sel->xwm;
	xcb_set_selection_owner(xwm->conn, sel->window, sel->atom, XCB_CURRENT_TIME);
	/* At once: an X client asking meanwhile must find us the owner. */
	xcb_flush(xwm->conn);
	sel->own_x = true;
	wlgp_debug("xwm: the host's %s offered to X clients",
		   sel->index ? "primary selection" : "clipboard");
}

static void
handle_mime_atom(struct xwm *xwm, struct xwm_reply *r, void *data,
		 xcb_generic_error_t *error)
{
	struct xwm_selection *sel = r->window < XWM_SELECTIONS ?
		xwm->selections[r->window] : NULL;
	xcb_intern_atom_reply_t *reply = error ? NULL : data;
	/* Only for the offer that is still the selection. */
	struct xsel_offer *o = sel ? sel->current : NULL;
	if (!o || r->data != sel->offer_generation)
		return;
	if (r->atom < o->atoms.size / sizeof(xcb_atom_t))
		((xcb_atom_t *)o->atoms.data)[r->atom] = reply ? reply->atom : XCB_NONE;
	if (++o->interned == o->atoms.size / sizeof(xcb_atom_t))
		take_x_selection(sel);
}

static void
device_selection(struct xwm_selection *sel, struct wl_proxy *offer)
{
	struct xwm *xwm = sel->xwm;
	struct xsel_offer *o = offer ? offer_find(sel, offer) : NULL;
	struct xsel_offer *old = sel->current;
	sel->current = o;
	sel->offer_generation++;
	if (old && old != o)
		offer_destroy(old);
	if (!o) {
		if (sel->own_x) {
			xcb_set_selection_owner(xwm->conn, XCB_NONE, sel->atom,
						XCB_CURRENT_TIME);
			xwm_schedule_flush(xwm);
			sel->own_x = false;
		}
		return;
	}
	/* The selection is our own source's, taken from an X client: X has it
	 * already. */
	if (sel->source)
		return;
	size_t n = o->mimes.size / sizeof(char *);
	if (!n)
		return;
	xcb_atom_t *atoms = wl_array_add(&o->atoms, n * sizeof(xcb_atom_t));
	if (!atoms)
		return;
	memset(atoms, 0, n * sizeof(xcb_atom_t));
	for (size_t i = 0; i < n; i++) {
		const char *mime = ((char **)o->mimes.data)[i];
		xcb_intern_atom_cookie_t c = xcb_intern_atom(xwm->conn, 0,
			(uint16_t)strnlen(mime, 1024), mime);
		xwm_expect(xwm, c.sequence, handle_mime_atom, sel->index,
			   (xcb_atom_t)i, sel->offer_generation);
	}
}

/* ---------------------------------------------------------------------- */
/* the clipboard's host protocol: wl_data_* */

static void
data_source_target(void *data, struct wl_data_source *source, const char *mime)
{
}

static void
data_source_send(void *data, struct wl_data_source *source, const char *mime,
		 int32_t fd)
{
	source_send(data, mime, fd);
}

static void
data_source_cancelled(void *data, struct wl_data_source *source)
{
	source_cancelled(data, (struct wl_proxy *)source);
}

static void
data_source_dnd_drop_performed(void *data, struct wl_data_source *source)
{
}

static void
data_source_dnd_finished(void *data, struct wl_data_source *source)
{
}

static void
data_source_action(void *data, struct wl_data_source *source, uint32_t action)
{
}

static const struct wl_data_source_listener data_source_listener = {
	.target = data_source_target,
	.send = data_source_send,
	.cancelled = data_source_cancelled,
	.dnd_drop_performed = data_source_dnd_drop_performed,
	.dnd_finished = data_source_dnd_finished,
	.action = data_source_action,
};

static void
data_offer_offer(void *data, struct wl_data_offer *offer, const char *mime)
{
	offer_add_mime(data, mime);
}

static void
data_offer_source_actions(void *data, struct wl_data_offer *offer, uint32_t a)
{
}

static void
data_offer_action(void *data, struct wl_data_offer *offer, uint32_t a)
{
}

static const struct wl_data_offer_listener data_offer_listener = {
	.offer = data_offer_offer,
	.source_actions = data_offer_source_actions,
	.action = data_offer_action,
};

static void
data_device_data_offer(void *data, struct wl_data_device *device,
		       struct wl_data_offer *offer)
{
	struct xsel_offer *o = new_offer(data, (struct wl_proxy *)offer);
	if (o)
		wl_data_offer_add_listener(offer, &data_offer_listener, o);
}

static void
data_device_enter(void *data, struct wl_data_device *device, uint32_t serial,
		  struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y,
		  struct wl_data_offer *offer)
{
	/* Drag-and-drop is not bridged to X. */
	struct xsel_offer *o = offer ? offer_find(data, (struct wl_proxy *)offer) : NULL;
	if (o)
		offer_destroy(o);
}

static void
data_device_leave(void *data, struct wl_data_device *device)
{
}

static void
data_device_motion(void *data, struct wl_data_device *device, uint32_t time,
		   wl_fixed_t x, wl_fixed_t y)
{
}

static void
data_device_drop(void *data, struct wl_data_device *device)
{
}

static void
data_device_selection(void *data, struct wl_data_device *device,
		      struct wl_data_offer *offer)
{
	device_selection(data, (struct wl_proxy *)offer);
}

static const struct wl_data_device_listener data_device_listener = {
	.data_offer = data_device_data_offer,
	.enter = data_device_enter,
	.leave = data_device_leave,
	.motion = data_device_motion,
	.drop = data_device_drop,
	.selection = data_device_selection,
};

static struct wl_proxy *
data_create_source(struct xwm_selection *sel)
{
	struct wl_data_source *source =
		wl_data_device_manager_create_data_source(sel->xwm->host_data_manager);
	wl_data_source_add_listener(source, &data_source_listener, sel);
	return (struct wl_proxy *)source;
}

static void
data_source_offer_mime(struct wl_proxy *source, const char *mime)
{
	wl_data_source_offer((struct wl_data_source *)source, mime);
}

static void
data_set_selection(struct xwm_selection *sel, struct wl_proxy *source,
		   uint32_t serial)
{
	wl_data_device_set_selection((struct wl_data_device *)sel->device,
				     (struct wl_data_source *)source, serial);
}

static void
data_source_destroy(struct wl_proxy *source)
{
	wl_data_source_destroy((struct wl_data_source *)source);
}

static void
data_offer_receive(struct wl_proxy *offer, const char *mime, int fd)
{
	wl_data_offer_receive((struct wl_data_offer *)offer, mime, fd);
}

static void
data_offer_destroy(struct wl_proxy *offer)
{
	wl_data_offer_destroy((struct wl_data_offer *)offer);
}

static void
data_device_destroy(struct wl_proxy *device)
{
	wl_data_device_destroy((struct wl_data_device *)device);
}

static const struct xsel_host_ops clipboard_ops = {
	.create_source = data_create_source,
	.source_offer = data_source_offer_mime,
	.set_selection = data_set_selection,
	.source_destroy = data_source_destroy,
	.offer_receive = data_offer_receive,
	.offer_destroy = data_offer_destroy,
	.device_destroy = data_device_destroy,
};

/* ---------------------------------------------------------------------- */
/* the primary selection's host protocol: zwp_primary_selection_*_v1 */

static void
primary_source_send(void *data, struct zwp_primary_selection_source_v1 *source,
		    const char *mime, int32_t fd)
{
	source_send(data, mime, fd);
}

static void
primary_source_cancelled(void *data, struct zwp_primary_selection_source_v1 *source)
{
	source_cancelled(data, (struct wl_proxy *)source);
}

static const struct zwp_primary_selection_source_v1_listener primary_source_listener = {
	.send = primary_source_send,
	.cancelled = primary_source_cancelled,
};

static void
primary_offer_offer(void *data, struct zwp_primary_selection_offer_v1 *offer,
		    const char *mime)
{
	offer_add_mime(data, mime);
}

static const struct zwp_primary_selection_offer_v1_listener primary_offer_listener = {
	.offer = primary_offer_offer,
};

static void
primary_device_data_offer(void *data, struct zwp_primary_selection_device_v1 *device,
			  struct zwp_primary_selection_offer_v1 *offer)
{
	struct xsel_offer *o = new_offer(data, (struct wl_proxy *)offer);
	if (o)
		zwp_primary_selection_offer_v1_add_listener(offer,
			&primary_offer_listener, o);
}

static void
primary_device_selection(void *data, struct zwp_primary_selection_device_v1 *device,
			 struct zwp_primary_selection_offer_v1 *offer)
{
	device_selection(data, (struct wl_proxy *)offer);
}

static const struct zwp_primary_selection_device_v1_listener primary_device_listener = {
	.data_offer = primary_device_data_offer,
	.selection = primary_device_selection,
};

static struct wl_proxy *
primary_create_source(struct xwm_selection *sel)
{
	struct zwp_primary_selection_source_v1 *source =
		zwp_primary_selection_device_manager_v1_create_source(
			sel->xwm->host_primary_manager);
	zwp_primary_selection_source_v1_add_listener(source,
		&primary_source_listener, sel);
	return (struct wl_proxy *)source;
}

static void
primary_source_offer_mime(struct wl_proxy *source, const char *mime)
{
	zwp_primary_selection_source_v1_offer(
		(struct zwp_primary_selection_source_v1 *)source, mime);
}

static void
primary_set_selection(struct xwm_selection *sel, struct wl_proxy *source,
		      uint32_t serial)
{
	zwp_primary_selection_device_v1_set_selection(
		(struct zwp_primary_selection_device_v1 *)sel->device,
		(struct zwp_primary_selection_source_v1 *)source, serial);
}

static void
primary_source_destroy(struct wl_proxy *source)
{
	zwp_primary_selection_source_v1_destroy(
		(struct zwp_primary_selection_source_v1 *)source);
}

static void
primary_offer_receive(struct wl_proxy *offer, const char *mime, int fd)
{
	zwp_primary_selection_offer_v1_receive(
		(struct zwp_primary_selection_offer_v1 *)offer, mime, fd);
}

static void
primary_offer_destroy(struct wl_proxy *offer)
{
	zwp_primary_selection_offer_v1_destroy(
		(struct zwp_primary_selection_offer_v1 *)offer);
}

static void
primary_device_destroy(struct wl_proxy *device)
{
	zwp_primary_selection_device_v1_destroy(
		(struct zwp_primary_selection_device_v1 *)device);
}

static const struct xsel_host_ops primary_ops = {
	.create_source = primary_create_source,
	.source_offer = primary_source_offer_mime,
	.set_selection = primary_set_selection,
	.source_destroy = primary_source_destroy,
	.offer_receive = primary_offer_receive,
	.offer_destroy = primary_offer_destroy,
	.device_destroy = primary_device_destroy,
};

/* ---------------------------------------------------------------------- */
/* X events */

static void
handle_xfixes_notify(struct xwm_selection *sel, xcb_xfixes_selection_notify_event_t *ev)
{
	struct xwm *xwm = sel->xwm;
	if (ev->owner == sel->window)
		return; /* our own ownership for the host's selection */
	wlgp_debug("xwm: X %s owner now 0x%x", sel->index ? "PRIMARY" : "CLIPBOARD",
		   ev->owner);
	sel->own_x = false;
	free_source(sel);
	if (ev->owner == XCB_NONE)
		return;
	/* A new X owner: what does it offer? */
	xcb_convert_selection(xwm->conn, sel->window, sel->atom,
			      xwm->atoms[ATOM_TARGETS],
			      xwm->atoms[ATOM_WL_SELECTION], ev->timestamp);
	xwm_schedule_flush(xwm);
}

static void
handle_selection_notify(struct xwm_selection *sel, xcb_selection_notify_event_t *ev)
{
	struct xwm *xwm = sel->xwm;
	if (ev->requestor == sel->window && ev->target == xwm->atoms[ATOM_TARGETS]) {
		if (ev->property == XCB_NONE)
			return;
		xcb_get_property_cookie_t c = xcb_get_property(xwm->conn, 1,
			sel->window, xwm->atoms[ATOM_WL_SELECTION], XCB_ATOM_ATOM,
			0, XSEL_MAX_TARGETS);
		xwm_expect(xwm, c.sequence, handle_targets_reply, sel->index,
			   XCB_NONE, sel->source_generation);
		return;
	}
	struct xsel_transfer *t = transfer_by_window(sel, ev->requestor);
	if (!t)
		return;
	if (ev->property == XCB_NONE) {
		transfer_destroy(t); /* the owner refused */
		return;
	}
	read_chunk(t);
}

static void
handle_property_notify(struct xwm_selection *sel, xcb_property_notify_event_t *ev)
{
	struct xwm *xwm = sel->xwm;
	struct xsel_transfer *t, *tmp;
	wl_list_for_each_safe(t, tmp, &sel->transfers, link) {
		if (!t->to_x && t->window == ev->window && t->incr && !t->x_done &&
		    ev->atom == xwm->atoms[ATOM_WL_SELECTION] &&
		    ev->state == XCB_PROPERTY_NEW_VALUE) {
			read_chunk(t);
		} else if (t->to_x && t->incr_started && t->requestor == ev->window &&
			   t->property == ev->atom &&
			   ev->state == XCB_PROPERTY_DELETE) {
			put_incr_chunk(t);
		}
	}
}

static bool
selection_handle_event(struct xwm_selection *sel, xcb_generic_event_t *ev)
{
	struct xwm *xwm = sel->xwm;
	uint8_t type = ev->response_type & 0x7f;
	if (type == xwm->xfixes_event_base + XCB_XFIXES_SELECTION_NOTIFY) {
		xcb_xfixes_selection_notify_event_t *n =
			(xcb_xfixes_selection_notify_event_t *)ev;
		if (n->selection != sel->atom)
			return false;
		handle_xfixes_notify(sel, n);
		return true;
	}
	switch (type) {
	case XCB_SELECTION_REQUEST: {
		xcb_selection_request_event_t *req = (xcb_selection_request_event_t *)ev;
		if (req->selection != sel->atom)
			return false;
		handle_selection_request(sel, req);
		return true;
	}
	case XCB_SELECTION_NOTIFY: {
		xcb_selection_notify_event_t *n = (xcb_selection_notify_event_t *)ev;
		if (n->selection != sel->atom)
			return false;
		handle_selection_notify(sel, n);
		return true;
	}
	case XCB_PROPERTY_NOTIFY:
		handle_property_notify(sel, (xcb_property_notify_event_t *)ev);
		return false; /* window.c may want it too */
	}
	return false;
}

bool
xwm_selection_handle_event(struct xwm *xwm, xcb_generic_event_t *ev)
{
	if (!xwm->xfixes_event_base)
		return false;
	bool taken = false;
	for (int i = 0; i < XWM_SELECTIONS && !taken; i++) {
		if (xwm->selections[i])
			taken = selection_handle_event(xwm->selections[i], ev);
	}
	return taken;
}

bool
xwm_selection_owns_window(struct xwm *xwm, xcb_window_t window)
{
	for (int i = 0; i < XWM_SELECTIONS; i++) {
		struct xwm_selection *sel = xwm->selections[i];
		if (sel && (window == sel->window || transfer_by_window(sel, window)))
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* set-up */

void
xwm_selection_input_serial(struct xwm *xwm)
{
	for (int i = 0; i < XWM_SELECTIONS; i++) {
		struct xwm_selection *sel = xwm->selections[i];
		if (sel && sel->publish_pending && sel->source) {
			sel->publish_pending = false;
			sel->ops->set_selection(sel, sel->source, xwm->host_input_serial);
		}
	}
}

void
xwm_selection_host_ready(struct xwm *xwm)
{
	struct xwm_selection *clipboard = xwm->selections[XWM_CLIPBOARD];
	struct xwm_selection *primary = xwm->selections[XWM_PRIMARY];
	if (!xwm->host_seat)
		return;
	if (clipboard && !clipboard->device && xwm->host_data_manager) {
		struct wl_data_device *device = wl_data_device_manager_get_data_device(
			xwm->host_data_manager, xwm->host_seat);
		wl_data_device_add_listener(device, &data_device_listener, clipboard);
		clipboard->device = (struct wl_proxy *)device;
	}
	if (primary && !primary->device && xwm->host_primary_manager) {
		struct zwp_primary_selection_device_v1 *device =
			zwp_primary_selection_device_manager_v1_get_device(
				xwm->host_primary_manager, xwm->host_seat);
		zwp_primary_selection_device_v1_add_listener(device,
			&primary_device_listener, primary);
		primary->device = (struct wl_proxy *)device;
	}
}

static struct xwm_selection *
selection_create(struct xwm *xwm, unsigned index, xcb_atom_t atom,
		 const struct xsel_host_ops *ops)
{
	struct xwm_selection *sel = calloc(1, sizeof(*sel));
	if (!sel)
		return NULL;
	sel->xwm = xwm;
	sel->index = index;
	sel->ops = ops;
	sel->atom = atom;
	wl_list_init(&sel->offers);
	wl_list_init(&sel->transfers);
	/* A window per selection: one shared by both raced (wlroots
	 * 2fa257313). */
	sel->window = xcb_generate_id(xwm->conn);
	uint32_t mask = XCB_EVENT_MASK_PROPERTY_CHANGE;
	xcb_create_window(xwm->conn, XCB_COPY_FROM_PARENT, sel->window,
			  xwm->screen->root, 0, 0, 10, 10, 0,
			  XCB_WINDOW_CLASS_INPUT_OUTPUT, xwm->screen->root_visual,
			  XCB_CW_EVENT_MASK, &mask);
	xcb_xfixes_select_selection_input(xwm->conn, sel->window, sel->atom,
		XCB_XFIXES_SELECTION_EVENT_MASK_SET_SELECTION_OWNER |
		XCB_XFIXES_SELECTION_EVENT_MASK_SELECTION_WINDOW_DESTROY |
		XCB_XFIXES_SELECTION_EVENT_MASK_SELECTION_CLIENT_CLOSE);
	return sel;
}

void
xwm_selection_init(struct xwm *xwm)
{
	const xcb_query_extension_reply_t *ext =
		xcb_get_extension_data(xwm->conn, &xcb_xfixes_id);
	xwm->xfixes_event_base = ext->first_event;
	xwm->selections[XWM_CLIPBOARD] = selection_create(xwm, XWM_CLIPBOARD,
		xwm->atoms[ATOM_CLIPBOARD], &clipboard_ops);
	xwm->selections[XWM_PRIMARY] = selection_create(xwm, XWM_PRIMARY,
		XCB_ATOM_PRIMARY, &primary_ops);
}

/* Host objects go (the host connection is going, or the xwm). */
void
xwm_selection_drop_host(struct xwm *xwm)
{
	for (int i = 0; i < XWM_SELECTIONS; i++) {
		struct xwm_selection *sel = xwm->selections[i];
		if (!sel)
			continue;
		struct xsel_offer *o, *otmp;
		wl_list_for_each_safe(o, otmp, &sel->offers, link)
			offer_destroy(o);
		free_source(sel);
		sel->tearing_down = true;
		struct xsel_transfer *t, *ttmp;
		wl_list_for_each_safe(t, ttmp, &sel->transfers, link)
			transfer_destroy(t);
		sel->tearing_down = false;
		if (sel->device)
			sel->ops->device_destroy(sel->device);
		sel->device = NULL;
	}
}

void
xwm_selection_finish(struct xwm *xwm)
{
	xwm_selection_drop_host(xwm);
	for (int i = 0; i < XWM_SELECTIONS; i++) {
		free(xwm->selections[i]);
		xwm->selections[i] = NULL;
	}
}
