/*
 * Toplevel titles and app_ids on their way to the host, rewritten by the
 * window provenance options (provenance.h): xdg_toplevel and its unstable
 * v6 twin, and wl_shell_surface's title and class.  A toplevel gets the
 * tag and a stable app_id as soon as it exists, so the host never shows
 * it without them, even if its client never names it.
 *
 * Messages are told apart by name, not opcode: the same handlers serve
 * every version of the shell.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "provenance.h"
#include "relay.h"
#include "server.h"

static pid_t
client_pid(const struct relay_object *ro)
{
	pid_t pid = 0;
	wl_client_get_credentials(ro->client->client, &pid, NULL, NULL);
	return pid;
}

/* What the host gets instead of the guest's title or app_id (NULL: a
 * toplevel without one yet); NULL back: leave it as it is. */
static char *
host_string(const struct relay_object *ro, bool is_title, const char *guest,
	    bool *oom)
{
	const struct provenance *p = &ro->client->server->provenance;
	return is_title ? provenance_title(p, guest, oom) :
		provenance_app_id(p, guest, client_pid(ro), oom);
}

/* Sends the request with value for its one string argument, or the
 * guest's args as they are when value is NULL (and args not NULL). */
static void
forward_named(struct relay_object *ro, uint32_t opcode, bool is_title,
	      union wl_argument *args)
{
	bool oom;
	char *value = host_string(ro, is_title, args ? args[0].s : NULL, &oom);
	if (oom) {
		wl_client_post_no_memory(ro->client->client);
	} else if (value) {
		union wl_argument arg = { .s = value };
		relay_forward_request(ro, opcode, &arg);
		free(value);
	} else if (args) {
		relay_forward_request(ro, opcode, args);
	}
}

static void
toplevel_request(struct relay_object *ro, uint32_t opcode,
		 union wl_argument *args)
{
	const char *name = ro->meta->interface->methods[opcode].name;
	if (strcmp(name, "set_title") == 0)
		forward_named(ro, opcode, true, args);
	else if (strcmp(name, "set_app_id") == 0 || strcmp(name, "set_class") == 0)
		forward_named(ro, opcode, false, args);
	else
		relay_forward_request(ro, opcode, args);
}

static int
opcode_of(const struct wl_interface *iface, const char *name)
{
	for (int i = 0; i < iface->method_count; i++) {
		if (strcmp(iface->methods[i].name, name) == 0)
			return i;
	}
	return -1;
}

/* The new toplevel's first requests: the tag alone as its title and an
 * app_id from its process, until the client sets its own. */
static void
name_new_toplevel(struct guest_client *gc, uint32_t id,
		  const struct wl_interface *iface)
{
	struct relay_object *top = relay_object_by_id(gc, id, iface);
	if (!top || !top->proxy)
		return; /* the request failed; the client has its error */
	int title = opcode_of(iface, "set_title");
	int app_id = opcode_of(iface, "set_app_id");
	if (title >= 0)
		forward_named(top, (uint32_t)title, true, NULL);
	if (app_id >= 0)
		forward_named(top, (uint32_t)app_id, false, NULL);
}

static void
shell_surface_request(struct relay_object *ro, uint32_t opcode,
		      union wl_argument *args)
{
	const struct wl_message *msg = &ro->meta->interface->methods[opcode];
	if (strcmp(msg->name, "get_toplevel") != 0) {
		relay_forward_request(ro, opcode, args);
		return;
	}
	uint32_t id = args[0].n;
	relay_forward_request(ro, opcode, args);
	name_new_toplevel(ro->client, id, msg->types[0]);
}

const struct relay_override xdg_surface_override = {
	.interface = "xdg_surface",
	.request = shell_surface_request,
};

const struct relay_override zxdg_surface_v6_override = {
	.interface = "zxdg_surface_v6",
	.request = shell_surface_request,
};

const struct relay_override xdg_toplevel_override = {
	.interface = "xdg_toplevel",
	.request = toplevel_request,
};

const struct relay_override zxdg_toplevel_v6_override = {
	.interface = "zxdg_toplevel_v6",
	.request = toplevel_request,
};

const struct relay_override wl_shell_surface_override = {
	.interface = "wl_shell_surface",
	.request = toplevel_request,
};
