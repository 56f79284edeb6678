/*
 * The config file: `key = value` lines named like the long options, read
 * before the command line so that the command line wins.  Which file:
 * $XDG_CONFIG_HOME/wl-guest-proxy/config (~/.config when unset), else the
 * system one under sysconfdir; only the first that exists is read.
 */
#ifndef WLGP_CONFIG_H
#define WLGP_CONFIG_H

#include <stddef.h>

/* One key = value; returns NULL or why the line is wrong (the caller adds
 * nothing: config.c prefixes FILE:LINE). */
typedef const char *(*config_entry_func)(void *data, const char *key,
					 const char *value);

struct config_file {
	char *path; /* the file read, or NULL if none exists */
	char *text; /* its contents; keys and values point into it */
};

/* Reads the first config file that exists and hands each entry to fn.
 * Returns -1 with "FILE:LINE: why" (or "FILE: why") in err; the values
 * stay valid until config_file_fini. */
int config_file_load(struct config_file *cf, config_entry_func fn, void *data,
		     char *err, size_t errlen);
void config_file_fini(struct config_file *cf);

/* The system file, for --help and the man page. */
#define CONFIG_SYSTEM_PATH WLGP_SYSCONFDIR "/wl-guest-proxy/config"

#endif
