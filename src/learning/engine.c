/*
 * engine.c: mastery, weaknesses and recommendations (see engine.h and
 * docs/learning.md for the formulas).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "learning/engine.h"
#include "learning/fsrs.h"
#include "learning/review.h"
#include "memory/similar.h"

#define W_OUTCOME  0.35
#define W_SPEED    0.15
#define W_COVERAGE 0.25
#define W_RECALL   0.25

static double round3(double v)
{
	return round(v * 1000) / 1000;
}

static int diff_rank(const char *d)
{
	return d[0] == 'e' ? 0 : d[0] == 'm' ? 1 : 2;
}

static double target_minutes(const char *d)
{
	return d[0] == 'e'   ? REVIEW_TARGET_EASY
	       : d[0] == 'm' ? REVIEW_TARGET_MEDIUM
	                     : REVIEW_TARGET_HARD;
}

static int topic_index(const struct catalog *c, const char *slug)
{
	for (int t = 0; t < c->ntopics; t++)
		if (c->topics[t].slug == slug || strcmp(c->topics[t].slug, slug) == 0)
			return t;
	return -1;
}

static int load_targets(struct db *db, const char *user, struct learn_state *s, struct err *e)
{
	struct db_stmt *st;
	int rc = db_query(
	    db, &st, e, "SELECT target_companies FROM user_profiles WHERE user_id = ?", "t", user);
	if (rc)
		return rc;
	if ((rc = db_step(st, e)) == DB_ROW) {
		json_t *arr = json_loads(db_col_text(st, 0), 0, NULL);
		size_t i;
		json_t *v;
		json_array_foreach(arr, i, v) if (json_is_string(v) &&
		                                  s->ntargets < (int)ARRAY_LEN(s->targets))
		    str_copy(s->targets[s->ntargets++], sizeof(s->targets[0]),
		             json_string_value(v));
		json_decref(arr);
	}
	db_finish(st);
	return rc < 0 ? rc : 0;
}

int learn_load(struct db *db, const struct catalog *c, const char *user, int64_t now,
               struct learn_state *s, struct err *e)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->now = now;
	s->topics = xcalloc((size_t)c->ntopics + 1, sizeof(*s->topics));
	s->problems = xcalloc((size_t)c->nproblems + 1, sizeof(*s->problems));
	struct fsrs_params fp;
	fsrs_default_params(&fp);
	double *speed_sum = xcalloc((size_t)c->ntopics + 1, sizeof(double));
	double *speed_w = xcalloc((size_t)c->ntopics + 1, sizeof(double));
	double *outcome_sum = xcalloc((size_t)c->ntopics + 1, sizeof(double));
	/* The topic index of each problem's topics, looked up once. */
	int *ptopic =
	    xmalloc(((size_t)c->nproblems + 1) * CATALOG_MAX_TOPICS_PER_PROBLEM * sizeof(int));
	for (int i = 0; i < c->nproblems; i++)
		for (int k = 0; k < CATALOG_MAX_TOPICS_PER_PROBLEM; k++)
			ptopic[i * CATALOG_MAX_TOPICS_PER_PROBLEM + k] =
			    k < c->problems[i].ntopics ? topic_index(c, c->problems[i].topics[k])
			                               : -1;
	struct db_stmt *st;
	int rc = load_targets(db, user, s, e);
	if (rc)
		goto out;
	if ((rc = db_query(
	         db, &st, e,
	         "SELECT problem_id, status, stability, last_review, next_review, last_at, "
	         "last_outcome, difficulty FROM problem_progress WHERE user_id = ?",
	         "t", user)))
		goto out;
	while ((rc = db_step(st, e)) == DB_ROW) {
		const struct catalog_problem *p = catalog_problem_by_id(c, db_col_int(st, 0));
		if (!p)
			continue;
		struct learn_problem *lp = &s->problems[p - c->problems];
		lp->status = strcmp(db_col_text(st, 1), "solved") == 0 ? 2 : 1;
		lp->next_review = db_col_is_null(st, 4) ? 0 : db_col_int(st, 4);
		lp->last_at = db_col_int(st, 5);
		str_copy(lp->last_outcome, sizeof(lp->last_outcome), db_col_text(st, 6));
		if (!db_col_is_null(st, 2)) {
			int64_t last = db_col_int(st, 3);
			double days = now > last ? (double)(now - last) / FSRS_DAY_SECONDS : 0;
			lp->stability = db_col_double(st, 2);
			lp->fsrs_difficulty = db_col_double(st, 7);
			lp->last_review = last;
			lp->recall = fsrs_retrievability(&fp, lp->stability, days);
		}
	}
	db_finish(st);
	if (rc < 0)
		goto out;
	if ((rc =
	         db_query(db, &st, e,
	                  "SELECT problem_id, outcome, minutes, at FROM attempts WHERE user_id = ?",
	                  "t", user)))
		goto out;
	while ((rc = db_step(st, e)) == DB_ROW) {
		const struct catalog_problem *p = catalog_problem_by_id(c, db_col_int(st, 0));
		if (!p)
			continue;
		struct learn_problem *lp = &s->problems[p - c->problems];
		const char *outcome = db_col_text(st, 1);
		int64_t at = db_col_int(st, 3),
		        minutes = db_col_is_null(st, 2) ? -1 : db_col_int(st, 2);
		int failed = strcmp(outcome, "failed") == 0,
		    solved = strcmp(outcome, "solved") == 0;
		lp->attempts++;
		lp->failed += failed;
		if (solved && at > lp->last_solved_at)
			lp->last_solved_at = at;
		double age = now > at ? (double)(now - at) / FSRS_DAY_SECONDS : 0;
		double w = pow(0.5, age / LEARN_HALF_LIFE_DAYS);
		double score = solved ? 1.0 : failed ? 0.0 : 0.5;
		for (int k = 0; k < p->ntopics; k++) {
			int t = ptopic[(p - c->problems) * CATALOG_MAX_TOPICS_PER_PROBLEM + k];
			if (t < 0)
				continue;
			struct learn_topic *lt = &s->topics[t];
			lt->attempts++;
			lt->failed += failed;
			lt->helped += !failed && !solved;
			lt->weight += w;
			outcome_sum[t] += w * score;
			if (failed && age <= LEARN_RECENT_DAYS)
				lt->recent_failures++;
			if (solved && minutes > 0) {
				double ratio = target_minutes(p->difficulty) / (double)minutes;
				speed_sum[t] += w * (ratio < 1 ? ratio : 1);
				speed_w[t] += w;
				lt->timed++;
			}
		}
	}
	db_finish(st);
	if (rc < 0)
		goto out;
	rc = 0;
	for (int t = 0; t < c->ntopics; t++) {
		struct learn_topic *lt = &s->topics[t];
		double recall_sum = 0;
		lt->total = c->topics[t].problem_count;
		for (int i = 0; i < c->nproblems; i++) {
			const int *pt = &ptopic[i * CATALOG_MAX_TOPICS_PER_PROBLEM];
			int in_topic = 0;
			for (int k = 0; k < CATALOG_MAX_TOPICS_PER_PROBLEM; k++)
				in_topic |= pt[k] == t;
			if (s->problems[i].status != 2 || !in_topic)
				continue;
			lt->solved++;
			recall_sum += s->problems[i].recall;
		}
		int goal = lt->total < LEARN_COVERAGE_TARGET ? lt->total : LEARN_COVERAGE_TARGET;
		lt->coverage = goal ? (lt->solved >= goal ? 1.0 : (double)lt->solved / goal) : 0;
		lt->recall = lt->solved ? recall_sum / lt->solved : 0;
		lt->outcome = lt->weight > 0 ? outcome_sum[t] / lt->weight : 0;
		lt->speed = speed_w[t] > 0 ? speed_sum[t] / speed_w[t] : -1;
		if (!lt->attempts) {
			lt->mastery = 0;
			continue;
		}
		double m =
		    W_OUTCOME * lt->outcome + W_COVERAGE * lt->coverage + W_RECALL * lt->recall;
		/* Without timings the other components share the speed's weight. */
		m = lt->speed >= 0 ? m + W_SPEED * lt->speed : m / (1 - W_SPEED);
		lt->mastery = m;
	}
out:
	free(ptopic);
	free(speed_sum);
	free(speed_w);
	free(outcome_sum);
	if (rc)
		learn_release(s);
	return rc;
}

void learn_release(struct learn_state *s)
{
	free(s->topics);
	free(s->problems);
	s->topics = NULL;
	s->problems = NULL;
}

json_t *learn_mastery_json(const struct learn_topic *t)
{
	return json_pack("{s:f,s:{s:f,s:o,s:f,s:f},s:i,s:i,s:i}", "value", round3(t->mastery),
	                 "components", "outcome", round3(t->outcome), "speed",
	                 t->speed >= 0 ? json_real(round3(t->speed)) : json_null(), "coverage",
	                 round3(t->coverage), "recall", round3(t->recall), "attempts", t->attempts,
	                 "solved", t->solved, "total", t->total);
}

/* ---- choosing problems ---- */

/*
 * The difficulty a topic calls for: easy until 3 of its problems are
 * solved or below mastery 0.3, medium below 0.6, then hard.
 */
static int wanted_rank(const struct learn_topic *t)
{
	if (t->solved < 3 || t->mastery < 0.3)
		return 0;
	return t->mastery < 0.6 ? 1 : 2;
}

static const char *company_name(const struct catalog *c, const char *slug)
{
	for (int i = 0; i < c->ncompanies; i++)
		if (strcmp(c->companies[i].slug, slug) == 0)
			return c->companies[i].name;
	return slug;
}

/* A topic is open when each prerequisite has a solved problem. */
static int topic_open(const struct learn_state *s, int t)
{
	const struct catalog_topic *ct = &s->c->topics[t];
	for (int k = 0; k < ct->nprereq; k++) {
		int u = topic_index(s->c, ct->prerequisites[k]);
		if (u >= 0 && s->topics[u].solved == 0)
			return 0;
	}
	return 1;
}

/* Not worth proposing: scheduled for later, solved lately and not due, or already chosen. */
static int skip_problem(const struct learn_state *s, const unsigned char *taken, int i)
{
	const struct learn_problem *lp = &s->problems[i];
	if (taken[i])
		return 1;
	if (lp->next_review > s->now)
		return 1;
	return lp->last_solved_at &&
	       s->now - lp->last_solved_at < (int64_t)LEARN_RECENT_DAYS * FSRS_DAY_SECONDS &&
	       !(lp->next_review && lp->next_review <= s->now);
}

/*
 * The best unsolved problem of topic T for its mastery: the wanted
 * difficulty first, then the most asked at the user's target companies,
 * then catalog order. -1 when none is left.
 */
static int pick_in_topic(const struct learn_state *s, const unsigned char *taken, int t)
{
	const struct catalog *c = s->c;
	int want = wanted_rank(&s->topics[t]), best = -1, best_score = 1 << 30;
	for (int i = 0; i < c->nproblems; i++) {
		const struct catalog_problem *p = &c->problems[i];
		/* Problems whose main topic it is: a secondary topic may still be closed. */
		if (s->problems[i].status == 2 || skip_problem(s, taken, i) || !p->ntopics ||
		    strcmp(p->topics[0], c->topics[t].slug) != 0)
			continue;
		int freq = 0;
		for (int k = 0; k < p->ncompanies; k++)
			for (int j = 0; j < s->ntargets; j++)
				if (strcmp(p->companies[k].slug, s->targets[j]) == 0 &&
				    p->companies[k].frequency > freq)
					freq = p->companies[k].frequency;
		int score = abs(diff_rank(p->difficulty) - want) * 10 - freq;
		if (score < best_score) {
			best_score = score;
			best = i;
		}
	}
	return best;
}

static json_t *rec_item(const struct learn_state *s, int i, const char *kind, const char *reason)
{
	const struct catalog_problem *p = &s->c->problems[i];
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "slug", p->slug, "title", p->title,
	                 "difficulty", p->difficulty, "topic", p->ntopics ? p->topics[0] : "",
	                 "kind", kind, "reason", reason);
}

static void day_of(int64_t t, char out[11])
{
	day_format(t / 86400, out);
}

/* ---- weaknesses ---- */

struct weak {
	int t;
	double severity;
};

static int weak_cmp(const void *a, const void *b)
{
	const struct weak *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity < y->severity ? 1 : -1;
	return x->t - y->t;
}

/* Topics with enough evidence and a sign of trouble, most severe first; returns the count. */
static int rank_weak(const struct learn_state *s, struct weak *out, int max)
{
	int n = 0;
	for (int t = 0; t < s->c->ntopics; t++) {
		const struct learn_topic *lt = &s->topics[t];
		if (lt->attempts < LEARN_WEAK_MIN_EVIDENCE)
			continue;
		int trouble = lt->failed + lt->helped > 0 || (lt->solved && lt->recall < 0.7) ||
		              (lt->speed >= 0 && lt->speed < 0.6);
		if (!trouble)
			continue;
		double evidence = lt->attempts >= 5 ? 1.0 : lt->attempts / 5.0;
		double sev =
		    (1 - lt->mastery) *
		    (evidence + 0.05 * (lt->recent_failures < 4 ? lt->recent_failures : 4));
		if (sev > 1)
			sev = 1;
		if (sev < 0.2)
			continue;
		if (n < max)
			out[n++] = (struct weak){t, sev};
		else if (sev > out[max - 1].severity)
			out[max - 1] = (struct weak){t, sev};
		qsort(out, (size_t)n, sizeof(*out), weak_cmp);
	}
	return n;
}

static char *explain(const struct learn_state *s, int t)
{
	const struct learn_topic *lt = &s->topics[t];
	struct buf b;
	buf_init(&b, 4096);
	buf_printf(&b, "In %s, %d of your %d attempts failed and %d needed help",
	           s->c->topics[t].name, lt->failed, lt->attempts, lt->helped);
	buf_printf(&b, " (recency-weighted success %.0f%%", lt->outcome * 100);
	if (lt->recent_failures)
		buf_printf(&b, "; %d failure%s in the last %d days", lt->recent_failures,
		           lt->recent_failures == 1 ? "" : "s", LEARN_RECENT_DAYS);
	buf_puts(&b, ").");
	if (lt->speed >= 0 && lt->speed < 0.8)
		buf_printf(&b, " Your solved attempts run at %.0f%% of interview pace.",
		           lt->speed * 100);
	if (lt->solved)
		buf_printf(
		    &b,
		    " You have solved %d of its %d problems; estimated recall of those is %.0f%%.",
		    lt->solved, lt->total, lt->recall * 100);
	else
		buf_printf(&b, " You have not solved any of its %d problems yet.", lt->total);
	return buf_detach(&b);
}

json_t *learn_weaknesses(const struct learn_state *s)
{
	const struct catalog *c = s->c;
	struct weak w[LEARN_WEAK_MAX];
	int n = rank_weak(s, w, LEARN_WEAK_MAX);
	json_t *items = json_array();
	unsigned char *taken = xcalloc((size_t)c->nproblems + 1, 1);
	for (int k = 0; k < n; k++) {
		int t = w[k].t;
		const struct learn_topic *lt = &s->topics[t];
		json_t *evidence_attempts = json_array(), *recs = json_array();
		/* The problems behind it: those with failures, latest first. */
		for (int pass = 0; pass < 5; pass++) {
			int best = -1;
			for (int i = 0; i < c->nproblems; i++) {
				const struct learn_problem *lp = &s->problems[i];
				if (!lp->failed ||
				    !catalog_problem_has_topic(&c->problems[i], c->topics[t].slug))
					continue;
				int used = 0;
				for (size_t j = 0; j < json_array_size(evidence_attempts); j++)
					used |= strcmp(json_string_value(json_object_get(
					                   json_array_get(evidence_attempts, j),
					                   "slug")),
					               c->problems[i].slug) == 0;
				if (!used && (best < 0 || lp->last_at > s->problems[best].last_at))
					best = i;
			}
			if (best < 0)
				break;
			char day[11];
			day_of(s->problems[best].last_at, day);
			json_array_append_new(
			    evidence_attempts,
			    json_pack("{s:s,s:s,s:i,s:i,s:s,s:s}", "slug", c->problems[best].slug,
			              "title", c->problems[best].title, "attempts",
			              s->problems[best].attempts, "failed",
			              s->problems[best].failed, "last_outcome",
			              s->problems[best].last_outcome, "last_attempt", day));
		}
		/* What to do: due reviews in the topic first, then new problems at the right level.
		 */
		for (int i = 0; i < c->nproblems && json_array_size(recs) < 3; i++) {
			const struct learn_problem *lp = &s->problems[i];
			if (taken[i] || !lp->next_review || lp->next_review > s->now ||
			    !catalog_problem_has_topic(&c->problems[i], c->topics[t].slug))
				continue;
			char why[128];
			snprintf(why, sizeof(why), "due for review: recall %.0f%%",
			         lp->recall * 100);
			taken[i] = 1;
			json_array_append_new(recs, rec_item(s, i, "review", why));
		}
		while (json_array_size(recs) < 3) {
			int i = pick_in_topic(s, taken, t);
			if (i < 0)
				break;
			taken[i] = 1;
			json_array_append_new(recs, rec_item(s, i, "practice",
			                                     s->problems[i].status
			                                         ? "attempted, not solved yet"
			                                         : "not tried yet"));
		}
		char *text = explain(s, t);
		json_array_append_new(
		    items,
		    json_pack(
		        "{s:s,s:s,s:f,s:f,s:{s:i,s:i,s:i,s:i,s:f,s:o,s:f,s:i,s:i,s:o},s:s,s:o}",
		        "topic", c->topics[t].slug, "name", c->topics[t].name, "severity",
		        round3(w[k].severity), "mastery", round3(lt->mastery), "evidence",
		        "attempts", lt->attempts, "failed", lt->failed, "solved_with_help",
		        lt->helped, "recent_failures", lt->recent_failures, "success",
		        round3(lt->outcome), "speed",
		        lt->speed >= 0 ? json_real(round3(lt->speed)) : json_null(), "recall",
		        round3(lt->recall), "solved", lt->solved, "total", lt->total, "problems",
		        evidence_attempts, "explanation", text, "recommendations", recs));
		free(text);
	}
	free(taken);
	return json_pack("{s:o}", "items", items);
}

int learn_weakness_report(struct db *db, const struct learn_state *s, const char *user,
                          json_t **out, struct err *e)
{
	json_t *w = learn_weaknesses(s), *items = json_object_get(w, "items");
	struct buf topics;
	buf_init(&topics, 4096);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) buf_printf(
	    &topics, "%s%s", i ? "," : "", json_string_value(json_object_get(it, "topic")));
	const char *now_topics = topics.len ? topics.data : "";
	/* The latest stored analysis: a new one only when the weak topics changed. */
	struct db_stmt *st;
	char *prev = NULL;
	int rc = db_query(db, &st, e,
	                  "SELECT topics FROM weakness_analysis WHERE user_id = ? "
	                  "ORDER BY computed_at DESC, id DESC LIMIT 1",
	                  "t", user);
	if (rc)
		goto out;
	if ((rc = db_step(st, e)) == DB_ROW)
		prev = xstrdup(db_col_text(st, 0));
	db_finish(st);
	if (rc < 0)
		goto out;
	if (!prev || strcmp(prev, now_topics) != 0) {
		char *text = json_dump_compact(items);
		if ((rc = db_begin(db, e)) == 0) {
			rc = db_run(
			    db, e, NULL,
			    "INSERT INTO weakness_analysis (user_id, computed_at, topics, items) "
			    "VALUES (?, ?, ?, ?)",
			    "titt", user, s->now, now_topics, text);
			if (!rc)
				rc = db_run(
				    db, e, NULL,
				    "DELETE FROM weakness_analysis WHERE user_id = ? AND id NOT IN "
				    "(SELECT id FROM weakness_analysis WHERE user_id = ? "
				    "ORDER BY computed_at DESC, id DESC LIMIT ?)",
				    "tti", user, user, (int64_t)LEARN_HISTORY_MAX);
			if (!rc)
				rc = db_commit(db, e);
			if (rc)
				db_rollback(db);
		}
		free(text);
		if (rc)
			goto out;
	}
	/* Resolved: weak in any earlier analysis, weak no longer. */
	json_t *history = json_array(), *resolved = json_array();
	if ((rc = db_query(db, &st, e,
	                   "SELECT computed_at, topics FROM weakness_analysis WHERE user_id = ? "
	                   "ORDER BY computed_at DESC, id DESC LIMIT 20",
	                   "t", user))) {
		json_decref(history);
		json_decref(resolved);
		goto out;
	}
	while ((rc = db_step(st, e)) == DB_ROW) {
		char ts[21];
		time_format_iso8601(db_col_int(st, 0), ts);
		json_t *list = json_split_csv(db_col_text(st, 1));
		size_t k;
		json_t *v;
		json_array_foreach(list, k, v)
		{
			const char *topic = json_string_value(v);
			char pattern[80];
			snprintf(pattern, sizeof(pattern), ",%s,", topic);
			char *cur = xasprintf(",%s,", now_topics);
			int still = strstr(cur, pattern) != NULL, seen = 0;
			free(cur);
			for (size_t r = 0; r < json_array_size(resolved); r++)
				seen |= strcmp(json_string_value(json_array_get(resolved, r)),
				               topic) == 0;
			if (!still && !seen && *topic)
				json_array_append_new(resolved, json_string(topic));
		}
		json_array_append_new(history,
		                      json_pack("{s:s,s:o}", "computed_at", ts, "topics", list));
	}
	db_finish(st);
	if (rc < 0) {
		json_decref(history);
		json_decref(resolved);
		goto out;
	}
	char ts[21];
	time_format_iso8601(s->now, ts);
	*out = json_pack("{s:O,s:s,s:o,s:o}", "items", items, "computed_at", ts, "resolved",
	                 resolved, "history", history);
	rc = 0;
out:
	free(prev);
	buf_release(&topics);
	json_decref(w);
	return rc;
}

/* ---- recommendations ---- */

json_t *learn_recommendations(const struct learn_state *s, int limit)
{
	const struct catalog *c = s->c;
	unsigned char *taken = xcalloc((size_t)c->nproblems + 1, 1);
	json_t *items = json_array();
	struct weak w[3];
	int nweak = rank_weak(s, w, 3);
	int round = 0, progress = 1;
	/* One of each kind per round, in this order, until LIMIT or nothing is left. */
	while ((int)json_array_size(items) < limit && progress) {
		progress = 0;
		char why[256], day[11];
		/* 1. The most overdue review. */
		int best = -1;
		for (int i = 0; i < c->nproblems; i++) {
			const struct learn_problem *lp = &s->problems[i];
			if (taken[i] || !lp->next_review || lp->next_review > s->now)
				continue;
			if (best < 0 || lp->next_review < s->problems[best].next_review)
				best = i;
		}
		if (best >= 0 && (int)json_array_size(items) < limit) {
			const struct learn_problem *lp = &s->problems[best];
			day_of(lp->next_review, day);
			if (lp->status == 2)
				snprintf(why, sizeof(why), "review due since %s: recall now %.0f%%",
				         day, lp->recall * 100);
			else
				snprintf(why, sizeof(why), "retry: last attempt %s, due since %s",
				         lp->last_outcome, day);
			taken[best] = 1;
			json_array_append_new(items, rec_item(s, best, "review", why));
			progress = 1;
		}
		/* 2. A problem like one failed lately. */
		for (int i = 0; i < c->nproblems && (int)json_array_size(items) < limit; i++) {
			const struct learn_problem *lp = &s->problems[i];
			if (!lp->failed || strcmp(lp->last_outcome, "failed") ||
			    s->now - lp->last_at > (int64_t)LEARN_RECENT_DAYS * FSRS_DAY_SECONDS)
				continue;
			int near[SIMILAR_K_MAX];
			float sc[SIMILAR_K_MAX];
			int nn = similar_nearest(c, i, 5, near, sc);
			int pick = -1;
			for (int k = 0; k < nn && pick < 0; k++)
				/* No harder than the failed one, in a topic that is open. */
				if (s->problems[near[k]].status != 2 &&
				    !skip_problem(s, taken, near[k]) &&
				    c->problems[near[k]].ntopics &&
				    diff_rank(c->problems[near[k]].difficulty) <=
				        diff_rank(c->problems[i].difficulty) &&
				    topic_open(s, topic_index(c, c->problems[near[k]].topics[0])))
					pick = near[k];
			if (pick < 0)
				continue;
			/* One per failed problem over all rounds: mark the source as used. */
			int used = 0;
			for (size_t j = 0; j < json_array_size(items); j++)
				used |= strstr(json_string_value(json_object_get(
				                   json_array_get(items, j), "reason")),
				               c->problems[i].title) != NULL;
			if (used)
				continue;
			day_of(lp->last_at, day);
			snprintf(why, sizeof(why), "similar to %s, which you failed on %s",
			         c->problems[i].title, day);
			taken[pick] = 1;
			json_array_append_new(items, rec_item(s, pick, "similar", why));
			progress = 1;
			break;
		}
		/* 3. The weak topics, in turn. */
		if (nweak && (int)json_array_size(items) < limit) {
			int t = w[round % nweak].t, i = pick_in_topic(s, taken, t);
			if (i >= 0) {
				const struct learn_topic *lt = &s->topics[t];
				snprintf(why, sizeof(why),
				         "weak topic %s: %d of %d attempts failed, mastery %.0f%%",
				         c->topics[t].name, lt->failed, lt->attempts,
				         lt->mastery * 100);
				taken[i] = 1;
				json_array_append_new(items, rec_item(s, i, "weakness", why));
				progress = 1;
			}
		}
		/* 4. Asked most at a target company, in an open topic. */
		for (int f = 3; f >= 2 && s->ntargets && (int)json_array_size(items) < limit; f--) {
			int found = -1;
			const char *company = NULL;
			for (int i = 0; i < c->nproblems && found < 0; i++) {
				const struct catalog_problem *p = &c->problems[i];
				if (s->problems[i].status == 2 || skip_problem(s, taken, i) ||
				    !p->ntopics || !topic_open(s, topic_index(c, p->topics[0])) ||
				    diff_rank(p->difficulty) >
				        wanted_rank(&s->topics[topic_index(c, p->topics[0])]) + 1)
					continue;
				for (int k = 0; k < p->ncompanies && found < 0; k++)
					for (int j = 0; j < s->ntargets; j++)
						if (p->companies[k].frequency == f &&
						    strcmp(p->companies[k].slug, s->targets[j]) ==
						        0) {
							found = i;
							company = s->targets[j];
							break;
						}
			}
			if (found >= 0) {
				snprintf(why, sizeof(why),
				         "asked %s at %s, one of your target companies",
				         f == 3 ? "often" : "regularly", company_name(c, company));
				taken[found] = 1;
				json_array_append_new(items, rec_item(s, found, "company", why));
				progress = 1;
				break;
			}
		}
		/* 5. The roadmap: the first open topic not yet covered. */
		for (int t = 0; t < c->ntopics && (int)json_array_size(items) < limit; t++) {
			if (s->topics[t].coverage >= 1 || !topic_open(s, t))
				continue;
			int i = pick_in_topic(s, taken, t);
			if (i < 0)
				continue;
			if (c->topics[t].nprereq)
				snprintf(why, sizeof(why),
				         "next on your roadmap: %s (you have solved %d of %d)",
				         c->topics[t].name, s->topics[t].solved,
				         s->topics[t].total);
			else
				snprintf(why, sizeof(why),
				         "start of the roadmap: %s (you have solved %d of %d)",
				         c->topics[t].name, s->topics[t].solved,
				         s->topics[t].total);
			taken[i] = 1;
			json_array_append_new(items, rec_item(s, i, "roadmap", why));
			progress = 1;
			break;
		}
		round++;
	}
	free(taken);
	return json_pack("{s:o}", "items", items);
}

int learn_fill_progress(struct db *db, const struct catalog *c, const char *user, int64_t now,
                        json_t *progress, struct err *e)
{
	struct learn_state s;
	int rc = learn_load(db, c, user, now, &s, e);
	if (rc)
		return rc;
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(progress, "topics"), i, t) if (i < (size_t)c->ntopics)
	    json_object_set_new(t, "mastery", learn_mastery_json(&s.topics[i]));
	learn_release(&s);
	return 0;
}
