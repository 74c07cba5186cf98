/*
 * plan.c: the study plan (engine.h, learn_plan). Day by day from today, with
 * the weekly budget shared out over the week's days (what a day does not
 * use carries to the next day of the same week, never to the next week):
 *
 *   1. on the last day of a week, a mock interview when the week's budget is
 *      at least four hours;
 *   2. the reviews due that day, in due order, each PLAN_REVIEW_MINUTES; a
 *      planned review is assumed recalled (Good), and its next review is
 *      placed where FSRS would put it;
 *   3. new problems while time is left: the weak topics first, then the
 *      roadmap in order, each topic opening once its prerequisites have a
 *      solved problem (solved in the plan counts), at the difficulty the
 *      topic calls for.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "learning/engine.h"
#include "learning/fsrs.h"
#include "learning/review.h"

struct sim {
	const struct learn_state *s;
	struct fsrs_params fp;
	int *solved;            /* per topic: solved problems, planned ones included */
	unsigned char *planned; /* per problem: chosen as new in the plan */
	int64_t *due;           /* per problem: next review day (local), 0 = none */
	double *stab, *diff;    /* per problem: review state, as simulated */
	int64_t *last;          /* per problem: last review day (local) */
	int nweak, weak[3];
	int turn;
};

static int topic_of(const struct catalog *c, const char *slug)
{
	for (int t = 0; t < c->ntopics; t++)
		if (strcmp(c->topics[t].slug, slug) == 0)
			return t;
	return -1;
}

static int sim_open(const struct sim *m, int t)
{
	const struct catalog_topic *ct = &m->s->c->topics[t];
	for (int k = 0; k < ct->nprereq; k++) {
		int u = topic_of(m->s->c, ct->prerequisites[k]);
		if (u >= 0 && m->solved[u] == 0)
			return 0;
	}
	return 1;
}

static int minutes_for(const char *difficulty)
{
	/* The interview target plus time to write up and check the solution. */
	return difficulty[0] == 'e'   ? REVIEW_TARGET_EASY + 5
	       : difficulty[0] == 'm' ? REVIEW_TARGET_MEDIUM + 10
	                              : REVIEW_TARGET_HARD + 10;
}

/* The next new problem of topic T at its level, or -1. */
static int sim_pick(const struct sim *m, int t)
{
	const struct catalog *c = m->s->c;
	const struct learn_topic *lt = &m->s->topics[t];
	int want = m->solved[t] < 3 || lt->mastery < 0.3 ? 0 : lt->mastery < 0.6 ? 1 : 2;
	int best = -1, best_score = 1 << 30;
	for (int i = 0; i < c->nproblems; i++) {
		const struct catalog_problem *p = &c->problems[i];
		if (m->planned[i] || m->s->problems[i].status || !p->ntopics ||
		    strcmp(p->topics[0], c->topics[t].slug) != 0)
			continue;
		int rank = p->difficulty[0] == 'e' ? 0 : p->difficulty[0] == 'm' ? 1 : 2;
		int freq = 0;
		for (int k = 0; k < p->ncompanies; k++)
			for (int j = 0; j < m->s->ntargets; j++)
				if (strcmp(p->companies[k].slug, m->s->targets[j]) == 0 &&
				    p->companies[k].frequency > freq)
					freq = p->companies[k].frequency;
		int score = abs(rank - want) * 10 - freq;
		if (score < best_score) {
			best_score = score;
			best = i;
		}
	}
	return best;
}

/* The next new problem of the plan and the topic it serves (*WHY). */
static int sim_next(struct sim *m, const char **why, int *topic)
{
	const struct catalog *c = m->s->c;
	/* Weak topics in turn while they are not covered. */
	for (int k = 0; k < m->nweak; k++) {
		int t = m->weak[(m->turn + k) % m->nweak];
		if (m->solved[t] >= LEARN_COVERAGE_TARGET || !sim_open(m, t))
			continue;
		int i = sim_pick(m, t);
		if (i >= 0) {
			m->turn++;
			*why = "weak topic";
			*topic = t;
			return i;
		}
	}
	for (int t = 0; t < c->ntopics; t++) {
		int goal = c->topics[t].problem_count < LEARN_COVERAGE_TARGET
		               ? c->topics[t].problem_count
		               : LEARN_COVERAGE_TARGET;
		if (m->solved[t] >= goal || !sim_open(m, t))
			continue;
		int i = sim_pick(m, t);
		if (i >= 0) {
			*why = "roadmap";
			*topic = t;
			return i;
		}
	}
	return -1;
}

static void schedule_review(struct sim *m, int i, int64_t day, int first)
{
	if (first) {
		m->stab[i] = m->fp.w[2]; /* a first review graded Good */
		m->diff[i] = fsrs_initial_difficulty(&m->fp, FSRS_GOOD);
	} else {
		double r = fsrs_retrievability(&m->fp, m->stab[i], (double)(day - m->last[i]));
		m->stab[i] = fsrs_next_stability(&m->fp, m->stab[i], m->diff[i], r, FSRS_GOOD);
		m->diff[i] = fsrs_next_difficulty(&m->fp, m->diff[i], FSRS_GOOD);
	}
	m->last[i] = day;
	m->due[i] = day + (int64_t)llround(fsrs_interval_days(&m->fp, m->stab[i]));
}

static json_t *item_json(const struct sim *m, int i, const char *kind, int minutes,
                         const char *reason, int blind)
{
	const struct catalog_problem *p = &m->s->c->problems[i];
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s}", "kind", kind, "slug", p->slug, "title",
	                      p->title, "topic", p->ntopics ? p->topics[0] : "", "minutes", minutes,
	                      "reason", reason);
	if (!blind)
		json_object_set_new(o, "difficulty", json_string(p->difficulty));
	return o;
}

json_t *learn_plan(const struct learn_state *s, const struct plan_in *in)
{
	const struct catalog *c = s->c;
	struct sim m = {0};
	m.s = s;
	fsrs_default_params(&m.fp);
	m.solved = xcalloc((size_t)c->ntopics + 1, sizeof(int));
	m.planned = xcalloc((size_t)c->nproblems + 1, 1);
	m.due = xcalloc((size_t)c->nproblems + 1, sizeof(int64_t));
	m.stab = xcalloc((size_t)c->nproblems + 1, sizeof(double));
	m.diff = xcalloc((size_t)c->nproblems + 1, sizeof(double));
	m.last = xcalloc((size_t)c->nproblems + 1, sizeof(int64_t));
	for (int t = 0; t < c->ntopics; t++)
		m.solved[t] = s->topics[t].solved;
	/* Reviews already scheduled, in local days (overdue ones today). */
	int64_t now_day = in->today;
	for (int i = 0; i < c->nproblems; i++) {
		const struct learn_problem *lp = &s->problems[i];
		if (!lp->next_review)
			continue;
		int64_t d = now_day + (lp->next_review - s->now) / FSRS_DAY_SECONDS;
		m.due[i] = d < now_day ? now_day : d;
		m.stab[i] = lp->stability;
		m.diff[i] = lp->fsrs_difficulty > 0 ? lp->fsrs_difficulty : 5;
		m.last[i] = now_day - (s->now - lp->last_review) / FSRS_DAY_SECONDS;
	}
	/* The weak topics, as the analysis ranks them. */
	json_t *w = learn_weaknesses(s);
	for (size_t k = 0; k < json_array_size(json_object_get(w, "items")) && m.nweak < 3; k++) {
		const char *slug = json_string_value(
		    json_object_get(json_array_get(json_object_get(w, "items"), k), "topic"));
		int t = topic_of(c, slug);
		if (t >= 0)
			m.weak[m.nweak++] = t;
	}
	json_decref(w);

	double hours = in->hours_per_week > 0 ? in->hours_per_week : PLAN_HOURS_DEFAULT;
	int budget = (int)llround(hours * 60);
	int weeks = in->weeks;
	const char *horizon = "interview date";
	if (!weeks && in->interview_day > in->today) {
		weeks = (int)((in->interview_day - in->today + 6) / 7);
	} else if (!weeks) {
		weeks = PLAN_WEEKS_DEFAULT;
		horizon = "default";
	} else {
		horizon = "requested";
	}
	if (weeks > PLAN_WEEKS_MAX)
		weeks = PLAN_WEEKS_MAX;
	int64_t end_day = in->today + (int64_t)weeks * 7 - 1;
	if (in->interview_day > in->today && in->interview_day - 1 < end_day)
		end_day = in->interview_day - 1; /* the day before the interview is the last */
	json_t *jweeks = json_array();
	int total_new = 0, total_reviews = 0, total_mocks = 0, total_minutes = 0;
	for (int wk = 0; wk < weeks; wk++) {
		int64_t wstart = in->today + (int64_t)wk * 7;
		if (wstart > end_day)
			break;
		int64_t wend = wstart + 6 < end_day ? wstart + 6 : end_day;
		int ndays = (int)(wend - wstart + 1);
		/* This week's share of the budget: partial weeks get their share. */
		int wbudget = budget * ndays / 7, used = 0, carry = 0;
		/* A full week of four hours or more keeps an hour for its mock interview. */
		int mock = ndays == 7 && wbudget >= 240 ? PLAN_MOCK_MINUTES : 0;
		int share = wbudget - mock;
		json_t *jdays = json_array(), *focus = json_array();
		for (int64_t d = wstart; d <= wend; d++) {
			int cap = carry + share / ndays + (d == wend ? share % ndays + mock : 0);
			int spent = 0;
			json_t *items = json_array();
			/* 1. A mock interview opens the last day of a week with four hours or more.
			 */
			if (d == wend && mock) {
				static const char *const kinds[] = {"coding", "system_design",
				                                    "behavioral"};
				json_array_append_new(
				    items, json_pack("{s:s,s:s,s:i,s:s}", "kind", "mock", "type",
				                     kinds[wk % 3], "minutes", PLAN_MOCK_MINUTES,
				                     "reason", "a timed mock interview each week"));
				spent += PLAN_MOCK_MINUTES;
				total_mocks++;
			}
			/* 2. Due reviews, most overdue first. */
			for (;;) {
				int best = -1;
				for (int i = 0; i < c->nproblems; i++)
					if (m.due[i] && m.due[i] <= d &&
					    (best < 0 || m.due[i] < m.due[best]))
						best = i;
				if (best < 0 || spent + PLAN_REVIEW_MINUTES > cap)
					break;
				json_array_append_new(
				    items, item_json(&m, best, "review", PLAN_REVIEW_MINUTES,
				                     "due for review", in->blind));
				spent += PLAN_REVIEW_MINUTES;
				total_reviews++;
				schedule_review(&m, best, d, 0);
			}
			/* 3. New problems while time is left. */
			for (;;) {
				const char *why = NULL;
				int t = -1, i = sim_next(&m, &why, &t);
				if (i < 0)
					break;
				int need = minutes_for(c->problems[i].difficulty);
				if (spent + need > cap)
					break;
				json_array_append_new(
				    items, item_json(&m, i, "new", need, why, in->blind));
				m.planned[i] = 1;
				m.solved[t]++;
				spent += need;
				total_new++;
				schedule_review(&m, i, d, 1);
				int seen = 0;
				for (size_t k = 0; k < json_array_size(focus); k++)
					seen |= strcmp(json_string_value(json_array_get(focus, k)),
					               c->topics[t].slug) == 0;
				if (!seen)
					json_array_append_new(focus,
					                      json_string(c->topics[t].slug));
			}
			carry = cap - spent;
			used += spent;
			char date[11];
			day_format(d, date);
			json_array_append_new(jdays, json_pack("{s:s,s:i,s:o}", "date", date,
			                                       "minutes", spent, "items", items));
		}
		total_minutes += used;
		char a[11], b[11];
		day_format(wstart, a);
		day_format(wend, b);
		json_array_append_new(jweeks,
		                      json_pack("{s:i,s:s,s:s,s:i,s:i,s:o,s:o}", "week", wk + 1,
		                                "start", a, "end", b, "minutes", used, "budget",
		                                wbudget, "focus", focus, "days", jdays));
	}
	char start[11], end[11], interview[11] = "";
	day_format(in->today, start);
	day_format(end_day, end);
	if (in->interview_day)
		day_format(in->interview_day, interview);
	json_t *out = json_pack(
	    "{s:s,s:s,s:o,s:f,s:s,s:o,s:{s:i,s:i,s:i,s:i},s:[s,s,s]}", "start", start, "end", end,
	    "interview_date", in->interview_day ? json_string(interview) : json_null(),
	    "hours_per_week", hours, "horizon", horizon, "weeks", jweeks, "totals", "new",
	    total_new, "reviews", total_reviews, "mocks", total_mocks, "minutes", total_minutes,
	    "assumptions", "new problems take the interview target plus 5-10 minutes to write up",
	    "each planned review is assumed recalled; a failed one is rescheduled sooner",
	    "the plan is recomputed from your progress every time you open it");
	free(m.solved);
	free(m.planned);
	free(m.due);
	free(m.stab);
	free(m.diff);
	free(m.last);
	return out;
}
