/*
 * guest → proxy: a hostile guest client.  The proxy core runs in-process
 * in front of a real libwayland host (world.h); the input is a script of
 * what the guest sends:
 *
 *   byte 0: bit 0 set: start with wl_display.get_registry and a settle,
 *           so the registry's globals are known to the structured ops
 *   then ops, each a byte (mod 6) and its operands:
 *     0 raw:    u16 length, that many bytes, u8 fd count (≤ 4), fds
 *     1 msg:    a well-framed request on a known object, arguments from
 *               its signature (wire.h)
 *     2 bind:   wl_registry.bind of an advertised global
 *     3 settle: run proxy and host until idle
 *     4 shrink: truncate a memfd sent earlier (SIGBUS on the next copy)
 *     5 batch:  up to 8 structured messages in one sendmsg
 *
 * Raw ops carry the bytes of real clients (seeds recorded with
 * record-tap.py); the structured ops get past the first protocol error to
 * the overrides: wl_shm pools and buffers, surface commits with scale,
 * transform and damage, the relay's new_id and destructor handling.
 *
 * Oracles: the sanitizers; after the guest hangs up the proxy serves no
 * guest and holds no host connection; and (the host shield's oracle) a
 * protocol error from the host on anything the proxy relayed fails the
 * run: the shield must have refused it first.  WLGP_FUZZ_HOST_ERRORS=0
 * turns that check off.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-client-core.h>
#include <wayland-client-protocol.h>

#include "relay-meta.h"
#include "server.h"
#include "wire.h"
#include "world.h"

struct global {
	uint32_t name, version;
	const struct wl_interface *interface;
};

struct guest {
	int fd;
	struct wire_objects objs;
	struct wire_memfds memfds;
	struct global globals[64];
	int n_globals;
	uint8_t events[65536];
	size_t events_len;
};

/* Keeps the registry globals the proxy advertises. */
static void
parse_event(struct guest *g, const uint8_t *msg, uint32_t size)
{
	uint32_t id, opcode;
	memcpy(&id, msg, 4);
	memcpy(&opcode, msg + 4, 4);
	opcode &= 0xffff;
	const struct wire_object *obj = NULL;
	for (int i = 0; i < g->objs.count; i++) {
		if (g->objs.objs[i].id == id)
			obj = &g->objs.objs[i];
	}
	if (id == 1 && opcode == 1 /* wl_display.delete_id */ && size >= 12) {
		uint32_t gone;
		memcpy(&gone, msg + 8, 4);
		wire_objects_remove(&g->objs, gone);
		return;
	}
	if (!obj || obj->interface != &wl_registry_interface ||
	    opcode != 0 /* wl_registry.global */ || size < 16 || g->n_globals >= 64)
		return;
	uint32_t name, len;
	memcpy(&name, msg + 8, 4);
	memcpy(&len, msg + 12, 4);
	if (len == 0 || len > 128 || 16 + ((len + 3) & ~3u) + 4 > size)
		return;
	char iface[129];
	memcpy(iface, msg + 16, len);
	iface[len - 1] = '\0';
	const struct relay_meta *meta = relay_meta_by_name(iface);
	if (!meta)
		return;
	struct global *gl = &g->globals[g->n_globals++];
	gl->name = name;
	memcpy(&gl->version, msg + 16 + ((len + 3) & ~3u), 4);
	gl->interface = meta->interface;
}

static void
read_events(void *data, const uint8_t *bytes, size_t len)
{
	struct guest *g = data;
	if (len > sizeof(g->events) - g->events_len)
		len = sizeof(g->events) - g->events_len;
	memcpy(g->events + g->events_len, bytes, len);
	g->events_len += len;
	size_t pos = 0;
	while (g->events_len - pos >= 8) {
		uint32_t word;
		memcpy(&word, g->events + pos + 4, 4);
		uint32_t size = word >> 16;
		if (size < 8 || size & 3) {
			pos = g->events_len; /* cannot be: drop what is left */
			break;
		}
		if (g->events_len - pos < size)
			break;
		parse_event(g, g->events + pos, size);
		pos += size;
	}
	memmove(g->events, g->events + pos, g->events_len - pos);
	g->events_len -= pos;
}

static void
settle(struct world *w, struct guest *g)
{
	world_settle(w, g->fd, read_events, g);
}

static void
send_msg(struct guest *g, struct wire_msg *m)
{
	if (m->len > 0)
		wire_send(g->fd, m->data, m->len, m->fds, m->nfds);
	wire_msg_fini(m);
}

static void
op_raw(struct guest *g, struct input *in)
{
	struct wire_msg m;
	wire_msg_init(&m);
	m.len = input_bytes(in, m.data, input_range(in, 0, WIRE_MAX_SIZE));
	unsigned nfds = input_range(in, 0, 4);
	for (unsigned i = 0; i < nfds; i++) {
		int fd = wire_fuzz_fd(in, &g->memfds);
		if (fd >= 0)
			m.fds[m.nfds++] = fd;
	}
	send_msg(g, &m);
}

/* One structured request appended to m; false when nothing was added. */
static bool
build_request(struct guest *g, struct input *in, struct wire_msg *m)
{
	const struct wire_object *obj = wire_objects_pick(&g->objs, in);
	if (!obj || !obj->interface || obj->interface->method_count == 0)
		return false;
	uint32_t id = obj->id;
	const struct wl_interface *iface = obj->interface;
	uint16_t opcode = (uint16_t)(input_u8(in) % iface->method_count);
	if (!wire_build(m, in, &g->objs, id, opcode, &iface->methods[opcode],
			&g->memfds))
		return false;
	const struct relay_meta *meta = relay_meta_by_interface(iface);
	if (meta && opcode < 64 && (meta->destructor_requests >> opcode & 1))
		wire_objects_remove(&g->objs, id);
	return true;
}

static void
op_msg(struct guest *g, struct input *in, int count)
{
	struct wire_msg m;
	wire_msg_init(&m);
	for (int i = 0; i < count; i++)
		build_request(g, in, &m);
	send_msg(g, &m);
}

static void
op_bind(struct guest *g, struct input *in)
{
	uint32_t registry = 0;
	for (int i = 0; i < g->objs.count; i++) {
		if (g->objs.objs[i].interface == &wl_registry_interface)
			registry = g->objs.objs[i].id;
	}
	if (!registry || g->n_globals == 0)
		return;
	const struct global *gl = &g->globals[input_u8(in) % g->n_globals];
	uint32_t version = input_range(in, 1, gl->version ? gl->version : 1);
	struct wire_msg m;
	wire_msg_init(&m);
	uint32_t id = g->objs.next_id++;
	const char *name = gl->interface->name;
	wire_put_u32(&m, registry);
	wire_put_u32(&m, 0);
	wire_put_u32(&m, gl->name);
	wire_put_bytes(&m, name, (uint32_t)strlen(name), true);
	wire_put_u32(&m, version);
	wire_put_u32(&m, id);
	uint32_t header = (uint32_t)m.len << 16 | WL_REGISTRY_BIND;
	memcpy(m.data + 4, &header, 4);
	wire_objects_add(&g->objs, id, gl->interface);
	send_msg(g, &m);
}

static void
get_registry(struct world *w, struct guest *g)
{
	struct wire_msg m;
	wire_msg_init(&m);
	uint32_t id = g->objs.next_id++;
	wire_put_u32(&m, 1);
	wire_put_u32(&m, 12u << 16 | WL_DISPLAY_GET_REGISTRY);
	wire_put_u32(&m, id);
	wire_objects_add(&g->objs, id, &wl_registry_interface);
	send_msg(g, &m);
	settle(w, g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world *w = world_get();
	struct input in;
	input_init(&in, data, size);
	static struct guest g;
	memset(&g, 0, sizeof(g));
	g.fd = world_guest_connect(w);
	wire_objects_init(&g.objs, 2);
	wire_objects_add(&g.objs, 1, &wl_display_interface);
	w->server->last_host_error[0] = '\0';

	if (input_u8(&in) & 1)
		get_registry(w, &g);
	for (int ops = 0; ops < 256 && !input_done(&in); ops++) {
		switch (input_u8(&in) % 6) {
		case 0: op_raw(&g, &in); break;
		case 1: op_msg(&g, &in, 1); break;
		case 2: op_bind(&g, &in); break;
		case 3: settle(w, &g); break;
		case 4: wire_memfds_shrink(&g.memfds, &in); break;
		case 5: op_msg(&g, &in, (int)input_range(&in, 1, 8)); break;
		}
	}
	settle(w, &g);

	const char *host_errors = getenv("WLGP_FUZZ_HOST_ERRORS");
	if (!host_errors || strcmp(host_errors, "0") != 0)
		FUZZ_CHECK(!w->server->last_host_error[0],
			   "the host raised a protocol error on what the proxy "
			   "relayed: %s", w->server->last_host_error);
	close(g.fd);
	wire_memfds_fini(&g.memfds);
	world_settle(w, -1, NULL, NULL);
	FUZZ_CHECK(world_guest_count(w) == 0,
		   "the proxy still serves %d guests after the guest hung up",
		   world_guest_count(w));
	FUZZ_CHECK(world_host_client_count(w) == 0,
		   "the host still has %d connections from the proxy after the "
		   "guest hung up", world_host_client_count(w));
	return 0;
}
