/*
 * Shared-memory vfds: NEW ALLOC (crosvm's memfd "virtwl_alloc") and the
 * compositor's seekable fds (memfds, files).  The guest gets its own
 * description of the same inode (a reopen of /proc/self/fd/N): mapping it
 * maps the host's pages, as the driver maps crosvm's window, and its
 * release is visible apart from ours (vfd.h).  Both occupy crosvm's 4 GiB
 * window until released.
 */
#ifndef EMU_SHM_H
#define EMU_SHM_H

#include <stdint.h>

struct emu;
struct vfd;

/* NEW ALLOC; *err: ENODEV (size 0, window full), ENOSPC (ids). */
struct vfd *shm_new_alloc(struct emu *emu, uint32_t size, int *err);
/* A compositor fd that seeks; takes ownership of host_fd. */
struct vfd *shm_new_host(struct emu *emu, int host_fd, uint64_t end, int *err);
void shm_destroy(struct vfd *v);

#endif
