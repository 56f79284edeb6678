/*
 * Window provenance: what the host is told about a guest window so that a
 * desktop with several VMs can show where it comes from.  --tag goes in
 * front of every toplevel title, --app-id-prefix in front of every app_id
 * (PREFIX.<app_id>).  The guest never sees either.
 *
 * Reusable by anything that names a host toplevel: the xdg-shell relay
 * (toplevel.c) and a window manager for X11 windows (WM_NAME, WM_CLASS).
 */
#ifndef WLGP_PROVENANCE_H
#define WLGP_PROVENANCE_H

#include <stdbool.h>
#include <sys/types.h>

struct provenance {
	const char *tag;           /* --tag, or NULL */
	const char *app_id_prefix; /* --app-id-prefix, or NULL */
};

/* NULL if PREFIX can be an app_id prefix, else why not. */
const char *provenance_check_prefix(const char *prefix);

/* The title the host gets for a guest title (NULL: the window has none
 * yet, which with a tag is the tag alone).  Returns a string to free, or
 * NULL if there is nothing to set (no tag, no title) or out of memory
 * (*oom set). */
char *provenance_title(const struct provenance *p, const char *title, bool *oom);

/* The app_id the host gets for a guest app_id (NULL: none set yet).  A
 * window without one gets a stable one from its process's name (pid: its
 * client's; 0 if unknown), so a host shell can still group it.  Same
 * return convention as provenance_title. */
char *provenance_app_id(const struct provenance *p, const char *app_id,
			pid_t pid, bool *oom);

#endif
