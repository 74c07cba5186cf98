/*
 * h_practice.c: attempts, progress, profile, export and import.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "core/log.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "practice/practice.h"

int h_attempt_create(struct http_req *r)
{
	struct attempt_in in;
	json_t *out;
	int rc = attempt_from_json(APP(r)->catalog, r->json, &in, &r->err);
	if (rc)
		return rc;
	struct audit_ctx ctx = api_audit_ctx(r);
	if ((rc = practice_log_attempt(r->db, APP(r)->catalog, &ctx, r->user.id, &in, &out,
	                               &r->err)))
		return rc;
	/* The notes become a memory; the attempt stands even if that fails. */
	struct err me = {0};
	if (mem_note_attempt(&APP(r)->mem, r->db, &ctx, r->user.id, json_object_get(out, "attempt"),
	                     &me))
		log_msg(LOG_WARN, "h_attempt_create: attempt note not stored as a memory: %s",
		        me.msg);
	r->location =
	    xasprintf("/api/v1/attempts/%s", json_str(json_object_get(out, "attempt"), "id"));
	return http_reply(r, 201, out);
}

int h_attempts(struct http_req *r)
{
	int64_t limit, offset, since = 0;
	const char *problem = http_query(r, "problem"), *since_s = http_query(r, "since");
	json_t *out;
	int rc;
	if ((rc = http_query_int(r, "limit", 50, 1, LIST_LIMIT_MAX, &limit)) ||
	    (rc = http_query_int(r, "offset", 0, 0, INT32_MAX, &offset)))
		return rc;
	if (problem && (!*problem || strlen(problem) > 200))
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "'problem' must be a problem slug");
	if (since_s && *since_s && time_parse_iso8601(since_s, &since))
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "'since' must be an ISO 8601 date or time");
	if ((rc = practice_list_attempts(r->db, APP(r)->catalog, r->user.id, problem, since, limit,
	                                 offset, &out, &r->err)))
		return rc;
	json_object_set_new(out, "limit", json_integer(limit));
	json_object_set_new(out, "offset", json_integer(offset));
	return http_reply(r, 200, out);
}

int h_attempt(struct http_req *r)
{
	json_t *o;
	int rc =
	    practice_get_attempt(r->db, APP(r)->catalog, r->user.id, r->params[0], &o, &r->err);
	if (rc)
		return rc;
	return http_reply(r, 200, json_pack("{s:o}", "attempt", o));
}

int h_attempt_delete(struct http_req *r)
{
	struct audit_ctx ctx = api_audit_ctx(r);
	int rc = practice_delete_attempt(r->db, APP(r)->catalog, &ctx, r->user.id, r->params[0],
	                                 &r->err);
	if (rc)
		return rc;
	struct err me = {0};
	if (mem_forget_attempt(&APP(r)->mem, r->db, &ctx, r->user.id, r->params[0], &me))
		log_msg(LOG_WARN, "h_attempt_delete: attempt note memory not deleted: %s", me.msg);
	return http_reply(r, 204, NULL);
}

/*
 * The summary is cached per user version (checked in the same round trip
 * as the read). The cached text starts with the local day and zone it was
 * computed for ("20000|Europe/Berlin|{...}"), so it is recomputed when the
 * user's day turns.
 */
int h_progress(struct http_req *r)
{
	struct cache *cache = APP(r)->cache;
	char key[128], *val;
	size_t len;
	uint64_t version;
	json_t *out;
	snprintf(key, sizeof(key), "progress:%s", r->user.id);
	if (cache_get_user(cache, r->user.id, key, &version, &val, &len)) {
		char *zone = strchr(val, '|'), *body = zone ? strchr(zone + 1, '|') : NULL;
		int64_t day;
		if (body) {
			*zone++ = '\0';
			*body++ = '\0';
			const struct tz *z = tz_get(zone);
			if (z && str_to_i64(val, INT32_MIN, INT32_MAX, &day) == 0 &&
			    tz_today(z) == day) {
				size_t n = len - (size_t)(body - val);
				memmove(val, body, n + 1);
				return http_reply_raw(r, 200, "application/json", val, n);
			}
		}
		free(val);
	}
	int rc = practice_progress(r->db, APP(r)->catalog, r->user.id, &out, &r->err);
	if (rc)
		return rc;
	if ((rc = learn_fill_mastery(r, out))) {
		json_decref(out);
		return rc;
	}
	const char *zone = json_str(out, "time_zone");
	int64_t today;
	char *text = json_dump_compact(out);
	if (zone && day_parse(json_str(out, "today"), &today) == 0) {
		char *entry = xasprintf("%lld|%s|%s", (long long)today, zone, text);
		cache_set_user(cache, key, version, entry, strlen(entry), CACHE_DEFAULT_TTL);
		free(entry);
	}
	json_decref(out);
	return http_reply_raw(r, 200, "application/json", text, strlen(text));
}

int h_profile_get(struct http_req *r)
{
	json_t *out;
	int rc = profile_get(r->db, r->user.id, &out, &r->err);
	if (rc)
		return rc;
	return http_reply(r, 200, out);
}

int h_profile_put(struct http_req *r)
{
	json_t *out;
	struct audit_ctx ctx = api_audit_ctx(r);
	int rc = profile_update(r->db, APP(r)->catalog, &ctx, r->user.id, r->json, &out, &r->err);
	if (rc)
		return rc;
	return http_reply(r, 200, out);
}

int h_export(struct http_req *r)
{
	const char *format = http_query(r, "format");
	int rc;
	if (format && !strcmp(format, "csv")) {
		char *csv;
		size_t len;
		if ((rc = practice_export_csv(r->db, APP(r)->catalog, r->user.id, &csv, &len,
		                              &r->err)))
			return rc;
		return http_reply_raw(r, 200, "text/csv; charset=utf-8", csv, len);
	}
	if (format && strcmp(format, "json"))
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "format must be json or csv");
	json_t *out;
	if ((rc = practice_export(r->db, APP(r)->catalog, r->user.id, &out, &r->err)))
		return rc;
	json_t *memories;
	if ((rc = mem_export(&APP(r)->mem, r->db, r->user.id, &memories, &r->err))) {
		json_decref(out);
		return rc;
	}
	json_object_set_new(out, "memories", memories);
	return http_reply(r, 200, out);
}

int h_import(struct http_req *r)
{
	const char *type = http_header(r, "Content-Type");
	const char *format = http_query(r, "format");
	int csv =
	    (type && strncasecmp(type, "text/csv", 8) == 0) || (format && !strcmp(format, "csv"));
	json_t *report;
	if (r->body.len == 0)
		return err_set(&r->err, ERR_BAD_REQUEST, "empty_body", "request body is empty");
	struct audit_ctx ctx = api_audit_ctx(r);
	int rc = practice_import(r->db, APP(r)->catalog, &ctx, r->user.id, r->body.data,
	                         r->body.len, csv, &report, &r->err);
	if (rc)
		return rc;
	/* Imported notes become memories too; the import stands if that fails. */
	int notes = 0;
	struct err me = {0};
	if (mem_sync_attempt_notes(&APP(r)->mem, r->db, APP(r)->catalog, &ctx, r->user.id, &notes,
	                           &me))
		log_msg(LOG_WARN, "h_import: attempt notes not stored as memories: %s", me.msg);
	json_object_set_new(report, "memories", json_integer(notes));
	return http_reply(r, 200, report);
}
