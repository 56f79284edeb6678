/*
 * The guest uapi of the virtio-wayland driver (/dev/wl0), written from the
 * public ChromiumOS virtio_wl uapi and driver: ioctl numbers, struct
 * layouts and the limits the driver and crosvm enforce.  Shared by the
 * virtwl transport and the device emulator; the asserts below pin every
 * size and number to the reference so neither can drift.
 */
#ifndef WLGP_VIRTWL_ABI_H
#define WLGP_VIRTWL_ABI_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/ioctl.h>

#define VIRTWL_DEVICE_PATH "/dev/wl0"

/* fds per SEND or RECV */
#define VIRTWL_SEND_MAX_ALLOCS 28

/* Data the host reads from the compositor per message (4096-16-112). */
#define VIRTWL_HOST_RECV_MAX_BYTES 3968
/* What sommelier puts in one SEND: a page minus the txn header. */
#define VIRTWL_SEND_MAX_BYTES (4096 - 116)

/* Guest vfd ids come from idr_alloc(1, 0x800). */
#define VIRTWL_GUEST_ID_FIRST 1
#define VIRTWL_GUEST_ID_LIMIT 0x800
/* Host vfd ids carry bit 30. */
#define VIRTWL_HOST_ID_BASE 0x40000000u
/* crosvm's shared-memory window that holds every mapped vfd. */
#define VIRTWL_SHM_WINDOW_SIZE (UINT64_C(4) << 30)

enum virtwl_ioctl_new_type {
	VIRTWL_IOCTL_NEW_CTX = 0,       /* stream to the host Wayland socket */
	VIRTWL_IOCTL_NEW_ALLOC = 1,     /* shared memory the host can map */
	VIRTWL_IOCTL_NEW_PIPE_READ = 2, /* host writes, guest reads */
	VIRTWL_IOCTL_NEW_PIPE_WRITE = 3,/* guest writes (via SEND), host reads */
	VIRTWL_IOCTL_NEW_DMABUF = 4,
	VIRTWL_IOCTL_NEW_CTX_NAMED = 5, /* like CTX, to a named host socket */
};

#define VIRTWL_CTX_NAME_MAX 32

struct virtwl_ioctl_new {
	uint32_t type;  /* enum virtwl_ioctl_new_type */
	int fd;         /* out: the new vfd */
	uint32_t flags; /* ignored by the driver */
	union {
		uint32_t size; /* ALLOC */
		struct {
			uint32_t width, height, format;
			uint32_t stride0, stride1, stride2;
			uint32_t offset0, offset1, offset2;
		} dmabuf;
		char name[VIRTWL_CTX_NAME_MAX]; /* CTX_NAMED */
	};
};

struct virtwl_ioctl_txn {
	int fds[VIRTWL_SEND_MAX_ALLOCS]; /* ends at the first negative entry */
	uint32_t len;
	uint8_t data[];
};

struct virtwl_ioctl_dmabuf_sync {
	uint32_t flags; /* DMA_BUF_SYNC_READ=1, WRITE=2, END=4 */
};
#define VIRTWL_DMABUF_SYNC_VALID_FLAGS 0x7u

#define VIRTWL_IOCTL_BASE 'w'
#define VIRTWL_IOCTL_NEW _IOWR(VIRTWL_IOCTL_BASE, 0x00, struct virtwl_ioctl_new)
/* The driver's own header declares SEND _IOR and RECV _IOW, swapped. */
#define VIRTWL_IOCTL_SEND _IOR(VIRTWL_IOCTL_BASE, 0x01, struct virtwl_ioctl_txn)
#define VIRTWL_IOCTL_RECV _IOW(VIRTWL_IOCTL_BASE, 0x02, struct virtwl_ioctl_txn)
#define VIRTWL_IOCTL_DMABUF_SYNC \
	_IOR(VIRTWL_IOCTL_BASE, 0x03, struct virtwl_ioctl_dmabuf_sync)
/* The 16-byte NEW of older headers, still accepted on /dev/wl0. */
#define VIRTWL_IOCTL_NEW_OLD 0xC0107700u

static_assert(sizeof(struct virtwl_ioctl_new) == 48, "virtwl_ioctl_new is 48 bytes");
static_assert(offsetof(struct virtwl_ioctl_new, fd) == 4, "new.fd @4");
static_assert(offsetof(struct virtwl_ioctl_new, flags) == 8, "new.flags @8");
static_assert(offsetof(struct virtwl_ioctl_new, size) == 12, "new.size @12");
static_assert(offsetof(struct virtwl_ioctl_new, name) == 12, "new.name @12");
static_assert(sizeof(struct virtwl_ioctl_txn) == 116, "virtwl_ioctl_txn is 116 bytes");
static_assert(offsetof(struct virtwl_ioctl_txn, len) == 112, "txn.len @112");
static_assert(offsetof(struct virtwl_ioctl_txn, data) == 116, "txn.data @116");
static_assert(sizeof(struct virtwl_ioctl_dmabuf_sync) == 4, "dmabuf_sync is 4 bytes");
static_assert(VIRTWL_IOCTL_NEW == 0xC0307700u, "NEW is 0xC0307700");
static_assert(VIRTWL_IOCTL_SEND == 0x80747701u, "SEND is 0x80747701");
static_assert(VIRTWL_IOCTL_RECV == 0x40747702u, "RECV is 0x40747702");
static_assert(VIRTWL_IOCTL_DMABUF_SYNC == 0x80047703u, "DMABUF_SYNC is 0x80047703");

#endif
