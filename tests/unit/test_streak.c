/*
 * test_streak.c: current and longest practice streaks, and local days from
 * tz.h deciding what "consecutive" means for a user in New York.
 */
#include <criterion/criterion.h>

#include <limits.h>

#include "core/timeutil.h"
#include "core/tz.h"
#include "practice/streak.h"

/* 2024-05-01 as a day number, and days relative to it. */
#define D0 ((int64_t)19844)

static struct streak run(const int64_t *days, size_t n, int64_t today)
{
	struct streak s = {-1, -1};
	streak_compute(days, n, today, &s);
	return s;
}

#define CHECK(days, today, cur, lon)                                                               \
	do {                                                                                       \
		struct streak s_ = run(days, sizeof(days) / sizeof((days)[0]), today);             \
		cr_assert_eq(s_.current, cur, "current %d, want %d", s_.current, cur);             \
		cr_assert_eq(s_.longest, lon, "longest %d, want %d", s_.longest, lon);             \
	} while (0)

Test(streak, empty)
{
	struct streak s = run(NULL, 0, D0);
	cr_assert_eq(s.current, 0);
	cr_assert_eq(s.longest, 0);
}

Test(streak, single_day_today)
{
	static const int64_t days[] = {D0};
	CHECK(days, D0, 1, 1);
}

Test(streak, ended_yesterday_is_still_current)
{
	static const int64_t days[] = {D0 - 3, D0 - 2, D0 - 1};
	CHECK(days, D0, 3, 3);
}

Test(streak, ended_two_days_ago_is_broken)
{
	static const int64_t days[] = {D0 - 4, D0 - 3, D0 - 2};
	CHECK(days, D0, 0, 3);
}

Test(streak, gap_resets)
{
	/* Five days, a missed day, then two days ending today. */
	static const int64_t days[] = {D0 - 8, D0 - 7, D0 - 6, D0 - 5, D0 - 4, D0 - 2, D0 - 1, D0};
	CHECK(days, D0, 3, 5);
}

Test(streak, duplicates_count_once)
{
	static const int64_t days[] = {D0 - 2, D0 - 2, D0 - 2, D0 - 1, D0 - 1, D0, D0, D0};
	CHECK(days, D0, 3, 3);
}

Test(streak, longest_in_the_past)
{
	static const int64_t days[] = {D0 - 100, D0 - 99, D0 - 98, D0 - 97, D0 - 96,
	                               D0 - 95,  D0 - 94, D0 - 10, D0 - 1,  D0};
	CHECK(days, D0, 2, 7);
}

Test(streak, future_days_are_ignored)
{
	/* Clock skew or a bad client: tomorrow and next week count for nothing. */
	static const int64_t days[] = {D0 - 1, D0, D0 + 1, D0 + 2, D0 + 3, D0 + 7};
	CHECK(days, D0, 2, 2);
	static const int64_t only_future[] = {D0 + 1, D0 + 2};
	CHECK(only_future, D0, 0, 0);
	/* A long run entirely in the future does not become "longest". */
	static const int64_t later[] = {D0 - 5, D0 + 1, D0 + 2, D0 + 3, D0 + 4};
	CHECK(later, D0, 0, 1);
}

Test(streak, today_only_after_a_gap)
{
	static const int64_t days[] = {D0 - 5, D0 - 4, D0};
	CHECK(days, D0, 1, 2);
}

Test(streak, before_the_epoch)
{
	static const int64_t days[] = {-3, -2, -1, 0};
	CHECK(days, 0, 4, 4);
	CHECK(days, 1, 4, 4);
	CHECK(days, 2, 0, 4);
}

Test(streak, extreme_day_numbers)
{
	static const int64_t days[] = {INT64_MIN, INT64_MIN + 1, INT64_MAX - 1, INT64_MAX};
	CHECK(days, INT64_MAX, 2, 2);
	static const int64_t low[] = {INT64_MIN, INT64_MIN + 1};
	CHECK(low, INT64_MIN + 1, 2, 2);
}

static int64_t at(const char *iso)
{
	int64_t t;
	cr_assert_eq(time_parse_iso8601(iso, &t), 0, "'%s'", iso);
	return t;
}

/*
 * Practising at 23:30 New York time on three evenings, across the switch to
 * daylight time on 2024-03-10. In UTC those are the next mornings, but the
 * user's days are what counts.
 */
Test(streak, late_evenings_in_new_york)
{
	const struct tz *ny = tz_get("America/New_York");
	cr_assert_not_null(ny, "is the tzdata package installed?");
	static const char *const when[] = {
	    "2024-03-09T23:30:00-05:00",
	    "2024-03-10T23:30:00-04:00",
	    "2024-03-11T23:30:00-04:00",
	};
	int64_t days[3];
	for (size_t i = 0; i < 3; i++) {
		int64_t t = at(when[i]);
		days[i] = tz_local_day(ny, t);
		cr_assert_eq(days[i], day_from_civil(2024, 3, 9 + (int)i));
		/* The UTC date is already the next day. */
		cr_assert_eq(t / DAY_SECONDS, days[i] + 1);
	}
	/* The next morning the streak is still alive... */
	int64_t today = tz_local_day(ny, at("2024-03-12T10:00:00-04:00"));
	CHECK(days, today, 3, 3);
	/* ...and at 23:59 that night too, but not a minute later. */
	CHECK(days, tz_local_day(ny, at("2024-03-12T23:59:00-04:00")), 3, 3);
	CHECK(days, tz_local_day(ny, at("2024-03-13T00:00:00-04:00")), 0, 3);
}

/*
 * Just after midnight on one day and just before midnight on the next: two
 * consecutive New York days, but UTC dates two apart. Counting UTC days
 * would break the streak.
 */
Test(streak, local_days_not_utc_days)
{
	const struct tz *ny = tz_get("America/New_York");
	cr_assert_not_null(ny, "is the tzdata package installed?");
	int64_t a = at("2024-03-10T00:30:00-05:00"); /* 2024-03-10T05:30:00Z */
	int64_t b = at("2024-03-11T23:30:00-04:00"); /* 2024-03-12T03:30:00Z */
	int64_t now = at("2024-03-11T23:45:00-04:00");

	int64_t local[] = {tz_local_day(ny, a), tz_local_day(ny, b)};
	cr_assert_eq(local[0], day_from_civil(2024, 3, 10));
	cr_assert_eq(local[1], day_from_civil(2024, 3, 11));
	CHECK(local, tz_local_day(ny, now), 2, 2);

	int64_t utc[] = {a / DAY_SECONDS, b / DAY_SECONDS};
	cr_assert_eq(utc[1] - utc[0], 2);
	CHECK(utc, now / DAY_SECONDS, 1, 1);
}
