/*
 * The wl_surface state other rule files build on: its role (one for life),
 * the object playing it, and a commit signal whose listeners may refuse the
 * commit (xdg_surface's unconfigured_buffer, wp_viewport's out_of_buffer).
 */
#ifndef WLGP_SHIELD_SURFACE_H
#define WLGP_SHIELD_SURFACE_H

#include <stdbool.h>
#include <stdint.h>

#include "rules.h"

/* Roles by name; a role is the same role exactly when the names are equal. */
#define SHIELD_ROLE_SUBSURFACE "wl_subsurface"
#define SHIELD_ROLE_CURSOR "wl_pointer cursor"
#define SHIELD_ROLE_DND_ICON "wl_data_device icon"
#define SHIELD_ROLE_XDG_TOPLEVEL "xdg_toplevel"
#define SHIELD_ROLE_XDG_POPUP "xdg_popup"

/* What a commit applies, for its listeners; a listener that refuses it
 * calls shield_refuse and sets refused (later listeners then do nothing). */
struct shield_commit {
	struct shield_object *surface;
	bool has_buffer;         /* a buffer is attached after this commit */
	bool attached;           /* this commit attached (or detached) one */
	int32_t width, height;   /* its size in pixels; 0 if not known */
	int32_t scale, transform;
	bool refused;
};

/* The role-giving request's rule.  error_on/code: the error the request's
 * interface defines for "has another role".  False if refused. */
bool shield_surface_give_role(struct shield_object *surface, const char *role,
			      struct shield_object *error_on, uint32_t code,
			      const char *request);
/* The object now playing the surface's role (NULL: none). */
void shield_surface_set_role_object(struct shield_object *surface,
				    struct shield_object *role_object);
const char *shield_surface_role(struct shield_object *surface);
struct shield_object *shield_surface_role_object(struct shield_object *surface);

/* The xdg_surface made for the surface, which reserves it for roles that
 * extend xdg_surface. */
void shield_surface_set_xdg_surface(struct shield_object *surface,
				    struct shield_object *xdg_surface);
struct shield_object *shield_surface_xdg_surface(struct shield_object *surface);

/* Listener data: struct shield_commit *. */
void shield_surface_add_commit_listener(struct shield_object *surface,
					struct wl_listener *listener);

/* The surface's own size in surface coordinates after commit c (buffer
 * size over scale, turned by the transform); false if not known here: no
 * wl_shm buffer, or a viewport destination sets it. */
bool shield_surface_commit_size(const struct shield_commit *c,
				int32_t *width, int32_t *height);
/* Whether a wl_subsurface has the surface as its parent. */
bool shield_surface_has_subsurfaces(struct shield_object *surface);
/* A buffer is attached (pending) or committed: what "has a buffer" means
 * to rules about creating role extensions. */
bool shield_surface_has_buffer(struct shield_object *surface);

/* Facts about a surface that hold for its life, for rules that outlive
 * their role object.  Sets flag and returns whether it was set before. */
#define SHIELD_SURFACE_XWAYLAND_SERIAL (1u << 0) /* a serial was committed */
bool shield_surface_test_and_set(struct shield_object *surface, uint32_t flag);

/* wp_viewport's destination is set (pending): the buffer size then no
 * longer needs to be a multiple of the scale. */
void shield_surface_set_viewport_destination(struct shield_object *surface,
					     bool set);

#endif
