/*
 * One guest client and its own connection to the host compositor, so that
 * a host protocol error or a slow reader touches nobody else.
 *
 * Created by the server's client_created listener; destroyed by the
 * wl_client's destroy signal (disconnect, protocol error, or
 * guest_client_close), which fires before libwayland-server destroys the
 * client's resources.
 */
#ifndef WLGP_CLIENT_H
#define WLGP_CLIENT_H

#include <stdbool.h>
#include <sys/types.h>
#include <wayland-client-core.h>
#include <wayland-server-core.h>

#include "hold.h"

struct wlgp_server;
struct relay_object;
struct wl_shm;
struct wl_registry;

/* Host buffer memory one guest client may hold: bounds what a guest can
 * make the transport allocate. */
#define GUEST_CLIENT_HOST_MEMORY_LIMIT ((size_t)512 << 20)

struct guest_client {
	struct wlgp_server *server;
	struct wl_client *client;
	pid_t pid;

	struct wl_display *host;
	struct wl_event_source *host_source;
	uint32_t host_mask; /* what host_source currently waits for */

	/* Back-pressure: while the guest's socket is full, host events for it
	 * wait in the host socket instead of overflowing libwayland-server's
	 * buffer (which would disconnect the guest). */
	int drain_fd;
	struct wl_event_source *drain_source;

	struct wl_event_source *close_idle;

	/* The proxy's own view of the host, for host buffers: a private
	 * registry and wl_shm on this client's connection. */
	struct wl_registry *host_registry;
	struct wl_shm *host_shm;
	struct wl_array host_shm_formats; /* uint32_t, as the host sent them */
	bool host_shm_formats_done;       /* a sync after the bind came back */
	struct wl_callback *host_shm_formats_sync; /* until then */
	size_t host_memory; /* bytes of host buffers held */

	/* Requests waiting behind a parked commit (hold.h). */
	struct hold hold;

	struct wl_list objects; /* relay_object.link */
	struct relay_object *display_object;

	/* Another module's first look at each request of this client, before
	 * the interface's override: the X11 window manager holds Xwayland's
	 * commits until a surface has its role (xwm/).  True when it took the
	 * request; it may forward it itself with relay_handle_request. */
	bool (*request_filter)(void *data, struct relay_object *ro,
			       uint32_t opcode, union wl_argument *args);
	void *request_filter_data;
	/* The same for host events to this client, before they are relayed:
	 * the window manager raises the X window the pointer enters. */
	bool (*event_filter)(void *data, struct relay_object *ro,
			     uint32_t opcode, union wl_argument *args);
	void *event_filter_data;
	/* A surface's commit needs a host buffer beyond the client's host
	 * memory bound: true when the hook dealt with it (the window manager
	 * kills the one X client behind an Xwayland surface), and only that
	 * commit is dropped; otherwise the client is closed. */
	bool (*over_memory)(void *data, struct relay_object *surface,
			    int32_t width, int32_t height);
	void *over_memory_data;

	struct {
		/* First thing on teardown, while the host connection still
		 * exists: host objects of other modules go now. */
		struct wl_signal destroy;
	} events;

	struct wl_listener destroy;
	struct wl_list link; /* wlgp_server.clients */
};

struct guest_client *guest_client_create(struct wlgp_server *server,
					 struct wl_client *client);

/* Disconnects a guest that was already sent its protocol error from
 * outside its own dispatch (a replayed request): libwayland-server only
 * drops an erroring client when it next reads from it. */
void guest_client_schedule_close(struct guest_client *gc);

/* The guest_client serving this wl_client, or NULL. */
struct guest_client *guest_client_from_client(struct wlgp_server *server,
					      struct wl_client *client);

/* Sends the guest an implementation error with this text and disconnects it
 * from an idle callback (never from inside a dispatch). */
void guest_client_close(struct guest_client *gc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* False once the host connection failed or the guest is being closed:
 * nothing more may be sent to the host for it. */
bool guest_client_host_alive(const struct guest_client *gc);

/* Flush requests queued for the host; called once per loop iteration. */
void guest_client_flush_host(struct guest_client *gc);

#endif
