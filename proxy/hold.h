/*
 * A guest client's requests held back, in order, while one of its requests
 * is parked waiting for the host: a commit waiting for a buffer release
 * (surface.c), or a buffer made before the host's wl_shm format list was in
 * (shm.c).  Nothing in the proxy blocks on a host or a guest instead.
 *
 * libwayland-server cannot pause one client's dispatch: it hands over every
 * request it has read, and a new_id must exist as soon as the next message
 * names it.  So while a client is parked its requests are copied here
 * (strings and arrays copied, fds owned) and replayed in order once the
 * parked commit can go through; the objects they create get their guest
 * resource at once and their host proxy when replayed (relay.c).  Every
 * other client, and this client's events, flow meanwhile.
 *
 * Ownership: held requests belong to the guest_client (its held list);
 * they are freed when replayed, when the client is closed or destroyed,
 * and they close the fds they still own.  A held request watches the
 * resources it names: one the host destroys meanwhile (a destructor event)
 * is not used again.
 */
#ifndef WLGP_HOLD_H
#define WLGP_HOLD_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>

struct guest_client;
struct held_request;

/* A guest_client's part (client.h). */
struct hold {
	struct wl_list requests;        /* held_request.link, oldest first */
	struct held_request *replaying; /* off the list while it runs */
	bool kept;                      /* ...and it parked again */
	bool parked;
	struct wl_event_source *timer;  /* while parked */
	struct wl_event_source *resume_idle;
	char error[256];                /* the parked request's timeout text */
};

void hold_init(struct hold *hold);

/* Runs a held request as if libwayland-server dispatched it now; consumes
 * its fds. */
typedef void (*hold_dispatch_func)(struct wl_resource *target, uint32_t opcode,
				   union wl_argument *args);

/* True while the client's requests must wait: a commit is parked, or held
 * requests have not all been replayed yet. */
bool hold_active(const struct guest_client *gc);

/*
 * Queues a request behind the held ones, taking its fds.  Called with the
 * request being replayed (a commit parking again) it keeps that request at
 * the head instead.  False (fds closed, client closed) when out of memory.
 */
bool hold_request(struct guest_client *gc, struct wl_resource *target,
		  uint32_t opcode, const struct wl_message *msg,
		  union wl_argument *args, hold_dispatch_func dispatch);

/* Parks the client on the request just held: nothing of it is replayed
 * until hold_resume, and after timeout_ms the client is closed with this
 * text. */
void hold_park(struct guest_client *gc, int timeout_ms, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* What the parked request waits for happened: replay the held requests
 * (from an idle callback, never inside the host dispatch that told us). */
void hold_resume(struct guest_client *gc);

/* The client is being closed or destroyed: free every held request (their
 * fds closed) and stop the timer. */
void hold_discard(struct guest_client *gc);

#endif
