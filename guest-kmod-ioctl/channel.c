/*
 * The channel's transport-independent parts: choosing and creating the
 * transport, connecting (with a pump where the context is not a socket)
 * and the memory every transport maps the same way.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "channel.h"

bool
channel_parse_kind(const char *s, enum channel_kind *out)
{
	static const struct { const char *name; enum channel_kind kind; } kinds[] = {
		{ "auto", CHANNEL_AUTO },
		{ "direct", CHANNEL_DIRECT },
		{ "virtwl", CHANNEL_VIRTWL },
		{ "virtgpu", CHANNEL_VIRTGPU },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(s, kinds[i].name) == 0) {
			*out = kinds[i].kind;
			return true;
		}
	}
	return false;
}

static void
auto_log(const struct channel_options *opts, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
auto_log(const struct channel_options *opts, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (opts->log) {
		opts->log(fmt, ap);
	} else {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

static unsigned
ids_of(const struct channel_options *opts)
{
	return opts->cross_domain_ids ? opts->cross_domain_ids : 28;
}

/* virtwl when the guest has /dev/wl0 (ChromiumOS kernels), else virtgpu
 * when a render node offers cross-domain (mainline kernels), else direct
 * (development, nesting); the log says which and why. */
static struct channel *
create_auto(const struct channel_options *opts, char *err, size_t errlen)
{
	const char *wl0 = opts->virtwl_device && *opts->virtwl_device
		? opts->virtwl_device : "/dev/wl0";
	struct channel *ch = channel_virtwl_create(opts->virtwl_device,
						   opts->context_name, true, err, errlen);
	if (ch || err[0]) {
		if (ch)
			auto_log(opts, "transport auto: virtwl, %s exists", wl0);
		return ch;
	}
	char path[256], why[512];
	int r = channel_virtgpu_probe(opts->virtgpu_device, path, sizeof(path),
				      why, sizeof(why));
	if (r == 0) {
		auto_log(opts, "transport auto: virtgpu on %s (no %s)", path, wl0);
		return channel_virtgpu_create(path, ids_of(opts), err, errlen);
	}
	if (r < 0) {
		/* A cross-domain device that is set up wrong: say so rather
		 * than fall back quietly. */
		snprintf(err, errlen, "%s", why);
		return NULL;
	}
	auto_log(opts, "transport auto: direct (no %s; virtgpu: %s)", wl0, why);
	return channel_direct_create(opts->host_display, err, errlen);
}

static struct channel *
create_transport(const struct channel_options *opts, char *err, size_t errlen)
{
	switch (opts->kind) {
	case CHANNEL_AUTO:
		return create_auto(opts, err, errlen);
	case CHANNEL_VIRTGPU:
		return channel_virtgpu_create(opts->virtgpu_device, ids_of(opts),
					      err, errlen);
	case CHANNEL_DIRECT:
		return channel_direct_create(opts->host_display, err, errlen);
	case CHANNEL_VIRTWL:
		return channel_virtwl_create(opts->virtwl_device, opts->context_name,
					     false, err, errlen);
	}
	snprintf(err, errlen, "unknown transport");
	return NULL;
}

struct channel *
channel_create(const struct channel_options *opts, char *err, size_t errlen)
{
	err[0] = '\0';
	struct channel *ch = create_transport(opts, err, errlen);
	if (ch)
		ch->log = opts->log;
	return ch;
}

void
channel_log(struct channel *ch, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (ch->log) {
		ch->log(fmt, ap);
	} else {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

int
channel_connect(struct channel *ch, char *err, size_t errlen)
{
	struct channel_context *ctx = ch->impl->open_context(ch, err, errlen);
	if (!ctx)
		return -1;
	if (ch->impl->context_is_socket) {
		/* libwayland-client takes the socket itself: no pump. */
		int fd = dup(ch->impl->context_fd(ctx));
		if (fd < 0)
			snprintf(err, errlen, "dup: %s", strerror(errno));
		ch->impl->context_close(ctx);
		return fd;
	}
	if (!ch->pump) {
		ch->pump = channel_pump_create(ch, err, errlen);
		if (!ch->pump) {
			ch->impl->context_close(ctx);
			return -1;
		}
	}
	int fd = channel_pump_add(ch->pump, ctx);
	if (fd < 0)
		snprintf(err, errlen, "cannot bridge the host connection: %s",
			 strerror(errno));
	return fd;
}

int
channel_memory_map(int fd, size_t size, struct channel_memory *out)
{
	/* MAP_POPULATE: first-touch page faults would otherwise cost as
	 * much as the first copies into the buffer. */
	out->data = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, fd, 0);
	if (out->data == MAP_FAILED) {
		int saved = errno;
		close(fd);
		out->data = NULL;
		out->fd = -1;
		errno = saved;
		return -1;
	}
	out->fd = fd;
	out->size = size;
	return 0;
}

void
channel_free_memory(struct channel *ch, struct channel_memory *mem)
{
	if (ch->impl->free_memory)
		ch->impl->free_memory(ch, mem);
	if (mem->data)
		munmap(mem->data, mem->size);
	if (mem->fd >= 0)
		close(mem->fd);
	mem->data = NULL;
	mem->fd = -1;
}

void
channel_destroy(struct channel *ch)
{
	if (!ch)
		return;
	/* The pump goes first: it closes the contexts it owns. */
	channel_pump_destroy(ch->pump);
	ch->pump = NULL;
	ch->impl->destroy(ch);
}
