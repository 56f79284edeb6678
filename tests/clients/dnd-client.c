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
 *
 * Prints "READY" once its window is on screen, then what happens:
 *   DRAG STARTED | SEND mime=M | DROP_PERFORMED | FINISHED | CANCELLED
 *   ENTER | DROP mime=M bytes=N hex=HEX
 * Runs until killed.  Exit status 2 on a connection or protocol error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <wayland-client.h>

#include "tc-shm.h"
#include "tc-wayland.h"
#include "tc-xdg-shell-client-protocol.h"

#define MIME "text/plain"
#define ICON_COLOR 0x2040e0

struct app {
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_seat *seat;
	struct wl_pointer *pointer;
	struct wl_data_device_manager *ddm;
	struct wl_data_device *device;

	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct wl_buffer *buffer;
	bool ready;

	const char *text;          /* --source */
	bool icon;                 /* --icon */
	struct wl_surface *icon_surface;
	bool target;               /* --target */
	struct wl_data_source *source;
	struct wl_data_offer *offer; /* the one entered with */
	uint32_t color;
};

static struct wl_buffer *make_buffer(struct app *app, int32_t width,
				     int32_t height, uint32_t color);

/* ---- drag source ------------------------------------------------------ */

static void
source_target(void *data, struct wl_data_source *source, const char *mime)
{
	printf("TARGET mime=%s\n", mime ? mime : "(none)");
}

static void
source_send(void *data, struct wl_data_source *source, const char *mime, int fd)
{
	struct app *app = data;
	printf("SEND mime=%s\n", mime);
	const char *p = app->text;
	size_t left = strlen(p);
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		left -= (size_t)n;
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
		app->icon_surface = wl_compositor_create_surface(app->compositor);
	wl_data_device_start_drag(app->device, app->source, app->surface,
				  app->icon_surface, serial);
	if (app->icon_surface) {
		/* After start_drag: the surface has its role now, and this
		 * commit is the icon's first content. */
		static struct wl_buffer *icon_buffer;
		if (!icon_buffer)
			icon_buffer = make_buffer(app, 24, 24, ICON_COLOR);
		wl_surface_attach(app->icon_surface, icon_buffer, 0, 0);
		wl_surface_damage(app->icon_surface, 0, 0, 24, 24);
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
	wl_display_flush(app->display);
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

/* ---- pointer, seat, window ------------------------------------------- */

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
	if (app->text && state == WL_POINTER_BUTTON_STATE_PRESSED)
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
seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct app *app = data;
	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !app->pointer) {
		app->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(app->pointer, &pointer_listener, app);
	}
}

static void
seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_capabilities,
	.name = seat_name,
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct app *app = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		app->compositor = wl_registry_bind(registry, name,
						   &wl_compositor_interface, 4);
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		app->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		app->wm_base = wl_registry_bind(registry, name,
						&xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(app->wm_base, &tc_wm_base_listener, NULL);
	} else if (strcmp(interface, wl_seat_interface.name) == 0 && !app->seat) {
		app->seat = wl_registry_bind(registry, name, &wl_seat_interface,
					     version < 4 ? version : 4); /* no wl_pointer.frame */
		wl_seat_add_listener(app->seat, &seat_listener, app);
	} else if (strcmp(interface, wl_data_device_manager_interface.name) == 0 &&
		   version >= 3) {
		app->ddm = wl_registry_bind(registry, name,
					    &wl_data_device_manager_interface, 3);
	}
}

static void
registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

static struct wl_buffer *
make_buffer(struct app *app, int32_t width, int32_t height, uint32_t color)
{
	int32_t stride = width * 4;
	size_t size = (size_t)stride * (size_t)height;
	int fd = tc_create_shm_file(size);
	if (fd < 0)
		return NULL;
	uint32_t *pixels = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pixels == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	for (size_t i = 0; i < size / 4; i++)
		pixels[i] = 0xff000000u | color;
	munmap(pixels, size);
	struct wl_shm_pool *pool = wl_shm_create_pool(app->shm, fd, (int32_t)size);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, width, height,
		stride, WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	return buffer;
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

static void
xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct app *app = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	if (!app->buffer && !(app->buffer = make_buffer(app, 120, 90, app->color))) {
		fprintf(stderr, "dnd-client: no buffer\n");
		exit(2);
	}
	wl_surface_attach(app->surface, app->buffer, 0, 0);
	wl_surface_damage(app->surface, 0, 0, 120, 90);
	wl_callback_add_listener(wl_surface_frame(app->surface), &frame_listener, app);
	wl_surface_commit(app->surface);
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void
toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t w,
		   int32_t h, struct wl_array *states)
{
}

static void
toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	exit(0);
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

int
main(int argc, char **argv)
{
	struct app app = { .color = 0xc03030 };
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--source") == 0 && i + 1 < argc) {
			app.text = argv[++i];
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
			"--target [--color 0xRRGGBB]\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	app.display = wl_display_connect(NULL);
	if (!app.display) {
		fprintf(stderr, "dnd-client: cannot connect\n");
		return 2;
	}
	struct wl_registry *registry = wl_display_get_registry(app.display);
	wl_registry_add_listener(registry, &registry_listener, &app);
	wl_display_roundtrip(app.display);
	if (!app.compositor || !app.shm || !app.wm_base || !app.seat || !app.ddm) {
		fprintf(stderr, "dnd-client: missing globals (wl_data_device_manager v3?)\n");
		return 2;
	}
	app.device = wl_data_device_manager_get_data_device(app.ddm, app.seat);
	wl_data_device_add_listener(app.device, &device_listener, &app);

	app.surface = wl_compositor_create_surface(app.compositor);
	app.xdg_surface = xdg_wm_base_get_xdg_surface(app.wm_base, app.surface);
	xdg_surface_add_listener(app.xdg_surface, &xdg_surface_listener, &app);
	app.toplevel = xdg_surface_get_toplevel(app.xdg_surface);
	xdg_toplevel_add_listener(app.toplevel, &toplevel_listener, &app);
	xdg_toplevel_set_title(app.toplevel, "dnd-client");
	wl_surface_commit(app.surface);

	while (wl_display_dispatch(app.display) >= 0)
		;
	fprintf(stderr, "dnd-client: connection lost: %s\n", strerror(errno));
	return 2;
}
