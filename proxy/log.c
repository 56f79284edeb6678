#include <stdio.h>
#include <string.h>

#include "log.h"

static enum wlgp_log_level log_level = WLGP_INFO;

void
wlgp_log_init(enum wlgp_log_level level)
{
	log_level = level;
}

enum wlgp_log_level
wlgp_log_get_level(void)
{
	return log_level;
}

void
wlgp_vlog(enum wlgp_log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = {
		[WLGP_ERROR] = "error: ",
		[WLGP_WARN] = "warning: ",
		[WLGP_INFO] = "",
		[WLGP_DEBUG] = "debug: ",
	};
	if (level > log_level)
		return;
	char line[1024];
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	fprintf(stderr, "wl-guest-proxy: %s%s\n", prefix[level], line);
}

void
wlgp_log(enum wlgp_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wlgp_vlog(level, fmt, ap);
	va_end(ap);
}
