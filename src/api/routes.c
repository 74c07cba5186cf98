/*
 * routes.c: the REST route table (BRIEF §4) and the server hooks. The
 * dispatcher in http/ applies each route's flags before its handler runs.
 */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"

#include "api/app.h"

#define AUTH  ROUTE_AUTH
#define ADMIN ROUTE_ADMIN
#define WRITE ROUTE_WRITE
#define JSON  ROUTE_JSON
#define RAW   ROUTE_RAW
#define MCP   ROUTE_MCP
#define RPC   ROUTE_RPC

const struct http_route api_routes[] = {
    {"GET", "/health", ROUTE_MCP, h_health, NULL},
    {"GET", "/ready", 0, h_ready, NULL},
    {"GET", "/metrics", 0, h_metrics, NULL},
    {"POST", "/api/v1/auth/register", WRITE | JSON, h_register, NULL},
    {"POST", "/api/v1/auth/login", WRITE | JSON, h_login, NULL},
    {"GET", "/api/v1/auth/me", AUTH, h_me, NULL},
    {"POST", "/api/v1/auth/logout", AUTH | WRITE, h_logout, NULL},
    {"POST", "/api/v1/tokens", AUTH | WRITE | JSON, h_tokens_create, NULL},
    {"GET", "/api/v1/tokens", AUTH, h_tokens_list, NULL},
    {"DELETE", "/api/v1/tokens/{id}", AUTH | WRITE, h_tokens_delete, NULL},
    {"GET", "/api/v1/problems", AUTH, h_problems, NULL},
    {"GET", "/api/v1/problems/{slug}", AUTH, h_problem, NULL},
    {"GET", "/api/v1/problems/{slug}/similar", AUTH, h_problem_similar, NULL},
    {"GET", "/api/v1/topics", AUTH, h_topics, NULL},
    {"GET", "/api/v1/topics/{slug}", AUTH, h_topic, NULL},
    {"GET", "/api/v1/companies", AUTH, h_companies, NULL},
    {"GET", "/api/v1/lists", AUTH, h_lists, NULL},
    {"GET", "/api/v1/design-topics", AUTH, h_design_topics, NULL},
    {"GET", "/api/v1/behavioral-questions", AUTH, h_behavioral, NULL},
    {"POST", "/api/v1/attempts", AUTH | WRITE | JSON, h_attempt_create, "attempt.created"},
    {"GET", "/api/v1/attempts", AUTH, h_attempts, NULL},
    {"GET", "/api/v1/attempts/{id}", AUTH, h_attempt, NULL},
    {"DELETE", "/api/v1/attempts/{id}", AUTH | WRITE, h_attempt_delete, "attempt.deleted"},
    {"GET", "/api/v1/progress", AUTH, h_progress, NULL},
    {"GET", "/api/v1/reviews/due", AUTH, h_reviews_due, NULL},
    {"GET", "/api/v1/weaknesses", AUTH, h_weaknesses, NULL},
    {"GET", "/api/v1/recommendations", AUTH, h_recommendations, NULL},
    {"GET", "/api/v1/plan", AUTH, h_plan, NULL},
    {"GET", "/api/v1/stats", AUTH, h_stats, NULL},
    {"GET", "/api/v1/profile", AUTH, h_profile_get, NULL},
    {"PUT", "/api/v1/profile", AUTH | WRITE | JSON, h_profile_put, "profile.updated"},
    {"GET", "/api/v1/events", AUTH | ROUTE_QUERY_TOKEN, h_events, NULL},
    {"POST", "/api/v1/events/token", AUTH, h_events_token, NULL},
    {"GET", "/api/v1/export", AUTH, h_export, NULL},
    {"POST", "/api/v1/import", AUTH | WRITE | RAW, h_import, "attempts.imported"},
    {"POST", "/api/v1/interviews", AUTH | WRITE | JSON, h_interview_create, "interview.created"},
    {"GET", "/api/v1/interviews", AUTH, h_interviews, NULL},
    {"GET", "/api/v1/interviews/{id}", AUTH, h_interview, NULL},
    {"POST", "/api/v1/interviews/{id}/start", AUTH | WRITE, h_interview_start, "interview.started"},
    {"POST", "/api/v1/interviews/{id}/messages", AUTH | WRITE | JSON, h_interview_message,
     "interview.message"},
    {"POST", "/api/v1/interviews/{id}/hint", AUTH | WRITE, h_interview_hint, "interview.hint"},
    {"POST", "/api/v1/interviews/{id}/submit", AUTH | WRITE | JSON, h_interview_submit,
     "interview.completed"},
    {"POST", "/api/v1/interviews/{id}/abandon", AUTH | WRITE, h_interview_abandon,
     "interview.abandoned"},
    {"GET", "/api/v1/admin/users", ADMIN, h_admin_users, NULL},
    {"GET", "/api/v1/admin/jobs", ADMIN, h_admin_jobs, NULL},
    {"POST", "/api/v1/admin/jobs", ADMIN | WRITE | JSON, h_admin_job_enqueue, NULL},
    {"GET", "/api/v1/admin/jobs/{id}", ADMIN, h_admin_job, NULL},
    {"POST", "/api/v1/admin/jobs/{id}/retry", ADMIN | WRITE, h_admin_job_retry, NULL},
    {"POST", "/api/v1/admin/jobs/{id}/cancel", ADMIN | WRITE, h_admin_job_cancel, NULL},
    {"GET", "/api/v1/notifications", AUTH, h_notifications, NULL},
    {"POST", "/api/v1/notifications/{id}/read", AUTH | WRITE, h_notification_read,
     "notification.read"},
    {"POST", "/api/v1/memories", AUTH | WRITE | JSON, h_memory_create, "memory.created"},
    {"GET", "/api/v1/memories", AUTH, h_memories, NULL},
    {"GET", "/api/v1/memories/search", AUTH, h_memory_search, NULL},
    {"GET", "/api/v1/memories/export", AUTH, h_memory_export, NULL},
    {"GET", "/api/v1/memories/{id}", AUTH, h_memory, NULL},
    {"PATCH", "/api/v1/memories/{id}", AUTH | WRITE | JSON, h_memory_patch, "memory.updated"},
    {"DELETE", "/api/v1/memories/{id}", AUTH | WRITE, h_memory_delete, "memory.deleted"},
    {"GET", "/api/v1/memories/{id}/history", AUTH, h_memory_history, NULL},
    {"POST", "/api/v1/coach/chat", AUTH | WRITE | JSON, h_coach_chat, "coach.replied"},
    {"GET", "/api/v1/coach/sessions/{id}", AUTH, h_coach_session, NULL},
    {"GET", "/api/v1/providers", AUTH, h_providers, NULL},
    {"GET", "/", 0, h_web_index, NULL},
    {"GET", "/static/{version}/{file}", 0, h_web_static, NULL},
    {"GET", "/static/{version}/{dir}/{file}", 0, h_web_static, NULL},
    {"POST", "/mcp", AUTH | RAW | MCP | RPC, h_mcp_post, NULL},
    {"GET", "/mcp", AUTH | MCP | RPC, h_mcp_get, NULL},
    {"DELETE", "/mcp", AUTH | MCP | RPC, h_mcp_delete, NULL},
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
	api_after_write(r);
	db_release(r->db);
	r->db = NULL;
}

void api_after_write(struct http_req *r)
{
	/* A successful write invalidates everything cached for its user. */
	if (r->route && (r->route->flags & ROUTE_WRITE) && r->authed && !r->err.code &&
	    r->status < 400) {
		cache_bump_user(APP(r)->cache, r->user.id);
		if (r->route->event) {
			/* The answer is the event (never a secret: token routes publish none). */
			json_t *data =
			    r->out ? json_incref(r->out)
			           : json_pack("{s:s}", "id", r->params[0] ? r->params[0] : "");
			char *text = json_dump_compact(data);
			events_publish(APP(r)->events, r->user.id, r->route->event, text);
			/* Without Redis, serving processes learn of it through the database. */
			struct err oe = {0};
			if (APP(r)->outbox_origin[0] && r->db &&
			    outbox_write(r->db, APP(r)->outbox_origin, r->user.id, r->route->event,
			                 text, &oe))
				log_msg(LOG_WARN,
				        "api_after_write: event not written to the outbox: %s",
				        oe.msg);
			free(text);
			json_decref(data);
		}
	}
}

int api_authenticate(void *app, struct http_req *r, const char *token, int from_query,
                     struct http_user *user, struct err *e)
{
	struct app *a = app;
	struct identity id;
	/* A token in the query string can only be a short-lived events token. */
	int rc = from_query ? tokens_authenticate_scoped(r->db, &a->events_keys, token, &id, e)
	                    : tokens_authenticate(r->db, &a->keys, token, &id, e);
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
