/*
 * virtgpu-emulator: runs COMMAND with a user-space virtio-gpu render node
 * (the mainline virtio_gpu driver plus rutabaga's cross-domain host),
 * built on the shared supervisor (core/).  main() parses the command
 * line; the model entry points route trapped calls to the DRM file they
 * are about.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "pending.h"
#include "stats.h"
#include "vg.h"
#include "virtgpu-abi.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: virtgpu-emulator [-v] [--render-node PATH] --wayland-sock PATH\n"
		"                        [--stats FILE] [--ids 4|28] [--write-pipe-as-blob]\n"
		"                        [--no-eof-receive] [--no-context-init]\n"
		"                        [--no-cross-domain] [--caps-need-context]\n"
		"                        -- COMMAND [ARGS...]\n"
		"\n"
		"Runs COMMAND with an emulated virtio-gpu render node at PATH (default\n"
		"%s) whose host offers the cross-domain context (capset 5)\n"
		"connected to the compositor at --wayland-sock, like crosvm's\n"
		"--gpu context-types=cross-domain --wayland-sock PATH.\n"
		"  --ids N              identifier array size (28: crosvm since 2024-02;\n"
		"                       4: older crosvm and libkrun); default 28\n"
		"  --write-pipe-as-blob tag compositor write pipes type 1 size 0\n"
		"                       (crosvm 2024-10 .. 2025-09)\n"
		"  --no-eof-receive     no empty RECEIVE when the compositor hangs up\n"
		"                       (rutabaga before 2024-10)\n"
		"  --no-context-init    a guest kernel without context_init\n"
		"  --no-cross-domain    a host started without cross-domain\n"
		"  --caps-need-context  GET_CAPS fails with EINVAL before CONTEXT_INIT\n"
		"  --stats FILE         keep counters in FILE as JSON\n"
		"  -v, --verbose        log every emulated call\n",
		VIRTGPU_RENDER_NODE_DEFAULT);
}

static int parse_options(struct vg_options *o, int argc, char **argv)
{
	enum { O_NODE = 256, O_SOCK, O_STATS, O_IDS, O_WPB, O_NOEOF, O_NOCI,
	       O_NOXD, O_CAPS };
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "render-node", required_argument, NULL, O_NODE },
		{ "wayland-sock", required_argument, NULL, O_SOCK },
		{ "stats", required_argument, NULL, O_STATS },
		{ "ids", required_argument, NULL, O_IDS },
		{ "write-pipe-as-blob", no_argument, NULL, O_WPB },
		{ "no-eof-receive", no_argument, NULL, O_NOEOF },
		{ "no-context-init", no_argument, NULL, O_NOCI },
		{ "no-cross-domain", no_argument, NULL, O_NOXD },
		{ "caps-need-context", no_argument, NULL, O_CAPS },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	o->node_path = VIRTGPU_RENDER_NODE_DEFAULT;
	o->ids = CROSS_DOMAIN_MAX_IDENTIFIERS;
	int c;
	while ((c = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'v': o->verbose = true; break;
		case O_NODE: o->node_path = optarg; break;
		case O_SOCK: o->wayland_sock = optarg; break;
		case O_STATS: o->stats_path = optarg; break;
		case O_IDS:
			o->ids = (unsigned)atoi(optarg);
			if (o->ids != CROSS_DOMAIN_MAX_IDENTIFIERS &&
			    o->ids != CROSS_DOMAIN_MAX_IDENTIFIERS_OLD) {
				fprintf(stderr, "virtgpu-emulator: --ids is 4 or 28\n");
				return -1;
			}
			break;
		case O_WPB: o->write_pipe_as_blob = true; break;
		case O_NOEOF: o->no_eof_receive = true; break;
		case O_NOCI: o->no_context_init = true; break;
		case O_NOXD: o->no_cross_domain = true; break;
		case O_CAPS: o->caps_need_context = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind >= argc || !o->wayland_sock ||
	    strlen(o->wayland_sock) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		usage(stderr);
		return -1;
	}
	o->command = argv + optind;
	return 0;
}

/* ---- the device model (core/sup.h) ---- */

static enum sup_verdict model_open(struct sup *sup, struct call *c,
				   const char *path, int flags)
{
	struct vg *vg = vg_from_sup(sup);
	if (strcmp(path, vg->opt.node_path) != 0)
		return SUP_PASS;
	return file_open(vg, c, flags);
}

static struct vg_file *file_of(struct sup *sup, int ours, const struct stat *st)
{
	struct vg_file *f = file_by_inode(vg_from_sup(sup), st->st_dev, st->st_ino);
	if (!f)
		close(ours);
	return f;
}

static enum sup_verdict model_ioctl(struct sup *sup, struct call *c, int ours,
				    const struct stat *st)
{
	struct vg_file *f = file_of(sup, ours, st);
	return f ? drm_ioctl(f, c, ours) : SUP_PASS;
}

static enum sup_verdict model_mmap(struct sup *sup, struct call *c, int ours,
				   const struct stat *st)
{
	struct vg_file *f = file_of(sup, ours, st);
	if (!f)
		return SUP_PASS;
	close(ours);
	return file_mmap(f, c);
}

static enum sup_verdict model_fd_call(struct sup *sup, struct call *c, int ours,
				      const struct stat *st)
{
	struct vg_file *f = file_of(sup, ours, st);
	return f ? file_fd_call(f, c, ours) : SUP_PASS;
}

static void model_rejection(struct sup *sup, pid_t pid, const char *what,
			    int err, const char *reason)
{
	vg_stats_rejection(vg_from_sup(sup)->stats, pid, what, err, "%s", reason);
}

static int model_idle(struct sup *sup, uint64_t now_ms)
{
	return vg_stats_flush_due(vg_from_sup(sup)->stats, now_ms);
}

static void model_child_gone(struct sup *sup)
{
	struct vg *vg = vg_from_sup(sup);
	release_poll_now(vg);
	vg_stats_flush(vg->stats);
	vg_stats_print_summary(vg->stats);
}

static const struct sup_model virtgpu_model = {
	.name = "virtgpu-emulator",
	.fd_lo = VG_FD_LO,
	.fd_hi = VG_FD_HI,
	.open = model_open,
	.ioctl = model_ioctl,
	.mmap = model_mmap,
	.fd_call = model_fd_call,
	.rejection = model_rejection,
	.idle = model_idle,
	.child_gone = model_child_gone,
};

static void vg_finish(struct vg *vg)
{
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &vg->sup.pending)
		pending_free(list_entry(pos, struct pending, link));
	while (!list_empty(&vg->files))
		file_destroy(list_entry(vg->files.next, struct vg_file, link));
	/* Resources only dma-bufs still held: the guest is gone. */
	list_for_each_safe(pos, tmp, &vg->resources) {
		struct vg_res *r = list_entry(pos, struct vg_res, link);
		while (!list_empty(&r->exports)) {
			struct vg_export *e = list_entry(r->exports.next, struct vg_export, link);
			release_cancel(&e->rel);
			list_remove(&e->link);
			free(e);
		}
		r->handles = r->fences = r->pins = 0;
		res_maybe_free(r);
	}
	release_finish(vg);
	sup_finish(&vg->sup);
	vg_stats_destroy(vg->stats);
}

int main(int argc, char **argv)
{
	struct vg vg;
	memset(&vg, 0, sizeof(vg));
	if (parse_options(&vg.opt, argc, argv) < 0)
		return 2;
	log_set_verbose(vg.opt.verbose);
	log_set_prefix(virtgpu_model.name);
	list_init(&vg.files);
	list_init(&vg.resources);
	vg.inotify_fd = -1;
	vg.next_offset = VG_OFFSET_START;
	vg.stats = vg_stats_create(vg.opt.stats_path);
	if (sup_init(&vg.sup, &virtgpu_model) < 0 || !vg.stats || release_init(&vg) < 0) {
		log_msg("cannot start: %m");
		return 1;
	}
	int status = sup_run(&vg.sup, vg.opt.command);
	vg_finish(&vg);
	return status < 0 ? 1 : status;
}
