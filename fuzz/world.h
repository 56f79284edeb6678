/*
 * One process, one thread: the unit tests' host compositor (tests/unit/
 * host.c, real libwayland-server) and the proxy core, with the fuzz
 * target playing a guest on a socket pair.  Made once per process and
 * reused by every input (the proxy must forget each guest when it goes,
 * which the target checks), with both event loops run by hand until
 * neither has anything left to do.
 */
#ifndef WLGP_FUZZ_WORLD_H
#define WLGP_FUZZ_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct host;
struct wlgp_server;

struct world {
	char dir[64];
	struct host *host;
	struct channel *channel;
	struct wlgp_server *server;
};

/* The world of this process, made on the first call. */
struct world *world_get(void);

/* A new guest: the proxy serves one end, the other is returned
 * (non-blocking). */
int world_guest_connect(struct world *w);

/* Runs proxy and host until both are idle (or a bound on rounds); each
 * round hands what reached the guest to on_guest_bytes (fds received are
 * closed). */
typedef void (*world_guest_reader)(void *data, const uint8_t *bytes, size_t len);
void world_settle(struct world *w, int guest_fd, world_guest_reader reader,
		  void *data);

/* Guests the proxy still serves. */
int world_guest_count(struct world *w);
int world_host_client_count(struct world *w);

#endif
