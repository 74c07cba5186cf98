/*
 * transfer.c: export of a user's data (JSON, CSV) and import of attempts
 * (CSV, our JSON, LeetCode-style submission dumps) with a per-row report.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "auth/accounts.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "practice/practice.h"

#define IMPORT_ERRORS_MAX 100
#define EXPORT_MAX_BYTES  (512u * 1024 * 1024)

static int collect(struct db *db, json_t *arr, const char *sql, const char *user_id,
                   json_t *(*row)(const struct catalog *, struct db_stmt *),
                   const struct catalog *c, struct err *e)
{
	struct db_stmt *st;
	int rc = db_query(db, &st, e, sql, "t", user_id);
	if (rc)
		return rc;
	while ((rc = db_step(st, e)) == DB_ROW)
		json_array_append_new(arr, row(c, st));
	db_finish(st);
	return rc < 0 ? rc : 0;
}

static json_t *iso(int64_t t)
{
	char ts[21];
	time_format_iso8601(t, ts);
	return json_string(ts);
}

static json_t *opt_text(struct db_stmt *st, int i)
{
	return db_col_is_null(st, i) ? json_null() : json_string(db_col_text(st, i));
}

static json_t *opt_int(struct db_stmt *st, int i)
{
	return db_col_is_null(st, i) ? json_null() : json_integer(db_col_int(st, i));
}

static json_t *attempt_row(const struct catalog *c, struct db_stmt *st)
{
	const struct catalog_problem *p = catalog_problem_by_id(c, db_col_int(st, 1));
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
	                 db_col_text(st, 0), "problem", p ? p->slug : "", "outcome",
	                 db_col_text(st, 2), "minutes", opt_int(st, 3), "language", opt_text(st, 4),
	                 "confidence", opt_int(st, 5), "notes", opt_text(st, 6), "solution_url",
	                 opt_text(st, 7), "at", iso(db_col_int(st, 8)), "created_at",
	                 iso(db_col_int(st, 9)));
}

static json_t *progress_row(const struct catalog *c, struct db_stmt *st)
{
	const struct catalog_problem *p = catalog_problem_by_id(c, db_col_int(st, 0));
	return json_pack("{s:s, s:s, s:I, s:I, s:o, s:o, s:s, s:o}", "problem", p ? p->slug : "",
	                 "status", db_col_text(st, 1), "attempts", (json_int_t)db_col_int(st, 2),
	                 "solved_count", (json_int_t)db_col_int(st, 3), "first_attempt_at",
	                 iso(db_col_int(st, 4)), "last_attempt_at", iso(db_col_int(st, 5)),
	                 "last_outcome", db_col_text(st, 6), "best_minutes", opt_int(st, 7));
}

static json_t *token_row(const struct catalog *c, struct db_stmt *st)
{
	(void)c;
	return json_pack("{s:s, s:s, s:s, s:o}", "id", db_col_text(st, 0), "name",
	                 db_col_text(st, 1), "prefix", db_col_text(st, 2), "created_at",
	                 iso(db_col_int(st, 3)));
}

static json_t *activity_row(const struct catalog *c, struct db_stmt *st)
{
	(void)c;
	json_t *detail = json_loads(db_col_text(st, 3), 0, NULL);
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "action", db_col_text(st, 0), "entity",
	                 db_col_text(st, 1), "entity_id", opt_text(st, 2), "detail",
	                 detail ? detail : json_object(), "ip", opt_text(st, 4), "at",
	                 iso(db_col_int(st, 5)));
}

int practice_export(struct db *db, const struct catalog *c, const char *user_id, json_t **out,
                    struct err *e)
{
	struct account a;
	json_t *profile = NULL, *attempts = json_array(), *progress = json_array(),
	       *tokens = json_array(), *activity = json_array();
	int rc;
	if ((rc = accounts_get(db, user_id, &a, e)) ||
	    (rc = profile_get(db, user_id, &profile, e)) ||
	    (rc = collect(db, attempts,
	                  "SELECT id, problem_id, outcome, minutes, language, confidence, notes, "
	                  "solution_url, at, created_at FROM attempts WHERE user_id = ? "
	                  "ORDER BY at, created_at, id",
	                  user_id, attempt_row, c, e)) ||
	    (rc = collect(db, progress,
	                  "SELECT problem_id, status, attempts, solved_count, first_at, last_at, "
	                  "last_outcome, best_minutes FROM problem_progress WHERE user_id = ? "
	                  "ORDER BY problem_id",
	                  user_id, progress_row, c, e)) ||
	    (rc = collect(db, tokens,
	                  "SELECT id, name, prefix, created_at FROM api_tokens WHERE user_id = ? "
	                  "ORDER BY created_at",
	                  user_id, token_row, c, e)) ||
	    (rc = collect(db, activity,
	                  "SELECT action, entity, entity_id, detail, ip, at FROM activity_log "
	                  "WHERE user_id = ? ORDER BY id",
	                  user_id, activity_row, c, e))) {
		json_decref(profile);
		json_decref(attempts);
		json_decref(progress);
		json_decref(tokens);
		json_decref(activity);
		return rc;
	}
	*out = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "format", "maang-export-v1",
	                 "exported_at", iso(time_now()), "user", account_json(&a), "profile",
	                 profile, "attempts", attempts, "progress", progress, "api_tokens", tokens,
	                 "activity", activity);
	return 0;
}

/* RFC 4180 field: quoted when it holds a comma, quote or line break. */
static void csv_field(struct buf *b, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		buf_puts(b, s);
		return;
	}
	buf_puts(b, "\"");
	for (; *s; s++) {
		if (*s == '"')
			buf_puts(b, "\"");
		buf_append(b, s, 1);
	}
	buf_puts(b, "\"");
}

int practice_export_csv(struct db *db, const struct catalog *c, const char *user_id, char **out,
                        size_t *len, struct err *e)
{
	struct db_stmt *st;
	struct buf b;
	int rc =
	    db_query(db, &st, e,
	             "SELECT problem_id, outcome, minutes, language, confidence, notes, "
	             "solution_url, at FROM attempts WHERE user_id = ? ORDER BY at, created_at, id",
	             "t", user_id);
	if (rc)
		return rc;
	buf_init(&b, EXPORT_MAX_BYTES);
	buf_puts(&b, "problem,outcome,minutes,language,confidence,notes,solution_url,at\r\n");
	while ((rc = db_step(st, e)) == DB_ROW) {
		const struct catalog_problem *p = catalog_problem_by_id(c, db_col_int(st, 0));
		char ts[21], num[24];
		csv_field(&b, p ? p->slug : "");
		buf_puts(&b, ",");
		csv_field(&b, db_col_text(st, 1));
		buf_puts(&b, ",");
		if (!db_col_is_null(st, 2)) {
			snprintf(num, sizeof(num), "%lld", (long long)db_col_int(st, 2));
			buf_puts(&b, num);
		}
		buf_puts(&b, ",");
		csv_field(&b, db_col_text(st, 3));
		buf_puts(&b, ",");
		if (!db_col_is_null(st, 4)) {
			snprintf(num, sizeof(num), "%lld", (long long)db_col_int(st, 4));
			buf_puts(&b, num);
		}
		buf_puts(&b, ",");
		csv_field(&b, db_col_text(st, 5));
		buf_puts(&b, ",");
		csv_field(&b, db_col_text(st, 6));
		buf_puts(&b, ",");
		time_format_iso8601(db_col_int(st, 7), ts);
		if (buf_puts(&b, ts) || buf_puts(&b, "\r\n")) {
			rc = err_set(e, ERR_TOO_LARGE, "export_too_large", "export is too large");
			break;
		}
	}
	db_finish(st);
	if (rc < 0) {
		buf_release(&b);
		return rc;
	}
	*len = b.len;
	*out = buf_detach(&b);
	return 0;
}

/*
 * Splits CSV text into rows of fields (RFC 4180: quotes, doubled quotes,
 * CRLF or LF). Returns an array of arrays of strings, or NULL when a quote
 * is left open.
 */
static json_t *csv_parse(const char *s, size_t len)
{
	json_t *rows = json_array(), *row = json_array();
	struct buf f;
	buf_init(&f, len + 1);
	size_t i = 0;
	int quoted = 0, any = 0;
	if (len >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
	    (unsigned char)s[2] == 0xBF)
		i = 3; /* a UTF-8 byte order mark */
	for (; i < len; i++) {
		char ch = s[i];
		if (quoted) {
			if (ch == '"' && i + 1 < len && s[i + 1] == '"') {
				buf_append(&f, "\"", 1);
				i++;
			} else if (ch == '"') {
				quoted = 0;
			} else {
				buf_append(&f, &ch, 1);
			}
			continue;
		}
		if (ch == '"' && f.len == 0) {
			quoted = 1;
			any = 1;
		} else if (ch == ',') {
			json_array_append_new(row, json_string(f.data ? f.data : ""));
			buf_reset(&f);
			any = 1;
		} else if (ch == '\n' || ch == '\r') {
			if (ch == '\r' && i + 1 < len && s[i + 1] == '\n')
				i++;
			if (any || f.len) {
				json_array_append_new(row, json_string(f.data ? f.data : ""));
				json_array_append_new(rows, row);
				row = json_array();
			}
			buf_reset(&f);
			any = 0;
		} else {
			buf_append(&f, &ch, 1);
			any = 1;
		}
	}
	if (quoted) {
		buf_release(&f);
		json_decref(row);
		json_decref(rows);
		return NULL;
	}
	if (any || f.len) {
		json_array_append_new(row, json_string(f.data ? f.data : ""));
		json_array_append_new(rows, row);
	} else {
		json_decref(row);
	}
	buf_release(&f);
	return rows;
}

static void trim(char *s)
{
	size_t n = strlen(s), k = 0;
	while (k < n && isspace((unsigned char)s[k]))
		k++;
	memmove(s, s + k, n - k + 1);
	n -= k;
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* Turns CSV rows (first = header) into attempt objects; bad rows become {"_error":...}. */
static int csv_to_objects(json_t *rows, json_t **out, struct err *e)
{
	static const char *const columns[] = {"problem",    "outcome", "minutes",      "language",
	                                      "confidence", "notes",   "solution_url", "at"};
	json_t *header = json_array_get(rows, 0);
	int map[16];
	size_t ncols = json_array_size(header);
	if (ncols == 0 || ncols > 16)
		return err_set(e, ERR_BAD_REQUEST, "invalid_csv",
		               "CSV needs a header row with 1 to 16 columns");
	for (size_t i = 0; i < ncols; i++) {
		char name[64];
		str_copy(name, sizeof(name), json_string_value(json_array_get(header, i)));
		trim(name);
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!strcmp(name, "slug") || !strcmp(name, "title_slug"))
			str_copy(name, sizeof(name), "problem");
		map[i] = -1;
		for (size_t k = 0; k < ARRAY_LEN(columns); k++)
			if (strcmp(name, columns[k]) == 0)
				map[i] = (int)k;
		for (size_t k = 0; map[i] >= 0 && k < i; k++)
			if (map[k] == map[i])
				return err_set(e, ERR_BAD_REQUEST, "invalid_csv",
				               "CSV column '%s' appears twice", name);
		if (map[i] < 0)
			return err_set(e, ERR_BAD_REQUEST, "invalid_csv",
			               "unknown CSV column '%.40s' (expected problem, outcome, "
			               "minutes, language, confidence, notes, solution_url, at)",
			               name);
	}
	json_t *objs = json_array();
	for (size_t r = 1; r < json_array_size(rows); r++) {
		json_t *row = json_array_get(rows, r), *o = json_object();
		if (json_array_size(row) != ncols) {
			json_object_set_new(o, "_error",
			                    json_sprintf("row has %zu fields, the header %zu",
			                                 json_array_size(row), ncols));
			json_array_append_new(objs, o);
			continue;
		}
		for (size_t i = 0; i < ncols; i++) {
			const char *v = json_string_value(json_array_get(row, i));
			const char *col = columns[map[i]];
			if (!*v)
				continue;
			if (!strcmp(col, "minutes") || !strcmp(col, "confidence")) {
				int64_t n;
				if (str_to_i64(v, -1000000, 1000000, &n)) {
					json_object_set_new(
					    o, "_error",
					    json_sprintf("'%s' must be an integer", col));
					break;
				}
				json_object_set_new(o, col, json_integer(n));
			} else {
				json_object_set_new(o, col, json_string(v));
			}
		}
		json_array_append_new(objs, o);
	}
	*out = objs;
	return 0;
}

/* LeetCode-style submission → attempt object. */
static json_t *from_submission(json_t *s)
{
	json_t *o = json_object();
	const char *slug = json_str(s, "title_slug");
	const char *status = json_str(s, "status_display");
	json_t *ts = json_object_get(s, "timestamp");
	if (!slug || !status) {
		json_object_set_new(o, "_error",
		                    json_string("submission needs title_slug and status_display"));
		return o;
	}
	json_object_set_new(o, "problem", json_string(slug));
	json_object_set_new(o, "outcome",
	                    json_string(strcmp(status, "Accepted") == 0 ? "solved" : "failed"));
	if (json_str(s, "lang"))
		json_object_set_new(o, "language", json_string(json_str(s, "lang")));
	int64_t t = 0;
	if (json_is_integer(ts))
		t = json_integer_value(ts);
	else if (json_is_string(ts) && str_to_i64(json_string_value(ts), 0, INT64_MAX / 2, &t))
		t = -1;
	if (t > 0) {
		char buf[21];
		time_format_iso8601(t, buf);
		json_object_set_new(o, "at", json_string(buf));
	} else if (t < 0) {
		json_object_set_new(o, "_error", json_string("timestamp must be unix seconds"));
	}
	return o;
}

static int is_duplicate(struct db *db, const char *user_id, const struct catalog *c,
                        const struct attempt_in *a, int *dup, struct err *e)
{
	int64_t n;
	if (!a->at) {
		*dup = 0;
		return 0;
	}
	int rc = db_scalar(db, e, &n,
	                   "SELECT count(*) FROM attempts WHERE user_id = ? AND problem_id = ? AND "
	                   "at = ? AND outcome = ?",
	                   "tiit", user_id, catalog_problem_by_slug(c, a->problem)->id, a->at,
	                   a->outcome);
	if (rc == 0)
		*dup = n > 0;
	return rc;
}

int practice_import(struct db *db, const struct catalog *c, const struct audit_ctx *ctx,
                    const char *user_id, const char *data, size_t len, int is_csv, json_t **report,
                    struct err *e)
{
	json_t *objs = NULL, *doc = NULL;
	const char *format;
	int rc;
	if (is_csv) {
		if (!utf8_valid(data, len))
			return err_set(e, ERR_BAD_REQUEST, "invalid_csv", "CSV is not valid UTF-8");
		json_t *rows = csv_parse(data, len);
		if (!rows)
			return err_set(e, ERR_BAD_REQUEST, "invalid_csv",
			               "CSV has an unclosed quote");
		rc = csv_to_objects(rows, &objs, e);
		json_decref(rows);
		if (rc)
			return rc;
		format = "csv";
	} else {
		if ((rc = json_parse_body(data, len, 0, &doc, e)))
			return rc;
		json_t *list = NULL;
		format = "json";
		if (json_is_array(doc)) {
			list = doc;
		} else if (json_is_array(json_object_get(doc, "attempts"))) {
			list = json_object_get(doc, "attempts");
		} else if (json_is_array(json_object_get(doc, "submissions_dump"))) {
			format = "leetcode";
			objs = json_array();
			size_t i;
			json_t *s;
			json_array_foreach(json_object_get(doc, "submissions_dump"), i, s)
			    json_array_append_new(
			        objs, json_is_object(s)
			                  ? from_submission(s)
			                  : json_pack("{s:s}", "_error", "not an object"));
		} else {
			json_decref(doc);
			return err_set(
			    e, ERR_BAD_REQUEST, "invalid_import",
			    "expected CSV, an array of attempts, {\"attempts\":[...]} or "
			    "{\"submissions_dump\":[...]}");
		}
		if (list)
			objs = json_incref(list);
	}
	if (json_array_size(objs) > IMPORT_ROWS_MAX) {
		json_decref(objs);
		json_decref(doc);
		return err_set(e, ERR_TOO_LARGE, "too_many_rows", "an import holds at most %d rows",
		               IMPORT_ROWS_MAX);
	}
	char zone_name[64];
	int64_t imported = 0, duplicates = 0, failed = 0;
	json_t *errors = json_array();
	if ((rc = db_begin(db, e)))
		goto out;
	if ((rc = profile_time_zone(db, user_id, zone_name, e)))
		goto fail;
	const struct tz *zone = tz_get(zone_name);
	if (!zone)
		zone = tz_get("UTC");
	size_t i;
	json_t *o;
	json_array_foreach(objs, i, o)
	{
		struct err re = {0};
		struct attempt_in a;
		int row_rc;
		if (!json_is_object(o)) {
			row_rc = err_set(&re, ERR_INVALID, "invalid_row", "row is not an object");
		} else if (json_str(o, "_error")) {
			row_rc =
			    err_set(&re, ERR_INVALID, "invalid_row", "%s", json_str(o, "_error"));
		} else {
			/* Our own export carries these; they are not attempt input. */
			json_t *copy = json_copy(o);
			json_object_del(copy, "id");
			json_object_del(copy, "title");
			json_object_del(copy, "created_at");
			row_rc = attempt_from_json(c, copy, &a, &re);
			if (!row_rc) {
				int dup;
				char id[37];
				if ((rc = is_duplicate(db, user_id, c, &a, &dup, e))) {
					json_decref(copy);
					goto fail;
				}
				if (dup) {
					duplicates++;
				} else if ((rc =
				                practice_insert_attempt(db, c, zone, user_id, &a,
				                                        time_now(), id, NULL, e))) {
					json_decref(copy);
					goto fail;
				} else {
					imported++;
				}
			}
			json_decref(copy);
		}
		if (row_rc) {
			failed++;
			if (json_array_size(errors) < IMPORT_ERRORS_MAX)
				json_array_append_new(errors, json_pack("{s:I, s:s}", "row",
				                                        (json_int_t)(i + 1),
				                                        "error", re.msg));
		}
	}
	json_t *detail =
	    json_pack("{s:s, s:I, s:I, s:I}", "format", format, "imported", (json_int_t)imported,
	              "duplicates", (json_int_t)duplicates, "failed", (json_int_t)failed);
	rc = audit_log(db, ctx, "attempt.import", "attempt", NULL, detail, e);
	json_decref(detail);
	if (rc || (rc = db_commit(db, e)))
		goto fail;
	*report = json_pack("{s:s, s:I, s:I, s:I, s:I, s:O}", "format", format, "rows",
	                    (json_int_t)json_array_size(objs), "imported", (json_int_t)imported,
	                    "duplicates", (json_int_t)duplicates, "failed", (json_int_t)failed,
	                    "errors", errors);
	goto out;
fail:
	db_rollback(db);
out:
	json_decref(errors);
	json_decref(objs);
	json_decref(doc);
	return rc;
}
