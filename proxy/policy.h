/*
 * The protocol policy: which host globals a guest may see at all, on top
 * of what the relay can carry (interfaces.c).  Globals that let an app
 * watch or drive the rest of the desktop are hidden unless the user
 * allows them; --hide-global hides any other one.
 */
#ifndef WLGP_POLICY_H
#define WLGP_POLICY_H

#include <stdbool.h>
#include <stddef.h>

struct wlgp_server;

/* One --allow-global or --hide-global; the last rule naming an interface
 * wins, so a config file's rules come first and the command line's
 * override them. */
struct policy_rule {
	const char *interface;
	bool allow;
};

struct global_policy {
	struct policy_rule *rules; /* owned */
	size_t count;
};

/* The globals hidden by default: also in the man page (PROTOCOL POLICY). */
struct policy_default {
	const char *interface;
	const char *why;
};
extern const struct policy_default policy_hidden_by_default[];
extern const size_t policy_hidden_by_default_count;

/* NULL if the name can be an interface name, else why not. */
const char *policy_check_name(const char *interface);
/* False if out of memory. */
bool policy_add_rule(struct global_policy *policy, const char *interface,
		     bool allow);
void policy_fini(struct global_policy *policy);

bool policy_hides(const struct global_policy *policy, const char *interface);

/* Warns about --allow-global for an interface the relay cannot carry: it
 * stays hidden whatever the policy says. */
void policy_warn_unrelayable(const struct global_policy *policy,
			     const struct wlgp_server *server);

#endif
