/*
 * The supervisor: what every emulated device shares.  It starts COMMAND
 * under a seccomp filter that traps the calls a device model may need to
 * answer, receives each trapped call (notify.c), hands it to the model and
 * keeps the calls answered later (pending.c), all from one event loop
 * (loop.c).  A device model (wl0/, virtgpu/) is a struct sup_model: it
 * says which paths it answers for and which fds it wants to see read,
 * polled or duplicated, and it owns everything device-specific: its
 * objects, its counters, its host side.
 */
#ifndef EMU_SUP_H
#define EMU_SUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "list.h"

struct call;
struct loop;
struct loop_timer;
struct notify;
struct sup;

/* What a model did with a trapped call. */
enum sup_verdict {
	SUP_PASS, /* not the device's: the kernel runs the call */
	SUP_DONE, /* answered */
	SUP_KEPT, /* kept (pending.h); answered later */
};

struct sup_model {
	const char *name; /* the log prefix, e.g. "wl0-emulator" */

	/*
	 * fd numbers [fd_lo, fd_hi) are the model's own (it installs its
	 * objects there): read, readv, epoll_ctl, dup, dup2, dup3 and
	 * fcntl(F_DUPFD*) on them are trapped too and go to fd_call.  The
	 * filter checks the number, so other fds pay nothing.  Empty
	 * (fd_lo == fd_hi) for a model without such objects.
	 */
	int fd_lo, fd_hi;

	/* open/openat/openat2 of path (already read from the caller). */
	enum sup_verdict (*open)(struct sup *sup, struct call *c,
				 const char *path, int flags);
	/*
	 * ioctl, mmap of a file and fd_call: ours is our copy of the
	 * caller's fd (fstat()ed into st); the model takes it over (closes
	 * it or keeps it with a pending call).
	 */
	enum sup_verdict (*ioctl)(struct sup *sup, struct call *c, int ours,
				  const struct stat *st);
	enum sup_verdict (*mmap)(struct sup *sup, struct call *c, int ours,
				 const struct stat *st);
	enum sup_verdict (*fd_call)(struct sup *sup, struct call *c, int ours,
				    const struct stat *st);

	/* A pending call failed (counted like any rejection). */
	void (*rejection)(struct sup *sup, pid_t pid, const char *what, int err,
			  const char *reason);
	/* After each loop iteration: ms until the model wants to run again
	 * (-1: never), e.g. to rewrite its --stats file. */
	int (*idle)(struct sup *sup, uint64_t now_ms);
	/* COMMAND exited: count its last releases before the summary. */
	void (*child_gone)(struct sup *sup);
};

struct sup {
	const struct sup_model *model;
	struct loop *loop;
	int listener_fd;
	struct notify *notify;

	/* Calls answered later (pending.h). */
	struct list pending;
	struct loop_timer *pending_sweep;

	pid_t child;
	bool child_done;
	int exit_status;
};

/* Needs nothing but memory; creates the loop. */
int sup_init(struct sup *sup, const struct sup_model *model);
/*
 * Starts COMMAND (WAYLAND_DISPLAY removed) under the filter, forwards
 * SIGTERM/SIGINT/SIGHUP, serves its calls until it exits, then calls
 * child_gone.  Returns COMMAND's status (128+N if killed by N), or -1 if
 * it could not start.
 */
int sup_run(struct sup *sup, char **command);
void sup_finish(struct sup *sup);

#endif
