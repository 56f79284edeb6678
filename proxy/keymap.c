/*
 * Keymaps for guests: the host's compiled with libxkbcommon (or the
 * --keymap override, or a fallback), handed out as sealed read-only
 * memfds.  See keymap.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wayland-server-protocol.h>
#include <xkbcommon/xkbcommon.h>

#include "keymap.h"
#include "log.h"

/* A keymap larger than this is not a keymap (weston's is 64 KiB). */
#define KEYMAP_MAX_SIZE (16u << 20)
/* Distinct host keymaps remembered: one per host seat and layout switch
 * is the usual count. */
#define KEYMAP_CACHE_ENTRIES 8

/* A keymap as guests get it: text and its NUL in a sealed memfd. */
struct keymap_text {
	int fd;        /* -1: none */
	uint32_t size; /* with the NUL, as wl_keyboard.keymap's size says */
};

/* One distinct host keymap and what guests get for it. */
struct keymap_entry {
	char *host_text; /* the host's bytes, to recognise it next time */
	uint32_t host_size;
	struct keymap_text text; /* fd -1: no usable keymap, send none */
	struct wl_list link;     /* keymap_cache.entries, most recent first */
};

struct keymap_cache {
	struct xkb_context *xkb;
	struct keymap_text override; /* --keymap, fd -1 if not given */
	struct keymap_text fallback; /* default RMLVO, made on first need */
	bool fallback_failed;
	struct keymap_text empty;    /* for format no_keymap */
	struct wl_list entries;
	int n_entries;
};

/* ---- --keymap syntax -------------------------------------------------- */

enum rmlvo_field {
	RMLVO_RULES,
	RMLVO_MODEL,
	RMLVO_LAYOUT,
	RMLVO_VARIANT,
	RMLVO_OPTIONS,
	RMLVO_COUNT,
};

static const char *const rmlvo_keys[RMLVO_COUNT] = {
	"rules", "model", "layout", "variant", "options",
};

static bool
spec_is_file(const char *spec)
{
	return spec[0] == '/' || spec[0] == '.' || !strchr(spec, '=');
}

/* The field a comma-separated token starts, -1 for a continuation of the
 * previous value (no '='), -2 for an unknown KEY=. */
static int
token_field(const char *tok, size_t len)
{
	const char *eq = memchr(tok, '=', len);
	if (!eq)
		return -1;
	for (int f = 0; f < RMLVO_COUNT; f++) {
		size_t klen = strlen(rmlvo_keys[f]);
		if ((size_t)(eq - tok) == klen && memcmp(tok, rmlvo_keys[f], klen) == 0)
			return f;
	}
	return -2;
}

/* Splits RMLVO names into values[] (malloc'd, NULL where not given).
 * NULL on success, else what is wrong. */
static const char *
rmlvo_parse(const char *spec, char *values[RMLVO_COUNT])
{
	int current = -1;
	const char *p = spec;
	for (;;) {
		size_t len = strcspn(p, ",");
		int f = token_field(p, len);
		if (f == -2)
			return "unknown name in --keymap: use rules, model, layout, "
			       "variant or options";
		if (f == -1 && current < 0)
			return "--keymap RMLVO must start with KEY=";
		if (f >= 0 && values[f])
			return "a name is given twice in --keymap";

		char *v;
		if (f >= 0) {
			size_t klen = strlen(rmlvo_keys[f]) + 1;
			v = strndup(p + klen, len - klen);
			current = f;
		} else if (asprintf(&v, "%s,%.*s", values[current], (int)len, p) < 0) {
			v = NULL;
		}
		if (!v)
			return "out of memory";
		free(values[current]);
		values[current] = v;

		if (p[len] == '\0')
			return NULL;
		p += len + 1;
	}
}

static void
rmlvo_free(char *values[RMLVO_COUNT])
{
	for (int f = 0; f < RMLVO_COUNT; f++) {
		free(values[f]);
		values[f] = NULL;
	}
}

const char *
keymap_spec_check(const char *spec)
{
	if (!*spec)
		return "--keymap needs a file or RMLVO names";
	if (spec_is_file(spec))
		return NULL;
	char *values[RMLVO_COUNT] = { 0 };
	const char *why = rmlvo_parse(spec, values);
	rmlvo_free(values);
	return why;
}

/* ---- keymap texts ----------------------------------------------------- */

static void
keymap_text_fini(struct keymap_text *text)
{
	if (text->fd >= 0)
		close(text->fd);
	text->fd = -1;
	text->size = 0;
}

static int
write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* data[0..size) into a memfd sealed against every change: one memfd
 * serves every client, and none may alter what another maps. */
static int
keymap_text_init(struct keymap_text *text, const char *data, uint32_t size)
{
	text->fd = -1;
	text->size = 0;
	int fd = memfd_create("wl-guest-proxy-keymap",
			      MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if (write_all(fd, data, size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
		  F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		close(fd);
		return -1;
	}
	text->fd = fd;
	text->size = size;
	return 0;
}

/* The text xkbcommon writes back, which every client can compile: no
 * includes left, whatever the source was. */
static int
keymap_text_from_xkb(struct keymap_text *text, struct xkb_keymap *keymap)
{
	char *s = xkb_keymap_get_as_string(keymap, XKB_KEYMAP_FORMAT_TEXT_V1);
	if (!s)
		return -1;
	size_t len = strlen(s) + 1; /* the protocol's size counts the NUL */
	int ret = len > KEYMAP_MAX_SIZE ? -1 :
		keymap_text_init(text, s, (uint32_t)len);
	free(s);
	return ret;
}

/* A descriptor of its own for one client: read-only, and with its own file
 * offset, so a client that read()s instead of mapping does not move
 * another's.  Reopening through /proc gives both; without /proc a dup
 * still cannot write (the seals forbid it). */
static int
keymap_text_open(const struct keymap_text *text)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", text->fd);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = fcntl(text->fd, F_DUPFD_CLOEXEC, 0);
	return fd;
}

/* ---- compiling -------------------------------------------------------- */

static void
handle_xkb_log(struct xkb_context *ctx, enum xkb_log_level level,
	       const char *fmt, va_list ap)
{
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	wlgp_log(level <= XKB_LOG_LEVEL_ERROR ? WLGP_WARN : WLGP_DEBUG,
		 "xkbcommon: %s", line);
}

static int
compile_override(struct keymap_cache *cache, const char *spec,
		 char *err, size_t errlen)
{
	struct xkb_keymap *keymap = NULL;
	if (spec_is_file(spec)) {
		FILE *f = fopen(spec, "re");
		if (!f) {
			snprintf(err, errlen, "--keymap %s: %s", spec, strerror(errno));
			return -1;
		}
		keymap = xkb_keymap_new_from_file(cache->xkb, f,
			XKB_KEYMAP_FORMAT_TEXT_V1, XKB_KEYMAP_COMPILE_NO_FLAGS);
		fclose(f);
	} else {
		char *v[RMLVO_COUNT] = { 0 };
		const char *why = rmlvo_parse(spec, v);
		if (why) {
			snprintf(err, errlen, "%s", why);
			rmlvo_free(v);
			return -1;
		}
		const struct xkb_rule_names names = {
			.rules = v[RMLVO_RULES], .model = v[RMLVO_MODEL],
			.layout = v[RMLVO_LAYOUT], .variant = v[RMLVO_VARIANT],
			.options = v[RMLVO_OPTIONS],
		};
		keymap = xkb_keymap_new_from_names(cache->xkb, &names,
						   XKB_KEYMAP_COMPILE_NO_FLAGS);
		rmlvo_free(v);
	}
	if (!keymap) {
		snprintf(err, errlen, "--keymap %s does not compile (see "
			 "xkbcommon's messages)", spec);
		return -1;
	}
	int ret = keymap_text_from_xkb(&cache->override, keymap);
	xkb_keymap_unref(keymap);
	if (ret < 0)
		snprintf(err, errlen, "cannot store the --keymap keymap: %s",
			 strerror(errno));
	return ret;
}

/* The default RMLVO names (XKB_DEFAULT_* or libxkbcommon's own): what a
 * guest gets when the host's keymap is unusable.  Needs the XKB data
 * files, which a guest may lack: then there is no fallback. */
static const struct keymap_text *
keymap_fallback(struct keymap_cache *cache)
{
	if (cache->fallback.fd >= 0 || cache->fallback_failed)
		return &cache->fallback;
	struct xkb_keymap *keymap = xkb_keymap_new_from_names(cache->xkb, NULL,
		XKB_KEYMAP_COMPILE_NO_FLAGS);
	if (!keymap || keymap_text_from_xkb(&cache->fallback, keymap) < 0) {
		wlgp_err("cannot compile a fallback keymap from the default "
			 "RMLVO names either: guests get no keymap");
		cache->fallback_failed = true;
	}
	if (keymap)
		xkb_keymap_unref(keymap);
	return &cache->fallback;
}

/* What guests get for this host keymap text: its recompiled form, or the
 * fallback if it does not compile. */
static int
keymap_entry_compile(struct keymap_cache *cache, struct keymap_entry *e)
{
	size_t len = strnlen(e->host_text, e->host_size);
	struct xkb_keymap *keymap = xkb_keymap_new_from_buffer(cache->xkb,
		e->host_text, len, XKB_KEYMAP_FORMAT_TEXT_V1,
		XKB_KEYMAP_COMPILE_NO_FLAGS);
	if (keymap) {
		int ret = keymap_text_from_xkb(&e->text, keymap);
		xkb_keymap_unref(keymap);
		return ret;
	}
	wlgp_warn("the host's keymap (%u bytes) does not compile; guests get "
		  "one from the default RMLVO names instead", e->host_size);
	const struct keymap_text *fb = keymap_fallback(cache);
	if (fb->fd < 0)
		return 0; /* no keymap, and remembered as such */
	e->text.fd = fcntl(fb->fd, F_DUPFD_CLOEXEC, 0);
	e->text.size = fb->size;
	return e->text.fd < 0 ? -1 : 0;
}

static void
keymap_entry_destroy(struct keymap_entry *e)
{
	keymap_text_fini(&e->text);
	wl_list_remove(&e->link);
	free(e->host_text);
	free(e);
}

static struct keymap_entry *
keymap_entry_find(struct keymap_cache *cache, const char *data, uint32_t size)
{
	struct keymap_entry *e;
	wl_list_for_each(e, &cache->entries, link) {
		if (e->host_size == size && memcmp(e->host_text, data, size) == 0)
			return e;
	}
	return NULL;
}

static struct keymap_entry *
keymap_entry_add(struct keymap_cache *cache, const char *data, uint32_t size)
{
	struct keymap_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->text.fd = -1;
	e->host_size = size;
	e->host_text = malloc(size);
	if (!e->host_text) {
		free(e);
		return NULL;
	}
	memcpy(e->host_text, data, size);
	wl_list_insert(&cache->entries, &e->link);
	if (keymap_entry_compile(cache, e) < 0) {
		keymap_entry_destroy(e);
		return NULL;
	}
	wlgp_debug("keymap: compiled a host keymap of %u bytes; guests get "
		   "%u bytes", size, e->text.size);
	if (++cache->n_entries > KEYMAP_CACHE_ENTRIES) {
		struct keymap_entry *oldest =
			wl_container_of(cache->entries.prev, oldest, link);
		keymap_entry_destroy(oldest);
		cache->n_entries--;
	}
	return e;
}

/* The host's keymap as guests get it.  The host fd is mapped read-only,
 * shared, from offset 0: across the device it is a read-only vfd whose
 * mapping ignores the offset, and a private mapping of device memory is
 * not safe. */
static const struct keymap_text *
keymap_from_host(struct keymap_cache *cache, int host_fd, uint32_t size)
{
	struct stat st;
	if (size == 0 || size > KEYMAP_MAX_SIZE ||
	    (fstat(host_fd, &st) == 0 && S_ISREG(st.st_mode) &&
	     st.st_size < (off_t)size)) {
		/* A regular file shorter than size would SIGBUS us. */
		wlgp_warn("the host sent an unreadable keymap (%u bytes)", size);
		return keymap_fallback(cache);
	}
	void *data = mmap(NULL, size, PROT_READ, MAP_SHARED, host_fd, 0);
	if (data == MAP_FAILED) {
		wlgp_warn("cannot map the host's keymap (%u bytes): %s", size,
			  strerror(errno));
		return keymap_fallback(cache);
	}
	struct keymap_entry *e = keymap_entry_find(cache, data, size);
	if (e) {
		wl_list_remove(&e->link);
		wl_list_insert(&cache->entries, &e->link);
	} else {
		e = keymap_entry_add(cache, data, size);
	}
	munmap(data, size);
	return e ? &e->text : NULL;
}

int
keymap_cache_translate(struct keymap_cache *cache, uint32_t format,
		       int host_fd, uint32_t size,
		       uint32_t *out_format, uint32_t *out_size)
{
	const struct keymap_text *text;
	if (cache->override.fd >= 0)
		text = &cache->override; /* whatever the host has */
	else if (format == WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1)
		text = keymap_from_host(cache, host_fd, size);
	else
		text = &cache->empty;

	if (!text || text->fd < 0) {
		/* Raw keycodes are more use to a client than no keyboard. */
		text = &cache->empty;
	}
	int fd = keymap_text_open(text);
	if (fd < 0)
		return -1;
	*out_format = text == &cache->empty ?
		WL_KEYBOARD_KEYMAP_FORMAT_NO_KEYMAP :
		WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1;
	*out_size = text->size;
	return fd;
}

/* ---- the cache -------------------------------------------------------- */

struct keymap_cache *
keymap_cache_create(const char *override_spec, char *err, size_t errlen)
{
	struct keymap_cache *cache = calloc(1, sizeof(*cache));
	if (!cache) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cache->override.fd = -1;
	cache->fallback.fd = -1;
	cache->empty.fd = -1;
	wl_list_init(&cache->entries);

	cache->xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	if (!cache->xkb) {
		snprintf(err, errlen, "cannot create an xkbcommon context");
		goto fail;
	}
	xkb_context_set_log_fn(cache->xkb, handle_xkb_log);
	xkb_context_set_log_level(cache->xkb, wlgp_log_get_level() >= WLGP_DEBUG ?
				  XKB_LOG_LEVEL_WARNING : XKB_LOG_LEVEL_ERROR);
	if (keymap_text_init(&cache->empty, "", 0) < 0) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		goto fail;
	}
	if (override_spec && compile_override(cache, override_spec, err, errlen) < 0)
		goto fail;
	return cache;

fail:
	keymap_cache_destroy(cache);
	return NULL;
}

void
keymap_cache_destroy(struct keymap_cache *cache)
{
	if (!cache)
		return;
	struct keymap_entry *e, *tmp;
	wl_list_for_each_safe(e, tmp, &cache->entries, link)
		keymap_entry_destroy(e);
	keymap_text_fini(&cache->override);
	keymap_text_fini(&cache->fallback);
	keymap_text_fini(&cache->empty);
	if (cache->xkb)
		xkb_context_unref(cache->xkb);
	free(cache);
}
