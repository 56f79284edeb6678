/*
 * dnd-client: one end of a drag and drop, for the e2e suite.
 *
 *   dnd-client --source TEXT [--icon] [--color 0xRRGGBB]
 *       maps a window; a pointer button pressed on it starts a drag offering
 *       text/plain (copy), and every wl_data_source.send gets TEXT.  With
 *       --icon the drag has a 24x24 icon surface of colour 0x2040e0.
 *   dnd-client --target [--color 0xRRGGBB]
 *       maps a window that accepts text/plain (copy) and, on drop, reads it
 *       all and prints it.
 *   dnd-client --selection TEXT [--color 0xRRGGBB]
 *       maps a window and, at its first keyboard focus, sets the clipboard
 *       selection to a source offering application/x-wlgp-test (weston
 *       keeps a copy of text selections) that sends TEXT, and
 *       prints "SELECTION SET" once the compositor has it.
 *   --send-stall-ms N (with --source or --selection): every send writes
 *       the first half of TEXT, then stops N ms with the pipe open (a
 *       stalled source), then writes the rest; it prints
 *       "STALL from=<ms> to=<ms>" (CLOCK_MONOTONIC, Python's
 *       time.monotonic()) when the stall is over.
 *
 * Prints "READY" once its window is on screen, then what happens:
 *   DRAG STARTED | SEND mime=M | DROP_PERFORMED | FINISHED | CANCELLED
 *   ENTER | DROP mime=M bytes=N hex=HEX | SELECTION SET | STALL ...
 * Runs until killed.  Exit status 2 on a connection or protocol error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wayland-client.h>

#include "tc-shm.h"
#include "tc-wayland.h"
#include "tc-window.h"

#define MIME "text/plain"
/* Not text: weston's clipboard manager would otherwise read a text
 * selection itself the moment it is set, and pasters would get its copy. */
#define SELECTION_MIME "application/x-wlgp-test"
#define ICON_COLOR 0x2040e0
#define WIDTH 120
#define HEIGHT 90
#define ICON_SIZE 24

struct app {
	struct tc_globals *globals;
	struct wl_pointer *pointer;
	struct wl_keyboard *keyboard;
	struct wl_data_device_manager *ddm;
	struct wl_data_device *device;

	struct tc_window *window;
	struct wl_buffer *buffer;
	bool ready;

	const char *text;          /* --source or --selection */
	bool selection;            /* --selection */
	long stall_ms;             /* --send-stall-ms */
	struct wl_data_source *selection_source;
	bool selection_asked;      /* at the first keyboard focus only */
	bool icon;                 /* --icon */
	struct wl_surface *icon_surface;
	bool target;               /* --target */
	struct wl_data_source *source;
	struct wl_data_offer *offer; /* the one entered with */
	uint32_t color;
};

/* ---- drag source ------------------------------------------------------ */

static void
source_target(void *data, struct wl_data_source *source, const char *mime)
{
	printf("TARGET mime=%s\n", mime ? mime : "(none)");
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
write_all(int fd, const char *p, size_t left)
{
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		left -= (size_t)n;
	}
}

/* With --send-stall-ms the reader gets half, then nothing for a while
 * from a pipe that stays open: what a slow application looks like to
 * whoever copies from it. */
static void
source_send(void *data, struct wl_data_source *source, const char *mime, int fd)
{
	struct app *app = data;
	printf("SEND mime=%s\n", mime);
	size_t len = strlen(app->text), half = app->stall_ms > 0 ? len / 2 : len;
	write_all(fd, app->text, half);
	if (app->stall_ms > 0) {
		double from = now_ms();
		struct timespec pause = { .tv_sec = app->stall_ms / 1000,
					  .tv_nsec = (app->stall_ms % 1000) * 1000000L };
		while (nanosleep(&pause, &pause) < 0 && errno == EINTR)
			;
		printf("STALL from=%.3f to=%.3f\n", from, now_ms());
		write_all(fd, app->text + half, len - half);
	}
	close(fd);
}

static void
source_done(struct app *app, const char *what)
{
	printf("%s\n", what);
	wl_data_source_destroy(app->source);
	app->source = NULL;
}

static void
source_cancelled(void *data, struct wl_data_source *source)
{
	source_done(data, "CANCELLED");
}

static void
source_dnd_drop_performed(void *data, struct wl_data_source *source)
{
	printf("DROP_PERFORMED\n");
}

static void
source_dnd_finished(void *data, struct wl_data_source *source)
{
	source_done(data, "FINISHED");
}

static void
source_action(void *data, struct wl_data_source *source, uint32_t action)
{
	printf("ACTION %u\n", action);
}

static const struct wl_data_source_listener source_listener = {
	.target = source_target,
	.send = source_send,
	.cancelled = source_cancelled,
	.dnd_drop_performed = source_dnd_drop_performed,
	.dnd_finished = source_dnd_finished,
	.action = source_action,
};

static void
selection_cancelled(void *data, struct wl_data_source *source)
{
	struct app *app = data;
	printf("SELECTION CANCELLED\n");
	wl_data_source_destroy(source);
	app->selection_source = NULL;
}

static const struct wl_data_source_listener selection_source_listener = {
	.target = source_target,
	.send = source_send,
	.cancelled = selection_cancelled,
};

static void
selection_set_done(void *data, struct wl_callback *cb, uint32_t serial)
{
	wl_callback_destroy(cb);
	printf("SELECTION SET\n");
}

static const struct wl_callback_listener selection_set_listener = {
	.done = selection_set_done,
};

static void
set_selection(struct app *app, uint32_t serial)
{
	if (app->selection_source)
		return;
	app->selection_source = wl_data_device_manager_create_data_source(app->ddm);
	wl_data_source_add_listener(app->selection_source,
				    &selection_source_listener, app);
	wl_data_source_offer(app->selection_source, SELECTION_MIME);
	wl_data_device_set_selection(app->device, app->selection_source, serial);
	wl_callback_add_listener(wl_display_sync(app->globals->display),
				 &selection_set_listener, app);
}

static void
start_drag(struct app *app, uint32_t serial)
{
	if (app->source)
		return;
	app->source = wl_data_device_manager_create_data_source(app->ddm);
	wl_data_source_add_listener(app->source, &source_listener, app);
	wl_data_source_offer(app->source, MIME);
	wl_data_source_set_actions(app->source,
				   WL_DATA_DEVICE_MANAGER_DND_ACTION_COPY);
	if (app->icon && !app->icon_surface)
		app->icon_surface = wl_compositor_create_surface(app->globals->compositor);
	wl_data_device_start_drag(app->device, app->source, app->window->surface,
				  app->icon_surface, serial);
	if (app->icon_surface) {
		/* After start_drag: the surface has its role now, and this
		 * commit is the icon's first content. */
		static struct wl_buffer *icon_buffer;
		if (!icon_buffer)
			icon_buffer = tc_create_solid_buffer(app->globals->shm, ICON_SIZE,
							     ICON_SIZE, 0xff000000u | ICON_COLOR);
		wl_surface_attach(app->icon_surface, icon_buffer, 0, 0);
		wl_surface_damage(app->icon_surface, 0, 0, ICON_SIZE, ICON_SIZE);
		wl_surface_commit(app->icon_surface);
	}
	printf("DRAG STARTED\n");
}

/* ---- drop target ------------------------------------------------------ */

static void
offer_offer(void *data, struct wl_data_offer *offer, const char *mime)
{
}

static void
offer_source_actions(void *data, struct wl_data_offer *offer, uint32_t actions)
{
}

static void
offer_action(void *data, struct wl_data_offer *offer, uint32_t action)
{
}

static const struct wl_data_offer_listener offer_listener = {
	.offer = offer_offer,
	.source_actions = offer_source_actions,
	.action = offer_action,
};

static void
device_data_offer(void *data, struct wl_data_device *device,
		  struct wl_data_offer *offer)
{
	wl_data_offer_add_listener(offer, &offer_listener, data);
}

static void
device_enter(void *data, struct wl_data_device *device, uint32_t serial,
	     struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y,
	     struct wl_data_offer *offer)
{
	struct app *app = data;
	if (app->offer && app->offer != offer)
		wl_data_offer_destroy(app->offer);
	app->offer = offer;
	if (!offer)
		return;
	printf("ENTER\n");
	if (app->target) {
		wl_data_offer_accept(offer, serial, MIME);
		wl_data_offer_set_actions(offer, WL_DATA_DEVICE_MANAGER_DND_ACTION_COPY,
					  WL_DATA_DEVICE_MANAGER_DND_ACTION_COPY);
	}
}

static void
device_leave(void *data, struct wl_data_device *device)
{
	struct app *app = data;
	if (app->offer) {
		wl_data_offer_destroy(app->offer);
		app->offer = NULL;
	}
}

static void
device_motion(void *data, struct wl_data_device *device, uint32_t time,
	      wl_fixed_t x, wl_fixed_t y)
{
}

/* Reads the drop whole.  Blocking is fine: the writer is another client,
 * and nothing of ours has to be dispatched for it to write. */
static void
device_drop(void *data, struct wl_data_device *device)
{
	struct app *app = data;
	if (!app->offer || !app->target)
		return;
	int p[2];
	if (pipe(p) < 0) {
		perror("dnd-client: pipe");
		exit(2);
	}
	wl_data_offer_receive(app->offer, MIME, p[1]);
	close(p[1]);
	wl_display_flush(app->globals->display);
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (len == cap)
			buf = realloc(buf, cap *= 2);
		ssize_t n = read(p[0], buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	printf("DROP mime=%s bytes=%zu hex=", MIME, len);
	for (size_t i = 0; i < len; i++)
		printf("%02x", (unsigned char)buf[i]);
	printf("\n");
	free(buf);
	wl_data_offer_finish(app->offer);
	wl_data_offer_destroy(app->offer);
	app->offer = NULL;
}

static void
device_selection(void *data, struct wl_data_device *device,
		 struct wl_data_offer *offer)
{
	if (offer)
		wl_data_offer_destroy(offer);
}

static const struct wl_data_device_listener device_listener = {
	.data_offer = device_data_offer,
	.enter = device_enter,
	.leave = device_leave,
	.motion = device_motion,
	.drop = device_drop,
	.selection = device_selection,
};

/* ---- pointer, seat, window -------------------------------------------- */

static void
pointer_enter(void *data, struct wl_pointer *p, uint32_t serial,
	      struct wl_surface *s, wl_fixed_t x, wl_fixed_t y)
{
}

static void
pointer_leave(void *data, struct wl_pointer *p, uint32_t serial,
	      struct wl_surface *s)
{
}

static void
pointer_motion(void *data, struct wl_pointer *p, uint32_t time, wl_fixed_t x,
	       wl_fixed_t y)
{
}

static void
pointer_button(void *data, struct wl_pointer *p, uint32_t serial, uint32_t time,
	       uint32_t button, uint32_t state)
{
	struct app *app = data;
	if (app->text && !app->selection && state == WL_POINTER_BUTTON_STATE_PRESSED)
		start_drag(app, serial);
}

static void
pointer_axis(void *data, struct wl_pointer *p, uint32_t time, uint32_t axis,
	     wl_fixed_t value)
{
}

static const struct wl_pointer_listener pointer_listener = {
	.enter = pointer_enter,
	.leave = pointer_leave,
	.motion = pointer_motion,
	.button = pointer_button,
	.axis = pointer_axis,
};

static void
keyboard_keymap(void *data, struct wl_keyboard *k, uint32_t format, int fd,
		uint32_t size)
{
	close(fd);
}

/* The first focus gives the serial set_selection needs. */
static void
keyboard_enter(void *data, struct wl_keyboard *k, uint32_t serial,
	       struct wl_surface *s, struct wl_array *keys)
{
	struct app *app = data;
	if (app->selection && !app->selection_asked) {
		app->selection_asked = true;
		set_selection(app, serial);
	}
}

static void
keyboard_leave(void *data, struct wl_keyboard *k, uint32_t serial,
	       struct wl_surface *s)
{
}

static void
keyboard_key(void *data, struct wl_keyboard *k, uint32_t serial, uint32_t time,
	     uint32_t key, uint32_t state)
{
}

static void
keyboard_modifiers(void *data, struct wl_keyboard *k, uint32_t serial,
		   uint32_t depressed, uint32_t latched, uint32_t locked,
		   uint32_t group)
{
}

static void
keyboard_repeat_info(void *data, struct wl_keyboard *k, int32_t rate,
		     int32_t delay)
{
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = keyboard_keymap,
	.enter = keyboard_enter,
	.leave = keyboard_leave,
	.key = keyboard_key,
	.modifiers = keyboard_modifiers,
	.repeat_info = keyboard_repeat_info,
};

static void
seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct app *app = data;
	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !app->pointer) {
		app->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(app->pointer, &pointer_listener, app);
	}
	if (app->selection && (caps & WL_SEAT_CAPABILITY_KEYBOARD) && !app->keyboard) {
		app->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(app->keyboard, &keyboard_listener, app);
	}
}

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct app *app = data;
	if (strcmp(interface, wl_data_device_manager_interface.name) == 0 &&
	    version >= 3) {
		app->ddm = wl_registry_bind(registry, name,
					    &wl_data_device_manager_interface, 3);
	}
}

static void
frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	struct app *app = data;
	wl_callback_destroy(cb);
	if (!app->ready) {
		app->ready = true;
		printf("READY\n");
	}
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

/* Every configure gets the buffer again (and a frame callback: READY
 * after the first), so that the window is on screen whatever was asked. */
static void
window_configure(struct tc_window *window, void *data)
{
	struct app *app = data;
	if (!app->buffer)
		app->buffer = tc_create_solid_buffer(app->globals->shm, WIDTH, HEIGHT,
						     0xff000000u | app->color);
	if (!app->buffer) {
		fprintf(stderr, "dnd-client: no buffer\n");
		exit(2);
	}
	wl_surface_attach(window->surface, app->buffer, 0, 0);
	wl_surface_damage(window->surface, 0, 0, WIDTH, HEIGHT);
	wl_callback_add_listener(wl_surface_frame(window->surface), &frame_listener, app);
	wl_surface_commit(window->surface);
}

static void
app_finish(struct app *app)
{
	if (app->source)
		wl_data_source_destroy(app->source);
	if (app->selection_source)
		wl_data_source_destroy(app->selection_source);
	if (app->keyboard)
		wl_keyboard_destroy(app->keyboard);
	if (app->offer)
		wl_data_offer_destroy(app->offer);
	if (app->icon_surface)
		wl_surface_destroy(app->icon_surface);
	wl_data_device_destroy(app->device);
	wl_data_device_manager_destroy(app->ddm);
	if (app->pointer)
		wl_pointer_destroy(app->pointer);
	if (app->buffer)
		wl_buffer_destroy(app->buffer);
	tc_window_destroy(app->window);
	tc_globals_destroy(app->globals);
}

int
main(int argc, char **argv)
{
	struct app app = { .color = 0xc03030 };
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--source") == 0 && i + 1 < argc) {
			app.text = argv[++i];
		} else if (strcmp(argv[i], "--selection") == 0 && i + 1 < argc) {
			app.text = argv[++i];
			app.selection = true;
		} else if (strcmp(argv[i], "--send-stall-ms") == 0 && i + 1 < argc) {
			app.stall_ms = strtol(argv[++i], NULL, 0);
		} else if (strcmp(argv[i], "--icon") == 0) {
			app.icon = true;
		} else if (strcmp(argv[i], "--target") == 0) {
			app.target = true;
		} else if (strcmp(argv[i], "--color") == 0 && i + 1 < argc) {
			app.color = (uint32_t)strtoul(argv[++i], NULL, 0) & 0xffffff;
		} else {
			app.text = NULL;
			app.target = false;
			break;
		}
	}
	if (!app.text == !app.target) {
		fprintf(stderr, "usage: dnd-client --source TEXT [--icon] | "
			"--target | --selection TEXT [--color 0xRRGGBB] "
			"[--send-stall-ms N]\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	app.globals = tc_globals_create("dnd-client", &(struct tc_globals_options){
		.compositor_version = 4,
		.seat_version = 4, /* no wl_pointer.frame */
		.seat_capabilities = seat_capabilities,
		.global = registry_global,
		.data = &app,
	});
	if (!app.globals)
		return 2;
	if (!app.ddm) {
		fprintf(stderr, "dnd-client: missing globals (wl_data_device_manager v3?)\n");
		return 2;
	}
	app.device = wl_data_device_manager_get_data_device(app.ddm, app.globals->seat);
	wl_data_device_add_listener(app.device, &device_listener, &app);

	app.window = tc_window_create(app.globals, &(struct tc_window_options){
		.title = "dnd-client",
		.configure = window_configure,
		.data = &app,
	});
	if (!app.window)
		return 2;

	tc_window_run_until_closed(app.window);
	app_finish(&app);
	return 0;
}
