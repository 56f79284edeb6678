/*
 * The cross-domain host; see xdomain.h.  Facts from device-abi.md D and
 * rutabaga's cross_domain (context.rs, worker.rs, protocol).
 */
#include "xdomain.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "stats.h"
#include "vg.h"
#include "virtgpu-abi.h"

/* A guest that has not POLLed again this long after an event while the
 * compositor has more for it: a missing POLL (a stall, not a speed). */
#define POLL_MISSING_MS 2000

enum item_kind {
	ITEM_TEMPLATE,   /* GET_IMAGE_REQUIREMENTS: kept forever */
	ITEM_BLOB,       /* compositor memory: one CREATE_BLOB */
	ITEM_READ_PIPE,  /* guest's guessed pipe: we read, READ events */
	ITEM_WRITE_PIPE, /* compositor's write pipe: WRITE goes there */
};

struct item {
	struct xd *xd;
	struct list link; /* xd.items */
	enum item_kind kind;
	uint32_t id;
	uint64_t size;
	int fd;
	bool read_only;
	struct loop_watch *w;
	/* WRITE_PIPE: bytes the compositor has not taken yet */
	uint8_t *out;
	size_t out_len;
	bool hang_up;
};

struct attached {
	struct list link;
	struct vg_res *res;
	unsigned refs;
};

struct xd {
	struct vg_file *file;
	struct vg *vg;
	bool inited;
	/* INIT could not connect to the compositor: rutabaga has no state
	 * for the context, answers nothing and never signals a POLL. */
	bool init_failed;
	struct vg_res *query_ring, *channel_ring;
	int sock;
	struct loop_watch *sock_w;
	bool sock_eof;
	struct vg_fence *polls; /* outstanding POLL fences, oldest first */
	unsigned outstanding;
	bool watching;
	uint32_t next_pipe_id;
	uint32_t next_item_id;
	struct list items;
	struct list attached;
	struct loop_timer *missing;
};

static void host_reject(struct xd *xd, struct call *c, const char *what,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void host_reject(struct xd *xd, struct call *c, const char *what,
			const char *fmt, ...)
{
	char reason[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	vg_stats_rejection(xd->vg->stats, c ? call_pid(c) : 0, what, VG_HOST_ERR,
			   "%s", reason);
}

/* ---- fences ---- */

void fence_signal(struct vg_fence *fence)
{
	for (unsigned i = 0; i < fence->nbos; i++)
		res_fence_done(fence->bos[i]);
	if (fence->event && fence->file)
		file_queue_event(fence->file);
	free(fence);
}

/* ---- attached resources (rutabaga's context_resources) ---- */

void xd_attach(struct xd *xd, struct vg_res *r)
{
	struct list *pos;
	list_for_each(pos, &xd->attached) {
		struct attached *a = list_entry(pos, struct attached, link);
		if (a->res == r) {
			a->refs++;
			return;
		}
	}
	struct attached *a = calloc(1, sizeof(*a));
	if (!a)
		return;
	a->res = r;
	a->refs = 1;
	list_append(&xd->attached, &a->link);
}

void xd_detach(struct xd *xd, struct vg_res *r)
{
	struct list *pos;
	list_for_each(pos, &xd->attached) {
		struct attached *a = list_entry(pos, struct attached, link);
		if (a->res == r) {
			if (--a->refs == 0) {
				list_remove(&a->link);
				free(a);
			}
			return;
		}
	}
}

static struct vg_res *attached_res(struct xd *xd, uint32_t id)
{
	struct list *pos;
	list_for_each(pos, &xd->attached) {
		struct attached *a = list_entry(pos, struct attached, link);
		if (a->res->id == id)
			return a->res;
	}
	return NULL;
}

/* ---- items ---- */

static struct item *item_new(struct xd *xd, enum item_kind kind, int fd)
{
	struct item *it = calloc(1, sizeof(*it));
	if (!it)
		return NULL;
	it->xd = xd;
	it->kind = kind;
	it->fd = fd;
	if (kind != ITEM_READ_PIPE)
		it->id = ++xd->next_item_id;
	list_append(&xd->items, &it->link);
	if (kind == ITEM_READ_PIPE || kind == ITEM_WRITE_PIPE)
		vg_stats_created(xd->vg->stats, VG_PIPES);
	return it;
}

static void item_free(struct item *it)
{
	loop_remove_fd(it->w);
	if (it->fd >= 0)
		close(it->fd);
	if (it->kind == ITEM_READ_PIPE || it->kind == ITEM_WRITE_PIPE)
		vg_stats_released(it->xd->vg->stats, VG_PIPES);
	list_remove(&it->link);
	free(it->out);
	free(it);
}

static struct item *item_find(struct xd *xd, enum item_kind kind, uint32_t id)
{
	struct list *pos;
	list_for_each(pos, &xd->items) {
		struct item *it = list_entry(pos, struct item, link);
		if (it->kind == kind && it->id == id)
			return it;
	}
	return NULL;
}

/* ---- the event loop: one event per POLL fence ---- */

static void update_watches(struct xd *xd);

static int ring_write(struct xd *xd, const void *buf, size_t len)
{
	struct vg_res *ring = xd->channel_ring;
	return file_window_write(xd->file, ring->offset, buf, len);
}

static bool source_ready(struct xd *xd)
{
	struct pollfd p[1 + 64];
	nfds_t n = 0;
	if (xd->sock >= 0 && !xd->sock_eof)
		p[n++] = (struct pollfd){ .fd = xd->sock, .events = POLLIN };
	struct list *pos;
	list_for_each(pos, &xd->items) {
		struct item *it = list_entry(pos, struct item, link);
		if (it->kind == ITEM_READ_PIPE && n < 65)
			p[n++] = (struct pollfd){ .fd = it->fd, .events = POLLIN };
	}
	return n > 0 && poll(p, n, 0) > 0;
}

static void missing_fire(void *data)
{
	struct xd *xd = data;
	xd->missing = NULL;
	if (xd->outstanding == 0 && !xd->vg->worker_dead && source_ready(xd)) {
		vg_stats_poll_missing(xd->vg->stats);
		log_msg("a context has had host data waiting %d ms after its last "
			"event without a POLL outstanding", POLL_MISSING_MS);
	}
}

/* The host wrote an event into the channel ring: signal the oldest POLL. */
static void event_done(struct xd *xd)
{
	struct vg_fence *f = xd->polls;
	xd->polls = f->next;
	xd->outstanding--;
	fence_signal(f);
	loop_cancel_timer(xd->missing);
	xd->missing = loop_add_timer(xd->vg->sup.loop, POLL_MISSING_MS,
				     missing_fire, xd);
	update_watches(xd);
}

/* What a compositor fd becomes; false: the host cannot pass it. */
static bool classify(struct xd *xd, int fd, uint32_t *type, uint64_t *size,
		     enum item_kind *kind)
{
	*size = 0;
	off_t end = lseek(fd, 0, SEEK_END);
	if (end >= 0) {
		*type = CROSS_DOMAIN_ID_TYPE_BLOB;
		*size = (uint64_t)end;
		*kind = ITEM_BLOB;
		return true;
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return false;
	int fl = fcntl(fd, F_GETFL);
	if (S_ISFIFO(st.st_mode) && fl >= 0 && (fl & O_ACCMODE) == O_WRONLY) {
		*type = xd->vg->opt.write_pipe_as_blob ? CROSS_DOMAIN_ID_TYPE_BLOB
						       : CROSS_DOMAIN_ID_TYPE_WRITE_PIPE;
		*kind = ITEM_WRITE_PIPE;
		return true;
	}
	*kind = ITEM_BLOB; /* nothing kept */
	if (S_ISSOCK(st.st_mode)) {
		*type = CROSS_DOMAIN_ID_TYPE_SOCKET;
		return true;
	}
	char path[64], target[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = 0;
		if (strcmp(target, "anon_inode:[eventfd]") == 0) {
			*type = CROSS_DOMAIN_ID_TYPE_EVENT;
			return true;
		}
	}
	return false;
}

static void stop_worker(struct xd *xd, int fd)
{
	char path[64], target[128] = "?";
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n > 0)
		target[n] = 0;
	host_reject(xd, NULL, "RECEIVE", "the compositor sent %s, which the host "
		    "cannot pass (only seekable memory, O_WRONLY pipes, sockets "
		    "and eventfds): the cross-domain worker stops", target);
	xd->vg->worker_dead = true;
}

static void receive_message(struct xd *xd)
{
	unsigned n_ids = xd->vg->opt.ids;
	size_t head = cross_domain_send_receive_size(n_ids);
	uint8_t buf[CROSS_DOMAIN_RING_SIZE];
	memset(buf, 0, head);
	union {
		char space[CMSG_SPACE(sizeof(int) * CROSS_DOMAIN_MAX_IDENTIFIERS)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = buf + head, .iov_len = sizeof(buf) - head };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.space,
		.msg_controllen = CMSG_SPACE(sizeof(int) * n_ids),
	};
	ssize_t got = recvmsg(xd->sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	int fds[CROSS_DOMAIN_MAX_IDENTIFIERS];
	unsigned nfds = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); got >= 0 && cm;
	     cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		unsigned k = (unsigned)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (unsigned i = 0; i < k && nfds < n_ids; i++)
			memcpy(&fds[nfds++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
	}
	if (got >= 0 && (msg.msg_flags & MSG_CTRUNC))
		log_msg("the compositor sent more than %u fds in one message: the "
			"host's recvmsg lost the rest", n_ids);
	struct cross_domain_send_receive_head *h = (void *)buf;
	h->hdr.cmd = CROSS_DOMAIN_CMD_RECEIVE;
	if (got <= 0 && nfds == 0) {
		/* EOF (or an error rutabaga treats alike). */
		xd->sock_eof = true;
		if (xd->vg->opt.no_eof_receive) {
			update_watches(xd);
			return;
		}
		ring_write(xd, buf, head);
		vg_stats_count(xd->vg->stats, VG_RECEIVES, 1);
		event_done(xd);
		return;
	}
	uint32_t *ids = cross_domain_ids(buf);
	uint32_t *types = cross_domain_id_types(buf, n_ids);
	uint32_t *sizes = cross_domain_id_sizes(buf, n_ids);
	for (unsigned i = 0; i < nfds; i++) {
		uint64_t size;
		enum item_kind kind;
		if (!classify(xd, fds[i], &types[i], &size, &kind)) {
			stop_worker(xd, fds[i]);
			for (unsigned j = 0; j < nfds; j++)
				close(fds[j]);
			update_watches(xd);
			return;
		}
		sizes[i] = (uint32_t)size;
		bool keep = types[i] == CROSS_DOMAIN_ID_TYPE_BLOB ||
			    kind == ITEM_WRITE_PIPE;
		struct item *it = item_new(xd, kind, keep ? fds[i] : -1);
		if (!keep)
			close(fds[i]);
		if (!it)
			continue;
		it->size = size;
		if (kind == ITEM_BLOB) {
			int fl = fcntl(it->fd, F_GETFL);
			int seals = fcntl(it->fd, F_GET_SEALS);
			it->read_only = (fl >= 0 && (fl & O_ACCMODE) == O_RDONLY) ||
					(seals > 0 && (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)));
		}
		ids[i] = it->id;
	}
	h->num_identifiers = nfds;
	h->opaque_data_size = (uint32_t)got;
	ring_write(xd, buf, head + (size_t)got);
	vg_stats_count(xd->vg->stats, VG_RECEIVES, 1);
	vg_stats_count(xd->vg->stats, VG_RECV_IDS, nfds);
	log_debug("RECEIVE %zd bytes, %u ids", got, nfds);
	event_done(xd);
}

static void handle_sock(void *data, uint32_t events)
{
	struct xd *xd = data;
	if (xd->outstanding && !xd->vg->worker_dead)
		receive_message(xd);
}

static void read_pipe_event(struct item *it)
{
	struct xd *xd = it->xd;
	uint8_t buf[CROSS_DOMAIN_RING_SIZE];
	struct cross_domain_read_write *rw = (void *)buf;
	memset(rw, 0, sizeof(*rw));
	ssize_t n = read(it->fd, buf + sizeof(*rw), CROSS_DOMAIN_READ_MAX);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	rw->hdr.cmd = CROSS_DOMAIN_CMD_READ;
	rw->identifier = it->id;
	rw->hang_up = n <= 0;
	rw->opaque_data_size = n > 0 ? (uint32_t)n : 0;
	ring_write(xd, buf, sizeof(*rw) + rw->opaque_data_size);
	vg_stats_count(xd->vg->stats, VG_READS, 1);
	if (rw->hang_up)
		item_free(it);
	event_done(xd);
}

static void handle_read_pipe(void *data, uint32_t events)
{
	struct item *it = data;
	if (it->xd->outstanding && !it->xd->vg->worker_dead)
		read_pipe_event(it);
}

/* The host reads only while a POLL waits: back-pressure otherwise. */
static void update_watches(struct xd *xd)
{
	bool on = xd->outstanding > 0 && !xd->vg->worker_dead;
	if (xd->sock_w)
		loop_update_fd(xd->sock_w, on && !xd->sock_eof ? EPOLLIN : 0);
	struct list *pos;
	list_for_each(pos, &xd->items) {
		struct item *it = list_entry(pos, struct item, link);
		if (it->kind == ITEM_READ_PIPE)
			loop_update_fd(it->w, on ? EPOLLIN : 0);
	}
}

/* ---- WRITE pipes ---- */

static void flush_write_pipe(struct item *it)
{
	while (it->out_len) {
		ssize_t n = write(it->fd, it->out, it->out_len);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			it->out_len = 0; /* the reader is gone */
			break;
		}
		memmove(it->out, it->out + n, it->out_len - (size_t)n);
		it->out_len -= (size_t)n;
	}
	if (!it->out_len && it->hang_up) {
		item_free(it);
		return;
	}
	loop_update_fd(it->w, it->out_len ? EPOLLOUT : 0);
}

static void handle_write_pipe(void *data, uint32_t events)
{
	flush_write_pipe(data);
}

/* ---- commands ---- */

static struct vg_res *ring_res(struct xd *xd, struct call *c, uint32_t id,
			       const char *which)
{
	struct vg_res *r = attached_res(xd, id);
	if (!r || r->blob_mem != VIRTGPU_BLOB_MEM_GUEST || r->owner != xd->file ||
	    r->size < CROSS_DOMAIN_RING_SIZE) {
		host_reject(xd, c, "INIT", "the %s ring %u is no GUEST blob of at "
			    "least a page in this context", which, id);
		return NULL;
	}
	return r;
}

static int host_connect(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

static void cmd_init(struct xd *xd, struct call *c, const uint8_t *cmd, size_t size)
{
	const struct cross_domain_header *hdr = (const void *)cmd;
	uint32_t query, channel, type;
	vg_stats_count(xd->vg->stats, VG_INITS, 1);
	if (xd->inited) {
		host_reject(xd, c, "INIT", "INIT twice on one context");
		return;
	}
	if (hdr->cmd_size == sizeof(struct cross_domain_init_legacy)) {
		const struct cross_domain_init_legacy *in = (const void *)cmd;
		query = channel = in->ring_id;
		type = in->channel_type;
	} else if (hdr->cmd_size == sizeof(struct cross_domain_init) ||
		   hdr->cmd_size == CROSS_DOMAIN_INIT_UUID_SIZE) {
		const struct cross_domain_init *in = (const void *)cmd;
		query = in->query_ring_id;
		channel = in->channel_ring_id;
		type = in->channel_type;
	} else {
		host_reject(xd, c, "INIT", "cmd_size %u: rutabaga takes exactly 16, 20 or 36",
			    hdr->cmd_size);
		return;
	}
	if (type != CROSS_DOMAIN_CHANNEL_TYPE_WAYLAND) {
		host_reject(xd, c, "INIT", "channel type %u: this host serves only "
			    "Wayland (1)", type);
		return;
	}
	xd->query_ring = ring_res(xd, c, query, "query");
	xd->channel_ring = xd->query_ring ? ring_res(xd, c, channel, "channel") : NULL;
	if (!xd->channel_ring)
		return;
	xd->sock = host_connect(xd->vg->opt.wayland_sock);
	if (xd->sock < 0) {
		host_reject(xd, c, "INIT", "cannot connect to %s: %s",
			    xd->vg->opt.wayland_sock, strerror(errno));
		xd->init_failed = true;
		return;
	}
	xd->sock_w = loop_add_fd(xd->vg->sup.loop, xd->sock, 0, handle_sock, xd);
	xd->inited = true;
	/* The rings stay the context's as long as it lives. */
	xd->query_ring->pins++;
	xd->channel_ring->pins++;
	log_debug("pid %d: INIT (%u bytes) rings %u/%u", (int)call_pid(c),
		  hdr->cmd_size, query, channel);
}

static uint32_t bytes_per_pixel(uint32_t fourcc)
{
	switch (fourcc) {
	case 0x20203852: /* R8 */
		return 1;
	case 0x34325241: /* AR24 */
	case 0x34325258: /* XR24 */
	case 0x34324241: /* AB24 */
	case 0x34324258: /* XB24 */
		return 4;
	default:
		return 0;
	}
}

static void cmd_image_requirements(struct xd *xd, struct call *c,
				   const uint8_t *cmd, size_t size)
{
	const struct cross_domain_get_image_requirements *q = (const void *)cmd;
	vg_stats_count(xd->vg->stats, VG_IMAGE_REQS, 1);
	uint32_t bpp = bytes_per_pixel(q->drm_format);
	if (!xd->inited || bpp == 0 || q->width == 0 || q->height == 0) {
		host_reject(xd, c, "GET_IMAGE_REQUIREMENTS", !xd->inited ?
			    "before INIT" : "format 0x%x %ux%u not supported",
			    q->drm_format, q->width, q->height);
		return;
	}
	struct cross_domain_image_requirements reqs;
	memset(&reqs, 0, sizeof(reqs));
	uint64_t stride = ((uint64_t)q->width * bpp + 3) & ~(uint64_t)3;
	reqs.strides[0] = (uint32_t)stride;
	reqs.size = (stride * q->height + 4095) & ~(uint64_t)4095;
	reqs.memory_idx = -1;
	reqs.physical_device_idx = -1;
	struct item *it = item_new(xd, ITEM_TEMPLATE, -1);
	if (!it)
		return;
	it->size = reqs.size;
	reqs.blob_id = it->id;
	file_window_write(xd->file, xd->query_ring->offset, &reqs, sizeof(reqs));
}

static void cmd_poll(struct xd *xd, struct call *c, struct vg_fence *fence)
{
	vg_stats_count(xd->vg->stats, VG_POLLS, 1);
	if (!xd->inited || fence->ring != CROSS_DOMAIN_CHANNEL_RING) {
		host_reject(xd, c, "POLL", !xd->inited ? "before INIT"
			    : "not submitted on ring 1 (RING_IDX)");
		fence_signal(fence);
		return;
	}
	if (xd->outstanding)
		host_reject(xd, c, "POLL", "a second POLL while one is outstanding: "
			    "the host may overwrite the channel ring before the "
			    "guest has read it");
	struct vg_fence **tail = &xd->polls;
	while (*tail)
		tail = &(*tail)->next;
	fence->next = NULL;
	*tail = fence;
	xd->outstanding++;
	vg_stats_polls_outstanding(xd->vg->stats, xd->outstanding);
	loop_cancel_timer(xd->missing);
	xd->missing = NULL;
	update_watches(xd);
}

/* The fd to pass for identifier i, or -1 after a rejection. */
static int send_identifier(struct xd *xd, struct call *c, uint32_t id,
			   uint32_t type, bool *had_pipe, struct item **pipe_out)
{
	if (type == CROSS_DOMAIN_ID_TYPE_BLOB) {
		struct vg_res *r = attached_res(xd, id);
		if (!r) {
			host_reject(xd, c, "SEND", "resource %u is not attached to this "
				    "context (no GEM handle in its DRM file)", id);
			return -1;
		}
		if (r->mem_fd < 0) {
			host_reject(xd, c, "SEND", "resource %u is guest memory: the host "
				    "has no handle to pass", id);
			return -1;
		}
		return fcntl(r->mem_fd, F_DUPFD_CLOEXEC, 0);
	}
	if (type == CROSS_DOMAIN_ID_TYPE_READ_PIPE) {
		if (*had_pipe) {
			host_reject(xd, c, "SEND", "a second pipe in one SEND");
			return -1;
		}
		if (id != xd->next_pipe_id) {
			host_reject(xd, c, "SEND", "pipe id 0x%x is a wrong guess "
				    "(the host's next is 0x%x)", id, xd->next_pipe_id);
			return -1;
		}
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		struct item *it = item_new(xd, ITEM_READ_PIPE, p[0]);
		if (!it) {
			close(p[0]);
			close(p[1]);
			return -1;
		}
		it->id = id;
		it->w = loop_add_fd(xd->vg->sup.loop, p[0], 0, handle_read_pipe, it);
		*had_pipe = true;
		*pipe_out = it;
		return p[1];
	}
	host_reject(xd, c, "SEND", "identifier type %u cannot be sent", type);
	return -1;
}

static void cmd_send(struct xd *xd, struct call *c, const uint8_t *cmd, size_t size)
{
	unsigned n_ids = xd->vg->opt.ids;
	size_t head = cross_domain_send_receive_size(n_ids);
	const struct cross_domain_send_receive_head *h = (const void *)cmd;
	vg_stats_count(xd->vg->stats, VG_SENDS, 1);
	if (!xd->inited) {
		host_reject(xd, c, "SEND", "before INIT");
		return;
	}
	if (size < head || h->hdr.cmd_size != head + h->opaque_data_size ||
	    h->hdr.cmd_size > size) {
		host_reject(xd, c, "SEND", "cmd_size %u for %u data bytes: the "
			    "identifier array has the wrong size (this host's N=%u "
			    "expects %zu + data)", h->hdr.cmd_size, h->opaque_data_size,
			    n_ids, head);
		return;
	}
	if (h->num_identifiers > n_ids) {
		host_reject(xd, c, "SEND", "%u identifiers, more than N=%u",
			    h->num_identifiers, n_ids);
		return;
	}
	uint32_t *ids = cross_domain_ids((void *)cmd);
	uint32_t *types = cross_domain_id_types((void *)cmd, n_ids);
	int fds[CROSS_DOMAIN_MAX_IDENTIFIERS];
	bool had_pipe = false;
	struct item *pipe = NULL;
	unsigned n = 0;
	for (; n < h->num_identifiers; n++) {
		fds[n] = send_identifier(xd, c, ids[n], types[n], &had_pipe, &pipe);
		if (fds[n] < 0)
			break;
	}
	if (n < h->num_identifiers) {
		for (unsigned i = 0; i < n; i++)
			close(fds[i]);
		if (pipe)
			item_free(pipe);
		return;
	}
	if (pipe) {
		xd->next_pipe_id++;
		/* rutabaga's worker watches a new read pipe at once, even while
		 * a POLL waits (its resample event): no later event is needed
		 * for the host to start reading it. */
		update_watches(xd);
	}
	union {
		char space[CMSG_SPACE(sizeof(int) * CROSS_DOMAIN_MAX_IDENTIFIERS)];
		struct cmsghdr align;
	} cbuf;
	memset(&cbuf, 0, sizeof(cbuf));
	struct iovec iov = { .iov_base = (void *)(cmd + head), .iov_len = h->opaque_data_size };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (n) {
		msg.msg_control = cbuf.space;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	}
	/* rutabaga's sendmsg blocks; so does ours. */
	if (xd->sock >= 0 && sendmsg(xd->sock, &msg, MSG_NOSIGNAL) < 0)
		log_debug("SEND: the compositor is gone (%m)");
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
	vg_stats_count(xd->vg->stats, VG_SEND_IDS, n);
	log_debug("pid %d: SEND %u bytes, %u ids", (int)call_pid(c),
		  h->opaque_data_size, n);
}

static void cmd_write(struct xd *xd, struct call *c, const uint8_t *cmd, size_t size)
{
	const struct cross_domain_read_write *rw = (const void *)cmd;
	vg_stats_count(xd->vg->stats, VG_WRITES, 1);
	if (size < sizeof(*rw) || rw->hdr.cmd_size != sizeof(*rw) + rw->opaque_data_size ||
	    rw->hdr.cmd_size > size) {
		host_reject(xd, c, "WRITE", "cmd_size %u for %u data bytes",
			    rw->hdr.cmd_size, rw->opaque_data_size);
		return;
	}
	struct item *it = item_find(xd, ITEM_WRITE_PIPE, rw->identifier);
	if (!it || it->hang_up) {
		host_reject(xd, c, "WRITE", "no write pipe %u", rw->identifier);
		return;
	}
	if (rw->opaque_data_size) {
		uint8_t *out = realloc(it->out, it->out_len + rw->opaque_data_size);
		if (!out)
			return;
		it->out = out;
		memcpy(it->out + it->out_len, cmd + sizeof(*rw), rw->opaque_data_size);
		it->out_len += rw->opaque_data_size;
	}
	it->hang_up = rw->hang_up != 0;
	if (!it->w) {
		fcntl(it->fd, F_SETFL, O_NONBLOCK);
		it->w = loop_add_fd(xd->vg->sup.loop, it->fd, 0, handle_write_pipe, it);
	}
	flush_write_pipe(it);
}

void xd_submit(struct xd *xd, struct call *c, const uint8_t *cmd, size_t size,
	       struct vg_fence *fence)
{
	const struct cross_domain_header *hdr = (const void *)cmd;
	if (size < sizeof(*hdr)) {
		host_reject(xd, c, "EXECBUFFER", "%zu bytes: no command header", size);
		fence_signal(fence);
		return;
	}
	static const size_t min_size[] = {
		[CROSS_DOMAIN_CMD_INIT] = sizeof(struct cross_domain_init_legacy),
		[CROSS_DOMAIN_CMD_GET_IMAGE_REQUIREMENTS] =
			sizeof(struct cross_domain_get_image_requirements),
		[CROSS_DOMAIN_CMD_POLL] = sizeof(struct cross_domain_poll),
		[CROSS_DOMAIN_CMD_SEND] = sizeof(struct cross_domain_send_receive_head),
		[CROSS_DOMAIN_CMD_WRITE] = sizeof(struct cross_domain_read_write),
	};
	if (hdr->cmd >= sizeof(min_size) / sizeof(min_size[0]) || !min_size[hdr->cmd] ||
	    size < min_size[hdr->cmd] || hdr->cmd_size > size) {
		host_reject(xd, c, "EXECBUFFER", "command %u with cmd_size %u in %zu "
			    "bytes", hdr->cmd, hdr->cmd_size, size);
		fence_signal(fence);
		return;
	}
	if (xd->vg->worker_dead && hdr->cmd != CROSS_DOMAIN_CMD_POLL) {
		fence_signal(fence);
		return;
	}
	if (xd->init_failed) {
		/* Already counted at INIT; a POLL's fence never signals. */
		if (hdr->cmd == CROSS_DOMAIN_CMD_POLL) {
			fence->next = xd->polls;
			xd->polls = fence;
		} else {
			fence_signal(fence);
		}
		return;
	}
	switch (hdr->cmd) {
	case CROSS_DOMAIN_CMD_INIT:
		cmd_init(xd, c, cmd, size);
		break;
	case CROSS_DOMAIN_CMD_GET_IMAGE_REQUIREMENTS:
		cmd_image_requirements(xd, c, cmd, size);
		break;
	case CROSS_DOMAIN_CMD_POLL:
		cmd_poll(xd, c, fence);
		return;
	case CROSS_DOMAIN_CMD_SEND:
		cmd_send(xd, c, cmd, size);
		break;
	case CROSS_DOMAIN_CMD_WRITE:
		cmd_write(xd, c, cmd, size);
		break;
	}
	fence_signal(fence);
}

int xd_create_blob(struct xd *xd, uint64_t blob_id, uint64_t size,
		   bool *read_only, char *why, size_t why_len)
{
	struct list *pos;
	list_for_each(pos, &xd->items) {
		struct item *it = list_entry(pos, struct item, link);
		if ((it->kind != ITEM_TEMPLATE && it->kind != ITEM_BLOB) ||
		    it->id != blob_id)
			continue;
		if (size != it->size) {
			snprintf(why, why_len, "size %llu, but blob_id %llu is %llu bytes",
				 (unsigned long long)size, (unsigned long long)blob_id,
				 (unsigned long long)it->size);
			return -EINVAL;
		}
		*read_only = it->read_only;
		if (it->kind == ITEM_BLOB) {
			int fd = it->fd;
			it->fd = -1;
			item_free(it); /* each received id works once */
			return fd;
		}
		int fd = memfd_create("cross-domain-blob", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
			if (fd >= 0)
				close(fd);
			snprintf(why, why_len, "cannot allocate %llu bytes",
				 (unsigned long long)size);
			return -ENOMEM;
		}
		fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
		return fd;
	}
	snprintf(why, why_len, "blob_id %llu is unknown to this context, or was "
		 "already used", (unsigned long long)blob_id);
	return -EINVAL;
}

/* ---- lifetime ---- */

struct xd *xd_create(struct vg_file *f)
{
	struct xd *xd = calloc(1, sizeof(*xd));
	if (!xd)
		return NULL;
	xd->file = f;
	xd->vg = f->vg;
	xd->sock = -1;
	xd->next_pipe_id = CROSS_DOMAIN_PIPE_ID_START;
	list_init(&xd->items);
	list_init(&xd->attached);
	return xd;
}

void xd_destroy(struct xd *xd)
{
	loop_cancel_timer(xd->missing);
	while (xd->polls) {
		struct vg_fence *f = xd->polls;
		xd->polls = f->next;
		f->event = false;
		fence_signal(f);
	}
	while (!list_empty(&xd->items))
		item_free(list_entry(xd->items.next, struct item, link));
	while (!list_empty(&xd->attached)) {
		struct attached *a = list_entry(xd->attached.next, struct attached, link);
		list_remove(&a->link);
		free(a);
	}
	loop_remove_fd(xd->sock_w);
	if (xd->sock >= 0)
		close(xd->sock);
	if (xd->inited) {
		xd->query_ring->pins--;
		xd->channel_ring->pins--;
		res_maybe_free(xd->query_ring);
		res_maybe_free(xd->channel_ring);
	}
	free(xd);
}
