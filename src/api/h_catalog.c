/*
 * h_catalog.c: the problem catalog with the caller's status on each
 * problem, topics, companies, lists, design topics and behavioral questions.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "core/json.h"
#include "practice/practice.h"

#define QUERY_MAX 200

static int64_t max_id(const struct catalog *c)
{
	int64_t m = 0;
	for (int i = 0; i < c->nproblems; i++)
		if (c->problems[i].id > m)
			m = c->problems[i].id;
	return m;
}

static const char *status_name(unsigned char s)
{
	return s == 2 ? "solved" : s == 1 ? "attempted" : "todo";
}

/* Reads an optional string query argument, bounded and valid UTF-8. */
static int query_str(struct http_req *r, const char *name, const char **out)
{
	const char *v = http_query(r, name);
	if (v && !*v)
		v = NULL;
	if (v && (strlen(v) > QUERY_MAX || !utf8_valid(v, strlen(v))))
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "'%s' must be valid UTF-8 of at most %d bytes", name, QUERY_MAX);
	*out = v;
	return 0;
}

static int matches_q(const struct catalog_problem *p, const char *q, int64_t qnum)
{
	if (!q)
		return 1;
	if (qnum > 0 && p->number == qnum)
		return 1;
	return strcasestr(p->title, q) || strcasestr(p->slug, q);
}

static int by_number(const void *a, const void *b)
{
	const struct catalog_problem *x = *(const struct catalog_problem *const *)a;
	const struct catalog_problem *y = *(const struct catalog_problem *const *)b;
	int nx = x->number ? x->number : INT32_MAX, ny = y->number ? y->number : INT32_MAX;
	if (nx != ny)
		return nx < ny ? -1 : 1;
	return strcmp(x->slug, y->slug);
}

int h_problems(struct http_req *r)
{
	const struct catalog *c = APP(r)->catalog;
	const char *q, *topic, *difficulty, *company, *list, *status;
	int64_t limit, offset, qnum = 0;
	int rc;
	if ((rc = query_str(r, "q", &q)) || (rc = query_str(r, "topic", &topic)) ||
	    (rc = query_str(r, "difficulty", &difficulty)) ||
	    (rc = query_str(r, "company", &company)) || (rc = query_str(r, "list", &list)) ||
	    (rc = query_str(r, "status", &status)) ||
	    (rc = http_query_int(r, "limit", 50, 1, LIST_LIMIT_MAX, &limit)) ||
	    (rc = http_query_int(r, "offset", 0, 0, INT32_MAX, &offset)))
		return rc;
	if (topic && !catalog_topic_by_slug(c, topic))
		return err_set(&r->err, ERR_INVALID, "invalid_parameter", "unknown topic '%s'",
		               topic);
	if (difficulty && strcmp(difficulty, "easy") && strcmp(difficulty, "medium") &&
	    strcmp(difficulty, "hard"))
		return err_set(&r->err, ERR_INVALID, "invalid_parameter",
		               "difficulty must be easy, medium or hard");
	if (company && !catalog_has_company(c, company))
		return err_set(&r->err, ERR_INVALID, "invalid_parameter", "unknown company '%s'",
		               company);
	if (list && !catalog_has_list(c, list))
		return err_set(&r->err, ERR_INVALID, "invalid_parameter", "unknown list '%s'",
		               list);
	if (status && strcmp(status, "todo") && strcmp(status, "attempted") &&
	    strcmp(status, "solved"))
		return err_set(&r->err, ERR_INVALID, "invalid_parameter",
		               "status must be todo, attempted or solved");
	if (q)
		str_to_i64(q, 1, 100000, &qnum);
	int64_t mid = max_id(c);
	unsigned char *st = xcalloc((size_t)mid + 1, 1);
	if ((rc = practice_statuses(r->db, r->user.id, st, mid, &r->err))) {
		free(st);
		return rc;
	}
	const struct catalog_problem **hits = xmalloc(((size_t)c->nproblems + 1) * sizeof(*hits));
	int n = 0;
	for (int i = 0; i < c->nproblems; i++) {
		const struct catalog_problem *p = &c->problems[i];
		if ((difficulty && strcmp(p->difficulty, difficulty)) ||
		    (topic && !catalog_problem_has_topic(p, topic)) ||
		    (company && !catalog_problem_has_company(p, company)) ||
		    (list && !catalog_problem_in_list(p, list)) ||
		    (status && strcmp(status_name(st[p->id]), status)) || !matches_q(p, q, qnum))
			continue;
		hits[n++] = p;
	}
	qsort(hits, (size_t)n, sizeof(*hits), by_number);
	json_t *items = json_array();
	for (int64_t i = offset; i < n && i < offset + limit; i++) {
		json_t *o = catalog_problem_json(hits[i]);
		json_object_set_new(o, "status", json_string(status_name(st[hits[i]->id])));
		json_array_append_new(items, o);
	}
	free(hits);
	free(st);
	return http_reply(r, 200,
	                  json_pack("{s:o, s:i, s:I, s:I}", "items", items, "total", n, "limit",
	                            (json_int_t)limit, "offset", (json_int_t)offset));
}

int h_problem(struct http_req *r)
{
	const struct catalog *c = APP(r)->catalog;
	const struct catalog_problem *p = catalog_problem_by_slug(c, r->params[0]);
	json_t *progress = NULL, *attempts = NULL;
	int rc;
	if (!p)
		return err_set(&r->err, ERR_NOT_FOUND, "not_found", "unknown problem '%.100s'",
		               r->params[0]);
	if ((rc = practice_problem_progress(r->db, r->user.id, p->id, &progress, &r->err)) ||
	    (rc = practice_list_attempts(r->db, c, r->user.id, p->slug, 0, LIST_LIMIT_MAX, 0,
	                                 &attempts, &r->err))) {
		json_decref(progress);
		return rc;
	}
	json_t *o = catalog_problem_json(p);
	json_t *freq = json_array();
	for (int i = 0; i < p->ncompanies; i++)
		json_array_append_new(freq, json_pack("{s:s, s:i}", "company", p->companies[i].slug,
		                                      "frequency", p->companies[i].frequency));
	json_object_set_new(o, "company_frequency", freq);
	json_object_set_new(o, "status", json_incref(json_object_get(progress, "status")));
	json_object_set_new(o, "progress", progress);
	json_object_set_new(o, "attempts", json_incref(json_object_get(attempts, "items")));
	json_decref(attempts);
	return http_reply(r, 200, o);
}

static json_t *topic_json(const struct catalog_topic *t)
{
	json_t *pre = json_array();
	for (int k = 0; k < t->nprereq; k++)
		json_array_append_new(pre, json_string(t->prerequisites[k]));
	return json_pack("{s:s, s:s, s:s, s:o, s:i}", "slug", t->slug, "name", t->name,
	                 "description", t->description, "prerequisites", pre, "problem_count",
	                 t->problem_count);
}

int h_topics(struct http_req *r)
{
	const struct catalog *c = APP(r)->catalog;
	json_t *items = json_array();
	for (int i = 0; i < c->ntopics; i++)
		json_array_append_new(items, topic_json(&c->topics[i]));
	return http_reply(r, 200, json_pack("{s:o, s:i}", "items", items, "total", c->ntopics));
}

int h_topic(struct http_req *r)
{
	const struct catalog *c = APP(r)->catalog;
	const struct catalog_topic *t = catalog_topic_by_slug(c, r->params[0]);
	if (!t)
		return err_set(&r->err, ERR_NOT_FOUND, "not_found", "unknown topic '%.100s'",
		               r->params[0]);
	int64_t mid = max_id(c);
	unsigned char *st = xcalloc((size_t)mid + 1, 1);
	int rc = practice_statuses(r->db, r->user.id, st, mid, &r->err);
	if (rc) {
		free(st);
		return rc;
	}
	json_t *o = topic_json(t), *problems = json_array(), *unlocks = json_array();
	int solved = 0, attempted = 0;
	for (int i = 0; i < c->nproblems; i++) {
		const struct catalog_problem *p = &c->problems[i];
		if (!catalog_problem_has_topic(p, t->slug))
			continue;
		solved += st[p->id] == 2;
		attempted += st[p->id] == 1;
		json_array_append_new(problems,
		                      json_pack("{s:s, s:s, s:s, s:s}", "slug", p->slug, "title",
		                                p->title, "difficulty", p->difficulty, "status",
		                                status_name(st[p->id])));
	}
	for (int i = 0; i < c->ntopics; i++)
		for (int k = 0; k < c->topics[i].nprereq; k++)
			if (c->topics[i].prerequisites[k] == t->slug)
				json_array_append_new(unlocks, json_string(c->topics[i].slug));
	free(st);
	json_object_set_new(o, "unlocks", unlocks);
	json_object_set_new(o, "solved", json_integer(solved));
	json_object_set_new(o, "attempted", json_integer(attempted));
	json_object_set_new(o, "problems", problems);
	return http_reply(r, 200, o);
}

static int named_list(struct http_req *r, const struct catalog_named *v, int n, int with_desc)
{
	json_t *items = json_array();
	for (int i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:s, s:i}", "slug", v[i].slug, "name", v[i].name,
		                      "problem_count", v[i].problem_count);
		if (with_desc)
			json_object_set_new(o, "description", json_string(v[i].description));
		json_array_append_new(items, o);
	}
	return http_reply(r, 200, json_pack("{s:o, s:i}", "items", items, "total", n));
}

int h_companies(struct http_req *r)
{
	return named_list(r, APP(r)->catalog->companies, APP(r)->catalog->ncompanies, 0);
}

int h_lists(struct http_req *r)
{
	return named_list(r, APP(r)->catalog->lists, APP(r)->catalog->nlists, 1);
}

/* Filters a catalog array of objects by one string field. */
static int filtered(struct http_req *r, json_t *all, const char *param, const char *field)
{
	const char *want;
	int rc = query_str(r, param, &want);
	if (rc)
		return rc;
	json_t *items = json_array();
	size_t i;
	json_t *o;
	json_array_foreach(all, i, o)
	{
		if (!want || strcmp(json_str(o, field), want) == 0)
			json_array_append(items, o);
	}
	return http_reply(
	    r, 200,
	    json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

int h_design_topics(struct http_req *r)
{
	return filtered(r, APP(r)->catalog->design_topics, "category", "category");
}

int h_behavioral(struct http_req *r)
{
	return filtered(r, APP(r)->catalog->behavioral, "competency", "competency");
}
