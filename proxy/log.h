#ifndef WLGP_LOG_H
#define WLGP_LOG_H

#include <stdarg.h>

enum wlgp_log_level {
	WLGP_ERROR,
	WLGP_WARN,
	WLGP_INFO,
	WLGP_DEBUG,
};

/* Like wlroots' log importance: the one process-wide setting, set once at
 * start-up from --verbose. */
void wlgp_log_init(enum wlgp_log_level level);
enum wlgp_log_level wlgp_log_get_level(void);
void wlgp_log(enum wlgp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void wlgp_vlog(enum wlgp_log_level level, const char *fmt, va_list ap);

#define wlgp_err(...) wlgp_log(WLGP_ERROR, __VA_ARGS__)
#define wlgp_warn(...) wlgp_log(WLGP_WARN, __VA_ARGS__)
#define wlgp_info(...) wlgp_log(WLGP_INFO, __VA_ARGS__)
#define wlgp_debug(...) wlgp_log(WLGP_DEBUG, __VA_ARGS__)

#endif
