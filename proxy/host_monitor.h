#ifndef WLGP_HOST_MONITOR_H
#define WLGP_HOST_MONITOR_H

#include <stdbool.h>
#include <stddef.h>

struct wlgp_server;

/* Keeps one idle connection to the host compositor so the proxy notices,
 * and says, when the host goes away or comes back.  Fails (NULL, message in
 * err) if the host cannot be reached at start-up; otherwise its first
 * question is on the way, and host_monitor_start_state says when the host
 * has answered it. */
struct host_monitor *host_monitor_create(struct wlgp_server *server,
					 char *err, size_t errlen);

enum host_monitor_start {
	HOST_MONITOR_STARTING, /* connected, the first answer not in yet */
	HOST_MONITOR_ANSWERED, /* the host answered once: serve */
	HOST_MONITOR_FAILED,   /* the host hung up without answering */
};
enum host_monitor_start
host_monitor_start_state(const struct host_monitor *monitor);
void host_monitor_destroy(struct host_monitor *monitor);

/* True once a retry found a host that takes connections and does not
 * answer, until one answers or it is gone: a new guest would only wait on
 * it. */
bool host_monitor_host_hung(const struct host_monitor *monitor);

#endif
