/*
 * streak.c: current and longest runs of consecutive activity days.
 */
#include "practice/streak.h"

#include <assert.h>
#include <limits.h>

void streak_compute(const int64_t *days, size_t n, int64_t today, struct streak *out)
{
	int run = 0, longest = 0;
	int64_t last = 0; /* the latest day counted; meaningful once run > 0 */

	for (size_t i = 0; i < n; i++) {
		int64_t d = days[i];
		assert(i == 0 || days[i - 1] <= d);
		if (d > today)
			break; /* sorted, so every later day is in the future too */
		if (run > 0 && d == last)
			continue;
		if (run > 0 && last < INT64_MAX && d == last + 1) {
			if (run < INT_MAX)
				run++;
		} else {
			run = 1;
		}
		last = d;
		if (run > longest)
			longest = run;
	}
	/* last <= today here, so last + 1 cannot overflow. */
	out->current = run > 0 && (last == today || last + 1 == today) ? run : 0;
	out->longest = longest;
}
