/*
 * The virtio_gpu driver's ioctls on a DRM file, as the mainline driver
 * answers them (plus the DRM core's VERSION, GEM_CLOSE and PRIME), with
 * the host's side of each in res.c and xdomain.c.  The DRM core copies
 * min(user size, kernel size) and zero-extends; the emulator does the
 * same, and counts a size other than the reference's as a rejection.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "pending.h"
#include "stats.h"
#include "vg.h"
#include "virtgpu-abi.h"
#include "xdomain.h"

#define EXECBUFFER_NEWER_SIZE 64 /* with the syncobj fields */
#define EXECBUFFER_MAX_CMD (1u << 20)

void vg_reject(struct call *c, const char *what, int err, const char *fmt, ...)
{
	char reason[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	vg_stats_rejection(call_vg(c)->stats, call_pid(c), what, err, "%s", reason);
	call_fail(c, err);
}

struct ioctl_desc {
	unsigned nr;
	const char *name;
	size_t size;
	int (*fn)(struct vg_file *f, struct call *c, void *arg, int ours, bool *kept);
};

/* ---- core ---- */

static int copy_string(struct call *c, uint64_t addr, uint64_t *len, const char *s)
{
	size_t n = strlen(s);
	size_t take = *len < n ? (size_t)*len : n;
	*len = n;
	return take ? call_write(c, addr, s, take) : 0;
}

static int do_version(struct vg_file *f, struct call *c, void *arg, int ours, bool *kept)
{
	struct drm_version *v = arg;
	v->version_major = 0;
	v->version_minor = 1;
	v->version_patchlevel = 0;
	uint64_t nl = v->name_len, dl = v->date_len, sl = v->desc_len;
	if (copy_string(c, (uintptr_t)v->name, &nl, VIRTGPU_DRIVER_NAME) < 0 ||
	    copy_string(c, (uintptr_t)v->date, &dl, "0") < 0 ||
	    copy_string(c, (uintptr_t)v->desc, &sl, "virtio GPU") < 0)
		return -EFAULT;
	v->name_len = nl;
	v->date_len = dl;
	v->desc_len = sl;
	return 0;
}

static int do_gem_close(struct vg_file *f, struct call *c, void *arg, int ours, bool *kept)
{
	struct drm_gem_close *g = arg;
	struct vg_handle *h = file_handle(f, g->handle);
	if (!h)
		return -EINVAL;
	file_close_handle(f, h);
	return 0;
}

static int do_prime_to_fd(struct vg_file *f, struct call *c, void *arg, int ours, bool *kept)
{
	struct drm_prime_handle *p = arg;
	struct vg_handle *h = file_handle(f, p->handle);
	if (!h)
		return -ENOENT;
	if (p->flags & ~(uint32_t)(DRM_CLOEXEC | DRM_RDWR))
		return -EINVAL;
	if (h->res->mem_fd < 0) {
		vg_stats_unsupported(f->vg->stats, call_pid(c), "PRIME_HANDLE_TO_FD",
				     "export of GUEST resource %u", h->res->id);
		return -ENODEV;
	}
	int fd = res_export(h->res, p->flags & DRM_RDWR);
	if (fd < 0)
		return fd;
	int r = call_addfd(c, fd, p->flags & DRM_CLOEXEC);
	close(fd);
	if (r < 0)
		return r;
	p->fd = r;
	return 0;
}

static int do_prime_to_handle(struct vg_file *f, struct call *c, void *arg, int ours, bool *kept)
{
	struct drm_prime_handle *p = arg;
	int fd = call_getfd(c, p->fd);
	if (fd < 0)
		return fd == -ESRCH ? -ESRCH : -EBADF;
	struct stat st;
	struct vg_res *r = fstat(fd, &st) == 0 ? res_by_inode(f->vg, st.st_dev, st.st_ino)
					       : NULL;
	close(fd);
	if (!r)
		return -EINVAL; /* dma_buf_get: not a dma-buf */
	struct vg_handle *h = file_add_handle(f, r);
	if (!h)
		return -ENOMEM;
	p->handle = h->handle;
	return 0;
}

/* ---- virtio_gpu ---- */

static int do_getparam(struct vg_file *f, struct call *c, void *arg, int ours, bool *kept)
{
	struct virtgpu_getparam *g = arg;
	const struct vg_options *o = &f->vg->opt;
	int value;
	switch (g->param) {
	case VIRTGPU_PARAM_3D_FEATURES:
	case VIRTGPU_PARAM_CAPSET_QUERY_FIX:
	case VIRTGPU_PARAM_RESOURCE_BLOB:
	case VIRTGPU_PARAM_HOST_VISIBLE:
		value = 1;
		break;
	case VIRTGPU_PARAM_CROSS_DEVICE:
		value = 0;
		break;
	case VIRTGPU_PARAM_CONTEXT_INIT:
		value = !o->no_context_init;
		break;
	case VIRTGPU_PARAM_SUPPORTED_CAPSET_IDS:
		value = o->no_cross_domain ? 0 : 1 << VIRTGPU_CAPSET_CROSS_DOMAIN;
		break;
	default:
		return -EINVAL;
	}
	return call_write(c, g->value, &value, sizeof(value));
}

static int do_get_caps(struct vg_file *f, struct call *c, void *arg, int ours, bool *kept)
{
	struct virtgpu_get_caps *g = arg;
	const struct vg_options *o = &f->vg->opt;
	if (g->cap_set_id != VIRTGPU_CAPSET_CROSS_DOMAIN || o->no_cross_domain ||
	    g->cap_set_ver > 0 || g->size == 0)
		return -EINVAL;
	if (o->caps_need_context && !f->has_context)
		return -EINVAL;
	struct cross_domain_caps caps = {
		.version = 1,
		.supported_channels = 1u << CROSS_DOMAIN_CHANNEL_TYPE_WAYLAND,
	};
	size_t n = g->size < sizeof(caps) ? g->size : sizeof(caps);
	return call_write(c, g->addr, &caps, n);
}

static int do_context_init(struct vg_file *f, struct call *c, void *arg, int ours, bool *kept)
{
	struct virtgpu_context_init *ci = arg;
	if (f->has_context)
		return -EEXIST;
	if (ci->num_params == 0 || ci->num_params > 16)
		return -EINVAL;
	struct virtgpu_context_set_param params[16];
	int r = call_read(c, ci->ctx_set_params, params,
			  sizeof(params[0]) * ci->num_params);
	if (r < 0)
		return r;
	uint64_t capset = 0, rings = 0, mask = 0;
	bool have_capset = false;
	for (unsigned i = 0; i < ci->num_params; i++) {
		switch (params[i].param) {
		case VIRTGPU_CONTEXT_PARAM_CAPSET_ID:
			if (have_capset)
				return -EINVAL;
			have_capset = true;
			capset = params[i].value;
			break;
		case VIRTGPU_CONTEXT_PARAM_NUM_RINGS:
			if (params[i].value > VIRTGPU_MAX_RINGS)
				return -EINVAL;
			rings = params[i].value;
			break;
		case VIRTGPU_CONTEXT_PARAM_POLL_RINGS_MASK:
			mask = params[i].value;
			break;
		default:
			return -EINVAL;
		}
	}
	if (!have_capset || capset != VIRTGPU_CAPSET_CROSS_DOMAIN ||
	    f->vg->opt.no_cross_domain)
		return -EINVAL;
	if (mask & ~((rings >= 64 ? 0 : (1ull << rings)) - 1))
		return -EINVAL;
	f->xd = xd_create(f);
	if (!f->xd)
		return -ENOMEM;
	f->has_context = true;
	f->capset = (uint32_t)capset;
	f->num_rings = (unsigned)rings;
	f->poll_mask = mask;
	vg_stats_created(f->vg->stats, VG_CONTEXTS);
	/* Handles made before the context attach now. */
	struct list *pos;
	list_for_each(pos, &f->handles)
		xd_attach(f->xd, list_entry(pos, struct vg_handle, link)->res);
	return 0;
}

static int do_create_blob(struct vg_file *f, struct call *c, void *arg, int ours, bool *kept)
{
	struct virtgpu_create_blob *b = arg;
	if (b->blob_flags & ~(uint32_t)VIRTGPU_BLOB_FLAG_USE_MASK || b->size == 0)
		return -EINVAL;
	struct vg_res *r = NULL;
	if (b->blob_mem == VIRTGPU_BLOB_MEM_GUEST) {
		r = res_new_guest(f->vg, f, b->size);
		if (!r)
			return -ENOMEM;
	} else if (b->blob_mem == VIRTGPU_BLOB_MEM_HOST3D) {
		if (!f->xd) {
			vg_reject(c, "CREATE_BLOB", EINVAL, "HOST3D blob without a "
				  "cross-domain context on this file");
			return -ESRCH;
		}
		char why[160] = "";
		bool read_only = false;
		int fd = xd_create_blob(f->xd, b->blob_id, b->size, &read_only,
					why, sizeof(why));
		if (fd < 0) {
			vg_reject(c, "CREATE_BLOB", -fd, "%s", why);
			return -ESRCH;
		}
		r = res_new_host(f->vg, fd, b->size, read_only);
		if (!r)
			return -ENOMEM;
	} else {
		return -EINVAL;
	}
	r->blob_flags = b->blob_flags;
	struct vg_handle *h = file_add_handle(f, r);
	if (!h) {
		res_maybe_free(r);
		return -ENOMEM;
	}
	b->bo_handle = h->handle;
	b->res_handle = r->id;
	vg_stats_count(f->vg->stats, VG_BLOBS, 1);
	log_debug("pid %d: CREATE_BLOB mem %u size %llu -> handle %u res %u",
		  (int)call_pid(c), b->blob_mem, (unsigned long long)b->size,
		  h->handle, r->id);
	return 0;
}

static int do_map(struct vg_file *f, struct call *c, void *arg, int ours, bool *kept)
{
	struct virtgpu_map *m = arg;
	struct vg_handle *h = file_handle(f, m->handle);
	if (!h)
		return -ENOENT;
	struct vg_res *r = h->res;
	if (!r->offset) {
		/* The fake offset of a HOST3D blob (mapping it is unsupported). */
		r->offset = f->vg->next_offset;
		f->vg->next_offset += (r->size + 4095) & ~(uint64_t)4095;
	}
	m->offset = r->offset;
	return 0;
}

static int do_resource_info(struct vg_file *f, struct call *c, void *arg, int ours, bool *kept)
{
	struct virtgpu_resource_info *ri = arg;
	struct vg_handle *h = file_handle(f, ri->bo_handle);
	if (!h)
		return -ENOENT;
	ri->res_handle = h->res->id;
	ri->size = (uint32_t)h->res->size;
	ri->blob_mem = h->res->blob_mem;
	return 0;
}

static int do_wait(struct vg_file *f, struct call *c, void *arg, int ours, bool *kept)
{
	struct virtgpu_wait *w = arg;
	struct vg_handle *h = file_handle(f, w->handle);
	if (!h)
		return -ENOENT;
	if (h->res->fences == 0)
		return 0;
	if (w->flags & VIRTGPU_WAIT_NOWAIT)
		return -EBUSY;
	struct pending *p = pending_new(&f->vg->sup, c, ours, h->res, &h->res->waiters);
	if (!p)
		return -ENOMEM;
	p->what = "WAIT";
	*kept = true;
	return 0;
}

static int do_execbuffer(struct vg_file *f, struct call *c, void *arg, int ours, bool *kept)
{
	struct virtgpu_execbuffer *e = arg;
	vg_stats_count(f->vg->stats, VG_EXECBUFFERS, 1);
	if (e->flags & ~(uint32_t)VIRTGPU_EXECBUF_FLAGS)
		return -EINVAL;
	if (e->flags & (VIRTGPU_EXECBUF_FENCE_FD_IN | VIRTGPU_EXECBUF_FENCE_FD_OUT)) {
		vg_stats_unsupported(f->vg->stats, call_pid(c), "EXECBUFFER",
				     "sync_file fences (FENCE_FD_IN/OUT)");
		return -EINVAL;
	}
	if (!f->xd) {
		vg_reject(c, "EXECBUFFER", EINVAL, "no cross-domain context on this "
			  "file (CONTEXT_INIT first)");
		return -ESRCH;
	}
	uint32_t ring = 0;
	if (e->flags & VIRTGPU_EXECBUF_RING_IDX) {
		if (e->ring_idx >= f->num_rings)
			return -EINVAL;
		ring = e->ring_idx;
	}
	if (e->size == 0 || e->size > EXECBUFFER_MAX_CMD || e->num_bo_handles > 16)
		return -EINVAL;
	uint32_t handles[16];
	if (e->num_bo_handles &&
	    call_read(c, e->bo_handles, handles, 4 * e->num_bo_handles) < 0)
		return -EFAULT;
	struct vg_fence *fence = calloc(1, sizeof(*fence));
	uint8_t *cmd = malloc(e->size);
	if (!fence || !cmd) {
		free(fence);
		free(cmd);
		return -ENOMEM;
	}
	int r = call_read(c, e->command, cmd, e->size);
	for (unsigned i = 0; r == 0 && i < e->num_bo_handles; i++) {
		struct vg_handle *h = file_handle(f, handles[i]);
		if (!h)
			r = -ENOENT;
		else
			fence->bos[fence->nbos++] = h->res;
	}
	if (r < 0) {
		free(fence);
		free(cmd);
		return r;
	}
	for (unsigned i = 0; i < fence->nbos; i++)
		fence->bos[i]->fences++;
	fence->file = f;
	fence->ring = ring;
	fence->event = (e->flags & VIRTGPU_EXECBUF_RING_IDX) &&
		       (f->poll_mask & (1ull << ring));
	/* The kernel returns once the command is queued; the host runs it
	 * now, and answers POLL later. */
	call_reply(c, 0);
	xd_submit(f->xd, c, cmd, e->size, fence);
	free(cmd);
	return -ESRCH;
}

static const struct ioctl_desc ioctls[] = {
	{ 0x00, "VERSION", sizeof(struct drm_version), do_version },
	{ 0x09, "GEM_CLOSE", sizeof(struct drm_gem_close), do_gem_close },
	{ 0x2d, "PRIME_HANDLE_TO_FD", sizeof(struct drm_prime_handle), do_prime_to_fd },
	{ 0x2e, "PRIME_FD_TO_HANDLE", sizeof(struct drm_prime_handle), do_prime_to_handle },
	{ 0x41, "MAP", sizeof(struct virtgpu_map), do_map },
	{ 0x42, "EXECBUFFER", sizeof(struct virtgpu_execbuffer), do_execbuffer },
	{ 0x43, "GETPARAM", sizeof(struct virtgpu_getparam), do_getparam },
	{ 0x45, "RESOURCE_INFO", sizeof(struct virtgpu_resource_info), do_resource_info },
	{ 0x48, "WAIT", sizeof(struct virtgpu_wait), do_wait },
	{ 0x49, "GET_CAPS", sizeof(struct virtgpu_get_caps), do_get_caps },
	{ 0x4a, "CREATE_BLOB", sizeof(struct virtgpu_create_blob), do_create_blob },
	{ 0x4b, "CONTEXT_INIT", sizeof(struct virtgpu_context_init), do_context_init },
};

enum sup_verdict drm_ioctl(struct vg_file *f, struct call *c, int ours)
{
	unsigned cmd = (unsigned)c->args[1];
	uint64_t addr = c->args[2];
	vg_stats_count(f->vg->stats, VG_IOCTLS, 1);
	if (_IOC_TYPE(cmd) != 'd') {
		close(ours);
		vg_reject(c, "ioctl", ENOTTY, "ioctl 0x%x is no DRM ioctl", cmd);
		return SUP_DONE;
	}
	const struct ioctl_desc *d = NULL;
	for (size_t i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++)
		if (ioctls[i].nr == _IOC_NR(cmd))
			d = &ioctls[i];
	if (d && d->nr == 0x4b && f->vg->opt.no_context_init)
		d = NULL; /* beyond an older kernel's ioctl table */
	if (!d) {
		close(ours);
		vg_reject(c, "ioctl", EINVAL, "DRM ioctl nr 0x%x is not emulated "
			  "(not on a render node, or not in this driver)", _IOC_NR(cmd));
		return SUP_DONE;
	}
	size_t usize = _IOC_SIZE(cmd);
	if (usize != d->size && !(d->nr == 0x42 && usize == EXECBUFFER_NEWER_SIZE))
		vg_stats_rejection(f->vg->stats, call_pid(c), d->name, 0,
				   "size %zu, the reference's is %zu (the DRM core "
				   "zero-extends or truncates)", usize, d->size);
	uint8_t arg[128];
	memset(arg, 0, sizeof(arg));
	size_t n = usize < d->size ? usize : d->size;
	if (call_read(c, addr, arg, n) < 0) {
		close(ours);
		vg_reject(c, d->name, EFAULT, "bad pointer");
		return SUP_DONE;
	}
	bool kept = false;
	int r = d->fn(f, c, arg, ours, &kept);
	if (kept)
		return SUP_KEPT;
	close(ours);
	if (r == -ESRCH) /* answered (or gone) already */
		return SUP_DONE;
	if (r == 0 && call_write(c, addr, arg, n) < 0)
		r = -EFAULT;
	if (r < 0) {
		vg_reject(c, d->name, -r, "%s", strerror(-r));
		return SUP_DONE;
	}
	log_debug("pid %d: %s", (int)call_pid(c), d->name);
	call_reply(c, 0);
	return SUP_DONE;
}
