/*
 * The command line and the config file (config.h), through one table of
 * long options and one function that applies an option, so that a config
 * key means exactly what its long option does.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy_pool.h"
#include "config.h"
#include "keymap.h"
#include "options.h"
#include "provenance.h"

static const char usage[] =
"Usage: wl-guest-proxy [OPTIONS] [-- COMMAND [ARGS...]]\n"
"\n"
"A Wayland proxy compositor for VM guests: guest clients connect to it and\n"
"it relays them to the host compositor.\n"
"\n"
"Options:\n"
"  -s, --socket NAME|PATH      listening socket: a name in $XDG_RUNTIME_DIR\n"
"                              or an absolute path (default: wayland-0)\n"
"  -t, --transport KIND        auto, direct, virtwl or virtgpu (default: auto:\n"
"                              virtwl when /dev/wl0 exists, else virtgpu when\n"
"                              a render node offers cross-domain, else direct)\n"
"  -H, --host-display NAME|PATH\n"
"                              direct transport: the host compositor's\n"
"                              socket (default: $WAYLAND_DISPLAY)\n"
"      --virtwl-device PATH    virtwl transport: the device (default: /dev/wl0)\n"
"      --virtwl-context-name NAME\n"
"                              virtwl transport: connect to the host socket\n"
"                              crosvm was given as --wayland-sock PATH,name=NAME\n"
"                              (default: the unnamed one)\n"
"      --virtgpu-device PATH   virtgpu transport: the render node (default:\n"
"                              the first virtio_gpu with cross-domain)\n"
"      --cross-domain-ids N    virtgpu transport: the host's identifier array,\n"
"                              28 (crosvm since 2024, default) or 4 (older\n"
"                              crosvm, libkrun before 2025-09)\n"
KEYMAP_SPEC_HELP
"  -x, --x-display N           also serve X11 apps on display :N, through an\n"
"                              Xwayland started on the first X connection\n"
"      --xwayland PATH         the Xwayland to run (default: Xwayland)\n"
"      --allow-global IFACE    offer the host's IFACE global to guests even\n"
"                              if the protocol policy hides it by default\n"
"                              (repeatable; see the man page)\n"
"      --hide-global IFACE     never offer the host's IFACE global to guests\n"
"                              (repeatable)\n"
"      --tag TEXT              put TEXT in front of every window title the\n"
"                              host sees (include a separator: '[vm] ')\n"
"      --app-id-prefix PREFIX  host app_ids become PREFIX.<app_id>; a window\n"
"                              without one gets PREFIX.<process name>\n"
"      --log-level LEVEL       error, warning, info or debug (default: info,\n"
"                              or $WLGP_LOG_LEVEL)\n"
"  -v, --verbose               the same as --log-level debug\n"
"      --copy-threads N        copy large damage on N threads off the event\n"
"                              loop; 0 copies inline (default: online CPUs\n"
"                              - 1, at least 1, at most 4; also:\n"
"                              WLGP_COPY_THREADS)\n"
"      --trace                 print every message of every client on both\n"
"                              sides of the proxy, like WAYLAND_DEBUG\n"
"                              (also: WLGP_TRACE=1)\n"
"  -h, --help                  show this help\n"
"  -V, --version               show the version\n"
"\n"
"With -- COMMAND, runs COMMAND with WAYLAND_DISPLAY set to the proxy (and\n"
"DISPLAY with --x-display) and exits with its status.\n"
"\n"
"Options are also read, before the command line, from the first of\n"
"$XDG_CONFIG_HOME/wl-guest-proxy/config and " CONFIG_SYSTEM_PATH "\n"
"that exists: KEY = VALUE lines, KEY a long option (trace = true).\n";

/* Long options without a short letter. */
enum {
	OPT_VIRTWL_DEVICE = 0x100,
	OPT_VIRTWL_CONTEXT_NAME,
	OPT_VIRTGPU_DEVICE,
	OPT_CROSS_DOMAIN_IDS,
	OPT_LOG_LEVEL,
	OPT_TRACE,
	OPT_KEYMAP,
	OPT_COPY_THREADS,
	OPT_XWAYLAND,
	OPT_ALLOW_GLOBAL,
	OPT_HIDE_GLOBAL,
	OPT_TAG,
	OPT_APP_ID_PREFIX,
};

static const struct option longopts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "transport", required_argument, NULL, 't' },
	{ "host-display", required_argument, NULL, 'H' },
	{ "virtwl-device", required_argument, NULL, OPT_VIRTWL_DEVICE },
	{ "virtwl-context-name", required_argument, NULL, OPT_VIRTWL_CONTEXT_NAME },
	{ "virtgpu-device", required_argument, NULL, OPT_VIRTGPU_DEVICE },
	{ "cross-domain-ids", required_argument, NULL, OPT_CROSS_DOMAIN_IDS },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "verbose", no_argument, NULL, 'v' },
	{ "trace", no_argument, NULL, OPT_TRACE },
	{ "keymap", required_argument, NULL, OPT_KEYMAP },
	{ "copy-threads", required_argument, NULL, OPT_COPY_THREADS },
	{ "x-display", required_argument, NULL, 'x' },
	{ "xwayland", required_argument, NULL, OPT_XWAYLAND },
	{ "allow-global", required_argument, NULL, OPT_ALLOW_GLOBAL },
	{ "hide-global", required_argument, NULL, OPT_HIDE_GLOBAL },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "app-id-prefix", required_argument, NULL, OPT_APP_ID_PREFIX },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

/* What the command line set, so the environment does not override it. */
struct given {
	bool level;
	bool trace;
};

/* The environment's settings, for what the command line did not set: how
 * a systemd unit or a user's session turns on debugging without editing
 * ExecStart=.  They override the config file. */
static bool
options_from_env(struct wlgp_options *opts, const struct given *given)
{
	const char *level = given->level ? NULL : getenv("WLGP_LOG_LEVEL");
	if (level && *level && !wlgp_log_level_parse(level, &opts->log_level)) {
		fprintf(stderr, "wl-guest-proxy: WLGP_LOG_LEVEL=%s: use error, "
			"warning, info or debug\n", level);
		return false;
	}
	const char *trace = given->trace ? NULL : getenv("WLGP_TRACE");
	if (!trace || !*trace)
		return true;
	if (strcmp(trace, "1") != 0 && strcmp(trace, "0") != 0) {
		fprintf(stderr, "wl-guest-proxy: WLGP_TRACE=%s: use 1 or 0\n", trace);
		return false;
	}
	opts->trace = strcmp(trace, "1") == 0;
	return true;
}

static const char *
parse_copy_threads(const char *text, int *out, char *err, size_t errlen)
{
	char *end;
	long n = strtol(text, &end, 10);
	if (!*text || *end || n < 0 || n > COPY_POOL_MAX_THREADS) {
		snprintf(err, errlen, "--copy-threads wants 0 to %d, not '%s'",
			 COPY_POOL_MAX_THREADS, text);
		return err;
	}
	*out = (int)n;
	return NULL;
}

/* Sets one option.  arg is NULL for a flag given on the command line.
 * Returns NULL, or why not in err.  Every string kept must outlive opts:
 * argv's, or the config file's text. */
static const char *
apply_option(struct wlgp_options *opts, int id, const char *arg,
	     struct given *given, char *err, size_t errlen)
{
	switch (id) {
	case 's':
		if (!*arg)
			return "--socket needs a name";
		opts->socket = arg;
		break;
	case 't':
		if (!channel_parse_kind(arg, &opts->channel.kind)) {
			snprintf(err, errlen, "unknown transport '%s': use auto, "
				 "direct, virtwl or virtgpu", arg);
			return err;
		}
		break;
	case 'H':
		opts->channel.host_display = arg;
		break;
	case OPT_VIRTWL_DEVICE:
		opts->channel.virtwl_device = arg;
		break;
	case OPT_VIRTWL_CONTEXT_NAME:
		if (!*arg || strlen(arg) >= CHANNEL_CONTEXT_NAME_MAX) {
			snprintf(err, errlen, "--virtwl-context-name needs a name "
				 "of 1 to %d bytes", CHANNEL_CONTEXT_NAME_MAX - 1);
			return err;
		}
		opts->channel.context_name = arg;
		break;
	case OPT_LOG_LEVEL:
		if (!wlgp_log_level_parse(arg, &opts->log_level)) {
			snprintf(err, errlen, "unknown log level '%s': use error, "
				 "warning, info or debug", arg);
			return err;
		}
		given->level = true;
		break;
	case 'v':
		opts->log_level = WLGP_DEBUG;
		given->level = true;
		break;
	case OPT_TRACE:
		opts->trace = true;
		given->trace = true;
		break;
	case OPT_KEYMAP: {
		const char *why = keymap_spec_check(arg);
		if (why)
			return why;
		opts->keymap = arg;
		break;
	}
	case OPT_VIRTGPU_DEVICE:
		opts->channel.virtgpu_device = arg;
		break;
	case OPT_CROSS_DOMAIN_IDS:
		if (strcmp(arg, "28") != 0 && strcmp(arg, "4") != 0)
			return "--cross-domain-ids is 28 or 4";
		opts->channel.cross_domain_ids = (unsigned)atoi(arg);
		break;
	case OPT_COPY_THREADS:
		return parse_copy_threads(arg, &opts->copy_threads, err, errlen);
	case 'x': {
		char *end;
		long n = strtol(arg, &end, 10);
		if (*arg == ':')
			n = strtol(arg + 1, &end, 10);
		if (!*arg || *end || n < 0 || n > 65535)
			return "--x-display needs a display number, e.g. 0 for :0";
		opts->x_display = (int)n;
		break;
	}
	case OPT_XWAYLAND:
		if (!*arg)
			return "--xwayland needs a path";
		opts->xwayland = arg;
		break;
	case OPT_ALLOW_GLOBAL:
	case OPT_HIDE_GLOBAL: {
		const char *why = policy_check_name(arg);
		if (why) {
			snprintf(err, errlen, "--%s '%s': %s",
				 id == OPT_ALLOW_GLOBAL ? "allow-global" :
				 "hide-global", arg, why);
			return err;
		}
		if (!policy_add_rule(&opts->policy, arg, id == OPT_ALLOW_GLOBAL))
			return "out of memory";
		break;
	}
	case OPT_TAG:
		if (!*arg)
			return "--tag needs a text";
		opts->tag = arg;
		break;
	case OPT_APP_ID_PREFIX: {
		const char *why = provenance_check_prefix(arg);
		if (why)
			return why;
		opts->app_id_prefix = arg;
		break;
	}
	}
	return NULL;
}

/* The config file's view of the same table: a flag takes true or false. */
struct config_state {
	struct wlgp_options *opts;
	char err[256];
};

static const char *
apply_config_entry(void *data, const char *key, const char *value)
{
	struct config_state *st = data;
	const struct option *o = longopts;
	while (o->name && strcmp(o->name, key) != 0)
		o++;
	if (!o->name || o->val == 'h' || o->val == 'V') {
		snprintf(st->err, sizeof(st->err), "unknown key '%s'", key);
		return st->err;
	}
	/* The environment still overrides what a config file sets. */
	struct given ignored = { 0 };
	if (o->has_arg == required_argument)
		return apply_option(st->opts, o->val, value, &ignored,
				    st->err, sizeof(st->err));
	if (strcmp(value, "false") == 0) {
		if (o->val == OPT_TRACE)
			st->opts->trace = false;
		return NULL; /* verbose = false: the level stays */
	}
	if (strcmp(value, "true") != 0) {
		snprintf(st->err, sizeof(st->err), "%s takes true or false, "
			 "not '%s'", key, value);
		return st->err;
	}
	return apply_option(st->opts, o->val, NULL, &ignored,
			    st->err, sizeof(st->err));
}

enum options_result
options_parse(struct wlgp_options *opts, int argc, char **argv)
{
	*opts = (struct wlgp_options){
		.socket = "wayland-0",
		.channel = { .kind = CHANNEL_AUTO, .cross_domain_ids = 28 },
		.log_level = WLGP_INFO,
		.copy_threads = -1,
		.x_display = -1,
		.xwayland = "Xwayland",
	};
	/* A broken config file must not stop --help or --version: its error
	 * is reported once the command line is known to want a proxy. */
	struct config_state st = { .opts = opts };
	char config_err[512];
	bool config_ok = config_file_load(&opts->config, apply_config_entry, &st,
					  config_err, sizeof(config_err)) == 0;

	struct given given = { 0 };
	char err[256];
	int c;
	/* '+': stop at the first non-option so COMMAND keeps its own flags */
	while ((c = getopt_long(argc, argv, "+s:t:H:x:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return OPTIONS_EXIT_OK;
		case 'V':
			printf("wl-guest-proxy %s\n", WLGP_VERSION);
			return OPTIONS_EXIT_OK;
		case '?':
			fprintf(stderr, "Try 'wl-guest-proxy --help'.\n");
			return OPTIONS_EXIT_ERROR;
		}
		const char *why = apply_option(opts, c, optarg, &given,
					       err, sizeof(err));
		if (why) {
			fprintf(stderr, "wl-guest-proxy: %s\n", why);
			return OPTIONS_EXIT_ERROR;
		}
	}
	if (!config_ok) {
		fprintf(stderr, "wl-guest-proxy: %s\n", config_err);
		return OPTIONS_EXIT_ERROR;
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0) {
			fprintf(stderr, "wl-guest-proxy: unexpected argument '%s'; "
				"put a command after --\n", argv[optind]);
			return OPTIONS_EXIT_ERROR;
		}
		opts->command = &argv[optind];
	}
	if (!options_from_env(opts, &given))
		return OPTIONS_EXIT_ERROR;
	const char *threads = getenv("WLGP_COPY_THREADS");
	if (opts->copy_threads < 0 && threads && *threads) {
		const char *why = parse_copy_threads(threads, &opts->copy_threads,
						     err, sizeof(err));
		if (why) {
			fprintf(stderr, "wl-guest-proxy: WLGP_COPY_THREADS: %s\n", why);
			return OPTIONS_EXIT_ERROR;
		}
	}
	return OPTIONS_RUN;
}

void
options_fini(struct wlgp_options *opts)
{
	policy_fini(&opts->policy);
	config_file_fini(&opts->config);
}
