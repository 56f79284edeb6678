/*
 * The driver's in-buffers (--in-buffers N; crosvm's queue has 256).
 * Each VFD_RECV message, a compositor message on a context or a chunk
 * crosvm read from a host pipe, holds one in-buffer until the guest has
 * consumed it.  When none is free, crosvm stops reading every host source,
 * so one vfd the guest does not drain stalls them all.  With N > 0 the
 * emulator counts those messages and stalls the same way.  With 0 (the
 * default) each context and pipe only back-pressures itself.
 *
 * Consumption is measured, not announced: bytes written to the guest
 * minus those it has not read yet, which for a guest socket comes from
 * sock_diag (no reference to the socket needed) and for a guest pipe from
 * FIONREAD on our end of it.
 */
#ifndef EMU_INQUEUE_H
#define EMU_INQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct emu;

/* crosvm's in-buffer payload: 4096 - 16 - 28 * 4. */
#define INQUEUE_MESSAGE_BYTES 3968

int inqueue_init(struct emu *emu);
void inqueue_finish(struct emu *emu);

/* May host sources be read now? */
bool inqueue_open(struct emu *emu);
/* n more messages were queued for the guest. */
void inqueue_note(struct emu *emu, unsigned n);
/* The guest consumed something: a stall may end. */
void inqueue_consumed(struct emu *emu);

/* Bytes the guest has not read from its socket with this inode; -1 if gone. */
long inqueue_unread_socket(struct emu *emu, ino_t ino);

#endif
