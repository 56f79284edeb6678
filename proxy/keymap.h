/*
 * The keymaps guests see.  The host's wl_keyboard.keymap is never passed on
 * as it came: it is compiled with libxkbcommon and its text goes to guests
 * in a sealed memfd of the proxy's own.  A host keymap that does not compile
 * is replaced by one from the default RMLVO names, so no client is handed
 * garbage; --keymap replaces the host's keymap altogether.
 *
 * One keymap_cache per server.  Every guest client has its own host
 * connection, so the same host keymap arrives once per client: each
 * distinct one is compiled once and its text kept.
 */
#ifndef WLGP_KEYMAP_H
#define WLGP_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

struct keymap_cache;

/* override_spec: the --keymap argument or NULL.  NULL with a message in err
 * when the override does not compile or libxkbcommon cannot start. */
struct keymap_cache *keymap_cache_create(const char *override_spec,
					 char *err, size_t errlen);
void keymap_cache_destroy(struct keymap_cache *cache);

/*
 * The keymap a guest gets for one wl_keyboard.keymap(format, host_fd, size)
 * from the host: a fresh read-only fd the caller owns, with the format and
 * size to send with it; -1 when not even a fallback could be made.  Never
 * takes host_fd.
 */
int keymap_cache_translate(struct keymap_cache *cache, uint32_t format,
			   int host_fd, uint32_t size,
			   uint32_t *out_format, uint32_t *out_size);

/* Checks a --keymap argument's syntax (not whether it compiles): NULL when
 * it is well formed, else what is wrong with it. */
const char *keymap_spec_check(const char *spec);

/* --keymap's syntax, for --help. */
#define KEYMAP_SPEC_HELP \
"      --keymap FILE|RMLVO     the keymap guests get instead of the host's:\n" \
"                              an XKB keymap file (a path starting with / or\n" \
"                              . or containing no '='), or RMLVO names as\n" \
"                              comma-separated KEY=VALUE with KEY among rules,\n" \
"                              model, layout, variant, options; a comma not\n" \
"                              followed by KEY= belongs to the value, e.g.\n" \
"                              layout=de,variant=nodeadkeys or\n" \
"                              layout=us,de,options=grp:alt_shift_toggle\n"

#endif
