/*
 * test_time.c: civil-date arithmetic, "YYYY-MM-DD" days and RFC 3339
 * timestamps. Expected day numbers and unix times were computed with
 * python3 (date.toordinal() - date(1970, 1, 1).toordinal(), and
 * datetime.fromisoformat(...).timestamp()).
 */
#include <criterion/criterion.h>

#include <string.h>
#include <time.h>

#include "core/timeutil.h"

struct civil_vector {
	int y, m, d;
	int64_t day;
};

static const struct civil_vector civil[] = {
    {1970, 1, 1, 0},       {1969, 12, 31, -1},      {2000, 2, 29, 11016},   {2000, 3, 1, 11017},
    {1900, 2, 28, -25509}, {1900, 3, 1, -25508},    {2024, 2, 29, 19782},   {2024, 3, 1, 19783},
    {2024, 5, 1, 19844},   {1600, 1, 1, -135140},   {2400, 12, 31, 157419}, {1, 1, 1, -719162},
    {0, 1, 1, -719528},    {9999, 12, 31, 2932896}, {2090, 1, 1, 43830},    {-1, 12, 31, -719529},
    {2038, 1, 19, 24855},
};

Test(time, civil_known_values)
{
	for (size_t i = 0; i < sizeof(civil) / sizeof(civil[0]); i++) {
		const struct civil_vector *v = &civil[i];
		int y, m, d;
		cr_assert_eq(day_from_civil(v->y, v->m, v->d), v->day, "%d-%d-%d", v->y, v->m,
		             v->d);
		day_to_civil(v->day, &y, &m, &d);
		cr_assert(y == v->y && m == v->m && d == v->d, "day %lld gave %d-%d-%d",
		          (long long)v->day, y, m, d);
	}
}

/*
 * Walks every day from 1600 to 2400 (both centuries' leap rules, 1900 not a
 * leap year, 2000 and 2400 leap years) checking that each day follows the
 * previous one in the calendar and survives the round trip.
 */
Test(time, civil_round_trip_every_day_1600_to_2400)
{
	int64_t first = day_from_civil(1600, 1, 1), last = day_from_civil(2400, 12, 31);
	int py = 1599, pm = 12, pd = 31;
	int leap_days = 0;
	for (int64_t day = first; day <= last; day++) {
		int y, m, d;
		day_to_civil(day, &y, &m, &d);
		cr_assert_eq(day_from_civil(y, m, d), day);
		if (d == 1) {
			cr_assert(pd == day_days_in_month(py, pm), "month before %d-%d had %d days",
			          y, m, pd);
			cr_assert(m == (pm % 12) + 1 && y == py + (pm == 12));
		} else {
			cr_assert(y == py && m == pm && d == pd + 1);
		}
		if (m == 2 && d == 29)
			leap_days++;
		py = y;
		pm = m;
		pd = d;
	}
	/* 801 years, 97 leap years per 400: 1600..2400 has 195 leap days + 1 for 2400. */
	cr_assert_eq(leap_days, 195);
	cr_assert_eq(last - first + 1, 801 * 365 + 195);
}

Test(time, civil_round_trip_wide_range)
{
	/* Uneven steps of about a million days, far into the past and future. */
	for (int64_t day = -100000000; day <= 100000000; day += 997 * 1013) {
		int y, m, d;
		day_to_civil(day, &y, &m, &d);
		cr_assert_eq(day_from_civil(y, m, d), day);
	}
}

Test(time, leap_years)
{
	cr_assert(day_is_leap_year(2000));
	cr_assert(day_is_leap_year(2024));
	cr_assert(day_is_leap_year(1600));
	cr_assert(!day_is_leap_year(1900));
	cr_assert(!day_is_leap_year(2023));
	cr_assert(!day_is_leap_year(2100));
	cr_assert_eq(day_days_in_month(1900, 2), 28);
	cr_assert_eq(day_days_in_month(2000, 2), 29);
	cr_assert_eq(day_days_in_month(2024, 2), 29);
	cr_assert_eq(day_days_in_month(2024, 4), 30);
	cr_assert_eq(day_days_in_month(2024, 12), 31);
}

Test(time, day_overflowing_the_month_counts_on)
{
	cr_assert_eq(day_from_civil(2024, 1, 32), day_from_civil(2024, 2, 1));
	cr_assert_eq(day_from_civil(2024, 3, 0), day_from_civil(2024, 2, 29));
}

Test(time, day_format)
{
	char out[11];
	day_format(0, out);
	cr_assert_str_eq(out, "1970-01-01");
	day_format(19782, out);
	cr_assert_str_eq(out, "2024-02-29");
	day_format(-25509, out);
	cr_assert_str_eq(out, "1900-02-28");
	day_format(-1, out);
	cr_assert_str_eq(out, "1969-12-31");
	/* Clamped to four-digit years. */
	day_format(2932897, out);
	cr_assert_str_eq(out, "9999-12-31");
	day_format(INT64_MAX, out);
	cr_assert_str_eq(out, "9999-12-31");
	day_format(-719529, out);
	cr_assert_str_eq(out, "0000-01-01");
	day_format(INT64_MIN, out);
	cr_assert_str_eq(out, "0000-01-01");
}

Test(time, day_parse_valid)
{
	static const struct {
		const char *s;
		int64_t day;
	} ok[] = {
	    {"1970-01-01", 0},       {"2024-02-29", 19782}, {"2000-02-29", 11016},
	    {"1900-02-28", -25509},  {"2024-12-31", 20088}, {"0000-01-01", -719528},
	    {"9999-12-31", 2932896}, {"1969-12-31", -1},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t day = 12345;
		char back[11];
		cr_assert_eq(day_parse(ok[i].s, &day), 0, "'%s'", ok[i].s);
		cr_assert_eq(day, ok[i].day, "'%s'", ok[i].s);
		day_format(day, back);
		cr_assert_str_eq(back, ok[i].s);
	}
}

Test(time, day_parse_invalid)
{
	static const char *const bad[] = {
	    "2023-02-29",  "1900-02-29",  "2024-13-01", "2024-00-10",
	    "2024-01-00",  "2024-04-31",  "2024-01-32", "2024-05-01x",
	    "2024-05-01 ", " 2024-05-01", "2024-5-01",  "2024-05-1",
	    "24-05-01",    "+024-05-01",  "-024-05-01", "2024/05/01",
	    "2024-05-0a",  "20240501",    "",           "2024-05-01T00:00:00Z",
	    "12024-05-01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t day = 777;
		cr_assert_eq(day_parse(bad[i], &day), -1, "'%s' accepted", bad[i]);
		cr_assert_eq(day, 777, "'%s' wrote the out-parameter", bad[i]);
	}
}

Test(time, format_iso8601)
{
	static const struct {
		int64_t t;
		const char *s;
	} v[] = {
	    {0, "1970-01-01T00:00:00Z"},
	    {1714571100, "2024-05-01T13:45:00Z"},
	    {951782400, "2000-02-29T00:00:00Z"},
	    {-1, "1969-12-31T23:59:59Z"},
	    {253402300799, "9999-12-31T23:59:59Z"},
	    {253402300800, "9999-12-31T23:59:59Z"}, /* clamped */
	    {INT64_MAX, "9999-12-31T23:59:59Z"},
	    {INT64_MIN, "0000-01-01T00:00:00Z"},
	    {2147483648, "2038-01-19T03:14:08Z"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char out[21];
		time_format_iso8601(v[i].t, out);
		cr_assert_str_eq(out, v[i].s, "t=%lld", (long long)v[i].t);
	}
}

Test(time, parse_iso8601_valid)
{
	static const struct {
		const char *s;
		int64_t t;
	} ok[] = {
	    {"2024-05-01T13:45:00Z", 1714571100},
	    {"2024-05-01t13:45:00z", 1714571100},
	    {"2024-05-01 13:45:00Z", 1714571100},
	    {"2024-05-01T13:45:00.123456Z", 1714571100},
	    {"2024-05-01T13:45:00.9Z", 1714571100},
	    {"2024-05-01T13:45:00+00:00", 1714571100},
	    {"2024-05-01T13:45:00-00:00", 1714571100},
	    {"2024-05-01T15:45:00+02:00", 1714571100},
	    {"2024-05-01T08:15:00-05:30", 1714571100},
	    {"2024-05-02T03:15:00.5+13:30", 1714571100},
	    {"2024-05-01", 1714521600},
	    {"1970-01-01T00:00:00Z", 0},
	    {"1970-01-01", 0},
	    {"1970-01-01T00:00:00+01:00", -3600},
	    {"2000-02-29T00:00:00Z", 951782400},
	    {"9999-12-31T23:59:59Z", 253402300799},
	    {"2024-12-31T23:59:59-23:59", 1735775939},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t t = 42;
		cr_assert_eq(time_parse_iso8601(ok[i].s, &t), 0, "'%s' refused", ok[i].s);
		cr_assert_eq(t, ok[i].t, "'%s' gave %lld", ok[i].s, (long long)t);
	}
}

Test(time, parse_iso8601_invalid)
{
	static const char *const bad[] = {
	    "2024-05-01T13:45:00",  /* no zone */
	    "2024-05-01T24:00:00Z", /* hour */
	    "2024-05-01T13:60:00Z", /* minute */
	    "2024-05-01T13:45:60Z", /* leap second */
	    "2023-02-29T00:00:00Z", /* not a date */
	    "2024-04-31T00:00:00Z",
	    "2024-13-01T00:00:00Z",
	    "2024-00-01T00:00:00Z",
	    "2024-05-00",
	    "1969-12-31T23:59:59Z", /* before 1970 */
	    "1969-12-31",
	    "10000-01-01T00:00:00Z",
	    "2024-05-01T13:45:00.Z",   /* empty fraction */
	    "2024-05-01T13:45:00.123", /* fraction, no zone */
	    "2024-05-01T13:45:00Zjunk",
	    "2024-05-01T13:45:00Z ",
	    "2024-05-01T13:45:00+0200", /* offset without colon */
	    "2024-05-01T13:45:00+02",
	    "2024-05-01T13:45:00+24:00",
	    "2024-05-01T13:45:00+02:60",
	    "2024-05-01T13:45:00 Z",
	    "2024-05-01T13:45Z", /* no seconds */
	    "2024-05-01T1:45:00Z",
	    "2024-05-01T13:4:00Z",
	    "2024-05-01X13:45:00Z",
	    "2024-05-01T",
	    "2024-05-01x",
	    "",
	    "2024-05-01T13:45:00.1.2Z",
	    "2024-05-01T13:45:00,5Z",
	    " 2024-05-01T13:45:00Z",
	    "2024-05-01T13:45:00GMT",
	    "2024-05-01T13:45:00+02:00:00",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t = 42;
		cr_assert_eq(time_parse_iso8601(bad[i], &t), -1, "'%s' accepted", bad[i]);
		cr_assert_eq(t, 42, "'%s' wrote the out-parameter", bad[i]);
	}
}

Test(time, iso8601_round_trip)
{
	/* From 1970 to 9999 in uneven steps, so every field varies. */
	for (int64_t t = 0; t <= 253402300799; t += 7777777 + 13) {
		char s[21];
		int64_t back = -1;
		time_format_iso8601(t, s);
		cr_assert_eq(strlen(s), 20);
		cr_assert_eq(time_parse_iso8601(s, &back), 0, "'%s'", s);
		cr_assert_eq(back, t, "'%s'", s);
	}
}

Test(time, clocks)
{
	int64_t now = time_now();
	int64_t sys = (int64_t)time(NULL);
	cr_assert(now >= sys - 1 && now <= sys + 1);
	cr_assert(now > 1704067200, "clock before 2024"); /* 2024-01-01T00:00:00Z */

	int64_t a = time_now_ms();
	struct timespec nap = {0, 20 * 1000 * 1000};
	nanosleep(&nap, NULL);
	int64_t b = time_now_ms();
	cr_assert(b - a >= 19 && b - a < 5000, "slept 20 ms, clock moved %lld ms",
	          (long long)(b - a));
}
