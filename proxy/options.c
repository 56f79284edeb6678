#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
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
"      --allow-global IFACE    offer the host's IFACE global to guests even\n"
"                              if the protocol policy hides it by default\n"
"                              (repeatable; see the man page)\n"
"      --hide-global IFACE     never offer the host's IFACE global to guests\n"
"                              (repeatable)\n"
"      --log-level LEVEL       error, warning, info or debug (default: info,\n"
"                              or $WLGP_LOG_LEVEL)\n"
"  -v, --verbose               the same as --log-level debug\n"
"      --trace                 print every message of every client on both\n"
"                              sides of the proxy, like WAYLAND_DEBUG\n"
"                              (also: WLGP_TRACE=1)\n"
"  -h, --help                  show this help\n"
"  -V, --version               show the version\n"
"\n"
"With -- COMMAND, runs COMMAND with WAYLAND_DISPLAY set to the proxy and\n"
"exits with its status.\n";

/* Long options without a short letter. */
enum {
	OPT_VIRTWL_DEVICE = 0x100,
	OPT_VIRTWL_CONTEXT_NAME,
	OPT_LOG_LEVEL,
	OPT_TRACE,
	OPT_KEYMAP,
	OPT_ALLOW_GLOBAL,
	OPT_HIDE_GLOBAL,
};

/* The environment's settings, for what the command line did not set: how
 * a systemd unit or a user's session turns on debugging without editing
 * ExecStart=. */
static bool
options_from_env(struct wlgp_options *opts, bool level_given, bool trace_given)
{
	const char *level = level_given ? NULL : getenv("WLGP_LOG_LEVEL");
	if (level && *level && !wlgp_log_level_parse(level, &opts->log_level)) {
		fprintf(stderr, "wl-guest-proxy: WLGP_LOG_LEVEL=%s: use error, "
			"warning, info or debug\n", level);
		return false;
	}
	const char *trace = trace_given ? NULL : getenv("WLGP_TRACE");
	if (!trace || !*trace || strcmp(trace, "0") == 0)
		return true;
	if (strcmp(trace, "1") != 0) {
		fprintf(stderr, "wl-guest-proxy: WLGP_TRACE=%s: use 1 or 0\n", trace);
		return false;
	}
	opts->trace = true;
	return true;
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
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "trace", no_argument, NULL, OPT_TRACE },
		{ "keymap", required_argument, NULL, OPT_KEYMAP },
		{ "allow-global", required_argument, NULL, OPT_ALLOW_GLOBAL },
		{ "hide-global", required_argument, NULL, OPT_HIDE_GLOBAL },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	*opts = (struct wlgp_options){
		.socket = "wayland-0",
		.channel = { .kind = CHANNEL_AUTO },
		.log_level = WLGP_INFO,
	};
	bool level_given = false;

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
		case OPT_LOG_LEVEL:
			if (!wlgp_log_level_parse(optarg, &opts->log_level)) {
				fprintf(stderr, "wl-guest-proxy: unknown log level "
					"'%s': use error, warning, info or debug\n",
					optarg);
				return OPTIONS_EXIT_ERROR;
			}
			level_given = true;
			break;
		case 'v':
			opts->log_level = WLGP_DEBUG;
			level_given = true;
			break;
		case OPT_TRACE:
			opts->trace = true;
			break;
		case OPT_KEYMAP: {
			const char *why = keymap_spec_check(optarg);
			if (why) {
				fprintf(stderr, "wl-guest-proxy: %s\n", why);
				return OPTIONS_EXIT_ERROR;
			}
			opts->keymap = optarg;
			break;
		}
		case OPT_ALLOW_GLOBAL:
		case OPT_HIDE_GLOBAL: {
			const char *why = policy_check_name(optarg);
			if (why) {
				fprintf(stderr, "wl-guest-proxy: --%s '%s': %s\n",
					c == OPT_ALLOW_GLOBAL ? "allow-global" :
					"hide-global", optarg, why);
				return OPTIONS_EXIT_ERROR;
			}
			if (!policy_add_rule(&opts->policy, optarg,
					     c == OPT_ALLOW_GLOBAL)) {
				fprintf(stderr, "wl-guest-proxy: out of memory\n");
				return OPTIONS_EXIT_ERROR;
			}
			break;
		}
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
	if (!options_from_env(opts, level_given, opts->trace))
		return OPTIONS_EXIT_ERROR;
	return OPTIONS_RUN;
}

void
options_fini(struct wlgp_options *opts)
{
	policy_fini(&opts->policy);
}
