/*
 * device → proxy over virtio-gpu cross-domain: what the host writes into
 * the channel ring, through virtgpu.c, virtgpu-drm.c and the pump
 * (guest-kmod-ioctl/), to the socket libwayland-client reads.  The kernel
 * driver and the host are faked in-process (device-abi.md D): this file
 * defines open() (the render node FAKE_NODE opens as a pipe whose read end
 * is the DRM fd, readable when a fence event is queued), ioctl() (GETPARAM,
 * GET_CAPS, CONTEXT_INIT, CREATE_BLOB backed by memfds, MAP, PRIME,
 * GEM_CLOSE, EXECBUFFER) and mmap() (a blob's MAP offset maps its memfd).
 * The host answers the transport's handshake (wl_display.sync) as a
 * compositor would, then writes one event from the input per POLL:
 *
 *   u8 set-up: bit 0 the host's identifier-array size N (4, else 28),
 *     bits 1-2 guest read pipes the client sends first (0..3), bit 3 a
 *     hostile handshake (its replies come from the input as well), bit 4
 *     the guest pipes hold one page (READ data waits in the transport),
 *     bit 5 the client closes their read ends at once (the reader left)
 *   events, each a byte (mod 5) and its operands:
 *     0 RECEIVE: u8 count (0..N+2), per identifier a u8 (id: fresh, the
 *       last again, any u32, small; type: blob, write pipe, read pipe,
 *       sync, event, socket, any u32) and a u8 size selector (0, a page,
 *       unaligned, beyond the ring, any u32, small), u16 data length
 *       (0..max+16), the data
 *     1 raw RECEIVE: u32 count, u32 data size, u16 length, ring bytes
 *     2 READ: u8 pipe (a guest pipe or any id), u8 hang-up (bits 0-1:
 *       0, 1, any u32; bit 2: the data is a pattern, not input), u16
 *       length (0..READ_MAX+16), the data
 *     3 raw: any command byte, up to 64 ring bytes
 *     4 the empty RECEIVE (the host hung up), as when the input ends.
 *
 * Oracles: the sanitizers; the transport keeps one POLL outstanding and
 * reads each event before the next POLL; its SENDs and WRITEs are well
 * formed (the client writes "wlgp" into each write pipe and closes it:
 * WRITEs carry exactly that, or hang_up and no data); libwayland-client's
 * end receives exactly the data of the RECEIVEs, in order, then EOF, and
 * only after the host's empty RECEIVE; its fds are the identifiers' in
 * order and kind (blob memfds of the identifier's size, write-pipe ends),
 * never more (once a RECEIVE brought fds without bytes, which the pump may
 * drop, they are only counted); each guest pipe receives its READs' data,
 * then EOF.  Where the host broke the ABI (a RECEIVE or READ out of
 * bounds, a READ for no guest pipe, an unknown command) the transport may
 * end the link early: then what arrived is only checked to be a prefix.
 * With a hostile handshake the bytes are not compared (the pump takes what
 * answers the sync) and the link may end early (the pump gives up on a
 * malformed answer, or none within answer_ms).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "channel.h"
#include "input.h"
#include "virtgpu-abi.h"

#define FAKE_NODE "/wlgp-fuzz/renderD128"
#define MAX_FILES 16
#define MAX_BOS 8       /* per DRM file: two rings and the blob in flight */
#define BLOB_MAX ((uint64_t)1 << 30) /* the host refuses bigger blobs */
#define PAGE 4096u
#define MAX_PIPES 3
#define WAIT_MS 5000
/* What the client writes into each write pipe before closing it. */
#define CLIENT_WRITES "wlgp"
#define CLIENT_WRITES_LEN 4u

int open(const char *path, int flags, ...);
int ioctl(int fd, unsigned long request, ...);
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

struct bytes {
	uint8_t *data;
	size_t len, cap;
};

enum fd_kind { FD_BLOB, FD_WRITE_PIPE, FD_OTHER };

struct expected_fd {
	enum fd_kind kind;
	uint64_t size;
};

struct id_set {
	uint32_t *ids;
	size_t len, cap;
};

struct fake_bo {
	uint32_t handle, res;
	int memfd;
};

/* One open of the render node. */
struct fake_file {
	bool used;
	int fd, wr; /* the transport's DRM fd; our end, for fence events */
	struct fake_bo bos[MAX_BOS];
	uint32_t next_handle;
	uint32_t channel_handle;
	uint8_t *channel; /* our mapping of the channel ring */
	bool armed;       /* a POLL is outstanding */
	bool asked, answered, hung; /* the handshake's sync; the hang-up */
};

struct guest_pipe {
	uint32_t id;
	struct bytes all; /* every READ's data for it */
	bool hung;
};

static struct {
	pthread_mutex_t lock;
	struct fake_file files[MAX_FILES];
	uint32_t next_res;
	struct channel *channels[2];
	/* The input being replayed and what the host sent for it. */
	struct input in;
	struct fake_file *cur; /* the context of this input */
	unsigned n_ids, want_pipes;
	bool hostile, may_end, small_pipes, pipes_closed;
	bool hung_up; /* the host sent the empty RECEIVE */
	/* fds came without bytes: the pump may drop some, so the client's
	 * fds are only counted and told apart from foreign ones. */
	bool fds_loose;
	uint32_t next_blob_id, last_id;
	struct bytes sent;
	struct expected_fd *fds;
	size_t nfds, fds_cap, fd_next;
	struct id_set blobs_taken, blobs_predicted, write_pipes;
	struct guest_pipe pipes[MAX_PIPES];
	unsigned npipes;
} host = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ---- small containers ---- */

static void
bytes_add(struct bytes *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		b->data = realloc(b->data, b->cap);
		FUZZ_CHECK(b->data, "out of memory");
	}
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
}

static bool
id_set_has(const struct id_set *s, uint32_t id)
{
	for (size_t i = 0; i < s->len; i++)
		if (s->ids[i] == id)
			return true;
	return false;
}

static void
id_set_add(struct id_set *s, uint32_t id)
{
	if (s->len == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->ids = realloc(s->ids, s->cap * sizeof(*s->ids));
		FUZZ_CHECK(s->ids, "out of memory");
	}
	s->ids[s->len++] = id;
}

/* The host's rule for HOST3D blobs: each exported id once, bounded size.
 * Kept twice: what CREATE_BLOB saw, and what the ring predicted. */
static bool
blob_take(struct id_set *taken, uint32_t id, uint64_t size)
{
	if (size == 0 || size > BLOB_MAX || id_set_has(taken, id))
		return false;
	id_set_add(taken, id);
	return true;
}

static uint64_t
page_round(uint64_t size)
{
	return (size + PAGE - 1) / PAGE * PAGE;
}

/* ---- the fake DRM files ---- */

static struct fake_file *
file_by_fd(int fd)
{
	for (int i = 0; i < MAX_FILES; i++)
		if (host.files[i].used && host.files[i].fd == fd)
			return &host.files[i];
	return NULL;
}

static void
file_free(struct fake_file *f)
{
	for (int i = 0; i < MAX_BOS; i++)
		if (f->bos[i].handle)
			close(f->bos[i].memfd);
	if (f->channel)
		munmap(f->channel, CROSS_DOMAIN_RING_SIZE);
	close(f->wr);
	if (host.cur == f)
		host.cur = NULL;
	memset(f, 0, sizeof(*f));
}

/* A file whose DRM fd the transport closed: our end of the pipe errs. */
static void
reclaim_closed_files(void)
{
	for (int i = 0; i < MAX_FILES; i++) {
		struct pollfd p = { host.files[i].wr, POLLOUT, 0 };
		if (host.files[i].used && poll(&p, 1, 0) == 1 &&
		    (p.revents & POLLERR))
			file_free(&host.files[i]);
	}
}

static int
fake_open(void)
{
	pthread_mutex_lock(&host.lock);
	reclaim_closed_files();
	int p[2];
	FUZZ_CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe2: %s", strerror(errno));
	/* The pump may have closed an old file's fd since the reclaim: the
	 * number just handed out is no longer that file's. */
	struct fake_file *f = file_by_fd(p[0]);
	if (f)
		file_free(f);
	for (int i = 0; i < MAX_FILES && !f; i++)
		if (!host.files[i].used)
			f = &host.files[i];
	FUZZ_CHECK(f, "more than %d DRM files open: the transport leaks them",
		   MAX_FILES);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	f->used = true;
	f->fd = p[0];
	f->wr = p[1];
	pthread_mutex_unlock(&host.lock);
	return p[0];
}

int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (strcmp(path, FAKE_NODE) == 0)
		return fake_open();
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

static struct fake_bo *
bo_by_handle(struct fake_file *f, uint32_t handle)
{
	for (int i = 0; i < MAX_BOS; i++)
		if (handle && f->bos[i].handle == handle)
			return &f->bos[i];
	return NULL;
}

static struct fake_bo *
bo_by_res(struct fake_file *f, uint32_t res)
{
	for (int i = 0; i < MAX_BOS; i++)
		if (f->bos[i].handle && f->bos[i].res == res)
			return &f->bos[i];
	return NULL;
}

static struct fake_bo *
bo_new(struct fake_file *f, uint64_t size)
{
	struct fake_bo *bo = NULL;
	for (int i = 0; i < MAX_BOS && !bo; i++)
		if (!f->bos[i].handle)
			bo = &f->bos[i];
	FUZZ_CHECK(bo, "more than %d GEM handles live: the transport leaks "
		   "them", MAX_BOS);
	bo->memfd = memfd_create("fake-blob", MFD_CLOEXEC);
	FUZZ_CHECK(bo->memfd >= 0 && ftruncate(bo->memfd, (off_t)size) == 0,
		   "memfd: %s", strerror(errno));
	bo->handle = ++f->next_handle;
	bo->res = ++host.next_res;
	return bo;
}

void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	pthread_mutex_lock(&host.lock);
	struct fake_file *f = file_by_fd(fd);
	struct fake_bo *bo = f && off > 0 && off % PAGE == 0
		? bo_by_handle(f, (uint32_t)(off / PAGE)) : NULL;
	if (f) {
		fd = bo ? bo->memfd : -1;
		off = 0;
	}
	pthread_mutex_unlock(&host.lock);
	if (f && !bo) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

/* ---- the host's events ---- */

static void
fence_signal(struct fake_file *f)
{
	struct drm_event ev = { .type = VIRTGPU_EVENT_FENCE_SIGNALED,
				.length = sizeof(ev) };
	FUZZ_CHECK(write(f->wr, &ev, sizeof(ev)) == sizeof(ev), "fence: %s",
		   strerror(errno));
	f->armed = false;
}

static void
expect_fd(enum fd_kind kind, uint64_t size)
{
	if (host.nfds == host.fds_cap) {
		host.fds_cap = host.fds_cap ? host.fds_cap * 2 : 32;
		host.fds = realloc(host.fds, host.fds_cap * sizeof(*host.fds));
		FUZZ_CHECK(host.fds, "out of memory");
	}
	host.fds[host.nfds++] = (struct expected_fd){ kind, size };
}

/* What a RECEIVE's identifier becomes for the client, by the ABI. */
static void
expect_identifier(uint32_t id, uint32_t type, uint32_t size)
{
	if (type == CROSS_DOMAIN_ID_TYPE_BLOB && size > 0) {
		if (blob_take(&host.blobs_predicted, id, page_round(size)))
			expect_fd(FD_BLOB, page_round(size));
	} else if (type == CROSS_DOMAIN_ID_TYPE_WRITE_PIPE ||
		   type == CROSS_DOMAIN_ID_TYPE_BLOB) {
		id_set_add(&host.write_pipes, id);
		expect_fd(FD_WRITE_PIPE, 0);
	}
	if (getenv("FUZZ_TRACE"))
		fprintf(stderr, "host: id %#x type %u size %u -> %zu fds\n", id,
			type, size, host.nfds);
}

/* Returns true for the empty RECEIVE: the host hung up. */
static bool
account_receive(uint8_t *ring)
{
	const struct cross_domain_send_receive_head *h = (const void *)ring;
	unsigned n = host.n_ids;
	if (h->num_identifiers == 0 && h->opaque_data_size == 0)
		return true;
	if (h->num_identifiers > n ||
	    h->opaque_data_size > cross_domain_receive_max(n)) {
		host.may_end = true;
		return false;
	}
	size_t before = host.nfds;
	for (unsigned i = 0; i < h->num_identifiers; i++)
		expect_identifier(cross_domain_ids(ring)[i],
				  cross_domain_id_types(ring, n)[i],
				  cross_domain_id_sizes(ring, n)[i]);
	/* Fds with nothing to ride on: never from a stream socket. */
	host.fds_loose |= h->opaque_data_size == 0 && host.nfds > before;
	bytes_add(&host.sent, ring + cross_domain_send_receive_size(n),
		  h->opaque_data_size);
	return false;
}

static void
account_read(uint8_t *ring)
{
	const struct cross_domain_read_write *rw = (const void *)ring;
	struct guest_pipe *p = NULL;
	for (unsigned i = 0; i < host.npipes; i++)
		if (host.pipes[i].id == rw->identifier)
			p = &host.pipes[i];
	if (!p || rw->opaque_data_size > CROSS_DOMAIN_READ_MAX) {
		host.may_end = true; /* rutabaga never does this */
		return;
	}
	if (p->hung)
		host.may_end = true; /* nor READ after the hang-up */
	bytes_add(&p->all, ring + sizeof(*rw), rw->opaque_data_size);
	p->hung |= rw->hang_up != 0;
}

/* Parses what the host wrote, as the ABI defines it. */
static bool
account_event(uint8_t *ring)
{
	switch (ring[0]) {
	case CROSS_DOMAIN_CMD_RECEIVE:
		return account_receive(ring);
	case CROSS_DOMAIN_CMD_READ:
		account_read(ring);
		return false;
	default:
		host.may_end = true;
		return false;
	}
}

static uint32_t
pick_id(uint8_t sel)
{
	switch (sel % 4) {
	case 0:
		host.last_id = ++host.next_blob_id;
		break;
	case 1:
		break;
	case 2:
		host.last_id = input_u32(&host.in);
		break;
	default:
		host.last_id = input_u8(&host.in);
	}
	return host.last_id;
}

static uint32_t
pick_type(uint8_t sel)
{
	static const uint32_t types[] = {
		CROSS_DOMAIN_ID_TYPE_BLOB, CROSS_DOMAIN_ID_TYPE_WRITE_PIPE,
		CROSS_DOMAIN_ID_TYPE_READ_PIPE, CROSS_DOMAIN_ID_TYPE_SYNC,
		CROSS_DOMAIN_ID_TYPE_EVENT, CROSS_DOMAIN_ID_TYPE_SOCKET,
		CROSS_DOMAIN_ID_TYPE_BLOB,
	};
	sel %= 8;
	return sel < 7 ? types[sel] : input_u32(&host.in);
}

static uint32_t
pick_size(uint8_t sel)
{
	switch (sel % 6) {
	case 0: return 0;
	case 1: return PAGE;
	case 2: return input_range(&host.in, 1, 3 * PAGE);
	case 3: return CROSS_DOMAIN_RING_SIZE + 1 + input_u16(&host.in);
	case 4: return input_u32(&host.in);
	default: return 64;
	}
}

/* Data bytes at off, as many as the input has (zeros after). */
static void
fill(uint8_t *ring, size_t off, size_t len)
{
	if (len > CROSS_DOMAIN_RING_SIZE - off)
		len = CROSS_DOMAIN_RING_SIZE - off;
	memset(ring + off, 0, len);
	input_bytes(&host.in, ring + off, len);
}

/* Bulk data that costs no input: a client's pipe under pressure. */
static void
fill_pattern(uint8_t *ring, size_t off, size_t len)
{
	if (len > CROSS_DOMAIN_RING_SIZE - off)
		len = CROSS_DOMAIN_RING_SIZE - off;
	for (size_t i = 0; i < len; i++)
		ring[off + i] = (uint8_t)(i * 31 + len);
}

static void
write_receive(uint8_t *ring)
{
	unsigned n = host.n_ids;
	struct cross_domain_send_receive_head *h = (void *)ring;
	unsigned count = input_range(&host.in, 0, n + 2);
	for (unsigned i = 0; i < count && i < n; i++) {
		uint8_t sel = input_u8(&host.in);
		cross_domain_ids(ring)[i] = pick_id(sel >> 4);
		cross_domain_id_types(ring, n)[i] = pick_type(sel & 7);
		cross_domain_id_sizes(ring, n)[i] = pick_size(input_u8(&host.in));
	}
	uint32_t len = input_range(&host.in, 0,
				   (uint32_t)cross_domain_receive_max(n) + 16);
	*h = (struct cross_domain_send_receive_head){
		.hdr = { .cmd = CROSS_DOMAIN_CMD_RECEIVE },
		.num_identifiers = count, .opaque_data_size = len,
	};
	fill(ring, cross_domain_send_receive_size(n), len);
}

static void
write_raw_receive(uint8_t *ring)
{
	struct cross_domain_send_receive_head *h = (void *)ring;
	h->hdr = (struct cross_domain_header){ .cmd = CROSS_DOMAIN_CMD_RECEIVE };
	h->num_identifiers = input_u32(&host.in);
	h->opaque_data_size = input_u32(&host.in);
	fill(ring, sizeof(*h), input_u16(&host.in));
}

static void
write_read(uint8_t *ring)
{
	struct cross_domain_read_write *rw = (void *)ring;
	uint8_t sel = input_u8(&host.in);
	uint32_t id = host.npipes && sel % 4 != 3
		? host.pipes[sel % host.npipes].id : input_u32(&host.in);
	uint8_t hang = input_u8(&host.in);
	uint32_t hang_up = (hang & 3) >= 2 ? input_u32(&host.in) : hang & 3;
	uint32_t len = input_range(&host.in, 0,
				   (uint32_t)CROSS_DOMAIN_READ_MAX + 16);
	*rw = (struct cross_domain_read_write){
		.hdr = { .cmd = CROSS_DOMAIN_CMD_READ }, .identifier = id,
		.hang_up = hang_up, .opaque_data_size = len,
	};
	if (hang & 4)
		fill_pattern(ring, sizeof(*rw), len);
	else
		fill(ring, sizeof(*rw), len);
}

static void
write_event(uint8_t *ring)
{
	if (input_done(&host.in)) {
		memset(ring, 0, sizeof(struct cross_domain_send_receive_head));
		ring[0] = CROSS_DOMAIN_CMD_RECEIVE;
		return;
	}
	switch (input_u8(&host.in) % 5) {
	case 0:
		write_receive(ring);
		break;
	case 1:
		write_raw_receive(ring);
		break;
	case 2:
		write_read(ring);
		break;
	case 3:
		ring[0] = input_u8(&host.in);
		fill(ring, 1, input_range(&host.in, 0, 64));
		break;
	default:
		memset(ring, 0, sizeof(struct cross_domain_send_receive_head));
		ring[0] = CROSS_DOMAIN_CMD_RECEIVE;
	}
}

/* The compositor's answer to wl_display.sync(2): done, delete_id(2). */
static void
write_handshake_reply(uint8_t *ring)
{
	static const uint32_t reply[6] = {
		2, (12u << 16) | 0, 1, 1, (12u << 16) | 1, 2,
	};
	struct cross_domain_send_receive_head *h = (void *)ring;
	*h = (struct cross_domain_send_receive_head){
		.hdr = { .cmd = CROSS_DOMAIN_CMD_RECEIVE },
		.opaque_data_size = sizeof(reply),
	};
	memcpy(ring + cross_domain_send_receive_size(host.n_ids), reply,
	       sizeof(reply));
}

/* FUZZ_TRACE=1: the events the host wrote, and what the client got. */
static void
trace_event(const uint8_t *ring)
{
	static int on = -1;
	if (on < 0)
		on = getenv("FUZZ_TRACE") != NULL;
	const uint32_t *w = (const uint32_t *)ring;
	if (on)
		fprintf(stderr, "host: cmd %u, %u %u %u; expect %zu bytes, %zu "
			"fds%s\n", ring[0], w[2], w[3], w[4], host.sent.len,
			host.nfds, host.may_end ? ", may end" : "");
}

/* Completes the outstanding POLL when the host has something to say. */
static void
host_maybe_fire(struct fake_file *f)
{
	if (!f->armed || f->hung || f != host.cur)
		return;
	if (!host.hostile && !f->answered) {
		if (!f->asked)
			return;
		write_handshake_reply(f->channel);
		f->answered = true;
	} else {
		if (host.npipes < host.want_pipes)
			return; /* the client's pipes first: deterministic */
		write_event(f->channel);
		f->hung = account_event(f->channel);
		host.hung_up |= f->hung;
		trace_event(f->channel);
	}
	fence_signal(f);
}

/* ---- the transport's commands ---- */

static int
cmd_init(struct fake_file *f, const struct cross_domain_init *in, uint32_t size)
{
	FUZZ_CHECK(size == sizeof(*in), "INIT of %u bytes", size);
	struct fake_bo *q = bo_by_res(f, in->query_ring_id);
	struct fake_bo *c = bo_by_res(f, in->channel_ring_id);
	FUZZ_CHECK(q && c && q != c, "INIT names rings that are not this "
		   "file's blobs");
	f->channel = (void *)syscall(SYS_mmap, NULL, CROSS_DOMAIN_RING_SIZE,
				     PROT_READ | PROT_WRITE, MAP_SHARED, c->memfd, 0);
	FUZZ_CHECK(f->channel != MAP_FAILED, "mmap: %s", strerror(errno));
	f->channel_handle = c->handle;
	host.cur = f;
	return 0;
}

static int
cmd_poll(struct fake_file *f, const struct virtgpu_execbuffer *e)
{
	int queued = 0;
	syscall(SYS_ioctl, f->wr, FIONREAD, &queued);
	FUZZ_CHECK(!f->armed && queued == 0, "a POLL while %s",
		   f->armed ? "one is outstanding" : "an event is unread");
	const uint32_t *bo = (const void *)(uintptr_t)e->bo_handles;
	FUZZ_CHECK((e->flags & VIRTGPU_EXECBUF_RING_IDX) &&
		   e->ring_idx == CROSS_DOMAIN_CHANNEL_RING &&
		   e->num_bo_handles == 1 && f->channel &&
		   bo[0] == f->channel_handle, "POLL without the channel ring");
	f->armed = true;
	host_maybe_fire(f);
	return 0;
}

static int
cmd_send(struct fake_file *f, const uint8_t *cmd, uint32_t size)
{
	const struct cross_domain_send_receive_head *h = (const void *)cmd;
	unsigned n = host.n_ids;
	size_t head = cross_domain_send_receive_size(n);
	FUZZ_CHECK(size >= head && h->num_identifiers <= n &&
		   h->opaque_data_size == size - head &&
		   h->hdr.cmd_size == (uint16_t)size, "a malformed SEND");
	for (unsigned i = 0; i < h->num_identifiers; i++) {
		uint32_t type = cross_domain_id_types((void *)cmd, n)[i];
		if (type == CROSS_DOMAIN_ID_TYPE_READ_PIPE &&
		    host.npipes < MAX_PIPES && f == host.cur)
			host.pipes[host.npipes++].id = cross_domain_ids((void *)cmd)[i];
	}
	f->asked = true;
	host_maybe_fire(f);
	return 0;
}

static int
cmd_write(struct fake_file *f, const struct cross_domain_read_write *w,
	  uint32_t size)
{
	if (f != host.cur)
		return 0;
	FUZZ_CHECK(id_set_has(&host.write_pipes, w->identifier),
		   "WRITE for %#x, no write pipe of the host's", w->identifier);
	bool hang_up = w->hang_up == 1 && w->opaque_data_size == 0;
	bool data = w->hang_up == 0 && w->opaque_data_size == CLIENT_WRITES_LEN &&
		    memcmp(w + 1, CLIENT_WRITES, CLIENT_WRITES_LEN) == 0;
	FUZZ_CHECK((hang_up || data) && size == sizeof(*w) + w->opaque_data_size,
		   "the client wrote \"%s\" to write pipe %#x and closed it, "
		   "but WRITE says hang_up %u with %u bytes", CLIENT_WRITES,
		   w->identifier, w->hang_up, w->opaque_data_size);
	return 0;
}

static int
execbuffer(struct fake_file *f, const struct virtgpu_execbuffer *e)
{
	const uint8_t *cmd = (const void *)(uintptr_t)e->command;
	FUZZ_CHECK(e->size >= sizeof(struct cross_domain_header) &&
		   e->size <= CROSS_DOMAIN_RING_SIZE, "EXECBUFFER of %u bytes",
		   e->size);
	switch (cmd[0]) {
	case CROSS_DOMAIN_CMD_INIT:
		return cmd_init(f, (const void *)cmd, e->size);
	case CROSS_DOMAIN_CMD_POLL:
		return cmd_poll(f, e);
	case CROSS_DOMAIN_CMD_SEND:
		return cmd_send(f, cmd, e->size);
	case CROSS_DOMAIN_CMD_WRITE:
		return cmd_write(f, (const void *)cmd, e->size);
	}
	errno = EINVAL; /* GET_IMAGE_REQUIREMENTS: not this target's */
	return -1;
}

/* ---- the driver's ioctls ---- */

static int
create_blob(struct fake_file *f, struct virtgpu_create_blob *b)
{
	bool host3d = b->blob_mem == VIRTGPU_BLOB_MEM_HOST3D;
	if ((b->blob_mem != VIRTGPU_BLOB_MEM_GUEST && !host3d) ||
	    !(b->blob_flags & VIRTGPU_BLOB_FLAG_USE_MAPPABLE) || b->size == 0 ||
	    (host3d && !blob_take(&host.blobs_taken, (uint32_t)b->blob_id,
				  page_round(b->size)))) {
		errno = EINVAL;
		return -1;
	}
	struct fake_bo *bo = bo_new(f, page_round(b->size));
	b->bo_handle = bo->handle;
	b->res_handle = bo->res;
	return 0;
}

static int
prime_export(struct fake_file *f, struct drm_prime_handle *ph)
{
	struct fake_bo *bo = bo_by_handle(f, ph->handle);
	if (!bo) {
		errno = ENOENT;
		return -1;
	}
	ph->fd = fcntl(bo->memfd, F_DUPFD_CLOEXEC, 0);
	return ph->fd < 0 ? -1 : 0;
}

static int
gem_close(struct fake_file *f, const struct drm_gem_close *gc)
{
	struct fake_bo *bo = bo_by_handle(f, gc->handle);
	if (!bo) {
		errno = EINVAL;
		return -1;
	}
	close(bo->memfd);
	memset(bo, 0, sizeof(*bo));
	return 0;
}

static int
map_blob(struct fake_file *f, struct virtgpu_map *m)
{
	if (!bo_by_handle(f, m->handle)) {
		errno = ENOENT;
		return -1;
	}
	m->offset = (uint64_t)m->handle * PAGE;
	return 0;
}

static int
getparam(const struct virtgpu_getparam *g)
{
	*(int *)(uintptr_t)g->value = g->param == VIRTGPU_PARAM_SUPPORTED_CAPSET_IDS
		? 1 << VIRTGPU_CAPSET_CROSS_DOMAIN : 1;
	return 0;
}

static int
get_caps(const struct virtgpu_get_caps *g)
{
	struct cross_domain_caps caps = {
		.version = 1,
		.supported_channels = 1u << CROSS_DOMAIN_CHANNEL_TYPE_WAYLAND,
	};
	if (g->cap_set_id != VIRTGPU_CAPSET_CROSS_DOMAIN) {
		errno = EINVAL;
		return -1;
	}
	memcpy((void *)(uintptr_t)g->addr, &caps,
	       g->size < sizeof(caps) ? g->size : sizeof(caps));
	return 0;
}

static int
version(struct drm_version *v)
{
	static const char name[] = VIRTGPU_DRIVER_NAME;
	size_t n = v->name_len < sizeof(name) - 1 ? v->name_len : sizeof(name) - 1;
	memcpy(v->name, name, n);
	v->name_len = sizeof(name) - 1;
	return 0;
}

static int
fake_ioctl(struct fake_file *f, unsigned long request, void *arg)
{
	switch (request) {
	case DRM_IOCTL_VERSION: return version(arg);
	case VIRTGPU_IOCTL_GETPARAM: return getparam(arg);
	case VIRTGPU_IOCTL_GET_CAPS: return get_caps(arg);
	case VIRTGPU_IOCTL_CONTEXT_INIT: return 0;
	case VIRTGPU_IOCTL_CREATE_BLOB: return create_blob(f, arg);
	case VIRTGPU_IOCTL_MAP: return map_blob(f, arg);
	case VIRTGPU_IOCTL_EXECBUFFER: return execbuffer(f, arg);
	case DRM_IOCTL_PRIME_HANDLE_TO_FD: return prime_export(f, arg);
	case DRM_IOCTL_GEM_CLOSE: return gem_close(f, arg);
	}
	/* PRIME import, RESOURCE_INFO, WAIT: the client sends no buffers. */
	errno = EINVAL;
	return -1;
}

int
ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	pthread_mutex_lock(&host.lock);
	struct fake_file *f = file_by_fd(fd);
	int r = f ? fake_ioctl(f, request, arg) : 0;
	int saved = errno;
	pthread_mutex_unlock(&host.lock);
	if (!f)
		return (int)syscall(SYS_ioctl, fd, request, arg);
	errno = saved;
	return r;
}

/* ---- the client's side ---- */

struct client_view {
	struct bytes got;
	struct bytes pipe_got[MAX_PIPES];
	int pipe_fd[MAX_PIPES];
	bool eof;
};

static void
discard_log(const char *fmt, va_list ap)
{
	(void)fmt;
	(void)ap;
}

static struct channel *
channel_for(unsigned n_ids)
{
	struct channel **ch = &host.channels[n_ids == CROSS_DOMAIN_MAX_IDENTIFIERS];
	char err[512];
	if (!*ch) {
		signal(SIGPIPE, SIG_IGN);
		*ch = channel_virtgpu_create(FAKE_NODE, n_ids, err, sizeof(err));
		FUZZ_CHECK(*ch, "%s", err);
		if (!getenv("WLGP_FUZZ_VERBOSE"))
			(*ch)->log = discard_log;
	}
	return *ch;
}

static void
host_reset(uint8_t setup)
{
	pthread_mutex_lock(&host.lock);
	host.n_ids = setup & 1 ? CROSS_DOMAIN_MAX_IDENTIFIERS_OLD
			       : CROSS_DOMAIN_MAX_IDENTIFIERS;
	host.hostile = setup & 8;
	host.small_pipes = setup & 16;
	host.pipes_closed = setup & 32;
	host.want_pipes = host.hostile ? 0 : (setup >> 1) % 4;
	host.hung_up = host.fds_loose = false;
	/* A hostile handshake may end the link early: the pump gives up on
	 * a malformed answer to its sync, or none within answer_ms. */
	host.may_end = host.hostile;
	host.cur = NULL;
	host.next_blob_id = host.last_id = 0;
	host.sent.len = 0;
	host.nfds = host.fd_next = 0;
	host.blobs_taken.len = host.blobs_predicted.len = 0;
	host.write_pipes.len = 0;
	for (unsigned i = 0; i < MAX_PIPES; i++) {
		host.pipes[i].all.len = 0;
		host.pipes[i].hung = false;
	}
	host.npipes = 0;
	pthread_mutex_unlock(&host.lock);
}

/* The client's read pipes, each sent alone (one pipe per SEND). */
static void
send_pipes(int sock, struct client_view *v)
{
	for (unsigned i = 0; i < host.want_pipes; i++) {
		int p[2];
		FUZZ_CHECK(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0, "pipe2");
		if (host.small_pipes)
			fcntl(p[0], F_SETPIPE_SZ, PAGE);
		union {
			struct cmsghdr c;
			char buf[CMSG_SPACE(sizeof(int))];
		} u;
		struct iovec iov = { "p", 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = u.buf,
				     .msg_controllen = sizeof(u.buf) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &p[1], sizeof(int));
		FUZZ_CHECK(sendmsg(sock, &mh, MSG_NOSIGNAL) == 1, "sendmsg: %s",
			   strerror(errno));
		close(p[1]);
		v->pipe_fd[i] = p[0];
		if (host.pipes_closed) {
			close(p[0]);
			v->pipe_fd[i] = -1;
		}
	}
}

static enum fd_kind
fd_kind(int fd, uint64_t *size)
{
	struct stat st;
	*size = 0;
	if (fstat(fd, &st) < 0)
		return FD_OTHER;
	if (S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
		return FD_BLOB;
	}
	if (S_ISFIFO(st.st_mode) && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_WRONLY)
		return FD_WRITE_PIPE;
	return FD_OTHER;
}

/* Is this the next fd the host sent? */
static bool
fd_is_next(enum fd_kind kind, uint64_t size)
{
	if (host.fd_next >= host.nfds)
		return false;
	const struct expected_fd *e = &host.fds[host.fd_next++];
	if (host.fds_loose)
		return kind != FD_OTHER;
	return e->kind == kind && (kind != FD_BLOB || e->size == size);
}

static void
check_fd(int fd)
{
	uint64_t size;
	enum fd_kind kind = fd_kind(fd, &size);
	pthread_mutex_lock(&host.lock);
	size_t at = host.fd_next;
	bool ok = fd_is_next(kind, size);
	if (getenv("FUZZ_TRACE"))
		fprintf(stderr, "client: fd kind %d size %llu, expected #%zu..%zu: %s\n",
			kind, (unsigned long long)size, at, host.fd_next,
			ok ? "ok" : "no");
	pthread_mutex_unlock(&host.lock);
	FUZZ_CHECK(ok, "the client got an fd (kind %d, %llu bytes) the host "
		   "did not send next", kind, (unsigned long long)size);
	/* EPIPE: the link (and with it the pipe's reader) ended. */
	if (kind == FD_WRITE_PIPE) {
		ssize_t n = write(fd, CLIENT_WRITES, CLIENT_WRITES_LEN);
		FUZZ_CHECK(n == CLIENT_WRITES_LEN || (n < 0 && errno == EPIPE),
			   "write pipe: %s", strerror(errno));
	}
	close(fd);
}

/* One recvmsg on the client's socket; false at EOF. */
static bool
client_read(int sock, struct client_view *v)
{
	uint8_t buf[4096];
	union {
		struct cmsghdr c;
		char buf[CMSG_SPACE(sizeof(int) * CHANNEL_MAX_FDS)];
	} u;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	FUZZ_CHECK(n >= 0 && !(mh.msg_flags & MSG_CTRUNC), "recvmsg: %s",
		   n < 0 ? strerror(errno) : "fds truncated");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; c->cmsg_type == SCM_RIGHTS && i < nfds; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			check_fd(fd);
		}
	}
	bytes_add(&v->got, buf, (size_t)n);
	v->eof = n == 0;
	return n > 0;
}

/* Reads one guest pipe; false at EOF. */
static bool
pipe_read(int fd, struct bytes *got)
{
	uint8_t buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	FUZZ_CHECK(n >= 0, "guest pipe: %s", strerror(errno));
	bytes_add(got, buf, (size_t)n);
	return n > 0;
}

/* Everything until the socket and every pipe reached EOF, or WAIT_MS of
 * silence.  The socket is closed at its EOF: that ends the link, which
 * closes the pipes the host did not hang up. */
static void
client_drain(int sock, struct client_view *v)
{
	struct pollfd p[1 + MAX_PIPES];
	p[0] = (struct pollfd){ sock, POLLIN, 0 };
	for (unsigned i = 0; i < MAX_PIPES; i++)
		p[1 + i] = (struct pollfd){ v->pipe_fd[i], POLLIN, 0 };
	for (;;) {
		bool open = false;
		for (unsigned i = 0; i <= MAX_PIPES; i++)
			open |= p[i].fd >= 0;
		if (!open)
			break;
		int ready = poll(p, 1 + MAX_PIPES, WAIT_MS);
		/* libFuzzer's -timeout alarm interrupts us every few
		 * seconds: that is not the pump being late. */
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			break;
		if (p[0].revents && !client_read(sock, v)) {
			close(sock);
			p[0].fd = -1;
		}
		for (unsigned i = 0; i < MAX_PIPES; i++) {
			if (p[1 + i].revents && !pipe_read(p[1 + i].fd, &v->pipe_got[i])) {
				close(p[1 + i].fd);
				p[1 + i].fd = v->pipe_fd[i] = -1;
			}
		}
	}
	if (p[0].fd >= 0)
		close(sock);
}

static bool
is_prefix(const struct bytes *part, const struct bytes *whole)
{
	return part->len <= whole->len &&
	       (part->len == 0 || memcmp(part->data, whole->data, part->len) == 0);
}

static void
check_pipes(struct client_view *v)
{
	for (unsigned i = 0; i < host.want_pipes && !host.pipes_closed; i++) {
		FUZZ_CHECK(v->pipe_fd[i] < 0, "guest pipe %u: no EOF within "
			   "%d ms", i, WAIT_MS);
		const struct bytes *all = &host.pipes[i].all;
		FUZZ_CHECK(is_prefix(&v->pipe_got[i], all), "guest pipe %u: "
			   "%zu bytes, not the READs' (%zu)", i,
			   v->pipe_got[i].len, all->len);
		FUZZ_CHECK(host.may_end || v->pipe_got[i].len == all->len,
			   "guest pipe %u: %zu bytes of the READs' %zu", i,
			   v->pipe_got[i].len, all->len);
	}
}

static void
check_view(struct client_view *v)
{
	pthread_mutex_lock(&host.lock);
	if (getenv("FUZZ_TRACE"))
		fprintf(stderr, "client: %zu bytes, %zu fds matched, eof %d\n",
			v->got.len, host.fd_next, v->eof);
	FUZZ_CHECK(v->eof, "no EOF from the pump within %d ms", WAIT_MS);
	FUZZ_CHECK(host.may_end || host.hung_up, "EOF, but the host never "
		   "hung up (the transport stopped polling)");
	check_pipes(v);
	if (!host.hostile) {
		FUZZ_CHECK(is_prefix(&v->got, &host.sent), "bytes out differ "
			   "from the RECEIVEs' (%zu of %zu)", v->got.len,
			   host.sent.len);
		FUZZ_CHECK(host.may_end || v->got.len == host.sent.len,
			   "%zu bytes out, %zu from the host", v->got.len,
			   host.sent.len);
	}
	FUZZ_CHECK(host.may_end || host.fds_loose || host.fd_next == host.nfds,
		   "%zu of the "
		   "host's %zu fds reached the client", host.fd_next, host.nfds);
	pthread_mutex_unlock(&host.lock);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct input setup;
	input_init(&setup, data, size);
	uint8_t flags = input_u8(&setup);
	struct channel *ch = channel_for(flags & 1 ? CROSS_DOMAIN_MAX_IDENTIFIERS_OLD
					 : CROSS_DOMAIN_MAX_IDENTIFIERS);
	host_reset(flags);
	pthread_mutex_lock(&host.lock);
	input_init(&host.in, data + setup.pos, size - setup.pos);
	pthread_mutex_unlock(&host.lock);
	int sock = channel_connect(ch, err, sizeof(err));
	/* Only a hostile handshake may keep the client from connecting. */
	FUZZ_CHECK(sock >= 0 || host.hostile, "channel_connect: %s", err);
	if (sock < 0)
		return 0;
	struct client_view v = { .pipe_fd = { -1, -1, -1 } };
	send_pipes(sock, &v);
	client_drain(sock, &v);
	check_view(&v);
	free(v.got.data);
	for (unsigned i = 0; i < MAX_PIPES; i++) {
		free(v.pipe_got[i].data);
		if (v.pipe_fd[i] >= 0)
			close(v.pipe_fd[i]);
	}
	return 0;
}
