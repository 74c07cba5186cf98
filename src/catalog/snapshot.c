/*
 * snapshot.c: reads the catalog from the database into the immutable
 * in-memory struct catalog, and the lookups over it.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "core/json.h"

/* Keeps S alive as long as the catalog and returns the copy. */
static char *keep(struct catalog *c, const char *s)
{
	if (c->nstrings % 256 == 0)
		c->strings = xrealloc(c->strings, (size_t)(c->nstrings + 256) * sizeof(char *));
	char *copy = xstrdup(s ? s : "");
	c->strings[c->nstrings++] = copy;
	return copy;
}

static int by_slug(const void *a, const void *b)
{
	return strcmp(((const struct catalog_problem *)a)->slug,
	              ((const struct catalog_problem *)b)->slug);
}

static struct catalog_problem *problem_by_id_mut(struct catalog *c, int64_t id)
{
	return (struct catalog_problem *)catalog_problem_by_id(c, id);
}

static int load_problems(struct db *db, struct catalog *c, struct err *e)
{
	struct db_stmt *st;
	int64_t n;
	int rc = db_scalar(db, e, &n, "SELECT count(*) FROM problems WHERE active = 1", "");
	if (rc)
		return rc;
	c->problems = xcalloc((size_t)n + 1, sizeof(*c->problems));
	if ((rc = db_query(db, &st, e,
	                   "SELECT id, slug, number, title, difficulty, url FROM problems "
	                   "WHERE active = 1",
	                   "")))
		return rc;
	while ((rc = db_step(st, e)) == DB_ROW && c->nproblems < n) {
		struct catalog_problem *p = &c->problems[c->nproblems++];
		p->id = db_col_int(st, 0);
		p->slug = keep(c, db_col_text(st, 1));
		p->number = db_col_is_null(st, 2) ? 0 : (int)db_col_int(st, 2);
		p->title = keep(c, db_col_text(st, 3));
		p->difficulty = keep(c, db_col_text(st, 4));
		p->url = keep(c, db_col_text(st, 5));
	}
	db_finish(st);
	if (rc < 0)
		return rc;
	qsort(c->problems, (size_t)c->nproblems, sizeof(*c->problems), by_slug);
	/* Ids are small and dense: a direct table makes lookups by id O(1). */
	c->max_id = 0;
	for (int i = 0; i < c->nproblems; i++)
		if (c->problems[i].id > c->max_id)
			c->max_id = c->problems[i].id;
	c->by_id = xmalloc(((size_t)c->max_id + 1) * sizeof(int));
	for (int64_t k = 0; k <= c->max_id; k++)
		c->by_id[k] = -1;
	for (int i = 0; i < c->nproblems; i++)
		if (c->problems[i].id >= 0)
			c->by_id[c->problems[i].id] = i;
	return 0;
}

static int load_topics(struct db *db, struct catalog *c, struct err *e)
{
	struct db_stmt *st;
	int64_t n;
	int rc = db_scalar(db, e, &n, "SELECT count(*) FROM topics", "");
	if (rc)
		return rc;
	c->topics = xcalloc((size_t)n + 1, sizeof(*c->topics));
	if ((rc = db_query(db, &st, e,
	                   "SELECT id, slug, name, description FROM topics ORDER BY position, slug",
	                   "")))
		return rc;
	while ((rc = db_step(st, e)) == DB_ROW && c->ntopics < n) {
		struct catalog_topic *t = &c->topics[c->ntopics++];
		t->id = db_col_int(st, 0);
		t->slug = keep(c, db_col_text(st, 1));
		t->name = keep(c, db_col_text(st, 2));
		t->description = keep(c, db_col_text(st, 3));
		t->prerequisites = xcalloc((size_t)n + 1, sizeof(char *));
	}
	db_finish(st);
	if (rc < 0)
		return rc;
	if ((rc = db_query(db, &st, e,
	                   "SELECT t.slug, p.slug FROM topic_prerequisites tp "
	                   "JOIN topics t ON t.id = tp.topic_id "
	                   "JOIN topics p ON p.id = tp.prerequisite_id ORDER BY p.position",
	                   "")))
		return rc;
	while ((rc = db_step(st, e)) == DB_ROW) {
		struct catalog_topic *t =
		    (struct catalog_topic *)catalog_topic_by_slug(c, db_col_text(st, 0));
		const struct catalog_topic *p = catalog_topic_by_slug(c, db_col_text(st, 1));
		if (t && p)
			t->prerequisites[t->nprereq++] = p->slug;
	}
	db_finish(st);
	return rc < 0 ? rc : 0;
}

static int load_named(struct db *db, struct catalog *c, const char *count_sql, const char *sql,
                      struct catalog_named **out, int *nout, struct err *e)
{
	struct db_stmt *st;
	int64_t n;
	int rc = db_scalar(db, e, &n, count_sql, "");
	if (rc)
		return rc;
	*out = xcalloc((size_t)n + 1, sizeof(**out));
	if ((rc = db_query(db, &st, e, sql, "")))
		return rc;
	while ((rc = db_step(st, e)) == DB_ROW && *nout < n) {
		struct catalog_named *x = &(*out)[(*nout)++];
		x->id = db_col_int(st, 0);
		x->slug = keep(c, db_col_text(st, 1));
		x->name = keep(c, db_col_text(st, 2));
		x->description = keep(c, db_col_text(st, 3));
	}
	db_finish(st);
	return rc < 0 ? rc : 0;
}

static struct catalog_named *named_by_id(struct catalog_named *v, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

static int load_links(struct db *db, struct catalog *c, struct err *e)
{
	struct db_stmt *st;
	int rc;
	if ((rc = db_query(db, &st, e,
	                   "SELECT problem_id, topic_id FROM problem_topics ORDER BY problem_id, "
	                   "position",
	                   "")))
		return rc;
	while ((rc = db_step(st, e)) == DB_ROW) {
		struct catalog_problem *p = problem_by_id_mut(c, db_col_int(st, 0));
		int64_t tid = db_col_int(st, 1);
		for (int i = 0; p && i < c->ntopics; i++) {
			if (c->topics[i].id == tid && p->ntopics < CATALOG_MAX_TOPICS_PER_PROBLEM) {
				p->topics[p->ntopics++] = c->topics[i].slug;
				c->topics[i].problem_count++;
			}
		}
	}
	db_finish(st);
	if (rc < 0)
		return rc;
	if ((rc = db_query(db, &st, e,
	                   "SELECT problem_id, company_id, frequency FROM problem_companies "
	                   "ORDER BY problem_id, frequency DESC, company_id",
	                   "")))
		return rc;
	while ((rc = db_step(st, e)) == DB_ROW) {
		struct catalog_problem *p = problem_by_id_mut(c, db_col_int(st, 0));
		struct catalog_named *co =
		    named_by_id(c->companies, c->ncompanies, db_col_int(st, 1));
		if (p && co && p->ncompanies < CATALOG_MAX_COMPANIES_PER_PROBLEM) {
			p->companies[p->ncompanies].slug = co->slug;
			p->companies[p->ncompanies++].frequency = (int)db_col_int(st, 2);
			co->problem_count++;
		}
	}
	db_finish(st);
	if (rc < 0)
		return rc;
	if ((rc = db_query(db, &st, e,
	                   "SELECT lp.problem_id, lp.list_id FROM list_problems lp "
	                   "JOIN lists l ON l.id = lp.list_id ORDER BY lp.problem_id, l.slug",
	                   "")))
		return rc;
	while ((rc = db_step(st, e)) == DB_ROW) {
		struct catalog_problem *p = problem_by_id_mut(c, db_col_int(st, 0));
		struct catalog_named *l = named_by_id(c->lists, c->nlists, db_col_int(st, 1));
		if (p && l) {
			p->lists = xrealloc(p->lists, (size_t)(p->nlists + 1) * sizeof(char *));
			p->lists[p->nlists++] = l->slug;
			l->problem_count++;
		}
	}
	db_finish(st);
	return rc < 0 ? rc : 0;
}

/* Reads rows of JSON-bearing text columns into an array of objects. */
static int load_json_rows(struct db *db, const char *sql, const char *const *cols,
                          const unsigned json_mask, json_t **out, struct err *e)
{
	struct db_stmt *st;
	int rc = db_query(db, &st, e, sql, "");
	if (rc)
		return rc;
	json_t *arr = json_array();
	while ((rc = db_step(st, e)) == DB_ROW) {
		json_t *o = json_object();
		for (int i = 0; cols[i]; i++) {
			const char *v = db_col_text(st, i);
			json_t *val = NULL;
			if (json_mask & (1u << i))
				val = json_loads(v ? v : "[]", 0, NULL);
			json_object_set_new(o, cols[i], val ? val : json_string(v ? v : ""));
		}
		json_array_append_new(arr, o);
	}
	db_finish(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

/*
 * The version of the problems as the API serves them: SHA-256 over each
 * problem's id (statuses are stored by id) and its JSON. Instances that share
 * a cache but loaded different catalogs (a rolling upgrade) thereby never
 * answer from each other's cached lists.
 */
static void problems_digest(struct catalog *c)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (int i = 0; i < c->nproblems; i++) {
		char id[24];
		int n = snprintf(id, sizeof(id), "%lld:", (long long)c->problems[i].id);
		json_t *o = catalog_problem_json(&c->problems[i]);
		char *text = json_dumps(o, JSON_COMPACT);
		EVP_DigestUpdate(ctx, id, (size_t)n);
		EVP_DigestUpdate(ctx, text, strlen(text) + 1);
		free(text);
		json_decref(o);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	hex_encode(md, (sizeof(c->version) - 1) / 2, c->version);
}

int catalog_load(struct db *db, struct catalog **out, struct err *e)
{
	static const char *const design_cols[] = {"slug",       "title",     "category",
	                                          "difficulty", "summary",   "checklist",
	                                          "concepts",   "companies", NULL};
	static const char *const behavioral_cols[] = {
	    "slug", "question", "competency", "level", "leadership_principles", "follow_ups", NULL};
	struct catalog *c = xcalloc(1, sizeof(*c));
	int rc;
	if ((rc = load_topics(db, c, e)) ||
	    (rc = load_named(db, c, "SELECT count(*) FROM companies",
	                     "SELECT id, slug, name, '' FROM companies ORDER BY name",
	                     &c->companies, &c->ncompanies, e)) ||
	    (rc = load_named(db, c, "SELECT count(*) FROM lists",
	                     "SELECT id, slug, name, description FROM lists ORDER BY name",
	                     &c->lists, &c->nlists, e)) ||
	    (rc = load_problems(db, c, e)) || (rc = load_links(db, c, e)) ||
	    (rc = load_json_rows(
	         db,
	         "SELECT slug, title, category, difficulty, summary, checklist, "
	         "concepts, companies FROM design_topics ORDER BY category DESC, slug",
	         design_cols, 0xE0, &c->design_topics, e)) ||
	    (rc = load_json_rows(db,
	                         "SELECT slug, question, competency, level, leadership_principles, "
	                         "follow_ups FROM behavioral_questions ORDER BY competency, slug",
	                         behavioral_cols, 0x30, &c->behavioral, e))) {
		catalog_free(c);
		return rc;
	}
	problems_digest(c);
	*out = c;
	return 0;
}

void catalog_free(struct catalog *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nproblems; i++)
		free(c->problems[i].lists);
	for (int i = 0; i < c->ntopics; i++)
		free(c->topics[i].prerequisites);
	for (int i = 0; i < c->nstrings; i++)
		free(c->strings[i]);
	free(c->strings);
	free(c->by_id);
	free(c->problems);
	free(c->topics);
	free(c->companies);
	free(c->lists);
	json_decref(c->design_topics);
	json_decref(c->behavioral);
	free(c);
}

const struct catalog_problem *catalog_problem_by_slug(const struct catalog *c, const char *slug)
{
	int lo = 0, hi = c->nproblems - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		int cmp = strcmp(slug, c->problems[mid].slug);
		if (cmp == 0)
			return &c->problems[mid];
		if (cmp < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct catalog_problem *catalog_problem_by_id(const struct catalog *c, int64_t id)
{
	if (id < 0 || id > c->max_id || !c->by_id || c->by_id[id] < 0)
		return NULL;
	return &c->problems[c->by_id[id]];
}

const struct catalog_topic *catalog_topic_by_slug(const struct catalog *c, const char *slug)
{
	for (int i = 0; i < c->ntopics; i++)
		if (strcmp(c->topics[i].slug, slug) == 0)
			return &c->topics[i];
	return NULL;
}

int catalog_has_company(const struct catalog *c, const char *slug)
{
	for (int i = 0; i < c->ncompanies; i++)
		if (strcmp(c->companies[i].slug, slug) == 0)
			return 1;
	return 0;
}

int catalog_has_list(const struct catalog *c, const char *slug)
{
	for (int i = 0; i < c->nlists; i++)
		if (strcmp(c->lists[i].slug, slug) == 0)
			return 1;
	return 0;
}

int catalog_problem_in_list(const struct catalog_problem *p, const char *list)
{
	for (int i = 0; i < p->nlists; i++)
		if (strcmp(p->lists[i], list) == 0)
			return 1;
	return 0;
}

int catalog_problem_has_topic(const struct catalog_problem *p, const char *topic)
{
	for (int i = 0; i < p->ntopics; i++)
		if (strcmp(p->topics[i], topic) == 0)
			return 1;
	return 0;
}

int catalog_problem_has_company(const struct catalog_problem *p, const char *company)
{
	for (int i = 0; i < p->ncompanies; i++)
		if (strcmp(p->companies[i].slug, company) == 0)
			return 1;
	return 0;
}

json_t *catalog_problem_json(const struct catalog_problem *p)
{
	json_t *topics = json_array(), *companies = json_array(), *lists = json_array();
	for (int i = 0; i < p->ntopics; i++)
		json_array_append_new(topics, json_string(p->topics[i]));
	for (int i = 0; i < p->ncompanies; i++)
		json_array_append_new(companies, json_string(p->companies[i].slug));
	for (int i = 0; i < p->nlists; i++)
		json_array_append_new(lists, json_string(p->lists[i]));
	return json_pack("{s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:s}", "slug", p->slug, "number",
	                 p->number ? json_integer(p->number) : json_null(), "title", p->title,
	                 "difficulty", p->difficulty, "topics", topics, "companies", companies,
	                 "lists", lists, "url", p->url);
}
