/*
 * review.h: spaced review of solved problems with FSRS-6 (learning/fsrs.h).
 *
 * Every attempt is a review of its problem, graded from what happened
 * (review_rating). The memory state of a (user, problem) pair is replayed
 * from all of its attempts in time order whenever one is added or removed,
 * so attempts logged late or imported out of order give the same state as
 * attempts logged as they happened. The state lives in problem_progress
 * (stability, difficulty, reviews, lapses, last_review, next_review).
 */
#ifndef MAANG_REVIEW_H
#define MAANG_REVIEW_H

#include <jansson.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "core/util.h"
#include "db/db.h"
#include "learning/fsrs.h"

/* Target minutes per difficulty: an interview's time for one problem. */
#define REVIEW_TARGET_EASY   15
#define REVIEW_TARGET_MEDIUM 25
#define REVIEW_TARGET_HARD   40
#define REVIEW_SLOW_FACTOR   1.5 /* beyond target * this: Hard */
#define REVIEW_FAST_FACTOR   0.6 /* within target * this, and confident: Easy */
#define REVIEW_LIMIT_MAX     500
#define REVIEW_HORIZON_MAX   365 /* days ahead a due list may look */

/*
 * The FSRS rating of an attempt on a problem of DIFFICULTY ("easy",
 * "medium", "hard"): failed -> Again; solved_with_help -> Hard; solved ->
 * Hard when slow (beyond 1.5 x target) or unsure (confidence 1-2), Easy
 * when fast (within 0.6 x target) and sure (confidence 4-5), Good
 * otherwise. MINUTES < 0 and CONFIDENCE 0 mean not given.
 */
int review_rating(const char *difficulty, const char *outcome, int64_t minutes, int confidence);

/*
 * Replays the attempts of USER on PROBLEM_ID into its review state, in the
 * caller's transaction. With PROGRESS (the problem's progress as served),
 * sets its next_review, stability, recall and the like to the new state.
 */
int review_refresh(struct db *db, const struct catalog *c, const char *user, int64_t problem_id,
                   json_t *progress, struct err *e);

/* The review state of a problem as stored, before a new attempt. */
struct review_prev {
	int known; /* a state is stored */
	int attempts_before;
	struct fsrs_state state;
};

/*
 * Applies one review (RATING at AT; SAME_DAY: on the local day of the last
 * one) to STATE and stores the result; AT must not be before the state's
 * last review. PROGRESS as for review_refresh.
 */
int review_apply(struct db *db, const char *user, int64_t problem_id,
                 const struct fsrs_state *state, int rating, int64_t at, int same_day,
                 json_t *progress, struct err *e);

/*
 * {items:[{slug, title, difficulty, due, overdue_days, recall, stability,
 * reviews, lapses, recall_at_interview}], total, interview_date}: problems
 * due within HORIZON days of NOW, most overdue first, at most LIMIT.
 * INTERVIEW_AT (unix seconds, 0 = none) adds the recall projected then.
 */
int review_due(struct db *db, const struct catalog *c, const char *user, int64_t now,
               int horizon_days, int limit, int64_t interview_at, json_t **out, struct err *e);

#endif
