/*
 * test_schema.c: the JSON Schema subset of MCP tool inputs: each keyword
 * at its boundary, problem paths as JSON Pointers, the report's length
 * bound, and the load-time check that refuses what the validator would
 * silently ignore. Also checks that the embedded tool table loads.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "mcp/mcp.h"
#include "mcp/schema.h"

static json_t *js(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
	cr_assert(v, "bad test JSON '%s': %s", text, je.text);
	return v;
}

/* Validates VALUE against SCHEMA; returns the problem count, the report in OUT. */
static int check(const char *schema, const char *value, char *out, size_t size)
{
	json_t *s = js(schema), *v = js(value);
	int n = schema_validate(s, v, out, size);
	json_decref(s);
	json_decref(v);
	return n;
}

static void valid(const char *schema, const char *value)
{
	char out[512];
	cr_assert_eq(check(schema, value, out, sizeof(out)), 0, "%s against %s: %s", value, schema,
	             out);
}

static void invalid(const char *schema, const char *value, const char *expect)
{
	char out[512];
	cr_assert_gt(check(schema, value, out, sizeof(out)), 0, "%s against %s", value, schema);
	cr_assert(strstr(out, expect), "report '%s' lacks '%s'", out, expect);
}

Test(schema, types)
{
	valid("{\"type\":\"integer\"}", "5");
	valid("{\"type\":\"integer\"}", "5.0");
	invalid("{\"type\":\"integer\"}", "5.5", "must be integer");
	invalid("{\"type\":\"string\"}", "5", "must be string, not integer");
	valid("{\"type\":\"number\"}", "5.5");
	valid("{\"type\":[\"string\",\"null\"]}", "null");
	invalid("{\"type\":[\"string\",\"null\"]}", "true", "wrong type boolean");
	valid("{\"type\":\"boolean\"}", "false");
	invalid("{\"type\":\"object\"}", "[]", "must be object");
}

Test(schema, numbers_at_their_bounds)
{
	const char *s = "{\"type\":\"integer\",\"minimum\":1,\"maximum\":500}";
	valid(s, "1");
	valid(s, "500");
	invalid(s, "0", "at least 1");
	invalid(s, "501", "at most 500");
}

Test(schema, strings_count_code_points)
{
	const char *s = "{\"type\":\"string\",\"minLength\":1,\"maxLength\":3}";
	valid(s, "\"abc\"");
	valid(s, "\"\u00e9\u00e9\u00e9\""); /* six bytes, three characters */
	invalid(s, "\"abcd\"", "at most 3 characters");
	invalid(s, "\"\"", "at least 1 characters");
}

Test(schema, pattern_enum_const_format)
{
	valid("{\"type\":\"string\",\"pattern\":\"^[a-z0-9-]+$\"}", "\"two-sum\"");
	invalid("{\"type\":\"string\",\"pattern\":\"^[a-z0-9-]+$\"}", "\"Two/Sum\"", "must match");
	valid("{\"enum\":[\"easy\",\"medium\",\"hard\"]}", "\"hard\"");
	invalid("{\"enum\":[\"easy\",\"medium\",\"hard\"]}", "\"trivial\"",
	        "one of \"easy\", \"medium\" or \"hard\"");
	invalid("{\"const\":\"x\"}", "\"y\"", "must be x");
	valid("{\"type\":\"string\",\"format\":\"date\"}", "\"2024-02-29\"");
	invalid("{\"type\":\"string\",\"format\":\"date\"}", "\"2023-02-29\"", "must be a date");
	valid("{\"type\":\"string\",\"format\":\"date-time\"}", "\"2025-03-01T09:30:00Z\"");
	invalid("{\"type\":\"string\",\"format\":\"date-time\"}", "\"yesterday\"", "ISO 8601");
}

Test(schema, objects_name_the_argument)
{
	const char *s = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},"
	                "\"b/c\":{\"type\":\"string\"}},\"required\":[\"a\"],"
	                "\"additionalProperties\":false}";
	valid(s, "{\"a\":1}");
	invalid(s, "{}", "/a: is required");
	invalid(s, "{\"a\":1,\"z\":2}", "/z: is not a known argument");
	invalid(s, "{\"a\":\"x\"}", "/a: must be integer");
	invalid(s, "{\"a\":1,\"b/c\":1}", "/b~1c: must be string");
	valid("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}", "{\"q\":1}");
	invalid("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}",
	        "{\"q\":\"x\"}", "/q: must be integer");
}

Test(schema, arrays)
{
	const char *s = "{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1,"
	                "\"maxItems\":2,\"uniqueItems\":true}";
	valid(s, "[\"a\",\"b\"]");
	invalid(s, "[]", "at least 1 items");
	invalid(s, "[\"a\",\"b\",\"c\"]", "at most 2 items");
	invalid(s, "[\"a\",\"a\"]", "must not repeat items (0 and 1)");
	invalid(s, "[\"a\",3]", "/1: must be string");
}

Test(schema, report_is_bounded_and_counts_everything)
{
	const char *s = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{"
	                "\"type\":\"integer\"},\"c\":{\"type\":\"integer\"},\"d\":{\"type\":"
	                "\"integer\"},\"e\":{\"type\":\"integer\"},\"f\":{\"type\":\"integer\"}}}";
	char out[512];
	int n =
	    check(s, "{\"a\":\"x\",\"b\":\"x\",\"c\":\"x\",\"d\":\"x\",\"e\":\"x\",\"f\":\"x\"}",
	          out, sizeof(out));
	cr_assert_eq(n, 6);
	cr_assert(strstr(out, "and 2 more"), "%s", out);
	char tiny[16];
	n = check(s, "{\"a\":\"x\"}", tiny, sizeof(tiny));
	cr_assert_eq(n, 1);
	cr_assert_lt(strlen(tiny), sizeof(tiny));
}

Test(schema, deep_values_stop_at_the_depth_limit)
{
	/* A self-similar schema and a value nested deeper than SCHEMA_DEPTH_MAX. */
	char schema[8192] = "", value[8192] = "";
	for (int i = 0; i < SCHEMA_DEPTH_MAX + 4; i++) {
		strcat(schema, "{\"type\":\"array\",\"items\":");
		strcat(value, "[");
	}
	strcat(schema, "{}");
	strcat(value, "1");
	for (int i = 0; i < SCHEMA_DEPTH_MAX + 4; i++) {
		strcat(schema, "}");
		strcat(value, "]");
	}
	invalid(schema, value, "nested too deeply");
}

Test(schema, check_refuses_unsupported_keywords)
{
	struct err e = {0};
	json_t *s = js("{\"type\":\"object\",\"properties\":{\"a\":{\"oneOf\":[]}}}");
	cr_assert_neq(schema_check(s, &e), 0);
	cr_assert(strstr(e.msg, "oneOf"), "%s", e.msg);
	json_decref(s);
	s = js("{\"type\":\"string\",\"pattern\":\"([a-z\"}");
	cr_assert_neq(schema_check(s, &e), 0);
	cr_assert(strstr(e.msg, "does not compile"), "%s", e.msg);
	json_decref(s);
	s = js("{\"type\":\"strin\"}");
	cr_assert_neq(schema_check(s, &e), 0);
	json_decref(s);
	s = js("{\"type\":\"string\",\"format\":\"email\"}");
	cr_assert_neq(schema_check(s, &e), 0);
	json_decref(s);
	s = js("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"maxLength\":3,"
	       "\"description\":\"x\"}},\"required\":[\"a\"],\"additionalProperties\":false}");
	cr_assert_eq(schema_check(s, &e), 0, "%s", e.msg);
	json_decref(s);
}

Test(schema, the_embedded_tool_table_loads)
{
	struct err e = {0};
	cr_assert_eq(mcp_init(&e), 0, "%s", e.msg);
	mcp_release();
}
