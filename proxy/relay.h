/*
 * The generic relay: one relay_object pairs a guest-side wl_resource with
 * the host-side wl_proxy it stands for.  Requests are forwarded from the
 * resource to the proxy and events back, argument by argument, using only
 * the wayland-scanner tables: no per-interface code unless an override says
 * why.
 *
 * Ownership: a relay_object is created with its resource (by relay.c when a
 * new_id crosses, by registry.c on bind) and freed from the resource's
 * destroy callback.  The proxy is destroyed first, either by a destructor
 * request (WL_MARSHAL_FLAG_DESTROY), by a destructor event, or when the
 * guest client goes away (guest_client_destroy).
 */
#ifndef WLGP_RELAY_H
#define WLGP_RELAY_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-client-core.h>
#include <wayland-server-core.h>

#include "relay-meta.h"

struct channel;

struct guest_client;
struct relay_object;

/* The exception to the generic relay for one interface.  Handlers get first
 * go at a message; they translate what must change and call
 * relay_forward_request/relay_forward_event, or handle it entirely. */
struct relay_override {
	const char *interface;
	void (*request)(struct relay_object *ro, uint32_t opcode,
			union wl_argument *args);
	void (*event)(struct relay_object *ro, uint32_t opcode,
		      union wl_argument *args);
	/* fd-carrying messages this override translates (bit = opcode) */
	uint64_t fd_requests;
	uint64_t fd_events;
	/* requests handled in the proxy that never reach the host: they run
	 * at once even while the client's requests are held (hold.h) */
	uint64_t local_requests;
	/* per-object state: init when the pair is made, fini when the guest
	 * resource is destroyed; drop_host when the host side goes first
	 * (guest teardown), to release host objects of the override's own
	 * while the host connection still exists */
	int (*init)(struct relay_object *ro);
	void (*fini)(struct relay_object *ro);
	void (*drop_host)(struct relay_object *ro);
};

struct relay_object {
	struct guest_client *client;  /* NULL once the client is torn down */
	struct wl_resource *resource; /* owned by libwayland-server */
	struct wl_proxy *proxy;       /* ours; NULL once destroyed, or until
				       * the held request that makes it is
				       * replayed (hold.h) */
	const struct relay_meta *meta;
	const struct relay_override *override;
	void *override_data;
	struct wl_list link;          /* guest_client.objects */
};

/* Pairs resource and proxy and installs the dispatchers (generic or the
 * interface's override).  On failure destroys neither and returns NULL. */
struct relay_object *relay_object_create(struct guest_client *gc,
					 struct wl_resource *resource,
					 struct wl_proxy *proxy);

/* proxy may be NULL: an object made by a held request, whose host side
 * relay_object_set_proxy adds when the request is replayed. */
void relay_object_set_proxy(struct relay_object *ro, struct wl_proxy *proxy);

/* The relayed object the guest knows as id, if it is one of iface (NULL:
 * any relayed interface). */
struct relay_object *relay_object_by_id(struct guest_client *gc, uint32_t id,
					const struct wl_interface *iface);

/* The object a held request made for new_id id, still without its host
 * proxy, or NULL: the one place a replayed request finds its resource. */
struct relay_object *relay_object_awaiting_host(struct guest_client *gc,
						uint32_t id,
						const struct wl_interface *iface);

/* Holds this request behind the client's parked commit (hold.h), making
 * the resources of its new_ids now.  False if out of memory (the client
 * has its error). */
bool relay_hold_request(struct relay_object *ro, uint32_t opcode,
			union wl_argument *args);

/* The guest's wl_display (object 1) relayed to the host's wl_display. */
struct relay_object *relay_attach_display(struct guest_client *gc,
					  struct wl_resource *display_resource,
					  struct wl_display *host);

/* Forward a request / event as-is after translating objects.  Both consume
 * any fds in args (closing ours after libwayland duplicated them). */
void relay_forward_request(struct relay_object *ro, uint32_t opcode,
			   union wl_argument *args);
void relay_forward_event(struct relay_object *ro, uint32_t opcode,
			 union wl_argument *args);

/* What a request on a relayed object does without the client's
 * request_filter: the interface's override, else relay_forward_request. */
void relay_handle_request(struct relay_object *ro, uint32_t opcode,
			  union wl_argument *args);

/* The relay_object behind a guest resource of this interface, or NULL when
 * the resource is of another interface or not relayed (guest shm pools and
 * buffers stay in the proxy).  iface NULL: any relayed interface. */
struct relay_object *relay_object_from_resource(struct wl_resource *resource,
						const struct wl_interface *iface);

/* The relay_object behind a host proxy, or NULL when the proxy is not a
 * relayed one (the proxy's own host objects). */
struct relay_object *relay_object_from_proxy(struct wl_proxy *proxy);

/* Destroys the host proxy without telling the host (teardown only). */
void relay_object_drop_proxy(struct relay_object *ro);

/* The override for an interface, or NULL: the table lives in relay.c. */
const struct relay_override *relay_override_for(const char *interface);

/* libwayland's own limit on a message's arguments (WL_CLOSURE_MAX_ARGS,
 * private to it). */
#define RELAY_MAX_ARGS 20

/* Argument walking over a wl_message signature. */
struct relay_arg {
	char type;
	bool nullable;
};
int relay_message_args(const struct wl_message *msg, struct relay_arg *out,
		       int max);

/* Overrides defined in their own files. */
extern const struct relay_override registry_override;
extern const struct relay_override keyboard_override;
extern const struct relay_override shm_override;
extern const struct relay_override surface_override;
extern const struct relay_override viewporter_override;
extern const struct relay_override viewport_override;
extern const struct relay_override data_offer_override;
extern const struct relay_override data_source_override;
extern const struct relay_override primary_offer_override;
extern const struct relay_override primary_source_override;
extern const struct relay_override xdg_surface_override;
extern const struct relay_override xdg_toplevel_override;
extern const struct relay_override zxdg_surface_v6_override;
extern const struct relay_override zxdg_toplevel_v6_override;
extern const struct relay_override wl_shell_surface_override;

#endif
