/*
 * call.c: REST routes called in process. MCP tools and resources are the
 * REST API seen through another protocol: each one names a route, and this
 * runs that route's handler on a request without a connection, so both
 * protocols share one implementation of every check, cache and event.
 */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

#include "api/app.h"

int api_call(struct app *a, struct db *db, const struct http_user *user, const char *request_id,
             const char *method, const char *path, json_t *query, json_t *body, int *status,
             json_t **out, struct err *e)
{
	struct http_req r;
	int mismatch, rc;
	memset(&r, 0, sizeof(r));
	r.app = a;
	str_copy(r.method, sizeof(r.method), method);
	r.path = xstrdup(path);
	str_copy(r.id, sizeof(r.id), request_id ? request_id : "-");
	str_copy(r.ip, sizeof(r.ip), "-");
	r.query = query ? json_incref(query) : json_object();
	r.user = *user;
	r.authed = 1;
	r.db = db;
	const struct http_route *rt = http_route_find(api_routes, api_nroutes, 0, &r, &mismatch);
	if (!rt) {
		rc = err_set(e, ERR_NOT_FOUND, "not_found", "no route for %s %.200s", method, path);
		goto out;
	}
	/* Streams and raw bodies have no in-process form. */
	if (rt->flags & (ROUTE_RAW | ROUTE_QUERY_TOKEN)) {
		rc = err_set(e, ERR_INTERNAL, "internal", "route %s %s cannot be called in process",
		             rt->method, rt->pattern);
		goto out;
	}
	if ((rt->flags & ROUTE_ADMIN) && strcmp(user->role, "admin") != 0) {
		rc = err_set(e, ERR_FORBIDDEN, "forbidden", "this route needs the admin role");
		goto out;
	}
	r.route = rt;
	if (rt->flags & ROUTE_JSON)
		r.json = body ? json_incref(body) : json_object();
	r.status = 200;
	rc = rt->handler(&r);
	if (rc && r.err.code == 0)
		err_set(&r.err, rc, "internal", "internal error");
	api_after_write(&r);
	if (r.err.code) {
		*e = r.err;
		rc = r.err.code;
		goto out;
	}
	json_t *answer = NULL;
	if (r.out) {
		answer = json_incref(r.out);
	} else if (r.raw && r.raw_len) {
		/* Cached answers come as JSON text. */
		if (json_parse_body(r.raw, r.raw_len, 0, &answer, e)) {
			rc = err_set(e, ERR_INTERNAL, "internal",
			             "route %s %s answered with no JSON", rt->method, rt->pattern);
			goto out;
		}
	}
	*status = r.status;
	*out = answer;
	rc = 0;
out:
	r.db = NULL;
	http_req_release(&r);
	return rc;
}
