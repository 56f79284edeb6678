/*
 * Self-test of virtgpu-emulator, run under it:
 *   virtgpu-emulator --wayland-sock S --stats F -- virtgpu-selftest S F
 * It plays the guest with raw DRM ioctls on the emulated render node and,
 * through the socket it binds before INIT, the compositor: every fd and
 * byte that crosses the emulated device is checked on the other side, and
 * each rejection the emulator must count is provoked once (the wrapper,
 * run-virtgpu-selftest.py, checks the counts in the stats file).
 *
 *   virtgpu-selftest --caps-need-context S F: GET_CAPS before CONTEXT_INIT.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "selftest.h"
#include "virtgpu-abi.h"

#define NODE VIRTGPU_RENDER_NODE_DEFAULT
#define N_IDS CROSS_DOMAIN_MAX_IDENTIFIERS

struct guest {
	int drm;
	int ep;
	uint32_t query_handle, channel_handle;
	uint32_t query_res, channel_res;
	uint8_t *query, *channel;
	int listener, comp;
};

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	int r;
	do
		r = ioctl(fd, cmd, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

static int getparam(int drm, uint64_t param, int *value)
{
	struct virtgpu_getparam g = { .param = param, .value = (uintptr_t)value };
	return xioctl(drm, VIRTGPU_IOCTL_GETPARAM, &g);
}

static int context_init(int drm, bool with_capset)
{
	struct virtgpu_context_set_param p[3] = {
		{ VIRTGPU_CONTEXT_PARAM_NUM_RINGS, 2 },
		{ VIRTGPU_CONTEXT_PARAM_POLL_RINGS_MASK, 1u << CROSS_DOMAIN_CHANNEL_RING },
		{ VIRTGPU_CONTEXT_PARAM_CAPSET_ID, VIRTGPU_CAPSET_CROSS_DOMAIN },
	};
	struct virtgpu_context_init ci = {
		.num_params = with_capset ? 3 : 2, .ctx_set_params = (uintptr_t)p,
	};
	return xioctl(drm, VIRTGPU_IOCTL_CONTEXT_INIT, &ci);
}

static int get_caps(int drm, uint32_t id, struct cross_domain_caps *caps)
{
	struct virtgpu_get_caps g = { .cap_set_id = id, .addr = (uintptr_t)caps,
				      .size = sizeof(*caps) };
	return xioctl(drm, VIRTGPU_IOCTL_GET_CAPS, &g);
}

static int create_blob(int drm, uint32_t mem, uint32_t flags, uint64_t size,
		       uint64_t blob_id, uint32_t *handle, uint32_t *res)
{
	struct virtgpu_create_blob b = { .blob_mem = mem, .blob_flags = flags,
					 .size = size, .blob_id = blob_id };
	int r = xioctl(drm, VIRTGPU_IOCTL_CREATE_BLOB, &b);
	if (r == 0) {
		*handle = b.bo_handle;
		if (res)
			*res = b.res_handle;
	}
	return r;
}

static void *map_guest_blob(int drm, uint32_t handle, size_t size)
{
	struct virtgpu_map m = { .handle = handle };
	if (xioctl(drm, VIRTGPU_IOCTL_MAP, &m) < 0)
		return NULL;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, drm, (off_t)m.offset);
	return p == MAP_FAILED ? NULL : p;
}

static int submit(int drm, const void *cmd, uint32_t size, uint32_t *bos,
		  unsigned nbos, int ring)
{
	struct virtgpu_execbuffer e = {
		.size = size, .command = (uintptr_t)cmd,
		.bo_handles = (uintptr_t)bos, .num_bo_handles = nbos,
		.fence_fd = -1,
	};
	if (ring >= 0) {
		e.flags = VIRTGPU_EXECBUF_RING_IDX;
		e.ring_idx = (uint32_t)ring;
	}
	return xioctl(drm, VIRTGPU_IOCTL_EXECBUFFER, &e);
}

static int export_fd(int drm, uint32_t handle)
{
	struct drm_prime_handle p = { .handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR,
				      .fd = -1 };
	int r = xioctl(drm, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
	return r < 0 ? r : p.fd;
}

static int import_fd(int drm, int fd, uint32_t *handle)
{
	struct drm_prime_handle p = { .fd = fd };
	int r = xioctl(drm, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	if (r == 0)
		*handle = p.handle;
	return r;
}

static void poll_once(struct guest *g)
{
	struct cross_domain_poll p = { .hdr = { .cmd = CROSS_DOMAIN_CMD_POLL,
						.cmd_size = sizeof(p) } };
	CHECK(submit(g->drm, &p, sizeof(p), &g->channel_handle, 1,
		     CROSS_DOMAIN_CHANNEL_RING) == 0, "POLL");
}

/* Waits for the fence event through the guest's epoll set, reads it. */
static bool wait_event(struct guest *g, int timeout_ms)
{
	struct epoll_event ev;
	int n = epoll_wait(g->ep, &ev, 1, timeout_ms);
	if (n != 1)
		return false;
	CHECK(ev.data.u32 == 42, "epoll data %u", ev.data.u32);
	struct drm_event e[1];
	ssize_t r = read(g->drm, e, sizeof(e));
	CHECK(r == 8, "an 8-byte event, got %zd", r);
	CHECK(r < 8 || (e[0].type == VIRTGPU_EVENT_FENCE_SIGNALED && e[0].length == 8),
	      "event type 0x%x len %u", e[0].type, e[0].length);
	return r == 8;
}

static void send_msg(struct guest *g, const void *data, uint32_t len,
		     const uint32_t *ids, const uint32_t *types, unsigned n, unsigned layout)
{
	uint8_t buf[4096];
	size_t head = cross_domain_send_receive_size(layout);
	memset(buf, 0, head);
	struct cross_domain_send_receive_head *h = (void *)buf;
	h->hdr.cmd = CROSS_DOMAIN_CMD_SEND;
	h->hdr.cmd_size = (uint16_t)(head + len);
	h->num_identifiers = n;
	h->opaque_data_size = len;
	for (unsigned i = 0; i < n; i++) {
		cross_domain_ids(buf)[i] = ids[i];
		cross_domain_id_types(buf, layout)[i] = types[i];
	}
	memcpy(buf + head, data, len);
	CHECK(submit(g->drm, buf, (uint32_t)(head + len), NULL, 0, -1) == 0, "SEND");
}

static void setup(struct guest *g, const char *sock)
{
	st_section("open, VERSION, GETPARAM, GET_CAPS, CONTEXT_INIT");
	g->drm = open(NODE, O_RDWR | O_CLOEXEC);
	CHECK(g->drm >= 900 && g->drm < 1000, "DRM fd %d in the emulator's range", g->drm);
	char name[32] = "";
	struct drm_version v = { .name_len = sizeof(name) - 1, .name = name };
	CHECK(xioctl(g->drm, DRM_IOCTL_VERSION, &v) == 0 &&
	      strcmp(name, VIRTGPU_DRIVER_NAME) == 0, "driver name '%s'", name);
	int value = 0;
	CHECK(getparam(g->drm, VIRTGPU_PARAM_SUPPORTED_CAPSET_IDS, &value) == 0 &&
	      value == 1 << 5, "capset mask 0x%x", value);
	CHECK(getparam(g->drm, VIRTGPU_PARAM_CONTEXT_INIT, &value) == 0 && value == 1,
	      "context_init");
	struct cross_domain_caps caps = { 0 };
	CHECK(get_caps(g->drm, 5, &caps) == 0 && caps.version == 1 &&
	      caps.supported_channels == 0x2, "caps v%u channels 0x%x",
	      caps.version, caps.supported_channels);
	/* rejection 1: a capset the host lacks */
	CHECK(get_caps(g->drm, 4, &caps) == -EINVAL, "GET_CAPS 4 gives EINVAL");
	st_expected_rejections++;
	/* rejection 2: CONTEXT_INIT without the capset */
	CHECK(context_init(g->drm, false) == -EINVAL, "CONTEXT_INIT without capset");
	st_expected_rejections++;
	CHECK(context_init(g->drm, true) == 0, "CONTEXT_INIT");
	/* rejection 3: twice */
	CHECK(context_init(g->drm, true) == -EEXIST, "CONTEXT_INIT twice");
	st_expected_rejections++;
	/* rejection 4: a size other than the reference's (DRM zero-extends) */
	struct { uint64_t param; } shortp = { VIRTGPU_PARAM_3D_FEATURES };
	CHECK(ioctl(g->drm, DRM_IOWR(DRM_COMMAND_BASE + 0x03, shortp), &shortp) < 0,
	      "GETPARAM with a short struct has no value pointer");
	st_expected_rejections += 2; /* the size, then the EFAULT */

	st_section("rings: GUEST blobs mapped at their MAP offsets, INIT");
	CHECK(create_blob(g->drm, VIRTGPU_BLOB_MEM_GUEST, VIRTGPU_BLOB_FLAG_USE_MAPPABLE,
			  4096, 0, &g->query_handle, &g->query_res) == 0, "query ring");
	CHECK(create_blob(g->drm, VIRTGPU_BLOB_MEM_GUEST, VIRTGPU_BLOB_FLAG_USE_MAPPABLE,
			  4096, 0, &g->channel_handle, &g->channel_res) == 0, "channel ring");
	g->query = map_guest_blob(g->drm, g->query_handle, 4096);
	g->channel = map_guest_blob(g->drm, g->channel_handle, 4096);
	CHECK(g->query && g->channel, "rings mapped");
	/* rejection 5: an offset that is no object */
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, g->drm, 0) == MAP_FAILED &&
	      errno == EINVAL, "mmap at offset 0 of the DRM fd");
	st_expected_rejections++;
	g->listener = st_listen(sock);
	struct cross_domain_init in = {
		.hdr = { .cmd = CROSS_DOMAIN_CMD_INIT, .cmd_size = sizeof(in) },
		.query_ring_id = g->query_res, .channel_ring_id = g->channel_res,
		.channel_type = CROSS_DOMAIN_CHANNEL_TYPE_WAYLAND,
	};
	CHECK(submit(g->drm, &in, sizeof(in), NULL, 0, -1) == 0, "INIT");
	g->comp = st_accept(g->listener);
	CHECK(g->comp >= 0, "the host connected to the compositor");

	g->ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 42 };
	CHECK(epoll_ctl(g->ep, EPOLL_CTL_ADD, g->drm, &ev) == 0, "epoll_ctl ADD drm");
	CHECK(epoll_wait(g->ep, &ev, 1, 0) == 0, "no event before a POLL");
	fcntl(g->drm, F_SETFL, O_NONBLOCK);
	struct drm_event e;
	CHECK(read(g->drm, &e, sizeof(e)) < 0 && errno == EAGAIN, "read: EAGAIN");
}

static void test_receive_blob(struct guest *g)
{
	st_section("RECEIVE: a compositor memfd becomes a HOST3D blob (once)");
	int mfd = memfd_create("keymap", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK(write(mfd, "xkb_keymap {};", 15) == 15, "memfd");
	fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
	CHECK(st_comp_send(g->comp, "hello", 5, &mfd, 1) == 5, "compositor sends");
	close(mfd);
	CHECK(epoll_wait(g->ep, &(struct epoll_event){ 0 }, 1, 50) == 0,
	      "no event without a POLL: the host holds the message back");
	poll_once(g);
	CHECK(wait_event(g, 5000), "event for the RECEIVE");
	struct cross_domain_send_receive_head *h = (void *)g->channel;
	CHECK(h->hdr.cmd == CROSS_DOMAIN_CMD_RECEIVE && h->num_identifiers == 1 &&
	      h->opaque_data_size == 5, "RECEIVE cmd %u ids %u len %u", h->hdr.cmd,
	      h->num_identifiers, h->opaque_data_size);
	size_t head = cross_domain_send_receive_size(N_IDS);
	CHECK(memcmp(g->channel + head, "hello", 5) == 0, "RECEIVE data");
	uint32_t id = cross_domain_ids(g->channel)[0];
	uint32_t type = cross_domain_id_types(g->channel, N_IDS)[0];
	uint32_t size = cross_domain_id_sizes(g->channel, N_IDS)[0];
	CHECK(type == CROSS_DOMAIN_ID_TYPE_BLOB && size == 15, "type %u size %u", type, size);
	uint32_t handle = 0, res = 0;
	CHECK(create_blob(g->drm, VIRTGPU_BLOB_MEM_HOST3D, VIRTGPU_BLOB_FLAG_USE_MAPPABLE |
			  VIRTGPU_BLOB_FLAG_USE_SHAREABLE, size, id, &handle, &res) == 0,
	      "CREATE_BLOB of the received id");
	int fd = export_fd(g->drm, handle);
	CHECK(fd >= 0, "PRIME export");
	char *p = fd >= 0 ? mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
	CHECK(p != MAP_FAILED && memcmp(p, "xkb_keymap {};", 15) == 0, "keymap bytes");
	if (p != MAP_FAILED)
		munmap(p, size);
	/* unsupported (counted apart): HOST3D through the DRM fd */
	struct virtgpu_map m = { .handle = handle };
	CHECK(xioctl(g->drm, VIRTGPU_IOCTL_MAP, &m) == 0, "MAP of a HOST3D blob");
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, g->drm, (off_t)m.offset) == MAP_FAILED,
	      "HOST3D through the DRM fd is not emulated");
	close(fd);
	struct drm_gem_close gc = { .handle = handle };
	CHECK(xioctl(g->drm, DRM_IOCTL_GEM_CLOSE, &gc) == 0, "GEM_CLOSE");
	/* rejection: the same blob_id again */
	CHECK(create_blob(g->drm, VIRTGPU_BLOB_MEM_HOST3D, VIRTGPU_BLOB_FLAG_USE_MAPPABLE,
			  size, id, &handle, &res) == -EINVAL, "blob_id used twice");
	st_expected_rejections++;
}

static void test_send_blob(struct guest *g)
{
	st_section("GET_IMAGE_REQUIREMENTS, CREATE_BLOB, SEND a blob");
	struct cross_domain_get_image_requirements q = {
		.hdr = { .cmd = CROSS_DOMAIN_CMD_GET_IMAGE_REQUIREMENTS, .cmd_size = sizeof(q) },
		.width = 10000, .height = 1, .drm_format = 0x20203852,
		.flags = CROSS_DOMAIN_IMAGE_FLAG_LINEAR | CROSS_DOMAIN_IMAGE_FLAG_SCANOUT,
	};
	CHECK(submit(g->drm, &q, sizeof(q), &g->query_handle, 1, CROSS_DOMAIN_QUERY_RING) == 0,
	      "GET_IMAGE_REQUIREMENTS");
	struct virtgpu_wait w = { .handle = g->query_handle };
	CHECK(xioctl(g->drm, VIRTGPU_IOCTL_WAIT, &w) == 0, "WAIT on the query ring");
	struct cross_domain_image_requirements reqs;
	memcpy(&reqs, g->query, sizeof(reqs));
	CHECK(reqs.size >= 10000 && reqs.blob_id != 0, "reqs size %llu blob_id %u",
	      (unsigned long long)reqs.size, reqs.blob_id);
	uint32_t handles[2] = { 0 }, res[2] = { 0 };
	for (int i = 0; i < 2; i++)
		CHECK(create_blob(g->drm, VIRTGPU_BLOB_MEM_HOST3D,
				  VIRTGPU_BLOB_FLAG_USE_MAPPABLE | VIRTGPU_BLOB_FLAG_USE_SHAREABLE,
				  reqs.size, reqs.blob_id, &handles[i], &res[i]) == 0,
		      "a template serves more than one CREATE_BLOB (%d)", i);
	CHECK(res[0] != res[1], "two resources");
	int fd = export_fd(g->drm, handles[0]);
	char *p = mmap(NULL, reqs.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "map the dma-buf");
	if (p != MAP_FAILED)
		memset(p, 0x5a, reqs.size);
	/* Imported back: the same handle (the object is in this file). */
	uint32_t again = 0;
	CHECK(import_fd(g->drm, fd, &again) == 0 && again == handles[0], "import gives "
	      "handle %u (want %u)", again, handles[0]);
	uint32_t type = CROSS_DOMAIN_ID_TYPE_BLOB;
	send_msg(g, "pool", 4, &res[0], &type, 1, N_IDS);
	char buf[64];
	int fds[28], nfds = 0;
	int n = st_comp_recv(g->comp, buf, sizeof(buf), fds, &nfds, 5000);
	CHECK(n == 4 && nfds == 1 && memcmp(buf, "pool", 4) == 0, "compositor got "
	      "%d bytes %d fds", n, nfds);
	if (nfds == 1) {
		unsigned char *q2 = mmap(NULL, reqs.size, PROT_READ, MAP_SHARED, fds[0], 0);
		CHECK(q2 != MAP_FAILED && q2[0] == 0x5a && q2[reqs.size - 1] == 0x5a,
		      "the compositor maps the guest's pixels at offset 0");
		if (p != MAP_FAILED)
			p[100] = 0x11;
		CHECK(q2 != MAP_FAILED && q2[100] == 0x11, "shared, not copied");
		if (q2 != MAP_FAILED)
			munmap(q2, reqs.size);
		close(fds[0]);
	}
	if (p != MAP_FAILED)
		munmap(p, reqs.size);
	close(fd);
	for (int i = 0; i < 2; i++) {
		struct drm_gem_close gc = { .handle = handles[i] };
		CHECK(xioctl(g->drm, DRM_IOCTL_GEM_CLOSE, &gc) == 0, "GEM_CLOSE");
	}

	st_section("SEND rejections");
	/* rejection: a guest-memory blob has no host handle */
	send_msg(g, "x", 1, &g->query_res, &type, 1, N_IDS);
	st_expected_rejections++;
	/* rejection: a memfd is no dma-buf */
	int mfd = memfd_create("guest", MFD_CLOEXEC);
	uint32_t h = 0;
	CHECK(import_fd(g->drm, mfd, &h) == -EINVAL, "PRIME import of a memfd");
	st_expected_rejections++;
	close(mfd);
	/* rejection: the identifier array of an older host (N=4) */
	send_msg(g, "old", 3, NULL, NULL, 0, CROSS_DOMAIN_MAX_IDENTIFIERS_OLD);
	st_expected_rejections++;
	/* rejection: a wrong pipe-id guess */
	uint32_t wrong = CROSS_DOMAIN_PIPE_ID_START + 5, pt = CROSS_DOMAIN_ID_TYPE_READ_PIPE;
	send_msg(g, "p", 1, &wrong, &pt, 1, N_IDS);
	st_expected_rejections++;
	CHECK(!st_wait_readable(g->comp, 200), "nothing rejected reached the compositor");
}

static void test_pipes(struct guest *g)
{
	st_section("READ_PIPE: guessed id, READ events, hang-up");
	uint32_t id = CROSS_DOMAIN_PIPE_ID_START, type = CROSS_DOMAIN_ID_TYPE_READ_PIPE;
	send_msg(g, "offer", 5, &id, &type, 1, N_IDS);
	char buf[64];
	int fds[28], nfds = 0;
	int n = st_comp_recv(g->comp, buf, sizeof(buf), fds, &nfds, 5000);
	CHECK(n == 5 && nfds == 1, "the compositor got the pipe");
	CHECK(nfds == 1 && (fcntl(fds[0], F_GETFL) & O_ACCMODE) == O_WRONLY,
	      "the write end");
	poll_once(g);
	/* rejection: a second POLL while one is outstanding; it is queued */
	poll_once(g);
	st_expected_rejections++;
	CHECK(nfds == 1 && write(fds[0], "clip", 4) == 4, "compositor writes");
	CHECK(wait_event(g, 5000), "READ event");
	CHECK(epoll_wait(g->ep, &(struct epoll_event){ 0 }, 1, 100) == 0,
	      "exactly one event per fence");
	struct cross_domain_read_write *rw = (void *)g->channel;
	CHECK(rw->hdr.cmd == CROSS_DOMAIN_CMD_READ && rw->identifier == id &&
	      rw->opaque_data_size == 4 && !rw->hang_up &&
	      memcmp(g->channel + sizeof(*rw), "clip", 4) == 0, "READ cmd %u id 0x%x "
	      "len %u hang_up %u", rw->hdr.cmd, rw->identifier, rw->opaque_data_size,
	      rw->hang_up);
	if (nfds == 1)
		close(fds[0]);
	CHECK(wait_event(g, 5000), "hang-up event (the queued POLL)");
	CHECK(rw->hdr.cmd == CROSS_DOMAIN_CMD_READ && rw->hang_up && rw->identifier == id,
	      "READ hang_up");

	st_section("WRITE_PIPE from the compositor, WRITE");
	int p[2];
	CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe");
	CHECK(st_comp_send(g->comp, "send", 4, &p[1], 1) == 4, "compositor sends a write pipe");
	close(p[1]);
	poll_once(g);
	CHECK(wait_event(g, 5000), "RECEIVE of the write pipe");
	uint32_t wid = cross_domain_ids(g->channel)[0];
	CHECK(cross_domain_id_types(g->channel, N_IDS)[0] == CROSS_DOMAIN_ID_TYPE_WRITE_PIPE,
	      "type WRITE_PIPE");
	uint8_t cmd[64];
	struct cross_domain_read_write *w = (void *)cmd;
	memset(w, 0, sizeof(*w));
	w->hdr.cmd = CROSS_DOMAIN_CMD_WRITE;
	w->hdr.cmd_size = sizeof(*w) + 6;
	w->identifier = wid;
	w->hang_up = 1;
	w->opaque_data_size = 6;
	memcpy(cmd + sizeof(*w), "copied", 6);
	CHECK(submit(g->drm, cmd, sizeof(*w) + 6, NULL, 0, -1) == 0, "WRITE");
	char got[16] = "";
	CHECK(st_read_all(p[0], got, 6, 5000) && memcmp(got, "copied", 6) == 0, "pipe data");
	CHECK(st_read_all(p[0], got, 1, 2000) == false, "EOF after hang_up");
	close(p[0]);

	st_section("a POLL missing while the compositor has data (counted once)");
	CHECK(st_comp_send(g->comp, "late", 4, NULL, 0) == 4, "compositor sends");
	usleep(2600 * 1000);
	poll_once(g);
	CHECK(wait_event(g, 5000), "the late message");
	struct cross_domain_send_receive_head *h = (void *)g->channel;
	CHECK(h->hdr.cmd == CROSS_DOMAIN_CMD_RECEIVE && h->opaque_data_size == 4,
	      "RECEIVE of the late message");
}

static void test_eof_and_worker(struct guest *g, const char *sock)
{
	st_section("compositor EOF: an empty RECEIVE");
	poll_once(g);
	close(g->comp);
	CHECK(wait_event(g, 5000), "EOF event");
	struct cross_domain_send_receive_head *h = (void *)g->channel;
	CHECK(h->hdr.cmd == CROSS_DOMAIN_CMD_RECEIVE && h->num_identifiers == 0 &&
	      h->opaque_data_size == 0, "empty RECEIVE");

	st_section("a second client; a compositor fd the host cannot pass");
	struct guest g2 = { .listener = g->listener };
	g2.drm = open(NODE, O_RDWR | O_CLOEXEC);
	CHECK(g2.drm >= 900 && g2.drm != g->drm, "second DRM fd %d", g2.drm);
	CHECK(context_init(g2.drm, true) == 0, "CONTEXT_INIT 2");
	create_blob(g2.drm, VIRTGPU_BLOB_MEM_GUEST, 1, 4096, 0, &g2.query_handle, &g2.query_res);
	create_blob(g2.drm, VIRTGPU_BLOB_MEM_GUEST, 1, 4096, 0, &g2.channel_handle,
		    &g2.channel_res);
	g2.channel = map_guest_blob(g2.drm, g2.channel_handle, 4096);
	CHECK(g2.channel != NULL, "ring 2");
	struct cross_domain_init in = {
		.hdr = { .cmd = CROSS_DOMAIN_CMD_INIT, .cmd_size = sizeof(in) },
		.query_ring_id = g2.query_res, .channel_ring_id = g2.channel_res,
		.channel_type = CROSS_DOMAIN_CHANNEL_TYPE_WAYLAND,
	};
	CHECK(submit(g2.drm, &in, sizeof(in), NULL, 0, -1) == 0, "INIT 2");
	g2.comp = st_accept(g->listener);
	g2.ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 42 };
	CHECK(epoll_ctl(g2.ep, EPOLL_CTL_ADD, g2.drm, &ev) == 0, "epoll 2");
	int p[2];
	CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe");
	/* rejection: an O_RDONLY pipe end */
	CHECK(st_comp_send(g2.comp, "bad", 3, &p[0], 1) == 3, "compositor sends a read end");
	st_expected_rejections++;
	poll_once(&g2);
	CHECK(!wait_event(&g2, 500), "the worker stopped: no event");
	close(p[0]);
	close(p[1]);
	CHECK(epoll_ctl(g2.ep, EPOLL_CTL_DEL, g2.drm, NULL) == 0, "epoll DEL");
	munmap(g2.channel, 4096);
	close(g2.ep);
	close(g2.comp);
	close(g2.drm);
	(void)sock;
}

/* The legacy 16-byte INIT: one ring for queries and the channel. */
static void test_legacy_init(struct guest *g)
{
	st_section("legacy INIT (16 bytes, one ring)");
	struct guest g3 = { .listener = g->listener };
	g3.drm = open(NODE, O_RDWR | O_CLOEXEC);
	CHECK(context_init(g3.drm, true) == 0, "CONTEXT_INIT 3");
	uint32_t res = 0;
	CHECK(create_blob(g3.drm, VIRTGPU_BLOB_MEM_GUEST, 1, 4096, 0, &g3.channel_handle,
			  &res) == 0, "the one ring");
	g3.channel = map_guest_blob(g3.drm, g3.channel_handle, 4096);
	struct cross_domain_init_legacy in = {
		.hdr = { .cmd = CROSS_DOMAIN_CMD_INIT, .cmd_size = sizeof(in) },
		.ring_id = res, .channel_type = CROSS_DOMAIN_CHANNEL_TYPE_WAYLAND,
	};
	CHECK(submit(g3.drm, &in, sizeof(in), NULL, 0, -1) == 0, "legacy INIT");
	g3.comp = st_accept(g->listener);
	g3.ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 42 };
	CHECK(epoll_ctl(g3.ep, EPOLL_CTL_ADD, g3.drm, &ev) == 0, "epoll 3");
	CHECK(st_comp_send(g3.comp, "legacy", 6, NULL, 0) == 6, "compositor sends");
	poll_once(&g3);
	CHECK(wait_event(&g3, 5000), "event on the single ring");
	size_t head = cross_domain_send_receive_size(N_IDS);
	CHECK(g3.channel && memcmp(g3.channel + head, "legacy", 6) == 0, "RECEIVE data");
	CHECK(epoll_ctl(g3.ep, EPOLL_CTL_DEL, g3.drm, NULL) == 0, "epoll DEL 3");
	if (g3.channel)
		munmap(g3.channel, 4096);
	close(g3.ep);
	close(g3.comp);
	close(g3.drm);
}

static int caps_need_context(const char *stats)
{
	int drm = open(NODE, O_RDWR | O_CLOEXEC);
	struct cross_domain_caps caps;
	CHECK(get_caps(drm, 5, &caps) == -EINVAL, "GET_CAPS before CONTEXT_INIT");
	st_expected_rejections++;
	CHECK(context_init(drm, true) == 0, "CONTEXT_INIT");
	CHECK(get_caps(drm, 5, &caps) == 0, "GET_CAPS after CONTEXT_INIT");
	close(drm);
	printf("expected rejections: %d\n", st_expected_rejections);
	(void)stats;
	return st_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--caps-need-context") == 0)
		return caps_need_context(argv[3]);
	if (argc != 3) {
		fprintf(stderr, "usage: virtgpu-selftest SOCKET STATS\n");
		return 2;
	}
	struct guest g;
	memset(&g, 0, sizeof(g));
	setup(&g, argv[1]);
	test_receive_blob(&g);
	test_send_blob(&g);
	test_pipes(&g);
	test_legacy_init(&g);
	test_eof_and_worker(&g, argv[1]);
	CHECK(epoll_ctl(g.ep, EPOLL_CTL_DEL, g.drm, NULL) == 0, "epoll DEL");
	munmap(g.query, 4096);
	munmap(g.channel, 4096);
	close(g.ep);
	close(g.drm);
	close(g.listener);
	printf("expected rejections: %d\n", st_expected_rejections);
	return st_failures ? 1 : 0;
}
