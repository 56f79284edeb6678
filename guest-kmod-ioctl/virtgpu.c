/*
 * The virtgpu transport: virtio-gpu's cross-domain context (capset 5),
 * how guests on mainline kernels reach the host compositor (crosvm
 * --gpu context-types=cross-domain, QEMU virtio-gpu-rutabaga, libkrun).
 * The rules of the driver and of rutabaga (device-abi.md D, virtgpu-abi.h)
 * are kept here and nowhere else:
 *  - one DRM fd and one cross-domain context per guest client, two GUEST
 *    rings (query, channel) mapped at their MAP offsets, INIT, then
 *    exactly one POLL outstanding: one event per fence;
 *  - fds cross as identifiers: host memory as blob resource ids (the
 *    copy engine's buffers are HOST3D blobs made from cached image
 *    requirements and mapped through their PRIME fds), guest read pipes
 *    with the guessed ids rutabaga expects, the host's write pipes as
 *    local pipes drained with WRITE;
 *  - the identifier array has the host's size N (4 or 28, no negotiation)
 *    and a message with more fds than N is split, its fds ahead of bytes.
 *
 * A context's pollable fd is an epoll set of our own over its DRM fd (fence
 * events) and the local pipes it drains or fills, so the pump needs to
 * know nothing of this.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wayland-util.h>

#include "channel.h"
#include "virtgpu-abi.h"
#include "virtgpu-drm.h"

/* How long a new context waits for the compositor to answer its first
 * round trip: rutabaga gives the guest no sign that INIT could not connect
 * (the POLL then never completes), so silence is how a missing host shows. */
#define HOST_ANSWER_MS 2000

#define FORMAT_R8 0x20203852u
/* READ data held for a guest pipe whose reader is slow: beyond this the
 * context stops POLLing until it drains, so the host stops reading the
 * compositor's pipe (back-pressure instead of an unbounded buffer). */
#define PIPE_HOLD_MAX ((size_t)256 << 10)

struct reqs_entry {
	struct wl_list link;
	uint32_t width;
	uint32_t blob_id;
	uint64_t size;
};


struct virtgpu_channel {
	struct channel base;
	char device[256];
	unsigned ids; /* identifier-array size N */
	/* Allocations: a context of their own, on the main thread. */
	pthread_mutex_t alloc_lock;
	struct vgdrm_file alloc;
	bool alloc_ready;
	struct wl_list reqs; /* struct reqs_entry: rutabaga keeps each
			      * template forever, so one query per width */
};

/* A pipe the context fills (READ) or drains (WRITE). */
struct vg_pipe {
	struct wl_list link;
	uint32_t id;
	int fd;
	bool to_host;   /* WRITE_PIPE: we read fd, send WRITE */
	uint8_t *out;   /* READ data the guest's pipe has not taken */
	size_t out_len;
	bool hang_up;   /* close once out is written */
	uint32_t events;
};

struct virtgpu_context {
	struct channel_context base;
	struct vgdrm_file xf;
	int ep; /* the pollable fd: DRM fd + pipes */
	uint32_t next_pipe_id;
	struct wl_list pipes;
	bool hung_up;
	bool poll_deferred; /* a guest pipe is full: POLL once it drains */
	bool hup_pending;   /* the host hung up; guest pipes still draining */
};

/* ---- contexts ---- */

static void
pipe_free(struct virtgpu_context *ctx, struct vg_pipe *p)
{
	epoll_ctl(ctx->ep, EPOLL_CTL_DEL, p->fd, NULL);
	close(p->fd);
	free(p->out);
	wl_list_remove(&p->link);
	free(p);
}

static void
pipe_watch(struct virtgpu_context *ctx, struct vg_pipe *p, uint32_t events)
{
	if (p->events == events)
		return;
	struct epoll_event ev = { .events = events, .data.ptr = p };
	int op = !p->events ? EPOLL_CTL_ADD : !events ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
	epoll_ctl(ctx->ep, op, p->fd, &ev);
	p->events = events;
}

static struct vg_pipe *
pipe_add(struct virtgpu_context *ctx, uint32_t id, int fd, bool to_host)
{
	struct vg_pipe *p = calloc(1, sizeof(*p));
	if (!p) {
		close(fd);
		return NULL;
	}
	p->id = id;
	p->fd = fd;
	p->to_host = to_host;
	wl_list_insert(ctx->pipes.prev, &p->link);
	if (to_host)
		pipe_watch(ctx, p, EPOLLIN);
	return p;
}

static int send_chunk(struct virtgpu_context *ctx, unsigned n_ids, const uint8_t *data,
		      size_t len, const uint32_t *ids, const uint32_t *types,
		      unsigned nids);

/*
 * rutabaga's INIT succeeds whether or not it reached a compositor, so a
 * context proves itself: wl_display.sync with new id 2, whose done and
 * wl_display.delete_id(2) (which frees id 2 for libwayland-client's first
 * new object) the pump awaits and consumes before anything of the guest
 * goes through (channel.h, answer_ms).  Nothing waits here.
 */
static int
host_handshake_start(struct virtgpu_context *ctx, unsigned n_ids, char *err,
		     size_t errlen)
{
	static const uint32_t sync[3] = { 1, (12u << 16) | 0, 2 };
	if (send_chunk(ctx, n_ids, (const uint8_t *)sync, sizeof(sync), NULL, NULL, 0) < 0) {
		snprintf(err, errlen, "cross-domain: SEND failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static struct channel_context *
virtgpu_open_context(struct channel *ch, char *err, size_t errlen)
{
	struct virtgpu_channel *vc = (struct virtgpu_channel *)ch;
	struct virtgpu_context *ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	wl_list_init(&ctx->pipes);
	ctx->next_pipe_id = CROSS_DOMAIN_PIPE_ID_START;
	ctx->ep = epoll_create1(EPOLL_CLOEXEC);
	if (ctx->ep < 0 || vgdrm_file_open(&ctx->xf, vc->device, err, errlen) < 0)
		goto fail;
	fcntl(ctx->xf.drm, F_SETFL, O_NONBLOCK);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (epoll_ctl(ctx->ep, EPOLL_CTL_ADD, ctx->xf.drm, &ev) < 0 ||
	    vgdrm_poll(&ctx->xf) < 0) {
		snprintf(err, errlen, "cross-domain: cannot wait for the host: %s",
			 strerror(errno));
		goto fail;
	}
	ctx->base.channel = ch;
	if (host_handshake_start(ctx, vc->ids, err, errlen) < 0) {
		epoll_ctl(ctx->ep, EPOLL_CTL_DEL, ctx->xf.drm, NULL);
		close(ctx->ep);
		vgdrm_file_close(&ctx->xf);
		free(ctx);
		return NULL;
	}
	return &ctx->base;
fail:
	if (ctx->ep >= 0) {
		if (ctx->xf.drm > 0)
			epoll_ctl(ctx->ep, EPOLL_CTL_DEL, ctx->xf.drm, NULL);
		close(ctx->ep);
	}
	if (ctx->xf.drm > 0)
		vgdrm_file_close(&ctx->xf);
	free(ctx);
	return NULL;
}

static int
virtgpu_context_fd(struct channel_context *base)
{
	return ((struct virtgpu_context *)base)->ep;
}

/* What an fd the guest side sends becomes: a blob id (with the GEM handle
 * to close after the submit) or a guessed read-pipe id. */
static int
translate_fd(struct virtgpu_context *ctx, int fd, uint32_t *id, uint32_t *type,
	     uint32_t *handle, struct vg_pipe **pipe)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	int fl = fcntl(fd, F_GETFL);
	if (S_ISFIFO(st.st_mode) && (fl & O_ACCMODE) == O_WRONLY) {
		if (*pipe) {
			errno = EINVAL; /* rutabaga takes one pipe per SEND */
			return -1;
		}
		int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (dup_fd < 0)
			return -1;
		fcntl(dup_fd, F_SETFL, O_NONBLOCK);
		*pipe = pipe_add(ctx, ctx->next_pipe_id, dup_fd, false);
		if (!*pipe)
			return -1;
		*id = ctx->next_pipe_id;
		*type = CROSS_DOMAIN_ID_TYPE_READ_PIPE;
		return 0;
	}
	/* Host memory: a dma-buf of one of our blobs.  The handle attaches
	 * the resource to this context; it must live until the submit. */
	struct drm_prime_handle ph = { .fd = fd };
	if (vgdrm_ioctl(ctx->xf.drm, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph) < 0)
		return -1; /* a memfd or anything else: the host has no handle */
	struct virtgpu_resource_info ri = { .bo_handle = ph.handle };
	if (vgdrm_ioctl(ctx->xf.drm, VIRTGPU_IOCTL_RESOURCE_INFO, &ri) < 0) {
		vgdrm_gem_close(ctx->xf.drm, ph.handle);
		return -1;
	}
	*handle = ph.handle;
	*id = ri.res_handle;
	*type = CROSS_DOMAIN_ID_TYPE_BLOB;
	return 0;
}

static int
send_chunk(struct virtgpu_context *ctx, unsigned n_ids, const uint8_t *data,
	   size_t len, const uint32_t *ids, const uint32_t *types, unsigned nids)
{
	size_t head = cross_domain_send_receive_size(n_ids);
	uint8_t buf[CROSS_DOMAIN_RING_SIZE];
	memset(buf, 0, head);
	struct cross_domain_send_receive_head *h = (void *)buf;
	h->hdr.cmd = CROSS_DOMAIN_CMD_SEND;
	h->hdr.cmd_size = (uint16_t)(head + len);
	h->num_identifiers = nids;
	h->opaque_data_size = (uint32_t)len;
	for (unsigned i = 0; i < nids; i++) {
		cross_domain_ids(buf)[i] = ids[i];
		cross_domain_id_types(buf, n_ids)[i] = types[i];
	}
	if (len)
		memcpy(buf + head, data, len);
	return vgdrm_submit(ctx->xf.drm, buf, (uint32_t)(head + len), NULL, -1);
}

static int
virtgpu_context_send(struct channel_context *base, const void *data, size_t len,
		     const int *fds, int nfds)
{
	struct virtgpu_context *ctx = (struct virtgpu_context *)base;
	struct virtgpu_channel *vc = (struct virtgpu_channel *)base->channel;
	unsigned n_ids = vc->ids;
	size_t max = cross_domain_receive_max(n_ids);
	uint32_t ids[CHANNEL_MAX_FDS], types[CHANNEL_MAX_FDS], handles[CHANNEL_MAX_FDS];
	struct vg_pipe *pipe = NULL;
	int ret = 0, n = 0;
	for (; n < nfds; n++) {
		handles[n] = 0;
		if (translate_fd(ctx, fds[n], &ids[n], &types[n], &handles[n], &pipe) < 0) {
			channel_log(base->channel, "cross-domain: fd %d of a message "
				    "cannot cross (only our host buffers and pipe write "
				    "ends can): %s", fds[n], strerror(errno));
			ret = -1;
			break;
		}
	}
	if (ret == 0 && pipe)
		ctx->next_pipe_id++;
	/* A message's fds never after its bytes: more fds than N go ahead
	 * in chunks of one byte each. */
	const uint8_t *p = data;
	int sent_ids = 0;
	while (ret == 0 && (len > 0 || sent_ids < n)) {
		unsigned k = (unsigned)(n - sent_ids) < n_ids ? (unsigned)(n - sent_ids) : n_ids;
		size_t chunk = len < max ? len : max;
		if (sent_ids + (int)k < n && chunk > 1)
			chunk = 1;
		if (send_chunk(ctx, n_ids, p, chunk, ids + sent_ids, types + sent_ids,
			       k) < 0)
			ret = -1;
		sent_ids += (int)k;
		p += chunk;
		len -= chunk;
	}
	int saved = errno;
	for (int i = 0; i < n; i++)
		if (handles[i])
			vgdrm_gem_close(ctx->xf.drm, handles[i]);
	if (ret < 0 && pipe)
		pipe_free(ctx, pipe);
	errno = saved;
	return ret;
}

/* ---- host → guest ---- */

static void
send_write(struct virtgpu_context *ctx, uint32_t id, const void *data, size_t len,
	   bool hang_up)
{
	uint8_t buf[CROSS_DOMAIN_RING_SIZE];
	struct cross_domain_read_write *w = (void *)buf;
	memset(w, 0, sizeof(*w));
	w->hdr.cmd = CROSS_DOMAIN_CMD_WRITE;
	w->hdr.cmd_size = (uint16_t)(sizeof(*w) + len);
	w->identifier = id;
	w->hang_up = hang_up;
	w->opaque_data_size = (uint32_t)len;
	if (len)
		memcpy(buf + sizeof(*w), data, len);
	if (vgdrm_submit(ctx->xf.drm, buf, (uint32_t)(sizeof(*w) + len), NULL, -1) < 0)
		channel_log(ctx->base.channel, "cross-domain: WRITE failed: %s",
			    strerror(errno));
}

/* A host write pipe's local read end has data (or EOF): one WRITE. */
static void
drain_to_host(struct virtgpu_context *ctx, struct vg_pipe *p)
{
	uint8_t buf[CROSS_DOMAIN_READ_MAX];
	ssize_t n = read(p->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		send_write(ctx, p->id, buf, (size_t)n, false);
		return;
	}
	/* hang_up only at EOF: the host closes the compositor's pipe. */
	send_write(ctx, p->id, NULL, 0, true);
	pipe_free(ctx, p);
}

static bool
pipes_full(struct virtgpu_context *ctx)
{
	struct vg_pipe *p;
	wl_list_for_each(p, &ctx->pipes, link)
		if (!p->to_host && p->out_len > PIPE_HOLD_MAX)
			return true;
	return false;
}

/* The one POLL outstanding, unless a guest pipe must drain first. */
static int
repoll(struct virtgpu_context *ctx)
{
	ctx->poll_deferred = pipes_full(ctx);
	if (ctx->poll_deferred)
		return 0;
	return vgdrm_poll(&ctx->xf);
}

/* READ data into a guest read pipe, as far as it takes it now. */
static void
flush_to_guest(struct virtgpu_context *ctx, struct vg_pipe *p)
{
	while (p->out_len) {
		ssize_t n = write(p->fd, p->out, p->out_len);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			p->out_len = 0; /* the reader left: drop the rest */
			break;
		}
		memmove(p->out, p->out + n, p->out_len - (size_t)n);
		p->out_len -= (size_t)n;
	}
	if (!p->out_len && p->hang_up)
		pipe_free(ctx, p);
	else
		pipe_watch(ctx, p, p->out_len ? EPOLLOUT : 0);
	if (ctx->poll_deferred && repoll(ctx) < 0) {
		channel_log(ctx->base.channel, "cross-domain: POLL failed: %s",
			    strerror(errno));
		ctx->hung_up = true;
	}
}

/* READ data a guest pipe has not taken yet. */
static bool
pipes_pending(struct virtgpu_context *ctx)
{
	struct vg_pipe *p;
	wl_list_for_each(p, &ctx->pipes, link)
		if (!p->to_host && p->out_len)
			return true;
	return false;
}

/* The host hung up: reported once the guest pipes have all their READ
 * data, since after it the pump stops asking and the rest would be lost
 * (a truncated transfer the reader takes for a whole one). */
static ssize_t
host_hung_up(struct virtgpu_context *ctx)
{
	ctx->hup_pending = pipes_pending(ctx);
	if (ctx->hup_pending) {
		errno = EAGAIN;
		return -1;
	}
	ctx->hung_up = true;
	return 0;
}

static struct vg_pipe *
pipe_by_id(struct virtgpu_context *ctx, uint32_t id, bool to_host)
{
	struct vg_pipe *p;
	wl_list_for_each(p, &ctx->pipes, link)
		if (p->id == id && p->to_host == to_host)
			return p;
	return NULL;
}

static void
handle_read(struct virtgpu_context *ctx, const struct cross_domain_read_write *rw)
{
	struct vg_pipe *p = pipe_by_id(ctx, rw->identifier, false);
	if (!p || rw->opaque_data_size > CROSS_DOMAIN_READ_MAX)
		return;
	if (rw->opaque_data_size) {
		uint8_t *out = realloc(p->out, p->out_len + rw->opaque_data_size);
		if (!out)
			return;
		p->out = out;
		memcpy(p->out + p->out_len, (const uint8_t *)rw + sizeof(*rw),
		       rw->opaque_data_size);
		p->out_len += rw->opaque_data_size;
	}
	p->hang_up = rw->hang_up != 0;
	flush_to_guest(ctx, p);
}

/* A received identifier as an fd for the guest side, or -1. */
static int
receive_fd(struct virtgpu_context *ctx, uint32_t id, uint32_t type, uint32_t size)
{
	if (type == CROSS_DOMAIN_ID_TYPE_BLOB && size > 0) {
		uint32_t handle;
		if (vgdrm_create_blob(ctx->xf.drm, VIRTGPU_BLOB_MEM_HOST3D,
				VIRTGPU_BLOB_FLAG_USE_MAPPABLE | VIRTGPU_BLOB_FLAG_USE_SHAREABLE,
				size, id, &handle, NULL) < 0)
			return -1;
		struct drm_prime_handle ph = { .handle = handle,
					       .flags = DRM_CLOEXEC | DRM_RDWR, .fd = -1 };
		int r = vgdrm_ioctl(ctx->xf.drm, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph);
		/* The dma-buf keeps the resource. */
		vgdrm_gem_close(ctx->xf.drm, handle);
		return r < 0 ? -1 : ph.fd;
	}
	/* Type 1 with size 0: crosvm 2024-10..2025-09 tags write pipes so. */
	if (type == CROSS_DOMAIN_ID_TYPE_WRITE_PIPE || type == CROSS_DOMAIN_ID_TYPE_BLOB) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		if (!pipe_add(ctx, id, p[0], true)) {
			close(p[1]);
			return -1;
		}
		return p[1];
	}
	errno = ENOTSUP;
	return -1;
}

static ssize_t
handle_receive(struct virtgpu_context *ctx, void *buf, size_t cap, int *fds, int *nfds)
{
	struct virtgpu_channel *vc = (struct virtgpu_channel *)ctx->base.channel;
	unsigned n_ids = vc->ids;
	uint8_t *ring = ctx->xf.channel;
	const struct cross_domain_send_receive_head *h = (const void *)ring;
	size_t head = cross_domain_send_receive_size(n_ids);
	if (h->num_identifiers == 0 && h->opaque_data_size == 0)
		return 0; /* the compositor hung up */
	if (h->num_identifiers > n_ids || h->num_identifiers > CHANNEL_MAX_FDS ||
	    h->opaque_data_size > cross_domain_receive_max(n_ids) ||
	    h->opaque_data_size > cap) {
		errno = EPROTO;
		return -1;
	}
	for (unsigned i = 0; i < h->num_identifiers; i++) {
		int fd = receive_fd(ctx, cross_domain_ids(ring)[i],
				    cross_domain_id_types(ring, n_ids)[i],
				    cross_domain_id_sizes(ring, n_ids)[i]);
		if (fd < 0) {
			channel_log(ctx->base.channel, "cross-domain: cannot take "
				    "identifier %u (type %u) from the host: %s",
				    cross_domain_ids(ring)[i],
				    cross_domain_id_types(ring, n_ids)[i], strerror(errno));
			continue;
		}
		fds[(*nfds)++] = fd;
	}
	if (h->opaque_data_size == 0 && *nfds == 0) {
		/* Identifiers none of which became an fd, and no bytes:
		 * nothing for the client, but not the hang-up either. */
		errno = EAGAIN;
		return -1;
	}
	memcpy(buf, ring + head, h->opaque_data_size);
	return h->opaque_data_size;
}

static ssize_t
virtgpu_context_recv(struct channel_context *base, void *buf, size_t cap,
		     int *fds, int *nfds)
{
	struct virtgpu_context *ctx = (struct virtgpu_context *)base;
	*nfds = 0;
	if (ctx->hung_up)
		return 0;
	struct epoll_event evs[16];
	int n = epoll_wait(ctx->ep, evs, 16, 0);
	bool fence = false;
	for (int i = 0; i < n; i++) {
		struct vg_pipe *p = evs[i].data.ptr;
		if (!p)
			fence = true;
	}
	/* Pipes after the fence: a pipe freed here is not in evs twice. */
	for (int i = 0; i < n; i++) {
		struct vg_pipe *p = evs[i].data.ptr;
		if (!p)
			continue;
		if (p->to_host)
			drain_to_host(ctx, p);
		else
			flush_to_guest(ctx, p);
		/* one pipe per call: the list may have changed */
		break;
	}
	if (ctx->hup_pending)
		return host_hung_up(ctx);
	struct drm_event ev;
	if (!fence || read(ctx->xf.drm, &ev, sizeof(ev)) != sizeof(ev)) {
		errno = EAGAIN;
		return -1;
	}
	const struct cross_domain_header *hdr = (const void *)ctx->xf.channel;
	ssize_t got = -1;
	errno = EAGAIN;
	if (hdr->cmd == CROSS_DOMAIN_CMD_RECEIVE) {
		got = handle_receive(ctx, buf, cap, fds, nfds);
		if (got == 0 && *nfds == 0)
			return host_hung_up(ctx);
	} else if (hdr->cmd == CROSS_DOMAIN_CMD_READ) {
		handle_read(ctx, (const void *)ctx->xf.channel);
	}
	/* The ring is read: the next event may overwrite it. */
	if (repoll(ctx) < 0) {
		channel_log(base->channel, "cross-domain: POLL failed: %s", strerror(errno));
		ctx->hung_up = true;
		return 0;
	}
	if (got < 0)
		errno = EAGAIN;
	return got;
}

static void
virtgpu_context_close(struct channel_context *base)
{
	struct virtgpu_context *ctx = (struct virtgpu_context *)base;
	struct vg_pipe *p, *tmp;
	wl_list_for_each_safe(p, tmp, &ctx->pipes, link)
		pipe_free(ctx, p);
	epoll_ctl(ctx->ep, EPOLL_CTL_DEL, ctx->xf.drm, NULL);
	close(ctx->ep);
	/* Closing the DRM file ends the context: the host closes its
	 * compositor connection. */
	vgdrm_file_close(&ctx->xf);
	free(ctx);
}

/* ---- memory and pipes ---- */

static int
image_requirements(struct virtgpu_channel *vc, uint32_t width,
		   struct reqs_entry **out)
{
	struct reqs_entry *e;
	wl_list_for_each(e, &vc->reqs, link) {
		if (e->width == width) {
			*out = e;
			return 0;
		}
	}
	struct cross_domain_get_image_requirements q = {
		.hdr = { .cmd = CROSS_DOMAIN_CMD_GET_IMAGE_REQUIREMENTS, .cmd_size = sizeof(q) },
		.width = width, .height = 1, .drm_format = FORMAT_R8,
		.flags = CROSS_DOMAIN_IMAGE_FLAG_LINEAR | CROSS_DOMAIN_IMAGE_FLAG_SCANOUT,
	};
	struct vgdrm_file *xf = &vc->alloc;
	memset(xf->query, 0, sizeof(struct cross_domain_image_requirements));
	if (vgdrm_submit(xf->drm, &q, sizeof(q), &xf->query_handle, CROSS_DOMAIN_QUERY_RING) < 0)
		return -1;
	struct virtgpu_wait w = { .handle = xf->query_handle };
	int r;
	do
		r = ioctl(xf->drm, VIRTGPU_IOCTL_WAIT, &w);
	while (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EBUSY));
	if (r < 0)
		return -1;
	struct cross_domain_image_requirements reqs;
	memcpy(&reqs, xf->query, sizeof(reqs));
	if (reqs.size < width || reqs.blob_id == 0) {
		errno = ENOMEM;
		return -1;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	e->width = width;
	e->blob_id = reqs.blob_id;
	e->size = reqs.size;
	wl_list_insert(&vc->reqs, &e->link);
	*out = e;
	return 0;
}

static int
alloc_blob(struct virtgpu_channel *vc, size_t size, uint64_t *blob_size)
{
	char err[256];
	if (!vc->alloc_ready) {
		if (vgdrm_file_open(&vc->alloc, vc->device, err, sizeof(err)) < 0) {
			channel_log(&vc->base, "%s", err);
			errno = ENODEV;
			return -1;
		}
		vc->alloc_ready = true;
	}
	struct reqs_entry *e;
	if (image_requirements(vc, (uint32_t)size, &e) < 0)
		return -1;
	uint32_t handle;
	if (vgdrm_create_blob(vc->alloc.drm, VIRTGPU_BLOB_MEM_HOST3D,
			VIRTGPU_BLOB_FLAG_USE_MAPPABLE | VIRTGPU_BLOB_FLAG_USE_SHAREABLE,
			e->size, e->blob_id, &handle, NULL) < 0)
		return -1;
	struct drm_prime_handle ph = { .handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR,
				       .fd = -1 };
	int r = vgdrm_ioctl(vc->alloc.drm, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph);
	int saved = errno;
	/* The dma-buf holds the resource from here; freeing the memory is
	 * munmap + close, and each context that sends it imports it. */
	vgdrm_gem_close(vc->alloc.drm, handle);
	errno = saved;
	*blob_size = e->size;
	return r < 0 ? -1 : ph.fd;
}

static int
virtgpu_alloc_memory(struct channel *ch, size_t size, struct channel_memory *out)
{
	struct virtgpu_channel *vc = (struct virtgpu_channel *)ch;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t rounded = (size + page - 1) / page * page;
	if (size == 0 || rounded > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	uint64_t blob_size = 0;
	pthread_mutex_lock(&vc->alloc_lock);
	int fd = alloc_blob(vc, rounded, &blob_size);
	pthread_mutex_unlock(&vc->alloc_lock);
	if (fd < 0)
		return -1;
	return channel_memory_map(fd, (size_t)blob_size, out);
}

static int
virtgpu_new_pipe(struct channel *ch, struct channel_pipe *out)
{
	/* A local pipe: its write end crosses as a guessed READ_PIPE id when
	 * the proxy sends it, and READ events fill it (context_recv). */
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	out->local_fd = fds[0];
	out->host_fd = fds[1];
	return 0;
}

static ssize_t
virtgpu_stream_read(struct channel *ch, int fd, void *buf, size_t cap)
{
	return read(fd, buf, cap);
}

static ssize_t
virtgpu_stream_write(struct channel *ch, int fd, const void *data, size_t len)
{
	return write(fd, data, len);
}

static void
virtgpu_destroy(struct channel *ch)
{
	struct virtgpu_channel *vc = (struct virtgpu_channel *)ch;
	if (vc->alloc_ready)
		vgdrm_file_close(&vc->alloc);
	struct reqs_entry *e, *tmp;
	wl_list_for_each_safe(e, tmp, &vc->reqs, link) {
		wl_list_remove(&e->link);
		free(e);
	}
	pthread_mutex_destroy(&vc->alloc_lock);
	free(vc);
}

static const struct channel_impl virtgpu_impl = {
	.name = "virtgpu",
	.open_context = virtgpu_open_context,
	.context_fd = virtgpu_context_fd,
	.context_send = virtgpu_context_send,
	.context_recv = virtgpu_context_recv,
	.context_close = virtgpu_context_close,
	.context_is_socket = false,
	/* One compositor message per RECEIVE, its fds with it; what the
	 * pump hands over in one SEND is split here for the host's N. */
	.limits = {
		.max_fds = CHANNEL_MAX_FDS,
		.max_send = CROSS_DOMAIN_RING_SIZE - 352,
		.fds_may_trail = false,
		.answer_ms = HOST_ANSWER_MS,
		.no_answer_via = "through cross-domain",
		.no_answer_hint = ": is it running, and was crosvm given "
				  "--wayland-sock (QEMU: wayland-socket-path=)?",
	},
	.alloc_memory = virtgpu_alloc_memory,
	.new_pipe = virtgpu_new_pipe,
	.stream_read = virtgpu_stream_read,
	.stream_write = virtgpu_stream_write,
	.destroy = virtgpu_destroy,
};


struct channel *
channel_virtgpu_create(const char *device, unsigned ids, char *err, size_t errlen)
{
	if (ids != CROSS_DOMAIN_MAX_IDENTIFIERS && ids != CROSS_DOMAIN_MAX_IDENTIFIERS_OLD) {
		snprintf(err, errlen, "the cross-domain identifier array has 4 or 28 "
			 "entries, not %u", ids);
		return NULL;
	}
	char path[256], why[512];
	int r = channel_virtgpu_probe(device, path, sizeof(path), why, sizeof(why));
	if (r != 0) {
		snprintf(err, errlen, "%s", why);
		return NULL;
	}
	struct virtgpu_channel *vc = calloc(1, sizeof(*vc));
	if (!vc) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	vc->base.impl = &virtgpu_impl;
	vc->ids = ids;
	vc->alloc.drm = -1;
	pthread_mutex_init(&vc->alloc_lock, NULL);
	wl_list_init(&vc->reqs);
	snprintf(vc->device, sizeof(vc->device), "%s", path);
	snprintf(vc->base.host_name, sizeof(vc->base.host_name),
		 "the host compositor via cross-domain on %.200s", path);
	return &vc->base;
}
