/*
 * X display sockets and lock file.  The format and the stale-lock rule are
 * the X server's (os/utils.c LockServer): the lock holds the owner's pid as
 * ten digits and a newline; a lock whose pid no longer exists is stale.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "x_display.h"

#define X11_UNIX_DIR "/tmp/.X11-unix"

static void
lock_path(int number, char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/.X%d-lock", number);
}

static void
socket_path(int number, char *buf, size_t len)
{
	snprintf(buf, len, X11_UNIX_DIR "/X%d", number);
}

/* The pid in an existing lock, or -1 when it cannot be read. */
static pid_t
read_lock_pid(const char *path)
{
	char buf[12] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, 11);
	close(fd);
	/* Ten digits, then LF (Xorg, weston) or NUL (wlroots). */
	if (n != 11)
		return -1;
	buf[10] = '\0';
	char *end;
	long pid = strtol(buf, &end, 10);
	if (pid <= 0 || *end != '\0')
		return -1;
	return (pid_t)pid;
}

static int
take_lock(struct x_display *xd, char *err, size_t errlen)
{
	char path[64];
	lock_path(xd->number, path, sizeof(path));
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
		if (fd >= 0) {
			char pid[16];
			snprintf(pid, sizeof(pid), "%10d\n", (int)getpid());
			bool ok = write(fd, pid, 11) == 11;
			close(fd);
			if (!ok) {
				unlink(path);
				snprintf(err, errlen, "cannot write %s", path);
				return -1;
			}
			xd->own_lock = true;
			return 0;
		}
		if (errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", path,
				 strerror(errno));
			return -1;
		}
		pid_t owner = read_lock_pid(path);
		if (owner > 0 && (kill(owner, 0) == 0 || errno != ESRCH)) {
			snprintf(err, errlen, "X display :%d is taken: %s belongs "
				 "to running process %d; choose another "
				 "--x-display", xd->number, path, (int)owner);
			return -1;
		}
		if (owner < 0) {
			snprintf(err, errlen, "X display :%d is taken: %s exists "
				 "and holds no pid (remove it if no X server runs "
				 "there)", xd->number, path);
			return -1;
		}
		wlgp_info("removing stale %s of dead process %d", path, (int)owner);
		if (unlink(path) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "cannot remove stale %s: %s", path,
				 strerror(errno));
			return -1;
		}
	}
	snprintf(err, errlen, "cannot take %s", path);
	return -1;
}

/* /tmp/.X11-unix must exist; X clients never create it. */
static int
ensure_socket_dir(char *err, size_t errlen)
{
	if (mkdir(X11_UNIX_DIR, 01777) == 0) {
		chmod(X11_UNIX_DIR, 01777);
		return 0;
	}
	struct stat st;
	if (errno != EEXIST || lstat(X11_UNIX_DIR, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", X11_UNIX_DIR);
		return -1;
	}
	/* Anyone may create sockets in a shared directory without the sticky
	 * bit, and so remove ours (wlroots' rule, d87ede0d6). */
	if ((st.st_uid != 0 && st.st_uid != getuid()) ||
	    ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))) {
		snprintf(err, errlen, "%s has unsafe ownership or permissions",
			 X11_UNIX_DIR);
		return -1;
	}
	return 0;
}

static int
listen_unix(const struct sockaddr_un *addr, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (const struct sockaddr *)addr, len) < 0 || listen(fd, 128) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int
open_sockets(struct x_display *xd, char *err, size_t errlen)
{
	char path[64];
	socket_path(xd->number, path, sizeof(path));

	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	/* Abstract: a leading NUL, no trailing one. */
	size_t n = strlen(path);
	memcpy(addr.sun_path + 1, path, n);
	xd->abstract_fd = listen_unix(&addr, offsetof(struct sockaddr_un, sun_path) + 1 + n);
	if (xd->abstract_fd < 0) {
		snprintf(err, errlen, "X display :%d is taken: cannot listen on "
			 "@%s: %s", xd->number, path, strerror(errno));
		return -1;
	}

	/* We hold the lock, so a socket file here is a dead server's. */
	unlink(path);
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, path, n);
	xd->path_fd = listen_unix(&addr, sizeof(addr));
	if (xd->path_fd < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		return -1;
	}
	xd->own_path = true;
	return 0;
}

int
x_display_open(struct x_display *xd, int number, char *err, size_t errlen)
{
	*xd = (struct x_display){ .number = number, .path_fd = -1, .abstract_fd = -1 };
	if (ensure_socket_dir(err, errlen) < 0 || take_lock(xd, err, errlen) < 0 ||
	    open_sockets(xd, err, errlen) < 0) {
		x_display_close(xd);
		return -1;
	}
	return 0;
}

int
x_display_adopt(struct x_display *xd, int fd, char *err, size_t errlen)
{
	*xd = (struct x_display){ .number = -1, .path_fd = fd, .abstract_fd = -1 };
	struct sockaddr_un addr = { 0 };
	socklen_t len = sizeof(addr);
	const char *base = NULL;
	if (getsockname(fd, (struct sockaddr *)&addr, &len) == 0 &&
	    len > offsetof(struct sockaddr_un, sun_path) + 1) {
		const char *p = addr.sun_path[0] ? addr.sun_path : addr.sun_path + 1;
		base = strrchr(p, '/');
	}
	char *end = NULL;
	long number = base && base[1] == 'X' ? strtol(base + 2, &end, 10) : -1;
	if (number < 0 || number > 65535 || !end || *end != '\0') {
		snprintf(err, errlen, "the x11 socket systemd passed is not named "
			 "%s/XN: use ListenStream=%s/X0", X11_UNIX_DIR, X11_UNIX_DIR);
		x_display_close(xd);
		return -1;
	}
	xd->number = (int)number;
	if (take_lock(xd, err, errlen) < 0) {
		x_display_close(xd);
		return -1;
	}
	return 0;
}

void
x_display_close(struct x_display *xd)
{
	char path[64];
	if (xd->path_fd >= 0)
		close(xd->path_fd);
	if (xd->abstract_fd >= 0)
		close(xd->abstract_fd);
	xd->path_fd = xd->abstract_fd = -1;
	if (xd->own_path) {
		socket_path(xd->number, path, sizeof(path));
		unlink(path);
		xd->own_path = false;
	}
	if (xd->own_lock) {
		lock_path(xd->number, path, sizeof(path));
		unlink(path);
		xd->own_lock = false;
	}
}
