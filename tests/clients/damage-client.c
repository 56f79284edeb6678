/*
 * damage-client: a deterministic partial-damage animation for the e2e suite
 * (tests/e2e/test_copy_pixels.py, test_copy_damage.py).
 *
 * A fullscreen xdg_toplevel.  Frame 0 fills the whole buffer; every later
 * frame f changes a few rectangles chosen by a seeded generator, damages
 * exactly those and commits, then waits for the frame callback.  Buffers
 * rotate (up to --buffers of them, least recently used first); one is
 * reused only after its wl_buffer.release, and then only what changed since
 * it was last drawn is redrawn (buffer age).  tests/e2e/wlgp.py holds the
 * same rules in Python (DamageSpec).
 *
 * Content.  The buffer is a grid of B x B cells (B = --block).  Each cell
 * holds the seed of the last frame that painted it; frame 0 paints all
 * cells with seed S (--seed), frame f >= 1 paints its rectangles with seed
 * S + f.  A pixel in cell (u, v) of seed s is XRGB8888
 *   R = (u*7 + s*31) & 0xff, G = (v*5 + s*17) & 0xff,
 *   B = ((u+v)*3 + s*59) & 0xff, X = 0xff.
 *
 * Rectangles.  xorshift32, state = (S * 2654435761 + 0x9e3779b9) mod 2^32
 * (1 if that is 0).  Per frame: n = 1 + next() % 3 rectangles, each
 *   w = 1 + next() % max(1, AW/8), h = 1 + next() % max(1, AH/8),
 *   x = AX + next() % (AW - w + 1), y = AY + next() % (AH - h + 1)
 * in cells, where (AX, AY, AW, AH) is the area rectangles are drawn from:
 * the whole buffer, or with --viewport and --surface-damage the viewport
 * source (damage outside it cannot be expressed in surface coordinates).
 * A frame at which the size changes (--resize-at) paints everything instead
 * and draws no rectangles.
 *
 * Options:
 *   --frames N           frames to draw (default 40)
 *   --seed S             (default 1)
 *   --buffers K          wl_buffers in rotation, 1..4 (default 3)
 *   --block B            cell size in buffer pixels (default 1)
 *   --surface-damage     wl_surface.damage in surface coordinates instead of
 *                        wl_surface.damage_buffer (the mapping must be exact:
 *                        pick B so that rectangles map to whole pixels)
 *   --scale N            wl_surface.set_buffer_scale N (buffer N times the
 *                        surface size)
 *   --transform T        wl_surface.set_buffer_transform: 0..7 or normal, 90,
 *                        180, 270, flipped, flipped-90, flipped-180,
 *                        flipped-270 (buffer dimensions swapped for 90/270)
 *   --viewport X,Y,W,H   wp_viewport source rectangle (buffer pixels; needs
 *                        scale 1, transform normal), destination = the
 *                        configured size; the buffer is (2X+W) x (2Y+H)
 *   --resize-at F        from frame F on, the surface is --resize-to WxH
 *   --resize-to WxH      (fullscreen: weston centres a smaller surface)
 *   --no-frame-wait      commit the next frame without waiting for the frame
 *                        callback (only for an idle buffer); END waits for
 *                        the last commit's frame callback
 *   --size WxH           surface size instead of the configured one
 *                        (fullscreen: weston centres a smaller surface)
 *   --format F           xrgb8888 (default) or rgb565 (the 8-bit values
 *                        above, truncated to 5/6/5 bits)
 *   --stride-pad N       N extra bytes at the end of every row (N a
 *                        multiple of the pixel size)
 *   --offset N           the buffer starts N bytes into its pool
 *   --damage-everything  damage (0, 0, INT32_MAX, INT32_MAX) every frame (in
 *                        surface or buffer coordinates) instead of the
 *                        changed rectangles; reported as the whole buffer,
 *                        or the viewport source for surface damage (the
 *                        surface shows nothing else)
 *   --scribble           after END, overwrite every buffer's memory with
 *                        magenta (no commit) and print SCRIBBLED
 *   --exit               exit 0 after END instead of staying up
 *
 * Output (stdout):
 *   SURFACE id=<wl_surface id> pid=<pid>
 *   CONFIGURED <w>x<h>
 *   DONE frames=<N>
 *   COMMIT n=<surface commit number, from 1 with the initial bufferless
 *          commit> frame=<f> slot=<buffer slot> buffer=<wl_buffer id>
 *          size=<w>x<h> seed=<s> release=<event seq or 0>
 *          frame_done=<event seq> damage=<x,y,w,h;...>   (one line per
 *          buffer commit; damage in buffer pixels)
 *   END
 *   SCRIBBLED                         (--scribble)
 *   INEXACT ...                       (on stderr, if a surface-damage
 *                                      rectangle did not map to whole pixels)
 * "release" and "frame_done" number the wl_buffer.release of that commit's
 * buffer and the commit's frame callback in the order they arrived (0: no
 * release arrived before END).  Stays up afterwards (answering pings)
 * until killed.  Exit status: 2 on connection/protocol errors, 1 on usage.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wayland-client.h>

#include "tc-shm.h"
#include "tc-viewporter-client-protocol.h"
#include "tc-wayland.h"
#include "tc-window.h"

#define MAX_BUFFERS 4
#define MAX_RECTS 3
#define MAGENTA 0xffff00ffu

struct rect {
	int32_t x, y, w, h; /* buffer pixels */
};

struct frame_info {
	int32_t bw, bh;
	uint32_t seed;
	bool full;
	unsigned nrects;
	struct rect rects[MAX_RECTS];
};

struct record {
	struct app *app;
	unsigned commit;
	int frame;
	int slot;
	uint32_t buffer_id;
	int32_t bw, bh;
	uint32_t seed;
	uint64_t release_seq, frame_seq;
};

struct buffer {
	struct tc_buffer shm;
	int last_frame;       /* frame whose content it holds; -1: none */
	uint64_t last_used;
	int last_record;      /* record of the last commit that attached it */
	struct app *app;
};

struct app {
	struct tc_globals *globals;
	struct wp_viewporter *viewporter;
	struct tc_window *window;
	struct wl_surface *surface; /* the window's */
	struct wp_viewport *viewport;

	int32_t conf_width, conf_height; /* of the first configure */

	/* current geometry */
	int32_t sw, sh;   /* surface size */
	int32_t bw, bh;   /* buffer size */
	int32_t cw, ch;   /* cells */
	uint16_t *cells;  /* seed of each cell */

	struct buffer buffers[MAX_BUFFERS];
	uint64_t use_counter;

	struct frame_info *frames;
	struct record *records;
	unsigned nrecords;
	unsigned commits;
	uint64_t evseq;
	unsigned frames_pending;

	uint32_t rng;

	/* options */
	unsigned nframes;
	uint32_t seed;
	unsigned nbuffers;
	int32_t block;
	bool surface_damage;
	int32_t scale;
	int32_t transform;
	bool has_viewport;
	int32_t vx, vy, vw, vh;
	int resize_at;
	int32_t resize_w, resize_h;
	bool scribble;
	bool exit_after;
	bool no_frame_wait;
	int32_t size_w, size_h;
	uint32_t format;
	int32_t bpp;
	int32_t stride_pad;
	int32_t offset;
	bool damage_everything;
};

static void
fail(const char *msg)
{
	fprintf(stderr, "damage-client: %s\n", msg);
	exit(2);
}

/* ---- deterministic content -------------------------------------------- */

static uint32_t
rng_next(struct app *app)
{
	uint32_t x = app->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	app->rng = x;
	return x;
}

static inline uint32_t
cell_pixel(int32_t u, int32_t v, uint32_t s)
{
	uint32_t r = ((uint32_t)u * 7u + s * 31u) & 0xffu;
	uint32_t g = ((uint32_t)v * 5u + s * 17u) & 0xffu;
	uint32_t b = ((uint32_t)(u + v) * 3u + s * 59u) & 0xffu;
	return 0xff000000u | (r << 16) | (g << 8) | b;
}

/* Redraws rectangle r of buf from the cell seeds. */
static void
draw_rect(struct app *app, struct buffer *buf, const struct rect *r)
{
	int32_t bsz = app->block;
	for (int32_t y = r->y; y < r->y + r->h; y++) {
		char *row = (char *)buf->shm.data + (size_t)y * (size_t)buf->shm.stride;
		int32_t v = y / bsz;
		const uint16_t *cells = app->cells + (size_t)v * (size_t)app->cw;
		for (int32_t x = r->x; x < r->x + r->w; x++) {
			int32_t u = x / bsz;
			uint32_t p = cell_pixel(u, v, cells[u]);
			if (app->bpp == 4) {
				((uint32_t *)row)[x] = p;
			} else {
				((uint16_t *)row)[x] = (uint16_t)(((p >> 8) & 0xf800u) |
								  ((p >> 5) & 0x07e0u) |
								  ((p >> 3) & 0x001fu));
			}
		}
	}
}

static void
paint_cells(struct app *app, const struct rect *r, uint32_t seed)
{
	int32_t bsz = app->block;
	for (int32_t v = r->y / bsz; v < (r->y + r->h) / bsz; v++)
		for (int32_t u = r->x / bsz; u < (r->x + r->w) / bsz; u++)
			app->cells[(size_t)v * (size_t)app->cw + (size_t)u] = (uint16_t)seed;
}

/* ---- geometry --------------------------------------------------------- */

static bool
transform_swaps(int32_t t)
{
	return t & 1; /* 90, 270, flipped-90, flipped-270 */
}

static void
set_geometry(struct app *app, int32_t sw, int32_t sh)
{
	app->sw = sw;
	app->sh = sh;
	if (app->has_viewport) {
		app->bw = 2 * app->vx + app->vw;
		app->bh = 2 * app->vy + app->vh;
	} else if (transform_swaps(app->transform)) {
		app->bw = sh * app->scale;
		app->bh = sw * app->scale;
	} else {
		app->bw = sw * app->scale;
		app->bh = sh * app->scale;
	}
	if (app->bw % app->block || app->bh % app->block)
		fail("buffer size is not a multiple of --block");
	app->cw = app->bw / app->block;
	app->ch = app->bh / app->block;
	free(app->cells);
	app->cells = calloc((size_t)app->cw * (size_t)app->ch, sizeof *app->cells);
	if (!app->cells)
		fail("out of memory");
}

/* Buffer point (bx, by), already divided by the scale, to surface
 * coordinates: the inverse of weston_transformed_coord, with W x H the
 * surface size. */
static void
buffer_to_surface_point(int32_t t, int32_t W, int32_t H, int32_t bx, int32_t by,
			int32_t *sx, int32_t *sy)
{
	switch (t) {
	default:
	case WL_OUTPUT_TRANSFORM_NORMAL:      *sx = bx;     *sy = by;     break;
	case WL_OUTPUT_TRANSFORM_FLIPPED:     *sx = W - bx; *sy = by;     break;
	case WL_OUTPUT_TRANSFORM_90:          *sx = W - by; *sy = bx;     break;
	case WL_OUTPUT_TRANSFORM_FLIPPED_90:  *sx = by;     *sy = bx;     break;
	case WL_OUTPUT_TRANSFORM_180:         *sx = W - bx; *sy = H - by; break;
	case WL_OUTPUT_TRANSFORM_FLIPPED_180: *sx = bx;     *sy = H - by; break;
	case WL_OUTPUT_TRANSFORM_270:         *sx = by;     *sy = H - bx; break;
	case WL_OUTPUT_TRANSFORM_FLIPPED_270: *sx = W - by; *sy = H - bx; break;
	}
}

static int32_t
min32(int32_t a, int32_t b)
{
	return a < b ? a : b;
}

static int32_t
max32(int32_t a, int32_t b)
{
	return a > b ? a : b;
}

/* Maps a buffer rectangle to surface coordinates; false if not exact. */
static bool
buffer_rect_to_surface(struct app *app, const struct rect *r, struct rect *out)
{
	int32_t x0 = r->x, y0 = r->y, x1 = r->x + r->w, y1 = r->y + r->h;
	if (app->has_viewport) {
		int64_t X0 = (int64_t)(x0 - app->vx) * app->sw;
		int64_t X1 = (int64_t)(x1 - app->vx) * app->sw;
		int64_t Y0 = (int64_t)(y0 - app->vy) * app->sh;
		int64_t Y1 = (int64_t)(y1 - app->vy) * app->sh;
		bool exact = X0 % app->vw == 0 && X1 % app->vw == 0 &&
			     Y0 % app->vh == 0 && Y1 % app->vh == 0;
		X0 /= app->vw;
		X1 = (X1 + app->vw - 1) / app->vw;
		Y0 /= app->vh;
		Y1 = (Y1 + app->vh - 1) / app->vh;
		*out = (struct rect){ (int32_t)X0, (int32_t)Y0, (int32_t)(X1 - X0),
				      (int32_t)(Y1 - Y0) };
		return exact;
	}
	int32_t s = app->scale;
	bool exact = x0 % s == 0 && y0 % s == 0 && x1 % s == 0 && y1 % s == 0;
	x0 /= s;
	y0 /= s;
	x1 = (x1 + s - 1) / s;
	y1 = (y1 + s - 1) / s;
	int32_t ax, ay, bx, by;
	buffer_to_surface_point(app->transform, app->sw, app->sh, x0, y0, &ax, &ay);
	buffer_to_surface_point(app->transform, app->sw, app->sh, x1, y1, &bx, &by);
	*out = (struct rect){ min32(ax, bx), min32(ay, by), abs(bx - ax), abs(by - ay) };
	return exact;
}

/* ---- buffers ---------------------------------------------------------- */

/* The release of the last commit that attached buf is numbered. */
static void
buffer_release(struct tc_buffer *shm)
{
	struct buffer *buf = wl_container_of(shm, buf, shm);
	struct app *app = buf->app;
	if (buf->last_record >= 0 && app->records[buf->last_record].release_seq == 0)
		app->records[buf->last_record].release_seq = ++app->evseq;
}

static void
buffer_destroy(struct buffer *buf)
{
	tc_buffer_finish(&buf->shm);
	*buf = (struct buffer){ .app = buf->app, .last_frame = -1, .last_record = -1 };
}

static void
buffer_create(struct app *app, struct buffer *buf)
{
	int32_t stride = app->bw * app->bpp + app->stride_pad;
	if (!tc_buffer_init(&buf->shm, app->globals->shm, app->bw, app->bh, stride,
			    app->format, app->offset)) {
		perror("damage-client: shm buffer");
		exit(2);
	}
	buf->shm.release = buffer_release;
	buf->last_frame = -1;
	buf->last_record = -1;
}

/* A buffer to draw frame f into: a slot never used yet first (so that K
 * buffers really rotate even when releases come at once), else the least
 * recently used idle one; NULL if all are busy. */
static struct buffer *
pick_buffer(struct app *app)
{
	for (unsigned i = 0; i < app->nbuffers; i++) {
		struct buffer *b = &app->buffers[i];
		if (!b->shm.wl_buffer) {
			buffer_create(app, b);
			return b;
		}
	}
	struct buffer *best = NULL;
	for (unsigned i = 0; i < app->nbuffers; i++) {
		struct buffer *b = &app->buffers[i];
		if (b->shm.busy)
			continue;
		if (!best || b->last_used < best->last_used)
			best = b;
	}
	if (best && (best->shm.width != app->bw || best->shm.height != app->bh)) {
		buffer_destroy(best);
		buffer_create(app, best);
	}
	return best;
}

/* ---- frames ----------------------------------------------------------- */

static const struct wl_callback_listener frame_listener;

static void
generate_frame(struct app *app, int f)
{
	struct frame_info *fi = &app->frames[f];
	fi->seed = app->seed + (uint32_t)f;
	if (f == app->resize_at)
		set_geometry(app, app->resize_w, app->resize_h);
	fi->bw = app->bw;
	fi->bh = app->bh;
	if (f == 0 || f == app->resize_at) {
		fi->full = true;
		fi->nrects = 1;
		fi->rects[0] = (struct rect){ 0, 0, app->bw, app->bh };
		paint_cells(app, &fi->rects[0], fi->seed);
		return;
	}
	int32_t ax = 0, ay = 0, aw = app->cw, ah = app->ch;
	if (app->has_viewport && app->surface_damage) {
		ax = app->vx / app->block;
		ay = app->vy / app->block;
		aw = app->vw / app->block;
		ah = app->vh / app->block;
	}
	fi->nrects = 1 + rng_next(app) % 3;
	for (unsigned i = 0; i < fi->nrects; i++) {
		int32_t w = 1 + (int32_t)(rng_next(app) % (uint32_t)max32(1, aw / 8));
		int32_t h = 1 + (int32_t)(rng_next(app) % (uint32_t)max32(1, ah / 8));
		int32_t x = ax + (int32_t)(rng_next(app) % (uint32_t)(aw - w + 1));
		int32_t y = ay + (int32_t)(rng_next(app) % (uint32_t)(ah - h + 1));
		int32_t b = app->block;
		fi->rects[i] = (struct rect){ x * b, y * b, w * b, h * b };
		paint_cells(app, &fi->rects[i], fi->seed);
	}
}

static void
draw_frame(struct app *app, int f)
{
	struct buffer *buf;
	if (!(buf = pick_buffer(app)))
		fail("no idle buffer"); /* callers wait for one first */
	const struct frame_info *fi = &app->frames[f];

	/* Buffer age: redraw everything changed since this buffer's frame. */
	if (buf->last_frame < 0 || app->frames[buf->last_frame].bw != fi->bw ||
	    app->frames[buf->last_frame].bh != fi->bh) {
		struct rect all = { 0, 0, app->bw, app->bh };
		draw_rect(app, buf, &all);
	} else {
		for (int g = buf->last_frame + 1; g <= f; g++)
			for (unsigned i = 0; i < app->frames[g].nrects; i++)
				draw_rect(app, buf, &app->frames[g].rects[i]);
	}

	wl_surface_attach(app->surface, buf->shm.wl_buffer, 0, 0);
	if (app->damage_everything) {
		if (app->surface_damage)
			wl_surface_damage(app->surface, 0, 0, INT32_MAX, INT32_MAX);
		else
			wl_surface_damage_buffer(app->surface, 0, 0, INT32_MAX, INT32_MAX);
	}
	for (unsigned i = 0; i < fi->nrects && !app->damage_everything; i++) {
		const struct rect *r = &fi->rects[i];
		if (app->surface_damage) {
			struct rect s;
			if (!buffer_rect_to_surface(app, r, &s))
				fprintf(stderr, "INEXACT frame %d rect %d,%d,%d,%d\n", f,
					r->x, r->y, r->w, r->h);
			wl_surface_damage(app->surface, s.x, s.y, s.w, s.h);
		} else {
			wl_surface_damage_buffer(app->surface, r->x, r->y, r->w, r->h);
		}
	}
	struct record *rec = &app->records[app->nrecords];
	struct wl_callback *cb = wl_surface_frame(app->surface);
	wl_callback_add_listener(cb, &frame_listener, rec);
	wl_surface_commit(app->surface);

	*rec = (struct record){
		.app = app,
		.commit = ++app->commits,
		.frame = f,
		.slot = (int)(buf - app->buffers),
		.buffer_id = wl_proxy_get_id((struct wl_proxy *)buf->shm.wl_buffer),
		.bw = buf->shm.width,
		.bh = buf->shm.height,
		.seed = fi->seed,
	};
	buf->last_record = (int)app->nrecords;
	app->nrecords++;
	buf->shm.busy = true;
	buf->last_frame = f;
	buf->last_used = ++app->use_counter;
	app->frames_pending++;
}

static void
frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	(void)time;
	struct record *rec = data;
	struct app *app = rec->app;
	wl_callback_destroy(cb);
	rec->frame_seq = ++app->evseq;
	app->frames_pending--;
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

/* ---- window and globals ----------------------------------------------- */

/* The size of the first configure is the one the frames are drawn at. */
static void
window_configure(struct tc_window *window, void *data)
{
	struct app *app = data;
	if (window->configures == 1) {
		app->conf_width = window->width;
		app->conf_height = window->height;
	}
}

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct app *app = data;
	if (strcmp(interface, wp_viewporter_interface.name) == 0)
		app->viewporter = wl_registry_bind(registry, name, &wp_viewporter_interface, 1);
}

/* ---- main loop -------------------------------------------------------- */

static void
dispatch(struct app *app)
{
	tc_globals_dispatch(app->globals, "dispatch");
}

static bool
any_idle(struct app *app)
{
	for (unsigned i = 0; i < app->nbuffers; i++)
		if (!app->buffers[i].shm.wl_buffer || !app->buffers[i].shm.busy)
			return true;
	return false;
}

static void
app_finish(struct app *app)
{
	for (unsigned i = 0; i < MAX_BUFFERS; i++)
		tc_buffer_finish(&app->buffers[i].shm);
	if (app->viewport)
		wp_viewport_destroy(app->viewport);
	if (app->viewporter)
		wp_viewporter_destroy(app->viewporter);
	tc_window_destroy(app->window);
	tc_globals_destroy(app->globals);
	free(app->cells);
	free(app->frames);
	free(app->records);
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: damage-client [--frames N] [--seed S] [--buffers K] [--block B]\n"
		"       [--surface-damage] [--scale N] [--transform T] [--viewport X,Y,W,H]\n"
		"       [--resize-at F --resize-to WxH] [--no-frame-wait] [--size WxH]\n"
		"       [--format xrgb8888|rgb565] [--stride-pad N] [--offset N]\n"
		"       [--damage-everything] [--scribble] [--exit]\n");
	exit(1);
}

static int32_t
parse_transform(const char *s)
{
	static const char *const names[] = {
		"normal", "90", "180", "270",
		"flipped", "flipped-90", "flipped-180", "flipped-270",
	};
	for (int i = 0; i < 8; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	char *end;
	long v = strtol(s, &end, 0);
	if (*end || v < 0 || v > 7)
		usage();
	return (int32_t)v;
}

static void
parse_args(struct app *app, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_value = i + 1 < argc;
		if (strcmp(a, "--frames") == 0 && has_value) {
			long n = strtol(argv[++i], NULL, 0);
			if (n < 1 || n > 100000)
				usage();
			app->nframes = (unsigned)n;
		} else if (strcmp(a, "--seed") == 0 && has_value) {
			app->seed = (uint32_t)strtoul(argv[++i], NULL, 0);
		} else if (strcmp(a, "--buffers") == 0 && has_value) {
			long n = strtol(argv[++i], NULL, 0);
			if (n < 1 || n > MAX_BUFFERS)
				usage();
			app->nbuffers = (unsigned)n;
		} else if (strcmp(a, "--block") == 0 && has_value) {
			app->block = (int32_t)strtol(argv[++i], NULL, 0);
			if (app->block < 1 || app->block > 64)
				usage();
		} else if (strcmp(a, "--surface-damage") == 0) {
			app->surface_damage = true;
		} else if (strcmp(a, "--scale") == 0 && has_value) {
			app->scale = (int32_t)strtol(argv[++i], NULL, 0);
			if (app->scale < 1 || app->scale > 8)
				usage();
		} else if (strcmp(a, "--transform") == 0 && has_value) {
			app->transform = parse_transform(argv[++i]);
		} else if (strcmp(a, "--viewport") == 0 && has_value) {
			if (sscanf(argv[++i], "%d,%d,%d,%d", &app->vx, &app->vy, &app->vw,
				   &app->vh) != 4 || app->vx < 0 || app->vy < 0 ||
			    app->vw <= 0 || app->vh <= 0)
				usage();
			app->has_viewport = true;
		} else if (strcmp(a, "--resize-at") == 0 && has_value) {
			app->resize_at = (int)strtol(argv[++i], NULL, 0);
			if (app->resize_at < 1)
				usage();
		} else if (strcmp(a, "--resize-to") == 0 && has_value) {
			if (sscanf(argv[++i], "%dx%d", &app->resize_w, &app->resize_h) != 2 ||
			    app->resize_w <= 0 || app->resize_h <= 0)
				usage();
		} else if (strcmp(a, "--scribble") == 0) {
			app->scribble = true;
		} else if (strcmp(a, "--size") == 0 && has_value) {
			if (sscanf(argv[++i], "%dx%d", &app->size_w, &app->size_h) != 2 ||
			    app->size_w <= 0 || app->size_h <= 0)
				usage();
		} else if (strcmp(a, "--format") == 0 && has_value) {
			const char *f = argv[++i];
			if (strcmp(f, "xrgb8888") == 0) {
				app->format = WL_SHM_FORMAT_XRGB8888;
				app->bpp = 4;
			} else if (strcmp(f, "rgb565") == 0) {
				app->format = WL_SHM_FORMAT_RGB565;
				app->bpp = 2;
			} else {
				usage();
			}
		} else if (strcmp(a, "--stride-pad") == 0 && has_value) {
			app->stride_pad = (int32_t)strtol(argv[++i], NULL, 0);
			if (app->stride_pad < 0 || app->stride_pad > 4096)
				usage();
		} else if (strcmp(a, "--offset") == 0 && has_value) {
			app->offset = (int32_t)strtol(argv[++i], NULL, 0);
			if (app->offset < 0 || app->offset > (1 << 20))
				usage();
		} else if (strcmp(a, "--damage-everything") == 0) {
			app->damage_everything = true;
		} else if (strcmp(a, "--no-frame-wait") == 0) {
			app->no_frame_wait = true;
		} else if (strcmp(a, "--exit") == 0) {
			app->exit_after = true;
		} else {
			usage();
		}
	}
	if (app->has_viewport && (app->scale != 1 || app->transform != 0 ||
				  app->resize_at > 0))
		usage();
	if (app->resize_at > 0 && app->resize_w <= 0)
		usage();
	if (app->stride_pad % app->bpp || app->offset % app->bpp)
		usage();
}

int
main(int argc, char **argv)
{
	struct app app = {
		.nframes = 40,
		.seed = 1,
		.nbuffers = 3,
		.block = 1,
		.scale = 1,
		.resize_at = -1,
		.format = WL_SHM_FORMAT_XRGB8888,
		.bpp = 4,
	};
	parse_args(&app, argc, argv);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	for (int i = 0; i < MAX_BUFFERS; i++) {
		app.buffers[i].app = &app;
		app.buffers[i].last_frame = -1;
		app.buffers[i].last_record = -1;
	}
	app.rng = app.seed * 2654435761u + 0x9e3779b9u;
	if (app.rng == 0)
		app.rng = 1;
	app.frames = calloc(app.nframes, sizeof *app.frames);
	app.records = calloc(app.nframes, sizeof *app.records);
	if (!app.frames || !app.records)
		fail("out of memory");

	app.globals = tc_globals_create("damage-client", &(struct tc_globals_options){
		.compositor_version = 4,
		.global = registry_global,
		.data = &app,
	});
	if (!app.globals)
		return 2;
	if (app.globals->compositor_version < 4 && !app.surface_damage)
		fail("wl_compositor < 4: no damage_buffer");
	if (app.has_viewport && !app.viewporter)
		fail("no wp_viewporter");

	app.window = tc_window_create(app.globals, &(struct tc_window_options){
		.title = "damage-client",
		.app_id = "wlgp-damage-client",
		.fullscreen = true,
		.configure = window_configure,
		.data = &app,
	});
	if (!app.window)
		return 2;
	app.surface = app.window->surface;
	app.commits++;
	printf("SURFACE id=%u pid=%d\n",
	       wl_proxy_get_id((struct wl_proxy *)app.surface), (int)getpid());
	fflush(stdout);

	if (!tc_window_wait_configure(app.window))
		tc_globals_die(app.globals, "dispatch");
	if (app.conf_width <= 0 || app.conf_height <= 0) {
		app.conf_width = 640;
		app.conf_height = 480;
	}
	printf("CONFIGURED %dx%d\n", app.conf_width, app.conf_height);
	fflush(stdout);

	if (app.size_w > 0)
		set_geometry(&app, app.size_w, app.size_h);
	else
		set_geometry(&app, app.conf_width, app.conf_height);
	if (app.scale != 1)
		wl_surface_set_buffer_scale(app.surface, app.scale);
	if (app.transform != 0)
		wl_surface_set_buffer_transform(app.surface, app.transform);
	if (app.has_viewport) {
		app.viewport = wp_viewporter_get_viewport(app.viewporter, app.surface);
		wp_viewport_set_source(app.viewport, wl_fixed_from_int(app.vx),
				       wl_fixed_from_int(app.vy), wl_fixed_from_int(app.vw),
				       wl_fixed_from_int(app.vh));
		wp_viewport_set_destination(app.viewport, app.sw, app.sh);
	}

	for (unsigned f = 0; f < app.nframes && !app.window->closed; f++) {
		generate_frame(&app, (int)f);
		while (!any_idle(&app))
			dispatch(&app);
		draw_frame(&app, (int)f);
		while (app.frames_pending && !app.no_frame_wait && !app.window->closed)
			dispatch(&app);
	}
	/* The last commit's frame callback (and any still outstanding). */
	while (app.frames_pending && !app.window->closed)
		dispatch(&app);
	tc_globals_roundtrip(app.globals, "roundtrip");

	printf("DONE frames=%u\n", app.nframes);
	for (unsigned i = 0; i < app.nrecords; i++) {
		const struct record *r = &app.records[i];
		const struct frame_info *fi = &app.frames[r->frame];
		printf("COMMIT n=%u frame=%d slot=%d buffer=%u size=%dx%d seed=%u "
		       "release=%llu frame_done=%llu damage=",
		       r->commit, r->frame, r->slot, r->buffer_id, r->bw, r->bh, r->seed,
		       (unsigned long long)r->release_seq,
		       (unsigned long long)r->frame_seq);
		if (app.damage_everything && app.surface_damage && app.has_viewport)
			printf("%d,%d,%d,%d", app.vx, app.vy, app.vw, app.vh);
		else if (app.damage_everything)
			printf("0,0,%d,%d", r->bw, r->bh);
		for (unsigned k = 0; k < fi->nrects && !app.damage_everything; k++)
			printf("%s%d,%d,%d,%d", k ? ";" : "", fi->rects[k].x, fi->rects[k].y,
			       fi->rects[k].w, fi->rects[k].h);
		printf("\n");
	}
	printf("END\n");
	fflush(stdout);

	if (app.scribble) {
		for (unsigned i = 0; i < app.nbuffers; i++) {
			struct tc_buffer *b = &app.buffers[i].shm;
			if (!b->data)
				continue;
			for (int32_t y = 0; y < b->height; y++) {
				char *row = (char *)b->data + (size_t)y * (size_t)b->stride;
				for (int32_t x = 0; x < b->width; x++) {
					if (app.bpp == 4)
						((uint32_t *)row)[x] = MAGENTA;
					else
						((uint16_t *)row)[x] = 0xf81fu;
				}
			}
		}
		printf("SCRIBBLED\n");
		fflush(stdout);
	}
	if (!app.exit_after) {
		tc_window_run_until_closed(app.window);
		printf("CLOSED\n");
	}
	app_finish(&app);
	return 0;
}
