/*
 * schema.c: a small JSON Schema validator for tool arguments (see
 * schema.h). Written here because Debian has no maintained C library for
 * it, and tool schemas use a dozen keywords.
 */
#include "mcp/schema.h"

#include <math.h>
#include <stdarg.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/timeutil.h"

#define PROBLEMS_SHOWN 4

struct report {
	char *out;
	size_t size;
	int n;
};

static void problem(struct report *r, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(struct report *r, const char *path, const char *fmt, ...)
{
	r->n++;
	if (r->n > PROBLEMS_SHOWN || !r->size)
		return;
	size_t used = strlen(r->out);
	if (used + 1 >= r->size)
		return;
	int w = snprintf(r->out + used, r->size - used, "%s%s: ", r->n > 1 ? "; " : "",
	                 *path ? path : "/");
	if (w < 0 || (size_t)w >= r->size - used)
		return;
	used += (size_t)w;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->out + used, r->size - used, fmt, ap);
	va_end(ap);
}

static const char *const type_names[] = {"object", "array",   "string", "integer",
                                         "number", "boolean", "null"};

static int is_type(json_t *v, const char *t)
{
	if (!strcmp(t, "object"))
		return json_is_object(v);
	if (!strcmp(t, "array"))
		return json_is_array(v);
	if (!strcmp(t, "string"))
		return json_is_string(v);
	if (!strcmp(t, "integer"))
		return json_is_integer(v) ||
		       (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v) &&
		        fabs(json_real_value(v)) < 9007199254740992.0);
	if (!strcmp(t, "number"))
		return json_is_number(v);
	if (!strcmp(t, "boolean"))
		return json_is_boolean(v);
	if (!strcmp(t, "null"))
		return json_is_null(v);
	return 0;
}

static const char *type_of(json_t *v)
{
	for (size_t i = 0; i < ARRAY_LEN(type_names); i++)
		if (is_type(v, type_names[i]))
			return type_names[i];
	return "?";
}

static size_t code_points(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

static int pattern_matches(const char *pattern, const char *s, int *bad)
{
	regex_t re;
	*bad = 0;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB)) {
		*bad = 1;
		return 0;
	}
	int ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static void child_path(char *out, size_t size, const char *path, const char *key)
{
	struct buf b;
	buf_init(&b, size);
	buf_puts(&b, path);
	buf_puts(&b, "/");
	/* JSON Pointer escapes. */
	for (const char *p = key; *p; p++) {
		if (*p == '~')
			buf_puts(&b, "~0");
		else if (*p == '/')
			buf_puts(&b, "~1");
		else
			buf_append(&b, p, 1);
	}
	str_copy(out, size, b.data ? b.data : "");
	buf_release(&b);
}

static void check_value(json_t *s, json_t *v, const char *path, int depth, struct report *r);

static void check_type(json_t *s, json_t *v, const char *path, struct report *r, int *ok)
{
	json_t *t = json_object_get(s, "type");
	*ok = 1;
	if (!t)
		return;
	if (json_is_string(t)) {
		*ok = is_type(v, json_string_value(t));
		if (!*ok)
			problem(r, path, "must be %s, not %s", json_string_value(t), type_of(v));
		return;
	}
	size_t i;
	json_t *x;
	json_array_foreach(t, i, x) if (is_type(v, json_string_value(x))) return;
	*ok = 0;
	problem(r, path, "has the wrong type %s", type_of(v));
}

static void check_string(json_t *s, json_t *v, const char *path, struct report *r)
{
	const char *str = json_string_value(v);
	size_t n = code_points(str, json_string_length(v));
	json_t *x;
	if ((x = json_object_get(s, "minLength")) && (json_int_t)n < json_integer_value(x))
		problem(r, path, "must be at least %lld characters long",
		        (long long)json_integer_value(x));
	if ((x = json_object_get(s, "maxLength")) && (json_int_t)n > json_integer_value(x))
		problem(r, path, "must be at most %lld characters long",
		        (long long)json_integer_value(x));
	if ((x = json_object_get(s, "pattern"))) {
		int bad;
		if (!pattern_matches(json_string_value(x), str, &bad))
			problem(r, path, "must match %s", json_string_value(x));
	}
	const char *format = json_string_value(json_object_get(s, "format"));
	int64_t t;
	if (format && !strcmp(format, "date") && day_parse(str, &t))
		problem(r, path, "must be a date such as 2025-03-01");
	if (format && !strcmp(format, "date-time") && time_parse_iso8601(str, &t))
		problem(r, path, "must be an ISO 8601 time such as 2025-03-01T09:30:00Z");
}

static void check_number(json_t *s, json_t *v, const char *path, struct report *r)
{
	double d = json_number_value(v);
	json_t *x;
	if ((x = json_object_get(s, "minimum")) && d < json_number_value(x))
		problem(r, path, "must be at least %g", json_number_value(x));
	if ((x = json_object_get(s, "maximum")) && d > json_number_value(x))
		problem(r, path, "must be at most %g", json_number_value(x));
}

static void check_object(json_t *s, json_t *v, const char *path, int depth, struct report *r)
{
	json_t *props = json_object_get(s, "properties"),
	       *extra = json_object_get(s, "additionalProperties");
	json_t *req = json_object_get(s, "required"), *x;
	char sub[512];
	size_t i;
	json_array_foreach(req, i, x)
	{
		const char *name = json_string_value(x);
		if (!json_object_get(v, name)) {
			child_path(sub, sizeof(sub), path, name);
			problem(r, sub, "is required");
		}
	}
	const char *key;
	json_t *val;
	json_object_foreach(v, key, val)
	{
		child_path(sub, sizeof(sub), path, key);
		json_t *ps = json_object_get(props, key);
		if (ps)
			check_value(ps, val, sub, depth + 1, r);
		else if (json_is_false(extra))
			problem(r, sub, "is not a known argument");
		else if (json_is_object(extra))
			check_value(extra, val, sub, depth + 1, r);
	}
}

static void check_array(json_t *s, json_t *v, const char *path, int depth, struct report *r)
{
	json_t *x;
	size_t n = json_array_size(v), i;
	if ((x = json_object_get(s, "minItems")) && (json_int_t)n < json_integer_value(x))
		problem(r, path, "must have at least %lld items", (long long)json_integer_value(x));
	if ((x = json_object_get(s, "maxItems")) && (json_int_t)n > json_integer_value(x))
		problem(r, path, "must have at most %lld items", (long long)json_integer_value(x));
	if (json_is_true(json_object_get(s, "uniqueItems")))
		for (i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (json_equal(json_array_get(v, i), json_array_get(v, j))) {
					problem(r, path, "must not repeat items (%zu and %zu)", i,
					        j);
					i = n;
					break;
				}
	json_t *items = json_object_get(s, "items");
	if (!items)
		return;
	char sub[512];
	json_array_foreach(v, i, x)
	{
		char idx[24];
		snprintf(idx, sizeof(idx), "%zu", i);
		child_path(sub, sizeof(sub), path, idx);
		check_value(items, x, sub, depth + 1, r);
	}
}

static void check_value(json_t *s, json_t *v, const char *path, int depth, struct report *r)
{
	int ok;
	if (depth > SCHEMA_DEPTH_MAX) {
		problem(r, path, "is nested too deeply");
		return;
	}
	check_type(s, v, path, r, &ok);
	if (!ok)
		return;
	json_t *x;
	if ((x = json_object_get(s, "const")) && !json_equal(x, v))
		problem(r, path, "must be %s",
		        json_is_string(x) ? json_string_value(x) : "the constant");
	if ((x = json_object_get(s, "enum"))) {
		size_t i, n = json_array_size(x);
		json_t *y;
		int found = 0;
		json_array_foreach(x, i, y) found |= json_equal(y, v);
		if (!found) {
			struct buf b;
			buf_init(&b, 1024);
			json_array_foreach(x, i, y)
			{
				char *t = json_dumps(y, JSON_ENCODE_ANY);
				buf_printf(&b, "%s%s", i ? (i + 1 == n ? " or " : ", ") : "", t);
				free(t);
			}
			problem(r, path, "must be one of %s", b.data ? b.data : "");
			buf_release(&b);
		}
	}
	if (json_is_string(v))
		check_string(s, v, path, r);
	else if (json_is_number(v))
		check_number(s, v, path, r);
	else if (json_is_object(v))
		check_object(s, v, path, depth, r);
	else if (json_is_array(v))
		check_array(s, v, path, depth, r);
}

int schema_validate(json_t *schema, json_t *v, char *out, size_t size)
{
	struct report r = {out, size, 0};
	if (size)
		out[0] = '\0';
	check_value(schema, v, "", 0, &r);
	if (r.n > PROBLEMS_SHOWN && size) {
		size_t used = strlen(out);
		snprintf(out + used, size - used, "; and %d more", r.n - PROBLEMS_SHOWN);
	}
	return r.n;
}

/* Keyword -> the JSON type its value must have ('s'chema, 'a'rray, ...). */
static const struct {
	const char *name;
	char
	    kind; /* t type, s string, i non-negative integer, n number, o object of schemas,
	             a array of strings, S schema, B boolean or schema, b boolean, e array, v any */
} keywords[] = {
    {"type", 't'},        {"enum", 'e'},       {"const", 'v'},     {"minimum", 'n'},
    {"maximum", 'n'},     {"minLength", 'i'},  {"maxLength", 'i'}, {"pattern", 's'},
    {"format", 's'},      {"properties", 'o'}, {"required", 'a'},  {"additionalProperties", 'B'},
    {"items", 'S'},       {"minItems", 'i'},   {"maxItems", 'i'},  {"uniqueItems", 'b'},
    {"description", 's'}, {"title", 's'},      {"default", 'v'},
};

static int known_type(json_t *t)
{
	if (!json_is_string(t))
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(type_names); i++)
		if (!strcmp(json_string_value(t), type_names[i]))
			return 1;
	return 0;
}

static int check_schema(json_t *s, const char *path, int depth, struct err *e)
{
	if (!json_is_object(s))
		return err_set(e, ERR_INVALID, "invalid_schema", "%s: a schema must be an object",
		               path);
	if (depth > SCHEMA_DEPTH_MAX)
		return err_set(e, ERR_INVALID, "invalid_schema", "%s: nested too deeply", path);
	const char *key;
	json_t *v;
	char sub[512];
	json_object_foreach(s, key, v)
	{
		char kind = 0;
		for (size_t i = 0; i < ARRAY_LEN(keywords); i++)
			if (!strcmp(keywords[i].name, key))
				kind = keywords[i].kind;
		int ok = 1;
		size_t i;
		json_t *x;
		switch (kind) {
		case 0:
			return err_set(e, ERR_INVALID, "invalid_schema",
			               "%s: unsupported keyword '%s'", path, key);
		case 't':
			if (json_is_array(v)) {
				json_array_foreach(v, i, x) ok &= known_type(x);
				ok &= json_array_size(v) > 0;
			} else {
				ok = known_type(v);
			}
			break;
		case 's':
			ok = json_is_string(v);
			break;
		case 'i':
			ok = json_is_integer(v) && json_integer_value(v) >= 0;
			break;
		case 'n':
			ok = json_is_number(v);
			break;
		case 'b':
			ok = json_is_boolean(v);
			break;
		case 'e':
			ok = json_is_array(v) && json_array_size(v) > 0;
			break;
		case 'a':
			ok = json_is_array(v);
			json_array_foreach(v, i, x) ok &= json_is_string(x);
			break;
		case 'v':
			break;
		case 'o':
			if (!json_is_object(v)) {
				ok = 0;
				break;
			}
			const char *pk;
			json_object_foreach(v, pk, x)
			{
				child_path(sub, sizeof(sub), path, pk);
				if (check_schema(x, sub, depth + 1, e))
					return e->code;
			}
			break;
		case 'B':
			if (json_is_boolean(v))
				break;
			/* fall through */
		case 'S':
			child_path(sub, sizeof(sub), path, key);
			if (check_schema(v, sub, depth + 1, e))
				return e->code;
			break;
		}
		if (!ok)
			return err_set(e, ERR_INVALID, "invalid_schema", "%s: bad value for '%s'",
			               path, key);
		if (!strcmp(key, "pattern")) {
			int bad;
			pattern_matches(json_string_value(v), "", &bad);
			if (bad)
				return err_set(e, ERR_INVALID, "invalid_schema",
				               "%s: pattern '%s' does not compile", path,
				               json_string_value(v));
		}
		if (!strcmp(key, "format") && strcmp(json_string_value(v), "date") &&
		    strcmp(json_string_value(v), "date-time"))
			return err_set(e, ERR_INVALID, "invalid_schema",
			               "%s: unsupported format '%s'", path, json_string_value(v));
	}
	return 0;
}

int schema_check(json_t *schema, struct err *e)
{
	return check_schema(schema, "#", 0, e);
}
