/*
 * crosvm's side of fds crossing the device: what a compositor fd becomes
 * (WlVfd::from_file) and what a guest vfd becomes when SENT to the
 * compositor (WlVfd::send_descriptor).
 */
#ifndef EMU_HOST_H
#define EMU_HOST_H

struct emu;
struct vfd;

/*
 * A compositor fd: seekable (lseek SEEK_END works) -> shared memory of
 * that size; anything else -> a byte stream by O_ACCMODE.  crosvm would
 * recognise sync_file fences here; without a GPU there are none, and such
 * an fd would become a stream.  Takes ownership of fd.
 */
struct vfd *host_vfd_from_compositor(struct emu *emu, int fd, int *err);

/*
 * May v go out in a SEND?  0 or -EINVAL (crosvm INVALID_TYPE: host
 * streams have no descriptor to send, a pipe's remote end goes once).
 */
int host_payload_check(const struct vfd *v);
/* The host-side fd to pass for v (ours to close), after the check. */
int host_payload_fd(struct vfd *v);

#endif
