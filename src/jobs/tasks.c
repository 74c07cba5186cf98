/*
 * tasks.c: what jobs do, and the schedule. Each kind is a handler in one
 * table; the periodic ones are listed in the schedule below it. Handlers
 * work in batches and keep their lease alive, so a long run survives and a
 * crash repeats only the unfinished batch; every one is safe to run twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "jobs/backup.h"
#include "jobs/mail.h"
#include "jobs/runner.h"
#include "learning/engine.h"
#include "mcp/mcp.h"

#define SLEEP_MAX_MS          600000 /* the diagnostic sleep job's limit */
#define ACTIVE_DAYS           7      /* users refreshed by weakness.refresh */
#define REMINDER_GAP          (20 * 3600)
#define USERS_PER_BATCH       200
#define MEMORY_LOW_IMPORTANCE 0.3

/* Diagnostics: echo returns its payload; sleep waits (giving the job back on shutdown). */
static int t_echo(struct job_ctx *c, struct err *e)
{
	(void)e;
	c->result = json_pack("{s:O, s:s}", "echo", c->job->payload, "worker", c->job->worker);
	return 0;
}

static int t_sleep(struct job_ctx *c, struct err *e)
{
	json_int_t ms = json_integer_value(json_object_get(c->job->payload, "ms"));
	if (ms < 0 || ms > SLEEP_MAX_MS)
		return err_set(e, ERR_INVALID, "invalid_payload", "ms must be 0..%d", SLEEP_MAX_MS);
	for (json_int_t slept = 0; slept < ms; slept += 50) {
		if (*c->stopping)
			return JOB_RELEASE;
		usleep(50000);
	}
	c->result = json_pack("{s:I, s:s}", "slept_ms", ms, "worker", c->job->worker);
	return 0;
}

static int t_fail(struct job_ctx *c, struct err *e)
{
	const char *m = json_str(c->job->payload, "message");
	return err_set(e, ERR_INTERNAL, "job_failed", "%s", m ? m : "failed on purpose");
}

/* Users with attempts logged since SINCE, in batches. */
static int active_users(struct db *db, int64_t since, json_t **out, struct err *e)
{
	struct db_stmt *st;
	int rc = db_query(db, &st, e,
	                  "SELECT DISTINCT user_id FROM attempts WHERE created_at >= ? ORDER BY 1",
	                  "i", since);
	if (rc)
		return rc;
	json_t *users = json_array();
	while ((rc = db_step(st, e)) == DB_ROW)
		json_array_append_new(users, json_string(db_col_text(st, 0)));
	db_finish(st);
	if (rc < 0) {
		json_decref(users);
		return rc;
	}
	*out = users;
	return 0;
}

/*
 * Rebuilds the day and week rollups of users whose attempts changed in the
 * last two hours from the attempts themselves: writes keep them in step,
 * this repairs anything that went around them.
 */
static int t_metrics_rollup(struct job_ctx *c, struct err *e)
{
	json_t *users;
	int rc = active_users(c->db, time_now() - 2 * 3600, &users, e);
	if (rc)
		return rc;
	size_t i;
	json_t *u;
	json_array_foreach(users, i, u)
	{
		const char *user = json_string_value(u);
		if ((rc = db_begin(c->db, e)))
			break;
		rc =
		    db_run(c->db, e, NULL, "DELETE FROM user_metrics WHERE user_id = ?", "t", user);
		if (!rc)
			rc = db_run(
			    c->db, e, NULL,
			    "INSERT INTO user_metrics (user_id, period, start_day, difficulty, "
			    "attempts, "
			    "solved, helped, failed, minutes) "
			    "SELECT a.user_id, 'day', a.day, p.difficulty, count(*), "
			    "sum(CASE WHEN a.outcome = 'solved' THEN 1 ELSE 0 END), "
			    "sum(CASE WHEN a.outcome = 'solved_with_help' THEN 1 ELSE 0 END), "
			    "sum(CASE WHEN a.outcome = 'failed' THEN 1 ELSE 0 END), "
			    "coalesce(sum(a.minutes), 0) FROM attempts a JOIN problems p ON p.id = "
			    "a.problem_id WHERE a.user_id = ? GROUP BY a.user_id, a.day, "
			    "p.difficulty",
			    "t", user);
		if (!rc)
			rc = db_run(
			    c->db, e, NULL,
			    "INSERT INTO user_metrics (user_id, period, start_day, difficulty, "
			    "attempts, "
			    "solved, helped, failed, minutes) "
			    "SELECT a.user_id, 'week', a.day - ((a.day + 3) % 7), p.difficulty, "
			    "count(*), "
			    "sum(CASE WHEN a.outcome = 'solved' THEN 1 ELSE 0 END), "
			    "sum(CASE WHEN a.outcome = 'solved_with_help' THEN 1 ELSE 0 END), "
			    "sum(CASE WHEN a.outcome = 'failed' THEN 1 ELSE 0 END), "
			    "coalesce(sum(a.minutes), 0) FROM attempts a JOIN problems p ON p.id = "
			    "a.problem_id WHERE a.user_id = ? "
			    "GROUP BY a.user_id, a.day - ((a.day + 3) % 7), p.difficulty",
			    "t", user);
		if (rc || (rc = db_commit(c->db, e))) {
			db_rollback(c->db);
			break;
		}
		if (i % USERS_PER_BATCH == USERS_PER_BATCH - 1 && (rc = job_ctx_heartbeat(c, e)))
			break;
	}
	if (!rc)
		c->result = json_pack("{s:I}", "users", (json_int_t)json_array_size(users));
	json_decref(users);
	return rc;
}

/* Recomputes the weakness analysis of users active this week (stores a change). */
static int t_weakness_refresh(struct job_ctx *c, struct err *e)
{
	json_t *users;
	int64_t now = time_now();
	int rc = active_users(c->db, now - ACTIVE_DAYS * 86400, &users, e);
	if (rc)
		return rc;
	size_t i;
	json_t *u;
	json_array_foreach(users, i, u)
	{
		if (*c->stopping) {
			rc = JOB_RELEASE;
			break;
		}
		struct learn_state s;
		json_t *report;
		if ((rc = learn_load(c->db, c->app->catalog, json_string_value(u), now, &s, e)))
			break;
		rc = learn_weakness_report(c->db, &s, json_string_value(u), &report, e);
		learn_release(&s);
		if (rc)
			break;
		json_decref(report);
		cache_bump_user(c->app->cache, json_string_value(u));
		if (i % 20 == 19 && (rc = job_ctx_heartbeat(c, e)))
			break;
	}
	if (!rc)
		c->result = json_pack("{s:I}", "users", (json_int_t)json_array_size(users));
	json_decref(users);
	return rc;
}

/* Tells the user's open pages; through the outbox when this process has no Redis. */
static void announce(struct job_ctx *c, const char *user, const char *type, json_t *data)
{
	char *text = json_dump_compact(data);
	events_publish(c->app->events, user, type, text);
	struct err e = {0};
	if (c->app->outbox_origin[0] &&
	    outbox_write(c->db, c->app->outbox_origin, user, type, text, &e))
		log_warn("announce: %s", e.msg);
	free(text);
}

/*
 * A notification for each user with reviews due and none sent in the last
 * 20 hours: "5 reviews are due (two-sum, ...)".
 */
static int t_review_reminders(struct job_ctx *c, struct err *e)
{
	int64_t now = time_now();
	struct db_stmt *st;
	int rc = db_query(
	    c->db, &st, e,
	    "SELECT pp.user_id, count(*) FROM problem_progress pp WHERE pp.next_review IS NOT NULL "
	    "AND pp.next_review <= ? AND NOT EXISTS (SELECT 1 FROM notifications n WHERE "
	    "n.user_id = pp.user_id AND n.kind = 'reviews_due' AND n.created_at > ?) "
	    "GROUP BY pp.user_id",
	    "ii", now, now - REMINDER_GAP);
	if (rc)
		return rc;
	json_t *due = json_object();
	while ((rc = db_step(st, e)) == DB_ROW)
		json_object_set_new(due, db_col_text(st, 0), json_integer(db_col_int(st, 1)));
	db_finish(st);
	if (rc < 0) {
		json_decref(due);
		return rc;
	}
	const char *user;
	json_t *n;
	int sent = 0;
	rc = 0;
	json_object_foreach(due, user, n)
	{
		char id[37], msg[160];
		uuid_v4(id);
		json_int_t count = json_integer_value(n);
		snprintf(msg, sizeof(msg), "%lld review%s due: keep the schedule and your recall",
		         (long long)count, count == 1 ? " is" : "s are");
		json_t *data = json_pack("{s:s, s:s, s:s, s:I}", "id", id, "kind", "reviews_due",
		                         "message", msg, "due", count);
		char *text = json_dump_compact(data);
		if ((rc = db_begin(c->db, e)) == 0) {
			rc = db_run(c->db, e, NULL,
			            "INSERT INTO notifications (id, user_id, kind, message, data, "
			            "created_at) VALUES (?, ?, 'reviews_due', ?, ?, ?)",
			            "tttti", id, user, msg, text, now);
			if (rc || (rc = db_commit(c->db, e)))
				db_rollback(c->db);
		}
		free(text);
		if (!rc) {
			announce(c, user, "notification.created", data);
			sent++;
		}
		json_decref(data);
		if (rc)
			break;
	}
	json_decref(due);
	if (!rc)
		c->result = json_pack("{s:i}", "reminded", sent);
	return rc;
}

/*
 * Reminders of scheduled mock interviews, 24 hours, 1 hour and 5 minutes
 * before: a notification (with its live event) and, when SMTP_URL is set,
 * an e-mail. Only the nearest window counts (a session booked for in ten
 * minutes gets the 1-hour reminder, not three at once); the notification's
 * id names the session and window, so each is sent once across processes.
 */
static int t_interview_reminders(struct job_ctx *c, struct err *e)
{
	static const int windows[] = {300, 3600, 86400};
	int64_t now = time_now();
	struct db_stmt *st;
	int rc =
	    db_query(c->db, &st, e,
	             "SELECT s.id, s.user_id, s.type, s.company, s.scheduled_at, u.email "
	             "FROM interview_sessions s JOIN users u ON u.id = s.user_id "
	             "WHERE s.state = 'scheduled' AND s.scheduled_at > ? AND s.scheduled_at <= ?",
	             "ii", now, now + 86400);
	if (rc)
		return rc;
	json_t *due = json_array();
	while ((rc = db_step(st, e)) == DB_ROW)
		json_array_append_new(
		    due, json_pack("{s:s, s:s, s:s, s:s?, s:I, s:s}", "id", db_col_text(st, 0),
		                   "user", db_col_text(st, 1), "type", db_col_text(st, 2),
		                   "company", db_col_text(st, 3), "at",
		                   (json_int_t)db_col_int(st, 4), "email", db_col_text(st, 5)));
	db_finish(st);
	if (rc < 0) {
		json_decref(due);
		return rc;
	}
	int sent = 0, mailed = 0, mail_failed = 0;
	size_t i;
	json_t *x;
	rc = 0;
	json_array_foreach(due, i, x)
	{
		int64_t at = json_integer_value(json_object_get(x, "at")), left = at - now;
		int w = 0;
		for (size_t k = 0; k < ARRAY_LEN(windows) && !w; k++)
			if (left <= windows[k])
				w = windows[k];
		char id[80], msg[300], when[21];
		snprintf(id, sizeof(id), "ivr-%s-%d", json_str(x, "id"), w);
		time_format_iso8601(at, when);
		const char *company = json_str(x, "company");
		snprintf(msg, sizeof(msg), "Your %s mock interview%s%s starts in %s (%s UTC)",
		         !strcmp(json_str(x, "type"), "system_design") ? "system design"
		                                                       : json_str(x, "type"),
		         company ? " for " : "", company ? company : "",
		         w == 300    ? "5 minutes"
		         : w == 3600 ? "an hour"
		                     : "a day",
		         when);
		json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:i}", "id", id, "kind",
		                         "interview_reminder", "message", msg, "interview_id",
		                         json_str(x, "id"), "before_seconds", w);
		char *text = json_dump_compact(data);
		int64_t inserted = 0;
		if ((rc = db_begin(c->db, e)) == 0) {
			rc = db_run(
			    c->db, e, &inserted,
			    "INSERT INTO notifications (id, user_id, kind, message, data, "
			    "created_at) "
			    "VALUES (?, ?, 'interview_reminder', ?, ?, ?) ON CONFLICT DO NOTHING",
			    "tttti", id, json_str(x, "user"), msg, text, now);
			if (rc || (rc = db_commit(c->db, e)))
				db_rollback(c->db);
		}
		free(text);
		if (!rc && inserted) {
			announce(c, json_str(x, "user"), "notification.created", data);
			sent++;
			if (mail_enabled(c->app->cfg)) {
				char body[1024];
				struct err me = {0};
				snprintf(body, sizeof(body),
				         "%s.\n\nOpen the dashboard and start it from Interviews "
				         "when you "
				         "are ready.\n",
				         msg);
				if (mail_send(c->app->cfg, json_str(x, "email"), msg, body, &me)) {
					log_warn("reminders: %s", me.msg);
					mail_failed++;
				} else {
					mailed++;
				}
			}
		}
		json_decref(data);
		if (rc)
			break;
	}
	json_decref(due);
	if (!rc)
		c->result = json_pack("{s:i, s:i, s:i}", "reminded", sent, "mailed", mailed,
		                      "mail_failed", mail_failed);
	return rc;
}

/*
 * Memory upkeep: memories past their valid_to are deleted, so are exact
 * duplicates (same kind and text; the oldest stays), and, with
 * MEMORY_RETENTION_DAYS, low-importance memories nobody used for that long.
 * Deletions go through mem_delete: history, index and counts stay right.
 */
static int t_memory_consolidate(struct job_ctx *c, struct err *e)
{
	int64_t now = time_now();
	int days = c->app->cfg->memory_retention_days;
	struct db_stmt *st;
	int rc = db_query(
	    c->db, &st, e,
	    "SELECT m.user_id, m.id, CASE WHEN m.valid_to IS NOT NULL AND m.valid_to < ? THEN "
	    "'expired' WHEN EXISTS (SELECT 1 FROM memories o WHERE o.user_id = m.user_id AND "
	    "o.kind = m.kind AND o.content_hash = m.content_hash AND o.seq < m.seq) THEN "
	    "'duplicate' ELSE 'unused' END FROM memories m WHERE (m.valid_to IS NOT NULL AND "
	    "m.valid_to < ?) OR EXISTS (SELECT 1 FROM memories o WHERE o.user_id = m.user_id AND "
	    "o.kind = m.kind AND o.content_hash = m.content_hash AND o.seq < m.seq) OR (? > 0 AND "
	    "m.importance < ? AND m.access_count = 0 AND m.updated_at < ?) LIMIT 1000",
	    "iiidi", now, now, (int64_t)days, MEMORY_LOW_IMPORTANCE, now - (int64_t)days * 86400);
	if (rc)
		return rc;
	json_t *doomed = json_array();
	while ((rc = db_step(st, e)) == DB_ROW)
		json_array_append_new(doomed, json_pack("[s, s, s]", db_col_text(st, 0),
		                                        db_col_text(st, 1), db_col_text(st, 2)));
	db_finish(st);
	if (rc < 0) {
		json_decref(doomed);
		return rc;
	}
	int counts[3] = {0, 0, 0};
	size_t i;
	json_t *row;
	struct audit_ctx ctx = {NULL, NULL, "memory.consolidate"};
	rc = 0;
	json_array_foreach(doomed, i, row)
	{
		const char *user = json_string_value(json_array_get(row, 0));
		const char *why = json_string_value(json_array_get(row, 2));
		ctx.user_id = user;
		if ((rc = mem_delete(&c->app->mem, c->db, &ctx, user,
		                     json_string_value(json_array_get(row, 1)), e))) {
			if (e->code != ERR_NOT_FOUND)
				break;
			rc = 0; /* deleted meanwhile */
			continue;
		}
		counts[!strcmp(why, "expired") ? 0 : !strcmp(why, "duplicate") ? 1 : 2]++;
	}
	json_decref(doomed);
	if (!rc)
		c->result = json_pack("{s:i, s:i, s:i}", "expired", counts[0], "duplicates",
		                      counts[1], "unused", counts[2]);
	return rc;
}

/* Embeds memories still without a vector of the current model (after a model change). */
static int t_memory_backfill(struct job_ctx *c, struct err *e)
{
	int total = 0, done = 0, rc;
	do {
		if (*c->stopping)
			break;
		if ((rc = mem_backfill(&c->app->mem, c->db, &done, e)))
			return rc;
		total += done;
		if (done && (rc = job_ctx_heartbeat(c, e)))
			return rc;
	} while (done > 0 && total < 100000);
	c->result = json_pack("{s:i}", "embedded", total);
	return 0;
}

/* Deletes what retention settings say is old. */
static int t_cleanup(struct job_ctx *c, struct err *e)
{
	const struct config *cfg = c->app->cfg;
	int64_t now = time_now();
	const struct {
		const char *name;
		const char *sql;
		int64_t before;
		int on;
	} steps[] = {
	    {"revoked_tokens", "DELETE FROM revoked_tokens WHERE expires_at < ?", now, 1},
	    {"activity_log", "DELETE FROM activity_log WHERE at < ?",
	     now - (int64_t)cfg->activity_retention_days * 86400, cfg->activity_retention_days > 0},
	    {"mcp_sessions",
	     "DELETE FROM mcp_sessions WHERE last_used_at < ? OR ended_at IS NOT NULL",
	     now - MCP_SESSION_IDLE_MAX, 1},
	    {"event_outbox", "DELETE FROM event_outbox WHERE at < ?", now - OUTBOX_KEEP_SECONDS, 1},
	    {"jobs", "DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?",
	     now - (int64_t)cfg->job_retention_days * 86400, 1},
	    {"job_schedule_runs", "DELETE FROM job_schedule_runs WHERE created_at < ?",
	     now - (int64_t)cfg->job_retention_days * 86400, 1},
	    {"notifications", "DELETE FROM notifications WHERE read_at IS NOT NULL AND read_at < ?",
	     now - 90 * 86400, 1},
	};
	json_t *out = json_object();
	int rc = 0;
	for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
		int64_t n = 0;
		if (!steps[i].on)
			continue;
		if ((rc = db_begin(c->db, e)))
			break;
		if ((rc = db_run(c->db, e, &n, steps[i].sql, "i", steps[i].before)) ||
		    (rc = db_commit(c->db, e))) {
			db_rollback(c->db);
			break;
		}
		json_object_set_new(out, steps[i].name, json_integer(n));
	}
	if (rc) {
		json_decref(out);
		return rc;
	}
	c->result = out;
	return 0;
}

static int t_backup(struct job_ctx *c, struct err *e)
{
	return backup_create(c->app->cfg, c->app->cfg->backup_dir, c->app->cfg->backup_keep,
	                     &c->result, e);
}

/* Kind, handler, what it does, and a lease for handlers that cannot renew theirs. */
static const struct job_kind kinds[] = {
    {"cleanup", t_cleanup, "deletes expired tokens, old activity, sessions, events and jobs", 0},
    {"metrics.rollup", t_metrics_rollup, "rebuilds day/week rollups of recently active users", 0},
    {"weakness.refresh", t_weakness_refresh, "recomputes weaknesses of this week's users", 0},
    {"reminders.reviews", t_review_reminders, "notifies users with reviews due", 0},
    {"reminders.interviews", t_interview_reminders,
     "reminds of scheduled mock interviews (a day, an hour, 5 minutes before)", 0},
    {"memory.consolidate", t_memory_consolidate,
     "deletes expired, duplicate and (by retention) unused memories", 0},
    {"memory.backfill", t_memory_backfill, "embeds memories without a current vector", 0},
    {"backup", t_backup, "backs the database up into BACKUP_DIR, keeping BACKUP_KEEP", 6 * 3600},
    {"echo", t_echo, "diagnostic: returns its payload", 0},
    {"sleep", t_sleep, "diagnostic: waits payload.ms milliseconds", 0},
    {"fail", t_fail, "diagnostic: fails with payload.message", 0},
};

const struct job_kind *job_kind_find(const char *kind)
{
	for (size_t i = 0; kind && i < ARRAY_LEN(kinds); i++)
		if (!strcmp(kinds[i].kind, kind))
			return &kinds[i];
	return NULL;
}

const struct job_kind *job_kinds(int *n)
{
	*n = (int)ARRAY_LEN(kinds);
	return kinds;
}

/* The schedule: once per period across every process. heartbeat is off by default. */
static const struct schedule_entry defaults[] = {
    {"cleanup", "cleanup", 3600, "retention"},
    {"metrics_rollup", "metrics.rollup", 3600, "rollups of the last two hours' users"},
    {"weakness_refresh", "weakness.refresh", 86400, "weaknesses of the week's users"},
    {"review_reminders", "reminders.reviews", 3600, "reviews due (at most one a day per user)"},
    {"interview_reminders", "reminders.interviews", 60,
     "scheduled mock interviews: a day, an hour and 5 minutes before"},
    {"memory_consolidation", "memory.consolidate", 86400, "memory upkeep"},
    {"embedding_backfill", "memory.backfill", 600, "vectors after a model change"},
    {"backup", "backup", 86400, "daily backup with rotation"},
    {"heartbeat", "echo", 0, "diagnostic: an echo job per period when enabled"},
};

static struct schedule_entry current[ARRAY_LEN(defaults)];

/* Period of NAME in SPEC ("a=1,b=2"), or -1 when not given, -2 when malformed. */
static int64_t override(const char *spec, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = spec; p && *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *eq = strchr(p, '='), *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		if (!eq || eq > end)
			return *p ? -2 : -1;
		if ((size_t)(eq - p) == n && !strncmp(p, name, n)) {
			char v[24];
			int64_t x;
			snprintf(v, sizeof(v), "%.*s", (int)(end - eq - 1), eq + 1);
			return str_to_i64(v, 0, 366 * 86400, &x) ? -2 : x;
		}
		p = end;
	}
	return -1;
}

int schedule_check(const char *spec, struct err *e)
{
	for (const char *p = spec; p && *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *eq = strchr(p, '='), *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		int known = 0;
		for (size_t i = 0; eq && eq < end && i < ARRAY_LEN(defaults); i++)
			known |= strlen(defaults[i].name) == (size_t)(eq - p) &&
			         !strncmp(defaults[i].name, p, (size_t)(eq - p));
		if (!known || override(spec, defaults[0].name) == -2)
			return err_set(
			    e, ERR_INVALID, "invalid_config",
			    "JOB_SCHEDULE: '%.*s' is not name=seconds of a scheduled job",
			    (int)(end - p), p);
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(eq - p), p);
		if (override(spec, name) == -2)
			return err_set(e, ERR_INVALID, "invalid_config",
			               "JOB_SCHEDULE: '%.*s' needs 0..31622400 seconds",
			               (int)(end - p), p);
		p = end;
	}
	return 0;
}

const struct schedule_entry *schedule_entries(const struct config *cfg, int *n)
{
	for (size_t i = 0; i < ARRAY_LEN(defaults); i++) {
		current[i] = defaults[i];
		int64_t o = override(cfg->job_schedule, defaults[i].name);
		if (o >= 0)
			current[i].period = (int)o;
	}
	*n = (int)ARRAY_LEN(defaults);
	return current;
}

int schedule_status(const struct config *cfg, struct db *db, json_t **out, struct err *e)
{
	int n;
	const struct schedule_entry *s = schedule_entries(cfg, &n);
	json_t *items = json_array();
	for (int i = 0; i < n; i++) {
		struct db_stmt *st;
		int rc = db_query(db, &st, e,
		                  "SELECT r.period_start, r.job_id, j.state, j.finished_at FROM "
		                  "job_schedule_runs r LEFT JOIN jobs j ON j.id = r.job_id WHERE "
		                  "r.name = ? ORDER BY r.period_start DESC LIMIT 1",
		                  "t", s[i].name);
		if (rc) {
			json_decref(items);
			return rc;
		}
		json_t *item =
		    json_pack("{s:s, s:s, s:i, s:s}", "name", s[i].name, "kind", s[i].kind,
		              "period_seconds", s[i].period, "about", s[i].about);
		rc = db_step(st, e);
		if (rc == DB_ROW) {
			char t[21];
			time_format_iso8601(db_col_int(st, 0), t);
			json_object_set_new(item, "last_period", json_string(t));
			json_object_set_new(
			    item, "last_job",
			    db_col_is_null(st, 1) ? json_null() : json_integer(db_col_int(st, 1)));
			json_object_set_new(item, "last_state",
			                    db_col_text(st, 2) ? json_string(db_col_text(st, 2))
			                                       : json_null());
		}
		db_finish(st);
		if (rc < 0) {
			json_decref(item);
			json_decref(items);
			return rc;
		}
		json_array_append_new(items, item);
	}
	*out = items;
	return 0;
}
