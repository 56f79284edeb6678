/*
 * The clipboard (wl_data_offer, wl_data_source: also drag-and-drop) and the
 * primary selection (zwp_primary_selection_offer_v1 / _source_v1): their
 * only fd-carrying messages are the two pipe ends of a transfer, and the
 * same for both protocols: receive(mime_type s, fd h) on an offer (a guest
 * pastes or takes a drop) and send(mime_type s, fd h) on a source (someone
 * on the host pastes from a guest).  The pipes cannot cross as they are:
 * the guest's fd means nothing to the host across the device, and the
 * host's is a vfd a guest app cannot write.  transfer.c copies between
 * them.  Everything else of both protocols relays generically.
 */
#include <wayland-client-protocol.h> /* request opcodes */
#include <wayland-server-protocol.h> /* event opcodes */

#include "relay.h"
#include "transfer.h"

/* The fd of receive and send is their second argument. */
#define PIPE_FD_ARG 1

/* From primary-selection-unstable-v1.xml; the proxy generates no header
 * for it. */
enum {
	PRIMARY_OFFER_RECEIVE = 0,
	PRIMARY_SOURCE_SEND = 0,
};

static void
offer_request(struct relay_object *ro, uint32_t opcode, union wl_argument *args)
{
	if ((ro->override->fd_requests >> opcode) & 1)
		transfer_forward_receive(ro, opcode, args, PIPE_FD_ARG);
	else
		relay_forward_request(ro, opcode, args);
}

static void
source_event(struct relay_object *ro, uint32_t opcode, union wl_argument *args)
{
	if ((ro->override->fd_events >> opcode) & 1)
		transfer_forward_send(ro, opcode, args, PIPE_FD_ARG);
	else
		relay_forward_event(ro, opcode, args);
}

const struct relay_override data_offer_override = {
	.interface = "wl_data_offer",
	.request = offer_request,
	.fd_requests = 1u << WL_DATA_OFFER_RECEIVE,
};

const struct relay_override data_source_override = {
	.interface = "wl_data_source",
	.event = source_event,
	.fd_events = 1u << WL_DATA_SOURCE_SEND,
};

const struct relay_override primary_offer_override = {
	.interface = "zwp_primary_selection_offer_v1",
	.request = offer_request,
	.fd_requests = 1u << PRIMARY_OFFER_RECEIVE,
};

const struct relay_override primary_source_override = {
	.interface = "zwp_primary_selection_source_v1",
	.event = source_event,
	.fd_events = 1u << PRIMARY_SOURCE_SEND,
};
