/*
 * Protocol tracing: formats each message like WAYLAND_DEBUG, tagged with
 * the guest client's pid and the leg of the trip.
 *
 * The guest side comes from libwayland-server's protocol logger, so it
 * shows everything a guest sees, including what the proxy answers itself
 * (wl_shm pools, wl_display.delete_id).  The host side comes from the
 * relay's two choke points (relay.c), so it shows every event of a relayed
 * object and every request the generic relay forwards; requests an
 * override makes on its own (wl_registry.bind, the copy path's host
 * buffers) appear on the guest side only.  When tracing is off no logger
 * is installed and the relay tests one pointer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "client.h"
#include "log.h"
#include "relay.h"
#include "trace.h"

struct trace {
	struct wl_protocol_logger *guest_logger;
};

/* Which side's objects a message's arguments are. */
enum trace_side {
	TRACE_GUEST, /* wl_resource; new_id arguments are bare ids */
	TRACE_HOST,  /* wl_proxy, new_id arguments too */
};

struct trace_line {
	char text[3072];
	size_t len;
};

static void __attribute__((format(printf, 2, 3)))
line_add(struct trace_line *l, const char *fmt, ...)
{
	if (l->len >= sizeof(l->text) - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->text + l->len, sizeof(l->text) - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
	if (l->len > sizeof(l->text) - 1)
		l->len = sizeof(l->text) - 1;
}

/* Quoted, with control characters escaped: a guest's window title must not
 * break a journal line. */
static void
line_add_string(struct trace_line *l, const char *s)
{
	line_add(l, "\"");
	for (; *s && l->len < sizeof(l->text) - 8; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			line_add(l, "\\x%02x", c);
		else
			l->text[l->len++] = (char)c;
	}
	l->text[l->len] = '\0';
	line_add(l, "\"");
}

static void
line_add_object(struct trace_line *l, enum trace_side side, void *object)
{
	if (!object)
		line_add(l, "nil");
	else if (side == TRACE_GUEST)
		line_add(l, "%s@%u", wl_resource_get_class(object),
			 wl_resource_get_id(object));
	else
		line_add(l, "%s@%u", wl_proxy_get_class(object),
			 wl_proxy_get_id(object));
}

/* A new_id without a type in the XML (wl_registry.bind) takes the
 * interface named by the string argument before it. */
static void
line_add_new_id(struct trace_line *l, enum trace_side side,
		const struct wl_interface *type, const char *last_string,
		const union wl_argument *arg)
{
	const char *name = type ? type->name : last_string ? last_string : "[unknown]";
	if (side == TRACE_HOST) {
		if (arg->o)
			line_add(l, "new id %s@%u", wl_proxy_get_class((struct wl_proxy *)arg->o),
				 wl_proxy_get_id((struct wl_proxy *)arg->o));
		else
			line_add(l, "new id %s@nil", name);
	} else if (arg->n) {
		line_add(l, "new id %s@%u", name, arg->n);
	} else {
		line_add(l, "new id %s@nil", name);
	}
}

static void
line_add_args(struct trace_line *l, enum trace_side side,
	      const struct wl_message *msg, const union wl_argument *args)
{
	struct relay_arg argv[RELAY_MAX_ARGS];
	int argc = relay_message_args(msg, argv, RELAY_MAX_ARGS);
	const char *last_string = NULL;
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			line_add(l, ", ");
		switch (argv[i].type) {
		case 'u':
			line_add(l, "%u", args[i].u);
			break;
		case 'i':
			line_add(l, "%d", args[i].i);
			break;
		case 'f':
			line_add(l, "%f", wl_fixed_to_double(args[i].f));
			break;
		case 's':
			if (args[i].s)
				line_add_string(l, args[i].s);
			else
				line_add(l, "nil");
			last_string = args[i].s;
			break;
		case 'o':
			line_add_object(l, side, args[i].o);
			break;
		case 'n':
			line_add_new_id(l, side, msg->types[i], last_string, &args[i]);
			break;
		case 'a':
			line_add(l, "array[%zu]", args[i].a ? args[i].a->size : 0);
			break;
		case 'h':
			line_add(l, "fd %d", args[i].h);
			break;
		}
	}
}

static void
trace_message(pid_t pid, const char *leg, enum trace_side side,
	      const char *interface, uint32_t id, const struct wl_message *msg,
	      const union wl_argument *args)
{
	struct trace_line l = { .len = 0 };
	line_add(&l, "pid %d %-12s %s@%u.%s(", (int)pid, leg, interface, id,
		 msg->name);
	line_add_args(&l, side, msg, args);
	line_add(&l, ")");
	wlgp_log_trace("%s", l.text);
}

static void
handle_guest_message(void *data, enum wl_protocol_logger_type type,
		     const struct wl_protocol_logger_message *m)
{
	pid_t pid = 0;
	wl_client_get_credentials(wl_resource_get_client(m->resource), &pid,
				  NULL, NULL);
	trace_message(pid, type == WL_PROTOCOL_LOGGER_REQUEST ?
		      "guest->proxy" : "proxy->guest", TRACE_GUEST,
		      wl_resource_get_class(m->resource),
		      wl_resource_get_id(m->resource), m->message, m->arguments);
}

struct trace *
trace_create(struct wl_display *display)
{
	struct trace *trace = calloc(1, sizeof(*trace));
	if (!trace)
		return NULL;
	trace->guest_logger = wl_display_add_protocol_logger(display,
		handle_guest_message, trace);
	if (!trace->guest_logger) {
		free(trace);
		return NULL;
	}
	return trace;
}

void
trace_destroy(struct trace *trace)
{
	if (!trace)
		return;
	wl_protocol_logger_destroy(trace->guest_logger);
	free(trace);
}

void
trace_host_request(struct guest_client *gc, const char *interface, uint32_t id,
		   const struct wl_message *msg, const union wl_argument *args,
		   struct wl_proxy *new_proxy)
{
	/* The relay marshals a new_id as a null object and gets the proxy
	 * back from libwayland-client: put it where the id was. */
	union wl_argument out[RELAY_MAX_ARGS];
	struct relay_arg argv[RELAY_MAX_ARGS];
	int argc = relay_message_args(msg, argv, RELAY_MAX_ARGS);
	for (int i = 0; i < argc; i++) {
		out[i] = args[i];
		if (argv[i].type == 'n')
			out[i].o = (struct wl_object *)new_proxy;
	}
	trace_message(gc->pid, "proxy->host", TRACE_HOST, interface, id, msg, out);
}

void
trace_host_event(struct guest_client *gc, struct wl_proxy *target,
		 const struct wl_message *msg, const union wl_argument *args)
{
	trace_message(gc->pid, "host->proxy", TRACE_HOST,
		      wl_proxy_get_class(target), wl_proxy_get_id(target), msg,
		      args);
}
