/*
 * schema.h: the JSON Schema subset that MCP tool inputs are checked with.
 * Keywords: type (one or a list), enum, const, minimum, maximum, minLength,
 * maxLength (code points), pattern (POSIX extended regular expressions),
 * format (date, date-time), properties, required, additionalProperties
 * (false or a schema), items, minItems, maxItems, uniqueItems; description,
 * title and default are annotations. Anything else is refused when the
 * tool table loads, so a schema never silently checks less than it says.
 */
#ifndef MAANG_MCP_SCHEMA_H
#define MAANG_MCP_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

#include "core/util.h"

#define SCHEMA_DEPTH_MAX 16 /* nesting of schemas checked */

/*
 * Checks that SCHEMA only uses the keywords above, with values of the
 * right types, and that its patterns compile. ERR_INVALID naming the
 * place otherwise.
 */
int schema_check(json_t *schema, struct err *e);

/*
 * Validates V against SCHEMA. Returns 0 when V conforms; otherwise the
 * number of problems found, the first few described in OUT (SIZE bytes) as
 * "/path: problem" joined by "; ".
 */
int schema_validate(json_t *schema, json_t *v, char *out, size_t size);

#endif
