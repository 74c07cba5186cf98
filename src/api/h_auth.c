/*
 * h_auth.c: health, readiness, accounts and API tokens.
 */
#include <string.h>

#include "api/app.h"
#include "jobs/runner.h"
#include "mcp/mcp.h"
#include "auth/jwt.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "http/metrics.h"

int h_health(struct http_req *r)
{
	return http_reply(r, 200,
	                  json_pack("{s:s, s:s}", "status", "ok", "version", MAANG_VERSION));
}

/*
 * Ready when the database answers. The cache is reported but does not
 * decide: without it requests are slower, never failed.
 */
int h_ready(struct http_req *r)
{
	int64_t one;
	struct err e;
	if (db_scalar(r->db, &e, &one, "SELECT 1", "") || one != 1)
		return err_set(&r->err, ERR_UNAVAILABLE, "database_unavailable",
		               "database is not answering: %s", e.msg);
	struct cache *c = APP(r)->cache;
	int cache_ok = cache_ping(c);
	return http_reply(r, 200,
	                  json_pack("{s:s, s:{s:s, s:s}, s:s, s:i}", "status",
	                            cache_ok ? "ready" : "degraded", "checks", "database", "ok",
	                            "cache", cache_ok ? "ok" : "unavailable", "cache_backend",
	                            cache_backend(c), "problems", APP(r)->catalog->nproblems));
}

/* Prometheus text format: requests, latency, database pool, cache, process. */
int h_metrics(struct http_req *r)
{
	struct app *app = APP(r);
	struct buf b;
	struct db_pool_stats ps;
	struct cache_stats cs;
	buf_init(&b, 1u << 22);
	metrics_write_http(&b);
	db_pool_stats(app->pool, &ps);
	buf_printf(
	    &b,
	    "# HELP maang_db_pool_connections Database connections by state.\n"
	    "# TYPE maang_db_pool_connections gauge\n"
	    "maang_db_pool_connections{backend=\"%s\",state=\"in_use\"} %d\n"
	    "maang_db_pool_connections{backend=\"%s\",state=\"idle\"} %d\n"
	    "# HELP maang_db_pool_size Most connections the pool may open.\n"
	    "# TYPE maang_db_pool_size gauge\n"
	    "maang_db_pool_size{backend=\"%s\"} %d\n"
	    "# HELP maang_db_pool_waits_total Requests that waited for a free connection.\n"
	    "# TYPE maang_db_pool_waits_total counter\n"
	    "maang_db_pool_waits_total{backend=\"%s\"} %llu\n"
	    "# HELP maang_db_pool_timeouts_total Requests that found no free connection in time.\n"
	    "# TYPE maang_db_pool_timeouts_total counter\n"
	    "maang_db_pool_timeouts_total{backend=\"%s\"} %llu\n",
	    db_pool_dialect(app->pool), ps.in_use, db_pool_dialect(app->pool), ps.open - ps.in_use,
	    db_pool_dialect(app->pool), ps.size, db_pool_dialect(app->pool),
	    (unsigned long long)ps.waits, db_pool_dialect(app->pool),
	    (unsigned long long)ps.timeouts);
	struct vindex_stats vs;
	vindex_stats(app->mem.index, &vs);
	buf_printf(
	    &b,
	    "# HELP maang_memory_index_partitions Users whose memories are in the index.\n"
	    "# TYPE maang_memory_index_partitions gauge\n"
	    "maang_memory_index_partitions %zu\n"
	    "# HELP maang_memory_index_vectors Vectors held by the index.\n"
	    "# TYPE maang_memory_index_vectors gauge\n"
	    "maang_memory_index_vectors %zu\n"
	    "# HELP maang_memory_index_bytes Memory used by the index (MEMORY_INDEX_MB bounds "
	    "it).\n"
	    "# TYPE maang_memory_index_bytes gauge\n"
	    "maang_memory_index_bytes %zu\n"
	    "# HELP maang_memory_index_loads_total Partitions loaded from the database.\n"
	    "# TYPE maang_memory_index_loads_total counter\n"
	    "maang_memory_index_loads_total %llu\n"
	    "# HELP maang_memory_index_evictions_total Partitions evicted by the budget.\n"
	    "# TYPE maang_memory_index_evictions_total counter\n"
	    "maang_memory_index_evictions_total %llu\n"
	    "# HELP maang_memory_searches_total Vector and lexical index searches.\n"
	    "# TYPE maang_memory_searches_total counter\n"
	    "maang_memory_searches_total %llu\n"
	    "# HELP maang_memory_embed_failures_total Memories stored without a vector because "
	    "the provider failed.\n"
	    "# TYPE maang_memory_embed_failures_total counter\n"
	    "maang_memory_embed_failures_total %llu\n",
	    vs.partitions, vs.vectors, vs.bytes, (unsigned long long)vs.loads,
	    (unsigned long long)vs.evictions, (unsigned long long)vs.searches,
	    (unsigned long long)app->mem.embed_failures);
	cache_stats(app->cache, &cs);
	const char *cb = cache_backend(app->cache);
	buf_printf(&b,
	           "# HELP maang_cache_requests_total Cache lookups by result.\n"
	           "# TYPE maang_cache_requests_total counter\n"
	           "maang_cache_requests_total{backend=\"%s\",result=\"hit\"} %llu\n"
	           "maang_cache_requests_total{backend=\"%s\",result=\"miss\"} %llu\n"
	           "# HELP maang_cache_errors_total Cache backend errors (each one a miss).\n"
	           "# TYPE maang_cache_errors_total counter\n"
	           "maang_cache_errors_total{backend=\"%s\"} %llu\n"
	           "# HELP maang_cache_up Whether the cache backend answers.\n"
	           "# TYPE maang_cache_up gauge\n"
	           "maang_cache_up{backend=\"%s\"} %d\n",
	           cb, (unsigned long long)cs.hits, cb, (unsigned long long)cs.misses, cb,
	           (unsigned long long)cs.errors, cb, cache_ping(app->cache));
	buf_printf(&b,
	           "# HELP maang_http_server_errors_total Requests answered with a 5xx status.\n"
	           "# TYPE maang_http_server_errors_total counter\n"
	           "maang_http_server_errors_total %llu\n"
	           "# HELP maang_start_time_seconds Unix time the process started serving.\n"
	           "# TYPE maang_start_time_seconds gauge\n"
	           "maang_start_time_seconds %lld\n"
	           "# HELP maang_build_info The running version.\n"
	           "# TYPE maang_build_info gauge\n"
	           "maang_build_info{version=\"%s\"} 1\n",
	           metrics_server_errors(), (long long)app->started_at, MAANG_VERSION);
	mcp_metrics_write(&b);
	jobs_metrics_write(&b);
	json_t *js;
	struct err je = {0};
	if (job_stats(r->db, &js, &je) == 0) {
		json_t *st = json_object_get(js, "states");
		buf_puts(&b, "# HELP maang_jobs Jobs in the queue by state (all processes).\n"
		             "# TYPE maang_jobs gauge\n");
		const char *k;
		json_t *v;
		json_object_foreach(st, k, v) buf_printf(&b, "maang_jobs{state=\"%s\"} %lld\n", k,
		                                         (long long)json_integer_value(v));
		buf_printf(
		    &b,
		    "# HELP maang_jobs_oldest_ready_seconds Age of the oldest job waiting to run.\n"
		    "# TYPE maang_jobs_oldest_ready_seconds gauge\n"
		    "maang_jobs_oldest_ready_seconds %lld\n",
		    (long long)json_integer_value(json_object_get(js, "oldest_ready_seconds")));
		json_decref(js);
	}
	struct events_stats es;
	events_stats(app->events, &es);
	buf_printf(
	    &b,
	    "# HELP maang_sse_clients Open event streams.\n"
	    "# TYPE maang_sse_clients gauge\n"
	    "maang_sse_clients %d\n"
	    "# HELP maang_events_total Live events by fate.\n"
	    "# TYPE maang_events_total counter\n"
	    "maang_events_total{fate=\"published\"} %llu\n"
	    "maang_events_total{fate=\"delivered\"} %llu\n"
	    "maang_events_total{fate=\"from_other_instances\"} %llu\n"
	    "# HELP maang_sse_dropped_total Streams ended because the client fell too far behind.\n"
	    "# TYPE maang_sse_dropped_total counter\n"
	    "maang_sse_dropped_total %llu\n",
	    es.clients, (unsigned long long)es.published, (unsigned long long)es.delivered,
	    (unsigned long long)es.remote_received, (unsigned long long)es.dropped_clients);
	size_t len = b.len;
	return http_reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", buf_detach(&b),
	                      len);
}

/* The live events of the caller as server-sent events. */
int h_events(struct http_req *r)
{
	const char *last = http_header(r, "Last-Event-ID");
	if (!last)
		last = http_query(r, "last_event_id");
	if (last && (strlen(last) >= EVENTS_ID_MAX || !utf8_valid(last, strlen(last))))
		last = NULL;
	return http_reply_events(r, APP(r)->events, r->user.id, last, NULL, NULL);
}

/* A one-minute token for EventSource, which cannot send an Authorization header. */
int h_events_token(struct http_req *r)
{
	char token[JWT_MAX_LEN + 1], exp[21];
	int rc =
	    tokens_issue_access(&APP(r)->events_keys, r->user.id, token, sizeof(token), &r->err);
	if (rc)
		return rc;
	time_format_iso8601(time_now() + APP(r)->events_keys.ttl_seconds, exp);
	return http_reply(r, 201,
	                  json_pack("{s:s, s:s, s:s}", "token", token, "expires_at", exp, "url",
	                            "/api/v1/events?token="));
}

static json_t *user_json(const struct http_user *u)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "id", u->id, "email", u->email, "name", u->name,
	                 "role", u->role);
}

static json_t *account_brief(const struct account *a)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "id", a->id, "email", a->email, "name", a->name,
	                 "role", a->role);
}

static int token_answer(struct http_req *r, int status, const struct account *a)
{
	char token[JWT_MAX_LEN + 1];
	int rc = tokens_issue_access(&APP(r)->keys, a->id, token, sizeof(token), &r->err);
	if (rc)
		return rc;
	char exp[21];
	time_format_iso8601(time_now() + APP(r)->keys.ttl_seconds, exp);
	return http_reply(r, status,
	                  json_pack("{s:s, s:s, s:s, s:o}", "token", token, "token_type", "Bearer",
	                            "expires_at", exp, "user", account_brief(a)));
}

int h_register(struct http_req *r)
{
	static const struct json_field fields[] = {
	    {"email", JF_STRING, 1, 1024},
	    {"password", JF_STRING, 1, 1024},
	    {"name", JF_STRING, 0, 1024},
	};
	struct account a;
	int rc = json_check_fields(r->json, fields, ARRAY_LEN(fields), &r->err);
	if (rc)
		return rc;
	struct audit_ctx ctx = api_audit_ctx(r);
	if ((rc = accounts_register(r->db, &ctx, json_str(r->json, "email"),
	                            json_str(r->json, "password"), json_str(r->json, "name"),
	                            "user", &a, &r->err)))
		return rc;
	return token_answer(r, 201, &a);
}

int h_login(struct http_req *r)
{
	static const struct json_field fields[] = {
	    {"email", JF_STRING, 1, 1024},
	    {"password", JF_STRING, 1, 1024},
	};
	struct account a;
	char email_key[300], ip_key[80];
	int rc = json_check_fields(r->json, fields, ARRAY_LEN(fields), &r->err);
	if (rc)
		return rc;
	struct app *app = APP(r);
	/* Throttle the normalised email: spaces or case must not make a new key. */
	char norm[ACCOUNT_EMAIL_MAX + 1];
	struct err ignore;
	if (accounts_normalize_email(json_str(r->json, "email"), norm, &ignore))
		str_copy(norm, sizeof(norm), "(invalid)");
	snprintf(email_key, sizeof(email_key), "e:%s", norm);
	snprintf(ip_key, sizeof(ip_key), "i:%s", r->ip);
	int64_t now = time_now();
	int wait = throttle_check(app->throttle, email_key, 0, now);
	int wait_ip = throttle_check(app->throttle, ip_key, app->cfg->login_max_failures * 10, now);
	if (wait_ip > wait)
		wait = wait_ip;
	if (wait > 0) {
		r->retry_after = wait;
		return err_set(&r->err, ERR_THROTTLED, "too_many_attempts",
		               "too many failed logins; try again in %d seconds", wait);
	}
	struct audit_ctx ctx = api_audit_ctx(r);
	rc = accounts_login(r->db, &ctx, json_str(r->json, "email"), json_str(r->json, "password"),
	                    &a, &r->err);
	if (rc == ERR_UNAUTH) {
		throttle_fail(app->throttle, email_key, now);
		throttle_fail(app->throttle, ip_key, now);
	}
	if (rc)
		return rc;
	throttle_reset(app->throttle, email_key);
	return token_answer(r, 200, &a);
}

int h_me(struct http_req *r)
{
	return http_reply(r, 200, json_pack("{s:o}", "user", user_json(&r->user)));
}

int h_logout(struct http_req *r)
{
	struct identity id;
	memset(&id, 0, sizeof(id));
	str_copy(id.acct.id, sizeof(id.acct.id), r->user.id);
	str_copy(id.jti, sizeof(id.jti), r->user.jti);
	str_copy(id.token_id, sizeof(id.token_id), r->user.token_id);
	id.exp = r->user.token_exp;
	struct audit_ctx ctx = api_audit_ctx(r);
	int rc = tokens_revoke(r->db, &ctx, &id, &r->err);
	if (rc)
		return rc;
	return http_reply(r, 204, NULL);
}

int h_tokens_create(struct http_req *r)
{
	static const struct json_field fields[] = {{"name", JF_STRING, 1, 1024}};
	json_t *out;
	int rc = json_check_fields(r->json, fields, ARRAY_LEN(fields), &r->err);
	if (rc)
		return rc;
	struct audit_ctx ctx = api_audit_ctx(r);
	if ((rc = api_tokens_create(r->db, &ctx, r->user.id, json_str(r->json, "name"), &out,
	                            &r->err)))
		return rc;
	return http_reply(r, 201, out);
}

int h_tokens_list(struct http_req *r)
{
	json_t *out;
	int rc = api_tokens_list(r->db, r->user.id, &out, &r->err);
	if (rc)
		return rc;
	return http_reply(r, 200, out);
}

int h_tokens_delete(struct http_req *r)
{
	struct audit_ctx ctx = api_audit_ctx(r);
	int rc = api_tokens_delete(r->db, &ctx, r->user.id, r->params[0], &r->err);
	if (rc)
		return rc;
	return http_reply(r, 204, NULL);
}

int h_admin_users(struct http_req *r)
{
	int64_t limit, offset;
	json_t *out;
	int rc;
	if ((rc = http_query_int(r, "limit", 50, 1, 500, &limit)) ||
	    (rc = http_query_int(r, "offset", 0, 0, INT32_MAX, &offset)) ||
	    (rc = accounts_list(r->db, limit, offset, &out, &r->err)))
		return rc;
	return http_reply(r, 200, out);
}
