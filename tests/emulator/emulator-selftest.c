/*
 * Self-test of wl0-emulator, run under it:
 *   wl0-emulator --wayland-sock S --wayland-sock S2,name=second \
 *                --stats F -- emulator-selftest S S2 F
 * It binds the host sockets itself before opening /dev/wl0, so after NEW
 * CTX it accept()s and holds the compositor's end, and checks end to end
 * what crosses the emulated device.  Every check can fail; the process
 * exits 1 if any did.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "selftest.h"

struct env {
	const char *stats;
	int listener, listener2;
	int dev;
	int ctx;  /* context vfd */
	int comp; /* the compositor's end of it */
};

static int memfd_with(const char *text, size_t size)
{
	int fd = memfd_create("selftest", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		return -1;
	if (text && pwrite(fd, text, strlen(text), 0) < 0)
		return -1;
	return fd;
}

/* NEW CTX and the compositor's end of it. */
static void new_ctx(struct env *e, int *ctx, int *comp)
{
	*ctx = st_new(e->dev, VIRTWL_IOCTL_NEW_CTX, 0, NULL);
	CHECK(*ctx >= 0, "NEW CTX: %s", strerror(-*ctx));
	*comp = st_accept(e->listener);
	CHECK(*comp >= 0, "no connection reached the compositor socket");
}

static void test_device(struct env *e)
{
	st_section("device");
	CHECK(e->dev >= 0, "open /dev/wl0: %s", strerror(errno));
	int fl = fcntl(e->dev, F_GETFD);
	CHECK(fl >= 0 && (fl & FD_CLOEXEC), "O_CLOEXEC of open() not honoured");
	int nocloexec = open("/dev/wl0", O_RDWR);
	fl = fcntl(nocloexec, F_GETFD);
	CHECK(nocloexec >= 0 && !(fl & FD_CLOEXEC), "device opened without O_CLOEXEC has it");
	close(nocloexec);
	errno = 0;
	void *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, e->dev, 0);
	CHECK(m == MAP_FAILED && errno == ENODEV, "mmap of the device: %s", strerror(errno));
	st_expected_rejections++;
	int r = ioctl(e->dev, _IO('w', 7));
	CHECK(r < 0 && errno == ENOTTY, "unknown device ioctl: %d %s", r, strerror(errno));
	st_expected_rejections++;
	/* Not the device: continues in the kernel. */
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(null >= 0, "open /dev/null under the emulator");
	close(null);
}

static void test_send_alloc(struct env *e)
{
	st_section("SEND bytes + ALLOC to the compositor");
	int a = st_new(e->dev, VIRTWL_IOCTL_NEW_ALLOC, 5000, NULL);
	CHECK(a >= 0, "NEW ALLOC: %s", strerror(-a));
	int fl = fcntl(a, F_GETFD);
	CHECK(fl & FD_CLOEXEC, "vfds are O_CLOEXEC");
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
	CHECK(m != MAP_FAILED, "mmap ALLOC 8192 (page-rounded 5000): %s", strerror(errno));
	if (m == MAP_FAILED)
		return;
	for (int i = 0; i < 8192; i++)
		m[i] = (char)(i * 7);
	int r = st_send(e->ctx, "hello", 5, &a, 1);
	CHECK(r == 0, "SEND: %s", strerror(-r));
	char buf[64];
	int fds[64], nfds;
	int n = st_comp_recv(e->comp, buf, sizeof(buf), fds, &nfds, 2000);
	CHECK(n == 5 && memcmp(buf, "hello", 5) == 0, "compositor got %d bytes", n);
	CHECK(nfds == 1, "compositor got %d fds", nfds);
	if (nfds == 1) {
		off_t end = lseek(fds[0], 0, SEEK_END);
		CHECK(end == 8192, "host memfd size %lld", (long long)end);
		char *h = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fds[0], 0);
		CHECK(h != MAP_FAILED && memcmp(h, m, 8192) == 0, "host memfd content differs");
		if (h != MAP_FAILED) {
			/* Shared, not copied: the host sees later writes. */
			m[100] = 42;
			CHECK(h[100] == 42, "ALLOC memory is not shared with the host");
			munmap(h, 8192);
		}
		close(fds[0]);
	}
	/* SEND on memory: crosvm INVALID_TYPE. */
	r = st_send(a, "x", 1, NULL, 0);
	CHECK(r == -EINVAL, "SEND on ALLOC: %s", strerror(-r));
	st_expected_rejections++;
	r = st_send(a, NULL, 0, NULL, 0);
	CHECK(r == 0, "SEND len 0 no fds on ALLOC is a no-op: %s", strerror(-r));
	errno = 0;
	r = ftruncate(a, 1 << 20);
	CHECK(r < 0, "the guest resized an ALLOC vfd");
	munmap(m, 8192);
	close(a);
}

static void test_write_then_send(struct env *e)
{
	st_section("write(2) on a context, then SEND: order kept");
	ssize_t w = write(e->ctx, "abc", 3);
	CHECK(w == 3, "write on ctx");
	int r = st_send(e->ctx, "def", 3, NULL, 0);
	CHECK(r == 0, "SEND: %s", strerror(-r));
	char buf[16];
	CHECK(st_read_all(e->comp, buf, 6, 2000) && memcmp(buf, "abcdef", 6) == 0,
	      "compositor did not get abcdef");
}

static void test_recv_memfd_pipe(struct env *e)
{
	st_section("compositor -> guest: bytes + memfd + pipe");
	const char *keymap = "xkb_keymap { fake };";
	int mem = memfd_with(keymap, 5000);
	fcntl(mem, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW);
	int p[2];
	CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe");
	int send_fds[2] = { mem, p[0] };
	CHECK(st_comp_send(e->comp, "msg", 3, send_fds, 2) == 3, "compositor sendmsg");
	close(mem);
	close(p[0]);
	char buf[64];
	int fds[VIRTWL_SEND_MAX_ALLOCS], nfds;
	int n = st_recv(e->ctx, buf, sizeof(buf), fds, &nfds); /* blocking */
	CHECK(n == 3 && memcmp(buf, "msg", 3) == 0, "RECV got %d bytes", n);
	CHECK(nfds == 2, "RECV got %d fds", nfds);
	if (nfds != 2)
		return;
	int kv = fds[0], pv = fds[1];
	CHECK(fcntl(kv, F_GETFD) & FD_CLOEXEC, "received vfds are O_CLOEXEC");
	char *k = mmap(NULL, 8192, PROT_READ, MAP_SHARED, kv, 0);
	CHECK(k != MAP_FAILED && strcmp(k, keymap) == 0, "keymap vfd content");
	if (k != MAP_FAILED)
		munmap(k, 8192);
	errno = 0;
	k = mmap(NULL, 12288, PROT_READ, MAP_SHARED, kv, 0);
	CHECK(k == MAP_FAILED && errno == EINVAL, "mmap beyond the size: %s", strerror(errno));
	st_expected_rejections++;
	errno = 0;
	k = mmap(NULL, 4096, PROT_READ, MAP_SHARED, kv, 4096);
	CHECK(k == MAP_FAILED && errno == EINVAL, "mmap pgoff 1 must be refused");
	st_expected_violations++;
	errno = 0;
	k = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, kv, 0);
	CHECK(k == MAP_FAILED && errno == EACCES, "writable map of a sealed host memfd");
	st_expected_violations++;
	CHECK(st_stats_value(e->stats, NULL, "violations") >= 0, "stats file readable");
	/* The pipe: compositor writes its end, the guest reads the vfd. */
	CHECK(write(p[1], "piped", 5) == 5, "compositor writes its pipe");
	char pb[8];
	CHECK(st_read_all(pv, pb, 5, 2000) && memcmp(pb, "piped", 5) == 0,
	      "pipe data did not reach the guest");
	ssize_t w = write(pv, "x", 1);
	CHECK(w < 0 && errno == EBADF, "a read-only host pipe vfd is not writable");
	int r = st_send(pv, "x", 1, NULL, 0);
	CHECK(r == -ENODEV, "SEND into a read-only host pipe: %s", strerror(-r));
	st_expected_rejections++;
	close(p[1]);
	CHECK(st_wait_readable(pv, 2000) && read(pv, pb, 1) == 0, "pipe EOF");
	close(kv);
	close(pv);
}

static void test_rejections(struct env *e)
{
	st_section("rejections");
	int mem = memfd_with("guest", 4096);
	int r = st_send(e->ctx, "x", 1, &mem, 1);
	CHECK(r == -EBADFD, "SEND of a guest memfd: %s", strerror(-r));
	st_expected_rejections++;
	close(mem);
	r = st_send(e->ctx, "x", 1, (int[]){ 1000 }, 1);
	CHECK(r == -EBADFD, "SEND of a closed fd: %s", strerror(-r));
	st_expected_rejections++;
	r = st_send(e->ctx, "x", 1, &e->dev, 1);
	CHECK(r == -EBADFD, "SEND of the device fd: %s", strerror(-r));
	st_expected_rejections++;

	r = st_new(e->dev, 99, 0, NULL);
	CHECK(r == -EINVAL, "NEW type 99: %s", strerror(-r));
	st_expected_rejections++;
	r = st_new(e->dev, VIRTWL_IOCTL_NEW_DMABUF, 0, NULL);
	CHECK(r == -ENOTTY, "NEW DMABUF: %s", strerror(-r));
	st_expected_rejections++;
	struct virtwl_ioctl_new old = { .type = VIRTWL_IOCTL_NEW_DMABUF };
	r = ioctl(e->dev, VIRTWL_IOCTL_NEW_OLD, &old);
	CHECK(r < 0 && errno == EINVAL, "16-byte NEW DMABUF: %s", strerror(errno));
	st_expected_rejections++;
	r = st_new(e->dev, VIRTWL_IOCTL_NEW_CTX_NAMED, 0, "nosuchname");
	CHECK(r == -ENODEV, "CTX_NAMED unknown: %s", strerror(-r));
	st_expected_rejections++;
	r = st_new(e->dev, VIRTWL_IOCTL_NEW_ALLOC, 0, NULL);
	CHECK(r == -ENODEV, "ALLOC size 0: %s", strerror(-r));
	st_expected_rejections++;

	errno = 0;
	void *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, e->ctx, 0);
	CHECK(m == MAP_FAILED && errno == EACCES, "mmap of a ctx vfd: %s", strerror(errno));
	st_expected_rejections++;

	struct virtwl_ioctl_dmabuf_sync sync = { .flags = 8 };
	r = ioctl(e->ctx, VIRTWL_IOCTL_DMABUF_SYNC, &sync);
	CHECK(r < 0 && errno == EINVAL, "DMABUF_SYNC flags 8: %s", strerror(errno));
	st_expected_rejections++;
	sync.flags = 1 | 4;
	r = ioctl(e->ctx, VIRTWL_IOCTL_DMABUF_SYNC, &sync);
	CHECK(r == 0, "DMABUF_SYNC flags 5: %s", strerror(errno));

	int avail;
	r = ioctl(e->ctx, FIONREAD, &avail);
	CHECK(r < 0 && errno == ENOTTY, "FIONREAD on a vfd: %s", strerror(errno));
	st_expected_rejections++;
	r = ioctl(e->ctx, _IOWR('w', 0x09, int), &avail);
	CHECK(r < 0 && errno == ENOTTY, "unknown vfd ioctl: %s", strerror(errno));
	st_expected_rejections++;
	/* Generic VFS ioctls keep working on vfds. */
	int on = 1;
	CHECK(ioctl(e->ctx, FIONBIO, &on) == 0 && (fcntl(e->ctx, F_GETFL) & O_NONBLOCK),
	      "FIONBIO on a vfd");
	on = 0;
	ioctl(e->ctx, FIONBIO, &on);
	CHECK(ioctl(e->ctx, FIONCLEX) == 0 && !(fcntl(e->ctx, F_GETFD) & FD_CLOEXEC),
	      "FIONCLEX on a vfd");
	ioctl(e->ctx, FIOCLEX);

	/* Bad pointers answer EFAULT, they do not hurt the emulator. */
	r = ioctl(e->ctx, VIRTWL_IOCTL_SEND, (void *)16);
	CHECK(r < 0 && errno == EFAULT, "SEND with a bad pointer: %s", strerror(errno));
	st_expected_rejections++;
	r = ioctl(e->dev, VIRTWL_IOCTL_NEW, (void *)16);
	CHECK(r < 0 && errno == EFAULT, "NEW with a bad pointer: %s", strerror(errno));
	st_expected_rejections++;
	r = ioctl(e->ctx, VIRTWL_IOCTL_RECV, (void *)16);
	CHECK(r < 0 && errno == EFAULT, "RECV with a bad pointer: %s", strerror(errno));
	st_expected_rejections++;
	/* A txn whose data area ends in unmapped memory, with data queued. */
	char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(page + 4096, 4096);
	struct virtwl_ioctl_txn *t = (void *)(page + 4096 - sizeof(*t) - 8);
	t->len = 64;
	CHECK(st_comp_send(e->comp, "0123456789abcdef", 16, NULL, 0) == 16, "compositor send");
	usleep(50 * 1000);
	r = ioctl(e->ctx, VIRTWL_IOCTL_RECV, t);
	CHECK(r < 0 && errno == EFAULT, "RECV into a short buffer: %d %s", r, strerror(errno));
	st_expected_rejections++;
	/* Nothing was lost: the bytes are still there for a good RECV. */
	char buf[32];
	int rf[VIRTWL_SEND_MAX_ALLOCS], rn;
	int n = st_recv_wait(e->ctx, buf, sizeof(buf), rf, &rn, 2000);
	CHECK(n == 16 && memcmp(buf, "0123456789abcdef", 16) == 0, "bytes after EFAULT: %d", n);
	munmap(page, 4096);
}

static void test_window(struct env *e)
{
	st_section("the 4 GiB window");
	int big = st_new(e->dev, VIRTWL_IOCTL_NEW_ALLOC, 0xC0000000u, NULL);
	CHECK(big >= 0, "NEW ALLOC 3 GiB: %s", strerror(-big));
	int more = st_new(e->dev, VIRTWL_IOCTL_NEW_ALLOC, 0x40001000u, NULL);
	CHECK(more == -ENODEV, "ALLOC beyond the window: %s", strerror(-more));
	st_expected_rejections++;
	if (more >= 0)
		close(more);
	close(big);
	/* Released (asynchronously): the space comes back. */
	int again = -1;
	for (int i = 0; i < 100 && again < 0; i++) {
		again = st_new(e->dev, VIRTWL_IOCTL_NEW_ALLOC, 0xC0000000u, NULL);
		if (again < 0) {
			st_expected_rejections++;
			usleep(20 * 1000);
		}
	}
	CHECK(again >= 0, "the window is not freed on release");
	close(again);
}

static void test_old_new(struct env *e)
{
	st_section("16-byte NEW");
	struct { uint32_t type; int fd; uint32_t flags; uint32_t size; } old = {
		.type = VIRTWL_IOCTL_NEW_ALLOC, .fd = -1, .size = 4096,
	};
	int r = ioctl(e->dev, VIRTWL_IOCTL_NEW_OLD, &old);
	CHECK(r == 0 && old.fd >= 0, "old NEW ALLOC: %s", strerror(errno));
	if (r == 0) {
		void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, old.fd, 0);
		CHECK(m != MAP_FAILED, "map the old-NEW vfd");
		if (m != MAP_FAILED)
			munmap(m, 4096);
		close(old.fd);
	}
}

static void test_ctx_named(struct env *e)
{
	st_section("CTX_NAMED");
	int v = st_new(e->dev, VIRTWL_IOCTL_NEW_CTX_NAMED, 0, "second");
	CHECK(v >= 0, "CTX_NAMED second: %s", strerror(-v));
	int c = st_accept(e->listener2);
	CHECK(c >= 0, "the named socket got no connection");
	CHECK(st_send(v, "n", 1, NULL, 0) == 0, "SEND on the named ctx");
	char b;
	CHECK(c >= 0 && st_read_all(c, &b, 1, 2000) && b == 'n', "named ctx bytes");
	/* A context vfd can itself be sent: crosvm passes its host socket. */
	int r = st_send(e->ctx, "c", 1, &v, 1);
	CHECK(r == 0, "SEND of a ctx vfd: %s", strerror(-r));
	int fds[64], nfds;
	char buf[8];
	int n = st_comp_recv(e->comp, buf, sizeof(buf), fds, &nfds, 2000);
	CHECK(n == 1 && nfds == 1, "ctx payload: %d bytes %d fds", n, nfds);
	if (nfds == 1) {
		struct stat st;
		CHECK(fstat(fds[0], &st) == 0 && S_ISSOCK(st.st_mode), "ctx payload is a socket");
		close(fds[0]);
	}
	close(v);
	if (c >= 0)
		close(c);
}

/* Sends the pipe vfd over the context in a 1-byte message and returns the
 * end the compositor got, checked to open with access mode `mode`; -1 when
 * it did not arrive. */
static int send_pipe_to_compositor(struct env *e, int vfd, int mode)
{
	int r = st_send(e->ctx, "P", 1, &vfd, 1);
	CHECK(r == 0, "SEND of the pipe vfd: %s", strerror(-r));
	int fds[64], nfds;
	char buf[16];
	int n = st_comp_recv(e->comp, buf, sizeof(buf), fds, &nfds, 2000);
	CHECK(n == 1 && nfds == 1, "pipe payload: %d bytes %d fds", n, nfds);
	if (nfds != 1)
		return -1;
	CHECK((fcntl(fds[0], F_GETFL) & O_ACCMODE) == mode,
	      "compositor got the %s end", mode == O_RDONLY ? "read" : "write");
	return fds[0];
}

static void test_pipe_write(struct env *e)
{
	st_section("PIPE_WRITE");
	int pw = st_new(e->dev, VIRTWL_IOCTL_NEW_PIPE_WRITE, 0, NULL);
	CHECK(pw >= 0, "NEW PIPE_WRITE: %s", strerror(-pw));
	ssize_t w = write(pw, "x", 1);
	CHECK(w < 0 && errno == EBADF, "write(2) on PIPE_WRITE: %zd %s", w, strerror(errno));
	int rd = send_pipe_to_compositor(e, pw, O_RDONLY);
	if (rd < 0)
		return;
	char buf[16];
	int r = st_send(pw, "data", 4, NULL, 0);
	CHECK(r == 0, "SEND on PIPE_WRITE: %s", strerror(-r));
	CHECK(st_read_all(rd, buf, 4, 2000) && memcmp(buf, "data", 4) == 0,
	      "PIPE_WRITE data at the compositor");
	r = st_send(pw, "d", 1, &pw, 1);
	CHECK(r == -EINVAL, "fds to a pipe: %s", strerror(-r));
	st_expected_rejections++;
	r = st_send(e->ctx, "Q", 1, &pw, 1);
	CHECK(r == -EINVAL, "a pipe's remote end goes only once: %s", strerror(-r));
	st_expected_rejections++;
	/* The compositor stops reading: HUP, the guest sees EOF. */
	close(rd);
	CHECK(st_wait_readable(pw, 2000), "PIPE_WRITE vfd not readable after HUP");
	CHECK(read(pw, buf, 1) == 0, "PIPE_WRITE EOF after HUP");
	r = st_send(pw, "late", 4, NULL, 0);
	CHECK(r == -ENODEV, "SEND after HUP: %s", strerror(-r));
	st_expected_rejections++;
	close(pw);
}

static void test_pipe_read(struct env *e)
{
	st_section("PIPE_READ");
	int pr = st_new(e->dev, VIRTWL_IOCTL_NEW_PIPE_READ, 0, NULL);
	CHECK(pr >= 0, "NEW PIPE_READ: %s", strerror(-pr));
	CHECK((fcntl(pr, F_GETFL) & O_ACCMODE) == O_RDONLY, "PIPE_READ is O_RDONLY");
	int wr = send_pipe_to_compositor(e, pr, O_WRONLY);
	if (wr < 0)
		return;
	char buf[16];
	CHECK(write(wr, "xyz", 3) == 3, "compositor writes");
	int rfds[VIRTWL_SEND_MAX_ALLOCS], rn;
	int n = st_recv_wait(pr, buf, sizeof(buf), rfds, &rn, 2000);
	CHECK(n == 3 && memcmp(buf, "xyz", 3) == 0 && rn == 0, "RECV on PIPE_READ: %d", n);
	int r = st_send(pr, "no", 2, NULL, 0);
	CHECK(r == -ENODEV, "SEND into PIPE_READ: %s", strerror(-r));
	st_expected_rejections++;
	close(wr);
	/* Blocking RECV after the compositor closed: EOF. */
	n = st_recv(pr, buf, sizeof(buf), rfds, &rn);
	CHECK(n == 0 && rn == 0, "PIPE_READ EOF by RECV: %d", n);
	close(pr);
}

static void test_nonblocking_eagain(struct env *e)
{
	st_section("RECV non-blocking, nothing queued");
	int fl = fcntl(e->ctx, F_GETFL);
	fcntl(e->ctx, F_SETFL, fl | O_NONBLOCK);
	char buf[16];
	int fds[VIRTWL_SEND_MAX_ALLOCS], nfds;
	int r = st_recv(e->ctx, buf, sizeof(buf), fds, &nfds);
	CHECK(r == -EAGAIN, "RECV: %d", r);
	fcntl(e->ctx, F_SETFL, fl);
}

/* Each memfd holds its index, so order and identity can be checked. */
static void test_forty_fds(struct env *e)
{
	st_section("40 fds in two messages");
	int fds[40];
	for (int i = 0; i < 40; i++) {
		char text[16];
		snprintf(text, sizeof(text), "fd%02d", i);
		fds[i] = memfd_with(text, 4096);
	}
	CHECK(st_comp_send(e->comp, "first", 5, fds, 28) == 5, "send 28");
	CHECK(st_comp_send(e->comp, "second", 6, fds + 28, 12) == 6, "send 12");
	for (int i = 0; i < 40; i++)
		close(fds[i]);
	char data[64] = "";
	int got = 0, bytes = 0, calls = 0;
	while ((got < 40 || bytes < 11) && calls < 100) {
		char buf[64];
		int rf[VIRTWL_SEND_MAX_ALLOCS], rn;
		int n = st_recv_wait(e->ctx, buf, sizeof(buf), rf, &rn, 2000);
		calls++;
		if (n < 0) {
			CHECK(0, "RECV: %s", strerror(-n));
			break;
		}
		CHECK(rn <= VIRTWL_SEND_MAX_ALLOCS, "RECV returned %d fds", rn);
		memcpy(data + bytes, buf, (size_t)n);
		bytes += n;
		for (int i = 0; i < rn; i++, got++) {
			char text[8] = "";
			char want[16];
			snprintf(want, sizeof(want), "fd%02d", got);
			CHECK(pread(rf[i], text, 4, 0) == 4 && memcmp(text, want, 4) == 0,
			      "fd %d holds %.4s", got, text);
			close(rf[i]);
		}
	}
	CHECK(got == 40, "received %d of 40 fds", got);
	CHECK(bytes == 11 && memcmp(data, "firstsecond", 11) == 0, "bytes: %d", bytes);
	CHECK(st_stats_value(e->stats, NULL, "max_recv_fds") <= 28, "stats max_recv_fds");
}

static void test_big_stream(struct env *e)
{
	st_section("10000 bytes from the compositor");
	static uint8_t out[10000], in[10000];
	for (int i = 0; i < 10000; i++)
		out[i] = (uint8_t)(i * 31 + 7);
	/* Several compositor messages of crosvm's 3968-byte maximum. */
	ssize_t w = write(e->comp, out, sizeof(out));
	CHECK(w == (ssize_t)sizeof(out), "compositor write");
	int got = 0, calls = 0;
	while (got < 10000 && calls < 100) {
		int rf[VIRTWL_SEND_MAX_ALLOCS], rn;
		int n = st_recv_wait(e->ctx, in + got, 4096, rf, &rn, 2000);
		calls++;
		if (n <= 0) {
			CHECK(0, "RECV: %d", n);
			break;
		}
		got += n;
	}
	CHECK(got == 10000 && memcmp(in, out, 10000) == 0, "stream corrupted (%d bytes)", got);
}

/* The compositor stops reading: SEND waits, then completes. */
static void test_blocking_send(struct env *e)
{
	st_section("SEND blocks on a full host socket, then completes");
	size_t len = 3u << 20;
	uint8_t *big = malloc(len);
	for (size_t i = 0; i < len; i++)
		big[i] = (uint8_t)(i ^ (i >> 8));
	pid_t reader = fork();
	if (reader == 0) {
		/* The compositor reads late, in a child (no vfds involved). */
		usleep(200 * 1000);
		uint8_t *in = malloc(len);
		bool ok = st_read_all(e->comp, in, len, 10000) && memcmp(in, big, len) == 0;
		_exit(ok ? 0 : 1);
	}
	int r = st_send(e->ctx, big, (uint32_t)len, NULL, 0);
	CHECK(r == 0, "big SEND: %s", strerror(-r));
	int status;
	waitpid(reader, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "compositor got wrong bytes");
	free(big);
}

/* A blocking RECV waits until the compositor sends. */
static void test_blocking_recv(struct env *e)
{
	st_section("blocking RECV waits for the compositor");
	pid_t writer = fork();
	if (writer == 0) {
		usleep(200 * 1000);
		_exit(st_comp_send(e->comp, "late", 4, NULL, 0) == 4 ? 0 : 1);
	}
	char buf[16];
	int rf[VIRTWL_SEND_MAX_ALLOCS], rn;
	alarm(10);
	int n = st_recv(e->ctx, buf, sizeof(buf), rf, &rn);
	alarm(0);
	CHECK(n == 4 && memcmp(buf, "late", 4) == 0, "blocking RECV: %d", n);
	int status;
	waitpid(writer, &status, 0);
}

/* Releases are asynchronous (inotify): wait for live to reach want. */
static long long wait_live(const char *stats, long long want)
{
	long long live = -1;
	for (int i = 0; i < 100; i++) {
		live = st_stats_value(stats, "\"live\"", "total");
		if (live == want)
			break;
		usleep(50 * 1000);
	}
	return live;
}

struct thread_job {
	struct env *e;
	int alloc, send, mapped;
};

static void *thread_main(void *data)
{
	struct thread_job *j = data;
	j->alloc = st_new(j->e->dev, VIRTWL_IOCTL_NEW_ALLOC, 4096, NULL);
	if (j->alloc >= 0) {
		void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, j->alloc, 0);
		j->mapped = m != MAP_FAILED;
		if (j->mapped) {
			memcpy(m, "thread", 6);
			munmap(m, 4096);
		}
		j->send = st_send(j->e->ctx, "T", 1, &j->alloc, 1);
	}
	return NULL;
}

/* Calls from another thread: the TID is not the process id. */
static void test_threads(struct env *e)
{
	st_section("calls from a thread");
	struct thread_job j = { .e = e };
	pthread_t t;
	CHECK(pthread_create(&t, NULL, thread_main, &j) == 0, "pthread_create");
	pthread_join(t, NULL);
	CHECK(j.alloc >= 0 && j.mapped && j.send == 0, "thread: NEW %d map %d SEND %d",
	      j.alloc, j.mapped, j.send);
	char buf[8];
	int fds[64], nfds;
	int n = st_comp_recv(e->comp, buf, sizeof(buf), fds, &nfds, 2000);
	CHECK(n == 1 && nfds == 1, "thread SEND arrived: %d bytes %d fds", n, nfds);
	if (nfds == 1) {
		char text[8] = "";
		CHECK(pread(fds[0], text, 6, 0) == 6 && memcmp(text, "thread", 6) == 0,
		      "thread's ALLOC content");
		close(fds[0]);
	}
	if (j.alloc >= 0)
		close(j.alloc);
}

/* A caller killed while blocked in RECV: its reference goes, the vfd too. */
static void test_killed_while_blocked(struct env *e)
{
	st_section("caller killed while blocked in RECV");
	/* Only the main context lives now; earlier closes settle first. */
	long long before = wait_live(e->stats, 1);
	int pr = st_new(e->dev, VIRTWL_IOCTL_NEW_PIPE_READ, 0, NULL);
	CHECK(pr >= 0, "NEW PIPE_READ: %s", strerror(-pr));
	pid_t child = fork();
	if (child == 0) {
		char buf[8];
		int fds[VIRTWL_SEND_MAX_ALLOCS], nfds;
		st_recv(pr, buf, sizeof(buf), fds, &nfds);
		_exit(0);
	}
	close(pr);
	usleep(200 * 1000);
	int status;
	CHECK(waitpid(child, &status, WNOHANG) == 0, "RECV on an empty pipe did not block");
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	long long live = -1;
	for (int i = 0; i < 100; i++) {
		live = st_stats_value(e->stats, "\"live\"", "total");
		if (live == before)
			break;
		usleep(50 * 1000);
	}
	CHECK(live == before, "live %lld, expected %lld after the kill", live, before);
}

static void test_recv_len0(struct env *e)
{
	st_section("RECV len 0 kills the caller");
	pid_t child = fork();
	if (child == 0) {
		struct virtwl_ioctl_txn t = { .len = 0 };
		ioctl(e->ctx, VIRTWL_IOCTL_RECV, &t);
		_exit(0);
	}
	int status;
	waitpid(child, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "child status 0x%x", status);
	st_expected_violations++;
}

static void test_host_vfd_kinds(struct env *e)
{
	st_section("compositor write end and socket");
	int p[2], sp[2];
	CHECK(pipe2(p, O_CLOEXEC) == 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0,
	      "pipe/socketpair");
	int send_fds[2] = { p[1], sp[1] };
	CHECK(st_comp_send(e->comp, "w", 1, send_fds, 2) == 1, "compositor sendmsg");
	close(p[1]);
	close(sp[1]);
	char buf[16];
	int rf[VIRTWL_SEND_MAX_ALLOCS], rn;
	int n = st_recv_wait(e->ctx, buf, sizeof(buf), rf, &rn, 2000);
	CHECK(n == 1 && rn == 2, "RECV: %d bytes %d fds", n, rn);
	if (rn != 2)
		return;
	/* Write end: the guest writes, the compositor reads; SEND too. */
	CHECK(write(rf[0], "to", 2) == 2, "write on a host write-end vfd");
	CHECK(st_send(rf[0], "host", 4, NULL, 0) == 0, "SEND on a host write-end vfd");
	CHECK(st_read_all(p[0], buf, 6, 2000) && memcmp(buf, "tohost", 6) == 0,
	      "write-end bytes in order");
	close(rf[0]);
	/* The guest's close reaches the compositor as EOF. */
	CHECK(st_wait_readable(p[0], 2000) && read(p[0], buf, 1) == 0, "write end EOF");
	close(p[0]);
	/* Socket: both ways. */
	CHECK(write(rf[1], "ping", 4) == 4, "write on a host socket vfd");
	CHECK(st_read_all(sp[0], buf, 4, 2000) && memcmp(buf, "ping", 4) == 0, "socket out");
	CHECK(write(sp[0], "pong", 4) == 4, "compositor writes its socket");
	n = st_recv_wait(rf[1], buf, sizeof(buf), rf + 2, &rn, 2000);
	CHECK(n == 4 && memcmp(buf, "pong", 4) == 0, "socket in: %d", n);
	close(sp[0]);
	n = st_recv_wait(rf[1], buf, sizeof(buf), rf + 2, &rn, 2000);
	CHECK(n == 0 && rn == 0, "socket EOF: %d", n);
	close(rf[1]);
}

/* CPU time (ticks) of the emulator, our parent. */
static long long emulator_ticks(void)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)getppid());
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

/*
 * A source that hung up while the guest is behind: the emulator must wait
 * quietly (EPOLLHUP is always reported), then deliver every byte and EOF.
 */
static void read_to_eof(int vfd, const uint8_t *want, size_t len, const char *what)
{
	uint8_t *in = malloc(len + 65536);
	size_t got = 0;
	int rf[VIRTWL_SEND_MAX_ALLOCS], rn, n = 1;
	while (n > 0) {
		n = st_recv_wait(vfd, in + got, 65536, rf, &rn, 5000);
		if (n > 0)
			got += (size_t)n;
		if (got > len)
			break;
	}
	CHECK(got == len && memcmp(in, want, len) == 0, "%s: %zu of %zu bytes", what, got, len);
	CHECK(n == 0 && rn == 0, "%s: no EOF (%d)", what, n);
	free(in);
}

/* Writes non-blocking until fd stays full for a while; returns the count. */
static size_t fill_up(int fd, const uint8_t *data, size_t max)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	size_t done = 0;
	for (int idle = 0; idle < 5 && done < max;) {
		size_t chunk = max - done < 16384 ? max - done : 16384;
		ssize_t w = write(fd, data + done, chunk);
		if (w > 0) {
			done += (size_t)w;
			idle = 0;
		} else {
			idle++;
			usleep(30 * 1000);
		}
	}
	return done;
}

static void test_hup_while_behind(struct env *e)
{
	st_section("host hangs up while the guest is behind");
	/*
	 * The compositor fills its context and a pipe until they stay full,
	 * then closes both: the emulator holds bytes it cannot deliver yet,
	 * and the hang-up must not make it spin (EPOLLHUP is always reported).
	 */
	size_t max = 4u << 20;
	uint8_t *out = malloc(max);
	for (size_t i = 0; i < max; i++)
		out[i] = (uint8_t)(i * 13 + (i >> 12));
	size_t *written = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int ctx, comp;
	new_ctx(e, &ctx, &comp);
	int pr = st_new(e->dev, VIRTWL_IOCTL_NEW_PIPE_READ, 0, NULL);
	CHECK(st_send(ctx, "p", 1, &pr, 1) == 0, "SEND PIPE_READ");
	char b;
	int fds[64], nfds;
	CHECK(st_comp_recv(comp, &b, 1, fds, &nfds, 2000) == 1 && nfds == 1, "pipe payload");
	pid_t writer = fork();
	if (writer == 0) {
		written[0] = fill_up(comp, out, max);
		written[1] = fill_up(fds[0], out, max);
		_exit(0);
	}
	close(comp);
	close(fds[0]);
	int status;
	waitpid(writer, &status, 0);
	CHECK(written[0] > 0 && written[0] < max && written[1] > 0 && written[1] < max,
	      "compositor wrote %zu and %zu bytes", written[0], written[1]);
	usleep(100 * 1000);
	long long t0 = emulator_ticks();
	usleep(500 * 1000);
	long long t1 = emulator_ticks();
	CHECK(t0 >= 0 && t1 - t0 < 10, "emulator busy while waiting: %lld ticks in 0.5 s",
	      t1 - t0);
	read_to_eof(ctx, out, written[0], "context");
	read_to_eof(pr, out, written[1], "pipe");
	close(pr);
	close(ctx);
	munmap(written, 4096);
	free(out);
}

static void test_compositor_close(struct env *e)
{
	st_section("compositor closes");
	CHECK(st_comp_send(e->comp, "bye", 3, NULL, 0) == 3, "last words");
	close(e->comp);
	e->comp = -1;
	char buf[16];
	int rf[VIRTWL_SEND_MAX_ALLOCS], rn;
	int n = st_recv(e->ctx, buf, sizeof(buf), rf, &rn);
	CHECK(n == 3 && memcmp(buf, "bye", 3) == 0, "data before the HUP: %d", n);
	n = st_recv(e->ctx, buf, sizeof(buf), rf, &rn);
	CHECK(n == 0 && rn == 0, "EOF: %d bytes %d fds", n, rn);
	struct pollfd p = { .fd = e->ctx, .events = POLLIN };
	CHECK(poll(&p, 1, 1000) == 1 && (p.revents & POLLHUP), "POLLHUP after HUP");
	int r = st_send(e->ctx, "x", 1, NULL, 0);
	CHECK(r == -EINVAL, "SEND after HUP: %s", strerror(-r));
	st_expected_rejections++;
}

static void test_id_limit(struct env *e)
{
	st_section("2047 guest vfds, then ENOSPC");
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 2200) {
		fprintf(stderr, "skipped: RLIMIT_NOFILE %llu\n", (unsigned long long)rl.rlim_cur);
		return;
	}
	/* The context is the only other guest vfd alive. */
	static int v[2100];
	int n = 0, r = 0;
	while (n < 2100) {
		r = st_new(e->dev, VIRTWL_IOCTL_NEW_ALLOC, 4096, NULL);
		if (r < 0)
			break;
		v[n++] = r;
	}
	CHECK(n == 2046 && r == -ENOSPC, "%d vfds, then %s", n, strerror(-r));
	st_expected_rejections++;
	for (int i = 0; i < n; i++)
		close(v[i]);
}

/*
 * Under --in-buffers 8: eight messages the guest leaves on one context
 * stall every host source, as the device does; reading them resumes.
 */
static int run_stall(const char *sock, const char *stats)
{
	struct env e = { .stats = stats };
	e.listener = st_listen(sock);
	e.dev = open("/dev/wl0", O_RDWR | O_CLOEXEC);
	int a, comp_a, b, comp_b;
	new_ctx(&e, &a, &comp_a);
	new_ctx(&e, &b, &comp_b);
	if (a < 0 || b < 0 || comp_a < 0 || comp_b < 0)
		return 1;
	st_section("--in-buffers 8: a context left undrained stalls the others");
	char msg[100];
	memset(msg, 'a', sizeof(msg));
	/* An fd in each keeps them eight messages (recvmsg stops after one). */
	int mem = memfd_with("m", 4096);
	for (int i = 0; i < 8; i++)
		CHECK(st_comp_send(comp_a, msg, sizeof(msg), &mem, 1) == sizeof(msg),
		      "compositor A sends");
	close(mem);
	usleep(200 * 1000);
	CHECK(write(comp_b, "b", 1) == 1, "compositor B writes");
	CHECK(!st_wait_readable(b, 300), "B's byte arrived although 8 in-buffers are in use");
	char buf[1024];
	int fds[VIRTWL_SEND_MAX_ALLOCS], nfds, got = 0;
	int vfds = 0;
	while (got < 800 || vfds < 8) {
		int n = st_recv_wait(a, buf, sizeof(buf), fds, &nfds, 2000);
		if (n < 0 || (n == 0 && nfds == 0))
			break;
		got += n;
		vfds += nfds;
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
	}
	CHECK(got == 800 && vfds == 8, "A's messages: %d bytes, %d vfds", got, vfds);
	CHECK(st_wait_readable(b, 2000), "B stays stalled after A was drained");
	int n = st_recv_wait(b, buf, sizeof(buf), fds, &nfds, 1000);
	CHECK(n == 1 && buf[0] == 'b', "B's byte: %d", n);
	close(a);
	close(b);
	fprintf(stderr, "%s: %d failure(s)\n", st_failures ? "FAILED" : "PASSED", st_failures);
	return st_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--stall") == 0)
		return run_stall(argv[2], argv[3]);
	if (argc != 4) {
		fprintf(stderr, "usage: %s SOCKET SOCKET2 STATS (under wl0-emulator)\n", argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	struct env e = { .stats = argv[3] };
	e.listener = st_listen(argv[1]);
	e.listener2 = st_listen(argv[2]);
	e.dev = open("/dev/wl0", O_RDWR | O_CLOEXEC);
	test_device(&e);
	if (e.dev < 0)
		return 1;
	new_ctx(&e, &e.ctx, &e.comp);
	if (e.ctx < 0 || e.comp < 0)
		return 1;
	test_send_alloc(&e);
	test_write_then_send(&e);
	test_recv_memfd_pipe(&e);
	test_rejections(&e);
	test_old_new(&e);
	test_window(&e);
	test_ctx_named(&e);
	test_pipe_write(&e);
	test_pipe_read(&e);
	test_nonblocking_eagain(&e);
	test_forty_fds(&e);
	test_big_stream(&e);
	test_blocking_send(&e);
	test_blocking_recv(&e);
	test_host_vfd_kinds(&e);
	test_threads(&e);
	test_hup_while_behind(&e);
	test_killed_while_blocked(&e);
	test_recv_len0(&e);
	test_id_limit(&e);
	CHECK(wait_live(e.stats, 1) == 1, "only the context is live");
	test_compositor_close(&e);
	close(e.ctx);
	close(e.dev);

	st_section("accounting");
	long long live = wait_live(e.stats, 0);
	CHECK(live == 0, "live vfds after closing everything: %lld", live);
	long long rej = st_stats_value(e.stats, NULL, "rejections");
	CHECK(rej == st_expected_rejections, "rejections %lld, expected %d", rej,
	      st_expected_rejections);
	long long vio = st_stats_value(e.stats, NULL, "violations");
	CHECK(vio == st_expected_violations, "violations %lld, expected %d", vio,
	      st_expected_violations);
	fprintf(stderr, "%s: %d failure(s); expected rejections %d, violations %d\n",
		st_failures ? "FAILED" : "PASSED", st_failures,
		st_expected_rejections, st_expected_violations);
	return st_failures ? 1 : 0;
}
