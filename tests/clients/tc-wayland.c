#include <stdarg.h>
#include <stdio.h>
#include <wayland-client.h>

#include "tc-wayland.h"

static void
wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	(void)data;
	xdg_wm_base_pong(wm_base, serial);
}

const struct xdg_wm_base_listener tc_wm_base_listener = {
	.ping = wm_base_ping,
};

static char log_text[4096];
static size_t log_len;

static void
log_handler(const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	if (log_len < sizeof log_text - 1) {
		int n = vsnprintf(log_text + log_len, sizeof log_text - log_len, fmt, ap);
		if (n > 0)
			log_len += (size_t)n;
		if (log_len > sizeof log_text - 1)
			log_len = sizeof log_text - 1;
	}
	fputs("libwayland: ", stderr);
	vfprintf(stderr, fmt, copy);
	va_end(copy);
}

void
tc_log_capture_start(void)
{
	wl_log_set_handler_client(log_handler);
}

const char *
tc_log_text(void)
{
	while (log_len && log_text[log_len - 1] == '\n')
		log_text[--log_len] = '\0';
	return log_text;
}
