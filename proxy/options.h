#ifndef WLGP_OPTIONS_H
#define WLGP_OPTIONS_H

#include <stdbool.h>

#include "channel.h"
#include "config.h"
#include "log.h"
#include "policy.h"

struct wlgp_options {
	const char *socket;       /* --socket */
	struct channel_options channel;
	enum wlgp_log_level log_level; /* --log-level, --verbose, WLGP_LOG_LEVEL */
	bool trace;                    /* --trace, WLGP_TRACE */
	const char *keymap;       /* --keymap FILE|RMLVO, or NULL */
	int copy_threads;         /* --copy-threads, WLGP_COPY_THREADS; -1: default */
	int x_display;            /* --x-display N, or -1 */
	const char *xwayland;     /* --xwayland PATH */
	struct global_policy policy; /* --allow-global, --hide-global */
	const char *tag;          /* --tag TEXT, or NULL */
	const char *app_id_prefix; /* --app-id-prefix PREFIX, or NULL */
	char **command;           /* after --, NULL-terminated, or NULL */
	struct config_file config; /* the strings it set point into it */
};

enum options_result {
	OPTIONS_RUN,
	OPTIONS_EXIT_OK,     /* --help, --version */
	OPTIONS_EXIT_ERROR,
};

enum options_result options_parse(struct wlgp_options *opts, int argc, char **argv);
/* Frees what options_parse allocated, on success or failure. */
void options_fini(struct wlgp_options *opts);


#endif
