/*
 * wl0-emulator: runs COMMAND with a user-space /dev/wl0 (the ChromiumOS
 * virtio_wl driver plus crosvm's host side), built on seccomp user
 * notification.  main() parses the command line, starts the child under
 * the filter, serves its calls until it exits and exits with its status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emu.h"
#include "inqueue.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "pending.h"
#include "pump.h"
#include "stats.h"
#include "vfd.h"
#include "virtwl-abi.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: wl0-emulator [-v] [--device PATH] --wayland-sock PATH[,name=NAME]\n"
		"                    [--wayland-sock ...] [--stats FILE] [--in-buffers N]\n"
		"                    -- COMMAND [ARGS...]\n"
		"\n"
		"Runs COMMAND with an emulated virtio-wayland device at PATH (default\n"
		"%s) connected to the given host Wayland sockets, like crosvm's\n"
		"--wayland-sock.  Exits with COMMAND's status (128+N if killed by N).\n"
		"  -v, --verbose      log every emulated call\n"
		"  --stats FILE       keep counters in FILE as JSON\n"
		"  --in-buffers N     stall all host reading while N messages wait in\n"
		"                     the guest, as the device does (crosvm: 256;\n"
		"                     default 0: each vfd only back-pressures itself)\n",
		VIRTWL_DEVICE_PATH);
}

/* "PATH[,name=NAME]": the unnamed socket has name "". */
static int parse_socket(struct emu_options *opt, char *arg)
{
	if (opt->nsockets == EMU_MAX_SOCKETS) {
		fprintf(stderr, "wl0-emulator: too many --wayland-sock\n");
		return -1;
	}
	struct emu_socket *s = &opt->sockets[opt->nsockets];
	char *comma = strstr(arg, ",name=");
	s->name = "";
	if (comma) {
		*comma = 0;
		s->name = comma + strlen(",name=");
	}
	s->path = arg;
	if (strlen(s->path) >= sizeof(((struct sockaddr_un *)0)->sun_path) ||
	    strlen(s->name) >= VIRTWL_CTX_NAME_MAX) {
		fprintf(stderr, "wl0-emulator: socket path or name too long: %s\n", arg);
		return -1;
	}
	for (int i = 0; i < opt->nsockets; i++) {
		if (strcmp(opt->sockets[i].name, s->name) == 0) {
			fprintf(stderr, "wl0-emulator: two sockets named \"%s\"\n", s->name);
			return -1;
		}
	}
	opt->nsockets++;
	return 0;
}

static int parse_options(struct emu_options *opt, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "device", required_argument, NULL, 'd' },
		{ "wayland-sock", required_argument, NULL, 'w' },
		{ "stats", required_argument, NULL, 's' },
		{ "in-buffers", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	opt->device_path = VIRTWL_DEVICE_PATH;
	int c;
	while ((c = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			opt->verbose = true;
			break;
		case 'd':
			opt->device_path = optarg;
			break;
		case 'w':
			if (parse_socket(opt, optarg) < 0)
				return -1;
			break;
		case 's':
			opt->stats_path = optarg;
			break;
		case 'b': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (*end || end == optarg || n > 1u << 20) {
				fprintf(stderr, "wl0-emulator: --in-buffers: a count (crosvm: 256)\n");
				return -1;
			}
			opt->in_buffers = (unsigned)n;
			break;
		}
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind >= argc || opt->nsockets == 0) {
		usage(stderr);
		return -1;
	}
	opt->command = argv + optind;
	return 0;
}

/* "The device": an inode of our own that nothing else has. */
static int make_device(struct emu *emu)
{
	emu->device_fd = memfd_create("wl0-emulator-device",
				      MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (emu->device_fd < 0)
		return -1;
	/* The real device has no read/write: keep the memfd empty. */
	fcntl(emu->device_fd, F_ADD_SEALS,
	      F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_WRITE | F_SEAL_SEAL);
	struct stat st;
	if (fstat(emu->device_fd, &st) < 0)
		return -1;
	emu->device_dev = st.st_dev;
	emu->device_ino = st.st_ino;
	return 0;
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

static void child_fail(const char *what)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "wl0-emulator: %s: %s\n", what, strerror(errno));
	ssize_t r = write(STDERR_FILENO, msg, (size_t)n);
	(void)r;
	_exit(127);
}

/*
 * In the child: filter, hand the listener to the parent, exec.  Nothing
 * here may open files after the filter is in: the parent only serves the
 * listener once it has received it.
 */
static void run_child(struct emu *emu, int sock, const sigset_t *mask, pid_t parent)
{
	sigprocmask(SIG_SETMASK, mask, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	int listener = notify_install_filter();
	if (listener < 0) {
		errno = -listener;
		child_fail("installing the seccomp filter");
	}
	if (send_fd(sock, listener) < 0)
		child_fail("passing the listener");
	close(listener);
	close(sock);
	/* The guest cannot see the host's socket. */
	unsetenv("WAYLAND_DISPLAY");
	execvp(emu->opt.command[0], emu->opt.command);
	child_fail(emu->opt.command[0]);
}

static int spawn(struct emu *emu, const sigset_t *orig_mask)
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
		run_child(emu, sv[1], orig_mask, parent);
	}
	close(sv[1]);
	emu->child = pid;
	int listener = recv_fd(sv[0]);
	close(sv[0]);
	if (listener < 0)
		return -1; /* the child failed and said why */
	return notify_start(emu, listener);
}

static void child_exited(struct emu *emu, int status)
{
	emu->child_done = true;
	if (WIFEXITED(status))
		emu->exit_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		emu->exit_status = 128 + WTERMSIG(status);
	else
		emu->exit_status = 1;
}

struct signals {
	struct emu *emu;
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
				if (pid == s->emu->child)
					child_exited(s->emu, status);
		} else if (s->emu->child > 0 && !s->emu->child_done) {
			kill(s->emu->child, (int)si.ssi_signo);
		}
	}
}

static int emu_init(struct emu *emu)
{
	list_init(&emu->pending);
	list_init(&emu->orphans);
	list_init(&emu->ctxs);
	list_init(&emu->streams);
	emu->listener_fd = -1;
	emu->device_fd = -1;
	emu->loop = loop_create();
	emu->stats = stats_create(emu->opt.stats_path);
	if (!emu->loop || !emu->stats || make_device(emu) < 0 ||
	    vfd_table_init(emu) < 0 || inqueue_init(emu) < 0)
		return -1;
	return 0;
}

static void emu_finish(struct emu *emu)
{
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &emu->pending)
		pending_free(list_entry(pos, struct pending, link));
	loop_cancel_timer(emu->pending_sweep);
	vfd_table_finish(emu);
	pump_free_orphans(emu);
	inqueue_finish(emu);
	notify_finish(emu);
	if (emu->listener_fd >= 0)
		close(emu->listener_fd);
	if (emu->device_fd >= 0)
		close(emu->device_fd);
	loop_destroy(emu->loop);
	stats_destroy(emu->stats);
}

int main(int argc, char **argv)
{
	struct emu emu;
	memset(&emu, 0, sizeof(emu));
	if (parse_options(&emu.opt, argc, argv) < 0)
		return 2;
	log_set_verbose(emu.opt.verbose);

	/* Blocked before fork so no SIGCHLD is lost; the child restores. */
	sigset_t mask, orig;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &orig);

	if (emu_init(&emu) < 0) {
		log_msg("cannot start: %m");
		return 1;
	}
	struct signals sig = { .emu = &emu };
	sig.fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	sig.w = sig.fd >= 0 ? loop_add_fd(emu.loop, sig.fd, EPOLLIN,
					   handle_signalfd, &sig) : NULL;
	if (!sig.w || spawn(&emu, &orig) < 0) {
		if (emu.child > 0) {
			int status;
			waitpid(emu.child, &status, 0);
			child_exited(&emu, status);
		}
		log_msg("cannot start %s", emu.opt.command[0]);
		emu_finish(&emu);
		return emu.child_done ? emu.exit_status : 1;
	}
	/* A compositor or guest closing early must not kill us. */
	signal(SIGPIPE, SIG_IGN);

	int flush_in = -1;
	while (!emu.child_done) {
		if (loop_dispatch(emu.loop, flush_in) < 0 && errno != EINTR) {
			log_msg("event loop: %m");
			break;
		}
		flush_in = stats_flush_due(emu.stats, loop_now_ms());
	}
	/*
	 * The child's last closes are queued before SIGCHLD: count them,
	 * after dropping the references its blocked calls held.
	 */
	pending_sweep_now(&emu);
	vfd_table_poll_releases(&emu);
	stats_flush(emu.stats);
	stats_print_summary(emu.stats);
	loop_remove_fd(sig.w);
	close(sig.fd);
	emu_finish(&emu);
	return emu.child_done ? emu.exit_status : 1;
}
