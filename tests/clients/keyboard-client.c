/*
 * keyboard-client: maps a small window and reports what its wl_keyboard
 * receives, for the keymap tests of the e2e suite.
 *
 * On every wl_keyboard.keymap it checks the fd the way the protocol lets a
 * client use it (wl_keyboard v7: mapped MAP_PRIVATE) and prints
 *   KEYMAP format=F size=S filesize=N rdonly=0|1 seals=LIST nul=0|1 compiled=0|1 file=DEV:INO layout=NAME
 * (seals: a comma-separated subset of shrink,grow,write,seal, or none;
 * nul: the text ends with its NUL at size-1 and has none before; file:
 * the fd's st_dev and st_ino, which tell whether two clients got the same
 * memfd).
 * Then "ENTER" when it gets the keyboard focus, and for every key pressed
 *   KEY sym=NAME utf8=HEX
 * (the keysym's name from the keymap it compiled, the UTF-8 it gives as
 * hex, or "-").  Runs until killed.  Options: --color 0xRRGGBB (window
 * colour), --size WxH.
 *
 * Exit status: 2 on a connection or protocol error, 1 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wayland-client.h>
#include <xkbcommon/xkbcommon.h>

#include "tc-shm.h"
#include "tc-wayland.h"
#include "tc-window.h"

struct app {
	struct tc_globals *globals;
	struct wl_keyboard *keyboard;
	struct tc_window *window;
	struct wl_buffer *buffer;

	struct xkb_context *xkb;
	struct xkb_keymap *keymap;
	struct xkb_state *state;

	uint32_t color;
	int32_t width, height;
};

/* ---- keymap checks ---------------------------------------------------- */

static void
print_seals(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals <= 0) {
		printf("none");
		return;
	}
	static const struct { int bit; const char *name; } names[] = {
		{ F_SEAL_SHRINK, "shrink" }, { F_SEAL_GROW, "grow" },
		{ F_SEAL_WRITE, "write" }, { F_SEAL_SEAL, "seal" },
	};
	const char *sep = "";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (seals & names[i].bit) {
			printf("%s%s", sep, names[i].name);
			sep = ",";
		}
	}
}

static void
keyboard_keymap(void *data, struct wl_keyboard *kb, uint32_t format, int fd,
		uint32_t size)
{
	struct app *app = data;
	struct stat st;
	bool have_st = fstat(fd, &st) == 0;
	long long filesize = have_st ? (long long)st.st_size : -1;
	int acc = fcntl(fd, F_GETFL) & O_ACCMODE;

	printf("KEYMAP format=%u size=%u filesize=%lld rdonly=%d seals=", format,
	       size, filesize, acc == O_RDONLY);
	print_seals(fd);

	bool nul = false, compiled = false;
	const char *layout = "-";
	if (format == WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1 && size > 0) {
		char *text = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (text != MAP_FAILED) {
			nul = text[size - 1] == '\0' && strlen(text) == size - 1;
			struct xkb_keymap *keymap = nul ?
				xkb_keymap_new_from_string(app->xkb, text,
					XKB_KEYMAP_FORMAT_TEXT_V1,
					XKB_KEYMAP_COMPILE_NO_FLAGS) : NULL;
			munmap(text, size);
			if (keymap) {
				compiled = true;
				xkb_state_unref(app->state);
				xkb_keymap_unref(app->keymap);
				app->keymap = keymap;
				app->state = xkb_state_new(keymap);
				layout = xkb_keymap_layout_get_name(keymap, 0);
				if (!layout)
					layout = "-";
			}
		} else {
			fprintf(stderr, "keyboard-client: mmap MAP_PRIVATE: %s\n",
				strerror(errno));
		}
	}
	printf(" nul=%d compiled=%d file=%llu:%llu layout=%s\n", nul, compiled,
	       have_st ? (unsigned long long)st.st_dev : 0,
	       have_st ? (unsigned long long)st.st_ino : 0, layout);
	close(fd);
}

static void
keyboard_enter(void *data, struct wl_keyboard *kb, uint32_t serial,
	       struct wl_surface *surface, struct wl_array *keys)
{
	printf("ENTER\n");
}

static void
keyboard_leave(void *data, struct wl_keyboard *kb, uint32_t serial,
	       struct wl_surface *surface)
{
	printf("LEAVE\n");
}

static void
keyboard_key(void *data, struct wl_keyboard *kb, uint32_t serial,
	     uint32_t time, uint32_t key, uint32_t state)
{
	struct app *app = data;
	if (state != WL_KEYBOARD_KEY_STATE_PRESSED)
		return;
	if (!app->state) {
		printf("KEY sym=- utf8=- code=%u\n", key);
		return;
	}
	/* evdev codes are XKB keycodes minus 8 */
	xkb_keysym_t sym = xkb_state_key_get_one_sym(app->state, key + 8);
	char name[64], utf8[16], hex[40] = "-";
	xkb_keysym_get_name(sym, name, sizeof(name));
	int n = xkb_state_key_get_utf8(app->state, key + 8, utf8, sizeof(utf8));
	for (int i = 0; i < n && i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)utf8[i]);
	printf("KEY sym=%s utf8=%s code=%u\n", name, hex, key);
}

static void
keyboard_modifiers(void *data, struct wl_keyboard *kb, uint32_t serial,
		   uint32_t depressed, uint32_t latched, uint32_t locked,
		   uint32_t group)
{
	struct app *app = data;
	if (app->state)
		xkb_state_update_mask(app->state, depressed, latched, locked,
				      0, 0, group);
}

static void
keyboard_repeat_info(void *data, struct wl_keyboard *kb, int32_t rate,
		     int32_t delay)
{
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = keyboard_keymap,
	.enter = keyboard_enter,
	.leave = keyboard_leave,
	.key = keyboard_key,
	.modifiers = keyboard_modifiers,
	.repeat_info = keyboard_repeat_info,
};

/* ---- seat and window -------------------------------------------------- */

static void
seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct app *app = data;
	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && !app->keyboard) {
		app->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(app->keyboard, &keyboard_listener, app);
	}
}

/* Every configure gets the buffer again, so that the window is on screen
 * whatever the compositor asked. */
static void
window_configure(struct tc_window *window, void *data)
{
	struct app *app = data;
	if (!app->buffer) {
		app->buffer = tc_create_solid_buffer(app->globals->shm, app->width,
						     app->height, 0xff000000u | app->color);
		if (!app->buffer) {
			fprintf(stderr, "keyboard-client: no buffer\n");
			exit(2);
		}
	}
	wl_surface_attach(window->surface, app->buffer, 0, 0);
	wl_surface_damage(window->surface, 0, 0, app->width, app->height);
	wl_surface_commit(window->surface);
}

int
main(int argc, char **argv)
{
	struct app app = { .color = 0x3060c0, .width = 200, .height = 150 };
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--color") == 0 && i + 1 < argc) {
			app.color = (uint32_t)strtoul(argv[++i], NULL, 0) & 0xffffff;
		} else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc &&
			   sscanf(argv[++i], "%dx%d", &app.width, &app.height) == 2 &&
			   app.width > 0 && app.height > 0) {
		} else {
			fprintf(stderr, "usage: keyboard-client [--color 0xRRGGBB] "
				"[--size WxH]\n");
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	app.xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	if (!app.xkb) {
		fprintf(stderr, "keyboard-client: no xkb context\n");
		return 2;
	}
	app.globals = tc_globals_create("keyboard-client", &(struct tc_globals_options){
		.compositor_version = 4,
		.seat_version = 7,
		.seat_capabilities = seat_capabilities,
		.data = &app,
	});
	if (!app.globals)
		return 2;
	app.window = tc_window_create(app.globals, &(struct tc_window_options){
		.title = "keyboard-client",
		.configure = window_configure,
		.data = &app,
	});
	if (!app.window)
		return 2;

	tc_window_run_until_closed(app.window);
	if (app.keyboard)
		wl_keyboard_destroy(app.keyboard);
	if (app.buffer)
		wl_buffer_destroy(app.buffer);
	tc_window_destroy(app.window);
	tc_globals_destroy(app.globals);
	xkb_state_unref(app.state);
	xkb_keymap_unref(app.keymap);
	xkb_context_unref(app.xkb);
	return 0;
}
