/*
 * profile.c: the user's preparation profile: target companies, interview
 * date, hours per week, focus topic and time zone. Changing the time zone
 * re-files every attempt under its local day in the new zone.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "practice/practice.h"

/* Creates the profile row if it is missing (users made before profiles). */
static int ensure(struct db *db, const char *user_id, struct err *e)
{
	return db_run(db, e, NULL,
	              "INSERT INTO user_profiles (user_id, updated_at) VALUES (?, ?) "
	              "ON CONFLICT (user_id) DO NOTHING",
	              "ti", user_id, time_now());
}

int profile_time_zone(struct db *db, const char *user_id, char out[64], struct err *e)
{
	struct db_stmt *st;
	int rc = db_query(db, &st, e, "SELECT time_zone FROM user_profiles WHERE user_id = ?", "t",
	                  user_id);
	if (rc)
		return rc;
	rc = db_step(st, e);
	str_copy(out, 64, rc == DB_ROW ? db_col_text(st, 0) : "UTC");
	db_finish(st);
	return rc < 0 ? rc : 0;
}

int profile_get(struct db *db, const char *user_id, json_t **out, struct err *e)
{
	struct db_stmt *st;
	int rc = db_query(db, &st, e,
	                  "SELECT target_companies, interview_date, hours_per_week, focus_topic, "
	                  "time_zone, updated_at FROM user_profiles WHERE user_id = ?",
	                  "t", user_id);
	if (rc)
		return rc;
	rc = db_step(st, e);
	if (rc == DB_ROW) {
		char ts[21];
		json_t *companies = json_loads(db_col_text(st, 0), 0, NULL);
		time_format_iso8601(db_col_int(st, 5), ts);
		const char *date = db_col_text(st, 1), *focus = db_col_text(st, 3);
		*out =
		    json_pack("{s:o, s:o, s:o, s:o, s:s, s:s}", "target_companies",
		              companies ? companies : json_array(), "interview_date",
		              date ? json_string(date) : json_null(), "hours_per_week",
		              db_col_is_null(st, 2) ? json_null() : json_real(db_col_double(st, 2)),
		              "focus_topic", focus ? json_string(focus) : json_null(), "time_zone",
		              db_col_text(st, 4), "updated_at", ts);
		rc = 0;
	} else if (rc == DB_DONE) {
		db_finish(st);
		if ((rc = db_begin(db, e)))
			return rc;
		if ((rc = ensure(db, user_id, e)) || (rc = db_commit(db, e))) {
			db_rollback(db);
			return rc;
		}
		return profile_get(db, user_id, out, e);
	}
	db_finish(st);
	return rc;
}

/* Re-files attempts and day counters under the local days of ZONE. */
static int refile_days(struct db *db, const char *user_id, const struct tz *zone, struct err *e)
{
	struct db_stmt *st;
	int rc =
	    db_query(db, &st, e, "SELECT id, at FROM attempts WHERE user_id = ?", "t", user_id);
	if (rc)
		return rc;
	json_t *moves = json_array();
	while ((rc = db_step(st, e)) == DB_ROW)
		json_array_append_new(moves,
		                      json_pack("{s:s, s:I}", "id", db_col_text(st, 0), "day",
		                                (json_int_t)tz_local_day(zone, db_col_int(st, 1))));
	db_finish(st);
	size_t i;
	json_t *m;
	json_array_foreach(moves, i, m)
	{
		if (rc < 0)
			break;
		rc = db_run(db, e, NULL, "UPDATE attempts SET day = ? WHERE id = ?", "it",
		            (int64_t)json_integer_value(json_object_get(m, "day")),
		            json_str(m, "id"));
	}
	json_decref(moves);
	if (rc < 0)
		return rc;
	if ((rc = db_run(db, e, NULL, "DELETE FROM activity_days WHERE user_id = ?", "t", user_id)))
		return rc;
	return db_run(db, e, NULL,
	              "INSERT INTO activity_days (user_id, day, count) SELECT user_id, day, "
	              "count(*) FROM attempts WHERE user_id = ? GROUP BY user_id, day",
	              "t", user_id);
}

int profile_update(struct db *db, const struct catalog *c, const struct audit_ctx *ctx,
                   const char *user_id, json_t *body, json_t **out, struct err *e)
{
	static const struct json_field fields[] = {
	    {"target_companies", JF_ARRAY, 0, PROFILE_COMPANIES_MAX},
	    {"interview_date", JF_DATE_STRING, 0, 10},
	    {"hours_per_week", JF_NUMBER, 0, 0},
	    {"focus_topic", JF_STRING, 0, 100},
	    {"time_zone", JF_STRING, 0, 64},
	};
	int rc = json_check_fields(body, fields, ARRAY_LEN(fields), e);
	if (rc)
		return rc;
	json_t *companies = json_object_get(body, "target_companies");
	size_t i;
	json_t *x;
	json_array_foreach(companies, i, x)
	{
		if (!json_is_string(x) || !catalog_has_company(c, json_string_value(x)))
			return err_set(e, ERR_INVALID, "invalid_field",
			               "field 'target_companies' has an unknown company '%.64s'",
			               json_is_string(x) ? json_string_value(x) : "?");
		for (size_t k = 0; k < i; k++)
			if (json_equal(json_array_get(companies, k), x))
				return err_set(e, ERR_INVALID, "invalid_field",
				               "field 'target_companies' lists '%.64s' twice",
				               json_string_value(x));
	}
	const char *date = json_str(body, "interview_date");
	int64_t day;
	if (date && day_parse(date, &day))
		return err_set(e, ERR_INVALID, "invalid_field",
		               "field 'interview_date' must be a date YYYY-MM-DD");
	json_t *hours = json_object_get(body, "hours_per_week");
	if (json_is_number(hours) &&
	    (json_number_value(hours) < 0 || json_number_value(hours) > 168 ||
	     !isfinite(json_number_value(hours))))
		return err_set(e, ERR_INVALID, "invalid_field",
		               "field 'hours_per_week' must be between 0 and 168");
	const char *focus = json_str(body, "focus_topic");
	if (focus && !catalog_topic_by_slug(c, focus))
		return err_set(e, ERR_INVALID, "invalid_field",
		               "field 'focus_topic' names an unknown topic '%.64s'", focus);
	const char *zone_name = json_str(body, "time_zone");
	const struct tz *zone = NULL;
	if (zone_name && (!tz_valid_name(zone_name) || !(zone = tz_get(zone_name))))
		return err_set(e, ERR_INVALID, "invalid_field",
		               "field 'time_zone' must be an IANA zone such as Europe/Berlin");
	if (json_object_get(body, "time_zone") && json_is_null(json_object_get(body, "time_zone")))
		return err_set(e, ERR_INVALID, "invalid_field", "field 'time_zone' cannot be null");

	if ((rc = db_begin(db, e)))
		return rc;
	if ((rc = ensure(db, user_id, e)))
		goto fail;
	int64_t now = time_now();
	if (json_object_get(body, "target_companies")) {
		char *s = json_dump_compact(companies ? companies : json_array());
		if (json_is_null(companies)) {
			free(s);
			s = xstrdup("[]");
		}
		rc = db_run(db, e, NULL,
		            "UPDATE user_profiles SET target_companies = ? WHERE user_id = ?", "tt",
		            s, user_id);
		free(s);
		if (rc)
			goto fail;
	}
	if (json_object_get(body, "interview_date") &&
	    (rc = db_run(db, e, NULL,
	                 "UPDATE user_profiles SET interview_date = ? WHERE user_id = ?", "tt",
	                 date, user_id)))
		goto fail;
	if (json_object_get(body, "hours_per_week")) {
		if (json_is_null(hours))
			rc = db_run(
			    db, e, NULL,
			    "UPDATE user_profiles SET hours_per_week = NULL WHERE user_id = ?", "t",
			    user_id);
		else
			rc = db_run(db, e, NULL,
			            "UPDATE user_profiles SET hours_per_week = ? WHERE user_id = ?",
			            "dt", json_number_value(hours), user_id);
		if (rc)
			goto fail;
	}
	if (json_object_get(body, "focus_topic") &&
	    (rc = db_run(db, e, NULL, "UPDATE user_profiles SET focus_topic = ? WHERE user_id = ?",
	                 "tt", focus, user_id)))
		goto fail;
	if (zone) {
		char old[64];
		if ((rc = profile_time_zone(db, user_id, old, e)))
			goto fail;
		if (strcmp(old, zone_name) != 0 &&
		    ((rc = db_run(db, e, NULL,
		                  "UPDATE user_profiles SET time_zone = ? WHERE user_id = ?", "tt",
		                  zone_name, user_id)) ||
		     (rc = refile_days(db, user_id, zone, e))))
			goto fail;
	}
	if ((rc = db_run(db, e, NULL, "UPDATE user_profiles SET updated_at = ? WHERE user_id = ?",
	                 "it", now, user_id)) ||
	    (rc = audit_log(db, ctx, "profile.update", "profile", user_id, body, e)) ||
	    (rc = db_commit(db, e)))
		goto fail;
	return profile_get(db, user_id, out, e);
fail:
	db_rollback(db);
	return rc;
}
