/*
 * Clipboard and drag-and-drop transfers.  See transfer.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "log.h"
#include "relay.h"
#include "server.h"
#include "transfer.h"

/* Bytes held between reader and writer: a pipe's default capacity. */
#define TRANSFER_BUFFER_SIZE (64 * 1024)
/* Bytes moved per wake-up before other fds get their turn; the loop's
 * fds are level-triggered, so a transfer with more to move is woken
 * again. */
#define TRANSFER_BURST (1024 * 1024)

/* One end of a transfer.  A host end is read or written through the
 * channel (channel_stream_read/write): across the device it is a vfd,
 * which read(2)/write(2) do not drive. */
struct transfer_end {
	int fd;
	bool host;
	struct wl_event_source *source;
};

struct transfer {
	struct wlgp_server *server;
	const char *iface, *request; /* what it is for, in messages */
	pid_t pid;                   /* of the guest client, in messages */
	struct wl_client *client;    /* NULL once it disconnected */
	struct wl_listener client_destroy;

	/* src is waited on (readable) only while the buffer is empty; dst is
	 * always in the loop, for writable while the buffer holds data, and
	 * otherwise for its error alone: a reader that goes away while the
	 * writer is idle ends the transfer at once. */
	struct transfer_end src, dst;
	uint32_t dst_mask;
	bool src_eof;

	char *buffer;
	size_t start, end; /* buffer[start..end) is still to be written */
	uint64_t bytes;

	struct wl_list link; /* wlgp_server.transfers */
};

static void
transfer_destroy(struct transfer *t)
{
	if (t->src.source)
		wl_event_source_remove(t->src.source);
	if (t->dst.source)
		wl_event_source_remove(t->dst.source);
	if (t->src.fd >= 0)
		close(t->src.fd);
	if (t->dst.fd >= 0)
		close(t->dst.fd);
	if (t->client)
		wl_list_remove(&t->client_destroy.link);
	wl_list_remove(&t->link);
	free(t->buffer);
	free(t);
}

static void
transfer_finish(struct transfer *t, const char *how, int err)
{
	wlgp_debug("%s.%s for client pid %d: %s%s%s after %llu bytes",
		   t->iface, t->request, (int)t->pid, how, err ? ": " : "",
		   err ? strerror(err) : "", (unsigned long long)t->bytes);
	transfer_destroy(t);
}

static ssize_t
end_read(struct transfer *t, void *buf, size_t cap)
{
	if (t->src.host)
		return channel_stream_read(t->server->channel, t->src.fd, buf, cap);
	return read(t->src.fd, buf, cap);
}

static ssize_t
end_write(struct transfer *t, const void *data, size_t len)
{
	if (t->dst.host)
		return channel_stream_write(t->server->channel, t->dst.fd, data, len);
	return write(t->dst.fd, data, len);
}

static int handle_src(int fd, uint32_t mask, void *data);

/* Waits on the end that can make progress: src while the buffer is empty,
 * dst while it is not.  src leaves the loop rather than being masked out,
 * because a hung-up fd is reported whatever the mask says and would wake
 * the loop without end while we wait for dst. */
static bool
transfer_wait(struct transfer *t)
{
	bool want_src = t->start == t->end;
	if (want_src && !t->src.source) {
		t->src.source = wl_event_loop_add_fd(t->server->loop, t->src.fd,
			WL_EVENT_READABLE, handle_src, t);
		if (!t->src.source)
			return false;
	} else if (!want_src && t->src.source) {
		wl_event_source_remove(t->src.source);
		t->src.source = NULL;
	}
	uint32_t mask = want_src ? 0 : WL_EVENT_WRITABLE;
	if (mask != t->dst_mask) {
		t->dst_mask = mask;
		wl_event_source_fd_update(t->dst.source, mask);
	}
	return true;
}

/* Moves bytes until an end would block, the burst is spent, or the
 * transfer is over (then it is freed). */
static void
transfer_pump(struct transfer *t)
{
	size_t moved = 0;
	while (moved < TRANSFER_BURST) {
		if (t->start == t->end) {
			if (t->src_eof) {
				transfer_finish(t, "done", 0);
				return;
			}
			ssize_t n = end_read(t, t->buffer, TRANSFER_BUFFER_SIZE);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				break;
			if (n < 0) {
				transfer_finish(t, "reading failed", errno);
				return;
			}
			if (n == 0) {
				t->src_eof = true;
				continue;
			}
			t->start = 0;
			t->end = (size_t)n;
		}
		ssize_t n = end_write(t, t->buffer + t->start, t->end - t->start);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			/* EPIPE: the reader went away, which is its right. */
			transfer_finish(t, "the reader stopped", n < 0 ? errno : 0);
			return;
		}
		t->start += (size_t)n;
		t->bytes += (uint64_t)n;
		moved += (size_t)n;
	}
	if (!transfer_wait(t))
		transfer_finish(t, "cannot wait", errno);
}

static int
handle_src(int fd, uint32_t mask, void *data)
{
	/* A hang-up or error shows in the read itself (end of file, or the
	 * error), after whatever was still buffered. */
	transfer_pump(data);
	return 0;
}

static int
handle_dst(int fd, uint32_t mask, void *data)
{
	struct transfer *t = data;
	if (mask & (WL_EVENT_HANGUP | WL_EVENT_ERROR)) {
		transfer_finish(t, "the reader went away", 0);
		return 0;
	}
	transfer_pump(t);
	return 0;
}

static void
handle_client_destroy(struct wl_listener *listener, void *data)
{
	struct transfer *t = wl_container_of(listener, t, client_destroy);
	wl_list_remove(&t->client_destroy.link);
	t->client = NULL;
}

static int
client_transfers(struct guest_client *gc)
{
	int n = 0;
	struct transfer *t;
	wl_list_for_each(t, &gc->server->transfers, link)
		n += t->client == gc->client;
	return n;
}

static int
set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

/* Takes both fds, whatever happens.  Both must be non-blocking. */
static struct transfer *
transfer_create(struct relay_object *ro, uint32_t opcode, bool is_request,
		struct transfer_end src, struct transfer_end dst)
{
	struct guest_client *gc = ro->client;
	struct transfer *t = calloc(1, sizeof(*t));
	char *buffer = malloc(TRANSFER_BUFFER_SIZE);
	if (!t || !buffer) {
		free(t);
		free(buffer);
		close(src.fd);
		close(dst.fd);
		return NULL;
	}
	t->server = gc->server;
	t->iface = ro->meta->name;
	t->request = is_request ? ro->meta->interface->methods[opcode].name :
		ro->meta->interface->events[opcode].name;
	t->pid = gc->pid;
	t->client = gc->client;
	t->client_destroy.notify = handle_client_destroy;
	wl_client_add_destroy_listener(gc->client, &t->client_destroy);
	t->buffer = buffer;
	t->src = src;
	t->dst = dst;
	wl_list_insert(&gc->server->transfers, &t->link);

	t->dst.source = wl_event_loop_add_fd(gc->server->loop, t->dst.fd, 0,
					     handle_dst, t);
	if (!t->dst.source || !transfer_wait(t)) {
		wlgp_warn("client pid %d: cannot start %s.%s: %s", (int)gc->pid,
			  t->iface, t->request, strerror(errno));
		transfer_destroy(t);
		return NULL;
	}
	wlgp_debug("%s.%s for client pid %d: started", t->iface, t->request,
		   (int)gc->pid);
	return t;
}

static bool
transfer_allowed(struct relay_object *ro)
{
	if (client_transfers(ro->client) < TRANSFER_MAX_PER_CLIENT)
		return true;
	wlgp_warn("client pid %d: %d transfers running already; %s gets "
		  "nothing", (int)ro->client->pid, TRANSFER_MAX_PER_CLIENT,
		  ro->meta->name);
	return false;
}

void
transfer_forward_receive(struct relay_object *ro, uint32_t opcode,
			 union wl_argument *args, int fd_arg)
{
	int guest_fd = args[fd_arg].h;
	if (!guest_client_host_alive(ro->client)) {
		relay_forward_request(ro, opcode, args); /* sends nothing */
		return;
	}
	/* On failure the guest's fd is closed unanswered: its reader sees an
	 * empty paste, and the host is never asked. */
	struct channel_pipe pipe;
	if (!transfer_allowed(ro) || set_nonblock(guest_fd) < 0) {
		close(guest_fd);
		return;
	}
	if (channel_new_pipe(ro->client->server->channel, &pipe) < 0) {
		wlgp_warn("client pid %d: cannot make a pipe for %s: %s",
			  (int)ro->client->pid, ro->meta->name, strerror(errno));
		close(guest_fd);
		return;
	}
	struct transfer_end src = { .fd = pipe.local_fd, .host = true };
	struct transfer_end dst = { .fd = guest_fd, .host = false };
	if (!transfer_create(ro, opcode, true, src, dst)) {
		close(pipe.host_fd);
		return;
	}
	/* relay_forward_request closes our copy once libwayland has its own:
	 * then only the host holds the pipe's write end, and its close is our
	 * end of file. */
	args[fd_arg].h = pipe.host_fd;
	relay_forward_request(ro, opcode, args);
}

void
transfer_forward_send(struct relay_object *ro, uint32_t opcode,
		      union wl_argument *args, int fd_arg)
{
	int host_fd = args[fd_arg].h;
	if (!transfer_allowed(ro) || set_nonblock(host_fd) < 0) {
		close(host_fd); /* the host's reader sees an empty paste */
		args[fd_arg].h = -1;
		return;
	}
	/* The guest app's end stays blocking, as the pipe of any compositor
	 * would be: apps write it with plain blocking loops. */
	int p[2] = { -1, -1 };
	if (pipe2(p, O_CLOEXEC) < 0 || set_nonblock(p[0]) < 0) {
		wlgp_warn("client pid %d: cannot make a pipe for %s: %s",
			  (int)ro->client->pid, ro->meta->name, strerror(errno));
		if (p[0] >= 0) {
			close(p[0]);
			close(p[1]);
		}
		close(host_fd);
		args[fd_arg].h = -1;
		return;
	}
	struct transfer_end src = { .fd = p[0], .host = false };
	struct transfer_end dst = { .fd = host_fd, .host = true };
	if (!transfer_create(ro, opcode, false, src, dst)) {
		close(p[1]);
		args[fd_arg].h = -1;
		return;
	}
	args[fd_arg].h = p[1];
	relay_forward_event(ro, opcode, args);
}

void
transfer_destroy_all(struct wlgp_server *server)
{
	struct transfer *t, *tmp;
	wl_list_for_each_safe(t, tmp, &server->transfers, link)
		transfer_finish(t, "cut short by shutdown", 0);
}
