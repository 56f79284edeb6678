/*
 * Trapped calls; see call.h.
 */
#include "call.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sup.h"
#include "log.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9 */
#endif

struct call *call_new(struct sup *sup, const struct seccomp_notif *n)
{
	struct call *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->sup = sup;
	c->id = n->id;
	c->tid = (pid_t)n->pid;
	c->pidfd = -1;
	c->nr = n->data.nr;
	memcpy(c->args, n->data.args, sizeof(c->args));
	return c;
}

void call_free(struct call *c)
{
	if (!c)
		return;
	if (c->pidfd >= 0)
		close(c->pidfd);
	free(c);
}

bool call_valid(struct call *c)
{
	uint64_t id = c->id;
	return ioctl(c->sup->listener_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static pid_t tgid_of(pid_t tid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return tid;
	pid_t tgid = tid;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	}
	fclose(f);
	return tgid;
}

pid_t call_pid(struct call *c)
{
	if (!c->tgid)
		c->tgid = tgid_of(c->tid);
	return c->tgid;
}

/*
 * A pidfd for the calling thread: PIDFD_THREAD (6.9+) takes any thread;
 * older kernels need the thread-group leader, whose fd table the threads
 * share.
 */
static int call_pidfd(struct call *c)
{
	if (c->pidfd >= 0)
		return c->pidfd;
	int fd = pidfd_open(c->tid, PIDFD_THREAD);
	if (fd < 0 && errno == EINVAL)
		fd = pidfd_open(call_pid(c), 0);
	if (fd < 0)
		return -ESRCH;
	/* The TID may have been reused before pidfd_open: check after. */
	if (!call_valid(c)) {
		close(fd);
		return -ESRCH;
	}
	c->pidfd = fd;
	return fd;
}

static size_t iov_total(const struct iovec *iov, int n)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	return total;
}

static int remote_iov(struct call *c, const struct iovec *local, int nlocal,
		      const struct iovec *remote, int nremote, bool write)
{
	size_t total = iov_total(local, nlocal);
	if (total == 0)
		return call_valid(c) ? 0 : -ESRCH;
	ssize_t r = write
		? process_vm_writev(c->tid, local, (unsigned long)nlocal, remote,
				    (unsigned long)nremote, 0)
		: process_vm_readv(c->tid, local, (unsigned long)nlocal, remote,
				   (unsigned long)nremote, 0);
	int err = r < 0 ? errno : 0;
	if (!call_valid(c))
		return -ESRCH;
	if (r < 0)
		return err == ESRCH ? -ESRCH : -EFAULT;
	return (size_t)r == total ? 0 : -EFAULT;
}

static int remote_io(struct call *c, uint64_t addr, void *buf, size_t len, bool write)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	return remote_iov(c, &local, 1, &remote, 1, write);
}

int call_read(struct call *c, uint64_t addr, void *buf, size_t len)
{
	return remote_io(c, addr, buf, len, false);
}

ssize_t call_read_upto(struct call *c, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	/* A fault part way returns the bytes before it. */
	ssize_t r = process_vm_readv(c->tid, &local, 1, &remote, 1, 0);
	if (!call_valid(c))
		return -ESRCH;
	return r < 0 ? 0 : r;
}

int call_writev(struct call *c, const struct iovec *local, int nlocal,
		const struct iovec *remote, int nremote)
{
	return remote_iov(c, local, nlocal, remote, nremote, true);
}

int call_write(struct call *c, uint64_t addr, const void *buf, size_t len)
{
	return remote_io(c, addr, (void *)buf, len, true);
}

/* Reads up to each page end, so a string near an unmapped page works. */
int call_read_string(struct call *c, uint64_t addr, char *buf, size_t cap)
{
	size_t got = 0;
	while (got < cap) {
		size_t chunk = 4096 - ((addr + got) & 4095);
		if (chunk > cap - got)
			chunk = cap - got;
		int r = call_read(c, addr + got, buf + got, chunk);
		if (r < 0)
			return r;
		if (memchr(buf + got, 0, chunk))
			return 0;
		got += chunk;
	}
	buf[cap - 1] = 0;
	return -ENAMETOOLONG;
}

int call_getfd(struct call *c, int fd)
{
	if (fd < 0)
		return -EBADF;
	int pidfd = call_pidfd(c);
	if (pidfd < 0)
		return pidfd;
	int ours = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (ours < 0)
		return errno == ESRCH ? -ESRCH : -EBADF;
	return ours;
}

static int addfd(struct call *c, int fd, int newfd, bool cloexec, uint32_t flags)
{
	struct seccomp_notif_addfd a = {
		.id = c->id,
		.flags = flags,
		.srcfd = (uint32_t)fd,
		.newfd = (uint32_t)newfd,
		.newfd_flags = cloexec ? O_CLOEXEC : 0,
	};
	int r = ioctl(c->sup->listener_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
	if (r < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return r;
}

int call_addfd(struct call *c, int fd, bool cloexec)
{
	return addfd(c, fd, 0, cloexec, 0);
}

int call_addfd_at(struct call *c, int fd, int newfd, bool cloexec)
{
	return addfd(c, fd, newfd, cloexec, SECCOMP_ADDFD_FLAG_SETFD);
}

int call_addfd_reply(struct call *c, int fd, bool cloexec)
{
	c->answered = true;
	return addfd(c, fd, 0, cloexec, SECCOMP_ADDFD_FLAG_SEND);
}

int call_addfd_reply_at(struct call *c, int fd, int newfd, bool cloexec)
{
	c->answered = true;
	return addfd(c, fd, newfd, cloexec,
		     SECCOMP_ADDFD_FLAG_SEND | SECCOMP_ADDFD_FLAG_SETFD);
}

static void respond(struct call *c, int64_t val, int err, uint32_t flags)
{
	if (c->answered)
		return;
	c->answered = true;
	struct seccomp_notif_resp resp = {
		.id = c->id,
		.val = val,
		.error = err ? -err : 0,
		.flags = flags,
	};
	/* ENOENT: the caller died or was killed meanwhile; nothing to do. */
	if (ioctl(c->sup->listener_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 &&
	    errno != ENOENT)
		log_msg("answering call of %d: %m", (int)c->tid);
}

void call_reply(struct call *c, int64_t val)
{
	respond(c, val, 0, 0);
}

void call_fail(struct call *c, int err)
{
	respond(c, 0, err, 0);
}

void call_continue(struct call *c)
{
	respond(c, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
}

void call_kill_process(struct call *c)
{
	int fd = pidfd_open(call_pid(c), 0);
	if (fd < 0)
		return;
	if (call_valid(c))
		pidfd_send_signal(fd, SIGKILL, NULL, 0);
	close(fd);
}
