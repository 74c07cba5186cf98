/*
 * complete.c: completion/complete: values for prompt arguments and
 * resource template variables, so a client can offer them as the user
 * types (topic and company slugs, interview types, problem slugs). A value
 * matches when it starts with what was typed, or, failing that, contains it.
 */
#define _GNU_SOURCE
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "mcp/mcp.h"

#define COMPLETE_MAX 100 /* values per answer, the protocol's limit */

enum source { TOPICS, COMPANIES, TYPES, PROBLEMS };

static const struct {
	const char *ref;  /* "ref/prompt" or "ref/resource" */
	const char *name; /* prompt name or URI template */
	const char *arg;
	enum source source;
} table[] = {
    {"ref/prompt", "mock_interview", "company", COMPANIES},
    {"ref/prompt", "mock_interview", "type", TYPES},
    {"ref/prompt", "explain_pattern", "topic", TOPICS},
    {"ref/resource", "topic://{slug}", "slug", TOPICS},
    {"ref/resource", "problem://{slug}", "slug", PROBLEMS},
};

static const char *const types[] = {"coding", "system_design", "behavioral"};

/* The Ith value of SOURCE, or NULL past the end. */
static const char *value_at(const struct catalog *c, enum source s, int i)
{
	switch (s) {
	case TOPICS:
		return i < c->ntopics ? c->topics[i].slug : NULL;
	case COMPANIES:
		return i < c->ncompanies ? c->companies[i].slug : NULL;
	case TYPES:
		return i < (int)ARRAY_LEN(types) ? types[i] : NULL;
	case PROBLEMS:
		return i < c->nproblems ? c->problems[i].slug : NULL;
	}
	return NULL;
}

int mcp_complete(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error)
{
	json_t *ref = json_object_get(params, "ref"), *arg = json_object_get(params, "argument");
	const char *type = json_str(ref, "type");
	const char *name =
	    type && !strcmp(type, "ref/resource") ? json_str(ref, "uri") : json_str(ref, "name");
	const char *argname = json_str(arg, "name"), *typed = json_str(arg, "value");
	if (!type || !name || !argname || !typed) {
		*error = json_pack(
		    "{s:i, s:s}", "code", RPC_INVALID_PARAMS, "message",
		    "completion needs ref {type, name or uri} and argument {name, value}");
		return -1;
	}
	int found = -1;
	for (size_t i = 0; i < ARRAY_LEN(table); i++)
		if (!strcmp(table[i].ref, type) && !strcmp(table[i].name, name) &&
		    !strcmp(table[i].arg, argname))
			found = (int)i;
	json_t *values = json_array();
	int total = 0;
	if (found >= 0) {
		/* Prefix matches first, then the others that contain the text. */
		for (int pass = 0; pass < 2; pass++) {
			const char *v;
			for (int i = 0; (v = value_at(c->app->catalog, table[found].source, i));
			     i++) {
				size_t n = strlen(typed);
				int prefix = strncasecmp(v, typed, n) == 0;
				if ((pass == 0 && !prefix) ||
				    (pass == 1 && (prefix || !strcasestr(v, typed))))
					continue;
				total++;
				if (json_array_size(values) < COMPLETE_MAX)
					json_array_append_new(values, json_string(v));
			}
		}
	}
	*result = json_pack("{s:{s:o, s:i, s:b}}", "completion", "values", values, "total", total,
	                    "hasMore", total > COMPLETE_MAX);
	return 0;
}
