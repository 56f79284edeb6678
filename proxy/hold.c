/*
 * Held requests: a parked client's requests, copied and replayed in order.
 * See hold.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-server-protocol.h>

#include "client.h"
#include "hold.h"
#include "log.h"
#include "relay.h"
#include "server.h"

/* A resource a held request names: the target (arg -1) or an object
 * argument.  The host may destroy one meanwhile (a destructor event). */
struct held_ref {
	struct wl_listener destroy;
	struct held_request *req;
	int arg;
};

struct held_request {
	struct wl_list link; /* hold.requests */
	struct wl_resource *target; /* NULL once destroyed */
	uint32_t opcode;
	const struct wl_message *msg;
	hold_dispatch_func dispatch;
	int argc;
	struct relay_arg argv[RELAY_MAX_ARGS];
	union wl_argument args[RELAY_MAX_ARGS]; /* ours: strings, arrays, fds */
	bool arg_gone;
	int nrefs;
	struct held_ref refs[RELAY_MAX_ARGS + 1];
};

void
hold_init(struct hold *hold)
{
	wl_list_init(&hold->requests);
}

bool
hold_active(const struct guest_client *gc)
{
	const struct hold *h = &gc->hold;
	return h->parked || h->replaying || !wl_list_empty(&h->requests);
}

static void
handle_ref_destroy(struct wl_listener *listener, void *data)
{
	struct held_ref *ref = wl_container_of(listener, ref, destroy);
	wl_list_remove(&ref->destroy.link);
	wl_list_init(&ref->destroy.link);
	if (ref->arg < 0) {
		ref->req->target = NULL;
	} else {
		ref->req->args[ref->arg].o = NULL;
		ref->req->arg_gone = true;
	}
}

static void
watch_resource(struct held_request *req, struct wl_resource *resource, int arg)
{
	struct held_ref *ref = &req->refs[req->nrefs++];
	ref->req = req;
	ref->arg = arg;
	ref->destroy.notify = handle_ref_destroy;
	wl_resource_add_destroy_listener(resource, &ref->destroy);
}

static void
held_request_free(struct held_request *req)
{
	for (int i = 0; i < req->nrefs; i++)
		wl_list_remove(&req->refs[i].destroy.link);
	for (int i = 0; i < req->argc; i++) {
		switch (req->argv[i].type) {
		case 's':
			free((char *)req->args[i].s);
			break;
		case 'a':
			if (req->args[i].a) {
				wl_array_release(req->args[i].a);
				free(req->args[i].a);
			}
			break;
		case 'h':
			if (req->args[i].h >= 0)
				close(req->args[i].h);
			break;
		}
	}
	free(req);
}

static struct wl_array *
array_copy(const struct wl_array *src)
{
	struct wl_array *dst = calloc(1, sizeof(*dst));
	if (!dst)
		return NULL;
	wl_array_init(dst);
	if (wl_array_copy(dst, (struct wl_array *)src) < 0) {
		free(dst);
		return NULL;
	}
	return dst;
}

/* Takes the fds first, so that whatever fails after, they are ours to
 * close. */
static bool
copy_args(struct held_request *req, union wl_argument *args)
{
	for (int i = 0; i < req->argc; i++) {
		if (req->argv[i].type == 'h') {
			req->args[i].h = args[i].h;
			args[i].h = -1;
		} else if (req->argv[i].type == 's' || req->argv[i].type == 'a') {
			req->args[i].s = NULL;
		}
	}
	bool ok = true;
	for (int i = 0; i < req->argc; i++) {
		switch (req->argv[i].type) {
		case 'h':
			break;
		case 's':
			if (args[i].s && !(req->args[i].s = strdup(args[i].s)))
				ok = false;
			break;
		case 'a':
			if (args[i].a && !(req->args[i].a = array_copy(args[i].a)))
				ok = false;
			break;
		case 'o':
			req->args[i].o = args[i].o;
			if (args[i].o)
				watch_resource(req, (struct wl_resource *)args[i].o, i);
			break;
		default:
			req->args[i] = args[i];
			break;
		}
	}
	return ok;
}

static void
close_arg_fds(const struct wl_message *msg, union wl_argument *args)
{
	struct relay_arg argv[RELAY_MAX_ARGS];
	int argc = relay_message_args(msg, argv, RELAY_MAX_ARGS);
	for (int i = 0; i < argc; i++) {
		if (argv[i].type == 'h' && args[i].h >= 0) {
			close(args[i].h);
			args[i].h = -1;
		}
	}
}

bool
hold_request(struct guest_client *gc, struct wl_resource *target,
	     uint32_t opcode, const struct wl_message *msg,
	     union wl_argument *args, hold_dispatch_func dispatch)
{
	struct hold *h = &gc->hold;
	if (h->replaying && h->replaying->target == target &&
	    h->replaying->opcode == opcode) {
		h->kept = true;
		return true;
	}

	struct held_request *req = calloc(1, sizeof(*req));
	if (!req) {
		close_arg_fds(msg, args);
		guest_client_close(gc, "out of memory");
		return false;
	}
	req->target = target;
	req->opcode = opcode;
	req->msg = msg;
	req->dispatch = dispatch;
	req->argc = relay_message_args(msg, req->argv, RELAY_MAX_ARGS);
	if (req->argc < 0)
		req->argc = 0;
	watch_resource(req, target, -1);
	if (!copy_args(req, args)) {
		held_request_free(req);
		guest_client_close(gc, "out of memory");
		return false;
	}
	wl_list_insert(h->requests.prev, &req->link);
	return true;
}

static int
handle_park_timeout(void *data)
{
	struct guest_client *gc = data;
	guest_client_close(gc, "%s", gc->hold.error);
	return 0;
}

void
hold_park(struct guest_client *gc, int timeout_ms, const char *fmt, ...)
{
	struct hold *h = &gc->hold;
	/* Parked already (a buffer made while a commit waits): the first
	 * wait's deadline and text stand; each waiter parks again when
	 * replayed too early. */
	if (h->parked)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->error, sizeof(h->error), fmt, ap);
	va_end(ap);
	if (!h->timer)
		h->timer = wl_event_loop_add_timer(gc->server->loop,
						   handle_park_timeout, gc);
	if (!h->timer) {
		guest_client_close(gc, "out of memory");
		return;
	}
	h->parked = true;
	wl_event_source_timer_update(h->timer, timeout_ms);
	wlgp_debug("client pid %d parked: waiting for the host", (int)gc->pid);
}

/* A held request whose target the host destroyed meanwhile is dropped, as
 * libwayland-client drops requests on a zombie; one naming an object the
 * host destroyed is the error the relay gives for such an object. */
static void
held_request_replay(struct held_request *req)
{
	if (!req->target)
		return;
	if (req->arg_gone) {
		wl_resource_post_error(req->target, WL_DISPLAY_ERROR_INVALID_OBJECT,
				       "%s.%s: an argument names an object the "
				       "host no longer has",
				       wl_resource_get_class(req->target),
				       req->msg->name);
		return;
	}
	req->dispatch(req->target, req->opcode, req->args);
	/* dispatch consumed the fds */
	for (int i = 0; i < req->argc; i++) {
		if (req->argv[i].type == 'h')
			req->args[i].h = -1;
	}
}

static void
handle_resume_idle(void *data)
{
	struct guest_client *gc = data;
	struct hold *h = &gc->hold;
	h->resume_idle = NULL;
	while (!h->parked && !wl_list_empty(&h->requests)) {
		if (!guest_client_host_alive(gc)) {
			hold_discard(gc);
			return;
		}
		struct held_request *req =
			wl_container_of(h->requests.next, req, link);
		wl_list_remove(&req->link);
		h->replaying = req;
		h->kept = false;
		held_request_replay(req);
		h->replaying = NULL;
		if (h->kept) {
			/* It parked again: still first in line. */
			wl_list_insert(&h->requests, &req->link);
			return;
		}
		held_request_free(req);
	}
}

void
hold_resume(struct guest_client *gc)
{
	struct hold *h = &gc->hold;
	if (!h->parked)
		return;
	h->parked = false;
	wl_event_source_timer_update(h->timer, 0);
	wlgp_debug("client pid %d resumed", (int)gc->pid);
	if (!h->resume_idle)
		h->resume_idle = wl_event_loop_add_idle(gc->server->loop,
							handle_resume_idle, gc);
	if (!h->resume_idle)
		guest_client_close(gc, "out of memory");
}

void
hold_discard(struct guest_client *gc)
{
	struct hold *h = &gc->hold;
	struct held_request *req, *tmp;
	wl_list_for_each_safe(req, tmp, &h->requests, link) {
		wl_list_remove(&req->link);
		held_request_free(req);
	}
	h->parked = false;
	if (h->timer)
		wl_event_source_remove(h->timer);
	h->timer = NULL;
	if (h->resume_idle)
		wl_event_source_remove(h->resume_idle);
	h->resume_idle = NULL;
}
