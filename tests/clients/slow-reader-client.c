/*
 * slow-reader-client: sends a burst of wl_display.sync requests, then does
 * not read for a while, so the answers pile up in the server's direction,
 * then reads them all.
 *
 * Usage: slow-reader-client N [PAUSE_MS [GAP_US]]
 *   N         number of wl_display.sync requests sent at once (each answer
 *             is a wl_callback.done plus a wl_display.delete_id: 24 bytes)
 *   PAUSE_MS  how long not to read after sending (default 1000)
 *   GAP_US    a pause after every 64 requests (default 0): a host that
 *             answers a flood faster than its way to us drains drops us
 *             (libwayland's fixed buffers), which is not what is tested
 *
 * Output: "SENT N", then "DONE received/N".
 * Exit status: 0 if every callback fired, 2 if the connection was lost.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wayland-client.h>

static unsigned received;

static void
sync_done(void *data, struct wl_callback *cb, uint32_t serial)
{
	(void)data;
	(void)serial;
	wl_callback_destroy(cb);
	received++;
}

static const struct wl_callback_listener sync_listener = {
	.done = sync_done,
};

static int
lost(struct wl_display *display, unsigned n)
{
	int err = wl_display_get_error(display);
	printf("DONE %u/%u\n", received, n);
	if (err == EPROTO) {
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code = wl_display_get_protocol_error(display, &iface, &id);
		fprintf(stderr, "slow-reader-client: protocol error %s@%u code %u\n",
			iface ? iface->name : "?", id, code);
	} else {
		fprintf(stderr, "slow-reader-client: connection lost: %s\n",
			strerror(err ? err : errno));
	}
	return 2;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: slow-reader-client N [PAUSE_MS]\n");
		return 1;
	}
	unsigned n = (unsigned)strtoul(argv[1], NULL, 0);
	long pause_ms = argc > 2 ? strtol(argv[2], NULL, 0) : 1000;
	long gap_us = argc > 3 ? strtol(argv[3], NULL, 0) : 0;
	struct timespec gap = { .tv_sec = gap_us / 1000000,
				.tv_nsec = (gap_us % 1000000) * 1000L };
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct wl_display *display = wl_display_connect(NULL);
	if (!display) {
		fprintf(stderr, "slow-reader-client: cannot connect: %s\n", strerror(errno));
		return 2;
	}
	if (wl_display_roundtrip(display) < 0)
		return lost(display, n);

	/* Queue the requests, flushing whenever libwayland's buffer fills,
	 * but never reading. */
	for (unsigned i = 0; i < n; i++) {
		struct wl_callback *cb = wl_display_sync(display);
		wl_callback_add_listener(cb, &sync_listener, NULL);
		if ((i & 63) == 63) {
			while (wl_display_flush(display) < 0) {
				if (errno != EAGAIN)
					return lost(display, n);
				struct pollfd pfd = { .fd = wl_display_get_fd(display),
						      .events = POLLOUT };
				if (poll(&pfd, 1, 5000) <= 0) {
					fprintf(stderr, "slow-reader-client: cannot write "
						"(server not reading)\n");
					printf("DONE %u/%u\n", received, n);
					return 2;
				}
			}
			if (gap_us > 0)
				nanosleep(&gap, NULL);
		}
	}
	while (wl_display_flush(display) < 0) {
		if (errno != EAGAIN)
			return lost(display, n);
		struct pollfd pfd = { .fd = wl_display_get_fd(display), .events = POLLOUT };
		poll(&pfd, 1, 1000);
	}
	printf("SENT %u\n", n);

	struct timespec pause = { .tv_sec = pause_ms / 1000,
				  .tv_nsec = (pause_ms % 1000) * 1000000L };
	nanosleep(&pause, NULL);

	while (received < n) {
		if (wl_display_dispatch(display) < 0)
			return lost(display, n);
	}
	printf("DONE %u/%u\n", received, n);
	wl_display_disconnect(display);
	return 0;
}
