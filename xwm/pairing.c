/*
 * Pairing X windows with Xwayland's wl_surfaces, and holding a surface's
 * commits until it may show anything.
 *
 * Xwayland 22.1 names a window's surface in a WL_SURFACE_ID client message
 * carrying the surface's id in its own Wayland connection; the X and the
 * Wayland sockets are read independently, so either may come first:
 *  - message first: the id waits on the window until Xwayland's
 *    wl_compositor.create_surface makes that surface;
 *  - surface first: it waits, commits held, until the message comes.
 * Xwayland makes the surface and sends the message in the same X request
 * (the map), so a reply to an X request we send after seeing the surface
 * comes after the message: a surface still unclaimed then is not a
 * window's (a cursor) and is let go.
 *
 * xdg-shell allows no buffer before the first configure is acked (weston
 * kills the client otherwise), so a paired surface's commits wait until
 * role.c has acked; the last one is then replayed.  Nothing but commit
 * needs holding: the buffer a commit would copy and attach stays in
 * surface.c until then, and damage, regions and frame requests are
 * harmless to the host before a commit.
 */
#include <stdlib.h>
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "client.h"
#include "log.h"
#include "relay.h"
#include "surface.h"
#include "xwm_internal.h"

static struct xwm_surface *
surface_from_relay(struct xwm *xwm, struct relay_object *ro)
{
	struct xwm_surface *s;
	wl_list_for_each(s, &xwm->surfaces, link) {
		if (s->ro == ro)
			return s;
	}
	return NULL;
}

static void
surface_destroy(struct xwm_surface *s)
{
	if (s->window) {
		xwm_role_destroy(s->window);
		s->window->surface = NULL;
	}
	wl_list_remove(&s->resource_destroy.link);
	wl_list_remove(&s->commit.link);
	wl_list_remove(&s->link);
	free(s);
}

static void
handle_commit(struct wl_listener *listener, void *data)
{
	struct xwm_surface *s = wl_container_of(listener, s, commit);
	const struct surface_commit_event *ev = data;
	if (s->window)
		xwm_role_handle_commit(s->window, ev->buffer);
}

static void
handle_resource_destroy(struct wl_listener *listener, void *data)
{
	struct xwm_surface *s = wl_container_of(listener, s, resource_destroy);
	surface_destroy(s);
}

void
xwm_surface_release(struct xwm_surface *s)
{
	s->held = false;
	if (!s->commit_pending)
		return;
	s->commit_pending = false;
	relay_handle_request(s->ro, WL_SURFACE_COMMIT, NULL);
}

static void
pair(struct xwm_window *win, struct xwm_surface *s)
{
	wlgp_debug("xwm: window 0x%x is wl_surface@%u", win->id, s->id);
	win->surface = s;
	win->surface_id = 0;
	s->window = win;
	s->state = XWM_SURFACE_PAIRED;
	xwm_role_try(win);
}

static struct xwm_window *
window_waiting_for(struct xwm *xwm, uint32_t id)
{
	struct xwm_window *win;
	wl_list_for_each(win, &xwm->windows, link) {
		if (win->surface_id == id && !win->surface)
			return win;
	}
	return NULL;
}

static void
handle_round_trip(struct xwm *xwm, struct xwm_reply *r, void *reply,
		  xcb_generic_error_t *error)
{
	struct xwm_surface *s;
	wl_list_for_each(s, &xwm->surfaces, link) {
		if (s->id == r->data && s->state == XWM_SURFACE_UNKNOWN) {
			s->state = XWM_SURFACE_FREE;
			xwm_surface_release(s);
			return;
		}
	}
}

static void
surface_created(struct xwm *xwm, struct relay_object *ro)
{
	struct xwm_surface *s = calloc(1, sizeof(*s));
	if (!s) {
		/* Unpaired, it is relayed as any surface: a window without a
		 * role, not a crash. */
		return;
	}
	s->xwm = xwm;
	s->ro = ro;
	s->id = wl_resource_get_id(ro->resource);
	s->state = XWM_SURFACE_UNKNOWN;
	s->held = true;
	s->resource_destroy.notify = handle_resource_destroy;
	wl_resource_add_destroy_listener(ro->resource, &s->resource_destroy);
	s->commit.notify = handle_commit;
	surface_add_commit_listener(ro, &s->commit);
	wl_list_insert(&xwm->surfaces, &s->link);

	struct xwm_window *win = window_waiting_for(xwm, s->id);
	if (win) {
		pair(win, s);
		return;
	}
	xcb_get_input_focus_cookie_t c = xcb_get_input_focus(xwm->conn);
	xwm_expect(xwm, c.sequence, handle_round_trip, XCB_NONE, XCB_NONE, s->id);
}

void
xwm_handle_surface_id(struct xwm *xwm, struct xwm_window *win, uint32_t id)
{
	if (win->surface) {
		wlgp_debug("xwm: window 0x%x already has a surface", win->id);
		return;
	}
	struct wl_resource *res = wl_client_get_object(xwm->xwayland_client, id);
	struct relay_object *ro = res ?
		relay_object_from_resource(res, &wl_surface_interface) : NULL;
	struct xwm_surface *s = ro ? surface_from_relay(xwm, ro) : NULL;
	if (res && !ro) {
		wlgp_debug("xwm: WL_SURFACE_ID for 0x%x names no wl_surface", win->id);
		return;
	}
	if (!s) {
		/* Not made yet: create_surface will find it. */
		win->surface_id = id;
		return;
	}
	if (s->state != XWM_SURFACE_UNKNOWN) {
		wlgp_debug("xwm: wl_surface@%u is not free for window 0x%x",
			   id, win->id);
		return;
	}
	pair(win, s);
}

void
xwm_window_unpair(struct xwm_window *win)
{
	/* A surface made for this map but not seen yet must not be paired
	 * after the unmap (wlroots' dissociate, weston 9a0b2b54). */
	win->surface_id = 0;
	xwm_role_destroy(win);
	struct xwm_surface *s = win->surface;
	if (!s)
		return;
	win->surface = NULL;
	s->window = NULL;
	/* Xwayland destroys it a second later; whatever it commits until
	 * then has no role to show it. */
	s->state = XWM_SURFACE_RETIRED;
	s->held = true;
	s->commit_pending = false;
}

static bool
filter_request(void *data, struct relay_object *ro, uint32_t opcode,
	       union wl_argument *args)
{
	struct xwm *xwm = data;
	const struct wl_interface *iface = ro->meta->interface;
	if (iface == &wl_compositor_interface &&
	    opcode == WL_COMPOSITOR_CREATE_SURFACE) {
		uint32_t id = args[0].n;
		relay_handle_request(ro, opcode, args);
		struct relay_object *sro =
			relay_object_by_id(ro->client, id, &wl_surface_interface);
		if (sro)
			surface_created(xwm, sro);
		return true;
	}
	if (iface == &wl_surface_interface && opcode == WL_SURFACE_DESTROY) {
		/* Role objects before their wl_surface, as xdg-shell wants. */
		struct xwm_surface *s = surface_from_relay(xwm, ro);
		if (s && s->window)
			xwm_role_destroy(s->window);
		return false;
	}
	if (iface == &wl_surface_interface && opcode == WL_SURFACE_COMMIT) {
		struct xwm_surface *s = surface_from_relay(xwm, ro);
		if (s && s->held) {
			s->commit_pending = s->state != XWM_SURFACE_RETIRED;
			return true;
		}
	}
	return false;
}

/* Xwayland sends pointer input to the X window under the pointer in X's
 * own stacking (xwl_xy_to_window), whatever the host shows on top: the
 * window the pointer enters on the host goes on top in X first, so that
 * the motion and clicks that follow land in it. */
static bool
filter_event(void *data, struct relay_object *ro, uint32_t opcode,
	     union wl_argument *args)
{
	struct xwm *xwm = data;
	if (ro->meta->interface != &wl_pointer_interface ||
	    opcode != WL_POINTER_ENTER || !args[1].o)
		return false;
	struct relay_object *surface =
		relay_object_from_proxy((struct wl_proxy *)args[1].o);
	struct xwm_surface *s = surface ? surface_from_relay(xwm, surface) : NULL;
	if (s && s->window && !s->window->override_redirect)
		xwm_window_raise(s->window);
	return false;
}

/* Xwayland is one guest client for every X client: past its host memory
 * bound, the X client whose window wants the buffer goes, not all of
 * them (the fuzz x11 target's finding). */
static bool
handle_over_memory(void *data, struct relay_object *ro, int32_t width,
		   int32_t height)
{
	struct xwm *xwm = data;
	struct xwm_surface *s = surface_from_relay(xwm, ro);
	if (!s || !s->window)
		return false;
	wlgp_warn("xwm: the X client of window 0x%x wants a %dx%d buffer, "
		  "past Xwayland's host memory bound: disconnecting that X "
		  "client only", s->window->id, width, height);
	xcb_kill_client(xwm->conn, s->window->id);
	xwm_schedule_flush(xwm);
	return true;
}

bool
xwm_pairing_init(struct xwm *xwm)
{
	if (!xwm->gc)
		return false;
	xwm->gc->request_filter = filter_request;
	xwm->gc->request_filter_data = xwm;
	xwm->gc->event_filter = filter_event;
	xwm->gc->event_filter_data = xwm;
	xwm->gc->over_memory = handle_over_memory;
	xwm->gc->over_memory_data = xwm;
	return true;
}

void
xwm_pairing_finish(struct xwm *xwm)
{
	if (xwm->gc && xwm->gc->request_filter == filter_request) {
		xwm->gc->request_filter = NULL;
		xwm->gc->request_filter_data = NULL;
		xwm->gc->event_filter = NULL;
		xwm->gc->event_filter_data = NULL;
		xwm->gc->over_memory = NULL;
		xwm->gc->over_memory_data = NULL;
	}
	struct xwm_surface *s, *tmp;
	wl_list_for_each_safe(s, tmp, &xwm->surfaces, link)
		surface_destroy(s);
}
