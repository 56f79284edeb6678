/*
 * A strict xdg_wm_base on the unit host for the x11 fuzz target (xhost.h).
 * What it checks, each as weston 10 or the xdg-shell text has it:
 *  - a title or app_id is valid UTF-8 and at most XHOST_STRING_MAX bytes;
 *  - ack_configure names a serial this xdg_surface was sent and that no
 *    later ack has passed (weston drops the older ones at each ack);
 *  - no role object twice, none on a surface with a buffer, the role
 *    object destroyed before its xdg_surface;
 *  - no buffer committed before the first configure is acked;
 *  - min and max sizes not negative, min ≤ max when both are set (checked
 *    at commit: they are double-buffered);
 *  - set_parent makes no loop.
 * wl_surface attach and commit are seen through a protocol logger, since
 * host.c owns wl_surface.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-server-core.h>

#include "host.h"
#include "input.h"
#include "xdg-shell-server-protocol.h"
#include "xhost.h"

struct xsurface {
	struct xhost *xh;
	struct wl_resource *wl_surface;
	struct wl_resource *xdg_surface; /* NULL until get_xdg_surface */
	struct wl_resource *toplevel;
	struct xsurface *parent;         /* the toplevel's parent */
	bool buffer_pending, has_buffer, acked;
	struct wl_array sent;            /* serials not acked yet, in order */
	int32_t min_w, min_h, max_w, max_h;
	struct wl_listener destroy;      /* of wl_surface */
	struct wl_list link;
};

struct xhost {
	struct wl_display *display;
	struct wl_list surfaces; /* xsurface.link */
	uint32_t serial;
	unsigned strings;
};

static struct xsurface *
surface_find(struct xhost *xh, struct wl_resource *wl_surface)
{
	struct xsurface *s;
	wl_list_for_each(s, &xh->surfaces, link) {
		if (s->wl_surface == wl_surface)
			return s;
	}
	return NULL;
}

/* A record outlives its wl_surface while xdg objects still name it
 * (a connection going destroys them in any order). */
static void
maybe_free(struct xsurface *s)
{
	if (s->wl_surface || s->xdg_surface || s->toplevel)
		return;
	wl_list_remove(&s->link);
	wl_array_release(&s->sent);
	free(s);
}

static void
forget_parent(struct xsurface *s)
{
	struct xsurface *o;
	wl_list_for_each(o, &s->xh->surfaces, link) {
		if (o->parent == s)
			o->parent = NULL;
	}
}

static void
handle_surface_destroy(struct wl_listener *listener, void *data)
{
	struct xsurface *s = wl_container_of(listener, s, destroy);
	wl_list_remove(&s->destroy.link);
	s->wl_surface = NULL;
	maybe_free(s);
}

/* Every wl_surface the host makes gets a record when first seen. */
static struct xsurface *
surface_track(struct xhost *xh, struct wl_resource *wl_surface)
{
	struct xsurface *s = surface_find(xh, wl_surface);
	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	FUZZ_CHECK(s, "out of memory");
	s->xh = xh;
	s->wl_surface = wl_surface;
	wl_array_init(&s->sent);
	s->destroy.notify = handle_surface_destroy;
	wl_resource_add_destroy_listener(wl_surface, &s->destroy);
	wl_list_insert(&xh->surfaces, &s->link);
	return s;
}

static bool
valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 :
			(*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
		if (n < 0 || (n == 1 && *p < 0xc2) || (*p > 0xf4))
			return false;
		uint32_t c = *p & (0x7f >> (n + 1));
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && c < 0x800) || (n == 3 && (c < 0x10000 || c > 0x10ffff)) ||
		    (c >= 0xd800 && c <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

static void
check_string(struct xhost *xh, const char *what, const char *s)
{
	FUZZ_CHECK(valid_utf8(s), "the host got a %s that is not UTF-8", what);
	FUZZ_CHECK(strlen(s) <= XHOST_STRING_MAX, "the host got a %s of %zu bytes",
		   what, strlen(s));
	xh->strings++;
}

static void
check_commit(struct xsurface *s)
{
	if (s->buffer_pending && s->xdg_surface)
		FUZZ_CHECK(s->acked, "xdg-shell: buffer committed before the first "
			   "configure was acked (weston: unconfigured_buffer)");
	s->has_buffer = s->buffer_pending;
	if (s->toplevel && s->min_w && s->max_w)
		FUZZ_CHECK(s->min_w <= s->max_w, "xdg_toplevel: min width %d > max %d",
			   s->min_w, s->max_w);
	if (s->toplevel && s->min_h && s->max_h)
		FUZZ_CHECK(s->min_h <= s->max_h, "xdg_toplevel: min height %d > max %d",
			   s->min_h, s->max_h);
}

static void
log_request(void *data, enum wl_protocol_logger_type type,
	    const struct wl_protocol_logger_message *m)
{
	struct xhost *xh = data;
	if (type != WL_PROTOCOL_LOGGER_REQUEST ||
	    strcmp(wl_resource_get_class(m->resource), "wl_surface") != 0)
		return;
	struct xsurface *s = surface_track(xh, m->resource);
	if (strcmp(m->message->name, "attach") == 0)
		s->buffer_pending = m->arguments[0].o != NULL;
	else if (strcmp(m->message->name, "commit") == 0)
		check_commit(s);
}

/* xdg_toplevel */

static void
toplevel_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
toplevel_set_parent(struct wl_client *client, struct wl_resource *resource,
		    struct wl_resource *parent)
{
	struct xsurface *s = wl_resource_get_user_data(resource);
	struct xsurface *p = parent ? wl_resource_get_user_data(parent) : NULL;
	for (struct xsurface *a = p; a; a = a->parent)
		FUZZ_CHECK(a != s, "xdg_toplevel.set_parent makes a loop "
			   "(invalid_parent)");
	s->parent = p;
}

static void
toplevel_set_title(struct wl_client *client, struct wl_resource *resource,
		   const char *title)
{
	struct xsurface *s = wl_resource_get_user_data(resource);
	check_string(s->xh, "title", title);
}

static void
toplevel_set_app_id(struct wl_client *client, struct wl_resource *resource,
		    const char *app_id)
{
	struct xsurface *s = wl_resource_get_user_data(resource);
	check_string(s->xh, "app_id", app_id);
}

static void
toplevel_show_window_menu(struct wl_client *client, struct wl_resource *resource,
			  struct wl_resource *seat, uint32_t serial, int32_t x,
			  int32_t y)
{
}

static void
toplevel_move(struct wl_client *client, struct wl_resource *resource,
	      struct wl_resource *seat, uint32_t serial)
{
}

static void
toplevel_resize(struct wl_client *client, struct wl_resource *resource,
		struct wl_resource *seat, uint32_t serial, uint32_t edges)
{
	FUZZ_CHECK(edges <= XDG_TOPLEVEL_RESIZE_EDGE_BOTTOM_RIGHT,
		   "xdg_toplevel.resize edge %u (invalid_resize_edge)", edges);
}

static void
toplevel_set_max_size(struct wl_client *client, struct wl_resource *resource,
		      int32_t w, int32_t h)
{
	struct xsurface *s = wl_resource_get_user_data(resource);
	FUZZ_CHECK(w >= 0 && h >= 0, "xdg_toplevel.set_max_size %d x %d "
		   "(invalid_size)", w, h);
	s->max_w = w;
	s->max_h = h;
}

static void
toplevel_set_min_size(struct wl_client *client, struct wl_resource *resource,
		      int32_t w, int32_t h)
{
	struct xsurface *s = wl_resource_get_user_data(resource);
	FUZZ_CHECK(w >= 0 && h >= 0, "xdg_toplevel.set_min_size %d x %d "
		   "(invalid_size)", w, h);
	s->min_w = w;
	s->min_h = h;
}

static void
toplevel_no_args(struct wl_client *client, struct wl_resource *resource)
{
}

static void
toplevel_set_fullscreen(struct wl_client *client, struct wl_resource *resource,
			struct wl_resource *output)
{
}

static const struct xdg_toplevel_interface toplevel_impl = {
	.destroy = toplevel_destroy,
	.set_parent = toplevel_set_parent,
	.set_title = toplevel_set_title,
	.set_app_id = toplevel_set_app_id,
	.show_window_menu = toplevel_show_window_menu,
	.move = toplevel_move,
	.resize = toplevel_resize,
	.set_max_size = toplevel_set_max_size,
	.set_min_size = toplevel_set_min_size,
	.set_maximized = toplevel_no_args,
	.unset_maximized = toplevel_no_args,
	.set_fullscreen = toplevel_set_fullscreen,
	.unset_fullscreen = toplevel_no_args,
	.set_minimized = toplevel_no_args,
};

static void
toplevel_resource_destroy(struct wl_resource *resource)
{
	struct xsurface *s = wl_resource_get_user_data(resource);
	forget_parent(s);
	s->toplevel = NULL;
	s->parent = NULL;
	s->min_w = s->min_h = s->max_w = s->max_h = 0;
	maybe_free(s);
}

/* xdg_surface */

static void
send_configure(struct xsurface *s, int32_t w, int32_t h, struct wl_array *states)
{
	xdg_toplevel_send_configure(s->toplevel, w, h, states);
	uint32_t serial = ++s->xh->serial;
	uint32_t *slot = wl_array_add(&s->sent, sizeof(*slot));
	FUZZ_CHECK(slot, "out of memory");
	*slot = serial;
	xdg_surface_send_configure(s->xdg_surface, serial);
}

static void
xdg_surface_destroy_request(struct wl_client *client, struct wl_resource *resource)
{
	struct xsurface *s = wl_resource_get_user_data(resource);
	FUZZ_CHECK(!s->toplevel, "xdg_surface destroyed before its toplevel "
		   "(defunct_role_object)");
	wl_resource_destroy(resource);
}

static void
xdg_surface_get_toplevel(struct wl_client *client, struct wl_resource *resource,
			 uint32_t id)
{
	struct xsurface *s = wl_resource_get_user_data(resource);
	FUZZ_CHECK(!s->toplevel, "xdg_surface.get_toplevel twice "
		   "(already_constructed)");
	s->toplevel = wl_resource_create(client, &xdg_toplevel_interface,
					 wl_resource_get_version(resource), id);
	FUZZ_CHECK(s->toplevel, "out of memory");
	wl_resource_set_implementation(s->toplevel, &toplevel_impl, s,
				       toplevel_resource_destroy);
	struct wl_array states;
	wl_array_init(&states);
	send_configure(s, 0, 0, &states);
	wl_array_release(&states);
}

static void
xdg_surface_get_popup(struct wl_client *client, struct wl_resource *resource,
		      uint32_t id, struct wl_resource *parent,
		      struct wl_resource *positioner)
{
	FUZZ_CHECK(false, "the window manager makes no xdg_popup");
}

static void
xdg_surface_set_window_geometry(struct wl_client *client,
				struct wl_resource *resource, int32_t x, int32_t y,
				int32_t w, int32_t h)
{
	FUZZ_CHECK(w > 0 && h > 0, "xdg_surface.set_window_geometry %d x %d "
		   "(invalid_size)", w, h);
}

static void
xdg_surface_ack_configure(struct wl_client *client, struct wl_resource *resource,
			  uint32_t serial)
{
	struct xsurface *s = wl_resource_get_user_data(resource);
	size_t n = s->sent.size / sizeof(uint32_t), i = 0;
	const uint32_t *sent = s->sent.data;
	while (i < n && sent[i] != serial)
		i++;
	FUZZ_CHECK(i < n, "xdg_surface.ack_configure(%u): never sent, or "
		   "older than one acked (invalid_serial)", serial);
	/* This one and every older one are done. */
	memmove(s->sent.data, sent + i + 1, (n - i - 1) * sizeof(uint32_t));
	s->sent.size = (n - i - 1) * sizeof(uint32_t);
	s->acked = true;
}

static const struct xdg_surface_interface xdg_surface_impl = {
	.destroy = xdg_surface_destroy_request,
	.get_toplevel = xdg_surface_get_toplevel,
	.get_popup = xdg_surface_get_popup,
	.set_window_geometry = xdg_surface_set_window_geometry,
	.ack_configure = xdg_surface_ack_configure,
};

static void
xdg_surface_resource_destroy(struct wl_resource *resource)
{
	struct xsurface *s = wl_resource_get_user_data(resource);
	s->xdg_surface = NULL;
	s->acked = false;
	s->sent.size = 0;
	maybe_free(s);
}

/* xdg_wm_base */

static void
wm_base_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static int
positioner_dispatch(const void *impl, void *target, uint32_t opcode,
		    const struct wl_message *message, union wl_argument *args)
{
	if (opcode == 0) /* destroy */
		wl_resource_destroy(target);
	return 0;
}

static void
wm_base_create_positioner(struct wl_client *client, struct wl_resource *resource,
			  uint32_t id)
{
	struct wl_resource *p = wl_resource_create(client, &xdg_positioner_interface,
		wl_resource_get_version(resource), id);
	FUZZ_CHECK(p, "out of memory");
	wl_resource_set_dispatcher(p, positioner_dispatch, NULL, NULL, NULL);
}

static void
wm_base_get_xdg_surface(struct wl_client *client, struct wl_resource *resource,
			uint32_t id, struct wl_resource *wl_surface)
{
	struct xhost *xh = wl_resource_get_user_data(resource);
	struct xsurface *s = surface_track(xh, wl_surface);
	FUZZ_CHECK(!s->xdg_surface, "xdg_wm_base.get_xdg_surface twice (role)");
	FUZZ_CHECK(!s->has_buffer, "xdg_wm_base.get_xdg_surface on a surface with "
		   "a buffer (weston: invalid_surface_state)");
	s->xdg_surface = wl_resource_create(client, &xdg_surface_interface,
					    wl_resource_get_version(resource), id);
	FUZZ_CHECK(s->xdg_surface, "out of memory");
	wl_resource_set_implementation(s->xdg_surface, &xdg_surface_impl, s,
				       xdg_surface_resource_destroy);
}

static void
wm_base_pong(struct wl_client *client, struct wl_resource *resource,
	     uint32_t serial)
{
}

static const struct xdg_wm_base_interface wm_base_impl = {
	.destroy = wm_base_destroy,
	.create_positioner = wm_base_create_positioner,
	.get_xdg_surface = wm_base_get_xdg_surface,
	.pong = wm_base_pong,
};

static void
wm_base_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(client, &xdg_wm_base_interface,
						   (int)version, id);
	FUZZ_CHECK(r, "out of memory");
	wl_resource_set_implementation(r, &wm_base_impl, data, NULL);
}

struct xhost *
xhost_create(struct host *host)
{
	struct xhost *xh = calloc(1, sizeof(*xh));
	FUZZ_CHECK(xh, "out of memory");
	xh->display = host_get_display(host);
	wl_list_init(&xh->surfaces);
	FUZZ_CHECK(wl_global_create(xh->display, &xdg_wm_base_interface, 1, xh,
				    wm_base_bind), "cannot add xdg_wm_base");
	FUZZ_CHECK(wl_display_add_protocol_logger(xh->display, log_request, xh),
		   "cannot add a protocol logger");
	return xh;
}

/* The input's pick among the toplevels, or NULL. */
static struct xsurface *
pick_toplevel(struct xhost *xh, struct input *in)
{
	int n = xhost_toplevel_count(xh);
	if (n == 0)
		return NULL;
	int want = (int)input_range(in, 0, (uint32_t)n - 1);
	struct xsurface *s;
	wl_list_for_each(s, &xh->surfaces, link) {
		if (s->toplevel && want-- == 0)
			return s;
	}
	return NULL;
}

void
xhost_configure(struct xhost *xh, struct input *in)
{
	struct xsurface *s = pick_toplevel(xh, in);
	int32_t w = (int32_t)input_range(in, 0, 5000);
	int32_t h = (int32_t)input_range(in, 0, 5000);
	uint8_t bits = input_u8(in);
	if (!s)
		return;
	struct wl_array states;
	wl_array_init(&states);
	static const uint32_t which[] = { XDG_TOPLEVEL_STATE_ACTIVATED,
		XDG_TOPLEVEL_STATE_FULLSCREEN, XDG_TOPLEVEL_STATE_MAXIMIZED,
		XDG_TOPLEVEL_STATE_RESIZING };
	for (unsigned i = 0; i < 4; i++) {
		uint32_t *slot = (bits >> i & 1) ? wl_array_add(&states, 4) : NULL;
		if (slot)
			*slot = which[i];
	}
	send_configure(s, w, h, &states);
	wl_array_release(&states);
}

void
xhost_close(struct xhost *xh, struct input *in)
{
	struct xsurface *s = pick_toplevel(xh, in);
	if (s)
		xdg_toplevel_send_close(s->toplevel);
}

int
xhost_toplevel_count(const struct xhost *xh)
{
	int n = 0;
	struct xsurface *s;
	wl_list_for_each(s, &xh->surfaces, link)
		n += s->toplevel != NULL;
	return n;
}

unsigned
xhost_strings_checked(const struct xhost *xh)
{
	return xh->strings;
}
