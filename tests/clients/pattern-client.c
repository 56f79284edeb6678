/*
 * pattern-client: a small wl_shm + xdg-shell client for the e2e suite.
 *
 * Maps an xdg_toplevel (fullscreen by default), waits for the configure,
 * draws a deterministic XRGB8888 pattern at the configured size, commits,
 * waits for the frame callback and a round trip, then prints "READY WxH"
 * on stdout.  It then stays up until killed, answering configures and
 * sending a wl_display.sync every 250 ms; every answered sync prints
 * "ALIVE syncs=N frames=M", which lets a test check the client is still
 * served end to end.
 *
 * Pattern (seed s), for every pixel (x, y) of the buffer:
 *   R = (x*7 + s*31) & 0xff
 *   G = (y*5 + s*17) & 0xff
 *   B = ((x+y)*3 + s*59) & 0xff
 *   X byte = 0xff
 *
 * Options:
 *   --seed N          pattern seed (default 0)
 *   --frames N        draw N frames, each after the previous frame callback;
 *                     frame i uses seed (seed + N-1-i), so the last frame,
 *                     the one READY reports, always shows `seed`
 *   --animate         after READY keep redrawing on every frame callback
 *                     (seed + 1, seed + 2, ...); the picture is then not
 *                     deterministic
 *   --size WxH        windowed (not fullscreen), WxH when the compositor
 *                     leaves the size to the client
 *   --exit-after-ready  exit 0 right after printing READY
 *   --title T         toplevel title
 *
 * Exit status: 0 after --exit-after-ready or when the toplevel is closed,
 * 2 on a connection or protocol error (details on stderr), 1 on bad usage.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <wayland-client.h>

#include "tc-shm.h"
#include "tc-xdg-shell-client-protocol.h"
#include "tc-wayland.h"

#define MAX_BUFFERS 4
#define HEARTBEAT_MS 250

struct buffer {
	struct wl_buffer *wl_buffer;
	void *data;
	size_t size;
	int32_t width, height;
	bool busy;
};

struct app {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	bool has_xrgb8888;

	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;

	/* configure state */
	int32_t pending_width, pending_height;
	bool configured;        /* at least one xdg_surface.configure acked */
	bool need_redraw;
	int32_t width, height;  /* size of what is on screen */

	struct buffer buffers[MAX_BUFFERS];

	struct wl_callback *frame_cb;
	bool frame_pending;

	struct wl_callback *sync_cb;
	unsigned syncs;
	unsigned frames;

	bool closed;

	/* options */
	uint32_t seed;
	unsigned nframes;
	bool animate;
	bool fullscreen;
	int32_t default_width, default_height;
	bool exit_after_ready;
	const char *title;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
die_display(struct app *app, const char *what)
{
	int err = wl_display_get_error(app->display);
	if (err == EPROTO) {
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code = wl_display_get_protocol_error(app->display, &iface, &id);
		fprintf(stderr, "pattern-client: %s: protocol error %s@%u code %u\n",
			what, iface ? iface->name : "?", id, code);
	} else {
		fprintf(stderr, "pattern-client: %s: connection lost: %s\n",
			what, strerror(err ? err : errno));
	}
	exit(2);
}

/* ---- pattern ---------------------------------------------------------- */

static void
draw_pattern(uint32_t *pixels, int32_t width, int32_t height, int32_t stride_px,
	     uint32_t seed)
{
	for (int32_t y = 0; y < height; y++) {
		uint32_t *row = pixels + (size_t)y * (size_t)stride_px;
		uint32_t g = ((uint32_t)y * 5u + seed * 17u) & 0xffu;
		for (int32_t x = 0; x < width; x++) {
			uint32_t r = ((uint32_t)x * 7u + seed * 31u) & 0xffu;
			uint32_t b = ((uint32_t)(x + y) * 3u + seed * 59u) & 0xffu;
			row[x] = 0xff000000u | (r << 16) | (g << 8) | b;
		}
	}
}

/* ---- buffers ---------------------------------------------------------- */

static void
buffer_release(void *data, struct wl_buffer *wl_buffer)
{
	(void)wl_buffer;
	struct buffer *buf = data;
	buf->busy = false;
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_release,
};

static void
buffer_destroy(struct buffer *buf)
{
	if (buf->wl_buffer)
		wl_buffer_destroy(buf->wl_buffer);
	if (buf->data)
		munmap(buf->data, buf->size);
	memset(buf, 0, sizeof *buf);
}

static bool
buffer_create(struct app *app, struct buffer *buf, int32_t width, int32_t height)
{
	int32_t stride = width * 4;
	size_t size = (size_t)stride * (size_t)height;
	int fd = tc_create_shm_file(size);
	if (fd < 0) {
		perror("pattern-client: shm file");
		return false;
	}
	void *data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (data == MAP_FAILED) {
		perror("pattern-client: mmap");
		close(fd);
		return false;
	}
	struct wl_shm_pool *pool = wl_shm_create_pool(app->shm, fd, (int32_t)size);
	buf->wl_buffer = wl_shm_pool_create_buffer(pool, 0, width, height, stride,
						   WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	wl_buffer_add_listener(buf->wl_buffer, &buffer_listener, buf);
	buf->data = data;
	buf->size = size;
	buf->width = width;
	buf->height = height;
	buf->busy = false;
	return true;
}

static struct buffer *
get_free_buffer(struct app *app, int32_t width, int32_t height)
{
	struct buffer *empty = NULL;
	for (int i = 0; i < MAX_BUFFERS; i++) {
		struct buffer *b = &app->buffers[i];
		if (b->wl_buffer && !b->busy &&
		    (b->width != width || b->height != height))
			buffer_destroy(b);
		if (b->wl_buffer && !b->busy)
			return b;
		if (!b->wl_buffer && !empty)
			empty = b;
	}
	if (!empty)
		return NULL;
	if (!buffer_create(app, empty, width, height))
		exit(2);
	return empty;
}

/* ---- drawing ---------------------------------------------------------- */

static const struct wl_callback_listener frame_listener;

static bool
redraw(struct app *app, uint32_t seed)
{
	int32_t w = app->pending_width > 0 ? app->pending_width : app->default_width;
	int32_t h = app->pending_height > 0 ? app->pending_height : app->default_height;
	struct buffer *buf = get_free_buffer(app, w, h);
	if (!buf)
		return false; /* all busy; try again on the next release */

	draw_pattern(buf->data, w, h, w, seed);
	wl_surface_attach(app->surface, buf->wl_buffer, 0, 0);
	wl_surface_damage(app->surface, 0, 0, w, h);
	if (app->frame_cb)
		wl_callback_destroy(app->frame_cb);
	app->frame_cb = wl_surface_frame(app->surface);
	wl_callback_add_listener(app->frame_cb, &frame_listener, app);
	app->frame_pending = true;
	wl_surface_commit(app->surface);
	buf->busy = true;
	app->width = w;
	app->height = h;
	app->frames++;
	app->need_redraw = false;
	return true;
}

static void
frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	(void)time;
	struct app *app = data;
	wl_callback_destroy(cb);
	app->frame_cb = NULL;
	app->frame_pending = false;
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

/* ---- xdg-shell -------------------------------------------------------- */

static void
xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct app *app = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	int32_t w = app->pending_width > 0 ? app->pending_width : app->default_width;
	int32_t h = app->pending_height > 0 ? app->pending_height : app->default_height;
	if (!app->configured || w != app->width || h != app->height)
		app->need_redraw = true;
	app->configured = true;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void
toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width,
		   int32_t height, struct wl_array *states)
{
	(void)toplevel;
	(void)states;
	struct app *app = data;
	app->pending_width = width;
	app->pending_height = height;
}

static void
toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	(void)toplevel;
	struct app *app = data;
	app->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

/* ---- registry --------------------------------------------------------- */

static void
shm_format(void *data, struct wl_shm *shm, uint32_t format)
{
	(void)shm;
	struct app *app = data;
	if (format == WL_SHM_FORMAT_XRGB8888)
		app->has_xrgb8888 = true;
}

static const struct wl_shm_listener shm_listener = {
	.format = shm_format,
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct app *app = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		app->compositor = wl_registry_bind(registry, name, &wl_compositor_interface,
						   version < 4 ? version : 4);
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		app->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
		wl_shm_add_listener(app->shm, &shm_listener, app);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		app->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(app->wm_base, &tc_wm_base_listener, app);
	}
}

static void
registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
	(void)data;
	(void)registry;
	(void)name;
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

/* ---- heartbeat -------------------------------------------------------- */

static void
sync_done(void *data, struct wl_callback *cb, uint32_t serial)
{
	(void)serial;
	struct app *app = data;
	wl_callback_destroy(cb);
	app->sync_cb = NULL;
	app->syncs++;
	printf("ALIVE syncs=%u frames=%u\n", app->syncs, app->frames);
	fflush(stdout);
}

static const struct wl_callback_listener sync_listener = {
	.done = sync_done,
};

/* ---- main loop helpers ------------------------------------------------ */

/* Dispatch events, waiting at most timeout_ms for new ones (-1: forever). */
static void
dispatch_once(struct app *app, int timeout_ms)
{
	while (wl_display_prepare_read(app->display) != 0) {
		if (wl_display_dispatch_pending(app->display) < 0)
			die_display(app, "dispatch");
	}
	struct pollfd pfd = { .fd = wl_display_get_fd(app->display), .events = POLLIN };
	if (wl_display_flush(app->display) < 0) {
		if (errno == EAGAIN) {
			pfd.events |= POLLOUT;
		} else {
			wl_display_cancel_read(app->display);
			die_display(app, "flush");
		}
	}
	int ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0 && errno != EINTR) {
		wl_display_cancel_read(app->display);
		perror("pattern-client: poll");
		exit(2);
	}
	if (ret > 0 && (pfd.revents & (POLLIN | POLLERR | POLLHUP))) {
		if (wl_display_read_events(app->display) < 0)
			die_display(app, "read");
	} else {
		wl_display_cancel_read(app->display);
	}
	if (wl_display_dispatch_pending(app->display) < 0)
		die_display(app, "dispatch");
}

static void
roundtrip(struct app *app)
{
	if (wl_display_roundtrip(app->display) < 0)
		die_display(app, "roundtrip");
}

static void
wait_frame(struct app *app)
{
	while (app->frame_pending && !app->closed)
		dispatch_once(app, -1);
}

static void
usage(void)
{
	fprintf(stderr, "usage: pattern-client [--seed N] [--frames N] [--animate] "
		"[--size WxH] [--exit-after-ready] [--title T]\n");
	exit(1);
}

static void
parse_args(struct app *app, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--seed") == 0 && i + 1 < argc) {
			app->seed = (uint32_t)strtoul(argv[++i], NULL, 0);
		} else if (strcmp(a, "--frames") == 0 && i + 1 < argc) {
			long n = strtol(argv[++i], NULL, 0);
			if (n < 1)
				usage();
			app->nframes = (unsigned)n;
		} else if (strcmp(a, "--animate") == 0) {
			app->animate = true;
		} else if (strcmp(a, "--size") == 0 && i + 1 < argc) {
			int w, h;
			if (sscanf(argv[++i], "%dx%d", &w, &h) != 2 || w <= 0 || h <= 0)
				usage();
			app->default_width = w;
			app->default_height = h;
			app->fullscreen = false;
		} else if (strcmp(a, "--exit-after-ready") == 0) {
			app->exit_after_ready = true;
		} else if (strcmp(a, "--title") == 0 && i + 1 < argc) {
			app->title = argv[++i];
		} else {
			usage();
		}
	}
}

int
main(int argc, char **argv)
{
	struct app app = {
		.nframes = 1,
		.fullscreen = true,
		.default_width = 320,
		.default_height = 240,
		.title = "pattern-client",
	};
	parse_args(&app, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);

	app.display = wl_display_connect(NULL);
	if (!app.display) {
		fprintf(stderr, "pattern-client: cannot connect to the display: %s\n",
			strerror(errno));
		return 2;
	}
	app.registry = wl_display_get_registry(app.display);
	wl_registry_add_listener(app.registry, &registry_listener, &app);
	roundtrip(&app);
	if (!app.compositor || !app.shm || !app.wm_base) {
		fprintf(stderr, "pattern-client: missing globals:%s%s%s\n",
			app.compositor ? "" : " wl_compositor", app.shm ? "" : " wl_shm",
			app.wm_base ? "" : " xdg_wm_base");
		return 2;
	}
	roundtrip(&app); /* shm formats */
	if (!app.has_xrgb8888) {
		fprintf(stderr, "pattern-client: wl_shm does not advertise XRGB8888\n");
		return 2;
	}

	app.surface = wl_compositor_create_surface(app.compositor);
	app.xdg_surface = xdg_wm_base_get_xdg_surface(app.wm_base, app.surface);
	xdg_surface_add_listener(app.xdg_surface, &xdg_surface_listener, &app);
	app.toplevel = xdg_surface_get_toplevel(app.xdg_surface);
	xdg_toplevel_add_listener(app.toplevel, &toplevel_listener, &app);
	xdg_toplevel_set_title(app.toplevel, app.title);
	xdg_toplevel_set_app_id(app.toplevel, "wlgp-pattern-client");
	if (app.fullscreen)
		xdg_toplevel_set_fullscreen(app.toplevel, NULL);
	wl_surface_commit(app.surface);

	while (!app.configured && !app.closed)
		dispatch_once(&app, -1);

	for (unsigned i = 0; i < app.nframes && !app.closed; i++) {
		uint32_t s = app.seed + (app.nframes - 1 - i);
		while (!redraw(&app, s))
			dispatch_once(&app, -1);
		wait_frame(&app);
	}
	/* A configure may have changed the size while we were drawing. */
	while (app.need_redraw && !app.closed) {
		while (!redraw(&app, app.seed))
			dispatch_once(&app, -1);
		wait_frame(&app);
	}
	roundtrip(&app);
	printf("READY %dx%d\n", app.width, app.height);
	fflush(stdout);
	if (app.exit_after_ready)
		return 0;

	uint32_t anim_seed = app.seed;
	uint64_t next_beat = now_ms() + HEARTBEAT_MS;
	while (!app.closed) {
		if (app.need_redraw && !app.frame_pending) {
			if (redraw(&app, app.animate ? anim_seed : app.seed))
				printf("RESIZED %dx%d\n", app.width, app.height);
		} else if (app.animate && !app.frame_pending) {
			redraw(&app, ++anim_seed);
		}
		uint64_t now = now_ms();
		if (now >= next_beat) {
			if (!app.sync_cb) {
				app.sync_cb = wl_display_sync(app.display);
				wl_callback_add_listener(app.sync_cb, &sync_listener, &app);
			}
			next_beat = now + HEARTBEAT_MS;
		}
		now = now_ms();
		dispatch_once(&app, now >= next_beat ? 0 : (int)(next_beat - now));
	}
	printf("CLOSED\n");
	return 0;
}
