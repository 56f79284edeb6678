/*
 * bench-client: commit -> wl_display.sync latency of a wl_shm client.
 *
 * Maps a fullscreen xdg_toplevel and commits frames of a WIDTHxHEIGHT
 * XRGB8888 buffer as fast as buffers come back, timing each commit:
 *
 *     t0; wl_surface.commit; wl_display.sync; dispatch until done; t1
 *
 * Frame callbacks are never requested: the compositor paces them at the
 * output refresh (~60 Hz), which would hide whatever a proxy in the path
 * costs.  The sync round trip cannot complete before the compositor has
 * processed the commit, so it measures the commit path itself: the
 * client's request, everything a proxy does with it (relaying, copying
 * pixels), the compositor's commit handling, and the way back.
 *
 * Modes:
 *   full   every pixel of the buffer changes each frame; damage = all
 *   small  one 64x64 square (fixed place) changes; damage = that square
 *
 * Buffers rotate (--buffers, default 3); one is reused only after its
 * wl_buffer.release.  When none is free the client dispatches until one is
 * released (untimed) and counts it (release_waits=).
 *
 * --watch NAME:PID samples the CPU time of PID and all its descendants
 * right before the first and right after the last measured frame:
 * utime+stime from /proc/PID/stat (clock ticks) and the scheduler's
 * sum_exec_runtime from /proc/PID/task/TID/schedstat (nanoseconds; exact,
 * where the tick-sampled stat figures are coarse for processes that only
 * wake briefly).  The set of processes is taken at the start.
 *
 * Output: one line of key=value pairs on stdout.  Times in ms.
 * --samples FILE also writes each measured frame's start (ms since the
 * first) and latency, one frame a line.
 *
 * --memcpy instead times memcpy of one WIDTHxHEIGHTx4 frame, in three
 * cache situations (medians), between memfd mappings:
 *   hot    same source and destination each time (both stay in cache)
 *   fresh  source rewritten (untimed) just before each copy, destination
 *          rotating over 3 buffers: what a copying proxy meets when a
 *          client has just drawn and the host buffer ring has 3 buffers
 *   remote like fresh, but the source is rewritten by a thread on another
 *          CPU (a client drawing on another vCPU); only with 2+ CPUs
 *   cold   8 source/destination pairs in rotation (133 MB, not cached)
 *
 * Usage:
 *   bench-client [--mode full|small] [--frames N] [--warmup N]
 *                [--buffers 1..4] [--size WxH] [--watch NAME:PID]...
 *                [--samples FILE]
 *   bench-client --memcpy [--iterations N] [--size WxH]
 *
 * Exit status: 0 on success, 1 on bad usage, 2 on a connection/protocol
 * error or a missing global.
 */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <wayland-client.h>

#include "tc-shm.h"
#include "tc-wayland.h"
#include "tc-window.h"

#define MAX_BUFFERS 4
#define MAX_WATCH 8
#define MAX_PIDS 64
#define SMALL 64

enum mode { MODE_FULL, MODE_SMALL };

struct watch {
	const char *name;
	int pid;
	int pids[MAX_PIDS];
	int npids;
	unsigned long long ticks0, ticks1;
	unsigned long long ns0, ns1;
	bool sched_ok;
};

struct bench {
	struct tc_globals *globals;
	struct wl_display *display; /* the globals' */
	struct tc_window *window;
	struct wl_surface *surface; /* the window's */
	bool sync_done;

	struct tc_buffer buffers[MAX_BUFFERS];
	int nbuffers;
	int32_t width, height, stride;

	enum mode mode;
	int frames, warmup;
	const char *samples; /* file for per-frame "start_ms latency_ms" */
	struct watch watches[MAX_WATCH];
	int nwatches;
};

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static double
cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-3;
}

/* ---- /proc sampling --------------------------------------------------- */

static int
ppid_of(int pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields resume after the last ')' */
	char *p = strrchr(buf, ')');
	int ppid;
	char state;
	if (!p || sscanf(p + 1, " %c %d", &state, &ppid) != 2)
		return -1;
	return ppid;
}

/* PID and its descendants, breadth first, as they are now. */
static void
collect_tree(struct watch *w)
{
	int self = (int)getpid();
	w->npids = 0;
	w->pids[w->npids++] = w->pid;
	for (int i = 0; i < w->npids; i++) {
		DIR *d = opendir("/proc");
		if (!d)
			return;
		struct dirent *e;
		while ((e = readdir(d)) && w->npids < MAX_PIDS) {
			char *end;
			long pid = strtol(e->d_name, &end, 10);
			if (*end || pid <= 0 || pid == self)
				continue;
			if (ppid_of((int)pid) == w->pids[i])
				w->pids[w->npids++] = (int)pid;
		}
		closedir(d);
	}
}

static unsigned long long
stat_ticks(int pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* fields 3.. after comm; utime is field 14, stime 15 */
	unsigned long long ut = 0, st = 0;
	int field = 2;
	for (char *tok = strtok(p + 1, " "); tok; tok = strtok(NULL, " ")) {
		field++;
		if (field == 14)
			ut = strtoull(tok, NULL, 10);
		else if (field == 15) {
			st = strtoull(tok, NULL, 10);
			break;
		}
	}
	return ut + st;
}

/* Sum of sum_exec_runtime (ns) over the threads of pid. */
static unsigned long long
sched_ns(int pid, bool *ok)
{
	char path[64];
	unsigned long long sum = 0;
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p2[320];
		snprintf(p2, sizeof p2, "/proc/%d/task/%s/schedstat", pid, e->d_name);
		FILE *f = fopen(p2, "r");
		if (!f) {
			*ok = false;
			continue;
		}
		unsigned long long ns;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += ns;
		else
			*ok = false;
		fclose(f);
	}
	closedir(d);
	return sum;
}

static void
sample(struct watch *w, unsigned long long *ticks, unsigned long long *ns)
{
	*ticks = 0;
	*ns = 0;
	for (int i = 0; i < w->npids; i++) {
		*ticks += stat_ticks(w->pids[i]);
		*ns += sched_ns(w->pids[i], &w->sched_ok);
	}
}

/* ---- drawing ---------------------------------------------------------- */

static void
draw_full(struct bench *b, struct tc_buffer *buf, uint32_t frame)
{
	/* every pixel differs from the previous frame's */
	uint32_t base = frame * 0x00010305u;
	for (int32_t y = 0; y < b->height; y++) {
		uint32_t *row = (uint32_t *)buf->data + (size_t)y * (size_t)b->width;
		uint32_t v = base + (uint32_t)y * 0x00000101u;
		for (int32_t x = 0; x < b->width; x++)
			row[x] = 0xff000000u | ((v + (uint32_t)x) & 0x00ffffffu);
	}
}

static void
small_rect(struct bench *b, int32_t *x, int32_t *y)
{
	*x = (b->width - SMALL) / 2;
	*y = (b->height - SMALL) / 2;
}

static void
draw_small(struct bench *b, struct tc_buffer *buf, uint32_t frame)
{
	int32_t x0, y0;
	small_rect(b, &x0, &y0);
	uint32_t v = 0xff000000u | ((frame * 0x00051d2fu) & 0x00ffffffu);
	for (int32_t y = y0; y < y0 + SMALL; y++) {
		uint32_t *row = (uint32_t *)buf->data + (size_t)y * (size_t)b->width;
		for (int32_t x = x0; x < x0 + SMALL; x++)
			row[x] = v;
	}
}

/* ---- Wayland ---------------------------------------------------------- */

static void
sync_done(void *data, struct wl_callback *cb, uint32_t time)
{
	struct bench *b = data;
	b->sync_done = true;
	wl_callback_destroy(cb);
}

static const struct wl_callback_listener sync_listener = {
	.done = sync_done,
};

static void
create_buffers(struct bench *b)
{
	/* One pool per buffer, like weston-simple-shm. */
	for (int i = 0; i < b->nbuffers; i++) {
		struct tc_buffer *buf = &b->buffers[i];
		if (!tc_buffer_init(buf, b->globals->shm, b->width, b->height,
				    b->stride, WL_SHM_FORMAT_XRGB8888, 0)) {
			perror("bench-client: shm buffer");
			exit(2);
		}
		/* the same background in every buffer; faults every page in */
		uint32_t *pixels = buf->data;
		for (size_t p = 0; p < buf->map_size / 4; p++)
			pixels[p] = 0xff202060u;
	}
}

/* Commit, then sync and dispatch until done; returns the elapsed ms. */
static double
commit_and_sync(struct bench *b)
{
	double t0 = now_ms();
	wl_surface_commit(b->surface);
	struct wl_callback *cb = wl_display_sync(b->display);
	b->sync_done = false;
	wl_callback_add_listener(cb, &sync_listener, b);
	if (wl_display_flush(b->display) < 0 && errno != EAGAIN)
		tc_globals_die(b->globals, "flush");
	while (!b->sync_done)
		tc_globals_dispatch(b->globals, "sync");
	return now_ms() - t0;
}

static int
compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double
percentile(const double *sorted, int n, double p)
{
	/* nearest rank */
	int k = (int)(p * n + 0.999999) - 1;
	if (k < 0)
		k = 0;
	if (k >= n)
		k = n - 1;
	return sorted[k];
}

static int
run_commits(struct bench *b)
{
	b->globals = tc_globals_create("bench-client", &(struct tc_globals_options){
		.compositor_version = 4,
	});
	if (!b->globals)
		return 2;
	b->display = b->globals->display;
	tc_globals_roundtrip(b->globals, "registry"); /* shm formats */
	if (b->globals->compositor_version < 4 ||
	    !tc_globals_has_shm_format(b->globals, WL_SHM_FORMAT_XRGB8888)) {
		fprintf(stderr, "bench-client: missing wl_compositor v4 or wl_shm "
			"XRGB8888\n");
		return 2;
	}

	b->window = tc_window_create(b->globals, &(struct tc_window_options){
		.title = "bench-client",
		.fullscreen = true,
	});
	if (!b->window)
		return 2;
	b->surface = b->window->surface;
	if (!tc_window_wait_configure(b->window))
		tc_globals_die(b->globals, "configure");

	create_buffers(b);

	int total = b->warmup + b->frames;
	double *lat = calloc((size_t)b->frames, sizeof *lat);
	double *start = calloc((size_t)b->frames, sizeof *start);
	double draw_sum = 0, wait_sum = 0, cpu0 = 0, wall0 = 0;
	int waits = 0;
	int32_t sx, sy;
	small_rect(b, &sx, &sy);

	for (int f = 0; f < total; f++) {
		if (f == b->warmup) {
			for (int i = 0; i < b->nwatches; i++) {
				struct watch *w = &b->watches[i];
				collect_tree(w);
				sample(w, &w->ticks0, &w->ns0);
			}
			cpu0 = cpu_ms();
			wall0 = now_ms();
		}
		bool measured = f >= b->warmup;

		/* a free buffer, lowest index first */
		struct tc_buffer *buf = NULL;
		double tw = now_ms();
		bool waited = false;
		for (;;) {
			for (int i = 0; i < b->nbuffers && !buf; i++)
				if (!b->buffers[i].busy)
					buf = &b->buffers[i];
			if (buf)
				break;
			waited = true;
			tc_globals_dispatch(b->globals, "release");
		}
		if (waited && measured) {
			waits++;
			wait_sum += now_ms() - tw;
		}

		double td = now_ms();
		if (b->mode == MODE_FULL || f == 0) {
			if (b->mode == MODE_FULL)
				draw_full(b, buf, (uint32_t)f);
			else
				draw_small(b, buf, (uint32_t)f);
			wl_surface_damage_buffer(b->surface, 0, 0, b->width,
						 b->height);
		} else {
			draw_small(b, buf, (uint32_t)f);
			wl_surface_damage_buffer(b->surface, sx, sy, SMALL, SMALL);
		}
		if (measured)
			draw_sum += now_ms() - td;

		wl_surface_attach(b->surface, buf->wl_buffer, 0, 0);
		buf->busy = true;
		double t0 = now_ms();
		double ms = commit_and_sync(b);
		if (measured) {
			lat[f - b->warmup] = ms;
			start[f - b->warmup] = t0 - wall0;
		}
	}

	double wall = now_ms() - wall0;
	double cpu = cpu_ms() - cpu0;
	for (int i = 0; i < b->nwatches; i++) {
		struct watch *w = &b->watches[i];
		sample(w, &w->ticks1, &w->ns1);
	}

	if (b->samples) {
		FILE *sf = fopen(b->samples, "w");
		if (!sf) {
			perror("bench-client: --samples");
			return 2;
		}
		for (int i = 0; i < b->frames; i++)
			fprintf(sf, "%.4f %.4f\n", start[i], lat[i]);
		fclose(sf);
	}
	free(start);

	double sum = 0;
	int over_half_ms = 0;
	for (int i = 0; i < b->frames; i++) {
		sum += lat[i];
		over_half_ms += lat[i] > 0.5;
	}
	qsort(lat, (size_t)b->frames, sizeof *lat, compare_double);

	long hz = sysconf(_SC_CLK_TCK);
	printf("mode=%s frames=%d warmup=%d buffers=%d width=%d height=%d "
	       "configured=%dx%d median_ms=%.4f p90_ms=%.4f mean_ms=%.4f "
	       "min_ms=%.4f max_ms=%.4f client_cpu_ms_per_frame=%.4f "
	       "draw_ms_per_frame=%.4f release_waits=%d release_wait_ms=%.3f "
	       "wall_ms=%.1f over_half_ms_pct=%.2f",
	       b->mode == MODE_FULL ? "full" : "small", b->frames, b->warmup,
	       b->nbuffers, b->width, b->height, b->window->width, b->window->height,
	       lat[b->frames / 2], percentile(lat, b->frames, 0.9),
	       sum / b->frames, lat[0], lat[b->frames - 1], cpu / b->frames,
	       draw_sum / b->frames, waits, wait_sum, wall,
	       100.0 * over_half_ms / b->frames);
	for (int i = 0; i < b->nwatches; i++) {
		struct watch *w = &b->watches[i];
		printf(" %s_pids=%d %s_stat_cpu_ms_per_frame=%.4f", w->name,
		       w->npids, w->name,
		       (double)(w->ticks1 - w->ticks0) * 1e3 / (double)hz /
			       b->frames);
		if (w->sched_ok)
			printf(" %s_sched_cpu_ms_per_frame=%.4f", w->name,
			       (double)(w->ns1 - w->ns0) * 1e-6 / b->frames);
	}
	printf("\n");
	fflush(stdout);
	free(lat);

	for (int i = 0; i < b->nbuffers; i++)
		tc_buffer_finish(&b->buffers[i]);
	tc_window_destroy(b->window);
	/* The destroys reach the compositor before the connection closes. */
	wl_display_roundtrip(b->display);
	tc_globals_destroy(b->globals);
	return 0;
}

/* ---- --memcpy --------------------------------------------------------- */

#define PAIRS 8

/* Shared memfd mappings, like the client pools and host buffers a proxy
 * copies between (not anonymous memory, which may get huge pages). */
static uint8_t *
shm_alloc(size_t size)
{
	int fd = tc_create_shm_file(size);
	if (fd < 0)
		return NULL;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* The "remote" source is rewritten by a thread on another CPU, as a
 * client drawing on one vCPU while the proxy copies on another. */
struct remote_writer {
	pthread_t thread;
	uint8_t *buf;
	size_t size;
	/* request > done: write the buffer; request < 0: quit.  Both sides
	 * sleep while waiting, so that a spinning thread does not slow the
	 * other copies down. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int request, done;
};

static void *
remote_writer_main(void *data)
{
	struct remote_writer *w = data;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->request == w->done)
			pthread_cond_wait(&w->cond, &w->lock);
		int req = w->request;
		if (req < 0)
			break;
		pthread_mutex_unlock(&w->lock);
		memset(w->buf, req & 0xff, w->size);
		pthread_mutex_lock(&w->lock);
		w->done = req;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void
remote_write(struct remote_writer *w, int req)
{
	pthread_mutex_lock(&w->lock);
	w->request = req;
	pthread_cond_broadcast(&w->cond);
	while (req >= 0 && w->done != req)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/* Two CPUs of our affinity mask, or false if there is only one. */
static bool
two_cpus(int *a, int *b)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) < 0 || CPU_COUNT(&set) < 2)
		return false;
	int n = 0;
	for (int c = 0; c < CPU_SETSIZE && n < 2; c++) {
		if (CPU_ISSET(c, &set))
			*(n++ ? b : a) = c;
	}
	return true;
}

static void
pin_thread(pthread_t t, int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(t, sizeof set, &set);
}

enum { HOT, FRESH, REMOTE, COLD, SITUATIONS };

static int
run_memcpy(int32_t width, int32_t height, int iterations)
{
	size_t frame = (size_t)width * (size_t)height * 4;
	/* hot s0->d0; fresh s1->d1..3; remote s2->d4..6; cold s3..10->d7..14 */
	enum { NSRC = 3 + PAIRS, NDST = 7 + PAIRS };
	uint8_t *src[NSRC], *dst[NDST];
	for (int i = 0; i < NSRC || i < NDST; i++) {
		if (i < NSRC && !(src[i] = shm_alloc(frame)))
			goto oom;
		if (i < NDST && !(dst[i] = shm_alloc(frame)))
			goto oom;
		if (i < NSRC)
			memset(src[i], i + 1, frame); /* fault every page in */
		if (i < NDST)
			memset(dst[i], 0, frame);
	}

	int cpu_main, cpu_writer;
	bool remote = two_cpus(&cpu_main, &cpu_writer);
	struct remote_writer w = {
		.buf = src[2],
		.size = frame,
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
	};
	if (remote) {
		pin_thread(pthread_self(), cpu_main);
		if (pthread_create(&w.thread, NULL, remote_writer_main, &w) != 0)
			remote = false;
		else
			pin_thread(w.thread, cpu_writer);
	}

	double *t[SITUATIONS];
	for (int c = 0; c < SITUATIONS; c++)
		t[c] = calloc((size_t)iterations, sizeof(double));

	/* The situations take turns copy by copy so that a drift in the
	 * machine's speed (a VM) hits them alike. */
	for (int i = -5; i < iterations; i++) {
		int k = i + 5;
		for (int c = 0; c < SITUATIONS; c++) {
			uint8_t *from, *to;
			switch (c) {
			case HOT:
				from = src[0];
				to = dst[0];
				break;
			case FRESH:
				from = src[1];
				to = dst[1 + k % 3];
				memset(from, k & 0xff, frame);
				break;
			case REMOTE:
				if (!remote)
					continue;
				from = src[2];
				to = dst[4 + k % 3];
				remote_write(&w, k + 1);
				break;
			default:
				from = src[3 + k % PAIRS];
				to = dst[7 + (k + 3) % PAIRS];
				break;
			}
			double t0 = now_ms();
			memcpy(to, from, frame);
			double ms = now_ms() - t0;
			if (i >= 0)
				t[c][i] = ms;
		}
	}
	if (remote) {
		remote_write(&w, -1);
		pthread_join(w.thread, NULL);
	}
	for (int c = 0; c < SITUATIONS; c++)
		qsort(t[c], (size_t)iterations, sizeof(double), compare_double);
	printf("memcpy_bytes=%zu iterations=%d memcpy_hot_ms=%.4f "
	       "memcpy_fresh_ms=%.4f memcpy_cold_ms=%.4f",
	       frame, iterations, t[HOT][iterations / 2],
	       t[FRESH][iterations / 2], t[COLD][iterations / 2]);
	if (remote)
		printf(" memcpy_remote_ms=%.4f", t[REMOTE][iterations / 2]);
	printf("\n");
	return 0;
oom:
	perror("bench-client: memfd/mmap");
	return 2;
}

/* ---- main ------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: bench-client [--mode full|small] [--frames N] [--warmup N]\n"
		"                    [--buffers 1..%d] [--size WxH] [--watch NAME:PID]...\n"
		"                    [--samples FILE]\n"
		"       bench-client --memcpy [--iterations N] [--size WxH]\n",
		MAX_BUFFERS);
}

int
main(int argc, char *argv[])
{
	struct bench b = {
		.mode = MODE_FULL,
		.frames = 300,
		.warmup = 30,
		.nbuffers = 3,
		.width = 1920,
		.height = 1080,
	};
	bool memcpy_mode = false;
	int iterations = 100;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--memcpy") == 0) {
			memcpy_mode = true;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (!v) {
			usage(stderr);
			return 1;
		}
		i++;
		if (strcmp(a, "--mode") == 0) {
			if (strcmp(v, "full") == 0)
				b.mode = MODE_FULL;
			else if (strcmp(v, "small") == 0)
				b.mode = MODE_SMALL;
			else {
				usage(stderr);
				return 1;
			}
		} else if (strcmp(a, "--frames") == 0) {
			b.frames = atoi(v);
		} else if (strcmp(a, "--warmup") == 0) {
			b.warmup = atoi(v);
		} else if (strcmp(a, "--buffers") == 0) {
			b.nbuffers = atoi(v);
		} else if (strcmp(a, "--iterations") == 0) {
			iterations = atoi(v);
		} else if (strcmp(a, "--size") == 0) {
			if (sscanf(v, "%dx%d", &b.width, &b.height) != 2) {
				usage(stderr);
				return 1;
			}
		} else if (strcmp(a, "--samples") == 0) {
			b.samples = v;
		} else if (strcmp(a, "--watch") == 0) {
			const char *colon = strchr(v, ':');
			if (!colon || colon == v || b.nwatches == MAX_WATCH) {
				usage(stderr);
				return 1;
			}
			struct watch *w = &b.watches[b.nwatches++];
			w->name = strndup(v, (size_t)(colon - v));
			w->pid = atoi(colon + 1);
			w->sched_ok = true;
		} else {
			usage(stderr);
			return 1;
		}
	}
	if (b.frames < 1 || b.warmup < 0 || b.nbuffers < 1 ||
	    b.nbuffers > MAX_BUFFERS || b.width < SMALL || b.height < SMALL ||
	    b.width > 16384 || b.height > 16384 || iterations < 1) {
		usage(stderr);
		return 1;
	}
	b.stride = b.width * 4;

	if (memcpy_mode)
		return run_memcpy(b.width, b.height, iterations);
	return run_commits(&b);
}
