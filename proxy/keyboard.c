/*
 * wl_keyboard: the keymap event carries an fd.  The guest never gets the
 * host's fd: the proxy copies the keymap into a fresh sealed memfd of its
 * own, the form every transport can produce (across the device the host's
 * keymap is a read-only vfd that must be mapped from offset 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-server-protocol.h>

#include "client.h"
#include "log.h"
#include "relay.h"

/* A keymap larger than this is not a keymap. */
#define KEYMAP_MAX_SIZE (16u << 20)

static int
keymap_copy(int host_fd, uint32_t size)
{
	if (size == 0 || size > KEYMAP_MAX_SIZE)
		return -1;
	void *src = mmap(NULL, size, PROT_READ, MAP_PRIVATE, host_fd, 0);
	if (src == MAP_FAILED)
		return -1;
	int fd = memfd_create("wl-guest-proxy-keymap", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		goto out_unmap;
	const char *p = src;
	size_t left = size;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out_close;
		p += n;
		left -= (size_t)n;
	}
	/* Sealed so no guest can change what another client maps; clients
	 * map it MAP_PRIVATE as wl_keyboard v7 requires. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
		  F_SEAL_SEAL) < 0)
		goto out_close;
	munmap(src, size);
	return fd;

out_close:
	close(fd);
out_unmap:
	munmap(src, size);
	return -1;
}

static void
keyboard_event(struct relay_object *ro, uint32_t opcode, union wl_argument *args)
{
	if (opcode != WL_KEYBOARD_KEYMAP) {
		relay_forward_event(ro, opcode, args);
		return;
	}
	/* keymap(format u, fd h, size u) */
	int host_fd = args[1].h;
	int fd = keymap_copy(host_fd, args[2].u);
	close(host_fd);
	if (fd < 0) {
		wlgp_warn("could not copy the host keymap (%u bytes): %s",
			  args[2].u, strerror(errno));
		args[1].h = -1;
		return;
	}
	args[1].h = fd;
	relay_forward_event(ro, opcode, args);
}

const struct relay_override keyboard_override = {
	.interface = "wl_keyboard",
	.event = keyboard_event,
	.fd_events = 1u << WL_KEYBOARD_KEYMAP,
};
