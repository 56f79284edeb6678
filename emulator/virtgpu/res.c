/*
 * Blob resources.  A GUEST blob's bytes live in its creator's window (the
 * DRM file's memfd) at its MAP offset; a HOST3D blob is the host's own
 * memfd with its bytes at offset 0, which is what the compositor maps,
 * and a dma-buf of it is another description of that memfd.  Like the
 * kernel's GEM object, a resource lives while a handle, a dma-buf or an
 * unsignalled fence refers to it; then rutabaga drops its handle (the
 * compositor keeps whatever it mapped).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "pending.h"
#include "stats.h"
#include "vg.h"
#include "virtgpu-abi.h"

static struct vg_res *res_new(struct vg *vg, uint64_t size)
{
	struct vg_res *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->vg = vg;
	r->id = ++vg->next_res_id;
	r->size = size;
	r->mem_fd = -1;
	list_init(&r->exports);
	list_init(&r->waiters);
	list_append(&vg->resources, &r->link);
	vg_stats_created(vg->stats, VG_RESOURCES);
	return r;
}

static uint64_t page_round(uint64_t n)
{
	return (n + 4095) & ~(uint64_t)4095;
}

struct vg_res *res_new_guest(struct vg *vg, struct vg_file *owner, uint64_t size)
{
	uint64_t rounded = page_round(size);
	if (vg->next_offset + rounded > VG_FILE_SIZE)
		return NULL;
	struct vg_res *r = res_new(vg, rounded);
	if (!r)
		return NULL;
	r->blob_mem = VIRTGPU_BLOB_MEM_GUEST;
	r->owner = owner;
	r->offset = vg->next_offset;
	vg->next_offset += rounded;
	return r;
}

struct vg_res *res_new_host(struct vg *vg, int mem_fd, uint64_t size, bool read_only)
{
	struct stat st;
	struct vg_res *r = fstat(mem_fd, &st) == 0 ? res_new(vg, size) : NULL;
	if (!r) {
		close(mem_fd);
		return NULL;
	}
	r->blob_mem = VIRTGPU_BLOB_MEM_HOST3D;
	r->mem_fd = mem_fd;
	r->read_only = read_only;
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	return r;
}

struct vg_res *res_by_id(struct vg *vg, uint32_t id)
{
	struct list *pos;
	list_for_each(pos, &vg->resources) {
		struct vg_res *r = list_entry(pos, struct vg_res, link);
		if (r->id == id)
			return r;
	}
	return NULL;
}

struct vg_res *res_by_inode(struct vg *vg, dev_t dev, ino_t ino)
{
	struct list *pos;
	list_for_each(pos, &vg->resources) {
		struct vg_res *r = list_entry(pos, struct vg_res, link);
		if (r->mem_fd >= 0 && r->dev == dev && r->ino == ino)
			return r;
	}
	return NULL;
}

void res_maybe_free(struct vg_res *r)
{
	if (r->handles || r->fences || r->pins || !list_empty(&r->exports))
		return;
	pending_fail_list(&r->waiters, ENOENT, "the resource went away");
	if (r->mem_fd >= 0)
		close(r->mem_fd);
	list_remove(&r->link);
	vg_stats_released(r->vg->stats, VG_RESOURCES);
	free(r);
}

static void export_released(struct vg_release *rel)
{
	struct vg_export *e = container_of(rel, struct vg_export, rel);
	struct vg_res *r = e->res;
	list_remove(&e->link);
	free(e);
	vg_stats_released(r->vg->stats, VG_EXPORTS);
	res_maybe_free(r);
}

int res_export(struct vg_res *r, bool writable)
{
	if (r->mem_fd < 0)
		return -EINVAL;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", r->mem_fd);
	int fd = open(path, (writable && !r->read_only ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct vg_export *e = calloc(1, sizeof(*e));
	if (!e) {
		close(fd);
		return -ENOMEM;
	}
	e->res = r;
	e->rel.released = export_released;
	int err = release_watch(r->vg, &e->rel, fd, r->mem_fd);
	if (err < 0) {
		free(e);
		close(fd);
		return err;
	}
	list_append(&r->exports, &e->link);
	vg_stats_created(r->vg->stats, VG_EXPORTS);
	return fd;
}

void res_fence_done(struct vg_res *r)
{
	if (r->fences)
		r->fences--;
	if (r->fences == 0) {
		struct list *pos, *tmp;
		list_for_each_safe(pos, tmp, &r->waiters) {
			struct pending *p = list_entry(pos, struct pending, owner_link);
			call_reply(p->call, 0);
			pending_free(p);
		}
	}
	res_maybe_free(r);
}
