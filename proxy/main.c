/*
 * wl-guest-proxy: guest clients → relay (proxy/) → copy (copy/) → channel
 * (guest-kmod-ioctl/) → host compositor.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "channel.h"
#include "child.h"
#include "host_monitor.h"
#include "listen.h"
#include "log.h"
#include "options.h"
#include "server.h"

static int
handle_quit_signal(int signo, void *data)
{
	struct wlgp_server *server = data;
	wlgp_info("received signal %d, shutting down", signo);
	server->quit = true;
	return 0;
}

int
main(int argc, char **argv)
{
	struct wlgp_options opts;
	switch (options_parse(&opts, argc, argv)) {
	case OPTIONS_EXIT_OK:
		return EXIT_SUCCESS;
	case OPTIONS_EXIT_ERROR:
		return EXIT_FAILURE;
	case OPTIONS_RUN:
		break;
	}
	wlgp_log_init(opts.verbose ? WLGP_DEBUG : WLGP_INFO);
	/* A guest that vanishes mid-write must not kill the proxy. */
	signal(SIGPIPE, SIG_IGN);

	char err[512];
	int status = EXIT_FAILURE;
	struct listen_socket ls = { .fd = -1, .lock_fd = -1 };
	struct host_monitor *monitor = NULL;
	struct child *child = NULL;
	struct wl_event_source *sigterm = NULL, *sigint = NULL;
	struct wlgp_server *server = NULL;

	struct channel *channel = channel_create(&opts.channel, err, sizeof(err));
	if (!channel) {
		wlgp_err("%s", err);
		return EXIT_FAILURE;
	}
	server = wlgp_server_create(channel);
	if (!server) {
		wlgp_err("cannot create the Wayland server");
		goto out;
	}
	monitor = host_monitor_create(server, err, sizeof(err));
	if (!monitor) {
		wlgp_err("%s", err);
		goto out;
	}
	if (listen_socket_open(&ls, opts.socket, err, sizeof(err)) < 0) {
		wlgp_err("%s", err);
		goto out;
	}
	if (wl_display_add_socket_fd(server->display, ls.fd) < 0) {
		wlgp_err("cannot serve on %s", ls.path);
		goto out;
	}
	ls.fd = -1; /* owned by the display now */
	sigterm = wl_event_loop_add_signal(server->loop, SIGTERM,
					   handle_quit_signal, server);
	sigint = wl_event_loop_add_signal(server->loop, SIGINT,
					  handle_quit_signal, server);

	wlgp_info("listening on %s, relaying to %s over the %s transport",
		  ls.path, channel->host_name, channel->impl->name);
	if (opts.command) {
		child = child_spawn(server, opts.command, ls.display_name);
		if (!child)
			goto out;
	} else {
		wlgp_info("run clients with WAYLAND_DISPLAY=%s", ls.display_name);
	}

	while (!server->quit)
		wlgp_server_dispatch(server, -1);
	status = opts.command ? server->exit_status : EXIT_SUCCESS;

out:
	if (sigterm)
		wl_event_source_remove(sigterm);
	if (sigint)
		wl_event_source_remove(sigint);
	child_destroy(child);
	host_monitor_destroy(monitor);
	wlgp_server_destroy(server);
	listen_socket_close(&ls);
	channel_destroy(channel);
	return status;
}
