/*
 * Pipe and host byte-stream vfds; see stream.h.
 */
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "call.h"
#include "emu.h"
#include "inqueue.h"
#include "log.h"
#include "pending.h"
#include "pump.h"
#include "vfd.h"

struct stream {
	struct vfd *vfd;
	struct list link;       /* emu.streams */
	int remote_fd;          /* PIPE_*: the compositor's end until SENT */
	int keep_fd;            /* PIPE_WRITE: our write end of the guest pipe */
	struct pump *to_guest;
	struct pump *to_host;
	bool guest_socket;      /* host O_RDWR */
	bool send_to_read_end;  /* SEND data would go into a read end: ENODEV */
	struct list sends;      /* struct pending: SENDs waiting for to_host */
};

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void hang_up(struct stream *s)
{
	if (s->vfd->hup)
		return;
	s->vfd->hup = true;
	log_debug("vfd 0x%x: host hung up", s->vfd->id);
	if (s->keep_fd >= 0) {
		close(s->keep_fd);
		s->keep_fd = -1;
	}
	vfd_wake(s->vfd);
}

/* crosvm reads a host pipe in in-buffer-sized messages. */
static void to_guest_took(void *data, size_t n)
{
	struct stream *s = data;
	inqueue_note(s->vfd->emu,
		     (unsigned)((n + INQUEUE_MESSAGE_BYTES - 1) / INQUEUE_MESSAGE_BYTES));
}

static void to_guest_written(void *data)
{
	struct stream *s = data;
	vfd_wake(s->vfd);
}

/* The host's end is gone and the guest has every byte: HUP. */
static void to_guest_done(void *data)
{
	hang_up(data);
}

static void to_host_written(void *data)
{
	struct stream *s = data;
	uint64_t written = pump_written(s->to_host);
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &s->sends) {
		struct pending *p = list_entry(pos, struct pending, owner_link);
		if (p->mark > written)
			break;
		call_reply(p->call, 0);
		pending_free(p);
	}
}

/* The compositor stopped reading: crosvm's write fails, the vfd HUPs. */
static void to_host_failed(void *data)
{
	struct stream *s = data;
	pending_fail_list(&s->sends, ENODEV,
			  "the host end of the pipe is closed (crosvm's write fails)");
	hang_up(s);
}

static const struct pump_callbacks to_guest_cb = {
	.took = to_guest_took,
	.written = to_guest_written,
	.done = to_guest_done,
};

static const struct pump_callbacks to_host_cb = {
	.written = to_host_written,
	.failed = to_host_failed,
};

static struct stream *stream_alloc(struct vfd *v)
{
	struct stream *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->vfd = v;
	s->remote_fd = -1;
	s->keep_fd = -1;
	list_init(&s->sends);
	list_append(&v->emu->streams, &s->link);
	v->stream = s;
	return s;
}

/* Our pipe or socket pair the guest gets one end of. */
static int guest_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	return 0;
}

static int setup_pipe_read(struct stream *s, int host[2], int guest[2])
{
	/* Compositor writes host[1]; we read host[0] into the guest's pipe. */
	set_nonblock(host[0]);
	set_nonblock(guest[1]);
	s->remote_fd = host[1];
	s->to_guest = pump_new(s->vfd->emu, host[0], guest[1], PUMP_EOF_CLOSE,
			       &to_guest_cb, s);
	s->send_to_read_end = true;
	return vfd_set_guest_object(s->vfd, guest[0]);
}

static int setup_pipe_write(struct stream *s, int host[2], int guest[2])
{
	/* SEND data goes into host[1]; the compositor reads host[0]. */
	set_nonblock(host[1]);
	s->remote_fd = host[0];
	s->keep_fd = guest[1];
	s->to_host = pump_new(s->vfd->emu, -1, host[1], PUMP_EOF_CLOSE,
			      &to_host_cb, s);
	return vfd_set_guest_object(s->vfd, guest[0]);
}

struct vfd *stream_new_pipe(struct emu *emu, bool pipe_read, int *err)
{
	struct vfd *v = vfd_new(emu, pipe_read ? VFD_PIPE_READ : VFD_PIPE_WRITE, false);
	if (!v) {
		*err = errno;
		return NULL;
	}
	int host[2], guest[2];
	struct stream *s = stream_alloc(v);
	if (!s || pipe2(host, O_CLOEXEC) < 0) {
		*err = ENODEV;
		vfd_release(v);
		return NULL;
	}
	if (guest_pipe(guest) < 0) {
		close(host[0]);
		close(host[1]);
		*err = ENODEV;
		vfd_release(v);
		return NULL;
	}
	int r = pipe_read ? setup_pipe_read(s, host, guest)
			  : setup_pipe_write(s, host, guest);
	if (r < 0) {
		*err = ENODEV;
		vfd_release(v);
		return NULL;
	}
	stream_reading_changed(s);
	return v;
}

static int setup_host_reader(struct stream *s, int host_fd)
{
	int guest[2];
	int r = guest_pipe(guest);
	if (r < 0)
		return r;
	set_nonblock(guest[1]);
	s->to_guest = pump_new(s->vfd->emu, fd_private_nonblock(host_fd),
			       guest[1], PUMP_EOF_CLOSE, &to_guest_cb, s);
	s->send_to_read_end = true;
	return vfd_set_guest_object(s->vfd, guest[0]);
}

static int setup_host_writer(struct stream *s, int host_fd)
{
	int guest[2];
	int r = guest_pipe(guest);
	if (r < 0)
		return r;
	set_nonblock(guest[0]);
	s->vfd->guest_writes = true;
	s->to_host = pump_new(s->vfd->emu, guest[0], fd_private_nonblock(host_fd),
			      PUMP_EOF_CLOSE, &to_host_cb, s);
	return vfd_set_guest_object(s->vfd, guest[1]);
}

static int setup_host_socket(struct stream *s, int host_fd)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	host_fd = fd_private_nonblock(host_fd);
	int host_dup = fcntl(host_fd, F_DUPFD_CLOEXEC, 0);
	int our_dup = fcntl(sp[1], F_DUPFD_CLOEXEC, 0);
	if (host_dup < 0 || our_dup < 0) {
		close(sp[0]);
		close(sp[1]);
		close(host_fd);
		if (host_dup >= 0)
			close(host_dup);
		if (our_dup >= 0)
			close(our_dup);
		return -EMFILE;
	}
	struct stat st;
	bool host_is_socket = fstat(host_fd, &st) == 0 && S_ISSOCK(st.st_mode);
	s->guest_socket = true;
	s->to_guest = pump_new(s->vfd->emu, host_fd, our_dup, PUMP_EOF_SHUTDOWN,
			       &to_guest_cb, s);
	s->to_host = pump_new(s->vfd->emu, sp[1], host_dup,
			      host_is_socket ? PUMP_EOF_SHUT_WR : PUMP_EOF_CLOSE,
			      &to_host_cb, s);
	return vfd_set_guest_object(s->vfd, sp[0]);
}

struct vfd *stream_new_host(struct emu *emu, int host_fd, int *err)
{
	struct vfd *v = vfd_new(emu, VFD_HOST_STREAM, true);
	if (!v) {
		close(host_fd);
		*err = errno;
		return NULL;
	}
	struct stream *s = stream_alloc(v);
	int fl = fcntl(host_fd, F_GETFL);
	int r = -ENOMEM;
	if (s && fl >= 0) {
		/* crosvm: READ / WRITE / READ|WRITE by O_ACCMODE. */
		switch (fl & O_ACCMODE) {
		case O_RDONLY:
			r = setup_host_reader(s, host_fd);
			break;
		case O_WRONLY:
			r = setup_host_writer(s, host_fd);
			break;
		default:
			r = setup_host_socket(s, host_fd);
			break;
		}
	} else {
		close(host_fd);
	}
	if (r < 0) {
		*err = -r;
		vfd_release(v);
		return NULL;
	}
	stream_reading_changed(s);
	return v;
}

void stream_destroy(struct stream *s)
{
	if (!s)
		return;
	pending_cancel_list(&s->sends);
	pump_destroy(s->to_guest);
	/* What the guest wrote before its last close still reaches the host. */
	pump_orphan(s->to_host);
	if (s->remote_fd >= 0)
		close(s->remote_fd);
	if (s->keep_fd >= 0)
		close(s->keep_fd);
	list_remove(&s->link);
	s->vfd->stream = NULL;
	free(s);
}

bool stream_guest_is_socket(const struct stream *s)
{
	return s->guest_socket;
}

int stream_payload_check(const struct vfd *v)
{
	return v->stream && v->stream->remote_fd >= 0 ? 0 : -EINVAL;
}

int stream_take_remote(struct vfd *v)
{
	int fd = v->stream->remote_fd;
	v->stream->remote_fd = -1;
	return fd;
}

int stream_send(struct vfd *v, struct call *c, int guest_fd,
		const void *data, size_t len, int nfds)
{
	struct stream *s = v->stream;
	/* crosvm: "Impossible to send descriptors over a simple pipe." */
	if (nfds > 0)
		return -EINVAL;
	/* crosvm writes into its local end; a read end refuses (EBADF). */
	if (s->send_to_read_end || !s->to_host || pump_failed(s->to_host) ||
	    pump_finished(s->to_host))
		return -ENODEV;
	/* Bytes the guest wrote with write(2) go first. */
	pump_drain_src(s->to_host);
	uint64_t mark = pump_push(s->to_host, data, len);
	/* pump_push may have failed the pump and answered older SENDs. */
	if (!v->stream || pump_failed(s->to_host))
		return -ENODEV;
	if (pump_written(s->to_host) >= mark)
		return 0;
	struct pending *p = pending_new(&v->emu->sup, c, guest_fd, v, &s->sends);
	if (!p)
		return -ENOMEM;
	p->mark = mark;
	p->what = "SEND";
	return 1;
}

int stream_recv(struct vfd *v, int guest_fd, uint8_t *buf, size_t cap,
		size_t *n)
{
	*n = 0;
	/* The guest holds a write end: nothing ever arrives, only the HUP. */
	if (v->guest_writes)
		return v->hup ? 0 : -EAGAIN;
	int avail = 0;
	if (ioctl(guest_fd, FIONREAD, &avail) < 0)
		avail = 0;
	if (avail <= 0)
		return v->hup ? 0 : -EAGAIN;
	size_t want = (size_t)avail < cap ? (size_t)avail : cap;
	/* FIONREAD said the bytes are there: this read does not block. */
	ssize_t r = v->stream->guest_socket ? recv(guest_fd, buf, want, MSG_DONTWAIT)
					    : read(guest_fd, buf, want);
	if (r < 0)
		return errno == EAGAIN ? -EAGAIN : 0;
	*n = (size_t)r;
	return 0;
}

/* ---- in-buffers ---- */

struct stream *stream_from_link(struct list *link)
{
	return list_entry(link, struct stream, link);
}

/* Bytes read from the host the guest has not consumed, in messages. */
unsigned stream_pinned(struct stream *s)
{
	if (!s->to_guest)
		return 0;
	long unread = 0;
	if (s->guest_socket) {
		unread = inqueue_unread_socket(s->vfd->emu, s->vfd->ino);
	} else {
		/* FIONREAD on our end of the guest's pipe counts its bytes. */
		int fd = pump_dst_fd(s->to_guest), n = 0;
		if (fd >= 0 && ioctl(fd, FIONREAD, &n) == 0)
			unread = n;
	}
	if (unread < 0)
		unread = 0;
	size_t bytes = pump_buffered(s->to_guest) + (size_t)unread;
	return (unsigned)((bytes + INQUEUE_MESSAGE_BYTES - 1) / INQUEUE_MESSAGE_BYTES);
}

void stream_reading_changed(struct stream *s)
{
	pump_set_paused(s->to_guest, !inqueue_open(s->vfd->emu));
}
