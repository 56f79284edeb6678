/*
 * shield-client: a hostile client, one protocol rule broken per case, for
 * the shield's end-to-end tests (tests/e2e/test_shield.py).  Each case sets
 * up what the rule needs with legal requests, then sends the one request
 * that breaks it, and waits for the protocol error.
 *
 * Usage: shield-client CASE     (shield-client --list prints the cases)
 *        shield-client --legal CASE  a legal sequence close to the rules:
 *                                    exit 0 if no error came in 0.5 s
 *                                    (--list-legal prints them)
 *
 * Output (stdout):
 *   EXPECT interface=<name> id=<object id> code=<code>
 *   OFFENDING <regex>   what the host must never receive, as libwayland's
 *                       WAYLAND_DEBUG=server prints it (object ids differ
 *                       on the host, so they are \d+)
 *   OFFENDING_OWN pid=<pid> after=<iface.request> request=<iface.request>
 *                       instead, where the offending request is one every
 *                       client sends (a commit): the proxy's trace must show
 *                       no proxy->host <request> of this client after its
 *                       <after>
 *   PROTOCOL_ERROR interface=<name> id=<id> code=<code>
 *   ERROR_MESSAGE <text>
 *   NO_ERROR            none came within 3 s
 * Exit status: 0 if the expected error arrived on the expected object, 3 if
 * another error did, 1 if none, 2 on other failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wayland-client.h>

#include "tc-keyboard-shortcuts-inhibit-client-protocol.h"
#include "tc-pointer-constraints-client-protocol.h"
#include "tc-shm.h"
#include "tc-viewporter-client-protocol.h"
#include "tc-xdg-decoration-client-protocol.h"
#include "tc-wayland.h"
#include "tc-window.h"

struct expect {
	const char *interface;
	uint32_t id, code;
};

struct ctx {
	struct tc_globals *g;
	struct wl_subcompositor *subcompositor;
	struct wp_viewporter *viewporter;
	struct wl_data_device_manager *ddm;
	struct zwp_pointer_constraints_v1 *constraints;
	struct zxdg_decoration_manager_v1 *decorations;
	struct zwp_keyboard_shortcuts_inhibit_manager_v1 *inhibit;
	struct wl_pointer *pointer;
	struct wl_keyboard *keyboard;
	uint32_t keyboard_serial;
	bool has_focus;
	struct wl_data_offer *selection;
	struct expect want;
};

static void
expect(struct ctx *c, void *proxy, uint32_t code, const char *offending)
{
	c->want.interface = wl_proxy_get_class(proxy);
	c->want.id = wl_proxy_get_id(proxy);
	c->want.code = code;
	printf("EXPECT interface=%s id=%u code=%u\n", c->want.interface,
	       c->want.id, code);
	printf("OFFENDING %s\n", offending);
}

/* For an offending request that the host's log cannot tell from a
 * bystander's: told apart in the proxy's trace by this client's pid. */
static void
expect_own(struct ctx *c, void *proxy, uint32_t code, const char *after,
	   const char *request)
{
	c->want.interface = wl_proxy_get_class(proxy);
	c->want.id = wl_proxy_get_id(proxy);
	c->want.code = code;
	printf("EXPECT interface=%s id=%u code=%u\n", c->want.interface,
	       c->want.id, code);
	printf("OFFENDING_OWN pid=%d after=%s request=%s\n", (int)getpid(),
	       after, request);
}

/* A destructor request that leaves our proxy alive: when it is refused,
 * libwayland-client can still name the object the error is on. */
static void
send_destructor(void *proxy, uint32_t opcode)
{
	wl_proxy_marshal_flags(proxy, opcode, NULL,
			       wl_proxy_get_version(proxy), 0);
}

static struct wl_surface *
surface(struct ctx *c)
{
	return wl_compositor_create_surface(c->g->compositor);
}

static struct wl_buffer *
buffer(struct ctx *c, int32_t w, int32_t h)
{
	struct wl_buffer *b = tc_create_solid_buffer(c->g->shm, w, h, 0xff336699);
	if (!b) {
		perror("shield-client: buffer");
		exit(2);
	}
	return b;
}

/* A mapped toplevel: configured, acked, a buffer committed. */
static struct tc_window *
mapped_window(struct ctx *c)
{
	struct tc_window *w = tc_window_create(c->g, &(struct tc_window_options){
		.title = "shield-client" });
	if (!w || !tc_window_wait_configure(w))
		tc_globals_die(c->g, "configure");
	wl_surface_attach(w->surface, buffer(c, 64, 64), 0, 0);
	wl_surface_commit(w->surface);
	tc_globals_roundtrip(c->g, "map");
	return w;
}

static struct xdg_positioner *
positioner(struct ctx *c, bool size, bool anchor)
{
	struct xdg_positioner *p = xdg_wm_base_create_positioner(c->g->wm_base);
	if (size)
		xdg_positioner_set_size(p, 20, 20);
	if (anchor)
		xdg_positioner_set_anchor_rect(p, 0, 0, 10, 10);
	return p;
}

/* ---- the cases ---- */

static void
defunct_surfaces(struct ctx *c)
{
	struct wl_surface *s = surface(c);
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(c->g->wm_base, s);
	expect(c, c->g->wm_base, XDG_WM_BASE_ERROR_DEFUNCT_SURFACES,
	       "xdg_wm_base@\\d+\\.destroy\\(");
	send_destructor(c->g->wm_base, XDG_WM_BASE_DESTROY);
	xdg_surface_get_toplevel(xs);
}

static void
invalid_scale(struct ctx *c)
{
	struct wl_surface *s = surface(c);
	expect(c, s, WL_SURFACE_ERROR_INVALID_SCALE,
	       "wl_surface@\\d+\\.set_buffer_scale\\(0\\)");
	wl_surface_set_buffer_scale(s, 0);
}

static void
invalid_transform(struct ctx *c)
{
	struct wl_surface *s = surface(c);
	expect(c, s, WL_SURFACE_ERROR_INVALID_TRANSFORM,
	       "wl_surface@\\d+\\.set_buffer_transform\\(8\\)");
	wl_surface_set_buffer_transform(s, 8);
}

static void
invalid_offset(struct ctx *c)
{
	struct wl_surface *s = surface(c);
	expect(c, s, WL_SURFACE_ERROR_INVALID_OFFSET,
	       "wl_surface@\\d+\\.attach\\(wl_buffer@\\d+, 5, 7\\)");
	wl_surface_attach(s, buffer(c, 8, 8), 5, 7);
}

static void
invalid_size(struct ctx *c)
{
	struct wl_surface *s = surface(c);
	wl_surface_set_buffer_scale(s, 2);
	wl_surface_attach(s, buffer(c, 63, 64), 0, 0);
	expect(c, s, WL_SURFACE_ERROR_INVALID_SIZE, "wl_surface@\\d+\\.commit\\(");
	wl_surface_commit(s);
}

static void
subsurface_role(struct ctx *c)
{
	struct tc_window *w = mapped_window(c);
	struct wl_surface *parent = surface(c);
	expect(c, c->subcompositor, WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE,
	       "wl_subcompositor@\\d+\\.get_subsurface\\(");
	wl_subcompositor_get_subsurface(c->subcompositor, w->surface, parent);
}

static void
subsurface_self(struct ctx *c)
{
	struct wl_surface *s = surface(c);
	expect(c, c->subcompositor, WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE,
	       "wl_subcompositor@\\d+\\.get_subsurface\\(");
	wl_subcompositor_get_subsurface(c->subcompositor, s, s);
}

static void
subsurface_cycle(struct ctx *c)
{
	struct wl_surface *a = surface(c), *b = surface(c), *d = surface(c);
	wl_subcompositor_get_subsurface(c->subcompositor, b, a);
	wl_subcompositor_get_subsurface(c->subcompositor, d, b);
	tc_globals_roundtrip(c->g, "subsurfaces");
	expect(c, c->subcompositor, WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE,
	       "(wl_subcompositor@\\d+\\.get_subsurface\\([\\s\\S]*){3}");
	/* a under d, d being a's grandchild */
	wl_subcompositor_get_subsurface(c->subcompositor, a, d);
}

static void
subsurface_twice(struct ctx *c)
{
	struct wl_surface *a = surface(c), *b = surface(c);
	wl_subcompositor_get_subsurface(c->subcompositor, b, a);
	tc_globals_roundtrip(c->g, "subsurface");
	expect(c, c->subcompositor, WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE,
	       "wl_subcompositor@\\d+\\.get_subsurface\\([\\s\\S]*get_subsurface\\(");
	wl_subcompositor_get_subsurface(c->subcompositor, b, a);
}

static void
subsurface_not_sibling(struct ctx *c)
{
	struct wl_surface *a = surface(c), *b = surface(c), *other = surface(c);
	struct wl_subsurface *sub = wl_subcompositor_get_subsurface(c->subcompositor, b, a);
	expect(c, sub, WL_SUBSURFACE_ERROR_BAD_SURFACE,
	       "wl_subsurface@\\d+\\.place_above\\(");
	wl_subsurface_place_above(sub, other);
}

static void
xdg_role(struct ctx *c)
{
	struct wl_surface *a = surface(c), *b = surface(c);
	wl_subcompositor_get_subsurface(c->subcompositor, b, a);
	tc_globals_roundtrip(c->g, "subsurface");
	expect(c, c->g->wm_base, XDG_WM_BASE_ERROR_ROLE,
	       "xdg_wm_base@\\d+\\.get_xdg_surface\\(");
	xdg_wm_base_get_xdg_surface(c->g->wm_base, b);
}

static void
xdg_role_switch(struct ctx *c)
{
	struct wl_surface *s = surface(c);
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(c->g->wm_base, s);
	struct xdg_toplevel *t = xdg_surface_get_toplevel(xs);
	xdg_toplevel_destroy(t);
	struct xdg_positioner *p = positioner(c, true, true);
	tc_globals_roundtrip(c->g, "toplevel");
	expect(c, c->g->wm_base, XDG_WM_BASE_ERROR_ROLE,
	       "xdg_surface@\\d+\\.get_popup\\(");
	xdg_surface_get_popup(xs, NULL, p);
}

static void
not_the_topmost_popup(struct ctx *c)
{
	struct tc_window *w = mapped_window(c);
	struct xdg_positioner *p = positioner(c, true, true);
	struct wl_surface *s1 = surface(c), *s2 = surface(c);
	struct xdg_surface *x1 = xdg_wm_base_get_xdg_surface(c->g->wm_base, s1);
	struct xdg_popup *p1 = xdg_surface_get_popup(x1, w->xdg_surface, p);
	struct xdg_surface *x2 = xdg_wm_base_get_xdg_surface(c->g->wm_base, s2);
	xdg_surface_get_popup(x2, x1, p);
	tc_globals_roundtrip(c->g, "popups");
	expect(c, c->g->wm_base, XDG_WM_BASE_ERROR_NOT_THE_TOPMOST_POPUP,
	       "xdg_popup@\\d+\\.destroy\\(");
	send_destructor(p1, XDG_POPUP_DESTROY);
}

static void
invalid_popup_parent(struct ctx *c)
{
	struct xdg_positioner *p = positioner(c, true, true);
	struct xdg_surface *parent =
		xdg_wm_base_get_xdg_surface(c->g->wm_base, surface(c));
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(c->g->wm_base, surface(c));
	expect(c, c->g->wm_base, XDG_WM_BASE_ERROR_INVALID_POPUP_PARENT,
	       "xdg_surface@\\d+\\.get_popup\\(");
	xdg_surface_get_popup(xs, parent, p);
}

static void
invalid_positioner(struct ctx *c)
{
	struct tc_window *w = mapped_window(c);
	struct xdg_positioner *p = positioner(c, false, true);
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(c->g->wm_base, surface(c));
	expect(c, c->g->wm_base, XDG_WM_BASE_ERROR_INVALID_POSITIONER,
	       "xdg_surface@\\d+\\.get_popup\\(");
	xdg_surface_get_popup(xs, w->xdg_surface, p);
}

static void
positioner_invalid_input(struct ctx *c)
{
	struct xdg_positioner *p = xdg_wm_base_create_positioner(c->g->wm_base);
	expect(c, p, XDG_POSITIONER_ERROR_INVALID_INPUT,
	       "xdg_positioner@\\d+\\.set_size\\(0, 10\\)");
	xdg_positioner_set_size(p, 0, 10);
}

static void
positioner_invalid_gravity(struct ctx *c)
{
	struct xdg_positioner *p = xdg_wm_base_create_positioner(c->g->wm_base);
	expect(c, p, XDG_POSITIONER_ERROR_INVALID_INPUT,
	       "xdg_positioner@\\d+\\.set_gravity\\(9\\)");
	xdg_positioner_set_gravity(p, 9);
}

static void
not_constructed(struct ctx *c)
{
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(c->g->wm_base, surface(c));
	expect(c, xs, XDG_SURFACE_ERROR_NOT_CONSTRUCTED,
	       "xdg_surface@\\d+\\.set_window_geometry\\(");
	xdg_surface_set_window_geometry(xs, 0, 0, 10, 10);
}

static void
not_constructed_commit(struct ctx *c)
{
	struct wl_surface *s = surface(c);
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(c->g->wm_base, s);
	expect(c, xs, XDG_SURFACE_ERROR_NOT_CONSTRUCTED, "wl_surface@\\d+\\.commit\\(");
	wl_surface_commit(s);
}

static void
already_constructed(struct ctx *c)
{
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(c->g->wm_base, surface(c));
	xdg_surface_get_toplevel(xs);
	expect(c, xs, XDG_SURFACE_ERROR_ALREADY_CONSTRUCTED,
	       "xdg_surface@\\d+\\.get_toplevel\\([\\s\\S]*get_toplevel\\(");
	xdg_surface_get_toplevel(xs);
}

static void
unconfigured_buffer(struct ctx *c)
{
	struct wl_surface *s = surface(c);
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(c->g->wm_base, s);
	xdg_surface_get_toplevel(xs);
	wl_surface_attach(s, buffer(c, 32, 32), 0, 0);
	expect(c, xs, XDG_SURFACE_ERROR_UNCONFIGURED_BUFFER, "wl_surface@\\d+\\.commit\\(");
	wl_surface_commit(s);
}

static void
invalid_serial(struct ctx *c)
{
	struct tc_window *w = mapped_window(c);
	expect(c, w->xdg_surface, XDG_SURFACE_ERROR_INVALID_SERIAL,
	       "xdg_surface@\\d+\\.ack_configure\\(4000000000\\)");
	xdg_surface_ack_configure(w->xdg_surface, 4000000000u);
}

/* Maps a window and has the compositor maximize it; the maximized
 * configure is acked (tc_window acks as it dispatches). */
static struct tc_window *
maximized_window(struct ctx *c)
{
	struct tc_window *w = mapped_window(c);
	xdg_toplevel_set_maximized(w->toplevel);
	tc_globals_roundtrip(c->g, "maximize");
	tc_globals_roundtrip(c->g, "maximized configure");
	if (w->width <= 0 || w->height <= 0)
		tc_globals_die(c->g, "no maximized size");
	return w;
}

static struct tc_window *
fullscreen_window(struct ctx *c)
{
	struct tc_window *w = tc_window_create(c->g, &(struct tc_window_options){
		.title = "shield-client", .fullscreen = true });
	if (!w || !tc_window_wait_configure(w))
		tc_globals_die(c->g, "configure");
	if (w->width <= 0 || w->height <= 0)
		tc_globals_die(c->g, "no fullscreen size");
	return w;
}

static void
surface_state_fullscreen(struct ctx *c)
{
	struct tc_window *w = fullscreen_window(c);
	wl_surface_attach(w->surface, buffer(c, w->width + 8, w->height), 0, 0);
	expect(c, c->g->wm_base, XDG_WM_BASE_ERROR_INVALID_SURFACE_STATE,
	       "wl_surface@\\d+\\.commit\\([\\s\\S]*"
	       "wl_surface@\\d+\\.commit\\(");
	wl_surface_commit(w->surface);
}

static void
unresponsive_pong(struct ctx *c)
{
	/* No ping was sent: headless weston pings only on input. */
	expect(c, c->g->wm_base, XDG_WM_BASE_ERROR_UNRESPONSIVE,
	       "xdg_wm_base@\\d+\\.pong\\(");
	xdg_wm_base_pong(c->g->wm_base, 4000000000u);
}

static void
xdg_invalid_size(struct ctx *c)
{
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(c->g->wm_base, surface(c));
	xdg_surface_get_toplevel(xs);
	expect(c, xs, XDG_SURFACE_ERROR_INVALID_SIZE,
	       "xdg_surface@\\d+\\.set_window_geometry\\(0, 0, 0, 10\\)");
	xdg_surface_set_window_geometry(xs, 0, 0, 0, 10);
}

static void
defunct_role_object(struct ctx *c)
{
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(c->g->wm_base, surface(c));
	xdg_surface_get_toplevel(xs);
	expect(c, xs, XDG_SURFACE_ERROR_DEFUNCT_ROLE_OBJECT,
	       "xdg_surface@\\d+\\.destroy\\(");
	send_destructor(xs, XDG_SURFACE_DESTROY);
}

static void
invalid_parent_self(struct ctx *c)
{
	struct tc_window *w = mapped_window(c);
	expect(c, w->toplevel, XDG_TOPLEVEL_ERROR_INVALID_PARENT,
	       "xdg_toplevel@\\d+\\.set_parent\\(xdg_toplevel");
	xdg_toplevel_set_parent(w->toplevel, w->toplevel);
}

static void
invalid_parent_cycle(struct ctx *c)
{
	struct tc_window *a = mapped_window(c), *b = mapped_window(c), *d = mapped_window(c);
	xdg_toplevel_set_parent(b->toplevel, a->toplevel);
	xdg_toplevel_set_parent(d->toplevel, b->toplevel);
	tc_globals_roundtrip(c->g, "parents");
	expect(c, a->toplevel, XDG_TOPLEVEL_ERROR_INVALID_PARENT,
	       "(xdg_toplevel@\\d+\\.set_parent\\(xdg_toplevel@\\d+\\)[\\s\\S]*){3}");
	xdg_toplevel_set_parent(a->toplevel, d->toplevel);
}

static void
toplevel_negative_size(struct ctx *c)
{
	struct tc_window *w = mapped_window(c);
	expect(c, w->toplevel, XDG_TOPLEVEL_ERROR_INVALID_SIZE,
	       "xdg_toplevel@\\d+\\.set_min_size\\(-1, 0\\)");
	xdg_toplevel_set_min_size(w->toplevel, -1, 0);
}

static void
toplevel_min_above_max(struct ctx *c)
{
	struct tc_window *w = mapped_window(c);
	xdg_toplevel_set_max_size(w->toplevel, 100, 100);
	xdg_toplevel_set_min_size(w->toplevel, 200, 50);
	expect(c, w->toplevel, XDG_TOPLEVEL_ERROR_INVALID_SIZE,
	       "xdg_toplevel@\\d+\\.set_min_size\\(200, 50\\)[\\s\\S]*wl_surface@\\d+\\.commit\\(");
	wl_surface_commit(w->surface);
}

static struct wp_viewport *
viewport(struct ctx *c, struct wl_surface *s)
{
	if (!c->viewporter) {
		fprintf(stderr, "shield-client: no wp_viewporter\n");
		exit(2);
	}
	return wp_viewporter_get_viewport(c->viewporter, s);
}

static void
viewport_exists(struct ctx *c)
{
	struct wl_surface *s = surface(c);
	viewport(c, s);
	expect(c, c->viewporter, WP_VIEWPORTER_ERROR_VIEWPORT_EXISTS,
	       "wp_viewporter@\\d+\\.get_viewport\\([\\s\\S]*get_viewport\\(");
	viewport(c, s);
}

static void
viewport_bad_source(struct ctx *c)
{
	struct wp_viewport *vp = viewport(c, surface(c));
	expect(c, vp, WP_VIEWPORT_ERROR_BAD_VALUE, "wp_viewport@\\d+\\.set_source\\(");
	wp_viewport_set_source(vp, wl_fixed_from_int(-2), 0, wl_fixed_from_int(5),
			       wl_fixed_from_int(5));
}

static void
viewport_bad_destination(struct ctx *c)
{
	struct wp_viewport *vp = viewport(c, surface(c));
	expect(c, vp, WP_VIEWPORT_ERROR_BAD_VALUE,
	       "wp_viewport@\\d+\\.set_destination\\(0, 5\\)");
	wp_viewport_set_destination(vp, 0, 5);
}

static void
viewport_bad_size(struct ctx *c)
{
	struct wl_surface *s = surface(c);
	struct wp_viewport *vp = viewport(c, s);
	wp_viewport_set_source(vp, 0, 0, wl_fixed_from_double(10.5),
			       wl_fixed_from_int(10));
	wl_surface_attach(s, buffer(c, 32, 32), 0, 0);
	expect(c, vp, WP_VIEWPORT_ERROR_BAD_SIZE, "wl_surface@\\d+\\.commit\\(");
	wl_surface_commit(s);
}

static void
viewport_out_of_buffer(struct ctx *c)
{
	struct wl_surface *s = surface(c);
	struct wp_viewport *vp = viewport(c, s);
	/* 32x32 at scale 2 is 16x16 in surface coordinates */
	wl_surface_set_buffer_scale(s, 2);
	wp_viewport_set_source(vp, wl_fixed_from_int(8), 0, wl_fixed_from_int(10),
			       wl_fixed_from_int(10));
	wl_surface_attach(s, buffer(c, 32, 32), 0, 0);
	expect(c, vp, WP_VIEWPORT_ERROR_OUT_OF_BUFFER, "wl_surface@\\d+\\.commit\\(");
	wl_surface_commit(s);
}

static void
viewport_no_surface(struct ctx *c)
{
	struct wl_surface *s = surface(c);
	struct wp_viewport *vp = viewport(c, s);
	wl_surface_destroy(s);
	tc_globals_roundtrip(c->g, "surface destroyed");
	expect(c, vp, WP_VIEWPORT_ERROR_NO_SURFACE,
	       "wp_viewport@\\d+\\.set_destination\\(");
	wp_viewport_set_destination(vp, 10, 10);
}

/* ---- cases on a seat (weston's x11 backend) ---- */

static void
need(const void *object, const char *what)
{
	if (!object) {
		fprintf(stderr, "shield-client: no %s\n", what);
		exit(2);
	}
}

static struct wl_data_device *
data_device(struct ctx *c)
{
	need(c->ddm, "wl_data_device_manager");
	need(c->g->seat, "wl_seat");
	return wl_data_device_manager_get_data_device(c->ddm, c->g->seat);
}

static void
cursor_role(struct ctx *c)
{
	struct tc_window *w = mapped_window(c);
	need(c->pointer, "wl_pointer");
	/* weston's own clients (the desktop shell) set cursors too: these
	 * arguments are ours alone. */
	expect(c, c->pointer, WL_POINTER_ERROR_ROLE,
	       "wl_pointer@\\d+\\.set_cursor\\(0, wl_surface@\\d+, 7, 9\\)");
	wl_pointer_set_cursor(c->pointer, 0, w->surface, 7, 9);
}

static void
dnd_icon_role(struct ctx *c)
{
	struct tc_window *w = mapped_window(c);
	struct wl_data_device *dd = data_device(c);
	expect(c, dd, WL_DATA_DEVICE_ERROR_ROLE, "wl_data_device@\\d+\\.start_drag\\(");
	wl_data_device_start_drag(dd, NULL, w->surface, w->surface, 0);
}

static void
source_invalid_action_mask(struct ctx *c)
{
	need(c->ddm, "wl_data_device_manager");
	struct wl_data_source *src = wl_data_device_manager_create_data_source(c->ddm);
	expect(c, src, WL_DATA_SOURCE_ERROR_INVALID_ACTION_MASK,
	       "wl_data_source@\\d+\\.set_actions\\(8\\)");
	wl_data_source_set_actions(src, 8);
}

static void
source_actions_after_use(struct ctx *c)
{
	struct wl_data_device *dd = data_device(c);
	struct wl_data_source *src = wl_data_device_manager_create_data_source(c->ddm);
	wl_data_source_offer(src, "text/plain");
	wl_data_device_set_selection(dd, src, 0);
	expect(c, src, WL_DATA_SOURCE_ERROR_INVALID_SOURCE,
	       "wl_data_source@\\d+\\.set_actions\\(");
	wl_data_source_set_actions(src, WL_DATA_DEVICE_MANAGER_DND_ACTION_COPY);
}

static void
selection_with_dnd_source(struct ctx *c)
{
	struct wl_data_device *dd = data_device(c);
	struct wl_data_source *src = wl_data_device_manager_create_data_source(c->ddm);
	wl_data_source_offer(src, "text/plain");
	wl_data_source_set_actions(src, WL_DATA_DEVICE_MANAGER_DND_ACTION_COPY);
	expect(c, src, WL_DATA_SOURCE_ERROR_INVALID_SOURCE,
	       "wl_data_device@\\d+\\.set_selection\\(");
	wl_data_device_set_selection(dd, src, 0);
}

static void
already_constrained(struct ctx *c)
{
	need(c->constraints, "zwp_pointer_constraints_v1");
	need(c->pointer, "wl_pointer");
	struct wl_surface *s = surface(c);
	zwp_pointer_constraints_v1_lock_pointer(c->constraints, s, c->pointer, NULL,
		ZWP_POINTER_CONSTRAINTS_V1_LIFETIME_PERSISTENT);
	expect(c, c->constraints, ZWP_POINTER_CONSTRAINTS_V1_ERROR_ALREADY_CONSTRAINED,
	       "zwp_pointer_constraints_v1@\\d+\\.confine_pointer\\(");
	zwp_pointer_constraints_v1_confine_pointer(c->constraints, s, c->pointer, NULL,
		ZWP_POINTER_CONSTRAINTS_V1_LIFETIME_PERSISTENT);
}

static void
source_send(void *data, struct wl_data_source *src, const char *mime, int32_t fd)
{
	close(fd);
}

static void
source_cancelled(void *data, struct wl_data_source *src)
{
}

static const struct wl_data_source_listener source_listener = {
	.send = source_send,
	.cancelled = source_cancelled,
};

static void
dd_data_offer(void *data, struct wl_data_device *dd, struct wl_data_offer *offer)
{
}

static void
dd_enter(void *data, struct wl_data_device *dd, uint32_t serial,
	 struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y,
	 struct wl_data_offer *offer)
{
}

static void
dd_leave(void *data, struct wl_data_device *dd)
{
}

static void
dd_motion(void *data, struct wl_data_device *dd, uint32_t time, wl_fixed_t x, wl_fixed_t y)
{
}

static void
dd_drop(void *data, struct wl_data_device *dd)
{
}

static void
dd_selection(void *data, struct wl_data_device *dd, struct wl_data_offer *offer)
{
	struct ctx *c = data;
	c->selection = offer;
}

static const struct wl_data_device_listener dd_listener = {
	.data_offer = dd_data_offer,
	.enter = dd_enter,
	.leave = dd_leave,
	.motion = dd_motion,
	.drop = dd_drop,
	.selection = dd_selection,
};

/* Our own selection, offered back to us: a selection (not a drag) offer. */
static struct wl_data_offer *
selection_offer(struct ctx *c)
{
	mapped_window(c);
	need(c->keyboard, "wl_keyboard");
	while (!c->has_focus)
		tc_globals_dispatch(c->g, "keyboard focus");
	struct wl_data_device *dd = data_device(c);
	wl_data_device_add_listener(dd, &dd_listener, c);
	struct wl_data_source *src = wl_data_device_manager_create_data_source(c->ddm);
	wl_data_source_add_listener(src, &source_listener, c);
	wl_data_source_offer(src, "text/plain");
	wl_data_device_set_selection(dd, src, c->keyboard_serial);
	while (!c->selection)
		tc_globals_dispatch(c->g, "selection offer");
	return c->selection;
}

static void
offer_finish_selection(struct ctx *c)
{
	struct wl_data_offer *offer = selection_offer(c);
	expect(c, offer, WL_DATA_OFFER_ERROR_INVALID_FINISH,
	       "wl_data_offer@\\d+\\.finish\\(");
	wl_data_offer_finish(offer);
}

static void
offer_actions_on_selection(struct ctx *c)
{
	struct wl_data_offer *offer = selection_offer(c);
	expect(c, offer, WL_DATA_OFFER_ERROR_INVALID_OFFER,
	       "wl_data_offer@\\d+\\.set_actions\\(");
	wl_data_offer_set_actions(offer, 1, 1);
}

static void
offer_invalid_action_mask(struct ctx *c)
{
	struct wl_data_offer *offer = selection_offer(c);
	expect(c, offer, WL_DATA_OFFER_ERROR_INVALID_ACTION_MASK,
	       "wl_data_offer@\\d+\\.set_actions\\(");
	wl_data_offer_set_actions(offer, 9, 1);
}

static void
offer_invalid_action(struct ctx *c)
{
	struct wl_data_offer *offer = selection_offer(c);
	expect(c, offer, WL_DATA_OFFER_ERROR_INVALID_ACTION,
	       "wl_data_offer@\\d+\\.set_actions\\(");
	wl_data_offer_set_actions(offer, 3, 3);
}

static void
invalid_resize_edge(struct ctx *c)
{
	struct tc_window *w = mapped_window(c);
	need(c->g->seat, "wl_seat");
	expect(c, w->toplevel, XDG_TOPLEVEL_ERROR_INVALID_RESIZE_EDGE,
	       "xdg_toplevel@\\d+\\.resize\\(");
	xdg_toplevel_resize(w->toplevel, c->g->seat, 0, 3);
}

static void
popup_configure(void *data, struct xdg_surface *xs, uint32_t serial)
{
	xdg_surface_ack_configure(xs, serial);
	*(bool *)data = true;
}

static const struct xdg_surface_listener popup_surface_listener = {
	.configure = popup_configure,
};

static void
invalid_grab(struct ctx *c)
{
	struct tc_window *w = mapped_window(c);
	need(c->g->seat, "wl_seat");
	struct wl_surface *s = surface(c);
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(c->g->wm_base, s);
	bool configured = false;
	xdg_surface_add_listener(xs, &popup_surface_listener, &configured);
	struct xdg_popup *popup = xdg_surface_get_popup(xs, w->xdg_surface,
							positioner(c, true, true));
	wl_surface_commit(s);
	while (!configured)
		tc_globals_dispatch(c->g, "popup configure");
	wl_surface_attach(s, buffer(c, 20, 20), 0, 0);
	wl_surface_commit(s);
	tc_globals_roundtrip(c->g, "popup mapped");
	expect(c, popup, XDG_POPUP_ERROR_INVALID_GRAB, "xdg_popup@\\d+\\.grab\\(");
	xdg_popup_grab(popup, c->g->seat, 0);
}

/* ---- xdg-decoration (sway: weston 10 has none) ---- */

static void
decoration_already_constructed(struct ctx *c)
{
	need(c->decorations, "zxdg_decoration_manager_v1");
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(c->g->wm_base, surface(c));
	struct xdg_toplevel *t = xdg_surface_get_toplevel(xs);
	struct zxdg_toplevel_decoration_v1 *d =
		zxdg_decoration_manager_v1_get_toplevel_decoration(c->decorations, t);
	tc_globals_roundtrip(c->g, "decoration");
	expect(c, d, ZXDG_TOPLEVEL_DECORATION_V1_ERROR_ALREADY_CONSTRUCTED,
	       "(zxdg_decoration_manager_v1@\\d+\\.get_toplevel_decoration\\([\\s\\S]*){2}");
	zxdg_decoration_manager_v1_get_toplevel_decoration(c->decorations, t);
}

static void
decoration_orphaned(struct ctx *c)
{
	need(c->decorations, "zxdg_decoration_manager_v1");
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(c->g->wm_base, surface(c));
	struct xdg_toplevel *t = xdg_surface_get_toplevel(xs);
	struct zxdg_toplevel_decoration_v1 *d =
		zxdg_decoration_manager_v1_get_toplevel_decoration(c->decorations, t);
	tc_globals_roundtrip(c->g, "decoration");
	expect(c, d, ZXDG_TOPLEVEL_DECORATION_V1_ERROR_ORPHANED,
	       "xdg_toplevel@\\d+\\.destroy\\(");
	xdg_toplevel_destroy(t);
}

static void
decoration_buffer_at_creation(struct ctx *c)
{
	need(c->decorations, "zxdg_decoration_manager_v1");
	struct tc_window *w = mapped_window(c);
	struct zxdg_toplevel_decoration_v1 *d =
		zxdg_decoration_manager_v1_get_toplevel_decoration(c->decorations,
								   w->toplevel);
	expect(c, d, ZXDG_TOPLEVEL_DECORATION_V1_ERROR_UNCONFIGURED_BUFFER,
	       "zxdg_decoration_manager_v1@\\d+\\.get_toplevel_decoration\\(");
}

static void
decoration_unconfigured_buffer(struct ctx *c)
{
	need(c->decorations, "zxdg_decoration_manager_v1");
	struct tc_window *w = tc_window_create(c->g, &(struct tc_window_options){
		.title = "shield-client" });
	if (!w || !tc_window_wait_configure(w))
		tc_globals_die(c->g, "configure");
	/* The xdg_surface is configured, the new decoration is not: its
	 * configure cannot have come before this one flush does. */
	struct zxdg_toplevel_decoration_v1 *d =
		zxdg_decoration_manager_v1_get_toplevel_decoration(c->decorations,
								   w->toplevel);
	wl_surface_attach(w->surface, buffer(c, 64, 64), 0, 0);
	expect_own(c, d, ZXDG_TOPLEVEL_DECORATION_V1_ERROR_UNCONFIGURED_BUFFER,
		   "zxdg_decoration_manager_v1.get_toplevel_decoration",
		   "wl_surface.commit");
	wl_surface_commit(w->surface);
}

static void
shortcuts_already_inhibited(struct ctx *c)
{
	need(c->inhibit, "zwp_keyboard_shortcuts_inhibit_manager_v1");
	need(c->g->seat, "wl_seat");
	struct tc_window *w = mapped_window(c);
	zwp_keyboard_shortcuts_inhibit_manager_v1_inhibit_shortcuts(c->inhibit, w->surface,
								    c->g->seat);
	tc_globals_roundtrip(c->g, "inhibitor");
	expect(c, c->inhibit, ZWP_KEYBOARD_SHORTCUTS_INHIBIT_MANAGER_V1_ERROR_ALREADY_INHIBITED,
	       "(zwp_keyboard_shortcuts_inhibit_manager_v1@\\d+\\.inhibit_shortcuts\\("
	       "[\\s\\S]*){2}");
	zwp_keyboard_shortcuts_inhibit_manager_v1_inhibit_shortcuts(c->inhibit, w->surface,
								    c->g->seat);
}

struct shield_case {
	const char *name;
	void (*run)(struct ctx *c);
	bool seat; /* needs a wl_seat (weston's x11 backend, not headless) */
};

/* ---- legal sequences: near the rules, and no error is allowed ---- */

static void
legal_subsurface_again(struct ctx *c)
{
	struct wl_surface *a = surface(c), *b = surface(c), *d = surface(c);
	struct wl_subsurface *sub = wl_subcompositor_get_subsurface(c->subcompositor, b, a);
	wl_subsurface_destroy(sub);
	sub = wl_subcompositor_get_subsurface(c->subcompositor, b, a);
	wl_subcompositor_get_subsurface(c->subcompositor, d, a);
	wl_subsurface_place_above(sub, a);
	wl_subsurface_place_below(sub, d);
	wl_surface_set_buffer_scale(b, 2);
	wl_surface_attach(b, buffer(c, 64, 32), 0, 0);
	wl_surface_commit(b);
	wl_surface_commit(a);
}

static void
legal_sizes_between_commits(struct ctx *c)
{
	struct tc_window *w = mapped_window(c);
	xdg_toplevel_set_max_size(w->toplevel, 100, 100);
	xdg_toplevel_set_min_size(w->toplevel, 200, 200);
	xdg_toplevel_set_max_size(w->toplevel, 300, 0);
	xdg_toplevel_set_max_size(w->toplevel, 300, 300);
	xdg_surface_set_window_geometry(w->xdg_surface, 0, 0, 64, 64);
	wl_surface_commit(w->surface);
	xdg_toplevel_set_min_size(w->toplevel, 0, 0);
	xdg_toplevel_set_max_size(w->toplevel, 0, 0);
	xdg_toplevel_set_parent(w->toplevel, NULL);
	wl_surface_commit(w->surface);
}

static void
legal_parents(struct ctx *c)
{
	struct tc_window *a = mapped_window(c), *b = mapped_window(c);
	xdg_toplevel_set_parent(b->toplevel, a->toplevel);
	xdg_toplevel_set_parent(b->toplevel, NULL);
	xdg_toplevel_set_parent(a->toplevel, b->toplevel);
	wl_surface_commit(a->surface);
}

static void
legal_popups_in_order(struct ctx *c)
{
	struct tc_window *w = mapped_window(c);
	struct xdg_positioner *p = positioner(c, true, true);
	xdg_positioner_set_anchor(p, XDG_POSITIONER_ANCHOR_BOTTOM_RIGHT);
	xdg_positioner_set_gravity(p, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT);
	struct wl_surface *s1 = surface(c), *s2 = surface(c);
	struct xdg_surface *x1 = xdg_wm_base_get_xdg_surface(c->g->wm_base, s1);
	struct xdg_popup *p1 = xdg_surface_get_popup(x1, w->xdg_surface, p);
	struct xdg_surface *x2 = xdg_wm_base_get_xdg_surface(c->g->wm_base, s2);
	struct xdg_popup *p2 = xdg_surface_get_popup(x2, x1, p);
	tc_globals_roundtrip(c->g, "popups");
	xdg_popup_destroy(p2);
	xdg_popup_destroy(p1);
	xdg_surface_destroy(x2);
	xdg_surface_destroy(x1);
}

/* Sizes that obey the acked state: a maximized window whose buffer is
 * larger but whose window geometry is the maximized size (client-side
 * shadows), and a fullscreen window smaller than the output. */
static void
legal_surface_state(struct ctx *c)
{
	struct tc_window *m = maximized_window(c);
	xdg_surface_set_window_geometry(m->xdg_surface, 10, 10, m->width, m->height);
	wl_surface_attach(m->surface, buffer(c, m->width + 20, m->height + 20), 0, 0);
	wl_surface_commit(m->surface);
	struct tc_window *f = fullscreen_window(c);
	wl_surface_attach(f->surface, buffer(c, f->width / 2, f->height / 2), 0, 0);
	wl_surface_commit(f->surface);
	wl_surface_attach(f->surface, buffer(c, f->width, f->height), 0, 0);
	wl_surface_commit(f->surface);
}

static void
legal_viewport(struct ctx *c)
{
	struct wl_surface *s = surface(c);
	struct wp_viewport *vp = viewport(c, s);
	wp_viewport_set_source(vp, wl_fixed_from_int(-1), wl_fixed_from_int(-1),
			       wl_fixed_from_int(-1), wl_fixed_from_int(-1));
	wp_viewport_set_destination(vp, -1, -1);
	wp_viewport_set_source(vp, wl_fixed_from_double(0.5), 0,
			       wl_fixed_from_double(15.5), wl_fixed_from_int(16));
	wp_viewport_set_destination(vp, 31, 33);
	wl_surface_attach(s, buffer(c, 16, 16), 0, 0);
	wl_surface_commit(s);
	wp_viewport_destroy(vp);
	vp = viewport(c, s);
	wp_viewport_set_source(vp, 0, 0, wl_fixed_from_int(16), wl_fixed_from_int(16));
	wl_surface_commit(s);
	wl_surface_attach(s, NULL, 0, 0);
	wp_viewport_set_source(vp, 0, 0, wl_fixed_from_int(99), wl_fixed_from_int(99));
	wl_surface_commit(s);
	/* An odd buffer at scale 2 is 16.5 wide: legal with a destination,
	 * and so is a source that ends exactly there. */
	wl_surface_set_buffer_scale(s, 2);
	wp_viewport_set_destination(vp, 20, 20);
	wp_viewport_set_source(vp, wl_fixed_from_double(0.5), 0,
			       wl_fixed_from_int(16), wl_fixed_from_double(16.5));
	wl_surface_attach(s, buffer(c, 33, 33), 0, 0);
	wl_surface_commit(s);
}

static const struct shield_case legal_cases[] = {
	{ "subsurface-again", legal_subsurface_again, false },
	{ "sizes-between-commits", legal_sizes_between_commits, false },
	{ "parents", legal_parents, false },
	{ "popups-in-order", legal_popups_in_order, false },
	{ "viewport", legal_viewport, false },
	{ "surface-state", legal_surface_state, false },
};

static const struct shield_case cases[] = {
	{ "defunct-surfaces", defunct_surfaces, false },
	{ "invalid-scale", invalid_scale, false },
	{ "invalid-transform", invalid_transform, false },
	{ "invalid-offset", invalid_offset, false },
	{ "invalid-size", invalid_size, false },
	{ "subsurface-role", subsurface_role, false },
	{ "subsurface-self", subsurface_self, false },
	{ "subsurface-cycle", subsurface_cycle, false },
	{ "subsurface-twice", subsurface_twice, false },
	{ "subsurface-not-sibling", subsurface_not_sibling, false },
	{ "xdg-role", xdg_role, false },
	{ "xdg-role-switch", xdg_role_switch, false },
	{ "not-the-topmost-popup", not_the_topmost_popup, false },
	{ "invalid-popup-parent", invalid_popup_parent, false },
	{ "invalid-positioner", invalid_positioner, false },
	{ "positioner-invalid-input", positioner_invalid_input, false },
	{ "positioner-invalid-gravity", positioner_invalid_gravity, false },
	{ "not-constructed", not_constructed, false },
	{ "not-constructed-commit", not_constructed_commit, false },
	{ "already-constructed", already_constructed, false },
	{ "unconfigured-buffer", unconfigured_buffer, false },
	{ "invalid-serial", invalid_serial, false },
	{ "xdg-invalid-size", xdg_invalid_size, false },
	{ "invalid-surface-state-fullscreen", surface_state_fullscreen, false },
	{ "unresponsive-pong", unresponsive_pong, false },
	{ "defunct-role-object", defunct_role_object, false },
	{ "invalid-parent-self", invalid_parent_self, false },
	{ "invalid-parent-cycle", invalid_parent_cycle, false },
	{ "toplevel-negative-size", toplevel_negative_size, false },
	{ "toplevel-min-above-max", toplevel_min_above_max, false },
	{ "viewport-exists", viewport_exists, false },
	{ "viewport-bad-source", viewport_bad_source, false },
	{ "viewport-bad-destination", viewport_bad_destination, false },
	{ "viewport-bad-size", viewport_bad_size, false },
	{ "viewport-out-of-buffer", viewport_out_of_buffer, false },
	{ "viewport-no-surface", viewport_no_surface, false },
	{ "cursor-role", cursor_role, true },
	{ "dnd-icon-role", dnd_icon_role, true },
	{ "source-invalid-action-mask", source_invalid_action_mask, false },
	{ "source-actions-after-use", source_actions_after_use, true },
	{ "selection-with-dnd-source", selection_with_dnd_source, true },
	{ "already-constrained", already_constrained, true },
	{ "offer-finish-selection", offer_finish_selection, true },
	{ "offer-actions-on-selection", offer_actions_on_selection, true },
	{ "offer-invalid-action-mask", offer_invalid_action_mask, true },
	{ "offer-invalid-action", offer_invalid_action, true },
	{ "invalid-resize-edge", invalid_resize_edge, true },
	{ "invalid-grab", invalid_grab, true },
	{ "decoration-already-constructed", decoration_already_constructed, true },
	{ "decoration-orphaned", decoration_orphaned, true },
	{ "decoration-buffer-at-creation", decoration_buffer_at_creation, true },
	{ "decoration-unconfigured-buffer", decoration_unconfigured_buffer, true },
	{ "shortcuts-already-inhibited", shortcuts_already_inhibited, true },
};

static void
global(void *data, struct wl_registry *registry, uint32_t name,
       const char *interface, uint32_t version)
{
	struct ctx *c = data;
	if (strcmp(interface, wl_subcompositor_interface.name) == 0)
		c->subcompositor = wl_registry_bind(registry, name,
						    &wl_subcompositor_interface, 1);
	else if (strcmp(interface, wl_data_device_manager_interface.name) == 0)
		c->ddm = wl_registry_bind(registry, name, &wl_data_device_manager_interface,
					  version < 3 ? version : 3);
	else if (strcmp(interface, zwp_pointer_constraints_v1_interface.name) == 0)
		c->constraints = wl_registry_bind(registry, name,
						  &zwp_pointer_constraints_v1_interface, 1);
	else if (strcmp(interface,
			zwp_keyboard_shortcuts_inhibit_manager_v1_interface.name) == 0)
		c->inhibit = wl_registry_bind(registry, name,
			&zwp_keyboard_shortcuts_inhibit_manager_v1_interface, 1);
	else if (strcmp(interface, zxdg_decoration_manager_v1_interface.name) == 0)
		c->decorations = wl_registry_bind(registry, name,
						  &zxdg_decoration_manager_v1_interface, 1);
	else if (strcmp(interface, wp_viewporter_interface.name) == 0)
		c->viewporter = wl_registry_bind(registry, name,
						 &wp_viewporter_interface, 1);
}

static void
kb_keymap(void *data, struct wl_keyboard *kb, uint32_t format, int32_t fd, uint32_t size)
{
	close(fd);
}

static void
kb_enter(void *data, struct wl_keyboard *kb, uint32_t serial, struct wl_surface *surface,
	 struct wl_array *keys)
{
	struct ctx *c = data;
	c->keyboard_serial = serial;
	c->has_focus = true;
}

static void
kb_leave(void *data, struct wl_keyboard *kb, uint32_t serial, struct wl_surface *surface)
{
	struct ctx *c = data;
	c->has_focus = false;
}

static void
kb_key(void *data, struct wl_keyboard *kb, uint32_t serial, uint32_t time,
       uint32_t key, uint32_t state)
{
}

static void
kb_modifiers(void *data, struct wl_keyboard *kb, uint32_t serial, uint32_t dep,
	     uint32_t lat, uint32_t locked, uint32_t group)
{
}

static void
kb_repeat(void *data, struct wl_keyboard *kb, int32_t rate, int32_t delay)
{
}

static const struct wl_keyboard_listener kb_listener = {
	.keymap = kb_keymap,
	.enter = kb_enter,
	.leave = kb_leave,
	.key = kb_key,
	.modifiers = kb_modifiers,
	.repeat_info = kb_repeat,
};

static void
seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct ctx *c = data;
	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !c->pointer)
		c->pointer = wl_seat_get_pointer(seat);
	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && !c->keyboard) {
		c->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(c->keyboard, &kb_listener, c);
	}
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	const struct shield_case *chosen = NULL, *table = cases;
	size_t ncases = sizeof(cases) / sizeof(cases[0]);
	bool legal = argc == 3 && strcmp(argv[1], "--legal") == 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "--list-legal") == 0) {
		table = legal_cases;
		ncases = sizeof(legal_cases) / sizeof(legal_cases[0]);
	}
	if (argc == 2 && strncmp(argv[1], "--list", 6) == 0) {
		for (size_t i = 0; i < ncases; i++)
			printf("%s%s\n", table[i].name, table[i].seat ? " seat" : "");
		return 0;
	}
	if (legal) {
		table = legal_cases;
		ncases = sizeof(legal_cases) / sizeof(legal_cases[0]);
	}
	for (size_t i = 0; i < ncases; i++) {
		if (strcmp(table[i].name, argv[argc - 1]) == 0 && argc == 2 + legal)
			chosen = &table[i];
	}
	if (!chosen) {
		fprintf(stderr, "usage: shield-client CASE | --legal CASE | "
			"--list | --list-legal\n");
		return 2;
	}

	tc_log_capture_start();
	struct ctx c = { 0 };
	c.g = tc_globals_create("shield-client", &(struct tc_globals_options){
		.compositor_version = 5, .global = global, .data = &c,
		.seat_version = chosen->seat ? 5 : 0,
		.seat_capabilities = seat_capabilities });
	if (!c.g)
		return 2;
	tc_globals_roundtrip(c.g, "setup");
	tc_globals_roundtrip(c.g, "seat capabilities");
	if (!c.subcompositor) {
		fprintf(stderr, "shield-client: no wl_subcompositor\n");
		return 2;
	}
	chosen->run(&c);
	printf("SENT %s\n", chosen->name);

	double deadline = now_s() + (legal ? 0.5 : 3.0);
	int ret = 0;
	while (now_s() < deadline && (ret = wl_display_roundtrip(c.g->display)) >= 0)
		usleep(20000);
	if (ret >= 0) {
		printf("NO_ERROR\n");
		return legal ? 0 : 1;
	}
	struct tc_protocol_error error;
	if (!tc_globals_report_error(c.g, &error))
		return 1;
	const char *marker = strstr(tc_log_text(), ": error ");
	const char *msg = marker ? strstr(marker + 8, ": ") : NULL;
	if (msg)
		printf("ERROR_MESSAGE %.*s\n", (int)strcspn(msg + 2, "\n"), msg + 2);
	if (legal)
		return 3;
	if (strcmp(error.interface, c.want.interface) == 0 && error.id == c.want.id &&
	    error.code == c.want.code)
		return 0;
	fprintf(stderr, "shield-client: expected %s@%u error %u\n",
		c.want.interface, c.want.id, c.want.code);
	return 3;
}
