/*
 * Counters and the --stats JSON file; see stats.h.
 */
#include "stats.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "statsfile.h"

#define LOG_MAX 50
#define MIN_INTERVAL_MS 20

struct entry {
	pid_t pid;
	char call[24];
	char err[16];
	char reason[256];
};

struct ring {
	struct entry e[LOG_MAX];
	unsigned next, count;
};

struct vg_stats {
	char *path;
	bool dirty;
	uint64_t last_write_ms;
	uint64_t live[VG_KINDS], created[VG_KINDS], counts[VG_COUNTS];
	uint64_t max_polls, polls_missing;
	uint64_t rejections, unsupported;
	struct ring rejection_log, unsupported_log;
};

static const char *const kind_names[VG_KINDS] = {
	"files", "contexts", "resources", "pipes", "exports",
};

static const char *const count_names[VG_COUNTS] = {
	"ioctls", "execbuffers", "inits", "polls", "events", "sends", "receives",
	"reads", "writes", "send_ids", "recv_ids", "image_requirements", "blobs",
};

static const char *err_name(int err)
{
	switch (err) {
	case VG_HOST_ERR: return "host";
	case 0: return "";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	case ENOTTY: return "ENOTTY";
	case ENOMEM: return "ENOMEM";
	case ENOSYS: return "ENOSYS";
	case EBADF: return "EBADF";
	case EMFILE: return "EMFILE";
	default: return "E?";
	}
}

struct vg_stats *vg_stats_create(const char *path)
{
	struct vg_stats *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (path && !(s->path = strdup(path))) {
		free(s);
		return NULL;
	}
	s->dirty = true;
	return s;
}

void vg_stats_destroy(struct vg_stats *s)
{
	if (s)
		free(s->path);
	free(s);
}

void vg_stats_created(struct vg_stats *s, enum vg_kind k)
{
	s->created[k]++;
	s->live[k]++;
	s->dirty = true;
}

void vg_stats_released(struct vg_stats *s, enum vg_kind k)
{
	if (s->live[k])
		s->live[k]--;
	s->dirty = true;
}

void vg_stats_count(struct vg_stats *s, enum vg_count c, uint64_t n)
{
	s->counts[c] += n;
	s->dirty = true;
}

void vg_stats_polls_outstanding(struct vg_stats *s, unsigned n)
{
	if (n > s->max_polls) {
		s->max_polls = n;
		s->dirty = true;
	}
}

void vg_stats_poll_missing(struct vg_stats *s)
{
	s->polls_missing++;
	s->dirty = true;
}

static struct entry *push(struct ring *r, pid_t pid, const char *call,
			  int err, const char *fmt, va_list ap)
{
	struct entry *e = &r->e[r->next];
	r->next = (r->next + 1) % LOG_MAX;
	if (r->count < LOG_MAX)
		r->count++;
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	snprintf(e->call, sizeof(e->call), "%s", call);
	snprintf(e->err, sizeof(e->err), "%s", err_name(err));
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	return e;
}

void vg_stats_rejection(struct vg_stats *s, pid_t pid, const char *call, int err,
			const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct entry *e = push(&s->rejection_log, pid, call, err, fmt, ap);
	va_end(ap);
	s->rejections++;
	s->dirty = true;
	log_msg("pid %d: %s: %s: %s", (int)pid, call, e->err, e->reason);
}

void vg_stats_unsupported(struct vg_stats *s, pid_t pid, const char *call,
			  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct entry *e = push(&s->unsupported_log, pid, call, 0, fmt, ap);
	va_end(ap);
	s->unsupported++;
	s->dirty = true;
	log_msg("UNSUPPORTED: pid %d: %s: %s", (int)pid, call, e->reason);
}

static void json_ring(FILE *f, const char *key, const struct ring *r)
{
	fprintf(f, "  \"%s\": [", key);
	unsigned first = (r->next + LOG_MAX - r->count) % LOG_MAX;
	for (unsigned i = 0; i < r->count; i++) {
		const struct entry *e = &r->e[(first + i) % LOG_MAX];
		fprintf(f, "%s\n    {\"pid\": %d, \"call\": ", i ? "," : "", (int)e->pid);
		statsfile_json_string(f, e->call);
		fprintf(f, ", \"errno\": ");
		statsfile_json_string(f, e->err);
		fprintf(f, ", \"reason\": ");
		statsfile_json_string(f, e->reason);
		fputc('}', f);
	}
	fprintf(f, "%s]", r->count ? "\n  " : "");
}

static void write_json(const void *data, FILE *f)
{
	const struct vg_stats *s = data;
	fprintf(f, "{\n");
	statsfile_json_counts(f, "live", kind_names, s->live, VG_KINDS);
	statsfile_json_counts(f, "created", kind_names, s->created, VG_KINDS);
	fprintf(f, "  \"counts\": {");
	for (int c = 0; c < VG_COUNTS; c++)
		fprintf(f, "%s\"%s\": %llu", c ? ", " : "", count_names[c],
			(unsigned long long)s->counts[c]);
	fprintf(f, "},\n");
	fprintf(f, "  \"max_polls_outstanding\": %llu,\n  \"polls_missing\": %llu,\n",
		(unsigned long long)s->max_polls, (unsigned long long)s->polls_missing);
	fprintf(f, "  \"rejections\": %llu,\n", (unsigned long long)s->rejections);
	json_ring(f, "rejection_log", &s->rejection_log);
	fprintf(f, ",\n  \"unsupported\": %llu,\n", (unsigned long long)s->unsupported);
	json_ring(f, "unsupported_log", &s->unsupported_log);
	fprintf(f, "\n}\n");
}

int vg_stats_flush_due(struct vg_stats *s, uint64_t now_ms)
{
	if (!s->dirty || !s->path)
		return -1;
	uint64_t due = s->last_write_ms + MIN_INTERVAL_MS;
	if (s->last_write_ms && now_ms < due)
		return (int)(due - now_ms);
	vg_stats_flush(s);
	s->last_write_ms = now_ms;
	return -1;
}

void vg_stats_flush(struct vg_stats *s)
{
	if (!s->dirty || !s->path)
		return;
	s->dirty = false;
	statsfile_replace(s->path, write_json, s);
}

void vg_stats_print_summary(const struct vg_stats *s)
{
	char live[256];
	int n = 0;
	uint64_t total = 0;
	for (int k = 0; k < VG_KINDS; k++) {
		n += snprintf(live + n, sizeof(live) - (size_t)n, "%s%s=%llu",
			      k ? " " : "", kind_names[k], (unsigned long long)s->live[k]);
		total += s->live[k];
	}
	log_msg("summary: live {%s total=%llu} contexts=%llu resources=%llu "
		"execbuffers=%llu events=%llu sends=%llu receives=%llu "
		"max_polls_outstanding=%llu polls_missing=%llu rejections=%llu "
		"unsupported=%llu",
		live, (unsigned long long)total,
		(unsigned long long)s->created[VG_CONTEXTS],
		(unsigned long long)s->created[VG_RESOURCES],
		(unsigned long long)s->counts[VG_EXECBUFFERS],
		(unsigned long long)s->counts[VG_EVENTS],
		(unsigned long long)s->counts[VG_SENDS],
		(unsigned long long)s->counts[VG_RECEIVES],
		(unsigned long long)s->max_polls, (unsigned long long)s->polls_missing,
		(unsigned long long)s->rejections, (unsigned long long)s->unsupported);
}
