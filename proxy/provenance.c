/*
 * Window provenance (provenance.h): the host's titles and app_ids for
 * guest windows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provenance.h"

const char *
provenance_check_prefix(const char *prefix)
{
	if (!*prefix)
		return "--app-id-prefix needs a prefix";
	for (const char *c = prefix; *c; c++) {
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return "--app-id-prefix takes no spaces or control characters";
	}
	return NULL;
}

static char *
joined(const char *a, const char *sep, const char *b, bool *oom)
{
	char *s;
	if (asprintf(&s, "%s%s%s", a, sep, b) < 0) {
		*oom = true;
		return NULL;
	}
	return s;
}

char *
provenance_title(const struct provenance *p, const char *title, bool *oom)
{
	*oom = false;
	if (!p->tag)
		return NULL;
	return joined(p->tag, "", title ? title : "", oom);
}

/* The client's executable name (comm), as an app_id component: what is not
 * a letter, digit, '-' or '_' becomes '_'.  "unknown" when unreadable. */
static void
process_name(pid_t pid, char *out, size_t len)
{
	snprintf(out, len, "unknown");
	if (pid <= 0)
		return;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	char name[64] = "";
	if (fgets(name, sizeof(name), f))
		name[strcspn(name, "\n")] = '\0';
	fclose(f);
	if (!*name)
		return;
	for (char *c = name; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			*c = '_';
	}
	snprintf(out, len, "%s", name);
}

char *
provenance_app_id(const struct provenance *p, const char *app_id, pid_t pid,
		  bool *oom)
{
	*oom = false;
	if (!p->app_id_prefix)
		return NULL;
	char name[64];
	if (!app_id) {
		process_name(pid, name, sizeof(name));
		app_id = name;
	}
	return joined(p->app_id_prefix, ".", app_id, oom);
}
