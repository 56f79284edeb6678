/*
 * A commit that finds no idle host buffer is parked, and nobody else waits
 * for it.  The host keeps every buffer it is given until the test tells it
 * to release them; a surface has 4 host buffers, so a guest's 5th commit
 * finds them all busy.
 *
 * (a) While guest A's commit is parked, guest B's round trips complete and
 *     A is neither failed nor disconnected.
 * (b) A's later requests, in the same flush and sent afterwards, reach the
 *     host only after that commit, in the order A sent them (the host's own
 *     log of requests is the oracle).
 * (c) The host's release resumes A: its 5th frame (its pixels) reaches the
 *     host, then the rest, and A's round trips come back after it.
 * (d) A guest whose host releases nothing gets the proxy's error after the
 *     timeout and is disconnected (a forked guest, to read the error text);
 *     B carries on.
 * (e) A guest that disconnects while parked, with requests held (strings,
 *     new objects), is freed (ASan/LSan at exit) and B carries on.
 * (f) A guest whose host connection is dropped while it is parked gets the
 *     proxy's "lost the connection" error, what it had held is freed, and B
 *     carries on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "guest.h"
#include "harness.h"

#define SIZE 16
#define FRAMES 5 /* one more than the proxy's host buffers per surface */

struct painter {
	struct guest *guest;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct wl_surface *surface;
	struct wl_buffer *buffers[FRAMES];
};

static uint32_t
frame_color(int i)
{
	return 0xff102030u + (uint32_t)i * 0x00010101u;
}

static void
painter_init(struct painter *p, struct wl_display *display)
{
	p->guest = guest_create(display);
	p->compositor = guest_bind(p->guest, &wl_compositor_interface, 4);
	p->shm = guest_bind(p->guest, &wl_shm_interface, 1);
	p->surface = wl_compositor_create_surface(p->compositor);
	CHECK(p->surface);

	size_t frame = SIZE * SIZE * 4;
	int fd = memfd_create("test-park", MFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, (off_t)(frame * FRAMES)) == 0);
	uint32_t *pixels = mmap(NULL, frame * FRAMES, PROT_READ | PROT_WRITE,
				MAP_SHARED, fd, 0);
	CHECK(pixels != MAP_FAILED);
	struct wl_shm_pool *pool = wl_shm_create_pool(p->shm, fd,
						      (int32_t)(frame * FRAMES));
	for (int i = 0; i < FRAMES; i++) {
		for (int px = 0; px < SIZE * SIZE; px++)
			pixels[i * SIZE * SIZE + px] = frame_color(i);
		p->buffers[i] = wl_shm_pool_create_buffer(pool,
			(int32_t)(frame * (size_t)i), SIZE, SIZE, SIZE * 4,
			WL_SHM_FORMAT_XRGB8888);
	}
	wl_shm_pool_destroy(pool);
	munmap(pixels, frame * FRAMES);
	close(fd);
	guest_roundtrip(p->guest);
}

static void
painter_commit(struct painter *p, int i)
{
	wl_surface_attach(p->surface, p->buffers[i], 0, 0);
	wl_surface_damage(p->surface, 0, 0, SIZE, SIZE);
	wl_surface_commit(p->surface);
}

/* Leaves the guest's own objects without requests: the caller decides
 * whether the proxy sees them destroyed or the guest vanish. */
static void
painter_forget(struct painter *p)
{
	for (int i = 0; i < FRAMES; i++)
		wl_proxy_destroy((struct wl_proxy *)p->buffers[i]);
	wl_proxy_destroy((struct wl_proxy *)p->surface);
	wl_proxy_destroy((struct wl_proxy *)p->shm);
	wl_proxy_destroy((struct wl_proxy *)p->compositor);
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

static void
count_global(void *data, struct wl_registry *registry, uint32_t name,
	     const char *interface, uint32_t version)
{
	(*(int *)data)++;
}

static void
count_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener counting_registry_listener = {
	.global = count_global,
	.global_remove = count_global_remove,
};

static void
sync_flag(struct wl_display *display, bool *flag)
{
	*flag = false;
	wl_callback_add_listener(wl_display_sync(display), &callback_listener, flag);
}

static void
dispatch_until(struct wl_display *display, const bool *flag)
{
	for (int i = 0; i < GUEST_TIMEOUT_MS && !*flag; i++)
		CHECK(guest_dispatch_timeout(display, 1) >= 0);
	CHECK_MSG(*flag, "no answer within %d ms", GUEST_TIMEOUT_MS);
}

struct count {
	int want;
};

static bool
host_has_commits(struct env *env, void *data)
{
	struct host_stats st;
	env_host_stats(env, &st);
	return st.buffer_commits >= ((struct count *)data)->want;
}

static void
wait_host_commits(struct env *env, int want)
{
	struct count c = { want };
	CHECK_MSG(env_wait_until(env, host_has_commits, &c, GUEST_TIMEOUT_MS),
		  "the host never got %d buffer commits", want);
}

static bool
proxy_holds(struct env *env, void *data)
{
	return env_proxy_held_count(env) >= ((struct count *)data)->want;
}

static bool
proxy_serves(struct env *env, void *data)
{
	return env_proxy_guest_count(env) == ((struct count *)data)->want;
}

static bool
host_serves(struct env *env, void *data)
{
	struct host_stats st;
	env_host_stats(env, &st);
	return st.clients == ((struct count *)data)->want;
}

/* The requests host client `client` sent after its `nth` wl_surface.commit,
 * space-separated, without the client number. */
static void
host_requests_after_commit(struct env *env, int client, int nth, char *out,
			   size_t size)
{
	char *log = malloc(HOST_LOG_SIZE);
	CHECK(log);
	env_host_log(env, log, HOST_LOG_SIZE);
	char prefix[16];
	int plen = snprintf(prefix, sizeof(prefix), "%d:", client);
	int commits = 0;
	size_t n = 0;
	out[0] = '\0';
	for (char *save, *tok = strtok_r(log, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (strncmp(tok, prefix, (size_t)plen) != 0)
			continue;
		const char *req = tok + plen;
		if (commits >= nth) {
			int w = snprintf(out + n, size - n, "%s%s", n ? " " : "", req);
			CHECK(w > 0 && (size_t)w < size - n);
			n += (size_t)w;
		}
		if (strcmp(req, "wl_surface.commit") == 0)
			commits++;
	}
	CHECK_MSG(commits >= nth, "client %d made %d commits, not %d", client,
		  commits, nth);
	free(log);
}

/* The host client number of the last wl_compositor.create_surface. */
static int
host_client_of_last_surface(struct env *env)
{
	char *log = malloc(HOST_LOG_SIZE);
	CHECK(log);
	env_host_log(env, log, HOST_LOG_SIZE);
	int client = -1;
	for (char *save, *tok = strtok_r(log, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		const char *colon = strchr(tok, ':');
		if (colon && strcmp(colon + 1, "wl_compositor.create_surface") == 0)
			client = atoi(tok);
	}
	free(log);
	CHECK(client >= 0);
	return client;
}

/* (d), in a child: parks a commit the host never answers and expects the
 * proxy's error. */
static int
starved_guest_main(struct wl_display *display, int ctl, void *data)
{
	guest_capture_log();
	if (env_ctl_recv(ctl) != 'g')
		return 2;
	struct painter p;
	painter_init(&p, display);
	for (int i = 0; i < FRAMES; i++)
		painter_commit(&p, i);
	bool synced;
	sync_flag(display, &synced);
	CHECK(wl_display_flush(display) >= 0);
	env_ctl_send(ctl, 'c');
	int r;
	while ((r = guest_dispatch_timeout(display, GUEST_TIMEOUT_MS)) > 0)
		;
	CHECK_MSG(r < 0, "no error within %d ms", GUEST_TIMEOUT_MS);
	CHECK(!synced);
	CHECK_INT(wl_display_get_error(display), ==, EPROTO);
	CHECK_CONTAINS(guest_last_log(), "wl-guest-proxy: the host compositor "
		       "holds all 4 buffers of wl_surface@");
	CHECK_CONTAINS(guest_last_log(), "and released none within 1000 ms");
	return 0;
}

/* (f), in a child: parks a commit, then the host drops the connection. */
static int
orphaned_guest_main(struct wl_display *display, int ctl, void *data)
{
	guest_capture_log();
	if (env_ctl_recv(ctl) != 'g')
		return 2;
	struct painter p;
	painter_init(&p, display);
	for (int i = 0; i < FRAMES; i++)
		painter_commit(&p, i);
	bool synced;
	sync_flag(display, &synced);
	CHECK(wl_display_flush(display) >= 0);
	env_ctl_send(ctl, 'c');
	int r;
	while ((r = guest_dispatch_timeout(display, GUEST_TIMEOUT_MS)) > 0)
		;
	CHECK_MSG(r < 0, "no error within %d ms", GUEST_TIMEOUT_MS);
	CHECK(!synced);
	CHECK_INT(wl_display_get_error(display), ==, EPROTO);
	CHECK_CONTAINS(guest_last_log(), "wl-guest-proxy: lost the connection "
		       "to the host compositor");
	return 0;
}

static void
test_host_lost_while_parked(struct env *env, struct guest *b, pid_t pid,
			    int ctl, int *host_commits, int guests)
{
	env_ctl_send(ctl, 'g');
	CHECK(env_ctl_recv(ctl) == 'c');
	*host_commits += FRAMES - 1;
	wait_host_commits(env, *host_commits);
	struct count held = { 2 }; /* the commit and the sync */
	CHECK(env_wait_until(env, proxy_holds, &held, GUEST_TIMEOUT_MS));
	env_host_disconnect_client(env, host_client_of_last_surface(env));
	CHECK_INT(env_wait_child(env, pid), ==, 0);
	struct count left = { guests - 1 };
	CHECK(env_wait_until(env, proxy_serves, &left, GUEST_TIMEOUT_MS));
	CHECK_INT(env_proxy_held_count(env), ==, 0);
	guest_roundtrip(b);
}

static void
test_starved_guest(struct env *env, struct guest *b, pid_t pid, int ctl,
		   int *host_commits)
{
	env_ctl_send(ctl, 'g');
	CHECK(env_ctl_recv(ctl) == 'c');
	*host_commits += FRAMES - 1;
	wait_host_commits(env, *host_commits);
	/* B is served while the child's commit waits and after it failed. */
	for (int i = 0; i < 3; i++)
		guest_roundtrip(b);
	CHECK_INT(env_wait_child(env, pid), ==, 0);
	struct count four = { 4 }; /* B, A, E and (f)'s */
	CHECK(env_wait_until(env, proxy_serves, &four, GUEST_TIMEOUT_MS));
	CHECK_INT(env_proxy_held_count(env), ==, 0);
	guest_roundtrip(b);
}

static void
test_parked_commit(struct env *env, struct guest *b, struct painter *a,
		   int *host_commits)
{
	struct wl_display *display = a->guest->display;
	int client = host_client_of_last_surface(env);
	char seen[1024];

	/* Four frames take the surface's four host buffers; the fifth is
	 * parked, and what follows in the same flush waits behind it. */
	for (int i = 0; i < FRAMES; i++)
		painter_commit(a, i);
	wl_surface_damage(a->surface, 1, 2, 3, 4);
	bool frame_done = false;
	wl_callback_add_listener(wl_surface_frame(a->surface), &callback_listener,
				 &frame_done);
	struct wl_region *region = wl_compositor_create_region(a->compositor);
	wl_region_add(region, 0, 0, 5, 5);
	wl_surface_set_opaque_region(a->surface, region);
	wl_region_destroy(region);
	bool sync1;
	sync_flag(display, &sync1);
	CHECK(wl_display_flush(display) >= 0);
	*host_commits += FRAMES - 1;
	wait_host_commits(env, *host_commits);

	/* (a) */
	for (int i = 0; i < 3; i++)
		guest_roundtrip(b);
	CHECK_INT(env_proxy_guest_count(env), ==, 3);
	CHECK(guest_dispatch_timeout(display, 0) >= 0);
	CHECK(!sync1);

	/* Sent while parked: new objects used at once (one made by a bind,
	 * whose new_id is untyped, and a registry the host must answer), and
	 * a round trip. */
	struct wl_surface *other = wl_compositor_create_surface(a->compositor);
	wl_surface_commit(other);
	wl_surface_destroy(other);
	const struct guest_global *g = guest_find(a->guest, "wl_compositor");
	CHECK(g);
	struct wl_compositor *comp2 = wl_registry_bind(a->guest->registry, g->name,
						       &wl_compositor_interface, 4);
	wl_surface_destroy(wl_compositor_create_surface(comp2));
	struct wl_registry *reg2 = wl_display_get_registry(display);
	int reg2_globals = 0;
	wl_registry_add_listener(reg2, &counting_registry_listener, &reg2_globals);
	bool sync2;
	sync_flag(display, &sync2);
	CHECK(wl_display_flush(display) >= 0);
	struct count held = { 16 }; /* 8 in the first flush, 8 after */
	CHECK(env_wait_until(env, proxy_holds, &held, GUEST_TIMEOUT_MS));
	CHECK_INT(env_proxy_held_count(env), ==, held.want);
	guest_roundtrip(b);

	/* (b) only the fifth frame's damage went ahead: the proxy relays
	 * damage as it comes and copies on commit */
	host_requests_after_commit(env, client, FRAMES - 1, seen, sizeof(seen));
	CHECK_STR(seen, "wl_surface.damage");
	struct host_stats st;
	env_host_stats(env, &st);
	CHECK_INT(st.buffer_commits, ==, *host_commits);
	CHECK(!sync1 && !sync2);

	/* (c) */
	env_host_release_buffers(env);
	dispatch_until(display, &sync2);
	CHECK(sync1);
	*host_commits += 1;
	env_host_stats(env, &st);
	CHECK_INT(st.buffer_commits, ==, *host_commits);
	CHECK_INT(st.last_pixel, ==, frame_color(FRAMES - 1));
	host_requests_after_commit(env, client, FRAMES - 1, seen, sizeof(seen));
	CHECK_STR(seen, "wl_surface.damage wl_surface.attach wl_surface.commit "
		  "wl_surface.damage wl_surface.frame wl_compositor.create_region "
		  "wl_region.add wl_surface.set_opaque_region wl_region.destroy "
		  "wl_display.sync wl_compositor.create_surface wl_surface.commit "
		  "wl_surface.destroy wl_registry.bind wl_compositor.create_surface "
		  "wl_surface.destroy wl_display.get_registry wl_display.sync");
	CHECK_INT(env_proxy_held_count(env), ==, 0);
	/* The registry made while held is the host's, relayed. */
	CHECK_INT(reg2_globals, >=, 2); /* wl_compositor and wl_shm at least */
	wl_registry_destroy(reg2);
	wl_compositor_destroy(comp2);

	/* Unparked, A's requests go straight through again. */
	painter_commit(a, 0);
	guest_roundtrip(a->guest);
	env_host_stats(env, &st);
	CHECK_INT(st.buffer_commits, ==, ++*host_commits);
	CHECK_INT(st.last_pixel, ==, frame_color(0));
}

static void
test_disconnect_while_parked(struct env *env, struct guest *b,
			     struct painter *e, int *host_commits)
{
	struct host_stats st;
	env_host_stats(env, &st);
	int host_clients = st.clients;

	for (int i = 0; i < FRAMES; i++)
		painter_commit(e, i);
	/* Held: a string and an untyped new_id (bind), objects made on it,
	 * a round trip. */
	const struct guest_global *g = guest_find(e->guest, "wl_compositor");
	CHECK(g);
	struct wl_compositor *comp2 = wl_registry_bind(e->guest->registry,
		g->name, &wl_compositor_interface, 4);
	struct wl_surface *s2 = wl_compositor_create_surface(comp2);
	struct wl_callback *frame = wl_surface_frame(s2);
	struct wl_callback *sync = wl_display_sync(e->guest->display);
	CHECK(wl_display_flush(e->guest->display) >= 0);
	*host_commits += FRAMES - 1;
	wait_host_commits(env, *host_commits);
	struct count held = { 5 };
	CHECK(env_wait_until(env, proxy_holds, &held, GUEST_TIMEOUT_MS));

	CHECK_INT(env_proxy_held_count(env), ==, held.want);

	painter_forget(e);
	wl_proxy_destroy((struct wl_proxy *)sync);
	wl_proxy_destroy((struct wl_proxy *)frame);
	wl_proxy_destroy((struct wl_proxy *)s2);
	wl_proxy_destroy((struct wl_proxy *)comp2);
	guest_destroy(e->guest);
	struct count two = { 2 };
	CHECK(env_wait_until(env, proxy_serves, &two, GUEST_TIMEOUT_MS));
	CHECK_INT(env_proxy_held_count(env), ==, 0);
	guest_roundtrip(b);
	struct count clients = { host_clients - 1 };
	CHECK_MSG(env_wait_until(env, host_serves, &clients, GUEST_TIMEOUT_MS),
		  "the host still serves the gone guest's connection");
}

int
main(void)
{
	struct host_config config = { 0 };
	config.version[HOST_COMPOSITOR] = 4;
	config.shm = true;
	config.hold_buffers = true;
	struct env *env = env_create(&config);
	int ctl;
	pid_t starved = env_fork_guest(env, starved_guest_main, NULL, &ctl);
	int orphan_ctl;
	pid_t orphan = env_fork_guest(env, orphaned_guest_main, NULL, &orphan_ctl);
	int ib = env_add_guest(env);
	int ia = env_add_guest(env);
	int ie = env_add_guest(env);
	env_start(env);

	struct guest *b = guest_create(env_guest_connect(env, ib));
	int host_commits = 0;

	test_starved_guest(env, b, starved, ctl, &host_commits);
	test_host_lost_while_parked(env, b, orphan, orphan_ctl, &host_commits, 4);

	struct painter a;
	painter_init(&a, env_guest_connect(env, ia));
	test_parked_commit(env, b, &a, &host_commits);

	struct painter e;
	painter_init(&e, env_guest_connect(env, ie));
	test_disconnect_while_parked(env, b, &e, &host_commits);

	painter_forget(&a);
	guest_destroy(a.guest);
	guest_destroy(b);
	env_destroy(env);
	return 0;
}
