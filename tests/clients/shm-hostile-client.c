/*
 * shm-hostile-client: one wl_shm misuse per run, for tests/e2e/test_shm_hostile.py.
 *
 * Sends the requests of CASE, then checks that the protocol error the
 * compositor (or the proxy, which keeps guest pools to itself) posts is the
 * one libwayland-server's wl_shm posts: same interface, object and code.
 *
 * Usage: shm-hostile-client CASE
 *   pool-size-0          wl_shm.create_pool size 0           -> wl_shm invalid_stride
 *   pool-size-negative   wl_shm.create_pool size -4096       -> wl_shm invalid_stride
 *   pool-pipe            create_pool with a pipe's fd        -> wl_shm invalid_fd
 *   bad-format           create_buffer format 0x12345678     -> wl_shm_pool invalid_format
 *   negative-offset      create_buffer offset -4             -> wl_shm_pool invalid_stride
 *   zero-width           create_buffer width 0               -> wl_shm_pool invalid_stride
 *   negative-height      create_buffer height -1             -> wl_shm_pool invalid_stride
 *   stride-too-small     64 px wide, stride 128 (< 64*4)     -> wl_shm_pool invalid_stride
 *                        (libwayland-server only checks stride >= width)
 *   beyond-pool          32x32 stride 128 at offset 4 in a 4096-byte pool
 *                                                            -> wl_shm_pool invalid_stride
 *   stride-overflow      stride 65536 x height 65537 (wraps to 65536 in
 *                        32 bits) in a 1 MiB pool            -> wl_shm_pool invalid_stride
 *   offset-overflow      offset INT32_MAX-16, 4x4 stride 16  -> wl_shm_pool invalid_stride
 *   pool-shrink          wl_shm_pool.resize 8192 -> 4096     -> wl_shm_pool invalid_fd
 *                        (libwayland-server's code for "shrinking pool invalid")
 *   memfd-truncated      toplevel; the pool's memfd is truncated to 0 after
 *                        create_pool, then the buffer is committed
 *                                                            -> wl_buffer invalid_fd
 *   memfd-truncated-half the same, truncated to half the buffer
 *   memfd-truncated-large, memfd-truncated-large-half
 *                        the same with a 1024x512 buffer, which the proxy
 *                        copies on its copy threads
 *   grow-ok              control: resize a pool up, commit a buffer that lies in
 *                        the grown part; no error, frame callback arrives
 *   early-pool-rgb565    control: create a pool right after binding wl_shm
 *                        (before its format events), then, once RGB565 has
 *                        been advertised, an RGB565 buffer in it; no error
 *
 * Output (stdout):
 *   EXPECT interface=<name> id=<object id> code=<code>
 *   PROTOCOL_ERROR interface=<name> id=<object id> code=<code>
 *   ERROR_MESSAGE <text>          (from libwayland-client's log)
 *   DISCONNECTED | STILL_CONNECTED (whether the server closed the socket)
 *   MATCH | MISMATCH | NO_ERROR | OK (grow-ok)
 * Exit status: 0 on MATCH (or OK), 3 on MISMATCH, 1 on NO_ERROR, 2 on other
 * failures.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <wayland-client.h>

#include "tc-shm.h"
#include "tc-wayland.h"
#include "tc-window.h"

struct app {
	struct tc_globals *globals;
	struct tc_window *window;
	bool frame_done;
};

static void
frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	(void)time;
	struct app *app = data;
	wl_callback_destroy(cb);
	app->frame_done = true;
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

static uint32_t
id_of(void *proxy)
{
	return wl_proxy_get_id((struct wl_proxy *)proxy);
}

static int
memfd_filled(size_t size)
{
	int fd = tc_create_filled_shm_file(size, 0xff3060c0u);
	if (fd < 0) {
		perror("shm-hostile-client: memfd");
		exit(2);
	}
	return fd;
}

/* A mapped toplevel's surface, configured and ready for a buffer.  A
 * display error on the way is left to the round trips after the case. */
static void
make_toplevel(struct app *app)
{
	app->window = tc_window_create(app->globals, &(struct tc_window_options){
		.title = "shm-hostile-client",
	});
	if (!app->window)
		exit(2);
	tc_window_wait_configure(app->window);
}

static void
commit_buffer(struct app *app, struct wl_buffer *buffer, int32_t w, int32_t h)
{
	struct wl_surface *surface = app->window->surface;
	wl_surface_attach(surface, buffer, 0, 0);
	wl_surface_damage(surface, 0, 0, w, h);
	struct wl_callback *cb = wl_surface_frame(surface);
	wl_callback_add_listener(cb, &frame_listener, app);
	wl_surface_commit(surface);
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* After a fatal error: does the server close the connection? */
static bool
wait_disconnect(struct wl_display *display, double timeout)
{
	int fd = wl_display_get_fd(display);
	double end = now_s() + timeout;
	char buf[4096];
	while (now_s() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int ms = (int)((end - now_s()) * 1000) + 1;
		if (poll(&pfd, 1, ms) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == 0)
			return true;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return errno == ECONNRESET;
	}
	return false;
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: shm-hostile-client CASE\n");
		return 2;
	}
	const char *mode = argv[1];
	struct app app = { 0 };
	setvbuf(stdout, NULL, _IOLBF, 0);
	tc_log_capture_start();

	app.globals = tc_globals_create("shm-hostile-client", &(struct tc_globals_options){
		.compositor_version = 1,
	});
	if (!app.globals)
		return 2;
	struct wl_display *display = app.globals->display;
	struct wl_shm *shm = app.globals->shm;

	const char *want_iface = NULL;
	uint32_t want_id = 0, want_code = 0;
	bool expect_ok = false, need_frame = false;
	struct wl_shm_pool *pool;
	struct wl_buffer *buffer;
	const uint32_t xrgb = WL_SHM_FORMAT_XRGB8888;

#define POOL(size) (pool = wl_shm_create_pool(shm, memfd_filled(size), (size)))
#define EXPECT_POOL(code) (want_iface = "wl_shm_pool", want_id = id_of(pool), \
			   want_code = (code))

	/* The fds handed to wl_shm_create_pool are leaked on purpose: the
	 * process is short-lived and some cases need them afterwards. */
	if (strcmp(mode, "pool-size-0") == 0 || strcmp(mode, "pool-size-negative") == 0) {
		int32_t size = strcmp(mode, "pool-size-0") == 0 ? 0 : -4096;
		pool = wl_shm_create_pool(shm, memfd_filled(4096), size);
		want_iface = "wl_shm";
		want_id = id_of(shm);
		want_code = WL_SHM_ERROR_INVALID_STRIDE;
	} else if (strcmp(mode, "pool-pipe") == 0) {
		int p[2];
		if (pipe(p) < 0) {
			perror("shm-hostile-client: pipe");
			return 2;
		}
		pool = wl_shm_create_pool(shm, p[0], 4096);
		want_iface = "wl_shm";
		want_id = id_of(shm);
		want_code = WL_SHM_ERROR_INVALID_FD;
	} else if (strcmp(mode, "bad-format") == 0) {
		POOL(4096);
		buffer = wl_shm_pool_create_buffer(pool, 0, 16, 16, 64, 0x12345678u);
		EXPECT_POOL(WL_SHM_ERROR_INVALID_FORMAT);
	} else if (strcmp(mode, "negative-offset") == 0) {
		POOL(4096);
		buffer = wl_shm_pool_create_buffer(pool, -4, 16, 16, 64, xrgb);
		EXPECT_POOL(WL_SHM_ERROR_INVALID_STRIDE);
	} else if (strcmp(mode, "zero-width") == 0) {
		POOL(4096);
		buffer = wl_shm_pool_create_buffer(pool, 0, 0, 16, 64, xrgb);
		EXPECT_POOL(WL_SHM_ERROR_INVALID_STRIDE);
	} else if (strcmp(mode, "negative-height") == 0) {
		POOL(4096);
		buffer = wl_shm_pool_create_buffer(pool, 0, 16, -1, 64, xrgb);
		EXPECT_POOL(WL_SHM_ERROR_INVALID_STRIDE);
	} else if (strcmp(mode, "stride-too-small") == 0) {
		POOL(16384);
		buffer = wl_shm_pool_create_buffer(pool, 0, 64, 16, 128, xrgb);
		EXPECT_POOL(WL_SHM_ERROR_INVALID_STRIDE);
	} else if (strcmp(mode, "beyond-pool") == 0) {
		POOL(4096);
		buffer = wl_shm_pool_create_buffer(pool, 4, 32, 32, 128, xrgb);
		EXPECT_POOL(WL_SHM_ERROR_INVALID_STRIDE);
	} else if (strcmp(mode, "stride-overflow") == 0) {
		POOL(1 << 20);
		buffer = wl_shm_pool_create_buffer(pool, 0, 16, 65537, 65536, xrgb);
		EXPECT_POOL(WL_SHM_ERROR_INVALID_STRIDE);
	} else if (strcmp(mode, "offset-overflow") == 0) {
		POOL(4096);
		buffer = wl_shm_pool_create_buffer(pool, INT32_MAX - 16, 4, 4, 16, xrgb);
		EXPECT_POOL(WL_SHM_ERROR_INVALID_STRIDE);
	} else if (strcmp(mode, "pool-shrink") == 0) {
		POOL(8192);
		wl_shm_pool_resize(pool, 4096);
		EXPECT_POOL(WL_SHM_ERROR_INVALID_FD);
	} else if (strncmp(mode, "memfd-truncated", 15) == 0) {
		/* -large: 1024x512 (2 MiB), a copy the proxy's copy threads make
		 * in bands, so the fault comes on a copy thread. */
		bool large = strstr(mode, "-large") != NULL;
		const int32_t w = large ? 1024 : 64, h = large ? 512 : 64;
		const int32_t stride = w * 4;
		const size_t size = (size_t)stride * h;
		make_toplevel(&app);
		int fd = memfd_filled(size);
		pool = wl_shm_create_pool(shm, fd, (int32_t)size);
		buffer = wl_shm_pool_create_buffer(pool, 0, w, h, stride, xrgb);
		if (wl_display_roundtrip(display) < 0) {
			fprintf(stderr, "shm-hostile-client: pool setup failed\n");
			return 2;
		}
		off_t new_size = strstr(mode, "-half") ? (off_t)size / 2 : 0;
		if (ftruncate(fd, new_size) < 0) {
			perror("shm-hostile-client: ftruncate");
			return 2;
		}
		commit_buffer(&app, buffer, w, h);
		want_iface = "wl_buffer";
		want_id = id_of(buffer);
		want_code = WL_SHM_ERROR_INVALID_FD;
	} else if (strcmp(mode, "grow-ok") == 0) {
		const int32_t w = 64, h = 64, stride = w * 4;
		make_toplevel(&app);
		int fd = memfd_filled(4096 + (size_t)stride * h);
		pool = wl_shm_create_pool(shm, fd, 4096);
		wl_shm_pool_resize(pool, 4096 + stride * h);
		buffer = wl_shm_pool_create_buffer(pool, 4096, w, h, stride, xrgb);
		commit_buffer(&app, buffer, w, h);
		expect_ok = need_frame = true;
	} else if (strcmp(mode, "early-pool-rgb565") == 0) {
		POOL(4096); /* no format event has been dispatched yet */
		if (wl_display_roundtrip(display) < 0 ||
		    !tc_globals_has_shm_format(app.globals, WL_SHM_FORMAT_RGB565)) {
			printf("NO_RGB565\n");
			return 2;
		}
		buffer = wl_shm_pool_create_buffer(pool, 0, 16, 16, 32,
						   WL_SHM_FORMAT_RGB565);
		expect_ok = true;
	} else {
		fprintf(stderr, "shm-hostile-client: unknown case '%s'\n", mode);
		return 2;
	}
	(void)buffer;

	if (!expect_ok)
		printf("EXPECT interface=%s id=%u code=%u\n", want_iface, want_id, want_code);

	/* Round trips until the error arrives (a commit's copy error may come
	 * after a repaint), at most 3 s; grow-ok waits for its frame. */
	double end = now_s() + 3.0;
	bool failed = false;
	while (now_s() < end) {
		if (wl_display_roundtrip(display) < 0) {
			failed = true;
			break;
		}
		if (expect_ok && (app.frame_done || !need_frame))
			break;
		if (!expect_ok && want_iface && strcmp(want_iface, "wl_buffer") != 0)
			break; /* request errors come with the round trip */
		usleep(20000);
	}

	if (!failed) {
		if (expect_ok && (app.frame_done || !need_frame)) {
			printf("OK\n");
			return 0;
		}
		printf("NO_ERROR\n");
		return 1;
	}

	struct tc_protocol_error error;
	if (!tc_globals_report_error(app.globals, &error))
		return 2;
	if (*tc_log_text()) {
		printf("ERROR_MESSAGE %s\n", tc_log_text());
	}
	printf("%s\n", wait_disconnect(display, 3.0) ? "DISCONNECTED" : "STILL_CONNECTED");
	if (!expect_ok && strcmp(error.interface, want_iface) == 0 && error.id == want_id &&
	    error.code == want_code) {
		printf("MATCH\n");
		return 0;
	}
	printf("MISMATCH\n");
	return 3;
}
