/*
 * embedded.h: files compiled into the binary by tools/embed.c (migrations
 * and catalog data). The table ends with a {NULL, NULL, 0} entry.
 */
#ifndef MAANG_EMBEDDED_H
#define MAANG_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *path; /* relative to the source root, e.g. "data/topics.json" */
	const char *data; /* NUL-terminated contents */
	size_t size;      /* bytes, without the terminating NUL */
};

extern const struct embedded_file embedded_files[];

/* Returns the embedded file at PATH, or NULL. */
const struct embedded_file *embedded_find(const char *path);

#endif
