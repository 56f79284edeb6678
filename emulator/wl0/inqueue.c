/*
 * In-buffer accounting and the device-wide stall; see inqueue.h.
 */
#include "inqueue.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctx.h"
#include "emu.h"
#include "log.h"
#include "loop.h"
#include "stream.h"

/* While stalled, how often to look whether the guest consumed. */
#define STALL_RECHECK_MS 5

struct inqueue {
	struct emu *emu;
	unsigned limit;
	unsigned upper; /* pinned messages, counted high until measured */
	bool stalled;
	int diag_fd;
	struct loop_timer *recheck;
};

int inqueue_init(struct emu *emu)
{
	if (emu->opt.in_buffers == 0)
		return 0;
	struct inqueue *q = calloc(1, sizeof(*q));
	if (!q)
		return -1;
	q->emu = emu;
	q->limit = emu->opt.in_buffers;
	q->diag_fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (q->diag_fd < 0) {
		log_msg("--in-buffers needs sock_diag: %m");
		free(q);
		return -1;
	}
	emu->inqueue = q;
	return 0;
}

void inqueue_finish(struct emu *emu)
{
	struct inqueue *q = emu->inqueue;
	if (!q)
		return;
	loop_cancel_timer(q->recheck);
	close(q->diag_fd);
	free(q);
	emu->inqueue = NULL;
}

bool inqueue_open(struct emu *emu)
{
	return !emu->inqueue || !emu->inqueue->stalled;
}

long inqueue_unread_socket(struct emu *emu, ino_t ino)
{
	struct inqueue *q = emu->inqueue;
	if (!q)
		return -1;
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} req = {
		.h = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST,
		},
		.r = {
			.sdiag_family = AF_UNIX,
			.udiag_states = ~0u,
			.udiag_ino = (uint32_t)ino,
			.udiag_show = UDIAG_SHOW_RQLEN,
			.udiag_cookie = { ~0u, ~0u },
		},
	};
	if (send(q->diag_fd, &req, sizeof(req), 0) < 0)
		return -1;
	char buf[1024] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t n = recv(q->diag_fd, buf, sizeof(buf), 0);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct unix_diag_msg)) ||
	    h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return -1;
	struct unix_diag_msg *m = NLMSG_DATA(h);
	struct rtattr *a = (struct rtattr *)(m + 1);
	int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == UNIX_DIAG_RQLEN) {
			struct unix_diag_rqlen rq;
			memcpy(&rq, RTA_DATA(a), sizeof(rq));
			return rq.udiag_rqueue;
		}
	}
	return -1;
}

static unsigned measure(struct emu *emu)
{
	unsigned pinned = 0;
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &emu->ctxs)
		pinned += ctx_pinned(ctx_from_link(pos));
	list_for_each_safe(pos, tmp, &emu->streams)
		pinned += stream_pinned(stream_from_link(pos));
	return pinned;
}

static void set_stalled(struct inqueue *q, bool stalled);

static void recheck(void *data)
{
	struct inqueue *q = data;
	q->recheck = NULL;
	q->upper = measure(q->emu);
	set_stalled(q, q->upper >= q->limit);
}

static void set_stalled(struct inqueue *q, bool stalled)
{
	if (stalled && !q->recheck)
		q->recheck = loop_add_timer(q->emu->sup.loop, STALL_RECHECK_MS, recheck, q);
	if (q->stalled == stalled)
		return;
	q->stalled = stalled;
	log_debug("in-buffers: %u of %u in use: host reading %s", q->upper, q->limit,
		  stalled ? "stalled" : "resumed");
	struct emu *emu = q->emu;
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &emu->ctxs)
		ctx_reading_changed(ctx_from_link(pos));
	list_for_each_safe(pos, tmp, &emu->streams)
		stream_reading_changed(stream_from_link(pos));
}

void inqueue_note(struct emu *emu, unsigned n)
{
	struct inqueue *q = emu->inqueue;
	if (!q)
		return;
	q->upper += n;
	if (q->upper < q->limit)
		return;
	q->upper = measure(emu);
	set_stalled(q, q->upper >= q->limit);
}

void inqueue_consumed(struct emu *emu)
{
	struct inqueue *q = emu->inqueue;
	if (!q || !q->stalled)
		return;
	q->upper = measure(emu);
	set_stalled(q, q->upper >= q->limit);
}
