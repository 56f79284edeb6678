/*
 * The vfd table, ids and release detection; see vfd.h.
 */
#include "vfd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "call.h"
#include "ctx.h"
#include "driver.h"
#include "emu.h"
#include "log.h"
#include "loop.h"
#include "pending.h"
#include "shm.h"
#include "stream.h"
#include "virtwl-abi.h"

#define HASH_BUCKETS 1024

/* OFD lock bytes live far beyond any real file size. */
#define LOCK_BASE ((off_t)1 << 62)

/*
 * Re-checks after a close event on shared memory: fsnotify_close() runs
 * just before the closing file's locks are dropped, so the first check
 * can still see the lock of the description being closed.
 */
static const int recheck_ms[] = { 0, 5, 20, 100, 500, 2000 };
#define RECHECKS ((int)(sizeof(recheck_ms) / sizeof(recheck_ms[0])))

/* One inotify watch: one inode, one or more vfds. */
struct vfd_watch {
	struct vfd_table *table;
	int wd;
	bool shared_memory;
	struct list vfds;
	struct list link; /* vfd_table.watches */
	struct loop_timer *recheck;
	int next_recheck;
};

struct vfd_table {
	struct emu *emu;
	struct list buckets[HASH_BUCKETS];
	uint8_t guest_ids[VIRTWL_GUEST_ID_LIMIT / 8];
	uint32_t next_host_id;
	uint64_t next_lock;
	int inotify_fd;
	struct loop_watch *inotify_w;
	struct list watches;
};

static void handle_inotify(void *data, uint32_t events);

/* Does closing fd's description raise a close event on its inode? */
static bool close_event_seen(int inotify_fd, int fd, int other)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int wd = inotify_add_watch(inotify_fd, path, IN_CLOSE_WRITE | IN_CLOSE_NOWRITE);
	close(fd);
	bool seen = false;
	char buf[1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = wd < 0 ? -1 : read(inotify_fd, buf, sizeof(buf));
	for (char *p = buf; n > 0 && p < buf + n;) {
		struct inotify_event *ev = (struct inotify_event *)p;
		seen |= ev->wd == wd && (ev->mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE));
		p += sizeof(*ev) + ev->len;
	}
	if (wd >= 0)
		inotify_rm_watch(inotify_fd, wd);
	close(other);
	while (read(inotify_fd, buf, sizeof(buf)) > 0)
		;
	return seen;
}

/*
 * Release detection rests on close events for pipes and sockets, which
 * some kernels do not send for pseudo files: say so once, up front,
 * rather than leave live counts that never drop unexplained.
 */
static void check_close_events(int inotify_fd)
{
	int p[2], sp[2];
	bool pipes = pipe2(p, O_CLOEXEC) == 0 && close_event_seen(inotify_fd, p[0], p[1]);
	bool sockets = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0 &&
		       close_event_seen(inotify_fd, sp[0], sp[1]);
	if (!pipes || !sockets)
		log_msg("this kernel sends no inotify close events for %s: those vfds "
			"will never be seen released (live counts stay up)",
			!pipes && !sockets ? "pipes and sockets" : !pipes ? "pipes" : "sockets");
}

int vfd_table_init(struct emu *emu)
{
	struct vfd_table *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	t->emu = emu;
	for (int i = 0; i < HASH_BUCKETS; i++)
		list_init(&t->buckets[i]);
	list_init(&t->watches);
	t->next_host_id = VIRTWL_HOST_ID_BASE;
	t->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (t->inotify_fd < 0) {
		free(t);
		return -1;
	}
	check_close_events(t->inotify_fd);
	t->inotify_w = loop_add_fd(emu->sup.loop, t->inotify_fd, EPOLLIN,
				   handle_inotify, t);
	emu->vfds = t;
	return 0;
}

static struct list *bucket(struct vfd_table *t, ino_t ino)
{
	return &t->buckets[(uint64_t)ino % HASH_BUCKETS];
}

void vfd_table_finish(struct emu *emu)
{
	struct vfd_table *t = emu->vfds;
	if (!t)
		return;
	for (int i = 0; i < HASH_BUCKETS; i++) {
		struct list *pos, *tmp;
		list_for_each_safe(pos, tmp, &t->buckets[i])
			vfd_release(list_entry(pos, struct vfd, hash_link));
	}
	loop_remove_fd(t->inotify_w);
	close(t->inotify_fd);
	free(t);
	emu->vfds = NULL;
}

const char *vfd_kind_name(enum vfd_kind kind)
{
	switch (kind) {
	case VFD_CTX: return "ctx";
	case VFD_ALLOC: return "alloc";
	case VFD_PIPE_READ: return "pipe-read";
	case VFD_PIPE_WRITE: return "pipe-write";
	case VFD_HOST_SHM: return "host-shm";
	case VFD_HOST_STREAM: return "host-stream";
	}
	return "?";
}

enum stats_kind vfd_stats_kind(enum vfd_kind kind)
{
	switch (kind) {
	case VFD_CTX: return STATS_CTX;
	case VFD_ALLOC: return STATS_ALLOC;
	case VFD_PIPE_READ:
	case VFD_PIPE_WRITE: return STATS_PIPE;
	case VFD_HOST_SHM: return STATS_HOST_SHM;
	case VFD_HOST_STREAM: return STATS_HOST_STREAM;
	}
	return STATS_CTX;
}

static bool is_shared_memory(enum vfd_kind kind)
{
	return kind == VFD_ALLOC || kind == VFD_HOST_SHM;
}

/* idr_alloc(1, 0x800): the lowest free guest id. */
static uint32_t take_guest_id(struct vfd_table *t)
{
	for (uint32_t id = VIRTWL_GUEST_ID_FIRST; id < VIRTWL_GUEST_ID_LIMIT; id++) {
		if (!(t->guest_ids[id / 8] & (1u << (id % 8)))) {
			t->guest_ids[id / 8] |= (uint8_t)(1u << (id % 8));
			return id;
		}
	}
	return 0;
}

static void put_id(struct vfd_table *t, uint32_t id)
{
	if (id < VIRTWL_GUEST_ID_LIMIT)
		t->guest_ids[id / 8] &= (uint8_t)~(1u << (id % 8));
}

struct vfd *vfd_new(struct emu *emu, enum vfd_kind kind, bool host)
{
	struct vfd_table *t = emu->vfds;
	uint32_t id = host ? t->next_host_id++ : take_guest_id(t);
	if (!id) {
		errno = ENOSPC;
		return NULL;
	}
	struct vfd *v = calloc(1, sizeof(*v));
	if (!v) {
		put_id(t, id);
		errno = ENOMEM;
		return NULL;
	}
	v->emu = emu;
	v->id = id;
	v->kind = kind;
	v->guest_fd = -1;
	v->shm_fd = -1;
	list_init(&v->hash_link);
	list_init(&v->watch_link);
	list_init(&v->queue_link);
	list_init(&v->waiters);
	stats_created(emu->stats, vfd_stats_kind(kind));
	return v;
}

int vfd_set_guest_object(struct vfd *v, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -errno;
	}
	v->guest_fd = fd;
	v->dev = st.st_dev;
	v->ino = st.st_ino;
	list_append(bucket(v->emu->vfds, v->ino), &v->hash_link);
	return 0;
}

void vfd_lock_guest_object(struct vfd *v)
{
	struct vfd_table *t = v->emu->vfds;
	v->lock_off = LOCK_BASE + (off_t)t->next_lock++;
	struct flock fl = {
		.l_type = F_RDLCK,
		.l_whence = SEEK_SET,
		.l_start = v->lock_off,
		.l_len = 1,
	};
	v->locked = fcntl(v->guest_fd, F_OFD_SETLK, &fl) == 0;
	if (!v->locked)
		log_debug("vfd 0x%x: no OFD lock (%m): close events on its inode "
			  "are trusted", v->id);
}

/* Is the guest description of v still open somewhere (fd or mapping)? */
static bool description_alive(struct vfd *v, int probe_fd)
{
	struct flock fl = {
		.l_type = F_WRLCK,
		.l_whence = SEEK_SET,
		.l_start = v->lock_off,
		.l_len = 1,
	};
	if (fcntl(probe_fd, F_OFD_GETLK, &fl) < 0)
		return true;
	return fl.l_type != F_UNLCK;
}

static struct vfd_watch *find_watch(struct vfd_table *t, int wd)
{
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &t->watches) {
		struct vfd_watch *w = list_entry(pos, struct vfd_watch, link);
		if (w->wd == wd)
			return w;
	}
	return NULL;
}

/* The event that means "the guest's description is gone", by object. */
static uint32_t close_mask(const struct vfd *v)
{
	if (is_shared_memory(v->kind))
		return IN_CLOSE_WRITE | IN_CLOSE_NOWRITE;
	if (v->kind == VFD_CTX)
		return IN_CLOSE_WRITE; /* a socket description is O_RDWR */
	if (v->kind == VFD_HOST_STREAM && v->stream && stream_guest_is_socket(v->stream))
		return IN_CLOSE_WRITE;
	/* Pipes: our end of the same inode closes with the other event. */
	return v->guest_writes ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE;
}

static int watch_start(struct vfd *v)
{
	struct vfd_table *t = v->emu->vfds;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", v->guest_fd);
	int wd = inotify_add_watch(t->inotify_fd, path, close_mask(v));
	if (wd < 0)
		return -errno;
	struct vfd_watch *w = find_watch(t, wd);
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w) {
			inotify_rm_watch(t->inotify_fd, wd);
			return -ENOMEM;
		}
		w->table = t;
		w->wd = wd;
		w->shared_memory = is_shared_memory(v->kind);
		list_init(&w->vfds);
		list_append(&t->watches, &w->link);
	}
	v->watch = w;
	list_append(&w->vfds, &v->watch_link);
	return 0;
}

static void watch_stop(struct vfd *v)
{
	struct vfd_watch *w = v->watch;
	if (!w)
		return;
	list_remove(&v->watch_link);
	v->watch = NULL;
	if (!list_empty(&w->vfds))
		return;
	inotify_rm_watch(w->table->inotify_fd, w->wd);
	loop_cancel_timer(w->recheck);
	list_remove(&w->link);
	free(w);
}

int vfd_deliver(struct vfd *v, struct call *c)
{
	int r = watch_start(v);
	if (r < 0) {
		log_msg("vfd 0x%x: cannot watch for its release: %s", v->id,
			strerror(-r));
		return -ENOMEM;
	}
	int fd = call_addfd(c, v->guest_fd, true);
	if (fd < 0) {
		watch_stop(v);
		return fd;
	}
	/* The guest holds the description now; ours is only a reference. */
	close(v->guest_fd);
	v->guest_fd = -1;
	v->delivered = true;
	return fd;
}

void vfd_release(struct vfd *v)
{
	struct emu *emu = v->emu;
	log_debug("vfd 0x%x (%s) released", v->id, vfd_kind_name(v->kind));
	watch_stop(v);
	list_remove(&v->hash_link);
	pending_cancel_list(&v->waiters);
	switch (v->kind) {
	case VFD_CTX:
		ctx_destroy(v->ctx);
		break;
	case VFD_PIPE_READ:
	case VFD_PIPE_WRITE:
	case VFD_HOST_STREAM:
		stream_destroy(v->stream);
		break;
	case VFD_ALLOC:
	case VFD_HOST_SHM:
		shm_destroy(v);
		break;
	}
	if (v->queued_on)
		ctx_forget_queued(v->queued_on, v);
	if (v->guest_fd >= 0)
		close(v->guest_fd);
	put_id(emu->vfds, v->id);
	stats_released(emu->stats, vfd_stats_kind(v->kind));
	free(v);
}

/* Several candidates share a memory inode: the one whose lock fd holds. */
static struct vfd *pick_by_lock(struct vfd *first, int fd)
{
	struct list *head = bucket(first->emu->vfds, first->ino);
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, head) {
		struct vfd *v = list_entry(pos, struct vfd, hash_link);
		if (v->dev == first->dev && v->ino == first->ino && v->locked &&
		    !description_alive(v, fd))
			return v;
	}
	return first;
}

struct vfd *vfd_lookup(struct emu *emu, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	return vfd_lookup_stat(emu, fd, &st);
}

struct vfd *vfd_lookup_stat(struct emu *emu, int fd, const struct stat *sp)
{
	const struct stat st = *sp;
	struct list *head = bucket(emu->vfds, st.st_ino);
	struct vfd *found = NULL;
	int n = 0;
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, head) {
		struct vfd *v = list_entry(pos, struct vfd, hash_link);
		if (v->ino == st.st_ino && v->dev == st.st_dev) {
			if (!found)
				found = v;
			n++;
		}
	}
	if (n > 1 && is_shared_memory(found->kind))
		return pick_by_lock(found, fd);
	return found;
}

void vfd_wake(struct vfd *v)
{
	driver_retry_recvs(v);
}

/*
 * Releases the given vfds of w; the decision is taken for all of them
 * first because releasing the last one frees w.
 */
static void release_some(struct vfd_watch *w, bool (*gone)(struct vfd *, bool))
{
	int n = 0;
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &w->vfds)
		n++;
	struct vfd **doomed = calloc((size_t)n, sizeof(*doomed));
	if (!doomed)
		return;
	int k = 0;
	list_for_each_safe(pos, tmp, &w->vfds) {
		struct vfd *v = list_entry(pos, struct vfd, watch_link);
		if (v->delivered && gone(v, n == 1))
			doomed[k++] = v;
	}
	for (int i = 0; i < k; i++)
		vfd_release(doomed[i]);
	free(doomed);
}

/* Shared memory: gone when its lock is; unlocked, trust a lone vfd. */
static bool memory_gone(struct vfd *v, bool alone)
{
	return v->locked ? !description_alive(v, v->shm_fd) : alone;
}

/* Pipes and sockets: one inode per vfd, so the event is exact. */
static bool always_gone(struct vfd *v, bool alone)
{
	return true;
}

static void recheck_fire(void *data)
{
	struct vfd_watch *w = data;
	struct vfd_table *t = w->table;
	int wd = w->wd;
	int next = ++w->next_recheck;
	w->recheck = NULL;
	release_some(w, memory_gone);
	/* release_some frees w with its last vfd. */
	if (find_watch(t, wd) != w || next >= RECHECKS)
		return;
	w->recheck = loop_add_timer(t->emu->sup.loop,
				    recheck_ms[next] - recheck_ms[next - 1],
				    recheck_fire, w);
}

static void watch_event(struct vfd_table *t, struct vfd_watch *w)
{
	if (!w->shared_memory) {
		release_some(w, always_gone);
		return;
	}
	loop_cancel_timer(w->recheck);
	w->next_recheck = 0;
	w->recheck = loop_add_timer(t->emu->sup.loop, recheck_ms[0], recheck_fire, w);
}

static void read_events(struct vfd_table *t)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(t->inotify_fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				log_msg("inotify queue overflow: some vfd releases "
					"may go unnoticed");
				continue;
			}
			if (!(ev->mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)))
				continue;
			struct vfd_watch *w = find_watch(t, ev->wd);
			if (w)
				watch_event(t, w);
		}
	}
}

static void handle_inotify(void *data, uint32_t events)
{
	read_events(data);
}

void vfd_table_poll_releases(struct emu *emu)
{
	struct vfd_table *t = emu->vfds;
	read_events(t);
	/* Run the shared-memory rechecks now instead of waiting for timers. */
	bool again = true;
	while (again) {
		again = false;
		struct list *pos, *tmp;
		list_for_each_safe(pos, tmp, &t->watches) {
			struct vfd_watch *w = list_entry(pos, struct vfd_watch, link);
			if (!w->recheck)
				continue;
			loop_cancel_timer(w->recheck);
			w->recheck = NULL;
			release_some(w, memory_gone);
			again = true; /* the list may have changed */
			break;
		}
	}
}
