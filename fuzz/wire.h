/*
 * Building Wayland wire messages from fuzz input: the framing libwayland
 * expects (header, 32-bit words, padded strings and arrays, fds beside the
 * bytes), arguments chosen from the scanner's signature so a message gets
 * past the parser, and the fds a hostile peer might pass (memfds of any
 * size, pipes, sockets, fds of the wrong kind).
 */
#ifndef WLGP_FUZZ_WIRE_H
#define WLGP_FUZZ_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wayland-util.h>

#include "input.h"

#define WIRE_MAX_SIZE 4096
#define WIRE_MAX_FDS 28
#define WIRE_MAX_OBJECTS 256

/* One side's object ids and what they are (NULL interface: unknown). */
struct wire_object {
	uint32_t id;
	const struct wl_interface *interface;
};

struct wire_objects {
	struct wire_object objs[WIRE_MAX_OBJECTS];
	int count;
	uint32_t next_id; /* the next new_id this side allocates */
};

void wire_objects_init(struct wire_objects *o, uint32_t first_id);
void wire_objects_add(struct wire_objects *o, uint32_t id,
		      const struct wl_interface *interface);
void wire_objects_remove(struct wire_objects *o, uint32_t id);
const struct wire_object *wire_objects_pick(struct wire_objects *o,
					    struct input *in);

struct wire_msg {
	uint8_t data[WIRE_MAX_SIZE];
	size_t len;
	int fds[WIRE_MAX_FDS];
	int nfds;
};

void wire_msg_init(struct wire_msg *m);
/* Closes the fds not sent. */
void wire_msg_fini(struct wire_msg *m);
bool wire_put_u32(struct wire_msg *m, uint32_t v);
bool wire_put_bytes(struct wire_msg *m, const void *data, uint32_t len,
		    bool nul);

/* Memfds handed out, kept (dups) so an op can shrink them afterwards, as
 * a client that truncates its pool behind the proxy's back. */
struct wire_memfds {
	int fds[8];
	int count;
};
void wire_memfds_fini(struct wire_memfds *mf);
/* Truncates one of them to a fuzzed size. */
void wire_memfds_shrink(struct wire_memfds *mf, struct input *in);

/* A new fd of a fuzzed kind, or -1; the caller owns it. */
int wire_fuzz_fd(struct input *in, struct wire_memfds *mf);

/* Appends one message for object obj with opcode and msg's signature:
 * arguments read from in, objects picked from objs, new ids allocated
 * from objs (and added with msg->types' interface, or by name through
 * relay_meta for an untyped new_id).  False if it did not fit. */
bool wire_build(struct wire_msg *m, struct input *in, struct wire_objects *objs,
		uint32_t obj, uint16_t opcode, const struct wl_message *msg,
		struct wire_memfds *mf);

/* sendmsg of the bytes with the fds, never blocking, never SIGPIPE:
 * false if the peer is gone or full. */
bool wire_send(int sock, const void *data, size_t len, const int *fds, int nfds);

/* An interface name for an untyped new_id (wl_registry.bind): one the
 * relay knows, picked by the input. */
const char *wire_pick_interface_name(struct input *in,
				     const struct wl_interface **iface);

#endif
