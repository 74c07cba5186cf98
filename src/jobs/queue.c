/*
 * queue.c: the job queue over the portable db layer (see queue.h).
 */
#include "jobs/queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/timeutil.h"

#define JOB_COLS                                                                                   \
	"id, kind, payload, state, priority, attempts, max_attempts, run_at, locked_by, "          \
	"locked_until, last_error, result, idempotency_key, created_at, updated_at, finished_at"

static int pg(struct db *db)
{
	return strcmp(db_dialect(db), "postgres") == 0;
}

static int valid_kind(const char *k)
{
	size_t n = k ? strlen(k) : 0;
	if (!n || n > JOB_KIND_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_' ||
		      k[i] == '.'))
			return 0;
	return 1;
}

int64_t job_backoff(int attempt, int base)
{
	int64_t s = base > 0 ? base : 1;
	for (int i = 1; i < attempt && s < JOB_BACKOFF_MAX; i++)
		s *= 2;
	return s < JOB_BACKOFF_MAX ? s : JOB_BACKOFF_MAX;
}

int job_enqueue(struct db *db, const struct job_in *in, int default_max_attempts, int64_t *id,
                int *created, struct err *e)
{
	if (!valid_kind(in->kind))
		return err_set(e, ERR_INVALID, "invalid_kind",
		               "job kind must be 1-%d characters of a-z, 0-9, '_' and '.'",
		               JOB_KIND_MAX);
	if (in->payload && !json_is_object(in->payload))
		return err_set(e, ERR_INVALID, "invalid_payload", "job payload must be an object");
	if (in->priority < -JOB_PRIORITY_MAX || in->priority > JOB_PRIORITY_MAX)
		return err_set(e, ERR_INVALID, "invalid_priority", "priority must be -%d..%d",
		               JOB_PRIORITY_MAX, JOB_PRIORITY_MAX);
	if (in->idempotency_key && (!*in->idempotency_key || strlen(in->idempotency_key) > 200))
		return err_set(e, ERR_INVALID, "invalid_key",
		               "idempotency key must be 1-200 bytes");
	char *payload = in->payload ? json_dump_compact(in->payload) : xstrdup("{}");
	if (strlen(payload) > JOB_PAYLOAD_MAX) {
		free(payload);
		return err_set(e, ERR_TOO_LARGE, "payload_too_large",
		               "job payload exceeds %d bytes", JOB_PAYLOAD_MAX);
	}
	int64_t now = time_now(), got = 0;
	int max = in->max_attempts > 0 ? in->max_attempts : default_max_attempts;
	struct db_stmt *st;
	int rc = db_begin(db, e), made = 0;
	if (rc)
		goto out;
	if ((rc = db_query(
	         db, &st, e,
	         "INSERT INTO jobs (kind, payload, priority, max_attempts, run_at, "
	         "idempotency_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
	         "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
	         "ttiiitii", in->kind, payload, (int64_t)in->priority, (int64_t)max,
	         in->run_at > 0 ? in->run_at : now, in->idempotency_key, now, now)))
		goto fail;
	rc = db_step(st, e);
	if (rc == DB_ROW) {
		got = db_col_int(st, 0);
		made = 1;
	}
	db_finish(st);
	if (rc < 0)
		goto fail;
	if (!made && (rc = db_scalar(db, e, &got, "SELECT id FROM jobs WHERE idempotency_key = ?",
	                             "t", in->idempotency_key)))
		goto fail;
	if ((rc = db_commit(db, e)))
		goto fail;
	if (id)
		*id = got;
	if (created)
		*created = made;
	rc = 0;
	goto out;
fail:
	db_rollback(db);
out:
	free(payload);
	return rc;
}

int job_claim(struct db *db, const char *worker, int lease, struct job *out, struct err *e)
{
	int64_t now = time_now();
	struct db_stmt *st;
	int rc = db_begin(db, e);
	if (rc)
		return rc;
	/* Expired leases without attempts left: dead, with the reason. */
	if ((rc =
	         db_run(db, e, NULL,
	                "UPDATE jobs SET state = 'dead', locked_by = NULL, locked_until = NULL, "
	                "last_error = 'lease expired on the last attempt (worker lost)', "
	                "finished_at = ?, updated_at = ? "
	                "WHERE state = 'running' AND locked_until < ? AND attempts >= max_attempts",
	                "iii", now, now, now)))
		goto fail;
	/*
	 * Two candidates, each one ordered index scan (jobs_ready): a job whose
	 * worker was lost (lease expired) first, else the most urgent queued one.
	 * One OR-ed condition would make the database sort every queued job.
	 */
	static const char *const pick[] = {
	    "state = 'running' AND locked_until < ?",
	    "state = 'queued' AND run_at <= ?",
	};
	int found = 0;
	for (size_t k = 0; k < ARRAY_LEN(pick); k++) {
		char sql[1024];
		snprintf(sql, sizeof(sql),
		         "UPDATE jobs SET state = 'running', locked_by = ?, locked_until = ?, "
		         "attempts = attempts + 1, updated_at = ? WHERE id = (SELECT id FROM jobs "
		         "WHERE %s ORDER BY state, priority DESC, run_at, id LIMIT 1%s) "
		         "RETURNING id, kind, payload, attempts, max_attempts",
		         pick[k], pg(db) ? " FOR UPDATE SKIP LOCKED" : "");
		if ((rc = db_query(db, &st, e, sql, "tiii", worker, now + lease, now, now)))
			goto fail;
		rc = db_step(st, e);
		found = rc == DB_ROW;
		if (found) {
			memset(out, 0, sizeof(*out));
			out->id = db_col_int(st, 0);
			str_copy(out->kind, sizeof(out->kind), db_col_text(st, 1));
			json_error_t je;
			const char *p = db_col_text(st, 2);
			out->payload = json_loads(p ? p : "{}", 0, &je);
			if (!out->payload)
				out->payload = json_object();
			out->attempts = (int)db_col_int(st, 3);
			out->max_attempts = (int)db_col_int(st, 4);
			str_copy(out->worker, sizeof(out->worker), worker);
		}
		if (found || rc < 0)
			break;
		db_finish(st);
	}
	db_finish(st);
	if (rc < 0)
		goto fail;
	if ((rc = db_commit(db, e))) {
		if (found)
			job_release_struct(out);
		goto fail;
	}
	return found;
fail:
	db_rollback(db);
	return rc;
}

void job_release_struct(struct job *j)
{
	json_decref(j->payload);
	j->payload = NULL;
}

/* Ends a write transaction: commits when RC is 0, else rolls back. */
static int finish(struct db *db, int rc, struct err *e)
{
	if (!rc && !(rc = db_commit(db, e)))
		return 0;
	db_rollback(db);
	return rc;
}

static int lost(const struct job *j, struct err *e)
{
	return err_set(e, ERR_CONFLICT, "lease_lost", "job %lld is no longer held by %s",
	               (long long)j->id, j->worker);
}

int job_complete(struct db *db, const struct job *j, json_t *result, struct err *e)
{
	char *text = result ? json_dump_compact(result) : NULL;
	int64_t now = time_now(), n = 0;
	int rc = db_begin(db, e);
	if (!rc)
		rc = finish(db,
		            db_run(db, e, &n,
		                   "UPDATE jobs SET state = 'done', result = ?, locked_by = NULL, "
		                   "locked_until = NULL, finished_at = ?, updated_at = ? "
		                   "WHERE id = ? AND locked_by = ? AND state = 'running'",
		                   "tiiit", text, now, now, j->id, j->worker),
		            e);
	free(text);
	if (!rc && !n)
		rc = lost(j, e);
	return rc;
}

int job_fail(struct db *db, const struct job *j, const char *message, int base, int *dead,
             struct err *e)
{
	char msg[JOB_ERROR_MAX + 1];
	str_copy(msg, sizeof(msg), message ? message : "failed");
	utf8_sanitize(msg);
	int64_t now = time_now(), n = 0;
	int last = j->attempts >= j->max_attempts;
	int rc = db_begin(db, e);
	if (rc)
		return rc;
	if (last)
		rc = db_run(db, e, &n,
		            "UPDATE jobs SET state = 'dead', last_error = ?, locked_by = NULL, "
		            "locked_until = NULL, finished_at = ?, updated_at = ? "
		            "WHERE id = ? AND locked_by = ? AND state = 'running'",
		            "tiiit", msg, now, now, j->id, j->worker);
	else
		rc = db_run(db, e, &n,
		            "UPDATE jobs SET state = 'queued', last_error = ?, locked_by = NULL, "
		            "locked_until = NULL, run_at = ?, updated_at = ? "
		            "WHERE id = ? AND locked_by = ? AND state = 'running'",
		            "tiiit", msg, now + job_backoff(j->attempts, base), now, j->id,
		            j->worker);
	if ((rc = finish(db, rc, e)))
		return rc;
	if (!n)
		return lost(j, e);
	if (dead)
		*dead = last;
	return 0;
}

int job_release(struct db *db, const struct job *j, struct err *e)
{
	int64_t n = 0;
	int rc = db_begin(db, e);
	if (rc)
		return rc;
	rc = finish(db,
	            db_run(db, e, &n,
	                   "UPDATE jobs SET state = 'queued', attempts = attempts - 1, "
	                   "locked_by = NULL, locked_until = NULL, updated_at = ? "
	                   "WHERE id = ? AND locked_by = ? AND state = 'running'",
	                   "iit", time_now(), j->id, j->worker),
	            e);
	if (!rc && !n)
		rc = lost(j, e);
	return rc;
}

int job_heartbeat(struct db *db, const struct job *j, int lease, struct err *e)
{
	int64_t n = 0, now = time_now();
	int rc = db_begin(db, e);
	if (rc)
		return rc;
	rc = finish(db,
	            db_run(db, e, &n,
	                   "UPDATE jobs SET locked_until = ?, updated_at = ? "
	                   "WHERE id = ? AND locked_by = ? AND state = 'running'",
	                   "iiit", now + lease, now, j->id, j->worker),
	            e);
	if (!rc && !n)
		rc = lost(j, e);
	return rc;
}

/* Moves job ID from one of the states in FROM (SQL list) to TO, else ERR_CONFLICT. */
static int admin_move(struct db *db, int64_t id, const char *from, const char *sql, struct err *e)
{
	int64_t n = 0, exists = 0, now = time_now();
	int rc = db_scalar(db, e, &exists, "SELECT count(*) FROM jobs WHERE id = ?", "i", id);
	if (rc)
		return rc;
	if (!exists)
		return err_set(e, ERR_NOT_FOUND, "job_not_found", "no job %lld", (long long)id);
	if ((rc = db_begin(db, e)))
		return rc;
	if ((rc = finish(db, db_run(db, e, &n, sql, "iii", now, now, id), e)))
		return rc;
	if (!n)
		return err_set(e, ERR_CONFLICT, "job_state", "job %lld is not %s", (long long)id,
		               from);
	return 0;
}

int job_retry(struct db *db, int64_t id, struct err *e)
{
	return admin_move(db, id, "dead or cancelled",
	                  "UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, "
	                  "finished_at = NULL, locked_by = NULL, locked_until = NULL, "
	                  "updated_at = ? WHERE id = ? AND state IN ('dead', 'cancelled')",
	                  e);
}

int job_cancel(struct db *db, int64_t id, struct err *e)
{
	return admin_move(db, id, "queued",
	                  "UPDATE jobs SET state = 'cancelled', finished_at = ?, updated_at = ? "
	                  "WHERE id = ? AND state = 'queued'",
	                  e);
}

static json_t *json_or_null(const char *text)
{
	json_error_t je;
	json_t *v = text ? json_loads(text, JSON_DECODE_ANY, &je) : NULL;
	return v ? v : json_null();
}

static json_t *time_or_null(struct db_stmt *st, int i)
{
	if (db_col_is_null(st, i))
		return json_null();
	char t[21];
	time_format_iso8601(db_col_int(st, i), t);
	return json_string(t);
}

static json_t *row_json(struct db_stmt *st)
{
	const char *lb = db_col_text(st, 8), *le = db_col_text(st, 10), *key = db_col_text(st, 12);
	return json_pack("{s:I, s:s, s:o, s:s, s:i, s:i, s:i, s:o, s:s?, s:o, s:s?, s:o, s:s?, "
	                 "s:o, s:o, s:o}",
	                 "id", (json_int_t)db_col_int(st, 0), "kind", db_col_text(st, 1), "payload",
	                 json_or_null(db_col_text(st, 2)), "state", db_col_text(st, 3), "priority",
	                 (int)db_col_int(st, 4), "attempts", (int)db_col_int(st, 5), "max_attempts",
	                 (int)db_col_int(st, 6), "run_at", time_or_null(st, 7), "locked_by", lb,
	                 "locked_until", time_or_null(st, 9), "last_error", le, "result",
	                 json_or_null(db_col_text(st, 11)), "idempotency_key", key, "created_at",
	                 time_or_null(st, 13), "updated_at", time_or_null(st, 14), "finished_at",
	                 time_or_null(st, 15));
}

int job_list(struct db *db, const char *state, const char *kind, int64_t limit, int64_t offset,
             json_t **out, struct err *e)
{
	/* The filters given, and nothing else: each query can use jobs_ready. */
	char where[128];
	const char *a = state ? state : kind, *b = state && kind ? kind : NULL;
	snprintf(where, sizeof(where), "%s%s%s", state || kind ? " WHERE " : "",
	         state  ? "state = ?"
	         : kind ? "kind = ?"
	                : "",
	         state && kind ? " AND kind = ?" : "");
	char count_sql[256], list_sql[512];
	snprintf(count_sql, sizeof(count_sql), "SELECT count(*) FROM jobs%s", where);
	snprintf(list_sql, sizeof(list_sql),
	         "SELECT " JOB_COLS " FROM jobs%s ORDER BY id DESC LIMIT ? OFFSET ?", where);
	int64_t total;
	struct db_stmt *st;
	int rc = b   ? db_scalar(db, e, &total, count_sql, "tt", a, b)
	         : a ? db_scalar(db, e, &total, count_sql, "t", a)
	             : db_scalar(db, e, &total, count_sql, "");
	if (rc)
		return rc;
	rc = b   ? db_query(db, &st, e, list_sql, "ttii", a, b, limit, offset)
	     : a ? db_query(db, &st, e, list_sql, "tii", a, limit, offset)
	         : db_query(db, &st, e, list_sql, "ii", limit, offset);
	if (rc)
		return rc;
	json_t *items = json_array();
	while ((rc = db_step(st, e)) == DB_ROW)
		json_array_append_new(items, row_json(st));
	db_finish(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total);
	return 0;
}

int job_get(struct db *db, int64_t id, json_t **out, struct err *e)
{
	struct db_stmt *st;
	int rc = db_query(db, &st, e, "SELECT " JOB_COLS " FROM jobs WHERE id = ?", "i", id);
	if (rc)
		return rc;
	rc = db_step(st, e);
	if (rc == DB_ROW)
		*out = row_json(st);
	db_finish(st);
	if (rc == DB_DONE)
		return err_set(e, ERR_NOT_FOUND, "job_not_found", "no job %lld", (long long)id);
	return rc < 0 ? rc : 0;
}

int job_stats(struct db *db, json_t **out, struct err *e)
{
	struct db_stmt *st;
	int64_t now = time_now();
	int rc =
	    db_query(db, &st, e,
	             "SELECT kind, state, count(*), MIN(CASE WHEN state = 'queued' AND run_at "
	             "<= ? THEN run_at END) FROM jobs GROUP BY kind, state ORDER BY kind, state",
	             "i", now);
	if (rc)
		return rc;
	json_t *states = json_pack("{s:i, s:i, s:i, s:i, s:i}", "queued", 0, "running", 0, "done",
	                           0, "dead", 0, "cancelled", 0);
	json_t *kinds = json_object();
	int64_t oldest = 0;
	while ((rc = db_step(st, e)) == DB_ROW) {
		const char *kind = db_col_text(st, 0), *state = db_col_text(st, 1);
		int64_t n = db_col_int(st, 2);
		json_object_set_new(
		    states, state,
		    json_integer(json_integer_value(json_object_get(states, state)) + n));
		json_t *k = json_object_get(kinds, kind);
		if (!k) {
			k = json_object();
			json_object_set_new(kinds, kind, k);
		}
		json_object_set_new(k, state, json_integer(n));
		if (!db_col_is_null(st, 3) && (!oldest || db_col_int(st, 3) < oldest))
			oldest = db_col_int(st, 3);
	}
	db_finish(st);
	if (rc < 0) {
		json_decref(states);
		json_decref(kinds);
		return rc;
	}
	*out = json_pack("{s:o, s:o, s:I}", "states", states, "by_kind", kinds,
	                 "oldest_ready_seconds", (json_int_t)(oldest ? now - oldest : 0));
	return 0;
}
