/*
 * poison-client: a client whose buffer holds, outside the damage it
 * commits, something else than what it committed there before, so that a
 * compositor (or a proxy) that takes more than the damage from the buffer
 * shows it.  For tests/e2e/test_copy_damage.py.
 *
 * A fullscreen xdg_toplevel with a single XRGB8888 wl_buffer.  Frame 0
 * fills it with the pattern of pattern-client (seed S):
 *   R = (x*7 + s*31) & 0xff, G = (y*5 + s*17) & 0xff,
 *   B = ((x+y)*3 + s*59) & 0xff
 * and damages all of it.  Every frame f = 1..N repaints two zones with the
 * pattern of seed S + f and damages exactly them (damage_buffer), the
 * zones being
 *   (40, 30, 96, 64) and (W - 180, H - 120, 120, 80)
 * in buffer pixels (opposite corners, so that their bounding box is
 * nearly everything).  From frame P on (--poison-from), every pixel
 * outside the zones is first overwritten with magenta: what the client
 * committed there is still the pattern of seed S.  Each frame is
 * committed after the previous one's frame callback; the buffer is
 * rewritten without waiting for its release (on purpose: straight on a
 * compositor that reads the client's memory, the magenta shows).
 *
 * Output: "ZONES x,y,w,h;x,y,w,h", "CONFIGURED WxH", then "END" once the
 * last frame's callback arrived.  Stays up until killed.
 *
 * Options: --seed S (default 0), --frames N (default 12),
 * --poison-from P (default 6).  Exit status 2 on a connection or
 * protocol error, 1 on bad usage.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wayland-client.h>

#include "tc-shm.h"
#include "tc-wayland.h"
#include "tc-window.h"

#define MAGENTA 0xffff00ffu

struct zone {
	int32_t x, y, w, h;
};

struct app {
	struct tc_globals *globals;
	struct tc_window *window;
	struct tc_buffer buffer;
	bool frame_done;
	uint32_t seed;
	int frames, poison_from;
};

static uint32_t
pattern_pixel(int32_t x, int32_t y, uint32_t seed)
{
	uint32_t r = ((uint32_t)x * 7u + seed * 31u) & 0xffu;
	uint32_t g = ((uint32_t)y * 5u + seed * 17u) & 0xffu;
	uint32_t b = ((uint32_t)(x + y) * 3u + seed * 59u) & 0xffu;
	return 0xff000000u | (r << 16) | (g << 8) | b;
}

static bool
in_zone(const struct zone *z, int32_t x, int32_t y)
{
	return x >= z->x && x < z->x + z->w && y >= z->y && y < z->y + z->h;
}

static void
paint(struct app *app, const struct zone zones[2], int frame)
{
	struct tc_buffer *b = &app->buffer;
	bool poison = frame >= app->poison_from;
	for (int32_t y = 0; y < b->height; y++) {
		uint32_t *row = (uint32_t *)((char *)b->data + (size_t)y * (size_t)b->stride);
		for (int32_t x = 0; x < b->width; x++) {
			bool zone = in_zone(&zones[0], x, y) || in_zone(&zones[1], x, y);
			if (frame == 0 || zone)
				row[x] = pattern_pixel(x, y, app->seed + (uint32_t)frame);
			else if (poison)
				row[x] = MAGENTA;
		}
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
commit_frame(struct app *app, const struct zone zones[2], int frame)
{
	struct wl_surface *surface = app->window->surface;
	paint(app, zones, frame);
	wl_surface_attach(surface, app->buffer.wl_buffer, 0, 0);
	if (frame == 0) {
		wl_surface_damage_buffer(surface, 0, 0, app->buffer.width,
					 app->buffer.height);
	} else {
		for (int i = 0; i < 2; i++)
			wl_surface_damage_buffer(surface, zones[i].x, zones[i].y,
						 zones[i].w, zones[i].h);
	}
	wl_callback_add_listener(wl_surface_frame(surface), &frame_listener, app);
	app->frame_done = false;
	wl_surface_commit(surface);
	while (!app->frame_done)
		tc_globals_dispatch(app->globals, "waiting for a frame callback");
}

int
main(int argc, char **argv)
{
	struct app app = { .frames = 12, .poison_from = 6 };
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			app.seed = (uint32_t)strtoul(argv[++i], NULL, 0);
		} else if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc) {
			app.frames = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--poison-from") == 0 && i + 1 < argc) {
			app.poison_from = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: poison-client [--seed S] [--frames N] "
				"[--poison-from P]\n");
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	app.globals = tc_globals_create("poison-client", &(struct tc_globals_options){
		.compositor_version = 4, /* damage_buffer */
	});
	if (!app.globals)
		return 2;
	if (app.globals->compositor_version < 4) {
		fprintf(stderr, "poison-client: wl_compositor v4 needed\n");
		return 2;
	}
	app.window = tc_window_create(app.globals, &(struct tc_window_options){
		.title = "poison-client",
		.fullscreen = true,
	});
	if (!app.window || !tc_window_wait_configure(app.window))
		tc_globals_die(app.globals, "waiting for the first configure");
	int32_t w = app.window->width, h = app.window->height;
	if (w < 400 || h < 300) {
		fprintf(stderr, "poison-client: configured %dx%d, too small\n", w, h);
		return 2;
	}
	if (!tc_buffer_init(&app.buffer, app.globals->shm, w, h, w * 4,
			    WL_SHM_FORMAT_XRGB8888, 0)) {
		perror("poison-client: shm buffer");
		return 2;
	}
	const struct zone zones[2] = {
		{ 40, 30, 96, 64 },
		{ w - 180, h - 120, 120, 80 },
	};
	printf("ZONES %d,%d,%d,%d;%d,%d,%d,%d\n", zones[0].x, zones[0].y, zones[0].w,
	       zones[0].h, zones[1].x, zones[1].y, zones[1].w, zones[1].h);
	printf("CONFIGURED %dx%d\n", w, h);
	for (int f = 0; f <= app.frames; f++)
		commit_frame(&app, zones, f);
	tc_globals_roundtrip(app.globals, "after the last frame");
	printf("END\n");

	tc_window_run_until_closed(app.window);
	tc_buffer_finish(&app.buffer);
	tc_window_destroy(app.window);
	tc_globals_destroy(app.globals);
	return 0;
}
