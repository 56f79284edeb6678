/*
 * roundtrip-client: a bystander for the e2e suite.  It has no window (so
 * it takes no keyboard focus from the clients a test drives) and makes
 * wl_display round trips one after the other, --interval ms apart; each is
 * a wl_display.sync that the proxy relays to the host and back, so it
 * completes only while the proxy's event loop is serving.  One line per
 * completed round trip:
 *   RT n=<count> t=<CLOCK_MONOTONIC in ms>
 * (the clock of Python's time.monotonic(), so a test can tell which round
 * trips completed inside a window of time it knows).
 *
 * Usage: roundtrip-client [--interval MS]   (default 20)
 * Runs until killed.  Exit status 2 when the connection fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wayland-client.h>

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	long interval = 20;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
			interval = strtol(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: roundtrip-client [--interval MS]\n");
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct wl_display *display = wl_display_connect(NULL);
	if (!display) {
		fprintf(stderr, "roundtrip-client: cannot connect: %s\n", strerror(errno));
		return 2;
	}
	struct timespec pause = { .tv_sec = interval / 1000,
				  .tv_nsec = (interval % 1000) * 1000000L };
	for (unsigned long n = 1;; n++) {
		if (wl_display_roundtrip(display) < 0) {
			fprintf(stderr, "roundtrip-client: connection lost: %s\n",
				strerror(wl_display_get_error(display)));
			return 2;
		}
		printf("RT n=%lu t=%.3f\n", n, now_ms());
		nanosleep(&pause, NULL);
	}
}
