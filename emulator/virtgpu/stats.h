/*
 * virtgpu-emulator's counters and its --stats JSON file (tmp + rename, at
 * most every 20 ms while they change).  The key names are an interface
 * the end-to-end tests read:
 *
 *   {"live":    {"files","contexts","resources","pipes","exports","total"},
 *    "created": {same keys},
 *    "counts":  {"ioctls","execbuffers","inits","polls","events","sends",
 *                "receives","reads","writes","send_ids","recv_ids",
 *                "image_requirements","blobs"},
 *    "max_polls_outstanding", "polls_missing",
 *    "rejections", "rejection_log": [{"pid","call","errno","reason"}],
 *    "unsupported", "unsupported_log": [...]}
 *
 * A rejection is the driver answering an errno or the host refusing a
 * command (errno "host"); unsupported is what the real device does but
 * the emulator cannot (README: known differences).
 */
#ifndef VG_STATS_H
#define VG_STATS_H

#include <stdint.h>
#include <sys/types.h>

enum vg_kind {
	VG_FILES,
	VG_CONTEXTS,
	VG_RESOURCES,
	VG_PIPES,
	VG_EXPORTS,
	VG_KINDS,
};

enum vg_count {
	VG_IOCTLS,
	VG_EXECBUFFERS,
	VG_INITS,
	VG_POLLS,
	VG_EVENTS,
	VG_SENDS,
	VG_RECEIVES,
	VG_READS,
	VG_WRITES,
	VG_SEND_IDS,
	VG_RECV_IDS,
	VG_IMAGE_REQS,
	VG_BLOBS,
	VG_COUNTS,
};

/* errno value standing for a host-side refusal in the logs. */
#define VG_HOST_ERR (-1)

struct vg_stats;

struct vg_stats *vg_stats_create(const char *path);
void vg_stats_destroy(struct vg_stats *s);
void vg_stats_created(struct vg_stats *s, enum vg_kind k);
void vg_stats_released(struct vg_stats *s, enum vg_kind k);
void vg_stats_count(struct vg_stats *s, enum vg_count c, uint64_t n);
void vg_stats_polls_outstanding(struct vg_stats *s, unsigned n);
void vg_stats_poll_missing(struct vg_stats *s);
void vg_stats_rejection(struct vg_stats *s, pid_t pid, const char *call, int err,
			const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void vg_stats_unsupported(struct vg_stats *s, pid_t pid, const char *call,
			  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int vg_stats_flush_due(struct vg_stats *s, uint64_t now_ms);
void vg_stats_flush(struct vg_stats *s);
void vg_stats_print_summary(const struct vg_stats *s);

#endif
