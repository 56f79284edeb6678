/*
 * epoll-based event loop; see loop.h.
 */
#include "loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "list.h"
#include "log.h"

struct loop_watch {
	struct loop *loop;
	int fd;
	uint32_t events;
	loop_fd_fn fn;
	void *data;
	bool dead;
	struct list link; /* loop.dead while dead */
};

struct loop_timer {
	struct list link; /* loop.timers */
	uint64_t due_ms;
	loop_timer_fn fn;
	void *data;
};

struct loop {
	int epfd;
	struct list dead;   /* watches removed during dispatch */
	struct list timers; /* unsorted: there are only a few */
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct loop *loop_create(void)
{
	struct loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	list_init(&loop->dead);
	list_init(&loop->timers);
	return loop;
}

static void free_dead(struct loop *loop)
{
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &loop->dead) {
		list_remove(pos);
		free(list_entry(pos, struct loop_watch, link));
	}
}

void loop_destroy(struct loop *loop)
{
	struct list *pos, *tmp;
	if (!loop)
		return;
	free_dead(loop);
	list_for_each_safe(pos, tmp, &loop->timers) {
		list_remove(pos);
		free(list_entry(pos, struct loop_timer, link));
	}
	close(loop->epfd);
	free(loop);
}

struct loop_watch *loop_add_fd(struct loop *loop, int fd, uint32_t events,
			       loop_fd_fn fn, void *data)
{
	struct loop_watch *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->loop = loop;
	w->fd = fd;
	w->events = events;
	w->fn = fn;
	w->data = data;
	list_init(&w->link);
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_msg("epoll add fd %d: %m", fd);
		free(w);
		return NULL;
	}
	return w;
}

void loop_update_fd(struct loop_watch *w, uint32_t events)
{
	if (!w || w->dead || w->events == events)
		return;
	w->events = events;
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (epoll_ctl(w->loop->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		log_msg("epoll mod fd %d: %m", w->fd);
}

void loop_remove_fd(struct loop_watch *w)
{
	if (!w || w->dead)
		return;
	epoll_ctl(w->loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = true;
	list_append(&w->loop->dead, &w->link);
}

struct loop_timer *loop_add_timer(struct loop *loop, int ms,
				  loop_timer_fn fn, void *data)
{
	struct loop_timer *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->due_ms = loop_now_ms() + (uint64_t)(ms < 0 ? 0 : ms);
	t->fn = fn;
	t->data = data;
	list_append(&loop->timers, &t->link);
	return t;
}

void loop_cancel_timer(struct loop_timer *t)
{
	if (!t)
		return;
	list_remove(&t->link);
	free(t);
}

static int next_timeout(struct loop *loop, int timeout_ms)
{
	uint64_t now = loop_now_ms();
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &loop->timers) {
		struct loop_timer *t = list_entry(pos, struct loop_timer, link);
		int left = t->due_ms <= now ? 0 : (int)(t->due_ms - now);
		if (timeout_ms < 0 || left < timeout_ms)
			timeout_ms = left;
	}
	return timeout_ms;
}

/* Fires due timers one at a time: a callback may add or cancel others. */
static void run_timers(struct loop *loop)
{
	uint64_t now = loop_now_ms();
	bool fired = true;
	while (fired) {
		fired = false;
		struct list *pos, *tmp;
		list_for_each_safe(pos, tmp, &loop->timers) {
			struct loop_timer *t = list_entry(pos, struct loop_timer, link);
			if (t->due_ms > now)
				continue;
			list_remove(&t->link);
			loop_timer_fn fn = t->fn;
			void *data = t->data;
			free(t);
			fn(data);
			fired = true;
			break;
		}
	}
}

int loop_dispatch(struct loop *loop, int timeout_ms)
{
	struct epoll_event evs[64];
	int n = epoll_wait(loop->epfd, evs, 64, next_timeout(loop, timeout_ms));
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct loop_watch *w = evs[i].data.ptr;
		if (!w->dead)
			w->fn(w->data, evs[i].events);
	}
	run_timers(loop);
	free_dead(loop);
	return n;
}
