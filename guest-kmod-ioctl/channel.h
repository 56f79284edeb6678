/*
 * The channel: everything transport-specific the proxy needs to reach the
 * host compositor.  The proxy's core speaks libwayland-client over a local
 * socket; a channel hands it one such socket per guest client (a "context"
 * in virtio-wayland terms) and says what may travel over it.
 */
#ifndef WLGP_CHANNEL_H
#define WLGP_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>

enum channel_kind {
	CHANNEL_AUTO,
	CHANNEL_DIRECT,
	CHANNEL_VIRTWL,
};

struct channel;

/* Shareable memory the host can map: what host wl_shm pools are made of.
 * Mapped once, read-write, pre-faulted. */
struct channel_memory {
	int fd;      /* what goes to the host in wl_shm.create_pool */
	void *data;
	size_t size;
};

struct channel_impl {
	const char *name;
	/* Returns a connected stream socket for libwayland-client, or -1 with
	 * a message for the user in err. */
	int (*open_context)(struct channel *ch, char *err, size_t errlen);
	/* 0, or -1 with errno set. */
	int (*alloc_memory)(struct channel *ch, size_t size,
			    struct channel_memory *out);
	void (*free_memory)(struct channel *ch, struct channel_memory *mem);
	void (*destroy)(struct channel *ch);
};

struct channel {
	const struct channel_impl *impl;
	/* Human-readable name of the host end, for messages. */
	char host_name[256];
};

struct channel_options {
	enum channel_kind kind;
	const char *host_display; /* direct: socket name or absolute path */
};

bool channel_parse_kind(const char *s, enum channel_kind *out);

/* NULL with a message in err when the transport cannot be set up. */
struct channel *channel_create(const struct channel_options *opts,
			       char *err, size_t errlen);
void channel_destroy(struct channel *ch);

static inline int
channel_open_context(struct channel *ch, char *err, size_t errlen)
{
	return ch->impl->open_context(ch, err, errlen);
}

static inline int
channel_alloc_memory(struct channel *ch, size_t size, struct channel_memory *out)
{
	return ch->impl->alloc_memory(ch, size, out);
}

static inline void
channel_free_memory(struct channel *ch, struct channel_memory *mem)
{
	ch->impl->free_memory(ch, mem);
}

/* Transports */
struct channel *channel_direct_create(const char *host_display,
				      char *err, size_t errlen);

#endif
