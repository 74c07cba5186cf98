/*
 * test_util.c: the small helpers every module leans on: strict integer
 * parsing, bounded copies, UTF-8 validation, UUIDs and the error-code to
 * HTTP-status mapping.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* ---- str_to_i64 --------------------------------------------------------- */

static void assert_i64(const char *s, int64_t min, int64_t max, int64_t want)
{
	int64_t v = 12345;
	cr_assert_eq(str_to_i64(s, min, max, &v), 0, "'%s' refused", s);
	cr_assert_eq(v, want, "'%s' gave %lld", s, (long long)v);
}

static void assert_i64_refused(const char *s, int64_t min, int64_t max)
{
	int64_t v = 12345;
	cr_assert_neq(str_to_i64(s, min, max, &v), 0, "'%s' accepted", s ? s : "(null)");
	cr_assert_eq(v, 12345, "'%s': out-parameter written on failure", s ? s : "(null)");
}

Test(str_to_i64, plain_values)
{
	assert_i64("0", INT64_MIN, INT64_MAX, 0);
	assert_i64("-0", INT64_MIN, INT64_MAX, 0);
	assert_i64("42", INT64_MIN, INT64_MAX, 42);
	assert_i64("-17", INT64_MIN, INT64_MAX, -17);
	assert_i64("007", INT64_MIN, INT64_MAX, 7);
}

Test(str_to_i64, full_range)
{
	assert_i64("9223372036854775807", INT64_MIN, INT64_MAX, INT64_MAX);
	assert_i64("-9223372036854775808", INT64_MIN, INT64_MAX, INT64_MIN);
}

Test(str_to_i64, overflow_is_refused)
{
	assert_i64_refused("9223372036854775808", INT64_MIN, INT64_MAX);
	assert_i64_refused("-9223372036854775809", INT64_MIN, INT64_MAX);
	assert_i64_refused("99999999999999999999999", INT64_MIN, INT64_MAX);
}

Test(str_to_i64, bounds_are_inclusive)
{
	assert_i64("1", 1, 10, 1);
	assert_i64("10", 1, 10, 10);
	assert_i64_refused("0", 1, 10);
	assert_i64_refused("11", 1, 10);
	assert_i64_refused("-1", 0, 65535);
	assert_i64("65535", 0, 65535, 65535);
	assert_i64_refused("65536", 0, 65535);
}

Test(str_to_i64, garbage_is_refused)
{
	static const char *const bad[] = {"",  "abc", "12abc", "1.5", "1e3", "0x10", "--1",
	                                  "-", "+",   "1 2",   "١٢",  "5%",  "1,000"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		assert_i64_refused(bad[i], INT64_MIN, INT64_MAX);
	assert_i64_refused(NULL, INT64_MIN, INT64_MAX);
}

Test(str_to_i64, whitespace_is_refused)
{
	static const char *const bad[] = {" 5", "5 ", "\t5", "5\n", "\n5", " ", "\v7"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		assert_i64_refused(bad[i], INT64_MIN, INT64_MAX);
}

/* ---- str_copy ----------------------------------------------------------- */

Test(str_copy, fits)
{
	char dst[8];
	cr_assert_eq(str_copy(dst, sizeof(dst), "abc"), 0);
	cr_assert_str_eq(dst, "abc");
	cr_assert_eq(str_copy(dst, sizeof(dst), "1234567"), 0, "size - 1 characters fit");
	cr_assert_str_eq(dst, "1234567");
	cr_assert_eq(str_copy(dst, sizeof(dst), ""), 0);
	cr_assert_str_eq(dst, "");
}

Test(str_copy, truncates_and_terminates)
{
	char dst[8];
	memset(dst, 'X', sizeof(dst));
	cr_assert_eq(str_copy(dst, sizeof(dst), "12345678"), -1);
	cr_assert_str_eq(dst, "1234567");
	cr_assert_eq(str_copy(dst, sizeof(dst), "a much longer string"), -1);
	cr_assert_str_eq(dst, "a much ");
	char one[1] = {'X'};
	cr_assert_eq(str_copy(one, 1, "a"), -1);
	cr_assert_eq(one[0], '\0');
}

Test(str_copy, zero_size_writes_nothing)
{
	char dst[2] = {'X', 'Y'};
	cr_assert_eq(str_copy(dst, 0, "abc"), -1);
	cr_assert_eq(dst[0], 'X');
	cr_assert_eq(dst[1], 'Y');
}

/* ---- utf8_valid --------------------------------------------------------- */

static int valid(const char *s)
{
	return utf8_valid(s, strlen(s));
}

Test(utf8_valid, valid_text)
{
	cr_assert(utf8_valid("", 0));
	cr_assert(valid("plain ascii ~\x7f"));
	cr_assert(valid("\xc2\x80"));         /* U+0080, smallest 2-byte */
	cr_assert(valid("\xc3\xa9"));         /* é */
	cr_assert(valid("\xdf\xbf"));         /* U+07FF */
	cr_assert(valid("\xe0\xa0\x80"));     /* U+0800, smallest 3-byte */
	cr_assert(valid("\xe2\x82\xac"));     /* € */
	cr_assert(valid("\xed\x9f\xbf"));     /* U+D7FF, just below surrogates */
	cr_assert(valid("\xee\x80\x80"));     /* U+E000, just above */
	cr_assert(valid("\xef\xbf\xbf"));     /* U+FFFF */
	cr_assert(valid("\xf0\x90\x80\x80")); /* U+10000, smallest 4-byte */
	cr_assert(valid("\xf0\x9f\x98\x80")); /* 😀 */
	cr_assert(valid("\xf4\x8f\xbf\xbf")); /* U+10FFFF, the last */
	cr_assert(valid("a\xc3\xa9z\xe2\x82\xac\xf0\x9f\x98\x80!"));
	cr_assert(utf8_valid("a\0b", 3), "NUL is a valid character when counted");
}

Test(utf8_valid, overlong_forms_are_refused)
{
	cr_assert_not(valid("\xc0\xaf"));         /* '/' in two bytes */
	cr_assert_not(valid("\xc1\xbf"));         /* U+007F in two bytes */
	cr_assert_not(valid("\xc0\x80"));         /* NUL in two bytes */
	cr_assert_not(valid("\xe0\x80\xaf"));     /* '/' in three bytes */
	cr_assert_not(valid("\xe0\x9f\xbf"));     /* U+07FF in three bytes */
	cr_assert_not(valid("\xf0\x80\x80\xaf")); /* '/' in four bytes */
	cr_assert_not(valid("\xf0\x8f\xbf\xbf")); /* U+FFFF in four bytes */
}

Test(utf8_valid, surrogates_are_refused)
{
	cr_assert_not(valid("\xed\xa0\x80")); /* U+D800 */
	cr_assert_not(valid("\xed\xad\xbf")); /* U+DB7F */
	cr_assert_not(valid("\xed\xb0\x80")); /* U+DC00 */
	cr_assert_not(valid("\xed\xbf\xbf")); /* U+DFFF */
	cr_assert_not(valid("\xed\xa0\xbd\xed\xb8\x80"), "a CESU-8 pair is not UTF-8");
}

Test(utf8_valid, truncated_sequences_are_refused)
{
	cr_assert_not(valid("\xc3"));
	cr_assert_not(valid("\xe2\x82"));
	cr_assert_not(valid("\xe2"));
	cr_assert_not(valid("\xf0\x9f\x98"));
	cr_assert_not(valid("a\xc3"));
	cr_assert_not(valid("\xc3z"), "a continuation byte is missing");
	cr_assert_not(valid("\xe2\x82z"));
	/* A whole character cut by LEN. */
	cr_assert_not(utf8_valid("\xe2\x82\xac", 2));
	cr_assert_not(utf8_valid("ab\xf0\x9f\x98\x80", 5));
	cr_assert(utf8_valid("ab\xf0\x9f\x98\x80", 6));
	cr_assert(utf8_valid("ab\xf0\x9f\x98\x80", 2));
}

Test(utf8_valid, stray_and_impossible_bytes_are_refused)
{
	cr_assert_not(valid("\x80"));
	cr_assert_not(valid("a\xbf"));
	cr_assert_not(valid("\xc3\xa9\xa9"), "extra continuation byte");
	cr_assert_not(valid("\xfe"));
	cr_assert_not(valid("\xff"));
	cr_assert_not(valid("\xf8\x88\x80\x80\x80")); /* 5-byte form */
	cr_assert_not(valid("\xfc\x84\x80\x80\x80\x80"));
}

Test(utf8_valid, above_max_code_point_is_refused)
{
	cr_assert_not(valid("\xf4\x90\x80\x80")); /* U+110000 */
	cr_assert_not(valid("\xf5\x80\x80\x80"));
	cr_assert_not(valid("\xf7\xbf\xbf\xbf"));
}

/* ---- UUIDs -------------------------------------------------------------- */

Test(uuid, v4_format)
{
	for (int n = 0; n < 100; n++) {
		char u[37];
		memset(u, 'Q', sizeof(u));
		uuid_v4(u);
		cr_assert_eq(strlen(u), 36, "%s", u);
		for (int i = 0; i < 36; i++) {
			if (i == 8 || i == 13 || i == 18 || i == 23)
				cr_assert_eq(u[i], '-', "%s", u);
			else
				cr_assert(strchr("0123456789abcdef", u[i]) && u[i],
				          "%s: char %d is not lowercase hex", u, i);
		}
		cr_assert_eq(u[14], '4', "%s: version nibble", u);
		cr_assert(strchr("89ab", u[19]) && u[19], "%s: variant nibble", u);
		cr_assert(uuid_valid(u), "%s", u);
	}
}

Test(uuid, v4_is_random)
{
	char seen[200][37];
	for (int i = 0; i < 200; i++) {
		uuid_v4(seen[i]);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(seen[i], seen[j]);
	}
}

Test(uuid, valid_refusals)
{
	cr_assert(uuid_valid("123e4567-e89b-42d3-a456-426614174000"));
	cr_assert(uuid_valid("00000000-0000-0000-0000-000000000000"));
	cr_assert_not(uuid_valid(""));
	cr_assert_not(uuid_valid("123E4567-E89B-42D3-A456-426614174000"), "uppercase");
	cr_assert_not(uuid_valid("123e4567e89b42d3a456426614174000"), "no hyphens");
	cr_assert_not(uuid_valid("123e4567-e89b-42d3-a456-42661417400"), "too short");
	cr_assert_not(uuid_valid("123e4567-e89b-42d3-a456-4266141740000"), "too long");
	cr_assert_not(uuid_valid("123e4567-e89b-42d3-a456-42661417400g"), "not hex");
	cr_assert_not(uuid_valid("123e4567ae89b-42d3-a456-426614174000"), "hyphen misplaced");
	cr_assert_not(uuid_valid("123e456-7e89b-42d3-a456-426614174000"), "hyphen misplaced");
	cr_assert_not(uuid_valid("{23e4567-e89b-42d3-a456-426614174000"));
	cr_assert_not(uuid_valid("123e4567-e89b-42d3-a456-42661417400\n"));
}

/* ---- errors ------------------------------------------------------------- */

Test(err, http_status_for_every_code)
{
	static const struct {
		int code, status;
	} map[] = {
	    {ERR_OK, 200},        {ERR_INTERNAL, 500},    {ERR_BAD_REQUEST, 400},
	    {ERR_UNAUTH, 401},    {ERR_FORBIDDEN, 403},   {ERR_NOT_FOUND, 404},
	    {ERR_CONFLICT, 409},  {ERR_TOO_LARGE, 413},   {ERR_INVALID, 422},
	    {ERR_THROTTLED, 429}, {ERR_UNAVAILABLE, 503}, {ERR_UPSTREAM, 502},
	};
	for (size_t i = 0; i < ARRAY_LEN(map); i++)
		cr_assert_eq(err_http_status(map[i].code), map[i].status,
		             "code %d gave %d, want %d", map[i].code, err_http_status(map[i].code),
		             map[i].status);
	/* Anything unknown is an internal error. */
	cr_assert_eq(err_http_status(-12), 500);
	cr_assert_eq(err_http_status(-999), 500);
	cr_assert_eq(err_http_status(1), 500);
	cr_assert_eq(err_http_status(404), 500, "HTTP statuses are not error codes");
}

Test(err, set_fills_and_returns_code)
{
	struct err e;
	memset(&e, 0, sizeof(e));
	int rc = err_set(&e, ERR_NOT_FOUND, "not_found", "unknown problem '%s'", "two-sum");
	cr_assert_eq(rc, ERR_NOT_FOUND);
	cr_assert_eq(e.code, ERR_NOT_FOUND);
	cr_assert_str_eq(e.id, "not_found");
	cr_assert_str_eq(e.msg, "unknown problem 'two-sum'");
	/* A NULL error buffer is allowed. */
	cr_assert_eq(err_set(NULL, ERR_CONFLICT, "conflict", "x"), ERR_CONFLICT);
}

Test(err, set_truncates_long_text)
{
	char long_text[1000];
	memset(long_text, 'm', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	struct err e;
	err_set(&e, ERR_INVALID, long_text, "%s", long_text);
	cr_assert_eq(strlen(e.msg), ERR_MSG_MAX - 1);
	cr_assert_eq(strlen(e.id), sizeof(e.id) - 1);
}

Test(err, truncation_keeps_utf8_valid)
{
	/*
	 * The message becomes the JSON error body: cutting it at ERR_MSG_MAX
	 * must not leave half of a multibyte character behind.
	 */
	char text[ERR_MSG_MAX + 8];
	memset(text, 'a', ERR_MSG_MAX - 2);
	memcpy(text + ERR_MSG_MAX - 2, "\xc3\xa9\xc3\xa9", 5); /* "éé" straddles the end */
	struct err e;
	err_set(&e, ERR_NOT_FOUND, "not_found", "%s", text);
	cr_assert_leq(strlen(e.msg), ERR_MSG_MAX - 1);
	cr_expect(utf8_valid(e.msg, strlen(e.msg)), "message ends in a cut character: ...%s",
	          e.msg + strlen(e.msg) - 4);
}

/* ---- other small helpers ------------------------------------------------- */

Test(str_ieq, ascii_case_insensitive)
{
	cr_assert(str_ieq("Full", "fULL"));
	cr_assert(str_ieq("", ""));
	cr_assert_not(str_ieq("full", "ful"));
	cr_assert_not(str_ieq("ful", "full"));
	cr_assert_not(str_ieq("a", "b"));
}

Test(str_to_double, strict)
{
	double d = 9;
	cr_assert_eq(str_to_double("0.3", &d), 0);
	cr_assert_float_eq(d, 0.3, 1e-12);
	cr_assert_eq(str_to_double("-2.5e3", &d), 0);
	cr_assert_float_eq(d, -2500.0, 1e-9);
	d = 9;
	cr_assert_neq(str_to_double("", &d), 0);
	cr_assert_neq(str_to_double(" 1", &d), 0);
	cr_assert_neq(str_to_double("1x", &d), 0);
	cr_assert_neq(str_to_double("nan", &d), 0);
	cr_assert_neq(str_to_double("1e999", &d), 0, "overflow");
	cr_assert_eq(d, 9, "out-parameter untouched on failure");
}

Test(hex_encode, lowercase)
{
	const unsigned char in[] = {0x00, 0x0f, 0xa5, 0xff};
	char out[9];
	hex_encode(in, sizeof(in), out);
	cr_assert_str_eq(out, "000fa5ff");
	hex_encode(in, 0, out);
	cr_assert_str_eq(out, "");
}

Test(xalloc, strings)
{
	char *s = xstrndup("abcdef", 3);
	cr_assert_str_eq(s, "abc");
	free(s);
	s = xasprintf("%s-%d", "n", 5);
	cr_assert_str_eq(s, "n-5");
	free(s);
	s = xstrdup("");
	cr_assert_str_eq(s, "");
	free(s);
}
