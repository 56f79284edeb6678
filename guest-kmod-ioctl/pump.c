/*
 * The pump: for transports whose contexts are not sockets (virtwl vfds),
 * libwayland-client gets one end of a socketpair and this thread moves
 * bytes and fds between the other end and the context.
 *
 * Why a thread: libwayland-client blocks in places (roundtrips, the waits
 * for buffer releases), and the bytes it waits for must keep flowing.
 *
 * Ownership: channel_pump_add() hands a context to the pump; from then on
 * only the pump thread touches the link.  A link ends when libwayland-client
 * closes its end (the guest client left) or the host hangs up and the
 * guest side has closed too; the pump then closes the context, which tells
 * the host.
 *
 * Order matters on the way in: the device may deliver a message's vfds in
 * a later RECV than its bytes (more than 28 queued), and libwayland-client
 * fails a message whose fd has not arrived.  So a RECV that returns the
 * maximum number of fds is followed by more RECVs before anything is
 * forwarded, and fds are always written no later than their bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <wayland-util.h>

#include "channel.h"
#include "sockio.h"

/* Host bytes held for a guest whose socket is full, at most: beyond it the
 * guest is not reading at all, and it is disconnected. */
#define PUMP_IN_MAX ((size_t)4 << 20)
#define PUMP_RECV_CHUNK ((size_t)64 << 10)
/* What one context_send may carry at most (the largest transport's). */
#define PUMP_OUT_MAX 4096

enum pump_side { PUMP_SIDE_HOST, PUMP_SIDE_GUEST };

struct pump_watch {
	struct pump_link *link;
	enum pump_side side;
};

struct pump_link {
	struct channel_pump *pump;
	struct channel_context *ctx;
	int host_fd; /* the context's pollable fd */
	int sock;    /* ours; libwayland-client has the peer */

	/* Host → guest bytes and fds not yet written to sock. */
	uint8_t *in;
	size_t in_len, in_cap, in_off;
	int in_fds[CHANNEL_MAX_FDS * 16];
	int in_nfds;
	bool host_hup;  /* the host closed: no more RECV */

	/* The host's answer to the transport's opening sync (channel.h,
	 * answer_ms): until it came, the guest's bytes wait in sock. */
	bool answering;
	bool answer_done, answer_deleted;
	int64_t answer_deadline; /* CLOCK_MONOTONIC ms */

	struct pump_watch host_watch, guest_watch;
	uint32_t host_events, guest_events; /* what epoll waits for; 0 = not
					     * registered (a hung-up fd
					     * would wake us forever) */
	bool dead; /* destroyed after the current batch of events */
	struct wl_list link; /* channel_pump.links */
};

struct channel_pump {
	struct channel *channel;
	int epoll_fd;
	int wake_fd; /* eventfd: new links queued, or stop */
	pthread_t thread;
	pthread_mutex_t lock; /* guards incoming and stop */
	struct wl_list incoming; /* handed over, not yet taken by the thread */
	bool stop;
	struct wl_list links; /* the thread's own */
};

static void
link_destroy(struct pump_link *l)
{
	if (l->host_events)
		epoll_ctl(l->pump->epoll_fd, EPOLL_CTL_DEL, l->host_fd, NULL);
	if (l->guest_events)
		epoll_ctl(l->pump->epoll_fd, EPOLL_CTL_DEL, l->sock, NULL);
	for (int i = 0; i < l->in_nfds; i++)
		close(l->in_fds[i]);
	l->ctx->channel->impl->context_close(l->ctx);
	close(l->sock);
	free(l->in);
	wl_list_remove(&l->link);
	free(l);
}

static void
watch_update(struct pump_link *l, enum pump_side side, uint32_t events)
{
	uint32_t *cur = side == PUMP_SIDE_HOST ? &l->host_events : &l->guest_events;
	if (*cur == events)
		return;
	struct epoll_event ev = {
		.events = events,
		.data.ptr = side == PUMP_SIDE_HOST ? &l->host_watch : &l->guest_watch,
	};
	int fd = side == PUMP_SIDE_HOST ? l->host_fd : l->sock;
	int op = events == 0 ? EPOLL_CTL_DEL : *cur == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	epoll_ctl(l->pump->epoll_fd, op, fd, &ev);
	*cur = events;
}

/* The device is drained even while a guest is behind: every message left
 * unread in it pins one of the device's in-buffers (crosvm posts 256 for
 * all vfds), so one slow guest would stall every other.  Its bytes wait
 * here instead, up to PUMP_IN_MAX. */
static void
link_update_watches(struct pump_link *l)
{
	bool pending = l->in_len > l->in_off || l->in_nfds > 0;
	watch_update(l, PUMP_SIDE_HOST, l->host_hup ? 0 : EPOLLIN);
	watch_update(l, PUMP_SIDE_GUEST, l->answering ? 0 :
		     pending ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The opening sync's answer: wl_callback@2.done and
 * wl_display@1.delete_id(2), consumed from the host's bytes; anything
 * else the compositor sends first (it has no reason to) is skipped, as it
 * is not meant for the guest.  Returns false when the link is finished.
 */
static bool
consume_answer(struct pump_link *l)
{
	/* What follows the answer is the guest's, whatever it is. */
	while (!(l->answer_done && l->answer_deleted) &&
	       l->in_len - l->in_off >= 8) {
		uint32_t w[2];
		memcpy(w, l->in + l->in_off, sizeof(w));
		size_t size = w[1] >> 16;
		if (size < 8 || size % 4) {
			channel_log(l->pump->channel, "the host compositor "
				    "answered with a malformed message");
			return false;
		}
		if (l->in_len - l->in_off < size)
			break;
		if (w[0] == 2 && (w[1] & 0xffff) == 0)
			l->answer_done = true;
		else if (w[0] == 1 && (w[1] & 0xffff) == 1)
			l->answer_deleted = true;
		l->in_off += size;
	}
	if (l->answer_done && l->answer_deleted) {
		l->answering = false;
		return true;
	}
	if (l->in_nfds > 0) {
		channel_log(l->pump->channel, "the host compositor answered "
			    "unexpectedly (fds before its first reply)");
		return false;
	}
	if (l->host_hup) {
		channel_log(l->pump->channel, "the host compositor did not "
			    "answer: it closed the connection before its first "
			    "reply");
		return false;
	}
	return true;
}

/* Ends the links whose host has not answered in time; the epoll timeout
 * until the next deadline (-1: none). */
static int
expire_answers(struct channel_pump *pump)
{
	int64_t now = now_ms(), next = -1;
	const struct channel_limits *lim = &pump->channel->impl->limits;
	struct pump_link *l;
	wl_list_for_each(l, &pump->links, link) {
		if (!l->answering || l->dead)
			continue;
		if (now >= l->answer_deadline) {
			channel_log(pump->channel, "the host compositor did not "
				    "answer %s within %d ms%s",
				    lim->no_answer_via ? lim->no_answer_via : "",
				    lim->answer_ms,
				    lim->no_answer_hint ? lim->no_answer_hint : "");
			l->dead = true;
		} else if (next < 0 || l->answer_deadline - now < next) {
			next = l->answer_deadline - now;
		}
	}
	return (int)next;
}

static bool
in_reserve(struct pump_link *l, size_t more)
{
	if (l->in_off == l->in_len)
		l->in_off = l->in_len = 0;
	if (l->in_len + more <= l->in_cap)
		return true;
	if (l->in_off > 0) {
		memmove(l->in, l->in + l->in_off, l->in_len - l->in_off);
		l->in_len -= l->in_off;
		l->in_off = 0;
		if (l->in_len + more <= l->in_cap)
			return true;
	}
	size_t cap = l->in_cap ? l->in_cap : PUMP_RECV_CHUNK;
	while (cap < l->in_len + more)
		cap *= 2;
	if (cap > PUMP_IN_MAX)
		return false;
	uint8_t *in = realloc(l->in, cap);
	if (!in)
		return false;
	l->in = in;
	l->in_cap = cap;
	return true;
}

/* Returns false when the link is finished. */
static bool
host_to_guest_write(struct pump_link *l)
{
	while (l->in_off < l->in_len || l->in_nfds > 0) {
		int max = l->ctx->channel->impl->limits.max_fds;
		int nfds = l->in_nfds < max ? l->in_nfds : max;
		size_t len = l->in_len - l->in_off;
		/* Each batch of fds needs a byte to ride on; never more bytes
		 * in one go than keep later fds ahead of their messages. */
		if (nfds > 0 && l->in_nfds > nfds && len > 1)
			len = 1;
		if (len == 0) {
			/* fds left over without bytes: they belong to bytes
			 * already forwarded, which the device cannot do; drop
			 * them rather than wedge the stream. */
			channel_log(l->pump->channel, "host connection: %d fds "
				    "arrived without bytes; dropped", l->in_nfds);
			for (int i = 0; i < l->in_nfds; i++)
				close(l->in_fds[i]);
			l->in_nfds = 0;
			break;
		}
		ssize_t n = channel_socket_sendmsg(l->sock, l->in + l->in_off, len,
						   l->in_fds, nfds);
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n < 0)
			return false; /* libwayland-client is gone */
		for (int i = 0; i < nfds; i++)
			close(l->in_fds[i]);
		memmove(l->in_fds, l->in_fds + nfds,
			sizeof(int) * (size_t)(l->in_nfds - nfds));
		l->in_nfds -= nfds;
		l->in_off += (size_t)n;
	}
	if (l->host_hup)
		shutdown(l->sock, SHUT_WR); /* libwayland-client sees EOF */
	return true;
}

static bool
host_recv_once(struct pump_link *l, int *got_fds)
{
	const struct channel_impl *impl = l->ctx->channel->impl;
	int fds[CHANNEL_MAX_FDS], nfds = 0;
	*got_fds = 0;
	if (!in_reserve(l, PUMP_RECV_CHUNK)) {
		channel_log(l->pump->channel, "a guest client stopped reading: "
			    "more than %zu bytes of host events pending; "
			    "disconnecting it so the device keeps serving the "
			    "others", PUMP_IN_MAX);
		return false;
	}
	ssize_t n = impl->context_recv(l->ctx, l->in + l->in_len,
				       l->in_cap - l->in_len, fds, &nfds);
	if (n < 0)
		return errno == EAGAIN;
	if (n == 0 && nfds == 0) {
		l->host_hup = true;
		return true;
	}
	if (l->in_nfds + nfds > (int)(sizeof(l->in_fds) / sizeof(l->in_fds[0]))) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		channel_log(l->pump->channel, "host connection: too many fds "
			    "pending");
		return false;
	}
	memcpy(l->in_fds + l->in_nfds, fds, sizeof(int) * (size_t)nfds);
	l->in_nfds += nfds;
	l->in_len += (size_t)n;
	*got_fds = nfds;
	return true;
}

static bool
host_readable(struct pump_link *l)
{
	const struct channel_limits *lim = &l->ctx->channel->impl->limits;
	int got_fds;
	do {
		if (!host_recv_once(l, &got_fds))
			return false;
		/* A full batch of fds may have left later ones behind. */
	} while (lim->fds_may_trail && got_fds == lim->max_fds && !l->host_hup);
	if (l->answering) {
		if (!consume_answer(l))
			return false;
		if (l->answering)
			return true;
	}
	return host_to_guest_write(l);
}

static bool
guest_readable(struct pump_link *l)
{
	const struct channel_impl *impl = l->ctx->channel->impl;
	uint8_t buf[PUMP_OUT_MAX];
	size_t cap = impl->limits.max_send < sizeof(buf) ? impl->limits.max_send
							 : sizeof(buf);
	int fds[CHANNEL_MAX_FDS], nfds;
	ssize_t n = channel_socket_recv(l->sock, buf, cap, fds, &nfds);
	if (n < 0)
		return errno == EAGAIN;
	if (n == 0)
		return false; /* libwayland-client closed: the client left */
	int ret = impl->context_send(l->ctx, buf, (size_t)n, fds, nfds);
	int saved = errno;
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	if (ret < 0) {
		channel_log(l->pump->channel, "sending to the host failed: %s",
			    strerror(saved));
		return false;
	}
	return true;
}

static void
link_handle(struct pump_watch *w, uint32_t events)
{
	struct pump_link *l = w->link;
	bool ok = true;
	if (w->side == PUMP_SIDE_HOST) {
		if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			ok = host_readable(l);
	} else {
		if (ok && (events & EPOLLOUT))
			ok = host_to_guest_write(l);
		if (ok && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			ok = guest_readable(l);
	}
	if (!ok) {
		/* Other events of this batch may still name the link. */
		l->dead = true;
		return;
	}
	link_update_watches(l);
}

static void
destroy_dead_links(struct channel_pump *pump)
{
	struct pump_link *l, *tmp;
	wl_list_for_each_safe(l, tmp, &pump->links, link) {
		if (l->dead)
			link_destroy(l);
	}
}

static void
link_start(struct pump_link *l)
{
	wl_list_insert(&l->pump->links, &l->link);
	int answer_ms = l->ctx->channel->impl->limits.answer_ms;
	if (answer_ms > 0) {
		l->answering = true;
		l->answer_deadline = now_ms() + answer_ms;
	}
	if (!l->answering)
		watch_update(l, PUMP_SIDE_GUEST, EPOLLIN);
	watch_update(l, PUMP_SIDE_HOST, EPOLLIN);
	if ((!l->answering && !l->guest_events) || !l->host_events) {
		channel_log(l->pump->channel, "cannot watch a host connection: %s",
			    strerror(errno));
		link_destroy(l);
	}
}

/* Returns false when asked to stop. */
static bool
take_incoming(struct channel_pump *pump)
{
	uint64_t count;
	if (read(pump->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return false;
	struct wl_list taken;
	wl_list_init(&taken);
	pthread_mutex_lock(&pump->lock);
	bool stop = pump->stop;
	wl_list_insert_list(&taken, &pump->incoming);
	wl_list_init(&pump->incoming);
	pthread_mutex_unlock(&pump->lock);
	struct pump_link *l, *tmp;
	wl_list_for_each_safe(l, tmp, &taken, link)
		link_start(l);
	return !stop;
}

static void *
pump_thread(void *data)
{
	struct channel_pump *pump = data;
	struct epoll_event events[32];
	bool running = true;
	while (running) {
		int timeout = expire_answers(pump);
		destroy_dead_links(pump);
		int n = epoll_wait(pump->epoll_fd, events, 32, timeout);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			struct pump_watch *w = events[i].data.ptr;
			if (w == NULL)
				running = take_incoming(pump);
			else if (!w->link->dead)
				link_handle(w, events[i].events);
		}
		destroy_dead_links(pump);
	}
	return NULL;
}

/* Signals are the main loop's business (it may take SIGTERM through a
 * signalfd only later): the pump thread blocks them all from birth. */
static int
start_thread(struct channel_pump *pump)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int ret = pthread_create(&pump->thread, NULL, pump_thread, pump);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret != 0)
		errno = ret;
	return ret;
}

struct channel_pump *
channel_pump_create(struct channel *ch, char *err, size_t errlen)
{
	struct channel_pump *pump = calloc(1, sizeof(*pump));
	if (!pump) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pump->channel = ch;
	wl_list_init(&pump->links);
	wl_list_init(&pump->incoming);
	pthread_mutex_init(&pump->lock, NULL);
	pump->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	pump->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (pump->epoll_fd < 0 || pump->wake_fd < 0 ||
	    epoll_ctl(pump->epoll_fd, EPOLL_CTL_ADD, pump->wake_fd, &ev) < 0 ||
	    start_thread(pump) != 0) {
		snprintf(err, errlen, "cannot start the transport's pump: %s",
			 strerror(errno));
		if (pump->epoll_fd >= 0)
			close(pump->epoll_fd);
		if (pump->wake_fd >= 0)
			close(pump->wake_fd);
		pthread_mutex_destroy(&pump->lock);
		free(pump);
		return NULL;
	}
	return pump;
}

int
channel_pump_add(struct channel_pump *pump, struct channel_context *ctx)
{
	int sv[2];
	struct pump_link *l = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		goto fail_ctx;
	l = calloc(1, sizeof(*l));
	if (!l || fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0)
		goto fail_sock;
	l->pump = pump;
	l->ctx = ctx;
	l->host_fd = ctx->channel->impl->context_fd(ctx);
	l->sock = sv[0];
	l->host_watch = (struct pump_watch){ l, PUMP_SIDE_HOST };
	l->guest_watch = (struct pump_watch){ l, PUMP_SIDE_GUEST };

	/* From here on the link is the pump thread's. */
	pthread_mutex_lock(&pump->lock);
	wl_list_insert(pump->incoming.prev, &l->link);
	pthread_mutex_unlock(&pump->lock);
	uint64_t one = 1;
	if (write(pump->wake_fd, &one, sizeof(one)) < 0)
		channel_log(pump->channel, "cannot wake the pump: %s",
			    strerror(errno));
	return sv[1];

fail_sock:;
	int saved = errno;
	free(l);
	close(sv[0]);
	close(sv[1]);
	errno = saved;
fail_ctx:
	ctx->channel->impl->context_close(ctx);
	return -1;
}

void
channel_pump_destroy(struct channel_pump *pump)
{
	if (!pump)
		return;
	pthread_mutex_lock(&pump->lock);
	pump->stop = true;
	pthread_mutex_unlock(&pump->lock);
	uint64_t one = 1;
	if (write(pump->wake_fd, &one, sizeof(one)) < 0)
		channel_log(pump->channel, "cannot stop the pump: %s",
			    strerror(errno));
	pthread_join(pump->thread, NULL);
	struct pump_link *l, *tmp;
	wl_list_for_each_safe(l, tmp, &pump->incoming, link) {
		wl_list_remove(&l->link);
		wl_list_init(&l->link);
		l->host_events = l->guest_events = 0;
		link_destroy(l);
	}
	wl_list_for_each_safe(l, tmp, &pump->links, link)
		link_destroy(l);
	close(pump->wake_fd);
	close(pump->epoll_fd);
	pthread_mutex_destroy(&pump->lock);
	free(pump);
}
