/*
 * The guest-visible driver (ChromiumOS virtio_wl): what the ioctls and
 * mmap of /dev/wl0 and of vfds answer, and the guest's mistakes it
 * rejects or, where the real driver would misbehave silently, flags as
 * violations.  The host side of each call is in ctx.c, stream.c, shm.c.
 */
#ifndef EMU_DRIVER_H
#define EMU_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct call;
struct vfd;

/* Opening the device path: a fresh description of "the device". */
void driver_open_device(struct call *c, int flags);

/*
 * ioctl on the device or on a vfd.  guest_fd is our copy of the caller's
 * fd; both are taken over.  True when the call was kept (answered later).
 */
bool driver_device_ioctl(struct call *c, int guest_fd, unsigned cmd, uint64_t arg);
bool driver_vfd_ioctl(struct call *c, struct vfd *v, int guest_fd,
		      unsigned cmd, uint64_t arg);

void driver_device_mmap(struct call *c);
void driver_vfd_mmap(struct call *c, struct vfd *v);

/* Blocked RECVs on v try again. */
void driver_retry_recvs(struct vfd *v);

/*
 * RECV's answer, in two steps so the caller can consume its bytes in
 * between (before the guest runs again): write fds[] (then -1), len and
 * data into the caller's txn at `txn` in one go (0, -EFAULT or -ESRCH),
 * then answer 0.
 */
int driver_recv_write(struct call *c, uint64_t txn, const int *fds, int nfds,
		      const uint8_t *data, uint32_t len);
void driver_recv_answer(struct call *c, uint32_t len, int nfds);
/* Checks that the txn and len data bytes are writable: 0 or -errno. */
int driver_recv_probe(struct call *c, uint64_t txn, size_t len);

#endif
