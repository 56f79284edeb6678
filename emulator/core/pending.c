/*
 * Pending calls and the sweep that drops those of dead callers.
 */
#include "pending.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "call.h"
#include "loop.h"
#include "sup.h"

#define SWEEP_MS 100

void pending_sweep_now(struct sup *sup)
{
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &sup->pending) {
		struct pending *p = list_entry(pos, struct pending, link);
		if (!call_valid(p->call))
			pending_free(p);
	}
}

static void sweep(void *data)
{
	struct sup *sup = data;
	sup->pending_sweep = NULL;
	pending_sweep_now(sup);
	if (!list_empty(&sup->pending))
		sup->pending_sweep = loop_add_timer(sup->loop, SWEEP_MS, sweep, sup);
}

struct pending *pending_new(struct sup *sup, struct call *call, int guest_fd,
			    void *owner, struct list *owner_list)
{
	struct pending *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->call = call;
	p->guest_fd = guest_fd;
	p->owner = owner;
	list_append(&sup->pending, &p->link);
	list_append(owner_list, &p->owner_link);
	if (!sup->pending_sweep)
		sup->pending_sweep = loop_add_timer(sup->loop, SWEEP_MS, sweep, sup);
	return p;
}

void pending_free(struct pending *p)
{
	list_remove(&p->link);
	list_remove(&p->owner_link);
	if (p->guest_fd >= 0)
		close(p->guest_fd);
	call_free(p->call);
	free(p);
}

void pending_fail(struct pending *p, int err, const char *reason)
{
	if (call_valid(p->call)) {
		struct sup *sup = p->call->sup;
		sup->model->rejection(sup, call_pid(p->call),
				      p->what ? p->what : "?", err, reason);
		call_fail(p->call, err);
	}
	pending_free(p);
}

void pending_fail_list(struct list *owner_list, int err, const char *reason)
{
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, owner_list)
		pending_fail(list_entry(pos, struct pending, owner_link), err, reason);
}

void pending_cancel_list(struct list *owner_list)
{
	pending_fail_list(owner_list, EBADF, "the vfd was torn down under the call");
}
