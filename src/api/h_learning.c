/*
 * h_learning.c: REST handlers of the learning engine: due reviews.
 */
#include <string.h>

#include "core/timeutil.h"
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
