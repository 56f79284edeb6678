/*
 * Byte-stream vfds: NEW PIPE_READ / PIPE_WRITE and the compositor's
 * non-seekable fds (crosvm's "local_pipe": pipes, sockets, anything that
 * does not seek).  What the guest holds, so read/write/poll/close behave
 * like the driver's vfd:
 *   PIPE_READ    read end of our pipe, filled from the host pipe whose
 *                write end goes to the compositor when the vfd is SENT;
 *   PIPE_WRITE   read end of our pipe (crosvm answers flags 0, so the
 *                driver opens it O_RDONLY and write(2) fails EBADF); SEND
 *                data goes into the host pipe whose read end the
 *                compositor gets;
 *   host O_RDONLY  read end of our pipe, filled from the host fd;
 *   host O_WRONLY  write end of our pipe, drained into the host fd;
 *   host O_RDWR    one end of a socketpair bridged both ways.
 * The host hanging up (EOF, or a closed reader) becomes EOF and POLLHUP
 * for the guest after the bytes already queued.
 */
#ifndef EMU_STREAM_H
#define EMU_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "list.h"

struct call;
struct emu;
struct stream;
struct vfd;

struct vfd *stream_new_pipe(struct emu *emu, bool pipe_read, int *err);
/* Takes ownership of host_fd. */
struct vfd *stream_new_host(struct emu *emu, int host_fd, int *err);
void stream_destroy(struct stream *s);

/* In-buffer accounting (inqueue.h). */
struct stream *stream_from_link(struct list *link);
unsigned stream_pinned(struct stream *s);
void stream_reading_changed(struct stream *s);

bool stream_guest_is_socket(const struct stream *s);

/*
 * SEND payload: the pipe end the compositor gets (crosvm drops its copy
 * after the send, so the vfd sees EOF when the compositor closes it).
 * -EINVAL when there is none (host streams; a pipe already sent).
 */
int stream_payload_check(const struct vfd *v);
int stream_take_remote(struct vfd *v);

/*
 * SEND to this stream: 0 answered, 1 queued (call and guest_fd taken
 * over, answered once the bytes are written), or -errno.
 */
int stream_send(struct vfd *v, struct call *c, int guest_fd,
		const void *data, size_t len, int nfds);

/*
 * RECV from this stream through our copy of the guest's fd: 0 with *n
 * bytes in buf (*n == 0: EOF), or -EAGAIN when nothing is there yet.
 */
int stream_recv(struct vfd *v, int guest_fd, uint8_t *buf, size_t cap,
		size_t *n);

#endif
