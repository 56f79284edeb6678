/*
 * The protocol policy (policy.h): the default table and the user's
 * --allow-global / --hide-global rules.  Most of the table names wlroots
 * and ext protocols this build does not compile in; those are hidden by
 * the relay anyway, but listing them keeps the policy right when their
 * XMLs are added, and lets --allow-global say why it has no effect.
 */
#include <stdlib.h>
#include <string.h>

#include "interfaces.h"
#include "log.h"
#include "policy.h"
#include "relay.h"
#include "server.h"

const struct policy_default policy_hidden_by_default[] = {
	{ "zwlr_screencopy_manager_v1", "screen capture" },
	{ "zwlr_export_dmabuf_manager_v1", "screen capture" },
	{ "ext_image_copy_capture_manager_v1", "screen capture" },
	{ "ext_output_image_capture_source_manager_v1", "screen capture" },
	{ "ext_foreign_toplevel_image_capture_source_manager_v1", "window capture" },
	{ "zwp_virtual_keyboard_manager_v1", "synthetic input" },
	{ "zwlr_virtual_pointer_manager_v1", "synthetic input" },
	{ "zwp_input_method_v1", "input method: reads and types text" },
	{ "zwp_input_panel_v1", "input method panel above other windows" },
	{ "zwp_input_method_manager_v2", "input method: reads and types text" },
	{ "zwlr_input_inhibit_manager_v1", "takes all input from other clients" },
	{ "zwlr_layer_shell_v1", "panels and overlays above other windows" },
	{ "zwlr_foreign_toplevel_manager_v1", "lists and controls other windows" },
	{ "ext_foreign_toplevel_list_v1", "lists other windows" },
	{ "zwlr_data_control_manager_v1", "reads the clipboard without focus" },
	{ "ext_data_control_manager_v1", "reads the clipboard without focus" },
	{ "ext_session_lock_manager_v1", "locks the session" },
	{ "zwlr_output_manager_v1", "reconfigures outputs" },
	{ "zwlr_output_power_manager_v1", "turns outputs off" },
	{ "zwlr_gamma_control_manager_v1", "changes output colours" },
	{ "wp_security_context_manager_v1", "makes sandboxed connections" },
};
const size_t policy_hidden_by_default_count =
	sizeof(policy_hidden_by_default) / sizeof(policy_hidden_by_default[0]);

const char *
policy_check_name(const char *interface)
{
	if (!*interface)
		return "needs an interface name";
	for (const char *c = interface; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_'))
			return "an interface name has only letters, digits and _";
	}
	return NULL;
}

bool
policy_add_rule(struct global_policy *policy, const char *interface, bool allow)
{
	struct policy_rule *rules = realloc(policy->rules,
		(policy->count + 1) * sizeof(*rules));
	if (!rules)
		return false;
	rules[policy->count++] = (struct policy_rule){ interface, allow };
	policy->rules = rules;
	return true;
}

void
policy_fini(struct global_policy *policy)
{
	free(policy->rules);
	*policy = (struct global_policy){ 0 };
}

static bool
hidden_by_default(const char *interface)
{
	for (size_t i = 0; i < policy_hidden_by_default_count; i++) {
		if (strcmp(policy_hidden_by_default[i].interface, interface) == 0)
			return true;
	}
	return false;
}

bool
policy_hides(const struct global_policy *policy, const char *interface)
{
	for (size_t i = policy->count; i-- > 0;) {
		if (strcmp(policy->rules[i].interface, interface) == 0)
			return !policy->rules[i].allow;
	}
	return hidden_by_default(interface);
}

void
policy_warn_unrelayable(const struct global_policy *policy,
			const struct wlgp_server *server)
{
	for (size_t i = 0; i < policy->count; i++) {
		const struct policy_rule *r = &policy->rules[i];
		if (!r->allow || policy_hides(policy, r->interface))
			continue;
		const struct relay_meta *meta = relay_meta_by_name(r->interface);
		if (!meta)
			wlgp_warn("--allow-global %s: this build does not know "
				  "that protocol, so the global stays hidden",
				  r->interface);
		else if (!interfaces_relayable(server, meta))
			wlgp_warn("--allow-global %s: its fds cannot cross to "
				  "the host, so the global stays hidden",
				  r->interface);
	}
}
