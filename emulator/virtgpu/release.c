/*
 * Release detection for what the emulator hands the guest (DRM files,
 * dma-bufs): inotify IN_CLOSE_* on the memfd's inode fires when the last
 * fd and the last mapping of a description are gone.  Several descriptions
 * share an inode (the compositor's own fds of a blob; our probe), so each
 * guest description holds an OFD read lock on a byte of its own, and a
 * close event releases the items whose lock is gone.  fsnotify_close runs
 * just before the closing file's locks are dropped, so the check is
 * repeated a few times after each event.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "vg.h"

#define LOCK_BASE ((off_t)1 << 62)

static const int recheck_ms[] = { 0, 5, 20, 100, 500, 2000 };
#define RECHECKS ((int)(sizeof(recheck_ms) / sizeof(recheck_ms[0])))

struct vg_watch {
	struct vg *vg;
	struct list link; /* vg.watches */
	int wd;
	int probe_fd; /* ours: tests the locks */
	struct list items;
	struct loop_timer *recheck;
	int next_recheck;
};

static bool lock_held(int probe_fd, off_t byte)
{
	struct flock fl = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1,
	};
	if (fcntl(probe_fd, F_OFD_GETLK, &fl) < 0)
		return false;
	return fl.l_type != F_UNLCK;
}

static void watch_free(struct vg_watch *w)
{
	loop_cancel_timer(w->recheck);
	inotify_rm_watch(w->vg->inotify_fd, w->wd);
	close(w->probe_fd);
	list_remove(&w->link);
	free(w);
}

/* Releases the items whose lock is gone; true if some remain. */
static bool check_watch(struct vg_watch *w)
{
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &w->items) {
		struct vg_release *r = list_entry(pos, struct vg_release, link);
		if (lock_held(w->probe_fd, r->lock))
			continue;
		list_remove(&r->link);
		list_init(&r->link);
		r->watch = NULL;
		r->released(r);
	}
	return !list_empty(&w->items);
}

static void recheck_fire(void *data)
{
	struct vg_watch *w = data;
	w->recheck = NULL;
	if (!check_watch(w)) {
		watch_free(w);
		return;
	}
	if (++w->next_recheck < RECHECKS)
		w->recheck = loop_add_timer(w->vg->sup.loop,
					    recheck_ms[w->next_recheck] -
					    recheck_ms[w->next_recheck - 1],
					    recheck_fire, w);
}

static void close_event(struct vg_watch *w)
{
	loop_cancel_timer(w->recheck);
	w->next_recheck = 0;
	w->recheck = loop_add_timer(w->vg->sup.loop, recheck_ms[0], recheck_fire, w);
}

static struct vg_watch *watch_by_wd(struct vg *vg, int wd)
{
	struct list *pos;
	list_for_each(pos, &vg->watches) {
		struct vg_watch *w = list_entry(pos, struct vg_watch, link);
		if (w->wd == wd)
			return w;
	}
	return NULL;
}

static void handle_inotify(void *data, uint32_t events)
{
	struct vg *vg = data;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	while ((n = read(vg->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof(*ev) + ev->len;
			struct vg_watch *w = watch_by_wd(vg, ev->wd);
			if (w && (ev->mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)))
				close_event(w);
		}
	}
}

int release_init(struct vg *vg)
{
	list_init(&vg->watches);
	vg->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (vg->inotify_fd < 0)
		return -errno;
	vg->inotify_w = loop_add_fd(vg->sup.loop, vg->inotify_fd, EPOLLIN,
				    handle_inotify, vg);
	return vg->inotify_w ? 0 : -ENOMEM;
}

void release_finish(struct vg *vg)
{
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &vg->watches)
		watch_free(list_entry(pos, struct vg_watch, link));
	loop_remove_fd(vg->inotify_w);
	if (vg->inotify_fd >= 0)
		close(vg->inotify_fd);
}

int release_watch(struct vg *vg, struct vg_release *r, int guest_desc, int probe_fd)
{
	r->lock = LOCK_BASE + (off_t)vg->next_lock++;
	struct flock fl = {
		.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = r->lock, .l_len = 1,
	};
	if (fcntl(guest_desc, F_OFD_SETLK, &fl) < 0)
		return -errno;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", probe_fd);
	int wd = inotify_add_watch(vg->inotify_fd, path,
				   IN_CLOSE_WRITE | IN_CLOSE_NOWRITE);
	if (wd < 0)
		return -errno;
	struct vg_watch *w = watch_by_wd(vg, wd);
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return -ENOMEM;
		w->vg = vg;
		w->wd = wd;
		w->probe_fd = fcntl(probe_fd, F_DUPFD_CLOEXEC, 0);
		list_init(&w->items);
		list_append(&vg->watches, &w->link);
	}
	r->watch = w;
	list_append(&w->items, &r->link);
	return 0;
}

void release_cancel(struct vg_release *r)
{
	if (!r->watch)
		return;
	struct vg_watch *w = r->watch;
	list_remove(&r->link);
	list_init(&r->link);
	r->watch = NULL;
	if (list_empty(&w->items))
		watch_free(w);
}

void release_poll_now(struct vg *vg)
{
	handle_inotify(vg, EPOLLIN);
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &vg->watches) {
		struct vg_watch *w = list_entry(pos, struct vg_watch, link);
		/* At exit every guest description is gone: wait out the lock
		 * drop that follows the close event. */
		for (int i = 0; i < 20 && check_watch(w); i++)
			usleep(5000);
		if (list_empty(&w->items))
			watch_free(w);
	}
}
