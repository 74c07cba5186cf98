/*
 * stats.c: the user_metrics rollups: daily and weekly attempts, solves and
 * minutes per difficulty, kept in step by every attempt written or deleted
 * (same transaction), and served as continuous series for charts.
 */
#include <string.h>

#include "core/timeutil.h"
#include "practice/practice.h"

int64_t practice_week_start(int64_t day)
{
	/* Day 0 (1970-01-01) was a Thursday: (day + 3) % 7 counts days since Monday. */
	int64_t r = (day + 3) % 7;
	return day - (r < 0 ? r + 7 : r);
}

int practice_metrics_add(struct db *db, const char *user, int64_t day, const char *difficulty,
                         const char *outcome, int64_t minutes, int delta, struct err *e)
{
	int solved = strcmp(outcome, "solved") == 0, failed = strcmp(outcome, "failed") == 0;
	int helped = !solved && !failed;
	int64_t week = practice_week_start(day), m = (minutes > 0 ? minutes : 0) * delta;
	/* The day and its week in one statement: one round trip. */
	return db_run(db, e, NULL,
	              "INSERT INTO user_metrics (user_id, period, start_day, difficulty, attempts, "
	              "solved, helped, failed, minutes) VALUES (?, 'day', ?, ?, ?, ?, ?, ?, ?), "
	              "(?, 'week', ?, ?, ?, ?, ?, ?, ?) "
	              "ON CONFLICT (user_id, period, start_day, difficulty) DO UPDATE SET "
	              "attempts = user_metrics.attempts + excluded.attempts, "
	              "solved = user_metrics.solved + excluded.solved, "
	              "helped = user_metrics.helped + excluded.helped, "
	              "failed = user_metrics.failed + excluded.failed, "
	              "minutes = user_metrics.minutes + excluded.minutes",
	              "titiiiiititiiiii", user, day, difficulty, (int64_t)delta,
	              (int64_t)(solved * delta), (int64_t)(helped * delta),
	              (int64_t)(failed * delta), m, user, week, difficulty, (int64_t)delta,
	              (int64_t)(solved * delta), (int64_t)(helped * delta),
	              (int64_t)(failed * delta), m);
}

struct bucket {
	int64_t v[3][5]; /* per difficulty: attempts, solved, helped, failed, minutes */
};

static json_t *counts_json(const int64_t *v)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}", "attempts", (json_int_t)v[0], "solved",
	                 (json_int_t)v[1], "solved_with_help", (json_int_t)v[2], "failed",
	                 (json_int_t)v[3], "minutes", (json_int_t)v[4], "success_rate",
	                 v[0] ? json_real((double)(int)((double)v[1] / v[0] * 1000 + 0.5) / 1000)
	                      : json_null());
}

int practice_stats(struct db *db, const char *user, int weekly, int64_t from, int64_t to,
                   json_t **out, struct err *e)
{
	int step = weekly ? 7 : 1;
	if (weekly) {
		from = practice_week_start(from);
		to = practice_week_start(to);
	}
	size_t n = (size_t)((to - from) / step + 1);
	struct bucket *b = xcalloc(n, sizeof(*b));
	struct db_stmt *st;
	int rc =
	    db_query(db, &st, e,
	             "SELECT start_day, difficulty, attempts, solved, helped, failed, minutes "
	             "FROM user_metrics WHERE user_id = ? AND period = ? AND start_day >= ? AND "
	             "start_day <= ?",
	             "ttii", user, weekly ? "week" : "day", from, to);
	if (rc) {
		free(b);
		return rc;
	}
	while ((rc = db_step(st, e)) == DB_ROW) {
		int64_t d = db_col_int(st, 0);
		const char *diff = db_col_text(st, 1);
		int k = diff[0] == 'e' ? 0 : diff[0] == 'm' ? 1 : 2;
		if (d < from || d > to || (d - from) % step)
			continue;
		for (int j = 0; j < 5; j++)
			b[(d - from) / step].v[k][j] += db_col_int(st, 2 + j);
	}
	db_finish(st);
	if (rc < 0) {
		free(b);
		return rc;
	}
	json_t *items = json_array();
	static const char *const names[3] = {"easy", "medium", "hard"};
	for (size_t i = 0; i < n; i++) {
		int64_t all[5] = {0};
		json_t *by = json_object();
		for (int k = 0; k < 3; k++) {
			for (int j = 0; j < 5; j++)
				all[j] += b[i].v[k][j];
			json_object_set_new(by, names[k], counts_json(b[i].v[k]));
		}
		json_t *item = counts_json(all);
		char date[11];
		day_format(from + (int64_t)i * step, date);
		json_object_set_new(item, "start", json_string(date));
		json_object_set_new(item, "by_difficulty", by);
		json_array_append_new(items, item);
	}
	free(b);
	char a[11], z[11];
	day_format(from, a);
	day_format(to, z);
	*out = json_pack("{s:s,s:s,s:s,s:o}", "period", weekly ? "week" : "day", "from", a, "to", z,
	                 "items", items);
	return 0;
}
