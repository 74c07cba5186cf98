/*
 * app.h: the state shared by request handlers (configuration, database
 * pool, catalog snapshot, login throttle) and the REST route table.
 */
#ifndef MAANG_APP_H
#define MAANG_APP_H

#include "audit/audit.h"
#include "auth/accounts.h"
#include "auth/throttle.h"
#include "cache/cache.h"
#include "events/events.h"
#include "events/outbox.h"
#include "catalog/catalog.h"
#include "core/config.h"
#include "db/db.h"
#include "http/http.h"
#include "memory/coach.h"
#include "memory/memory.h"

struct app {
	struct config *cfg;
	struct db_pool *pool;
	struct catalog *catalog;
	struct throttle *throttle;
	struct cache *cache;
	struct token_keys keys;
	struct token_keys events_keys; /* short-lived ?token= for EventSource */
	unsigned char events_key[32];
	struct events *events;
	struct outbox *outbox;  /* reads other processes' events (no Redis), or NULL */
	char outbox_origin[40]; /* set: this process writes its events to the outbox */
	struct mem mem;         /* long-term memory: embeddings, index, search */
	struct llm *llm;        /* the coach's LLM provider, or NULL */
	struct coach coach;
	int64_t started_at;
};

/* The REST routes (api/routes.c). */
extern const struct http_route api_routes[];
extern const int api_nroutes;

/* Server hooks: a database connection per request, token authentication. */
int api_begin(struct http_req *r);
void api_end(struct http_req *r);
/* After a successful write: the user's cache version moves, the route's event goes out. */
void api_after_write(struct http_req *r);
int api_authenticate(void *app, struct http_req *r, const char *token, int from_query,
                     struct http_user *user, struct err *e);

/*
 * Waits up to MAX_MS for streamed coach answers to finish (at shutdown,
 * before the server and the pool close); returns how many are still running.
 */
int api_wait_streams(int max_ms);

/*
 * Calls a REST route in process, as USER, on DB (borrowed; a transaction
 * of the caller's must not be open): the same handler, checks and effects
 * (cache invalidation, live events) as over HTTP. QUERY (an object of
 * strings, may be NULL) stands for the query string, BODY (may be NULL) for
 * a JSON body; both stay the caller's. On success *STATUS is the HTTP
 * status and *OUT the answer (a JSON value, or NULL for an empty one; the
 * caller owns it). A failure of the route fills E with its error and
 * returns its code. REQUEST_ID names the call in logs and audit entries.
 */
int api_call(struct app *a, struct db *db, const struct http_user *user, const char *request_id,
             const char *method, const char *path, json_t *query, json_t *body, int *status,
             json_t **out, struct err *e);

/* The audit context of a request. */
struct audit_ctx api_audit_ctx(struct http_req *r);
/* The app of a request. */
#define APP(r) ((struct app *)(r)->app)

/* Handlers, by area. */
int h_health(struct http_req *r);
int h_ready(struct http_req *r);
int h_metrics(struct http_req *r);
int h_events(struct http_req *r);
int h_events_token(struct http_req *r);
int h_register(struct http_req *r);
int h_login(struct http_req *r);
int h_me(struct http_req *r);
int h_logout(struct http_req *r);
int h_tokens_create(struct http_req *r);
int h_tokens_list(struct http_req *r);
int h_tokens_delete(struct http_req *r);
int h_admin_users(struct http_req *r);
int h_problems(struct http_req *r);
int h_problem(struct http_req *r);
int h_topics(struct http_req *r);
int h_topic(struct http_req *r);
int h_companies(struct http_req *r);
int h_lists(struct http_req *r);
int h_design_topics(struct http_req *r);
int h_behavioral(struct http_req *r);
int h_attempt_create(struct http_req *r);
int h_attempts(struct http_req *r);
int h_attempt(struct http_req *r);
int h_attempt_delete(struct http_req *r);
int h_progress(struct http_req *r);
int h_profile_get(struct http_req *r);
int h_profile_put(struct http_req *r);
int h_export(struct http_req *r);
int h_import(struct http_req *r);
int h_memory_create(struct http_req *r);
int h_memories(struct http_req *r);
int h_memory_search(struct http_req *r);
int h_memory_export(struct http_req *r);
int h_memory(struct http_req *r);
int h_memory_patch(struct http_req *r);
int h_memory_delete(struct http_req *r);
int h_memory_history(struct http_req *r);
int h_problem_similar(struct http_req *r);
int h_coach_chat(struct http_req *r);
int h_coach_session(struct http_req *r);
int h_providers(struct http_req *r);
int h_interview_create(struct http_req *r);
int h_interviews(struct http_req *r);
int h_interview(struct http_req *r);
int h_interview_start(struct http_req *r);
int h_interview_message(struct http_req *r);
int h_interview_hint(struct http_req *r);
int h_interview_submit(struct http_req *r);
int h_interview_abandon(struct http_req *r);
int h_admin_jobs(struct http_req *r);
int h_admin_job_enqueue(struct http_req *r);
int h_admin_job(struct http_req *r);
int h_admin_job_retry(struct http_req *r);
int h_admin_job_cancel(struct http_req *r);
int h_notifications(struct http_req *r);
int h_notification_read(struct http_req *r);
int h_web_index(struct http_req *r);
int h_web_static(struct http_req *r);
int h_mcp_post(struct http_req *r);
int h_mcp_get(struct http_req *r);
int h_mcp_delete(struct http_req *r);
int h_reviews_due(struct http_req *r);
int h_weaknesses(struct http_req *r);
int h_recommendations(struct http_req *r);
int h_plan(struct http_req *r);
int h_stats(struct http_req *r);
/* Topic mastery into a progress summary / a topic detail (api/h_learning.c). */
int learn_fill_mastery(struct http_req *r, json_t *progress);
int learn_topic_mastery(struct http_req *r, const char *slug, json_t *topic);

#endif
