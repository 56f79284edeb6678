/*
 * The virtwl transport: the virtio-wayland device of a crosvm guest.
 * Contexts, shareable memory and pipes are vfds made by NEW on /dev/wl0;
 * bytes and vfds cross with SEND and RECV.  The rules the driver and crosvm
 * impose (virtwl-abi.h) are kept here and nowhere else:
 *  - only vfds are ever sent, at most VIRTWL_SEND_MAX_ALLOCS per SEND;
 *  - RECV never with len 0 (the kernel would spin);
 *  - memory vfds are mapped from offset 0 only;
 *  - pipe vfds open read-only, so they are written with SEND.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "channel.h"
#include "virtwl-abi.h"

struct virtwl_channel {
	struct channel base;
	int dev_fd; /* /dev/wl0 */
	char device[256];
	char context_name[CHANNEL_CONTEXT_NAME_MAX]; /* "" = unnamed socket */
};

struct virtwl_context {
	struct channel_context base;
	int vfd;
	/* RECV lands here (header + data), then is copied out: the ioctl
	 * wants the bytes right after its header. */
	uint8_t *scratch;
	size_t scratch_cap;
};

/* What one pipe read asks the device for. */
#define VIRTWL_STREAM_CHUNK 16384

/* A SEND's header and data in one buffer, as the ioctl wants them. */
struct virtwl_txn_buf {
	struct virtwl_ioctl_txn txn;
	uint8_t data[VIRTWL_SEND_MAX_BYTES];
};

static int
virtwl_new(struct virtwl_channel *vc, struct virtwl_ioctl_new *req)
{
	int ret;
	do {
		ret = ioctl(vc->dev_fd, VIRTWL_IOCTL_NEW, req);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -1 : req->fd;
}

static const char *
new_ctx_error(struct virtwl_channel *vc, int error, char *buf, size_t len)
{
	switch (error) {
	case ENODEV:
		if (vc->context_name[0])
			snprintf(buf, len, "the host refused the connection to "
				 "'%s' — is crosvm started with --wayland-sock "
				 "PATH,name=%s and is that compositor running?",
				 vc->context_name, vc->context_name);
		else
			snprintf(buf, len, "the host refused the connection — is "
				 "crosvm started with --wayland-sock and is the "
				 "host compositor running?");
		break;
	case ENOSPC:
		snprintf(buf, len, "the virtio-wayland device has no free vfd ids "
			 "(2047 in use)");
		break;
	case EBUSY:
	case EAGAIN:
		snprintf(buf, len, "the virtio-wayland device is busy (its queue "
			 "to the host is full)");
		break;
	default:
		snprintf(buf, len, "cannot open a context on %s: %s",
			 vc->device, strerror(error));
	}
	return buf;
}

static struct channel_context *
virtwl_open_context(struct channel *ch, char *err, size_t errlen)
{
	struct virtwl_channel *vc = (struct virtwl_channel *)ch;
	struct virtwl_context *ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	struct virtwl_ioctl_new req = { .type = VIRTWL_IOCTL_NEW_CTX, .fd = -1 };
	if (vc->context_name[0]) {
		req.type = VIRTWL_IOCTL_NEW_CTX_NAMED;
		memcpy(req.name, vc->context_name, sizeof(req.name));
	}
	ctx->vfd = virtwl_new(vc, &req);
	if (ctx->vfd < 0) {
		new_ctx_error(vc, errno, err, errlen);
		free(ctx);
		return NULL;
	}
	/* The pump polls and never waits inside RECV. */
	if (fcntl(ctx->vfd, F_SETFL, O_NONBLOCK) < 0) {
		snprintf(err, errlen, "fcntl on a context vfd: %s", strerror(errno));
		close(ctx->vfd);
		free(ctx);
		return NULL;
	}
	ctx->base.channel = ch;
	return &ctx->base;
}

static int
virtwl_context_fd(struct channel_context *base)
{
	return ((struct virtwl_context *)base)->vfd;
}

static int
send_txn(int vfd, const void *data, size_t len, const int *fds, int nfds)
{
	struct virtwl_txn_buf buf;
	for (int i = 0; i < VIRTWL_SEND_MAX_ALLOCS; i++)
		buf.txn.fds[i] = i < nfds ? fds[i] : -1;
	buf.txn.len = (uint32_t)len;
	memcpy(buf.data, data, len);
	int ret;
	do {
		ret = ioctl(vfd, VIRTWL_IOCTL_SEND, &buf.txn);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -1 : 0;
}

/* Bytes and fds in order; a message's fds always travel with its first
 * chunk, never after it. */
static int
send_all(int vfd, const void *data, size_t len, const int *fds, int nfds)
{
	if (nfds > VIRTWL_SEND_MAX_ALLOCS) {
		errno = EINVAL;
		return -1;
	}
	const uint8_t *p = data;
	do {
		size_t chunk = len < VIRTWL_SEND_MAX_BYTES ? len : VIRTWL_SEND_MAX_BYTES;
		if (send_txn(vfd, p, chunk, fds, nfds) < 0)
			return -1;
		p += chunk;
		len -= chunk;
		nfds = 0;
	} while (len > 0);
	return 0;
}

static int
virtwl_context_send(struct channel_context *base, const void *data, size_t len,
		    const int *fds, int nfds)
{
	struct virtwl_context *ctx = (struct virtwl_context *)base;
	return send_all(ctx->vfd, data, len, fds, nfds);
}

/* One RECV of at most cap bytes through raw, a buffer with room for the
 * txn header before them. */
static ssize_t
recv_txn(int vfd, uint8_t *raw, void *buf, size_t cap, int *fds, int *nfds)
{
	*nfds = 0;
	if (cap == 0) {
		/* RECV with len 0 spins forever in the kernel when bytes
		 * are queued. */
		errno = EINVAL;
		return -1;
	}
	struct virtwl_ioctl_txn *txn = (struct virtwl_ioctl_txn *)raw;
	for (int i = 0; i < VIRTWL_SEND_MAX_ALLOCS; i++)
		txn->fds[i] = -1;
	txn->len = (uint32_t)cap;
	int ret;
	do {
		ret = ioctl(vfd, VIRTWL_IOCTL_RECV, txn);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -1;
	for (int i = 0; i < VIRTWL_SEND_MAX_ALLOCS && txn->fds[i] >= 0; i++)
		fds[(*nfds)++] = txn->fds[i];
	size_t got = txn->len <= cap ? txn->len : cap;
	memcpy(buf, txn->data, got);
	return (ssize_t)got;
}

static ssize_t
virtwl_context_recv(struct channel_context *base, void *buf, size_t cap,
		    int *fds, int *nfds)
{
	struct virtwl_context *ctx = (struct virtwl_context *)base;
	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	size_t need = sizeof(struct virtwl_ioctl_txn) + cap;
	if (need > ctx->scratch_cap) {
		uint8_t *scratch = realloc(ctx->scratch, need);
		if (!scratch)
			return -1;
		ctx->scratch = scratch;
		ctx->scratch_cap = need;
	}
	return recv_txn(ctx->vfd, ctx->scratch, buf, cap, fds, nfds);
}

static void
virtwl_context_close(struct channel_context *base)
{
	struct virtwl_context *ctx = (struct virtwl_context *)base;
	/* The last close tells the host (VFD_CLOSE), which closes its socket
	 * to the compositor. */
	close(ctx->vfd);
	free(ctx->scratch);
	free(ctx);
}

static int
virtwl_alloc_memory(struct channel *ch, size_t size, struct channel_memory *out)
{
	struct virtwl_channel *vc = (struct virtwl_channel *)ch;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t rounded = (size + page - 1) / page * page;
	if (size == 0 || rounded > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	struct virtwl_ioctl_new req = {
		.type = VIRTWL_IOCTL_NEW_ALLOC, .fd = -1, .size = (uint32_t)rounded,
	};
	int vfd = virtwl_new(vc, &req);
	if (vfd < 0)
		return -1;
	return channel_memory_map(vfd, rounded, out);
}

static int
virtwl_new_pipe(struct channel *ch, struct channel_pipe *out)
{
	struct virtwl_channel *vc = (struct virtwl_channel *)ch;
	/* PIPE_READ: crosvm gives the compositor the write end when the vfd
	 * is sent; we keep reading the same vfd.  The copy we hand out to be
	 * sent is a dup. */
	struct virtwl_ioctl_new req = { .type = VIRTWL_IOCTL_NEW_PIPE_READ, .fd = -1 };
	int vfd = virtwl_new(vc, &req);
	if (vfd < 0)
		return -1;
	int host_fd = fcntl(vfd, F_DUPFD_CLOEXEC, 0);
	if (host_fd < 0 || fcntl(vfd, F_SETFL, O_NONBLOCK) < 0) {
		int saved = errno;
		if (host_fd >= 0)
			close(host_fd);
		close(vfd);
		errno = saved;
		return -1;
	}
	out->local_fd = vfd;
	out->host_fd = host_fd;
	return 0;
}

static ssize_t
virtwl_stream_read(struct channel *ch, int fd, void *buf, size_t cap)
{
	_Alignas(struct virtwl_ioctl_txn)
		uint8_t raw[sizeof(struct virtwl_ioctl_txn) + VIRTWL_STREAM_CHUNK];
	int fds[CHANNEL_MAX_FDS], nfds;
	if (cap > VIRTWL_STREAM_CHUNK)
		cap = VIRTWL_STREAM_CHUNK;
	ssize_t n = recv_txn(fd, raw, buf, cap, fds, &nfds);
	/* A byte stream carries no fds; drop any rather than leak them. */
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	return n;
}

static ssize_t
virtwl_stream_write(struct channel *ch, int fd, const void *data, size_t len)
{
	/* Pipe vfds are read-only files: write(2) fails, SEND does not. */
	size_t chunk = len < VIRTWL_SEND_MAX_BYTES ? len : VIRTWL_SEND_MAX_BYTES;
	if (send_txn(fd, data, chunk, NULL, 0) < 0)
		return -1;
	return (ssize_t)chunk;
}

static void
virtwl_destroy(struct channel *ch)
{
	struct virtwl_channel *vc = (struct virtwl_channel *)ch;
	close(vc->dev_fd);
	free(vc);
}

static const struct channel_impl virtwl_impl = {
	.name = "virtwl",
	.open_context = virtwl_open_context,
	.context_fd = virtwl_context_fd,
	.context_send = virtwl_context_send,
	.context_recv = virtwl_context_recv,
	.context_close = virtwl_context_close,
	.context_is_socket = false,
	/* 28 vfds per SEND/RECV; sommelier's page-sized SEND; more than 28
	 * queued vfds can arrive after the bytes that refer to them. */
	.limits = {
		.max_fds = VIRTWL_SEND_MAX_ALLOCS,
		.max_send = VIRTWL_SEND_MAX_BYTES,
		.fds_may_trail = true,
	},
	.alloc_memory = virtwl_alloc_memory,
	.new_pipe = virtwl_new_pipe,
	.stream_read = virtwl_stream_read,
	.stream_write = virtwl_stream_write,
	.destroy = virtwl_destroy,
};

static void
open_device_error(const char *device, int error, char *err, size_t errlen)
{
	switch (error) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		snprintf(err, errlen, "no virtio-wayland device at %s: the guest "
			 "kernel needs CONFIG_VIRTIO_WL and crosvm must run the VM "
			 "with --wayland-sock (or use --transport direct)", device);
		break;
	case EACCES:
	case EPERM:
		snprintf(err, errlen, "permission denied opening %s: give this "
			 "user access to it (see 'Running in a VM guest' in the "
			 "README)", device);
		break;
	default:
		snprintf(err, errlen, "cannot open %s: %s", device, strerror(error));
	}
}

struct channel *
channel_virtwl_create(const char *device, const char *context_name,
		      bool absent_ok, char *err, size_t errlen)
{
	if (!device || !*device)
		device = VIRTWL_DEVICE_PATH;
	if (context_name && strlen(context_name) >= CHANNEL_CONTEXT_NAME_MAX) {
		snprintf(err, errlen, "context name too long: %s", context_name);
		return NULL;
	}
	int fd = open(device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (absent_ok && errno == ENOENT) {
			err[0] = '\0';
			return NULL;
		}
		open_device_error(device, errno, err, errlen);
		return NULL;
	}
	struct virtwl_channel *vc = calloc(1, sizeof(*vc));
	if (!vc) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	vc->base.impl = &virtwl_impl;
	vc->dev_fd = fd;
	snprintf(vc->device, sizeof(vc->device), "%s", device);
	if (context_name)
		snprintf(vc->context_name, sizeof(vc->context_name), "%s",
			 context_name);
	if (vc->context_name[0])
		snprintf(vc->base.host_name, sizeof(vc->base.host_name),
			 "the host's '%s' socket via %s", vc->context_name, device);
	else
		snprintf(vc->base.host_name, sizeof(vc->base.host_name),
			 "the host compositor via %s", device);
	return &vc->base;
}
