/*
 * h_web.c: the dashboard: the page at / (never cached: it names the
 * current version) and its files under /static/<version>/ (immutable).
 */
#include <string.h>

#include "api/app.h"
#include "web/web.h"

static int serve(struct http_req *r, const char *path, const char *cache)
{
	size_t size;
	const char *type;
	const char *data = web_file(path, &size, &type);
	if (!data)
		return err_set(&r->err, ERR_NOT_FOUND, "not_found", "no file '%.200s'", path);
	char *copy = xmalloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	http_add_header(r, "Cache-Control", cache);
	http_add_header(r, "Content-Security-Policy", WEB_CSP);
	http_add_header(r, "Referrer-Policy", "no-referrer");
	http_add_header(r, "X-Frame-Options", "DENY");
	return http_reply_raw(r, 200, type, copy, size);
}

int h_web_index(struct http_req *r)
{
	return serve(r, "index.html", "no-cache");
}

int h_web_static(struct http_req *r)
{
	char path[512];
	if (strstr(r->route->pattern, "{dir}"))
		snprintf(path, sizeof(path), "%s/%s", r->params[1], r->params[2]);
	else
		snprintf(path, sizeof(path), "%s", r->params[1]);
	/* A page of an older version still gets today's files, just not for keeps. */
	int current = !strcmp(r->params[0], web_version()) && !web_is_dev();
	return serve(r, path, current ? "public, max-age=31536000, immutable" : "no-cache");
}
