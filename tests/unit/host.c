/*
 * The test host compositor: real libwayland-server objects for wl_compositor
 * (surfaces, regions, frame callbacks), wl_output, wl_seat (pointer,
 * keyboard, touch), zwp_tablet_manager_v2 (which announces a tablet, a tool
 * and a pad with a group and a ring: objects created by events), plus two
 * globals the proxy must hide: zwp_linux_dmabuf_v1 and test_unknown_v1,
 * and for the shield wp_fractional_scale_manager_v1 (weston 10 has none)
 * and wl_subcompositor (a role other than a cursor), xwayland_shell_v1,
 * wp_content_type_manager_v1 and wp_tearing_control_manager_v1.
 * With config.shm, libwayland's wl_shm, and buffers committed to surfaces
 * are kept (and released on the next commit, or only on demand with
 * config.hold_buffers).  Every request is logged in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wayland-server.h>
#include <wayland-server-protocol.h>

#include "host.h"
#include "content-type-v1-server-protocol.h"
#include "fractional-scale-v1-server-protocol.h"
#include "tearing-control-v1-server-protocol.h"
#include "xwayland-shell-v1-server-protocol.h"
#include "tablet-unstable-v2-server-protocol.h"

/* From the proxy's protocol library (no header of it is generated). */
extern const struct wl_interface zwp_linux_dmabuf_v1_interface;

/* An interface no proxy has compiled in. */
static const struct wl_interface test_unknown_v1_interface = {
	"test_unknown_v1", 1, 0, NULL, 0, NULL,
};

struct host {
	struct wl_display *display;
	struct wl_event_loop *loop;
	struct host_config config;
	struct host_stats stats;

	struct wl_global *globals[HOST_GLOBAL_COUNT];
	bool removed[HOST_GLOBAL_COUNT];
	/* What the registry advertises: libwayland's table with the
	 * configured version, which may be above the compiled one. */
	struct wl_interface advertised[HOST_GLOBAL_COUNT];
	/* Every bind goes through global_bind, which counts binds racing a
	 * wl_global_remove. */
	struct bind_thunk {
		struct host *host;
		enum host_global which;
	} thunks[HOST_GLOBAL_COUNT];

	struct wl_list pointers; /* wl_resource links */
	struct wl_list held_buffers; /* held_buffer.link */
	struct wl_listener client_created;
	struct wl_protocol_logger *logger;
	int next_client;
	char log[HOST_LOG_SIZE];
	size_t log_len;
};

struct host_client {
	struct host *host;
	int index;
	bool bound_shm; /* a wl_registry.bind of wl_shm came */
	struct wl_listener destroy;
};

struct host_surface {
	struct host *host;
	struct wl_resource *resource;
	struct wl_list callbacks; /* wl_resource links of frame callbacks */
	bool attached;                 /* since the last commit */
	struct wl_resource *pending;   /* the buffer attached, or NULL */
	struct wl_listener pending_destroy;
};

/* A committed buffer not released yet. */
struct held_buffer {
	struct host *host;
	struct host_surface *surface; /* NULL once the surface is gone */
	struct wl_resource *buffer;
	struct wl_listener destroy;
	struct wl_list link; /* host.held_buffers */
};

static uint32_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
handle_resource_destroy_request(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

/* ---- wl_region ---------------------------------------------------------- */

static void
region_handle_add(struct wl_client *client, struct wl_resource *resource,
		  int32_t x, int32_t y, int32_t width, int32_t height)
{
}

static const struct wl_region_interface region_impl = {
	.destroy = handle_resource_destroy_request,
	.add = region_handle_add,
	.subtract = region_handle_add,
};

/* ---- wl_surface --------------------------------------------------------- */

static void
callback_handle_resource_destroy(struct wl_resource *resource)
{
	struct host *host = wl_resource_get_user_data(resource);
	wl_list_remove(wl_resource_get_link(resource));
	host->stats.callbacks--;
}

static void
surface_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	struct host_surface *surface = wl_resource_get_user_data(resource);
	surface->host->stats.surfaces_destroyed++;
	wl_resource_destroy(resource);
}

static void
held_buffer_free(struct held_buffer *held)
{
	held->host->stats.buffers_held--;
	wl_list_remove(&held->destroy.link);
	wl_list_remove(&held->link);
	free(held);
}

static void
handle_held_buffer_destroy(struct wl_listener *listener, void *data)
{
	struct held_buffer *held = wl_container_of(listener, held, destroy);
	held_buffer_free(held);
}

static void
held_buffer_release(struct held_buffer *held)
{
	wl_buffer_send_release(held->buffer);
	held_buffer_free(held);
}

static void
hold_buffer(struct host_surface *surface, struct wl_resource *buffer)
{
	struct host *host = surface->host;
	struct held_buffer *held, *tmp;
	wl_list_for_each_safe(held, tmp, &host->held_buffers, link) {
		if (held->buffer == buffer)
			return;
		/* A compositor done with the previous buffer hands it back. */
		if (!host->config.hold_buffers && held->surface == surface)
			held_buffer_release(held);
	}
	held = calloc(1, sizeof(*held));
	if (!held)
		return;
	held->host = host;
	held->surface = surface;
	held->buffer = buffer;
	held->destroy.notify = handle_held_buffer_destroy;
	wl_resource_add_destroy_listener(buffer, &held->destroy);
	wl_list_insert(host->held_buffers.prev, &held->link);
	host->stats.buffers_held++;
}

void
host_release_buffers(struct host *host)
{
	struct held_buffer *held, *tmp;
	wl_list_for_each_safe(held, tmp, &host->held_buffers, link)
		held_buffer_release(held);
}

static void
surface_set_pending(struct host_surface *surface, struct wl_resource *buffer)
{
	if (surface->pending)
		wl_list_remove(&surface->pending_destroy.link);
	surface->pending = buffer;
	if (buffer)
		wl_resource_add_destroy_listener(buffer, &surface->pending_destroy);
}

static void
handle_pending_destroy(struct wl_listener *listener, void *data)
{
	struct host_surface *surface =
		wl_container_of(listener, surface, pending_destroy);
	wl_list_remove(&surface->pending_destroy.link);
	surface->pending = NULL;
}

static void
surface_handle_attach(struct wl_client *client, struct wl_resource *resource,
		      struct wl_resource *buffer, int32_t x, int32_t y)
{
	struct host_surface *surface = wl_resource_get_user_data(resource);
	surface_set_pending(surface, buffer);
	surface->attached = true;
}

/* What the client drew: its first pixel. */
static void
note_buffer_commit(struct host *host, struct wl_resource *buffer)
{
	host->stats.buffer_commits++;
	struct wl_shm_buffer *shm = wl_shm_buffer_get(buffer);
	if (!shm)
		return;
	wl_shm_buffer_begin_access(shm);
	host->stats.last_pixel = *(const uint32_t *)wl_shm_buffer_get_data(shm);
	wl_shm_buffer_end_access(shm);
}

static void
surface_handle_damage(struct wl_client *client, struct wl_resource *resource,
		      int32_t x, int32_t y, int32_t width, int32_t height)
{
}

static void
surface_handle_frame(struct wl_client *client, struct wl_resource *resource,
		     uint32_t id)
{
	struct host_surface *surface = wl_resource_get_user_data(resource);
	struct wl_resource *cb = wl_resource_create(client, &wl_callback_interface,
						    1, id);
	if (!cb) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(cb, NULL, surface->host,
				       callback_handle_resource_destroy);
	wl_list_insert(surface->callbacks.prev, wl_resource_get_link(cb));
	surface->host->stats.callbacks++;
}

static void
surface_handle_set_region(struct wl_client *client, struct wl_resource *resource,
			  struct wl_resource *region)
{
}

static void
surface_handle_commit(struct wl_client *client, struct wl_resource *resource)
{
	struct host_surface *surface = wl_resource_get_user_data(resource);
	struct host *host = surface->host;
	host->stats.commits++;

	if (surface->attached && surface->pending) {
		note_buffer_commit(host, surface->pending);
		hold_buffer(surface, surface->pending);
	}
	surface->attached = false;
	surface_set_pending(surface, NULL);

	struct wl_resource *cb, *tmp;
	wl_resource_for_each_safe(cb, tmp, &surface->callbacks) {
		wl_callback_send_done(cb, now_ms());
		host->stats.frame_dones++;
		wl_resource_destroy(cb);
	}

	if (!host->config.pointer_enter_on_commit)
		return;
	struct wl_resource *pointer;
	wl_resource_for_each(pointer, &host->pointers) {
		if (wl_resource_get_client(pointer) != client)
			continue;
		wl_pointer_send_enter(pointer, wl_display_next_serial(host->display),
				      resource, wl_fixed_from_int(1),
				      wl_fixed_from_int(2));
		if (wl_resource_get_version(pointer) >= WL_POINTER_FRAME_SINCE_VERSION)
			wl_pointer_send_frame(pointer);
		host->stats.enters_sent++;
	}
}

static void
surface_handle_set_buffer_transform(struct wl_client *client,
				    struct wl_resource *resource, int32_t transform)
{
	struct host_surface *surface = wl_resource_get_user_data(resource);
	if (transform == HOST_ERROR_TRANSFORM) {
		surface->host->stats.errors_posted++;
		wl_resource_post_error(resource, HOST_ERROR_CODE, "%s", HOST_ERROR_TEXT);
	}
}

static void
surface_handle_set_buffer_scale(struct wl_client *client,
				struct wl_resource *resource, int32_t scale)
{
}

static void
surface_handle_offset(struct wl_client *client, struct wl_resource *resource,
		      int32_t x, int32_t y)
{
}

static const struct wl_surface_interface surface_impl = {
	.destroy = surface_handle_destroy,
	.attach = surface_handle_attach,
	.damage = surface_handle_damage,
	.frame = surface_handle_frame,
	.set_opaque_region = surface_handle_set_region,
	.set_input_region = surface_handle_set_region,
	.commit = surface_handle_commit,
	.set_buffer_transform = surface_handle_set_buffer_transform,
	.set_buffer_scale = surface_handle_set_buffer_scale,
	.damage_buffer = surface_handle_damage,
	.offset = surface_handle_offset,
};

static void
surface_handle_resource_destroy(struct wl_resource *resource)
{
	struct host_surface *surface = wl_resource_get_user_data(resource);
	/* Pending callbacks outlive the surface (they are the client's) but
	 * must leave its list. */
	struct wl_resource *cb, *tmp;
	wl_resource_for_each_safe(cb, tmp, &surface->callbacks) {
		wl_list_remove(wl_resource_get_link(cb));
		wl_list_init(wl_resource_get_link(cb));
	}
	surface_set_pending(surface, NULL);
	struct held_buffer *held;
	wl_list_for_each(held, &surface->host->held_buffers, link) {
		if (held->surface == surface)
			held->surface = NULL;
	}
	surface->host->stats.surfaces--;
	free(surface);
}

/* ---- wl_compositor ------------------------------------------------------ */

static void
compositor_handle_create_surface(struct wl_client *client,
				 struct wl_resource *resource, uint32_t id)
{
	struct host *host = wl_resource_get_user_data(resource);
	struct host_surface *surface = calloc(1, sizeof(*surface));
	if (!surface) {
		wl_client_post_no_memory(client);
		return;
	}
	surface->resource = wl_resource_create(client, &wl_surface_interface,
		wl_resource_get_version(resource), id);
	if (!surface->resource) {
		free(surface);
		wl_client_post_no_memory(client);
		return;
	}
	surface->host = host;
	wl_list_init(&surface->callbacks);
	surface->pending_destroy.notify = handle_pending_destroy;
	wl_resource_set_implementation(surface->resource, &surface_impl, surface,
				       surface_handle_resource_destroy);
	host->stats.surfaces++;
}

static void
compositor_handle_create_region(struct wl_client *client,
				struct wl_resource *resource, uint32_t id)
{
	struct wl_resource *region = wl_resource_create(client, &wl_region_interface,
							1, id);
	if (!region) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(region, &region_impl, NULL, NULL);
}

static const struct wl_compositor_interface compositor_impl = {
	.create_surface = compositor_handle_create_surface,
	.create_region = compositor_handle_create_region,
};

static void
compositor_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct host *host = data;
	struct wl_resource *res = wl_resource_create(client, &wl_compositor_interface,
						     (int)version, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(res, &compositor_impl, host, NULL);
	host->stats.compositor_bind_version = version;
}

/* ---- wl_output ---------------------------------------------------------- */

static const struct wl_output_interface output_impl = {
	.release = handle_resource_destroy_request,
};

static void
output_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct host *host = data;
	struct wl_resource *res = wl_resource_create(client, &wl_output_interface,
						     (int)version, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(res, &output_impl, host, NULL);
	host->stats.output_bind_started++;
	host->stats.output_bind_version = version;
	/* A slow host: busy for a while, but still answering in order. */
	if (host->config.output_bind_delay_ms > 0)
		usleep((useconds_t)host->config.output_bind_delay_ms * 1000);

	wl_output_send_geometry(res, 0, 0, 300, 200, WL_OUTPUT_SUBPIXEL_UNKNOWN,
				HOST_OUTPUT_MAKE, HOST_OUTPUT_MODEL,
				WL_OUTPUT_TRANSFORM_NORMAL);
	wl_output_send_mode(res, WL_OUTPUT_MODE_CURRENT | WL_OUTPUT_MODE_PREFERRED,
			    HOST_OUTPUT_WIDTH, HOST_OUTPUT_HEIGHT, 60000);
	if (version >= WL_OUTPUT_SCALE_SINCE_VERSION)
		wl_output_send_scale(res, 1);
	if (version >= WL_OUTPUT_NAME_SINCE_VERSION)
		wl_output_send_name(res, "WLGP-1");
	if (version >= WL_OUTPUT_DONE_SINCE_VERSION)
		wl_output_send_done(res);
	host->stats.output_binds++;
}

/* ---- wl_seat ------------------------------------------------------------ */

static void
pointer_handle_set_cursor(struct wl_client *client, struct wl_resource *resource,
			  uint32_t serial, struct wl_resource *surface,
			  int32_t hotspot_x, int32_t hotspot_y)
{
	struct host *host = wl_resource_get_user_data(resource);
	if (surface)
		host->stats.pointer_cursors_set++;
}

static const struct wl_pointer_interface pointer_impl = {
	.set_cursor = pointer_handle_set_cursor,
	.release = handle_resource_destroy_request,
};

static void
pointer_handle_resource_destroy(struct wl_resource *resource)
{
	struct host *host = wl_resource_get_user_data(resource);
	wl_list_remove(wl_resource_get_link(resource));
	host->stats.pointers--;
}

static void
seat_handle_get_pointer(struct wl_client *client, struct wl_resource *resource,
			uint32_t id)
{
	struct host *host = wl_resource_get_user_data(resource);
	struct wl_resource *pointer = wl_resource_create(client, &wl_pointer_interface,
		wl_resource_get_version(resource), id);
	if (!pointer) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(pointer, &pointer_impl, host,
				       pointer_handle_resource_destroy);
	wl_list_insert(&host->pointers, wl_resource_get_link(pointer));
	host->stats.pointers++;
}

static const struct wl_keyboard_interface keyboard_impl = {
	.release = handle_resource_destroy_request,
};

static void
seat_handle_get_keyboard(struct wl_client *client, struct wl_resource *resource,
			 uint32_t id)
{
	struct wl_resource *keyboard = wl_resource_create(client, &wl_keyboard_interface,
		wl_resource_get_version(resource), id);
	if (!keyboard) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(keyboard, &keyboard_impl, NULL, NULL);
}

static const struct wl_touch_interface touch_impl = {
	.release = handle_resource_destroy_request,
};

static void
seat_handle_get_touch(struct wl_client *client, struct wl_resource *resource,
		      uint32_t id)
{
	struct wl_resource *touch = wl_resource_create(client, &wl_touch_interface,
		wl_resource_get_version(resource), id);
	if (!touch) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(touch, &touch_impl, NULL, NULL);
}

static const struct wl_seat_interface seat_impl = {
	.get_pointer = seat_handle_get_pointer,
	.get_keyboard = seat_handle_get_keyboard,
	.get_touch = seat_handle_get_touch,
	.release = handle_resource_destroy_request,
};

static void
seat_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct host *host = data;
	struct wl_resource *res = wl_resource_create(client, &wl_seat_interface,
						     (int)version, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(res, &seat_impl, host, NULL);
	wl_seat_send_capabilities(res, WL_SEAT_CAPABILITY_POINTER);
	if (version >= WL_SEAT_NAME_SINCE_VERSION)
		wl_seat_send_name(res, "seat0");
}

/* ---- zwp_tablet_manager_v2 ---------------------------------------------- */

static void
tablet_object_handle_resource_destroy(struct wl_resource *resource)
{
	struct host *host = wl_resource_get_user_data(resource);
	host->stats.tablet_objects--;
}

static void
tablet_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	struct host *host = wl_resource_get_user_data(resource);
	host->stats.tablets_destroyed++;
	wl_resource_destroy(resource);
}

static const struct zwp_tablet_v2_interface tablet_impl = {
	.destroy = tablet_handle_destroy,
};

static void
tool_handle_set_cursor(struct wl_client *client, struct wl_resource *resource,
		       uint32_t serial, struct wl_resource *surface,
		       int32_t hotspot_x, int32_t hotspot_y)
{
	struct host *host = wl_resource_get_user_data(resource);
	if (surface)
		host->stats.tool_cursors_set++;
}

static void
tool_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	struct host *host = wl_resource_get_user_data(resource);
	host->stats.tools_destroyed++;
	wl_resource_destroy(resource);
}

static const struct zwp_tablet_tool_v2_interface tool_impl = {
	.set_cursor = tool_handle_set_cursor,
	.destroy = tool_handle_destroy,
};

static void
pad_handle_set_feedback(struct wl_client *client, struct wl_resource *resource,
			uint32_t button, const char *description, uint32_t serial)
{
}

static void
pad_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	struct host *host = wl_resource_get_user_data(resource);
	host->stats.pads_destroyed++;
	wl_resource_destroy(resource);
}

static const struct zwp_tablet_pad_v2_interface pad_impl = {
	.set_feedback = pad_handle_set_feedback,
	.destroy = pad_handle_destroy,
};

static void
group_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	struct host *host = wl_resource_get_user_data(resource);
	host->stats.groups_destroyed++;
	wl_resource_destroy(resource);
}

static const struct zwp_tablet_pad_group_v2_interface group_impl = {
	.destroy = group_handle_destroy,
};

static void
ring_handle_set_feedback(struct wl_client *client, struct wl_resource *resource,
			 const char *description, uint32_t serial)
{
}

static void
ring_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	struct host *host = wl_resource_get_user_data(resource);
	host->stats.rings_destroyed++;
	wl_resource_destroy(resource);
}

static const struct zwp_tablet_pad_ring_v2_interface ring_impl = {
	.set_feedback = ring_handle_set_feedback,
	.destroy = ring_handle_destroy,
};

/* A server-created object (id 0: libwayland picks one from the server
 * range), the kind a new_id event carries. */
static struct wl_resource *
tablet_object_create(struct host *host, struct wl_resource *parent,
		     const struct wl_interface *iface, const void *impl)
{
	struct wl_client *client = wl_resource_get_client(parent);
	struct wl_resource *res = wl_resource_create(client, iface,
		wl_resource_get_version(parent), 0);
	if (!res) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	wl_resource_set_implementation(res, impl, host,
				       tablet_object_handle_resource_destroy);
	host->stats.tablet_objects++;
	return res;
}

static void
tablet_seat_handle_resource_destroy(struct wl_resource *resource)
{
	struct host *host = wl_resource_get_user_data(resource);
	host->stats.tablet_seats--;
}

static const struct zwp_tablet_seat_v2_interface tablet_seat_impl = {
	.destroy = handle_resource_destroy_request,
};

static void
tablet_seat_announce(struct host *host, struct wl_resource *seat)
{
	struct wl_resource *tablet = tablet_object_create(host, seat,
		&zwp_tablet_v2_interface, &tablet_impl);
	if (!tablet)
		return;
	zwp_tablet_seat_v2_send_tablet_added(seat, tablet);
	zwp_tablet_v2_send_name(tablet, HOST_TABLET_NAME);
	zwp_tablet_v2_send_id(tablet, HOST_TABLET_VID, HOST_TABLET_PID);
	zwp_tablet_v2_send_path(tablet, HOST_TABLET_PATH);
	zwp_tablet_v2_send_done(tablet);

	struct wl_resource *tool = tablet_object_create(host, seat,
		&zwp_tablet_tool_v2_interface, &tool_impl);
	if (!tool)
		return;
	zwp_tablet_seat_v2_send_tool_added(seat, tool);
	zwp_tablet_tool_v2_send_type(tool, ZWP_TABLET_TOOL_V2_TYPE_PEN);
	zwp_tablet_tool_v2_send_hardware_serial(tool, 0, HOST_TOOL_SERIAL_LO);
	zwp_tablet_tool_v2_send_capability(tool, ZWP_TABLET_TOOL_V2_CAPABILITY_PRESSURE);
	zwp_tablet_tool_v2_send_done(tool);

	/* A pad whose group and ring are created by events on objects that
	 * were themselves created by events. */
	struct wl_resource *pad = tablet_object_create(host, seat,
		&zwp_tablet_pad_v2_interface, &pad_impl);
	if (!pad)
		return;
	zwp_tablet_seat_v2_send_pad_added(seat, pad);
	struct wl_resource *group = tablet_object_create(host, pad,
		&zwp_tablet_pad_group_v2_interface, &group_impl);
	if (!group)
		return;
	zwp_tablet_pad_v2_send_group(pad, group);
	struct wl_array buttons;
	wl_array_init(&buttons);
	for (uint32_t b = 0; b < HOST_PAD_BUTTONS; b++) {
		uint32_t *p = wl_array_add(&buttons, sizeof(*p));
		if (p)
			*p = b;
	}
	zwp_tablet_pad_group_v2_send_buttons(group, &buttons);
	wl_array_release(&buttons);
	struct wl_resource *ring = tablet_object_create(host, group,
		&zwp_tablet_pad_ring_v2_interface, &ring_impl);
	if (!ring)
		return;
	zwp_tablet_pad_group_v2_send_ring(group, ring);
	zwp_tablet_pad_group_v2_send_modes(group, 1);
	zwp_tablet_pad_group_v2_send_done(group);
	zwp_tablet_pad_v2_send_path(pad, HOST_TABLET_PATH);
	zwp_tablet_pad_v2_send_buttons(pad, HOST_PAD_BUTTONS);
	zwp_tablet_pad_v2_send_done(pad);
}

static void
tablet_manager_handle_get_tablet_seat(struct wl_client *client,
				      struct wl_resource *resource,
				      uint32_t id, struct wl_resource *seat)
{
	struct host *host = wl_resource_get_user_data(resource);
	struct wl_resource *tablet_seat = wl_resource_create(client,
		&zwp_tablet_seat_v2_interface, wl_resource_get_version(resource), id);
	if (!tablet_seat) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(tablet_seat, &tablet_seat_impl, host,
				       tablet_seat_handle_resource_destroy);
	host->stats.tablet_seats++;
	tablet_seat_announce(host, tablet_seat);
}

static const struct zwp_tablet_manager_v2_interface tablet_manager_impl = {
	.get_tablet_seat = tablet_manager_handle_get_tablet_seat,
	.destroy = handle_resource_destroy_request,
};

static void
tablet_manager_bind(struct wl_client *client, void *data, uint32_t version,
		    uint32_t id)
{
	struct wl_resource *res = wl_resource_create(client,
		&zwp_tablet_manager_v2_interface, (int)version, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(res, &tablet_manager_impl, data, NULL);
}

/* ---- globals the proxy must hide ---------------------------------------- */

static void
dmabuf_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	/* Never reached through the proxy; a plain resource is enough for a
	 * direct client. */
	struct wl_resource *res = wl_resource_create(client,
		&zwp_linux_dmabuf_v1_interface, 1, id);
	if (!res)
		wl_client_post_no_memory(client);
}

static void
unknown_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *res = wl_resource_create(client,
		&test_unknown_v1_interface, 1, id);
	if (!res)
		wl_client_post_no_memory(client);
}

/* ---- wp_fractional_scale_manager_v1 -------------------------------------- */

static void
fractional_scale_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wp_fractional_scale_v1_interface fractional_scale_impl = {
	.destroy = fractional_scale_handle_destroy,
};

static void
fractional_scale_resource_destroy(struct wl_resource *resource)
{
	struct host *host = wl_resource_get_user_data(resource);
	host->stats.fractional_scales--;
}

static void
fractional_manager_handle_get(struct wl_client *client, struct wl_resource *resource,
			      uint32_t id, struct wl_resource *surface)
{
	struct host *host = wl_resource_get_user_data(resource);
	struct wl_resource *res = wl_resource_create(client,
		&wp_fractional_scale_v1_interface, wl_resource_get_version(resource), id);
	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(res, &fractional_scale_impl, host,
				       fractional_scale_resource_destroy);
	host->stats.fractional_scales++;
	host->stats.fractional_scales_created++;
}

static const struct wp_fractional_scale_manager_v1_interface fractional_manager_impl = {
	.destroy = fractional_scale_handle_destroy,
	.get_fractional_scale = fractional_manager_handle_get,
};

static void
fractional_manager_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *res = wl_resource_create(client,
		&wp_fractional_scale_manager_v1_interface, (int)version, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(res, &fractional_manager_impl, data, NULL);
}

/* ---- wl_subcompositor --------------------------------------------------- */

static void
subsurface_handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
subsurface_handle_set_position(struct wl_client *client, struct wl_resource *resource,
			       int32_t x, int32_t y)
{
}

static void
subsurface_handle_place(struct wl_client *client, struct wl_resource *resource,
			struct wl_resource *sibling)
{
}

static void
subsurface_handle_noargs(struct wl_client *client, struct wl_resource *resource)
{
}

static const struct wl_subsurface_interface subsurface_impl = {
	.destroy = subsurface_handle_destroy,
	.set_position = subsurface_handle_set_position,
	.place_above = subsurface_handle_place,
	.place_below = subsurface_handle_place,
	.set_sync = subsurface_handle_noargs,
	.set_desync = subsurface_handle_noargs,
};

static void
subcompositor_handle_get_subsurface(struct wl_client *client,
				    struct wl_resource *resource, uint32_t id,
				    struct wl_resource *surface,
				    struct wl_resource *parent)
{
	struct host *host = wl_resource_get_user_data(resource);
	struct wl_resource *res = wl_resource_create(client, &wl_subsurface_interface,
						     1, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(res, &subsurface_impl, host, NULL);
	host->stats.subsurfaces_created++;
}

static const struct wl_subcompositor_interface subcompositor_impl = {
	.destroy = subsurface_handle_destroy,
	.get_subsurface = subcompositor_handle_get_subsurface,
};

static void
subcompositor_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *res = wl_resource_create(client, &wl_subcompositor_interface,
						     (int)version, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(res, &subcompositor_impl, data, NULL);
}

/* ---- xwayland_shell_v1 ---------------------------------------------------- */

static void
xwayland_surface_handle_set_serial(struct wl_client *client, struct wl_resource *resource,
				   uint32_t lo, uint32_t hi)
{
	struct host *host = wl_resource_get_user_data(resource);
	host->stats.xwayland_serials_set++;
}

static const struct xwayland_surface_v1_interface xwayland_surface_impl = {
	.set_serial = xwayland_surface_handle_set_serial,
	.destroy = subsurface_handle_destroy,
};

static void
xwayland_shell_handle_get(struct wl_client *client, struct wl_resource *resource,
			  uint32_t id, struct wl_resource *surface)
{
	struct host *host = wl_resource_get_user_data(resource);
	struct wl_resource *res = wl_resource_create(client,
		&xwayland_surface_v1_interface, 1, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(res, &xwayland_surface_impl, host, NULL);
	host->stats.xwayland_surfaces_created++;
}

static const struct xwayland_shell_v1_interface xwayland_shell_impl = {
	.destroy = subsurface_handle_destroy,
	.get_xwayland_surface = xwayland_shell_handle_get,
};

static void
xwayland_shell_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *res = wl_resource_create(client, &xwayland_shell_v1_interface,
						     (int)version, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(res, &xwayland_shell_impl, data, NULL);
}

/* ---- content type and tearing control: add-ons with one setter ---------- */

static void
addon_handle_set(struct wl_client *client, struct wl_resource *resource, uint32_t value)
{
}

static const struct wp_content_type_v1_interface content_type_impl = {
	.destroy = subsurface_handle_destroy,
	.set_content_type = addon_handle_set,
};

static const struct wp_tearing_control_v1_interface tearing_control_impl = {
	.set_presentation_hint = addon_handle_set,
	.destroy = subsurface_handle_destroy,
};

static void
content_type_manager_handle_get(struct wl_client *client, struct wl_resource *resource,
				uint32_t id, struct wl_resource *surface)
{
	struct host *host = wl_resource_get_user_data(resource);
	struct wl_resource *res = wl_resource_create(client, &wp_content_type_v1_interface,
						     1, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(res, &content_type_impl, host, NULL);
	host->stats.content_types_created++;
}

static const struct wp_content_type_manager_v1_interface content_type_manager_impl = {
	.destroy = subsurface_handle_destroy,
	.get_surface_content_type = content_type_manager_handle_get,
};

static void
tearing_manager_handle_get(struct wl_client *client, struct wl_resource *resource,
			   uint32_t id, struct wl_resource *surface)
{
	struct host *host = wl_resource_get_user_data(resource);
	struct wl_resource *res = wl_resource_create(client,
		&wp_tearing_control_v1_interface, 1, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(res, &tearing_control_impl, host, NULL);
	host->stats.tearing_controls_created++;
}

static const struct wp_tearing_control_manager_v1_interface tearing_manager_impl = {
	.destroy = subsurface_handle_destroy,
	.get_tearing_control = tearing_manager_handle_get,
};

static void
content_type_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *res = wl_resource_create(client,
		&wp_content_type_manager_v1_interface, (int)version, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(res, &content_type_manager_impl, data, NULL);
}

static void
tearing_control_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *res = wl_resource_create(client,
		&wp_tearing_control_manager_v1_interface, (int)version, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(res, &tearing_manager_impl, data, NULL);
}

/* ---- globals ------------------------------------------------------------ */

struct global_kind {
	const struct wl_interface *interface;
	wl_global_bind_func_t bind;
};

static const struct global_kind global_kinds[HOST_GLOBAL_COUNT] = {
	[HOST_COMPOSITOR] = { &wl_compositor_interface, compositor_bind },
	[HOST_OUTPUT] = { &wl_output_interface, output_bind },
	[HOST_SEAT] = { &wl_seat_interface, seat_bind },
	[HOST_TABLET_MANAGER] = { &zwp_tablet_manager_v2_interface, tablet_manager_bind },
	[HOST_DMABUF] = { &zwp_linux_dmabuf_v1_interface, dmabuf_bind },
	[HOST_UNKNOWN] = { &test_unknown_v1_interface, unknown_bind },
	[HOST_FRACTIONAL_SCALE] = { &wp_fractional_scale_manager_v1_interface,
				    fractional_manager_bind },
	[HOST_SUBCOMPOSITOR] = { &wl_subcompositor_interface, subcompositor_bind },
	[HOST_XWAYLAND_SHELL] = { &xwayland_shell_v1_interface, xwayland_shell_bind },
	[HOST_CONTENT_TYPE] = { &wp_content_type_manager_v1_interface, content_type_bind },
	[HOST_TEARING_CONTROL] = { &wp_tearing_control_manager_v1_interface,
				   tearing_control_bind },
};

static void
global_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct bind_thunk *thunk = data;
	if (thunk->host->removed[thunk->which])
		thunk->host->stats.binds_after_remove++;
	global_kinds[thunk->which].bind(client, thunk->host, version, id);
}

bool
host_global_add(struct host *host, enum host_global which, uint32_t version)
{
	if (host->globals[which] || version == 0)
		return false;
	const struct wl_interface *iface = global_kinds[which].interface;
	host->advertised[which] = *iface;
	if ((uint32_t)iface->version < version)
		host->advertised[which].version = (int)version;
	host->thunks[which].host = host;
	host->thunks[which].which = which;
	host->globals[which] = wl_global_create(host->display,
		&host->advertised[which], (int)version, &host->thunks[which],
		global_bind);
	host->removed[which] = false;
	return host->globals[which] != NULL;
}

void
host_global_remove(struct host *host, enum host_global which)
{
	if (host->globals[which] && !host->removed[which]) {
		wl_global_remove(host->globals[which]);
		host->removed[which] = true;
	}
}

void
host_global_destroy(struct host *host, enum host_global which)
{
	if (host->globals[which])
		wl_global_destroy(host->globals[which]);
	host->globals[which] = NULL;
	host->removed[which] = false;
}

/* ---- clients and the display -------------------------------------------- */

static void
handle_client_destroy(struct wl_listener *listener, void *data)
{
	struct host_client *hc = wl_container_of(listener, hc, destroy);
	hc->host->stats.clients--;
	wl_list_remove(&hc->destroy.link);
	free(hc);
}

static void
handle_client_created(struct wl_listener *listener, void *data)
{
	struct host *host = wl_container_of(listener, host, client_created);
	struct wl_client *client = data;
	struct host_client *hc = calloc(1, sizeof(*hc));
	if (!hc)
		return;
	hc->host = host;
	hc->index = host->next_client++;
	hc->destroy.notify = handle_client_destroy;
	wl_client_add_destroy_listener(client, &hc->destroy);
	host->stats.clients++;
	host->stats.clients_total++;
}

static void
log_request(struct host *host, const struct wl_protocol_logger_message *message)
{
	struct wl_client *client = wl_resource_get_client(message->resource);
	struct wl_listener *l = wl_client_get_destroy_listener(client,
							       handle_client_destroy);
	struct host_client *hc = l ? wl_container_of(l, hc, destroy) : NULL;
	size_t room = sizeof(host->log) - host->log_len;
	int n = snprintf(host->log + host->log_len, room, "%d:%s.%s ",
			 hc ? hc->index : -1,
			 wl_resource_get_class(message->resource),
			 message->message->name);
	if (n > 0 && (size_t)n < room)
		host->log_len += (size_t)n;
}

void
host_disconnect_client(struct host *host, int index)
{
	struct wl_client *client, *found = NULL;
	wl_client_for_each(client, wl_display_get_client_list(host->display)) {
		struct wl_listener *l = wl_client_get_destroy_listener(client,
							handle_client_destroy);
		struct host_client *hc = l ? wl_container_of(l, hc, destroy) : NULL;
		if (hc && hc->index == index)
			found = client;
	}
	if (found)
		wl_client_destroy(found);
}

void
host_get_log(struct host *host, char *out, size_t size)
{
	snprintf(out, size, "%.*s", (int)host->log_len, host->log);
}

static void
delay_first_shm_bind(struct host *host, struct wl_client *client)
{
	struct wl_listener *l = wl_client_get_destroy_listener(client,
							       handle_client_destroy);
	struct host_client *hc = l ? wl_container_of(l, hc, destroy) : NULL;
	if (!hc || hc->bound_shm || host->config.shm_bind_delay_ms <= 0)
		return;
	hc->bound_shm = true;
	/* What earlier requests queued (a guest's globals) goes out now;
	 * the formats this bind sends come after the sleep. */
	wl_display_flush_clients(host->display);
	usleep((useconds_t)host->config.shm_bind_delay_ms * 1000);
}

static void
protocol_logger(void *user_data, enum wl_protocol_logger_type direction,
		const struct wl_protocol_logger_message *message)
{
	struct host *host = user_data;
	if (direction == WL_PROTOCOL_LOGGER_REQUEST)
		log_request(host, message);
	if (direction == WL_PROTOCOL_LOGGER_REQUEST &&
	    strcmp(wl_resource_get_class(message->resource), "wl_display") == 0 &&
	    strcmp(message->message->name, "sync") == 0)
		host->stats.sync_requests++;
	if (direction == WL_PROTOCOL_LOGGER_REQUEST &&
	    strcmp(message->message->name, "bind") == 0 &&
	    message->arguments_count >= 2 && message->arguments[1].s &&
	    strcmp(message->arguments[1].s, "wl_shm") == 0)
		delay_first_shm_bind(host, wl_resource_get_client(message->resource));
}

struct host *
host_create(const struct host_config *config, const char *socket_name)
{
	struct host *host = calloc(1, sizeof(*host));
	if (!host)
		return NULL;
	host->config = *config;
	wl_list_init(&host->pointers);
	wl_list_init(&host->held_buffers);
	host->display = wl_display_create();
	if (!host->display || wl_display_add_socket(host->display, socket_name) < 0 ||
	    (config->shm && wl_display_init_shm(host->display) < 0) ||
	    (config->shm_extra_format &&
	     !wl_display_add_shm_format(host->display, config->shm_extra_format))) {
		host_destroy(host);
		return NULL;
	}
	host->loop = wl_display_get_event_loop(host->display);
	host->client_created.notify = handle_client_created;
	wl_display_add_client_created_listener(host->display, &host->client_created);
	host->logger = wl_display_add_protocol_logger(host->display,
						      protocol_logger, host);
	for (int i = 0; i < HOST_GLOBAL_COUNT; i++) {
		if (config->version[i] &&
		    !host_global_add(host, (enum host_global)i, config->version[i])) {
			host_destroy(host);
			return NULL;
		}
	}
	return host;
}

void
host_destroy(struct host *host)
{
	if (!host)
		return;
	if (host->display) {
		wl_display_destroy_clients(host->display);
		if (host->logger)
			wl_protocol_logger_destroy(host->logger);
		if (host->loop)
			wl_list_remove(&host->client_created.link);
		wl_display_destroy(host->display);
	}
	free(host);
}

struct wl_event_loop *
host_get_event_loop(struct host *host)
{
	return host->loop;
}

struct wl_display *
host_get_display(struct host *host)
{
	return host->display;
}

void
host_dispatch(struct host *host)
{
	wl_display_flush_clients(host->display);
	wl_event_loop_dispatch(host->loop, -1);
}

void
host_dispatch_pending(struct host *host)
{
	wl_display_flush_clients(host->display);
	wl_event_loop_dispatch(host->loop, 0);
	wl_display_flush_clients(host->display);
}

void
host_get_stats(struct host *host, struct host_stats *out)
{
	*out = host->stats;
}
