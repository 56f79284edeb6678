/*
 * Counters the end-to-end tests read: vfds created and live per kind,
 * calls, fds and bytes moved, and the guest's mistakes (rejections: the
 * driver answered an errno; violations: the real driver would misbehave).
 * With --stats FILE they are rewritten as JSON (tmp + rename) after every
 * loop iteration that changed one; the key names are an interface.
 */
#ifndef EMU_STATS_H
#define EMU_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum stats_kind {
	STATS_CTX,
	STATS_ALLOC,
	STATS_PIPE,
	STATS_HOST_SHM,
	STATS_HOST_STREAM,
	STATS_KINDS,
};

enum stats_call {
	STATS_CALL_NEW,
	STATS_CALL_SEND,
	STATS_CALL_RECV,
	STATS_CALL_DMABUF_SYNC,
	STATS_CALL_MMAP,
	STATS_CALLS,
};

struct stats;

struct stats *stats_create(const char *path);
void stats_destroy(struct stats *s);

void stats_created(struct stats *s, enum stats_kind kind);
void stats_released(struct stats *s, enum stats_kind kind);
uint64_t stats_live_total(const struct stats *s);
void stats_call(struct stats *s, enum stats_call call);
void stats_sent_fds(struct stats *s, unsigned n);
void stats_received(struct stats *s, uint32_t len, unsigned nfds);

/* Count, log ("pid P: CALL: ERRNO: reason") and remember the last 50. */
void stats_rejection(struct stats *s, pid_t pid, const char *call, int err,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Same, for guest behaviour the real driver would not survive cleanly. */
void stats_violation(struct stats *s, pid_t pid, const char *call,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Writes the file if a counter changed, at most every STATS_MIN_INTERVAL_MS
 * (a rewrite per call would cost more than the calls).  Returns the ms
 * until a pending change is due, or -1 when the file is current.
 */
#define STATS_MIN_INTERVAL_MS 20
int stats_flush_due(struct stats *s, uint64_t now_ms);
/* Writes the file now if anything changed. */
void stats_flush(struct stats *s);
/* "wl0-emulator: summary: ..." on stderr. */
void stats_print_summary(const struct stats *s);

const char *errno_name(int err);

#endif
