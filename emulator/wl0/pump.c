/*
 * Byte pumps; see pump.h.
 */
#include "pump.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu.h"
#include "log.h"
#include "loop.h"

/* Read from src only while less than this is buffered. */
#define PUMP_HIGH_WATER (256 * 1024)
#define PUMP_CHUNK 65536

struct pump {
	struct emu *emu;
	int src, dst;
	bool src_socket, dst_socket;
	struct loop_watch *src_w, *dst_w;
	enum pump_eof eof;
	struct pump_callbacks cb;
	void *data;

	uint8_t *buf;
	size_t head, len, cap; /* bytes buf[head, head+len) wait for dst */
	uint64_t pushed, written;
	bool src_eof, failed, finished, orphan, paused;
	struct list orphan_link; /* emu.orphans while orphaned */
};

static void pump_update(struct pump *p);

static bool is_socket(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

int fd_private_nonblock(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
		return fd;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return fd;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		int own = open(path, (fl & O_ACCMODE) | O_NONBLOCK | O_CLOEXEC);
		if (own >= 0) {
			close(fd);
			return own;
		}
	}
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	return fd;
}

static bool reserve(struct pump *p, size_t more)
{
	if (p->head > 0 && p->head + p->len + more > p->cap) {
		memmove(p->buf, p->buf + p->head, p->len);
		p->head = 0;
	}
	if (p->len + more <= p->cap)
		return true;
	size_t cap = p->cap ? p->cap : 4096;
	while (cap < p->len + more)
		cap *= 2;
	uint8_t *b = realloc(p->buf, cap);
	if (!b)
		return false;
	p->buf = b;
	p->cap = cap;
	return true;
}

static void pump_free(struct pump *p)
{
	list_remove(&p->orphan_link);
	loop_remove_fd(p->src_w);
	loop_remove_fd(p->dst_w);
	if (p->src >= 0)
		close(p->src);
	if (p->dst >= 0)
		close(p->dst);
	free(p->buf);
	free(p);
}

/* src ended and dst has everything: pass the end on. */
static void finish(struct pump *p)
{
	p->finished = true;
	loop_remove_fd(p->dst_w);
	p->dst_w = NULL;
	if (p->eof == PUMP_EOF_SHUTDOWN)
		shutdown(p->dst, SHUT_RDWR);
	else if (p->eof == PUMP_EOF_SHUT_WR)
		shutdown(p->dst, SHUT_WR);
	close(p->dst);
	p->dst = -1;
	if (p->orphan) {
		pump_free(p);
		return;
	}
	if (p->cb.done)
		p->cb.done(p->data);
}

static void fail(struct pump *p)
{
	p->failed = true;
	p->len = 0;
	loop_remove_fd(p->dst_w);
	p->dst_w = NULL;
	loop_remove_fd(p->src_w);
	p->src_w = NULL;
	if (p->src >= 0)
		close(p->src);
	p->src = -1;
	p->src_eof = true;
	if (p->orphan) {
		pump_free(p);
		return;
	}
	if (p->cb.failed)
		p->cb.failed(p->data);
}

/* Returns false when p was freed or failed. */
static bool flush(struct pump *p)
{
	bool progress = false;
	while (p->len > 0) {
		ssize_t n = p->dst_socket
			? send(p->dst, p->buf + p->head, p->len, MSG_DONTWAIT | MSG_NOSIGNAL)
			: write(p->dst, p->buf + p->head, p->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			fail(p);
			return false;
		}
		p->head += (size_t)n;
		p->len -= (size_t)n;
		p->written += (uint64_t)n;
		progress = true;
	}
	if (p->len == 0)
		p->head = 0;
	if (progress && !p->orphan && p->cb.written)
		p->cb.written(p->data);
	return true;
}

/* Reads once; false when src has nothing more now. */
static bool fill_once(struct pump *p, size_t max)
{
	if (!reserve(p, max))
		return false;
	uint8_t *at = p->buf + p->head + p->len;
	ssize_t n = p->src_socket ? recv(p->src, at, max, MSG_DONTWAIT)
				  : read(p->src, at, max);
	if (n < 0 && errno == EINTR)
		return true;
	if (n < 0 && errno == EAGAIN)
		return false;
	if (n <= 0) {
		p->src_eof = true;
		loop_remove_fd(p->src_w);
		p->src_w = NULL;
		return false;
	}
	p->len += (size_t)n;
	p->pushed += (uint64_t)n;
	if (!p->orphan && p->cb.took)
		p->cb.took(p->data, (size_t)n);
	return true;
}

static void after_io(struct pump *p)
{
	if (p->finished || p->failed)
		return;
	if (!flush(p))
		return;
	if (p->src_eof && p->len == 0) {
		finish(p);
		return;
	}
	pump_update(p);
}

static void handle_src(void *data, uint32_t events)
{
	struct pump *p = data;
	/* EPOLLHUP comes even unasked: drain a dead source to its EOF. */
	if ((p->len < PUMP_HIGH_WATER && !p->paused) || (events & (EPOLLHUP | EPOLLERR)))
		fill_once(p, PUMP_CHUNK);
	after_io(p);
}

static void handle_dst(void *data, uint32_t events)
{
	struct pump *p = data;
	if (events & EPOLLERR) {
		fail(p);
		return;
	}
	if ((events & EPOLLHUP) && !(events & EPOLLOUT)) {
		fail(p);
		return;
	}
	after_io(p);
}

static void pump_update(struct pump *p)
{
	if (p->src_w)
		loop_update_fd(p->src_w,
			       p->len < PUMP_HIGH_WATER && !p->paused ? EPOLLIN : 0);
	if (p->dst_w)
		loop_update_fd(p->dst_w, p->len > 0 ? EPOLLOUT : 0);
}

struct pump *pump_new(struct emu *emu, int src, int dst, enum pump_eof eof,
		      const struct pump_callbacks *cb, void *data)
{
	struct pump *p = calloc(1, sizeof(*p));
	if (!p) {
		if (src >= 0)
			close(src);
		close(dst);
		return NULL;
	}
	p->emu = emu;
	p->src = src;
	p->dst = dst;
	list_init(&p->orphan_link);
	p->src_socket = src >= 0 && is_socket(src);
	p->dst_socket = is_socket(dst);
	p->eof = eof;
	if (cb)
		p->cb = *cb;
	p->data = data;
	if (src >= 0)
		p->src_w = loop_add_fd(emu->sup.loop, src, EPOLLIN, handle_src, p);
	/* Registered even when idle: a closed reader shows as EPOLLERR. */
	p->dst_w = loop_add_fd(emu->sup.loop, dst, 0, handle_dst, p);
	return p;
}

void pump_destroy(struct pump *p)
{
	if (p)
		pump_free(p);
}

void pump_orphan(struct pump *p)
{
	if (!p)
		return;
	if (p->finished || p->failed || (p->src < 0 && p->len == 0)) {
		pump_free(p);
		return;
	}
	p->orphan = true;
	list_append(&p->emu->orphans, &p->orphan_link);
	if (p->src < 0)
		p->src_eof = true;
	after_io(p);
}

void pump_free_orphans(struct emu *emu)
{
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &emu->orphans)
		pump_free(list_entry(pos, struct pump, orphan_link));
}

uint64_t pump_push(struct pump *p, const void *data, size_t len)
{
	if (p->failed || p->finished || len == 0)
		return p->pushed;
	if (!reserve(p, len)) {
		log_msg("out of memory buffering %zu bytes", len);
		return p->pushed;
	}
	memcpy(p->buf + p->head + p->len, data, len);
	p->len += len;
	p->pushed += len;
	uint64_t mark = p->pushed;
	after_io(p);
	return mark;
}

void pump_drain_src(struct pump *p)
{
	if (p->src < 0 || p->src_eof || p->failed)
		return;
	while (fill_once(p, PUMP_CHUNK))
		;
}

uint64_t pump_written(const struct pump *p)
{
	return p->written;
}

size_t pump_buffered(const struct pump *p)
{
	return p->len;
}

int pump_dst_fd(const struct pump *p)
{
	return p->dst;
}

void pump_set_paused(struct pump *p, bool paused)
{
	if (!p || p->paused == paused)
		return;
	p->paused = paused;
	if (!p->finished && !p->failed)
		pump_update(p);
}

bool pump_failed(const struct pump *p)
{
	return p->failed;
}

bool pump_finished(const struct pump *p)
{
	return p->finished;
}
