/*
 * bad-request-client: sends one well-formed request that the compositor
 * rejects with a protocol error, and checks that the error arrives.
 *
 * Usage: bad-request-client [MODE]
 *   bad-serial          (default) xdg_surface.ack_configure with a serial the
 *                       compositor never sent -> xdg_wm_base error 4
 *                       (invalid_surface_state) on weston
 *   ack-unconstructed   xdg_surface.ack_configure on an xdg_surface without
 *                       a role -> xdg_surface error 1 (not_constructed)
 *   unconfigured-buffer attach + commit a buffer on a toplevel before the
 *                       first configure -> xdg_surface error 3
 *                       (unconfigured_buffer)
 *   shm-stride          wl_shm_pool.create_buffer with stride < width
 *                       -> wl_shm_pool error 1 (invalid_stride)
 *
 * Output (stdout):
 *   SENT <mode>
 *   PROTOCOL_ERROR interface=<name> id=<object id> code=<code>
 *   BAD_SERIAL <n>              (bad-serial mode: the serial it acked)
 *   ERROR_MESSAGE <text>        (the error's message, from libwayland's log)
 *   NO_ERROR                    (if none came within 3 s)
 * Exit status: 0 if the expected interface and code arrived, 3 if another
 * protocol error arrived, 1 if none came, 2 on other failures.
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

/* The xdg_surface here is not a tc_window: that one acks configures,
 * and what this client does wrong is in how it acks them. */
struct app {
	struct tc_globals *globals;
	uint32_t last_serial;
	bool configured;
};

static void
xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	(void)xdg_surface;
	struct app *app = data;
	app->last_serial = serial;
	app->configured = true;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

/* Creates a buffer in a fresh pool; the pool is destroyed unless keep_pool
 * is given, in which case it is returned there (so that an error posted on
 * it can still be attributed to a live object). */
static struct wl_buffer *
make_buffer(struct app *app, int32_t width, int32_t height, int32_t stride,
	    struct wl_shm_pool **keep_pool)
{
	size_t size = (size_t)(stride > width * 4 ? stride : width * 4) * (size_t)height;
	int fd = tc_create_filled_shm_file(size, 0xffffffffu);
	if (fd < 0) {
		perror("bad-request-client: shm");
		exit(2);
	}
	struct wl_shm_pool *pool = wl_shm_create_pool(app->globals->shm, fd, (int32_t)size);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, width, height, stride,
							     WL_SHM_FORMAT_XRGB8888);
	if (keep_pool)
		*keep_pool = pool;
	else
		wl_shm_pool_destroy(pool);
	close(fd);
	return buffer;
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "bad-serial";
	const char *want_iface;
	uint32_t want_code;
	struct app app = { 0 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	tc_log_capture_start();

	if (strcmp(mode, "bad-serial") == 0) {
		want_iface = "xdg_wm_base";
		want_code = XDG_WM_BASE_ERROR_INVALID_SURFACE_STATE;
	} else if (strcmp(mode, "ack-unconstructed") == 0) {
		want_iface = "xdg_surface";
		want_code = XDG_SURFACE_ERROR_NOT_CONSTRUCTED;
	} else if (strcmp(mode, "unconfigured-buffer") == 0) {
		want_iface = "xdg_surface";
		want_code = XDG_SURFACE_ERROR_UNCONFIGURED_BUFFER;
	} else if (strcmp(mode, "shm-stride") == 0) {
		want_iface = "wl_shm_pool";
		want_code = WL_SHM_ERROR_INVALID_STRIDE;
	} else {
		fprintf(stderr, "bad-request-client: unknown mode '%s'\n", mode);
		return 2;
	}

	app.globals = tc_globals_create("bad-request-client", &(struct tc_globals_options){
		.compositor_version = 1,
	});
	if (!app.globals)
		return 2;
	struct wl_display *display = app.globals->display;

	struct wl_surface *surface = wl_compositor_create_surface(app.globals->compositor);
	struct xdg_surface *xdg_surface = xdg_wm_base_get_xdg_surface(app.globals->wm_base,
								      surface);
	xdg_surface_add_listener(xdg_surface, &xdg_surface_listener, &app);

	if (strcmp(mode, "bad-serial") == 0) {
		struct xdg_toplevel *toplevel = xdg_surface_get_toplevel(xdg_surface);
		(void)toplevel;
		wl_surface_commit(surface);
		while (!app.configured) {
			if (wl_display_dispatch(display) < 0) {
				fprintf(stderr, "bad-request-client: no configure\n");
				return 2;
			}
		}
		xdg_surface_ack_configure(xdg_surface, app.last_serial + 1000);
		printf("BAD_SERIAL %u\n", app.last_serial + 1000);
	} else if (strcmp(mode, "ack-unconstructed") == 0) {
		xdg_surface_ack_configure(xdg_surface, 1);
	} else if (strcmp(mode, "unconfigured-buffer") == 0) {
		struct xdg_toplevel *toplevel = xdg_surface_get_toplevel(xdg_surface);
		(void)toplevel;
		struct wl_buffer *buffer = make_buffer(&app, 64, 64, 64 * 4, NULL);
		wl_surface_attach(surface, buffer, 0, 0);
		wl_surface_commit(surface);
	} else if (strcmp(mode, "shm-stride") == 0) {
		/* stride 63 < width 64: rejected by wl_shm (stride < width). */
		struct wl_shm_pool *pool = NULL;
		struct wl_buffer *buffer = make_buffer(&app, 64, 64, 63, &pool);
		(void)buffer;
		(void)pool;
	}
	printf("SENT %s\n", mode);

	/* Wait for the error: keep doing round trips for up to 3 s. */
	double deadline = now_s() + 3.0;
	int ret = 0;
	while (now_s() < deadline) {
		ret = wl_display_roundtrip(display);
		if (ret < 0)
			break;
		usleep(20000);
	}
	if (ret >= 0) {
		printf("NO_ERROR\n");
		return 1;
	}
	struct tc_protocol_error error;
	if (!tc_globals_report_error(app.globals, &error))
		return 1;

	/* libwayland-client logs "<iface>@<id>: error <code>: <message>\n". */
	const char *marker = strstr(tc_log_text(), ": error ");
	if (marker) {
		const char *msg = strstr(marker + 8, ": ");
		if (msg) {
			msg += 2;
			size_t len = strcspn(msg, "\n");
			printf("ERROR_MESSAGE %.*s\n", (int)len, msg);
		}
	}
	tc_globals_destroy(app.globals);

	if (strcmp(error.interface, want_iface) == 0 && error.code == want_code)
		return 0;
	fprintf(stderr, "bad-request-client: expected %s error %u\n", want_iface, want_code);
	return 3;
}
