/*
 * Counters and the --stats JSON file; see stats.h.
 */
#include "stats.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "statsfile.h"

#define STATS_LOG_MAX 50

struct stats_entry {
	pid_t pid;
	char call[16];
	char err[16];
	char reason[256];
};

/* The last STATS_LOG_MAX entries, oldest first once wrapped. */
struct stats_ring {
	struct stats_entry e[STATS_LOG_MAX];
	unsigned next, count;
};

struct stats {
	char *path;
	bool dirty;
	uint64_t last_write_ms;
	uint64_t live[STATS_KINDS];
	uint64_t created[STATS_KINDS];
	uint64_t calls[STATS_CALLS];
	uint64_t send_fds, recv_fds, max_recv_fds, max_recv_len;
	uint64_t rejections, violations;
	struct stats_ring rejection_log, violation_log;
};

static const char *const kind_names[STATS_KINDS] = {
	"ctx", "alloc", "pipe", "host_shm", "host_stream",
};

static const char *const call_names[STATS_CALLS] = {
	"new", "send", "recv", "dmabuf_sync", "mmap",
};

const char *errno_name(int err)
{
	switch (err) {
	case EBADFD: return "EBADFD";
	case EBADF: return "EBADF";
	case EINVAL: return "EINVAL";
	case EACCES: return "EACCES";
	case ENOTTY: return "ENOTTY";
	case ENODEV: return "ENODEV";
	case ENOSPC: return "ENOSPC";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EAGAIN: return "EAGAIN";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EPROTO: return "EPROTO";
	default: return "E?";
	}
}

struct stats *stats_create(const char *path)
{
	struct stats *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (path) {
		s->path = strdup(path);
		if (!s->path) {
			free(s);
			return NULL;
		}
	}
	s->dirty = true;
	return s;
}

void stats_destroy(struct stats *s)
{
	if (!s)
		return;
	free(s->path);
	free(s);
}

void stats_created(struct stats *s, enum stats_kind kind)
{
	s->created[kind]++;
	s->live[kind]++;
	s->dirty = true;
}

void stats_released(struct stats *s, enum stats_kind kind)
{
	if (s->live[kind] > 0)
		s->live[kind]--;
	s->dirty = true;
}

uint64_t stats_live_total(const struct stats *s)
{
	uint64_t total = 0;
	for (int k = 0; k < STATS_KINDS; k++)
		total += s->live[k];
	return total;
}

void stats_call(struct stats *s, enum stats_call call)
{
	s->calls[call]++;
	s->dirty = true;
}

void stats_sent_fds(struct stats *s, unsigned n)
{
	s->send_fds += n;
	s->dirty = true;
}

void stats_received(struct stats *s, uint32_t len, unsigned nfds)
{
	s->recv_fds += nfds;
	if (nfds > s->max_recv_fds)
		s->max_recv_fds = nfds;
	if (len > s->max_recv_len)
		s->max_recv_len = len;
	s->dirty = true;
}

static struct stats_entry *ring_push(struct stats_ring *r)
{
	struct stats_entry *e = &r->e[r->next];
	r->next = (r->next + 1) % STATS_LOG_MAX;
	if (r->count < STATS_LOG_MAX)
		r->count++;
	memset(e, 0, sizeof(*e));
	return e;
}

static void fill_entry(struct stats_entry *e, pid_t pid, const char *call,
		       const char *err, const char *fmt, va_list ap)
{
	e->pid = pid;
	snprintf(e->call, sizeof(e->call), "%s", call);
	snprintf(e->err, sizeof(e->err), "%s", err);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
}

void stats_rejection(struct stats *s, pid_t pid, const char *call, int err,
		     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct stats_entry *e = ring_push(&s->rejection_log);
	fill_entry(e, pid, call, errno_name(err), fmt, ap);
	va_end(ap);
	s->rejections++;
	s->dirty = true;
	log_msg("pid %d: %s: %s: %s", (int)pid, call, e->err, e->reason);
}

void stats_violation(struct stats *s, pid_t pid, const char *call,
		     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct stats_entry *e = ring_push(&s->violation_log);
	fill_entry(e, pid, call, "", fmt, ap);
	va_end(ap);
	s->violations++;
	s->dirty = true;
	log_msg("VIOLATION: pid %d: %s: %s", (int)pid, call, e->reason);
}

static void json_ring(FILE *f, const char *key, const struct stats_ring *r,
		      bool with_errno)
{
	fprintf(f, "  \"%s\": [", key);
	unsigned first = (r->next + STATS_LOG_MAX - r->count) % STATS_LOG_MAX;
	for (unsigned i = 0; i < r->count; i++) {
		const struct stats_entry *e = &r->e[(first + i) % STATS_LOG_MAX];
		fprintf(f, "%s\n    {\"pid\": %d, \"call\": ", i ? "," : "", (int)e->pid);
		statsfile_json_string(f, e->call);
		if (with_errno) {
			fprintf(f, ", \"errno\": ");
			statsfile_json_string(f, e->err);
		}
		fprintf(f, ", \"reason\": ");
		statsfile_json_string(f, e->reason);
		fputc('}', f);
	}
	fprintf(f, "%s]", r->count ? "\n  " : "");
}

static void write_json(const void *data, FILE *f)
{
	const struct stats *s = data;
	fprintf(f, "{\n");
	statsfile_json_counts(f, "live", kind_names, s->live, STATS_KINDS);
	statsfile_json_counts(f, "created", kind_names, s->created, STATS_KINDS);
	fprintf(f, "  \"calls\": {");
	for (int c = 0; c < STATS_CALLS; c++)
		fprintf(f, "%s\"%s\": %llu", c ? ", " : "", call_names[c],
			(unsigned long long)s->calls[c]);
	fprintf(f, "},\n");
	fprintf(f, "  \"send_fds\": %llu,\n  \"recv_fds\": %llu,\n"
		"  \"max_recv_fds\": %llu,\n  \"max_recv_len\": %llu,\n",
		(unsigned long long)s->send_fds, (unsigned long long)s->recv_fds,
		(unsigned long long)s->max_recv_fds,
		(unsigned long long)s->max_recv_len);
	fprintf(f, "  \"rejections\": %llu,\n", (unsigned long long)s->rejections);
	json_ring(f, "rejection_log", &s->rejection_log, true);
	fprintf(f, ",\n  \"violations\": %llu,\n", (unsigned long long)s->violations);
	json_ring(f, "violation_log", &s->violation_log, false);
	fprintf(f, "\n}\n");
}

int stats_flush_due(struct stats *s, uint64_t now_ms)
{
	if (!s->dirty || !s->path)
		return -1;
	uint64_t due = s->last_write_ms + STATS_MIN_INTERVAL_MS;
	if (s->last_write_ms && now_ms < due)
		return (int)(due - now_ms);
	stats_flush(s);
	s->last_write_ms = now_ms;
	return -1;
}

void stats_flush(struct stats *s)
{
	if (!s->dirty || !s->path)
		return;
	s->dirty = false;
	statsfile_replace(s->path, write_json, s);
}

void stats_print_summary(const struct stats *s)
{
	char created[256], live[256];
	int a = 0, b = 0;
	for (int k = 0; k < STATS_KINDS; k++) {
		a += snprintf(created + a, sizeof(created) - (size_t)a, "%s%s=%llu",
			      k ? " " : "", kind_names[k],
			      (unsigned long long)s->created[k]);
		b += snprintf(live + b, sizeof(live) - (size_t)b, "%s%s=%llu",
			      k ? " " : "", kind_names[k],
			      (unsigned long long)s->live[k]);
	}
	log_msg("summary: created {%s} live {%s total=%llu} new=%llu send=%llu "
		"recv=%llu send_fds=%llu recv_fds=%llu rejections=%llu "
		"violations=%llu",
		created, live, (unsigned long long)stats_live_total(s),
		(unsigned long long)s->calls[STATS_CALL_NEW],
		(unsigned long long)s->calls[STATS_CALL_SEND],
		(unsigned long long)s->calls[STATS_CALL_RECV],
		(unsigned long long)s->send_fds, (unsigned long long)s->recv_fds,
		(unsigned long long)s->rejections,
		(unsigned long long)s->violations);
}
