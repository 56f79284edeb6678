/*
 * The direct transport: the host compositor's socket is on this machine
 * (development, nesting, tests).  A context is a plain connect(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "channel.h"
#include "sockio.h"

struct direct_channel {
	struct channel base;
	struct sockaddr_un addr;
};

struct direct_context {
	struct channel_context base;
	int fd; /* connected to the host compositor */
};

static struct channel_context *
direct_open_context(struct channel *ch, char *err, size_t errlen)
{
	struct direct_channel *dc = (struct direct_channel *)ch;
	struct direct_context *ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ctx->base.channel = ch;
	ctx->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctx->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		free(ctx);
		return NULL;
	}
	if (connect(ctx->fd, (struct sockaddr *)&dc->addr, sizeof(dc->addr)) < 0) {
		snprintf(err, errlen, "cannot connect to the host compositor at "
			 "%s: %s (is it running? see --host-display)",
			 dc->addr.sun_path, strerror(errno));
		close(ctx->fd);
		free(ctx);
		return NULL;
	}
	return &ctx->base;
}

static int
direct_context_fd(struct channel_context *base)
{
	return ((struct direct_context *)base)->fd;
}

static int
direct_context_send(struct channel_context *base, const void *data, size_t len,
		    const int *fds, int nfds)
{
	struct direct_context *ctx = (struct direct_context *)base;
	return channel_socket_send(ctx->fd, data, len, fds, nfds);
}

static ssize_t
direct_context_recv(struct channel_context *base, void *buf, size_t cap,
		    int *fds, int *nfds)
{
	struct direct_context *ctx = (struct direct_context *)base;
	return channel_socket_recv(ctx->fd, buf, cap, fds, nfds);
}

static void
direct_context_close(struct channel_context *base)
{
	struct direct_context *ctx = (struct direct_context *)base;
	close(ctx->fd);
	free(ctx);
}

/* On direct the host maps our memfd itself. */
static int
direct_alloc_memory(struct channel *ch, size_t size, struct channel_memory *out)
{
	int fd = memfd_create("wl-guest-proxy-host-buffer",
			      MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) < 0)
		goto fail;
	/* Nobody may shrink it under the host's mapping. */
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL);
	return channel_memory_map(fd, size, out);
fail:;
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static int
direct_new_pipe(struct channel *ch, struct channel_pipe *out)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	/* Only our end is non-blocking: the flag would travel with the host's
	 * end, and writers there expect a blocking pipe. */
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
		int saved = errno;
		close(fds[0]);
		close(fds[1]);
		errno = saved;
		return -1;
	}
	out->local_fd = fds[0];
	out->host_fd = fds[1];
	return 0;
}

static ssize_t
direct_stream_read(struct channel *ch, int fd, void *buf, size_t cap)
{
	return read(fd, buf, cap);
}

static ssize_t
direct_stream_write(struct channel *ch, int fd, const void *data, size_t len)
{
	return write(fd, data, len);
}

static void
direct_destroy(struct channel *ch)
{
	free(ch);
}

static const struct channel_impl direct_impl = {
	.name = "direct",
	.open_context = direct_open_context,
	.context_fd = direct_context_fd,
	.context_send = direct_context_send,
	.context_recv = direct_context_recv,
	.context_close = direct_context_close,
	.context_is_socket = true,
	/* A socket: no pump, so no limits beyond libwayland's own. */
	.limits = {
		.max_fds = CHANNEL_MAX_FDS,
		.max_send = 4096,
		.fds_may_trail = false,
	},
	.alloc_memory = direct_alloc_memory,
	.new_pipe = direct_new_pipe,
	.stream_read = direct_stream_read,
	.stream_write = direct_stream_write,
	.destroy = direct_destroy,
};

struct channel *
channel_direct_create(const char *host_display, char *err, size_t errlen)
{
	if (!host_display || !*host_display)
		host_display = getenv("WAYLAND_DISPLAY");
	if (!host_display || !*host_display) {
		snprintf(err, errlen, "no host compositor given: pass "
			 "--host-display NAME|PATH or set WAYLAND_DISPLAY");
		return NULL;
	}

	struct direct_channel *dc = calloc(1, sizeof(*dc));
	if (!dc) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	dc->addr.sun_family = AF_UNIX;
	int n;
	if (host_display[0] == '/') {
		n = snprintf(dc->addr.sun_path, sizeof(dc->addr.sun_path),
			     "%s", host_display);
	} else {
		const char *dir = getenv("XDG_RUNTIME_DIR");
		if (!dir) {
			snprintf(err, errlen, "XDG_RUNTIME_DIR is not set: set it "
				 "or give --host-display as an absolute path");
			free(dc);
			return NULL;
		}
		n = snprintf(dc->addr.sun_path, sizeof(dc->addr.sun_path),
			     "%s/%s", dir, host_display);
	}
	if (n < 0 || (size_t)n >= sizeof(dc->addr.sun_path)) {
		snprintf(err, errlen, "host display path too long: %s", host_display);
		free(dc);
		return NULL;
	}
	dc->base.impl = &direct_impl;
	snprintf(dc->base.host_name, sizeof(dc->base.host_name), "%s",
		 dc->addr.sun_path);
	return &dc->base;
}
