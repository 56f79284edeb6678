/*
 * One trapped system call of a guest thread (a seccomp user notification)
 * and everything the emulator may do to its caller: read and write its
 * memory, fetch and install fds, answer.  Every access to target memory is
 * followed by SECCOMP_IOCTL_NOTIF_ID_VALID, because the thread may have
 * died and its TID been reused while we looked.
 */
#ifndef EMU_CALL_H
#define EMU_CALL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "list.h"

struct sup;
struct seccomp_notif;

struct call {
	struct sup *sup;
	uint64_t id;
	pid_t tid;
	pid_t tgid;  /* 0 until call_pid() resolved it */
	int pidfd;   /* -1 until needed */
	int nr;
	uint64_t args[6];
	bool answered;
};

struct call *call_new(struct sup *sup, const struct seccomp_notif *n);
void call_free(struct call *c);

/* The caller's process id (TGID), for logs and signals. */
pid_t call_pid(struct call *c);
bool call_valid(struct call *c);

/* 0, -EFAULT (bad address) or -ESRCH (the call is gone). */
int call_read(struct call *c, uint64_t addr, void *buf, size_t len);
/* Reads what it can of len bytes: the count, or -ESRCH. */
ssize_t call_read_upto(struct call *c, uint64_t addr, void *buf, size_t len);
/* Scatter-gather write: local and remote lists of the same total size. */
int call_writev(struct call *c, const struct iovec *local, int nlocal,
		const struct iovec *remote, int nremote);
int call_write(struct call *c, uint64_t addr, const void *buf, size_t len);
/* NUL-terminated string of at most cap-1 bytes; -ENAMETOOLONG beyond. */
int call_read_string(struct call *c, uint64_t addr, char *buf, size_t cap);

/* Our own copy of the caller's fd, or -errno (-EBADF: not open). */
int call_getfd(struct call *c, int fd);
/* Installs fd in the caller; returns the caller's fd number or -errno. */
int call_addfd(struct call *c, int fd, bool cloexec);
/* Installs fd at exactly newfd (SECCOMP_ADDFD_FLAG_SETFD). */
int call_addfd_at(struct call *c, int fd, int newfd, bool cloexec);
/* Installs fd and answers the call with its number, atomically. */
int call_addfd_reply_at(struct call *c, int fd, int newfd, bool cloexec);
/* Installs fd and answers the call with its number, atomically. */
int call_addfd_reply(struct call *c, int fd, bool cloexec);

void call_reply(struct call *c, int64_t val);
void call_fail(struct call *c, int err);
void call_continue(struct call *c);
/* SIGKILLs the caller's whole process. */
void call_kill_process(struct call *c);

#endif
