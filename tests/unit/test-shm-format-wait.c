/*
 * A guest that makes a wl_shm buffer before the host's format list has
 * reached the proxy (it did not wait for its own format events): the
 * buffer exists at once, its format check waits for the list without
 * holding up the proxy, and the guest's later requests wait behind it.
 *
 * The host binds the connection's first wl_shm (the proxy's own) only
 * after a pause, having sent what came before (the guest's globals), so
 * its format list comes late.  The guest sends get_registry before the
 * proxy runs, so its globals come before that pause, and makes its buffer
 * during it.  The proxy's held requests show the check waiting.  The pause
 * stops the whole host, so each run has one guest:
 *
 * "listed": a format the host lists (rgb565, beside the two every host
 * has): the buffer works, its pixels reach the host.
 * "unlisted": a format it does not list (abgr8888): the guest gets
 * libwayland's error, on its wl_shm_pool, once the list is in, and nothing
 * it sent after runs (a forked guest, to read the text).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "guest.h"
#include "harness.h"

#define DELAY_MS 400 /* well within the proxy's 1000 ms */
#define SIZE 16

struct shm_guest {
	struct wl_display *display;
	struct wl_registry *registry;
	uint32_t shm_name, compositor_name;
	struct wl_shm *shm;
	struct wl_compositor *compositor;
	struct wl_shm_pool *pool;
	struct wl_buffer *buffer;
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct shm_guest *g = data;
	if (strcmp(interface, "wl_shm") == 0)
		g->shm_name = name;
	else if (strcmp(interface, "wl_compositor") == 0)
		g->compositor_name = name;
}

static void
registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

/* Before the proxy runs: the request is in the socket already. */
static void
shm_guest_start(struct shm_guest *g, struct wl_display *display)
{
	memset(g, 0, sizeof(*g));
	g->display = display;
	g->registry = wl_display_get_registry(display);
	wl_registry_add_listener(g->registry, &registry_listener, g);
	CHECK(wl_display_flush(display) >= 0);
}

/* Waits for the globals (no round trip: that would wait for the host's
 * pause), then makes the buffer and asks for a round trip. */
static void
shm_guest_make_buffer(struct shm_guest *g, uint32_t format, uint16_t pixel)
{
	for (int i = 0; i < GUEST_TIMEOUT_MS && (!g->shm_name || !g->compositor_name); i++)
		CHECK(guest_dispatch_timeout(g->display, 1) >= 0);
	CHECK_MSG(g->shm_name && g->compositor_name, "no globals");
	g->shm = wl_registry_bind(g->registry, g->shm_name, &wl_shm_interface, 1);
	g->compositor = wl_registry_bind(g->registry, g->compositor_name,
					 &wl_compositor_interface, 4);
	size_t size = SIZE * SIZE * 4;
	int fd = memfd_create("test-shm-format-wait", MFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, (off_t)size) == 0);
	uint16_t *pixels = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(pixels != MAP_FAILED);
	for (size_t i = 0; i < size / 2; i++)
		pixels[i] = pixel;
	munmap(pixels, size);
	g->pool = wl_shm_create_pool(g->shm, fd, (int32_t)size);
	close(fd);
	g->buffer = wl_shm_pool_create_buffer(g->pool, 0, SIZE, SIZE, SIZE * 4, format);
}

static void
callback_done(void *data, struct wl_callback *cb, uint32_t serial)
{
	*(bool *)data = true;
	wl_callback_destroy(cb);
}

static const struct wl_callback_listener callback_listener = {
	.done = callback_done,
};

static int
unlisted_format_main(struct wl_display *display, int ctl, void *data)
{
	guest_capture_log();
	struct shm_guest g;
	shm_guest_start(&g, display);
	env_ctl_send(ctl, 'r');
	shm_guest_make_buffer(&g, WL_SHM_FORMAT_ABGR8888, 0x5555);
	bool synced = false;
	wl_callback_add_listener(wl_display_sync(display), &callback_listener, &synced);
	CHECK(wl_display_flush(display) >= 0);
	env_ctl_send(ctl, 'b');
	int r;
	while ((r = guest_dispatch_timeout(display, GUEST_TIMEOUT_MS)) > 0)
		;
	CHECK_MSG(r < 0, "no error within %d ms", GUEST_TIMEOUT_MS);
	CHECK(!synced); /* nothing after the error was run */
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	CHECK_INT(wl_display_get_error(display), ==, EPROTO);
	CHECK_INT(wl_display_get_protocol_error(display, &iface, &id), ==,
		  WL_SHM_ERROR_INVALID_FORMAT);
	CHECK(iface == &wl_shm_pool_interface);
	CHECK_INT(id, ==, wl_proxy_get_id((struct wl_proxy *)g.pool));
	CHECK_CONTAINS(guest_last_log(), "invalid format 0x34324241");
	return 0;
}

static bool
proxy_holds(struct env *env, void *data)
{
	return env_proxy_held_count(env) >= *(int *)data;
}

/* The check and the sync after it. */
static void
wait_held(struct env *env)
{
	int want = 2;
	CHECK_MSG(env_wait_until(env, proxy_holds, &want, GUEST_TIMEOUT_MS),
		  "the proxy did not hold the check of the buffer");
}

static void
run_unlisted(struct env *env)
{
	int ctl;
	pid_t child = env_fork_guest(env, unlisted_format_main, NULL, &ctl);
	CHECK(env_ctl_recv(ctl) == 'r');
	env_start(env);
	CHECK(env_ctl_recv(ctl) == 'b');
	wait_held(env);
	CHECK_INT(env_wait_child(env, child), ==, 0);
}

static void
run_listed(struct env *env)
{
	struct shm_guest a;
	shm_guest_start(&a, env_guest_connect(env, env_add_guest(env)));
	env_start(env);

	shm_guest_make_buffer(&a, WL_SHM_FORMAT_RGB565, 0x1234);
	bool synced = false;
	wl_callback_add_listener(wl_display_sync(a.display), &callback_listener, &synced);
	CHECK(wl_display_flush(a.display) >= 0);
	wait_held(env);
	CHECK(!synced);
	for (int i = 0; i < GUEST_TIMEOUT_MS && !synced; i++)
		CHECK(guest_dispatch_timeout(a.display, 1) >= 0);
	CHECK_MSG(synced, "no answer within %d ms", GUEST_TIMEOUT_MS);

	/* The buffer is good: it reaches the host as the guest drew it. */
	struct wl_surface *surface = wl_compositor_create_surface(a.compositor);
	wl_surface_attach(surface, a.buffer, 0, 0);
	wl_surface_damage(surface, 0, 0, SIZE, SIZE);
	wl_surface_commit(surface);
	CHECK_INT(guest_roundtrip_timeout(a.display, GUEST_TIMEOUT_MS), ==, 0);
	struct host_stats st;
	env_host_stats(env, &st);
	CHECK_INT(st.buffer_commits, ==, 1);
	CHECK_INT(st.last_pixel, ==, 0x12341234);
	CHECK_INT(env_proxy_held_count(env), ==, 0);

	wl_surface_destroy(surface);
	wl_buffer_destroy(a.buffer);
	wl_shm_pool_destroy(a.pool);
	wl_proxy_destroy((struct wl_proxy *)a.shm);
	wl_proxy_destroy((struct wl_proxy *)a.compositor);
	CHECK_INT(guest_roundtrip_timeout(a.display, GUEST_TIMEOUT_MS), ==, 0);
	wl_registry_destroy(a.registry);
	wl_display_disconnect(a.display);
}

int
main(int argc, char **argv)
{
	CHECK_MSG(argc == 2, "usage: %s listed|unlisted", argv[0]);
	struct host_config config = { 0 };
	config.version[HOST_COMPOSITOR] = 4;
	config.shm = true;
	config.shm_extra_format = WL_SHM_FORMAT_RGB565;
	config.shm_bind_delay_ms = DELAY_MS;
	struct env *env = env_create(&config);
	if (strcmp(argv[1], "listed") == 0)
		run_listed(env);
	else if (strcmp(argv[1], "unlisted") == 0)
		run_unlisted(env);
	else
		CHECK_FAIL("unknown mode %s", argv[1]);
	env_destroy(env);
	return 0;
}
