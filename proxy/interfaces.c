/*
 * Which globals the proxy can offer.  A message with an fd ('h') must never
 * be forwarded blindly: across the device only vfds exist.  So an interface
 * is relayable only if every fd-carrying message of it, and of every
 * interface its requests and events can create, is translated by an
 * override.
 */
#include <stdlib.h>
#include <string.h>

#include "interfaces.h"
#include "log.h"
#include "relay.h"
#include "server.h"

static bool
message_has_fd(const struct wl_message *msg)
{
	return strchr(msg->signature, 'h') != NULL;
}

static bool
messages_translated(const struct wl_message *msgs, int count, uint64_t handled)
{
	for (int i = 0; i < count; i++) {
		if (message_has_fd(&msgs[i]) && !(i < 64 && (handled >> i) & 1))
			return false;
	}
	return true;
}

static bool
interface_fds_translated(const struct wl_interface *iface)
{
	const struct relay_override *ov = relay_override_for(iface->name);
	uint64_t req = 0, ev = 0;
	if (ov) {
		req = ov->fd_requests;
		ev = ov->fd_events;
	}
	return messages_translated(iface->methods, iface->method_count, req) &&
	       messages_translated(iface->events, iface->event_count, ev);
}

/* Depth-first over the interfaces reachable through new_id arguments. */
static bool
reachable_fds_translated(const struct wl_interface *iface, bool *seen)
{
	const struct relay_meta *meta = relay_meta_by_interface(iface);
	if (!meta)
		return false; /* created object we could not relay */
	size_t idx = (size_t)(meta - relay_meta_table);
	if (seen[idx])
		return true;
	seen[idx] = true;
	if (!interface_fds_translated(iface))
		return false;

	const struct wl_message *lists[2] = { iface->methods, iface->events };
	int counts[2] = { iface->method_count, iface->event_count };
	for (int l = 0; l < 2; l++) {
		for (int m = 0; m < counts[l]; m++) {
			const struct wl_message *msg = &lists[l][m];
			struct relay_arg argv[RELAY_MAX_ARGS];
			int argc = relay_message_args(msg, argv, RELAY_MAX_ARGS);
			for (int a = 0; a < argc; a++) {
				if (argv[a].type != 'n' || !msg->types[a])
					continue;
				if (!reachable_fds_translated(msg->types[a], seen))
					return false;
			}
		}
	}
	return true;
}

bool *
interfaces_compute_relayable(void)
{
	bool *relayable = calloc(relay_meta_count, sizeof(bool));
	bool *seen = calloc(relay_meta_count, sizeof(bool));
	if (!relayable || !seen) {
		free(relayable);
		free(seen);
		return NULL;
	}
	for (unsigned i = 0; i < relay_meta_count; i++) {
		memset(seen, 0, relay_meta_count * sizeof(bool));
		relayable[i] = reachable_fds_translated(
			relay_meta_table[i].interface, seen);
		if (!relayable[i])
			wlgp_debug("%s is not relayable: it carries fds the "
				   "proxy does not translate",
				   relay_meta_table[i].name);
	}
	free(seen);
	return relayable;
}

bool
interfaces_relayable(const struct wlgp_server *server, const struct relay_meta *meta)
{
	return server->relayable[meta - relay_meta_table];
}
