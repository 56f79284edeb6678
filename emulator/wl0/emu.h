/*
 * The one context struct of the emulator process: options, the event
 * loop, the vfd table and the counters.  Everything else hangs off it.
 */
#ifndef EMU_EMU_H
#define EMU_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "call.h"
#include "list.h"
#include "sup.h"

struct inqueue;
struct stats;
struct vfd_table;

/* A --wayland-sock PATH[,name=NAME]; name is "" for the unnamed one. */
struct emu_socket {
	const char *path;
	const char *name;
};

#define EMU_MAX_SOCKETS 16

struct emu_options {
	bool verbose;
	const char *device_path;
	struct emu_socket sockets[EMU_MAX_SOCKETS];
	int nsockets;
	const char *stats_path;
	unsigned in_buffers; /* 0: no device-wide in-buffer limit */
	char **command;
};

struct emu {
	struct sup sup; /* the generic supervisor (core/sup.h) */
	struct emu_options opt;
	struct stats *stats;
	struct vfd_table *vfds;
	/* crosvm maps every ALLOC and host shm vfd into one 4 GiB window. */
	uint64_t window_used;

	/* "The device": a sealed memfd; each open gets its own description. */
	int device_fd;
	dev_t device_dev;
	ino_t device_ino;

	/* Pumps finishing the bytes of released vfds (pump.c). */
	struct list orphans;

	/* Everything that queues messages for the guest (inqueue.c). */
	struct list ctxs;    /* struct ctx */
	struct list streams; /* struct stream */
	struct inqueue *inqueue;

};

static inline struct emu *emu_from_sup(struct sup *sup)
{
	return (struct emu *)((char *)sup - offsetof(struct emu, sup));
}

static inline struct emu *call_emu(const struct call *c)
{
	return emu_from_sup(c->sup);
}

#endif
