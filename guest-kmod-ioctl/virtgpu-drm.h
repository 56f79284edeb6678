/*
 * The virtgpu transport's view of the kernel driver: DRM ioctls, finding
 * and probing the render node (with the messages a user can act on), and
 * one DRM file with a cross-domain context, its two rings mapped at their
 * MAP offsets and INIT done.  virtgpu.c builds contexts, memory and pipes
 * on it.
 */
#ifndef WLGP_VIRTGPU_DRM_H
#define WLGP_VIRTGPU_DRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtgpu-abi.h"

/* One DRM fd with a cross-domain context and its two rings. */
struct vgdrm_file {
	int drm;
	uint32_t query_handle, channel_handle;
	uint8_t *query, *channel;
};

/* ioctl, restarted on EINTR and EAGAIN (drmIoctl's rule). */
int vgdrm_ioctl(int fd, unsigned long cmd, void *arg);
/* EXECBUFFER of one command; ring < 0: no ring index; bo may be NULL. */
int vgdrm_submit(int drm, const void *cmd, uint32_t size, uint32_t *bo, int ring);
void vgdrm_gem_close(int drm, uint32_t handle);
int vgdrm_context_init(int drm);
int vgdrm_get_caps(int drm, struct cross_domain_caps *caps);
void *vgdrm_map_blob(int drm, uint32_t handle, size_t size);
int vgdrm_create_blob(int drm, uint32_t mem, uint32_t flags, uint64_t size,
		      uint64_t blob_id, uint32_t *handle, uint32_t *res);
/* The given node, or the first cross-domain virtio-gpu: 0 found (path
 * filled), 1 none (why says why), -1 an error the user can act on. */
int vgdrm_find_device(const char *given, char *path, size_t pathlen,
		      char *why, size_t len);
/* Opens device, CONTEXT_INIT, GET_CAPS, the rings, INIT. */
int vgdrm_file_open(struct vgdrm_file *xf, const char *device, char *err, size_t errlen);
void vgdrm_file_close(struct vgdrm_file *xf);
/* The one POLL: an event when the host wrote the channel ring. */
int vgdrm_poll(struct vgdrm_file *xf);

#endif
