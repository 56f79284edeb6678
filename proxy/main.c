/*
 * wl-guest-proxy: guest clients → relay (proxy/) → copy (copy/) → channel
 * (guest-kmod-ioctl/) → host compositor.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "channel.h"
#include "copy_pool.h"
#include "child.h"
#include "host_monitor.h"
#include "listen.h"
#include "log.h"
#include "options.h"
#include "server.h"
#include "trace.h"
#include "xwayland.h"

static int
handle_quit_signal(int signo, void *data)
{
	struct wlgp_server *server = data;
	const char *name = sigabbrev_np(signo);
	wlgp_info("received SIG%s, shutting down", name ? name : "?");
	server->quit = true;
	return 0;
}

/* The direct transport with WAYLAND_DISPLAY pointing at the socket systemd
 * passed us (the environment.d snippet exports it to every user service)
 * would connect the proxy to itself and hang in its first round trip. */
static bool
host_is_own_socket(const struct channel *channel, const struct listen_socket *ls)
{
	struct stat host, own;
	return stat(channel->host_name, &host) == 0 && stat(ls->path, &own) == 0 &&
	       host.st_dev == own.st_dev && host.st_ino == own.st_ino;
}

/* systemd's socket first: whatever fails after it should be reported
 * against the socket systemd already listens on. */
static int
take_socket(struct listen_socket *ls, const struct channel *channel,
	    char *err, size_t errlen)
{
	int activated = listen_socket_from_systemd(ls, err, errlen);
	if (activated <= 0)
		return activated;
	if (host_is_own_socket(channel, ls)) {
		snprintf(err, errlen, "the host display %s is the socket this "
			 "proxy serves: give the host compositor with "
			 "--host-display, or use --transport virtwl",
			 channel->host_name);
		return -1;
	}
	return 1;
}

/* Nothing is served before the host has answered once: a guest would only
 * wait on a host that may never answer.  The loop runs meanwhile, so a
 * SIGTERM ends the wait; there is no time limit (the service manager's
 * start timeout is the one that applies).  False if the proxy must end. */
static bool
await_host_answer(struct wlgp_server *server, struct host_monitor *monitor)
{
	if (host_monitor_start_state(monitor) == HOST_MONITOR_STARTING)
		wlgp_debug("waiting for the host compositor %s to answer",
			   server->channel->host_name);
	while (!server->quit &&
	       host_monitor_start_state(monitor) == HOST_MONITOR_STARTING)
		wlgp_server_dispatch(server, -1);
	if (host_monitor_start_state(monitor) == HOST_MONITOR_FAILED) {
		wlgp_err("the host compositor at %s did not answer",
			 server->channel->host_name);
		return false;
	}
	return !server->quit;
}

static void
log_transport_choice(const char *fmt, va_list ap)
{
	wlgp_vlog(WLGP_INFO, fmt, ap);
}

int
main(int argc, char **argv)
{
	struct wlgp_options opts;
	switch (options_parse(&opts, argc, argv)) {
	case OPTIONS_EXIT_OK:
		options_fini(&opts);
		return EXIT_SUCCESS;
	case OPTIONS_EXIT_ERROR:
		options_fini(&opts);
		return EXIT_FAILURE;
	case OPTIONS_RUN:
		break;
	}
	wlgp_log_init(opts.log_level);
	if (opts.config.path)
		wlgp_info("options from %s", opts.config.path);
	/* A guest that vanishes mid-write must not kill the proxy. */
	signal(SIGPIPE, SIG_IGN);

	char err[512];
	int status = EXIT_FAILURE;
	struct listen_socket ls = { .fd = -1, .lock_fd = -1, .x11_fd = -1 };
	struct x_display xd = { .path_fd = -1, .abstract_fd = -1 };
	struct xwayland *xwl = NULL;
	struct host_monitor *monitor = NULL;
	struct child *child = NULL;
	struct wl_event_source *sigterm = NULL, *sigint = NULL;
	struct wlgp_server *server = NULL;

	/* --transport auto says at info level what it picked and why. */
	opts.channel.log = log_transport_choice;
	struct channel *channel = channel_create(&opts.channel, err, sizeof(err));
	if (!channel) {
		wlgp_err("%s", err);
		options_fini(&opts);
		return EXIT_FAILURE;
	}
	int activated = take_socket(&ls, channel, err, sizeof(err));
	if (activated < 0) {
		wlgp_err("%s", err);
		goto out;
	}
	/* The X display before anything slow: a taken one fails at once. */
	if (ls.x11_fd >= 0) {
		int fd = ls.x11_fd;
		ls.x11_fd = -1;
		if (x_display_adopt(&xd, fd, err, sizeof(err)) < 0) {
			wlgp_err("%s", err);
			goto out;
		}
	} else if (opts.x_display >= 0 &&
		   x_display_open(&xd, opts.x_display, err, sizeof(err)) < 0) {
		wlgp_err("%s", err);
		goto out;
	}
	server = wlgp_server_create(channel, opts.keymap);
	if (!server) {
		wlgp_err("cannot create the Wayland server");
		goto out;
	}
	int copy_threads = opts.copy_threads >= 0 ? opts.copy_threads
						  : copy_pool_default_threads();
	if (!wlgp_server_start_copy_threads(server, copy_threads)) {
		wlgp_err("cannot start %d copy threads: %s", copy_threads,
			 strerror(errno));
		goto out;
	}
	wlgp_debug("copying on %d copy threads%s", copy_threads,
		   copy_threads ? "" : " (inline, on the event loop)");
	server->policy = opts.policy; /* the server owns the rules now */
	opts.policy = (struct global_policy){ 0 };
	policy_warn_unrelayable(&server->policy, server);
	server->provenance = (struct provenance){
		.tag = opts.tag, .app_id_prefix = opts.app_id_prefix,
	};
	if (opts.trace && !(server->trace = trace_create(server->display))) {
		wlgp_err("out of memory for --trace");
		goto out;
	}
	sigterm = wl_event_loop_add_signal(server->loop, SIGTERM,
					   handle_quit_signal, server);
	sigint = wl_event_loop_add_signal(server->loop, SIGINT,
					  handle_quit_signal, server);
	monitor = host_monitor_create(server, err, sizeof(err));
	if (!monitor) {
		wlgp_err("%s", err);
		goto out;
	}
	server->monitor = monitor;
	if (!await_host_answer(server, monitor)) {
		status = server->quit ? EXIT_SUCCESS : EXIT_FAILURE;
		goto out;
	}
	if (!activated && listen_socket_open(&ls, opts.socket, err, sizeof(err)) < 0) {
		wlgp_err("%s", err);
		goto out;
	}
	if (wl_display_add_socket_fd(server->display, ls.fd) < 0) {
		wlgp_err("cannot serve on %s", ls.path);
		goto out;
	}
	ls.fd = -1; /* owned by the display now */
	if (xd.path_fd >= 0) {
		xwl = xwayland_create(server, &xd, opts.xwayland);
		if (!xwl) {
			wlgp_err("cannot serve X display :%d", xd.number);
			goto out;
		}
		xd.path_fd = xd.abstract_fd = -1; /* xwl's now */
		xd.own_lock = xd.own_path = false;
	}

	wlgp_info("listening on %s%s, relaying to %s over the %s transport",
		  ls.path, activated ? " (passed by systemd)" : "",
		  channel->host_name, channel->impl->name);
	if (xwl)
		wlgp_info("serving X display %s: X11 apps start Xwayland on "
			  "first use", xwayland_display_name(xwl));
	if (opts.command) {
		child = child_spawn(server, opts.command, ls.display_name,
				    xwl ? xwayland_display_name(xwl) : NULL);
		if (!child)
			goto out;
	} else if (!activated) {
		wlgp_info("run clients with WAYLAND_DISPLAY=%s%s%s", ls.display_name,
			  xwl ? " and X11 apps with DISPLAY=" : "",
			  xwl ? xwayland_display_name(xwl) : "");
	}
	sd_notifyf(0, "READY=1\nSTATUS=Serving %s, relaying to %s",
		   ls.path, channel->host_name);

	while (!server->quit)
		wlgp_server_dispatch(server, -1);
	status = opts.command ? server->exit_status : EXIT_SUCCESS;
	sd_notify(0, "STOPPING=1");
	/* What the host already answered reaches the guests before they are
	 * disconnected. */
	wl_display_flush_clients(server->display);

out:
	if (sigterm)
		wl_event_source_remove(sigterm);
	if (sigint)
		wl_event_source_remove(sigint);
	child_destroy(child);
	xwayland_destroy(xwl);
	x_display_close(&xd);
	host_monitor_destroy(monitor);
	if (server) {
		trace_destroy(server->trace);
		server->trace = NULL;
	}
	wlgp_server_destroy(server);
	if (ls.fd >= 0)
		close(ls.fd);
	if (ls.x11_fd >= 0)
		close(ls.x11_fd);
	listen_socket_close(&ls);
	channel_destroy(channel);
	options_fini(&opts);
	return status;
}
