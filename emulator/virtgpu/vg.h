/*
 * The one context struct of virtgpu-emulator: options, the supervisor,
 * the DRM files, the resources and the counters, plus the objects every
 * part shares.  See ../README.md ("virtgpu-emulator") for the design:
 * the DRM fd is a memfd standing for the file's view of the host-visible
 * window, a dma-buf is a description of a blob's own memfd, and fence
 * events come through trapped read/epoll_ctl on the emulator's fd numbers.
 */
#ifndef VG_VG_H
#define VG_VG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "call.h"
#include "list.h"
#include "sup.h"

struct vg_stats;
struct xd;

/* DRM fds are installed at these numbers (sup.h fd range). */
#define VG_FD_LO 900
#define VG_FD_HI 1000

/* The DRM core's fake mmap offsets start at 4 GiB; the window after. */
#define VG_OFFSET_START ((uint64_t)1 << 32)
#define VG_FILE_SIZE ((uint64_t)8 << 30)

struct vg_options {
	bool verbose;
	const char *node_path;
	const char *wayland_sock;
	const char *stats_path;
	unsigned ids;            /* identifier-array size N: 4 or 28 */
	bool write_pipe_as_blob; /* crosvm 2024-10..2025-09 */
	bool no_eof_receive;     /* rutabaga before 2024-10 */
	bool no_context_init;    /* a guest kernel without context_init */
	bool no_cross_domain;    /* a host without cross-domain */
	bool caps_need_context;  /* GET_CAPS EINVAL before CONTEXT_INIT */
	char **command;
};

struct vg {
	struct sup sup;
	struct vg_options opt;
	struct vg_stats *stats;
	struct list files;     /* struct vg_file */
	struct list resources; /* struct vg_res */
	uint32_t next_res_id;
	uint64_t next_offset;
	uint64_t next_lock;
	/* Release detection (release.c). */
	int inotify_fd;
	struct loop_watch *inotify_w;
	struct list watches;
	/* rutabaga's worker stopped (a compositor fd it cannot pass). */
	bool worker_dead;
};

static inline struct vg *vg_from_sup(struct sup *sup)
{
	return (struct vg *)((char *)sup - offsetof(struct vg, sup));
}

static inline struct vg *call_vg(const struct call *c)
{
	return vg_from_sup(c->sup);
}

/* ---- release detection (release.c) ---- */

/*
 * A guest description of a memfd we made, watched until its last fd and
 * mapping are gone: each holds an OFD read lock on a byte of its own, and
 * a close event on the inode releases the items whose lock is gone.
 */
struct vg_release {
	struct list link; /* in its watch */
	struct vg_watch *watch;
	off_t lock;
	void (*released)(struct vg_release *r);
};

int release_init(struct vg *vg);
void release_finish(struct vg *vg);
/*
 * Locks guest_desc (a description about to be installed in the guest) and
 * watches probe_fd's inode (probe_fd: our own description of the same
 * inode, used to test the lock).  0 or -errno.
 */
int release_watch(struct vg *vg, struct vg_release *r, int guest_desc, int probe_fd);
void release_cancel(struct vg_release *r);
/* Processes pending close events now (before exit). */
void release_poll_now(struct vg *vg);

/* ---- resources (res.c) ---- */

struct vg_file;

struct vg_res {
	struct vg *vg;
	struct list link; /* vg.resources */
	uint32_t id;
	uint32_t blob_mem, blob_flags;
	uint64_t size;
	/* HOST3D: the host's handle, bytes at offset 0 (what the compositor
	 * maps); GUEST: -1, the bytes are in owner's window at offset. */
	int mem_fd;
	bool read_only;
	dev_t dev;
	ino_t ino;
	struct vg_file *owner; /* GUEST: whose window holds it */
	uint64_t offset;       /* MAP offset; 0 until assigned */
	unsigned handles;      /* GEM handles in all files */
	unsigned fences;       /* unsignalled fences it is attached to */
	unsigned pins;         /* a context uses it as a ring */
	struct list exports;   /* struct vg_export: live dma-bufs */
	struct list waiters;   /* WAITs (struct pending) */
};

struct vg_export {
	struct vg_release rel;
	struct vg_res *res;
	struct list link; /* res.exports */
};

struct vg_res *res_new_guest(struct vg *vg, struct vg_file *owner, uint64_t size);
/* Takes mem_fd (bytes at offset 0). */
struct vg_res *res_new_host(struct vg *vg, int mem_fd, uint64_t size, bool read_only);
struct vg_res *res_by_id(struct vg *vg, uint32_t id);
struct vg_res *res_by_inode(struct vg *vg, dev_t dev, ino_t ino);
/* Frees r once no handle, dma-buf or fence refers to it. */
void res_maybe_free(struct vg_res *r);
/* A dma-buf description for the guest (ours to install), or -errno. */
int res_export(struct vg_res *r, bool writable);
void res_fence_done(struct vg_res *r);

/* ---- DRM files (file.c) ---- */

struct vg_handle {
	struct list link; /* vg_file.handles */
	uint32_t handle;
	struct vg_res *res;
};

struct vg_file {
	struct vg *vg;
	struct list link; /* vg.files */
	int mem_fd;       /* our description of the window memfd */
	dev_t dev;
	ino_t ino;
	struct vg_release rel;
	bool released;

	struct list handles;
	uint32_t next_handle;

	/* CONTEXT_INIT */
	bool has_context;
	uint32_t capset;
	unsigned num_rings;
	uint64_t poll_mask;
	struct xd *xd;

	/* Fence events: a pipe readable exactly while events are queued
	 * stands for the DRM fd in the guest's epoll sets. */
	unsigned events;
	int ev_pipe[2];
	struct list readers; /* blocked reads (struct pending) */
};

enum sup_verdict file_open(struct vg *vg, struct call *c, int flags);
struct vg_file *file_by_inode(struct vg *vg, dev_t dev, ino_t ino);
/* read, readv, epoll_ctl, dup* on a DRM fd; takes ours. */
enum sup_verdict file_fd_call(struct vg_file *f, struct call *c, int ours);
enum sup_verdict file_mmap(struct vg_file *f, struct call *c);
void file_queue_event(struct vg_file *f);
struct vg_handle *file_handle(struct vg_file *f, uint32_t handle);
/* A new handle for r in f (or f's existing one). */
struct vg_handle *file_add_handle(struct vg_file *f, struct vg_res *r);
void file_close_handle(struct vg_file *f, struct vg_handle *h);
void file_destroy(struct vg_file *f);
/* Writes into f's window (a GUEST blob's bytes), as the host does. */
int file_window_write(struct vg_file *f, uint64_t offset, const void *buf, size_t len);

/* ---- ioctls (ioctl.c) ---- */

enum sup_verdict drm_ioctl(struct vg_file *f, struct call *c, int ours);
/* A rejection: counted, logged, answered with err. */
void vg_reject(struct call *c, const char *what, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
