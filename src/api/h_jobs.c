/*
 * h_jobs.c: the job queue for administrators (state, schedule, enqueue,
 * retry, cancel) and each user's notifications from background work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "jobs/runner.h"

static int job_id(struct http_req *r, int64_t *id)
{
	if (str_to_i64(r->params[0], 1, INT64_MAX, id))
		return err_set(&r->err, ERR_NOT_FOUND, "job_not_found", "no job '%.40s'",
		               r->params[0]);
	return 0;
}

int h_admin_jobs(struct http_req *r)
{
	int64_t limit, offset;
	int rc;
	const char *state = http_query(r, "state"), *kind = http_query(r, "kind");
	if ((rc = http_query_int(r, "limit", 50, 1, JOB_LIST_MAX, &limit)) ||
	    (rc = http_query_int(r, "offset", 0, 0, INT32_MAX, &offset)))
		return rc;
	if (state && *state && strcmp(state, "queued") && strcmp(state, "running") &&
	    strcmp(state, "done") && strcmp(state, "dead") && strcmp(state, "cancelled"))
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "state must be queued, running, done, dead or cancelled");
	if (kind && *kind && !job_kind_find(kind))
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "unknown job kind '%.60s'", kind);
	json_t *list, *stats, *schedule;
	if ((rc = job_list(r->db, state && *state ? state : NULL, kind && *kind ? kind : NULL,
	                   limit, offset, &list, &r->err)))
		return rc;
	if ((rc = job_stats(r->db, &stats, &r->err))) {
		json_decref(list);
		return rc;
	}
	if ((rc = schedule_status(APP(r)->cfg, r->db, &schedule, &r->err))) {
		json_decref(list);
		json_decref(stats);
		return rc;
	}
	int n;
	const struct job_kind *k = job_kinds(&n);
	json_t *kinds = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(
		    kinds, json_pack("{s:s, s:s}", "kind", k[i].kind, "about", k[i].about));
	json_object_set_new(list, "stats", stats);
	json_object_set_new(list, "schedule", schedule);
	json_object_set_new(list, "kinds", kinds);
	json_object_set_new(list, "embedded_runner",
	                    json_boolean(!strcmp(APP(r)->cfg->agent_embedded, "on")));
	return http_reply(r, 200, list);
}

int h_admin_job_enqueue(struct http_req *r)
{
	static const struct json_field fields[] = {
	    {"kind", JF_STRING, 1, JOB_KIND_MAX}, {"payload", JF_OBJECT, 0, 0},
	    {"priority", JF_INT, 0, 0},           {"max_attempts", JF_INT, 0, 0},
	    {"delay_seconds", JF_INT, 0, 0},      {"idempotency_key", JF_STRING, 0, 200},
	};
	int rc = json_check_fields(r->json, fields, ARRAY_LEN(fields), &r->err);
	if (rc)
		return rc;
	const char *kind = json_str(r->json, "kind");
	if (!job_kind_find(kind))
		return err_set(&r->err, ERR_INVALID, "unknown_kind", "unknown job kind '%.60s'",
		               kind);
	json_int_t max = json_integer_value(json_object_get(r->json, "max_attempts"));
	json_int_t delay = json_integer_value(json_object_get(r->json, "delay_seconds"));
	if (max < 0 || max > 100 || delay < 0 || delay > 366 * 86400)
		return err_set(&r->err, ERR_INVALID, "invalid_field",
		               "max_attempts must be 1..100 and delay_seconds 0..31622400");
	struct job_in in = {
	    .kind = kind,
	    .payload = json_object_get(r->json, "payload"),
	    .priority = (int)json_integer_value(json_object_get(r->json, "priority")),
	    .max_attempts = (int)max,
	    .run_at = delay ? time_now() + delay : 0,
	    .idempotency_key = json_str(r->json, "idempotency_key"),
	};
	int64_t id;
	int created;
	if ((rc = job_enqueue(r->db, &in, APP(r)->cfg->job_max_attempts, &id, &created, &r->err)))
		return rc;
	json_t *job;
	if ((rc = job_get(r->db, id, &job, &r->err)))
		return rc;
	r->location = xasprintf("/api/v1/admin/jobs/%lld", (long long)id);
	return http_reply(r, created ? 201 : 200,
	                  json_pack("{s:o, s:b}", "job", job, "created", created));
}

int h_admin_job(struct http_req *r)
{
	int64_t id;
	json_t *job;
	int rc = job_id(r, &id);
	if (rc || (rc = job_get(r->db, id, &job, &r->err)))
		return rc;
	return http_reply(r, 200, json_pack("{s:o}", "job", job));
}

static int move(struct http_req *r, int (*fn)(struct db *, int64_t, struct err *))
{
	int64_t id;
	json_t *job;
	int rc = job_id(r, &id);
	if (rc || (rc = fn(r->db, id, &r->err)) || (rc = job_get(r->db, id, &job, &r->err)))
		return rc;
	return http_reply(r, 200, json_pack("{s:o}", "job", job));
}

int h_admin_job_retry(struct http_req *r)
{
	return move(r, job_retry);
}

int h_admin_job_cancel(struct http_req *r)
{
	return move(r, job_cancel);
}

int h_notifications(struct http_req *r)
{
	int64_t limit;
	int unread;
	int rc = http_query_int(r, "limit", 20, 1, 100, &limit);
	if (rc || (rc = http_query_bool(r, "unread", &unread)))
		return rc;
	struct db_stmt *st;
	if ((rc = db_query(r->db, &st, &r->err,
	                   "SELECT id, kind, message, data, created_at, read_at FROM notifications "
	                   "WHERE user_id = ? AND (? = 0 OR read_at IS NULL) "
	                   "ORDER BY created_at DESC, id LIMIT ?",
	                   "tii", r->user.id, (int64_t)unread, limit)))
		return rc;
	json_t *items = json_array();
	while ((rc = db_step(st, &r->err)) == DB_ROW) {
		char at[21], read[21];
		json_error_t je;
		time_format_iso8601(db_col_int(st, 4), at);
		if (!db_col_is_null(st, 5))
			time_format_iso8601(db_col_int(st, 5), read);
		json_t *data = json_loads(db_col_text(st, 3), 0, &je);
		json_array_append_new(
		    items, json_pack("{s:s, s:s, s:s, s:o, s:s, s:s?}", "id", db_col_text(st, 0),
		                     "kind", db_col_text(st, 1), "message", db_col_text(st, 2),
		                     "data", data ? data : json_object(), "created_at", at,
		                     "read_at", db_col_is_null(st, 5) ? NULL : read));
	}
	db_finish(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	int64_t unread_n = 0;
	if ((rc = db_scalar(
	         r->db, &r->err, &unread_n,
	         "SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", "t",
	         r->user.id))) {
		json_decref(items);
		return rc;
	}
	return http_reply(r, 200,
	                  json_pack("{s:o, s:I}", "items", items, "unread", (json_int_t)unread_n));
}

int h_notification_read(struct http_req *r)
{
	int64_t n = 0;
	int rc = db_begin(r->db, &r->err);
	if (rc)
		return rc;
	if ((rc = db_run(r->db, &r->err, &n,
	                 "UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND "
	                 "read_at IS NULL",
	                 "itt", time_now(), r->params[0], r->user.id)) ||
	    (rc = db_commit(r->db, &r->err))) {
		db_rollback(r->db);
		return rc;
	}
	if (!n) {
		int64_t exists = 0;
		if ((rc = db_scalar(
		         r->db, &r->err, &exists,
		         "SELECT count(*) FROM notifications WHERE id = ? AND user_id = ?", "tt",
		         r->params[0], r->user.id)))
			return rc;
		if (!exists)
			return err_set(&r->err, ERR_NOT_FOUND, "not_found",
			               "no notification '%.40s'", r->params[0]);
	}
	return http_reply(r, 204, NULL);
}
