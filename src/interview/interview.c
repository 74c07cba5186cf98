/*
 * interview.c: mock interview sessions (see interview.h): question choice,
 * timing, the transcript with follow-ups and hints, submission, grading and
 * what a completed session changes elsewhere.
 */
#define _GNU_SOURCE
#include "interview/interview.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "learning/engine.h"
#include "memory/coach.h"
#include "memory/llm.h"
#include "practice/practice.h"

#define SESSION_COLS                                                                               \
	"id, type, company, level, difficulty, topic, duration_minutes, blind, state, questions, " \
	"hints, scheduled_at, started_at, ended_at, answer, self_scores, scores, feedback, "       \
	"created_at, repeat_weekly"

static const char *const types[] = {"coding", "system_design", "behavioral"};

/* Follow-up questions the interviewer asks, in order, per type. */
static const char *const coding_follow_ups[] = {
    "Before you code: what is your approach, and why does it work?",
    "What are the time and space complexity of your solution?",
    "Which edge cases would you test? Walk me through one.",
    "How would your solution change if the input were too large for memory?",
};
static const char *const design_follow_ups[] = {
    "Let's start with requirements: who uses it, how much traffic, what latency?",
    "What does the API look like?",
    "How do you store the data? Sketch the data model.",
    "Where is the bottleneck at 10x the load, and how do you scale past it?",
    "What trade-offs did you make, and what would you do differently with more time?",
};
static const char *const behavioral_follow_ups[] = {
    "Set the scene: what was the situation, and what was at stake?",
    "What exactly did you do yourself, step by step?",
    "What was the result? Can you put a number on it?",
    "Looking back, what would you do differently?",
};

static int type_index(const char *t)
{
	for (size_t i = 0; t && i < ARRAY_LEN(types); i++)
		if (!strcmp(types[i], t))
			return (int)i;
	return -1;
}

static uint64_t mix(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = a; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	for (const char *p = b; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

/* A stored JSON column, or NULL when it is SQL NULL or not JSON. */
static json_t *parse_or_null(const char *text)
{
	json_error_t je;
	return text ? json_loads(text, JSON_DECODE_ANY, &je) : NULL;
}

static int in_array(json_t *arr, const char *s)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i,
	                   x) if (json_is_string(x) && !strcmp(json_string_value(x), s)) return 1;
	return 0;
}

/*
 * Coding questions: first the learning engine's "what next" (due reviews,
 * weak topics, target companies, unseen problems, each with its reason)
 * that fit the session's company, difficulty and topic; then any problem
 * that fits, unseen ones and the company's frequent ones first.
 */
static int pick_coding(struct iv_ctx *c, const char *id, const char *company,
                       const char *difficulty, const char *topic, int count, json_t *out,
                       struct err *e)
{
	const struct catalog *cat = c->app->catalog;
	struct learn_state s;
	int rc = learn_load(c->db, cat, c->user, time_now(), &s, e);
	if (rc)
		return rc;
	json_t *recs = learn_recommendations(&s, 200);
	learn_release(&s);
	/* Problems of the last two weeks' sessions are not asked again while others fit. */
	json_t *recent = json_object();
	struct db_stmt *qs;
	if ((rc = db_query(c->db, &qs, e,
	                   "SELECT questions FROM interview_sessions WHERE user_id = ? AND type = "
	                   "'coding' AND created_at > ? ORDER BY created_at DESC LIMIT 50",
	                   "ti", c->user, time_now() - 14 * 86400))) {
		json_decref(recs);
		json_decref(recent);
		return rc;
	}
	while ((rc = db_step(qs, e)) == DB_ROW) {
		json_t *asked = parse_or_null(db_col_text(qs, 0));
		size_t k;
		json_t *a;
		json_array_foreach(asked, k, a) if (json_str(a, "slug"))
		    json_object_set_new(recent, json_str(a, "slug"), json_true());
		json_decref(asked);
	}
	db_finish(qs);
	if (rc < 0) {
		json_decref(recs);
		json_decref(recent);
		return rc;
	}
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(recs, "items"), i, r)
	{
		if ((int)json_array_size(out) >= count)
			break;
		const struct catalog_problem *p = catalog_problem_by_slug(cat, json_str(r, "slug"));
		if (!p || (difficulty && strcmp(p->difficulty, difficulty)) ||
		    (topic && !catalog_problem_has_topic(p, topic)) ||
		    (company && !catalog_problem_has_company(p, company)) ||
		    json_object_get(recent, p->slug))
			continue;
		json_t *q = catalog_problem_json(p);
		json_object_set_new(
		    q, "why",
		    json_string(json_str(r, "reason") ? json_str(r, "reason") : "recommended"));
		json_array_append_new(out, q);
	}
	json_decref(recs);
	if ((int)json_array_size(out) >= count) {
		json_decref(recent);
		return 0;
	}
	unsigned char *st = xcalloc((size_t)cat->max_id + 1, 1);
	if ((rc = practice_statuses(c->db, c->user, st, cat->max_id, e))) {
		free(st);
		json_decref(recent);
		return rc;
	}
	while ((int)json_array_size(out) < count) {
		const struct catalog_problem *best = NULL;
		int64_t best_score = INT64_MIN; /* recent problems still beat none */
		for (int k = 0; k < cat->nproblems; k++) {
			const struct catalog_problem *p = &cat->problems[k];
			if ((difficulty && strcmp(p->difficulty, difficulty)) ||
			    (topic && !catalog_problem_has_topic(p, topic)) ||
			    (company && !catalog_problem_has_company(p, company)))
				continue;
			int taken = 0;
			json_t *q;
			size_t j;
			json_array_foreach(out, j, q) taken |=
			    !strcmp(json_str(q, "slug"), p->slug);
			if (taken)
				continue;
			int freq = 0;
			for (int f = 0; company && f < p->ncompanies; f++)
				if (!strcmp(p->companies[f].slug, company))
					freq = p->companies[f].frequency;
			int64_t score = (st[p->id] == 0   ? 4000
			                 : st[p->id] == 1 ? 2000
			                                  : 0) +
			                freq * 500 + (int64_t)(mix(id, p->slug) % 400) -
			                (json_object_get(recent, p->slug) ? 10000 : 0);
			if (score > best_score) {
				best_score = score;
				best = p;
			}
		}
		if (!best)
			break;
		json_t *q = catalog_problem_json(best);
		json_object_set_new(
		    q, "why",
		    json_string(st[best->id] == 0 ? "not tried yet" : "practised before"));
		json_array_append_new(out, q);
	}
	free(st);
	json_decref(recent);
	if (!json_array_size(out))
		return err_set(e, ERR_INVALID, "no_questions",
		               "no problem matches this company, difficulty and topic");
	return 0;
}

/* One design topic (or up to three behavioral questions) that fit; a stable pick per session. */
static int pick_from(json_t *pool, const char *id, const char *company, const char *difficulty,
                     const char *competency, int count, json_t *out, struct err *e)
{
	json_t *fit = json_array();
	size_t i;
	json_t *x;
	for (int pass = 0; pass < 2 && !json_array_size(fit); pass++)
		json_array_foreach(pool, i, x)
		{
			/* Pass 0 honours every filter; pass 1 drops the company (few items name
			 * one). */
			if (pass == 0 && company && json_object_get(x, "companies") &&
			    !in_array(json_object_get(x, "companies"), company))
				continue;
			if (difficulty && json_str(x, "difficulty") &&
			    strcmp(json_str(x, "difficulty"), difficulty))
				continue;
			if (competency && json_str(x, "competency") &&
			    strcmp(json_str(x, "competency"), competency))
				continue;
			json_array_append(fit, x);
		}
	size_t n = json_array_size(fit);
	if (!n) {
		json_decref(fit);
		return err_set(e, ERR_INVALID, "no_questions", "no question matches these filters");
	}
	size_t start = (size_t)(mix(id, "pick") % n);
	for (size_t k = 0; k < n && (int)json_array_size(out) < count; k++) {
		json_t *q = json_array_get(fit, (start + k * 7) % n);
		const char *comp = json_str(q, "competency");
		int dup = 0;
		json_t *y;
		size_t j;
		json_array_foreach(out, j, y) dup |=
		    y == q || (comp && json_str(y, "competency") &&
		               !strcmp(json_str(y, "competency"), comp) && n > (size_t)count * 2);
		if (!dup)
			json_array_append_new(out, json_deep_copy(q));
	}
	json_decref(fit);
	return 0;
}

/* Appends to the transcript, in its own transaction. */
static int add_message(struct iv_ctx *c, const char *session, const char *role, const char *kind,
                       const char *content, struct err *e)
{
	int rc = db_begin(c->db, e);
	if (rc)
		return rc;
	rc = db_run(c->db, e, NULL,
	            "INSERT INTO interview_messages (session_id, user_id, role, kind, content, at) "
	            "VALUES (?, ?, ?, ?, ?, ?)",
	            "ttttti", session, c->user, role, kind, content, time_now());
	if (rc || (rc = db_commit(c->db, e))) {
		db_rollback(c->db);
		return rc;
	}
	return 0;
}

/* The interviewer's opening: the first question, in words. */
static char *opening(const char *type, json_t *questions, int duration)
{
	struct buf b;
	buf_init(&b, 64 * 1024);
	json_t *q = json_array_get(questions, 0);
	if (!strcmp(type, "coding")) {
		buf_printf(&b, "You have %d minutes. ", duration);
		size_t i;
		json_t *x;
		json_array_foreach(questions, i, x)
		    buf_printf(&b, "%sProblem %zu: %s (%s).", i ? " " : "", i + 1,
		               json_str(x, "title"), json_str(x, "url") ? json_str(x, "url") : "");
		buf_puts(&b, " Ask clarifying questions, then talk me through your approach before "
		             "you code.");
	} else if (!strcmp(type, "system_design")) {
		/* Titles read "Design a URL Shortener": no second "Design". */
		const char *title = json_str(q, "title") ? json_str(q, "title") : "the system";
		buf_printf(&b, "You have %d minutes. %s%s. %s Start with the requirements.",
		           duration, strncasecmp(title, "design ", 7) ? "Design " : "", title,
		           json_str(q, "summary") ? json_str(q, "summary") : "");
	} else {
		buf_printf(&b, "You have %d minutes for %zu questions. First: %s", duration,
		           json_array_size(questions), json_str(q, "question"));
	}
	return buf_detach(&b);
}

static json_t *validate_create(struct iv_ctx *c, json_t *body, struct err *e)
{
	static const struct json_field fields[] = {
	    {"type", JF_STRING, 1, 20},   {"company", JF_STRING, 0, 64},
	    {"level", JF_STRING, 0, 32},  {"difficulty", JF_STRING, 0, 10},
	    {"topic", JF_STRING, 0, 100}, {"duration_minutes", JF_INT, 0, 0},
	    {"blind", JF_BOOL, 0, 0},     {"scheduled_at", JF_DATE_STRING, 0, 40},
	    {"repeat", JF_STRING, 0, 10},
	};
	if (json_check_fields(body, fields, ARRAY_LEN(fields), e))
		return NULL;
	const char *type = json_str(body, "type"), *company = json_str(body, "company");
	const char *difficulty = json_str(body, "difficulty"), *topic = json_str(body, "topic");
	json_int_t duration = json_has(body, "duration_minutes")
	                          ? json_integer_value(json_object_get(body, "duration_minutes"))
	                          : INTERVIEW_DURATION_DEFAULT;
	if (type_index(type) < 0) {
		err_set(e, ERR_INVALID, "invalid_field",
		        "field 'type' must be coding, system_design or behavioral");
		return NULL;
	}
	if (company && !catalog_has_company(c->app->catalog, company)) {
		err_set(e, ERR_INVALID, "invalid_field",
		        "field 'company' names an unknown company '%.64s'", company);
		return NULL;
	}
	if (difficulty && strcmp(difficulty, "easy") && strcmp(difficulty, "medium") &&
	    strcmp(difficulty, "hard")) {
		err_set(e, ERR_INVALID, "invalid_field",
		        "field 'difficulty' must be easy, medium or hard");
		return NULL;
	}
	if (topic && !strcmp(type, "coding") && !catalog_topic_by_slug(c->app->catalog, topic)) {
		err_set(e, ERR_INVALID, "invalid_field",
		        "field 'topic' names an unknown topic '%.64s'", topic);
		return NULL;
	}
	if (duration < 5 || duration > INTERVIEW_DURATION_MAX) {
		err_set(e, ERR_INVALID, "invalid_field", "field 'duration_minutes' must be 5..%d",
		        INTERVIEW_DURATION_MAX);
		return NULL;
	}
	int64_t at = 0, now = time_now();
	const char *when = json_str(body, "scheduled_at");
	if (when &&
	    (time_parse_iso8601(when, &at) || at > now + INTERVIEW_SCHEDULE_MAX_DAYS * 86400)) {
		err_set(e, ERR_INVALID, "invalid_field",
		        "field 'scheduled_at' must be an ISO 8601 time within a year");
		return NULL;
	}
	const char *repeat = json_str(body, "repeat");
	if (repeat && strcmp(repeat, "none") && strcmp(repeat, "weekly")) {
		err_set(e, ERR_INVALID, "invalid_field", "field 'repeat' must be none or weekly");
		return NULL;
	}
	if (repeat && !strcmp(repeat, "weekly") && !when) {
		err_set(e, ERR_INVALID, "invalid_field", "a weekly interview needs 'scheduled_at'");
		return NULL;
	}
	return json_pack("{s:I, s:I}", "duration", duration, "at", (json_int_t)(at > now ? at : 0));
}

int iv_create(struct iv_ctx *c, json_t *body, json_t **out, struct err *e)
{
	json_t *v = validate_create(c, body, e);
	if (!v)
		return e->code;
	const char *type = json_str(body, "type"), *company = json_str(body, "company");
	const char *difficulty = json_str(body, "difficulty"), *topic = json_str(body, "topic");
	int duration = (int)json_integer_value(json_object_get(v, "duration"));
	int64_t at = json_integer_value(json_object_get(v, "at")), now = time_now();
	json_decref(v);
	char id[37];
	uuid_v4(id);
	json_t *questions = json_array();
	int rc;
	if (!strcmp(type, "coding"))
		rc = pick_coding(c, id, company, difficulty, topic, duration >= 40 ? 2 : 1,
		                 questions, e);
	else if (!strcmp(type, "system_design"))
		rc = pick_from(c->app->catalog->design_topics, id, company, difficulty, NULL, 1,
		               questions, e);
	else
		rc = pick_from(c->app->catalog->behavioral, id, company, NULL, topic, 3, questions,
		               e);
	if (rc) {
		json_decref(questions);
		return rc;
	}
	char *qtext = json_dump_compact(questions);
	int blind = json_is_true(json_object_get(body, "blind"));
	if ((rc = db_begin(c->db, e)) == 0) {
		rc = db_run(
		    c->db, e, NULL,
		    "INSERT INTO interview_sessions (id, user_id, type, company, level, "
		    "difficulty, topic, duration_minutes, blind, repeat_weekly, state, questions, "
		    "scheduled_at, started_at, created_at, updated_at) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    "tttttttiiittooii", id, c->user, type, company, json_str(body, "level"),
		    difficulty, topic, (int64_t)duration, (int64_t)blind,
		    (int64_t)(json_str(body, "repeat") &&
		              !strcmp(json_str(body, "repeat"), "weekly")),
		    at ? "scheduled" : "active", qtext, at ? at : -1, at ? -1 : now, now, now);
		if (rc || (rc = db_commit(c->db, e)))
			db_rollback(c->db);
	}
	free(qtext);
	if (!rc && !at) {
		char *hello = opening(type, questions, duration);
		rc = add_message(c, id, "interviewer", "question", hello, e);
		free(hello);
	}
	json_decref(questions);
	if (rc)
		return rc;
	return iv_get(c, id, out, e);
}

/* A loaded session row. */
struct session {
	char id[37], type[20], state[12];
	char company[65], level[33], difficulty[11], topic[101];
	int duration, blind, hints, weekly;
	int64_t scheduled_at, started_at, ended_at, created_at;
	json_t *questions, *self_scores, *scores, *feedback;
	char *answer;
};

static void session_release(struct session *s)
{
	json_decref(s->questions);
	json_decref(s->self_scores);
	json_decref(s->scores);
	json_decref(s->feedback);
	free(s->answer);
}

static int load(struct iv_ctx *c, const char *id, struct session *s, struct err *e)
{
	struct db_stmt *st;
	int rc =
	    db_query(c->db, &st, e,
	             "SELECT " SESSION_COLS " FROM interview_sessions WHERE id = ? AND user_id = ?",
	             "tt", id, c->user);
	if (rc)
		return rc;
	rc = db_step(st, e);
	if (rc != DB_ROW) {
		db_finish(st);
		return rc < 0 ? rc
		              : err_set(e, ERR_NOT_FOUND, "interview_not_found",
		                        "no interview '%.40s'", id);
	}
	memset(s, 0, sizeof(*s));
	const char *t;
	str_copy(s->id, sizeof(s->id), db_col_text(st, 0));
	str_copy(s->type, sizeof(s->type), db_col_text(st, 1));
	str_copy(s->company, sizeof(s->company), (t = db_col_text(st, 2)) ? t : "");
	str_copy(s->level, sizeof(s->level), (t = db_col_text(st, 3)) ? t : "");
	str_copy(s->difficulty, sizeof(s->difficulty), (t = db_col_text(st, 4)) ? t : "");
	str_copy(s->topic, sizeof(s->topic), (t = db_col_text(st, 5)) ? t : "");
	s->duration = (int)db_col_int(st, 6);
	s->blind = (int)db_col_int(st, 7);
	str_copy(s->state, sizeof(s->state), db_col_text(st, 8));
	s->questions = parse_or_null(db_col_text(st, 9));
	if (!s->questions)
		s->questions = json_array();
	s->hints = (int)db_col_int(st, 10);
	s->scheduled_at = db_col_is_null(st, 11) ? 0 : db_col_int(st, 11);
	s->started_at = db_col_is_null(st, 12) ? 0 : db_col_int(st, 12);
	s->ended_at = db_col_is_null(st, 13) ? 0 : db_col_int(st, 13);
	s->answer = db_col_text(st, 14) ? xstrdup(db_col_text(st, 14)) : NULL;
	s->self_scores = parse_or_null(db_col_text(st, 15));
	s->scores = parse_or_null(db_col_text(st, 16));
	s->feedback = parse_or_null(db_col_text(st, 17));
	s->created_at = db_col_int(st, 18);
	s->weekly = (int)db_col_int(st, 19);
	db_finish(st);
	return 0;
}

static json_t *time_json(int64_t t)
{
	if (!t)
		return json_null();
	char buf[21];
	time_format_iso8601(t, buf);
	return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* The transcript: [{role, kind, content, at}], oldest first; CANDIDATE gets the candidate's words.
 */
static int transcript(struct iv_ctx *c, const char *id, json_t **out, json_t *candidate,
                      struct err *e)
{
	struct db_stmt *st;
	int rc =
	    db_query(c->db, &st, e,
	             "SELECT role, kind, content, at FROM interview_messages WHERE session_id = ? "
	             "ORDER BY seq",
	             "t", id);
	if (rc)
		return rc;
	json_t *items = json_array();
	while ((rc = db_step(st, e)) == DB_ROW) {
		json_array_append_new(
		    items, json_pack("{s:s, s:s, s:s, s:o}", "role", db_col_text(st, 0), "kind",
		                     db_col_text(st, 1), "content", db_col_text(st, 2), "at",
		                     time_json(db_col_int(st, 3))));
		if (candidate && !strcmp(db_col_text(st, 0), "candidate"))
			json_array_append_new(candidate, json_string(db_col_text(st, 2)));
	}
	db_finish(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = items;
	return 0;
}

static int64_t elapsed_of(const struct session *s)
{
	if (!s->started_at)
		return 0;
	return (s->ended_at ? s->ended_at : time_now()) - s->started_at;
}

int iv_get(struct iv_ctx *c, const char *id, json_t **out, struct err *e)
{
	struct session s;
	json_t *t;
	int rc = load(c, id, &s, e);
	if (rc)
		return rc;
	if ((rc = transcript(c, id, &t, NULL, e))) {
		session_release(&s);
		return rc;
	}
	/* Blind sessions hide what a real interviewer would not say. */
	json_t *q = json_deep_copy(s.questions);
	size_t i;
	json_t *x;
	/*
	 * Blind sessions hide what a real interviewer would not say; until a
	 * session ends, nobody sees its answer key (a design's checklist, the
	 * behavioral follow-ups) or, when blind, the pattern (topics, why).
	 */
	int open = !strcmp(s.state, "active") || !strcmp(s.state, "scheduled");
	json_array_foreach(q, i, x)
	{
		if (s.blind) {
			json_object_del(x, "difficulty");
			json_object_del(x, "companies");
			json_object_del(x, "lists");
		}
		if (open) {
			json_object_del(x, "checklist");
			json_object_del(x, "follow_ups");
			if (s.blind) {
				json_object_del(x, "topics");
				json_object_del(x, "why");
			}
		}
	}
	int64_t elapsed = elapsed_of(&s), limit = (int64_t)s.duration * 60;
	*out = json_pack(
	    "{s:s, s:s, s:o, s:o, s:o, s:o, s:i, s:b, s:s, s:o, s:i, s:o, s:o, s:o, s:I, s:I, s:I, "
	    "s:o, s:o, s:o, s:o, s:o, s:o, s:s}",
	    "id", s.id, "type", s.type, "company", str_or_null(s.company), "level",
	    str_or_null(s.level), "difficulty", str_or_null(s.blind ? NULL : s.difficulty), "topic",
	    str_or_null(s.topic), "duration_minutes", s.duration, "blind", s.blind, "state",
	    s.state, "questions", q, "hints", s.hints, "scheduled_at", time_json(s.scheduled_at),
	    "started_at", time_json(s.started_at), "ended_at", time_json(s.ended_at),
	    "elapsed_seconds", (json_int_t)elapsed, "remaining_seconds",
	    (json_int_t)(s.started_at && limit > elapsed ? limit - elapsed : 0), "overtime_seconds",
	    (json_int_t)(elapsed > limit ? elapsed - limit : 0), "answer", str_or_null(s.answer),
	    "self_scores", s.self_scores ? json_incref(s.self_scores) : json_null(), "scores",
	    s.scores ? json_incref(s.scores) : json_null(), "feedback",
	    s.feedback ? json_incref(s.feedback) : json_null(), "transcript", t, "created_at",
	    time_json(s.created_at), "repeat", s.weekly ? "weekly" : "none");
	session_release(&s);
	return 0;
}

int iv_list(struct iv_ctx *c, const char *state, int64_t limit, int64_t offset, json_t **out,
            struct err *e)
{
	struct db_stmt *st;
	int64_t total;
	int rc = state ? db_scalar(c->db, e, &total,
	                           "SELECT count(*) FROM interview_sessions WHERE user_id = ? AND "
	                           "state = ?",
	                           "tt", c->user, state)
	               : db_scalar(c->db, e, &total,
	                           "SELECT count(*) FROM interview_sessions WHERE user_id = ?", "t",
	                           c->user);
	if (rc)
		return rc;
	rc = state ? db_query(c->db, &st, e,
	                      "SELECT id FROM interview_sessions WHERE user_id = ? AND state = ? "
	                      "ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
	                      "ttii", c->user, state, limit, offset)
	           : db_query(c->db, &st, e,
	                      "SELECT id FROM interview_sessions WHERE user_id = ? "
	                      "ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
	                      "tii", c->user, limit, offset);
	if (rc)
		return rc;
	json_t *ids = json_array();
	while ((rc = db_step(st, e)) == DB_ROW)
		json_array_append_new(ids, json_string(db_col_text(st, 0)));
	db_finish(st);
	if (rc < 0) {
		json_decref(ids);
		return rc;
	}
	json_t *items = json_array();
	size_t i;
	json_t *x;
	rc = 0;
	json_array_foreach(ids, i, x)
	{
		json_t *one;
		if ((rc = iv_get(c, json_string_value(x), &one, e)))
			break;
		/* The list is a summary: the transcript and answer stay on the session. */
		json_object_del(one, "transcript");
		json_object_del(one, "answer");
		json_array_append_new(items, one);
	}
	json_decref(ids);
	if (rc) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total);
	return 0;
}

static int set_state(struct iv_ctx *c, const char *id, const char *sql, struct err *e)
{
	int rc = db_begin(c->db, e);
	if (rc)
		return rc;
	int64_t now = time_now();
	if ((rc = db_run(c->db, e, NULL, sql, "iitt", now, now, id, c->user)) ||
	    (rc = db_commit(c->db, e))) {
		db_rollback(c->db);
		return rc;
	}
	return 0;
}

static int not_state(const struct session *s, const char *want, struct err *e)
{
	return err_set(e, ERR_CONFLICT, "interview_state", "the interview is %s, not %s", s->state,
	               want);
}

int iv_start(struct iv_ctx *c, const char *id, json_t **out, struct err *e)
{
	struct session s;
	int rc = load(c, id, &s, e);
	if (rc)
		return rc;
	if (strcmp(s.state, "scheduled")) {
		rc = not_state(&s, "scheduled", e);
		session_release(&s);
		return rc;
	}
	rc = set_state(
	    c, id,
	    "UPDATE interview_sessions SET state = 'active', started_at = ?, updated_at = ? "
	    "WHERE id = ? AND user_id = ?",
	    e);
	if (!rc) {
		char *hello = opening(s.type, s.questions, s.duration);
		rc = add_message(c, id, "interviewer", "question", hello, e);
		free(hello);
	}
	session_release(&s);
	return rc ? rc : iv_get(c, id, out, e);
}

/* The interviewer's next words: the LLM when configured (falling back), else the next follow-up. */
static char *interviewer_reply(struct iv_ctx *c, const struct session *s, json_t *t)
{
	int asked = 0;
	size_t i;
	json_t *m;
	json_array_foreach(t, i, m) asked += !strcmp(json_str(m, "kind"), "follow_up");
	if (c->app->llm) {
		struct buf sys, reply;
		buf_init(&sys, 64 * 1024);
		buf_init(&reply, LLM_REPLY_MAX);
		char *q = json_dump_compact(s->questions);
		buf_printf(
		    &sys,
		    "You are a %s interviewer at %s running a %s mock interview. Questions: %s. "
		    "Reply as the interviewer in at most three sentences: ask one follow-up or "
		    "answer a clarifying question. Never give away the solution.",
		    s->level[0] ? s->level : "senior", s->company[0] ? s->company : "a top company",
		    s->type, q);
		free(q);
		struct llm_msg msgs[40];
		int n = 0;
		msgs[n++] = (struct llm_msg){"system", sys.data};
		size_t from = json_array_size(t) > 38 ? json_array_size(t) - 38 : 0;
		for (i = from; i < json_array_size(t); i++) {
			json_t *x = json_array_get(t, i);
			msgs[n++] = (struct llm_msg){
			    !strcmp(json_str(x, "role"), "candidate") ? "user" : "assistant",
			    json_str(x, "content")};
		}
		struct err e = {0};
		if (llm_chat(c->app->llm, msgs, n, NULL, NULL, &reply, &e) == 0 && reply.len) {
			buf_release(&sys);
			return buf_detach(&reply);
		}
		log_warn("interview: the LLM interviewer failed (%s); the built-in one answers",
		         e.msg);
		buf_release(&sys);
		buf_release(&reply);
	}
	const char *const *list = !strcmp(s->type, "coding")          ? coding_follow_ups
	                          : !strcmp(s->type, "system_design") ? design_follow_ups
	                                                              : behavioral_follow_ups;
	size_t n = !strcmp(s->type, "coding")          ? ARRAY_LEN(coding_follow_ups)
	           : !strcmp(s->type, "system_design") ? ARRAY_LEN(design_follow_ups)
	                                               : ARRAY_LEN(behavioral_follow_ups);
	if ((size_t)asked < n)
		return xstrdup(list[asked]);
	return xstrdup("Good. Keep going, and submit your answer when you are ready.");
}

int iv_message(struct iv_ctx *c, const char *id, json_t *body, json_t **out, struct err *e)
{
	static const struct json_field fields[] = {{"content", JF_STRING, 1, INTERVIEW_MESSAGE_MAX},
	                                           {"kind", JF_STRING, 0, 10}};
	int rc = json_check_fields(body, fields, ARRAY_LEN(fields), e);
	if (rc)
		return rc;
	const char *content = json_str(body, "content"), *kind_in = json_str(body, "kind");
	if (!*content)
		return err_set(e, ERR_INVALID, "invalid_field", "field 'content' is empty");
	if (kind_in && strcmp(kind_in, "message") && strcmp(kind_in, "note"))
		return err_set(e, ERR_INVALID, "invalid_field",
		               "field 'kind' must be message or note");
	/* A note is the candidate's own scratch: kept in the transcript, not answered. */
	int note = kind_in && !strcmp(kind_in, "note");
	struct session s;
	if ((rc = load(c, id, &s, e)))
		return rc;
	json_t *t = NULL;
	int64_t n = 0;
	if (strcmp(s.state, "active"))
		rc = not_state(&s, "active", e);
	else if (!(rc = db_scalar(c->db, e, &n,
	                          "SELECT count(*) FROM interview_messages WHERE session_id = ?",
	                          "t", id)) &&
	         n >= INTERVIEW_MESSAGES_MAX)
		rc = err_set(e, ERR_CONFLICT, "too_many_messages",
		             "an interview holds at most %d messages: submit your answer",
		             INTERVIEW_MESSAGES_MAX);
	if (!rc)
		rc = add_message(c, id, "candidate", note ? "note" : "message", content, e);
	if (!rc && note)
		*out = json_pack("{s:s, s:n}", "interview_id", id, "reply");
	if (!rc && !note)
		rc = transcript(c, id, &t, NULL, e);
	if (!rc && !note) {
		char *reply = interviewer_reply(c, &s, t);
		const char *kind = strncmp(reply, "Good. Keep going", 16) ? "follow_up" : "message";
		rc = add_message(c, id, "interviewer", kind, reply, e);
		if (!rc)
			*out = json_pack("{s:s, s:{s:s, s:s, s:s}}", "interview_id", id, "reply",
			                 "role", "interviewer", "kind", kind, "content", reply);
		free(reply);
	}
	json_decref(t);
	session_release(&s);
	return rc;
}

/*
 * The pattern's signal that shares the most words with the problem's title
 * ("Contains Duplicate" → the one about detecting duplicates); the first
 * when none does. Words compare on their first five letters.
 */
static size_t closest_signal(json_t *signals, const char *title)
{
	size_t best = 0, i;
	int best_hits = 0;
	json_t *x;
	json_array_foreach(signals, i, x)
	{
		int hits = 0;
		const char *sig = json_string_value(x);
		for (const char *p = title ? title : ""; *p;) {
			while (*p && !isalpha((unsigned char)*p))
				p++;
			const char *w = p;
			while (isalpha((unsigned char)*p))
				p++;
			if (p - w < 4)
				continue;
			char stem[6];
			snprintf(stem, sizeof(stem), "%.*s", (int)(p - w < 5 ? p - w : 5), w);
			hits += sig && strcasestr(sig, stem) != NULL;
		}
		if (hits > best_hits) {
			best_hits = hits;
			best = i;
		}
	}
	return best;
}

int iv_hint(struct iv_ctx *c, const char *id, json_t **out, struct err *e)
{
	struct session s;
	int rc = load(c, id, &s, e);
	if (rc)
		return rc;
	if (strcmp(s.state, "active")) {
		rc = not_state(&s, "active", e);
		session_release(&s);
		return rc;
	}
	char hint[1024];
	json_t *q = json_array_get(s.questions, s.hints % (json_array_size(s.questions) ?: 1));
	if (!strcmp(s.type, "coding")) {
		json_t *kb = coach_pattern(
		    json_string_value(json_array_get(json_object_get(q, "topics"), 0)));
		json_t *signals = json_object_get(kb, "signals");
		const char *text =
		    s.hints / (int)(json_array_size(s.questions) ?: 1) == 0
		        ? json_string_value(json_array_get(
		              signals, closest_signal(signals, json_str(q, "title"))))
		        : json_str(kb, "approach");
		snprintf(hint, sizeof(hint), "For %s: %s", json_str(q, "title"),
		         text ? text
		              : "write down the brute force first, then look for repeated work");
	} else if (!strcmp(s.type, "system_design")) {
		json_t *list = json_object_get(q, "checklist");
		const char *item = json_string_value(
		    json_array_get(list, (size_t)s.hints % (json_array_size(list) ?: 1)));
		snprintf(hint, sizeof(hint), "Consider: %s",
		         item ? item : "the read and write paths");
	} else {
		static const char *const star[] = {
		    "Start with the situation: where were you, and what was at stake?",
		    "Name the task that was yours, not the team's.",
		    "Describe the actions you took yourself, in order.",
		    "End with the result, with a number if you can, and what you learned."};
		snprintf(hint, sizeof(hint), "%s", star[s.hints % 4]);
	}
	if ((rc = db_begin(c->db, e)) == 0) {
		rc = db_run(c->db, e, NULL,
		            "UPDATE interview_sessions SET hints = hints + 1, updated_at = ? "
		            "WHERE id = ? AND user_id = ?",
		            "itt", time_now(), id, c->user);
		if (rc || (rc = db_commit(c->db, e)))
			db_rollback(c->db);
	}
	if (!rc)
		rc = add_message(c, id, "interviewer", "hint", hint, e);
	if (!rc)
		*out = json_pack("{s:s, s:s, s:i}", "interview_id", id, "hint", hint, "hints",
		                 s.hints + 1);
	session_release(&s);
	return rc;
}

static int score_of(json_t *grade, const char *key)
{
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(grade, "rubric"), i,
	                   it) if (!strcmp(json_str(it, "key"), key)) return (int)
	    json_integer_value(json_object_get(it, "score"));
	return 0;
}

/*
 * What a completed session changes: an attempt per coding problem (FSRS,
 * mastery, rollups follow from it), an interview_feedback memory, and the
 * weakness analysis. Failures are logged: the graded session stands.
 */
static void feed_back(struct iv_ctx *c, const struct session *s, json_t *grade, int64_t elapsed,
                      json_t *out)
{
	struct err e = {0};
	json_t *attempts = json_array();
	if (!strcmp(s->type, "coding")) {
		int ps = score_of(grade, "problem_solving");
		size_t nq = json_array_size(s->questions), i;
		json_t *q;
		json_int_t conf = json_integer_value(json_object_get(s->self_scores, "confidence"));
		double overall = json_number_value(json_object_get(grade, "overall"));
		json_array_foreach(s->questions, i, q)
		{
			char note[200];
			snprintf(note, sizeof(note), "Mock interview %s: %.1f/4 overall, %d hint%s",
			         s->id, overall, s->hints, s->hints == 1 ? "" : "s");
			struct attempt_in in = {
			    .problem = json_str(q, "slug"),
			    /* A hint lowers the outcome FSRS sees: solved alone > with help >
			       failed. */
			    .outcome = ps >= 3 && s->hints == 0 ? "solved"
			               : ps >= 2                ? "solved_with_help"
			                                        : "failed",
			    .minutes = elapsed / 60 / (int64_t)(nq ? nq : 1) > 0
			                   ? elapsed / 60 / (int64_t)(nq ? nq : 1)
			                   : 1,
			    .confidence =
			        conf >= 1 && conf <= 5 ? (int)conf : (int)(overall + 0.5) + 1,
			    .notes = note,
			};
			if (in.minutes > ATTEMPT_MINUTES_MAX)
				in.minutes = ATTEMPT_MINUTES_MAX;
			if (in.confidence > 5)
				in.confidence = 5;
			json_t *a;
			if (practice_log_attempt(c->db, c->app->catalog, &c->audit, c->user, &in,
			                         &a, &e)) {
				log_warn("interview %s: attempt not logged: %s", s->id, e.msg);
				memset(&e, 0, sizeof(e));
				continue;
			}
			json_array_append(attempts, json_object_get(a, "attempt"));
			json_decref(a);
		}
	}
	json_object_set_new(out, "attempts", attempts);
	/* The feedback becomes a memory the coach can use. */
	struct buf text;
	buf_init(&text, 16 * 1024);
	buf_printf(&text, "Mock %s interview%s%s: %.1f/4.", s->type, s->company[0] ? " for " : "",
	           s->company, json_number_value(json_object_get(grade, "overall")));
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(grade, "improvements"), i, x) if (i < 3)
	    buf_printf(&text, " To improve: %s.", json_string_value(x));
	json_array_foreach(json_object_get(grade, "strengths"), i, x) if (i < 2)
	    buf_printf(&text, " Strength: %s.", json_string_value(x));
	if (text.len > 7900)
		text.data[7900] = '\0';
	json_t *meta = json_pack("{s:s, s:s}", "interview_id", s->id, "type", s->type);
	struct mem_in mi = {.content = text.data,
	                    .kind = "interview_feedback",
	                    .metadata = meta,
	                    .importance = 0.7,
	                    .valid_from = -1,
	                    .valid_to = -1};
	json_t *mem = NULL;
	int created = 0;
	if (mem_create(&c->app->mem, c->db, &c->audit, c->user, &mi, &mem, &created, &e)) {
		log_warn("interview %s: feedback not stored as a memory: %s", s->id, e.msg);
		memset(&e, 0, sizeof(e));
	}
	const char *mid = json_str(json_object_get(mem, "memory"), "id");
	json_object_set_new(out, "memory_id", mid ? json_string(mid) : json_null());
	json_decref(mem);
	json_decref(meta);
	buf_release(&text);
	/* The weakness analysis moves with the new attempts. */
	struct learn_state ls;
	if (learn_load(c->db, c->app->catalog, c->user, time_now(), &ls, &e) == 0) {
		json_t *report;
		if (learn_weakness_report(c->db, &ls, c->user, &report, &e) == 0) {
			json_t *weak = json_array();
			json_array_foreach(json_object_get(report, "items"), i, x)
			    json_array_append_new(weak, json_string(json_str(x, "topic")));
			json_object_set_new(out, "weak_topics", weak);
			json_decref(report);
		}
		learn_release(&ls);
	}
}

/*
 * A weekly session that ends (completed or abandoned) books the next one,
 * a week after its slot (the first such slot still ahead), with the same
 * settings; its questions are chosen afresh. *NEXT gets the new id.
 */
static void book_next(struct iv_ctx *c, const struct session *s, json_t *out)
{
	if (!s->weekly || !s->scheduled_at)
		return;
	int64_t at = s->scheduled_at, now = time_now();
	do
		at += 7 * 86400;
	while (at <= now);
	char when[21];
	time_format_iso8601(at, when);
	json_t *body =
	    json_pack("{s:s, s:i, s:b, s:s, s:s}", "type", s->type, "duration_minutes", s->duration,
	              "blind", s->blind, "scheduled_at", when, "repeat", "weekly");
	if (s->company[0])
		json_object_set_new(body, "company", json_string(s->company));
	if (s->level[0])
		json_object_set_new(body, "level", json_string(s->level));
	if (s->difficulty[0])
		json_object_set_new(body, "difficulty", json_string(s->difficulty));
	if (s->topic[0])
		json_object_set_new(body, "topic", json_string(s->topic));
	json_t *next = NULL;
	struct err e = {0};
	if (iv_create(c, body, &next, &e))
		log_warn("interview %s: the next weekly session was not booked: %s", s->id, e.msg);
	else
		json_object_set_new(
		    out, "next_interview",
		    json_pack("{s:s, s:s}", "id", json_str(next, "id"), "scheduled_at", when));
	json_decref(next);
	json_decref(body);
}

/* The model's answer as JSON: the text itself, or the first {...} in it (code fences). */
static json_t *json_in(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);
	if (v)
		return v;
	const char *a = strchr(text, '{'), *b = strrchr(text, '}');
	return a && b && b > a ? json_loadb(a, (size_t)(b - a + 1), 0, &je) : NULL;
}

/* Up to 10 non-empty strings of at most 500 bytes, or NULL. */
static json_t *string_list(json_t *v)
{
	if (!json_is_array(v) || json_array_size(v) > 10)
		return NULL;
	size_t i;
	json_t *x;
	json_array_foreach(v, i, x) if (!json_is_string(x) || !json_string_length(x) ||
	                                json_string_length(x) > 500) return NULL;
	return v;
}

/*
 * With an LLM provider, the model grades on the same rubric: it gets the
 * rubric items, the questions, the transcript and the answer, and must
 * return {"rubric":[{"key","score","reason"}], "strengths", "improvements"}
 * with every item scored 1-4 exactly once. A valid answer replaces the
 * deterministic scores (grader "llm:..."); anything else keeps them and
 * says why in grader_note.
 */
static void llm_grade(struct iv_ctx *c, const struct session *s, json_t *transcript_text,
                      const char *answer, json_t *grade)
{
	struct llm *llm = c->app->llm;
	if (!llm)
		return;
	json_t *rubric = json_object_get(grade, "rubric");
	struct buf sys, user, reply;
	buf_init(&sys, 64 * 1024);
	buf_init(&user, 256 * 1024);
	buf_init(&reply, LLM_REPLY_MAX);
	char *q = json_dump_compact(s->questions), *t = json_dump_compact(transcript_text);
	buf_puts(&sys,
	         "You grade a mock interview. Score each rubric item from 1 (poor) to 4 "
	         "(strong) with a one-sentence reason grounded in the answer. Reply with JSON "
	         "only: {\"rubric\":[{\"key\":...,\"score\":1-4,\"reason\":...}],"
	         "\"strengths\":[...],\"improvements\":[...]}. Rubric keys:");
	size_t i;
	json_t *it;
	json_array_foreach(rubric, i, it)
	    buf_printf(&sys, " %s (%s)", json_str(it, "key"), json_str(it, "name"));
	buf_printf(&user, "Type: %s. Hints taken: %d.\nQuestions: %s\nTranscript: %s\nAnswer:\n%s",
	           s->type, s->hints, q, t, answer);
	free(q);
	free(t);
	struct llm_msg msgs[2] = {{"system", sys.data}, {"user", user.data}};
	struct err e = {0};
	const char *why = NULL;
	json_t *got = NULL;
	if (llm_chat(llm, msgs, 2, NULL, NULL, &reply, &e)) {
		why = e.msg;
	} else if (!(got = json_in(reply.data ? reply.data : ""))) {
		why = "the answer is not JSON";
	} else {
		json_t *items = json_object_get(got, "rubric");
		int ok = json_is_array(items) && json_array_size(items) == json_array_size(rubric);
		json_array_foreach(rubric, i, it)
		{
			int found = 0;
			size_t k;
			json_t *x;
			json_array_foreach(items, k, x)
			{
				json_t *sc = json_object_get(x, "score");
				const char *r = json_str(x, "reason");
				if (json_str(x, "key") &&
				    !strcmp(json_str(x, "key"), json_str(it, "key")) &&
				    json_is_integer(sc) && json_integer_value(sc) >= 1 &&
				    json_integer_value(sc) <= 4 && r && *r && strlen(r) <= 500)
					found++;
			}
			ok &= found == 1;
		}
		if (!ok || !string_list(json_object_get(got, "strengths")) ||
		    !string_list(json_object_get(got, "improvements")))
			why = "the answer does not score every rubric item once, 1 to 4, with "
			      "reasons";
	}
	if (why) {
		json_object_set_new(
		    grade, "grader_note",
		    json_sprintf("%s's grading was not used: %s", llm_name(llm), why));
	} else {
		/* The model's scores, on the rubric's names and order. */
		int sum = 0;
		json_array_foreach(rubric, i, it)
		{
			size_t k;
			json_t *x;
			json_array_foreach(json_object_get(got, "rubric"), k,
			                   x) if (!strcmp(json_str(x, "key"), json_str(it, "key")))
			{
				json_object_set(it, "score", json_object_get(x, "score"));
				json_object_set(it, "reason", json_object_get(x, "reason"));
				sum += (int)json_integer_value(json_object_get(x, "score"));
			}
		}
		double overall =
		    json_array_size(rubric) ? (double)sum / json_array_size(rubric) : 1;
		json_object_set_new(grade, "overall",
		                    json_real((double)((int)(overall * 10 + 0.5)) / 10));
		json_object_set(grade, "strengths", json_object_get(got, "strengths"));
		json_object_set(grade, "improvements", json_object_get(got, "improvements"));
		json_object_set_new(grade, "grader", json_sprintf("llm:%s", llm_name(llm)));
	}
	json_decref(got);
	buf_release(&sys);
	buf_release(&user);
	buf_release(&reply);
}

int iv_submit(struct iv_ctx *c, const char *id, json_t *body, json_t **out, struct err *e)
{
	static const struct json_field fields[] = {
	    {"answer", JF_STRING, 1, INTERVIEW_ANSWER_MAX},
	    {"self_scores", JF_OBJECT, 0, 0},
	};
	int rc = json_check_fields(body, fields, ARRAY_LEN(fields), e);
	if (rc)
		return rc;
	json_t *self = json_object_get(body, "self_scores");
	const char *k;
	json_t *v;
	json_object_foreach(
	    self, k, v) if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	                    json_integer_value(v) >
	                        5) return err_set(e, ERR_INVALID, "invalid_field",
	                                          "self score '%.40s' must be an integer 1..5", k);
	struct session s;
	if ((rc = load(c, id, &s, e)))
		return rc;
	if (strcmp(s.state, "active")) {
		rc = not_state(&s, "active", e);
		session_release(&s);
		return rc;
	}
	json_decref(s.self_scores);
	s.self_scores = self ? json_incref(self) : NULL;
	json_t *t, *said = json_array();
	if ((rc = transcript(c, id, &t, said, e))) {
		json_decref(said);
		session_release(&s);
		return rc;
	}
	int64_t now = time_now(), elapsed = now - s.started_at;
	const char *answer = json_str(body, "answer");
	json_t *grade = iv_grade(s.type, s.questions, elapsed, s.duration, s.hints, said, answer);
	llm_grade(c, &s, t, answer, grade);
	json_decref(t);
	json_decref(said);
	json_t *feedback = json_pack("{s:O, s:O}", "strengths", json_object_get(grade, "strengths"),
	                             "improvements", json_object_get(grade, "improvements"));
	char *gtext = json_dump_compact(grade), *ftext = json_dump_compact(feedback);
	char *stext = self ? json_dump_compact(self) : NULL;
	if ((rc = db_begin(c->db, e)) == 0) {
		int64_t changed = 0;
		rc = db_run(
		    c->db, e, &changed,
		    "UPDATE interview_sessions SET state = 'completed', ended_at = ?, answer = ?, "
		    "self_scores = ?, scores = ?, feedback = ?, updated_at = ? "
		    "WHERE id = ? AND user_id = ? AND state = 'active'",
		    "ittttitt", now, answer, stext, gtext, ftext, now, id, c->user);
		if (!rc && !changed)
			rc = err_set(e, ERR_CONFLICT, "interview_state",
			             "the interview ended meanwhile");
		if (rc || (rc = db_commit(c->db, e)))
			db_rollback(c->db);
	}
	free(gtext);
	free(ftext);
	free(stext);
	json_decref(feedback);
	if (!rc) {
		s.ended_at = now;
		json_t *effects = json_object();
		feed_back(c, &s, grade, elapsed, effects);
		book_next(c, &s, effects);
		rc = iv_get(c, id, out, e);
		if (!rc)
			json_object_set_new(*out, "effects", effects);
		else
			json_decref(effects);
	}
	json_decref(grade);
	session_release(&s);
	return rc;
}

int iv_abandon(struct iv_ctx *c, const char *id, json_t **out, struct err *e)
{
	struct session s;
	int rc = load(c, id, &s, e);
	if (rc)
		return rc;
	if (strcmp(s.state, "active") && strcmp(s.state, "scheduled")) {
		rc = not_state(&s, "active or scheduled", e);
		session_release(&s);
		return rc;
	}
	rc = set_state(c, id,
	               "UPDATE interview_sessions SET state = 'abandoned', ended_at = ?, "
	               "updated_at = ? WHERE id = ? AND user_id = ?",
	               e);
	json_t *effects = json_object();
	if (!rc)
		book_next(c, &s, effects);
	session_release(&s);
	if (!rc && (rc = iv_get(c, id, out, e)) == 0 && json_object_size(effects))
		json_object_set(*out, "effects", effects);
	json_decref(effects);
	return rc;
}
