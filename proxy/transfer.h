/*
 * Clipboard and drag-and-drop transfers: the bytes of one paste, pumped
 * between a guest client's pipe and an fd of the host compositor's.
 * Neither fd can cross as it is: across the device the host can only be
 * given vfds, and what it gives us is a vfd that a guest app could not
 * write with write(2).  So the proxy keeps both ends and copies, never
 * blocking the loop: each transfer waits in the server's event loop on one
 * end at a time, with a bounded buffer between them (it stops reading while
 * the writer is behind).
 *
 * Ownership: the server owns every transfer (wlgp_server.transfers).  One
 * ends, and is freed, at end of file, at an error on either end (a reader
 * that went away gets EPIPE), or with the server.  A guest client that
 * disconnects does not end its transfers: what its app already wrote into
 * the pipe must still reach the host (wl-copy --paste-once exits as soon
 * as its writer has), and a reader in another process may still want the
 * rest.  A client may have TRANSFER_MAX_PER_CLIENT running at once.
 */
#ifndef WLGP_TRANSFER_H
#define WLGP_TRANSFER_H

#include <stdint.h>
#include <wayland-util.h>

struct relay_object;
struct wlgp_server;

#define TRANSFER_MAX_PER_CLIENT 64

/*
 * The relay side of the two requests and events that carry a transfer's
 * fd, for wl_data_* and zwp_primary_selection_*_v1 alike; fd_arg is the fd
 * argument's index.
 *
 * offer.receive(mime_type, fd) from a guest: the host gets the host end of
 * a channel pipe instead, and what the host writes into it is copied into
 * the guest's fd.
 */
void transfer_forward_receive(struct relay_object *ro, uint32_t opcode,
			      union wl_argument *args, int fd_arg);
/* source.send(mime_type, fd) from the host: the guest gets the write end of
 * a local pipe instead, and what its app writes is copied into the host's
 * fd. */
void transfer_forward_send(struct relay_object *ro, uint32_t opcode,
			   union wl_argument *args, int fd_arg);

/* Ends every transfer (server teardown). */
void transfer_destroy_all(struct wlgp_server *server);

#endif
