/*
 * h_learning.c: REST handlers of the learning engine: due reviews, weaknesses,
 * recommendations, and topic mastery for the progress and topic routes.
 */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "learning/engine.h"
#include "learning/review.h"
#include "practice/practice.h"

#include "api/app.h"

int h_reviews_due(struct http_req *r)
{
	int64_t limit, horizon;
	int rc;
	if ((rc = http_query_int(r, "limit", 50, 1, REVIEW_LIMIT_MAX, &limit)) ||
	    (rc = http_query_int(r, "horizon_days", 0, 0, REVIEW_HORIZON_MAX, &horizon)))
		return rc;
	/* Recall on the interview day, when the profile has one (noon UTC of that day). */
	json_t *profile;
	if ((rc = profile_get(r->db, r->user.id, &profile, &r->err)))
		return rc;
	int64_t interview_at = 0, day;
	const char *date = json_string_value(json_object_get(profile, "interview_date"));
	if (date && day_parse(date, &day) == 0)
		interview_at = day * 86400 + 12 * 3600;
	json_t *out;
	rc = review_due(r->db, APP(r)->catalog, r->user.id, time_now(), (int)horizon, (int)limit,
	                interview_at, &out, &r->err);
	if (!rc)
		json_object_set_new(out, "interview_date", date ? json_string(date) : json_null());
	json_decref(profile);
	if (rc)
		return rc;
	return http_reply(r, 200, out);
}

/*
 * Serves a per-user cached answer under KEY when it was written at the
 * user's current version: 1 when served; 0 with *VERSION set otherwise.
 */
static int cached(struct http_req *r, const char *key, uint64_t *version)
{
	char *val;
	size_t len;
	if (!cache_get_user(APP(r)->cache, r->user.id, key, version, &val, &len))
		return 0;
	http_reply_raw(r, 200, "application/json", val, len);
	return 1;
}

/* Replies with OUT (consumed) and keeps it under KEY at VERSION. */
static int reply_caching(struct http_req *r, const char *key, uint64_t version, json_t *out)
{
	char *text = json_dump_compact(out);
	json_decref(out);
	cache_set_user(APP(r)->cache, key, version, text, strlen(text), CACHE_DEFAULT_TTL);
	return http_reply_raw(r, 200, "application/json", text, strlen(text));
}

int h_weaknesses(struct http_req *r)
{
	/* Per user version and hour: recency weights and recall move slowly. */
	char key[CACHE_KEY_MAX];
	uint64_t version = 0;
	int64_t now = time_now();
	snprintf(key, sizeof(key), "weak:%s:%lld", r->user.id, (long long)(now / 3600));
	if (cached(r, key, &version))
		return 0;
	struct learn_state s;
	int rc = learn_load(r->db, APP(r)->catalog, r->user.id, now, &s, &r->err);
	if (rc)
		return rc;
	json_t *out;
	rc = learn_weakness_report(r->db, &s, r->user.id, &out, &r->err);
	learn_release(&s);
	if (rc)
		return rc;
	return reply_caching(r, key, version, out);
}

int h_recommendations(struct http_req *r)
{
	int64_t limit;
	int rc = http_query_int(r, "limit", 10, 1, LEARN_REC_LIMIT_MAX, &limit);
	if (rc)
		return rc;
	int blind;
	if ((rc = http_query_bool(r, "blind", &blind)))
		return rc;
	/* Cached per user version (any write of theirs invalidates) and per hour. */
	char key[CACHE_KEY_MAX];
	uint64_t version = 0;
	int64_t now = time_now();
	snprintf(key, sizeof(key), "recs:%s:%lld:%lld:%d", r->user.id, (long long)limit,
	         (long long)(now / 3600), blind);
	if (cached(r, key, &version))
		return 0;
	struct learn_state s;
	if ((rc = learn_load(r->db, APP(r)->catalog, r->user.id, now, &s, &r->err)))
		return rc;
	json_t *out = learn_recommendations(&s, (int)limit);
	learn_release(&s);
	if (blind) {
		size_t i;
		json_t *it;
		json_array_foreach(json_object_get(out, "items"), i, it)
		    json_object_del(it, "difficulty");
	}
	return reply_caching(r, key, version, out);
}

/* Fills topics[].mastery of a progress summary (GET /progress). */
int learn_fill_mastery(struct http_req *r, json_t *progress)
{
	return learn_fill_progress(r->db, APP(r)->catalog, r->user.id, time_now(), progress,
	                           &r->err);
}

/* Sets "mastery" on a topic detail (GET /topics/{slug}). */
int learn_topic_mastery(struct http_req *r, const char *slug, json_t *topic)
{
	struct learn_state s;
	int rc = learn_load(r->db, APP(r)->catalog, r->user.id, time_now(), &s, &r->err);
	if (rc)
		return rc;
	for (int t = 0; t < APP(r)->catalog->ntopics; t++)
		if (strcmp(APP(r)->catalog->topics[t].slug, slug) == 0)
			json_object_set_new(topic, "mastery", learn_mastery_json(&s.topics[t]));
	learn_release(&s);
	return 0;
}

int h_plan(struct http_req *r)
{
	int64_t weeks;
	int rc = http_query_int(r, "weeks", 0, 0, PLAN_WEEKS_MAX, &weeks);
	if (rc)
		return rc;
	int blind;
	if ((rc = http_query_bool(r, "blind", &blind)))
		return rc;
	json_t *profile;
	if ((rc = profile_get(r->db, r->user.id, &profile, &r->err)))
		return rc;
	struct plan_in in = {0};
	const struct tz *zone = tz_get(json_string_value(json_object_get(profile, "time_zone")));
	in.today = zone ? tz_today(zone) : time_now() / 86400;
	const char *date = json_string_value(json_object_get(profile, "interview_date"));
	if (date)
		day_parse(date, &in.interview_day);
	in.hours_per_week = json_number_value(json_object_get(profile, "hours_per_week"));
	in.weeks = (int)weeks;
	in.blind = blind;
	json_decref(profile);
	/* Per user version and local day (the profile is part of the version). */
	char key[CACHE_KEY_MAX];
	uint64_t version = 0;
	snprintf(key, sizeof(key), "plan:%s:%lld:%d:%d", r->user.id, (long long)in.today, in.weeks,
	         in.blind);
	if (cached(r, key, &version))
		return 0;
	struct learn_state s;
	if ((rc = learn_load(r->db, APP(r)->catalog, r->user.id, time_now(), &s, &r->err)))
		return rc;
	json_t *out = learn_plan(&s, &in);
	learn_release(&s);
	return reply_caching(r, key, version, out);
}

#define STATS_DAYS_MAX  366 /* days one daily series may span */
#define STATS_WEEKS_MAX 104

int h_stats(struct http_req *r)
{
	const char *period = http_query(r, "period");
	int weekly = 0;
	if (period && !strcmp(period, "week"))
		weekly = 1;
	else if (period && strcmp(period, "day"))
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "'period' must be day or week");
	json_t *profile;
	int rc = profile_get(r->db, r->user.id, &profile, &r->err);
	if (rc)
		return rc;
	const struct tz *zone = tz_get(json_string_value(json_object_get(profile, "time_zone")));
	json_decref(profile);
	int64_t to = zone ? tz_today(zone) : time_now() / 86400;
	int64_t from = weekly ? to - 7 * 11 : to - 29;
	const char *f = http_query(r, "from"), *t = http_query(r, "to");
	if ((t && day_parse(t, &to)) || (f && day_parse(f, &from)))
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "'from' and 'to' must be dates such as 2025-03-01");
	if (t && !f)
		from = weekly ? to - 7 * 11 : to - 29;
	if (from > to)
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "'from' must not be after 'to'");
	if ((!weekly && to - from + 1 > STATS_DAYS_MAX) ||
	    (weekly && (to - from) / 7 + 1 > STATS_WEEKS_MAX))
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "a series spans at most %d days or %d weeks", STATS_DAYS_MAX,
		               STATS_WEEKS_MAX);
	json_t *out;
	if ((rc = practice_stats(r->db, r->user.id, weekly, from, to, &out, &r->err)))
		return rc;
	return http_reply(r, 200, out);
}
