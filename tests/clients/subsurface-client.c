/*
 * subsurface-client: a fullscreen parent with one wl_subsurface, taken
 * through synchronized and desynchronized commits one step at a time, for
 * tests/e2e/test_subsurface.py.
 *
 * The parent shows the pattern of pattern-client (seed 0) at its
 * configured size.  The child is CHILD_W x CHILD_H at (CHILD_X, CHILD_Y)
 * and shows rectangles of the same pattern in child coordinates, each of
 * its own seed.  Every child commit uses a new wl_buffer holding the whole
 * picture the child should show after it (nothing is rewritten while a
 * compositor may hold it), and damages only what changed.
 *
 *   step 1  child: all seed 1, commit; parent: attach, commit
 *   step 2  (sync) child: all seed 2, commit
 *   step 3  parent: commit                      -> the cached seed 2 shows
 *   step 4  (sync) child: left half seed 3, commit; right half seed 4,
 *           commit (two cached commits, each with its own damage)
 *   step 5  parent: commit                      -> both halves show
 *   step 6  set_desync; child: top half seed 5, commit -> shows at once
 *   step 7  set_sync; child: all seed 6, commit
 *   step 8  parent: commit                      -> seed 6 shows
 *
 * After each step's requests have reached the compositor (a round trip,
 * and the frame callback of a parent commit), it prints
 * "STEP n" and waits for SIGUSR1 before the next step (dispatching events
 * meanwhile, without committing anything).  After step 8 it stays up until
 * killed.  Exit status 2 on a connection or protocol error.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <wayland-client.h>

#include "tc-shm.h"
#include "tc-wayland.h"
#include "tc-window.h"

#define CHILD_X 200
#define CHILD_Y 120
#define CHILD_W 320
#define CHILD_H 240
#define MAX_CHILD_BUFFERS 8

struct rect {
	int32_t x, y, w, h;
};

static const struct rect ALL = { 0, 0, CHILD_W, CHILD_H };
static const struct rect LEFT = { 0, 0, CHILD_W / 2, CHILD_H };
static const struct rect RIGHT = { CHILD_W / 2, 0, CHILD_W / 2, CHILD_H };
static const struct rect TOP = { 0, 0, CHILD_W, CHILD_H / 2 };

struct app {
	struct tc_globals *globals;
	struct wl_subcompositor *subcompositor;
	struct tc_window *window;
	struct tc_buffer parent_buffer;
	struct wl_surface *child;
	struct wl_subsurface *subsurface;
	/* The child's picture so far: the seed of each pixel. */
	uint32_t child_seed[CHILD_H][CHILD_W];
	struct tc_buffer child_buffers[MAX_CHILD_BUFFERS];
	int nchild_buffers;
	bool frame_done;
	int signal_fd;
};

static uint32_t
pattern_pixel(int32_t x, int32_t y, uint32_t seed)
{
	uint32_t r = ((uint32_t)x * 7u + seed * 31u) & 0xffu;
	uint32_t g = ((uint32_t)y * 5u + seed * 17u) & 0xffu;
	uint32_t b = ((uint32_t)(x + y) * 3u + seed * 59u) & 0xffu;
	return 0xff000000u | (r << 16) | (g << 8) | b;
}

static void
fill(struct tc_buffer *b, uint32_t seeds[CHILD_H][CHILD_W])
{
	for (int32_t y = 0; y < b->height; y++) {
		uint32_t *row = (uint32_t *)((char *)b->data + (size_t)y * (size_t)b->stride);
		for (int32_t x = 0; x < b->width; x++)
			row[x] = pattern_pixel(x, y, seeds ? seeds[y][x] : 0);
	}
}

static void
frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	struct app *app = data;
	wl_callback_destroy(cb);
	app->frame_done = true;
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

static void
commit_waiting_for_frame(struct app *app, struct wl_surface *surface)
{
	wl_callback_add_listener(wl_surface_frame(surface), &frame_listener, app);
	app->frame_done = false;
	wl_surface_commit(surface);
	while (!app->frame_done)
		tc_globals_dispatch(app->globals, "waiting for a frame callback");
}

/* A child commit of a new buffer: the picture so far with r painted in
 * seed, damaging r alone. */
static void
child_paint_commit(struct app *app, struct rect r, uint32_t seed)
{
	if (app->nchild_buffers == MAX_CHILD_BUFFERS) {
		fprintf(stderr, "subsurface-client: out of child buffers\n");
		exit(2);
	}
	for (int32_t y = r.y; y < r.y + r.h; y++)
		for (int32_t x = r.x; x < r.x + r.w; x++)
			app->child_seed[y][x] = seed;
	struct tc_buffer *b = &app->child_buffers[app->nchild_buffers++];
	if (!tc_buffer_init(b, app->globals->shm, CHILD_W, CHILD_H, CHILD_W * 4,
			    WL_SHM_FORMAT_XRGB8888, 0)) {
		perror("subsurface-client: shm buffer");
		exit(2);
	}
	fill(b, app->child_seed);
	wl_surface_attach(app->child, b->wl_buffer, 0, 0);
	wl_surface_damage_buffer(app->child, r.x, r.y, r.w, r.h);
	/* No frame callback to wait for: a synchronized child gets none
	 * until its parent commits. */
	wl_surface_commit(app->child);
}

static void
parent_commit(struct app *app)
{
	commit_waiting_for_frame(app, app->window->surface);
}

/* Tells the test the step is in, and waits for its SIGUSR1. */
static void
step_done(struct app *app, int step)
{
	tc_globals_roundtrip(app->globals, "ending a step");
	printf("STEP %d\n", step);
	struct wl_display *display = app->globals->display;
	for (;;) {
		while (wl_display_prepare_read(display) != 0)
			wl_display_dispatch_pending(display);
		wl_display_flush(display);
		struct pollfd fds[2] = {
			{ .fd = wl_display_get_fd(display), .events = POLLIN },
			{ .fd = app->signal_fd, .events = POLLIN },
		};
		if (poll(fds, 2, -1) < 0 && errno != EINTR) {
			wl_display_cancel_read(display);
			perror("subsurface-client: poll");
			exit(2);
		}
		if (fds[0].revents) {
			if (wl_display_read_events(display) < 0)
				tc_globals_die(app->globals, "reading events");
		} else {
			wl_display_cancel_read(display);
		}
		if (wl_display_dispatch_pending(display) < 0)
			tc_globals_die(app->globals, "dispatching events");
		if (fds[1].revents) {
			struct signalfd_siginfo info;
			if (read(app->signal_fd, &info, sizeof(info)) == sizeof(info))
				return;
		}
	}
}

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct app *app = data;
	if (strcmp(interface, wl_subcompositor_interface.name) == 0)
		app->subcompositor = wl_registry_bind(registry, name,
						      &wl_subcompositor_interface, 1);
}

int
main(int argc, char **argv)
{
	static struct app app;
	if (argc != 1) {
		fprintf(stderr, "usage: subsurface-client\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	app.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (app.signal_fd < 0) {
		perror("subsurface-client: signalfd");
		return 2;
	}

	app.globals = tc_globals_create("subsurface-client", &(struct tc_globals_options){
		.compositor_version = 4, /* damage_buffer */
		.global = registry_global,
		.data = &app,
	});
	if (!app.globals)
		return 2;
	if (!app.subcompositor || app.globals->compositor_version < 4) {
		fprintf(stderr, "subsurface-client: needs wl_subcompositor and "
			"wl_compositor v4\n");
		return 2;
	}
	app.window = tc_window_create(app.globals, &(struct tc_window_options){
		.title = "subsurface-client",
		.fullscreen = true,
	});
	if (!app.window || !tc_window_wait_configure(app.window))
		tc_globals_die(app.globals, "waiting for the first configure");
	int32_t w = app.window->width, h = app.window->height;
	if (w < CHILD_X + CHILD_W || h < CHILD_Y + CHILD_H) {
		fprintf(stderr, "subsurface-client: configured %dx%d, too small\n", w, h);
		return 2;
	}
	printf("CONFIGURED %dx%d\n", w, h);
	if (!tc_buffer_init(&app.parent_buffer, app.globals->shm, w, h, w * 4,
			    WL_SHM_FORMAT_XRGB8888, 0)) {
		perror("subsurface-client: shm buffer");
		return 2;
	}
	fill(&app.parent_buffer, NULL);

	struct wl_surface *parent = app.window->surface;
	app.child = wl_compositor_create_surface(app.globals->compositor);
	app.subsurface = wl_subcompositor_get_subsurface(app.subcompositor, app.child,
							 parent);
	wl_subsurface_set_position(app.subsurface, CHILD_X, CHILD_Y);

	/* 1: both appear with the parent's commit (a new subsurface is
	 * synchronized). */
	child_paint_commit(&app, ALL, 1);
	wl_surface_attach(parent, app.parent_buffer.wl_buffer, 0, 0);
	wl_surface_damage_buffer(parent, 0, 0, w, h);
	parent_commit(&app);
	step_done(&app, 1);

	child_paint_commit(&app, ALL, 2);
	step_done(&app, 2);
	parent_commit(&app);
	step_done(&app, 3);

	child_paint_commit(&app, LEFT, 3);
	child_paint_commit(&app, RIGHT, 4);
	step_done(&app, 4);
	parent_commit(&app);
	step_done(&app, 5);

	wl_subsurface_set_desync(app.subsurface);
	child_paint_commit(&app, TOP, 5);
	step_done(&app, 6);

	wl_subsurface_set_sync(app.subsurface);
	child_paint_commit(&app, ALL, 6);
	step_done(&app, 7);
	parent_commit(&app);
	step_done(&app, 8);

	tc_window_run_until_closed(app.window);
	return 0;
}
