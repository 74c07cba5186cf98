/*
 * test_json.c: request-body parsing with its limits (duplicates, UTF-8,
 * depth, big integers), declarative field checks that name the offending
 * field, JSON string escaping into bounded buffers, and the CSV splitter.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/util.h"

/* Parses the NUL-terminated BODY; returns the status and fills E. */
static int parse(const char *body, int want_object, json_t **out, struct err *e)
{
	return json_parse_body(body, strlen(body), want_object, out, e);
}

/* Asserts that BODY is refused as a bad request with error id ID. */
static void assert_rejected(const char *body, int want_object, const char *id)
{
	struct err e = {0};
	json_t *sentinel = (json_t *)0x1;
	json_t *v = sentinel;
	int rc = parse(body, want_object, &v, &e);
	cr_assert_eq(rc, ERR_BAD_REQUEST, "body '%.60s' gave %d, want ERR_BAD_REQUEST", body, rc);
	cr_assert_eq(e.code, ERR_BAD_REQUEST);
	cr_assert_str_eq(e.id, id, "body '%.60s'", body);
	cr_assert(e.msg[0] != '\0', "an error message is written");
	cr_assert_eq(v, sentinel, "the out-parameter is not written on failure");
}

/* Parses BODY, which must succeed, and returns the value (caller decrefs). */
static json_t *accepted(const char *body, int want_object)
{
	struct err e = {0};
	json_t *v = NULL;
	int rc = parse(body, want_object, &v, &e);
	cr_assert_eq(rc, 0, "body '%.60s' refused: %s", body, e.msg);
	cr_assert_not_null(v);
	return v;
}

/* "[[[...]]]" with DEPTH brackets, or objects {"a":{"a":...LEAF...}}. */
static char *nested(int depth, int objects, const char *leaf)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	for (int i = 0; i < depth; i++)
		cr_assert_eq(buf_puts(&b, objects ? "{\"a\":" : "["), 0);
	if (objects && !leaf)
		leaf = "{}"; /* an object level has to hold something */
	if (leaf)
		cr_assert_eq(buf_puts(&b, leaf), 0);
	for (int i = 0; i < depth; i++)
		cr_assert_eq(buf_puts(&b, objects ? "}" : "]"), 0);
	return buf_detach(&b);
}

/* ---- json_parse_body ---------------------------------------------------- */

Test(json_parse, object_is_parsed_and_owned_by_caller)
{
	json_t *v = accepted("{\"name\":\"Ada\",\"n\":3,\"tags\":[\"a\",\"b\"]}", 1);
	cr_assert(json_is_object(v));
	cr_assert_str_eq(json_str(v, "name"), "Ada");
	cr_assert_eq(json_integer_value(json_object_get(v, "n")), 3);
	cr_assert_eq(json_array_size(json_object_get(v, "tags")), 2);
	cr_assert_eq(v->refcount, 1, "the caller holds the only reference");
	json_decref(v);
}

Test(json_parse, empty_body_is_rejected)
{
	struct err e = {0};
	json_t *v = NULL;
	cr_assert_eq(json_parse_body(NULL, 0, 1, &v, &e), ERR_BAD_REQUEST);
	cr_assert_str_eq(e.id, "invalid_json");
	cr_assert_eq(json_parse_body("{}", 0, 1, &v, &e), ERR_BAD_REQUEST,
	             "a zero length means empty even if the pointer has data");
	cr_assert_null(v);
	assert_rejected("   \n\t ", 1, "invalid_json");
}

Test(json_parse, malformed_is_rejected)
{
	static const char *const bodies[] = {
	    "{",          "}",
	    "{\"a\":}",   "{\"a\" 1}",
	    "{'a':1}",    "{\"a\":1,}",
	    "[1,2,]",     "{a:1}",
	    "nul",        "\"unterminated",
	    "{\"a\":01}", "{\"a\":NaN}",
	    "{\"a\":.5}", "{\"a\":\"\t\"}", /* raw tab */
	    "{\"a\":1}}", "{\"a\":\"\\x41\"}",
	};
	for (size_t i = 0; i < ARRAY_LEN(bodies); i++)
		assert_rejected(bodies[i], 0, "invalid_json");
}

Test(json_parse, trailing_garbage_is_rejected)
{
	assert_rejected("{} x", 1, "invalid_json");
	assert_rejected("{}{}", 1, "invalid_json");
	assert_rejected("{\"a\":1} 2", 1, "invalid_json");
	assert_rejected("[1] ]", 0, "invalid_json");
	/* Whitespace after the value is not garbage. */
	json_decref(accepted("{\"a\":1} \r\n\t ", 1));
}

Test(json_parse, trailing_nul_byte_is_rejected)
{
	struct err e = {0};
	json_t *v = NULL;
	cr_assert_eq(json_parse_body("{}\0", 3, 1, &v, &e), ERR_BAD_REQUEST);
	cr_assert_eq(json_parse_body("{\"a\":1}\0{\"b\":2}", 15, 1, &v, &e), ERR_BAD_REQUEST);
	cr_assert_null(v);
}

Test(json_parse, length_is_respected_without_nul)
{
	/* Only the first LEN bytes are the body: the rest must not be read. */
	const char data[] = "{\"a\":1}garbage";
	struct err e = {0};
	json_t *v = NULL;
	cr_assert_eq(json_parse_body(data, 7, 1, &v, &e), 0, "%s", e.msg);
	cr_assert_eq(json_integer_value(json_object_get(v, "a")), 1);
	json_decref(v);
}

Test(json_parse, duplicate_keys_are_rejected)
{
	assert_rejected("{\"a\":1,\"a\":2}", 1, "invalid_json");
	assert_rejected("{\"a\":1,\"b\":{\"c\":1,\"c\":1}}", 1, "invalid_json");
	assert_rejected("[{\"x\":true,\"x\":false}]", 0, "invalid_json");
	/* Same key in sibling objects is fine. */
	json_decref(accepted("{\"a\":{\"c\":1},\"b\":{\"c\":1}}", 1));
}

Test(json_parse, invalid_utf8_is_rejected)
{
	assert_rejected("{\"a\":\"\xff\"}", 1, "invalid_json");
	assert_rejected("{\"a\":\"\xc3\"}", 1, "invalid_json");             /* truncated */
	assert_rejected("{\"a\":\"\xc0\xaf\"}", 1, "invalid_json");         /* overlong '/' */
	assert_rejected("{\"a\":\"\xed\xa0\x80\"}", 1, "invalid_json");     /* encoded D800 */
	assert_rejected("{\"a\":\"\xf4\x90\x80\x80\"}", 1, "invalid_json"); /* > U+10FFFF */
	assert_rejected("{\"\xfe\":1}", 1, "invalid_json");                 /* in a key */
	/* Valid multibyte text, raw and escaped, is fine. */
	json_t *v = accepted("{\"a\":\"h\xc3\xa9llo \xf0\x9f\x98\x80\",\"b\":\"\\u00e9\"}", 1);
	cr_assert_str_eq(json_str(v, "a"), "h\xc3\xa9llo \xf0\x9f\x98\x80");
	cr_assert_str_eq(json_str(v, "b"), "\xc3\xa9");
	json_decref(v);
}

Test(json_parse, lone_surrogates_are_rejected)
{
	assert_rejected("{\"a\":\"\\ud800\"}", 1, "invalid_json");
	assert_rejected("{\"a\":\"x\\ud800y\"}", 1, "invalid_json");
	assert_rejected("{\"a\":\"\\udc00\"}", 1, "invalid_json");
	assert_rejected("{\"a\":\"\\ud800\\u0041\"}", 1, "invalid_json");
	/* A proper pair decodes to one 4-byte character. */
	json_t *v = accepted("{\"a\":\"\\ud83d\\ude00\"}", 1);
	cr_assert_str_eq(json_str(v, "a"), "\xf0\x9f\x98\x80");
	json_decref(v);
}

Test(json_parse, escaped_nul_in_string_is_rejected)
{
	/* A NUL inside a string would silently truncate every C consumer. */
	assert_rejected("{\"a\":\"x\\u0000y\"}", 1, "invalid_json");
}

Test(json_parse, depth_limit_with_empty_containers)
{
	char *ok = nested(JSON_MAX_DEPTH, 0, NULL);
	char *deep = nested(JSON_MAX_DEPTH + 1, 0, NULL);
	json_decref(accepted(ok, 0));
	assert_rejected(deep, 0, "invalid_json");
	free(ok);
	free(deep);
}

Test(json_parse, depth_limit_counts_containers_not_scalars)
{
	/*
	 * JSON_MAX_DEPTH is the deepest nesting of arrays/objects accepted, so
	 * 32 nested arrays holding a number are within the limit, exactly as
	 * 32 empty ones are; 33 are not.
	 */
	char *ok = nested(JSON_MAX_DEPTH, 0, "1");
	char *deep = nested(JSON_MAX_DEPTH + 1, 0, "1");
	struct err e = {0};
	json_t *v = NULL;
	int rc = parse(ok, 0, &v, &e);
	cr_expect_eq(rc, 0, "%d nested arrays holding 1 refused: %s", JSON_MAX_DEPTH, e.msg);
	if (rc == 0)
		json_decref(v);
	assert_rejected(deep, 0, "invalid_json");
	free(ok);
	free(deep);
}

Test(json_parse, depth_limit_with_objects)
{
	/* JSON_MAX_DEPTH objects: the innermost holds {} so it is level 32. */
	char *ok = nested(JSON_MAX_DEPTH - 1, 1, NULL);
	char *deep = nested(JSON_MAX_DEPTH, 1, NULL);
	json_decref(accepted(ok, 1));
	assert_rejected(deep, 1, "invalid_json");
	free(ok);
	free(deep);
}

Test(json_parse, far_too_deep_is_rejected_without_crashing)
{
	char *deep = nested(100000, 0, NULL);
	assert_rejected(deep, 0, "invalid_json");
	free(deep);
}

Test(json_parse, non_object_when_object_wanted)
{
	static const char *const bodies[] = {"[]", "[1,2]", "1", "\"s\"", "true", "null"};
	for (size_t i = 0; i < ARRAY_LEN(bodies); i++) {
		assert_rejected(bodies[i], 1, "invalid_body");
		/* Any value is accepted when an object is not required. */
		json_decref(accepted(bodies[i], 0));
	}
}

Test(json_parse, integer_range)
{
	json_t *v = accepted("{\"max\":9223372036854775807,\"min\":-9223372036854775808}", 1);
	cr_assert_eq(json_integer_value(json_object_get(v, "max")), INT64_MAX);
	cr_assert_eq(json_integer_value(json_object_get(v, "min")), INT64_MIN);
	json_decref(v);
	assert_rejected("{\"n\":9223372036854775808}", 1, "invalid_json");
	assert_rejected("{\"n\":18446744073709551616}", 1, "invalid_json");
	assert_rejected("{\"n\":-9223372036854775809}", 1, "invalid_json");
	assert_rejected("[99999999999999999999999999999999]", 0, "invalid_json");
}

/* ---- json_check_fields -------------------------------------------------- */

static const struct json_field fields[] = {
    {"name", JF_STRING, 1, 5},       {"tags", JF_ARRAY, 0, 3}, {"count", JF_INT, 0, 0},
    {"score", JF_NUMBER, 0, 0},      {"flag", JF_BOOL, 0, 0},  {"meta", JF_OBJECT, 0, 0},
    {"when", JF_DATE_STRING, 0, 10},
};

/* Runs json_check_fields on BODY (an object). */
static int check(const char *body, struct err *e)
{
	json_t *v = accepted(body, 1);
	memset(e, 0, sizeof(*e));
	int rc = json_check_fields(v, fields, ARRAY_LEN(fields), e);
	json_decref(v);
	return rc;
}

/* Asserts BODY fails the checks with ID and a message mentioning NEEDLE. */
static void assert_field_error(const char *body, const char *id, const char *needle)
{
	struct err e;
	int rc = check(body, &e);
	cr_assert_eq(rc, ERR_INVALID, "body %s gave %d", body, rc);
	cr_assert_eq(e.code, ERR_INVALID);
	cr_assert_str_eq(e.id, id, "body %s: %s", body, e.msg);
	cr_assert(strstr(e.msg, needle), "body %s: message '%s' lacks '%s'", body, e.msg, needle);
}

Test(json_fields, all_valid)
{
	struct err e;
	cr_assert_eq(check("{\"name\":\"Ada\",\"tags\":[\"x\"],\"count\":3,\"score\":2.5,"
	                   "\"flag\":true,\"meta\":{\"k\":1},\"when\":\"2024-05-01\"}",
	                   &e),
	             0, "%s", e.msg);
	cr_assert_eq(check("{\"name\":\"Ada\"}", &e), 0, "only the required field: %s", e.msg);
	cr_assert_eq(check("{\"name\":\"Ada\",\"score\":7}", &e), 0, "an integer is a number: %s",
	             e.msg);
	cr_assert_eq(check("{\"name\":\"Ada\",\"flag\":false}", &e), 0, "%s", e.msg);
}

Test(json_fields, unknown_field)
{
	assert_field_error("{\"name\":\"Ada\",\"admin\":true}", "unknown_field", "'admin'");
	/* An unknown field is refused even when null. */
	assert_field_error("{\"name\":\"Ada\",\"admin\":null}", "unknown_field", "'admin'");
	/* Field names are case-sensitive. */
	assert_field_error("{\"Name\":\"Ada\"}", "unknown_field", "'Name'");
}

Test(json_fields, wrong_type_names_the_field)
{
	assert_field_error("{\"name\":42}", "invalid_field", "'name'");
	assert_field_error("{\"name\":\"a\",\"count\":\"3\"}", "invalid_field", "'count'");
	assert_field_error("{\"name\":\"a\",\"count\":3.5}", "invalid_field", "'count'");
	assert_field_error("{\"name\":\"a\",\"count\":true}", "invalid_field", "'count'");
	assert_field_error("{\"name\":\"a\",\"score\":\"1\"}", "invalid_field", "'score'");
	assert_field_error("{\"name\":\"a\",\"flag\":1}", "invalid_field", "'flag'");
	assert_field_error("{\"name\":\"a\",\"tags\":\"x\"}", "invalid_field", "'tags'");
	assert_field_error("{\"name\":\"a\",\"meta\":[]}", "invalid_field", "'meta'");
	assert_field_error("{\"name\":\"a\",\"when\":20240501}", "invalid_field", "'when'");
	/* The expected type is named too. */
	assert_field_error("{\"name\":\"a\",\"count\":\"3\"}", "invalid_field", "an integer");
	assert_field_error("{\"name\":\"a\",\"flag\":1}", "invalid_field", "a boolean");
}

Test(json_fields, string_max_is_in_bytes)
{
	struct err e;
	cr_assert_eq(check("{\"name\":\"abcde\"}", &e), 0, "exactly max bytes: %s", e.msg);
	assert_field_error("{\"name\":\"abcdef\"}", "invalid_field", "'name'");
	/* "é" is two bytes: two of them fit in 5, three do not. */
	cr_assert_eq(check("{\"name\":\"\xc3\xa9\xc3\xa9\"}", &e), 0, "%s", e.msg);
	assert_field_error("{\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\"}", "invalid_field", "'name'");
	/* The date string has its own limit. */
	cr_assert_eq(check("{\"name\":\"a\",\"when\":\"2024-05-01\"}", &e), 0, "%s", e.msg);
	assert_field_error("{\"name\":\"a\",\"when\":\"2024-05-01T\"}", "invalid_field", "'when'");
}

Test(json_fields, array_max_items)
{
	struct err e;
	cr_assert_eq(check("{\"name\":\"a\",\"tags\":[]}", &e), 0, "%s", e.msg);
	cr_assert_eq(check("{\"name\":\"a\",\"tags\":[1,2,3]}", &e), 0, "exactly max: %s", e.msg);
	assert_field_error("{\"name\":\"a\",\"tags\":[1,2,3,4]}", "invalid_field", "'tags'");
}

Test(json_fields, missing_required)
{
	assert_field_error("{}", "missing_field", "'name'");
	assert_field_error("{\"count\":1}", "missing_field", "'name'");
}

Test(json_fields, null_counts_as_absent)
{
	struct err e;
	/* A null required field is missing ... */
	assert_field_error("{\"name\":null}", "missing_field", "'name'");
	/* ... and a null optional field passes whatever its declared type. */
	cr_assert_eq(check("{\"name\":\"a\",\"count\":null,\"tags\":null,\"meta\":null}", &e), 0,
	             "%s", e.msg);
}

Test(json_fields, error_message_is_valid_utf8)
{
	/*
	 * The message becomes the JSON error body, so shortening a long field
	 * name must not cut a multibyte character in half.
	 */
	struct buf b;
	buf_init(&b, 4096);
	buf_puts(&b, "{\"name\":\"a\",\"");
	for (int i = 0; i < 63; i++)
		buf_puts(&b, "x");
	buf_puts(&b, "\xc3\xa9\":1}");
	struct err e;
	cr_assert_eq(check(b.data, &e), ERR_INVALID);
	cr_assert_str_eq(e.id, "unknown_field");
	cr_expect(utf8_valid(e.msg, strlen(e.msg)), "message is not valid UTF-8: '%s'", e.msg);
	buf_release(&b);
}

Test(json_fields, accessors_treat_null_as_absent)
{
	json_t *v = accepted("{\"s\":\"x\",\"n\":null,\"i\":1}", 1);
	cr_assert_str_eq(json_str(v, "s"), "x");
	cr_assert_null(json_str(v, "n"));
	cr_assert_null(json_str(v, "missing"));
	cr_assert_null(json_str(v, "i"), "json_str of a non-string is NULL");
	cr_assert(json_has(v, "s"));
	cr_assert(json_has(v, "i"));
	cr_assert_not(json_has(v, "n"));
	cr_assert_not(json_has(v, "missing"));
	json_decref(v);
}

/* ---- json_escape_buf ---------------------------------------------------- */

/* Escapes S into a fresh buffer of MAX bytes and returns the text. */
static char *escape(const char *s, size_t max, int *rc)
{
	struct buf b;
	buf_init(&b, max);
	*rc = json_escape_buf(&b, s);
	return buf_detach(&b);
}

static void assert_escapes(const char *in, const char *want)
{
	int rc;
	char *out = escape(in, 4096, &rc);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(out, want);
	free(out);
}

Test(json_escape, plain_and_empty)
{
	assert_escapes("", "\"\"");
	assert_escapes("hello world", "\"hello world\"");
}

Test(json_escape, quotes_and_backslash)
{
	assert_escapes("say \"hi\"", "\"say \\\"hi\\\"\"");
	assert_escapes("C:\\dir\\", "\"C:\\\\dir\\\\\"");
	assert_escapes("\"\\\"", "\"\\\"\\\\\\\"\"");
	/* '/' needs no escaping. */
	assert_escapes("a/b", "\"a/b\"");
}

Test(json_escape, control_characters)
{
	assert_escapes("\n\r\t", "\"\\n\\r\\t\"");
	assert_escapes("\x01", "\"\\u0001\"");
	assert_escapes("a\x1f"
	               "b",
	               "\"a\\u001fb\"");
	assert_escapes("\b\f", "\"\\u0008\\u000c\"");
	assert_escapes("\x1b[31m", "\"\\u001b[31m\"");
	/* DEL is not a control character for JSON. */
	assert_escapes("\x7f", "\"\x7f\"");
}

Test(json_escape, utf8_passes_through)
{
	assert_escapes("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80",
	               "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

Test(json_escape, every_ascii_byte_round_trips_through_jansson)
{
	char in[128];
	for (int i = 1; i < 128; i++)
		in[i - 1] = (char)i;
	in[127] = '\0';
	int rc;
	char *out = escape(in, 4096, &rc);
	cr_assert_eq(rc, 0);
	json_error_t je;
	json_t *v = json_loads(out, JSON_DECODE_ANY, &je);
	cr_assert_not_null(v, "escaped text is not JSON: %s (%s)", je.text, out);
	cr_assert(json_is_string(v));
	cr_assert_str_eq(json_string_value(v), in);
	json_decref(v);
	free(out);
}

Test(json_escape, full_buffer_returns_minus_one)
{
	int rc;
	char *out;
	/* "ab" needs four bytes with its quotes. */
	out = escape("ab", 4, &rc);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(out, "\"ab\"");
	free(out);
	out = escape("ab", 3, &rc);
	cr_assert_eq(rc, -1);
	free(out);
	/* The closing quote does not fit. */
	out = escape("abc", 4, &rc);
	cr_assert_eq(rc, -1);
	free(out);
	/* An escape sequence that does not fit: "\u0001" quoted is 8 bytes. */
	out = escape("\x01", 8, &rc);
	cr_assert_eq(rc, 0);
	free(out);
	out = escape("\x01", 7, &rc);
	cr_assert_eq(rc, -1);
	free(out);
	/* Nothing fits in an empty buffer. */
	out = escape("", 1, &rc);
	cr_assert_eq(rc, -1);
	free(out);
}

Test(json_escape, appends_after_existing_content)
{
	struct buf b;
	buf_init(&b, 64);
	buf_puts(&b, "{\"k\":");
	cr_assert_eq(json_escape_buf(&b, "v\n"), 0);
	buf_puts(&b, "}");
	cr_assert_str_eq(b.data, "{\"k\":\"v\\n\"}");
	buf_release(&b);
}

/* ---- json_split_csv / json_dump_compact ---------------------------------- */

/* Asserts that ARR is a JSON array of exactly the N strings WANT. */
static void assert_strings(json_t *arr, const char *const *want, size_t n)
{
	cr_assert(json_is_array(arr));
	cr_assert_eq(json_array_size(arr), n, "size %zu, want %zu", json_array_size(arr), n);
	for (size_t i = 0; i < n; i++) {
		json_t *x = json_array_get(arr, i);
		cr_assert(json_is_string(x));
		cr_assert_str_eq(json_string_value(x), want[i]);
	}
}

Test(json_csv, splits_and_drops_empties)
{
	static const char *const abc[] = {"a", "b", "c"};
	json_t *v = json_split_csv("a,b,c");
	assert_strings(v, abc, 3);
	json_decref(v);
	v = json_split_csv(",a,,b,c,");
	assert_strings(v, abc, 3);
	json_decref(v);
	static const char *const one[] = {"google"};
	v = json_split_csv("google");
	assert_strings(v, one, 1);
	json_decref(v);
	static const char *const multi[] = {"two-sum", "h\xc3\xa9"};
	v = json_split_csv("two-sum,h\xc3\xa9");
	assert_strings(v, multi, 2);
	json_decref(v);
}

Test(json_csv, empty_inputs_give_empty_array)
{
	json_t *v = json_split_csv(NULL);
	assert_strings(v, NULL, 0);
	json_decref(v);
	v = json_split_csv("");
	assert_strings(v, NULL, 0);
	json_decref(v);
	v = json_split_csv(",,,");
	assert_strings(v, NULL, 0);
	json_decref(v);
}

Test(json_dump, compact)
{
	json_t *v = json_pack("{s:[i,i]}", "a", 1, 2);
	char *s = json_dump_compact(v);
	cr_assert_str_eq(s, "{\"a\":[1,2]}");
	free(s);
	json_decref(v);
	json_t *str = json_string("x");
	s = json_dump_compact(str);
	cr_assert_str_eq(s, "\"x\"", "scalars are encoded too");
	free(s);
	json_decref(str);
}
