/*
 * The supervisor: COMMAND under the filter, its signals and exit status,
 * and the loop that serves it; see sup.h.
 */
#include "sup.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "notify.h"
#include "pending.h"

int sup_init(struct sup *sup, const struct sup_model *model)
{
	memset(sup, 0, sizeof(*sup));
	sup->model = model;
	sup->listener_fd = -1;
	list_init(&sup->pending);
	sup->loop = loop_create();
	return sup->loop ? 0 : -1;
}

void sup_finish(struct sup *sup)
{
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &sup->pending)
		pending_free(list_entry(pos, struct pending, link));
	loop_cancel_timer(sup->pending_sweep);
	sup->pending_sweep = NULL;
	notify_finish(sup);
	if (sup->listener_fd >= 0)
		close(sup->listener_fd);
	sup->listener_fd = -1;
	loop_destroy(sup->loop);
	sup->loop = NULL;
}

static int send_fd(int sock, int fd)
{
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char space[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	memset(&cbuf, 0, sizeof(cbuf));
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.space, .msg_controllen = sizeof(cbuf.space),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char space[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.space, .msg_controllen = sizeof(cbuf.space),
	};
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static void child_fail(const struct sup *sup, const char *what)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "%s: %s: %s\n", sup->model->name, what,
			 strerror(errno));
	ssize_t r = write(STDERR_FILENO, msg, (size_t)n);
	(void)r;
	_exit(127);
}

/*
 * In the child: filter, hand the listener to the parent, exec.  Nothing
 * here may open files after the filter is in: the parent only serves the
 * listener once it has received it.
 */
static void run_child(struct sup *sup, char **command, int sock,
		      const sigset_t *mask, pid_t parent)
{
	sigprocmask(SIG_SETMASK, mask, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	int listener = notify_install_filter(sup->model);
	if (listener < 0) {
		errno = -listener;
		child_fail(sup, "installing the seccomp filter");
	}
	if (send_fd(sock, listener) < 0)
		child_fail(sup, "passing the listener");
	close(listener);
	close(sock);
	/* The guest cannot see the host's socket. */
	unsetenv("WAYLAND_DISPLAY");
	execvp(command[0], command);
	child_fail(sup, command[0]);
}

static int spawn(struct sup *sup, char **command, const sigset_t *orig_mask)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(sv[0]);
		run_child(sup, command, sv[1], orig_mask, parent);
	}
	close(sv[1]);
	sup->child = pid;
	int listener = recv_fd(sv[0]);
	close(sv[0]);
	if (listener < 0)
		return -1; /* the child failed and said why */
	return notify_start(sup, listener);
}

static void child_exited(struct sup *sup, int status)
{
	sup->child_done = true;
	if (WIFEXITED(status))
		sup->exit_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		sup->exit_status = 128 + WTERMSIG(status);
	else
		sup->exit_status = 1;
}

struct signals {
	struct sup *sup;
	int fd;
	struct loop_watch *w;
};

static void handle_signalfd(void *data, uint32_t events)
{
	struct signals *s = data;
	struct signalfd_siginfo si;
	while (read(s->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			int status;
			pid_t pid;
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
				if (pid == s->sup->child)
					child_exited(s->sup, status);
		} else if (s->sup->child > 0 && !s->sup->child_done) {
			kill(s->sup->child, (int)si.ssi_signo);
		}
	}
}

int sup_run(struct sup *sup, char **command)
{
	/* Blocked before fork so no SIGCHLD is lost; the child restores. */
	sigset_t mask, orig;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &orig);

	struct signals sig = { .sup = sup };
	sig.fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	sig.w = sig.fd >= 0 ? loop_add_fd(sup->loop, sig.fd, EPOLLIN,
					   handle_signalfd, &sig) : NULL;
	if (!sig.w || spawn(sup, command, &orig) < 0) {
		if (sup->child > 0) {
			int status;
			waitpid(sup->child, &status, 0);
			child_exited(sup, status);
		}
		log_msg("cannot start %s", command[0]);
		if (sig.fd >= 0) {
			loop_remove_fd(sig.w);
			close(sig.fd);
		}
		return sup->child_done ? sup->exit_status : -1;
	}
	/* A compositor or guest closing early must not kill us. */
	signal(SIGPIPE, SIG_IGN);

	int timeout = -1;
	while (!sup->child_done) {
		if (loop_dispatch(sup->loop, timeout) < 0 && errno != EINTR) {
			log_msg("event loop: %m");
			break;
		}
		timeout = sup->model->idle ? sup->model->idle(sup, loop_now_ms()) : -1;
	}
	/*
	 * The child's last closes are queued before SIGCHLD: let the model
	 * count them, after dropping the references its blocked calls held.
	 */
	pending_sweep_now(sup);
	if (sup->model->child_gone)
		sup->model->child_gone(sup);
	loop_remove_fd(sig.w);
	close(sig.fd);
	return sup->child_done ? sup->exit_status : -1;
}
