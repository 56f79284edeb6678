/*
 * rutabaga's cross-domain context, the host side of one DRM file's
 * capset-5 context: INIT (connect to the compositor), the query ring
 * (GET_IMAGE_REQUIREMENTS and the blob templates it leaves behind), the
 * channel ring and its event loop (exactly one event per POLL fence: one
 * compositor message or one pipe chunk, written at channel-ring offset
 * 0), SEND/RECEIVE with identifiers, and the pipes.  The host's refusals
 * are counted as rejections with errno "host": rutabaga logs them and
 * drops the command, so the guest sees nothing.
 */
#ifndef VG_XDOMAIN_H
#define VG_XDOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct call;
struct vg_file;
struct vg_res;
struct xd;

/* A fence of one EXECBUFFER: signalled when the host is done with it. */
struct vg_fence {
	struct vg_file *file;
	bool event; /* queue a drm_event on the file when signalled */
	uint32_t ring;
	struct vg_res *bos[16];
	unsigned nbos;
	struct vg_fence *next; /* in its context's POLL queue */
};

/* Signals and frees the fence (releases its resources, queues the event). */
void fence_signal(struct vg_fence *fence);

struct xd *xd_create(struct vg_file *f);
void xd_destroy(struct xd *xd);

/* A GEM handle of r was created (or closed) in the context's file. */
void xd_attach(struct xd *xd, struct vg_res *r);
void xd_detach(struct xd *xd, struct vg_res *r);

/* One command from EXECBUFFER; the fence is the xd's to signal. */
void xd_submit(struct xd *xd, struct call *c, const uint8_t *cmd, size_t size,
	       struct vg_fence *fence);

/*
 * CREATE_BLOB HOST3D with blob_id: the host memory (a memfd with the bytes
 * at 0) for a template of GET_IMAGE_REQUIREMENTS or a compositor fd
 * received as a BLOB identifier (each of those once).  -errno with why.
 */
int xd_create_blob(struct xd *xd, uint64_t blob_id, uint64_t size,
		   bool *read_only, char *why, size_t why_len);

#endif
