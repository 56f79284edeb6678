/*
 * The seccomp filter and the notification dispatcher; see notify.h.
 */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "call.h"
#include "log.h"
#include "loop.h"
#include "sup.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64) /* Linux 6.6 */
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define ARG_LO(i) (offsetof(struct seccomp_data, args) + (i) * sizeof(uint64_t))

/* Jump offsets from instruction `at` to label `to` (both indexes). */
#define J(to, at) ((unsigned char)((to) - (at) - 1))

enum {
	I_LOAD_FD = 29,
	I_RANGE = 30,
	I_NOTIFY = 32,
	I_ALLOW = 33,
};

int notify_install_filter(const struct sup_model *model)
{
	uint32_t lo = (uint32_t)model->fd_lo, hi = (uint32_t)model->fd_hi;
	struct sock_filter f[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, J(I_ALLOW, 1)),
		/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 3: x32 syscall numbers are not emulated */
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, J(I_ALLOW, 3), 0),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, J(I_NOTIFY, 4), 0),
		/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_open, J(I_NOTIFY, 5), 0),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat2, J(I_NOTIFY, 6), 0),
		/* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 0, J(10, 7)),
		/* 8 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(3)),
		/* 9 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MAP_ANONYMOUS, J(I_ALLOW, 9), J(I_NOTIFY, 9)),
		/* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, J(17, 10)),
		/* 11 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		/* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FIONBIO, J(I_ALLOW, 12), 0),
		/* 13 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FIOCLEX, J(I_ALLOW, 13), 0),
		/* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FIONCLEX, J(I_ALLOW, 14), 0),
		/* 15 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FIOASYNC, J(I_ALLOW, 15), 0),
		/* 16: isatty(); no emulated object is a tty */
		/* 16 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TCGETS, J(I_ALLOW, 16), J(I_NOTIFY, 16)),
		/* 17-31: calls on the model's own fd numbers (sup.h) */
		/* 17 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_epoll_ctl, 0, J(20, 17)),
		/* 18 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
		/* 19 */ BPF_STMT(BPF_JMP | BPF_JA, J(I_RANGE, 19)),
		/* 20 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_read, J(I_LOAD_FD, 20), 0),
		/* 21 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_readv, J(I_LOAD_FD, 21), 0),
		/* 22 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_dup, J(I_LOAD_FD, 22), 0),
		/* 23 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_dup2, J(I_LOAD_FD, 23), 0),
		/* 24 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_dup3, J(I_LOAD_FD, 24), 0),
		/* 25 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fcntl, 0, J(I_ALLOW, 25)),
		/* 26 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		/* 27 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_DUPFD, J(I_LOAD_FD, 27), 0),
		/* 28 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_DUPFD_CLOEXEC, 0, J(I_ALLOW, 28)),
		/* 29 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
		/* 30 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, J(I_ALLOW, 30)),
		/* 31 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, hi, J(I_ALLOW, 31), 0),
		/* 32 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		/* 33 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	_Static_assert(sizeof(f) / sizeof(f[0]) == I_ALLOW + 1, "filter labels");
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/*
	 * WAIT_KILLABLE_RECV: once we hold a call, only a fatal signal ends
	 * it, so a SEND we are sending is never restarted (and sent twice).
	 */
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_NEW_LISTENER |
			  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog);
	if (fd < 0 && errno == EINVAL)
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			     SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	return fd < 0 ? -errno : (int)fd;
}

/* ---- dispatch ---- */

static enum sup_verdict handle_open(struct call *c, uint64_t path_addr, int flags)
{
	char path[4096];
	int r = call_read_string(c, path_addr, path, sizeof(path));
	if (r == -ESRCH)
		return SUP_DONE;
	if (r < 0)
		return SUP_PASS;
	return c->sup->model->open(c->sup, c, path, flags);
}

static enum sup_verdict handle_openat2(struct call *c)
{
	struct open_how how;
	if (c->args[3] < sizeof(how.flags) ||
	    call_read(c, c->args[2], &how.flags, sizeof(how.flags)) < 0)
		return SUP_PASS; /* the kernel answers EFAULT/EINVAL itself */
	return handle_open(c, c->args[1], (int)how.flags);
}

typedef enum sup_verdict (*fd_handler)(struct sup *sup, struct call *c,
					int ours, const struct stat *st);

/* Calls about one fd: our copy of it goes to the model. */
static enum sup_verdict handle_fd(struct call *c, int fd, fd_handler fn)
{
	int ours = call_getfd(c, fd);
	if (ours < 0)
		return ours == -ESRCH ? SUP_DONE : SUP_PASS; /* EBADF: the kernel's */
	struct stat st;
	if (!fn || fstat(ours, &st) < 0) {
		close(ours);
		return SUP_PASS;
	}
	return fn(c->sup, c, ours, &st);
}

static enum sup_verdict dispatch(struct call *c)
{
	const struct sup_model *m = c->sup->model;
	switch (c->nr) {
	case __NR_openat:
		return handle_open(c, c->args[1], (int)c->args[2]);
	case __NR_open:
		return handle_open(c, c->args[0], (int)c->args[1]);
	case __NR_openat2:
		return handle_openat2(c);
	case __NR_ioctl:
		return handle_fd(c, (int)c->args[0], m->ioctl);
	case __NR_mmap:
		return handle_fd(c, (int)c->args[4], m->mmap);
	case __NR_epoll_ctl:
		return handle_fd(c, (int)c->args[2], m->fd_call);
	case __NR_read:
	case __NR_readv:
	case __NR_dup:
	case __NR_dup2:
	case __NR_dup3:
	case __NR_fcntl:
		return handle_fd(c, (int)c->args[0], m->fd_call);
	default:
		return SUP_PASS;
	}
}

struct notify {
	struct sup *sup;
	struct loop_watch *w;
	size_t notif_size;
};

static void serve_one(struct notify *n, struct seccomp_notif *req)
{
	struct sup *sup = n->sup;
	memset(req, 0, n->notif_size);
	/* ENOENT: the caller went away before we took the call. */
	if (ioctl(sup->listener_fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
		return;
	struct call *c = call_new(sup, req);
	if (!c)
		return;
	enum sup_verdict v = dispatch(c);
	if (v == SUP_PASS)
		call_continue(c);
	if (v != SUP_KEPT) {
		/* Never leave a caller blocked: every path answers, this
		 * only catches calls that vanished. */
		if (!c->answered)
			call_fail(c, ENOSYS);
		call_free(c);
	}
}

/* RECV blocks when nothing is queued: poll before each further one. */
static bool more_calls(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void handle_listener(void *data, uint32_t events)
{
	struct notify *n = data;
	if (events & EPOLLIN) {
		struct seccomp_notif *req = calloc(1, n->notif_size);
		if (!req)
			return;
		/* A batch per wakeup, bounded so host events are not starved. */
		int budget = 64;
		do
			serve_one(n, req);
		while (--budget > 0 && more_calls(n->sup->listener_fd));
		free(req);
	} else if (events & (EPOLLHUP | EPOLLERR)) {
		/* Every process under the filter is gone. */
		loop_remove_fd(n->w);
		n->w = NULL;
	}
}

int notify_start(struct sup *sup, int listener_fd)
{
	struct seccomp_notif_sizes sizes = { 0 };
	struct notify *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->sup = sup;
	n->notif_size = sizeof(struct seccomp_notif);
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0 &&
	    sizes.seccomp_notif > n->notif_size)
		n->notif_size = sizes.seccomp_notif;
	sup->listener_fd = listener_fd;
	/*
	 * Hand each call over on the current CPU, like a synchronous IPC:
	 * cross-CPU wakeups otherwise cost most of a trapped call.
	 */
	if (ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
		  SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0)
		log_debug("no synchronous wakeups (%m)");
	n->w = loop_add_fd(sup->loop, listener_fd, EPOLLIN, handle_listener, n);
	if (!n->w) {
		free(n);
		return -EINVAL;
	}
	sup->notify = n;
	return 0;
}

void notify_finish(struct sup *sup)
{
	struct notify *n = sup->notify;
	if (!n)
		return;
	loop_remove_fd(n->w);
	free(n);
	sup->notify = NULL;
}
