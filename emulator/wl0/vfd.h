/*
 * The vfd table: every virtio-wayland fd the emulated driver knows, guest
 * created (ids 1..0x7FF, lowest free first, like the driver's idr) or host
 * created (0x40000000+n, increasing, like crosvm).
 *
 * A vfd is the pair of a guest-side object (what the guest's fd refers
 * to: a socket, pipe end or memfd description the emulator made and
 * installed) and its host side (ctx.c, stream.c, shm.c).  The guest-side
 * object is recognised by (st_dev, st_ino), which is how SEND, ioctl and
 * mmap find the vfd behind a guest fd.
 *
 * The driver sends VFD_CLOSE on the last release of a vfd file; the
 * emulator learns it with inotify IN_CLOSE_* on the guest-side inode (it
 * fires when the last fd and the last mapping of a description are gone).
 * Pipes and sockets have one inode per vfd and the event is exact.  Shared
 * memory inodes can carry several descriptions (two host vfds of the same
 * compositor file, the compositor's own fds), so there each guest
 * description holds an OFD read lock on a byte of its own, and a close
 * event only releases the vfds whose lock is gone.
 */
#ifndef EMU_VFD_H
#define EMU_VFD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "list.h"
#include "stats.h"

struct emu;
struct call;
struct ctx;
struct stream;
struct vfd_watch;

enum vfd_kind {
	VFD_CTX,
	VFD_ALLOC,
	VFD_PIPE_READ,
	VFD_PIPE_WRITE,
	VFD_HOST_SHM,
	VFD_HOST_STREAM,
};

struct vfd {
	struct emu *emu;
	uint32_t id;
	enum vfd_kind kind;

	/* The guest-side object. */
	dev_t dev;
	ino_t ino;
	int guest_fd;      /* our reference until the guest has it, else -1 */
	bool guest_writes; /* it is a pipe write end (selects the close event) */
	bool delivered;
	struct list hash_link;

	/* Release detection (see above). */
	struct vfd_watch *watch;
	struct list watch_link;
	off_t lock_off;
	bool locked;

	/* Host side, by kind. */
	struct ctx *ctx;       /* VFD_CTX */
	struct stream *stream; /* pipes and host streams */
	int shm_fd;            /* ALLOC: our memfd; HOST_SHM: the compositor's fd */
	uint32_t size;         /* shm: the size the host replied with */
	uint64_t window;       /* bytes it occupies in the 4 GiB window */
	bool read_only;        /* shm the host maps read-only */

	bool hup;               /* the host hung up: EOF after queued data */
	struct ctx *queued_on;  /* host vfd the guest has not received yet */
	struct list queue_link; /* in that ctx's message */
	struct list waiters;    /* RECVs blocked on this vfd (struct pending) */
	bool retrying;          /* driver_retry_recvs() is running */
};

/* Creates the table; needs emu->loop. */
int vfd_table_init(struct emu *emu);
void vfd_table_finish(struct emu *emu);

/* host: take a host id.  NULL with errno ENOSPC when 2047 guest ids live. */
struct vfd *vfd_new(struct emu *emu, enum vfd_kind kind, bool host);
/* Takes ownership of fd, the guest-side object, and indexes its inode. */
int vfd_set_guest_object(struct vfd *v, int fd);
/* Shared memory: the guest description's OFD lock (see above). */
void vfd_lock_guest_object(struct vfd *v);
/*
 * Installs the guest-side object in the caller (O_CLOEXEC, like every
 * vfd) and starts watching for its release.  Returns the caller's fd
 * number or -errno; on failure the vfd is unchanged.
 */
int vfd_deliver(struct vfd *v, struct call *c);
/* The driver's VFD_CLOSE: tears down the host side and frees the vfd. */
void vfd_release(struct vfd *v);

/* The vfd behind one of our copies of a guest fd, or NULL. */
struct vfd *vfd_lookup(struct emu *emu, int fd);
/* The same when the caller has fstat()ed fd already. */
struct vfd *vfd_lookup_stat(struct emu *emu, int fd, const struct stat *st);

/* Wakes RECVs waiting on v: data, vfds or a hang-up arrived. */
void vfd_wake(struct vfd *v);

/* Processes pending close events now (used before exit). */
void vfd_table_poll_releases(struct emu *emu);

enum stats_kind vfd_stats_kind(enum vfd_kind kind);
const char *vfd_kind_name(enum vfd_kind kind);

#endif
