/*
 * wl0-emulator: runs COMMAND with a user-space /dev/wl0 (the ChromiumOS
 * virtio_wl driver plus crosvm's host side), built on seccomp user
 * notification.  main() parses the command line, starts the child under
 * the filter, serves its calls until it exits and exits with its status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "driver.h"
#include "emu.h"
#include "inqueue.h"
#include "log.h"
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

/* ---- the device model (core/sup.h) ---- */

static bool is_device(struct emu *emu, const struct stat *st)
{
	return st->st_dev == emu->device_dev && st->st_ino == emu->device_ino;
}

/* Only the exact path string is the device; stat/access see the real fs. */
static enum sup_verdict model_open(struct sup *sup, struct call *c,
				   const char *path, int flags)
{
	if (strcmp(path, emu_from_sup(sup)->opt.device_path) != 0)
		return SUP_PASS;
	driver_open_device(c, flags);
	return SUP_DONE;
}

static enum sup_verdict model_ioctl(struct sup *sup, struct call *c, int ours,
				    const struct stat *st)
{
	struct emu *emu = emu_from_sup(sup);
	unsigned cmd = (unsigned)c->args[1];
	if (is_device(emu, st))
		return driver_device_ioctl(c, ours, cmd, c->args[2]) ? SUP_KEPT : SUP_DONE;
	struct vfd *v = vfd_lookup_stat(emu, ours, st);
	if (v)
		return driver_vfd_ioctl(c, v, ours, cmd, c->args[2]) ? SUP_KEPT : SUP_DONE;
	close(ours);
	return SUP_PASS;
}

static enum sup_verdict model_mmap(struct sup *sup, struct call *c, int ours,
				   const struct stat *st)
{
	struct emu *emu = emu_from_sup(sup);
	bool device = is_device(emu, st);
	struct vfd *v = device ? NULL : vfd_lookup_stat(emu, ours, st);
	close(ours);
	if (device)
		driver_device_mmap(c);
	else if (v)
		driver_vfd_mmap(c, v);
	else
		return SUP_PASS;
	return SUP_DONE;
}

static void model_rejection(struct sup *sup, pid_t pid, const char *what,
			    int err, const char *reason)
{
	stats_rejection(emu_from_sup(sup)->stats, pid, what, err, "%s", reason);
}

static int model_idle(struct sup *sup, uint64_t now_ms)
{
	return stats_flush_due(emu_from_sup(sup)->stats, now_ms);
}

static void model_child_gone(struct sup *sup)
{
	struct emu *emu = emu_from_sup(sup);
	vfd_table_poll_releases(emu);
	stats_flush(emu->stats);
	stats_print_summary(emu->stats);
}

static const struct sup_model wl0_model = {
	.name = "wl0-emulator",
	.open = model_open,
	.ioctl = model_ioctl,
	.mmap = model_mmap,
	.rejection = model_rejection,
	.idle = model_idle,
	.child_gone = model_child_gone,
};

static int emu_init(struct emu *emu)
{
	list_init(&emu->orphans);
	list_init(&emu->ctxs);
	list_init(&emu->streams);
	emu->device_fd = -1;
	emu->stats = stats_create(emu->opt.stats_path);
	if (sup_init(&emu->sup, &wl0_model) < 0 || !emu->stats || make_device(emu) < 0 ||
	    vfd_table_init(emu) < 0 || inqueue_init(emu) < 0)
		return -1;
	return 0;
}

static void emu_finish(struct emu *emu)
{
	/* Pending calls hold vfd references: they go first. */
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &emu->sup.pending)
		pending_free(list_entry(pos, struct pending, link));
	vfd_table_finish(emu);
	pump_free_orphans(emu);
	inqueue_finish(emu);
	if (emu->device_fd >= 0)
		close(emu->device_fd);
	sup_finish(&emu->sup);
	stats_destroy(emu->stats);
}

int main(int argc, char **argv)
{
	struct emu emu;
	memset(&emu, 0, sizeof(emu));
	if (parse_options(&emu.opt, argc, argv) < 0)
		return 2;
	log_set_verbose(emu.opt.verbose);
	log_set_prefix(wl0_model.name);
	if (emu_init(&emu) < 0) {
		log_msg("cannot start: %m");
		return 1;
	}
	int status = sup_run(&emu.sup, emu.opt.command);
	emu_finish(&emu);
	return status < 0 ? 1 : status;
}
