/*
 * What the relay knows about each compiled-in interface beyond the
 * wayland-scanner tables: struct wl_message has no notion of "destructor",
 * yet the relay must destroy its objects exactly when the protocol says.
 */
#ifndef WLGP_RELAY_META_H
#define WLGP_RELAY_META_H

#include <stdint.h>
#include <wayland-util.h>

struct relay_meta {
	const char *name;
	const struct wl_interface *interface;
	/* bit N set: request (event) N is a destructor */
	uint64_t destructor_requests;
	uint64_t destructor_events;
};

/* Sorted by name, generated from the protocol XMLs. */
extern const struct relay_meta relay_meta_table[];
extern const unsigned relay_meta_count;

const struct relay_meta *relay_meta_by_name(const char *name);
const struct relay_meta *relay_meta_by_interface(const struct wl_interface *iface);

#endif
