#include <errno.h>
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
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(s, kinds[i].name) == 0) {
			*out = kinds[i].kind;
			return true;
		}
	}
	return false;
}

static struct channel *
create_transport(const struct channel_options *opts, char *err, size_t errlen)
{
	struct channel *ch;
	switch (opts->kind) {
	case CHANNEL_AUTO:
		/* A guest with the device uses it; anything else (development,
		 * nesting) is a direct connection. */
		ch = channel_virtwl_create(opts->virtwl_device, opts->context_name,
					   true, err, errlen);
		if (ch || err[0])
			return ch;
		return channel_direct_create(opts->host_display, err, errlen);
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
