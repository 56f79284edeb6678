/*
 * device → proxy: what /dev/wl0 returns to RECV, through virtwl.c and the
 * pump (guest-kmod-ioctl/), to the socket libwayland-client reads.  The
 * device is faked at the ioctl: this file defines ioctl(), which the
 * channel library's calls resolve to, and answers NEW_CTX with an always
 * readable eventfd and RECV from the input:
 *
 *   steps, each a byte (mod 5) and its operands:
 *     0 data:  u16 length (clamped to what the RECV asked for), bytes,
 *              u8 fd count (0..28, 28 being the device's maximum), fds
 *     1 eagain
 *     2 fds:   fds without bytes (the device's late fds)
 *     3 long:  data whose reported length exceeds the buffer (a device
 *              bug the driver would never let through, but cheap to check)
 *     4 error: RECV fails with EIO
 *   then a RECV of 0 bytes and no fds: the host hung up.
 *
 * Oracles: the sanitizers; libwayland-client's end receives exactly the
 * bytes the device returned, in order (unless the pump ended the link,
 * which it may only do on an error step or too many fds), never more fds
 * than the device returned, and then EOF.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "channel.h"
#include "input.h"
#include "virtwl-abi.h"

int ioctl(int fd, unsigned long request, ...);

static struct {
	struct channel *channel;
	int ctx_vfd;
	/* The input being replayed, touched only by the pump thread while a
	 * link runs. */
	struct input in;
	uint8_t *sent;
	size_t sent_len, sent_cap;
	int sent_fds;
	bool may_end; /* an error step or a flood of fds came */
} dev;

static int
device_fd(void)
{
	int fd;
	switch (input_u8(&dev.in) % 3) {
	case 0:
		fd = eventfd(0, EFD_CLOEXEC);
		break;
	case 1:
		fd = memfd_create("vfd", MFD_CLOEXEC);
		break;
	default: {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		close(p[1]);
		fd = p[0];
	}
	}
	return fd;
}

static int
device_recv(struct virtwl_ioctl_txn *txn)
{
	uint32_t cap = txn->len;
	int nfds = 0;
	if (input_done(&dev.in)) {
		txn->len = 0; /* hung up */
		return 0;
	}
	switch (input_u8(&dev.in) % 5) {
	case 1:
		errno = EAGAIN;
		return -1;
	case 4:
		dev.may_end = true;
		errno = EIO;
		return -1;
	case 2:
		txn->len = 0;
		nfds = (int)input_range(&dev.in, 1, VIRTWL_SEND_MAX_ALLOCS);
		break;
	case 0:
	case 3: {
		uint32_t want = input_u16(&dev.in) % (VIRTWL_HOST_RECV_MAX_BYTES + 1);
		if (want > cap)
			want = cap;
		size_t got = input_bytes(&dev.in, txn->data, want);
		if (got > 0 && dev.sent_len + got > dev.sent_cap) {
			dev.sent_cap = (dev.sent_len + got) * 2;
			dev.sent = realloc(dev.sent, dev.sent_cap);
		}
		if (got > 0)
			memcpy(dev.sent + dev.sent_len, txn->data, got);
		dev.sent_len += got;
		txn->len = (uint32_t)got;
		nfds = (int)input_range(&dev.in, 0, VIRTWL_SEND_MAX_ALLOCS);
		break;
	}
	}
	/* 'long': claims more than it wrote; the driver copies only cap */
	for (int i = 0; i < nfds; i++) {
		txn->fds[i] = device_fd();
		if (txn->fds[i] < 0)
			break;
		dev.sent_fds++;
	}
	if (dev.sent_fds > CHANNEL_MAX_FDS * 15)
		dev.may_end = true;
	return 0;
}

int
ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (fd == dev.ctx_vfd && request == VIRTWL_IOCTL_RECV)
		return device_recv(arg);
	if (fd == dev.ctx_vfd && request == VIRTWL_IOCTL_SEND)
		return 0; /* the host takes anything */
	if (request == VIRTWL_IOCTL_NEW) {
		struct virtwl_ioctl_new *req = arg;
		if (req->type != VIRTWL_IOCTL_NEW_CTX) {
			errno = EINVAL;
			return -1;
		}
		/* always readable: the pump RECVs until the input says EAGAIN */
		req->fd = eventfd(1, EFD_CLOEXEC);
		dev.ctx_vfd = req->fd;
		return req->fd < 0 ? -1 : 0;
	}
	return (int)syscall(SYS_ioctl, fd, request, arg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	if (!dev.channel) {
		dev.ctx_vfd = -1;
		dev.channel = channel_virtwl_create("/dev/null", NULL, false, err,
						    sizeof(err));
		FUZZ_CHECK(dev.channel, "%s", err);
	}
	input_init(&dev.in, data, size);
	dev.sent_len = 0;
	dev.sent_fds = 0;
	dev.may_end = false;
	int sock = channel_connect(dev.channel, err, sizeof(err));
	FUZZ_CHECK(sock >= 0, "channel_connect: %s", err);

	uint8_t *got = NULL;
	size_t got_len = 0, got_cap = 0;
	int got_fds = 0;
	bool eof = false;
	for (;;) {
		struct pollfd p = { sock, POLLIN, 0 };
		int ready = poll(&p, 1, 5000);
		/* libFuzzer's -timeout alarm interrupts us every few
		 * seconds: that is not the pump being late. */
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready != 1)
			break;
		uint8_t buf[4096];
		union {
			struct cmsghdr c;
			char buf[CMSG_SPACE(sizeof(int) * CHANNEL_MAX_FDS)];
		} u;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
		};
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			eof = n == 0;
			break;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_type != SCM_RIGHTS)
				continue;
			int fds[CHANNEL_MAX_FDS];
			size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			memcpy(fds, CMSG_DATA(c), nfds * sizeof(int));
			for (size_t i = 0; i < nfds; i++)
				close(fds[i]);
			got_fds += (int)nfds;
		}
		if (got_len + (size_t)n > got_cap) {
			got_cap = (got_len + (size_t)n) * 2;
			got = realloc(got, got_cap);
		}
		memcpy(got + got_len, buf, (size_t)n);
		got_len += (size_t)n;
	}
	close(sock);
	/* The pump thread is done with this input once it has hung up the
	 * socket; what it saw is final. */
	FUZZ_CHECK(eof, "no EOF from the pump within 5 s");
	FUZZ_CHECK(got_fds <= dev.sent_fds, "%d fds out, %d from the device",
		   got_fds, dev.sent_fds);
	if (!dev.may_end) {
		FUZZ_CHECK(got_len == dev.sent_len, "%zu bytes out, %zu from the "
			   "device", got_len, dev.sent_len);
	}
	FUZZ_CHECK(got_len <= dev.sent_len &&
		   (got_len == 0 || memcmp(got, dev.sent, got_len) == 0),
		   "bytes out differ from the device's (%zu of %zu)", got_len,
		   dev.sent_len);
	free(got);
	return 0;
}
