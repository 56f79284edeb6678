/*
 * The X display the proxy answers for: /tmp/.XN-lock and the two listening
 * sockets X clients look for (/tmp/.X11-unix/XN and the abstract
 * @/tmp/.X11-unix/XN), made the way X servers make them so that a display
 * in use is refused and a stale one (its lock holder dead) is taken over.
 */
#ifndef WLGP_X_DISPLAY_H
#define WLGP_X_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>

struct x_display {
	int number;      /* N of ":N" */
	int path_fd;     /* /tmp/.X11-unix/XN, listening; -1 if none */
	int abstract_fd; /* @/tmp/.X11-unix/XN, listening; -1 if none */
	bool own_lock;   /* we wrote /tmp/.XN-lock and remove it */
	bool own_path;   /* we bound the path socket and remove it */
};

/* Takes display :number.  0, or -1 with a message for the user in err. */
int x_display_open(struct x_display *xd, int number, char *err, size_t errlen);

/* Takes the listening socket systemd passed (named "x11"): its path names
 * the display (…/XN); the lock is still ours to take.  No abstract socket:
 * libxcb falls back to the path.  0 or -1 with a message. */
int x_display_adopt(struct x_display *xd, int fd, char *err, size_t errlen);

/* Closes what is still open and removes what we created. */
void x_display_close(struct x_display *xd);

#endif
