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
	struct wl_event_source *sigchld;
};

static int
handle_sigchld(int signo, void *data)
{
	struct child *child = data;
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != child->pid)
			continue;
		int code = WIFEXITED(status) ? WEXITSTATUS(status) :
			   WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
		wlgp_debug("command exited with status %d", code);
		child->server->exit_status = code;
		child->server->quit = true;
		return 0;
	}
	return 0;
}

void
child_destroy(struct child *child)
{
	if (!child)
		return;
	wl_event_source_remove(child->sigchld);
	free(child);
}

struct child *
child_spawn(struct wlgp_server *server, char **argv, const char *display_name)
{
	struct child *child = calloc(1, sizeof(*child));
	if (!child)
		return NULL;
	child->server = server;
	/* Blocks SIGCHLD and delivers it through the loop: no signal handler
	 * races with the relay. */
	child->sigchld = wl_event_loop_add_signal(server->loop, SIGCHLD,
						  handle_sigchld, child);
	if (!child->sigchld) {
		free(child);
		return NULL;
	}
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
		setenv("WAYLAND_DISPLAY", display_name, 1);
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
