/*
 * Wire messages and fds from fuzz input (see wire.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay-meta.h"
#include "wire.h"

void
wire_objects_init(struct wire_objects *o, uint32_t first_id)
{
	o->count = 0;
	o->next_id = first_id;
}

void
wire_objects_add(struct wire_objects *o, uint32_t id,
		 const struct wl_interface *interface)
{
	for (int i = 0; i < o->count; i++) {
		if (o->objs[i].id == id) {
			o->objs[i].interface = interface;
			return;
		}
	}
	if (o->count < WIRE_MAX_OBJECTS)
		o->objs[o->count++] = (struct wire_object){ id, interface };
}

void
wire_objects_remove(struct wire_objects *o, uint32_t id)
{
	for (int i = 0; i < o->count; i++) {
		if (o->objs[i].id == id) {
			o->objs[i] = o->objs[--o->count];
			return;
		}
	}
}

const struct wire_object *
wire_objects_pick(struct wire_objects *o, struct input *in)
{
	if (o->count == 0)
		return NULL;
	return &o->objs[input_u8(in) % o->count];
}

void
wire_msg_init(struct wire_msg *m)
{
	m->len = 0;
	m->nfds = 0;
}

void
wire_msg_fini(struct wire_msg *m)
{
	for (int i = 0; i < m->nfds; i++)
		close(m->fds[i]);
	m->nfds = 0;
}

bool
wire_put_u32(struct wire_msg *m, uint32_t v)
{
	if (m->len + 4 > WIRE_MAX_SIZE)
		return false;
	memcpy(m->data + m->len, &v, 4);
	m->len += 4;
	return true;
}

bool
wire_put_bytes(struct wire_msg *m, const void *data, uint32_t len, bool nul)
{
	uint32_t total = len + (nul ? 1 : 0);
	size_t padded = ((size_t)total + 3) & ~(size_t)3;
	if (m->len + 4 + padded > WIRE_MAX_SIZE)
		return false;
	wire_put_u32(m, total);
	memset(m->data + m->len, 0, padded);
	memcpy(m->data + m->len, data, len);
	m->len += padded;
	return true;
}

void
wire_memfds_fini(struct wire_memfds *mf)
{
	for (int i = 0; i < mf->count; i++)
		close(mf->fds[i]);
	mf->count = 0;
}

void
wire_memfds_shrink(struct wire_memfds *mf, struct input *in)
{
	if (mf->count == 0)
		return;
	int fd = mf->fds[input_u8(in) % mf->count];
	if (ftruncate(fd, input_range(in, 0, 4096)) < 0) {
		/* sealed or not a memfd any more: nothing to shrink */
	}
}

static int
new_memfd(size_t size, struct wire_memfds *mf)
{
	int fd = memfd_create("wlgp-fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return -1;
	}
	if (mf && mf->count < 8) {
		int keep = dup(fd);
		if (keep >= 0)
			mf->fds[mf->count++] = keep;
	}
	return fd;
}

int
wire_fuzz_fd(struct input *in, struct wire_memfds *mf)
{
	int fds[2], fd = -1;
	switch (input_u8(in) % 10) {
	case 0: /* a pool of any size up to 16 MiB (sparse: costs nothing) */
		return new_memfd(input_range(in, 0, 16u << 20), mf);
	case 1:
	case 2: /* a small pool, the common case */
		return new_memfd(input_range(in, 0, 65536), mf);
	case 3: /* a pipe's read end: not mappable */
		if (pipe2(fds, O_CLOEXEC) < 0)
			return -1;
		close(fds[1]);
		return fds[0];
	case 4: /* a pipe's write end, with its reader kept away */
		if (pipe2(fds, O_CLOEXEC) < 0)
			return -1;
		close(fds[0]);
		return fds[1];
	case 5:
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	case 6:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
			return -1;
		close(fds[1]);
		return fds[0];
	case 7:
		return eventfd(0, EFD_CLOEXEC);
	case 8: { /* a read-only view of a memfd: mmap(PROT_WRITE) fails */
		int m = new_memfd(input_range(in, 0, 65536), NULL);
		if (m < 0)
			return -1;
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", m);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		close(m);
		return fd;
	}
	case 9: { /* a memfd holding fuzzed bytes: a keymap, a pool's pixels */
		uint8_t buf[4096];
		size_t len = input_bytes(in, buf, input_range(in, 0, sizeof(buf)));
		fd = new_memfd(0, NULL);
		if (fd >= 0 && write(fd, buf, len) < 0) {
			/* an empty file is a fine input too */
		}
		return fd;
	}
	}
	return -1;
}

static const char *const strings[] = {
	"", "text/plain", "text/plain;charset=utf-8", "UTF8_STRING",
	"wl_compositor", "wl_shm", "xdg_wm_base", "app", "\xff\xfe",
};

const char *
wire_pick_interface_name(struct input *in, const struct wl_interface **iface)
{
	const struct relay_meta *meta =
		&relay_meta_table[input_u16(in) % relay_meta_count];
	*iface = meta->interface;
	return meta->name;
}

/* Small values most of the time: sizes, indices and enums are small. */
static uint32_t
fuzz_int(struct input *in)
{
	uint8_t sel = input_u8(in);
	if (sel < 160)
		return sel % 40;
	if (sel < 200)
		return input_u16(in) % 600;
	if (sel < 220)
		return (uint32_t)-(int32_t)(sel - 199);
	return input_u32(in);
}

static uint32_t
fuzz_object(struct input *in, struct wire_objects *objs)
{
	uint8_t sel = input_u8(in);
	if (sel < 230 && objs->count > 0)
		return objs->objs[sel % objs->count].id;
	if (sel < 240)
		return 0;
	return input_u32(in) % 0x1000 + (sel & 1 ? 0xff000000u : 0);
}

bool
wire_build(struct wire_msg *m, struct input *in, struct wire_objects *objs,
	   uint32_t obj, uint16_t opcode, const struct wl_message *msg,
	   struct wire_memfds *mf)
{
	size_t start = m->len;
	int start_fds = m->nfds;
	if (!wire_put_u32(m, obj) || !wire_put_u32(m, 0))
		goto fail;
	int arg = 0;
	for (const char *s = msg->signature; *s; s++) {
		if ((*s >= '0' && *s <= '9') || *s == '?')
			continue;
		const struct wl_interface *type = msg->types ? msg->types[arg] : NULL;
		arg++;
		bool ok = true;
		switch (*s) {
		case 'i':
		case 'u':
			ok = wire_put_u32(m, fuzz_int(in));
			break;
		case 'f':
			ok = wire_put_u32(m, fuzz_int(in) << 8);
			break;
		case 'o':
			ok = wire_put_u32(m, fuzz_object(in, objs));
			break;
		case 's': {
			uint8_t sel = input_u8(in);
			size_t n = sizeof(strings) / sizeof(strings[0]);
			if (sel < 200) {
				const char *str = strings[sel % n];
				ok = wire_put_bytes(m, str, (uint32_t)strlen(str), true);
			} else if (sel < 210) {
				ok = wire_put_u32(m, 0); /* null string */
			} else {
				char buf[64];
				size_t len = input_bytes(in, buf, input_range(in, 0, 63));
				ok = wire_put_bytes(m, buf, (uint32_t)len, sel & 1);
			}
			break;
		}
		case 'a': {
			uint8_t buf[64];
			size_t len = input_bytes(in, buf, input_range(in, 0, 64));
			ok = wire_put_bytes(m, buf, (uint32_t)len, false);
			break;
		}
		case 'h': {
			int fd = wire_fuzz_fd(in, mf);
			if (fd >= 0 && m->nfds < WIRE_MAX_FDS)
				m->fds[m->nfds++] = fd;
			else if (fd >= 0)
				close(fd);
			break;
		}
		case 'n': {
			uint32_t id = objs->next_id++;
			if (!type) {
				/* wl_registry.bind: interface name, version, id */
				const struct wl_interface *iface;
				const char *name = wire_pick_interface_name(in, &iface);
				ok = wire_put_bytes(m, name, (uint32_t)strlen(name), true) &&
				     wire_put_u32(m, input_range(in, 1, iface->version));
				type = iface;
			}
			ok = ok && wire_put_u32(m, id);
			if (ok)
				wire_objects_add(objs, id, type);
			break;
		}
		default:
			break;
		}
		if (!ok)
			goto fail;
	}
	uint32_t header = (uint32_t)(m->len - start) << 16 | opcode;
	memcpy(m->data + start + 4, &header, 4);
	return true;
fail:
	m->len = start;
	while (m->nfds > start_fds)
		close(m->fds[--m->nfds]);
	return false;
}

bool
wire_send(int sock, const void *data, size_t len, const int *fds, int nfds)
{
	struct iovec iov = { (void *)data, len };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * WIRE_MAX_FDS)];
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds > 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0;
}
