#ifndef WLGP_LISTEN_H
#define WLGP_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/un.h>

/* The guest-facing socket and its lock file, as every Wayland server keeps
 * them: NAME.lock held with flock() for as long as the server lives.
 *
 * Either the proxy makes the socket (listen_socket_open) and removes it at
 * exit, or systemd passes it in (listen_socket_from_systemd): then the
 * socket unit owns the path and only the lock file is the proxy's. */
struct listen_socket {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char lock_path[sizeof(((struct sockaddr_un *)0)->sun_path) + 5];
	/* What clients put in WAYLAND_DISPLAY: a name in $XDG_RUNTIME_DIR or
	 * an absolute path. */
	char display_name[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	int lock_fd;
	bool activated; /* passed in by systemd: the path is not ours */
	/* The X11 socket systemd passed as well (FileDescriptorName=x11),
	 * or -1: for xwayland/, which serves it. */
	int x11_fd;
};

/* NAME inside $XDG_RUNTIME_DIR, or an absolute path.  Returns 0, or -1 with
 * a message for the user in err. */
int listen_socket_open(struct listen_socket *ls, const char *name,
		       char *err, size_t errlen);

/* The listening socket systemd passed (LISTEN_FDS): the one named
 * "wayland" (FileDescriptorName=), or the only one; one named "x11" is
 * kept in x11_fd.  Returns 1 with ls
 * filled in, 0 when systemd passed nothing, -1 with a message in err.
 * Unsets the LISTEN_* variables so that a child does not inherit them. */
int listen_socket_from_systemd(struct listen_socket *ls, char *err,
			       size_t errlen);

/* Unlinks what listen_socket_open or listen_socket_from_systemd created. */
void listen_socket_close(struct listen_socket *ls);

#endif
