/*
 * zwp_primary_selection_offer_v1 and zwp_primary_selection_source_v1: the
 * primary selection's two fd-carrying messages, for the same reason and
 * through the same transfers as the clipboard's (data_device.c).  The rest
 * of zwp_primary_selection_device_manager_v1 relays generically.
 */
#include "relay.h"
#include "transfer.h"

/* From primary-selection-unstable-v1.xml; the proxy generates no header
 * for it. */
enum {
	PRIMARY_OFFER_RECEIVE = 0, /* receive(mime_type s, fd h) */
	PRIMARY_SOURCE_SEND = 0,   /* send(mime_type s, fd h) */
};

static void
primary_offer_request(struct relay_object *ro, uint32_t opcode,
		      union wl_argument *args)
{
	if (opcode == PRIMARY_OFFER_RECEIVE)
		transfer_forward_receive(ro, opcode, args, 1);
	else
		relay_forward_request(ro, opcode, args);
}

static void
primary_source_event(struct relay_object *ro, uint32_t opcode,
		     union wl_argument *args)
{
	if (opcode == PRIMARY_SOURCE_SEND)
		transfer_forward_send(ro, opcode, args, 1);
	else
		relay_forward_event(ro, opcode, args);
}

const struct relay_override primary_offer_override = {
	.interface = "zwp_primary_selection_offer_v1",
	.request = primary_offer_request,
	.fd_requests = 1u << PRIMARY_OFFER_RECEIVE,
};

const struct relay_override primary_source_override = {
	.interface = "zwp_primary_selection_source_v1",
	.event = primary_source_event,
	.fd_events = 1u << PRIMARY_SOURCE_SEND,
};
