#ifndef WLGP_INTERFACES_H
#define WLGP_INTERFACES_H

#include <stdbool.h>

#include "relay-meta.h"

struct wlgp_server;

/* Decides, for every compiled-in interface, whether a global of it may be
 * offered to guests.  Returns NULL on allocation failure. */
bool *interfaces_compute_relayable(void);

bool interfaces_relayable(const struct wlgp_server *server,
			  const struct relay_meta *meta);

#endif
