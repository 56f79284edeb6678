/*
 * What the shield's per-protocol rule files share: the state the shield
 * keeps for a guest object, how to find it from a resource, weak references
 * between such objects, and how a rule refuses a request.
 *
 * Lifetime: a shield_object is made when its resource is created (for an
 * interface with rules) and freed with the resource, or with all of its
 * client's at disconnect.  Objects point at each other only through
 * shield_ref, which clears itself when the target goes.
 */
#ifndef WLGP_SHIELD_RULES_H
#define WLGP_SHIELD_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wayland-server-core.h>

struct shield_client;
struct shield_object;

/* The rules of one interface. */
struct shield_rules {
	const char *interface;
	size_t state_size; /* zeroed state at shield_object.state */
	void (*init)(struct shield_object *obj);
	/* False: refused (shield_refuse was called). */
	bool (*request)(struct shield_object *obj, uint32_t opcode,
			union wl_argument *args);
	/* An event the guest is sent on this object (after translation). */
	void (*event)(struct shield_object *obj, uint32_t opcode,
		      const union wl_argument *args);
	/* Before the state is freed, while the resource is still valid. */
	void (*destroy)(struct shield_object *obj);
};

struct shield_object {
	struct shield_client *client;
	struct wl_resource *resource;
	const struct shield_rules *rules;
	struct wl_listener resource_destroy;
	struct wl_signal destroy_signal; /* data: this object */
	struct wl_list link;             /* shield_client.objects */
	void *state;
};

/* A pointer to another shield object that becomes NULL when it goes. */
struct shield_ref {
	struct shield_object *obj;
	struct wl_listener destroy;
};

void shield_ref_init(struct shield_ref *ref);
void shield_ref_set(struct shield_ref *ref, struct shield_object *obj);
void shield_ref_clear(struct shield_ref *ref);

/* The shield object of a resource, NULL if untracked (or NULL resource). */
struct shield_object *shield_object_from_resource(struct wl_resource *resource);
/* The same, from an object argument. */
struct shield_object *shield_object_from_arg(const union wl_argument *arg);

/* Every live tracked object of the client, for the few rules that look
 * across objects (children of a parent, live surfaces of a global). */
struct wl_list *shield_client_objects(struct shield_client *client);
#define shield_for_each(obj, client) \
	wl_list_for_each(obj, shield_client_objects(client), link)

/* Posts error code on the guest object `on` (whose interface's enum the
 * code belongs to), logs why, and returns false for the rule to return. */
bool shield_refuse(struct shield_object *on, uint32_t code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same on a resource the shield does not track. */
bool shield_refuse_resource(struct wl_resource *on, uint32_t code,
			    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The object a request's new_id will create: its rules' init may look at
 * it (e.g. the surface a role object is for).  Set by the rule that allows
 * the creating request, consumed when the resource appears. */
struct shield_birth {
	uint32_t id;
	/* Resolved when the object appears (NULL if gone meanwhile): */
	struct shield_object *parent; /* the object the request was sent on */
	struct shield_object *subject; /* e.g. the wl_surface given a role */
	struct shield_object *other;   /* e.g. a popup's parent */
	uint32_t value;                /* e.g. a constraint's lifetime */
};
void shield_expect(struct shield_object *parent, uint32_t id,
		   struct shield_object *subject, struct shield_object *other);
void shield_expect_value(struct shield_object *parent, uint32_t id,
			 struct shield_object *subject, struct shield_object *other,
			 uint32_t value);
/* In init: what the creating request said, or NULL (e.g. for an object
 * created by an event). */
const struct shield_birth *shield_object_birth(struct shield_object *obj);

/* The rule tables, one per file. */
extern const struct shield_rules shield_wl_surface_rules;
extern const struct shield_rules shield_wl_subcompositor_rules;
extern const struct shield_rules shield_wl_subsurface_rules;
extern const struct shield_rules shield_xdg_wm_base_rules;
extern const struct shield_rules shield_xdg_positioner_rules;
extern const struct shield_rules shield_xdg_surface_rules;
extern const struct shield_rules shield_xdg_toplevel_rules;
extern const struct shield_rules shield_xdg_popup_rules;
extern const struct shield_rules shield_wp_viewporter_rules;
extern const struct shield_rules shield_wp_viewport_rules;
extern const struct shield_rules shield_wl_seat_rules;
extern const struct shield_rules shield_wl_pointer_rules;
extern const struct shield_rules shield_zwp_tablet_tool_v2_rules;
extern const struct shield_rules shield_zwp_pointer_constraints_v1_rules;
extern const struct shield_rules shield_zwp_locked_pointer_v1_rules;
extern const struct shield_rules shield_zwp_confined_pointer_v1_rules;
extern const struct shield_rules shield_wl_data_device_rules;
extern const struct shield_rules shield_wl_data_source_rules;
extern const struct shield_rules shield_wl_data_offer_rules;
extern const struct shield_rules shield_wp_fractional_scale_manager_v1_rules;
extern const struct shield_rules shield_wp_fractional_scale_v1_rules;
extern const struct shield_rules shield_wp_content_type_manager_v1_rules;
extern const struct shield_rules shield_wp_content_type_v1_rules;
extern const struct shield_rules shield_wp_tearing_control_manager_v1_rules;
extern const struct shield_rules shield_wp_tearing_control_v1_rules;
extern const struct shield_rules shield_zwp_keyboard_shortcuts_inhibit_manager_v1_rules;
extern const struct shield_rules shield_zwp_keyboard_shortcuts_inhibitor_v1_rules;
extern const struct shield_rules shield_zxdg_decoration_manager_v1_rules;
extern const struct shield_rules shield_zxdg_toplevel_decoration_v1_rules;
extern const struct shield_rules shield_xwayland_shell_v1_rules;
extern const struct shield_rules shield_xwayland_surface_v1_rules;

/* Across files. */
/* The wl_seat a wl_pointer came from, or NULL (seat.c). */
struct shield_object *shield_pointer_seat(struct shield_object *pointer);
/* xdg_toplevel.destroy: false (refused) while a decoration object of the
 * toplevel lives (xdg_decoration.c). */
bool shield_toplevel_decoration_allows_destroy(struct shield_object *toplevel);
/* The wl_surface of an xdg_toplevel, or NULL (xdg_shell.c). */
struct shield_object *shield_toplevel_surface(struct shield_object *toplevel);

#endif
