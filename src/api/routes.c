/*
 * routes.c: the REST route table (BRIEF §4) and the server hooks. The
 * dispatcher in http/ applies each route's flags before its handler runs.
 */
#include <string.h>

#include "api/app.h"

#define AUTH  ROUTE_AUTH
#define ADMIN ROUTE_ADMIN
#define WRITE ROUTE_WRITE
#define JSON  ROUTE_JSON
#define RAW   ROUTE_RAW

const struct http_route api_routes[] = {
    {"GET", "/health", 0, h_health},
    {"GET", "/ready", 0, h_ready},
    {"GET", "/metrics", 0, h_metrics},
    {"POST", "/api/v1/auth/register", WRITE | JSON, h_register},
    {"POST", "/api/v1/auth/login", WRITE | JSON, h_login},
    {"GET", "/api/v1/auth/me", AUTH, h_me},
    {"POST", "/api/v1/auth/logout", AUTH | WRITE, h_logout},
    {"POST", "/api/v1/tokens", AUTH | WRITE | JSON, h_tokens_create},
    {"GET", "/api/v1/tokens", AUTH, h_tokens_list},
    {"DELETE", "/api/v1/tokens/{id}", AUTH | WRITE, h_tokens_delete},
    {"GET", "/api/v1/problems", AUTH, h_problems},
    {"GET", "/api/v1/problems/{slug}", AUTH, h_problem},
    {"GET", "/api/v1/topics", AUTH, h_topics},
    {"GET", "/api/v1/topics/{slug}", AUTH, h_topic},
    {"GET", "/api/v1/companies", AUTH, h_companies},
    {"GET", "/api/v1/lists", AUTH, h_lists},
    {"GET", "/api/v1/design-topics", AUTH, h_design_topics},
    {"GET", "/api/v1/behavioral-questions", AUTH, h_behavioral},
    {"POST", "/api/v1/attempts", AUTH | WRITE | JSON, h_attempt_create},
    {"GET", "/api/v1/attempts", AUTH, h_attempts},
    {"GET", "/api/v1/attempts/{id}", AUTH, h_attempt},
    {"DELETE", "/api/v1/attempts/{id}", AUTH | WRITE, h_attempt_delete},
    {"GET", "/api/v1/progress", AUTH, h_progress},
    {"GET", "/api/v1/profile", AUTH, h_profile_get},
    {"PUT", "/api/v1/profile", AUTH | WRITE | JSON, h_profile_put},
    {"GET", "/api/v1/export", AUTH, h_export},
    {"POST", "/api/v1/import", AUTH | WRITE | RAW, h_import},
    {"GET", "/api/v1/admin/users", ADMIN, h_admin_users},
};

const int api_nroutes = (int)ARRAY_LEN(api_routes);

int api_begin(struct http_req *r)
{
	if (db_acquire(APP(r)->pool, &r->db, &r->err)) {
		r->err.code = ERR_UNAVAILABLE;
		str_copy(r->err.id, sizeof(r->err.id), "database_unavailable");
		return -1;
	}
	return 0;
}

void api_end(struct http_req *r)
{
	/* A successful write invalidates everything cached for its user. */
	if (r->route && (r->route->flags & ROUTE_WRITE) && r->authed && !r->err.code &&
	    r->status < 400)
		cache_bump_user(APP(r)->cache, r->user.id);
	db_release(r->db);
	r->db = NULL;
}

int api_authenticate(void *app, struct http_req *r, const char *token, struct http_user *user,
                     struct err *e)
{
	struct app *a = app;
	struct identity id;
	int rc = tokens_authenticate(r->db, &a->keys, token, &id, e);
	if (rc)
		return rc;
	memset(user, 0, sizeof(*user));
	str_copy(user->id, sizeof(user->id), id.acct.id);
	str_copy(user->email, sizeof(user->email), id.acct.email);
	str_copy(user->name, sizeof(user->name), id.acct.name);
	str_copy(user->role, sizeof(user->role), id.acct.role);
	str_copy(user->jti, sizeof(user->jti), id.jti);
	str_copy(user->token_id, sizeof(user->token_id), id.token_id);
	user->token_exp = id.exp;
	return 0;
}

struct audit_ctx api_audit_ctx(struct http_req *r)
{
	struct audit_ctx c = {r->authed ? r->user.id : NULL, r->ip, r->id};
	return c;
}
