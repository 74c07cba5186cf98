/*
 * timeutil.c: clocks, civil-date arithmetic and ISO 8601 parsing and
 * formatting. The date conversions are Howard Hinnant's days_from_civil and
 * civil_from_days algorithms, which work in 400-year eras and so need no
 * tables and no loops.
 */
#include "core/timeutil.h"

#include <assert.h>
#include <time.h>

int64_t time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

int64_t time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Division rounding toward negative infinity; B > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if (a % b < 0)
		q--;
	return q;
}

int day_is_leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int day_days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	assert(m >= 1 && m <= 12);
	return m == 2 && day_is_leap_year(y) ? 29 : days[m - 1];
}

int64_t day_from_civil(int y, int m, int d)
{
	assert(m >= 1 && m <= 12);
	/* Years start on March 1 so that the leap day comes last. */
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = floor_div(yy, 400);
	int64_t yoe = yy - era * 400;                                  /* [0, 399] */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* from March 1 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

void day_to_civil(int64_t day, int *y, int *m, int *d)
{
	if (day > DAY_LIMIT)
		day = DAY_LIMIT;
	if (day < -DAY_LIMIT)
		day = -DAY_LIMIT;
	int64_t z = day + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;                                      /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
	int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = mm;
	*y = (int)(yoe + era * 400 + (mm <= 2));
}

/* Writes V as exactly WIDTH decimal digits (V >= 0 and small enough). */
static char *put_digits(char *p, int v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

/* The days that formatting clamps to: four-digit years only. */
#define FORMAT_FIRST_DAY ((int64_t)-719528) /* 0000-01-01 */
#define FORMAT_LAST_DAY  ((int64_t)2932896) /* 9999-12-31 */

/* Clamps DAY to years 0000..9999 and writes "YYYY-MM-DD" without a NUL. */
static char *put_day(char *p, int64_t day)
{
	int y, m, d;
	if (day < FORMAT_FIRST_DAY)
		day = FORMAT_FIRST_DAY;
	if (day > FORMAT_LAST_DAY)
		day = FORMAT_LAST_DAY;
	day_to_civil(day, &y, &m, &d);
	p = put_digits(p, y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	return put_digits(p, d, 2);
}

void day_format(int64_t day, char out[11])
{
	char *p = put_day(out, day);
	*p = '\0';
}

void time_format_iso8601(int64_t t, char out[21])
{
	int64_t day = floor_div(t, DAY_SECONDS);
	/* The remainder is computed without day * DAY_SECONDS, which overflows near INT64_MIN. */
	int64_t sec = t % DAY_SECONDS;
	if (sec < 0)
		sec += DAY_SECONDS;
	/* Clamping the day must clamp the time of day with it. */
	if (day < FORMAT_FIRST_DAY)
		sec = 0;
	else if (day > FORMAT_LAST_DAY)
		sec = DAY_SECONDS - 1;
	char *p = put_day(out, day);
	*p++ = 'T';
	p = put_digits(p, (int)(sec / 3600), 2);
	*p++ = ':';
	p = put_digits(p, (int)(sec / 60 % 60), 2);
	*p++ = ':';
	p = put_digits(p, (int)(sec % 60), 2);
	*p++ = 'Z';
	*p = '\0';
}

/*
 * Reads exactly N decimal digits at *P into *OUT and advances *P. Returns
 * -1 without advancing if any of them is not a digit (or is the NUL).
 */
static int get_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* Reads "YYYY-MM-DD" at *P, checks the calendar and advances *P. */
static int get_date(const char **p, int64_t *day, int *year)
{
	const char *s = *p;
	int y, m, d;
	if (get_digits(&s, 4, &y) || *s++ != '-' || get_digits(&s, 2, &m) || *s++ != '-' ||
	    get_digits(&s, 2, &d))
		return -1;
	if (m < 1 || m > 12 || d < 1 || d > day_days_in_month(y, m))
		return -1;
	*p = s;
	*day = day_from_civil(y, m, d);
	*year = y;
	return 0;
}

int day_parse(const char *s, int64_t *day)
{
	int64_t v;
	int y;
	if (get_date(&s, &v, &y) || *s)
		return -1;
	*day = v;
	return 0;
}

int time_parse_iso8601(const char *s, int64_t *t)
{
	int64_t day;
	int y, hh, mi, ss, oh, om, sign;
	if (get_date(&s, &day, &y) || y < 1970)
		return -1;
	if (!*s) {
		*t = day * DAY_SECONDS;
		return 0;
	}
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -1;
	s++;
	if (get_digits(&s, 2, &hh) || *s++ != ':' || get_digits(&s, 2, &mi) || *s++ != ':' ||
	    get_digits(&s, 2, &ss))
		return -1;
	if (hh > 23 || mi > 59 || ss > 59)
		return -1;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
		oh = om = 0;
		sign = 1;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (get_digits(&s, 2, &oh) || *s++ != ':' || get_digits(&s, 2, &om))
			return -1;
		if (oh > 23 || om > 59)
			return -1;
	} else {
		return -1;
	}
	if (*s)
		return -1;
	*t = day * DAY_SECONDS + hh * 3600 + mi * 60 + ss - sign * (oh * 3600 + om * 60);
	return 0;
}
