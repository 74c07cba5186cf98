/*
 * review.c: grading attempts, replaying them into FSRS state, due lists.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "learning/fsrs.h"
#include "learning/review.h"

static const struct fsrs_params *params(void)
{
	static struct fsrs_params p;
	static int ready;
	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		struct fsrs_params t;
		fsrs_default_params(&t);
		p = t; /* the same values from any thread: a race writes equal bytes */
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	return &p;
}

int review_rating(const char *difficulty, const char *outcome, int64_t minutes, int confidence)
{
	if (!outcome || strcmp(outcome, "failed") == 0)
		return FSRS_AGAIN;
	if (strcmp(outcome, "solved") != 0)
		return FSRS_HARD; /* solved_with_help */
	double target = REVIEW_TARGET_MEDIUM;
	if (difficulty && difficulty[0] == 'e')
		target = REVIEW_TARGET_EASY;
	else if (difficulty && difficulty[0] == 'h')
		target = REVIEW_TARGET_HARD;
	int slow = minutes >= 0 && (double)minutes > target * REVIEW_SLOW_FACTOR;
	int fast = minutes >= 0 && (double)minutes <= target * REVIEW_FAST_FACTOR;
	if (slow || (confidence >= 1 && confidence <= 2))
		return FSRS_HARD;
	if (fast && confidence >= 4)
		return FSRS_EASY;
	return FSRS_GOOD;
}

static double round4(double v)
{
	return round(v * 10000) / 10000;
}

static double elapsed_days(int64_t from, int64_t to)
{
	return to > from ? (double)(to - from) / FSRS_DAY_SECONDS : 0;
}

static int store_state(struct db *db, const char *user, int64_t problem_id,
                       const struct fsrs_state *sp, json_t *progress, struct err *e);

int review_refresh(struct db *db, const struct catalog *c, const char *user, int64_t problem_id,
                   json_t *progress, struct err *e)
{
	const struct catalog_problem *p = catalog_problem_by_id(c, problem_id);
	struct db_stmt *st;
	/* The latest FSRS_REPLAY_MAX attempts, newest first; replayed oldest first. */
	int rc = db_query(db, &st, e,
	                  "SELECT at, day, outcome, minutes, confidence FROM attempts "
	                  "WHERE user_id = ? AND problem_id = ? ORDER BY at DESC, seq DESC LIMIT ?",
	                  "tii", user, problem_id, (int64_t)FSRS_REPLAY_MAX);
	if (rc)
		return rc;
	struct fsrs_review *rv = xmalloc(sizeof(*rv) * FSRS_REPLAY_MAX);
	int n = 0;
	while ((rc = db_step(st, e)) == DB_ROW && n < FSRS_REPLAY_MAX) {
		rv[n].at = db_col_int(st, 0);
		rv[n].day = db_col_int(st, 1);
		rv[n].rating = review_rating(p ? p->difficulty : NULL, db_col_text(st, 2),
		                             db_col_is_null(st, 3) ? -1 : db_col_int(st, 3),
		                             db_col_is_null(st, 4) ? 0 : (int)db_col_int(st, 4));
		n++;
	}
	db_finish(st);
	if (rc < 0 || n == 0) {
		free(rv);
		return rc < 0 ? rc : 0; /* no attempts: the progress row is gone too */
	}
	/* Oldest first; fsrs_replay sorts by time as well, ties in this order. */
	for (int i = 0; i < n / 2; i++) {
		struct fsrs_review t = rv[i];
		rv[i] = rv[n - 1 - i];
		rv[n - 1 - i] = t;
	}
	struct fsrs_state s;
	rc = fsrs_replay(params(), rv, n, &s);
	free(rv);
	if (rc)
		return err_set(e, ERR_INTERNAL, "review_error", "cannot replay %d attempts", n);
	return store_state(db, user, problem_id, &s, progress, e);
}

int review_apply(struct db *db, const char *user, int64_t problem_id,
                 const struct fsrs_state *state, int rating, int64_t at, int same_day,
                 json_t *progress, struct err *e)
{
	struct fsrs_state s = *state;
	fsrs_review(params(), &s, rating, at, same_day);
	return store_state(db, user, problem_id, &s, progress, e);
}

static int store_state(struct db *db, const char *user, int64_t problem_id,
                       const struct fsrs_state *sp, json_t *progress, struct err *e)
{
	struct fsrs_state s = *sp;
	int rc;
	double interval = fsrs_interval_days(params(), s.stability);
	int64_t next = s.last_review + (int64_t)llround(interval * FSRS_DAY_SECONDS);
	rc = db_run(
	    db, e, NULL,
	    "UPDATE problem_progress SET stability = ?, difficulty = ?, reviews = ?, "
	    "lapses = ?, last_review = ?, next_review = ? WHERE user_id = ? AND problem_id = ?",
	    "ddiiiiti", s.stability, s.difficulty, (int64_t)s.reviews, (int64_t)s.lapses,
	    s.last_review, next, user, problem_id);
	if (rc || !progress)
		return rc;
	char ts[21];
	time_format_iso8601(next, ts);
	json_object_set_new(progress, "next_review", json_string(ts));
	json_object_set_new(progress, "stability", json_real(round4(s.stability)));
	json_object_set_new(progress, "fsrs_difficulty", json_real(round4(s.difficulty)));
	json_object_set_new(progress, "reviews", json_integer(s.reviews));
	json_object_set_new(progress, "lapses", json_integer(s.lapses));
	json_object_set_new(progress, "recall",
	                    json_real(round4(fsrs_retrievability(
	                        params(), s.stability, elapsed_days(s.last_review, time_now())))));
	return 0;
}

int review_due(struct db *db, const struct catalog *c, const char *user, int64_t now,
               int horizon_days, int limit, int64_t interview_at, json_t **out, struct err *e)
{
	int64_t until = now + (int64_t)horizon_days * FSRS_DAY_SECONDS;
	int64_t total = 0;
	int rc = db_scalar(db, e, &total,
	                   "SELECT COUNT(*) FROM problem_progress WHERE user_id = ? AND "
	                   "next_review IS NOT NULL AND next_review <= ?",
	                   "ti", user, until);
	if (rc)
		return rc;
	struct db_stmt *st;
	if ((rc =
	         db_query(db, &st, e,
	                  "SELECT problem_id, next_review, stability, reviews, lapses, last_review "
	                  "FROM problem_progress WHERE user_id = ? AND next_review IS NOT NULL AND "
	                  "next_review <= ? ORDER BY next_review, problem_id LIMIT ?",
	                  "tii", user, until, (int64_t)limit)))
		return rc;
	json_t *items = json_array();
	while ((rc = db_step(st, e)) == DB_ROW) {
		const struct catalog_problem *p = catalog_problem_by_id(c, db_col_int(st, 0));
		if (!p)
			continue;
		int64_t due = db_col_int(st, 1), last = db_col_int(st, 5);
		double stab = db_col_double(st, 2);
		char ts[21];
		time_format_iso8601(due, ts);
		json_t *item = json_pack(
		    "{s:s,s:s,s:s,s:s,s:f,s:f,s:f,s:I,s:I}", "slug", p->slug, "title", p->title,
		    "difficulty", p->difficulty, "due", ts, "overdue_days",
		    round4(now > due ? (double)(now - due) / FSRS_DAY_SECONDS : 0), "recall",
		    round4(fsrs_retrievability(params(), stab, elapsed_days(last, now))),
		    "stability", round4(stab), "reviews", (json_int_t)db_col_int(st, 3), "lapses",
		    (json_int_t)db_col_int(st, 4));
		if (interview_at > 0)
			json_object_set_new(
			    item, "recall_at_interview",
			    json_real(round4(fsrs_retrievability(
			        params(), stab, elapsed_days(last, interview_at)))));
		json_array_append_new(items, item);
	}
	db_finish(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
	return 0;
}
