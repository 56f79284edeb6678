/*
 * Calls answered later: a blocking RECV with nothing queued, a SEND the
 * host has not taken yet.  Like the kernel's fdget() during an ioctl, a
 * pending call holds a reference to the guest's vfd description, so the
 * vfd cannot be released under it.  The filter uses
 * SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, so only the caller's death ends a
 * pending call early; a periodic sweep (ID_VALID) notices that and drops
 * the call, which releases its reference.
 */
#ifndef EMU_PENDING_H
#define EMU_PENDING_H

#include <stdint.h>

#include "list.h"

struct sup;
struct call;

struct pending {
	struct list link;       /* emu.pending */
	struct list owner_link; /* the list of whatever it waits for */
	struct call *call;
	int guest_fd;
	void *owner;            /* what it waits for (the model's object) */
	uint64_t mark;          /* per model: e.g. bytes written before answering */
	const char *what;       /* the call, for the rejection log */
};

/* Takes ownership of call and guest_fd; links into owner_list. */
struct pending *pending_new(struct sup *sup, struct call *call, int guest_fd,
			    void *owner, struct list *owner_list);
/* Unlinks, drops the fd reference and frees the call. */
void pending_free(struct pending *p);
/* Answers with err, counted as a rejection with reason; frees p. */
void pending_fail(struct pending *p, int err, const char *reason);
/* The same for every call on the list. */
void pending_fail_list(struct list *owner_list, int err, const char *reason);
/* Drops the calls whose callers died, now (the timer does it every 100 ms). */
void pending_sweep_now(struct sup *sup);
/* The vfd went away under them (only at exit): EBADF. */
void pending_cancel_list(struct list *owner_list);

#endif
