/*
 * timeutil.h: clocks, calendar days and ISO 8601 timestamps, all in UTC.
 *
 * A "day" is a count of days since 1970-01-01 in the proleptic Gregorian
 * calendar (negative before 1970), which makes day arithmetic plain integer
 * arithmetic. Per-user local days come from tz.h. Every function here is
 * pure or reads only the system clocks, so all are thread-safe.
 */
#ifndef MAANG_TIMEUTIL_H
#define MAANG_TIMEUTIL_H

#include <stdint.h>

#define DAY_SECONDS 86400

/*
 * day_to_civil() clamps its input to [-DAY_LIMIT, DAY_LIMIT] (about
 * 750 million years each way) so that the year always fits in an int.
 */
#define DAY_LIMIT ((int64_t)1 << 38)

/* Wall-clock time now in unix seconds (UTC). */
int64_t time_now(void);
/* Milliseconds from CLOCK_MONOTONIC: only differences are meaningful. */
int64_t time_now_ms(void);

/*
 * Days since 1970-01-01 of the date Y-M-D. M must be 1..12 (asserted);
 * D is counted on from the first of the month, so Y-M-32 is the same as
 * the first of the next month. Works for any int Y, including negative.
 */
int64_t day_from_civil(int y, int m, int d);
/* The date of DAY (clamped to +-DAY_LIMIT) into *Y, *M (1..12), *D (1..31). */
void day_to_civil(int64_t day, int *y, int *m, int *d);
/* 1 if Y is a Gregorian leap year. */
int day_is_leap_year(int y);
/* Number of days in month M (1..12) of year Y. */
int day_days_in_month(int y, int m);

/*
 * Writes DAY as "YYYY-MM-DD" into OUT. Days outside years 0000..9999 are
 * clamped to 0000-01-01 or 9999-12-31 so that OUT always has 10 characters.
 */
void day_format(int64_t day, char out[11]);
/*
 * Parses exactly "YYYY-MM-DD" (years 0000..9999) naming a real calendar date:
 * no sign, no spaces, no trailing characters, and 2023-02-29 is rejected.
 * Returns 0 and sets *DAY, or -1 and leaves *DAY untouched.
 */
int day_parse(const char *s, int64_t *day);

/*
 * Writes T as "YYYY-MM-DDTHH:MM:SSZ" (UTC, whole seconds) into OUT. Instants
 * outside years 0000..9999 are clamped like day_format() does.
 */
void time_format_iso8601(int64_t t, char out[21]);
/*
 * Parses an RFC 3339 timestamp into unix seconds:
 *
 *   YYYY-MM-DD ('T' | 't' | ' ') HH:MM:SS [ '.' DIGITS ] ('Z' | 'z' | +HH:MM | -HH:MM)
 *
 * or a bare "YYYY-MM-DD", meaning midnight UTC. The fraction is ignored
 * (truncated toward the earlier second); the offset is subtracted to give
 * UTC. Every field is range-checked: year 1970..9999, a real calendar date,
 * hour 00..23, minute 00..59, second 00..59 (leap seconds are rejected),
 * offset hour 00..23 and minute 00..59. Nothing may follow. Returns 0 and
 * sets *T, or -1 and leaves *T untouched.
 */
int time_parse_iso8601(const char *s, int64_t *t);

#endif
