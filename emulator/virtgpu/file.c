/*
 * DRM files: what each open of the render node gives the guest.  The fd
 * is a description of a sparse memfd, the file's view of the host-visible
 * window (GUEST blobs live in it at their MAP offsets, so mmap of the DRM
 * fd is the kernel's own shared mapping), installed at one of the
 * emulator's fd numbers so that read, readv, epoll_ctl and dup* on it are
 * trapped (sup.h).  Fence events are queued here; a pipe readable exactly
 * while some are queued stands for the DRM fd in the guest's epoll sets.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "pending.h"
#include "stats.h"
#include "vg.h"
#include "virtgpu-abi.h"
#include "xdomain.h"

#define EVENT_SIZE 8u
#define READV_MAX 16

static void file_released(struct vg_release *rel)
{
	struct vg_file *f = container_of(rel, struct vg_file, rel);
	log_debug("DRM file %lu released", (unsigned long)f->ino);
	file_destroy(f);
}

/* The lowest free fd number of the range in the caller, or -1. */
static int free_slot(struct call *c, int from)
{
	for (int n = from < VG_FD_LO ? VG_FD_LO : from; n < VG_FD_HI; n++) {
		int fd = call_getfd(c, n);
		if (fd == -EBADF)
			return n;
		if (fd == -ESRCH)
			return -1;
		if (fd >= 0)
			close(fd);
	}
	return -1;
}

enum sup_verdict file_open(struct vg *vg, struct call *c, int flags)
{
	struct vg_file *f = calloc(1, sizeof(*f));
	if (!f) {
		call_fail(c, ENOMEM);
		return SUP_DONE;
	}
	f->vg = vg;
	f->ev_pipe[0] = f->ev_pipe[1] = -1;
	list_init(&f->handles);
	list_init(&f->readers);
	list_init(&f->link);
	f->mem_fd = memfd_create("virtgpu-drm-file", MFD_CLOEXEC);
	struct stat st;
	int guest = -1, err = 0;
	if (f->mem_fd < 0 || ftruncate(f->mem_fd, (off_t)VG_FILE_SIZE) < 0 ||
	    fstat(f->mem_fd, &st) < 0 ||
	    pipe2(f->ev_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		err = errno;
	} else {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", f->mem_fd);
		guest = open(path, O_RDWR | O_CLOEXEC | (flags & O_NONBLOCK));
		if (guest < 0)
			err = errno;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->rel.released = file_released;
	if (!err)
		err = -release_watch(vg, &f->rel, guest, f->mem_fd);
	int slot = err ? -1 : free_slot(c, VG_FD_LO);
	if (err || slot < 0) {
		if (guest >= 0)
			close(guest);
		release_cancel(&f->rel);
		file_destroy(f);
		if (slot < 0 && !err)
			vg_stats_unsupported(vg->stats, call_pid(c), "open",
					     "no free fd number in %d..%d for a DRM fd",
					     VG_FD_LO, VG_FD_HI - 1);
		call_fail(c, err ? err : EMFILE);
		return SUP_DONE;
	}
	list_append(&vg->files, &f->link);
	vg_stats_created(vg->stats, VG_FILES);
	int r = call_addfd_reply_at(c, guest, slot, flags & O_CLOEXEC);
	close(guest);
	log_debug("pid %d: open %s -> %d", (int)call_pid(c), vg->opt.node_path, r);
	return SUP_DONE;
}

struct vg_file *file_by_inode(struct vg *vg, dev_t dev, ino_t ino)
{
	struct list *pos;
	list_for_each(pos, &vg->files) {
		struct vg_file *f = list_entry(pos, struct vg_file, link);
		if (f->dev == dev && f->ino == ino && !f->released)
			return f;
	}
	return NULL;
}

struct vg_handle *file_handle(struct vg_file *f, uint32_t handle)
{
	struct list *pos;
	list_for_each(pos, &f->handles) {
		struct vg_handle *h = list_entry(pos, struct vg_handle, link);
		if (h->handle == handle)
			return h;
	}
	return NULL;
}

struct vg_handle *file_add_handle(struct vg_file *f, struct vg_res *r)
{
	struct list *pos;
	list_for_each(pos, &f->handles) {
		struct vg_handle *h = list_entry(pos, struct vg_handle, link);
		if (h->res == r)
			return h; /* PRIME import of an object already here */
	}
	struct vg_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->handle = ++f->next_handle;
	h->res = r;
	r->handles++;
	list_append(&f->handles, &h->link);
	/* The kernel attaches the resource to the file's context. */
	if (f->xd)
		xd_attach(f->xd, r);
	return h;
}

void file_close_handle(struct vg_file *f, struct vg_handle *h)
{
	struct vg_res *r = h->res;
	list_remove(&h->link);
	free(h);
	if (f->xd)
		xd_detach(f->xd, r);
	r->handles--;
	res_maybe_free(r);
}

void file_destroy(struct vg_file *f)
{
	f->released = true;
	pending_fail_list(&f->readers, EBADF, "the DRM file went away");
	if (f->xd)
		xd_destroy(f->xd);
	f->xd = NULL;
	while (!list_empty(&f->handles))
		file_close_handle(f, list_entry(f->handles.next, struct vg_handle, link));
	/* GUEST blobs of ours that others still hold keep their bytes in a
	 * window nobody can map any more. */
	struct list *pos;
	list_for_each(pos, &f->vg->resources) {
		struct vg_res *r = list_entry(pos, struct vg_res, link);
		if (r->owner == f)
			r->owner = NULL;
	}
	if (f->has_context)
		vg_stats_released(f->vg->stats, VG_CONTEXTS);
	if (!list_empty(&f->link)) {
		list_remove(&f->link);
		vg_stats_released(f->vg->stats, VG_FILES);
	}
	release_cancel(&f->rel);
	/* Closing the pipe's read end drops it from the guest's epoll sets. */
	for (int i = 0; i < 2; i++)
		if (f->ev_pipe[i] >= 0)
			close(f->ev_pipe[i]);
	if (f->mem_fd >= 0)
		close(f->mem_fd);
	free(f);
}

int file_window_write(struct vg_file *f, uint64_t offset, const void *buf, size_t len)
{
	ssize_t n = pwrite(f->mem_fd, buf, len, (off_t)offset);
	return n == (ssize_t)len ? 0 : -EIO;
}

/* ---- fence events ---- */

static void set_readable(struct vg_file *f, bool readable)
{
	char b = 0;
	if (readable) {
		if (write(f->ev_pipe[1], &b, 1) < 0 && errno != EAGAIN)
			log_msg("event pipe: %m");
	} else {
		while (read(f->ev_pipe[0], &b, 1) == 1)
			;
	}
}

/* Answers a read with as many whole events as fit; 0 done, -EAGAIN none. */
static int read_events(struct vg_file *f, struct call *c, const struct iovec *iov,
		       int niov)
{
	size_t cap = 0;
	for (int i = 0; i < niov; i++)
		cap += iov[i].iov_len;
	if (f->events == 0)
		return -EAGAIN;
	unsigned n = (unsigned)(cap / EVENT_SIZE);
	if (n > f->events)
		n = f->events;
	/* drm_read: an event that does not fit stays queued; 0 if none fit. */
	uint8_t buf[64 * EVENT_SIZE];
	if (n > 64)
		n = 64;
	for (unsigned i = 0; i < n; i++) {
		struct drm_event ev = { .type = VIRTGPU_EVENT_FENCE_SIGNALED,
					.length = EVENT_SIZE };
		memcpy(buf + i * EVENT_SIZE, &ev, EVENT_SIZE);
	}
	size_t total = (size_t)n * EVENT_SIZE, done = 0;
	struct iovec local[READV_MAX], remote[READV_MAX];
	int nl = 0;
	for (int i = 0; i < niov && done < total; i++) {
		size_t take = iov[i].iov_len < total - done ? iov[i].iov_len : total - done;
		if (take == 0)
			continue;
		local[nl] = (struct iovec){ buf + done, take };
		remote[nl] = (struct iovec){ iov[i].iov_base, take };
		nl++;
		done += take;
	}
	int r = total ? call_writev(c, local, nl, remote, nl) : 0;
	if (r == -ESRCH)
		return 0;
	if (r < 0) {
		call_fail(c, EFAULT);
		return 0;
	}
	f->events -= n;
	if (f->events == 0)
		set_readable(f, false);
	vg_stats_count(f->vg->stats, VG_READS, 0);
	call_reply(c, (int64_t)total);
	return 0;
}

static int read_iov(struct call *c, struct iovec *iov, int *niov)
{
	if (c->nr == SYS_read) {
		iov[0] = (struct iovec){ (void *)(uintptr_t)c->args[1], (size_t)c->args[2] };
		*niov = 1;
		return 0;
	}
	int n = (int)c->args[2];
	if (n < 0 || n > READV_MAX)
		return -EINVAL;
	*niov = n;
	return call_read(c, c->args[1], iov, sizeof(*iov) * (size_t)n);
}

static void retry_readers(struct vg_file *f)
{
	while (!list_empty(&f->readers) && f->events) {
		struct pending *p = list_entry(f->readers.next, struct pending, owner_link);
		struct iovec iov[READV_MAX];
		int niov;
		if (call_valid(p->call) && read_iov(p->call, iov, &niov) == 0)
			read_events(f, p->call, iov, niov);
		else
			call_fail(p->call, EFAULT);
		pending_free(p);
	}
}

void file_queue_event(struct vg_file *f)
{
	if (f->events++ == 0)
		set_readable(f, true);
	vg_stats_count(f->vg->stats, VG_EVENTS, 1);
	retry_readers(f);
}

static enum sup_verdict file_read(struct vg_file *f, struct call *c, int ours)
{
	struct iovec iov[READV_MAX];
	int niov;
	int r = read_iov(c, iov, &niov);
	if (r == -ESRCH) {
		close(ours);
		return SUP_DONE;
	}
	if (r < 0) {
		close(ours);
		call_fail(c, -r);
		return SUP_DONE;
	}
	if (read_events(f, c, iov, niov) == 0) {
		close(ours);
		return SUP_DONE;
	}
	int fl = fcntl(ours, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK)) {
		close(ours);
		call_fail(c, EAGAIN);
		return SUP_DONE;
	}
	struct pending *p = pending_new(&f->vg->sup, c, ours, f, &f->readers);
	if (!p) {
		close(ours);
		call_fail(c, ENOMEM);
		return SUP_DONE;
	}
	p->what = "read";
	return SUP_KEPT;
}

/* epoll_ctl on the guest's own epoll instance, with our event pipe. */
static void file_epoll_ctl(struct vg_file *f, struct call *c)
{
	int op = (int)c->args[1];
	struct epoll_event ev;
	memset(&ev, 0, sizeof(ev));
	if (op != EPOLL_CTL_DEL && call_read(c, c->args[3], &ev, sizeof(ev)) < 0) {
		call_fail(c, EFAULT);
		return;
	}
	int ep = call_getfd(c, (int)c->args[0]);
	if (ep < 0) {
		call_fail(c, ep == -ESRCH ? ESRCH : EBADF);
		return;
	}
	int r = epoll_ctl(ep, op, f->ev_pipe[0], op == EPOLL_CTL_DEL ? NULL : &ev);
	int err = r < 0 ? errno : 0;
	close(ep);
	if (err)
		call_fail(c, err);
	else
		call_reply(c, 0);
}

static void file_dup(struct vg_file *f, struct call *c, int ours)
{
	int min = VG_FD_LO;
	bool cloexec = false;
	switch (c->nr) {
	case SYS_dup2:
	case SYS_dup3:
		if ((int)c->args[1] >= VG_FD_LO && (int)c->args[1] < VG_FD_HI) {
			call_continue(c);
			return;
		}
		vg_stats_unsupported(f->vg->stats, call_pid(c), "dup2",
				     "a DRM fd onto %d, outside %d..%d", (int)c->args[1],
				     VG_FD_LO, VG_FD_HI - 1);
		call_fail(c, EINVAL);
		return;
	case SYS_fcntl:
		cloexec = (int)c->args[1] == F_DUPFD_CLOEXEC;
		min = (int)c->args[2];
		break;
	default:
		break;
	}
	int slot = free_slot(c, min);
	if (slot < 0) {
		vg_stats_unsupported(f->vg->stats, call_pid(c), "dup",
				     "no free fd number >= %d in %d..%d", min,
				     VG_FD_LO, VG_FD_HI - 1);
		call_fail(c, EMFILE);
		return;
	}
	call_addfd_reply_at(c, ours, slot, cloexec);
}

enum sup_verdict file_fd_call(struct vg_file *f, struct call *c, int ours)
{
	switch (c->nr) {
	case SYS_read:
	case SYS_readv:
		return file_read(f, c, ours);
	case SYS_epoll_ctl:
		file_epoll_ctl(f, c);
		break;
	default:
		file_dup(f, c, ours);
		break;
	}
	close(ours);
	return SUP_DONE;
}

/* ---- mmap ---- */

enum sup_verdict file_mmap(struct vg_file *f, struct call *c)
{
	uint64_t len = c->args[1], off = c->args[5];
	if ((off & 4095) || len == 0)
		return SUP_PASS; /* the kernel's EINVAL */
	struct list *pos;
	list_for_each(pos, &f->handles) {
		struct vg_handle *h = list_entry(pos, struct vg_handle, link);
		struct vg_res *r = h->res;
		uint64_t size = (r->size + 4095) & ~(uint64_t)4095;
		if (!r->offset || off < r->offset || off >= r->offset + size)
			continue;
		if (len > r->offset + size - off) {
			vg_reject(c, "mmap", EINVAL, "len %llu beyond resource %u",
				  (unsigned long long)len, r->id);
			return SUP_DONE;
		}
		if (r->blob_mem != VIRTGPU_BLOB_MEM_GUEST) {
			vg_stats_unsupported(f->vg->stats, call_pid(c), "mmap",
					     "HOST3D resource %u through the DRM fd: "
					     "map its PRIME fd instead", r->id);
			call_fail(c, ENODEV);
			return SUP_DONE;
		}
		if (r->owner != f) {
			vg_stats_unsupported(f->vg->stats, call_pid(c), "mmap",
					     "GUEST resource %u of another DRM file", r->id);
			call_fail(c, ENODEV);
			return SUP_DONE;
		}
		log_debug("pid %d: mmap resource %u", (int)call_pid(c), r->id);
		return SUP_PASS;
	}
	/* drm_gem_mmap: no object at that offset for this file. */
	vg_reject(c, "mmap", EINVAL, "offset 0x%llx is no mapped object of this file",
		  (unsigned long long)off);
	return SUP_DONE;
}
