#ifndef WLGP_LISTEN_H
#define WLGP_LISTEN_H

#include <stddef.h>
#include <sys/un.h>

/* The guest-facing socket and its lock file, as every Wayland server keeps
 * them: NAME.lock held with flock() for as long as the server lives. */
struct listen_socket {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char lock_path[sizeof(((struct sockaddr_un *)0)->sun_path) + 5];
	char display_name[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	int lock_fd;
};

/* NAME inside $XDG_RUNTIME_DIR, or an absolute path.  Returns 0, or -1 with
 * a message for the user in err. */
int listen_socket_open(struct listen_socket *ls, const char *name,
		       char *err, size_t errlen);
/* Unlinks what listen_socket_open created. */
void listen_socket_close(struct listen_socket *ls);

#endif
