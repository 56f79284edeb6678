/*
 * Watches the host compositor.  Guests each have their own host
 * connection and lose it when the host dies; this watcher is what lets the
 * proxy report the outage once, keep listening, and report the recovery.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <wayland-client-core.h>
#include <wayland-client-protocol.h>

#include "host_monitor.h"
#include "log.h"
#include "server.h"

#define RETRY_MS 1000
/* How long a retry's probe waits for the host's answer: a host that takes
 * the connection and never answers (hung) counts as unavailable. */
#define PROBE_MS 3000

/*
 * Ownership: the server owns the monitor (server.c); the monitor owns its
 * host connection, its fd source and its two timers.  Every question to
 * the host is a probe: a wl_display.sync whose done event, or the end of
 * the connection, or (on a retry) the probe timeout decides, while the
 * loop runs.  The start-up probe has no timeout: main serves nothing
 * before the host has answered once (no READY=1), however long that takes,
 * as a service manager's start timeout expects.
 */
struct host_monitor {
	struct wlgp_server *server;
	struct wl_display *host;
	struct wl_event_source *fd_source;
	struct wl_event_source *retry_timer;
	struct wl_event_source *probe_timer;
	struct wl_callback *probe; /* the sync of a probe, until answered */
	bool hung; /* the last probe found a host that does not answer */
	enum host_monitor_start start;
};

static void
monitor_disconnect(struct host_monitor *m)
{
	if (m->probe)
		wl_callback_destroy(m->probe);
	m->probe = NULL;
	if (m->probe_timer)
		wl_event_source_timer_update(m->probe_timer, 0);
	if (m->fd_source)
		wl_event_source_remove(m->fd_source);
	m->fd_source = NULL;
	if (m->host)
		wl_display_disconnect(m->host);
	m->host = NULL;
}

static void
retry_later(struct host_monitor *m, const char *why)
{
	wlgp_debug("host compositor still unavailable: %s", why);
	monitor_disconnect(m);
	wl_event_source_timer_update(m->retry_timer, RETRY_MS);
}

/* Reads and dispatches what the host sent, never waiting: the loop saw
 * the fd readable (wl_display_dispatch would also flush and poll). */
static int
read_host_events(struct wl_display *host)
{
	while (wl_display_prepare_read(host) != 0) {
		if (wl_display_dispatch_pending(host) < 0)
			return -1;
	}
	if (wl_display_read_events(host) < 0)
		return -1;
	return wl_display_dispatch_pending(host);
}

static int
handle_host_fd(int fd, uint32_t mask, void *data)
{
	struct host_monitor *m = data;
	/* The monitor sends nothing but its probe, so anything readable is
	 * the probe's answer, harmless events or the end of the connection. */
	if (read_host_events(m->host) >= 0)
		return 0;
	if (m->start == HOST_MONITOR_STARTING) {
		m->start = HOST_MONITOR_FAILED;
		monitor_disconnect(m);
		return 0;
	}
	if (m->probe) {
		char why[512];
		snprintf(why, sizeof(why), "%s closed the connection without "
			 "answering", m->server->channel->host_name);
		m->hung = true;
		retry_later(m, why);
		return 0;
	}
	wlgp_warn("host compositor %s went away: disconnecting its clients; "
		  "still listening and retrying every %d ms",
		  m->server->channel->host_name, RETRY_MS);
	monitor_disconnect(m);
	wlgp_server_disconnect_all(m->server,
				   "the host compositor went away");
	wl_event_source_timer_update(m->retry_timer, RETRY_MS);
	return 0;
}

/* Connects and watches the connection; nothing awaited. */
static int
monitor_open(struct host_monitor *m, char *err, size_t errlen)
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
	m->fd_source = wl_event_loop_add_fd(m->server->loop,
					    wl_display_get_fd(m->host),
					    WL_EVENT_READABLE, handle_host_fd, m);
	if (!m->fd_source) {
		monitor_disconnect(m);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static void
handle_probe_done(void *data, struct wl_callback *callback, uint32_t serial)
{
	struct host_monitor *m = data;
	wl_callback_destroy(m->probe);
	m->probe = NULL;
	m->hung = false;
	wl_event_source_timer_update(m->probe_timer, 0);
	if (m->start == HOST_MONITOR_STARTING) {
		m->start = HOST_MONITOR_ANSWERED;
		return;
	}
	wlgp_info("host compositor %s is back; serving clients again",
		  m->server->channel->host_name);
}

static const struct wl_callback_listener probe_listener = {
	.done = handle_probe_done,
};

static int
handle_probe_timeout(void *data)
{
	struct host_monitor *m = data;
	char why[512];
	snprintf(why, sizeof(why), "%s did not answer within %d ms", m->server->channel->host_name, PROBE_MS);
	m->hung = true;
	retry_later(m, why);
	return 0;
}

/* A round trip proves a Wayland compositor answers, not just a socket; its
 * answer comes through handle_host_fd.  The sync is a few bytes on an idle
 * connection: the flush never finds the socket full. */
static bool
send_probe(struct host_monitor *m)
{
	m->probe = wl_display_sync(m->host);
	if (!m->probe)
		return false;
	wl_callback_add_listener(m->probe, &probe_listener, m);
	wl_display_flush(m->host);
	return true;
}

static int
handle_retry(void *data)
{
	struct host_monitor *m = data;
	char err[512];
	if (monitor_open(m, err, sizeof(err)) < 0) {
		m->hung = false; /* gone, not hung: a client finds out at once */
		retry_later(m, err);
		return 0;
	}
	if (!send_probe(m)) {
		retry_later(m, "out of memory");
		return 0;
	}
	wl_event_source_timer_update(m->probe_timer, PROBE_MS);
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
	m->probe_timer = wl_event_loop_add_timer(server->loop,
						 handle_probe_timeout, m);
	if (!m->retry_timer || !m->probe_timer ||
	    monitor_open(m, err, errlen) < 0) {
		host_monitor_destroy(m);
		return NULL;
	}
	if (!send_probe(m)) {
		snprintf(err, errlen, "out of memory");
		host_monitor_destroy(m);
		return NULL;
	}
	m->start = HOST_MONITOR_STARTING;
	return m;
}

enum host_monitor_start
host_monitor_start_state(const struct host_monitor *m)
{
	return m->start;
}

bool
host_monitor_host_hung(const struct host_monitor *m)
{
	return m->hung;
}

void
host_monitor_destroy(struct host_monitor *m)
{
	if (!m)
		return;
	monitor_disconnect(m);
	if (m->retry_timer)
		wl_event_source_remove(m->retry_timer);
	if (m->probe_timer)
		wl_event_source_remove(m->probe_timer);
	free(m);
}
