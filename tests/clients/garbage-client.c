/*
 * garbage-client: connects to $WAYLAND_DISPLAY as a raw unix socket, writes
 * malformed Wayland wire data and waits for the server to hang up.
 *
 * Usage: garbage-client [VARIANT]
 *   bad-object   (default) a request to object id 1000, which does not exist
 *   bad-opcode   wl_display (object 1) opcode 9, out of range
 *   truncated    wl_display.get_registry whose size (8) leaves out its
 *                new_id argument
 *   short-size   a header whose size field (4) is smaller than a header
 *   huge-size    a header announcing 65532 bytes, followed by junk until
 *                the server gives up
 *
 * It prints every wl_display.error event it receives as
 *   DISPLAY_ERROR object=<id> code=<code> message=<text>
 * and then "EOF" when the server closed the connection.
 * Exit status: 0 if the server closed the connection within 5 s,
 * 1 if it kept it open longer, 2 on setup failures.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 5000

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int
connect_display(void)
{
	const char *name = getenv("WAYLAND_DISPLAY");
	const char *dir = getenv("XDG_RUNTIME_DIR");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int n;

	if (!name)
		name = "wayland-0";
	if (name[0] == '/')
		n = snprintf(addr.sun_path, sizeof addr.sun_path, "%s", name);
	else if (dir)
		n = snprintf(addr.sun_path, sizeof addr.sun_path, "%s/%s", dir, name);
	else {
		fprintf(stderr, "garbage-client: XDG_RUNTIME_DIR not set\n");
		return -1;
	}
	if (n < 0 || (size_t)n >= sizeof addr.sun_path) {
		fprintf(stderr, "garbage-client: socket path too long\n");
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("garbage-client: socket");
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		fprintf(stderr, "garbage-client: connect %s: %s\n", addr.sun_path,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
put_header(uint32_t *w, uint32_t object, uint32_t size, uint32_t opcode)
{
	w[0] = object;
	w[1] = (size << 16) | (opcode & 0xffff);
}

/* Parse whatever the server sent and print wl_display.error events. */
static void
parse_events(const uint8_t *buf, size_t len)
{
	size_t off = 0;
	while (len - off >= 8) {
		uint32_t hdr[2];
		memcpy(hdr, buf + off, 8);
		uint32_t size = hdr[1] >> 16;
		uint32_t opcode = hdr[1] & 0xffff;
		if (size < 8 || size > len - off)
			break;
		if (hdr[0] == 1 && opcode == 0 && size >= 20) {
			uint32_t args[3];
			memcpy(args, buf + off + 8, 12);
			uint32_t slen = args[2];
			const char *msg = (const char *)buf + off + 20;
			if (slen > size - 20)
				slen = size - 20;
			printf("DISPLAY_ERROR object=%u code=%u message=%.*s\n", args[0], args[1],
			       slen > 0 ? (int)slen - 1 : 0, msg);
		} else {
			printf("EVENT object=%u opcode=%u size=%u\n", hdr[0], opcode, size);
		}
		off += size;
	}
}

int
main(int argc, char **argv)
{
	const char *variant = argc > 1 ? argv[1] : "bad-object";
	uint32_t msg[4];
	size_t msg_len;
	bool flood = false;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	if (strcmp(variant, "bad-object") == 0) {
		put_header(msg, 1000, 8, 0);
		msg_len = 8;
	} else if (strcmp(variant, "bad-opcode") == 0) {
		put_header(msg, 1, 8, 9);
		msg_len = 8;
	} else if (strcmp(variant, "truncated") == 0) {
		put_header(msg, 1, 8, 1); /* get_registry without its new_id */
		msg_len = 8;
	} else if (strcmp(variant, "short-size") == 0) {
		put_header(msg, 1, 4, 0);
		msg[2] = 2;
		msg_len = 12;
	} else if (strcmp(variant, "huge-size") == 0) {
		put_header(msg, 1, 0xfffc, 0);
		msg_len = 8;
		flood = true;
	} else {
		fprintf(stderr, "garbage-client: unknown variant '%s'\n", variant);
		return 2;
	}

	int fd = connect_display();
	if (fd < 0)
		return 2;
	if (write(fd, msg, msg_len) != (ssize_t)msg_len) {
		/* The server may already have hung up; that is a disconnect too. */
		if (errno == EPIPE || errno == ECONNRESET) {
			printf("EOF (write: %s)\n", strerror(errno));
			return 0;
		}
		perror("garbage-client: write");
		return 2;
	}
	printf("SENT %s\n", variant);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

	static uint8_t junk[4096];
	memset(junk, 0xab, sizeof junk);
	size_t flooded = 0;
	const size_t flood_max = 1u << 20;

	static uint8_t in[65536];
	size_t in_len = 0;
	uint64_t start = now_ms();
	for (;;) {
		uint64_t elapsed = now_ms() - start;
		if (elapsed >= TIMEOUT_MS) {
			parse_events(in, in_len);
			printf("TIMEOUT: connection still open after %u ms\n", TIMEOUT_MS);
			return 1;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (flood && flooded < flood_max)
			pfd.events |= POLLOUT;
		int ret = poll(&pfd, 1, (int)(TIMEOUT_MS - elapsed));
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			perror("garbage-client: poll");
			return 2;
		}
		if (pfd.revents & POLLOUT) {
			ssize_t w = write(fd, junk, sizeof junk);
			if (w > 0)
				flooded += (size_t)w;
			else if (w < 0 && (errno == EPIPE || errno == ECONNRESET)) {
				/* Keep reading: an error event may still be queued. */
				flood = false;
			}
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(fd, in + in_len, sizeof in - in_len);
			if (r > 0) {
				in_len += (size_t)r;
				if (in_len == sizeof in) {
					parse_events(in, in_len);
					in_len = 0;
				}
				continue;
			}
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			parse_events(in, in_len);
			if (r == 0)
				printf("EOF after %llu ms\n", (unsigned long long)(now_ms() - start));
			else
				printf("EOF (%s) after %llu ms\n", strerror(errno),
				       (unsigned long long)(now_ms() - start));
			close(fd);
			return 0;
		}
	}
}
