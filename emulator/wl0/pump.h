/*
 * A one-way byte mover between two fds the emulator owns: a host pipe or
 * socket into the guest's pipe or socket, or the other way.  Bytes the
 * emulator itself must write (SEND on a pipe) are pushed into the same
 * buffer, so they stay in order with what the guest wrote with write(2).
 * Reading stops while the buffer is full: back-pressure flows through.
 */
#ifndef EMU_PUMP_H
#define EMU_PUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct emu;
struct pump;

enum pump_eof {
	PUMP_EOF_CLOSE,    /* close dst: a pipe reader sees EOF */
	PUMP_EOF_SHUTDOWN, /* shutdown(dst, SHUT_RDWR): EOF and POLLHUP */
	PUMP_EOF_SHUT_WR,  /* shutdown(dst, SHUT_WR): the other way stays open */
};

struct pump_callbacks {
	void (*took)(void *data, size_t n); /* src gave n more bytes */
	void (*written)(void *data); /* dst took more bytes */
	void (*done)(void *data);    /* src ended, all written, dst closed */
	void (*failed)(void *data);  /* dst refused bytes; buffer dropped */
};

/*
 * A failed pump closes both ends at once, so a guest writing into src
 * gets EPIPE instead of blocking on a pipe nobody drains.
 * Takes ownership of src (-1: push only) and dst.  Both must be
 * non-blocking or sockets (sockets are used with MSG_DONTWAIT).
 */
struct pump *pump_new(struct emu *emu, int src, int dst, enum pump_eof eof,
		      const struct pump_callbacks *cb, void *data);
void pump_destroy(struct pump *p);
/* Drops the callbacks; the pump finishes its bytes, then frees itself. */
void pump_orphan(struct pump *p);
/* At exit: frees the orphans still working. */
void pump_free_orphans(struct emu *emu);

/* Appends bytes after what src gave so far; returns the end mark. */
uint64_t pump_push(struct pump *p, const void *data, size_t len);
/* Reads everything src has now, ignoring the buffer limit. */
void pump_drain_src(struct pump *p);
uint64_t pump_written(const struct pump *p);
size_t pump_buffered(const struct pump *p);
/* Our end of dst (-1 once finished): FIONREAD on a pipe end counts both. */
int pump_dst_fd(const struct pump *p);
/* Stop or resume reading src (the in-buffer stall, inqueue.h). */
void pump_set_paused(struct pump *p, bool paused);
bool pump_failed(const struct pump *p);
bool pump_finished(const struct pump *p);

/*
 * Our own non-blocking description of a host fd, so O_NONBLOCK does not
 * change the compositor's description: a reopened FIFO end, the socket
 * itself (used with MSG_DONTWAIT), or as a last resort the shared
 * description with O_NONBLOCK set.  Consumes fd.
 */
int fd_private_nonblock(int fd);

#endif
