/*
 * The shield's framework: which interfaces have rules, the state it keeps
 * per guest client and per guest object, and the one entry point relay.c
 * calls before a request goes anywhere.
 *
 * Objects are followed with libwayland-server's own hooks rather than the
 * relay's: a resource-created listener per client (so an object made by a
 * request or by an event gets its state whatever code created it), a
 * destroy listener per resource (found again with
 * wl_resource_get_destroy_listener), and a protocol logger for the events
 * guests are sent (configure serials, popup_done), so the relay needs one
 * call and nothing else.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "rules.h"
#include "shield.h"

static const struct shield_rules *const all_rules[] = {
	&shield_wl_surface_rules,
	&shield_wl_subcompositor_rules,
	&shield_wl_subsurface_rules,
	&shield_xdg_wm_base_rules,
	&shield_xdg_positioner_rules,
	&shield_xdg_surface_rules,
	&shield_xdg_toplevel_rules,
	&shield_xdg_popup_rules,
	&shield_wp_viewporter_rules,
	&shield_wp_viewport_rules,
	&shield_wl_seat_rules,
	&shield_wl_pointer_rules,
	&shield_zwp_tablet_tool_v2_rules,
	&shield_zwp_pointer_constraints_v1_rules,
	&shield_zwp_locked_pointer_v1_rules,
	&shield_zwp_confined_pointer_v1_rules,
	&shield_wl_data_device_rules,
	&shield_wl_data_source_rules,
	&shield_wl_data_offer_rules,
	&shield_wp_fractional_scale_manager_v1_rules,
	&shield_wp_fractional_scale_v1_rules,
	&shield_wp_content_type_manager_v1_rules,
	&shield_wp_content_type_v1_rules,
	&shield_wp_tearing_control_manager_v1_rules,
	&shield_wp_tearing_control_v1_rules,
	&shield_zwp_keyboard_shortcuts_inhibit_manager_v1_rules,
	&shield_zwp_keyboard_shortcuts_inhibitor_v1_rules,
	&shield_zxdg_decoration_manager_v1_rules,
	&shield_zxdg_toplevel_decoration_v1_rules,
	&shield_xwayland_shell_v1_rules,
	&shield_xwayland_surface_v1_rules,
};

struct shield {
	struct wl_display *display;
	struct wl_listener client_created;
	struct wl_protocol_logger *logger;
	struct wl_list clients; /* shield_client.link */
};

/* Births announced and not yet seen: a handful at most, as each is
 * consumed by the resource_created that follows its request. */
#define SHIELD_MAX_BIRTHS 8

struct shield_client {
	struct shield *shield;
	struct wl_client *client;
	pid_t pid;
	struct wl_list objects; /* shield_object.link */
	/* By object id: the relay may create the object later than the
	 * request that announced it, and those objects may be gone by then. */
	struct {
		uint32_t id, parent, subject, other, value;
	} births[SHIELD_MAX_BIRTHS];
	unsigned nbirths;
	struct shield_birth current_birth; /* valid during an init */
	struct wl_listener resource_created;
	struct wl_listener destroy;
	struct wl_list link; /* shield.clients */
};

static const struct shield_rules *
rules_for(const char *interface)
{
	for (size_t i = 0; i < sizeof(all_rules) / sizeof(all_rules[0]); i++) {
		if (strcmp(all_rules[i]->interface, interface) == 0)
			return all_rules[i];
	}
	return NULL;
}

/* ---- weak references ---- */

static void
handle_ref_target_destroy(struct wl_listener *listener, void *data)
{
	struct shield_ref *ref = wl_container_of(listener, ref, destroy);
	wl_list_remove(&ref->destroy.link);
	wl_list_init(&ref->destroy.link);
	ref->obj = NULL;
}

void
shield_ref_init(struct shield_ref *ref)
{
	ref->obj = NULL;
	ref->destroy.notify = handle_ref_target_destroy;
	wl_list_init(&ref->destroy.link);
}

void
shield_ref_clear(struct shield_ref *ref)
{
	wl_list_remove(&ref->destroy.link);
	wl_list_init(&ref->destroy.link);
	ref->obj = NULL;
}

void
shield_ref_set(struct shield_ref *ref, struct shield_object *obj)
{
	shield_ref_clear(ref);
	ref->obj = obj;
	if (obj)
		wl_signal_add(&obj->destroy_signal, &ref->destroy);
}

/* ---- objects ---- */

static void
shield_object_free(struct shield_object *obj)
{
	wl_signal_emit_mutable(&obj->destroy_signal, obj);
	if (obj->rules->destroy)
		obj->rules->destroy(obj);
	wl_list_remove(&obj->resource_destroy.link);
	wl_list_remove(&obj->link);
	free(obj->state);
	free(obj);
}

static void
handle_resource_destroy(struct wl_listener *listener, void *data)
{
	struct shield_object *obj = wl_container_of(listener, obj, resource_destroy);
	shield_object_free(obj);
}

struct shield_object *
shield_object_from_resource(struct wl_resource *resource)
{
	if (!resource)
		return NULL;
	struct wl_listener *l = wl_resource_get_destroy_listener(resource,
							handle_resource_destroy);
	if (!l)
		return NULL;
	struct shield_object *obj = wl_container_of(l, obj, resource_destroy);
	return obj;
}

struct shield_object *
shield_object_from_arg(const union wl_argument *arg)
{
	return shield_object_from_resource((struct wl_resource *)arg->o);
}

struct wl_list *
shield_client_objects(struct shield_client *client)
{
	return &client->objects;
}

void
shield_expect(struct shield_object *parent, uint32_t id,
	      struct shield_object *subject, struct shield_object *other)
{
	shield_expect_value(parent, id, subject, other, 0);
}

void
shield_expect_value(struct shield_object *parent, uint32_t id,
		    struct shield_object *subject, struct shield_object *other,
		    uint32_t value)
{
	struct shield_client *sc = parent->client;
	if (sc->nbirths == SHIELD_MAX_BIRTHS) {
		/* Requests that never created their object (the relay
		 * refused them for another reason): forget the oldest. */
		memmove(&sc->births[0], &sc->births[1],
			sizeof(sc->births[0]) * (SHIELD_MAX_BIRTHS - 1));
		sc->nbirths--;
	}
	sc->births[sc->nbirths].id = id;
	sc->births[sc->nbirths].parent = wl_resource_get_id(parent->resource);
	sc->births[sc->nbirths].subject = subject ?
		wl_resource_get_id(subject->resource) : 0;
	sc->births[sc->nbirths].other = other ?
		wl_resource_get_id(other->resource) : 0;
	sc->births[sc->nbirths].value = value;
	sc->nbirths++;
}

const struct shield_birth *
shield_object_birth(struct shield_object *obj)
{
	struct shield_birth *b = &obj->client->current_birth;
	return b->id == wl_resource_get_id(obj->resource) ? b : NULL;
}

static struct shield_object *
object_by_id(struct shield_client *sc, uint32_t id)
{
	return id ? shield_object_from_resource(wl_client_get_object(sc->client, id)) :
		NULL;
}

static void
take_birth(struct shield_client *sc, uint32_t id)
{
	sc->current_birth = (struct shield_birth){ 0 };
	for (unsigned i = 0; i < sc->nbirths; i++) {
		if (sc->births[i].id != id)
			continue;
		sc->current_birth = (struct shield_birth){
			.id = id,
			.parent = object_by_id(sc, sc->births[i].parent),
			.subject = object_by_id(sc, sc->births[i].subject),
			.other = object_by_id(sc, sc->births[i].other),
			.value = sc->births[i].value,
		};
		memmove(&sc->births[i], &sc->births[i + 1],
			sizeof(sc->births[0]) * (sc->nbirths - i - 1));
		sc->nbirths--;
		return;
	}
}

static void
handle_resource_created(struct wl_listener *listener, void *data)
{
	struct shield_client *sc = wl_container_of(listener, sc, resource_created);
	struct wl_resource *resource = data;
	const struct shield_rules *rules = rules_for(wl_resource_get_class(resource));
	if (!rules)
		return;
	struct shield_object *obj = calloc(1, sizeof(*obj));
	void *state = rules->state_size ? calloc(1, rules->state_size) : NULL;
	if (!obj || (rules->state_size && !state)) {
		free(obj);
		free(state);
		wl_client_post_no_memory(sc->client);
		return;
	}
	obj->client = sc;
	obj->resource = resource;
	obj->rules = rules;
	obj->state = state;
	wl_signal_init(&obj->destroy_signal);
	wl_list_insert(&sc->objects, &obj->link);
	obj->resource_destroy.notify = handle_resource_destroy;
	wl_resource_add_destroy_listener(resource, &obj->resource_destroy);
	take_birth(sc, wl_resource_get_id(resource));
	/* A birth's objects may have gone since the request. */
	if (rules->init)
		rules->init(obj);
	sc->current_birth = (struct shield_birth){ 0 };
}

/* ---- clients ---- */

static void
shield_client_free(struct shield_client *sc)
{
	/* The client's resources are destroyed after its destroy signal:
	 * drop their state now, each the way a destructor would (every
	 * object unhooks what it holds, so the order does not matter). */
	while (!wl_list_empty(&sc->objects)) {
		struct shield_object *obj =
			wl_container_of(sc->objects.next, obj, link);
		shield_object_free(obj);
	}
	wl_list_remove(&sc->resource_created.link);
	wl_list_remove(&sc->destroy.link);
	wl_list_remove(&sc->link);
	free(sc);
}

static void
handle_client_destroy(struct wl_listener *listener, void *data)
{
	struct shield_client *sc = wl_container_of(listener, sc, destroy);
	shield_client_free(sc);
}

static void
handle_client_created(struct wl_listener *listener, void *data)
{
	struct shield *shield = wl_container_of(listener, shield, client_created);
	struct wl_client *client = data;
	struct shield_client *sc = calloc(1, sizeof(*sc));
	if (!sc) {
		wl_client_post_no_memory(client);
		return;
	}
	sc->shield = shield;
	sc->client = client;
	wl_client_get_credentials(client, &sc->pid, NULL, NULL);
	wl_list_init(&sc->objects);
	wl_list_insert(&shield->clients, &sc->link);
	sc->resource_created.notify = handle_resource_created;
	wl_client_add_resource_created_listener(client, &sc->resource_created);
	sc->destroy.notify = handle_client_destroy;
	wl_client_add_destroy_listener(client, &sc->destroy);
}

/* ---- refusing ---- */

static bool
vrefuse(struct wl_resource *on, pid_t pid, uint32_t code, const char *fmt,
	va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	wlgp_info("client pid %d: refused: %s@%u error %u: %s", (int)pid,
		  wl_resource_get_class(on), wl_resource_get_id(on), code, msg);
	wl_resource_post_error(on, code, "%s", msg);
	return false;
}

bool
shield_refuse(struct shield_object *on, uint32_t code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vrefuse(on->resource, on->client->pid, code, fmt, ap);
	va_end(ap);
	return false;
}

bool
shield_refuse_resource(struct wl_resource *on, uint32_t code, const char *fmt, ...)
{
	pid_t pid = 0;
	wl_client_get_credentials(wl_resource_get_client(on), &pid, NULL, NULL);
	va_list ap;
	va_start(ap, fmt);
	vrefuse(on, pid, code, fmt, ap);
	va_end(ap);
	return false;
}

/* ---- the hooks ---- */

static void
close_fds(const struct wl_message *msg, union wl_argument *args)
{
	int i = 0;
	for (const char *s = msg->signature; *s; s++) {
		if (*s == '?' || (*s >= '0' && *s <= '9'))
			continue;
		if (*s == 'h' && args[i].h >= 0) {
			close(args[i].h);
			args[i].h = -1;
		}
		i++;
	}
}

bool
shield_allow_request(struct shield *shield, struct wl_resource *resource,
		     uint32_t opcode, const struct wl_message *msg,
		     union wl_argument *args)
{
	struct shield_object *obj = shield_object_from_resource(resource);
	if (!obj || !obj->rules->request)
		return true;
	if (obj->rules->request(obj, opcode, args))
		return true;
	/* Refused: the request dies here, and with it what it carried. */
	close_fds(msg, args);
	return false;
}

/* Events as the guest gets them, object arguments already its own. */
static void
handle_protocol_log(void *data, enum wl_protocol_logger_type type,
		    const struct wl_protocol_logger_message *message)
{
	if (type != WL_PROTOCOL_LOGGER_EVENT)
		return;
	struct shield_object *obj = shield_object_from_resource(message->resource);
	if (obj && obj->rules->event)
		obj->rules->event(obj, (uint32_t)message->message_opcode,
				  message->arguments);
}

struct shield *
shield_create(struct wl_display *display)
{
	struct shield *shield = calloc(1, sizeof(*shield));
	if (!shield)
		return NULL;
	shield->display = display;
	wl_list_init(&shield->clients);
	shield->logger = wl_display_add_protocol_logger(display,
						handle_protocol_log, shield);
	if (!shield->logger) {
		free(shield);
		return NULL;
	}
	shield->client_created.notify = handle_client_created;
	wl_display_add_client_created_listener(display, &shield->client_created);
	return shield;
}

void
shield_destroy(struct shield *shield)
{
	if (!shield)
		return;
	struct shield_client *sc, *tmp;
	wl_list_for_each_safe(sc, tmp, &shield->clients, link)
		shield_client_free(sc);
	wl_protocol_logger_destroy(shield->logger);
	wl_list_remove(&shield->client_created.link);
	free(shield);
}
