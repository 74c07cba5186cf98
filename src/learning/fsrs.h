/*
 * fsrs.h: the FSRS-6 memory model (Free Spaced Repetition Scheduler, version
 * 6, as in Anki 25.x, fsrs-rs and py-fsrs 6). A card's memory is two numbers:
 * stability S (days until recall probability falls to 90%) and difficulty D
 * (1 to 10). Each review with a rating moves them; the forgetting curve turns
 * S and the time since the last review into a recall probability R, and its
 * inverse turns S into the next interval. docs/fsrs.md has the formulas.
 *
 * Pure functions over caller-owned structs: no allocation, no clock, no time
 * zones (the caller says whether two reviews fall on the same local day).
 * Thread-safe.
 */
#ifndef MAANG_FSRS_H
#define MAANG_FSRS_H

#include <stdint.h>

#define FSRS_NPARAMS 21
/* Stability is kept in [FSRS_S_MIN, FSRS_S_MAX] days, difficulty in [1, 10]. */
#define FSRS_S_MIN 0.001
#define FSRS_S_MAX 36500.0
#define FSRS_D_MIN 1.0
#define FSRS_D_MAX 10.0
/* Most reviews fsrs_replay() takes for one card. */
#define FSRS_REPLAY_MAX  1024
#define FSRS_DAY_SECONDS 86400

enum fsrs_rating {
	FSRS_AGAIN = 1, /* forgotten: a lapse */
	FSRS_HARD = 2,
	FSRS_GOOD = 3,
	FSRS_EASY = 4
};

/*
 * The model's parameters w0..w20 (w[i] is wi), the recall probability the
 * schedule aims for, and the longest interval it may give. w20 (the decay of
 * the forgetting curve) must be positive; FSRS trains it within [0.1, 0.8].
 */
struct fsrs_params {
	double w[FSRS_NPARAMS];
	double desired_retention; /* in (0, 1), default 0.9 */
	double max_interval_days; /* default 36500 */
};

/* One card's memory. All zero is a new card. */
struct fsrs_state {
	double stability;    /* days */
	double difficulty;   /* 1 to 10 */
	int64_t last_review; /* unix seconds; 0 = new, never reviewed */
	int reviews;         /* every review, same-day ones included */
	int lapses;          /* Again on a review on a later day than the one before */
};

/* One logged review, for fsrs_replay(). */
struct fsrs_review {
	int64_t at;  /* unix seconds */
	int rating;  /* enum fsrs_rating */
	int64_t day; /* the user's local day number at AT (tz_local_day), for same-day reviews */
};

/* Fills P with the published FSRS-6 defaults, retention 0.9 and a 36500-day maximum. */
void fsrs_default_params(struct fsrs_params *p);

/*
 * Probability of recall ELAPSED_DAYS after a review that left STABILITY:
 * (1 + factor * t / S)^(-w20) with factor = 0.9^(-1/w20) - 1, so it is 0.9
 * when t == S. 1 for a non-positive ELAPSED_DAYS.
 */
double fsrs_retrievability(const struct fsrs_params *p, double stability, double elapsed_days);

/*
 * Applies a review with RATING (enum fsrs_rating, asserted) at time AT (unix
 * seconds, > 0) to S. A card with last_review == 0 is new: it gets the
 * initial stability and difficulty of RATING. Otherwise, when SAME_DAY is
 * nonzero (the caller found AT on the same local calendar day as
 * last_review), the short-term formula applies; else the long-term one, with
 * R taken at the fractional days between last_review and AT (0 if AT is
 * earlier). Difficulty moves on every review. Also counts reviews and lapses
 * and sets last_review to AT.
 */
void fsrs_review(const struct fsrs_params *p, struct fsrs_state *s, int rating, int64_t at,
                 int same_day);

/*
 * Days until recall probability falls from 1 to desired_retention for
 * STABILITY, rounded to whole days and clamped to [1, max_interval_days].
 * At retention 0.9 this is STABILITY rounded.
 */
double fsrs_interval_days(const struct fsrs_params *p, double stability);

/*
 * Replays the N reviews of one card, starting from a new card, into OUT.
 * REVIEWS may come in any order: a copy is sorted by time (ties keep their
 * order in REVIEWS), so logging out of order gives the same state as logging
 * in order. A review on the same local day as the one before it is a
 * same-day review. Returns 0; ERR_TOO_LARGE when N > FSRS_REPLAY_MAX,
 * ERR_INVALID for a negative N, a rating outside 1..4 or a time <= 0. OUT is written only
 * on success. REVIEWS may be NULL when N is 0.
 */
int fsrs_replay(const struct fsrs_params *p, const struct fsrs_review *reviews, int n,
                struct fsrs_state *out);

/*
 * The formulas one by one, for previews ("Good would give 12 days") and for
 * tests against the reference implementation's values. RATING is asserted
 * to be in 1..4.
 */

/* D0(G) = w4 - e^(w5 * (G - 1)) + 1, clamped to [1, 10]. */
double fsrs_initial_difficulty(const struct fsrs_params *p, int rating);
/*
 * Difficulty after a review: linear damping of -w6 * (G - 3) by (10 - D) / 9,
 * then mean reversion by w7 towards the unclamped D0(4); clamped to [1, 10].
 */
double fsrs_next_difficulty(const struct fsrs_params *p, double difficulty, int rating);
/*
 * Stability after a review on a later day, at recall probability R: the
 * post-success formula for Hard, Good and Easy, the post-lapse one for
 * Again; clamped to [FSRS_S_MIN, FSRS_S_MAX].
 */
double fsrs_next_stability(const struct fsrs_params *p, double stability, double difficulty,
                           double r, int rating);
/*
 * Stability after a review on the same day: S * e^(w17 * (G - 3 + w18)) *
 * S^(-w19), where the factor is at least 1 for Good and Easy; clamped.
 */
double fsrs_short_term_stability(const struct fsrs_params *p, double stability, int rating);

#endif
