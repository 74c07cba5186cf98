/*
 * web.h: the dashboard's files (web/, embedded at build time) served by the
 * binary. Every file is served under /static/<version>/, where the version
 * is a digest of all of them: a file's URL changes whenever any file does,
 * so everything under /static/ is cached for a year as immutable, module
 * imports between files need no rewriting, and the page itself (/, never
 * cached) names the current version. A strict Content-Security-Policy goes
 * with every file: scripts, styles and connections from this origin only.
 *
 * Development: with MAANG_WEB_DIR=path/to/web the files are read from disk
 * on every request (version "dev", never cached): edit, reload, no rebuild.
 */
#ifndef MAANG_WEB_H
#define MAANG_WEB_H

#include <stddef.h>

#include "core/util.h"

#define WEB_VERSION_LEN 12 /* hex digits of the digest in URLs */
#define WEB_CSP                                                                                    \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "          \
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "              \
	"form-action 'self'; frame-ancestors 'none'"

/* Indexes the embedded web/ files and computes the version. Once, at start. */
int web_init(struct err *e);
void web_release(void);

/* The version in URLs ("dev" with MAANG_WEB_DIR). */
const char *web_version(void);
/* Whether files come from MAANG_WEB_DIR (development: nothing is cached). */
int web_is_dev(void);

/*
 * The file at PATH (relative to web/, e.g. "lib/api.js"): its bytes, size
 * and content type; NULL when there is none. The page (index.html) comes
 * with its version placeholders filled in.
 */
const char *web_file(const char *path, size_t *size, const char **type);

#endif
