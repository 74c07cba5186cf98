/*
 * practice.h: practice tracking: attempts, per-problem progress, the
 * progress summary (totals, streaks, calendar), the profile, and export /
 * import of a user's data. Domain code: callers pass the connection, the
 * catalog snapshot and the audit context; REST and MCP call these alike.
 *
 * Problem status: "solved" once any attempt's outcome is solved (without
 * help), "attempted" when there are attempts but none solved alone, "todo"
 * without attempts.
 */
#ifndef MAANG_PRACTICE_H
#define MAANG_PRACTICE_H

#include <jansson.h>
#include <stdint.h>

#include "audit/audit.h"
#include "catalog/catalog.h"
#include "db/db.h"

#define ATTEMPT_NOTES_MAX     20000 /* bytes */
#define ATTEMPT_LANGUAGE_MAX  32
#define ATTEMPT_URL_MAX       2048
#define ATTEMPT_MINUTES_MAX   1440
#define ATTEMPT_EARLIEST      946684800 /* 2000-01-01T00:00:00Z */
#define ATTEMPT_FUTURE_SLACK  300       /* seconds "at" may be ahead of the clock */
#define PROFILE_COMPANIES_MAX 20
#define CALENDAR_DAYS         365
#define LIST_LIMIT_MAX        500
#define IMPORT_ROWS_MAX       20000

struct attempt_in {
	const char *problem; /* slug */
	const char *outcome; /* solved | solved_with_help | failed */
	int64_t minutes;     /* -1 when absent */
	const char *language;
	int confidence; /* 1..5, 0 when absent */
	const char *notes;
	const char *solution_url;
	int64_t at; /* unix seconds; 0 = now */
};

/*
 * Reads an attempt from a JSON object (the POST /attempts body), checking
 * every field: unknown problem, bad outcome, minutes out of range, "at" in
 * the future, ... give ERR_INVALID naming the field. Strings in OUT point
 * into BODY.
 */
int attempt_from_json(const struct catalog *c, json_t *body, struct attempt_in *out, struct err *e);
/*
 * Logs an attempt; *OUT = {attempt:{...}, progress:{...}}. In one
 * transaction: the attempt, the problem's progress, the day counters and
 * the activity log.
 */
int practice_log_attempt(struct db *db, const struct catalog *c, const struct audit_ctx *ctx,
                         const char *user_id, const struct attempt_in *in, json_t **out,
                         struct err *e);
/* {items:[attempt...], total}; PROBLEM (slug) and SINCE (unix, 0 = all) filter. */
int practice_list_attempts(struct db *db, const struct catalog *c, const char *user_id,
                           const char *problem, int64_t since, int64_t limit, int64_t offset,
                           json_t **out, struct err *e);
/* One of the user's attempts; ERR_NOT_FOUND otherwise. */
int practice_get_attempt(struct db *db, const struct catalog *c, const char *user_id,
                         const char *id, json_t **out, struct err *e);
/* ERR_NOT_FOUND unless ID is one of the user's attempts. */
int practice_delete_attempt(struct db *db, const struct catalog *c, const struct audit_ctx *ctx,
                            const char *user_id, const char *id, struct err *e);
/* The user's progress on one problem, or a "todo" object. */
int practice_problem_progress(struct db *db, const char *user_id, int64_t problem_id, json_t **out,
                              struct err *e);
/*
 * Status of every problem the user touched: fills STATUS[problem id] with
 * 1 (attempted) or 2 (solved); STATUS has MAX_ID + 1 zeroed entries.
 */
int practice_statuses(struct db *db, const char *user_id, unsigned char *status, int64_t max_id,
                      struct err *e);
/* The GET /progress summary. */
int practice_progress(struct db *db, const struct catalog *c, const char *user_id, json_t **out,
                      struct err *e);

/* The profile as served; created on first use. */
int profile_get(struct db *db, const char *user_id, json_t **out, struct err *e);
/* Updates the fields present in BODY (null clears); *OUT gets the new profile. */
int profile_update(struct db *db, const struct catalog *c, const struct audit_ctx *ctx,
                   const char *user_id, json_t *body, json_t **out, struct err *e);
/* The IANA zone name of the user's profile into OUT (64 bytes). */
int profile_time_zone(struct db *db, const char *user_id, char out[64], struct err *e);

/* Everything of the user's as one JSON document. */
int practice_export(struct db *db, const struct catalog *c, const char *user_id, json_t **out,
                    struct err *e);
/* The user's attempts as CSV (the import format); the caller frees *OUT. */
int practice_export_csv(struct db *db, const struct catalog *c, const char *user_id, char **out,
                        size_t *len, struct err *e);
/*
 * Imports attempts from DATA: CSV (header row with problem,outcome,...),
 * our JSON ({"attempts":[...]} or an array), or a LeetCode-style
 * submissions export ({"submissions_dump":[...]}). Each row is validated on
 * its own; *REPORT = {format,imported,duplicates,failed,errors:[{row,error}]}.
 * Rows already present (same problem, time and outcome) are skipped, so an
 * import can be repeated safely.
 */
int practice_import(struct db *db, const struct catalog *c, const struct audit_ctx *ctx,
                    const char *user_id, const char *data, size_t len, int is_csv, json_t **report,
                    struct err *e);

/*
 * user_metrics: the Monday starting the week of local DAY; adds DELTA (1 or
 * -1) attempts of OUTCOME on a problem of DIFFICULTY to DAY and its week, in
 * the caller's transaction.
 */
int64_t practice_week_start(int64_t day);
int practice_metrics_add(struct db *db, const char *user, int64_t day, const char *difficulty,
                         const char *outcome, int64_t minutes, int delta, struct err *e);
/*
 * {period, from, to, items:[{start, attempts, solved, solved_with_help,
 * failed, minutes, success_rate, by_difficulty:{easy, medium, hard}}]}: one
 * item per day (or week, WEEKLY) from local day FROM to TO, empty ones too.
 */
int practice_stats(struct db *db, const char *user, int weekly, int64_t from, int64_t to,
                   json_t **out, struct err *e);

/* Internal to practice/: one attempt with its counters, in the caller's transaction. */
struct tz;
int practice_insert_attempt(struct db *db, const struct catalog *c, const struct tz *zone,
                            const char *user_id, const struct attempt_in *in, int64_t now,
                            char id[37], json_t **progress, struct err *e);

#endif
