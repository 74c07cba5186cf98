/*
 * json.h: helpers on top of jansson: parsing request bodies with limits,
 * declarative field checks that name the offending field, and escaping.
 */
#ifndef MAANG_JSON_H
#define MAANG_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/util.h"

/* Deepest nesting of arrays/objects accepted in a request body. */
#define JSON_MAX_DEPTH 32

enum json_type_want {
	JF_STRING,
	JF_INT,    /* a JSON integer */
	JF_NUMBER, /* integer or real */
	JF_BOOL,
	JF_ARRAY,
	JF_OBJECT,
	JF_DATE_STRING /* a string parsed later as a date or timestamp */
};

/* One allowed field of a request object. */
struct json_field {
	const char *name;
	enum json_type_want type;
	int required;
	size_t max; /* strings: max bytes; arrays: max items; 0 = no extra limit */
};

/*
 * Parses a request body: must be one JSON value (an object if WANT_OBJECT),
 * valid UTF-8, no duplicate keys, nesting at most JSON_MAX_DEPTH. On success
 * *OUT holds a new reference the caller owns. Errors: ERR_BAD_REQUEST
 * ("invalid_json" or "invalid_body").
 */
int json_parse_body(const char *data, size_t len, int want_object, json_t **out, struct err *e);

/*
 * Checks OBJ against FIELDS: unknown keys, wrong types, over-long strings
 * and missing required fields give ERR_INVALID naming the field. A JSON
 * null counts as absent.
 */
int json_check_fields(json_t *obj, const struct json_field *fields, size_t n, struct err *e);

/* Accessors that treat null and absent alike. */
const char *json_str(json_t *obj, const char *key); /* NULL if absent */
int json_has(json_t *obj, const char *key);         /* present and not null */

/* Appends S as a quoted JSON string. Returns 0, or -1 if B is full. */
int json_escape_buf(struct buf *b, const char *s);

/* Serialises V compactly into a new string the caller frees. */
char *json_dump_compact(const json_t *v);

/* Builds a JSON array of strings from a comma-separated list (no empties). */
json_t *json_split_csv(const char *s);

#endif
