/*
 * A guest client and its private host connection: pumping host events into
 * the guest with back-pressure, turning host failures into errors for this
 * guest alone, and tearing both sides down together.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "client.h"
#include "log.h"
#include "relay.h"
#include "host_monitor.h"
#include "server.h"

static void guest_client_destroy(struct guest_client *gc);

static void
handle_client_destroy(struct wl_listener *listener, void *data)
{
	struct guest_client *gc = wl_container_of(listener, gc, destroy);
	guest_client_destroy(gc);
}

static void
host_source_set_mask(struct guest_client *gc, uint32_t mask)
{
	if (gc->host_mask != mask) {
		gc->host_mask = mask;
		wl_event_source_fd_update(gc->host_source, mask);
	}
}

static void
handle_close_idle(void *data)
{
	struct guest_client *gc = data;
	gc->close_idle = NULL;
	wl_client_destroy(gc->client);
}

void
guest_client_schedule_close(struct guest_client *gc)
{
	if (gc->close_idle)
		return;
	/* Never destroy the client from inside a dispatch: libwayland may
	 * still be walking its objects. */
	gc->close_idle = wl_event_loop_add_idle(gc->server->loop,
						handle_close_idle, gc);
	/* Nothing held will reach the host now: free it (and its fds) at
	 * once rather than with the client. */
	hold_discard(gc);
	/* Stop reading the host meanwhile: nothing more should reach the
	 * guest after its error. */
	host_source_set_mask(gc, 0);
}

void
guest_client_close(struct guest_client *gc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	wlgp_info("client pid %d: %s", (int)gc->pid, msg);
	wl_client_post_implementation_error(gc->client, "wl-guest-proxy: %s", msg);
	guest_client_schedule_close(gc);
}

static struct relay_object *
find_by_host_id(struct guest_client *gc, uint32_t id)
{
	struct relay_object *ro;
	wl_list_for_each(ro, &gc->objects, link) {
		if (ro->proxy && wl_proxy_get_id(ro->proxy) == id)
			return ro;
	}
	return NULL;
}

/* The host closed our connection: with a protocol error we pass the same
 * interface, code and text to the guest object that caused it. */
static void
handle_host_failure(struct guest_client *gc)
{
	int err = wl_display_get_error(gc->host);
	if (err != EPROTO) {
		guest_client_close(gc, "lost the connection to the host "
				   "compositor (%s)", strerror(err ? err : EPIPE));
		return;
	}

	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	uint32_t code = wl_display_get_protocol_error(gc->host, &iface, &id);
	const char *text = gc->server->last_host_error;
	struct relay_object *ro = find_by_host_id(gc, id);

	wlgp_info("client pid %d: host protocol error on %s@%u: %s",
		  (int)gc->pid, iface ? iface->name : "?", id, text);
	if (ro && ro->resource && iface && ro->meta &&
	    strcmp(ro->meta->name, iface->name) == 0) {
		wl_resource_post_error(ro->resource, code, "%s", text);
	} else {
		wl_client_post_implementation_error(gc->client,
			"host protocol error on %s@%u (code %u): %s",
			iface ? iface->name : "unknown object", id, code, text);
	}
	guest_client_schedule_close(gc);
}

static bool
guest_socket_full(struct guest_client *gc)
{
	struct pollfd pfd = { .fd = wl_client_get_fd(gc->client), .events = POLLOUT };
	/* Not writable is poll returning 0 when nothing else is pending (the
	 * guest sends nothing either), not only a POLLIN without POLLOUT. */
	return poll(&pfd, 1, 0) >= 0 && !(pfd.revents & POLLOUT);
}

static int
handle_guest_drained(int fd, uint32_t mask, void *data)
{
	struct guest_client *gc = data;
	wl_event_source_remove(gc->drain_source);
	gc->drain_source = NULL;
	if (!gc->close_idle)
		host_source_set_mask(gc, gc->host_mask | WL_EVENT_READABLE);
	return 0;
}

/* Stop reading the host for a guest that is not reading us.  A writable
 * watch on our own duplicate of the guest's socket resumes it. */
static void
pause_host_reads(struct guest_client *gc)
{
	if (gc->drain_source)
		return;
	if (gc->drain_fd < 0)
		gc->drain_fd = fcntl(wl_client_get_fd(gc->client), F_DUPFD_CLOEXEC, 0);
	if (gc->drain_fd < 0)
		return;
	gc->drain_source = wl_event_loop_add_fd(gc->server->loop, gc->drain_fd,
						WL_EVENT_WRITABLE,
						handle_guest_drained, gc);
	if (gc->drain_source)
		host_source_set_mask(gc, gc->host_mask & ~WL_EVENT_READABLE);
}

static int
read_host_events(struct guest_client *gc)
{
	while (wl_display_prepare_read(gc->host) != 0) {
		if (wl_display_dispatch_pending(gc->host) < 0)
			return -1;
	}
	if (wl_display_read_events(gc->host) < 0)
		return -1;
	return wl_display_dispatch_pending(gc->host);
}

static int
handle_host_fd(int fd, uint32_t mask, void *data)
{
	struct guest_client *gc = data;

	if (mask & WL_EVENT_WRITABLE)
		guest_client_flush_host(gc);

	if (mask & WL_EVENT_READABLE) {
		if (read_host_events(gc) < 0) {
			handle_host_failure(gc);
			return 0;
		}
	} else if (mask & (WL_EVENT_HANGUP | WL_EVENT_ERROR)) {
		handle_host_failure(gc);
		return 0;
	}

	wl_client_flush(gc->client);
	if (guest_socket_full(gc))
		pause_host_reads(gc);
	return 0;
}

bool
guest_client_host_alive(const struct guest_client *gc)
{
	return gc->host && !gc->close_idle && wl_display_get_error(gc->host) == 0;
}

void
guest_client_flush_host(struct guest_client *gc)
{
	if (gc->close_idle)
		return;
	if (wl_display_flush(gc->host) < 0) {
		if (errno == EAGAIN) {
			host_source_set_mask(gc, gc->host_mask | WL_EVENT_WRITABLE);
			return;
		}
		handle_host_failure(gc);
		return;
	}
	if (gc->host_mask & WL_EVENT_WRITABLE)
		host_source_set_mask(gc, gc->host_mask & ~WL_EVENT_WRITABLE);
}

static void
handle_host_shm_format(void *data, struct wl_shm *shm, uint32_t format)
{
	struct guest_client *gc = data;
	uint32_t *f = wl_array_add(&gc->host_shm_formats, sizeof(*f));
	if (f)
		*f = format;
}

static const struct wl_shm_listener host_shm_listener = {
	.format = handle_host_shm_format,
};

static void
handle_formats_done(void *data, struct wl_callback *callback, uint32_t serial)
{
	struct guest_client *gc = data;
	gc->host_shm_formats_done = true;
	gc->host_shm_formats_sync = NULL;
	wl_callback_destroy(callback);
	/* A buffer made before the list was in waits for it (shm.c). */
	hold_resume(gc);
}

static const struct wl_callback_listener formats_done_listener = {
	.done = handle_formats_done,
};

static void
handle_private_global(void *data, struct wl_registry *registry, uint32_t name,
		      const char *interface, uint32_t version)
{
	struct guest_client *gc = data;
	if (gc->host_shm || strcmp(interface, wl_shm_interface.name) != 0)
		return;
	gc->host_shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	wl_shm_add_listener(gc->host_shm, &host_shm_listener, gc);
	/* The formats follow the bind; this marks their end. */
	gc->host_shm_formats_sync = wl_display_sync(gc->host);
	wl_callback_add_listener(gc->host_shm_formats_sync,
				 &formats_done_listener, gc);
}

static void
handle_private_global_remove(void *data, struct wl_registry *registry,
			     uint32_t name)
{
}

static const struct wl_registry_listener private_registry_listener = {
	.global = handle_private_global,
	.global_remove = handle_private_global_remove,
};

/* Our get_registry goes out before any guest request on this connection,
 * so the host's answer is dispatched before the guest can have seen
 * wl_shm and committed a buffer. */
static bool
bind_private_globals(struct guest_client *gc)
{
	gc->host_registry = wl_display_get_registry(gc->host);
	if (!gc->host_registry)
		return false;
	wl_registry_add_listener(gc->host_registry, &private_registry_listener, gc);
	return true;
}

struct guest_client *
guest_client_create(struct wlgp_server *server, struct wl_client *client)
{
	struct guest_client *gc = calloc(1, sizeof(*gc));
	if (!gc)
		return NULL;
	gc->server = server;
	gc->client = client;
	gc->drain_fd = -1;
	wl_list_init(&gc->objects);
	hold_init(&gc->hold);
	wl_signal_init(&gc->events.destroy);
	wl_array_init(&gc->host_shm_formats);
	wl_client_get_credentials(client, &gc->pid, NULL, NULL);
	/* First, so that a client refused below still has its one connect
	 * line to pair with its disconnect line. */
	wlgp_info("client pid %d connected", (int)gc->pid);
	wl_list_insert(&server->clients, &gc->link);
	gc->destroy.notify = handle_client_destroy;
	wl_client_add_destroy_listener(client, &gc->destroy);

	char err[512];
	int fd = -1;
	if (server->monitor && host_monitor_host_hung(server->monitor))
		snprintf(err, sizeof(err), "the host compositor (%s) takes "
			 "connections but does not answer; try again once it "
			 "does",
			 server->channel->host_name);
	else
		fd = channel_connect(server->channel, err, sizeof(err));
	if (fd >= 0) {
		gc->host = wl_display_connect_to_fd(fd);
		if (!gc->host) {
			snprintf(err, sizeof(err), "cannot set up a host "
				 "connection: %s", strerror(errno));
			close(fd);
		}
	}
	if (!gc->host) {
		guest_client_close(gc, "%s", err);
		return gc;
	}
	gc->host_mask = WL_EVENT_READABLE;
	gc->host_source = wl_event_loop_add_fd(server->loop,
					       wl_display_get_fd(gc->host),
					       gc->host_mask, handle_host_fd, gc);
	gc->display_object = relay_attach_display(gc,
		wl_client_get_object(client, 1), gc->host);
	if (!gc->host_source || !gc->display_object || !bind_private_globals(gc)) {
		guest_client_close(gc, "out of memory");
		return gc;
	}
	return gc;
}

struct guest_client *
guest_client_from_client(struct wlgp_server *server, struct wl_client *client)
{
	struct guest_client *gc;
	wl_list_for_each(gc, &server->clients, link) {
		if (gc->client == client)
			return gc;
	}
	return NULL;
}

static void
guest_client_destroy(struct guest_client *gc)
{
	wlgp_info("client pid %d disconnected", (int)gc->pid);
	wl_signal_emit(&gc->events.destroy, gc);
	/* Runs before libwayland-server destroys the resources: take every
	 * host proxy down now, and detach the relay objects so their
	 * resource destroy callbacks only free themselves.  Held requests go
	 * first: they watch those resources. */
	hold_discard(gc);
	struct relay_object *ro, *tmp;
	wl_list_for_each_safe(ro, tmp, &gc->objects, link) {
		relay_object_drop_proxy(ro);
		ro->client = NULL;
		wl_list_remove(&ro->link);
		wl_list_init(&ro->link);
	}
	free(gc->display_object);
	if (gc->host_shm_formats_sync)
		wl_callback_destroy(gc->host_shm_formats_sync);
	if (gc->host_shm)
		wl_shm_destroy(gc->host_shm);
	if (gc->host_registry)
		wl_registry_destroy(gc->host_registry);
	wl_array_release(&gc->host_shm_formats);
	if (gc->close_idle)
		wl_event_source_remove(gc->close_idle);
	if (gc->drain_source)
		wl_event_source_remove(gc->drain_source);
	if (gc->drain_fd >= 0)
		close(gc->drain_fd);
	if (gc->host_source)
		wl_event_source_remove(gc->host_source);
	if (gc->host)
		wl_display_disconnect(gc->host);
	wl_list_remove(&gc->destroy.link);
	wl_list_remove(&gc->link);
	free(gc);
}
