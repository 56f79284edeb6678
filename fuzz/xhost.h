/*
 * The x11 fuzz target's host shell: a strict xdg_wm_base added to the unit
 * host (tests/unit/host.c has none), so that the window manager's
 * toplevels reach a host that checks them as weston does, and so that the
 * target can play the host's side too (configures with any size and
 * states, close).  A rule broken is a fuzz check failure naming it.
 */
#ifndef WLGP_FUZZ_XHOST_H
#define WLGP_FUZZ_XHOST_H

#include <stdint.h>

struct host;
struct input;
struct xhost;

/* The longest title or app_id the host accepts: the window manager's own
 * cut (role.c XWM_HOST_STRING_MAX). */
#define XHOST_STRING_MAX 1024

struct xhost *xhost_create(struct host *host);

/* A configure (any size, any of activated/fullscreen/maximized) or a
 * close sent to a toplevel the input picks; nothing without toplevels. */
void xhost_configure(struct xhost *xh, struct input *in);
void xhost_close(struct xhost *xh, struct input *in);

int xhost_toplevel_count(const struct xhost *xh);
/* Titles and app_ids checked so far (all valid UTF-8, none too long). */
unsigned xhost_strings_checked(const struct xhost *xh);

#endif
