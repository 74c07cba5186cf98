/*
 * json.c: request parsing and field validation on jansson.
 */
#include "core/json.h"

#include <stdio.h>
#include <string.h>

/* Containers may nest JSON_MAX_DEPTH deep; scalars inside them add no level. */
static int depth_ok(json_t *v, int depth)
{
	if (!json_is_object(v) && !json_is_array(v))
		return 1;
	if (depth > JSON_MAX_DEPTH)
		return 0;
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x)
		{
			if (!depth_ok(x, depth + 1))
				return 0;
		}
	} else {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			if (!depth_ok(x, depth + 1))
				return 0;
		}
	}
	return 1;
}

int json_parse_body(const char *data, size_t len, int want_object, json_t **out, struct err *e)
{
	json_error_t je;
	if (!data || len == 0)
		return err_set(e, ERR_BAD_REQUEST, "invalid_json", "request body is empty");
	json_t *v = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!v)
		return err_set(e, ERR_BAD_REQUEST, "invalid_json", "malformed JSON at line %d: %s",
		               je.line, je.text);
	if (!depth_ok(v, 1)) {
		json_decref(v);
		return err_set(e, ERR_BAD_REQUEST, "invalid_json", "JSON nested deeper than %d",
		               JSON_MAX_DEPTH);
	}
	if (want_object && !json_is_object(v)) {
		json_decref(v);
		return err_set(e, ERR_BAD_REQUEST, "invalid_body",
		               "request body must be a JSON object");
	}
	*out = v;
	return 0;
}

static const char *type_name(enum json_type_want t)
{
	switch (t) {
	case JF_STRING:
		return "a string";
	case JF_DATE_STRING:
		return "a date string";
	case JF_INT:
		return "an integer";
	case JF_NUMBER:
		return "a number";
	case JF_BOOL:
		return "a boolean";
	case JF_ARRAY:
		return "an array";
	case JF_OBJECT:
		return "an object";
	}
	return "?";
}

static int type_ok(json_t *v, enum json_type_want t)
{
	switch (t) {
	case JF_STRING:
	case JF_DATE_STRING:
		return json_is_string(v);
	case JF_INT:
		return json_is_integer(v);
	case JF_NUMBER:
		return json_is_number(v);
	case JF_BOOL:
		return json_is_boolean(v);
	case JF_ARRAY:
		return json_is_array(v);
	case JF_OBJECT:
		return json_is_object(v);
	}
	return 0;
}

int json_check_fields(json_t *obj, const struct json_field *fields, size_t n, struct err *e)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(fields[i].name, key) == 0)
				break;
		if (i == n)
			return err_set(e, ERR_INVALID, "unknown_field", "unknown field '%.64s'",
			               key);
		if (json_is_null(v))
			continue;
		if (!type_ok(v, fields[i].type))
			return err_set(e, ERR_INVALID, "invalid_field", "field '%s' must be %s",
			               key, type_name(fields[i].type));
		if (fields[i].max && json_is_string(v) && json_string_length(v) > fields[i].max)
			return err_set(e, ERR_INVALID, "invalid_field",
			               "field '%s' is longer than %zu bytes", key, fields[i].max);
		if (fields[i].max && json_is_array(v) && json_array_size(v) > fields[i].max)
			return err_set(e, ERR_INVALID, "invalid_field",
			               "field '%s' has more than %zu items", key, fields[i].max);
	}
	for (size_t i = 0; i < n; i++)
		if (fields[i].required && !json_has(obj, fields[i].name))
			return err_set(e, ERR_INVALID, "missing_field", "field '%s' is required",
			               fields[i].name);
	return 0;
}

const char *json_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

int json_has(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return v && !json_is_null(v);
}

int json_escape_buf(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (buf_append(b, "\"", 1))
		return -1;
	const char *run = s;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (buf_append(b, run, (size_t)(s - run)))
			return -1;
		char esc[7] = {'\\', 0};
		size_t n = 2;
		switch (c) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		if (buf_append(b, esc, n))
			return -1;
		run = s + 1;
	}
	if (buf_append(b, run, (size_t)(s - run)))
		return -1;
	return buf_append(b, "\"", 1);
}

char *json_dump_compact(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
	if (!s)
		return xstrdup("null");
	return s;
}

json_t *json_split_csv(const char *s)
{
	json_t *arr = json_array();
	if (!s)
		return arr;
	const char *p = s;
	while (*p) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		if (n)
			json_array_append_new(arr, json_stringn(p, n));
		if (!c)
			break;
		p = c + 1;
	}
	return arr;
}
