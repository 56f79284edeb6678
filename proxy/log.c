#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static struct {
	enum wlgp_log_level level;
	bool journal; /* stderr is the journal: <N> prefixes, no timestamps */
} log_config = { .level = WLGP_INFO };

/* systemd sets JOURNAL_STREAM=DEVICE:INODE for a service whose stderr is
 * the journal (systemd.exec(5)).  Children inherit the variable even when
 * their stderr is redirected elsewhere, hence the comparison with what
 * stderr really is. */
static bool
stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (!env || sscanf(env, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void
wlgp_log_init(enum wlgp_log_level level)
{
	log_config.level = level;
	log_config.journal = stderr_is_journal();
}

enum wlgp_log_level
wlgp_log_get_level(void)
{
	return log_config.level;
}

bool
wlgp_log_level_parse(const char *name, enum wlgp_log_level *out)
{
	static const struct {
		const char *name;
		enum wlgp_log_level level;
	} names[] = {
		{ "error", WLGP_ERROR },
		{ "warning", WLGP_WARN },
		{ "warn", WLGP_WARN },
		{ "info", WLGP_INFO },
		{ "debug", WLGP_DEBUG },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(name, names[i].name) == 0) {
			*out = names[i].level;
			return true;
		}
	}
	return false;
}

/* One write(2) per line: the pump thread logs too, and the journal reads
 * the stream line by line. */
static void
write_line(char *line, size_t cap, int n)
{
	size_t len = n < 0 ? 0 : (size_t)n;
	if (len >= cap) {
		len = cap - 1;
		memcpy(line + len - 3, "...", 3);
	}
	while (len > 0 && line[len - 1] == '\n')
		len--;
	line[len++] = '\n';
	for (size_t off = 0; off < len;) {
		ssize_t w = write(STDERR_FILENO, line + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

void
wlgp_vlog(enum wlgp_log_level level, const char *fmt, va_list ap)
{
	static const char *const word[] = {
		[WLGP_ERROR] = "error: ",
		[WLGP_WARN] = "warning: ",
		[WLGP_INFO] = "",
		[WLGP_DEBUG] = "debug: ",
	};
	static const char *const priority[] = {
		[WLGP_ERROR] = SD_ERR,
		[WLGP_WARN] = SD_WARNING,
		[WLGP_INFO] = SD_INFO,
		[WLGP_DEBUG] = SD_DEBUG,
	};
	if (level > log_config.level)
		return;
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s%s",
			 log_config.journal ? priority[level] : "wl-guest-proxy: ",
			 word[level]);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	write_line(line, sizeof(line), n);
}

void
wlgp_log(enum wlgp_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wlgp_vlog(level, fmt, ap);
	va_end(ap);
}

void
wlgp_log_trace(const char *fmt, ...)
{
	char line[4096];
	int n;
	if (log_config.journal) {
		n = snprintf(line, sizeof(line), SD_DEBUG "trace: ");
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		n = snprintf(line, sizeof(line), "wl-guest-proxy: [%7lld.%03ld] trace: ",
			     (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
			     (ts.tv_nsec / 1000) % 1000);
	}
	va_list ap;
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	write_line(line, sizeof(line), n);
}
