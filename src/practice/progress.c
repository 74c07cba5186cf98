/*
 * progress.c: the progress summary: solved problems by difficulty and
 * topic, attempts, streaks and the 365-day calendar in the user's zone.
 */
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "core/tz.h"
#include "practice/practice.h"
#include "practice/streak.h"

static int64_t max_problem_id(const struct catalog *c)
{
	int64_t m = 0;
	for (int i = 0; i < c->nproblems; i++)
		if (c->problems[i].id > m)
			m = c->problems[i].id;
	return m;
}

int practice_progress(struct db *db, const struct catalog *c, const char *user_id, json_t **out,
                      struct err *e)
{
	char zone_name[64];
	int rc = profile_time_zone(db, user_id, zone_name, e);
	if (rc)
		return rc;
	const struct tz *zone = tz_get(zone_name);
	if (!zone)
		zone = tz_get("UTC");

	/* Per-problem status and attempt counts, folded through the catalog. */
	int64_t max_id = max_problem_id(c);
	unsigned char *status = xcalloc((size_t)max_id + 1, 1);
	int64_t attempts = 0, attempted = 0;
	struct db_stmt *st;
	if ((rc = db_query(db, &st, e,
	                   "SELECT problem_id, status, attempts FROM problem_progress "
	                   "WHERE user_id = ?",
	                   "t", user_id))) {
		free(status);
		return rc;
	}
	while ((rc = db_step(st, e)) == DB_ROW) {
		int64_t id = db_col_int(st, 0);
		attempts += db_col_int(st, 2);
		if (id >= 0 && id <= max_id)
			status[id] = strcmp(db_col_text(st, 1), "solved") == 0 ? 2 : 1;
	}
	db_finish(st);
	if (rc < 0) {
		free(status);
		return rc;
	}
	int solved[3] = {0, 0, 0}, total_solved = 0;
	int *topic_solved = xcalloc((size_t)c->ntopics + 1, sizeof(int));
	for (int i = 0; i < c->nproblems; i++) {
		const struct catalog_problem *p = &c->problems[i];
		if (status[p->id] == 1)
			attempted++;
		if (status[p->id] != 2)
			continue;
		total_solved++;
		solved[p->difficulty[0] == 'e' ? 0 : p->difficulty[0] == 'm' ? 1 : 2]++;
		for (int k = 0; k < p->ntopics; k++)
			for (int t = 0; t < c->ntopics; t++)
				if (c->topics[t].slug == p->topics[k])
					topic_solved[t]++;
	}
	free(status);
	json_t *topics = json_array();
	for (int t = 0; t < c->ntopics; t++)
		json_array_append_new(
		    topics, json_pack("{s:s, s:s, s:i, s:i, s:n}", "topic", c->topics[t].slug,
		                      "name", c->topics[t].name, "solved", topic_solved[t], "total",
		                      c->topics[t].problem_count, "mastery"));
	free(topic_solved);

	/* Days with activity: streaks over all of them, the calendar over the last year. */
	int64_t today = tz_today(zone), first = today - (CALENDAR_DAYS - 1);
	size_t ndays = 0, cap = 512;
	int64_t *days = xmalloc(cap * sizeof(int64_t));
	int *counts = xcalloc(CALENDAR_DAYS, sizeof(int));
	if ((rc = db_query(db, &st, e,
	                   "SELECT day, count FROM activity_days WHERE user_id = ? ORDER BY day",
	                   "t", user_id)))
		goto out;
	while ((rc = db_step(st, e)) == DB_ROW) {
		int64_t d = db_col_int(st, 0);
		if (ndays == cap) {
			cap *= 2;
			days = xrealloc(days, cap * sizeof(int64_t));
		}
		days[ndays++] = d;
		if (d >= first && d <= today)
			counts[d - first] = (int)db_col_int(st, 1);
	}
	db_finish(st);
	if (rc < 0)
		goto out;
	rc = 0;
	struct streak sk;
	streak_compute(days, ndays, today, &sk);
	json_t *calendar = json_array();
	for (int i = 0; i < CALENDAR_DAYS; i++) {
		char date[11];
		day_format(first + i, date);
		json_array_append_new(calendar,
		                      json_pack("{s:s, s:i}", "date", date, "count", counts[i]));
	}
	char today_s[11];
	day_format(today, today_s);
	*out =
	    json_pack("{s:{s:i, s:i, s:i, s:i}, s:I, s:I, s:I, s:{s:i, s:i}, s:o, s:o, s:s, "
	              "s:s, s:i}",
	              "solved", "total", total_solved, "easy", solved[0], "medium", solved[1],
	              "hard", solved[2], "attempts", (json_int_t)attempts, "attempted",
	              (json_int_t)attempted, "active_days", (json_int_t)ndays, "streak", "current",
	              sk.current, "longest", sk.longest, "topics", topics, "calendar", calendar,
	              "today", today_s, "time_zone", zone_name, "catalog_total", c->nproblems);
	topics = NULL;
out:
	json_decref(topics);
	free(days);
	free(counts);
	return rc;
}
