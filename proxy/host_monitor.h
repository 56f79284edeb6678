#ifndef WLGP_HOST_MONITOR_H
#define WLGP_HOST_MONITOR_H

#include <stdbool.h>

struct wlgp_server;

/* Keeps one idle connection to the host compositor so the proxy notices,
 * and says, when the host goes away or comes back.  Fails (NULL, message in
 * err) if the host cannot be reached at start-up. */
struct host_monitor *host_monitor_create(struct wlgp_server *server,
					 char *err, size_t errlen);
void host_monitor_destroy(struct host_monitor *monitor);

/* True once a retry found a host that takes connections and does not
 * answer, until one answers or it is gone: a new guest would only wait on
 * it. */
bool host_monitor_host_hung(const struct host_monitor *monitor);

#endif
