/*
 * streak.h: practice streaks, counted in the user's local calendar days.
 *
 * Callers turn activity instants into local days with tz_local_day() first,
 * so that a problem solved at 23:30 in New York counts for that New York day
 * whatever the UTC date is.
 */
#ifndef MAANG_STREAK_H
#define MAANG_STREAK_H

#include <stddef.h>
#include <stdint.h>

struct streak {
	int current; /* consecutive days up to today (or yesterday), see below */
	int longest; /* longest run of consecutive days ever */
};

/*
 * Computes the streaks of the N local days in DAYS (days since 1970-01-01,
 * sorted ascending; asserted). Duplicates count once. Days after TODAY are
 * ignored entirely, for both numbers, so clock skew cannot inflate a streak.
 *
 * longest is the length of the longest run of consecutive days.
 *
 * current is the length of the run that ends TODAY or, when there is no
 * activity today yet, of the run that ends yesterday: a streak stays alive
 * until the end of the day on which it would break. Otherwise current is 0.
 * So current <= longest always. DAYS may be NULL when N is 0. Pure and
 * thread-safe; lengths saturate at INT_MAX.
 */
void streak_compute(const int64_t *days, size_t n, int64_t today, struct streak *out);

#endif
