/*
 * keymap.c on its own: what a guest gets for a host keymap is a sealed,
 * read-only memfd with the text libxkbcommon wrote back, sized with its NUL;
 * a host keymap is compiled once however many clients get it; one that does
 * not compile (or cannot be read) is replaced by the default RMLVO keymap;
 * --keymap replaces every host keymap; no_keymap stays no_keymap; the
 * --keymap syntax is checked.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wayland-server-protocol.h>
#include <xkbcommon/xkbcommon.h>

#include "check.h"
#include "keymap.h"

static struct xkb_context *xkb;

/* A host keymap fd as a compositor sends it (size includes the NUL). */
static int
host_keymap_fd(const char *text, size_t size)
{
	int fd = memfd_create("host-keymap", MFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(write(fd, text, size) == (ssize_t)size);
	return fd;
}

static char *
keymap_text_from_names(const char *layout)
{
	const struct xkb_rule_names names = { .layout = layout };
	struct xkb_keymap *km = xkb_keymap_new_from_names(xkb, layout ? &names : NULL, 0);
	CHECK(km);
	char *s = xkb_keymap_get_as_string(km, XKB_KEYMAP_FORMAT_TEXT_V1);
	xkb_keymap_unref(km);
	return s;
}

/* Checks what a client would: returns the text (malloc'd), mapped the way
 * wl_keyboard v7 says (MAP_PRIVATE). */
static char *
check_guest_keymap(int fd, uint32_t size)
{
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY);
	int seals = fcntl(fd, F_GET_SEALS);
	CHECK(seals == (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL));
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)size);
	char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(map != MAP_FAILED);
	CHECK(map[size - 1] == '\0' && strlen(map) == size - 1);
	struct xkb_keymap *km = xkb_keymap_new_from_string(xkb, map,
		XKB_KEYMAP_FORMAT_TEXT_V1, 0);
	CHECK(km);
	xkb_keymap_unref(km);
	char *copy = strdup(map);
	munmap(map, size);
	/* Nobody can write it, not even through a new mapping. */
	CHECK(mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
	return copy;
}

static char *
translate(struct keymap_cache *cache, uint32_t format, int host_fd,
	  uint32_t size, ino_t *ino)
{
	uint32_t out_format, out_size;
	int fd = keymap_cache_translate(cache, format, host_fd, size,
					&out_format, &out_size);
	CHECK(fd >= 0);
	CHECK_INT(out_format, ==, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1);
	char *text = check_guest_keymap(fd, out_size);
	struct stat st;
	CHECK(fstat(fd, &st) == 0);
	if (ino)
		*ino = st.st_ino;
	close(fd);
	return text;
}

static void
test_host_keymap(void)
{
	char err[256];
	struct keymap_cache *cache = keymap_cache_create(NULL, err, sizeof(err));
	CHECK_MSG(cache, "%s", err);
	char *us = keymap_text_from_names("us");
	size_t size = strlen(us) + 1;

	ino_t first, again;
	int host = host_keymap_fd(us, size);
	char *got = translate(cache, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, host,
			      (uint32_t)size, &first);
	CHECK(strcmp(got, us) == 0);
	free(got);
	close(host);

	/* The same keymap on another client's connection: the same memfd,
	 * not a second compilation. */
	host = host_keymap_fd(us, size);
	free(translate(cache, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, host,
		       (uint32_t)size, &again));
	close(host);
	CHECK(first == again);

	/* A different one: its own. */
	char *de = keymap_text_from_names("de");
	host = host_keymap_fd(de, strlen(de) + 1);
	got = translate(cache, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, host,
			(uint32_t)strlen(de) + 1, &again);
	close(host);
	CHECK(first != again && strcmp(got, de) == 0);
	free(got);

	/* no_keymap stays no_keymap. */
	uint32_t out_format, out_size;
	int fd = keymap_cache_translate(cache, WL_KEYBOARD_KEYMAP_FORMAT_NO_KEYMAP,
					-1, 0, &out_format, &out_size);
	CHECK(fd >= 0);
	CHECK_INT(out_format, ==, WL_KEYBOARD_KEYMAP_FORMAT_NO_KEYMAP);
	CHECK_INT(out_size, ==, 0);
	close(fd);

	free(us);
	free(de);
	keymap_cache_destroy(cache);
}

static void
test_fallback(void)
{
	char err[256];
	struct keymap_cache *cache = keymap_cache_create(NULL, err, sizeof(err));
	CHECK_MSG(cache, "%s", err);
	char *fallback = keymap_text_from_names(NULL);

	const char garbage[] = "xkb_keymap { this is not a keymap";
	int host = host_keymap_fd(garbage, sizeof(garbage));
	char *got = translate(cache, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, host,
			      sizeof(garbage), NULL);
	CHECK(strcmp(got, fallback) == 0);
	free(got);
	close(host);

	/* A size beyond the end of the host's file would fault: not read. */
	host = host_keymap_fd(garbage, sizeof(garbage));
	got = translate(cache, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, host, 1 << 20, NULL);
	CHECK(strcmp(got, fallback) == 0);
	free(got);
	close(host);

	free(fallback);
	keymap_cache_destroy(cache);
}

static void
test_override(void)
{
	char err[256];
	struct keymap_cache *cache = keymap_cache_create("layout=de,variant=nodeadkeys",
							 err, sizeof(err));
	CHECK_MSG(cache, "%s", err);
	char *us = keymap_text_from_names("us");
	int host = host_keymap_fd(us, strlen(us) + 1);
	char *got = translate(cache, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, host,
			      (uint32_t)strlen(us) + 1, NULL);
	close(host);
	struct xkb_keymap *km = xkb_keymap_new_from_string(xkb, got,
		XKB_KEYMAP_FORMAT_TEXT_V1, 0);
	CHECK(km);
	CHECK(strcmp(xkb_keymap_layout_get_name(km, 0), "German (no dead keys)") == 0);
	xkb_keymap_unref(km);
	free(got);
	free(us);
	keymap_cache_destroy(cache);

	CHECK(!keymap_cache_create("layout=no-such-layout", err, sizeof(err)));
	CHECK(!keymap_cache_create("/nonexistent/keymap.xkb", err, sizeof(err)));
	CHECK(strstr(err, "/nonexistent/keymap.xkb"));
}

static void
test_spec_syntax(void)
{
	const char *good[] = {
		"layout=de", "layout=us,de,options=grp:alt_shift_toggle,caps:escape",
		"rules=evdev,model=pc105,layout=fr,variant=azerty,options=",
		"/etc/keymap.xkb", "./keymap.xkb", "keymap.xkb",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK_MSG(!keymap_spec_check(good[i]), "%s: %s", good[i],
			  keymap_spec_check(good[i]));
	const char *bad[] = { "", "layout=de,colour=red", "layout=de,layout=fr",
			      "x,layout=de" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(keymap_spec_check(bad[i]), "'%s' accepted", bad[i]);
}

int
main(void)
{
	xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	CHECK(xkb);
	test_spec_syntax();
	test_host_keymap();
	test_fallback();
	test_override();
	xkb_context_unref(xkb);
	return 0;
}
