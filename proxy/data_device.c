/*
 * wl_data_offer and wl_data_source: the clipboard and drag-and-drop
 * messages that carry an fd.  Everything else of wl_data_device_manager
 * (devices, offers and their mime types, actions, start_drag with its icon
 * surface, set_selection) relays generically.  The two pipes cannot: the
 * guest's fd means nothing to the host across the device, and the host's
 * is a vfd a guest app cannot write.  transfer.c copies between them.
 */
#include <wayland-client-protocol.h> /* request opcodes */
#include <wayland-server-protocol.h> /* event opcodes */

#include "relay.h"
#include "transfer.h"

static void
data_offer_request(struct relay_object *ro, uint32_t opcode,
		   union wl_argument *args)
{
	/* receive(mime_type s, fd h): a guest pastes or takes a drop */
	if (opcode == WL_DATA_OFFER_RECEIVE)
		transfer_forward_receive(ro, opcode, args, 1);
	else
		relay_forward_request(ro, opcode, args);
}

static void
data_source_event(struct relay_object *ro, uint32_t opcode,
		  union wl_argument *args)
{
	/* send(mime_type s, fd h): someone on the host pastes from a guest */
	if (opcode == WL_DATA_SOURCE_SEND)
		transfer_forward_send(ro, opcode, args, 1);
	else
		relay_forward_event(ro, opcode, args);
}

const struct relay_override data_offer_override = {
	.interface = "wl_data_offer",
	.request = data_offer_request,
	.fd_requests = 1u << WL_DATA_OFFER_RECEIVE,
};

const struct relay_override data_source_override = {
	.interface = "wl_data_source",
	.event = data_source_event,
	.fd_events = 1u << WL_DATA_SOURCE_SEND,
};
