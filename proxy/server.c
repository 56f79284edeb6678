/*
 * The guest-facing Wayland server: accepts guests and gives each its
 * guest_client; runs the loop that flushes both directions after every
 * batch.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <wayland-client-core.h>

#include "client.h"
#include "copy_pool.h"
#include "interfaces.h"
#include "keymap.h"
#include "log.h"
#include "server.h"
#include "shield/shield.h"
#include "transfer.h"

/* libwayland-client reports a host protocol error's text only through its
 * log handler, which takes no user data: this is the way back to the one
 * context. */
static struct wlgp_server *log_context;

static void
handle_client_log(const char *fmt, va_list ap)
{
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	/* display_handle_error logs "iface@id: error code: text" */
	const char *text = strstr(line, ": error ");
	if (text && log_context) {
		text = strchr(text + 8, ':');
		snprintf(log_context->last_host_error,
			 sizeof(log_context->last_host_error), "%s",
			 text ? text + 2 : line);
	}
	wlgp_debug("host connection: %s", line);
}

static void
handle_server_log(const char *fmt, va_list ap)
{
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	wlgp_debug("guest connection: %s", line);
}

static void
handle_client_created(struct wl_listener *listener, void *data)
{
	struct wlgp_server *server =
		wl_container_of(listener, server, client_created);
	struct wl_client *client = data;
	if (!guest_client_create(server, client)) {
		wlgp_err("out of memory for a new client");
		wl_client_post_no_memory(client);
	}
}

/* What the transport reports from its own thread (the pump). */
static void
log_channel(const char *fmt, va_list ap)
{
	wlgp_vlog(WLGP_WARN, fmt, ap);
}

struct wlgp_server *
wlgp_server_create(struct channel *channel, const char *keymap)
{
	struct wlgp_server *server = calloc(1, sizeof(*server));
	if (!server)
		return NULL;
	server->channel = channel;
	channel->log = log_channel;
	wl_list_init(&server->clients);
	wl_list_init(&server->transfers);
	wl_signal_init(&server->child_exit);
	char err[512];
	server->keymaps = keymap_cache_create(keymap, err, sizeof(err));
	if (!server->keymaps) {
		wlgp_err("%s", err);
		wlgp_server_destroy(server);
		return NULL;
	}
	server->relayable = interfaces_compute_relayable();
	server->display = wl_display_create();
	if (!server->relayable || !server->display) {
		wlgp_server_destroy(server);
		return NULL;
	}
	server->loop = wl_display_get_event_loop(server->display);
	server->client_created.notify = handle_client_created;
	wl_display_add_client_created_listener(server->display,
					       &server->client_created);
	server->shield = shield_create(server->display);
	if (!server->shield) {
		wlgp_server_destroy(server);
		return NULL;
	}
	log_context = server;
	wl_log_set_handler_client(handle_client_log);
	wl_log_set_handler_server(handle_server_log);
	return server;
}

static int
handle_sigchld(int signo, void *data)
{
	struct wlgp_server *server = data;
	struct wlgp_child_exit exit;
	while ((exit.pid = waitpid(-1, &exit.status, WNOHANG)) > 0)
		wl_signal_emit(&server->child_exit, &exit);
	return 0;
}

int
wlgp_server_watch_children(struct wlgp_server *server)
{
	if (server->sigchld)
		return 0;
	/* Blocks SIGCHLD and delivers it through the loop: no signal handler
	 * races with the relay. */
	server->sigchld = wl_event_loop_add_signal(server->loop, SIGCHLD,
						   handle_sigchld, server);
	return server->sigchld ? 0 : -1;
}

void
wlgp_server_disconnect_all(struct wlgp_server *server, const char *why)
{
	struct guest_client *gc, *tmp;
	wl_list_for_each_safe(gc, tmp, &server->clients, link)
		guest_client_close(gc, "%s", why);
}

static int
handle_copy_done(int fd, uint32_t mask, void *data)
{
	struct wlgp_server *server = data;
	copy_pool_dispatch(server->copy_pool);
	return 0;
}

bool
wlgp_server_start_copy_threads(struct wlgp_server *server, int threads)
{
	if (threads == 0)
		return true;
	server->copy_pool = copy_pool_create(threads);
	if (!server->copy_pool)
		return false;
	server->copy_done = wl_event_loop_add_fd(server->loop,
						 copy_pool_fd(server->copy_pool),
						 WL_EVENT_READABLE,
						 handle_copy_done, server);
	if (!server->copy_done) {
		copy_pool_destroy(server->copy_pool);
		server->copy_pool = NULL;
		return false;
	}
	return true;
}

void
wlgp_server_destroy(struct wlgp_server *server)
{
	if (!server)
		return;
	transfer_destroy_all(server);
	if (server->sigchld)
		wl_event_source_remove(server->sigchld);
	if (server->display) {
		/* Each surface cancels its copy before its buffers go. */
		wl_display_destroy_clients(server->display);
		wl_list_remove(&server->client_created.link);
		shield_destroy(server->shield);
		if (server->copy_done)
			wl_event_source_remove(server->copy_done);
		wl_display_destroy(server->display);
	}
	copy_pool_destroy(server->copy_pool);
	if (log_context == server)
		log_context = NULL;
	free(server->relayable);
	policy_fini(&server->policy);
	keymap_cache_destroy(server->keymaps);
	free(server);
}

int
wlgp_server_dispatch(struct wlgp_server *server, int timeout_ms)
{
	struct guest_client *gc, *tmp;
	wl_list_for_each_safe(gc, tmp, &server->clients, link) {
		if (gc->host)
			guest_client_flush_host(gc);
	}
	wl_display_flush_clients(server->display);
	return wl_event_loop_dispatch(server->loop, timeout_ms);
}
