/*
 * Helpers of the emulator self-test; see selftest.h.
 */
#include "selftest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int st_failures;
int st_expected_rejections;
int st_expected_violations;

void st_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "FAIL %s:%d: %s: ", file, line, cond);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	st_failures++;
}

void st_section(const char *name)
{
	fprintf(stderr, "-- %s\n", name);
}

int st_listen(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, 16) < 0) {
		perror("listen");
		exit(1);
	}
	return fd;
}

int st_accept(int listener)
{
	if (!st_wait_readable(listener, 5000))
		return -1;
	return accept4(listener, NULL, NULL, SOCK_CLOEXEC);
}

int st_new(int dev, uint32_t type, uint32_t size, const char *name)
{
	struct virtwl_ioctl_new n;
	memset(&n, 0, sizeof(n));
	n.type = type;
	n.fd = -1;
	if (name)
		snprintf(n.name, sizeof(n.name), "%s", name);
	else
		n.size = size;
	if (ioctl(dev, VIRTWL_IOCTL_NEW, &n) < 0)
		return -errno;
	return n.fd;
}

int st_send(int vfd, const void *data, uint32_t len, const int *fds, int nfds)
{
	struct virtwl_ioctl_txn *t = malloc(sizeof(*t) + len);
	for (int i = 0; i < VIRTWL_SEND_MAX_ALLOCS; i++)
		t->fds[i] = i < nfds ? fds[i] : -1;
	t->len = len;
	if (len)
		memcpy(t->data, data, len);
	int r = ioctl(vfd, VIRTWL_IOCTL_SEND, t) < 0 ? -errno : 0;
	free(t);
	return r;
}

int st_recv(int vfd, void *buf, uint32_t cap, int *fds, int *nfds)
{
	struct virtwl_ioctl_txn *t = malloc(sizeof(*t) + cap);
	memset(t, 0x55, sizeof(*t));
	t->len = cap;
	int r = ioctl(vfd, VIRTWL_IOCTL_RECV, t) < 0 ? -errno : 0;
	*nfds = 0;
	if (r == 0) {
		while (*nfds < VIRTWL_SEND_MAX_ALLOCS && t->fds[*nfds] >= 0) {
			fds[*nfds] = t->fds[*nfds];
			(*nfds)++;
		}
		memcpy(buf, t->data, t->len);
		r = (int)t->len;
	}
	free(t);
	return r;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

bool st_wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, timeout_ms) == 1;
}

int st_recv_wait(int vfd, void *buf, uint32_t cap, int *fds, int *nfds,
		 int timeout_ms)
{
	int fl = fcntl(vfd, F_GETFL);
	fcntl(vfd, F_SETFL, fl | O_NONBLOCK);
	long long deadline = now_ms() + timeout_ms;
	int r;
	for (;;) {
		r = st_recv(vfd, buf, cap, fds, nfds);
		if (r != -EAGAIN || now_ms() >= deadline)
			break;
		/* Only vfds queued do not make the socket readable: poll briefly. */
		st_wait_readable(vfd, 20);
	}
	fcntl(vfd, F_SETFL, fl);
	return r;
}

int st_comp_send(int sock, const void *data, size_t len, const int *fds, int nfds)
{
	union {
		char space[CMSG_SPACE(sizeof(int) * 64)];
		struct cmsghdr align;
	} cbuf;
	memset(&cbuf, 0, sizeof(cbuf));
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds > 0) {
		msg.msg_control = cbuf.space;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	return (int)sendmsg(sock, &msg, MSG_NOSIGNAL);
}

int st_comp_recv(int sock, void *buf, size_t cap, int *fds, int *nfds, int timeout_ms)
{
	*nfds = 0;
	if (!st_wait_readable(sock, timeout_ms))
		return -ETIMEDOUT;
	union {
		char space[CMSG_SPACE(sizeof(int) * 64)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.space, .msg_controllen = sizeof(cbuf.space),
	};
	int n = (int)recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(fds + *nfds, CMSG_DATA(c), sizeof(int) * (size_t)k);
		*nfds += k;
	}
	return n;
}

bool st_read_all(int fd, void *buf, size_t len, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	size_t got = 0;
	while (got < len) {
		int left = (int)(deadline - now_ms());
		if (left <= 0 || !st_wait_readable(fd, left))
			return false;
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

long long st_stats_value(const char *path, const char *after, const char *key)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *p = buf;
	if (after) {
		p = strstr(buf, after);
		if (!p)
			return -1;
	}
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(p, pat);
	return p ? atoll(p + strlen(pat)) : -1;
}
