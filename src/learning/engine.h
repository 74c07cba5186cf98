/*
 * engine.h: what the learning engine knows of a user at a moment: per
 * topic mastery with its components, weaknesses with their evidence, and
 * the next problems to practise with a reason each. Deterministic and
 * explainable: every number comes from the user's attempts, the review
 * state (learning/review.h) and the catalog; docs/learning.md gives the
 * formulas.
 */
#ifndef MAANG_ENGINE_H
#define MAANG_ENGINE_H

#include <jansson.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "core/util.h"
#include "db/db.h"

#define LEARN_HALF_LIFE_DAYS    21.0 /* weight of an attempt halves every 3 weeks */
#define LEARN_COVERAGE_TARGET   12   /* solved problems that make a topic covered */
#define LEARN_RECENT_DAYS       14   /* "recent" failures; no re-solving within it */
#define LEARN_WEAK_MIN_EVIDENCE 2    /* attempts before a topic can be called weak */
#define LEARN_WEAK_MAX          8    /* weaknesses reported */
#define LEARN_REC_LIMIT_MAX     50
#define LEARN_HISTORY_MAX       100 /* weakness snapshots kept per user */

struct learn_topic {
	double mastery;  /* 0-1 */
	double outcome;  /* recency-weighted success, 0-1 */
	double speed;    /* recency-weighted target/minutes, 0-1; -1 if no timings */
	double coverage; /* solved / min(total, LEARN_COVERAGE_TARGET) */
	double recall;   /* mean FSRS recall now over solved problems; 0 if none */
	int attempts, failed, helped, solved, total, recent_failures, timed;
	double weight; /* sum of recency weights of its attempts */
};

struct learn_problem {
	int status; /* 0 todo, 1 attempted, 2 solved */
	int attempts, failed;
	int64_t last_at, last_solved_at, next_review;
	double recall;                     /* now, 0 if never reviewed */
	double stability, fsrs_difficulty; /* the review state; 0 if never reviewed */
	int64_t last_review;
	char last_outcome[20];
};

struct learn_state {
	const struct catalog *c;
	int64_t now;
	struct learn_topic *topics;     /* per catalog topic, roadmap order */
	struct learn_problem *problems; /* per catalog problem index */
	char targets[20][64];           /* the profile's target companies */
	int ntargets;
};

/* Reads the user's attempts, review state and profile into S. */
int learn_load(struct db *db, const struct catalog *c, const char *user, int64_t now,
               struct learn_state *s, struct err *e);
void learn_release(struct learn_state *s);

/* {value, components:{outcome, speed, coverage, recall}, attempts, solved, total}. */
json_t *learn_mastery_json(const struct learn_topic *t);
/* Sets topics[].mastery of a progress summary (practice_progress) for USER at NOW. */
int learn_fill_progress(struct db *db, const struct catalog *c, const char *user, int64_t now,
                        json_t *progress, struct err *e);

/*
 * The weaknesses of S, most severe first: {items:[{topic, name, severity,
 * mastery, evidence:{...numbers, attempts:[...]}, explanation,
 * recommendations:[{slug, title, difficulty, reason}]}]}.
 */
json_t *learn_weaknesses(const struct learn_state *s);
/*
 * Stores the weaknesses as the user's latest analysis when they differ
 * from the one before; *OUT = {items, computed_at, resolved:[topics weak
 * before and no longer], history:[{computed_at, topics}]}.
 */
int learn_weakness_report(struct db *db, const struct learn_state *s, const char *user,
                          json_t **out, struct err *e);
/* {items:[{slug, title, difficulty, topic, kind, reason}]}, at most LIMIT. */
json_t *learn_recommendations(const struct learn_state *s, int limit);

#define PLAN_WEEKS_MAX      52
#define PLAN_WEEKS_DEFAULT  8 /* without an interview date */
#define PLAN_HOURS_DEFAULT  5 /* without hours_per_week in the profile */
#define PLAN_REVIEW_MINUTES 15
#define PLAN_MOCK_MINUTES   60

/* What a plan is built from: the profile's horizon and budget, in the user's days. */
struct plan_in {
	int64_t today;         /* local day number */
	int64_t interview_day; /* local day number, 0 = none */
	double hours_per_week; /* <= 0: PLAN_HOURS_DEFAULT */
	int weeks;             /* 0: up to the interview, or PLAN_WEEKS_DEFAULT */
	int blind;             /* hide difficulty */
};

/*
 * A study plan from today: {start, end, interview_date, hours_per_week,
 * weeks:[{week, start, end, minutes, budget, focus, days:[{date, minutes,
 * items:[{kind, slug, title, difficulty, topic, minutes, reason}]}]}],
 * totals, assumptions}. Reviews fall on their FSRS due days (later ones
 * simulated as recalled); new problems follow weak topics then the
 * roadmap; a weekly mock interview when the budget allows. No week goes
 * over its budget.
 */
json_t *learn_plan(const struct learn_state *s, const struct plan_in *in);

#endif
