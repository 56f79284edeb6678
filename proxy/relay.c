/*
 * The generic relay: forwards every request and event of every compiled-in
 * interface, driven by the wayland-scanner tables (relay-meta adds which
 * messages are destructors).
 *
 * Requests: libwayland-server hands each request on a relayed resource to
 * relay_dispatch_request; objects are translated to their host proxies and
 * the request is marshalled with wl_proxy_marshal_array_flags.
 * Events: libwayland-client hands each event on a relayed proxy to
 * relay_dispatch_event; objects are translated back and the event is posted
 * with wl_resource_post_event_array.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-server-protocol.h>

#include "client.h"
#include "hold.h"
#include "log.h"
#include "relay.h"
#include "server.h"
#include "shield/shield.h"
#include "trace.h"

/* Marks resources and proxies as ours: libwayland compares implementation
 * pointers in wl_resource_instance_of and hands them back unchanged. */
static const char relay_tag;

static const struct relay_override *const overrides[] = {
	&registry_override,
	&keyboard_override,
	&shm_override,
	&surface_override,
	&viewporter_override,
	&viewport_override,
	&data_offer_override,
	&data_source_override,
	&primary_offer_override,
	&primary_source_override,
	&xdg_surface_override,
	&xdg_toplevel_override,
	&zxdg_surface_v6_override,
	&zxdg_toplevel_v6_override,
	&wl_shell_surface_override,
};

const struct relay_override *
relay_override_for(const char *interface)
{
	for (size_t i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++) {
		if (strcmp(overrides[i]->interface, interface) == 0)
			return overrides[i];
	}
	return NULL;
}

int
relay_message_args(const struct wl_message *msg, struct relay_arg *out, int max)
{
	int n = 0;
	bool nullable = false;
	for (const char *s = msg->signature; *s; s++) {
		if (*s == '?') {
			nullable = true;
			continue;
		}
		if (*s >= '0' && *s <= '9')
			continue;
		if (n == max)
			return -1;
		out[n].type = *s;
		out[n].nullable = nullable;
		nullable = false;
		n++;
	}
	return n;
}

static bool
is_destructor(uint64_t mask, uint32_t opcode)
{
	return opcode < 64 && (mask >> opcode) & 1;
}

static void
close_fds(const struct relay_arg *argv, int argc, union wl_argument *args)
{
	for (int i = 0; i < argc; i++) {
		if (argv[i].type == 'h' && args[i].h >= 0) {
			close(args[i].h);
			args[i].h = -1;
		}
	}
}

/* iface: the argument's declared interface, or NULL for an untyped one. */
struct relay_object *
relay_object_from_resource(struct wl_resource *resource,
			   const struct wl_interface *iface)
{
	/* Not every resource is relayed: guest shm pools and buffers stay in
	 * the proxy (shm.c).  libwayland-server has already checked a typed
	 * argument's interface, so only untyped ones need the lookup. */
	if (!iface) {
		const struct relay_meta *meta =
			relay_meta_by_name(wl_resource_get_class(resource));
		if (!meta)
			return NULL;
		iface = meta->interface;
	}
	if (!wl_resource_instance_of(resource, iface, &relay_tag))
		return NULL;
	return wl_resource_get_user_data(resource);
}

struct relay_object *
relay_object_from_proxy(struct wl_proxy *proxy)
{
	if (wl_proxy_get_listener(proxy) != (const void *)&relay_tag)
		return NULL;
	return wl_proxy_get_user_data(proxy);
}

static int relay_dispatch_request(const void *impl, void *target,
				  uint32_t opcode, const struct wl_message *msg,
				  union wl_argument *args);
static int relay_dispatch_event(const void *impl, void *target,
				uint32_t opcode, const struct wl_message *msg,
				union wl_argument *args);
static void relay_handle_resource_destroy(struct wl_resource *resource);

struct relay_object *
relay_object_create(struct guest_client *gc, struct wl_resource *resource,
		    struct wl_proxy *proxy)
{
	const char *name = wl_resource_get_class(resource);
	const struct relay_meta *meta = relay_meta_by_name(name);
	if (!meta) {
		wlgp_err("no protocol metadata for %s", name);
		return NULL;
	}
	struct relay_object *ro = calloc(1, sizeof(*ro));
	if (!ro)
		return NULL;
	ro->client = gc;
	ro->resource = resource;
	ro->proxy = proxy;
	ro->meta = meta;
	ro->override = relay_override_for(name);
	if (ro->override && ro->override->init && ro->override->init(ro) < 0) {
		free(ro);
		return NULL;
	}
	wl_list_insert(&gc->objects, &ro->link);
	wl_resource_set_dispatcher(resource, relay_dispatch_request, &relay_tag,
				   ro, relay_handle_resource_destroy);
	if (proxy)
		relay_object_set_proxy(ro, proxy);
	return ro;
}

void
relay_object_set_proxy(struct relay_object *ro, struct wl_proxy *proxy)
{
	ro->proxy = proxy;
	wl_proxy_add_dispatcher(proxy, relay_dispatch_event, &relay_tag, ro);
}

struct relay_object *
relay_object_by_id(struct guest_client *gc, uint32_t id,
		   const struct wl_interface *iface)
{
	struct wl_resource *resource = wl_client_get_object(gc->client, id);
	return resource ? relay_object_from_resource(resource, iface) : NULL;
}

struct relay_object *
relay_object_awaiting_host(struct guest_client *gc, uint32_t id,
			   const struct wl_interface *iface)
{
	/* libwayland-server reserves a fresh new_id without an object: only a
	 * resource made when the request was held is found here. */
	struct relay_object *ro = relay_object_by_id(gc, id, iface);
	return ro && !ro->proxy ? ro : NULL;
}

struct relay_object *
relay_attach_display(struct guest_client *gc, struct wl_resource *display_resource,
		     struct wl_display *host)
{
	struct relay_object *ro = calloc(1, sizeof(*ro));
	if (!ro)
		return NULL;
	ro->client = gc;
	ro->resource = display_resource;
	ro->proxy = (struct wl_proxy *)host;
	ro->meta = relay_meta_by_name("wl_display");
	wl_list_init(&ro->link);
	/* Replacing libwayland-server's own wl_display implementation is what
	 * turns wl_display.sync into a host round trip (answering it locally
	 * would let clients read stale state) and get_registry into a relayed
	 * host registry.  No destroy callback: the resource lives as long as
	 * the client and the guest_client frees this object.  The host
	 * display's events (error, delete_id) stay with libwayland-client. */
	wl_resource_set_dispatcher(display_resource, relay_dispatch_request,
				   &relay_tag, ro, NULL);
	return ro;
}

void
relay_object_drop_proxy(struct relay_object *ro)
{
	if (ro->override && ro->override->drop_host && ro->client)
		ro->override->drop_host(ro);
	if (ro->proxy && ro != ro->client->display_object)
		wl_proxy_destroy(ro->proxy);
	ro->proxy = NULL;
}

static void
relay_object_free(struct relay_object *ro)
{
	if (ro->override && ro->override->fini)
		ro->override->fini(ro);
	wl_list_remove(&ro->link);
	free(ro);
}

static void
relay_handle_resource_destroy(struct wl_resource *resource)
{
	struct relay_object *ro = wl_resource_get_user_data(resource);
	/* A live proxy here means the client went away without a destructor:
	 * guest_client_destroy has torn the host side down already, or is
	 * about to with the whole connection. */
	if (ro->proxy && ro->client)
		relay_object_drop_proxy(ro);
	ro->resource = NULL;
	relay_object_free(ro);
}

static bool
is_local_request(const struct relay_object *ro, uint32_t opcode)
{
	return ro->override && opcode < 64 &&
	       (ro->override->local_requests >> opcode) & 1;
}

void
relay_handle_request(struct relay_object *ro, uint32_t opcode,
		     union wl_argument *args)
{
	if (!ro->proxy) {
		/* Made while held, and the request that was to create its host
		 * side failed with an error for this client: nothing can go
		 * to the host for it. */
		const struct wl_message *msg = &ro->meta->interface->methods[opcode];
		struct relay_arg argv[RELAY_MAX_ARGS];
		close_fds(argv, relay_message_args(msg, argv, RELAY_MAX_ARGS), args);
		if (is_destructor(ro->meta->destructor_requests, opcode))
			wl_resource_destroy(ro->resource);
		return;
	}
	if (ro->override && ro->override->request)
		ro->override->request(ro, opcode, args);
	else
		relay_forward_request(ro, opcode, args);
}

static void
relay_replay_request(struct wl_resource *target, uint32_t opcode,
		     union wl_argument *args)
{
	struct relay_object *ro = wl_resource_get_user_data(target);
	if (ro->client)
		relay_handle_request(ro, opcode, args);
}

/* A new_id in a held request: the guest may name the object in its very
 * next message, so its resource is made now; its host proxy comes when the
 * request is replayed (relay_forward_request, registry.c). */
static bool
create_awaiting_object(struct relay_object *ro, const struct wl_interface *iface,
		       uint32_t version, uint32_t id)
{
	struct guest_client *gc = ro->client;
	struct wl_resource *resource = wl_resource_create(gc->client, iface,
							  (int)version, id);
	if (!resource)
		return false;
	if (!relay_object_create(gc, resource, NULL)) {
		wl_resource_destroy(resource);
		return false;
	}
	return true;
}

bool
relay_hold_request(struct relay_object *ro, uint32_t opcode,
		   union wl_argument *args)
{
	struct guest_client *gc = ro->client;
	const struct wl_message *msg = &ro->meta->interface->methods[opcode];
	struct relay_arg argv[RELAY_MAX_ARGS];
	int argc = relay_message_args(msg, argv, RELAY_MAX_ARGS);

	for (int i = 0; i < argc && !gc->hold.replaying; i++) {
		if (argv[i].type != 'n')
			continue;
		const struct wl_interface *iface = msg->types[i];
		uint32_t version = (uint32_t)wl_resource_get_version(ro->resource);
		if (!iface && i >= 2) {
			/* wl_registry.bind: interface and version travel with
			 * the id.  One the proxy does not know gets its error
			 * when replayed. */
			const struct relay_meta *meta = args[i - 2].s ?
				relay_meta_by_name(args[i - 2].s) : NULL;
			iface = meta ? meta->interface : NULL;
			version = args[i - 1].u;
		}
		if (iface && !create_awaiting_object(ro, iface, version, args[i].n)) {
			close_fds(argv, argc, args);
			wl_client_post_no_memory(gc->client);
			return false;
		}
	}
	return hold_request(gc, ro->resource, opcode, msg, args,
			    relay_replay_request);
}

static int
relay_dispatch_request(const void *impl, void *target, uint32_t opcode,
		       const struct wl_message *msg, union wl_argument *args)
{
	struct relay_object *ro = wl_resource_get_user_data(target);
	/* The policy hook: a request that breaks a protocol rule ends here,
	 * with the protocol's error for this guest (shield/shield.h).  It
	 * runs as the request arrives, before any holding: the rules are about
	 * the order the guest sent things in. */
	if (ro->client && !shield_allow_request(ro->client->server->shield,
						target, opcode, msg, args))
		return 0;
	/* A client's own filter (Xwayland's window manager) may keep the
	 * request and hand it on later through relay_handle_request. */
	struct guest_client *gc = ro->client;
	if (gc && gc->request_filter &&
	    gc->request_filter(gc->request_filter_data, ro, opcode, args))
		return 0;
	/* While a commit of this client is parked, what it sends next waits
	 * behind it (hold.h), except what never reaches the host. */
	if (gc && hold_active(gc) && !is_local_request(ro, opcode))
		relay_hold_request(ro, opcode, args);
	else
		relay_handle_request(ro, opcode, args);
	return 0;
}

void
relay_forward_request(struct relay_object *ro, uint32_t opcode,
		      union wl_argument *args)
{
	struct guest_client *gc = ro->client;
	const struct wl_message *msg =
		&ro->meta->interface->methods[opcode];
	struct relay_arg argv[RELAY_MAX_ARGS];
	union wl_argument out[RELAY_MAX_ARGS];
	int argc = relay_message_args(msg, argv, RELAY_MAX_ARGS);
	const struct wl_interface *new_iface = NULL;
	uint32_t new_id = 0;

	bool destructor = is_destructor(ro->meta->destructor_requests, opcode);
	if (!guest_client_host_alive(gc)) {
		/* The host connection is gone and this guest is being closed
		 * (client.c): keep the guest's objects consistent, send nothing. */
		close_fds(argv, argc, args);
		if (destructor) {
			relay_object_drop_proxy(ro);
			wl_resource_destroy(ro->resource);
		}
		return;
	}

	for (int i = 0; i < argc; i++) {
		out[i] = args[i];
		switch (argv[i].type) {
		case 'o':
			if (args[i].o) {
				struct relay_object *peer = relay_object_from_resource(
					(struct wl_resource *)args[i].o, msg->types[i]);
				if (!peer || !peer->proxy) {
					wl_resource_post_error(ro->resource,
						WL_DISPLAY_ERROR_INVALID_OBJECT,
						"%s.%s: argument %d names an object "
						"the host no longer has",
						ro->meta->name, msg->name, i);
					close_fds(argv, argc, args);
					return;
				}
				out[i].o = (struct wl_object *)peer->proxy;
			}
			break;
		case 'n':
			/* Untyped new_id (wl_registry.bind) never gets here:
			 * registry.c handles it. */
			new_iface = msg->types[i];
			new_id = args[i].n;
			out[i].o = NULL;
			break;
		}
	}

	struct wl_resource *new_resource = NULL;
	struct relay_object *awaiting = NULL;
	if (new_iface) {
		awaiting = relay_object_awaiting_host(gc, new_id, new_iface);
		new_resource = awaiting ? awaiting->resource :
			wl_resource_create(gc->client, new_iface,
				wl_resource_get_version(ro->resource), new_id);
		if (!new_resource) {
			wl_client_post_no_memory(gc->client);
			close_fds(argv, argc, args);
			return;
		}
	}

	/* A destructor frees the target: the trace takes its id first. */
	struct trace *trace = gc->server->trace;
	uint32_t host_id = trace ? wl_proxy_get_id(ro->proxy) : 0;
	struct wl_proxy *new_proxy = wl_proxy_marshal_array_flags(ro->proxy,
		opcode, new_iface, wl_proxy_get_version(ro->proxy),
		destructor ? WL_MARSHAL_FLAG_DESTROY : 0, out);
	if (trace)
		trace_host_request(gc, ro->meta->name, host_id, msg, out, new_proxy);
	close_fds(argv, argc, args);

	if (awaiting && new_proxy) {
		relay_object_set_proxy(awaiting, new_proxy);
	} else if (new_resource) {
		if (!new_proxy || awaiting ||
		    !relay_object_create(gc, new_resource, new_proxy)) {
			/* The host connection failed (its handler closes this
			 * client) or we ran out of memory. */
			if (new_proxy)
				wl_proxy_destroy(new_proxy);
			wl_resource_destroy(new_resource);
			wl_client_post_no_memory(gc->client);
			return;
		}
	}
	if (destructor) {
		ro->proxy = NULL;
		wl_resource_destroy(ro->resource);
	}
}

static int
relay_dispatch_event(const void *impl, void *target, uint32_t opcode,
		     const struct wl_message *msg, union wl_argument *args)
{
	struct relay_object *ro = wl_proxy_get_user_data(target);
	struct guest_client *gc = ro->client;
	if (gc->server->trace)
		trace_host_event(gc, target, msg, args);
	if (gc->event_filter &&
	    gc->event_filter(gc->event_filter_data, ro, opcode, args))
		return 0;
	if (ro->override && ro->override->event)
		ro->override->event(ro, opcode, args);
	else
		relay_forward_event(ro, opcode, args);
	return 0;
}

void
relay_forward_event(struct relay_object *ro, uint32_t opcode,
		    union wl_argument *args)
{
	struct guest_client *gc = ro->client;
	const struct wl_message *msg =
		&ro->meta->interface->events[opcode];
	struct relay_arg argv[RELAY_MAX_ARGS];
	union wl_argument out[RELAY_MAX_ARGS];
	int argc = relay_message_args(msg, argv, RELAY_MAX_ARGS);

	for (int i = 0; i < argc; i++) {
		out[i] = args[i];
		switch (argv[i].type) {
		case 'o': {
			struct relay_object *peer = args[i].o ?
				relay_object_from_proxy((struct wl_proxy *)args[i].o) :
				NULL;
			out[i].o = peer && peer->resource ?
				(struct wl_object *)peer->resource : NULL;
			if (!out[i].o && !argv[i].nullable) {
				/* The guest destroyed that object; the host has
				 * not seen the destructor yet.  Posting a null
				 * would kill the guest: drop the event, as
				 * libwayland-client drops events for zombies. */
				wlgp_debug("dropping %s.%s: object argument %d "
					   "is gone", ro->meta->name, msg->name, i);
				close_fds(argv, argc, args);
				return;
			}
			break;
		}
		case 'n': {
			struct wl_proxy *new_proxy = (struct wl_proxy *)args[i].o;
			struct wl_resource *res = NULL;
			if (new_proxy) {
				res = wl_resource_create(gc->client, msg->types[i],
					wl_resource_get_version(ro->resource), 0);
				if (!res || !relay_object_create(gc, res, new_proxy)) {
					if (res)
						wl_resource_destroy(res);
					wl_proxy_destroy(new_proxy);
					wl_client_post_no_memory(gc->client);
					close_fds(argv, argc, args);
					return;
				}
			}
			out[i].o = (struct wl_object *)res;
			break;
		}
		}
	}

	wl_resource_post_event_array(ro->resource, opcode, out);
	close_fds(argv, argc, args);

	if (is_destructor(ro->meta->destructor_events, opcode)) {
		wl_proxy_destroy(ro->proxy);
		ro->proxy = NULL;
		wl_resource_destroy(ro->resource);
	}
}
