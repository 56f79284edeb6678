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
 *   --no-title        set no title
 *   --app-id ID       toplevel app_id (default wlgp-pattern-client; an
 *                     empty ID sets none)
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
#include <time.h>

#include <wayland-client.h>

#include "tc-shm.h"
#include "tc-wayland.h"
#include "tc-window.h"

#define MAX_BUFFERS 4
#define HEARTBEAT_MS 250

struct app {
	struct tc_globals *globals;
	struct tc_window *window;

	bool need_redraw;
	int32_t width, height;  /* size of what is on screen */

	struct tc_buffer buffers[MAX_BUFFERS];

	struct wl_callback *frame_cb;
	bool frame_pending;

	struct wl_callback *sync_cb;
	unsigned syncs;
	unsigned frames;

	/* options */
	uint32_t seed;
	unsigned nframes;
	bool animate;
	bool fullscreen;
	int32_t default_width, default_height;
	bool exit_after_ready;
	const char *title;
	const char *app_id;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
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

static struct tc_buffer *
get_free_buffer(struct app *app, int32_t width, int32_t height)
{
	struct tc_buffer *empty = NULL;
	for (int i = 0; i < MAX_BUFFERS; i++) {
		struct tc_buffer *b = &app->buffers[i];
		if (b->wl_buffer && !b->busy &&
		    (b->width != width || b->height != height))
			tc_buffer_finish(b);
		if (b->wl_buffer && !b->busy)
			return b;
		if (!b->wl_buffer && !empty)
			empty = b;
	}
	if (!empty)
		return NULL;
	if (!tc_buffer_init(empty, app->globals->shm, width, height, width * 4,
			    WL_SHM_FORMAT_XRGB8888, 0)) {
		perror("pattern-client: shm buffer");
		exit(2);
	}
	return empty;
}

/* ---- drawing ---------------------------------------------------------- */

static const struct wl_callback_listener frame_listener;

/* The size the compositor asks for, or ours if it leaves it to us. */
static void
wanted_size(const struct app *app, int32_t *width, int32_t *height)
{
	const struct tc_window *window = app->window;
	*width = window->width > 0 ? window->width : app->default_width;
	*height = window->height > 0 ? window->height : app->default_height;
}

static bool
redraw(struct app *app, uint32_t seed)
{
	struct wl_surface *surface = app->window->surface;
	int32_t w, h;
	wanted_size(app, &w, &h);
	struct tc_buffer *buf = get_free_buffer(app, w, h);
	if (!buf)
		return false; /* all busy; try again on the next release */

	draw_pattern(buf->data, w, h, w, seed);
	wl_surface_attach(surface, buf->wl_buffer, 0, 0);
	wl_surface_damage(surface, 0, 0, w, h);
	if (app->frame_cb)
		wl_callback_destroy(app->frame_cb);
	app->frame_cb = wl_surface_frame(surface);
	wl_callback_add_listener(app->frame_cb, &frame_listener, app);
	app->frame_pending = true;
	wl_surface_commit(surface);
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

/* ---- window ----------------------------------------------------------- */

/* Redraw when the first configure comes, or one with another size. */
static void
window_configure(struct tc_window *window, void *data)
{
	struct app *app = data;
	int32_t w, h;
	wanted_size(app, &w, &h);
	if (window->configures == 1 || w != app->width || h != app->height)
		app->need_redraw = true;
}

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

/* Dispatch events, waiting at most timeout_ms for new ones (-1: forever):
 * wl_display_dispatch cannot time out, and the heartbeat needs that. */
static void
dispatch_once(struct app *app, int timeout_ms)
{
	struct tc_globals *globals = app->globals;
	struct wl_display *display = globals->display;
	while (wl_display_prepare_read(display) != 0) {
		if (wl_display_dispatch_pending(display) < 0)
			tc_globals_die(globals, "dispatch");
	}
	struct pollfd pfd = { .fd = wl_display_get_fd(display), .events = POLLIN };
	if (wl_display_flush(display) < 0) {
		if (errno == EAGAIN) {
			pfd.events |= POLLOUT;
		} else {
			wl_display_cancel_read(display);
			tc_globals_die(globals, "flush");
		}
	}
	int ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0 && errno != EINTR) {
		wl_display_cancel_read(display);
		perror("pattern-client: poll");
		exit(2);
	}
	if (ret > 0 && (pfd.revents & (POLLIN | POLLERR | POLLHUP))) {
		if (wl_display_read_events(display) < 0)
			tc_globals_die(globals, "read");
	} else {
		wl_display_cancel_read(display);
	}
	if (wl_display_dispatch_pending(display) < 0)
		tc_globals_die(globals, "dispatch");
}

static void
wait_frame(struct app *app)
{
	while (app->frame_pending && !app->window->closed)
		dispatch_once(app, -1);
}

/* The --frames frames, the last one with `seed`, then redraws until the
 * picture has the latest configured size. */
static void
draw_until_ready(struct app *app)
{
	struct tc_window *window = app->window;
	for (unsigned i = 0; i < app->nframes && !window->closed; i++) {
		uint32_t s = app->seed + (app->nframes - 1 - i);
		while (!redraw(app, s))
			dispatch_once(app, -1);
		wait_frame(app);
	}
	/* A configure may have changed the size while we were drawing. */
	while (app->need_redraw && !window->closed) {
		while (!redraw(app, app->seed))
			dispatch_once(app, -1);
		wait_frame(app);
	}
}

/* Answers configures (and animates) with a heartbeat sync every
 * HEARTBEAT_MS, until the toplevel is closed. */
static void
run_until_closed(struct app *app)
{
	struct tc_window *window = app->window;
	uint32_t anim_seed = app->seed;
	uint64_t next_beat = now_ms() + HEARTBEAT_MS;
	while (!window->closed) {
		if (app->need_redraw && !app->frame_pending) {
			if (redraw(app, app->animate ? anim_seed : app->seed))
				printf("RESIZED %dx%d\n", app->width, app->height);
		} else if (app->animate && !app->frame_pending) {
			redraw(app, ++anim_seed);
		}
		uint64_t now = now_ms();
		if (now >= next_beat) {
			if (!app->sync_cb) {
				app->sync_cb = wl_display_sync(app->globals->display);
				wl_callback_add_listener(app->sync_cb, &sync_listener, app);
			}
			next_beat = now + HEARTBEAT_MS;
		}
		now = now_ms();
		dispatch_once(app, now >= next_beat ? 0 : (int)(next_beat - now));
	}
}

static void
app_finish(struct app *app)
{
	if (app->sync_cb)
		wl_callback_destroy(app->sync_cb);
	if (app->frame_cb)
		wl_callback_destroy(app->frame_cb);
	for (int i = 0; i < MAX_BUFFERS; i++)
		tc_buffer_finish(&app->buffers[i]);
	tc_window_destroy(app->window);
	tc_globals_destroy(app->globals);
}

static void
usage(void)
{
	fprintf(stderr, "usage: pattern-client [--seed N] [--frames N] [--animate] "
		"[--size WxH] [--exit-after-ready] [--title T] [--no-title]\n"
		"    [--app-id ID]\n");
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
		} else if (strcmp(a, "--no-title") == 0) {
			app->title = NULL;
		} else if (strcmp(a, "--app-id") == 0 && i + 1 < argc) {
			app->app_id = *argv[++i] ? argv[i] : NULL;
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
		.app_id = "wlgp-pattern-client",
	};
	parse_args(&app, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);

	app.globals = tc_globals_create("pattern-client", &(struct tc_globals_options){
		.compositor_version = 4,
	});
	if (!app.globals)
		return 2;
	tc_globals_roundtrip(app.globals, "roundtrip"); /* shm formats */
	if (!tc_globals_has_shm_format(app.globals, WL_SHM_FORMAT_XRGB8888)) {
		fprintf(stderr, "pattern-client: wl_shm does not advertise XRGB8888\n");
		return 2;
	}

	app.window = tc_window_create(app.globals, &(struct tc_window_options){
		.title = app.title,
		.app_id = app.app_id,
		.fullscreen = app.fullscreen,
		.configure = window_configure,
		.data = &app,
	});
	if (!app.window)
		return 2;
	if (!tc_window_wait_configure(app.window))
		tc_globals_die(app.globals, "dispatch");

	draw_until_ready(&app);
	tc_globals_roundtrip(app.globals, "roundtrip");
	printf("READY %dx%d\n", app.width, app.height);
	fflush(stdout);
	if (!app.exit_after_ready) {
		run_until_closed(&app);
		printf("CLOSED\n");
	}
	app_finish(&app);
	return 0;
}
