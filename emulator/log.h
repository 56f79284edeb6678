/*
 * Messages to stderr, each prefixed "wl0-emulator: ".  Rejections,
 * violations and errors always print; -v adds one line per emulated call.
 */
#ifndef EMU_LOG_H
#define EMU_LOG_H

#include <stdbool.h>

/* Set once from the command line, before anything logs. */
void log_set_verbose(bool verbose);
bool log_is_verbose(void);

void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
