/*
 * The direct transport: the host compositor's socket is on this machine
 * (development, nesting, tests).  A context is a plain connect(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "channel.h"

struct direct_channel {
	struct channel base;
	struct sockaddr_un addr;
};

static int
direct_open_context(struct channel *ch, char *err, size_t errlen)
{
	struct direct_channel *dc = (struct direct_channel *)ch;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&dc->addr, sizeof(dc->addr)) < 0) {
		snprintf(err, errlen, "cannot connect to the host compositor at "
			 "%s: %s (is it running? see --host-display)",
			 dc->addr.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* On direct the host maps our memfd itself. */
static int
direct_alloc_memory(struct channel *ch, size_t size, struct channel_memory *out)
{
	int fd = memfd_create("wl-guest-proxy-host-buffer",
			      MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) < 0)
		goto fail;
	/* Nobody may shrink it under the host's mapping. */
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL);
	/* MAP_POPULATE: first-touch page faults would otherwise cost as
	 * much as the first copies into the buffer. */
	out->data = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, fd, 0);
	if (out->data == MAP_FAILED)
		goto fail;
	out->fd = fd;
	out->size = size;
	return 0;
fail:;
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static void
direct_free_memory(struct channel *ch, struct channel_memory *mem)
{
	if (mem->data)
		munmap(mem->data, mem->size);
	if (mem->fd >= 0)
		close(mem->fd);
	mem->data = NULL;
	mem->fd = -1;
}

static void
direct_destroy(struct channel *ch)
{
	free(ch);
}

static const struct channel_impl direct_impl = {
	.name = "direct",
	.open_context = direct_open_context,
	.alloc_memory = direct_alloc_memory,
	.free_memory = direct_free_memory,
	.destroy = direct_destroy,
};

struct channel *
channel_direct_create(const char *host_display, char *err, size_t errlen)
{
	if (!host_display || !*host_display)
		host_display = getenv("WAYLAND_DISPLAY");
	if (!host_display || !*host_display) {
		snprintf(err, errlen, "no host compositor given: pass "
			 "--host-display NAME|PATH or set WAYLAND_DISPLAY");
		return NULL;
	}

	struct direct_channel *dc = calloc(1, sizeof(*dc));
	if (!dc) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	dc->addr.sun_family = AF_UNIX;
	int n;
	if (host_display[0] == '/') {
		n = snprintf(dc->addr.sun_path, sizeof(dc->addr.sun_path),
			     "%s", host_display);
	} else {
		const char *dir = getenv("XDG_RUNTIME_DIR");
		if (!dir) {
			snprintf(err, errlen, "XDG_RUNTIME_DIR is not set: set it "
				 "or give --host-display as an absolute path");
			free(dc);
			return NULL;
		}
		n = snprintf(dc->addr.sun_path, sizeof(dc->addr.sun_path),
			     "%s/%s", dir, host_display);
	}
	if (n < 0 || (size_t)n >= sizeof(dc->addr.sun_path)) {
		snprintf(err, errlen, "host display path too long: %s", host_display);
		free(dc);
		return NULL;
	}
	dc->base.impl = &direct_impl;
	snprintf(dc->base.host_name, sizeof(dc->base.host_name), "%s",
		 dc->addr.sun_path);
	return &dc->base;
}
