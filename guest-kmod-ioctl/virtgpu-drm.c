/*
 * The kernel side of the virtgpu transport; see virtgpu-drm.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "channel.h"
#include "virtgpu-drm.h"

#define RENDER_NODE_FIRST 128
#define RENDER_NODE_LAST 191

int
vgdrm_ioctl(int fd, unsigned long cmd, void *arg)
{
	int r;
	do
		r = ioctl(fd, cmd, arg);
	while (r < 0 && (errno == EINTR || errno == EAGAIN));
	return r;
}

int
vgdrm_submit(int drm, const void *cmd, uint32_t size, uint32_t *bo, int ring)
{
	struct virtgpu_execbuffer e = {
		.size = size, .command = (uintptr_t)cmd,
		.bo_handles = (uintptr_t)bo, .num_bo_handles = bo ? 1 : 0,
		.fence_fd = -1,
	};
	if (ring >= 0) {
		e.flags = VIRTGPU_EXECBUF_RING_IDX;
		e.ring_idx = (uint32_t)ring;
	}
	return vgdrm_ioctl(drm, VIRTGPU_IOCTL_EXECBUFFER, &e);
}

void
vgdrm_gem_close(int drm, uint32_t handle)
{
	struct drm_gem_close gc = { .handle = handle };
	vgdrm_ioctl(drm, DRM_IOCTL_GEM_CLOSE, &gc);
}

/* ---- probing a render node ---- */

static bool
driver_is_virtio_gpu(int drm)
{
	char name[32] = "";
	struct drm_version v = { .name_len = sizeof(name) - 1, .name = name };
	return vgdrm_ioctl(drm, DRM_IOCTL_VERSION, &v) == 0 &&
	       strcmp(name, VIRTGPU_DRIVER_NAME) == 0;
}

static int
getparam(int drm, uint64_t param, int *value)
{
	*value = 0;
	struct virtgpu_getparam g = { .param = param, .value = (uintptr_t)value };
	return vgdrm_ioctl(drm, VIRTGPU_IOCTL_GETPARAM, &g);
}

int
vgdrm_context_init(int drm)
{
	struct virtgpu_context_set_param p[3] = {
		{ VIRTGPU_CONTEXT_PARAM_CAPSET_ID, VIRTGPU_CAPSET_CROSS_DOMAIN },
		{ VIRTGPU_CONTEXT_PARAM_NUM_RINGS, 2 },
		{ VIRTGPU_CONTEXT_PARAM_POLL_RINGS_MASK, 1u << CROSS_DOMAIN_CHANNEL_RING },
	};
	struct virtgpu_context_init ci = { .num_params = 3, .ctx_set_params = (uintptr_t)p };
	return vgdrm_ioctl(drm, VIRTGPU_IOCTL_CONTEXT_INIT, &ci);
}

int
vgdrm_get_caps(int drm, struct cross_domain_caps *caps)
{
	struct virtgpu_get_caps g = { .cap_set_id = VIRTGPU_CAPSET_CROSS_DOMAIN,
				      .addr = (uintptr_t)caps, .size = sizeof(*caps) };
	return vgdrm_ioctl(drm, VIRTGPU_IOCTL_GET_CAPS, &g);
}

/*
 * Is drm a virtio-gpu whose host offers cross-domain with the Wayland
 * channel?  Returns 1 yes, 0 not this kind of device (why says so), -1 an
 * error the user can act on (why says what to do).
 */
static int
probe(int drm, const char *path, char *why, size_t len)
{
	if (!driver_is_virtio_gpu(drm)) {
		snprintf(why, len, "%s is not virtio_gpu", path);
		return 0;
	}
	int value;
	if (getparam(drm, VIRTGPU_PARAM_CONTEXT_INIT, &value) < 0 || !value) {
		snprintf(why, len, "%s: the guest kernel lacks context_init (it needs "
			 "Linux >= 5.16 with CONFIG_DRM_VIRTIO_GPU; dmesg shows the "
			 "features as '+context_init')", path);
		return -1;
	}
	if (getparam(drm, VIRTGPU_PARAM_RESOURCE_BLOB, &value) < 0 || !value ||
	    getparam(drm, VIRTGPU_PARAM_HOST_VISIBLE, &value) < 0 || !value) {
		snprintf(why, len, "%s: the device lacks blob resources or host-visible "
			 "memory (dmesg must show '+resource_blob +host_visible'; give "
			 "crosvm/QEMU a hostmem size)", path);
		return -1;
	}
	if (getparam(drm, VIRTGPU_PARAM_SUPPORTED_CAPSET_IDS, &value) < 0 ||
	    !(value & (1 << VIRTGPU_CAPSET_CROSS_DOMAIN))) {
		snprintf(why, len, "%s: the host does not offer cross-domain (start "
			 "crosvm with --gpu context-types=cross-domain, or QEMU with "
			 "-device virtio-gpu-rutabaga,cross-domain=on)", path);
		return 0;
	}
	struct cross_domain_caps caps = { 0 };
	int r = vgdrm_get_caps(drm, &caps);
	if (r < 0 && errno == EINVAL) {
		/* Some kernels answer GET_CAPS only once the file has a
		 * context. */
		if (vgdrm_context_init(drm) == 0)
			r = vgdrm_get_caps(drm, &caps);
	}
	if (r < 0) {
		snprintf(why, len, "%s: GET_CAPS failed (%s): the guest kernel lacks "
			 "context_init, or the host was not started with cross-domain",
			 path, strerror(errno));
		return -1;
	}
	if (!(caps.supported_channels & (1u << CROSS_DOMAIN_CHANNEL_TYPE_WAYLAND))) {
		snprintf(why, len, "%s: the host's cross-domain has no Wayland channel "
			 "(crosvm needs --wayland-sock; QEMU wayland-socket-path=)", path);
		return -1;
	}
	return 1;
}

/* Finds the device: the given path, or the first render node that is a
 * cross-domain virtio-gpu.  0 found (path filled), 1 none, -1 error. */
int
vgdrm_find_device(const char *given, char *path, size_t pathlen, char *why, size_t len)
{
	why[0] = '\0';
	for (int n = RENDER_NODE_FIRST; n <= RENDER_NODE_LAST; n++) {
		if (given)
			snprintf(path, pathlen, "%s", given);
		else
			snprintf(path, pathlen, "/dev/dri/renderD%d", n);
		int drm = open(path, O_RDWR | O_CLOEXEC);
		if (drm < 0) {
			if (given) {
				snprintf(why, len, "cannot open %s: %s", path, strerror(errno));
				return errno == ENOENT ? 1 : -1;
			}
			if (errno == ENOENT)
				break; /* render nodes are numbered without gaps */
			snprintf(why, len, "cannot open %s: %s", path, strerror(errno));
			continue;
		}
		int r = probe(drm, path, why, len);
		close(drm);
		if (r != 0 || given)
			return r > 0 ? 0 : r < 0 ? -1 : 1;
	}
	if (!why[0])
		snprintf(why, len, "no render node in /dev/dri (the guest kernel needs "
			 "CONFIG_DRM_VIRTIO_GPU and the VM a virtio-gpu device)");
	return 1;
}

/* ---- a DRM file with a context and rings ---- */

void *
vgdrm_map_blob(int drm, uint32_t handle, size_t size)
{
	struct virtgpu_map m = { .handle = handle };
	if (vgdrm_ioctl(drm, VIRTGPU_IOCTL_MAP, &m) < 0)
		return NULL;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, drm, (off_t)m.offset);
	return p == MAP_FAILED ? NULL : p;
}

int
vgdrm_create_blob(int drm, uint32_t mem, uint32_t flags, uint64_t size, uint64_t blob_id,
	    uint32_t *handle, uint32_t *res)
{
	struct virtgpu_create_blob b = { .blob_mem = mem, .blob_flags = flags,
					 .size = size, .blob_id = blob_id };
	if (vgdrm_ioctl(drm, VIRTGPU_IOCTL_CREATE_BLOB, &b) < 0)
		return -1;
	*handle = b.bo_handle;
	if (res)
		*res = b.res_handle;
	return 0;
}

void
vgdrm_file_close(struct vgdrm_file *xf)
{
	if (xf->query)
		munmap(xf->query, CROSS_DOMAIN_RING_SIZE);
	if (xf->channel)
		munmap(xf->channel, CROSS_DOMAIN_RING_SIZE);
	if (xf->drm >= 0)
		close(xf->drm); /* the kernel frees the rings and the context */
	xf->drm = -1;
	xf->query = xf->channel = NULL;
}

int
vgdrm_file_open(struct vgdrm_file *xf, const char *device, char *err, size_t errlen)
{
	memset(xf, 0, sizeof(*xf));
	xf->drm = open(device, O_RDWR | O_CLOEXEC);
	if (xf->drm < 0) {
		snprintf(err, errlen, "cannot open %s: %s", device, strerror(errno));
		return -1;
	}
	struct cross_domain_caps caps;
	uint32_t query_res = 0, channel_res = 0;
	const char *step = "CONTEXT_INIT";
	if (vgdrm_context_init(xf->drm) < 0)
		goto fail;
	/* Some kernels want GET_CAPS before blobs of a new context. */
	step = "GET_CAPS";
	if (vgdrm_get_caps(xf->drm, &caps) < 0)
		goto fail;
	step = "CREATE_BLOB (rings)";
	if (vgdrm_create_blob(xf->drm, VIRTGPU_BLOB_MEM_GUEST, VIRTGPU_BLOB_FLAG_USE_MAPPABLE,
			CROSS_DOMAIN_RING_SIZE, 0, &xf->query_handle, &query_res) < 0 ||
	    vgdrm_create_blob(xf->drm, VIRTGPU_BLOB_MEM_GUEST, VIRTGPU_BLOB_FLAG_USE_MAPPABLE,
			CROSS_DOMAIN_RING_SIZE, 0, &xf->channel_handle, &channel_res) < 0)
		goto fail;
	step = "MAP (rings)";
	xf->query = vgdrm_map_blob(xf->drm, xf->query_handle, CROSS_DOMAIN_RING_SIZE);
	xf->channel = vgdrm_map_blob(xf->drm, xf->channel_handle, CROSS_DOMAIN_RING_SIZE);
	if (!xf->query || !xf->channel)
		goto fail;
	struct cross_domain_init in = {
		.hdr = { .cmd = CROSS_DOMAIN_CMD_INIT, .cmd_size = sizeof(in) },
		.query_ring_id = query_res, .channel_ring_id = channel_res,
		.channel_type = CROSS_DOMAIN_CHANNEL_TYPE_WAYLAND,
	};
	step = "INIT";
	if (vgdrm_submit(xf->drm, &in, sizeof(in), NULL, -1) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cross-domain set-up on %s failed at %s: %s%s", device,
		 step, strerror(errno), errno == EINVAL && step[0] == 'C' && step[1] == 'O'
		 ? " (the guest kernel lacks context_init, or the host was not "
		   "started with cross-domain)" : "");
	vgdrm_file_close(xf);
	return -1;
}

int
vgdrm_poll(struct vgdrm_file *xf)
{
	struct cross_domain_poll p = { .hdr = { .cmd = CROSS_DOMAIN_CMD_POLL,
						.cmd_size = sizeof(p) } };
	return vgdrm_submit(xf->drm, &p, sizeof(p), &xf->channel_handle,
		      CROSS_DOMAIN_CHANNEL_RING);
}

int
channel_virtgpu_probe(const char *device, char *path, size_t pathlen,
		      char *why, size_t whylen)
{
	return vgdrm_find_device(device && *device ? device : NULL, path, pathlen, why, whylen);
}
