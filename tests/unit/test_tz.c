/*
 * test_tz.c: TZif zones against values from python3's zoneinfo, cross-checked
 * with glibc (`TZ=zone date -d @t +%z`), for the installed tzdata; hand-made
 * TZif files for the POSIX rule forms no real zone uses, malformed files and
 * the cache bound.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/timeutil.h"
#include "core/tz.h"

/* ---- Real zones from /usr/share/zoneinfo ---- */

struct tz_vector {
	const char *zone;
	int64_t t;
	int offset;
	int64_t day; /* local day of t */
};

/*
 * Each pair is the last second before and the first second of a local
 * midnight or a DST switch. The 2090 rows lie past the last transition in
 * the files, so they exercise the POSIX footer rules: America/Nuuk switches
 * at -1:00, Asia/Gaza at 50:00, America/Santiago at 24:00, and
 * Europe/Dublin has "negative DST" (standard time in summer).
 */
static const struct tz_vector real_zones[] = {
    {"America/New_York", 1710046799, -18000,
     19791}, /* 2024-03-10T04:59:59Z: 2024-03-09T23:59:59-05:00 */
    {"America/New_York", 1710046800, -18000,
     19792}, /* 2024-03-10T05:00:00Z: 2024-03-10T00:00:00-05:00 */
    {"America/New_York", 1710053999, -18000,
     19792}, /* 2024-03-10T06:59:59Z: 2024-03-10T01:59:59-05:00 */
    {"America/New_York", 1710054000, -14400,
     19792}, /* 2024-03-10T07:00:00Z: 2024-03-10T03:00:00-04:00 */
    {"America/New_York", 1710129599, -14400,
     19792}, /* 2024-03-11T03:59:59Z: 2024-03-10T23:59:59-04:00 */
    {"America/New_York", 1710129600, -14400,
     19793}, /* 2024-03-11T04:00:00Z: 2024-03-11T00:00:00-04:00 */
    {"America/New_York", 1730606399, -14400,
     20029}, /* 2024-11-03T03:59:59Z: 2024-11-02T23:59:59-04:00 */
    {"America/New_York", 1730606400, -14400,
     20030}, /* 2024-11-03T04:00:00Z: 2024-11-03T00:00:00-04:00 */
    {"America/New_York", 1730613599, -14400,
     20030}, /* 2024-11-03T05:59:59Z: 2024-11-03T01:59:59-04:00 */
    {"America/New_York", 1730613600, -18000,
     20030}, /* 2024-11-03T06:00:00Z: 2024-11-03T01:00:00-05:00 */
    {"America/New_York", 1730696399, -18000,
     20030}, /* 2024-11-04T04:59:59Z: 2024-11-03T23:59:59-05:00 */
    {"America/New_York", 1730696400, -18000,
     20031}, /* 2024-11-04T05:00:00Z: 2024-11-04T00:00:00-05:00 */
    {"Asia/Kolkata", 1714588199, 19800,
     19844}, /* 2024-05-01T18:29:59Z: 2024-05-01T23:59:59+05:30 */
    {"Asia/Kolkata", 1714588200, 19800,
     19845}, /* 2024-05-01T18:30:00Z: 2024-05-02T00:00:00+05:30 */
    {"Asia/Kolkata", 1735669799, 19800,
     20088}, /* 2024-12-31T18:29:59Z: 2024-12-31T23:59:59+05:30 */
    {"Asia/Kolkata", 1735669800, 19800,
     20089}, /* 2024-12-31T18:30:00Z: 2025-01-01T00:00:00+05:30 */
    {"Pacific/Auckland", 1705316399, 46800,
     19737}, /* 2024-01-15T10:59:59Z: 2024-01-15T23:59:59+13:00 */
    {"Pacific/Auckland", 1705316400, 46800,
     19738}, /* 2024-01-15T11:00:00Z: 2024-01-16T00:00:00+13:00 */
    {"Pacific/Auckland", 1712411999, 46800,
     19820}, /* 2024-04-06T13:59:59Z: 2024-04-07T02:59:59+13:00 */
    {"Pacific/Auckland", 1712412000, 43200,
     19820}, /* 2024-04-06T14:00:00Z: 2024-04-07T02:00:00+12:00 */
    {"Pacific/Auckland", 1721044799, 43200,
     19919}, /* 2024-07-15T11:59:59Z: 2024-07-15T23:59:59+12:00 */
    {"Pacific/Auckland", 1721044800, 43200,
     19920}, /* 2024-07-15T12:00:00Z: 2024-07-16T00:00:00+12:00 */
    {"Pacific/Auckland", 1727531999, 43200,
     19995}, /* 2024-09-28T13:59:59Z: 2024-09-29T01:59:59+12:00 */
    {"Pacific/Auckland", 1727532000, 46800,
     19995}, /* 2024-09-28T14:00:00Z: 2024-09-29T03:00:00+13:00 */
    {"Australia/Lord_Howe", 1705323599, 39600,
     19737}, /* 2024-01-15T12:59:59Z: 2024-01-15T23:59:59+11:00 */
    {"Australia/Lord_Howe", 1705323600, 39600,
     19738}, /* 2024-01-15T13:00:00Z: 2024-01-16T00:00:00+11:00 */
    {"Australia/Lord_Howe", 1712415599, 39600,
     19820}, /* 2024-04-06T14:59:59Z: 2024-04-07T01:59:59+11:00 */
    {"Australia/Lord_Howe", 1712415600, 37800,
     19820}, /* 2024-04-06T15:00:00Z: 2024-04-07T01:30:00+10:30 */
    {"Australia/Lord_Howe", 1721050199, 37800,
     19919}, /* 2024-07-15T13:29:59Z: 2024-07-15T23:59:59+10:30 */
    {"Australia/Lord_Howe", 1721050200, 37800,
     19920}, /* 2024-07-15T13:30:00Z: 2024-07-16T00:00:00+10:30 */
    {"Australia/Lord_Howe", 1728142199, 37800,
     20002}, /* 2024-10-05T15:29:59Z: 2024-10-06T01:59:59+10:30 */
    {"Australia/Lord_Howe", 1728142200, 39600,
     20002}, /* 2024-10-05T15:30:00Z: 2024-10-06T02:30:00+11:00 */
    {"America/New_York", 3788164800, -18000,
     43844}, /* 2090-01-15T12:00:00Z: 2090-01-15T07:00:00-05:00 */
    {"America/New_York", 3792985199, -18000,
     43900}, /* 2090-03-12T06:59:59Z: 2090-03-12T01:59:59-05:00 */
    {"America/New_York", 3792985200, -14400,
     43900}, /* 2090-03-12T07:00:00Z: 2090-03-12T03:00:00-04:00 */
    {"America/New_York", 3802564799, -14400,
     44010}, /* 2090-07-01T03:59:59Z: 2090-06-30T23:59:59-04:00 */
    {"America/New_York", 3802564800, -14400,
     44011}, /* 2090-07-01T04:00:00Z: 2090-07-01T00:00:00-04:00 */
    {"America/New_York", 3813544799, -14400,
     44138}, /* 2090-11-05T05:59:59Z: 2090-11-05T01:59:59-04:00 */
    {"America/New_York", 3813544800, -18000,
     44138}, /* 2090-11-05T06:00:00Z: 2090-11-05T01:00:00-05:00 */
    {"America/New_York", 3818379599, -18000,
     44193}, /* 2090-12-31T04:59:59Z: 2090-12-30T23:59:59-05:00 */
    {"America/New_York", 3818379600, -18000,
     44194}, /* 2090-12-31T05:00:00Z: 2090-12-31T00:00:00-05:00 */
    {"Europe/Berlin", 3788164800, 3600,
     43844}, /* 2090-01-15T12:00:00Z: 2090-01-15T13:00:00+01:00 */
    {"Europe/Berlin", 3794173199, 3600,
     43914}, /* 2090-03-26T00:59:59Z: 2090-03-26T01:59:59+01:00 */
    {"Europe/Berlin", 3794173200, 7200,
     43914}, /* 2090-03-26T01:00:00Z: 2090-03-26T03:00:00+02:00 */
    {"Europe/Berlin", 3802629599, 7200,
     44011}, /* 2090-07-01T21:59:59Z: 2090-07-01T23:59:59+02:00 */
    {"Europe/Berlin", 3802629600, 7200,
     44012}, /* 2090-07-01T22:00:00Z: 2090-07-02T00:00:00+02:00 */
    {"Europe/Berlin", 3812921999, 7200,
     44131}, /* 2090-10-29T00:59:59Z: 2090-10-29T02:59:59+02:00 */
    {"Europe/Berlin", 3812922000, 3600,
     44131}, /* 2090-10-29T01:00:00Z: 2090-10-29T02:00:00+01:00 */
    {"America/Nuuk", 3794173199, -7200,
     43913}, /* 2090-03-26T00:59:59Z: 2090-03-25T22:59:59-02:00 */
    {"America/Nuuk", 3794173200, -3600,
     43914}, /* 2090-03-26T01:00:00Z: 2090-03-26T00:00:00-01:00 */
    {"America/Nuuk", 3812921999, -3600,
     44130}, /* 2090-10-29T00:59:59Z: 2090-10-28T23:59:59-01:00 */
    {"America/Nuuk", 3812922000, -7200,
     44130},                                 /* 2090-10-29T01:00:00Z: 2090-10-28T23:00:00-02:00 */
    {"Asia/Gaza", 3794083199, 7200, 43913},  /* 2090-03-24T23:59:59Z: 2090-03-25T01:59:59+02:00 */
    {"Asia/Gaza", 3794083200, 10800, 43913}, /* 2090-03-25T00:00:00Z: 2090-03-25T03:00:00+03:00 */
    {"Asia/Gaza", 3812828399, 10800, 44130}, /* 2090-10-27T22:59:59Z: 2090-10-28T01:59:59+03:00 */
    {"Asia/Gaza", 3812828400, 7200, 44130},  /* 2090-10-27T23:00:00Z: 2090-10-28T01:00:00+02:00 */
    {"Europe/Dublin", 3788164800, 0, 43844}, /* 2090-01-15T12:00:00Z: 2090-01-15T12:00:00+00:00 */
    {"Europe/Dublin", 3794173199, 0, 43914}, /* 2090-03-26T00:59:59Z: 2090-03-26T00:59:59+00:00 */
    {"Europe/Dublin", 3794173200, 3600,
     43914}, /* 2090-03-26T01:00:00Z: 2090-03-26T02:00:00+01:00 */
    {"Europe/Dublin", 3812921999, 3600,
     44131},                                 /* 2090-10-29T00:59:59Z: 2090-10-29T01:59:59+01:00 */
    {"Europe/Dublin", 3812922000, 0, 44131}, /* 2090-10-29T01:00:00Z: 2090-10-29T01:00:00+00:00 */
    {"America/Santiago", 3794785199, -10800,
     43920}, /* 2090-04-02T02:59:59Z: 2090-04-01T23:59:59-03:00 */
    {"America/Santiago", 3794785200, -14400,
     43920}, /* 2090-04-02T03:00:00Z: 2090-04-01T23:00:00-04:00 */
    {"America/Santiago", 3808094399, -14400,
     44074}, /* 2090-09-03T03:59:59Z: 2090-09-02T23:59:59-04:00 */
    {"America/Santiago", 3808094400, -10800,
     44075}, /* 2090-09-03T04:00:00Z: 2090-09-03T01:00:00-03:00 */
    {"America/New_York", -5364662400, -17762,
     -62092}, /* 1800-01-01T00:00:00Z, before the first transition: 1799-12-31T19:03:58-04:56:02 */
    {"Asia/Kolkata", -3786825600, 21208,
     -43829}, /* 1850-01-01T00:00:00Z, before the first transition: 1850-01-01T05:53:28+05:53:28 */
};

static const struct tz *must_get(const char *name)
{
	const struct tz *z = tz_get(name);
	cr_assert_not_null(z, "zone '%s' did not load: is the tzdata package installed?", name);
	return z;
}

static void check_vectors(const struct tz_vector *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct tz *z = must_get(v[i].zone);
		char when[21];
		time_format_iso8601(v[i].t, when);
		cr_assert_eq(tz_offset(z, v[i].t), v[i].offset, "%s at %s: offset %d, want %d",
		             v[i].zone, when, tz_offset(z, v[i].t), v[i].offset);
		cr_assert_eq(tz_local_day(z, v[i].t), v[i].day, "%s at %s: day %lld, want %lld",
		             v[i].zone, when, (long long)tz_local_day(z, v[i].t),
		             (long long)v[i].day);
	}
}

Test(tz, real_zones_match_zoneinfo)
{
	check_vectors(real_zones, sizeof(real_zones) / sizeof(real_zones[0]));
}

Test(tz, new_york_dst_days_have_23_and_25_hours)
{
	const struct tz *z = must_get("America/New_York");
	int64_t mar10 = day_from_civil(2024, 3, 10), nov3 = day_from_civil(2024, 11, 3);
	/* Local midnights, from the table above. */
	int64_t mar10_start = 1710046800, mar11_start = 1710129600;
	int64_t nov3_start = 1730606400, nov4_start = 1730696400;
	cr_assert_eq(mar11_start - mar10_start, 23 * 3600);
	cr_assert_eq(nov4_start - nov3_start, 25 * 3600);
	cr_assert_eq(tz_local_day(z, mar10_start), mar10);
	cr_assert_eq(tz_local_day(z, mar11_start - 1), mar10);
	cr_assert_eq(tz_local_day(z, nov3_start), nov3);
	cr_assert_eq(tz_local_day(z, nov4_start - 1), nov3);
}

Test(tz, utc_is_built_in)
{
	const struct tz *utc = tz_get("UTC"), *etc = tz_get("Etc/UTC");
	cr_assert_not_null(utc);
	cr_assert_not_null(etc);
	cr_assert_str_eq(tz_name(utc), "UTC");
	cr_assert_str_eq(tz_name(etc), "Etc/UTC");
	cr_assert_eq(tz_get("UTC"), utc);
	static const int64_t ts[] = {0, -1, 1714571100, 3802593600, INT64_MAX, INT64_MIN};
	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		cr_assert_eq(tz_offset(utc, ts[i]), 0);
		cr_assert_eq(tz_offset(etc, ts[i]), 0);
	}
	cr_assert_eq(tz_local_day(utc, -1), -1);
	cr_assert_eq(tz_local_day(utc, 0), 0);
	cr_assert_eq(tz_local_day(utc, 1714571100), 19844);
	cr_assert_eq(tz_local_day(utc, 86399), 0);
	cr_assert_eq(tz_local_day(utc, 86400), 1);
}

Test(tz, today_is_local_day_of_now)
{
	const struct tz *z = must_get("Pacific/Auckland");
	int64_t before = tz_local_day(z, time_now());
	int64_t today = tz_today(z);
	int64_t after = tz_local_day(z, time_now());
	cr_assert(today == before || today == after);
	cr_assert_eq(tz_today(tz_get("UTC")), time_now() / DAY_SECONDS);
}

Test(tz, names)
{
	static const char *const good[] = {
	    "UTC",
	    "America/New_York",
	    "America/Port-au-Prince",
	    "Etc/GMT+5",
	    "Etc/GMT-14",
	    "America/Argentina/Buenos_Aires",
	    "A",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 64 */
	};
	static const char *const bad[] = {
	    "",
	    "../etc/passwd",
	    "/etc/passwd",
	    "America/../../etc/passwd",
	    "America//New_York",
	    "America/New York",
	    "America/New_York\n",
	    "Europe/Berlin;rm",
	    "zone.tab",
	    "..",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 */
	    "Am\xc3\xa9rica/Paris",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_assert(tz_valid_name(good[i]), "'%s' refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert(!tz_valid_name(bad[i]), "'%s' accepted", bad[i]);
		cr_assert_null(tz_get(bad[i]), "'%s' loaded", bad[i]);
	}
}

Test(tz, unknown_and_non_zone_files)
{
	cr_assert_null(tz_get("Nope/Zone"));
	cr_assert_null(tz_get("America"));     /* a directory */
	cr_assert_null(tz_get("leapseconds")); /* a text file */
	cr_assert_null(tz_get("right/UTC"));   /* leap seconds: not unix time */
	cr_assert_null(tz_get(NULL));
}

Test(tz, cache_returns_the_same_zone)
{
	const struct tz *a = must_get("Europe/Berlin");
	cr_assert_eq(tz_get("Europe/Berlin"), a);
	cr_assert_str_eq(tz_name(a), "Europe/Berlin");
	/* An alias is its own entry with the same rules. */
	const struct tz *b = must_get("Europe/Busingen");
	cr_assert_neq(a, b);
	cr_assert_eq(tz_offset(b, 3802593600), 7200);
	tz_cache_clear();
	const struct tz *c = must_get("Europe/Berlin");
	cr_assert_eq(tz_offset(c, 3802593600), 7200);
	tz_cache_clear();
}

struct thread_arg {
	const struct tz *got[4];
	int wrong;
};

static const char *const thread_zones[4] = {"America/New_York", "Asia/Kolkata", "Pacific/Auckland",
                                            "Australia/Lord_Howe"};

static void *thread_main(void *p)
{
	struct thread_arg *arg = p;
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < 4; i++) {
			const struct tz *z = tz_get(thread_zones[i]);
			if (!z || (arg->got[i] && arg->got[i] != z)) {
				arg->wrong++;
				continue;
			}
			arg->got[i] = z;
			/* 2024-07-15T12:00:00Z */
			static const int want[4] = {-14400, 19800, 43200, 37800};
			if (tz_offset(z, 1721044800) != want[i])
				arg->wrong++;
		}
	}
	return NULL;
}

Test(tz, concurrent_loads_agree)
{
	enum { NTHREADS = 8 };
	pthread_t th[NTHREADS];
	struct thread_arg args[NTHREADS];
	memset(args, 0, sizeof(args));
	for (int i = 0; i < NTHREADS; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, thread_main, &args[i]), 0);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < NTHREADS; i++) {
		cr_assert_eq(args[i].wrong, 0, "thread %d saw %d wrong answers", i, args[i].wrong);
		for (int k = 0; k < 4; k++)
			cr_assert_eq(args[i].got[k], args[0].got[k], "threads got different zones");
	}
	tz_cache_clear();
}

/* ---- Hand-made TZif files in a scratch $TZDIR ---- */

static char scratch[64];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void scratch_init(void)
{
	snprintf(scratch, sizeof(scratch), "/tmp/maang-tz-XXXXXX");
	cr_assert_not_null(mkdtemp(scratch));
	setenv("TZDIR", scratch, 1);
	tz_cache_clear();
}

static void scratch_fini(void)
{
	tz_cache_clear();
	unsetenv("TZDIR");
	nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes LEN bytes to $TZDIR/NAME, creating one level of directory. */
static void put_file(const char *name, const void *data, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", scratch, name);
	char *slash = strrchr(path, '/');
	if (slash > path + strlen(scratch)) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "cannot create %s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void put_dir(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", scratch, name);
	cr_assert_eq(mkdir(path, 0700), 0, "cannot create %s", path);
}

struct tzif_spec {
	char version; /* 0 for a version 1 file, otherwise '2' */
	size_t timecnt;
	const int64_t *times;
	const uint8_t *idx;
	size_t typecnt;
	const int32_t *utoff;
	const uint8_t *isdst;
	uint32_t leapcnt;
	const char *footer; /* version 2+; NULL leaves the footer out */
};

struct bytes {
	unsigned char data[4096];
	size_t len;
};

static void put_be(struct bytes *b, uint64_t v, int n)
{
	cr_assert(b->len + (size_t)n <= sizeof(b->data));
	for (int i = n - 1; i >= 0; i--)
		b->data[b->len++] = (unsigned char)(v >> (8 * i));
}

static void put_raw(struct bytes *b, const void *p, size_t n)
{
	cr_assert(b->len + n <= sizeof(b->data));
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void put_header(struct bytes *b, char version, size_t timecnt, size_t typecnt,
                       uint32_t leapcnt)
{
	static const unsigned char zeros[15];
	put_raw(b, "TZif", 4);
	put_raw(b, &version, 1);
	put_raw(b, zeros, 15);
	put_be(b, 0, 4); /* isutcnt */
	put_be(b, 0, 4); /* isstdcnt */
	put_be(b, leapcnt, 4);
	put_be(b, timecnt, 4);
	put_be(b, typecnt, 4);
	put_be(b, 4, 4); /* charcnt: "ABC\0" */
}

static void put_block(struct bytes *b, const struct tzif_spec *s, int timesize)
{
	for (size_t i = 0; i < s->timecnt; i++)
		put_be(b, (uint64_t)s->times[i], timesize);
	for (size_t i = 0; i < s->timecnt; i++)
		put_be(b, s->idx[i], 1);
	for (size_t i = 0; i < s->typecnt; i++) {
		put_be(b, (uint32_t)s->utoff[i], 4);
		put_be(b, s->isdst[i], 1);
		put_be(b, 0, 1);
	}
	put_raw(b, "ABC", 4);
	for (uint32_t i = 0; i < s->leapcnt; i++) {
		put_be(b, 78796800, timesize); /* 1972-07-01 */
		put_be(b, i + 1, 4);
	}
}

/*
 * Builds a TZif file. A version 2 file gets a decoy version 1 block (one
 * type, offset +01:10:42 and no transitions) so that a reader using the
 * wrong block gives visibly wrong answers.
 */
static void build(struct bytes *b, const struct tzif_spec *s)
{
	b->len = 0;
	if (s->version == 0) {
		put_header(b, 0, s->timecnt, s->typecnt, s->leapcnt);
		put_block(b, s, 4);
		return;
	}
	static const int32_t decoy_off[1] = {4242};
	static const uint8_t decoy_dst[1] = {0};
	struct tzif_spec decoy = {.typecnt = 1, .utoff = decoy_off, .isdst = decoy_dst};
	put_header(b, s->version, 0, 1, 0);
	put_block(b, &decoy, 4);
	put_header(b, s->version, s->timecnt, s->typecnt, s->leapcnt);
	put_block(b, s, 8);
	if (s->footer) {
		put_raw(b, "\n", 1);
		put_raw(b, s->footer, strlen(s->footer));
		put_raw(b, "\n", 1);
	}
}

static void put_zone(const char *name, const struct tzif_spec *s)
{
	struct bytes b;
	build(&b, s);
	put_file(name, b.data, b.len);
}

static const int32_t std_off[1] = {0};
static const uint8_t std_dst[1] = {0};

/* A version 2 zone with no transitions: the footer alone decides. */
static void put_footer_zone(const char *name, const char *footer)
{
	struct tzif_spec s = {
	    .version = '2', .typecnt = 1, .utoff = std_off, .isdst = std_dst, .footer = footer};
	put_zone(name, &s);
}

TestSuite(tzfile, .init = scratch_init, .fini = scratch_fini);

Test(tzfile, utc_works_without_tzdata)
{
	/* The scratch directory is empty: no tzdata at all. */
	cr_assert_null(tz_get("America/New_York"));
	cr_assert_not_null(tz_get("UTC"));
	cr_assert_not_null(tz_get("Etc/UTC"));
	cr_assert_eq(tz_offset(tz_get("UTC"), 1714571100), 0);
}

/*
 * The rule forms no shipped zone uses, checked against glibc
 * (`TZ='AAA3BBB,J60/-1,300/26' date -d @t +%z`). python3's zoneinfo places
 * the zero-based "n" form one day early, so it is no oracle here.
 */
static const struct tz_vector posix_rules[] = {
    /* Jn ignores February 29: J60 is March 1 in every year. "n" counts from
     * 0 and includes it: 300 is October 27 in 2024, October 28 in 2023.
     * Times -1:00 (the evening before) and 26:00 (the morning after). */
    {"Rule/Julian", 1709258399, -10800, 19782}, /* 2024-03-01T01:59:59Z */
    {"Rule/Julian", 1709258400, -7200, 19783},  /* 2024-03-01T02:00:00Z */
    {"Rule/Julian", 1730087999, -7200, 20024},  /* 2024-10-28T03:59:59Z */
    {"Rule/Julian", 1730088000, -10800, 20024}, /* 2024-10-28T04:00:00Z */
    {"Rule/Julian", 1677635999, -10800, 19416}, /* 2023-03-01T01:59:59Z */
    {"Rule/Julian", 1677636000, -7200, 19417},  /* 2023-03-01T02:00:00Z */
    {"Rule/Julian", 1698551999, -7200, 19659},  /* 2023-10-29T03:59:59Z */
    {"Rule/Julian", 1698552000, -10800, 19659}, /* 2023-10-29T04:00:00Z */
    /* 59 is February 29 in 2024 and March 1 in 2023; J300 is October 27. */
    {"Rule/Zero", 1709175599, -10800, 19781}, /* 2024-02-29T02:59:59Z */
    {"Rule/Zero", 1709175600, -7200, 19782},  /* 2024-02-29T03:00:00Z */
    {"Rule/Zero", 1677639599, -10800, 19416}, /* 2023-03-01T02:59:59Z */
    {"Rule/Zero", 1677639600, -7200, 19417},  /* 2023-03-01T03:00:00Z */
    {"Rule/Zero", 1729994399, -7200, 20022},  /* 2024-10-27T01:59:59Z */
    {"Rule/Zero", 1729994400, -10800, 20022}, /* 2024-10-27T02:00:00Z */
    {"Rule/Zero", 1698371999, -7200, 19656},  /* 2023-10-27T01:59:59Z */
    {"Rule/Zero", 1698372000, -10800, 19656}, /* 2023-10-27T02:00:00Z */
    /* Daylight time all year (RFC 8536 section 3.3.1), across New Year: the
     * end at J365/25 daylight time is the same instant as the next start at
     * 0/0 standard time. glibc 2.36 shows standard time between New Year
     * UTC and New Year local time; these rows follow the RFC, as python3 does. */
    {"Rule/AllYear", 1704067200, -14400, 19722}, /* 2024-01-01T00:00:00Z */
    {"Rule/AllYear", 1735689599, -14400, 20088}, /* 2024-12-31T23:59:59Z */
    {"Rule/AllYear", 1735707600, -14400, 20089}, /* 2025-01-01T05:00:00Z */
    {"Rule/AllYear", 1735707599, -14400, 20089}, /* 2025-01-01T04:59:59Z */
    /* Quoted names, minutes in the offset, no daylight time. */
    {"Rule/Fixed", 1714521600, 12600, 19844}, /* 2024-05-01T00:00:00Z */
    {"Rule/Fixed", -1, 12600, 0},
    /* Southern hemisphere with midnight switches. */
    {"Rule/South", 1708221599, -7200, 19770},  /* 2024-02-18T01:59:59Z */
    {"Rule/South", 1708221600, -10800, 19770}, /* 2024-02-18T02:00:00Z */
    {"Rule/South", 1728183599, -10800, 20001}, /* 2024-10-06T02:59:59Z */
    {"Rule/South", 1728183600, -7200, 20002},  /* 2024-10-06T03:00:00Z */
    {"Rule/South", 1736942400, -7200, 20103},  /* 2025-01-15T12:00:00Z */
};

Test(tzfile, posix_rule_forms)
{
	put_footer_zone("Rule/Julian", "AAA3BBB,J60/-1,300/26");
	put_footer_zone("Rule/Zero", "AAA3BBB,59/0,J300/0");
	put_footer_zone("Rule/AllYear", "EST5EDT,0/0,J365/25");
	put_footer_zone("Rule/Fixed", "<+0330>-3:30");
	put_footer_zone("Rule/South", "<-03>3<-02>,M10.1.0/0,M2.3.0/0");
	check_vectors(posix_rules, sizeof(posix_rules) / sizeof(posix_rules[0]));
}

/* Two types, standard +01:00 (type 0) and daylight +02:00, and a transition
 * in 1811, before 32-bit time can reach. */
static const int64_t two_times[2] = {-5000000000, 1000000000};
static const uint8_t two_idx[2] = {1, 0};
static const int32_t two_off[2] = {3600, 7200};
static const uint8_t two_dst[2] = {0, 1};

Test(tzfile, version2_uses_the_64_bit_block)
{
	struct tzif_spec s = {.version = '2',
	                      .timecnt = 2,
	                      .times = two_times,
	                      .idx = two_idx,
	                      .typecnt = 2,
	                      .utoff = two_off,
	                      .isdst = two_dst,
	                      .footer = ""};
	put_zone("V2/Empty", &s);
	s.footer = "<+0130>-1:30";
	put_zone("V2/Footer", &s);
	s.version = '3';
	put_zone("V3/Footer", &s);

	const struct tz *z = tz_get("V2/Empty");
	cr_assert_not_null(z);
	cr_assert_eq(tz_offset(z, -5000000001), 3600); /* before: type 0 */
	cr_assert_eq(tz_offset(z, -5000000000), 7200);
	cr_assert_eq(tz_offset(z, 999999999), 7200);
	cr_assert_eq(tz_offset(z, 1000000000), 3600);
	cr_assert_eq(tz_offset(z, 4000000000), 3600); /* empty footer: last type stays */

	const struct tz *f = tz_get("V2/Footer");
	cr_assert_not_null(f);
	cr_assert_eq(tz_offset(f, 1000000000), 3600); /* the transition itself */
	cr_assert_eq(tz_offset(f, 1000000001), 5400); /* then the footer */
	cr_assert_eq(tz_offset(tz_get("V3/Footer"), 1000000001), 5400);
}

Test(tzfile, before_the_first_transition_is_type_0)
{
	/* Type 0 is daylight time here; RFC 8536 section 3.2 still says type 0. */
	static const int32_t off[2] = {7200, 3600};
	static const uint8_t dst[2] = {1, 0};
	static const uint8_t idx[1] = {1};
	static const int64_t times[1] = {0};
	struct tzif_spec s = {.version = '2',
	                      .timecnt = 1,
	                      .times = times,
	                      .idx = idx,
	                      .typecnt = 2,
	                      .utoff = off,
	                      .isdst = dst,
	                      .footer = ""};
	put_zone("First/Type", &s);
	const struct tz *z = tz_get("First/Type");
	cr_assert_not_null(z);
	cr_assert_eq(tz_offset(z, -1), 7200);
	cr_assert_eq(tz_offset(z, 0), 3600);
}

Test(tzfile, version1_file)
{
	static const int64_t times[2] = {1000000, 2000000};
	struct tzif_spec s = {.version = 0,
	                      .timecnt = 2,
	                      .times = times,
	                      .idx = two_idx,
	                      .typecnt = 2,
	                      .utoff = two_off,
	                      .isdst = two_dst};
	put_zone("V1/Zone", &s);
	const struct tz *z = tz_get("V1/Zone");
	cr_assert_not_null(z);
	cr_assert_eq(tz_offset(z, -3000000000), 3600);
	cr_assert_eq(tz_offset(z, 999999), 3600);
	cr_assert_eq(tz_offset(z, 1000000), 7200);
	cr_assert_eq(tz_offset(z, 1999999), 7200);
	cr_assert_eq(tz_offset(z, 2000000), 3600);
	cr_assert_eq(tz_offset(z, 3000000000), 3600);
}

Test(tzfile, malformed_files_are_refused)
{
	struct bytes b;
	struct tzif_spec good = {.version = '2',
	                         .timecnt = 2,
	                         .times = two_times,
	                         .idx = two_idx,
	                         .typecnt = 2,
	                         .utoff = two_off,
	                         .isdst = two_dst,
	                         .footer = "CET-1CEST,M3.5.0,M10.5.0/3"};
	put_zone("Bad/Good", &good); /* the control: this one loads */
	build(&b, &good);

	put_file("Bad/Empty", "", 0);
	put_file("Bad/Text", "not a zone\n", 11);
	put_file("Bad/Truncated", b.data, b.len / 2);
	put_file("Bad/NoFinalNewline", b.data, b.len - 1);
	b.data[0] = 'X';
	put_file("Bad/Magic", b.data, b.len);
	build(&b, &good);
	b.data[4] = '1'; /* version 1 is NUL, not '1' */
	put_file("Bad/Version", b.data, b.len);

	static const int64_t descending[2] = {1000000000, -5000000000};
	struct tzif_spec s = good;
	s.times = descending;
	put_zone("Bad/Descending", &s);
	static const uint8_t bad_idx[2] = {1, 2};
	s = good;
	s.idx = bad_idx;
	put_zone("Bad/Index", &s);
	s = good;
	s.typecnt = 0;
	s.timecnt = 0;
	put_zone("Bad/NoTypes", &s);
	static const int32_t huge_off[2] = {3600, INT32_MIN};
	s = good;
	s.utoff = huge_off;
	put_zone("Bad/Offset", &s);
	static const uint8_t bad_dst[2] = {0, 2};
	s = good;
	s.isdst = bad_dst;
	put_zone("Bad/Isdst", &s);
	s = good;
	s.leapcnt = 1;
	put_zone("Bad/Leap", &s);
	s = good;
	s.footer = NULL;
	put_zone("Bad/NoFooter", &s);

	static const char *const footers[] = {
	    "EST5EDT",                    /* daylight time without rules */
	    "EST",                        /* no offset */
	    "ES5",                        /* name too short */
	    "<+3>-3",                     /* quoted name too short */
	    "<+03-3",                     /* unterminated quote */
	    "EST5EDT,M3.2.0",             /* one rule */
	    "EST5EDT,M13.2.0,M11.1.0",    /* month */
	    "EST5EDT,M3.6.0,M11.1.0",     /* week */
	    "EST5EDT,M3.2.7,M11.1.0",     /* weekday */
	    "EST5EDT,J0,J365",            /* Jn starts at 1 */
	    "EST5EDT,0,366",              /* n ends at 365 */
	    "EST5EDT,M3.2.0/168,M11.1.0", /* hours beyond 167 */
	    "EST25",                      /* offset beyond 24 hours */
	    "EST5EDT,M3.2.0,M11.1.0x",    /* trailing junk */
	    "EST5:60",                    /* minutes */
	};
	char name[32];
	for (size_t i = 0; i < sizeof(footers) / sizeof(footers[0]); i++) {
		s = good;
		s.footer = footers[i];
		snprintf(name, sizeof(name), "Footer/%zu", i);
		put_zone(name, &s);
	}
	put_dir("Bad/Dir");

	cr_assert_not_null(tz_get("Bad/Good"));
	static const char *const bad[] = {
	    "Bad/Empty",    "Bad/Text",    "Bad/Truncated",  "Bad/NoFinalNewline",
	    "Bad/Magic",    "Bad/Version", "Bad/Descending", "Bad/Index",
	    "Bad/NoTypes",  "Bad/Offset",  "Bad/Isdst",      "Bad/Leap",
	    "Bad/NoFooter", "Bad/Dir",     "Bad/Missing",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_null(tz_get(bad[i]), "'%s' loaded", bad[i]);
	for (size_t i = 0; i < sizeof(footers) / sizeof(footers[0]); i++) {
		snprintf(name, sizeof(name), "Footer/%zu", i);
		cr_assert_null(tz_get(name), "footer '%s' accepted", footers[i]);
	}
}

Test(tzfile, file_size_limit)
{
	struct tzif_spec s = {
	    .version = '2', .typecnt = 1, .utoff = std_off, .isdst = std_dst, .footer = "<+05>-5"};
	struct bytes b;
	build(&b, &s);
	/* Bytes after the footer are ignored, so padding keeps a file valid. */
	unsigned char *big = calloc(1, TZ_FILE_MAX + 1);
	cr_assert_not_null(big);
	memcpy(big, b.data, b.len);
	put_file("Size/Max", big, TZ_FILE_MAX);
	put_file("Size/Over", big, TZ_FILE_MAX + 1);
	free(big);
	cr_assert_not_null(tz_get("Size/Max"));
	cr_assert_eq(tz_offset(tz_get("Size/Max"), 0), 18000);
	cr_assert_null(tz_get("Size/Over"));
}

Test(tzfile, cache_holds_at_most_TZ_CACHE_MAX_zones)
{
	struct tzif_spec s = {
	    .version = '2', .typecnt = 1, .utoff = std_off, .isdst = std_dst, .footer = "<+05>-5"};
	struct bytes b;
	build(&b, &s);
	char name[32];
	for (int i = 0; i <= TZ_CACHE_MAX; i++) {
		snprintf(name, sizeof(name), "Many/Z%d", i);
		put_file(name, b.data, b.len);
	}
	const struct tz *first = NULL;
	for (int i = 0; i < TZ_CACHE_MAX; i++) {
		snprintf(name, sizeof(name), "Many/Z%d", i);
		const struct tz *z = tz_get(name);
		cr_assert_not_null(z, "zone %d of %d refused", i + 1, TZ_CACHE_MAX);
		if (i == 0)
			first = z;
	}
	snprintf(name, sizeof(name), "Many/Z%d", TZ_CACHE_MAX);
	cr_assert_null(tz_get(name), "zone %d accepted", TZ_CACHE_MAX + 1);
	/* Zones already cached and the built-ins keep working. */
	cr_assert_eq(tz_get("Many/Z0"), first);
	cr_assert_eq(tz_offset(first, 0), 18000);
	cr_assert_not_null(tz_get("UTC"));
	tz_cache_clear();
	cr_assert_not_null(tz_get(name));
}
