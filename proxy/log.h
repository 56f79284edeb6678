#ifndef WLGP_LOG_H
#define WLGP_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum wlgp_log_level {
	WLGP_ERROR,
	WLGP_WARN,
	WLGP_INFO,
	WLGP_DEBUG,
};

/* Like wlroots' log importance: the one process-wide setting, set once at
 * start-up from --log-level / --verbose / WLGP_LOG_LEVEL.  It also decides
 * the line format: when stderr is the journal (JOURNAL_STREAM names it),
 * lines carry a <N> syslog priority prefix instead of the program name, so
 * the journal records each line's priority. */
void wlgp_log_init(enum wlgp_log_level level);
enum wlgp_log_level wlgp_log_get_level(void);
/* "error", "warning", "info" or "debug" (also "warn"). */
bool wlgp_log_level_parse(const char *name, enum wlgp_log_level *out);

void wlgp_log(enum wlgp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void wlgp_vlog(enum wlgp_log_level level, const char *fmt, va_list ap);

/* One protocol trace line (trace.c): printed whatever the level, with the
 * debug priority, and with a timestamp like WAYLAND_DEBUG's unless the
 * journal adds its own. */
void wlgp_log_trace(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#define wlgp_err(...) wlgp_log(WLGP_ERROR, __VA_ARGS__)
#define wlgp_warn(...) wlgp_log(WLGP_WARN, __VA_ARGS__)
#define wlgp_info(...) wlgp_log(WLGP_INFO, __VA_ARGS__)
#define wlgp_debug(...) wlgp_log(WLGP_DEBUG, __VA_ARGS__)

#endif
