/*
 * Watches the host compositor.  Guests each have their own host
 * connection and lose it when the host dies; this watcher is what lets the
 * proxy report the outage once, keep listening, and report the recovery.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <wayland-client-core.h>

#include "host_monitor.h"
#include "log.h"
#include "server.h"

#define RETRY_MS 1000

struct host_monitor {
	struct wlgp_server *server;
	struct wl_display *host;
	struct wl_event_source *fd_source;
	struct wl_event_source *retry_timer;
};

static int monitor_connect(struct host_monitor *m, char *err, size_t errlen);

static void
monitor_disconnect(struct host_monitor *m)
{
	if (m->fd_source)
		wl_event_source_remove(m->fd_source);
	m->fd_source = NULL;
	if (m->host)
		wl_display_disconnect(m->host);
	m->host = NULL;
}

static int
handle_retry(void *data)
{
	struct host_monitor *m = data;
	char err[512];
	if (monitor_connect(m, err, sizeof(err)) < 0) {
		wlgp_debug("host compositor still unavailable: %s", err);
		wl_event_source_timer_update(m->retry_timer, RETRY_MS);
		return 0;
	}
	wlgp_info("host compositor %s is back; serving clients again",
		  m->server->channel->host_name);
	return 0;
}

static int
handle_host_fd(int fd, uint32_t mask, void *data)
{
	struct host_monitor *m = data;
	/* The monitor never sends requests, so anything readable is either
	 * harmless events or the end of the connection. */
	if (wl_display_dispatch(m->host) >= 0)
		return 0;
	wlgp_warn("host compositor %s went away: disconnecting its clients; "
		  "still listening and retrying every %d ms",
		  m->server->channel->host_name, RETRY_MS);
	monitor_disconnect(m);
	wlgp_server_disconnect_all(m->server,
				   "the host compositor went away");
	wl_event_source_timer_update(m->retry_timer, RETRY_MS);
	return 0;
}

static int
monitor_connect(struct host_monitor *m, char *err, size_t errlen)
{
	int fd = channel_connect(m->server->channel, err, errlen);
	if (fd < 0)
		return -1;
	m->host = wl_display_connect_to_fd(fd);
	if (!m->host) {
		close(fd);
		snprintf(err, errlen, "cannot set up a host connection");
		return -1;
	}
	/* A round trip proves a Wayland compositor answers, not just a socket. */
	if (wl_display_roundtrip(m->host) < 0) {
		snprintf(err, errlen, "the host compositor at %s did not answer",
			 m->server->channel->host_name);
		monitor_disconnect(m);
		return -1;
	}
	m->fd_source = wl_event_loop_add_fd(m->server->loop,
					    wl_display_get_fd(m->host),
					    WL_EVENT_READABLE, handle_host_fd, m);
	return 0;
}

struct host_monitor *
host_monitor_create(struct wlgp_server *server, char *err, size_t errlen)
{
	struct host_monitor *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->server = server;
	m->retry_timer = wl_event_loop_add_timer(server->loop, handle_retry, m);
	if (!m->retry_timer || monitor_connect(m, err, errlen) < 0) {
		host_monitor_destroy(m);
		return NULL;
	}
	return m;
}

void
host_monitor_destroy(struct host_monitor *m)
{
	if (!m)
		return;
	monitor_disconnect(m);
	if (m->retry_timer)
		wl_event_source_remove(m->retry_timer);
	free(m);
}
