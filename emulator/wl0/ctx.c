/*
 * Context vfds; see ctx.h.
 */
#include "ctx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "call.h"
#include "driver.h"
#include "emu.h"
#include "host.h"
#include "inqueue.h"
#include "log.h"
#include "loop.h"
#include "pending.h"
#include "stats.h"
#include "vfd.h"
#include "virtwl-abi.h"

/* Stop reading what the guest write(2)s while this much waits for the host. */
#define OUT_HIGH_WATER (1024 * 1024)
#define CONNECT_TIMEOUT_S 5

/* One compositor message that carried fds. */
struct ctx_msg {
	struct list link; /* ctx.msgs */
	uint64_t offset;  /* stream position of its first byte */
	uint64_t end;     /* ... and after its last */
	struct list vfds; /* vfd.queue_link: not yet received by the guest */
};

/* One sendmsg to the compositor, possibly partial. */
struct ctx_out {
	struct list link; /* ctx.out */
	uint8_t *data;
	size_t len, off;
	int fds[VIRTWL_SEND_MAX_ALLOCS];
	int nfds;         /* sent with the first byte, then closed */
	struct list waiter; /* the SEND's struct pending, if any */
};

struct ctx {
	struct vfd *vfd;
	struct list link; /* emu.ctxs */
	int host_fd; /* the compositor connection; -1 after its EOF */
	struct loop_watch *host_w;
	int peer_fd; /* our end of the guest's socketpair */
	struct loop_watch *peer_w;

	/* Compositor bytes read but not yet in the peer. */
	uint8_t *in;
	size_t in_head, in_len, in_cap;
	uint64_t in_total; /* bytes received from the compositor */
	uint64_t written;  /* bytes written into the peer */
	struct list msgs;
	/* --in-buffers: where each compositor message ends, oldest first. */
	uint64_t *ends;
	size_t ends_head, ends_len, ends_cap;

	struct list out;
	size_t out_bytes;

	/* The SEND being flushed right now, and how that went. */
	struct ctx_out *current;
	bool current_done, current_failed;

	bool host_eof;  /* the compositor hung up */
	bool peer_shut; /* ... and the guest was told */
	bool peer_eof;  /* the guest's write side ended */
	bool broken;    /* a sendmsg failed */
};

static void ctx_update(struct ctx *ctx);
static void fail_all_out(struct ctx *ctx, const char *why);

static const struct emu_socket *find_socket(struct emu *emu, const char *name)
{
	for (int i = 0; i < emu->opt.nsockets; i++)
		if (strcmp(emu->opt.sockets[i].name, name) == 0)
			return &emu->opt.sockets[i];
	return NULL;
}

static int connect_host(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* crosvm connects blocking; a full backlog must not hang us forever. */
	struct timeval tv = { .tv_sec = CONNECT_TIMEOUT_S };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	struct timeval zero = { 0 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &zero, sizeof(zero));
	return fd;
}

/* ---- compositor -> guest ---- */

static bool in_reserve(struct ctx *ctx, size_t more)
{
	if (ctx->in_head > 0) {
		memmove(ctx->in, ctx->in + ctx->in_head, ctx->in_len);
		ctx->in_head = 0;
	}
	if (ctx->in_len + more <= ctx->in_cap)
		return true;
	uint8_t *b = realloc(ctx->in, ctx->in_len + more);
	if (!b)
		return false;
	ctx->in = b;
	ctx->in_cap = ctx->in_len + more;
	return true;
}

/* The compositor is gone: crosvm queues VFD_HUP after the data. */
static void host_hang_up(struct ctx *ctx)
{
	if (ctx->host_eof)
		return;
	log_debug("vfd 0x%x: compositor hung up", ctx->vfd->id);
	ctx->host_eof = true;
	ctx->vfd->hup = true;
	loop_remove_fd(ctx->host_w);
	ctx->host_w = NULL;
	close(ctx->host_fd);
	ctx->host_fd = -1;
	fail_all_out(ctx, "the compositor closed the connection");
}

/* Bytes into the peer; the HUP follows once all are in. */
static void push_in(struct ctx *ctx)
{
	bool progress = false;
	while (ctx->in_len > 0 && !ctx->peer_shut) {
		ssize_t n = send(ctx->peer_fd, ctx->in + ctx->in_head, ctx->in_len,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN) /* the guest closed its end */
				ctx->in_len = 0;
			break;
		}
		ctx->in_head += (size_t)n;
		ctx->in_len -= (size_t)n;
		ctx->written += (uint64_t)n;
		progress = true;
	}
	if (ctx->host_eof && ctx->in_len == 0 && !ctx->peer_shut) {
		shutdown(ctx->peer_fd, SHUT_RDWR);
		ctx->peer_shut = true;
		/* A shut-down socket polls EPOLLHUP forever: stop watching. */
		loop_remove_fd(ctx->peer_w);
		ctx->peer_w = NULL;
		progress = true;
	}
	if (progress)
		vfd_wake(ctx->vfd);
}

static int collect_fds(struct msghdr *msg, int *fds)
{
	int n = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < count; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (n < VIRTWL_SEND_MAX_ALLOCS)
				fds[n++] = fd;
			else
				close(fd);
		}
	}
	return n;
}

/*
 * Turns the fds of one compositor message into host vfds.  Like crosvm,
 * a vfd that cannot be made (e.g. the window is full) loses the whole
 * message; false then.
 */
static bool queue_host_vfds(struct ctx *ctx, int *fds, int nfds, size_t len)
{
	struct ctx_msg *m = calloc(1, sizeof(*m));
	if (!m)
		goto fail;
	m->offset = ctx->in_total;
	m->end = ctx->in_total + len;
	list_init(&m->vfds);
	for (int i = 0; i < nfds; i++) {
		int err = 0;
		struct vfd *v = host_vfd_from_compositor(ctx->vfd->emu, fds[i], &err);
		fds[i] = -1;
		if (!v) {
			log_msg("vfd 0x%x: compositor fd refused (%s): message dropped, "
				"as crosvm drops it", ctx->vfd->id, strerror(err));
			for (int j = i + 1; j < nfds; j++)
				close(fds[j]);
			struct list *pos, *tmp;
			list_for_each_safe(pos, tmp, &m->vfds)
				vfd_release(list_entry(pos, struct vfd, queue_link));
			free(m);
			return false;
		}
		v->queued_on = ctx;
		list_append(&m->vfds, &v->queue_link);
		log_debug("vfd 0x%x: compositor sent vfd 0x%x (%s)", ctx->vfd->id,
			  v->id, vfd_kind_name(v->kind));
	}
	list_append(&ctx->msgs, &m->link);
	return true;
fail:
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	return false;
}

/* One more message holds an in-buffer until the guest consumed it. */
static void note_message_end(struct ctx *ctx)
{
	struct emu *emu = ctx->vfd->emu;
	if (!emu->inqueue)
		return;
	if (ctx->ends_head > 0 && ctx->ends_head + ctx->ends_len == ctx->ends_cap) {
		memmove(ctx->ends, ctx->ends + ctx->ends_head, ctx->ends_len * sizeof(uint64_t));
		ctx->ends_head = 0;
	}
	if (ctx->ends_len == ctx->ends_cap) {
		size_t cap = ctx->ends_cap ? ctx->ends_cap * 2 : 64;
		uint64_t *e = realloc(ctx->ends, cap * sizeof(uint64_t));
		if (!e)
			return;
		ctx->ends = e;
		ctx->ends_cap = cap;
	}
	ctx->ends[ctx->ends_head + ctx->ends_len++] = ctx->in_total;
	inqueue_note(emu, 1);
}

static void host_read(struct ctx *ctx)
{
	uint8_t buf[VIRTWL_HOST_RECV_MAX_BYTES];
	union {
		char space[CMSG_SPACE(sizeof(int) * VIRTWL_SEND_MAX_ALLOCS)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.space,
		.msg_controllen = sizeof(cbuf.space),
	};
	ssize_t n = recvmsg(ctx->host_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	int fds[VIRTWL_SEND_MAX_ALLOCS];
	int nfds = n < 0 ? 0 : collect_fds(&msg, fds);
	if (n <= 0 && nfds == 0) {
		host_hang_up(ctx);
		push_in(ctx);
		return;
	}
	if (nfds > 0 && !queue_host_vfds(ctx, fds, nfds, (size_t)n))
		return;
	if (!in_reserve(ctx, (size_t)n)) {
		log_msg("vfd 0x%x: out of memory: compositor bytes lost", ctx->vfd->id);
		return;
	}
	memcpy(ctx->in + ctx->in_head + ctx->in_len, buf, (size_t)n);
	ctx->in_len += (size_t)n;
	ctx->in_total += (uint64_t)n;
	note_message_end(ctx);
	push_in(ctx);
}

/* ---- guest -> compositor ---- */

static void out_free(struct ctx *ctx, struct ctx_out *o)
{
	if (o == ctx->current) {
		ctx->current = NULL;
		ctx->current_failed = !ctx->current_done;
	}
	list_remove(&o->link);
	ctx->out_bytes -= o->len - o->off;
	for (int i = 0; i < o->nfds; i++)
		close(o->fds[i]);
	pending_fail_list(&o->waiter, ENODEV, "the context went away");
	free(o->data);
	free(o);
}

static void out_done(struct ctx *ctx, struct ctx_out *o)
{
	if (o == ctx->current)
		ctx->current_done = true;
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &o->waiter) {
		struct pending *p = list_entry(pos, struct pending, owner_link);
		call_reply(p->call, 0);
		pending_free(p);
	}
	out_free(ctx, o);
}

static void fail_all_out(struct ctx *ctx, const char *why)
{
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &ctx->out) {
		struct ctx_out *o = list_entry(pos, struct ctx_out, link);
		pending_fail_list(&o->waiter, ENODEV, why);
		out_free(ctx, o);
	}
}

/* Sends o's remaining bytes; true when it is all gone. */
static int send_one(struct ctx *ctx, struct ctx_out *o)
{
	union {
		char space[CMSG_SPACE(sizeof(int) * VIRTWL_SEND_MAX_ALLOCS)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = o->data + o->off, .iov_len = o->len - o->off };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (o->nfds > 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.space;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)o->nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)o->nfds);
		memcpy(CMSG_DATA(c), o->fds, sizeof(int) * (size_t)o->nfds);
	}
	ssize_t n = sendmsg(ctx->host_fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	/* The fds went with the first byte (or were dropped with len 0). */
	for (int i = 0; i < o->nfds; i++)
		close(o->fds[i]);
	o->nfds = 0;
	o->off += (size_t)n;
	ctx->out_bytes -= (size_t)n;
	return o->off == o->len ? 1 : 0;
}

static void flush_out(struct ctx *ctx)
{
	while (!list_empty(&ctx->out)) {
		struct ctx_out *o = list_entry(ctx->out.next, struct ctx_out, link);
		if (ctx->host_fd < 0 || ctx->broken) {
			fail_all_out(ctx, "the compositor connection is gone");
			break;
		}
		int r = send_one(ctx, o);
		if (r == 0)
			break;
		if (r < 0) {
			/* crosvm: a failed sendmsg is RESP_ERR, i.e. ENODEV. */
			char why[128];
			snprintf(why, sizeof(why), "host sendmsg failed: %s", strerror(-r));
			ctx->broken = true;
			fail_all_out(ctx, why);
			break;
		}
		out_done(ctx, o);
	}
	ctx_update(ctx);
}

static struct ctx_out *out_append(struct ctx *ctx, uint8_t *data, size_t len)
{
	struct ctx_out *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->data = data;
	o->len = len;
	list_init(&o->waiter);
	list_append(&ctx->out, &o->link);
	ctx->out_bytes += len;
	return o;
}

/* What the guest wrote with write(2): a SEND without fds each. */
static bool read_peer_once(struct ctx *ctx)
{
	uint8_t buf[65536];
	union {
		char space[CMSG_SPACE(sizeof(int) * 253)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = 65536 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.space,
		.msg_controllen = sizeof(cbuf.space),
	};
	ssize_t n = recvmsg(ctx->peer_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	int fds[VIRTWL_SEND_MAX_ALLOCS];
	int nfds = n > 0 ? collect_fds(&msg, fds) : 0;
	if (nfds > 0 || (msg.msg_flags & MSG_CTRUNC)) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		stats_violation(ctx->vfd->emu->stats, 0, "sendmsg",
				"fds sent with sendmsg(2) on context vfd 0x%x: the real "
				"vfd is not a socket (ENOTSOCK); fds dropped",
				ctx->vfd->id);
	}
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			ctx->peer_eof = true;
		return false;
	}
	uint8_t *copy = malloc((size_t)n);
	if (!copy)
		return false;
	memcpy(copy, buf, (size_t)n);
	if (!out_append(ctx, copy, (size_t)n)) {
		free(copy);
		return false;
	}
	return true;
}

static void handle_peer(void *data, uint32_t events)
{
	struct ctx *ctx = data;
	if (events & EPOLLOUT)
		push_in(ctx);
	if (ctx->peer_shut)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (!ctx->peer_eof && ctx->out_bytes < OUT_HIGH_WATER)
			read_peer_once(ctx);
		flush_out(ctx);
	}
	ctx_update(ctx);
}

static void handle_host(void *data, uint32_t events)
{
	struct ctx *ctx = data;
	if (events & EPOLLOUT)
		flush_out(ctx);
	/*
	 * EPOLLHUP is reported whatever we ask for: a hung-up compositor is
	 * drained to its EOF even while the guest is behind, or this would
	 * spin.  What it still had queued is bounded by its socket buffer.
	 */
	bool hup = events & (EPOLLHUP | EPOLLERR);
	if (ctx->host_fd >= 0 &&
	    (hup || ((events & EPOLLIN) && ctx->in_len == 0 && inqueue_open(ctx->vfd->emu))))
		host_read(ctx);
	ctx_update(ctx);
}

static void ctx_update(struct ctx *ctx)
{
	if (ctx->host_w) {
		uint32_t ev = 0;
		if (ctx->in_len == 0 && inqueue_open(ctx->vfd->emu))
			ev |= EPOLLIN;
		if (!list_empty(&ctx->out))
			ev |= EPOLLOUT;
		loop_update_fd(ctx->host_w, ev);
	}
	if (ctx->peer_w) {
		uint32_t ev = 0;
		if (ctx->in_len > 0)
			ev |= EPOLLOUT;
		if (!ctx->peer_eof && ctx->out_bytes < OUT_HIGH_WATER)
			ev |= EPOLLIN;
		/* A guest that closed its end polls EPOLLHUP: nothing to do
		 * until the close event releases the vfd. */
		if (ctx->peer_eof && ctx->in_len == 0) {
			loop_remove_fd(ctx->peer_w);
			ctx->peer_w = NULL;
			return;
		}
		loop_update_fd(ctx->peer_w, ev);
	}
}

/* ---- lifetime ---- */

struct vfd *ctx_connect(struct emu *emu, const char *name, int *err,
			char *why, size_t why_len)
{
	struct vfd *v = vfd_new(emu, VFD_CTX, false);
	if (!v) {
		*err = errno;
		snprintf(why, why_len, "no free vfd id (2047 guest vfds live)");
		return NULL;
	}
	const struct emu_socket *sock = find_socket(emu, name);
	int host = -ENOENT;
	if (sock)
		host = connect_host(sock->path);
	int sp[2] = { -1, -1 };
	struct ctx *ctx = NULL;
	if (host >= 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0)
		ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		*err = ENODEV;
		if (!sock)
			snprintf(why, why_len, "no --wayland-sock named \"%s\"", name);
		else if (host < 0)
			snprintf(why, why_len, "connect to %s: %s", sock->path,
				 strerror(-host));
		else
			snprintf(why, why_len, "out of resources");
		if (host >= 0)
			close(host);
		if (sp[0] >= 0) {
			close(sp[0]);
			close(sp[1]);
		}
		vfd_release(v);
		return NULL;
	}
	ctx->vfd = v;
	v->ctx = ctx;
	list_append(&emu->ctxs, &ctx->link);
	list_init(&ctx->msgs);
	list_init(&ctx->out);
	ctx->host_fd = host;
	ctx->peer_fd = sp[1];
	fcntl(host, F_SETFL, fcntl(host, F_GETFL) | O_NONBLOCK);
	fcntl(sp[1], F_SETFL, fcntl(sp[1], F_GETFL) | O_NONBLOCK);
	ctx->host_w = loop_add_fd(emu->sup.loop, host, EPOLLIN, handle_host, ctx);
	ctx->peer_w = loop_add_fd(emu->sup.loop, sp[1], EPOLLIN, handle_peer, ctx);
	vfd_set_guest_object(v, sp[0]);
	return v;
}

void ctx_forget_queued(struct ctx *ctx, struct vfd *v)
{
	list_remove(&v->queue_link);
	v->queued_on = NULL;
}

void ctx_destroy(struct ctx *ctx)
{
	if (!ctx)
		return;
	/* crosvm's CLOSE also closes the host vfds queued for this vfd. */
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &ctx->msgs) {
		struct ctx_msg *m = list_entry(pos, struct ctx_msg, link);
		struct list *vpos, *vtmp;
		list_for_each_safe(vpos, vtmp, &m->vfds)
			vfd_release(list_entry(vpos, struct vfd, queue_link));
		list_remove(&m->link);
		free(m);
	}
	list_for_each_safe(pos, tmp, &ctx->out)
		out_free(ctx, list_entry(pos, struct ctx_out, link));
	loop_remove_fd(ctx->host_w);
	loop_remove_fd(ctx->peer_w);
	if (ctx->host_fd >= 0)
		close(ctx->host_fd);
	close(ctx->peer_fd);
	list_remove(&ctx->link);
	free(ctx->ends);
	free(ctx->in);
	ctx->vfd->ctx = NULL;
	free(ctx);
}

int ctx_payload_check(const struct vfd *v)
{
	return v->ctx && v->ctx->host_fd >= 0 ? 0 : -EINVAL;
}

int ctx_payload_fd(struct vfd *v)
{
	if (!v->ctx || v->ctx->host_fd < 0)
		return -EINVAL;
	int fd = fcntl(v->ctx->host_fd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -EMFILE : fd;
}

static int ctx_send_refuse(uint8_t *data, int *fds, int nfds, int err)
{
	free(data);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	return err;
}

int ctx_send(struct vfd *v, struct call *c, int guest_fd, uint8_t *data,
	     size_t len, int *fds, int nfds)
{
	struct ctx *ctx = v->ctx;
	/* After the compositor's EOF crosvm has no socket: INVALID_TYPE. */
	if (ctx->host_fd < 0)
		return ctx_send_refuse(data, fds, nfds, -EINVAL);
	if (ctx->broken)
		return ctx_send_refuse(data, fds, nfds, -ENODEV);
	/* What the guest wrote with write(2) before this SEND goes first. */
	while (!ctx->peer_eof && !ctx->peer_shut && read_peer_once(ctx))
		;
	struct ctx_out *o = out_append(ctx, data, len);
	if (!o)
		return ctx_send_refuse(data, fds, nfds, -ENOMEM);
	memcpy(o->fds, fds, sizeof(int) * (size_t)nfds);
	o->nfds = nfds;
	ctx->current = o;
	ctx->current_done = ctx->current_failed = false;
	flush_out(ctx);
	ctx->current = NULL;
	if (ctx->current_done)
		return 0;
	if (ctx->current_failed)
		return -ENODEV;
	/* The host is behind: answer once o is sent, like crosvm's sendmsg. */
	struct pending *p = pending_new(&v->emu->sup, c, guest_fd, v, &o->waiter);
	if (!p)
		return -ENOMEM;
	p->what = "SEND";
	return 1;
}

/* The queued vfds that become the guest's after `consumed` bytes. */
static int take_vfds(struct ctx *ctx, uint64_t consumed, struct vfd **out)
{
	int n = 0;
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &ctx->msgs) {
		struct ctx_msg *m = list_entry(pos, struct ctx_msg, link);
		if (m->offset >= consumed)
			break;
		struct list *vpos, *vtmp;
		list_for_each_safe(vpos, vtmp, &m->vfds) {
			if (n == VIRTWL_SEND_MAX_ALLOCS)
				return n;
			out[n++] = list_entry(vpos, struct vfd, queue_link);
		}
	}
	return n;
}

static void drop_empty_msgs(struct ctx *ctx)
{
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &ctx->msgs) {
		struct ctx_msg *m = list_entry(pos, struct ctx_msg, link);
		if (!list_empty(&m->vfds))
			break;
		list_remove(&m->link);
		free(m);
	}
}

int ctx_recv(struct vfd *v, struct call *c, int guest_fd, uint64_t txn,
	     uint32_t len)
{
	struct ctx *ctx = v->ctx;
	int avail = 0;
	if (ioctl(guest_fd, FIONREAD, &avail) < 0 || avail < 0)
		avail = 0;
	uint64_t consumed = ctx->written - (uint64_t)avail;
	size_t want = (size_t)avail < len ? (size_t)avail : len;
	struct vfd *vfds[VIRTWL_SEND_MAX_ALLOCS];
	int nvfds = take_vfds(ctx, consumed + want, vfds);
	if (want == 0 && nvfds == 0) {
		if (!ctx->peer_shut)
			return -EAGAIN;
		/* EOF: len 0 and no fds. */
		int r = driver_recv_write(c, txn, NULL, 0, NULL, 0);
		if (r == 0)
			driver_recv_answer(c, 0, 0);
		return r == -ESRCH ? 0 : r;
	}
	uint8_t *buf = malloc(want ? want : 1);
	if (!buf)
		return -ENOMEM;
	/* Peeked, and consumed only once the guest's txn holds the bytes. */
	ssize_t got = want ? recv(guest_fd, buf, want, MSG_PEEK | MSG_DONTWAIT) : 0;
	if (got < 0)
		got = 0;
	/* The guest's read(2) may have raced us: recount the vfds. */
	if ((size_t)got < want)
		nvfds = take_vfds(ctx, consumed + (uint64_t)got, vfds);
	int fds[VIRTWL_SEND_MAX_ALLOCS];
	int nfds = 0, r = 0;
	for (int i = 0; i < nvfds; i++) {
		int fd = vfd_deliver(vfds[i], c);
		if (fd < 0) {
			r = fd;
			break;
		}
		ctx_forget_queued(ctx, vfds[i]);
		fds[nfds++] = fd;
	}
	drop_empty_msgs(ctx);
	if (r == 0)
		r = driver_recv_write(c, txn, fds, nfds, buf, (uint32_t)got);
	if (r == 0) {
		if (got > 0 && recv(guest_fd, buf, (size_t)got, MSG_DONTWAIT) != got)
			log_msg("vfd 0x%x: the guest read its context while RECV ran",
				v->id);
		driver_recv_answer(c, (uint32_t)got, nfds);
	}
	free(buf);
	return r == -ESRCH ? 0 : r;
}

/* ---- in-buffers ---- */

struct ctx *ctx_from_link(struct list *link)
{
	return list_entry(link, struct ctx, link);
}

/*
 * Messages holding an in-buffer: bytes the guest has not consumed, or
 * consumed with vfds it has not received yet.
 */
unsigned ctx_pinned(struct ctx *ctx)
{
	if (ctx->ends_len == 0 && list_empty(&ctx->msgs))
		return 0;
	long unread = inqueue_unread_socket(ctx->vfd->emu, ctx->vfd->ino);
	if (unread < 0)
		return 0; /* the guest's end is gone: the release follows */
	uint64_t consumed = ctx->written - (uint64_t)unread;
	while (ctx->ends_len > 0 && ctx->ends[ctx->ends_head] <= consumed) {
		ctx->ends_head++;
		ctx->ends_len--;
	}
	unsigned pinned = (unsigned)ctx->ends_len;
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &ctx->msgs) {
		struct ctx_msg *m = list_entry(pos, struct ctx_msg, link);
		if (m->end <= consumed)
			pinned++;
	}
	return pinned;
}

void ctx_reading_changed(struct ctx *ctx)
{
	ctx_update(ctx);
}
