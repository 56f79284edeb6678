/*
 * The host side of the relay tests: a real libwayland-server compositor,
 * small but honest, implementing just the globals a scenario asks for.  It
 * runs in its own thread (harness.c); everything below except host_create
 * and host_destroy is called on that thread only.
 *
 * This header names no protocol types so that guest-side test files, which
 * use the client headers, can include it.
 */
#ifndef WLGP_UNIT_HOST_H
#define WLGP_UNIT_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct host;
struct wl_event_loop;
struct wl_display;

/* wl_surface.set_buffer_transform(HOST_ERROR_TRANSFORM) makes the host
 * post this protocol error on the surface.  The transform is a legal one
 * (flipped-270): an illegal one would never reach the host, the proxy's
 * shield refuses it first. */
#define HOST_ERROR_TRANSFORM 7
#define HOST_ERROR_CODE 4242
#define HOST_ERROR_TEXT "test host: buffer transform 7 is refused here"

/* The tablet the host announces on zwp_tablet_manager_v2.get_tablet_seat. */
#define HOST_TABLET_NAME "wlgp test tablet"
#define HOST_TABLET_VID 0x56a
#define HOST_TABLET_PID 0x314
#define HOST_TABLET_PATH "/dev/input/event-wlgp-test"
#define HOST_TOOL_SERIAL_LO 0xc0ffee
#define HOST_PAD_BUTTONS 4

/* What wl_output sends on bind. */
#define HOST_OUTPUT_MAKE "wlgp"
#define HOST_OUTPUT_MODEL "unit-test-output"
#define HOST_OUTPUT_WIDTH 1024
#define HOST_OUTPUT_HEIGHT 768

enum host_global {
	HOST_COMPOSITOR,          /* wl_compositor (+ wl_surface, wl_region) */
	HOST_OUTPUT,              /* wl_output */
	HOST_SEAT,                /* wl_seat with a pointer */
	HOST_TABLET_MANAGER,      /* zwp_tablet_manager_v2 */
	HOST_DMABUF,              /* zwp_linux_dmabuf_v1: fds that cannot cross */
	HOST_UNKNOWN,             /* test_unknown_v1: no proxy knows it */
	HOST_FRACTIONAL_SCALE,    /* wp_fractional_scale_manager_v1 */
	HOST_SUBCOMPOSITOR,       /* wl_subcompositor (+ wl_subsurface) */
	HOST_XWAYLAND_SHELL,      /* xwayland_shell_v1 */
	HOST_CONTENT_TYPE,        /* wp_content_type_manager_v1 */
	HOST_TEARING_CONTROL,     /* wp_tearing_control_manager_v1 */
	HOST_GLOBAL_COUNT
};

struct host_config {
	/* Advertised version of each global; 0: not advertised at start.
	 * Versions above libwayland's own are allowed (wl_compositor at 99). */
	uint32_t version[HOST_GLOBAL_COUNT];
	/* wl_output: sleep this long in the bind handler before sending
	 * geometry/mode/done (a slow host, still processing in order). */
	int output_bind_delay_ms;
	/* wl_surface.commit sends wl_pointer.enter(surface) to every pointer
	 * of the committing client. */
	bool pointer_enter_on_commit;
	/* libwayland's own wl_shm (argb8888, xrgb8888). */
	bool shm;
	/* Keep every committed buffer until host_release_buffers, as a
	 * compositor that never hands buffers back; otherwise a buffer is
	 * released when the next one is committed to its surface. */
	bool hold_buffers;
	/* Also advertise this wl_shm format (0: none). */
	uint32_t shm_extra_format;
	/* Each client's first wl_registry.bind of wl_shm (the proxy's own):
	 * flush what every client has been sent so far, then sleep this long
	 * before binding, so its format list comes late. */
	int shm_bind_delay_ms;
};

/* Counters, read as a copy on the host thread (host_get_stats). */
struct host_stats {
	int clients;             /* connected now */
	int clients_total;       /* ever connected */
	int sync_requests;       /* wl_display.sync seen */
	int output_binds;
	int output_bind_started; /* entered the (slow) bind handler */
	uint32_t output_bind_version;
	uint32_t compositor_bind_version;
	int surfaces;            /* alive now */
	int surfaces_destroyed;  /* by wl_surface.destroy */
	int callbacks;           /* frame callbacks pending now */
	int frame_dones;         /* wl_callback.done sent */
	int pointers;            /* alive now */
	int enters_sent;
	int tablet_seats;        /* alive now */
	int tablets_destroyed;   /* by the destroy request */
	int tools_destroyed;
	int pads_destroyed;
	int groups_destroyed;
	int rings_destroyed;
	int tablet_objects;      /* tablet/tool/pad/group/ring alive now */
	int errors_posted;
	int buffer_commits;      /* commits with a buffer attached */
	uint32_t last_pixel;     /* first pixel of the last committed buffer */
	int buffers_held;        /* committed, not released, not destroyed */
	int binds_after_remove;  /* binds of a global already wl_global_remove'd */
	int fractional_scales;   /* wp_fractional_scale_v1 alive now */
	int fractional_scales_created;
	int content_types_created;
	int tearing_controls_created;
	int subsurfaces_created;
	int pointer_cursors_set;  /* wl_pointer.set_cursor with a surface */
	int tool_cursors_set;     /* zwp_tablet_tool_v2.set_cursor with one */
	int commits;              /* wl_surface.commit */
	int xwayland_surfaces_created;
	int xwayland_serials_set;
};

/* Creates the display, listens on socket_name in $XDG_RUNTIME_DIR and
 * creates the globals whose configured version is not 0. */
struct host *host_create(const struct host_config *config, const char *socket_name);
void host_destroy(struct host *host);

struct wl_event_loop *host_get_event_loop(struct host *host);
/* For globals a caller adds itself (the x11 fuzz target's xdg_wm_base). */
struct wl_display *host_get_display(struct host *host);
/* Flushes every client, then waits for and dispatches one batch. */
void host_dispatch(struct host *host);
/* The same without waiting, for a caller that runs host and proxy on one
 * thread (the fuzz targets). */
void host_dispatch_pending(struct host *host);

void host_get_stats(struct host *host, struct host_stats *out);
/* Drops host client `index` (numbered as in the log) as a compositor
 * that closes a connection. */
void host_disconnect_client(struct host *host, int index);

/* Sends wl_buffer.release for every buffer held. */
void host_release_buffers(struct host *host);

/* Every request the host received, in order, as "N:interface.request "
 * where N numbers the host's clients from 0 in connection order; cut off
 * at HOST_LOG_SIZE. */
#define HOST_LOG_SIZE 16384
void host_get_log(struct host *host, char *out, size_t size);

/* Creates (again) a global; false if it exists or cannot be created. */
bool host_global_add(struct host *host, enum host_global which, uint32_t version);
/* wl_global_remove: clients are told, binds still succeed until destroy. */
void host_global_remove(struct host *host, enum host_global which);
/* wl_global_destroy (after a remove or not). */
void host_global_destroy(struct host *host, enum host_global which);

#endif
