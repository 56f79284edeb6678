/*
 * wl_shm: the generic relay cannot forward create_pool, because the pool
 * fd means nothing to the host across the device.  The guest's pools and
 * buffers live here instead; the host's wl_shm object still relays the
 * format list to the guest.
 *
 * Checks and error texts follow libwayland-server's own wl_shm, so a
 * client sees the same errors it would see on a real compositor, plus one
 * stricter check the copy needs: a row must fit its stride.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "client.h"
#include "hold.h"
#include "relay.h"
#include "shm.h"
#include "shm_format.h"

struct shm_pool {
	struct wl_resource *resource; /* NULL once the guest destroyed it */
	int refcount;                 /* the resource + each buffer */
	char *data;
	int32_t size;
	int fd;                       /* kept for resize */
	/* Only used while the guest sends requests, when it is alive. */
	struct guest_client *client;
	/* A read faulted: memfd truncated.  Set by the handler on whichever
	 * thread read, read on the event loop after the copy. */
	_Atomic bool sigbus;
};

/* The pool this thread is reading right now.  A SIGBUS handler gets no
 * user data, so this is the way to it; per thread, as libwayland-server's
 * wl_shm guard is, because copy threads (copy_pool.h) read guest pools
 * beside the event loop, and a fault is delivered to the thread that
 * faulted. */
static _Thread_local struct shm_pool *sigbus_pool;
static struct sigaction sigbus_previous;
static bool sigbus_installed;

static const struct wl_buffer_interface shm_buffer_impl;
static const struct wl_shm_pool_interface shm_pool_impl;

static void
shm_pool_unref(struct shm_pool *pool)
{
	if (--pool->refcount > 0)
		return;
	munmap(pool->data, (size_t)pool->size);
	close(pool->fd);
	free(pool);
}

static void
reraise_sigbus(void)
{
	sigaction(SIGBUS, &sigbus_previous, NULL);
	raise(SIGBUS);
}

static void
handle_sigbus(int signo, siginfo_t *info, void *context)
{
	struct shm_pool *pool = sigbus_pool;
	char *addr = info->si_addr;
	if (!pool || addr < pool->data || addr >= pool->data + pool->size) {
		reraise_sigbus();
		return;
	}
	pool->sigbus = true;
	/* Zero pages over the whole pool: the faulting read is retried and
	 * succeeds, and the copy finishes with garbage we then discard. */
	if (mmap(pool->data, (size_t)pool->size, PROT_READ,
		 MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
		reraise_sigbus();
}

static void
install_sigbus_handler(void)
{
	if (sigbus_installed)
		return;
	struct sigaction sa = {
		.sa_sigaction = handle_sigbus,
		.sa_flags = SA_SIGINFO | SA_NODEFER,
	};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &sigbus_previous);
	sigbus_installed = true;
}

/* wl_buffer */

struct shm_buffer *
shm_buffer_from_resource(struct wl_resource *resource)
{
	if (!resource || !wl_resource_instance_of(resource, &wl_buffer_interface,
						  &shm_buffer_impl))
		return NULL;
	return wl_resource_get_user_data(resource);
}

const void *
shm_buffer_begin_access(struct shm_buffer *buffer)
{
	shm_pool_begin_access(buffer->pool);
	return buffer->pool->data + buffer->offset;
}

bool
shm_buffer_end_access(struct shm_buffer *buffer)
{
	return shm_pool_end_access(buffer->pool);
}

const void *
shm_buffer_data(struct shm_buffer *buffer)
{
	return buffer->pool->data + buffer->offset;
}

struct shm_pool *
shm_buffer_ref_pool(struct shm_buffer *buffer)
{
	buffer->pool->refcount++;
	return buffer->pool;
}

void
shm_pool_release(struct shm_pool *pool)
{
	shm_pool_unref(pool);
}

void
shm_pool_begin_access(void *pool)
{
	sigbus_pool = pool;
}

bool
shm_pool_end_access(void *data)
{
	struct shm_pool *pool = data;
	sigbus_pool = NULL;
	return !pool->sigbus;
}

static void
shm_buffer_destroy_held(struct wl_resource *resource, uint32_t opcode,
			union wl_argument *args)
{
	wl_resource_destroy(resource);
}

static void
shm_buffer_handle_destroy_request(struct wl_client *client,
				  struct wl_resource *resource)
{
	struct shm_buffer *buffer = wl_resource_get_user_data(resource);
	struct guest_client *gc = buffer->pool->client;
	/* A held attach or a parked commit may name this buffer: it goes
	 * in its turn, after them (hold.h). */
	if (hold_active(gc)) {
		hold_request(gc, resource, WL_BUFFER_DESTROY,
			     &wl_buffer_interface.methods[WL_BUFFER_DESTROY],
			     NULL, shm_buffer_destroy_held);
		return;
	}
	wl_resource_destroy(resource);
}

static const struct wl_buffer_interface shm_buffer_impl = {
	.destroy = shm_buffer_handle_destroy_request,
};

static void
shm_buffer_handle_resource_destroy(struct wl_resource *resource)
{
	struct shm_buffer *buffer = wl_resource_get_user_data(resource);
	wl_signal_emit(&buffer->destroy_signal, buffer);
	shm_pool_unref(buffer->pool);
	free(buffer);
}

/* wl_shm_pool */

static bool
format_in_list(const struct wl_array *formats, uint32_t format)
{
	/* argb8888 and xrgb8888 are always supported (wl_shm.format) */
	if (format == WL_SHM_FORMAT_ARGB8888 || format == WL_SHM_FORMAT_XRGB8888)
		return true;
	const uint32_t *f;
	wl_array_for_each(f, formats) {
		if (*f == format)
			return true;
	}
	return false;
}

/* How long a guest that made a buffer before the host's format list was
 * in waits for the list. */
#define FORMATS_TIMEOUT_MS 1000

/* Not a wl_buffer request: the check of a buffer's format, held (hold.h)
 * until the host's format list is complete. */
#define SHM_BUFFER_CHECK_FORMAT UINT32_MAX
static const struct wl_message check_format_message = { "check_format", "", NULL };

static void shm_buffer_check_format(struct wl_resource *resource,
				    uint32_t opcode, union wl_argument *args);

static void
park_until_formats(struct guest_client *gc, struct wl_resource *buffer)
{
	if (!hold_request(gc, buffer, SHM_BUFFER_CHECK_FORMAT,
			  &check_format_message, NULL, shm_buffer_check_format))
		return;
	hold_park(gc, FORMATS_TIMEOUT_MS, "the host compositor sent no complete "
		  "wl_shm format list within %d ms", FORMATS_TIMEOUT_MS);
}

/* Checked against the host's list as libwayland-server checks its own.
 * Replayed once the list is in (client.c resumes the client then). */
static void
shm_buffer_check_format(struct wl_resource *resource, uint32_t opcode,
			union wl_argument *args)
{
	struct shm_buffer *buffer = wl_resource_get_user_data(resource);
	struct guest_client *gc = buffer->pool->client;
	if (!gc->host_shm_formats_done) {
		park_until_formats(gc, resource);
		return;
	}
	if (format_in_list(&gc->host_shm_formats, buffer->format))
		return;
	struct wl_resource *pool = buffer->pool->resource;
	wl_resource_post_error(pool ? pool : resource, WL_SHM_ERROR_INVALID_FORMAT,
			       "invalid format 0x%x", buffer->format);
	/* A compositor runs nothing the client sent after the error. */
	hold_discard(gc);
}

static bool
buffer_fits_pool(const struct shm_pool *pool, int32_t offset, int32_t width,
		 int32_t height, int32_t stride, unsigned bpp)
{
	if (offset < 0 || width <= 0 || height <= 0 || stride <= 0)
		return false;
	if ((int64_t)stride < (int64_t)width * bpp)
		return false;
	return (int64_t)offset + (int64_t)stride * height <= pool->size;
}

static void
shm_pool_handle_create_buffer(struct wl_client *client,
			      struct wl_resource *resource, uint32_t id,
			      int32_t offset, int32_t width, int32_t height,
			      int32_t stride, uint32_t format)
{
	struct shm_pool *pool = wl_resource_get_user_data(resource);
	struct guest_client *gc = pool->client;
	unsigned bpp = shm_format_bytes_per_pixel(format);
	/* A guest may get here before the host's format events did (it did
	 * not wait for its own): only then is the check left for later. */
	bool listed = format_in_list(&gc->host_shm_formats, format);
	if (bpp == 0 || (!listed && gc->host_shm_formats_done)) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FORMAT,
				       "invalid format 0x%x", format);
		return;
	}
	if (!buffer_fits_pool(pool, offset, width, height, stride, bpp)) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				       "invalid width, height or stride (%dx%d, %u)",
				       width, height, stride);
		return;
	}

	struct shm_buffer *buffer = calloc(1, sizeof(*buffer));
	if (!buffer) {
		wl_client_post_no_memory(client);
		return;
	}
	buffer->resource = wl_resource_create(client, &wl_buffer_interface, 1, id);
	if (!buffer->resource) {
		free(buffer);
		wl_client_post_no_memory(client);
		return;
	}
	buffer->pool = pool;
	pool->refcount++;
	buffer->offset = offset;
	buffer->width = width;
	buffer->height = height;
	buffer->stride = stride;
	buffer->format = format;
	buffer->bytes_per_pixel = bpp;
	wl_signal_init(&buffer->destroy_signal);
	wl_resource_set_implementation(buffer->resource, &shm_buffer_impl, buffer,
				       shm_buffer_handle_resource_destroy);
	if (!listed)
		park_until_formats(gc, buffer->resource);
}

static void
shm_pool_handle_destroy_request(struct wl_client *client,
				struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
shm_pool_resize_held(struct wl_resource *resource, uint32_t opcode,
		     union wl_argument *args);

static void
shm_pool_handle_resize(struct wl_client *client, struct wl_resource *resource,
		       int32_t size)
{
	struct shm_pool *pool = wl_resource_get_user_data(resource);
	/* A parked commit may be copying out of this pool on a copy thread:
	 * the mapping must not move under it, so the resize waits its turn
	 * (hold.h). */
	if (hold_active(pool->client)) {
		union wl_argument args[] = { { .i = size } };
		hold_request(pool->client, resource, WL_SHM_POOL_RESIZE,
			     &wl_shm_pool_interface.methods[WL_SHM_POOL_RESIZE],
			     args, shm_pool_resize_held);
		return;
	}
	if (size < pool->size) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				       "shrinking pool invalid");
		return;
	}
	void *data = mremap(pool->data, (size_t)pool->size, (size_t)size,
			    MREMAP_MAYMOVE);
	if (data == MAP_FAILED) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				       "failed mremap");
		return;
	}
	pool->data = data;
	pool->size = size;
}

static void
shm_pool_resize_held(struct wl_resource *resource, uint32_t opcode,
		     union wl_argument *args)
{
	shm_pool_handle_resize(wl_resource_get_client(resource), resource,
			       args[0].i);
}

static const struct wl_shm_pool_interface shm_pool_impl = {
	.create_buffer = shm_pool_handle_create_buffer,
	.destroy = shm_pool_handle_destroy_request,
	.resize = shm_pool_handle_resize,
};

static void
shm_pool_handle_resource_destroy(struct wl_resource *resource)
{
	struct shm_pool *pool = wl_resource_get_user_data(resource);
	pool->resource = NULL;
	shm_pool_unref(pool);
}

/* wl_shm */

static void
shm_create_pool(struct relay_object *ro, uint32_t id, int fd, int32_t size)
{
	struct wl_client *client = ro->client->client;

	if (size <= 0) {
		wl_resource_post_error(ro->resource, WL_SHM_ERROR_INVALID_STRIDE,
				       "invalid size (%d)", size);
		close(fd);
		return;
	}
	struct shm_pool *pool = calloc(1, sizeof(*pool));
	if (!pool) {
		wl_client_post_no_memory(client);
		close(fd);
		return;
	}
	pool->fd = fd;
	pool->size = size;
	pool->refcount = 1;
	pool->client = ro->client;
	/* Read-only: the proxy only ever copies out of a guest pool. */
	pool->data = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	if (pool->data == MAP_FAILED) {
		wl_resource_post_error(ro->resource, WL_SHM_ERROR_INVALID_FD,
				       "failed mmap fd %d: %s", fd, strerror(errno));
		close(fd);
		free(pool);
		return;
	}
	pool->resource = wl_resource_create(client, &wl_shm_pool_interface, 1, id);
	if (!pool->resource) {
		wl_client_post_no_memory(client);
		shm_pool_unref(pool);
		return;
	}
	wl_resource_set_implementation(pool->resource, &shm_pool_impl, pool,
				       shm_pool_handle_resource_destroy);
	install_sigbus_handler();
}

static void
shm_request(struct relay_object *ro, uint32_t opcode, union wl_argument *args)
{
	if (opcode == WL_SHM_CREATE_POOL)
		shm_create_pool(ro, args[0].n, args[1].h, args[2].i);
	else
		relay_forward_request(ro, opcode, args);
}

const struct relay_override shm_override = {
	.interface = "wl_shm",
	.request = shm_request,
	.fd_requests = 1u << WL_SHM_CREATE_POOL,
	/* The guest's pools stay here: nothing to wait for behind a parked
	 * commit, and the pool must exist for the create_buffer after it. */
	.local_requests = 1u << WL_SHM_CREATE_POOL,
};
