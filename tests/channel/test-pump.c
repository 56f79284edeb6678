/*
 * The pump between a non-socket context and libwayland-client's socket,
 * driven by a transport that behaves like the virtio-wayland driver's RECV:
 * queued host messages are concatenated up to the buffer, then at most 28
 * fds are handed over, so a message's fds can come a RECV after its bytes.
 *
 * Checks: fds never reach the socket after the bytes of their message;
 * bytes arrive in order and intact, both ways; a SEND never splits an fd
 * from the first byte of its chunk and never carries more than a page;
 * the host's hang-up reaches the socket as EOF after all bytes; closing
 * the socket closes the context.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "channel.h"

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	exit(1); } } while (0)

#define MAX_MSGS 64
#define DEVICE_MAX_FDS 28

struct msg {
	uint8_t data[8192];
	size_t len, off;
	int fds[64];
	int nfds, fd_off;
};

/* The device model and what it saw the pump send. */
struct script {
	struct channel_context base;
	pthread_mutex_t lock;
	int ready; /* eventfd: readable while something is queued or hung up */
	struct msg msgs[MAX_MSGS];
	int head, tail;
	bool hup;
	bool closed;
	/* guest → host */
	uint8_t sent[1 << 16];
	size_t sent_len;
	int sent_fds;
	size_t max_send;
	bool fd_without_first_byte;
};

static struct script script;

static void
update_ready(struct script *s)
{
	uint64_t v;
	while (read(s->ready, &v, sizeof(v)) > 0)
		;
	if (s->head != s->tail || s->hup) {
		v = 1;
		CHECK(write(s->ready, &v, sizeof(v)) == sizeof(v));
	}
}

static int
script_fd(struct channel_context *ctx)
{
	return script.ready;
}

static int
script_send(struct channel_context *ctx, const void *data, size_t len,
	    const int *fds, int nfds)
{
	pthread_mutex_lock(&script.lock);
	CHECK(script.sent_len + len <= sizeof(script.sent));
	if (nfds > 0 && len == 0)
		script.fd_without_first_byte = true;
	memcpy(script.sent + script.sent_len, data, len);
	script.sent_len += len;
	script.sent_fds += nfds;
	if (len > script.max_send)
		script.max_send = len;
	pthread_mutex_unlock(&script.lock);
	return 0;
}

/* The driver's RECV: bytes of several messages up to cap, then up to 28
 * fds of the messages touched. */
static ssize_t
script_recv(struct channel_context *ctx, void *buf, size_t cap, int *fds, int *nfds)
{
	CHECK(cap > 0); /* a zero-length RECV would hang the real kernel */
	pthread_mutex_lock(&script.lock);
	size_t got = 0;
	*nfds = 0;
	int i = script.head;
	while (i != script.tail && got < cap) {
		struct msg *m = &script.msgs[i];
		size_t n = m->len - m->off < cap - got ? m->len - m->off : cap - got;
		memcpy((uint8_t *)buf + got, m->data + m->off, n);
		m->off += n;
		got += n;
		i = (i + 1) % MAX_MSGS;
	}
	for (int j = script.head; j != i && *nfds < DEVICE_MAX_FDS; j = (j + 1) % MAX_MSGS) {
		struct msg *m = &script.msgs[j];
		while (m->fd_off < m->nfds && *nfds < DEVICE_MAX_FDS)
			fds[(*nfds)++] = m->fds[m->fd_off++];
	}
	while (script.head != script.tail) {
		struct msg *m = &script.msgs[script.head];
		if (m->off < m->len || m->fd_off < m->nfds)
			break;
		script.head = (script.head + 1) % MAX_MSGS;
	}
	ssize_t ret = (ssize_t)got;
	if (got == 0 && *nfds == 0 && !script.hup) {
		errno = EAGAIN;
		ret = -1;
	}
	update_ready(&script);
	pthread_mutex_unlock(&script.lock);
	return ret;
}

static void
script_close(struct channel_context *ctx)
{
	pthread_mutex_lock(&script.lock);
	script.closed = true;
	pthread_mutex_unlock(&script.lock);
}

static void
host_queue(const uint8_t *data, size_t len, int nfds)
{
	pthread_mutex_lock(&script.lock);
	struct msg *m = &script.msgs[script.tail];
	memset(m, 0, sizeof(*m));
	memcpy(m->data, data, len);
	m->len = len;
	for (int i = 0; i < nfds; i++)
		m->fds[i] = eventfd(0, EFD_CLOEXEC);
	m->nfds = nfds;
	script.tail = (script.tail + 1) % MAX_MSGS;
	update_ready(&script);
	pthread_mutex_unlock(&script.lock);
}

static void
host_hangup(void)
{
	pthread_mutex_lock(&script.lock);
	script.hup = true;
	update_ready(&script);
	pthread_mutex_unlock(&script.lock);
}

static const struct channel_impl script_impl = {
	.name = "script",
	/* virtio-wayland's: 28 fds, a page of data, fds that may trail. */
	.limits = { .max_fds = 28, .max_send = 3980, .fds_may_trail = true },
	.context_fd = script_fd,
	.context_send = script_send,
	.context_recv = script_recv,
	.context_close = script_close,
};

/* Reads the socket until EOF, checking fds are never late: after byte
 * counts[i] the fds of messages 0..i (fd_counts[i] in all) must be in. */
static size_t
read_until_eof(int sock, uint8_t *out, size_t cap, const size_t *ends,
	       const int *fds_by_end, int nends, int *total_fds)
{
	size_t got = 0;
	*total_fds = 0;
	for (;;) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		CHECK(poll(&p, 1, 5000) == 1);
		char control[CMSG_SPACE(sizeof(int) * 28)];
		struct iovec iov = { .iov_base = out + got, .iov_len = cap - got };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = control,
				     .msg_controllen = sizeof(control) };
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		CHECK(n >= 0);
		CHECK(!(mh.msg_flags & MSG_CTRUNC)); /* libwayland's limit too */
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			int *fds = (int *)CMSG_DATA(c);
			for (int i = 0; i < count; i++) {
				struct stat st;
				CHECK(fstat(fds[i], &st) == 0);
				close(fds[i]);
			}
			*total_fds += count;
		}
		if (n == 0)
			return got;
		got += (size_t)n;
		for (int i = 0; i < nends; i++) {
			if (got >= ends[i])
				CHECK(*total_fds >= fds_by_end[i]);
		}
	}
}

int
main(void)
{
	struct channel ch = { .impl = &script_impl };
	snprintf(ch.host_name, sizeof(ch.host_name), "script");
	pthread_mutex_init(&script.lock, NULL);
	script.ready = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	script.base.channel = &ch;

	char err[256];
	struct channel_pump *pump = channel_pump_create(&ch, err, sizeof(err));
	CHECK(pump);
	int sock = channel_pump_add(pump, &script.base);
	CHECK(sock >= 0);

	/* guest → host: 10000 bytes with 3 fds, as libwayland-client would
	 * write them; then 28 more fds with a short message. */
	uint8_t out[10000];
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 13 + 7);
	int fds[28];
	for (int i = 0; i < 28; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	char control[CMSG_SPACE(sizeof(int) * 28)];
	struct iovec iov = { .iov_base = out, .iov_len = sizeof(out) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * 3) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * 3);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * 3);
	CHECK(sendmsg(sock, &mh, 0) == (ssize_t)sizeof(out));
	iov.iov_len = 16;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * 28);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_len = CMSG_LEN(sizeof(int) * 28);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * 28);
	CHECK(sendmsg(sock, &mh, 0) == 16);
	for (int i = 0; i < 28; i++)
		close(fds[i]);
	for (int tries = 0; tries < 500; tries++) {
		pthread_mutex_lock(&script.lock);
		bool done = script.sent_len == sizeof(out) + 16;
		pthread_mutex_unlock(&script.lock);
		if (done)
			break;
		usleep(10000);
	}
	pthread_mutex_lock(&script.lock);
	CHECK(script.sent_len == sizeof(out) + 16);
	CHECK(memcmp(script.sent, out, sizeof(out)) == 0);
	CHECK(memcmp(script.sent + sizeof(out), out, 16) == 0);
	CHECK(script.sent_fds == 31);
	CHECK(!script.fd_without_first_byte);
	CHECK(script.max_send <= 4096 - 116);
	pthread_mutex_unlock(&script.lock);

	/* host → guest: two messages of 20 fds each queued together, so
	 * the second's fds straddle two RECVs; then 5000 bytes in 2 more
	 * messages; then hang-up. */
	uint8_t in[3][2500];
	for (int m = 0; m < 3; m++)
		for (size_t i = 0; i < sizeof(in[m]); i++)
			in[m][i] = (uint8_t)(i * 7 + (size_t)m);
	host_queue(in[0], 50, 20);
	host_queue(in[1], 50, 20);
	host_queue(in[1], sizeof(in[1]), 0);
	host_queue(in[2], sizeof(in[2]), 0);
	host_hangup();
	static uint8_t got[1 << 16];
	size_t ends[] = { 50, 100 };
	int fds_by_end[] = { 20, 40 };
	int total_fds;
	size_t n = read_until_eof(sock, got, sizeof(got), ends, fds_by_end, 2, &total_fds);
	CHECK(n == 100 + 2 * sizeof(in[1]));
	CHECK(total_fds == 40);
	CHECK(memcmp(got, in[0], 50) == 0);
	CHECK(memcmp(got + 50, in[1], 50) == 0);
	CHECK(memcmp(got + 100, in[1], sizeof(in[1])) == 0);
	CHECK(memcmp(got + 100 + sizeof(in[1]), in[2], sizeof(in[2])) == 0);

	/* The guest side closes: the context goes. */
	close(sock);
	for (int tries = 0; tries < 500; tries++) {
		pthread_mutex_lock(&script.lock);
		bool closed = script.closed;
		pthread_mutex_unlock(&script.lock);
		if (closed)
			break;
		usleep(10000);
	}
	CHECK(script.closed);
	channel_pump_destroy(pump);
	close(script.ready);
	printf("pump: ok\n");
	return 0;
}
