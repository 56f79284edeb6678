#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "listen.h"

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
	ls->fd = -1;
	ls->lock_fd = -1;
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

void
listen_socket_close(struct listen_socket *ls)
{
	if (ls->lock_fd < 0)
		return;
	unlink(ls->path);
	unlink(ls->lock_path);
	close(ls->lock_fd);
	ls->lock_fd = -1;
}
