#ifndef WLGP_CHILD_H
#define WLGP_CHILD_H

#include <sys/types.h>

struct wlgp_server;
struct child;

/* Runs argv with WAYLAND_DISPLAY set to display_name (and DISPLAY to
 * x_display unless NULL); when it exits the server quits with its status
 * (128+signal if killed).  NULL on failure. */
struct child *child_spawn(struct wlgp_server *server, char **argv,
			  const char *display_name, const char *x_display);
void child_destroy(struct child *child);

#endif
