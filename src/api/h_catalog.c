/*
 * h_catalog.c: the problem catalog with the caller's status on each
 * problem (lists read through the cache), topics, companies, lists, design
 * topics and behavioral questions.
 */
#define _GNU_SOURCE
#include <openssl/evp.h>
#include <stdio.h>
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

/* The arguments of GET /api/v1/problems, validated; absent strings are NULL. */
struct problem_filter {
	const char *q, *topic, *difficulty, *company, *list, *status;
	int64_t limit, offset, qnum;
	int blind; /* leave out difficulty and company tags (interview practice) */
};

static int parse_filter(struct http_req *r, const struct catalog *c, struct problem_filter *f)
{
	int rc;
	memset(f, 0, sizeof(*f));
	if ((rc = query_str(r, "q", &f->q)) || (rc = query_str(r, "topic", &f->topic)) ||
	    (rc = query_str(r, "difficulty", &f->difficulty)) ||
	    (rc = query_str(r, "company", &f->company)) || (rc = query_str(r, "list", &f->list)) ||
	    (rc = query_str(r, "status", &f->status)) ||
	    (rc = http_query_int(r, "limit", 50, 1, LIST_LIMIT_MAX, &f->limit)) ||
	    (rc = http_query_int(r, "offset", 0, 0, INT32_MAX, &f->offset)))
		return rc;
	if ((rc = http_query_bool(r, "blind", &f->blind)))
		return rc;
	if (f->topic && !catalog_topic_by_slug(c, f->topic))
		return err_set(&r->err, ERR_INVALID, "invalid_parameter", "unknown topic '%s'",
		               f->topic);
	if (f->difficulty && strcmp(f->difficulty, "easy") && strcmp(f->difficulty, "medium") &&
	    strcmp(f->difficulty, "hard"))
		return err_set(&r->err, ERR_INVALID, "invalid_parameter",
		               "difficulty must be easy, medium or hard");
	if (f->company && !catalog_has_company(c, f->company))
		return err_set(&r->err, ERR_INVALID, "invalid_parameter", "unknown company '%s'",
		               f->company);
	if (f->list && !catalog_has_list(c, f->list))
		return err_set(&r->err, ERR_INVALID, "invalid_parameter", "unknown list '%s'",
		               f->list);
	if (f->status && strcmp(f->status, "todo") && strcmp(f->status, "attempted") &&
	    strcmp(f->status, "solved"))
		return err_set(&r->err, ERR_INVALID, "invalid_parameter",
		               "status must be todo, attempted or solved");
	if (f->q)
		str_to_i64(f->q, 1, 100000, &f->qnum);
	return 0;
}

/*
 * The cache key of a problem list: the user, the catalog's version, and a
 * SHA-256 over the validated arguments in alphabetical order of their
 * names. The order of the query string, unknown or repeated arguments and
 * spelt-out defaults (limit=50) therefore share one entry.
 */
static void filter_key(const struct problem_filter *f, const struct catalog *c, const char *user_id,
                       char *key, size_t size)
{
	char limit[24], offset[24];
	snprintf(limit, sizeof(limit), "%lld", (long long)f->limit);
	snprintf(offset, sizeof(offset), "%lld", (long long)f->offset);
	const char *const args[][2] = {
	    {"blind", f->blind ? "1" : ""},
	    {"company", f->company},
	    {"difficulty", f->difficulty},
	    {"limit", limit},
	    {"list", f->list},
	    {"offset", offset},
	    {"q", f->q},
	    {"status", f->status},
	    {"topic", f->topic},
	};
	unsigned char md[32];
	unsigned int mdlen = 0;
	char hex[65];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t i = 0; i < ARRAY_LEN(args); i++) {
		const char *v = args[i][1] ? args[i][1] : "";
		/* Names and values end with their NUL: no two argument lists hash alike. */
		EVP_DigestUpdate(ctx, args[i][0], strlen(args[i][0]) + 1);
		EVP_DigestUpdate(ctx, v, strlen(v) + 1);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	hex_encode(md, sizeof(md), hex);
	snprintf(key, size, "problems:%s:%s:%s", user_id, c->version, hex);
}

/* The page of problems F selects, each with the user's status. */
static int problems_page(struct http_req *r, const struct catalog *c,
                         const struct problem_filter *f, json_t **out)
{
	int64_t mid = max_id(c);
	unsigned char *st = xcalloc((size_t)mid + 1, 1);
	int rc = practice_statuses(r->db, r->user.id, st, mid, &r->err);
	if (rc) {
		free(st);
		return rc;
	}
	const struct catalog_problem **hits = xmalloc(((size_t)c->nproblems + 1) * sizeof(*hits));
	int n = 0;
	for (int i = 0; i < c->nproblems; i++) {
		const struct catalog_problem *p = &c->problems[i];
		if ((f->difficulty && strcmp(p->difficulty, f->difficulty)) ||
		    (f->topic && !catalog_problem_has_topic(p, f->topic)) ||
		    (f->company && !catalog_problem_has_company(p, f->company)) ||
		    (f->list && !catalog_problem_in_list(p, f->list)) ||
		    (f->status && strcmp(status_name(st[p->id]), f->status)) ||
		    !matches_q(p, f->q, f->qnum))
			continue;
		hits[n++] = p;
	}
	qsort(hits, (size_t)n, sizeof(*hits), by_number);
	json_t *items = json_array();
	for (int64_t i = f->offset; i < n && i < f->offset + f->limit; i++) {
		json_t *o = catalog_problem_json(hits[i]);
		json_object_set_new(o, "status", json_string(status_name(st[hits[i]->id])));
		if (f->blind) {
			json_object_del(o, "difficulty");
			json_object_del(o, "companies");
		}
		json_array_append_new(items, o);
	}
	free(hits);
	free(st);
	*out = json_pack("{s:o, s:i, s:I, s:I}", "items", items, "total", n, "limit",
	                 (json_int_t)f->limit, "offset", (json_int_t)f->offset);
	return 0;
}

/*
 * Problem lists are read through the cache: the answer depends only on the
 * arguments, the catalog and the user's statuses, and every write that
 * changes a status bumps the user's version (api_end), which retires the
 * user's cached lists at once, on every instance.
 */
int h_problems(struct http_req *r)
{
	const struct catalog *c = APP(r)->catalog;
	struct cache *cache = APP(r)->cache;
	struct problem_filter f;
	char key[CACHE_KEY_MAX], *val;
	size_t len;
	uint64_t version;
	json_t *out;
	int rc = parse_filter(r, c, &f);
	if (rc)
		return rc;
	filter_key(&f, c, r->user.id, key, sizeof(key));
	if (cache_get_user(cache, r->user.id, key, &version, &val, &len))
		return http_reply_raw(r, 200, "application/json", val, len);
	if ((rc = problems_page(r, c, &f, &out)))
		return rc;
	char *text = json_dump_compact(out);
	json_decref(out);
	cache_set_user(cache, key, version, text, strlen(text), CACHE_DEFAULT_TTL);
	return http_reply_raw(r, 200, "application/json", text, strlen(text));
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
	if ((rc = learn_topic_mastery(r, t->slug, o))) {
		json_decref(o);
		return rc;
	}
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
