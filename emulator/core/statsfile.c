/* The --stats file's common parts (statsfile.h). */
#include <stdio.h>

#include "log.h"
#include "statsfile.h"

void statsfile_json_string(FILE *f, const char *str)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void statsfile_json_counts(FILE *f, const char *key, const char *const *names,
			   const uint64_t *v, size_t n)
{
	uint64_t total = 0;
	fprintf(f, "  \"%s\": {", key);
	for (size_t k = 0; k < n; k++) {
		fprintf(f, "\"%s\": %llu, ", names[k], (unsigned long long)v[k]);
		total += v[k];
	}
	fprintf(f, "\"total\": %llu},\n", (unsigned long long)total);
}

void statsfile_replace(const char *path, void (*write)(const void *data, FILE *f),
		       const void *data)
{
	/* Readers poll the file: they must never see a half-written one. */
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "we");
	if (!f) {
		log_msg("cannot write %s: %m", tmp);
		return;
	}
	write(data, f);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		log_msg("cannot write %s: %m", path);
		remove(tmp);
	}
}
