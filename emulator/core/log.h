/*
 * Messages to stderr, each prefixed with the emulator's name.  Rejections,
 * violations and errors always print; -v adds one line per emulated call.
 */
#ifndef EMU_LOG_H
#define EMU_LOG_H

#include <stdbool.h>

/* Set once from the command line, before anything logs. */
void log_set_verbose(bool verbose);
void log_set_prefix(const char *name);
bool log_is_verbose(void);

void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A macro so that arguments (a /proc read for a pid) cost nothing unless -v. */
#define log_debug(...) \
	do { \
		if (log_is_verbose()) \
			log_debug_line(__VA_ARGS__); \
	} while (0)

#endif
