/*
 * Logging; see log.h.  The verbosity flag and the prefix are the only
 * file-level state in the emulator: configuration, written once by main().
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static bool verbose;
static const char *prefix = "emulator";

void log_set_prefix(const char *name)
{
	prefix = name;
}

void log_set_verbose(bool v)
{
	verbose = v;
}

bool log_is_verbose(void)
{
	return verbose;
}

static void vlog(const char *fmt, va_list ap)
{
	/* One write per line so lines from the guest do not interleave. */
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s: ", prefix);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	ssize_t r = write(STDERR_FILENO, line, len);
	(void)r;
}

void log_msg(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	errno = saved; /* %m in fmt */
	vlog(fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_debug_line(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	errno = saved;
	vlog(fmt, ap);
	va_end(ap);
	errno = saved;
}
