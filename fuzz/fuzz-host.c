/*
 * host → proxy: a hostile or buggy host compositor.  The target is the
 * host: it listens where the proxy's direct channel connects, answers the
 * proxy's own housekeeping (registry, wl_display.sync, wl_shm formats) so
 * the proxy gets going, and follows the proxy's requests to know which
 * object is what.  A fixed guest binds every global and makes a surface,
 * a keyboard and a pointer, so the proxy has objects for the host to
 * abuse.  The input is a script of what the host sends:
 *
 *   ops, each a byte (mod 7) and its operands:
 *     0 event:   a well-framed event on a live object (wire.h), including
 *                new_ids (bogus or colliding) and fds of every kind
 *                (keymaps: huge memfds, pipes, sockets, fuzzed text)
 *     1 stale:   an event on an object the proxy destroyed, or on an id
 *                never used
 *     2 raw:     u16 length and bytes, u8 fd count, fds
 *     3 settle:  run the proxy until idle
 *     4 release: wl_buffer.release on a random buffer, in any order
 *     5 guest:   the guest sends a request (as in the guest target)
 *     6 error:   wl_display.error on an object, or delete_id of a live one
 *
 * Oracles: the sanitizers, and after the guest hangs up the proxy serves
 * no guest and the host connection is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/un.h>
#include <unistd.h>
#include <wayland-client-protocol.h>
#include <wayland-server-core.h>

#include "channel.h"
#include "log.h"
#include "relay-meta.h"
#include "server.h"
#include "wire.h"

struct side {
	int fd;
	struct wire_objects objs;
	struct wire_objects dead; /* ids destroyed, for stale events */
	uint8_t buf[65536];
	size_t len;
};

static struct {
	bool made;
	char dir[48], path[96];
	int listen_fd;
	struct channel *channel;
	struct wlgp_server *server;
} ctx;

static const struct wl_interface *const advertised[] = {
	&wl_compositor_interface, &wl_shm_interface, &wl_seat_interface,
	&wl_output_interface, &wl_data_device_manager_interface,
	&wl_subcompositor_interface,
};
#define N_ADVERTISED (sizeof(advertised) / sizeof(advertised[0]))

static void
remove_dir(void)
{
	unlink(ctx.path);
	rmdir(ctx.dir);
}

static void
make_context(void)
{
	ctx.made = true;
	signal(SIGPIPE, SIG_IGN);
	wlgp_log_init(getenv("WLGP_FUZZ_VERBOSE") ? WLGP_DEBUG : WLGP_ERROR);
	snprintf(ctx.dir, sizeof(ctx.dir), "/tmp/wlgp-fuzz-host-XXXXXX");
	FUZZ_CHECK(mkdtemp(ctx.dir), "mkdtemp: %s", strerror(errno));
	setenv("XDG_RUNTIME_DIR", ctx.dir, 1);
	snprintf(ctx.path, sizeof(ctx.path), "%s/host", ctx.dir);
	atexit(remove_dir);
	ctx.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", ctx.path);
	FUZZ_CHECK(bind(ctx.listen_fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
		   listen(ctx.listen_fd, 8) == 0, "listen: %s", strerror(errno));
	char err[512];
	ctx.channel = channel_direct_create(ctx.path, err, sizeof(err));
	FUZZ_CHECK(ctx.channel, "%s", err);
	ctx.server = wlgp_server_create(ctx.channel, NULL);
	FUZZ_CHECK(ctx.server, "wlgp_server_create failed");
}

/* ---- the host's side ---------------------------------------------------- */

static void
host_send(struct side *h, struct wire_msg *m)
{
	if (h->fd >= 0 && m->len > 0)
		wire_send(h->fd, m->data, m->len, m->fds, m->nfds);
	wire_msg_fini(m);
}

static void
send_event(struct side *h, uint32_t id, uint16_t opcode, const uint32_t *args,
	   int n)
{
	struct wire_msg m;
	wire_msg_init(&m);
	wire_put_u32(&m, id);
	wire_put_u32(&m, (uint32_t)(8 + 4 * n) << 16 | opcode);
	for (int i = 0; i < n; i++)
		wire_put_u32(&m, args[i]);
	host_send(h, &m);
}

static void
send_globals(struct side *h, uint32_t registry)
{
	for (unsigned i = 0; i < N_ADVERTISED; i++) {
		struct wire_msg m;
		wire_msg_init(&m);
		const char *name = advertised[i]->name;
		wire_put_u32(&m, registry);
		wire_put_u32(&m, 0);
		wire_put_u32(&m, i + 1);
		wire_put_bytes(&m, name, (uint32_t)strlen(name), true);
		wire_put_u32(&m, (uint32_t)advertised[i]->version);
		uint32_t header = (uint32_t)m.len << 16; /* global */
		memcpy(m.data + 4, &header, 4);
		host_send(h, &m);
	}
}

static const struct wl_interface *
find_interface(struct wire_objects *o, uint32_t id)
{
	for (int i = 0; i < o->count; i++) {
		if (o->objs[i].id == id)
			return o->objs[i].interface;
	}
	return NULL;
}

/* Follows one request of the proxy: its new objects, its destructors,
 * and the housekeeping a compositor answers at once. */
static void
host_handle_request(struct side *h, const uint8_t *msg, uint32_t size)
{
	uint32_t id, word;
	memcpy(&id, msg, 4);
	memcpy(&word, msg + 4, 4);
	uint16_t opcode = word & 0xffff;
	const struct wl_interface *iface = find_interface(&h->objs, id);
	if (!iface || opcode >= iface->method_count)
		return;
	const struct wl_message *req = &iface->methods[opcode];
	size_t pos = 8;
	int arg = 0;
	uint32_t first_new = 0;
	for (const char *s = req->signature; *s; s++) {
		if ((*s >= '0' && *s <= '9') || *s == '?')
			continue;
		const struct wl_interface *type = req->types ? req->types[arg] : NULL;
		arg++;
		uint32_t v;
		if (*s == 'h')
			continue;
		if (pos + 4 > size)
			return;
		memcpy(&v, msg + pos, 4);
		if (*s == 's' || *s == 'a') {
			if (*s == 's' && !type && strchr(req->signature, 'n') &&
			    v > 0 && v < 128 && pos + 4 + v <= size) {
				/* untyped new_id: interface name, version, id */
				char name[128];
				memcpy(name, msg + pos + 4, v);
				name[v - 1] = '\0';
				const struct relay_meta *meta = relay_meta_by_name(name);
				size_t at = pos + 4 + ((v + 3) & ~3u) + 4;
				if (meta && at + 4 <= size) {
					uint32_t nid;
					memcpy(&nid, msg + at, 4);
					wire_objects_add(&h->objs, nid, meta->interface);
					if (meta->interface == &wl_shm_interface) {
						uint32_t argb[] = { 0 }, xrgb[] = { 1 };
						send_event(h, nid, 0, argb, 1);
						send_event(h, nid, 0, xrgb, 1);
					}
				}
				return;
			}
			pos += 4 + (((size_t)v + 3) & ~(size_t)3);
			continue;
		}
		pos += 4;
		if (*s == 'n' && type) {
			wire_objects_add(&h->objs, v, type);
			wire_objects_remove(&h->dead, v);
			if (!first_new)
				first_new = v;
		}
	}
	if (iface == &wl_display_interface && opcode == WL_DISPLAY_SYNC && first_new) {
		uint32_t serial[] = { 1 };
		send_event(h, first_new, 0, serial, 1); /* wl_callback.done */
		uint32_t gone[] = { first_new };
		send_event(h, 1, 1, gone, 1);           /* delete_id */
		wire_objects_remove(&h->objs, first_new);
	} else if (iface == &wl_display_interface &&
		   opcode == WL_DISPLAY_GET_REGISTRY && first_new) {
		send_globals(h, first_new);
	}
	const struct relay_meta *meta = relay_meta_by_interface(iface);
	if (meta && opcode < 64 && (meta->destructor_requests >> opcode & 1)) {
		wire_objects_remove(&h->objs, id);
		wire_objects_add(&h->dead, id, iface);
		if (id < 0xff000000u) {
			uint32_t gone[] = { id };
			send_event(h, 1, 1, gone, 1);
		}
	}
}

static void
host_read(struct side *h)
{
	for (;;) {
		union {
			struct cmsghdr c;
			char buf[CMSG_SPACE(sizeof(int) * 28)];
		} u;
		struct iovec iov = { h->buf + h->len, sizeof(h->buf) - h->len };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
		};
		if (iov.iov_len == 0)
			h->len = 0; /* cannot be framed: start over */
		ssize_t n = recvmsg(h->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n <= 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_type != SCM_RIGHTS)
				continue;
			int fds[28];
			size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			memcpy(fds, CMSG_DATA(c), nfds * sizeof(int));
			for (size_t i = 0; i < nfds; i++)
				close(fds[i]);
		}
		h->len += (size_t)n;
		size_t pos = 0;
		while (h->len - pos >= 8) {
			uint32_t word;
			memcpy(&word, h->buf + pos + 4, 4);
			uint32_t size = word >> 16;
			if (size < 8 || h->len - pos < size)
				break;
			host_handle_request(h, h->buf + pos, size);
			pos += size;
		}
		memmove(h->buf, h->buf + pos, h->len - pos);
		h->len -= pos;
	}
}

/* ---- the guest's side --------------------------------------------------- */

static void
guest_read(struct side *g)
{
	for (;;) {
		union {
			struct cmsghdr c;
			char buf[CMSG_SPACE(sizeof(int) * 28)];
		} u;
		uint8_t buf[8192];
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
		};
		ssize_t n = recvmsg(g->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n <= 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_type != SCM_RIGHTS)
				continue;
			int fds[28];
			size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			memcpy(fds, CMSG_DATA(c), nfds * sizeof(int));
			for (size_t i = 0; i < nfds; i++)
				close(fds[i]);
		}
	}
}

static void
settle(struct side *h, struct side *g)
{
	int idle = 0;
	for (int round = 0; round < 400 && idle < 3; round++) {
		wlgp_server_dispatch(ctx.server, 0);
		if (h->fd < 0) {
			h->fd = accept4(ctx.listen_fd, NULL, NULL,
					SOCK_CLOEXEC | SOCK_NONBLOCK);
		}
		if (h->fd >= 0)
			host_read(h);
		if (g->fd >= 0)
			guest_read(g);
		struct pollfd p[4] = {
			{ wl_event_loop_get_fd(ctx.server->loop), POLLIN, 0 },
			{ ctx.listen_fd, POLLIN, 0 },
			{ h->fd, POLLIN, 0 },
			{ g->fd, POLLIN, 0 },
		};
		idle = poll(p, 4, 0) == 0 ? idle + 1 : 0;
	}
}

static void
guest_request(struct side *g, uint32_t id, uint16_t opcode, const uint32_t *args,
	      int n, const struct wl_interface *new_type)
{
	struct wire_msg m;
	wire_msg_init(&m);
	wire_put_u32(&m, id);
	wire_put_u32(&m, (uint32_t)(8 + 4 * n) << 16 | opcode);
	for (int i = 0; i < n; i++)
		wire_put_u32(&m, args[i]);
	if (new_type)
		wire_objects_add(&g->objs, args[n - 1], new_type);
	wire_send(g->fd, m.data, m.len, NULL, 0);
}

/* The guest binds every global the host advertised (the proxy renames
 * nothing: names 1..N as sent) and makes one of everything useful. */
static void
guest_script(struct side *h, struct side *g)
{
	uint32_t reg = g->objs.next_id++;
	guest_request(g, 1, WL_DISPLAY_GET_REGISTRY, (uint32_t[]){ reg }, 1,
		      &wl_registry_interface);
	settle(h, g);
	for (unsigned i = 0; i < N_ADVERTISED; i++) {
		struct wire_msg m;
		wire_msg_init(&m);
		uint32_t nid = g->objs.next_id++;
		const char *name = advertised[i]->name;
		wire_put_u32(&m, reg);
		wire_put_u32(&m, 0);
		wire_put_u32(&m, i + 1);
		wire_put_bytes(&m, name, (uint32_t)strlen(name), true);
		wire_put_u32(&m, (uint32_t)advertised[i]->version);
		wire_put_u32(&m, nid);
		uint32_t header = (uint32_t)m.len << 16 | WL_REGISTRY_BIND;
		memcpy(m.data + 4, &header, 4);
		wire_send(g->fd, m.data, m.len, NULL, 0);
		wire_objects_add(&g->objs, nid, advertised[i]);
	}
	/* ids: 2 registry, 3 compositor, 4 shm, 5 seat, 6 output, 7 ddm, 8 sub */
	uint32_t surface = g->objs.next_id++;
	guest_request(g, 3, WL_COMPOSITOR_CREATE_SURFACE, (uint32_t[]){ surface }, 1,
		      &wl_surface_interface);
	uint32_t keyboard = g->objs.next_id++;
	guest_request(g, 5, WL_SEAT_GET_KEYBOARD, (uint32_t[]){ keyboard }, 1,
		      &wl_keyboard_interface);
	uint32_t pointer = g->objs.next_id++;
	guest_request(g, 5, WL_SEAT_GET_POINTER, (uint32_t[]){ pointer }, 1,
		      &wl_pointer_interface);
	uint32_t dd = g->objs.next_id++;
	guest_request(g, 7, WL_DATA_DEVICE_MANAGER_GET_DATA_DEVICE,
		      (uint32_t[]){ dd, 5 }, 2, NULL);
	wire_objects_add(&g->objs, dd, &wl_data_device_interface);
	uint32_t cb = g->objs.next_id++;
	guest_request(g, surface, WL_SURFACE_FRAME, (uint32_t[]){ cb }, 1,
		      &wl_callback_interface);
	guest_request(g, surface, WL_SURFACE_COMMIT, NULL, 0, NULL);
}

/* A guest buffer committed, so the host has wl_buffers to release. */
static void
guest_commit_buffer(struct side *g, struct wire_memfds *mf)
{
	struct wire_msg m;
	wire_msg_init(&m);
	int fd = memfd_create("pool", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 64 * 64 * 4) < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	uint32_t pool = g->objs.next_id++, buffer = g->objs.next_id++;
	wire_put_u32(&m, 4);
	wire_put_u32(&m, 16u << 16 | WL_SHM_CREATE_POOL);
	wire_put_u32(&m, pool);
	wire_put_u32(&m, 64 * 64 * 4);
	m.fds[m.nfds++] = fd;
	uint32_t args[] = { buffer, 0, 64, 64, 256, 1 };
	wire_put_u32(&m, pool);
	wire_put_u32(&m, (8 + 4 * 6) << 16 | WL_SHM_POOL_CREATE_BUFFER);
	for (int i = 0; i < 6; i++)
		wire_put_u32(&m, args[i]);
	uint32_t surface = 9;
	uint32_t attach[] = { buffer, 0, 0 }, damage[] = { 0, 0, 64, 64 };
	wire_put_u32(&m, surface);
	wire_put_u32(&m, (8 + 12) << 16 | WL_SURFACE_ATTACH);
	for (int i = 0; i < 3; i++)
		wire_put_u32(&m, attach[i]);
	wire_put_u32(&m, surface);
	wire_put_u32(&m, (8 + 16) << 16 | WL_SURFACE_DAMAGE_BUFFER);
	for (int i = 0; i < 4; i++)
		wire_put_u32(&m, damage[i]);
	wire_put_u32(&m, surface);
	wire_put_u32(&m, 8u << 16 | WL_SURFACE_COMMIT);
	wire_send(g->fd, m.data, m.len, m.fds, m.nfds);
	wire_msg_fini(&m);
	wire_objects_add(&g->objs, pool, &wl_shm_pool_interface);
	wire_objects_add(&g->objs, buffer, &wl_buffer_interface);
}

/* ---- ops ---------------------------------------------------------------- */

static void
op_event(struct side *h, struct input *in, struct wire_memfds *mf)
{
	const struct wire_object *obj = wire_objects_pick(&h->objs, in);
	if (!obj || !obj->interface || obj->interface->event_count == 0)
		return;
	uint16_t opcode = (uint16_t)(input_u8(in) % obj->interface->event_count);
	struct wire_msg m;
	wire_msg_init(&m);
	/* server-side ids for objects the event makes; sometimes one in use */
	uint32_t saved = h->objs.next_id;
	if (input_u8(in) < 16 && h->objs.count > 0)
		h->objs.next_id = h->objs.objs[input_u8(in) % h->objs.count].id;
	uint32_t id = obj->id;
	const struct wl_interface *iface = obj->interface;
	wire_build(&m, in, &h->objs, id, opcode, &iface->events[opcode], mf);
	if (getenv("FUZZ_TRACE"))
		fprintf(stderr, "host event %s@%u.%s (%zu bytes, %d fds)\n",
			iface->name, id, iface->events[opcode].name, m.len, m.nfds);
	if (h->objs.next_id < 0xff000000u)
		h->objs.next_id = saved;
	const struct relay_meta *meta = relay_meta_by_interface(iface);
	if (meta && opcode < 64 && (meta->destructor_events >> opcode & 1)) {
		wire_objects_remove(&h->objs, id);
		wire_objects_add(&h->dead, id, iface);
	}
	host_send(h, &m);
}

static void
op_stale(struct side *h, struct input *in, struct wire_memfds *mf)
{
	const struct wire_object *obj = wire_objects_pick(&h->dead, in);
	struct wire_object fake = { input_u16(in), &wl_surface_interface };
	if (!obj || input_u8(in) < 32)
		obj = &fake;
	const struct wl_interface *iface = obj->interface;
	if (iface->event_count == 0)
		return;
	uint16_t opcode = (uint16_t)(input_u8(in) % iface->event_count);
	struct wire_msg m;
	wire_msg_init(&m);
	wire_build(&m, in, &h->objs, obj->id, opcode, &iface->events[opcode], mf);
	host_send(h, &m);
}

static void
op_raw(struct side *h, struct input *in, struct wire_memfds *mf)
{
	struct wire_msg m;
	wire_msg_init(&m);
	m.len = input_bytes(in, m.data, input_range(in, 0, WIRE_MAX_SIZE));
	unsigned nfds = input_range(in, 0, 4);
	for (unsigned i = 0; i < nfds; i++) {
		int fd = wire_fuzz_fd(in, mf);
		if (fd >= 0)
			m.fds[m.nfds++] = fd;
	}
	host_send(h, &m);
}

static void
op_release(struct side *h, struct input *in)
{
	const struct wire_object *buffers[WIRE_MAX_OBJECTS];
	int n = 0;
	for (int i = 0; i < h->objs.count; i++) {
		if (h->objs.objs[i].interface == &wl_buffer_interface)
			buffers[n++] = &h->objs.objs[i];
	}
	if (n > 0)
		send_event(h, buffers[input_u8(in) % n]->id, 0, NULL, 0);
}

static void
op_guest(struct side *g, struct input *in, struct wire_memfds *mf)
{
	const struct wire_object *obj = wire_objects_pick(&g->objs, in);
	if (!obj || !obj->interface || obj->interface->method_count == 0)
		return;
	uint16_t opcode = (uint16_t)(input_u8(in) % obj->interface->method_count);
	struct wire_msg m;
	wire_msg_init(&m);
	if (wire_build(&m, in, &g->objs, obj->id, opcode,
		       &obj->interface->methods[opcode], mf))
		wire_send(g->fd, m.data, m.len, m.fds, m.nfds);
	wire_msg_fini(&m);
}

static void
op_error(struct side *h, struct input *in)
{
	const struct wire_object *obj = wire_objects_pick(&h->objs, in);
	if (!obj)
		return;
	if (input_u8(in) & 1) {
		uint32_t gone[] = { obj->id };
		send_event(h, 1, 1, gone, 1); /* delete_id of a live object */
		return;
	}
	struct wire_msg m;
	wire_msg_init(&m);
	wire_put_u32(&m, 1);
	wire_put_u32(&m, 0);
	wire_put_u32(&m, obj->id);
	wire_put_u32(&m, input_u8(in));
	wire_put_bytes(&m, "fuzz host says no", 17, true);
	uint32_t header = (uint32_t)m.len << 16; /* wl_display.error */
	memcpy(m.data + 4, &header, 4);
	host_send(h, &m);
}

/*
 * libwayland-client 1.21 leaks the wl_proxy it allocates for an event's
 * new_id when it then fails the connection on that same event (e.g.
 * wl_data_device.data_offer with a server id it rejects, EINVAL): the
 * proxy is in its object map, the event is never dispatched, and
 * wl_display_disconnect frees only zombies.  Nothing the proxy can reach
 * (the event never gets to it), so LeakSanitizer is told to ignore leaks
 * allocated in wl_display_read_events.  The price: a relay that forgot
 * to destroy an event-made host object on close would go unnoticed here;
 * the guest target, whose host is well-behaved, still catches those.
 * regressions/host/libwayland-read-events-leak is the input that shows it.
 */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:wl_display_read_events\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ctx.made)
		make_context();
	static struct side h, g;
	memset(&h, 0, sizeof(h));
	memset(&g, 0, sizeof(g));
	struct wire_memfds mf = { .count = 0 };
	h.fd = -1;
	wire_objects_init(&h.objs, 0xff000000u);
	wire_objects_add(&h.objs, 1, &wl_display_interface);
	wire_objects_init(&h.dead, 0);
	wire_objects_init(&g.objs, 2);
	wire_objects_add(&g.objs, 1, &wl_display_interface);

	int fds[2];
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0,
		   "socketpair: %s", strerror(errno));
	FUZZ_CHECK(wl_client_create(ctx.server->display, fds[0]),
		   "the proxy refused a guest");
	g.fd = fds[1];
	fcntl(g.fd, F_SETFL, O_NONBLOCK);
	guest_script(&h, &g);
	settle(&h, &g);
	guest_commit_buffer(&g, &mf);
	settle(&h, &g);

	struct input in;
	input_init(&in, data, size);
	for (int ops = 0; ops < 256 && !input_done(&in); ops++) {
		switch (input_u8(&in) % 7) {
		case 0: op_event(&h, &in, &mf); break;
		case 1: op_stale(&h, &in, &mf); break;
		case 2: op_raw(&h, &in, &mf); break;
		case 3: settle(&h, &g); break;
		case 4: op_release(&h, &in); break;
		case 5: op_guest(&g, &in, &mf); break;
		case 6: op_error(&h, &in); break;
		}
	}
	settle(&h, &g);

	close(g.fd);
	g.fd = -1;
	settle(&h, &g);
	FUZZ_CHECK(wl_list_length(&ctx.server->clients) == 0,
		   "the proxy still serves %d guests after the guest hung up",
		   wl_list_length(&ctx.server->clients));
	if (h.fd >= 0) {
		char c;
		FUZZ_CHECK(recv(h.fd, &c, 1, MSG_DONTWAIT) == 0,
			   "the proxy kept its host connection after the guest "
			   "hung up");
		close(h.fd);
	}
	/* a connection the proxy opened but never got to use */
	int stray;
	while ((stray = accept4(ctx.listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		close(stray);
	wire_memfds_fini(&mf);
	return 0;
}
