/*
 * memory-client: asks the proxy for many host buffers, for the per-client
 * bound on host-buffer memory (tests/e2e/test_host_memory.py).
 *
 * Usage: memory-client N WxH
 *   One WxH XRGB8888 wl_buffer (a zero-filled pool of its own) is attached
 *   to N role-less wl_surfaces in turn, each damaged whole and committed:
 *   through the proxy every surface needs a host buffer of its own
 *   (W*4*H bytes).  After each commit's round trip it prints
 *   "COMMITTED i"; after the last, "DONE", and then stays up (holding them
 *   all) until killed.
 * On an error it prints PROTOCOL_ERROR (tc_globals_report_error) and
 * "ERROR_MESSAGE <text>" and exits 2; 1 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wayland-client.h>

#include "tc-shm.h"
#include "tc-wayland.h"

static int
report_error(struct tc_globals *globals)
{
	struct tc_protocol_error error;
	if (tc_globals_report_error(globals, &error)) {
		/* libwayland-client logs "<iface>@<id>: error <code>: <text>". */
		const char *marker = strstr(tc_log_text(), ": error ");
		const char *msg = marker ? strstr(marker + 8, ": ") : NULL;
		if (msg)
			printf("ERROR_MESSAGE %.*s\n", (int)strcspn(msg + 2, "\n"), msg + 2);
	}
	return 2;
}

int
main(int argc, char **argv)
{
	int n, w, h;
	if (argc != 3 || (n = atoi(argv[1])) < 1 ||
	    sscanf(argv[2], "%dx%d", &w, &h) != 2 || w < 1 || h < 1) {
		fprintf(stderr, "usage: memory-client N WxH\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	tc_log_capture_start();

	struct tc_globals *globals = tc_globals_create("memory-client",
		&(struct tc_globals_options){ .compositor_version = 4 });
	if (!globals)
		return 2;
	if (globals->compositor_version < 4) {
		fprintf(stderr, "memory-client: wl_compositor v4 needed\n");
		return 2;
	}
	size_t size = (size_t)w * 4 * (size_t)h;
	int fd = tc_create_shm_file(size);
	if (fd < 0) {
		perror("memory-client: shm file");
		return 2;
	}
	struct wl_shm_pool *pool = wl_shm_create_pool(globals->shm, fd, (int32_t)size);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, w, h, w * 4,
							     WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);

	for (int i = 1; i <= n; i++) {
		struct wl_surface *surface = wl_compositor_create_surface(globals->compositor);
		wl_surface_attach(surface, buffer, 0, 0);
		wl_surface_damage_buffer(surface, 0, 0, w, h);
		wl_surface_commit(surface);
		if (wl_display_roundtrip(globals->display) < 0)
			return report_error(globals);
		printf("COMMITTED %d\n", i);
	}
	printf("DONE\n");
	while (wl_display_dispatch(globals->display) >= 0)
		;
	return report_error(globals);
}
