/*
 * Shared-memory vfds; see shm.h.
 */
#include "shm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu.h"
#include "log.h"
#include "vfd.h"
#include "virtwl-abi.h"

#define PAGE_SIZE_4K 4096u

static uint64_t page_round(uint64_t n)
{
	return (n + PAGE_SIZE_4K - 1) & ~(uint64_t)(PAGE_SIZE_4K - 1);
}

/* crosvm's AddressAllocator over the 4 GiB window (fragmentation aside). */
static int window_take(struct vfd *v, uint64_t size)
{
	struct emu *emu = v->emu;
	uint64_t need = page_round(size);
	if (need == 0 || emu->window_used + need > VIRTWL_SHM_WINDOW_SIZE)
		return -ENODEV;
	emu->window_used += need;
	v->window = need;
	return 0;
}

/* A second description of fd's inode, for the guest. */
static int reopen(int fd, int flags)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags | O_CLOEXEC);
}

static int give_guest_description(struct vfd *v, int flags)
{
	int fd = reopen(v->shm_fd, flags);
	if (fd < 0)
		return -errno;
	int r = vfd_set_guest_object(v, fd);
	if (r < 0)
		return r;
	vfd_lock_guest_object(v);
	return 0;
}

struct vfd *shm_new_alloc(struct emu *emu, uint32_t size, int *err)
{
	struct vfd *v = vfd_new(emu, VFD_ALLOC, false);
	if (!v) {
		*err = errno;
		return NULL;
	}
	uint64_t rounded = page_round(size);
	int r = window_take(v, rounded);
	if (r == 0) {
		v->shm_fd = memfd_create("virtwl_alloc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (v->shm_fd < 0 || ftruncate(v->shm_fd, (off_t)rounded) < 0)
			r = -ENODEV;
	}
	/* A vfd cannot be resized: neither can the guest's memfd. */
	if (r == 0)
		fcntl(v->shm_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	if (r == 0)
		r = give_guest_description(v, O_RDWR);
	if (r < 0) {
		*err = ENODEV;
		vfd_release(v);
		return NULL;
	}
	/* The reply carries the page-aligned size (u32, as on the wire). */
	v->size = (uint32_t)rounded;
	return v;
}

/* crosvm maps O_RDONLY and write-sealed fds read-only. */
static int host_is_read_only(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_ACCMODE) == O_RDONLY)
		return 1;
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals > 0 && (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
		return 1;
	return 0;
}

struct vfd *shm_new_host(struct emu *emu, int host_fd, uint64_t end, int *err)
{
	struct vfd *v = vfd_new(emu, VFD_HOST_SHM, true);
	if (!v) {
		close(host_fd);
		*err = errno;
		return NULL;
	}
	v->shm_fd = host_fd;
	v->size = (uint32_t)end; /* crosvm truncates the size to u32 */
	v->read_only = host_is_read_only(host_fd);
	int r = window_take(v, end);
	if (r == 0)
		r = give_guest_description(v, v->read_only ? O_RDONLY : O_RDWR);
	if (r < 0) {
		*err = -r;
		vfd_release(v);
		return NULL;
	}
	return v;
}

void shm_destroy(struct vfd *v)
{
	v->emu->window_used -= v->window;
	v->window = 0;
	if (v->shm_fd >= 0)
		close(v->shm_fd);
	v->shm_fd = -1;
}
