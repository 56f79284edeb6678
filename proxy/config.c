/*
 * The config file (config.h): finding it, and splitting it into entries.
 * What a key means is options.c's business, so that a key and its long
 * option can never disagree.
 */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"

/* $XDG_CONFIG_HOME, or ~/.config; a relative XDG_CONFIG_HOME is ignored as
 * the XDG base directory specification says. */
static char *
user_config_path(void)
{
	const char *base = getenv("XDG_CONFIG_HOME");
	const char *sub = "";
	if (!base || base[0] != '/') {
		base = getenv("HOME");
		sub = "/.config";
		if (!base || base[0] != '/')
			return NULL;
	}
	char *path;
	if (asprintf(&path, "%s%s/wl-guest-proxy/config", base, sub) < 0)
		return NULL;
	return path;
}

static char *
trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* "VALUE" keeps the spaces at its ends (a --tag's separator). */
static char *
unquote(char *value)
{
	size_t n = strlen(value);
	if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
		value[n - 1] = '\0';
		return value + 1;
	}
	return value;
}

static int
parse_text(struct config_file *cf, config_entry_func fn, void *data,
	   char *err, size_t errlen)
{
	char *next = cf->text;
	for (unsigned lineno = 1; next; lineno++) {
		char *line = next;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		char *eq = strchr(line, '=');
		const char *why = NULL;
		if (!eq) {
			why = "expected KEY = VALUE";
		} else {
			*eq = '\0';
			char *key = trim(line);
			why = *key ? fn(data, key, unquote(trim(eq + 1))) :
				"expected KEY = VALUE";
		}
		if (why) {
			snprintf(err, errlen, "%s:%u: %s", cf->path, lineno, why);
			return -1;
		}
	}
	return 0;
}

static char *
read_all(FILE *f, size_t *len)
{
	char *text = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);
	if (!mem)
		return NULL;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	bool bad = ferror(f);
	if (fclose(mem) != 0 || bad) {
		free(text);
		return NULL;
	}
	*len = size;
	return text;
}

static int
load_path(struct config_file *cf, char *path, config_entry_func fn, void *data,
	  char *err, size_t errlen)
{
	/* A file this user cannot even see (no such file, or a directory
	 * on the way it may not search, e.g. another user's XDG_CONFIG_HOME)
	 * is not there for it; one it sees but cannot read is an error. */
	struct stat st;
	if (stat(path, &st) < 0 &&
	    (errno == ENOENT || errno == ENOTDIR || errno == EACCES)) {
		free(path);
		return 1; /* try the next one */
	}
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	cf->path = path;
	size_t len = 0;
	cf->text = read_all(f, &len);
	fclose(f);
	if (!cf->text) {
		snprintf(err, errlen, "%s: cannot read it", path);
		return -1;
	}
	if (memchr(cf->text, '\0', len)) {
		snprintf(err, errlen, "%s: not a text file", path);
		return -1;
	}
	return parse_text(cf, fn, data, err, errlen);
}

int
config_file_load(struct config_file *cf, config_entry_func fn, void *data,
		 char *err, size_t errlen)
{
	*cf = (struct config_file){ 0 };
	char *user = user_config_path();
	if (user) {
		int ret = load_path(cf, user, fn, data, err, errlen);
		if (ret <= 0)
			return ret;
	}
	char *sys = strdup(CONFIG_SYSTEM_PATH);
	if (!sys) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return load_path(cf, sys, fn, data, err, errlen) < 0 ? -1 : 0;
}

void
config_file_fini(struct config_file *cf)
{
	free(cf->path);
	free(cf->text);
	*cf = (struct config_file){ 0 };
}
