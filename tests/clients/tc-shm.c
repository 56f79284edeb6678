/* Shared-memory helpers for the e2e test clients. */
#include "tc-shm.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>

int
tc_create_shm_file(size_t size)
{
	int fd = memfd_create("wlgp-test-client", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	while (ftruncate(fd, (off_t)size) < 0) {
		if (errno == EINTR)
			continue;
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
tc_create_filled_shm_file(size_t size, uint32_t pixel)
{
	int fd = tc_create_shm_file(size);
	if (fd < 0)
		return -1;
	uint32_t *words = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (words == MAP_FAILED) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	for (size_t i = 0; i < size / 4; i++)
		words[i] = pixel;
	munmap(words, size);
	return fd;
}

/* A buffer in a pool of its own over fd; the pool is not needed after. */
static struct wl_buffer *
create_pool_buffer(struct wl_shm *shm, int fd, size_t size, int32_t width,
		   int32_t height, int32_t stride, uint32_t format, int32_t offset)
{
	struct wl_shm_pool *pool = wl_shm_create_pool(shm, fd, (int32_t)size);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, offset, width, height,
							     stride, format);
	wl_shm_pool_destroy(pool);
	return buffer;
}

struct wl_buffer *
tc_create_solid_buffer(struct wl_shm *shm, int32_t width, int32_t height,
		       uint32_t pixel)
{
	int32_t stride = width * 4;
	size_t size = (size_t)stride * (size_t)height;
	int fd = tc_create_filled_shm_file(size, pixel);
	if (fd < 0)
		return NULL;
	struct wl_buffer *buffer = create_pool_buffer(shm, fd, size, width, height,
						      stride, WL_SHM_FORMAT_XRGB8888, 0);
	close(fd);
	return buffer;
}

static void
buffer_release(void *data, struct wl_buffer *wl_buffer)
{
	struct tc_buffer *buffer = data;
	buffer->busy = false;
	if (buffer->release)
		buffer->release(buffer);
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_release,
};

bool
tc_buffer_init(struct tc_buffer *buffer, struct wl_shm *shm, int32_t width,
	       int32_t height, int32_t stride, uint32_t format, int32_t offset)
{
	memset(buffer, 0, sizeof *buffer);
	size_t size = (size_t)offset + (size_t)stride * (size_t)height;
	int fd = tc_create_shm_file(size);
	if (fd < 0)
		return false;
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		int saved = errno;
		close(fd);
		errno = saved;
		return false;
	}
	buffer->wl_buffer = create_pool_buffer(shm, fd, size, width, height, stride,
					       format, offset);
	close(fd);
	wl_buffer_add_listener(buffer->wl_buffer, &buffer_listener, buffer);
	buffer->map = map;
	buffer->map_size = size;
	buffer->data = (char *)map + offset;
	buffer->width = width;
	buffer->height = height;
	buffer->stride = stride;
	return true;
}

void
tc_buffer_finish(struct tc_buffer *buffer)
{
	if (buffer->wl_buffer)
		wl_buffer_destroy(buffer->wl_buffer);
	if (buffer->map)
		munmap(buffer->map, buffer->map_size);
	memset(buffer, 0, sizeof *buffer);
}
