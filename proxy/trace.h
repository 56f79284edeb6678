/*
 * Protocol tracing (--trace, WLGP_TRACE=1): WAYLAND_DEBUG for both sides of
 * the proxy at once, one line per message and leg of its trip:
 *
 *   pid 812 guest->proxy wl_display@1.sync(new id wl_callback@3)
 *   pid 812 proxy->host  wl_display@1.sync(new id wl_callback@12)
 *   pid 812 host->proxy  wl_callback@12.done(4711)
 *   pid 812 proxy->guest wl_callback@3.done(4711)
 *
 * Guest lines carry the guest's object ids, host lines the host's.
 */
#ifndef WLGP_TRACE_H
#define WLGP_TRACE_H

#include <stdint.h>
#include <wayland-client-core.h>
#include <wayland-server-core.h>

struct guest_client;
struct trace;

/* Starts tracing the guest side of display (through libwayland-server's
 * protocol logger) and returns what the relay checks before tracing the
 * host side.  NULL when out of memory. */
struct trace *trace_create(struct wl_display *display);
/* Before the display is destroyed. */
void trace_destroy(struct trace *trace);

/* A request as relay.c sent it to the host: the target named by interface
 * and id (taken before a destructor freed it); new_proxy the object it
 * created, if any.  args as marshalled (host proxies). */
void trace_host_request(struct guest_client *gc, const char *interface,
			uint32_t id, const struct wl_message *msg,
			const union wl_argument *args,
			struct wl_proxy *new_proxy);
/* An event from the host on target, before the relay handles it. */
void trace_host_event(struct guest_client *gc, struct wl_proxy *target,
		      const struct wl_message *msg,
		      const union wl_argument *args);

#endif
