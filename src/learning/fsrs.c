/*
 * fsrs.c: the FSRS-6 formulas (see fsrs.h and docs/fsrs.md). Written from
 * the published model description and checked against the values in the
 * reference implementation's tests (tests/unit/test_fsrs.c says which).
 */
#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "core/util.h"
#include "learning/fsrs.h"

/*
 * The FSRS-6 defaults, trained by the FSRS authors on a large collection of
 * Anki review logs (DEFAULT_PARAMETERS in fsrs-rs, the same tuple in py-fsrs 6).
 */
static const double default_w[FSRS_NPARAMS] = {
    0.212,  /* w0: initial stability after Again */
    1.2931, /* w1: after Hard */
    2.3065, /* w2: after Good */
    8.2956, /* w3: after Easy */
    6.4133, /* w4: initial difficulty base */
    0.8334, /* w5: initial difficulty rating slope */
    3.0194, /* w6: difficulty change per rating step */
    0.001,  /* w7: mean reversion weight */
    1.8722, /* w8: success: scale, e^w8 */
    0.1666, /* w9: success: stability saturation exponent */
    0.796,  /* w10: success: retrievability gain */
    1.4835, /* w11: lapse: scale */
    0.0614, /* w12: lapse: difficulty exponent */
    0.2629, /* w13: lapse: stability exponent */
    1.6483, /* w14: lapse: retrievability gain */
    0.6014, /* w15: hard penalty */
    1.8729, /* w16: easy bonus */
    0.5425, /* w17: short-term: rating slope */
    0.0912, /* w18: short-term: offset */
    0.0658, /* w19: short-term: stability saturation exponent */
    0.1542, /* w20: forgetting curve decay */
};

/* Retention is kept away from 0 and 1, where the interval is infinite or zero. */
#define RETENTION_MIN 0.0001
#define RETENTION_MAX 0.9999

/* Clamps X to [LO, HI]; a NaN becomes LO, so a corrupt state cannot spread. */
static double clamp(double x, double lo, double hi)
{
	return fmin(fmax(x, lo), hi);
}

static int check_rating(int rating)
{
	assert(rating >= FSRS_AGAIN && rating <= FSRS_EASY);
	/* Release builds keep indexing in bounds. */
	if (rating < FSRS_AGAIN)
		return FSRS_AGAIN;
	if (rating > FSRS_EASY)
		return FSRS_EASY;
	return rating;
}

static double decay(const struct fsrs_params *p)
{
	assert(p->w[20] > 0);
	return p->w[20];
}

/* 0.9^(-1/w20) - 1: the factor that puts R at 0.9 when t == S. */
static double curve_factor(const struct fsrs_params *p)
{
	return pow(0.9, -1.0 / decay(p)) - 1.0;
}

void fsrs_default_params(struct fsrs_params *p)
{
	for (int i = 0; i < FSRS_NPARAMS; i++)
		p->w[i] = default_w[i];
	p->desired_retention = 0.9;
	p->max_interval_days = 36500.0;
}

double fsrs_retrievability(const struct fsrs_params *p, double stability, double elapsed_days)
{
	if (!(elapsed_days > 0))
		return 1.0;
	double s = clamp(stability, FSRS_S_MIN, FSRS_S_MAX);
	return pow(1.0 + curve_factor(p) * elapsed_days / s, -decay(p));
}

double fsrs_interval_days(const struct fsrs_params *p, double stability)
{
	double s = clamp(stability, FSRS_S_MIN, FSRS_S_MAX);
	double r = clamp(p->desired_retention, RETENTION_MIN, RETENTION_MAX);
	double max = p->max_interval_days >= 1.0 ? p->max_interval_days : 1.0;
	/* The forgetting curve solved for t at R = r. */
	double t = s / curve_factor(p) * (pow(r, -1.0 / decay(p)) - 1.0);
	if (!isfinite(t))
		return max;
	return clamp(round(t), 1.0, max);
}

/* D0 before clamping: mean reversion aims at D0(4) unclamped (negative with the defaults). */
static double raw_initial_difficulty(const struct fsrs_params *p, int rating)
{
	return p->w[4] - exp(p->w[5] * (rating - 1)) + 1.0;
}

double fsrs_initial_difficulty(const struct fsrs_params *p, int rating)
{
	rating = check_rating(rating);
	return clamp(raw_initial_difficulty(p, rating), FSRS_D_MIN, FSRS_D_MAX);
}

double fsrs_next_difficulty(const struct fsrs_params *p, double difficulty, int rating)
{
	rating = check_rating(rating);
	double d = clamp(difficulty, FSRS_D_MIN, FSRS_D_MAX);
	double delta = -p->w[6] * (rating - 3);
	/* Linear damping: the closer D is to 10, the less it can still grow. */
	double damped = d + delta * (10.0 - d) / 9.0;
	double target = raw_initial_difficulty(p, FSRS_EASY);
	double reverted = p->w[7] * target + (1.0 - p->w[7]) * damped;
	return clamp(reverted, FSRS_D_MIN, FSRS_D_MAX);
}

static double stability_after_success(const struct fsrs_params *p, double s, double d, double r,
                                      int rating)
{
	double hard_penalty = rating == FSRS_HARD ? p->w[15] : 1.0;
	double easy_bonus = rating == FSRS_EASY ? p->w[16] : 1.0;
	double inc = exp(p->w[8]) * (11.0 - d) * pow(s, -p->w[9]) *
	             (exp(p->w[10] * (1.0 - r)) - 1.0) * hard_penalty * easy_bonus;
	return s * (inc + 1.0);
}

static double stability_after_lapse(const struct fsrs_params *p, double s, double d, double r)
{
	double lapse = p->w[11] * pow(d, -p->w[12]) * (pow(s + 1.0, p->w[13]) - 1.0) *
	               exp(p->w[14] * (1.0 - r));
	/*
	 * Capped at S / e^(w17 * w18): a Good in the same-day relearning step
	 * multiplies by about e^(w17 * w18), and must not lift the card above
	 * the stability it had before the lapse. (Before FSRS took short-term
	 * reviews into account the cap was S itself.)
	 */
	double cap = s / exp(p->w[17] * p->w[18]);
	return fmin(lapse, cap);
}

double fsrs_next_stability(const struct fsrs_params *p, double stability, double difficulty,
                           double r, int rating)
{
	rating = check_rating(rating);
	double s = clamp(stability, FSRS_S_MIN, FSRS_S_MAX);
	double d = clamp(difficulty, FSRS_D_MIN, FSRS_D_MAX);
	double next = rating == FSRS_AGAIN ? stability_after_lapse(p, s, d, r)
	                                   : stability_after_success(p, s, d, r, rating);
	return clamp(next, FSRS_S_MIN, FSRS_S_MAX);
}

double fsrs_short_term_stability(const struct fsrs_params *p, double stability, int rating)
{
	rating = check_rating(rating);
	double s = clamp(stability, FSRS_S_MIN, FSRS_S_MAX);
	double inc = exp(p->w[17] * (rating - 3 + p->w[18])) * pow(s, -p->w[19]);
	/*
	 * Good and Easy on the same day never lower stability (the wiki's
	 * "SInc >= 1 when G >= 3", as py-fsrs 6 does); Again and Hard may.
	 */
	if (rating >= FSRS_GOOD && inc < 1.0)
		inc = 1.0;
	return clamp(s * inc, FSRS_S_MIN, FSRS_S_MAX);
}

void fsrs_review(const struct fsrs_params *p, struct fsrs_state *s, int rating, int64_t at,
                 int same_day)
{
	assert(at > 0);
	rating = check_rating(rating);
	if (s->last_review == 0) {
		s->stability = clamp(p->w[rating - 1], FSRS_S_MIN, FSRS_S_MAX);
		s->difficulty = fsrs_initial_difficulty(p, rating);
	} else if (same_day) {
		s->stability = fsrs_short_term_stability(p, s->stability, rating);
		s->difficulty = fsrs_next_difficulty(p, s->difficulty, rating);
	} else {
		double elapsed =
		    at > s->last_review ? (double)(at - s->last_review) / FSRS_DAY_SECONDS : 0.0;
		double r = fsrs_retrievability(p, s->stability, elapsed);
		s->stability = fsrs_next_stability(p, s->stability, s->difficulty, r, rating);
		s->difficulty = fsrs_next_difficulty(p, s->difficulty, rating);
		if (rating == FSRS_AGAIN && s->lapses < INT_MAX)
			s->lapses++;
	}
	if (s->reviews < INT_MAX)
		s->reviews++;
	s->last_review = at;
}

struct replay_key {
	int64_t at;
	int index;
};

static int key_cmp(const void *a, const void *b)
{
	const struct replay_key *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

int fsrs_replay(const struct fsrs_params *p, const struct fsrs_review *reviews, int n,
                struct fsrs_state *out)
{
	struct replay_key keys[FSRS_REPLAY_MAX];
	struct fsrs_state st = {0};

	if (n < 0)
		return ERR_INVALID;
	if (n > FSRS_REPLAY_MAX)
		return ERR_TOO_LARGE;
	for (int i = 0; i < n; i++) {
		if (reviews[i].rating < FSRS_AGAIN || reviews[i].rating > FSRS_EASY ||
		    reviews[i].at <= 0)
			return ERR_INVALID;
		keys[i].at = reviews[i].at;
		keys[i].index = i;
	}
	/* The index breaks ties, so the order is total and qsort's instability cannot show. */
	if (n > 1)
		qsort(keys, (size_t)n, sizeof(keys[0]), key_cmp);
	for (int i = 0; i < n; i++) {
		const struct fsrs_review *rv = &reviews[keys[i].index];
		int same_day = i > 0 && reviews[keys[i - 1].index].day == rv->day;
		fsrs_review(p, &st, rv->rating, rv->at, same_day);
	}
	*out = st;
	return 0;
}
