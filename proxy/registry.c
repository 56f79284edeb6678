/*
 * wl_registry: the one place the relay must change what the host says.
 * Guests see only the host globals the proxy can relay, each at
 * min(host version, compiled version); wl_registry.bind's new_id is untyped
 * (interface and version travel with it), which the generic relay cannot
 * resolve on its own.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "client.h"
#include "interfaces.h"
#include "log.h"
#include "policy.h"
#include "relay.h"
#include "server.h"
#include "trace.h"

struct registry_global {
	uint32_t name;
	uint32_t version; /* as advertised to the guest */
	const struct relay_meta *meta;
	/* The host removed it.  Kept until the registry dies: as with
	 * libwayland-server's wl_global_remove, a bind already in flight must
	 * still reach the host rather than become an error here. */
	bool removed;
	struct wl_list link;
};

struct registry {
	struct wl_list globals; /* registry_global.link */
};

static struct registry_global *
registry_find(struct registry *reg, uint32_t name)
{
	struct registry_global *g;
	/* Newest first: a host may reuse a removed global's name. */
	wl_list_for_each_reverse(g, &reg->globals, link) {
		if (g->name == name)
			return g;
	}
	return NULL;
}

static void
registry_handle_global(struct relay_object *ro, uint32_t name,
		       const char *interface, uint32_t host_version)
{
	struct registry *reg = ro->override_data;
	const struct relay_meta *meta = relay_meta_by_name(interface);
	if (!meta || !interfaces_relayable(ro->client->server, meta)) {
		wlgp_debug("hiding host global %s v%u", interface, host_version);
		return;
	}
	if (policy_hides(&ro->client->server->policy, interface)) {
		wlgp_debug("hiding host global %s v%u by the protocol policy",
			   interface, host_version);
		return;
	}
	struct registry_global *g = calloc(1, sizeof(*g));
	if (!g) {
		wl_client_post_no_memory(ro->client->client);
		return;
	}
	g->name = name;
	g->meta = meta;
	g->version = host_version < (uint32_t)meta->interface->version ?
		host_version : (uint32_t)meta->interface->version;
	wl_list_insert(reg->globals.prev, &g->link);
	wl_registry_send_global(ro->resource, name, interface, g->version);
}

static void
registry_handle_global_remove(struct relay_object *ro, uint32_t name)
{
	struct registry_global *g = registry_find(ro->override_data, name);
	if (!g || g->removed)
		return; /* one we hid */
	g->removed = true;
	wl_registry_send_global_remove(ro->resource, name);
}

static void
registry_event(struct relay_object *ro, uint32_t opcode, union wl_argument *args)
{
	switch (opcode) {
	case WL_REGISTRY_GLOBAL:
		registry_handle_global(ro, args[0].u, args[1].s, args[2].u);
		break;
	case WL_REGISTRY_GLOBAL_REMOVE:
		registry_handle_global_remove(ro, args[0].u);
		break;
	}
}

static void
registry_handle_bind(struct relay_object *ro, uint32_t name,
		     const char *interface, uint32_t version, uint32_t id)
{
	struct registry_global *g = registry_find(ro->override_data, name);
	/* Error texts and codes as libwayland-server's own registry. */
	if (!g) {
		wl_resource_post_error(ro->resource, WL_DISPLAY_ERROR_INVALID_OBJECT,
				       "invalid global %s (%u)", interface, name);
		return;
	}
	if (strcmp(interface, g->meta->name) != 0) {
		wl_resource_post_error(ro->resource, WL_DISPLAY_ERROR_INVALID_OBJECT,
				       "invalid interface for global %u: "
				       "have %s, wanted %s",
				       name, interface, g->meta->name);
		return;
	}
	if (version == 0 || version > g->version) {
		wl_resource_post_error(ro->resource, WL_DISPLAY_ERROR_INVALID_OBJECT,
				       "invalid version for global %s (%u): "
				       "have %u, wanted %u",
				       interface, name, g->version, version);
		return;
	}

	struct wl_client *client = ro->client->client;
	/* A bind that was held (hold.h) has its resource already. */
	struct relay_object *awaiting =
		relay_object_awaiting_host(ro->client, id, g->meta->interface);
	struct wl_resource *res = awaiting ? awaiting->resource :
		wl_resource_create(client, g->meta->interface, version, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	struct wl_proxy *proxy = wl_registry_bind((struct wl_registry *)ro->proxy,
						  name, g->meta->interface, version);
	if (proxy && ro->client->server->trace) {
		union wl_argument sent[] = {
			{ .u = name }, { .s = g->meta->interface->name },
			{ .u = version }, { .n = 0 },
		};
		trace_host_request(ro->client, "wl_registry",
				   wl_proxy_get_id(ro->proxy),
				   &wl_registry_interface.methods[WL_REGISTRY_BIND],
				   sent, proxy);
	}
	if (awaiting && proxy) {
		relay_object_set_proxy(awaiting, proxy);
	} else if (!proxy || awaiting ||
		   !relay_object_create(ro->client, res, proxy)) {
		if (proxy)
			wl_proxy_destroy(proxy);
		wl_resource_destroy(res);
		wl_client_post_no_memory(client);
	}
}

static void
registry_request(struct relay_object *ro, uint32_t opcode, union wl_argument *args)
{
	if (opcode == WL_REGISTRY_BIND)
		registry_handle_bind(ro, args[0].u, args[1].s, args[2].u, args[3].n);
}

static int
registry_init(struct relay_object *ro)
{
	struct registry *reg = calloc(1, sizeof(*reg));
	if (!reg)
		return -1;
	wl_list_init(&reg->globals);
	ro->override_data = reg;
	return 0;
}

static void
registry_fini(struct relay_object *ro)
{
	struct registry *reg = ro->override_data;
	struct registry_global *g, *tmp;
	wl_list_for_each_safe(g, tmp, &reg->globals, link)
		free(g);
	free(reg);
}

const struct relay_override registry_override = {
	.interface = "wl_registry",
	.request = registry_request,
	.event = registry_event,
	.init = registry_init,
	.fini = registry_fini,
};
