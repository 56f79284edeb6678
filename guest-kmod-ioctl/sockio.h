/*
 * Bytes with fds over a local stream socket (SCM_RIGHTS): the direct
 * transport's contexts and the pump's side facing libwayland-client.
 */
#ifndef WLGP_SOCKIO_H
#define WLGP_SOCKIO_H

#include <stddef.h>
#include <sys/types.h>

/* One sendmsg of up to CHANNEL_MAX_FDS fds: bytes written (possibly fewer
 * than len; the fds went with the first byte), or -1 with errno. */
ssize_t channel_socket_sendmsg(int fd, const void *data, size_t len,
			       const int *fds, int nfds);
/* Sends all of data; blocks (polls) when the socket is full.  0 or -1. */
int channel_socket_send(int fd, const void *data, size_t len,
			const int *fds, int nfds);
/* Non-blocking recvmsg: bytes (0 = peer closed) with *nfds close-on-exec
 * fds, or -1 with errno.  Truncated fds are an error (EPROTO). */
ssize_t channel_socket_recv(int fd, void *buf, size_t cap, int *fds, int *nfds);

#endif
