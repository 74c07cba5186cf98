/*
 * test_catalog.c: the embedded catalog data validates, syncs into a fresh
 * database idempotently, and loads into a snapshot whose cross-references
 * (topics, prerequisites, lists, companies) all hold together.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "db/db.h"
#include "db/migrate.h"

static char dir[64];
static struct db_pool *pool;
static struct db *db;

static void setup(void)
{
	char url[128];
	str_copy(dir, sizeof(dir), "/tmp/maang-catalog-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(url, sizeof(url), "sqlite:%s/catalog.db", dir);
	struct err e = {0};
	cr_assert_eq(db_pool_open(url, 2, &pool, &e), 0, "%s", e.msg);
	cr_assert_eq(db_acquire(pool, &db, &e), 0, "%s", e.msg);
	cr_assert_eq(migrate_up(db, NULL, &e), 0, "%s", e.msg);
}

static void teardown(void)
{
	static const char *const files[] = {"catalog.db", "catalog.db-wal", "catalog.db-shm"};
	db_release(db);
	db_pool_close(pool);
	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		char path[128];
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

TestSuite(catalog, .init = setup, .fini = teardown);

static int64_t scalar(const char *sql)
{
	struct err e = {0};
	int64_t v = -1;
	cr_assert_eq(db_scalar(db, &e, &v, sql, ""), 0, "%s: %s", sql, e.msg);
	return v;
}

static void sync_ok(int want_changed)
{
	struct err e = {0};
	int changed = -1;
	cr_assert_eq(catalog_sync(db, &changed, &e), 0, "%s", e.msg);
	cr_assert_eq(changed, want_changed, "changed %d, want %d", changed, want_changed);
}

static struct catalog *load(void)
{
	struct err e = {0};
	struct catalog *c = NULL;
	cr_assert_eq(catalog_load(db, &c, &e), 0, "%s", e.msg);
	cr_assert_not_null(c);
	return c;
}

/* Row counts of every catalog table, in a fixed order. */
static const char *const count_sql[] = {
    "SELECT count(*) FROM problems",
    "SELECT count(*) FROM problems WHERE active = 1",
    "SELECT count(*) FROM topics",
    "SELECT count(*) FROM topic_prerequisites",
    "SELECT count(*) FROM companies",
    "SELECT count(*) FROM lists",
    "SELECT count(*) FROM problem_topics",
    "SELECT count(*) FROM problem_companies",
    "SELECT count(*) FROM list_problems",
    "SELECT count(*) FROM design_topics",
    "SELECT count(*) FROM behavioral_questions",
};

static void counts(int64_t *out)
{
	for (size_t i = 0; i < ARRAY_LEN(count_sql); i++)
		out[i] = scalar(count_sql[i]);
}

/* Every problem's slug and id, as one string, to compare ids across syncs. */
static char *problem_ids(void)
{
	struct err e = {0};
	struct db_stmt *st;
	cr_assert_eq(db_query(db, &st, &e,
	                      "SELECT group_concat(slug || '=' || id, ',') FROM "
	                      "(SELECT slug, id FROM problems ORDER BY slug)",
	                      ""),
	             0, "%s", e.msg);
	cr_assert_eq(db_step(st, &e), DB_ROW, "%s", e.msg);
	char *s = strdup(db_col_text(st, 0));
	db_finish(st);
	return s;
}

/* ---- validation and sync ------------------------------------------------ */

Test(catalog_data, embedded_data_validates)
{
	struct err e = {0};
	cr_assert_eq(catalog_validate(&e), 0, "%s", e.msg);
}

Test(catalog, first_sync_fills_the_tables)
{
	sync_ok(1);
	cr_assert_geq(scalar("SELECT count(*) FROM problems WHERE active = 1"), 400);
	cr_assert_geq(scalar("SELECT count(*) FROM topics"), 18);
	cr_assert_geq(scalar("SELECT count(*) FROM design_topics"), 25);
	cr_assert_geq(scalar("SELECT count(*) FROM behavioral_questions"), 40);
	cr_assert_gt(scalar("SELECT count(*) FROM companies"), 0);
	cr_assert_eq(scalar("SELECT count(*) FROM lists"), 3);
	cr_assert_eq(scalar("SELECT count(*) FROM problems WHERE difficulty NOT IN "
	                    "('easy', 'medium', 'hard') OR url NOT LIKE 'https://%'"),
	             0);
	cr_assert_eq(scalar("SELECT count(*) FROM problems p WHERE NOT EXISTS "
	                    "(SELECT 1 FROM problem_topics t WHERE t.problem_id = p.id)"),
	             0, "every problem has a topic");
}

Test(catalog, second_sync_changes_nothing)
{
	int64_t before[ARRAY_LEN(count_sql)], after[ARRAY_LEN(count_sql)];
	sync_ok(1);
	counts(before);
	char *ids = problem_ids();
	sync_ok(0);
	counts(after);
	for (size_t i = 0; i < ARRAY_LEN(count_sql); i++)
		cr_assert_eq(after[i], before[i], "%s: %lld then %lld", count_sql[i],
		             (long long)before[i], (long long)after[i]);
	char *ids2 = problem_ids();
	cr_assert_str_eq(ids2, ids);
	free(ids);
	free(ids2);
}

Test(catalog, forced_resync_keeps_ids_and_counts)
{
	/* Without the stored checksum the data is written again: upserts keep ids. */
	int64_t before[ARRAY_LEN(count_sql)], after[ARRAY_LEN(count_sql)];
	sync_ok(1);
	counts(before);
	char *ids = problem_ids();
	int64_t topic_id = scalar("SELECT id FROM topics WHERE slug = 'graphs'");
	struct err e = {0};
	cr_assert_eq(db_exec(db, "DELETE FROM catalog_meta", &e), 0, "%s", e.msg);
	sync_ok(1);
	counts(after);
	for (size_t i = 0; i < ARRAY_LEN(count_sql); i++)
		cr_assert_eq(after[i], before[i], "%s: %lld then %lld", count_sql[i],
		             (long long)before[i], (long long)after[i]);
	char *ids2 = problem_ids();
	cr_assert_str_eq(ids2, ids, "problem ids changed on resync");
	cr_assert_eq(scalar("SELECT id FROM topics WHERE slug = 'graphs'"), topic_id);
	free(ids);
	free(ids2);
	sync_ok(0);
}

Test(catalog, sync_restores_edited_rows)
{
	sync_ok(1);
	struct err e = {0};
	cr_assert_eq(db_exec(db,
	                     "UPDATE problems SET active = 0; DELETE FROM list_problems; "
	                     "DELETE FROM catalog_meta",
	                     &e),
	             0, "%s", e.msg);
	sync_ok(1);
	cr_assert_geq(scalar("SELECT count(*) FROM problems WHERE active = 1"), 400);
	cr_assert_eq(scalar("SELECT count(*) FROM list_problems lp JOIN lists l ON "
	                    "l.id = lp.list_id WHERE l.slug = 'blind-75'"),
	             75);
}

Test(catalog, changed_may_be_null)
{
	struct err e = {0};
	cr_assert_eq(catalog_sync(db, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(catalog_sync(db, NULL, &e), 0, "%s", e.msg);
	cr_assert_geq(scalar("SELECT count(*) FROM problems"), 400);
}

/* ---- the loaded snapshot ------------------------------------------------ */

Test(catalog, load_sizes_match_the_database)
{
	sync_ok(1);
	struct catalog *c = load();
	cr_assert_eq(c->nproblems, scalar("SELECT count(*) FROM problems WHERE active = 1"));
	cr_assert_geq(c->nproblems, 400);
	cr_assert_eq(c->ntopics, scalar("SELECT count(*) FROM topics"));
	cr_assert_geq(c->ntopics, 18);
	cr_assert_eq(c->ncompanies, scalar("SELECT count(*) FROM companies"));
	cr_assert_eq(c->nlists, 3);
	cr_assert(json_is_array(c->design_topics));
	cr_assert_geq(json_array_size(c->design_topics), 25);
	cr_assert(json_is_array(c->behavioral));
	cr_assert_geq(json_array_size(c->behavioral), 40);
	catalog_free(c);
}

Test(catalog, problem_slugs_are_unique_sorted_and_found)
{
	sync_ok(1);
	struct catalog *c = load();
	for (int i = 0; i < c->nproblems; i++) {
		const struct catalog_problem *p = &c->problems[i];
		if (i > 0)
			cr_assert_lt(strcmp(c->problems[i - 1].slug, p->slug), 0,
			             "'%s' then '%s': not strictly ascending",
			             c->problems[i - 1].slug, p->slug);
		cr_assert_eq(catalog_problem_by_slug(c, p->slug), p, "by_slug('%s')", p->slug);
		cr_assert_eq(catalog_problem_by_id(c, p->id), p, "by_id(%lld)", (long long)p->id);
	}
	cr_assert_null(catalog_problem_by_slug(c, "no-such-problem"));
	cr_assert_null(catalog_problem_by_slug(c, ""));
	cr_assert_null(catalog_problem_by_slug(c, "zzzzzzzz"));
	cr_assert_null(catalog_problem_by_id(c, -1));
	catalog_free(c);
}

Test(catalog, problems_are_well_formed)
{
	sync_ok(1);
	struct catalog *c = load();
	for (int i = 0; i < c->nproblems; i++) {
		const struct catalog_problem *p = &c->problems[i];
		cr_assert(!strcmp(p->difficulty, "easy") || !strcmp(p->difficulty, "medium") ||
		              !strcmp(p->difficulty, "hard"),
		          "'%s': difficulty '%s'", p->slug, p->difficulty);
		cr_assert_eq(strncmp(p->url, "https://", 8), 0, "'%s': url '%s'", p->slug, p->url);
		cr_assert_gt(strlen(p->url), 8);
		cr_assert_gt(strlen(p->title), 0, "'%s' has no title", p->slug);
		cr_assert_geq(p->number, 0);
		cr_assert_gt(p->ntopics, 0, "'%s' has no topic", p->slug);
		for (int k = 0; k < p->ntopics; k++) {
			cr_assert_not_null(catalog_topic_by_slug(c, p->topics[k]),
			                   "'%s': unknown topic '%s'", p->slug, p->topics[k]);
			cr_assert(catalog_problem_has_topic(p, p->topics[k]));
		}
		for (int k = 0; k < p->ncompanies; k++) {
			cr_assert(catalog_has_company(c, p->companies[k].slug),
			          "'%s': company '%s'", p->slug, p->companies[k].slug);
			cr_assert(p->companies[k].frequency >= 1 && p->companies[k].frequency <= 3);
			cr_assert(catalog_problem_has_company(p, p->companies[k].slug));
		}
		for (int k = 0; k < p->nlists; k++)
			cr_assert(catalog_has_list(c, p->lists[k]), "'%s': list '%s'", p->slug,
			          p->lists[k]);
	}
	catalog_free(c);
}

Test(catalog, topic_problem_counts_add_up)
{
	sync_ok(1);
	struct catalog *c = load();
	int64_t links = 0, counted = 0;
	for (int i = 0; i < c->nproblems; i++)
		links += c->problems[i].ntopics;
	for (int i = 0; i < c->ntopics; i++)
		counted += c->topics[i].problem_count;
	cr_assert_eq(counted, links);
	cr_assert_eq(links, scalar("SELECT count(*) FROM problem_topics"));
	catalog_free(c);
}

static int list_members(const struct catalog *c, const char *list)
{
	int n = 0;
	for (int i = 0; i < c->nproblems; i++)
		n += catalog_problem_in_list(&c->problems[i], list);
	return n;
}

Test(catalog, curated_list_sizes)
{
	sync_ok(1);
	struct catalog *c = load();
	cr_assert_eq(list_members(c, "blind-75"), 75);
	cr_assert_eq(list_members(c, "neetcode-150"), 150);
	cr_assert_eq(list_members(c, "grind-75"), 75);
	cr_assert_eq(list_members(c, "no-such-list"), 0);
	cr_assert(catalog_has_list(c, "blind-75"));
	cr_assert_not(catalog_has_list(c, "no-such-list"));
	for (int i = 0; i < c->nlists; i++)
		cr_assert_eq(c->lists[i].problem_count, list_members(c, c->lists[i].slug),
		             "list '%s'", c->lists[i].slug);
	catalog_free(c);
}

/* Depth-first search for a cycle through T; STATE: 0 new, 1 on path, 2 done. */
static int has_cycle(const struct catalog *c, int t, int *state)
{
	if (state[t] == 1)
		return 1;
	if (state[t] == 2)
		return 0;
	state[t] = 1;
	for (int k = 0; k < c->topics[t].nprereq; k++) {
		const struct catalog_topic *p =
		    catalog_topic_by_slug(c, c->topics[t].prerequisites[k]);
		if (p && has_cycle(c, (int)(p - c->topics), state))
			return 1;
	}
	state[t] = 2;
	return 0;
}

Test(catalog, prerequisites_are_known_and_acyclic)
{
	sync_ok(1);
	struct catalog *c = load();
	int64_t total = 0;
	for (int i = 0; i < c->ntopics; i++) {
		const struct catalog_topic *t = &c->topics[i];
		cr_assert_eq(catalog_topic_by_slug(c, t->slug), t);
		cr_assert_gt(strlen(t->name), 0, "topic '%s' has no name", t->slug);
		for (int k = 0; k < t->nprereq; k++) {
			cr_assert_not_null(catalog_topic_by_slug(c, t->prerequisites[k]),
			                   "'%s': unknown prerequisite '%s'", t->slug,
			                   t->prerequisites[k]);
			cr_assert_str_neq(t->prerequisites[k], t->slug, "'%s' requires itself",
			                  t->slug);
		}
		total += t->nprereq;
	}
	cr_assert_eq(total, scalar("SELECT count(*) FROM topic_prerequisites"),
	             "every stored prerequisite is loaded");
	cr_assert_gt(total, 0);
	int *state = calloc((size_t)c->ntopics, sizeof(int));
	for (int i = 0; i < c->ntopics; i++)
		cr_assert_not(has_cycle(c, i, state), "a cycle through '%s'", c->topics[i].slug);
	free(state);
	cr_assert_null(catalog_topic_by_slug(c, "no-such-topic"));
	catalog_free(c);
}

Test(catalog, design_and_behavioral_json_shapes)
{
	sync_ok(1);
	struct catalog *c = load();
	size_t i;
	json_t *o;
	json_array_foreach(c->design_topics, i, o)
	{
		cr_assert(json_is_string(json_object_get(o, "slug")));
		cr_assert(json_is_string(json_object_get(o, "title")));
		cr_assert(json_is_array(json_object_get(o, "checklist")), "#%zu checklist", i);
		cr_assert_gt(json_array_size(json_object_get(o, "checklist")), 0);
		cr_assert(json_is_array(json_object_get(o, "concepts")));
		cr_assert(json_is_array(json_object_get(o, "companies")));
	}
	json_array_foreach(c->behavioral, i, o)
	{
		cr_assert(json_is_string(json_object_get(o, "question")));
		cr_assert(json_is_string(json_object_get(o, "competency")));
		cr_assert(json_is_array(json_object_get(o, "leadership_principles")));
		cr_assert(json_is_array(json_object_get(o, "follow_ups")));
	}
	catalog_free(c);
}

Test(catalog, problem_json)
{
	sync_ok(1);
	struct catalog *c = load();
	const struct catalog_problem *p = &c->problems[0];
	json_t *j = catalog_problem_json(p);
	cr_assert(json_is_object(j));
	cr_assert_str_eq(json_string_value(json_object_get(j, "slug")), p->slug);
	cr_assert_str_eq(json_string_value(json_object_get(j, "difficulty")), p->difficulty);
	cr_assert_str_eq(json_string_value(json_object_get(j, "url")), p->url);
	cr_assert_eq(json_array_size(json_object_get(j, "topics")), (size_t)p->ntopics);
	cr_assert_eq(json_array_size(json_object_get(j, "lists")), (size_t)p->nlists);
	cr_assert_eq(json_array_size(json_object_get(j, "companies")), (size_t)p->ncompanies);
	if (p->number)
		cr_assert_eq(json_integer_value(json_object_get(j, "number")), p->number);
	else
		cr_assert(json_is_null(json_object_get(j, "number")));
	json_decref(j);
	catalog_free(c);
}

Test(catalog, empty_database_loads_empty)
{
	struct catalog *c = load();
	cr_assert_eq(c->nproblems, 0);
	cr_assert_eq(c->ntopics, 0);
	cr_assert_null(catalog_problem_by_slug(c, "two-sum"));
	catalog_free(c);
	catalog_free(NULL);
}
