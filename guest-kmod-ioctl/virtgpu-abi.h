/*
 * The guest uapi of virtio-gpu as the cross-domain transport uses it (the
 * mainline virtio_gpu driver's blob, context-init and host-visible ioctls,
 * newer than the libdrm headers Debian 12 ships) and rutabaga's
 * cross-domain protocol (capset 5), written from device-abi.md section D.
 * Shared by the virtgpu transport and the device emulator; the asserts pin
 * every size and number to the reference.  Core DRM ioctls (VERSION,
 * GEM_CLOSE, PRIME) come from libdrm's drm.h.
 */
#ifndef WLGP_VIRTGPU_ABI_H
#define WLGP_VIRTGPU_ABI_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <drm.h>

#define VIRTGPU_RENDER_NODE_DEFAULT "/dev/dri/renderD128"
#define VIRTGPU_DRIVER_NAME "virtio_gpu"

/* ---- kernel uapi ---- */

#define VIRTGPU_PARAM_3D_FEATURES 1
#define VIRTGPU_PARAM_CAPSET_QUERY_FIX 2
#define VIRTGPU_PARAM_RESOURCE_BLOB 3
#define VIRTGPU_PARAM_HOST_VISIBLE 4
#define VIRTGPU_PARAM_CROSS_DEVICE 5
#define VIRTGPU_PARAM_CONTEXT_INIT 6
#define VIRTGPU_PARAM_SUPPORTED_CAPSET_IDS 7

#define VIRTGPU_CAPSET_CROSS_DOMAIN 5

#define VIRTGPU_EXECBUF_FENCE_FD_IN 0x01
#define VIRTGPU_EXECBUF_FENCE_FD_OUT 0x02
#define VIRTGPU_EXECBUF_RING_IDX 0x04
#define VIRTGPU_EXECBUF_FLAGS 0x07

#define VIRTGPU_WAIT_NOWAIT 1

#define VIRTGPU_BLOB_MEM_GUEST 1
#define VIRTGPU_BLOB_MEM_HOST3D 2
#define VIRTGPU_BLOB_MEM_HOST3D_GUEST 3
#define VIRTGPU_BLOB_FLAG_USE_MAPPABLE 1
#define VIRTGPU_BLOB_FLAG_USE_SHAREABLE 2
#define VIRTGPU_BLOB_FLAG_USE_CROSS_DEVICE 4
#define VIRTGPU_BLOB_FLAG_USE_MASK 7

#define VIRTGPU_CONTEXT_PARAM_CAPSET_ID 1
#define VIRTGPU_CONTEXT_PARAM_NUM_RINGS 2
#define VIRTGPU_CONTEXT_PARAM_POLL_RINGS_MASK 3
#define VIRTGPU_MAX_RINGS 64

#define VIRTGPU_EVENT_FENCE_SIGNALED 0x90000000u

struct virtgpu_map {
	uint64_t offset; /* out */
	uint32_t handle;
	uint32_t pad;
};

/* 40 bytes; newer kernels append syncobj fields (the DRM core
 * zero-extends this shorter struct). */
struct virtgpu_execbuffer {
	uint32_t flags;
	uint32_t size;
	uint64_t command;
	uint64_t bo_handles;
	uint32_t num_bo_handles;
	int32_t fence_fd;
	uint32_t ring_idx;
	uint32_t pad;
};

struct virtgpu_getparam {
	uint64_t param;
	uint64_t value; /* a user pointer to an int */
};

struct virtgpu_resource_info {
	uint32_t bo_handle;
	uint32_t res_handle; /* out */
	uint32_t size;       /* out */
	uint32_t blob_mem;   /* out */
};

struct virtgpu_wait {
	uint32_t handle;
	uint32_t flags;
};

struct virtgpu_get_caps {
	uint32_t cap_set_id;
	uint32_t cap_set_ver;
	uint64_t addr;
	uint32_t size;
	uint32_t pad;
};

struct virtgpu_create_blob {
	uint32_t blob_mem;
	uint32_t blob_flags;
	uint32_t bo_handle;  /* out */
	uint32_t res_handle; /* out */
	uint64_t size;
	uint32_t pad;
	uint32_t cmd_size;
	uint64_t cmd;
	uint64_t blob_id;
};

struct virtgpu_context_set_param {
	uint64_t param;
	uint64_t value;
};

struct virtgpu_context_init {
	uint32_t num_params;
	uint32_t pad;
	uint64_t ctx_set_params;
};

#define VIRTGPU_IOCTL_MAP DRM_IOWR(DRM_COMMAND_BASE + 0x01, struct virtgpu_map)
#define VIRTGPU_IOCTL_EXECBUFFER DRM_IOWR(DRM_COMMAND_BASE + 0x02, struct virtgpu_execbuffer)
#define VIRTGPU_IOCTL_GETPARAM DRM_IOWR(DRM_COMMAND_BASE + 0x03, struct virtgpu_getparam)
#define VIRTGPU_IOCTL_RESOURCE_INFO DRM_IOWR(DRM_COMMAND_BASE + 0x05, struct virtgpu_resource_info)
#define VIRTGPU_IOCTL_WAIT DRM_IOWR(DRM_COMMAND_BASE + 0x08, struct virtgpu_wait)
#define VIRTGPU_IOCTL_GET_CAPS DRM_IOWR(DRM_COMMAND_BASE + 0x09, struct virtgpu_get_caps)
#define VIRTGPU_IOCTL_CREATE_BLOB DRM_IOWR(DRM_COMMAND_BASE + 0x0a, struct virtgpu_create_blob)
#define VIRTGPU_IOCTL_CONTEXT_INIT DRM_IOWR(DRM_COMMAND_BASE + 0x0b, struct virtgpu_context_init)

static_assert(VIRTGPU_IOCTL_MAP == 0xC0106441u, "MAP");
static_assert(VIRTGPU_IOCTL_EXECBUFFER == 0xC0286442u, "EXECBUFFER");
static_assert(VIRTGPU_IOCTL_GETPARAM == 0xC0106443u, "GETPARAM");
static_assert(VIRTGPU_IOCTL_RESOURCE_INFO == 0xC0106445u, "RESOURCE_INFO");
static_assert(VIRTGPU_IOCTL_WAIT == 0xC0086448u, "WAIT");
static_assert(VIRTGPU_IOCTL_GET_CAPS == 0xC0186449u, "GET_CAPS");
static_assert(VIRTGPU_IOCTL_CREATE_BLOB == 0xC030644Au, "CREATE_BLOB");
static_assert(VIRTGPU_IOCTL_CONTEXT_INIT == 0xC010644Bu, "CONTEXT_INIT");
static_assert(offsetof(struct virtgpu_create_blob, size) == 16, "blob size");
static_assert(offsetof(struct virtgpu_create_blob, blob_id) == 40, "blob_id");

/* ---- rutabaga cross-domain protocol ---- */

#define CROSS_DOMAIN_CMD_INIT 1
#define CROSS_DOMAIN_CMD_GET_IMAGE_REQUIREMENTS 2
#define CROSS_DOMAIN_CMD_POLL 3
#define CROSS_DOMAIN_CMD_SEND 4
#define CROSS_DOMAIN_CMD_RECEIVE 5
#define CROSS_DOMAIN_CMD_READ 6
#define CROSS_DOMAIN_CMD_WRITE 7

#define CROSS_DOMAIN_CHANNEL_TYPE_WAYLAND 1

#define CROSS_DOMAIN_ID_TYPE_BLOB 1
#define CROSS_DOMAIN_ID_TYPE_SYNC 2
#define CROSS_DOMAIN_ID_TYPE_READ_PIPE 3
#define CROSS_DOMAIN_ID_TYPE_WRITE_PIPE 4
#define CROSS_DOMAIN_ID_TYPE_EVENT 5
#define CROSS_DOMAIN_ID_TYPE_SOCKET 7

#define CROSS_DOMAIN_QUERY_RING 0
#define CROSS_DOMAIN_CHANNEL_RING 1
#define CROSS_DOMAIN_RING_SIZE 4096

/* Guessed pipe ids: a per-context counter from here, +1 each. */
#define CROSS_DOMAIN_PIPE_ID_START 0x80000001u

/* The identifier-array size: 28 on current hosts, 4 on older ones. */
#define CROSS_DOMAIN_MAX_IDENTIFIERS 28
#define CROSS_DOMAIN_MAX_IDENTIFIERS_OLD 4

#define CROSS_DOMAIN_IMAGE_FLAG_SCANOUT 1
#define CROSS_DOMAIN_IMAGE_FLAG_LINEAR 16

struct cross_domain_header {
	uint8_t cmd;
	uint8_t ring_idx;
	uint16_t cmd_size;
	uint32_t pad;
};

/* Legacy (16 bytes, one ring for queries and the channel). */
struct cross_domain_init_legacy {
	struct cross_domain_header hdr;
	uint32_t ring_id;
	uint32_t channel_type;
};

/* V1 (20 bytes); rutabaga's current 36-byte one adds a uuid. */
struct cross_domain_init {
	struct cross_domain_header hdr;
	uint32_t query_ring_id;
	uint32_t channel_ring_id;
	uint32_t channel_type;
};
#define CROSS_DOMAIN_INIT_UUID_SIZE 36

struct cross_domain_get_image_requirements {
	struct cross_domain_header hdr;
	uint32_t width;
	uint32_t height;
	uint32_t drm_format;
	uint32_t flags;
};

struct cross_domain_poll {
	struct cross_domain_header hdr;
	uint64_t pad;
};

/*
 * SEND / RECEIVE: the header, then num_identifiers, opaque_data_size,
 * identifiers[N], identifier_types[N], identifier_sizes[N], then the data.
 * N is the host's (no negotiation), so the layout is computed.
 */
struct cross_domain_send_receive_head {
	struct cross_domain_header hdr;
	uint32_t num_identifiers;
	uint32_t opaque_data_size;
};

static inline size_t cross_domain_send_receive_size(unsigned n)
{
	return sizeof(struct cross_domain_send_receive_head) + 3 * 4 * (size_t)n;
}

/* The id arrays of a SEND/RECEIVE of layout n starting at base. */
static inline uint32_t *cross_domain_ids(void *base)
{
	return (uint32_t *)((char *)base + sizeof(struct cross_domain_send_receive_head));
}
static inline uint32_t *cross_domain_id_types(void *base, unsigned n)
{
	return cross_domain_ids(base) + n;
}
static inline uint32_t *cross_domain_id_sizes(void *base, unsigned n)
{
	return cross_domain_ids(base) + 2 * (size_t)n;
}

struct cross_domain_read_write {
	struct cross_domain_header hdr;
	uint32_t identifier;
	uint32_t hang_up;
	uint32_t opaque_data_size;
	uint32_t pad;
};

struct cross_domain_caps {
	uint32_t version;
	uint32_t supported_channels;
	uint32_t supports_dmabuf;
	uint32_t supports_external_gpu_memory;
};

struct cross_domain_image_requirements {
	uint32_t strides[4];
	uint32_t offsets[4];
	uint64_t modifier;
	uint64_t size;
	uint32_t blob_id;
	uint32_t map_info;
	int32_t memory_idx;
	int32_t physical_device_idx;
};

static_assert(sizeof(struct cross_domain_header) == 8, "header");
static_assert(sizeof(struct cross_domain_init_legacy) == 16, "INIT legacy");
static_assert(sizeof(struct cross_domain_init) == 20, "INIT V1");
static_assert(sizeof(struct cross_domain_get_image_requirements) == 24, "GIR");
static_assert(sizeof(struct cross_domain_poll) == 16, "POLL");
static_assert(sizeof(struct cross_domain_read_write) == 24, "READ/WRITE");
static_assert(sizeof(struct cross_domain_caps) == 16, "caps");
static_assert(sizeof(struct cross_domain_image_requirements) == 64, "reqs");
static_assert(offsetof(struct cross_domain_image_requirements, blob_id) == 48, "blob_id");

/* What one RECEIVE or READ carries at most. */
static inline size_t cross_domain_receive_max(unsigned n)
{
	return CROSS_DOMAIN_RING_SIZE - cross_domain_send_receive_size(n);
}
#define CROSS_DOMAIN_READ_MAX (CROSS_DOMAIN_RING_SIZE - sizeof(struct cross_domain_read_write))

#endif
