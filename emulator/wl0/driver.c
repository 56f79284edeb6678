/*
 * Driver semantics of /dev/wl0 and vfds; see driver.h.
 */
#include "driver.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "call.h"
#include "ctx.h"
#include "emu.h"
#include "host.h"
#include "inqueue.h"
#include "log.h"
#include "pending.h"
#include "shm.h"
#include "stats.h"
#include "stream.h"
#include "vfd.h"
#include "virtwl-abi.h"

#define PAGE_4K 4096u
/* The driver kmallocs header + ids + data for SEND: at most 4 MiB. */
#define SEND_MAX_LEN ((4u << 20) - 256u)
/* SEND data read together with the header. */
#define SEND_FIRST_READ 4096u
/* What one RECV on a stream reads at most. */
#define STREAM_RECV_CHUNK (256u * 1024u)

#define TXN_LEN_OFFSET offsetof(struct virtwl_ioctl_txn, len)
#define TXN_DATA_OFFSET offsetof(struct virtwl_ioctl_txn, data)

static void reject(struct call *c, const char *what, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* An errno answer from the driver: counted, logged, answered. */
static void reject(struct call *c, const char *what, int err, const char *fmt, ...)
{
	char reason[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	stats_rejection(call_emu(c)->stats, call_pid(c), what, err, "%s", reason);
	call_fail(c, err);
}

/* Target memory errors: -ESRCH drops the call, -EFAULT answers it. */
static void memory_error(struct call *c, const char *what, int r)
{
	if (r == -ESRCH)
		return;
	reject(c, what, -r, "bad user pointer");
}

/* "/proc/PID/fd/N -> target", for rejection reasons. */
static void describe_fd(struct call *c, int fd, char *buf, size_t len)
{
	char path[64], target[192];
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)c->tid, fd);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		snprintf(target, sizeof(target), "?");
	else
		target[n] = 0;
	snprintf(buf, len, "fd %d (/proc/%d/fd/%d -> %s)", fd, (int)call_pid(c),
		 fd, target);
}

/* ---- open ---- */

void driver_open_device(struct call *c, int flags)
{
	struct emu *emu = call_emu(c);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", emu->device_fd);
	int fd = open(path, O_RDWR | O_CLOEXEC | (flags & O_NONBLOCK));
	if (fd < 0) {
		log_msg("cannot open a device description: %m");
		call_fail(c, ENODEV);
		return;
	}
	int r = call_addfd_reply(c, fd, flags & O_CLOEXEC);
	log_debug("pid %d: open %s -> %d", (int)call_pid(c), emu->opt.device_path, r);
	close(fd);
}

/* ---- NEW ---- */

static bool valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned char b = p[i];
		size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3
			   : (b >> 3) == 30 ? 4 : 0;
		if (len == 0 || i + len > n)
			return false;
		for (size_t k = 1; k < len; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
		i += len;
	}
	return true;
}

/* The host side of NEW; NULL with *err and why on failure. */
static struct vfd *new_vfd(struct call *c, const struct virtwl_ioctl_new *n,
			   size_t size, int *err, char *why, size_t why_len)
{
	struct emu *emu = call_emu(c);
	struct vfd *v = NULL;
	char name[VIRTWL_CTX_NAME_MAX + 1];
	switch (n->type) {
	case VIRTWL_IOCTL_NEW_CTX:
		return ctx_connect(emu, "", err, why, why_len);
	case VIRTWL_IOCTL_NEW_CTX_NAMED:
		memcpy(name, n->name, VIRTWL_CTX_NAME_MAX);
		name[VIRTWL_CTX_NAME_MAX] = 0;
		if (!valid_utf8(name, strlen(name))) {
			*err = ENODEV;
			snprintf(why, why_len, "context name is not UTF-8");
			return NULL;
		}
		return ctx_connect(emu, name, err, why, why_len);
	case VIRTWL_IOCTL_NEW_ALLOC:
		v = shm_new_alloc(emu, n->size, err);
		if (!v)
			snprintf(why, why_len, *err == ENOSPC ? "no free vfd id"
				 : n->size == 0 ? "size 0" : "the 4 GiB window is full");
		return v;
	case VIRTWL_IOCTL_NEW_PIPE_READ:
	case VIRTWL_IOCTL_NEW_PIPE_WRITE:
		v = stream_new_pipe(emu, n->type == VIRTWL_IOCTL_NEW_PIPE_READ, err);
		if (!v)
			snprintf(why, why_len, "cannot make a pipe");
		return v;
	case VIRTWL_IOCTL_NEW_DMABUF:
		if (size < sizeof(*n)) {
			*err = EINVAL;
			snprintf(why, why_len, "DMABUF needs the 48-byte struct");
		} else {
			*err = ENOTTY;
			snprintf(why, why_len, "DMABUF: crosvm without gbm answers "
				 "INVALID_CMD");
		}
		return NULL;
	default:
		*err = EINVAL;
		snprintf(why, why_len, "unknown type %u", n->type);
		return NULL;
	}
}

static void driver_new(struct call *c, unsigned cmd, uint64_t arg)
{
	struct virtwl_ioctl_new n;
	memset(&n, 0, sizeof(n));
	/* The driver copies min(_IOC_SIZE, 48): the 16-byte NEW still works. */
	size_t size = _IOC_SIZE(cmd) < sizeof(n) ? _IOC_SIZE(cmd) : sizeof(n);
	stats_call(call_emu(c)->stats, STATS_CALL_NEW);
	int r = call_read(c, arg, &n, size);
	if (r == 0) /* copy_to_user comes later: fail before making the vfd */
		r = call_write(c, arg, &n, size);
	if (r < 0) {
		memory_error(c, "NEW", r);
		return;
	}
	int err = 0;
	char why[160] = "";
	struct vfd *v = new_vfd(c, &n, size, &err, why, sizeof(why));
	if (!v) {
		reject(c, "NEW", err, "type %u: %s", n.type, why);
		return;
	}
	int fd = vfd_deliver(v, c);
	if (fd < 0) {
		vfd_release(v);
		if (fd != -ESRCH)
			reject(c, "NEW", -fd, "cannot install the vfd");
		return;
	}
	if (size >= offsetof(struct virtwl_ioctl_new, flags)) {
		r = call_write(c, arg + offsetof(struct virtwl_ioctl_new, fd), &fd, sizeof(fd));
		if (r < 0) {
			memory_error(c, "NEW", r);
			return;
		}
	}
	log_debug("pid %d: NEW type %u -> fd %d, vfd 0x%x (%s)", (int)call_pid(c),
		  n.type, fd, v->id, vfd_kind_name(v->kind));
	call_reply(c, 0);
}

/* ---- SEND ---- */

/* The vfds behind the txn's fds; -1 after answering the call. */
static int send_resolve(struct call *c, const int *fds, struct vfd **vfds)
{
	int n = 0;
	while (n < VIRTWL_SEND_MAX_ALLOCS && fds[n] >= 0)
		n++;
	for (int i = 0; i < n; i++) {
		char desc[256];
		int ours = call_getfd(c, fds[i]);
		if (ours == -ESRCH)
			return -1;
		if (ours < 0) {
			reject(c, "SEND", EBADFD, "fd %d is not open", fds[i]);
			return -1;
		}
		vfds[i] = vfd_lookup(call_emu(c), ours);
		close(ours);
		if (!vfds[i]) {
			describe_fd(c, fds[i], desc, sizeof(desc));
			reject(c, "SEND", EBADFD, "%s is not a vfd", desc);
			return -1;
		}
	}
	return n;
}

/* The host fds for a SEND to a context, or -1 after answering. */
static int send_payload(struct call *c, struct vfd **vfds, int n, int *fds)
{
	for (int i = 0; i < n; i++) {
		if (host_payload_check(vfds[i]) < 0) {
			reject(c, "SEND", EINVAL, "vfd 0x%x (%s) cannot be sent "
			       "(crosvm: INVALID_TYPE)", vfds[i]->id,
			       vfd_kind_name(vfds[i]->kind));
			return -1;
		}
	}
	for (int i = 0; i < n; i++) {
		/* The same vfd twice: crosvm passes the same fd twice. */
		int same = -1;
		for (int j = 0; j < i; j++)
			if (vfds[j] == vfds[i])
				same = j;
		fds[i] = same >= 0 ? fcntl(fds[same], F_DUPFD_CLOEXEC, 0)
				   : host_payload_fd(vfds[i]);
		if (fds[i] < 0) {
			for (int j = 0; j < i; j++)
				close(fds[j]);
			reject(c, "SEND", ENODEV, "out of fds");
			return -1;
		}
	}
	return 0;
}

static bool send_to_ctx(struct call *c, struct vfd *v, int guest_fd,
			struct vfd **vfds, int n, uint8_t *data, uint32_t len)
{
	int fds[VIRTWL_SEND_MAX_ALLOCS];
	if (send_payload(c, vfds, n, fds) < 0) {
		free(data);
		return false;
	}
	int r = ctx_send(v, c, guest_fd, data, len, fds, n);
	if (r >= 0)
		stats_sent_fds(call_emu(c)->stats, (unsigned)n);
	if (r == 1)
		return true; /* answered later */
	if (r == 0)
		call_reply(c, 0);
	else
		reject(c, "SEND", -r, r == -EINVAL ? "the compositor hung up (crosvm: "
		       "INVALID_TYPE)" : "the compositor connection failed");
	return false;
}

static bool send_to_stream(struct call *c, struct vfd *v, int guest_fd,
			   int n, uint8_t *data, uint32_t len)
{
	int r = stream_send(v, c, guest_fd, data, len, n);
	free(data);
	if (r == 1)
		return true;
	if (r == 0) {
		call_reply(c, 0);
		return false;
	}
	reject(c, "SEND", -r, r == -EINVAL
	       ? "fds sent to a %s vfd (crosvm: INVALID_TYPE)"
	       : "%s vfd: the host end does not take data",
	       vfd_kind_name(v->kind));
	return false;
}

/*
 * The txn header and, in the same read, the first page of data (most
 * SENDs are smaller).  Returns the header's status; *data_err is the
 * data's (the driver checks the fds before it copies the data).
 */
static int send_read(struct call *c, uint64_t arg, struct virtwl_ioctl_txn *txn,
		     uint8_t **data, int *data_err)
{
	uint8_t first[TXN_DATA_OFFSET + SEND_FIRST_READ];
	ssize_t got = call_read_upto(c, arg, first, sizeof(first));
	*data = NULL;
	*data_err = 0;
	if (got < 0)
		return (int)got;
	if ((size_t)got < TXN_DATA_OFFSET)
		return -EFAULT;
	memcpy(txn, first, sizeof(*txn));
	if (txn->len > SEND_MAX_LEN) {
		*data_err = -ENOMEM;
		return 0;
	}
	*data = malloc(txn->len ? txn->len : 1);
	if (!*data) {
		*data_err = -ENOMEM;
		return 0;
	}
	size_t have = (size_t)got - TXN_DATA_OFFSET;
	if (have > txn->len)
		have = txn->len;
	memcpy(*data, first + TXN_DATA_OFFSET, have);
	if (have < txn->len)
		*data_err = call_read(c, arg + TXN_DATA_OFFSET + have, *data + have,
				      txn->len - have);
	if (*data_err == -ESRCH)
		return -ESRCH;
	return 0;
}

static bool driver_send(struct call *c, struct vfd *v, int guest_fd, uint64_t arg)
{
	struct virtwl_ioctl_txn txn;
	struct vfd *vfds[VIRTWL_SEND_MAX_ALLOCS];
	uint8_t *data;
	int data_err;
	stats_call(call_emu(c)->stats, STATS_CALL_SEND);
	int r = send_read(c, arg, &txn, &data, &data_err);
	int n = r < 0 ? -1 : send_resolve(c, txn.fds, vfds);
	if (r < 0)
		memory_error(c, "SEND", r);
	if (n >= 0 && data_err == -ENOMEM)
		reject(c, "SEND", ENOMEM, "len %u: the driver cannot allocate it", txn.len);
	else if (n >= 0 && data_err < 0)
		memory_error(c, "SEND", data_err);
	if (n < 0 || data_err < 0) {
		free(data);
		return false;
	}
	log_debug("pid %d: SEND vfd 0x%x (%s) len %u fds %d", (int)call_pid(c),
		  v->id, vfd_kind_name(v->kind), txn.len, n);
	if (txn.len == 0 && n == 0) {
		free(data);
		call_reply(c, 0);
		return false;
	}
	switch (v->kind) {
	case VFD_CTX:
		return send_to_ctx(c, v, guest_fd, vfds, n, data, txn.len);
	case VFD_PIPE_READ:
	case VFD_PIPE_WRITE:
	case VFD_HOST_STREAM:
		return send_to_stream(c, v, guest_fd, n, data, txn.len);
	case VFD_ALLOC:
	case VFD_HOST_SHM:
		break;
	}
	free(data);
	reject(c, "SEND", EINVAL, "SEND on vfd 0x%x (%s): crosvm INVALID_TYPE",
	       v->id, vfd_kind_name(v->kind));
	return false;
}

/* ---- RECV ---- */

int driver_recv_probe(struct call *c, uint64_t txn, size_t len)
{
	/* Read back and rewrite what is there: a no-op that proves access. */
	size_t total = TXN_DATA_OFFSET + len;
	uint8_t *buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	int r = call_read(c, txn, buf, total);
	if (r == 0)
		r = call_write(c, txn, buf, total);
	free(buf);
	return r;
}

int driver_recv_write(struct call *c, uint64_t txn, const int *fds, int nfds,
		      const uint8_t *data, uint32_t len)
{
	int out[VIRTWL_SEND_MAX_ALLOCS];
	size_t nout = (size_t)nfds;
	if (nfds > 0)
		memcpy(out, fds, sizeof(int) * (size_t)nfds);
	if (nfds < VIRTWL_SEND_MAX_ALLOCS)
		out[nout++] = -1;
	struct iovec local[3] = {
		{ .iov_base = out, .iov_len = sizeof(int) * nout },
		{ .iov_base = &len, .iov_len = sizeof(len) },
		{ .iov_base = (void *)data, .iov_len = len },
	};
	/* len and data are adjacent in the txn. */
	struct iovec remote[2] = {
		{ .iov_base = (void *)(uintptr_t)txn, .iov_len = sizeof(int) * nout },
		{ .iov_base = (void *)(uintptr_t)(txn + TXN_LEN_OFFSET),
		  .iov_len = sizeof(len) + len },
	};
	return call_writev(c, local, len ? 3 : 2, remote, 2);
}

void driver_recv_answer(struct call *c, uint32_t len, int nfds)
{
	stats_received(call_emu(c)->stats, len, (unsigned)nfds);
	log_debug("pid %d: RECV -> len %u fds %d", (int)call_pid(c), len, nfds);
	call_reply(c, 0);
	inqueue_consumed(call_emu(c));
}

static int recv_stream(struct call *c, struct vfd *v, int guest_fd,
		       uint64_t txn, uint32_t len)
{
	size_t cap = len < STREAM_RECV_CHUNK ? len : STREAM_RECV_CHUNK;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	int r = driver_recv_probe(c, txn, cap);
	size_t n = 0;
	if (r == 0)
		r = stream_recv(v, guest_fd, buf, cap, &n);
	/* Pipes cannot be peeked: the probe above made this write safe. */
	if (r == 0)
		r = driver_recv_write(c, txn, NULL, 0, buf, (uint32_t)n);
	if (r == 0)
		driver_recv_answer(c, (uint32_t)n, 0);
	free(buf);
	return r == -ESRCH ? 0 : r;
}

/* 0: answered (or gone); -EAGAIN: nothing yet; -errno: answer that. */
static int try_recv(struct call *c, struct vfd *v, int guest_fd, uint64_t txn,
		    uint32_t len)
{
	switch (v->kind) {
	case VFD_CTX:
		return ctx_recv(v, c, guest_fd, txn, len);
	case VFD_PIPE_READ:
	case VFD_PIPE_WRITE:
	case VFD_HOST_STREAM:
		return recv_stream(c, v, guest_fd, txn, len);
	case VFD_ALLOC:
	case VFD_HOST_SHM:
		break;
	}
	/* Nothing is ever queued on memory, and it never hangs up. */
	return -EAGAIN;
}

static bool driver_recv(struct call *c, struct vfd *v, int guest_fd, uint64_t arg)
{
	uint32_t len;
	stats_call(call_emu(c)->stats, STATS_CALL_RECV);
	int r = call_read(c, arg + TXN_LEN_OFFSET, &len, sizeof(len));
	if (r < 0) {
		memory_error(c, "RECV", r);
		return false;
	}
	if (len == 0) {
		stats_violation(call_emu(c)->stats, call_pid(c), "RECV",
				"len 0 on vfd 0x%x (%s): the real driver spins forever "
				"once data is queued; process killed", v->id,
				vfd_kind_name(v->kind));
		call_kill_process(c);
		return false;
	}
	r = try_recv(c, v, guest_fd, arg, len);
	if (r == 0)
		return false;
	if (r != -EAGAIN) {
		reject(c, "RECV", -r, "vfd 0x%x (%s)%s", v->id, vfd_kind_name(v->kind),
		       r == -EFAULT ? ": the txn or its data area is not writable" : "");
		return false;
	}
	int fl = fcntl(guest_fd, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK)) {
		log_debug("pid %d: RECV vfd 0x%x -> EAGAIN", (int)call_pid(c), v->id);
		call_fail(c, EAGAIN);
		return false;
	}
	struct pending *p = pending_new(&call_emu(c)->sup, c, guest_fd, v, &v->waiters);
	if (!p) {
		reject(c, "RECV", ENOMEM, "out of memory");
		return false;
	}
	p->what = "RECV";
	p->mark = arg; /* the txn address */
	log_debug("pid %d: RECV vfd 0x%x waits", (int)call_pid(c), v->id);
	return true;
}

void driver_retry_recvs(struct vfd *v)
{
	/* Answering can wake v again (nothing does today): do not nest. */
	if (v->retrying)
		return;
	v->retrying = true;
	while (!list_empty(&v->waiters)) {
		struct pending *p = list_entry(v->waiters.next, struct pending,
					       owner_link);
		uint32_t len = 0;
		int r = call_valid(p->call) ? 0 : -ESRCH;
		if (r == 0)
			r = call_read(p->call, p->mark + TXN_LEN_OFFSET, &len, sizeof(len));
		if (r == 0)
			r = try_recv(p->call, v, p->guest_fd, p->mark, len);
		if (r == -EAGAIN)
			break; /* in order: later waiters wait behind it */
		if (r < 0 && r != -ESRCH)
			reject(p->call, "RECV", -r, "vfd 0x%x (%s)", v->id,
			       vfd_kind_name(v->kind));
		pending_free(p);
	}
	v->retrying = false;
}

/* ---- DMABUF_SYNC ---- */

static void driver_dmabuf_sync(struct call *c, struct vfd *v, uint64_t arg)
{
	struct virtwl_ioctl_dmabuf_sync s;
	stats_call(call_emu(c)->stats, STATS_CALL_DMABUF_SYNC);
	int r = call_read(c, arg, &s, sizeof(s));
	if (r < 0) {
		memory_error(c, "DMABUF_SYNC", r);
		return;
	}
	if (s.flags & ~VIRTWL_DMABUF_SYNC_VALID_FLAGS) {
		reject(c, "DMABUF_SYNC", EINVAL, "flags 0x%x outside 0x7", s.flags);
		return;
	}
	/* The driver does not look at the host's reply. */
	log_debug("pid %d: DMABUF_SYNC vfd 0x%x flags 0x%x", (int)call_pid(c),
		  v->id, s.flags);
	call_reply(c, 0);
}

/* ---- ioctl dispatch ---- */

bool driver_device_ioctl(struct call *c, int guest_fd, unsigned cmd, uint64_t arg)
{
	close(guest_fd);
	/* /dev/wl0 dispatches on _IOC_NR only and supports only NEW. */
	if (_IOC_NR(cmd) == _IOC_NR(VIRTWL_IOCTL_NEW)) {
		driver_new(c, cmd, arg);
		return false;
	}
	reject(c, "ioctl", ENOTTY, "ioctl 0x%x on the device (only NEW)", cmd);
	return false;
}

static bool generic_vfs_ioctl(unsigned cmd)
{
	return cmd == FIONBIO || cmd == FIOCLEX || cmd == FIONCLEX || cmd == FIOASYNC;
}

bool driver_vfd_ioctl(struct call *c, struct vfd *v, int guest_fd,
		      unsigned cmd, uint64_t arg)
{
	bool kept = false;
	if (cmd == VIRTWL_IOCTL_SEND)
		kept = driver_send(c, v, guest_fd, arg);
	else if (cmd == VIRTWL_IOCTL_RECV)
		kept = driver_recv(c, v, guest_fd, arg);
	else if (cmd == VIRTWL_IOCTL_DMABUF_SYNC)
		driver_dmabuf_sync(c, v, arg);
	else if (generic_vfs_ioctl(cmd))
		call_continue(c);
	else
		reject(c, "ioctl", ENOTTY, "ioctl 0x%x on vfd 0x%x (%s)", cmd, v->id,
		       vfd_kind_name(v->kind));
	if (!kept)
		close(guest_fd);
	return kept;
}

/* ---- mmap ---- */

void driver_device_mmap(struct call *c)
{
	reject(c, "mmap", ENODEV, "mmap of the device");
}

static bool is_shared_mapping(uint64_t flags)
{
	uint64_t type = flags & MAP_TYPE;
	return type == MAP_SHARED || type == MAP_SHARED_VALIDATE;
}

void driver_vfd_mmap(struct call *c, struct vfd *v)
{
	uint64_t len = c->args[1], prot = c->args[2], flags = c->args[3];
	uint64_t off = c->args[5];
	stats_call(call_emu(c)->stats, STATS_CALL_MMAP);
	if (v->kind != VFD_ALLOC && v->kind != VFD_HOST_SHM) {
		reject(c, "mmap", EACCES, "vfd 0x%x (%s) has no pfn", v->id,
		       vfd_kind_name(v->kind));
		return;
	}
	/* Unaligned offsets and len 0 fail in the kernel before the driver. */
	if ((off & (PAGE_4K - 1)) || len == 0) {
		call_continue(c);
		return;
	}
	uint64_t pgoff = off / PAGE_4K;
	uint64_t limit = ((uint64_t)v->size + PAGE_4K - 1) & ~(uint64_t)(PAGE_4K - 1);
	if (len > limit || pgoff * PAGE_4K > limit - len) {
		reject(c, "mmap", EINVAL, "len %llu + offset %llu beyond the %u-byte "
		       "vfd 0x%x", (unsigned long long)len, (unsigned long long)off,
		       v->size, v->id);
		return;
	}
	if (pgoff != 0) {
		stats_violation(call_emu(c)->stats, call_pid(c), "mmap",
				"offset %llu on vfd 0x%x: the real driver ignores "
				"pgoff and maps offset 0", (unsigned long long)off, v->id);
		call_fail(c, EINVAL);
		return;
	}
	if (v->read_only && is_shared_mapping(flags) && (prot & PROT_WRITE)) {
		stats_violation(call_emu(c)->stats, call_pid(c), "mmap",
				"writable shared mapping of read-only vfd 0x%x: crosvm "
				"maps it read-only, writes fault in the VMM", v->id);
		call_fail(c, EACCES);
		return;
	}
	log_debug("pid %d: mmap vfd 0x%x len %llu", (int)call_pid(c), v->id,
		  (unsigned long long)len);
	call_continue(c);
}
