/* Wayland helpers the e2e test clients share. */
#ifndef TC_WAYLAND_H
#define TC_WAYLAND_H

#include "tc-xdg-shell-client-protocol.h"

/* Answers xdg_wm_base.ping; needs no user data. */
extern const struct xdg_wm_base_listener tc_wm_base_listener;

/* Keeps what libwayland-client logs (a protocol error's text among it) and
 * still prints it on stderr. */
void tc_log_capture_start(void);
/* Everything captured so far, without trailing newlines ("" if nothing). */
const char *tc_log_text(void);

#endif
