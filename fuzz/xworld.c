/*
 * The x11 fuzz target's world (xworld.h): Xwayland started once per
 * process with the window manager in-process.
 *
 * Nothing here may wait on Xwayland while Xwayland waits on the proxy (it
 * makes Wayland round trips to it at start-up): every wait runs the proxy
 * and the host meanwhile, and the one blocking xcb call (a connection's
 * set-up) runs on a thread of its own while this one runs the proxy.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wayland-server-core.h>

#include "host.h"
#include "input.h"
#include "server.h"
#include "world.h"
#include "xhost.h"
#include "xworld.h"
#include "xwm.h"

static struct xworld the_xworld;

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
xworld_round(struct xworld *xw, int x_fd, int timeout_ms)
{
	struct world *w = xw->w;
	wlgp_server_dispatch(w->server, 0);
	host_dispatch_pending(w->host);
	struct pollfd p[3] = {
		{ wl_event_loop_get_fd(w->server->loop), POLLIN, 0 },
		{ wl_event_loop_get_fd(host_get_event_loop(w->host)), POLLIN, 0 },
		{ x_fd, POLLIN, 0 },
	};
	poll(p, x_fd >= 0 ? 3 : 2, timeout_ms);
}

/* Why the WM lost X: Xwayland's exit status and the end of its log. */
static void
handle_xwm_lost(void *data)
{
	struct xworld *xw = data;
	int status = 0;
	pid_t pid = waitpid(xw->pid, &status, WNOHANG);
	char tail[2048] = "";
	int fd = open(xw->log_path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		off_t end = lseek(fd, 0, SEEK_END);
		lseek(fd, end > (off_t)sizeof(tail) - 1 ? end - (off_t)sizeof(tail) + 1 : 0,
		      SEEK_SET);
		ssize_t n = read(fd, tail, sizeof(tail) - 1);
		tail[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	fprintf(stderr, "Xwayland %s (status 0x%x); the end of its log:\n%s\n",
		pid == xw->pid ? "exited" : "still runs", status, tail);
	FUZZ_CHECK(false, "the window manager lost its X connection");
}

static void
kill_xwayland(void)
{
	if (the_xworld.pid > 0)
		kill(the_xworld.pid, SIGTERM);
	unlink(the_xworld.socket_path);
	unlink(the_xworld.log_path);
}

static int
listen_socket(struct xworld *xw)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(fd >= 0, "socket: %s", strerror(errno));
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(xw->socket_path, sizeof(xw->socket_path), "%s/X", xw->w->dir);
	snprintf(xw->log_path, sizeof(xw->log_path), "%s/xwayland.log", xw->w->dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", xw->socket_path);
	FUZZ_CHECK(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
		   listen(fd, 16) == 0, "%s: %s", xw->socket_path, strerror(errno));
	return fd;
}

static void __attribute__((noreturn))
exec_xwayland(int listen_fd, int wl_fd, int wm_fd, int ready_fd,
	      const char *log_path)
{
	int fds[] = { listen_fd, wl_fd, wm_fd, ready_fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		fcntl(fds[i], F_SETFD, 0);
	char s[4][16], display[16];
	for (size_t i = 0; i < 4; i++)
		snprintf(s[i], sizeof(s[i]), "%d", fds[i]);
	/* The display number is only a name: -listenfd makes Xwayland open
	 * no socket and take no lock of its own. */
	snprintf(display, sizeof(display), ":%d", 1000 + getpid() % 30000);
	setenv("WAYLAND_SOCKET", s[1], 1);
	unsetenv("WAYLAND_DISPLAY");
	unsetenv("DISPLAY");
	/* Its log, for handle_xwm_lost; on stderr with WLGP_FUZZ_VERBOSE. */
	if (!getenv("WLGP_FUZZ_VERBOSE")) {
		int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (log >= 0)
			dup2(log, STDERR_FILENO);
	}
	execlp("Xwayland", "Xwayland", display, "-rootless", "-shm", "-listenfd",
	       s[0], "-displayfd", s[3], "-wm", s[2], (char *)NULL);
	_exit(127);
}

/* Runs the proxy until Xwayland writes its display and newline on
 * -displayfd (xwm-notes §1), as xwayland.c's handle_ready waits. */
static void
wait_ready(struct xworld *xw, int ready_fd)
{
	char buf[32];
	size_t len = 0;
	int64_t deadline = now_ms() + 30000;
	while (!memchr(buf, '\n', len)) {
		FUZZ_CHECK(now_ms() < deadline, "Xwayland did not get ready in 30 s");
		xworld_round(xw, ready_fd, 50);
		ssize_t n = read(ready_fd, buf + len, sizeof(buf) - 1 - len);
		FUZZ_CHECK(n != 0, "Xwayland failed to start (is the xwayland "
			   "package installed? WLGP_FUZZ_VERBOSE=1 shows its log)");
		if (n > 0)
			len += (size_t)n;
		FUZZ_CHECK(len < sizeof(buf) - 1, "Xwayland wrote no newline");
	}
}

static void
start_xwayland(struct xworld *xw)
{
	int listen_fd = listen_socket(xw);
	int wl_pair[2], wm_pair[2], ready[2];
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wl_pair) == 0 &&
		   socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wm_pair) == 0 &&
		   pipe2(ready, O_CLOEXEC) == 0, "%s", strerror(errno));
	xw->pid = fork();
	FUZZ_CHECK(xw->pid >= 0, "fork: %s", strerror(errno));
	if (xw->pid == 0)
		exec_xwayland(listen_fd, wl_pair[1], wm_pair[1], ready[1],
			      xw->log_path);
	atexit(kill_xwayland);
	close(listen_fd);
	close(wl_pair[1]);
	close(wm_pair[1]);
	close(ready[1]);
	fcntl(ready[0], F_SETFL, O_NONBLOCK);
	struct wl_client *client = wl_client_create(xw->w->server->display,
						    wl_pair[0]);
	FUZZ_CHECK(client, "the proxy refused Xwayland's connection");
	wait_ready(xw, ready[0]);
	close(ready[0]);
	xw->xwm = xwm_create(xw->w->server, wm_pair[0], client, handle_xwm_lost, xw);
	FUZZ_CHECK(xw->xwm, "the window manager did not start");
	/* Its start-up goes on in the loop. */
	int64_t deadline = now_ms() + 20000;
	while (!xwm_is_managing(xw->xwm)) {
		FUZZ_CHECK(now_ms() < deadline, "the window manager did not "
			   "start managing in 20 s");
		xworld_round(xw, -1, 10);
	}
}

struct xworld *
xworld_get(void)
{
	struct xworld *xw = &the_xworld;
	if (xw->w)
		return xw;
	xw->w = world_get();
	/* The window manager gives override-redirect windows subsurfaces. */
	host_global_add(xw->w->host, HOST_SUBCOMPOSITOR, 1);
	xw->xh = xhost_create(xw->w->host);
	start_xwayland(xw);
	return xw;
}

struct connect_job {
	int fd;
	xcb_connection_t *conn;
	volatile int done;
};

static void *
connect_thread(void *data)
{
	struct connect_job *job = data;
	job->conn = xcb_connect_to_fd(job->fd, NULL);
	__atomic_store_n(&job->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

xcb_connection_t *
xworld_connect(struct xworld *xw)
{
	struct connect_job job = { .fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) };
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", xw->socket_path);
	FUZZ_CHECK(job.fd >= 0 &&
		   connect(job.fd, (struct sockaddr *)&addr, sizeof(addr)) == 0,
		   "cannot connect to Xwayland: %s", strerror(errno));
	pthread_t thread;
	FUZZ_CHECK(pthread_create(&thread, NULL, connect_thread, &job) == 0,
		   "pthread_create failed");
	int64_t deadline = now_ms() + 20000;
	while (!__atomic_load_n(&job.done, __ATOMIC_ACQUIRE)) {
		FUZZ_CHECK(now_ms() < deadline, "Xwayland accepted no X client in 20 s");
		xworld_round(xw, -1, 1);
	}
	pthread_join(thread, NULL);
	FUZZ_CHECK(!xcb_connection_has_error(job.conn), "X connection set-up "
		   "failed (xcb error %d)", xcb_connection_has_error(job.conn));
	return job.conn;
}
