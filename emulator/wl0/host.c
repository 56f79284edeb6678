/*
 * Host-side fds of vfds; see host.h.
 */
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "ctx.h"
#include "shm.h"
#include "stream.h"
#include "vfd.h"

struct vfd *host_vfd_from_compositor(struct emu *emu, int fd, int *err)
{
	off_t end = lseek(fd, 0, SEEK_END);
	if (end >= 0)
		return shm_new_host(emu, fd, (uint64_t)end, err);
	return stream_new_host(emu, fd, err);
}

int host_payload_check(const struct vfd *v)
{
	switch (v->kind) {
	case VFD_CTX:
		return ctx_payload_check(v);
	case VFD_ALLOC:
	case VFD_HOST_SHM:
		return 0;
	case VFD_PIPE_READ:
	case VFD_PIPE_WRITE:
		return stream_payload_check(v);
	case VFD_HOST_STREAM:
		return -EINVAL;
	}
	return -EINVAL;
}

int host_payload_fd(struct vfd *v)
{
	switch (v->kind) {
	case VFD_CTX:
		return ctx_payload_fd(v);
	case VFD_ALLOC:
	case VFD_HOST_SHM: {
		int fd = fcntl(v->shm_fd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -EMFILE : fd;
	}
	case VFD_PIPE_READ:
	case VFD_PIPE_WRITE:
		/* crosvm drops its copy after the send: EOF reaches the vfd. */
		return stream_take_remote(v);
	case VFD_HOST_STREAM:
		break;
	}
	return -EINVAL;
}
