/*
 * test-host: a small libwayland-server host compositor for the e2e tests
 * that no real compositor on Debian 12 can serve (issue 10 allows one
 * where none does): globals at versions above what the proxy compiles in,
 * fd-carrying globals weston 10 lacks (DRM lease), a keymap that does not
 * compile, a compositor that never releases some buffers, and outputs
 * plugged in and out at runtime.
 *
 * It knows only its own copies of the protocol tables (generated here from
 * the XMLs, not the proxy's), and it draws nothing.  Every object gets one
 * dispatcher: requests the tests observe have hooks (table `hooks`), the
 * rest are accepted and ignored; a request named destroy or release
 * destroys its object.
 *
 * Options:
 *   --socket NAME            socket name in $XDG_RUNTIME_DIR (or a path)
 *   --global IFACE=VERSION   offer IFACE at VERSION, above the version of
 *                            the host's own table if asked; 0 withdraws
 *                            one of the defaults; an unknown IFACE gets an
 *                            interface with no messages.  Defaults:
 *                            wl_compositor, wl_subcompositor, wl_shm,
 *                            xdg_wm_base, wl_seat, wl_output at their
 *                            table versions.
 *   --keymap FILE            wl_keyboard.keymap sends FILE's bytes (and a
 *                            NUL) as xkb_v1, whatever they are; without
 *                            it the format is no_keymap
 *   --keys CODE,...          after a keyboard enter, press and release
 *                            these evdev key codes
 *   --hold-buffers TITLE     never release a buffer of a toplevel titled
 *                            TITLE (any other surface gets its previous
 *                            buffer back when it commits the next)
 *   --size WxH               what toplevels are configured to (640x480)
 *
 * Signals: SIGUSR1 plugs in one more wl_output, SIGUSR2 unplugs the newest
 * one plugged in that way; SIGTERM and SIGINT end it.
 *
 * stdout, one line each, t= CLOCK_MONOTONIC seconds:
 *   COMMIT surface=ID title=T buffer=ID t=S   a commit with a new buffer
 *   SURFACE_GONE surface=ID title=T t=S       a titled surface went
 *   OUTPUT_ADDED model=M                      (SIGUSR1)
 *   OUTPUT_REMOVED model=M                    (SIGUSR2)
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <wayland-server.h>

#include "th-drm-lease-v1-server-protocol.h"
#include "th-linux-dmabuf-unstable-v1-server-protocol.h"
#include "th-linux-explicit-synchronization-unstable-v1-server-protocol.h"
#include "th-presentation-time-server-protocol.h"
#include "th-xdg-shell-server-protocol.h"

#define MAX_ARGS 20
#define FRAME_INTERVAL_MS 16
/* A global unplugged by SIGUSR2 is destroyed this much later, so that a
 * bind already on its way still finds it (wl_global_remove's advice). */
#define UNPLUG_DESTROY_MS 3000
#define DRM_FORMAT_XRGB8888 0x34325258u

struct host {
	struct wl_display *display;
	struct wl_event_loop *loop;
	struct wl_list globals;   /* global.link */
	struct wl_list keyboards; /* wl_resource links */
	struct wl_list frames_due; /* wl_callback resource links */
	struct wl_event_source *frame_timer;
	bool frame_timer_armed;
	int hotplugged;           /* outputs plugged in by SIGUSR1 so far */

	/* options */
	int keymap_fd;            /* -1: no_keymap */
	uint32_t keymap_size;
	uint32_t keys[32];
	int nkeys;
	const char *hold_title;
	int32_t width, height;
};

/* One advertised global; its interface is a copy of the table's with the
 * advertised version, which may exceed the table's. */
struct global {
	struct host *host;
	struct wl_interface advertised;
	uint32_t version;
	struct wl_global *global;
	char label[32];           /* outputs: the model and name */
	bool hotplugged;
	struct wl_event_source *reaper;
	struct wl_list link;
};

struct surface {
	struct host *host;
	struct wl_resource *resource;
	struct wl_resource *xdg_surface, *toplevel;
	char *title;
	bool configured, focused;
	/* wl_surface.attach: pending until commit; current until the next
	 * buffer replaces it (then released, unless held) */
	bool attached;
	struct wl_resource *pending, *current;
	struct wl_listener pending_destroy, current_destroy;
	struct wl_list frames;    /* wl_callback resource links, not yet due */
	struct wl_listener destroy;
};

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t
now_ms(void)
{
	return (uint32_t)(now_s() * 1000.0);
}

/* An fd the size of data holding it, for events that carry one. */
static int
memfd_with(const void *data, size_t size)
{
	int fd = memfd_create("test-host", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	return fd;
}

static int dispatch(const void *impl, void *target, uint32_t opcode,
		    const struct wl_message *msg, union wl_argument *args);

static struct wl_resource *
object_create(struct host *host, struct wl_client *client,
	      const struct wl_interface *iface, int version, uint32_t id)
{
	struct wl_resource *res = wl_resource_create(client, iface, version, id);
	if (!res) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	wl_resource_set_dispatcher(res, dispatch, host, NULL, NULL);
	return res;
}

static void
unlink_resource(struct wl_resource *res)
{
	wl_list_remove(wl_resource_get_link(res));
}

/* ---- surfaces and buffers --------------------------------------------- */

static void
surface_set_pending(struct surface *s, struct wl_resource *buffer)
{
	if (s->pending)
		wl_list_remove(&s->pending_destroy.link);
	s->pending = buffer;
	if (buffer)
		wl_resource_add_destroy_listener(buffer, &s->pending_destroy);
}

static void
surface_set_current(struct surface *s, struct wl_resource *buffer)
{
	if (s->current)
		wl_list_remove(&s->current_destroy.link);
	s->current = buffer;
	if (buffer)
		wl_resource_add_destroy_listener(buffer, &s->current_destroy);
}

static void
handle_pending_destroy(struct wl_listener *l, void *data)
{
	struct surface *s = wl_container_of(l, s, pending_destroy);
	wl_list_remove(&s->pending_destroy.link);
	s->pending = NULL;
}

static void
handle_current_destroy(struct wl_listener *l, void *data)
{
	struct surface *s = wl_container_of(l, s, current_destroy);
	wl_list_remove(&s->current_destroy.link);
	s->current = NULL;
}

static const char *
surface_title(const struct surface *s)
{
	return s->title ? s->title : "-";
}

static bool
surface_held(const struct surface *s)
{
	return s->host->hold_title && s->title &&
	       strcmp(s->title, s->host->hold_title) == 0;
}

static void
handle_surface_destroy(struct wl_listener *l, void *data)
{
	struct surface *s = wl_container_of(l, s, destroy);
	if (s->title)
		printf("SURFACE_GONE surface=%u title=%s t=%.6f\n",
		       wl_resource_get_id(s->resource), surface_title(s), now_s());
	if (s->toplevel)
		wl_resource_set_user_data(s->toplevel, NULL);
	if (s->xdg_surface)
		wl_resource_set_user_data(s->xdg_surface, NULL);
	surface_set_pending(s, NULL);
	surface_set_current(s, NULL);
	struct wl_resource *cb, *tmp;
	wl_resource_for_each_safe(cb, tmp, &s->frames)
		wl_resource_destroy(cb);
	wl_list_remove(&s->destroy.link);
	free(s->title);
	free(s);
}

static void
hook_create_surface(struct host *host, struct wl_resource *res,
		    union wl_argument *args, struct wl_resource **created)
{
	struct surface *s = calloc(1, sizeof(*s));
	if (!s) {
		wl_resource_post_no_memory(res);
		return;
	}
	s->host = host;
	s->resource = created[0];
	wl_list_init(&s->frames);
	s->pending_destroy.notify = handle_pending_destroy;
	s->current_destroy.notify = handle_current_destroy;
	s->destroy.notify = handle_surface_destroy;
	wl_resource_add_destroy_listener(created[0], &s->destroy);
	wl_resource_set_user_data(created[0], s);
}

static void
hook_attach(struct host *host, struct wl_resource *res,
	    union wl_argument *args, struct wl_resource **created)
{
	struct surface *s = wl_resource_get_user_data(res);
	s->attached = true;
	surface_set_pending(s, (struct wl_resource *)args[0].o);
}

static void
frame_destroyed(struct wl_resource *cb)
{
	unlink_resource(cb);
}

static void
hook_frame(struct host *host, struct wl_resource *res,
	   union wl_argument *args, struct wl_resource **created)
{
	struct surface *s = wl_resource_get_user_data(res);
	wl_list_insert(s->frames.prev, wl_resource_get_link(created[0]));
	wl_resource_set_destructor(created[0], frame_destroyed);
}

static int
handle_frame_timer(void *data)
{
	struct host *host = data;
	host->frame_timer_armed = false;
	uint32_t t = now_ms();
	struct wl_resource *cb, *tmp;
	wl_resource_for_each_safe(cb, tmp, &host->frames_due) {
		wl_callback_send_done(cb, t);
		wl_resource_destroy(cb);
	}
	return 0;
}

static void
keyboard_send_keys(struct host *host, struct wl_resource *kb)
{
	for (int i = 0; i < host->nkeys; i++) {
		wl_keyboard_send_key(kb, wl_display_next_serial(host->display), now_ms(),
				     host->keys[i], WL_KEYBOARD_KEY_STATE_PRESSED);
		wl_keyboard_send_key(kb, wl_display_next_serial(host->display), now_ms(),
				     host->keys[i], WL_KEYBOARD_KEY_STATE_RELEASED);
	}
}

/* The first toplevel of a client to show a buffer gets its keyboards. */
static void
surface_focus(struct surface *s)
{
	struct host *host = s->host;
	struct wl_client *client = wl_resource_get_client(s->resource);
	struct wl_resource *kb;
	s->focused = true;
	wl_resource_for_each(kb, &host->keyboards) {
		if (wl_resource_get_client(kb) != client)
			continue;
		struct wl_array keys;
		wl_array_init(&keys);
		wl_keyboard_send_enter(kb, wl_display_next_serial(host->display),
				       s->resource, &keys);
		wl_array_release(&keys);
		wl_keyboard_send_modifiers(kb, wl_display_next_serial(host->display),
					   0, 0, 0, 0);
		keyboard_send_keys(host, kb);
	}
}

static void
surface_configure(struct surface *s)
{
	struct wl_array states;
	wl_array_init(&states);
	xdg_toplevel_send_configure(s->toplevel, s->host->width, s->host->height,
				    &states);
	wl_array_release(&states);
	xdg_surface_send_configure(s->xdg_surface,
				   wl_display_next_serial(s->host->display));
	s->configured = true;
}

static void
hook_commit(struct host *host, struct wl_resource *res,
	    union wl_argument *args, struct wl_resource **created)
{
	struct surface *s = wl_resource_get_user_data(res);
	if (s->attached) {
		struct wl_resource *buffer = s->pending;
		if (s->current && s->current != buffer && !surface_held(s))
			wl_buffer_send_release(s->current);
		surface_set_current(s, buffer);
		surface_set_pending(s, NULL);
		s->attached = false;
		if (buffer)
			printf("COMMIT surface=%u title=%s buffer=%u t=%.6f\n",
			       wl_resource_get_id(res), surface_title(s),
			       wl_resource_get_id(buffer), now_s());
	}
	wl_list_insert_list(host->frames_due.prev, &s->frames);
	wl_list_init(&s->frames);
	if (!wl_list_empty(&host->frames_due) && !host->frame_timer_armed) {
		wl_event_source_timer_update(host->frame_timer, FRAME_INTERVAL_MS);
		host->frame_timer_armed = true;
	}
	if (s->toplevel && s->xdg_surface && !s->configured)
		surface_configure(s);
	else if (s->toplevel && s->current && !s->focused)
		surface_focus(s);
}

/* ---- xdg-shell -------------------------------------------------------- */

static void
xdg_role_destroyed(struct wl_resource *res)
{
	struct surface *s = wl_resource_get_user_data(res);
	if (!s)
		return;
	if (s->toplevel == res)
		s->toplevel = NULL;
	if (s->xdg_surface == res)
		s->xdg_surface = NULL;
}

static void
hook_get_xdg_surface(struct host *host, struct wl_resource *res,
		     union wl_argument *args, struct wl_resource **created)
{
	struct surface *s = wl_resource_get_user_data((struct wl_resource *)args[1].o);
	if (!s)
		return;
	s->xdg_surface = created[0];
	wl_resource_set_user_data(created[0], s);
	wl_resource_set_destructor(created[0], xdg_role_destroyed);
}

static void
hook_get_toplevel(struct host *host, struct wl_resource *res,
		  union wl_argument *args, struct wl_resource **created)
{
	struct surface *s = wl_resource_get_user_data(res);
	if (!s)
		return;
	s->toplevel = created[0];
	wl_resource_set_user_data(created[0], s);
	wl_resource_set_destructor(created[0], xdg_role_destroyed);
}

static void
hook_set_title(struct host *host, struct wl_resource *res,
	       union wl_argument *args, struct wl_resource **created)
{
	struct surface *s = wl_resource_get_user_data(res);
	if (!s)
		return;
	free(s->title);
	s->title = strdup(args[0].s);
}

/* ---- wl_seat ---------------------------------------------------------- */

static void
hook_get_keyboard(struct host *host, struct wl_resource *res,
		  union wl_argument *args, struct wl_resource **created)
{
	struct wl_resource *kb = created[0];
	wl_list_insert(&host->keyboards, wl_resource_get_link(kb));
	wl_resource_set_destructor(kb, unlink_resource);
	if (host->keymap_fd >= 0) {
		wl_keyboard_send_keymap(kb, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1,
					host->keymap_fd, host->keymap_size);
	} else {
		/* One byte, not none: crosvm cannot map an empty file and
		 * drops a message that carries one. */
		int fd = memfd_with("", 1);
		if (fd >= 0) {
			wl_keyboard_send_keymap(kb, WL_KEYBOARD_KEYMAP_FORMAT_NO_KEYMAP,
						fd, 0);
			close(fd);
		}
	}
	if (wl_resource_get_version(kb) >= WL_KEYBOARD_REPEAT_INFO_SINCE_VERSION)
		wl_keyboard_send_repeat_info(kb, 25, 600);
}

static void
bind_seat(struct global *g, struct wl_resource *res)
{
	wl_seat_send_capabilities(res, WL_SEAT_CAPABILITY_POINTER |
				  WL_SEAT_CAPABILITY_KEYBOARD);
	if (wl_resource_get_version(res) >= WL_SEAT_NAME_SINCE_VERSION)
		wl_seat_send_name(res, "seat0");
}

/* ---- wl_output -------------------------------------------------------- */

static void
bind_output(struct global *g, struct wl_resource *res)
{
	int version = wl_resource_get_version(res);
	wl_output_send_geometry(res, 0, 0, 300, 200, WL_OUTPUT_SUBPIXEL_UNKNOWN,
				"wlgp-test-host", g->label,
				WL_OUTPUT_TRANSFORM_NORMAL);
	wl_output_send_mode(res, WL_OUTPUT_MODE_CURRENT | WL_OUTPUT_MODE_PREFERRED,
			    g->host->width, g->host->height, 60000);
	if (version >= WL_OUTPUT_SCALE_SINCE_VERSION)
		wl_output_send_scale(res, 1);
	if (version >= WL_OUTPUT_NAME_SINCE_VERSION) {
		wl_output_send_name(res, g->label);
		wl_output_send_description(res, "test-host output");
	}
	if (version >= WL_OUTPUT_DONE_SINCE_VERSION)
		wl_output_send_done(res);
}

/* ---- globals with fds (what the proxy must hide) ---------------------- */

static void
bind_dmabuf(struct global *g, struct wl_resource *res)
{
	int version = wl_resource_get_version(res);
	if (version >= ZWP_LINUX_DMABUF_V1_GET_DEFAULT_FEEDBACK_SINCE_VERSION)
		return; /* formats come with the feedback */
	if (version >= ZWP_LINUX_DMABUF_V1_MODIFIER_SINCE_VERSION)
		zwp_linux_dmabuf_v1_send_modifier(res, DRM_FORMAT_XRGB8888, 0, 0);
	else
		zwp_linux_dmabuf_v1_send_format(res, DRM_FORMAT_XRGB8888);
}

/* One tranche: XRGB8888, linear, on device 0. */
static void
hook_dmabuf_feedback(struct host *host, struct wl_resource *res,
		     union wl_argument *args, struct wl_resource **created)
{
	struct wl_resource *fb = created[0];
	struct { uint32_t format, pad; uint64_t modifier; } entry = {
		DRM_FORMAT_XRGB8888, 0, 0,
	};
	int fd = memfd_with(&entry, sizeof(entry));
	if (fd < 0) {
		wl_resource_post_no_memory(res);
		return;
	}
	zwp_linux_dmabuf_feedback_v1_send_format_table(fb, fd, sizeof(entry));
	close(fd);
	dev_t dev = 0;
	uint16_t index = 0;
	struct wl_array devs, formats;
	wl_array_init(&devs);
	wl_array_init(&formats);
	dev_t *d = wl_array_add(&devs, sizeof(dev));
	uint16_t *i = wl_array_add(&formats, sizeof(index));
	if (d && i) {
		*d = dev;
		*i = index;
		zwp_linux_dmabuf_feedback_v1_send_main_device(fb, &devs);
		zwp_linux_dmabuf_feedback_v1_send_tranche_target_device(fb, &devs);
		zwp_linux_dmabuf_feedback_v1_send_tranche_formats(fb, &formats);
		zwp_linux_dmabuf_feedback_v1_send_tranche_flags(fb, 0);
		zwp_linux_dmabuf_feedback_v1_send_tranche_done(fb);
		zwp_linux_dmabuf_feedback_v1_send_done(fb);
	}
	wl_array_release(&devs);
	wl_array_release(&formats);
}

static void
bind_drm_lease(struct global *g, struct wl_resource *res)
{
	/* Not a DRM device, but an fd all the same, which is the point. */
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		wp_drm_lease_device_v1_send_drm_fd(res, fd);
		close(fd);
	}
	wp_drm_lease_device_v1_send_done(res);
}

static void
bind_presentation(struct global *g, struct wl_resource *res)
{
	wp_presentation_send_clock_id(res, CLOCK_MONOTONIC);
}

/* ---- the dispatcher ---------------------------------------------------- */

typedef void (*hook_func)(struct host *host, struct wl_resource *res,
			  union wl_argument *args, struct wl_resource **created);

static const struct hook {
	const char *interface, *request;
	hook_func func;
} hooks[] = {
	{ "wl_compositor", "create_surface", hook_create_surface },
	{ "wl_surface", "attach", hook_attach },
	{ "wl_surface", "frame", hook_frame },
	{ "wl_surface", "commit", hook_commit },
	{ "xdg_wm_base", "get_xdg_surface", hook_get_xdg_surface },
	{ "xdg_surface", "get_toplevel", hook_get_toplevel },
	{ "xdg_toplevel", "set_title", hook_set_title },
	{ "wl_seat", "get_keyboard", hook_get_keyboard },
	{ "zwp_linux_dmabuf_v1", "get_default_feedback", hook_dmabuf_feedback },
	{ "zwp_linux_dmabuf_v1", "get_surface_feedback", hook_dmabuf_feedback },
};

static hook_func
find_hook(const char *interface, const char *request)
{
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		if (strcmp(hooks[i].interface, interface) == 0 &&
		    strcmp(hooks[i].request, request) == 0)
			return hooks[i].func;
	}
	return NULL;
}

static bool
is_destructor(const char *request)
{
	return strcmp(request, "destroy") == 0 || strcmp(request, "release") == 0;
}

static int
dispatch(const void *impl, void *target, uint32_t opcode,
	 const struct wl_message *msg, union wl_argument *args)
{
	struct host *host = (struct host *)impl;
	struct wl_resource *res = target;
	struct wl_client *client = wl_resource_get_client(res);
	struct wl_resource *created[MAX_ARGS] = { 0 };
	int fds[MAX_ARGS], nfds = 0;
	int i = 0;
	bool ok = true;
	for (const char *p = msg->signature; *p && i < MAX_ARGS; p++) {
		if (isdigit((unsigned char)*p) || *p == '?')
			continue;
		if (*p == 'n' && ok && msg->types[i]) {
			created[i] = object_create(host, client, msg->types[i],
						   wl_resource_get_version(res), args[i].n);
			ok = created[i] != NULL;
		} else if (*p == 'h') {
			fds[nfds++] = args[i].h;
		}
		i++;
	}
	hook_func hook = ok ? find_hook(wl_resource_get_class(res), msg->name) : NULL;
	if (hook)
		hook(host, res, args, created);
	for (int f = 0; f < nfds; f++)
		close(fds[f]);
	if (ok && is_destructor(msg->name))
		wl_resource_destroy(res);
	return 0;
}

/* ---- globals ---------------------------------------------------------- */

static const struct known {
	const struct wl_interface *interface;
	void (*bind)(struct global *g, struct wl_resource *res);
} known[] = {
	{ &wl_compositor_interface, NULL },
	{ &wl_subcompositor_interface, NULL },
	{ &wl_seat_interface, bind_seat },
	{ &wl_output_interface, bind_output },
	{ &wl_data_device_manager_interface, NULL },
	{ &xdg_wm_base_interface, NULL },
	{ &wp_presentation_interface, bind_presentation },
	{ &zwp_linux_dmabuf_v1_interface, bind_dmabuf },
	{ &wp_drm_lease_device_v1_interface, bind_drm_lease },
	{ &zwp_linux_explicit_synchronization_v1_interface, NULL },
};

static const struct known *
find_known(const char *name)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(known[i].interface->name, name) == 0)
			return &known[i];
	}
	return NULL;
}

static void
global_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct global *g = data;
	const struct known *k = find_known(g->advertised.name);
	/* The resource gets the table itself, which outlives an unplugged
	 * global; the version is not checked against it. */
	struct wl_resource *res = object_create(g->host, client,
		k ? k->interface : &g->advertised, (int)version, id);
	if (!res)
		return;
	if (k && k->bind)
		k->bind(g, res);
}

static struct global *
global_add(struct host *host, const char *name, uint32_t version, const char *label)
{
	struct global *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	const struct known *k = find_known(name);
	if (k) {
		g->advertised = *k->interface;
	} else {
		/* An interface nobody compiled in: a name and no messages. */
		g->advertised.name = strdup(name);
		if (!g->advertised.name) {
			free(g);
			return NULL;
		}
	}
	g->advertised.version = (int)version;
	g->host = host;
	g->version = version;
	snprintf(g->label, sizeof(g->label), "%s", label ? label : "");
	g->global = wl_global_create(host->display, &g->advertised, (int)version,
				     g, global_bind);
	if (!g->global) {
		if (!k)
			free((char *)g->advertised.name);
		free(g);
		return NULL;
	}
	wl_list_insert(host->globals.prev, &g->link);
	return g;
}

static void
global_free(struct global *g)
{
	if (g->global)
		wl_global_destroy(g->global);
	if (g->reaper)
		wl_event_source_remove(g->reaper);
	if (!find_known(g->advertised.name))
		free((char *)g->advertised.name);
	wl_list_remove(&g->link);
	free(g);
}

static int
handle_reaper(void *data)
{
	global_free(data);
	return 0;
}

static int
handle_plug(int signo, void *data)
{
	struct host *host = data;
	char label[32];
	snprintf(label, sizeof(label), "HOTPLUG-%d", ++host->hotplugged);
	struct global *g = global_add(host, "wl_output",
				      (uint32_t)wl_output_interface.version, label);
	if (!g) {
		fprintf(stderr, "test-host: cannot add an output\n");
		return 0;
	}
	g->hotplugged = true;
	printf("OUTPUT_ADDED model=%s\n", g->label);
	return 0;
}

static int
handle_unplug(int signo, void *data)
{
	struct host *host = data;
	struct global *g;
	wl_list_for_each_reverse(g, &host->globals, link) {
		if (!g->hotplugged || g->reaper)
			continue;
		printf("OUTPUT_REMOVED model=%s\n", g->label);
		wl_global_remove(g->global);
		g->reaper = wl_event_loop_add_timer(host->loop, handle_reaper, g);
		if (g->reaper)
			wl_event_source_timer_update(g->reaper, UNPLUG_DESTROY_MS);
		return 0;
	}
	fprintf(stderr, "test-host: no plugged-in output to unplug\n");
	return 0;
}

static int
handle_terminate(int signo, void *data)
{
	struct host *host = data;
	wl_display_terminate(host->display);
	return 0;
}

/* ---- options and main ------------------------------------------------- */

struct global_option {
	char name[64];
	uint32_t version; /* 0: not offered */
};

static int
set_global_option(struct global_option *opts, int *n, int max, const char *name,
		  uint32_t version)
{
	for (int i = 0; i < *n; i++) {
		if (strcmp(opts[i].name, name) == 0) {
			opts[i].version = version;
			return 0;
		}
	}
	if (*n >= max || strlen(name) >= sizeof(opts[0].name))
		return -1;
	snprintf(opts[*n].name, sizeof(opts[0].name), "%s", name);
	opts[*n].version = version;
	(*n)++;
	return 0;
}

static int
load_keymap(struct host *host, const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char *text = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);
	char chunk[4096];
	size_t n;
	while (mem && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(f);
	if (!mem)
		return -1;
	fputc('\0', mem);
	fclose(mem);
	host->keymap_fd = memfd_with(text, size);
	host->keymap_size = (uint32_t)size;
	free(text);
	return host->keymap_fd < 0 ? -1 : 0;
}

static int
parse_keys(struct host *host, const char *list)
{
	char *copy = strdup(list), *save = NULL;
	if (!copy)
		return -1;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (host->nkeys >= (int)(sizeof(host->keys) / sizeof(host->keys[0]))) {
			free(copy);
			return -1;
		}
		host->keys[host->nkeys++] = (uint32_t)strtoul(tok, NULL, 10);
	}
	free(copy);
	return 0;
}

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: test-host --socket NAME [--global IFACE=VERSION]... "
		"[--keymap FILE] [--keys CODE,...] [--hold-buffers TITLE] [--size WxH]\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "global", required_argument, NULL, 'g' },
		{ "keymap", required_argument, NULL, 'k' },
		{ "keys", required_argument, NULL, 'K' },
		{ "hold-buffers", required_argument, NULL, 'H' },
		{ "size", required_argument, NULL, 'S' },
		{ 0 },
	};
	struct host host = { .keymap_fd = -1, .width = 640, .height = 480 };
	struct global_option globals[64];
	int nglobals = 0;
	const struct wl_interface *defaults[] = {
		&wl_compositor_interface, &wl_subcompositor_interface, &wl_shm_interface,
		&xdg_wm_base_interface, &wl_seat_interface, &wl_output_interface,
	};
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		set_global_option(globals, &nglobals, 64, defaults[i]->name,
				  (uint32_t)defaults[i]->version);
	const char *socket_name = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_name = optarg;
			break;
		case 'g': {
			char *eq = strchr(optarg, '=');
			if (!eq)
				usage();
			*eq = '\0';
			if (set_global_option(globals, &nglobals, 64, optarg,
					      (uint32_t)strtoul(eq + 1, NULL, 10)) < 0)
				usage();
			break;
		}
		case 'k':
			if (load_keymap(&host, optarg) < 0) {
				fprintf(stderr, "test-host: cannot read %s: %s\n", optarg,
					strerror(errno));
				return 1;
			}
			break;
		case 'K':
			if (parse_keys(&host, optarg) < 0)
				usage();
			break;
		case 'H':
			host.hold_title = optarg;
			break;
		case 'S':
			if (sscanf(optarg, "%dx%d", &host.width, &host.height) != 2)
				usage();
			break;
		default:
			usage();
		}
	}
	if (!socket_name || optind != argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	wl_list_init(&host.globals);
	wl_list_init(&host.keyboards);
	wl_list_init(&host.frames_due);
	host.display = wl_display_create();
	if (!host.display)
		return 1;
	host.loop = wl_display_get_event_loop(host.display);
	host.frame_timer = wl_event_loop_add_timer(host.loop, handle_frame_timer, &host);
	struct wl_event_source *signals[] = {
		wl_event_loop_add_signal(host.loop, SIGUSR1, handle_plug, &host),
		wl_event_loop_add_signal(host.loop, SIGUSR2, handle_unplug, &host),
		wl_event_loop_add_signal(host.loop, SIGTERM, handle_terminate, &host),
		wl_event_loop_add_signal(host.loop, SIGINT, handle_terminate, &host),
	};
	for (int i = 0; i < nglobals; i++) {
		if (globals[i].version == 0)
			continue;
		bool ok;
		if (strcmp(globals[i].name, "wl_shm") == 0)
			ok = globals[i].version == 1 && wl_display_init_shm(host.display) == 0;
		else
			ok = global_add(&host, globals[i].name, globals[i].version,
					strcmp(globals[i].name, "wl_output") == 0 ?
					"WLGP-1" : NULL) != NULL;
		if (!ok) {
			fprintf(stderr, "test-host: cannot offer %s v%u\n",
				globals[i].name, globals[i].version);
			return 1;
		}
	}
	if (wl_display_add_socket(host.display, socket_name) < 0) {
		fprintf(stderr, "test-host: cannot listen on %s: %s\n", socket_name,
			strerror(errno));
		return 1;
	}
	wl_display_run(host.display);

	wl_display_destroy_clients(host.display);
	struct global *g, *tmp;
	wl_list_for_each_safe(g, tmp, &host.globals, link)
		global_free(g);
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (signals[i])
			wl_event_source_remove(signals[i]);
	}
	wl_event_source_remove(host.frame_timer);
	wl_display_destroy(host.display);
	if (host.keymap_fd >= 0)
		close(host.keymap_fd);
	return 0;
}
