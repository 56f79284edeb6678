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

struct channel_impl {
	const char *name;
	/* Returns a connected stream socket for libwayland-client, or -1 with
	 * a message for the user in err. */
	int (*open_context)(struct channel *ch, char *err, size_t errlen);
	void (*destroy)(struct channel *ch);
};

struct channel {
	const struct channel_impl *impl;
	/* Whether an fd of this machine is meaningful on the host side.  Only
	 * true for direct: across the device only vfds exist. */
	bool passes_local_fds;
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

/* Transports */
struct channel *channel_direct_create(const char *host_display,
				      char *err, size_t errlen);

#endif
