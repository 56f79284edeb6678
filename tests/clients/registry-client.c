/*
 * registry-client: watches the registry for the e2e hot-plug tests.  Prints
 *   GLOBAL name=N interface=I version=V   for every wl_registry.global
 *   REMOVE name=N                         for every wl_registry.global_remove
 *   SYNCED                                after the first round trip
 * binds every wl_output it is told of and prints, on its done event (or
 * its geometry, before version 2),
 *   OUTPUT name=N model=M
 * which shows the output really works end to end.  Runs until killed; exit
 * status 2 on a connection or protocol error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wayland-client.h>

struct output {
	uint32_t name;
	struct wl_output *output;
	char model[64];
	struct wl_list link;
};

static struct wl_list outputs;

static void
output_geometry(void *data, struct wl_output *wl_output, int32_t x, int32_t y,
		int32_t pw, int32_t ph, int32_t subpixel, const char *make,
		const char *model, int32_t transform)
{
	struct output *o = data;
	snprintf(o->model, sizeof(o->model), "%s", model);
	if (wl_output_get_version(wl_output) < WL_OUTPUT_DONE_SINCE_VERSION)
		printf("OUTPUT name=%u model=%s\n", o->name, o->model);
}

static void
output_mode(void *data, struct wl_output *wl_output, uint32_t flags,
	    int32_t width, int32_t height, int32_t refresh)
{
}

static void
output_done(void *data, struct wl_output *wl_output)
{
	struct output *o = data;
	printf("OUTPUT name=%u model=%s\n", o->name, o->model);
}

static void
output_scale(void *data, struct wl_output *wl_output, int32_t factor)
{
}

static void
output_name(void *data, struct wl_output *wl_output, const char *name)
{
}

static void
output_description(void *data, struct wl_output *wl_output, const char *description)
{
}

static const struct wl_output_listener output_listener = {
	.geometry = output_geometry,
	.mode = output_mode,
	.done = output_done,
	.scale = output_scale,
	.name = output_name,
	.description = output_description,
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name,
		const char *interface, uint32_t version)
{
	printf("GLOBAL name=%u interface=%s version=%u\n", name, interface, version);
	if (strcmp(interface, wl_output_interface.name) != 0)
		return;
	struct output *o = calloc(1, sizeof(*o));
	if (!o)
		exit(2);
	o->name = name;
	uint32_t v = version < 4 ? version : 4;
	o->output = wl_registry_bind(registry, name, &wl_output_interface, v);
	wl_output_add_listener(o->output, &output_listener, o);
	wl_list_insert(&outputs, &o->link);
}

static void
registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
	printf("REMOVE name=%u\n", name);
	struct output *o, *tmp;
	wl_list_for_each_safe(o, tmp, &outputs, link) {
		if (o->name != name)
			continue;
		if (wl_output_get_version(o->output) >= WL_OUTPUT_RELEASE_SINCE_VERSION)
			wl_output_release(o->output);
		else
			wl_output_destroy(o->output);
		wl_list_remove(&o->link);
		free(o);
	}
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	wl_list_init(&outputs);
	struct wl_display *display = wl_display_connect(NULL);
	if (!display) {
		fprintf(stderr, "registry-client: cannot connect\n");
		return 2;
	}
	struct wl_registry *registry = wl_display_get_registry(display);
	wl_registry_add_listener(registry, &registry_listener, NULL);
	if (wl_display_roundtrip(display) < 0)
		goto fail;
	printf("SYNCED\n");
	while (wl_display_dispatch(display) >= 0)
		;
fail:
	fprintf(stderr, "registry-client: connection failed (error %d)\n",
		wl_display_get_error(display));
	return 2;
}
