/*
 * roundtrip-client: a bystander for the e2e tests that check one client's
 * trouble holds nobody else up.  Does wl_display_roundtrip in a loop, a
 * couple of milliseconds apart, and prints for every one completed
 *   RT n=N t=SECONDS
 * (t: CLOCK_MONOTONIC, comparable with the test's time.monotonic()).  Runs
 * until killed; exit status 2 on a connection or protocol error.
 */
#include <stdio.h>
#include <time.h>

#include <wayland-client.h>

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct wl_display *display = wl_display_connect(NULL);
	if (!display) {
		fprintf(stderr, "roundtrip-client: cannot connect\n");
		return 2;
	}
	const struct timespec pause = { 0, 2 * 1000 * 1000 };
	for (unsigned n = 1;; n++) {
		if (wl_display_roundtrip(display) < 0) {
			fprintf(stderr, "roundtrip-client: connection failed (error %d)\n",
				wl_display_get_error(display));
			return 2;
		}
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("RT n=%u t=%.6f\n", n, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
		nanosleep(&pause, NULL);
	}
}
