/*
 * Context vfds (NEW CTX / CTX_NAMED): a connection to a host Wayland
 * socket, made like crosvm's (blocking connect to --wayland-sock PATH for
 * the name).  The guest holds one end of a socketpair; its peer is ours.
 *
 * Compositor -> guest: recvmsg at most 3968 bytes and 28 fds, as crosvm
 * does; each fd becomes a host vfd; the bytes go into the peer and the
 * message {stream offset, vfds} is remembered.  RECV hands the guest the
 * vfds of messages whose first byte it has consumed (bytes consumed =
 * bytes written into the peer - FIONREAD of the guest's end, so plain
 * read(2) by the guest stays consistent), at most 28 per call.
 *
 * Guest -> compositor: SEND is one sendmsg with the data and the host
 * side of each vfd.  Bytes the guest wrote with write(2) arrive on the
 * peer and are sent first, without fds.
 *
 * Compositor EOF: after the queued bytes, the peer is shut down, so the
 * guest reads EOF (RECV len 0, no fds) and polls POLLHUP.
 */
#ifndef EMU_CTX_H
#define EMU_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "list.h"

struct call;
struct ctx;
struct emu;
struct vfd;

/* NEW CTX ("" name) or CTX_NAMED; on failure *err and why are set. */
struct vfd *ctx_connect(struct emu *emu, const char *name, int *err,
			char *why, size_t why_len);
void ctx_destroy(struct ctx *ctx);

/* In-buffer accounting (inqueue.h): emu.ctxs links, messages the guest
 * has not consumed, and the stall starting or ending. */
struct ctx *ctx_from_link(struct list *link);
unsigned ctx_pinned(struct ctx *ctx);
void ctx_reading_changed(struct ctx *ctx);
/* A queued host vfd is being released before the guest received it. */
void ctx_forget_queued(struct ctx *ctx, struct vfd *v);

/*
 * SEND payload: crosvm passes the context's own host socket; after the
 * compositor's EOF it has none (-EINVAL).
 */
int ctx_payload_check(const struct vfd *v);
int ctx_payload_fd(struct vfd *v);

/*
 * SEND to a context.  Always takes data (malloc'd) and fds.  Returns 0
 * when the host took the bytes at once (answer the call), 1 when call and
 * guest_fd were taken over (answered once the host takes them), or
 * -errno.
 */
int ctx_send(struct vfd *v, struct call *c, int guest_fd, uint8_t *data,
	     size_t len, int *fds, int nfds);

/*
 * RECV from a context through our copy of the guest's end: 0 answered
 * (or the call vanished), -EAGAIN nothing queued, other -errno to answer.
 */
int ctx_recv(struct vfd *v, struct call *c, int guest_fd, uint64_t txn,
	     uint32_t len);

#endif
