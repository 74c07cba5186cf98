/*
 * resources.c: MCP resources. Three kinds, each a REST route read as the
 * user: problem://{slug} (a catalog problem with the user's progress on
 * it), topic://{slug} (a topic with the user's mastery) and
 * progress://summary. resources/list pages through the summary, every topic
 * and every problem of the catalog.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "mcp/mcp.h"

#define URI_MAX 256

static const struct kind {
	const char *prefix;   /* "problem://" */
	const char *template; /* as listed by resources/templates/list */
	const char *route;    /* "/api/v1/problems/": the rest of the URI follows */
	const char *name;
	const char *title;
	const char *description;
} kinds[] = {
    {"problem://", "problem://{slug}", "/api/v1/problems/", "problem", "Problem",
     "A problem of the catalog (statement link, difficulty, topics, companies) with this "
     "user's progress on it: status, attempts, best time, next review."},
    {"topic://", "topic://{slug}", "/api/v1/topics/", "topic", "Topic",
     "A topic of the roadmap with its prerequisites, problems and this user's mastery."},
    {"progress://", NULL, "/api/v1/progress", "progress", "Progress summary",
     "This user's totals, per-topic progress and mastery, streaks and activity calendar."},
};

static int slug_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 200)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static json_t *entry(const char *uri, const char *name, const char *title, const char *desc)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "uri", uri, "name", name, "title", title,
	                      "mimeType", "application/json");
	if (desc)
		json_object_set_new(o, "description", json_string(desc));
	return o;
}

int mcp_resources_list(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error)
{
	const struct catalog *cat = c->app->catalog;
	size_t total = 1 + (size_t)cat->ntopics + (size_t)cat->nproblems, from;
	if (mcp_page(params, total, &from, error))
		return -1;
	size_t to = from + MCP_PAGE_SIZE < total ? from + MCP_PAGE_SIZE : total;
	json_t *list = json_array();
	char uri[URI_MAX], name[URI_MAX];
	for (size_t i = from; i < to; i++) {
		if (i == 0) {
			json_array_append_new(list, entry("progress://summary", "progress-summary",
			                                  kinds[2].title, kinds[2].description));
		} else if (i <= (size_t)cat->ntopics) {
			const struct catalog_topic *t = &cat->topics[i - 1];
			snprintf(uri, sizeof(uri), "topic://%s", t->slug);
			snprintf(name, sizeof(name), "topic-%s", t->slug);
			json_array_append_new(list, entry(uri, name, t->name, NULL));
		} else {
			const struct catalog_problem *p =
			    &cat->problems[i - 1 - (size_t)cat->ntopics];
			snprintf(uri, sizeof(uri), "problem://%s", p->slug);
			snprintf(name, sizeof(name), "problem-%s", p->slug);
			json_array_append_new(list, entry(uri, name, p->title, NULL));
		}
	}
	*result = json_pack("{s:o}", "resources", list);
	mcp_set_next_cursor(*result, to, total);
	return 0;
}

int mcp_resource_templates(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error)
{
	(void)c;
	size_t from;
	if (mcp_page(params, 2, &from, error))
		return -1;
	json_t *list = json_array();
	for (size_t i = from; i < ARRAY_LEN(kinds); i++) {
		if (!kinds[i].template)
			continue;
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s, s:s, s:s}", "uriTemplate", kinds[i].template,
		                    "name", kinds[i].name, "title", kinds[i].title, "description",
		                    kinds[i].description, "mimeType", "application/json"));
	}
	*result = json_pack("{s:o}", "resourceTemplates", list);
	return 0;
}

static int not_found(const char *uri, json_t **error)
{
	*error = json_pack("{s:i, s:s, s:{s:s}}", "code", RPC_RESOURCE_NOT_FOUND, "message",
	                   "resource not found", "data", "uri", uri);
	return -1;
}

int mcp_resources_read(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error)
{
	const char *uri = json_str(params, "uri");
	if (!uri || strlen(uri) > URI_MAX) {
		*error = json_pack("{s:i, s:s}", "code", RPC_INVALID_PARAMS, "message",
		                   "uri must be a string of at most 256 bytes");
		return -1;
	}
	const struct kind *k = NULL;
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
		if (!strncmp(uri, kinds[i].prefix, strlen(kinds[i].prefix)))
			k = &kinds[i];
	if (!k)
		return not_found(uri, error);
	const char *rest = uri + strlen(k->prefix);
	char path[URI_MAX + 64];
	if (!k->template) {
		if (strcmp(rest, "summary"))
			return not_found(uri, error);
		snprintf(path, sizeof(path), "%s", k->route);
	} else {
		if (!slug_ok(rest))
			return not_found(uri, error);
		snprintf(path, sizeof(path), "%s%s", k->route, rest);
	}
	json_t *out = NULL;
	struct err e = {0};
	if (mcp_call_route(c, "GET", path, NULL, NULL, &out, &e)) {
		if (e.code == ERR_NOT_FOUND)
			return not_found(uri, error);
		*error = json_pack("{s:i, s:s}", "code", RPC_INTERNAL_ERROR, "message", e.msg);
		return -1;
	}
	char *text = json_dump_compact(out);
	json_decref(out);
	*result = json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
	                    "application/json", "text", text);
	free(text);
	return 0;
}
