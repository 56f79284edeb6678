/*
 * The proxy's one context: the guest-facing Wayland display, the channel
 * to the host, and the guest clients being served.
 */
#ifndef WLGP_SERVER_H
#define WLGP_SERVER_H

#include <stdbool.h>
#include <sys/types.h>
#include <wayland-server-core.h>

#include "channel.h"
#include "policy.h"
#include "provenance.h"

struct host_monitor;
struct keymap_cache;
struct shield;
struct trace;

struct wlgp_server {
	struct wl_display *display;
	struct wl_event_loop *loop;
	struct channel *channel;

	struct wl_list clients; /* guest_client.link */
	struct wl_listener client_created;

	/* Which compiled-in interfaces may be offered to guests: indexed like
	 * relay_meta_table.  See interfaces.c. */
	bool *relayable;
	/* Which of those the guests may see (policy.h); the options own the
	 * rules' strings. */
	struct global_policy policy;
	/* --tag and --app-id-prefix for the host's toplevels (toplevel.c) */
	struct provenance provenance;

	struct host_monitor *monitor;

	/* The keymaps guests get, --keymap's among them (keymap.h). */
	struct keymap_cache *keymaps;
	/* Clipboard and drag-and-drop copies under way (transfer.h). */
	struct wl_list transfers;
	struct trace *trace; /* --trace, else NULL: see trace.h */
	/* The protocol rules guests must keep (shield/shield.h). */
	struct shield *shield;
	/* --copy-threads: large copies off the event loop (copy_pool.h);
	 * NULL copies inline. */
	struct copy_pool *copy_pool;
	struct wl_event_source *copy_done;

	/* The text of the last protocol error libwayland-client logged: the
	 * only place that library exposes the host's error message. */
	char last_host_error[512];

	/* Children (-- COMMAND, Xwayland) are reaped in one place, since one
	 * SIGCHLD may stand for several: each exit is emitted with a struct
	 * wlgp_child_exit. */
	struct wl_signal child_exit;
	struct wl_event_source *sigchld;

	bool quit;
	int exit_status;
};

struct wlgp_child_exit {
	pid_t pid;
	int status; /* as waitpid gives it */
};

/* Starts reaping children from the loop (idempotent).  Call before fork(),
 * so that no exit is missed.  0, or -1 on failure. */
int wlgp_server_watch_children(struct wlgp_server *server);

/* keymap: --keymap's FILE|RMLVO, or NULL for the host's keymaps. */
struct wlgp_server *wlgp_server_create(struct channel *channel,
				       const char *keymap);
void wlgp_server_destroy(struct wlgp_server *server);

/* threads copy threads, 0 for none (copies on the event loop); false if
 * they cannot be started. */
bool wlgp_server_start_copy_threads(struct wlgp_server *server, int threads);

/* Flushes every host connection and every guest; then waits for and
 * dispatches one batch of events. */
int wlgp_server_dispatch(struct wlgp_server *server, int timeout_ms);

/* Disconnects every guest client, e.g. when the host went away. */
void wlgp_server_disconnect_all(struct wlgp_server *server, const char *why);

#endif
