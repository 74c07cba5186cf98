/*
 * tz.c: a TZif reader (RFC 8536) with a bounded, mutex-protected cache.
 *
 * A loaded zone is one allocation: the struct, then its transition times,
 * its local time types and the type index of each transition. After the
 * last transition the POSIX TZ string in the file's footer decides, so
 * zones stay right past 2037 whether the files were built "fat" or "slim".
 * Leap-second records and abbreviations are not needed and not kept.
 */
#include "core/tz.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/timeutil.h"
#include "core/util.h"

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
/* Longest footer TZ string accepted; real ones are under 50 characters. */
#define TZ_FOOTER_MAX 128
/* tz_offset() clamps instants to +-TZ_T_LIMIT so no arithmetic overflows. */
#define TZ_T_LIMIT ((int64_t)1 << 60)
/* Hash slots for the cache: a power of two, at least twice TZ_CACHE_MAX. */
#define TZ_CACHE_SLOTS 2048

_Static_assert(TZ_CACHE_SLOTS >= 2 * TZ_CACHE_MAX, "cache table too small");
_Static_assert((TZ_CACHE_SLOTS & (TZ_CACHE_SLOTS - 1)) == 0, "slots must be a power of two");

/* A local time type: offset east of UTC and whether it is daylight time. */
struct tz_type {
	int32_t utoff;
	uint8_t isdst;
};

enum tz_rule_kind {
	RULE_JULIAN1, /* Jn: 1..365, February 29 never counted */
	RULE_JULIAN0, /* n: 0..365, February 29 counted in leap years */
	RULE_MONTH    /* Mm.w.d: day D (0 = Sunday) of week W (5 = last) of month M */
};

/* When a POSIX TZ rule switches: a date form plus a local time of day. */
struct tz_rule {
	enum tz_rule_kind kind;
	int day;      /* RULE_JULIAN1 / RULE_JULIAN0 day, or RULE_MONTH weekday */
	int week;     /* RULE_MONTH only */
	int month;    /* RULE_MONTH only */
	int32_t time; /* seconds after local midnight, -167h..167h */
};

/* A parsed POSIX TZ string such as "EST5EDT,M3.2.0,M11.1.0". */
struct tz_posix {
	int32_t std_off; /* east of UTC, unlike the string's west-positive sign */
	int32_t dst_off;
	int has_dst;
	struct tz_rule start; /* switch to daylight time, in standard local time */
	struct tz_rule end;   /* switch back, in daylight local time */
};

struct tz {
	char name[TZ_NAME_MAX + 1];
	size_t timecnt;
	const int64_t *times; /* strictly ascending */
	const uint8_t *idx;   /* type index of each transition */
	size_t typecnt;       /* at least 1 */
	const struct tz_type *types;
	int has_footer;
	struct tz_posix footer;
};

static const struct tz_type utc_type[1] = {{0, 0}};

static const struct tz tz_builtin[] = {
    {.name = "UTC", .typecnt = 1, .types = utc_type},
    {.name = "Etc/UTC", .typecnt = 1, .types = utc_type},
};

/* The cache: open addressing over names, never shrinking until cleared. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tz *cache_slots[TZ_CACHE_SLOTS];
static size_t cache_count;

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if (a % b < 0)
		q--;
	return q;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

int tz_valid_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > TZ_NAME_MAX || name[0] == '/')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '+' && c != '-' && c != '/')
			return 0;
	}
	/* posix/ and right/ only repeat the main tree (right/ is not unix time): refused,
	 * so that the bounded cache always has room for every real zone. */
	if (!strncmp(name, "posix/", 6) || !strncmp(name, "right/", 6))
		return 0;
	return !strstr(name, "..") && !strstr(name, "//");
}

/* ---- POSIX TZ strings (RFC 8536 section 3.3, POSIX.1 section 8.3) ---- */

/* Reads 1..MAXDIGITS decimal digits forming a value in [LO, HI]. */
static int parse_num(const char **p, int maxdigits, int lo, int hi, int *out)
{
	const char *s = *p;
	int v = 0, n = 0;
	while (is_digit(*s)) {
		if (++n > maxdigits)
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	if (n == 0 || v < lo || v > hi)
		return -1;
	*p = s;
	*out = v;
	return 0;
}

/* Reads [+-]hh[:mm[:ss]] with hh <= MAX_HOURS, as signed seconds. */
static int parse_hms(const char **p, int max_hours, int32_t *out)
{
	const char *s = *p;
	int sign = 1, h, m = 0, sec = 0;
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if (parse_num(&s, 3, 0, max_hours, &h))
		return -1;
	if (*s == ':') {
		s++;
		if (parse_num(&s, 2, 0, 59, &m))
			return -1;
		if (*s == ':') {
			s++;
			if (parse_num(&s, 2, 0, 59, &sec))
				return -1;
		}
	}
	*p = s;
	*out = sign * (h * 3600 + m * 60 + sec);
	return 0;
}

/* Skips an abbreviation: three or more letters, or "<...>" quoted. */
static int parse_abbr(const char **p)
{
	const char *s = *p;
	size_t n = 0;
	if (*s == '<') {
		s++;
		while (is_alpha(*s) || is_digit(*s) || *s == '+' || *s == '-') {
			s++;
			n++;
		}
		if (*s != '>')
			return -1;
		s++;
	} else {
		while (is_alpha(*s)) {
			s++;
			n++;
		}
	}
	if (n < 3)
		return -1;
	*p = s;
	return 0;
}

/* Reads "Jn", "n" or "Mm.w.d", then an optional "/time" (default 02:00). */
static int parse_rule(const char **p, struct tz_rule *r)
{
	const char *s = *p;
	memset(r, 0, sizeof(*r));
	if (*s == 'J') {
		s++;
		r->kind = RULE_JULIAN1;
		if (parse_num(&s, 3, 1, 365, &r->day))
			return -1;
	} else if (*s == 'M') {
		s++;
		r->kind = RULE_MONTH;
		if (parse_num(&s, 2, 1, 12, &r->month) || *s != '.')
			return -1;
		s++;
		if (parse_num(&s, 1, 1, 5, &r->week) || *s != '.')
			return -1;
		s++;
		if (parse_num(&s, 1, 0, 6, &r->day))
			return -1;
	} else {
		r->kind = RULE_JULIAN0;
		if (parse_num(&s, 3, 0, 365, &r->day))
			return -1;
	}
	r->time = 2 * 3600;
	if (*s == '/') {
		s++;
		/* RFC 8536 section 3.3.1 extends the hours to -167..167. */
		if (parse_hms(&s, 167, &r->time))
			return -1;
	}
	*p = s;
	return 0;
}

/*
 * Parses "std offset [dst [offset] ,rule,rule]". A daylight zone without
 * rules is refused: POSIX leaves its rules to the implementation, and zic
 * never writes one.
 */
static int parse_posix(const char *s, struct tz_posix *px)
{
	int32_t off;
	memset(px, 0, sizeof(*px));
	if (parse_abbr(&s) || parse_hms(&s, 24, &off))
		return -1;
	px->std_off = -off;
	px->dst_off = px->std_off;
	if (!*s)
		return 0;
	if (parse_abbr(&s))
		return -1;
	px->has_dst = 1;
	px->dst_off = px->std_off + 3600;
	if (*s && *s != ',') {
		if (parse_hms(&s, 24, &off))
			return -1;
		px->dst_off = -off;
	}
	if (*s != ',')
		return -1;
	s++;
	if (parse_rule(&s, &px->start) || *s != ',')
		return -1;
	s++;
	if (parse_rule(&s, &px->end) || *s)
		return -1;
	return 0;
}

/* The day (since 1970-01-01) on which rule R falls in year Y. */
static int64_t rule_day(const struct tz_rule *r, int y)
{
	int64_t jan1 = day_from_civil(y, 1, 1);
	switch (r->kind) {
	case RULE_JULIAN1:
		return jan1 + r->day - 1 + (day_is_leap_year(y) && r->day >= 60);
	case RULE_JULIAN0:
		return jan1 + r->day;
	case RULE_MONTH:
	default: {
		int64_t first = day_from_civil(y, r->month, 1);
		/* 1970-01-01 was a Thursday (4). */
		int wday = (int)(first + 4 - floor_div(first + 4, 7) * 7);
		int64_t d = first + (r->day - wday + 7) % 7 + 7 * (r->week - 1);
		int64_t end = first + day_days_in_month(y, r->month);
		while (d >= end)
			d -= 7; /* week 5 means the last one */
		return d;
	}
	}
}

/*
 * The offset a POSIX rule gives at T. Rather than reason about which year
 * a switch near New Year belongs to, this takes the switches of the years
 * around T and uses the latest one at or before T. Switches are visited in
 * time order of their years, so on a tie the later year wins: that is what
 * makes RFC 8536's "daylight time all year" encoding (e.g.
 * "EST5EDT,0/0,J365/25") stay on daylight time across New Year.
 */
static int32_t posix_offset(const struct tz_posix *px, int64_t t)
{
	if (!px->has_dst)
		return px->std_off;
	int y, m, d;
	day_to_civil(floor_div(t, DAY_SECONDS), &y, &m, &d);
	int found = 0, isdst = 0;
	int64_t best = 0;
	for (int yy = y - 2; yy <= y + 1; yy++) {
		int64_t start =
		    rule_day(&px->start, yy) * DAY_SECONDS + px->start.time - px->std_off;
		int64_t end = rule_day(&px->end, yy) * DAY_SECONDS + px->end.time - px->dst_off;
		if (start <= t && (!found || start >= best)) {
			best = start;
			isdst = 1;
			found = 1;
		}
		if (end <= t && (!found || end >= best)) {
			best = end;
			isdst = 0;
			found = 1;
		}
	}
	return isdst ? px->dst_off : px->std_off;
}

/* ---- TZif files (RFC 8536 section 3) ---- */

struct cursor {
	const unsigned char *p;
	size_t left;
};

struct tzif_header {
	char version; /* 0, '2', '3', '4', ... */
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Consumes N bytes, returning them, or NULL if fewer are left. */
static const unsigned char *take(struct cursor *c, size_t n)
{
	if (n > c->left)
		return NULL;
	const unsigned char *p = c->p;
	c->p += n;
	c->left -= n;
	return p;
}

static int read_header(struct cursor *c, struct tzif_header *h)
{
	const unsigned char *p = take(c, 44);
	if (!p || memcmp(p, "TZif", 4) != 0)
		return -1;
	h->version = (char)p[4];
	if (h->version != 0 && h->version < '2')
		return -1;
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	/* Bounding each count by the bytes left keeps the sums below small. */
	if (h->isutcnt > c->left || h->isstdcnt > c->left || h->leapcnt > c->left ||
	    h->timecnt > c->left || h->typecnt > c->left || h->charcnt > c->left)
		return -1;
	return 0;
}

/* Bytes in a data block whose times take TIMESIZE bytes. */
static size_t block_size(const struct tzif_header *h, size_t timesize)
{
	return (size_t)h->timecnt * (timesize + 1) + (size_t)h->typecnt * 6 + h->charcnt +
	       (size_t)h->leapcnt * (timesize + 4) + h->isstdcnt + h->isutcnt;
}

/*
 * Checks the data block at C against RFC 8536 section 3.2 and copies it into
 * a new zone. Returns NULL if it is malformed or has leap seconds.
 */
static struct tz *read_block(struct cursor *c, const struct tzif_header *h, size_t timesize)
{
	if (block_size(h, timesize) > c->left)
		return NULL;
	if (h->typecnt == 0 || h->charcnt == 0 || h->leapcnt != 0 ||
	    (h->isstdcnt != 0 && h->isstdcnt != h->typecnt) ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt))
		return NULL;
	const unsigned char *times = take(c, (size_t)h->timecnt * timesize);
	const unsigned char *idx = take(c, h->timecnt);
	const unsigned char *types = take(c, (size_t)h->typecnt * 6);
	take(c, block_size(h, timesize) - (size_t)h->timecnt * (timesize + 1) -
	            (size_t)h->typecnt * 6);

	size_t n = h->timecnt, ntypes = h->typecnt;
	struct tz *z =
	    xcalloc(1, sizeof(*z) + n * sizeof(int64_t) + ntypes * sizeof(struct tz_type) + n);
	int64_t *zt = (int64_t *)(z + 1);
	struct tz_type *ztypes = (struct tz_type *)(zt + n);
	uint8_t *zidx = (uint8_t *)(ztypes + ntypes);
	for (size_t i = 0; i < n; i++) {
		zt[i] = timesize == 8 ? be64(times + 8 * i) : (int32_t)be32(times + 4 * i);
		zidx[i] = idx[i];
		if ((i > 0 && zt[i] <= zt[i - 1]) || idx[i] >= ntypes)
			goto bad;
	}
	for (size_t i = 0; i < ntypes; i++) {
		const unsigned char *tt = types + 6 * i;
		int32_t utoff = (int32_t)be32(tt);
		/* RFC 8536 section 3.2: utoff should lie in [-89999, 93599]. */
		if (utoff <= -25 * 3600 || utoff >= 26 * 3600 || tt[4] > 1 || tt[5] >= h->charcnt)
			goto bad;
		ztypes[i].utoff = utoff;
		ztypes[i].isdst = tt[4];
	}
	z->timecnt = n;
	z->times = zt;
	z->idx = zidx;
	z->typecnt = ntypes;
	z->types = ztypes;
	return z;
bad:
	free(z);
	return NULL;
}

/* Reads the "\nTZ string\n" footer of a version 2+ file into Z. */
static int read_footer(struct cursor *c, struct tz *z)
{
	char buf[TZ_FOOTER_MAX + 1];
	if (c->left < 2 || c->p[0] != '\n')
		return -1;
	const unsigned char *s = c->p + 1;
	const unsigned char *nl = memchr(s, '\n', c->left - 1);
	if (!nl)
		return -1;
	size_t n = (size_t)(nl - s);
	if (n > TZ_FOOTER_MAX || memchr(s, '\0', n))
		return -1;
	if (n == 0)
		return 0; /* no rule: the last transition's type stays in force */
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (parse_posix(buf, &z->footer))
		return -1;
	z->has_footer = 1;
	return 0;
}

/* Parses a whole TZif file; NULL if it is not a well-formed one. */
static struct tz *parse_tzif(const unsigned char *data, size_t len)
{
	struct cursor c = {data, len};
	struct tzif_header h;
	if (read_header(&c, &h))
		return NULL;
	if (h.version == 0)
		return read_block(&c, &h, 4);
	/* Version 2+: skip the 32-bit block and use the 64-bit one. */
	if (block_size(&h, 4) > c.left)
		return NULL;
	take(&c, block_size(&h, 4));
	if (read_header(&c, &h))
		return NULL;
	struct tz *z = read_block(&c, &h, 8);
	if (z && read_footer(&c, z)) {
		free(z);
		z = NULL;
	}
	return z;
}

/* Reads the regular file PATH (at most TZ_FILE_MAX bytes); caller frees. */
static unsigned char *read_file(const char *path, size_t *len)
{
	unsigned char *buf = NULL;
	struct stat st;
	/* O_NONBLOCK so a FIFO planted in the directory cannot hang us. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > TZ_FILE_MAX)
		goto out;
	size_t cap = (size_t)st.st_size, n = 0;
	buf = xmalloc(cap + 1);
	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			buf = NULL;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
out:
	close(fd);
	return buf;
}

/* Loads NAME (already validated) from the zoneinfo directory. */
static struct tz *tz_load(const char *name)
{
	char path[PATH_MAX];
	const char *dir = getenv("TZDIR");
	if (!dir || !*dir)
		dir = TZ_DEFAULT_DIR;
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return NULL;
	size_t len;
	unsigned char *data = read_file(path, &len);
	if (!data)
		return NULL;
	struct tz *z = parse_tzif(data, len);
	free(data);
	if (z)
		str_copy(z->name, sizeof(z->name), name);
	return z;
}

/* ---- The cache ---- */

/* FNV-1a. */
static size_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h & (TZ_CACHE_SLOTS - 1);
}

/* The slot holding NAME, or the empty slot where it would go. Locked. */
static size_t cache_slot(const char *name)
{
	size_t i = name_hash(name);
	while (cache_slots[i] && strcmp(cache_slots[i]->name, name) != 0)
		i = (i + 1) & (TZ_CACHE_SLOTS - 1);
	return i;
}

const struct tz *tz_get(const char *name)
{
	if (!name || !tz_valid_name(name))
		return NULL;
	for (size_t i = 0; i < ARRAY_LEN(tz_builtin); i++)
		if (strcmp(tz_builtin[i].name, name) == 0)
			return &tz_builtin[i];

	pthread_mutex_lock(&cache_lock);
	struct tz *z = cache_slots[cache_slot(name)];
	int full = cache_count >= TZ_CACHE_MAX;
	pthread_mutex_unlock(&cache_lock);
	if (z || full)
		return z;

	/* Load without the lock; if another thread won the race, use its copy. */
	struct tz *fresh = tz_load(name);
	if (!fresh)
		return NULL;
	pthread_mutex_lock(&cache_lock);
	size_t i = cache_slot(name);
	z = cache_slots[i];
	if (!z && cache_count < TZ_CACHE_MAX) {
		cache_slots[i] = fresh;
		cache_count++;
		z = fresh;
		fresh = NULL;
	}
	pthread_mutex_unlock(&cache_lock);
	free(fresh);
	return z;
}

void tz_cache_clear(void)
{
	for (size_t i = 0; i < TZ_CACHE_SLOTS; i++) {
		free(cache_slots[i]);
		cache_slots[i] = NULL;
	}
	cache_count = 0;
}

const char *tz_name(const struct tz *z)
{
	return z->name;
}

/* ---- Queries ---- */

int tz_offset(const struct tz *z, int64_t t)
{
	if (t > TZ_T_LIMIT)
		t = TZ_T_LIMIT;
	if (t < -TZ_T_LIMIT)
		t = -TZ_T_LIMIT;
	size_t n = z->timecnt;
	if (n == 0)
		return z->has_footer ? posix_offset(&z->footer, t) : z->types[0].utoff;
	if (t < z->times[0])
		return z->types[0].utoff;
	if (t > z->times[n - 1] && z->has_footer)
		return posix_offset(&z->footer, t);
	/* The last transition at or before T. */
	size_t lo = 0, hi = n; /* times[lo] <= t < times[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->times[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->types[z->idx[lo]].utoff;
}

int64_t tz_local_day(const struct tz *z, int64_t t)
{
	if (t > TZ_T_LIMIT)
		t = TZ_T_LIMIT;
	if (t < -TZ_T_LIMIT)
		t = -TZ_T_LIMIT;
	return floor_div(t + tz_offset(z, t), DAY_SECONDS);
}

int64_t tz_today(const struct tz *z)
{
	return tz_local_day(z, time_now());
}
