#include <string.h>
#include <stdio.h>

#include "channel.h"

bool
channel_parse_kind(const char *s, enum channel_kind *out)
{
	static const struct { const char *name; enum channel_kind kind; } kinds[] = {
		{ "auto", CHANNEL_AUTO },
		{ "direct", CHANNEL_DIRECT },
		{ "virtwl", CHANNEL_VIRTWL },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(s, kinds[i].name) == 0) {
			*out = kinds[i].kind;
			return true;
		}
	}
	return false;
}

struct channel *
channel_create(const struct channel_options *opts, char *err, size_t errlen)
{
	switch (opts->kind) {
	case CHANNEL_AUTO:
	case CHANNEL_DIRECT:
		/* auto picks direct until the virtio-wayland transport exists */
		return channel_direct_create(opts->host_display, err, errlen);
	case CHANNEL_VIRTWL:
		snprintf(err, errlen, "the virtwl transport is not available in "
			 "this build yet; use --transport direct");
		return NULL;
	}
	snprintf(err, errlen, "unknown transport");
	return NULL;
}

void
channel_destroy(struct channel *ch)
{
	if (ch)
		ch->impl->destroy(ch);
}
