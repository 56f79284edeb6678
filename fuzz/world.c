/*
 * The single-threaded proxy-and-host world of the guest target (world.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wayland-server-core.h>

#include "channel.h"
#include "host.h"
#include "input.h"
#include "log.h"
#include "server.h"
#include "world.h"

/* host.c's harness hook (tests/unit/check.h), unused here */
void (*check_fail_hook)(void);

static struct world the_world;
static bool made;

static void
remove_dir(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/host-0", the_world.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/host-0.lock", the_world.dir);
	unlink(path);
	rmdir(the_world.dir);
}

struct world *
world_get(void)
{
	struct world *w = &the_world;
	if (made)
		return w;
	made = true;
	signal(SIGPIPE, SIG_IGN);
	wlgp_log_init(getenv("WLGP_FUZZ_VERBOSE") ? WLGP_DEBUG : WLGP_ERROR);
	snprintf(w->dir, sizeof(w->dir), "/tmp/wlgp-fuzz-XXXXXX");
	FUZZ_CHECK(mkdtemp(w->dir), "mkdtemp: %s", strerror(errno));
	setenv("XDG_RUNTIME_DIR", w->dir, 1);
	atexit(remove_dir);

	struct host_config config = { .shm = true };
	config.version[HOST_COMPOSITOR] = 6;
	config.version[HOST_OUTPUT] = 4;
	config.version[HOST_SEAT] = 9;
	config.version[HOST_TABLET_MANAGER] = 1;
	config.version[HOST_DMABUF] = 4;
	config.version[HOST_UNKNOWN] = 1;
	w->host = host_create(&config, "host-0");
	FUZZ_CHECK(w->host, "cannot create the host in %s", w->dir);
	char path[128], err[512];
	snprintf(path, sizeof(path), "%s/host-0", w->dir);
	w->channel = channel_direct_create(path, err, sizeof(err));
	FUZZ_CHECK(w->channel, "%s", err);
	w->server = wlgp_server_create(w->channel, NULL);
	FUZZ_CHECK(w->server, "wlgp_server_create failed");
	return w;
}

int
world_guest_connect(struct world *w)
{
	int fds[2];
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0,
		   "socketpair: %s", strerror(errno));
	FUZZ_CHECK(wl_client_create(w->server->display, fds[0]),
		   "the proxy refused a guest");
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	return fds[1];
}

static void
drain_guest(int fd, world_guest_reader reader, void *data)
{
	for (;;) {
		uint8_t buf[8192];
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int) * 28)];
		} u;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
		};
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n <= 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fds[28];
			memcpy(fds, CMSG_DATA(c), nfds * sizeof(int));
			for (size_t i = 0; i < nfds; i++)
				close(fds[i]);
		}
		if (reader)
			reader(data, buf, (size_t)n);
	}
}

void
world_settle(struct world *w, int guest_fd, world_guest_reader reader, void *data)
{
	int idle = 0;
	for (int round = 0; round < 400 && idle < 3; round++) {
		wlgp_server_dispatch(w->server, 0);
		host_dispatch_pending(w->host);
		if (guest_fd >= 0)
			drain_guest(guest_fd, reader, data);
		struct pollfd p[3] = {
			{ wl_event_loop_get_fd(w->server->loop), POLLIN, 0 },
			{ wl_event_loop_get_fd(host_get_event_loop(w->host)), POLLIN, 0 },
			{ guest_fd, POLLIN, 0 },
		};
		idle = poll(p, guest_fd >= 0 ? 3 : 2, 0) == 0 ? idle + 1 : 0;
	}
}

int
world_guest_count(struct world *w)
{
	return wl_list_length(&w->server->clients);
}

int
world_host_client_count(struct world *w)
{
	struct host_stats st;
	host_get_stats(w->host, &st);
	return st.clients;
}
