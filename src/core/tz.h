/*
 * tz.h: IANA time zones read from compiled TZif files (RFC 8536).
 *
 * glibc's localtime_r() follows the process-wide TZ variable, so it cannot
 * answer "what day is it for this user" for many users on many threads.
 * This module loads a zone's TZif file once, keeps it immutable in a
 * process-wide cache, and answers offset questions from that immutable
 * data without locks, so struct tz pointers can be shared freely between
 * threads.
 *
 * Files come from $TZDIR when it is set and non-empty, otherwise from
 * /usr/share/zoneinfo. "UTC" and "Etc/UTC" are built in and work without
 * any tzdata installed.
 */
#ifndef MAANG_TZ_H
#define MAANG_TZ_H

#include <stdint.h>

/* Longest zone name accepted by tz_valid_name(). */
#define TZ_NAME_MAX 64
/* Most zones loaded from files that the cache holds (built-ins not counted). */
#define TZ_CACHE_MAX 1024 /* tzdata has ~450 zones outside posix/ and right/ */
/* Largest TZif file read; real ones are under 4 KiB. */
#define TZ_FILE_MAX (256 * 1024)

/* A loaded time zone: opaque and immutable. */
struct tz;

/*
 * 1 if NAME is syntactically acceptable as a zone name: 1..TZ_NAME_MAX
 * characters from [A-Za-z0-9_+/-], not starting with '/', and without ".."
 * or "//". Says nothing about whether the zone exists; 0 otherwise.
 */
int tz_valid_name(const char *name);

/*
 * Returns the zone called NAME, or NULL if NAME is not valid (see
 * tz_valid_name), the file does not exist or is not a well-formed TZif file,
 * or the cache already holds TZ_CACHE_MAX zones and NAME is not among them.
 * Files with leap-second records (the "right/" zones) are refused because
 * their timestamps are not unix time. Failed look-ups are not cached: each
 * retry reads the disk again, so callers should validate a user's zone once,
 * when it is set.
 *
 * The first successful look-up of a name loads it; later ones return the
 * same pointer. Thread-safe. The zone is owned by the cache and stays valid
 * until tz_cache_clear().
 */
const struct tz *tz_get(const char *name);

/* The name Z was looked up by, e.g. "America/New_York". */
const char *tz_name(const struct tz *z);

/*
 * UTC offset in seconds (east positive) at unix time T: the zone's
 * transitions up to the last one in the file, its POSIX TZ footer rule after
 * that, and time type 0 before the first transition (RFC 8536 section 3.2, kept
 * in RFC 9636; older readers picked the first standard-time type, which
 * for files written by zic is the same one). T beyond +-2^60 is clamped. Pure, so
 * thread-safe.
 */
int tz_offset(const struct tz *z, int64_t t);

/* The local calendar day (days since 1970-01-01, see timeutil.h) of T in Z. */
int64_t tz_local_day(const struct tz *z, int64_t t);

/* The local calendar day in Z right now. */
int64_t tz_today(const struct tz *z);

/*
 * Frees every cached zone; pointers from tz_get() become invalid. For tests
 * only: not thread-safe, nothing else may be using the module meanwhile.
 */
void tz_cache_clear(void);

#endif
