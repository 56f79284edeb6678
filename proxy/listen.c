#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"

/* FileDescriptorName= of the socket in wl-guest-proxy.socket. */
#define SYSTEMD_FD_NAME "wayland"
/* FileDescriptorName= of the X11 socket, if the unit has one. */
#define SYSTEMD_X11_FD_NAME "x11"

static int
resolve_path(struct listen_socket *ls, const char *name, char *err, size_t errlen)
{
	int n;
	if (name[0] == '/') {
		n = snprintf(ls->path, sizeof(ls->path), "%s", name);
	} else {
		const char *dir = getenv("XDG_RUNTIME_DIR");
		if (!dir || !*dir) {
			snprintf(err, errlen, "XDG_RUNTIME_DIR is not set: set it "
				 "or give --socket an absolute path");
			return -1;
		}
		n = snprintf(ls->path, sizeof(ls->path), "%s/%s", dir, name);
	}
	if (n < 0 || (size_t)n >= sizeof(ls->path)) {
		snprintf(err, errlen, "socket path too long: %s", name);
		return -1;
	}
	snprintf(ls->lock_path, sizeof(ls->lock_path), "%s.lock", ls->path);
	snprintf(ls->display_name, sizeof(ls->display_name), "%s", name);
	return 0;
}

static int
take_lock(struct listen_socket *ls, char *err, size_t errlen)
{
	ls->lock_fd = open(ls->lock_path, O_CREAT | O_RDWR | O_CLOEXEC, 0660);
	if (ls->lock_fd < 0) {
		snprintf(err, errlen, "cannot create lock file %s: %s",
			 ls->lock_path, strerror(errno));
		return -1;
	}
	if (flock(ls->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen, "another Wayland server is running on %s "
			 "(it holds %s); stop it or choose another --socket",
			 ls->path, ls->lock_path);
		close(ls->lock_fd);
		ls->lock_fd = -1;
		return -1;
	}
	return 0;
}

int
listen_socket_open(struct listen_socket *ls, const char *name, char *err,
		   size_t errlen)
{
	ls->x11_fd = -1;
	ls->fd = -1;
	ls->lock_fd = -1;
	ls->activated = false;
	if (resolve_path(ls, name, err, errlen) < 0 || take_lock(ls, err, errlen) < 0)
		return -1;

	/* We hold the lock, so a socket file left here is stale. */
	struct stat st;
	if (lstat(ls->path, &st) == 0 && unlink(ls->path) < 0) {
		snprintf(err, errlen, "cannot remove stale socket %s: %s",
			 ls->path, strerror(errno));
		goto fail;
	}

	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", ls->path);
	ls->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls->fd < 0 ||
	    bind(ls->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(ls->fd, 128) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", ls->path,
			 strerror(errno));
		goto fail;
	}
	return 0;

fail:
	if (ls->fd >= 0)
		close(ls->fd);
	ls->fd = -1;
	unlink(ls->lock_path);
	close(ls->lock_fd);
	ls->lock_fd = -1;
	return -1;
}

/* The fd named SYSTEMD_FD_NAME, else the only one; keeps the one named
 * SYSTEMD_X11_FD_NAME in *x11_fd; closes the others. */
static int
pick_systemd_fd(int n, char **names, int *x11_fd)
{
	int chosen = -1;
	*x11_fd = -1;
	for (int i = 0; i < n; i++) {
		if (names && names[i] && strcmp(names[i], SYSTEMD_X11_FD_NAME) == 0 &&
		    *x11_fd < 0)
			*x11_fd = SD_LISTEN_FDS_START + i;
		else if (names && names[i] && strcmp(names[i], SYSTEMD_FD_NAME) == 0 &&
			 chosen < 0)
			chosen = SD_LISTEN_FDS_START + i;
	}
	if (chosen < 0 && n == 1 && *x11_fd < 0)
		chosen = SD_LISTEN_FDS_START;
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		if (fd == chosen || fd == *x11_fd)
			continue;
		if (chosen >= 0)
			wlgp_warn("ignoring socket '%s' from systemd: serving '%s'",
				  names && names[i] ? names[i] : "?", SYSTEMD_FD_NAME);
		close(fd);
	}
	return chosen;
}

static void
free_names(char **names)
{
	for (char **p = names; p && *p; p++)
		free(*p);
	free(names);
}

/* Clients find a Wayland server by path, so the passed socket must have
 * one; it names the display for -- COMMAND and the lock file. */
static int
describe_passed_socket(struct listen_socket *ls, char *err, size_t errlen)
{
	struct sockaddr_un addr = { 0 };
	socklen_t len = sizeof(addr);
	if (sd_is_socket_unix(ls->fd, SOCK_STREAM, 1, NULL, 0) <= 0 ||
	    getsockname(ls->fd, (struct sockaddr *)&addr, &len) < 0) {
		snprintf(err, errlen, "the socket systemd passed is not a "
			 "listening Unix stream socket: use ListenStream=PATH");
		return -1;
	}
	size_t path_len = len <= offsetof(struct sockaddr_un, sun_path) ? 0 :
		strnlen(addr.sun_path, len - offsetof(struct sockaddr_un, sun_path));
	if (path_len == 0 || path_len >= sizeof(ls->path)) {
		snprintf(err, errlen, "the socket systemd passed has no path "
			 "(abstract or unnamed): Wayland clients need one, e.g. "
			 "ListenStream=%%t/wayland-0");
		return -1;
	}
	memcpy(ls->path, addr.sun_path, path_len);
	ls->path[path_len] = '\0';
	snprintf(ls->lock_path, sizeof(ls->lock_path), "%s.lock", ls->path);

	const char *dir = getenv("XDG_RUNTIME_DIR");
	size_t dir_len = dir ? strlen(dir) : 0;
	const char *name = ls->path;
	if (dir_len > 0 && strncmp(ls->path, dir, dir_len) == 0 &&
	    ls->path[dir_len] == '/' && !strchr(ls->path + dir_len + 1, '/'))
		name = ls->path + dir_len + 1;
	snprintf(ls->display_name, sizeof(ls->display_name), "%s", name);
	return 0;
}

int
listen_socket_from_systemd(struct listen_socket *ls, char *err, size_t errlen)
{
	ls->x11_fd = -1;
	ls->fd = -1;
	ls->lock_fd = -1;
	ls->activated = false;
	char **names = NULL;
	int n = sd_listen_fds_with_names(1, &names);
	if (n <= 0) {
		free_names(names);
		if (n < 0)
			snprintf(err, errlen, "cannot take the sockets systemd "
				 "passed (LISTEN_FDS): %s", strerror(-n));
		return n < 0 ? -1 : 0;
	}
	ls->fd = pick_systemd_fd(n, names, &ls->x11_fd);
	free_names(names);
	if (ls->fd < 0) {
		if (ls->x11_fd >= 0)
			close(ls->x11_fd);
		ls->x11_fd = -1;
		snprintf(err, errlen, "systemd passed %d sockets and none is "
			 "named '%s': set FileDescriptorName=%s in the socket "
			 "unit", n, SYSTEMD_FD_NAME, SYSTEMD_FD_NAME);
		return -1;
	}
	if (describe_passed_socket(ls, err, errlen) < 0) {
		close(ls->fd);
		ls->fd = -1;
		if (ls->x11_fd >= 0)
			close(ls->x11_fd);
		ls->x11_fd = -1;
		return -1;
	}
	ls->activated = true;
	/* A Wayland server started later on the same name would take
	 * NAME.lock and then remove the socket as stale (libwayland's
	 * wl_socket_lock): holding the lock keeps it off systemd's socket for
	 * as long as we serve it.  Not having it only loses that guard. */
	char lock_err[512];
	if (take_lock(ls, lock_err, sizeof(lock_err)) < 0)
		wlgp_warn("%s; serving the socket systemd passed anyway",
			  lock_err);
	return 1;
}

void
listen_socket_close(struct listen_socket *ls)
{
	if (ls->lock_fd < 0)
		return;
	/* A socket systemd passed belongs to the socket unit, which removes
	 * it (RemoveOnStop=) or keeps it for the next activation. */
	if (!ls->activated)
		unlink(ls->path);
	unlink(ls->lock_path);
	close(ls->lock_fd);
	ls->lock_fd = -1;
}
