/*
 * The --stats file both device models keep: a JSON object that tests poll
 * while the emulator runs.  What is common to them is here: JSON strings
 * and count tables, and replacing the file in one step so a reader never
 * sees half of it.  Each model writes its own fields.
 */
#ifndef EMU_STATSFILE_H
#define EMU_STATSFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A JSON string literal of str (quotes, backslashes, controls escaped). */
void statsfile_json_string(FILE *f, const char *str);

/* "  \"key\": {\"name\": v, ..., \"total\": sum},\n" */
void statsfile_json_counts(FILE *f, const char *key, const char *const *names,
			   const uint64_t *v, size_t n);

/* Writes path through path.tmp and a rename.  Errors are logged. */
void statsfile_replace(const char *path, void (*write)(const void *data, FILE *f),
		       const void *data);

#endif
