/* Wayland helpers the e2e test clients share. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client.h>

#include "tc-wayland.h"

static uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* ---- globals ---------------------------------------------------------- */

static void
shm_format(void *data, struct wl_shm *shm, uint32_t format)
{
	struct tc_globals *globals = data;
	uint32_t *slot = wl_array_add(&globals->shm_formats, sizeof *slot);
	if (slot)
		*slot = format;
}

static const struct wl_shm_listener shm_listener = {
	.format = shm_format,
};

static void
seat_capabilities(void *data, struct wl_seat *seat, uint32_t capabilities)
{
	struct tc_globals *globals = data;
	if (globals->options.seat_capabilities)
		globals->options.seat_capabilities(globals->options.data, seat,
						   capabilities);
}

static void
seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_capabilities,
	.name = seat_name,
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	struct tc_globals *globals = data;
	const struct tc_globals_options *options = &globals->options;
	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		globals->compositor_version = min_u32(version, options->compositor_version);
		globals->compositor = wl_registry_bind(registry, name, &wl_compositor_interface,
						       globals->compositor_version);
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		globals->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
		wl_shm_add_listener(globals->shm, &shm_listener, globals);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		globals->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(globals->wm_base, &tc_wm_base_listener, NULL);
	} else if (strcmp(interface, wl_seat_interface.name) == 0) {
		/* The clients drive one seat: the first. */
		if (options->seat_version && !globals->seat) {
			globals->seat = wl_registry_bind(registry, name, &wl_seat_interface,
							 min_u32(version, options->seat_version));
			wl_seat_add_listener(globals->seat, &seat_listener, globals);
		}
	} else if (options->global) {
		options->global(options->data, registry, name, interface, version);
	}
}

static void
registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

static bool
check_globals(const struct tc_globals *globals)
{
	bool want_seat = globals->options.seat_version > 0;
	if (globals->compositor && globals->shm && globals->wm_base &&
	    (globals->seat || !want_seat))
		return true;
	fprintf(stderr, "%s: missing globals:%s%s%s%s\n", globals->name,
		globals->compositor ? "" : " wl_compositor",
		globals->shm ? "" : " wl_shm",
		globals->wm_base ? "" : " xdg_wm_base",
		globals->seat || !want_seat ? "" : " wl_seat");
	return false;
}

struct tc_globals *
tc_globals_create(const char *name, const struct tc_globals_options *options)
{
	struct tc_globals *globals = calloc(1, sizeof *globals);
	if (!globals) {
		fprintf(stderr, "%s: out of memory\n", name);
		return NULL;
	}
	globals->name = name;
	globals->options = *options;
	wl_array_init(&globals->shm_formats);

	globals->display = wl_display_connect(NULL);
	if (!globals->display) {
		const char *socket = getenv("WAYLAND_DISPLAY");
		fprintf(stderr, "%s: cannot connect to the display '%s': %s\n", name,
			socket ? socket : "(default)", strerror(errno));
		tc_globals_destroy(globals);
		return NULL;
	}
	globals->registry = wl_display_get_registry(globals->display);
	wl_registry_add_listener(globals->registry, &registry_listener, globals);
	/* One round trip only: shm-hostile-client creates a pool before the
	 * wl_shm formats, which the binds above ask for, have arrived. */
	if (wl_display_roundtrip(globals->display) < 0) {
		fprintf(stderr, "%s: initial round trip failed\n", name);
		tc_globals_destroy(globals);
		return NULL;
	}
	if (!check_globals(globals)) {
		tc_globals_destroy(globals);
		return NULL;
	}
	return globals;
}

void
tc_globals_destroy(struct tc_globals *globals)
{
	if (!globals)
		return;
	if (globals->seat)
		wl_seat_destroy(globals->seat);
	if (globals->wm_base)
		xdg_wm_base_destroy(globals->wm_base);
	if (globals->shm)
		wl_shm_destroy(globals->shm);
	if (globals->compositor)
		wl_compositor_destroy(globals->compositor);
	if (globals->registry)
		wl_registry_destroy(globals->registry);
	if (globals->display)
		wl_display_disconnect(globals->display);
	wl_array_release(&globals->shm_formats);
	free(globals);
}

bool
tc_globals_has_shm_format(const struct tc_globals *globals, uint32_t format)
{
	const uint32_t *f;
	wl_array_for_each(f, &globals->shm_formats) {
		if (*f == format)
			return true;
	}
	return false;
}

bool
tc_globals_report_error(struct tc_globals *globals, struct tc_protocol_error *error)
{
	int err = wl_display_get_error(globals->display);
	if (err != EPROTO) {
		printf("CONNECTION_ERROR %s\n", strerror(err));
		return false;
	}
	const struct wl_interface *iface = NULL;
	error->code = wl_display_get_protocol_error(globals->display, &iface, &error->id);
	error->interface = iface ? iface->name : "?";
	printf("PROTOCOL_ERROR interface=%s id=%u code=%u\n", error->interface, error->id,
	       error->code);
	return true;
}

void
tc_globals_die(struct tc_globals *globals, const char *what)
{
	int err = wl_display_get_error(globals->display);
	if (err == EPROTO) {
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code = wl_display_get_protocol_error(globals->display, &iface, &id);
		fprintf(stderr, "%s: %s: protocol error %s@%u code %u\n", globals->name,
			what, iface ? iface->name : "?", id, code);
	} else {
		fprintf(stderr, "%s: %s: connection lost: %s\n", globals->name, what,
			strerror(err ? err : errno));
	}
	exit(2);
}

void
tc_globals_dispatch(struct tc_globals *globals, const char *what)
{
	if (wl_display_dispatch(globals->display) < 0)
		tc_globals_die(globals, what);
}

void
tc_globals_roundtrip(struct tc_globals *globals, const char *what)
{
	if (wl_display_roundtrip(globals->display) < 0)
		tc_globals_die(globals, what);
}

/* ---- ping, log -------------------------------------------------------- */

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
