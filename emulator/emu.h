/*
 * The one context struct of the emulator process: options, the event
 * loop, the vfd table and the counters.  Everything else hangs off it.
 */
#ifndef EMU_EMU_H
#define EMU_EMU_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "list.h"

struct inqueue;
struct loop;
struct loop_timer;
struct notify;
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
	struct emu_options opt;
	struct loop *loop;
	struct stats *stats;
	struct vfd_table *vfds;
	/* crosvm maps every ALLOC and host shm vfd into one 4 GiB window. */
	uint64_t window_used;

	/* "The device": a sealed memfd; each open gets its own description. */
	int device_fd;
	dev_t device_dev;
	ino_t device_ino;

	/* Calls answered later (RECV waiting for data, SEND for the host). */
	struct list pending;
	struct loop_timer *pending_sweep;

	/* Pumps finishing the bytes of released vfds (pump.c). */
	struct list orphans;

	/* Everything that queues messages for the guest (inqueue.c). */
	struct list ctxs;    /* struct ctx */
	struct list streams; /* struct stream */
	struct inqueue *inqueue;

	int listener_fd;
	struct notify *notify;
	pid_t child;
	bool child_done;
	int exit_status;
};

#endif
