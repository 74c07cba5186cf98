/*
 * attempts.c: logging, listing and deleting attempts, and the per-problem
 * progress derived from them. Progress is recomputed from the problem's
 * attempts on every change, so attempts logged or imported out of order, or
 * deleted, always leave the same state as in-order logging.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "learning/fsrs.h"
#include "learning/review.h"
#include "practice/practice.h"

static int outcome_ok(const char *s)
{
	return s &&
	       (!strcmp(s, "solved") || !strcmp(s, "solved_with_help") || !strcmp(s, "failed"));
}

int attempt_from_json(const struct catalog *c, json_t *body, struct attempt_in *out, struct err *e)
{
	static const struct json_field fields[] = {
	    {"problem", JF_STRING, 1, 200},
	    {"outcome", JF_STRING, 1, 32},
	    {"minutes", JF_INT, 0, 0},
	    {"language", JF_STRING, 0, ATTEMPT_LANGUAGE_MAX},
	    {"confidence", JF_INT, 0, 0},
	    {"notes", JF_STRING, 0, ATTEMPT_NOTES_MAX},
	    {"solution_url", JF_STRING, 0, ATTEMPT_URL_MAX},
	    {"at", JF_DATE_STRING, 0, 64},
	};
	int rc = json_check_fields(body, fields, ARRAY_LEN(fields), e);
	if (rc)
		return rc;
	struct attempt_in a = {0};
	a.problem = json_str(body, "problem");
	a.outcome = json_str(body, "outcome");
	a.language = json_str(body, "language");
	a.notes = json_str(body, "notes");
	a.solution_url = json_str(body, "solution_url");
	a.minutes = -1;
	if (!catalog_problem_by_slug(c, a.problem))
		return err_set(e, ERR_INVALID, "unknown_problem", "unknown problem '%.100s'",
		               a.problem);
	if (!outcome_ok(a.outcome))
		return err_set(e, ERR_INVALID, "invalid_field",
		               "field 'outcome' must be solved, solved_with_help or failed");
	if (json_has(body, "minutes")) {
		json_int_t m = json_integer_value(json_object_get(body, "minutes"));
		if (m < 0 || m > ATTEMPT_MINUTES_MAX)
			return err_set(e, ERR_INVALID, "invalid_field",
			               "field 'minutes' must be between 0 and %d",
			               ATTEMPT_MINUTES_MAX);
		a.minutes = m;
	}
	if (json_has(body, "confidence")) {
		json_int_t v = json_integer_value(json_object_get(body, "confidence"));
		if (v < 1 || v > 5)
			return err_set(e, ERR_INVALID, "invalid_field",
			               "field 'confidence' must be between 1 and 5");
		a.confidence = (int)v;
	}
	if (a.language && !*a.language)
		a.language = NULL;
	if (a.solution_url && *a.solution_url && strncmp(a.solution_url, "https://", 8) &&
	    strncmp(a.solution_url, "http://", 7))
		return err_set(e, ERR_INVALID, "invalid_field",
		               "field 'solution_url' must be an http(s) URL");
	if (json_has(body, "at")) {
		if (time_parse_iso8601(json_str(body, "at"), &a.at))
			return err_set(e, ERR_INVALID, "invalid_field",
			               "field 'at' must be an ISO 8601 time such as "
			               "2024-05-01T18:30:00Z");
		if (a.at > time_now() + ATTEMPT_FUTURE_SLACK)
			return err_set(e, ERR_INVALID, "invalid_field",
			               "field 'at' is in the future");
		if (a.at < ATTEMPT_EARLIEST)
			return err_set(e, ERR_INVALID, "invalid_field",
			               "field 'at' is before 2000-01-01");
	}
	*out = a;
	return 0;
}

static json_t *iso_or_null(int is_null, int64_t t)
{
	char ts[21];
	if (is_null)
		return json_null();
	time_format_iso8601(t, ts);
	return json_string(ts);
}

static json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

#define ATTEMPT_COLS                                                                               \
	"id, problem_id, outcome, minutes, language, confidence, notes, solution_url, at, "        \
	"created_at"

static json_t *attempt_row_json(const struct catalog *c, struct db_stmt *st)
{
	const struct catalog_problem *p = catalog_problem_by_id(c, db_col_int(st, 1));
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
	                 db_col_text(st, 0), "problem", p ? p->slug : "", "title",
	                 p ? p->title : "", "outcome", db_col_text(st, 2), "minutes",
	                 db_col_is_null(st, 3) ? json_null() : json_integer(db_col_int(st, 3)),
	                 "language", text_or_null(db_col_text(st, 4)), "confidence",
	                 db_col_is_null(st, 5) ? json_null() : json_integer(db_col_int(st, 5)),
	                 "notes", text_or_null(db_col_text(st, 6)), "solution_url",
	                 text_or_null(db_col_text(st, 7)), "at", iso_or_null(0, db_col_int(st, 8)),
	                 "created_at", iso_or_null(0, db_col_int(st, 9)));
}

/* Rebuilds the progress row of one problem from its attempts. */
static int recompute_progress(struct db *db, const char *user_id, int64_t problem_id, struct err *e)
{
	int rc =
	    db_run(db, e, NULL,
	           "INSERT INTO problem_progress (user_id, problem_id, status, attempts, "
	           "solved_count, first_at, last_at, last_outcome, best_minutes) "
	           "SELECT user_id, problem_id, "
	           "CASE WHEN sum(CASE WHEN outcome = 'solved' THEN 1 ELSE 0 END) > 0 "
	           "THEN 'solved' ELSE 'attempted' END, count(*), "
	           "sum(CASE WHEN outcome = 'solved' THEN 1 ELSE 0 END), min(at), max(at), "
	           "(SELECT b.outcome FROM attempts b WHERE b.user_id = a.user_id AND "
	           "b.problem_id = a.problem_id ORDER BY b.at DESC, b.created_at DESC, b.seq DESC "
	           "LIMIT 1), "
	           "min(CASE WHEN outcome = 'solved' THEN minutes END) "
	           "FROM attempts a WHERE user_id = ? AND problem_id = ? "
	           "GROUP BY user_id, problem_id "
	           "ON CONFLICT (user_id, problem_id) DO UPDATE SET status = excluded.status, "
	           "attempts = excluded.attempts, solved_count = excluded.solved_count, "
	           "first_at = excluded.first_at, last_at = excluded.last_at, "
	           "last_outcome = excluded.last_outcome, best_minutes = excluded.best_minutes",
	           "ti", user_id, problem_id);
	if (rc)
		return rc;
	return db_run(db, e, NULL,
	              "DELETE FROM problem_progress WHERE user_id = ? AND problem_id = ? AND "
	              "NOT EXISTS (SELECT 1 FROM attempts WHERE user_id = ? AND problem_id = ?)",
	              "titi", user_id, problem_id, user_id, problem_id);
}

/* Columns of a progress row, in the order progress_row_json reads them. */
#define PROGRESS_COLS                                                                              \
	"status, attempts, solved_count, first_at, last_at, last_outcome, best_minutes, "          \
	"next_review, stability, difficulty, reviews, lapses, last_review"
#define PROGRESS_RETURNING "RETURNING " PROGRESS_COLS

static json_t *progress_row_json(struct db_stmt *st)
{
	json_t *o = json_pack(
	    "{s:s, s:I, s:I, s:o, s:o, s:s, s:o, s:o}", "status", db_col_text(st, 0), "attempts",
	    (json_int_t)db_col_int(st, 1), "solved_count", (json_int_t)db_col_int(st, 2),
	    "first_attempt_at", iso_or_null(0, db_col_int(st, 3)), "last_attempt_at",
	    iso_or_null(0, db_col_int(st, 4)), "last_outcome", db_col_text(st, 5), "best_minutes",
	    db_col_is_null(st, 6) ? json_null() : json_integer(db_col_int(st, 6)), "next_review",
	    iso_or_null(db_col_is_null(st, 7), db_col_int(st, 7)));
	if (!db_col_is_null(st, 8)) {
		/* The review state (learning/review.h): stability in days, recall now. */
		struct fsrs_params fp;
		fsrs_default_params(&fp);
		double stab = db_col_double(st, 8);
		int64_t last = db_col_int(st, 12), now = time_now();
		double days = now > last ? (double)(now - last) / FSRS_DAY_SECONDS : 0;
		json_object_set_new(o, "stability", json_real(round(stab * 10000) / 10000));
		json_object_set_new(o, "fsrs_difficulty",
		                    json_real(round(db_col_double(st, 9) * 10000) / 10000));
		json_object_set_new(o, "reviews", json_integer(db_col_int(st, 10)));
		json_object_set_new(o, "lapses", json_integer(db_col_int(st, 11)));
		json_object_set_new(
		    o, "recall",
		    json_real(round(fsrs_retrievability(&fp, stab, days) * 10000) / 10000));
	}
	return o;
}

int practice_problem_progress(struct db *db, const char *user_id, int64_t problem_id, json_t **out,
                              struct err *e)
{
	struct db_stmt *st;
	int rc = db_query(db, &st, e,
	                  "SELECT " PROGRESS_COLS " FROM problem_progress "
	                  "WHERE user_id = ? AND problem_id = ?",
	                  "ti", user_id, problem_id);
	if (rc)
		return rc;
	rc = db_step(st, e);
	if (rc == DB_ROW) {
		*out = progress_row_json(st);
		rc = 0;
	} else if (rc == DB_DONE) {
		*out = json_pack("{s:s, s:i, s:i, s:n, s:n, s:n, s:n, s:n}", "status", "todo",
		                 "attempts", 0, "solved_count", 0, "first_attempt_at",
		                 "last_attempt_at", "last_outcome", "best_minutes", "next_review");
		rc = 0;
	}
	db_finish(st);
	return rc;
}

/*
 * Folds one new attempt into the problem's progress in O(1). Every field is
 * an order-independent aggregate (count, sum, min, max, and the outcome of
 * the latest attempt by (at, then logging order)), so this gives exactly
 * what recompute_progress would.
 */
static int add_to_progress(struct db *db, const char *user_id, int64_t problem_id,
                           const struct attempt_in *in, int64_t at, json_t **progress,
                           struct review_prev *prev, struct err *e)
{
	int solved = strcmp(in->outcome, "solved") == 0;
	struct db_stmt *st;
	int rc = db_query(
	    db, &st, e,
	    "INSERT INTO problem_progress (user_id, problem_id, status, attempts, "
	    "solved_count, first_at, last_at, last_outcome, best_minutes) "
	    "VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (user_id, problem_id) DO UPDATE SET "
	    "attempts = problem_progress.attempts + 1, "
	    "solved_count = problem_progress.solved_count + excluded.solved_count, "
	    "status = CASE WHEN problem_progress.solved_count + excluded.solved_count > 0 "
	    "THEN 'solved' ELSE 'attempted' END, "
	    "first_at = CASE WHEN excluded.first_at < problem_progress.first_at "
	    "THEN excluded.first_at ELSE problem_progress.first_at END, "
	    "last_outcome = CASE WHEN excluded.last_at >= problem_progress.last_at "
	    "THEN excluded.last_outcome ELSE problem_progress.last_outcome END, "
	    "last_at = CASE WHEN excluded.last_at > problem_progress.last_at "
	    "THEN excluded.last_at ELSE problem_progress.last_at END, "
	    "best_minutes = CASE WHEN excluded.best_minutes IS NOT NULL AND "
	    "(problem_progress.best_minutes IS NULL OR "
	    "excluded.best_minutes < problem_progress.best_minutes) "
	    "THEN excluded.best_minutes ELSE problem_progress.best_minutes END " PROGRESS_RETURNING,
	    "titiiito", user_id, problem_id, solved ? "solved" : "attempted", (int64_t)solved, at,
	    at, in->outcome, solved ? in->minutes : (int64_t)-1);
	if (rc)
		return rc;
	rc = db_step(st, e);
	if (rc == DB_ROW) {
		if (progress)
			*progress = progress_row_json(st);
		/* The review state before this attempt: the upsert leaves it as it was. */
		prev->attempts_before = (int)db_col_int(st, 1) - 1;
		prev->known = !db_col_is_null(st, 8);
		prev->state.stability = prev->known ? db_col_double(st, 8) : 0;
		prev->state.difficulty = prev->known ? db_col_double(st, 9) : 0;
		prev->state.reviews = (int)db_col_int(st, 10);
		prev->state.lapses = (int)db_col_int(st, 11);
		prev->state.last_review = prev->known ? db_col_int(st, 12) : 0;
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = err_set(e, ERR_INTERNAL, "database_error", "progress upsert returned no row");
	}
	db_finish(st);
	return rc;
}

static int day_counter(struct db *db, const char *user_id, int64_t day, int delta, struct err *e)
{
	int rc = db_run(db, e, NULL,
	                "INSERT INTO activity_days (user_id, day, count) VALUES (?, ?, ?) "
	                "ON CONFLICT (user_id, day) DO UPDATE SET count = activity_days.count + "
	                "excluded.count",
	                "tii", user_id, day, (int64_t)delta);
	if (rc || delta > 0)
		return rc;
	return db_run(db, e, NULL,
	              "DELETE FROM activity_days WHERE user_id = ? AND day = ? AND count <= 0",
	              "ti", user_id, day);
}

int practice_insert_attempt(struct db *db, const struct catalog *c, const struct tz *zone,
                            const char *user_id, const struct attempt_in *in, int64_t now,
                            char id[37], json_t **progress, struct err *e)
{
	const struct catalog_problem *p = catalog_problem_by_slug(c, in->problem);
	int64_t at = in->at ? in->at : now;
	int64_t day = tz_local_day(zone, at);
	int rc;
	uuid_v4(id);
	if ((rc = db_run(db, e, NULL,
	                 "INSERT INTO attempts (id, user_id, problem_id, outcome, minutes, "
	                 "language, confidence, notes, solution_url, at, day, created_at) "
	                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                 "ttitotottiii", id, user_id, p->id, in->outcome, in->minutes, in->language,
	                 (int64_t)(in->confidence ? in->confidence : -1), in->notes,
	                 in->solution_url, at, day, now)))
		return rc;
	struct review_prev prev = {0};
	if ((rc = add_to_progress(db, user_id, p->id, in, at, progress, &prev, e)) ||
	    (rc = day_counter(db, user_id, day, 1, e)) ||
	    (rc = practice_metrics_add(db, user_id, day, p->difficulty, in->outcome, in->minutes, 1,
	                               e)))
		return rc;
	/*
	 * The review state: this attempt applied to the stored state when it is
	 * the latest (the usual case), the problem's attempts replayed otherwise;
	 * both give the same state (fsrs_replay applies reviews in time order).
	 */
	json_t *pj = progress ? *progress : NULL;
	if ((prev.known && at >= prev.state.last_review) || prev.attempts_before == 0) {
		int same_day = prev.known && tz_local_day(zone, prev.state.last_review) == day;
		int rating = review_rating(p->difficulty, in->outcome, in->minutes, in->confidence);
		return review_apply(db, user_id, p->id, &prev.state, rating, at, same_day, pj, e);
	}
	return review_refresh(db, c, user_id, p->id, pj, e);
}

static int load_zone(struct db *db, const char *user_id, const struct tz **zone, struct err *e)
{
	char name[64];
	int rc = profile_time_zone(db, user_id, name, e);
	if (rc)
		return rc;
	*zone = tz_get(name);
	if (!*zone)
		*zone = tz_get("UTC");
	return 0;
}

int practice_get_attempt(struct db *db, const struct catalog *c, const char *user_id,
                         const char *id, json_t **out, struct err *e)
{
	struct db_stmt *st;
	int rc = db_query(db, &st, e,
	                  "SELECT " ATTEMPT_COLS " FROM attempts WHERE id = ? AND user_id = ?",
	                  "tt", id, user_id);
	if (rc)
		return rc;
	rc = db_step(st, e);
	if (rc == DB_ROW) {
		*out = attempt_row_json(c, st);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = err_set(e, ERR_NOT_FOUND, "not_found", "no attempt '%.40s'", id);
	}
	db_finish(st);
	return rc;
}

/* The attempt as served, from what was just inserted. */
static json_t *attempt_json(const struct catalog_problem *p, const struct attempt_in *in,
                            const char *id, int64_t at, int64_t created)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", id,
	                 "problem", p->slug, "title", p->title, "outcome", in->outcome, "minutes",
	                 in->minutes >= 0 ? json_integer(in->minutes) : json_null(), "language",
	                 text_or_null(in->language), "confidence",
	                 in->confidence ? json_integer(in->confidence) : json_null(), "notes",
	                 text_or_null(in->notes), "solution_url", text_or_null(in->solution_url),
	                 "at", iso_or_null(0, at), "created_at", iso_or_null(0, created));
}

int practice_log_attempt(struct db *db, const struct catalog *c, const struct audit_ctx *ctx,
                         const char *user_id, const struct attempt_in *in, json_t **out,
                         struct err *e)
{
	const struct tz *zone;
	char id[37];
	json_t *progress = NULL;
	int64_t now = time_now();
	int rc;
	if ((rc = db_begin(db, e)))
		return rc;
	if ((rc = load_zone(db, user_id, &zone, e)) ||
	    (rc = practice_insert_attempt(db, c, zone, user_id, in, now, id, &progress, e)))
		goto fail;
	json_t *detail = json_pack("{s:s, s:s}", "problem", in->problem, "outcome", in->outcome);
	rc = audit_log(db, ctx, "attempt.create", "attempt", id, detail, e);
	json_decref(detail);
	if (rc || (rc = db_commit(db, e)))
		goto fail;
	/* The answer is built from what was written: no read after the commit. */
	*out = json_pack("{s:o, s:o}", "attempt",
	                 attempt_json(catalog_problem_by_slug(c, in->problem), in, id,
	                              in->at ? in->at : now, now),
	                 "progress", progress);
	return 0;
fail:
	json_decref(progress);
	db_rollback(db);
	return rc;
}

int practice_list_attempts(struct db *db, const struct catalog *c, const char *user_id,
                           const char *problem, int64_t since, int64_t limit, int64_t offset,
                           json_t **out, struct err *e)
{
	int64_t pid = -1, total;
	struct db_stmt *st;
	int rc;
	if (problem) {
		const struct catalog_problem *p = catalog_problem_by_slug(c, problem);
		if (!p)
			return err_set(e, ERR_INVALID, "unknown_problem",
			               "unknown problem '%.100s'", problem);
		pid = p->id;
	}
	/*
	 * Two statements, not "(? < 0 OR problem_id = ?)": with the problem
	 * known, the planner can only use attempts_user_problem when the
	 * condition says so (else it scans all of the user's attempts).
	 */
	if (pid >= 0)
		rc = db_scalar(db, e, &total,
		               "SELECT count(*) FROM attempts WHERE user_id = ? AND problem_id = ? "
		               "AND at >= ?",
		               "tii", user_id, pid, since);
	else
		rc = db_scalar(db, e, &total,
		               "SELECT count(*) FROM attempts WHERE user_id = ? AND at >= ?", "ti",
		               user_id, since);
	if (rc)
		return rc;
	if (pid >= 0)
		rc = db_query(db, &st, e,
		              "SELECT " ATTEMPT_COLS " FROM attempts WHERE user_id = ? AND "
		              "problem_id = ? AND at >= ? "
		              "ORDER BY at DESC, created_at DESC, id LIMIT ? OFFSET ?",
		              "tiiii", user_id, pid, since, limit, offset);
	else
		rc = db_query(db, &st, e,
		              "SELECT " ATTEMPT_COLS " FROM attempts WHERE user_id = ? AND at >= ? "
		              "ORDER BY at DESC, created_at DESC, id LIMIT ? OFFSET ?",
		              "tiii", user_id, since, limit, offset);
	if (rc)
		return rc;
	json_t *items = json_array();
	while ((rc = db_step(st, e)) == DB_ROW)
		json_array_append_new(items, attempt_row_json(c, st));
	db_finish(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total);
	return 0;
}

int practice_delete_attempt(struct db *db, const struct catalog *c, const struct audit_ctx *ctx,
                            const char *user_id, const char *id, struct err *e)
{
	struct db_stmt *st;
	int64_t problem_id = 0, day = 0, minutes = -1;
	char outcome[20] = "", difficulty[16] = "medium";
	int rc;
	if ((rc = db_begin(db, e)))
		return rc;
	if ((rc = db_query(db, &st, e,
	                   "SELECT a.problem_id, a.day, a.outcome, a.minutes, p.difficulty "
	                   "FROM attempts a JOIN problems p ON p.id = a.problem_id "
	                   "WHERE a.id = ? AND a.user_id = ?",
	                   "tt", id, user_id)))
		goto fail;
	rc = db_step(st, e);
	if (rc == DB_ROW) {
		problem_id = db_col_int(st, 0);
		day = db_col_int(st, 1);
		str_copy(outcome, sizeof(outcome), db_col_text(st, 2));
		minutes = db_col_is_null(st, 3) ? -1 : db_col_int(st, 3);
		str_copy(difficulty, sizeof(difficulty), db_col_text(st, 4));
	}
	db_finish(st);
	if (rc == DB_DONE)
		rc = err_set(e, ERR_NOT_FOUND, "not_found", "no attempt '%.40s'", id);
	if (rc < 0)
		goto fail;
	if ((rc = db_run(db, e, NULL, "DELETE FROM attempts WHERE id = ?", "t", id)) ||
	    (rc = recompute_progress(db, user_id, problem_id, e)) ||
	    (rc = review_refresh(db, c, user_id, problem_id, NULL, e)) ||
	    (rc = day_counter(db, user_id, day, -1, e)) ||
	    (rc = practice_metrics_add(db, user_id, day, difficulty, outcome, minutes, -1, e)) ||
	    (rc = audit_log(db, ctx, "attempt.delete", "attempt", id, NULL, e)) ||
	    (rc = db_commit(db, e)))
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return rc;
}

int practice_statuses(struct db *db, const char *user_id, unsigned char *status, int64_t max_id,
                      struct err *e)
{
	struct db_stmt *st;
	int rc = db_query(db, &st, e,
	                  "SELECT problem_id, status FROM problem_progress WHERE user_id = ?", "t",
	                  user_id);
	if (rc)
		return rc;
	while ((rc = db_step(st, e)) == DB_ROW) {
		int64_t id = db_col_int(st, 0);
		if (id >= 0 && id <= max_id)
			status[id] = strcmp(db_col_text(st, 1), "solved") == 0 ? 2 : 1;
	}
	db_finish(st);
	return rc < 0 ? rc : 0;
}
