/*
 * The emulator's single event loop: one epoll set over the seccomp
 * listener, host sockets, pipes, inotify and the signalfd, plus one-shot
 * timers.  Watches removed during a dispatch are only marked dead and
 * freed after it, so a callback may remove any watch, its own included.
 */
#ifndef EMU_LOOP_H
#define EMU_LOOP_H

#include <stdint.h>

struct loop;
struct loop_watch;
struct loop_timer;

typedef void (*loop_fd_fn)(void *data, uint32_t events);
typedef void (*loop_timer_fn)(void *data);

struct loop *loop_create(void);
void loop_destroy(struct loop *loop);

/* events: EPOLLIN/EPOLLOUT/...; EPOLLERR and EPOLLHUP always report. */
struct loop_watch *loop_add_fd(struct loop *loop, int fd, uint32_t events,
			       loop_fd_fn fn, void *data);
void loop_update_fd(struct loop_watch *w, uint32_t events);
/* Call before closing the fd.  NULL is allowed. */
void loop_remove_fd(struct loop_watch *w);

struct loop_timer *loop_add_timer(struct loop *loop, int ms,
				  loop_timer_fn fn, void *data);
/* NULL is allowed; a fired timer is gone, do not cancel it. */
void loop_cancel_timer(struct loop_timer *t);

/* Waits at most timeout_ms (-1: until something happens), dispatches. */
int loop_dispatch(struct loop *loop, int timeout_ms);

uint64_t loop_now_ms(void);

#endif
