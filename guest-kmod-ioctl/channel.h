/*
 * The channel: everything transport-specific the proxy needs to reach the
 * host compositor.  The proxy's core only ever sees channel_connect()'s
 * socket (libwayland-client speaks over it) and the memory and pipe calls
 * below; it never calls an ioctl.
 *
 * A transport implements contexts (a byte stream with fds to the host
 * compositor, one per guest client), shareable memory and host-writable
 * pipes.  When a transport's context is not itself a socket (virtwl's
 * vfds), channel_connect() puts a pump between it and a local socketpair
 * (pump.c).
 */
#ifndef WLGP_CHANNEL_H
#define WLGP_CHANNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum channel_kind {
	CHANNEL_AUTO,
	CHANNEL_DIRECT,
	CHANNEL_VIRTWL,
	CHANNEL_VIRTGPU,
};

/* The most fds one context_send or context_recv carries (the device's
 * VIRTWL_SEND_MAX_ALLOCS; libwayland sends at most as many at once). */
#define CHANNEL_MAX_FDS 28
/* virtio-wayland context names are 32 bytes with the NUL. */
#define CHANNEL_CONTEXT_NAME_MAX 32

struct channel;
struct channel_pump;

/* One stream to the host compositor; transports embed it first. */
struct channel_context {
	struct channel *channel;
};

/* Shareable memory the host can map: what host wl_shm pools are made of.
 * Mapped once, read-write, from offset 0. */
struct channel_memory {
	int fd;      /* what goes to the host in wl_shm.create_pool */
	void *data;
	size_t size;
};

/* A pipe the host compositor writes into and the proxy reads from (a
 * clipboard or drag-and-drop transfer the guest receives). */
struct channel_pipe {
	int host_fd;  /* send this to the host, then close it (blocking, as
		       * writers on the host expect) */
	int local_fd; /* non-blocking; poll it, read it with
		       * channel_stream_read */
};

/* What the device lets one message carry: properties of the transport,
 * which the pump works within. */
struct channel_limits {
	int max_fds;        /* fds one context_send/context_recv carries
			     * (at most CHANNEL_MAX_FDS) */
	size_t max_send;    /* bytes the pump hands context_send at once */
	bool fds_may_trail; /* a context_recv with max_fds fds may leave fds
			     * of the same bytes for the next one */
	/* > 0: the transport cannot tell whether a compositor is behind a
	 * new context, so open_context sent wl_display.sync(new id 2); the
	 * pump holds the guest's bytes until the host's done and
	 * delete_id(2) have come (consuming them), and ends the link if they
	 * do not come within answer_ms (pump.c). */
	int answer_ms;
	const char *no_answer_via;  /* "the host compositor did not answer
				     * <via> within N ms<hint>" */
	const char *no_answer_hint;
};

struct channel_impl {
	const char *name;
	struct channel_limits limits;

	/* A new stream to the host compositor, or NULL with a message for the
	 * user in err. */
	struct channel_context *(*open_context)(struct channel *ch,
						char *err, size_t errlen);
	/* Pollable: readable when context_recv has something, hung up when
	 * the host closed. */
	int (*context_fd)(struct channel_context *ctx);
	/* Sends all of data with the fds in one message: 0, or -1 with errno. */
	int (*context_send)(struct channel_context *ctx, const void *data,
			    size_t len, const int *fds, int nfds);
	/* Never blocks.  Bytes received (≥ 0) with *nfds fds (≤ CHANNEL_MAX_FDS);
	 * 0 with no fds when the host hung up; -1 with errno (EAGAIN). */
	ssize_t (*context_recv)(struct channel_context *ctx, void *buf,
				size_t cap, int *fds, int *nfds);
	void (*context_close)(struct channel_context *ctx);
	/* True when context_fd is itself a Wayland socket libwayland-client
	 * can use without a pump. */
	bool context_is_socket;

	/* 0, or -1 with errno set.  Filled in by channel_memory_map(). */
	int (*alloc_memory)(struct channel *ch, size_t size,
			    struct channel_memory *out);
	/* Optional: what freeing memory takes beyond munmap + close (NULL:
	 * nothing; the host keeps what it still uses). */
	void (*free_memory)(struct channel *ch, struct channel_memory *mem);

	/* 0, or -1 with errno set.  Both fds non-blocking and close-on-exec. */
	int (*new_pipe)(struct channel *ch, struct channel_pipe *out);
	/* Byte-stream fds from the host (pipes it sent us, channel_pipe
	 * local ends): like read(2)/write(2), which not every transport's
	 * fds support. */
	ssize_t (*stream_read)(struct channel *ch, int fd, void *buf, size_t cap);
	ssize_t (*stream_write)(struct channel *ch, int fd, const void *data,
				size_t len);

	void (*destroy)(struct channel *ch);
};

/* Where the channel reports what goes wrong away from any caller (the
 * pump thread): the proxy's logger. */
typedef void (*channel_log_func)(const char *fmt, va_list ap);

struct channel {
	const struct channel_impl *impl;
	/* Human-readable name of the host end, for messages. */
	char host_name[256];
	struct channel_pump *pump; /* created by the first pumped connect */
	channel_log_func log;
};

void channel_log(struct channel *ch, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct channel_options {
	enum channel_kind kind;
	channel_log_func log;
	const char *host_display;   /* direct: socket name or absolute path */
	const char *virtwl_device;  /* virtwl: default /dev/wl0 */
	const char *context_name;   /* virtwl: NEW_CTX_NAMED name, or NULL */
	const char *virtgpu_device; /* virtgpu: a render node (default: scan) */
	unsigned cross_domain_ids;  /* virtgpu: the host's identifier-array
				     * size, 28 (current) or 4 (older) */
};

bool channel_parse_kind(const char *s, enum channel_kind *out);

/* NULL with a message in err when the transport cannot be set up. */
struct channel *channel_create(const struct channel_options *opts,
			       char *err, size_t errlen);
void channel_destroy(struct channel *ch);

/* A connected stream socket to the host compositor for libwayland-client
 * (the caller owns it), or -1 with a message in err. */
int channel_connect(struct channel *ch, char *err, size_t errlen);

static inline int
channel_alloc_memory(struct channel *ch, size_t size, struct channel_memory *out)
{
	return ch->impl->alloc_memory(ch, size, out);
}

/* Every transport's memory is one fd mapped whole from offset 0 (the
 * device ignores mmap offsets).  Takes fd: closes it on failure. */
int channel_memory_map(int fd, size_t size, struct channel_memory *out);
/* Unmaps and closes; the host keeps what it still uses. */
void channel_free_memory(struct channel *ch, struct channel_memory *mem);

static inline int
channel_new_pipe(struct channel *ch, struct channel_pipe *out)
{
	return ch->impl->new_pipe(ch, out);
}

static inline ssize_t
channel_stream_read(struct channel *ch, int fd, void *buf, size_t cap)
{
	return ch->impl->stream_read(ch, fd, buf, cap);
}

static inline ssize_t
channel_stream_write(struct channel *ch, int fd, const void *data, size_t len)
{
	return ch->impl->stream_write(ch, fd, data, len);
}

/* Transports */
struct channel *channel_direct_create(const char *host_display,
				      char *err, size_t errlen);
/* With absent_ok, a missing device is not an error: NULL with an empty
 * err (how --transport auto falls back to direct). */
struct channel *channel_virtwl_create(const char *device,
				      const char *context_name, bool absent_ok,
				      char *err, size_t errlen);

/* The render node to use: the given one or the first virtio-gpu with
 * cross-domain.  0 found (path filled), 1 none (why says why), -1 an error
 * the user can act on (why says what to do). */
int channel_virtgpu_probe(const char *device, char *path, size_t pathlen,
			  char *why, size_t whylen);
struct channel *channel_virtgpu_create(const char *device, unsigned ids,
				       char *err, size_t errlen);

/* pump.c: bridges contexts that are not sockets to local socketpairs, on a
 * thread of its own so libwayland-client's blocking calls keep working. */
struct channel_pump *channel_pump_create(struct channel *ch, char *err,
					 size_t errlen);
/* Takes ownership of ctx; returns the socket for libwayland-client. */
int channel_pump_add(struct channel_pump *pump, struct channel_context *ctx);
void channel_pump_destroy(struct channel_pump *pump);

#endif
