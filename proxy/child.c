/*
 * `wl-guest-proxy -- COMMAND`: the proxy lives exactly as long as COMMAND
 * and passes on its exit status, like a wrapper should.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "server.h"

struct child {
	struct wlgp_server *server;
	pid_t pid;
	struct wl_listener exit;
};

static void
handle_child_exit(struct wl_listener *listener, void *data)
{
	struct child *child = wl_container_of(listener, child, exit);
	const struct wlgp_child_exit *exit = data;
	if (exit->pid != child->pid)
		return;
	int status = exit->status;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) :
		   WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
	wlgp_debug("command exited with status %d", code);
	child->server->exit_status = code;
	child->server->quit = true;
}

void
child_destroy(struct child *child)
{
	if (!child)
		return;
	wl_list_remove(&child->exit.link);
	free(child);
}

struct child *
child_spawn(struct wlgp_server *server, char **argv, const char *display_name,
	    const char *x_display)
{
	struct child *child = calloc(1, sizeof(*child));
	if (!child)
		return NULL;
	child->server = server;
	if (wlgp_server_watch_children(server) < 0) {
		free(child);
		return NULL;
	}
	child->exit.notify = handle_child_exit;
	wl_signal_add(&server->child_exit, &child->exit);
	child->pid = fork();
	if (child->pid < 0) {
		wlgp_err("cannot start %s: %s", argv[0], strerror(errno));
		child_destroy(child);
		return NULL;
	}
	if (child->pid == 0) {
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		setenv("WAYLAND_DISPLAY", display_name, 1);
		if (x_display)
			setenv("DISPLAY", x_display, 1);
		unsetenv("WAYLAND_SOCKET");
		/* systemd's notify socket is the proxy's, not the command's. */
		unsetenv("NOTIFY_SOCKET");
		execvp(argv[0], argv);
		fprintf(stderr, "wl-guest-proxy: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	return child;
}
