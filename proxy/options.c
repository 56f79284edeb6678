#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "keymap.h"
#include "options.h"

static const char usage[] =
"Usage: wl-guest-proxy [OPTIONS] [-- COMMAND [ARGS...]]\n"
"\n"
"A Wayland proxy compositor for VM guests: guest clients connect to it and\n"
"it relays them to the host compositor.\n"
"\n"
"Options:\n"
"  -s, --socket NAME|PATH      listening socket: a name in $XDG_RUNTIME_DIR\n"
"                              or an absolute path (default: wayland-0)\n"
"  -t, --transport KIND        auto, direct or virtwl (default: auto: virtwl\n"
"                              when /dev/wl0 exists, else direct)\n"
"  -H, --host-display NAME|PATH\n"
"                              direct transport: the host compositor's\n"
"                              socket (default: $WAYLAND_DISPLAY)\n"
"      --virtwl-device PATH    virtwl transport: the device (default: /dev/wl0)\n"
"      --virtwl-context-name NAME\n"
"                              virtwl transport: connect to the host socket\n"
"                              crosvm was given as --wayland-sock PATH,name=NAME\n"
"                              (default: the unnamed one)\n"
KEYMAP_SPEC_HELP
"  -v, --verbose               log every connection detail\n"
"  -h, --help                  show this help\n"
"  -V, --version               show the version\n"
"\n"
"With -- COMMAND, runs COMMAND with WAYLAND_DISPLAY set to the proxy and\n"
"exits with its status.\n";

/* Long options without a short letter. */
enum {
	OPT_VIRTWL_DEVICE = 0x100,
	OPT_VIRTWL_CONTEXT_NAME,
	OPT_KEYMAP,
};

/* main.c hands wlgp_server_create only the channel: until it passes the
 * options on, the server picks --keymap up here (options_keymap). */
static const char *keymap_option;

const char *
options_keymap(void)
{
	return keymap_option;
}

enum options_result
options_parse(struct wlgp_options *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "transport", required_argument, NULL, 't' },
		{ "host-display", required_argument, NULL, 'H' },
		{ "virtwl-device", required_argument, NULL, OPT_VIRTWL_DEVICE },
		{ "virtwl-context-name", required_argument, NULL, OPT_VIRTWL_CONTEXT_NAME },
		{ "verbose", no_argument, NULL, 'v' },
		{ "keymap", required_argument, NULL, OPT_KEYMAP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	*opts = (struct wlgp_options){
		.socket = "wayland-0",
		.channel = { .kind = CHANNEL_AUTO },
	};

	int c;
	/* '+': stop at the first non-option so COMMAND keeps its own flags */
	while ((c = getopt_long(argc, argv, "+s:t:H:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!*optarg) {
				fprintf(stderr, "wl-guest-proxy: --socket needs a name\n");
				return OPTIONS_EXIT_ERROR;
			}
			opts->socket = optarg;
			break;
		case 't':
			if (!channel_parse_kind(optarg, &opts->channel.kind)) {
				fprintf(stderr, "wl-guest-proxy: unknown transport "
					"'%s': use auto, direct or virtwl\n", optarg);
				return OPTIONS_EXIT_ERROR;
			}
			break;
		case 'H':
			opts->channel.host_display = optarg;
			break;
		case OPT_VIRTWL_DEVICE:
			opts->channel.virtwl_device = optarg;
			break;
		case OPT_VIRTWL_CONTEXT_NAME:
			if (!*optarg || strlen(optarg) >= CHANNEL_CONTEXT_NAME_MAX) {
				fprintf(stderr, "wl-guest-proxy: --virtwl-context-name "
					"needs a name of 1 to %d bytes\n",
					CHANNEL_CONTEXT_NAME_MAX - 1);
				return OPTIONS_EXIT_ERROR;
			}
			opts->channel.context_name = optarg;
			break;
		case OPT_KEYMAP: {
			const char *why = keymap_spec_check(optarg);
			if (why) {
				fprintf(stderr, "wl-guest-proxy: %s\n", why);
				return OPTIONS_EXIT_ERROR;
			}
			opts->keymap = keymap_option = optarg;
			break;
		}
		case 'v':
			opts->verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return OPTIONS_EXIT_OK;
		case 'V':
			printf("wl-guest-proxy %s\n", WLGP_VERSION);
			return OPTIONS_EXIT_OK;
		default:
			fprintf(stderr, "Try 'wl-guest-proxy --help'.\n");
			return OPTIONS_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0) {
			fprintf(stderr, "wl-guest-proxy: unexpected argument '%s'; "
				"put a command after --\n", argv[optind]);
			return OPTIONS_EXIT_ERROR;
		}
		opts->command = &argv[optind];
	}
	return OPTIONS_RUN;
}
