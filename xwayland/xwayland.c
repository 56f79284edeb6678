/*
 * Starting, watching and restarting Xwayland.  The flags and the
 * readiness rule follow Xwayland 22.1 (see docs/xwm-notes.md §1):
 *   Xwayland :N -rootless -shm -listenfd P -listenfd A -displayfd D -wm W
 * with WAYLAND_SOCKET in its environment.  It accepts X clients only once
 * the window manager owns WM_S0, so clients that come early wait in the
 * listen backlog, and it prints the display on -displayfd when its own
 * Wayland set-up (round trips to us) is done: only then does the window
 * manager connect, and it never waits for Xwayland either (xwm/startup.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "log.h"
#include "server.h"
#include "xwayland.h"
#include "xwm.h"

struct xwayland {
	struct wlgp_server *server;
	struct x_display xd;
	const char *binary;
	char display_name[16];

	/* Armed while no Xwayland runs: the first X connection starts one. */
	struct wl_event_source *path_source, *abstract_source;
	struct wl_event_source *restart_timer;
	int64_t started_ms; /* last start, CLOCK_MONOTONIC */

	pid_t pid;                  /* 0 when none (or reaped) */
	struct wl_client *client;   /* its Wayland connection */
	struct wl_listener client_destroy;
	int wm_fd;                  /* our end, until the WM takes it */
	int ready_fd;               /* -displayfd's read end */
	struct wl_event_source *ready_source;
	char ready_buf[32];
	size_t ready_len;
	struct xwm *xwm;
	bool lost_logged;

	struct wl_listener child_exit;
};

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void arm(struct xwayland *xwl);

const char *
xwayland_display_name(const struct xwayland *xwl)
{
	return xwl->display_name;
}

static void
close_ready(struct xwayland *xwl)
{
	if (xwl->ready_source)
		wl_event_source_remove(xwl->ready_source);
	xwl->ready_source = NULL;
	if (xwl->ready_fd >= 0)
		close(xwl->ready_fd);
	xwl->ready_fd = -1;
}

/* Everything of the running Xwayland but its pid, which stays until it is
 * reaped: a new one must not share the listening sockets with the old. */
static void
drop_instance(struct xwayland *xwl)
{
	xwm_destroy(xwl->xwm);
	xwl->xwm = NULL;
	close_ready(xwl);
	if (xwl->wm_fd >= 0)
		close(xwl->wm_fd);
	xwl->wm_fd = -1;
	if (xwl->client) {
		struct wl_client *client = xwl->client;
		wl_list_remove(&xwl->client_destroy.link);
		xwl->client = NULL;
		wl_client_destroy(client);
	}
}

static void
terminate(struct xwayland *xwl)
{
	kill(xwl->pid, SIGTERM);
	/* A stopped Xwayland would keep the SIGTERM pending for good. */
	kill(xwl->pid, SIGCONT);
}

/* Xwayland is gone or must go; its X clients go with it. */
static void
lose(struct xwayland *xwl, const char *why)
{
	if (!xwl->lost_logged) {
		wlgp_warn("Xwayland on %s: %s; its X clients are gone, the next "
			  "X client starts a new one", xwl->display_name, why);
		xwl->lost_logged = true;
	}
	drop_instance(xwl);
	if (xwl->pid > 0)
		terminate(xwl);
	else
		arm(xwl);
}

static void
handle_client_destroy(struct wl_listener *listener, void *data)
{
	struct xwayland *xwl = wl_container_of(listener, xwl, client_destroy);
	wl_list_remove(&xwl->client_destroy.link);
	xwl->client = NULL;
	lose(xwl, "its Wayland connection closed");
}

static void
handle_xwm_lost(void *data)
{
	lose(data, "the window manager lost its X connection");
}

static void
handle_child_exit(struct wl_listener *listener, void *data)
{
	struct xwayland *xwl = wl_container_of(listener, xwl, child_exit);
	const struct wlgp_child_exit *exit = data;
	if (exit->pid != xwl->pid)
		return;
	xwl->pid = 0;
	char why[64];
	if (WIFSIGNALED(exit->status))
		snprintf(why, sizeof(why), "Xwayland was killed by signal %d",
			 WTERMSIG(exit->status));
	else
		snprintf(why, sizeof(why), "Xwayland exited with status %d",
			 WEXITSTATUS(exit->status));
	lose(xwl, why);
}

static int
handle_ready(int fd, uint32_t mask, void *data)
{
	struct xwayland *xwl = data;
	ssize_t n = read(fd, xwl->ready_buf + xwl->ready_len,
			 sizeof(xwl->ready_buf) - 1 - xwl->ready_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		/* Closed before the newline: Xwayland failed to start; its
		 * exit (or its Wayland connection's end) does the rest. */
		close_ready(xwl);
		return 0;
	}
	xwl->ready_len += (size_t)n;
	xwl->ready_buf[xwl->ready_len] = '\0';
	/* Xwayland writes the number and the newline separately and fails if
	 * the pipe is gone before the second write: read up to the newline. */
	if (!strchr(xwl->ready_buf, '\n')) {
		if (xwl->ready_len == sizeof(xwl->ready_buf) - 1)
			close_ready(xwl);
		return 0;
	}
	close_ready(xwl);
	wlgp_info("Xwayland (pid %d) is ready on %s", (int)xwl->pid,
		  xwl->display_name);
	xwl->xwm = xwm_create(xwl->server, xwl->wm_fd, xwl->client,
			      handle_xwm_lost, xwl);
	xwl->wm_fd = -1; /* xwm_create took it, even on failure */
	if (!xwl->xwm)
		lose(xwl, "the window manager could not start");
	return 0;
}

static void
disarm(struct xwayland *xwl)
{
	if (xwl->path_source)
		wl_event_source_remove(xwl->path_source);
	if (xwl->abstract_source)
		wl_event_source_remove(xwl->abstract_source);
	xwl->path_source = xwl->abstract_source = NULL;
}

static int
clear_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
}

/* In the child: only the fds meant for Xwayland lose CLOEXEC. */
static void __attribute__((noreturn))
exec_xwayland(struct xwayland *xwl, int wl_fd, int wm_fd, int ready_fd)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	int fds[] = { xwl->xd.path_fd, xwl->xd.abstract_fd, wl_fd, wm_fd, ready_fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (fds[i] >= 0 && clear_cloexec(fds[i]) < 0)
			_exit(126);
	}
	char wl_env[16], wm[16], ready[16], path_fd[16], abstract_fd[16];
	snprintf(wl_env, sizeof(wl_env), "%d", wl_fd);
	snprintf(wm, sizeof(wm), "%d", wm_fd);
	snprintf(ready, sizeof(ready), "%d", ready_fd);
	snprintf(path_fd, sizeof(path_fd), "%d", xwl->xd.path_fd);
	snprintf(abstract_fd, sizeof(abstract_fd), "%d", xwl->xd.abstract_fd);
	setenv("WAYLAND_SOCKET", wl_env, 1);
	unsetenv("WAYLAND_DISPLAY");
	unsetenv("NOTIFY_SOCKET");
	unsetenv("DISPLAY");
	const char *argv[16];
	int argc = 0;
	argv[argc++] = xwl->binary;
	argv[argc++] = xwl->display_name;
	argv[argc++] = "-rootless";
	/* Buffers reach us as wl_shm, the format the proxy copies; without a
	 * DRM device glamor would only fail and fall back to it anyway. */
	argv[argc++] = "-shm";
	argv[argc++] = "-listenfd";
	argv[argc++] = path_fd;
	if (xwl->xd.abstract_fd >= 0) {
		argv[argc++] = "-listenfd";
		argv[argc++] = abstract_fd;
	}
	argv[argc++] = "-displayfd";
	argv[argc++] = ready;
	argv[argc++] = "-wm";
	argv[argc++] = wm;
	argv[argc] = NULL;
	/* Its keysym warnings would drown the proxy's log. */
	if (wlgp_log_get_level() < WLGP_DEBUG) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
	}
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "wl-guest-proxy: cannot run %s: %s\n", xwl->binary,
		strerror(errno));
	_exit(127);
}

static bool
start(struct xwayland *xwl)
{
	int wl_pair[2] = { -1, -1 }, wm_pair[2] = { -1, -1 }, ready[2] = { -1, -1 };
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wl_pair) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wm_pair) < 0 ||
	    pipe2(ready, O_CLOEXEC) < 0) {
		wlgp_err("cannot start Xwayland: %s", strerror(errno));
		goto fail;
	}
	xwl->started_ms = now_ms();
	xwl->lost_logged = false;
	pid_t pid = fork();
	if (pid < 0) {
		wlgp_err("cannot start Xwayland: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		exec_xwayland(xwl, wl_pair[1], wm_pair[1], ready[1]);
	xwl->pid = pid;
	close(wl_pair[1]);
	close(wm_pair[1]);
	close(ready[1]);
	xwl->wm_fd = wm_pair[0];
	xwl->ready_fd = ready[0];
	xwl->ready_len = 0;
	xwl->ready_buf[0] = '\0';
	fcntl(xwl->ready_fd, F_SETFL, O_NONBLOCK);
	xwl->ready_source = wl_event_loop_add_fd(xwl->server->loop, xwl->ready_fd,
						 WL_EVENT_READABLE, handle_ready, xwl);
	/* One more guest client, served like any other (client_created makes
	 * its guest_client and host connection). */
	xwl->client = wl_client_create(xwl->server->display, wl_pair[0]);
	if (!xwl->client || !xwl->ready_source) {
		if (!xwl->client)
			close(wl_pair[0]);
		lose(xwl, "cannot serve its Wayland connection");
		return true;
	}
	xwl->client_destroy.notify = handle_client_destroy;
	wl_client_add_destroy_listener(xwl->client, &xwl->client_destroy);
	wlgp_info("started Xwayland (pid %d) on %s", (int)pid, xwl->display_name);
	return true;

fail:
	for (int i = 0; i < 2; i++) {
		if (wl_pair[i] >= 0)
			close(wl_pair[i]);
		if (wm_pair[i] >= 0)
			close(wm_pair[i]);
		if (ready[i] >= 0)
			close(ready[i]);
	}
	return false;
}

static int
handle_connection(int fd, uint32_t mask, void *data)
{
	struct xwayland *xwl = data;
	disarm(xwl);
	if (!start(xwl)) {
		/* Try again later rather than spin on the readable socket. */
		xwl->started_ms = now_ms();
		arm(xwl);
	}
	return 0;
}

static int
handle_restart_timer(void *data)
{
	struct xwayland *xwl = data;
	wl_event_source_remove(xwl->restart_timer);
	xwl->restart_timer = NULL;
	arm(xwl);
	return 0;
}

/* Listen for the next first X connection, or schedule that so a crashing
 * Xwayland cannot spin. */
static void
arm(struct xwayland *xwl)
{
	if (xwl->path_source || xwl->restart_timer || xwl->pid > 0)
		return;
	int64_t wait = xwl->started_ms + XWAYLAND_RESTART_DELAY_MS - now_ms();
	if (xwl->started_ms && wait > 0) {
		xwl->restart_timer = wl_event_loop_add_timer(xwl->server->loop,
			handle_restart_timer, xwl);
		if (xwl->restart_timer) {
			wl_event_source_timer_update(xwl->restart_timer, (int)wait);
			return;
		}
	}
	xwl->path_source = wl_event_loop_add_fd(xwl->server->loop, xwl->xd.path_fd,
		WL_EVENT_READABLE, handle_connection, xwl);
	if (xwl->xd.abstract_fd >= 0)
		xwl->abstract_source = wl_event_loop_add_fd(xwl->server->loop,
			xwl->xd.abstract_fd, WL_EVENT_READABLE, handle_connection, xwl);
}

struct xwayland *
xwayland_create(struct wlgp_server *server, const struct x_display *xd,
		const char *binary)
{
	struct xwayland *xwl = calloc(1, sizeof(*xwl));
	if (!xwl)
		return NULL;
	xwl->server = server;
	xwl->xd = *xd;
	xwl->binary = binary;
	xwl->wm_fd = xwl->ready_fd = -1;
	snprintf(xwl->display_name, sizeof(xwl->display_name), ":%d", xd->number);
	if (wlgp_server_watch_children(server) < 0) {
		free(xwl);
		return NULL;
	}
	xwl->child_exit.notify = handle_child_exit;
	wl_signal_add(&server->child_exit, &xwl->child_exit);
	arm(xwl);
	if (!xwl->path_source) {
		xwayland_destroy(xwl);
		return NULL;
	}
	return xwl;
}

void
xwayland_destroy(struct xwayland *xwl)
{
	if (!xwl)
		return;
	disarm(xwl);
	if (xwl->restart_timer)
		wl_event_source_remove(xwl->restart_timer);
	drop_instance(xwl);
	if (xwl->pid > 0) {
		/* Its X clients die with it; wait briefly so that it has let go
		 * of the sockets before we remove them. */
		terminate(xwl);
		for (int i = 0; i < 100 && waitpid(xwl->pid, NULL, WNOHANG) == 0; i++)
			usleep(10000);
	}
	wl_list_remove(&xwl->child_exit.link);
	x_display_close(&xwl->xd);
	free(xwl);
}
