/*
 * catalog.c: validation of the embedded catalog data, its idempotent sync
 * into the database, and the in-memory snapshot served to requests.
 */
#include "catalog/catalog.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/embedded.h"
#include "core/json.h"
#include "core/log.h"

#define MIN_PROBLEMS         400
#define MIN_TOPICS           18
#define MIN_DESIGN_TOPICS    25
#define MIN_BEHAVIORAL       40
#define MAX_SLUG_LEN         100
#define DATA_PREFIX_PROBLEMS "data/problems"

/* The parsed data files. */
struct data {
	json_t *topics, *companies, *lists, *problems, *design, *behavioral;
};

static void data_release(struct data *d)
{
	json_decref(d->topics);
	json_decref(d->companies);
	json_decref(d->lists);
	json_decref(d->problems);
	json_decref(d->design);
	json_decref(d->behavioral);
	memset(d, 0, sizeof(*d));
}

static int parse_file(const struct embedded_file *f, json_t **out, struct err *e)
{
	json_error_t je;
	json_t *v = json_loadb(f->data, f->size, JSON_REJECT_DUPLICATES, &je);
	if (!v)
		return err_set(e, ERR_INVALID, "invalid_catalog", "%s:%d: %s", f->path, je.line,
		               je.text);
	if (!json_is_array(v)) {
		json_decref(v);
		return err_set(e, ERR_INVALID, "invalid_catalog", "%s: expected a JSON array",
		               f->path);
	}
	*out = v;
	return 0;
}

static int load_named(const char *path, json_t **out, struct err *e)
{
	const struct embedded_file *f = embedded_find(path);
	if (!f)
		return err_set(e, ERR_INVALID, "invalid_catalog", "missing data file '%s'", path);
	return parse_file(f, out, e);
}

static int data_read(struct data *d, struct err *e)
{
	int rc;
	memset(d, 0, sizeof(*d));
	d->problems = json_array();
	if ((rc = load_named("data/topics.json", &d->topics, e)) ||
	    (rc = load_named("data/companies.json", &d->companies, e)) ||
	    (rc = load_named("data/lists.json", &d->lists, e)) ||
	    (rc = load_named("data/system_design.json", &d->design, e)) ||
	    (rc = load_named("data/behavioral.json", &d->behavioral, e)))
		goto fail;
	for (const struct embedded_file *f = embedded_files; f->path; f++) {
		if (strncmp(f->path, DATA_PREFIX_PROBLEMS, strlen(DATA_PREFIX_PROBLEMS)) != 0)
			continue;
		json_t *arr;
		if ((rc = parse_file(f, &arr, e)))
			goto fail;
		json_array_extend(d->problems, arr);
		json_decref(arr);
	}
	return 0;
fail:
	data_release(d);
	return rc;
}

static int slug_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > MAX_SLUG_LEN || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static int difficulty_ok(const char *s)
{
	return s && (!strcmp(s, "easy") || !strcmp(s, "medium") || !strcmp(s, "hard"));
}

/* Index of the object whose "slug" is SLUG in ARR, or -1. */
static int find_slug(json_t *arr, const char *slug)
{
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o)
	{
		const char *s = json_str(o, "slug");
		if (s && strcmp(s, slug) == 0)
			return (int)i;
	}
	return -1;
}

/* Slugs present, non-empty, well-formed and unique in ARR. */
static int check_slugs(json_t *arr, const char *what, struct err *e)
{
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o)
	{
		const char *s = json_str(o, "slug");
		if (!json_is_object(o) || !slug_ok(s))
			return err_set(e, ERR_INVALID, "invalid_catalog", "%s #%zu: bad slug", what,
			               i);
		if (find_slug(arr, s) != (int)i)
			return err_set(e, ERR_INVALID, "invalid_catalog", "%s: duplicate slug '%s'",
			               what, s);
	}
	return 0;
}

static int check_string_array(json_t *o, const char *key, int required, const char *where,
                              struct err *e)
{
	json_t *a = json_object_get(o, key);
	if (!a && !required)
		return 0;
	size_t i;
	json_t *x;
	if (!json_is_array(a) || (required && json_array_size(a) == 0))
		return err_set(e, ERR_INVALID, "invalid_catalog", "%s: '%s' must be a list", where,
		               key);
	json_array_foreach(a, i, x)
	{
		if (!json_is_string(x) || json_string_length(x) == 0)
			return err_set(e, ERR_INVALID, "invalid_catalog",
			               "%s: '%s' must hold strings", where, key);
	}
	return 0;
}

/* Detects a cycle in topic prerequisites by depth-first search. */
static int topic_cycle(json_t *topics, int at, int *state)
{
	if (state[at] == 1)
		return 1;
	if (state[at] == 2)
		return 0;
	state[at] = 1;
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(json_array_get(topics, (size_t)at), "prerequisites"), i,
	                   p)
	{
		int k = find_slug(topics, json_string_value(p));
		if (k >= 0 && topic_cycle(topics, k, state))
			return 1;
	}
	state[at] = 2;
	return 0;
}

static int validate_data(struct data *d, struct err *e)
{
	int rc;
	size_t i;
	json_t *o;
	if ((rc = check_slugs(d->topics, "topics", e)) ||
	    (rc = check_slugs(d->companies, "companies", e)) ||
	    (rc = check_slugs(d->lists, "lists", e)) ||
	    (rc = check_slugs(d->problems, "problems", e)) ||
	    (rc = check_slugs(d->design, "system_design", e)) ||
	    (rc = check_slugs(d->behavioral, "behavioral", e)))
		return rc;
	json_array_foreach(d->topics, i, o)
	{
		const char *slug = json_str(o, "slug");
		if (!json_str(o, "name"))
			return err_set(e, ERR_INVALID, "invalid_catalog", "topic '%s': no name",
			               slug);
		if ((rc = check_string_array(o, "prerequisites", 0, slug, e)))
			return rc;
		size_t k;
		json_t *p;
		json_array_foreach(json_object_get(o, "prerequisites"), k, p)
		{
			if (find_slug(d->topics, json_string_value(p)) < 0)
				return err_set(e, ERR_INVALID, "invalid_catalog",
				               "topic '%s': unknown prerequisite '%s'", slug,
				               json_string_value(p));
		}
	}
	int *state = xcalloc(json_array_size(d->topics), sizeof(int));
	for (i = 0; i < json_array_size(d->topics); i++) {
		if (topic_cycle(d->topics, (int)i, state)) {
			free(state);
			return err_set(e, ERR_INVALID, "invalid_catalog",
			               "topic prerequisites form a cycle");
		}
	}
	free(state);
	json_array_foreach(d->companies, i, o)
	{
		if (!json_str(o, "name"))
			return err_set(e, ERR_INVALID, "invalid_catalog", "company #%zu: no name",
			               i);
	}
	json_array_foreach(d->lists, i, o)
	{
		if (!json_str(o, "name"))
			return err_set(e, ERR_INVALID, "invalid_catalog", "list #%zu: no name", i);
	}
	json_array_foreach(d->problems, i, o)
	{
		const char *slug = json_str(o, "slug");
		json_t *num = json_object_get(o, "number");
		if (!json_str(o, "title") || !json_str(o, "url") ||
		    strncmp(json_str(o, "url"), "https://", 8) != 0)
			return err_set(e, ERR_INVALID, "invalid_catalog",
			               "problem '%s': needs a title and an https url", slug);
		if (!difficulty_ok(json_str(o, "difficulty")))
			return err_set(e, ERR_INVALID, "invalid_catalog",
			               "problem '%s': difficulty must be easy, medium or hard",
			               slug);
		if (num && (!json_is_integer(num) || json_integer_value(num) <= 0))
			return err_set(e, ERR_INVALID, "invalid_catalog",
			               "problem '%s': number must be a positive integer", slug);
		for (size_t k = 0; num && k < i; k++) {
			json_t *other = json_object_get(json_array_get(d->problems, k), "number");
			if (other && json_integer_value(other) == json_integer_value(num))
				return err_set(e, ERR_INVALID, "invalid_catalog",
				               "problem '%s': duplicate number %lld", slug,
				               (long long)json_integer_value(num));
		}
		if ((rc = check_string_array(o, "topics", 1, slug, e)) ||
		    (rc = check_string_array(o, "lists", 0, slug, e)))
			return rc;
		json_t *topics = json_object_get(o, "topics");
		if (json_array_size(topics) > CATALOG_MAX_TOPICS_PER_PROBLEM)
			return err_set(e, ERR_INVALID, "invalid_catalog",
			               "problem '%s': too many topics", slug);
		size_t k;
		json_t *x;
		json_array_foreach(topics, k, x)
		{
			if (find_slug(d->topics, json_string_value(x)) < 0)
				return err_set(e, ERR_INVALID, "invalid_catalog",
				               "problem '%s': unknown topic '%s'", slug,
				               json_string_value(x));
		}
		json_array_foreach(json_object_get(o, "lists"), k, x)
		{
			if (find_slug(d->lists, json_string_value(x)) < 0)
				return err_set(e, ERR_INVALID, "invalid_catalog",
				               "problem '%s': unknown list '%s'", slug,
				               json_string_value(x));
		}
		json_t *companies = json_object_get(o, "companies");
		if (companies && !json_is_object(companies))
			return err_set(e, ERR_INVALID, "invalid_catalog",
			               "problem '%s': companies must map slug to frequency", slug);
		if (json_object_size(companies) > CATALOG_MAX_COMPANIES_PER_PROBLEM)
			return err_set(e, ERR_INVALID, "invalid_catalog",
			               "problem '%s': too many companies", slug);
		const char *ck;
		json_object_foreach(companies, ck, x)
		{
			if (find_slug(d->companies, ck) < 0)
				return err_set(e, ERR_INVALID, "invalid_catalog",
				               "problem '%s': unknown company '%s'", slug, ck);
			if (!json_is_integer(x) || json_integer_value(x) < 1 ||
			    json_integer_value(x) > 3)
				return err_set(e, ERR_INVALID, "invalid_catalog",
				               "problem '%s': frequency of '%s' must be 1..3", slug,
				               ck);
		}
	}
	json_array_foreach(d->design, i, o)
	{
		const char *slug = json_str(o, "slug");
		if (!json_str(o, "title") || !json_str(o, "category") ||
		    !difficulty_ok(json_str(o, "difficulty")))
			return err_set(e, ERR_INVALID, "invalid_catalog",
			               "design topic '%s': needs title, category, difficulty",
			               slug);
		if ((rc = check_string_array(o, "checklist", 1, slug, e)) ||
		    (rc = check_string_array(o, "concepts", 0, slug, e)) ||
		    (rc = check_string_array(o, "companies", 0, slug, e)))
			return rc;
	}
	json_array_foreach(d->behavioral, i, o)
	{
		const char *slug = json_str(o, "slug");
		if (!json_str(o, "question") || !json_str(o, "competency"))
			return err_set(e, ERR_INVALID, "invalid_catalog",
			               "behavioral question '%s': needs question and competency",
			               slug);
		if ((rc = check_string_array(o, "follow_ups", 0, slug, e)) ||
		    (rc = check_string_array(o, "leadership_principles", 0, slug, e)))
			return rc;
	}
	if (json_array_size(d->problems) < MIN_PROBLEMS ||
	    json_array_size(d->topics) < MIN_TOPICS ||
	    json_array_size(d->design) < MIN_DESIGN_TOPICS ||
	    json_array_size(d->behavioral) < MIN_BEHAVIORAL)
		return err_set(e, ERR_INVALID, "invalid_catalog",
		               "catalog too small: %zu problems, %zu topics, %zu design topics, "
		               "%zu behavioral questions",
		               json_array_size(d->problems), json_array_size(d->topics),
		               json_array_size(d->design), json_array_size(d->behavioral));
	return 0;
}

int catalog_validate(struct err *e)
{
	struct data d;
	int rc = data_read(&d, e);
	if (rc)
		return rc;
	rc = validate_data(&d, e);
	data_release(&d);
	return rc;
}

/* SHA-256 over every data file's path and contents, hex-encoded. */
static void data_checksum(char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (const struct embedded_file *f = embedded_files; f->path; f++) {
		if (strncmp(f->path, "data/", 5) != 0)
			continue;
		EVP_DigestUpdate(ctx, f->path, strlen(f->path) + 1);
		EVP_DigestUpdate(ctx, f->data, f->size);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	hex_encode(md, 32, out);
}

static int returning_id(struct db_stmt *st, int64_t *id, struct err *e)
{
	int rc = db_step(st, e);
	if (rc == DB_ROW) {
		*id = db_col_int(st, 0);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = err_set(e, ERR_INTERNAL, "database_error", "upsert returned no row");
	}
	db_finish(st);
	return rc;
}

static char *json_text(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_dumps(v ? v : json_array(), JSON_COMPACT);
}

/* Deletes rows of TABLE whose slug is not in ARR. */
static int sweep(struct db *db, const char *select_sql, const char *delete_sql, json_t *arr,
                 struct err *e)
{
	struct db_stmt *st;
	int rc = db_query(db, &st, e, select_sql, "");
	if (rc)
		return rc;
	json_t *gone = json_array();
	while ((rc = db_step(st, e)) == DB_ROW)
		if (find_slug(arr, db_col_text(st, 0)) < 0)
			json_array_append_new(gone, json_string(db_col_text(st, 0)));
	db_finish(st);
	size_t i;
	json_t *s;
	json_array_foreach(gone, i, s)
	{
		if (rc < 0)
			break;
		rc = db_run(db, e, NULL, delete_sql, "t", json_string_value(s));
	}
	json_decref(gone);
	return rc < 0 ? rc : 0;
}

static int write_data(struct db *db, struct data *d, struct err *e)
{
	int rc = 0;
	size_t i, k;
	json_t *o, *x;
	struct db_stmt *st;
	int64_t *topic_ids = xcalloc(json_array_size(d->topics) + 1, sizeof(int64_t));
	int64_t *company_ids = xcalloc(json_array_size(d->companies) + 1, sizeof(int64_t));
	int64_t *list_ids = xcalloc(json_array_size(d->lists) + 1, sizeof(int64_t));

	/* Join tables are rebuilt from scratch; entities are upserted so ids stay. */
	if ((rc = db_exec(db,
	                  "DELETE FROM topic_prerequisites; DELETE FROM problem_topics;"
	                  "DELETE FROM problem_companies; DELETE FROM list_problems;"
	                  "UPDATE problems SET active = 0;",
	                  e)))
		goto out;
	json_array_foreach(d->topics, i, o)
	{
		if ((rc = db_query(db, &st, e,
		                   "INSERT INTO topics (slug, name, description, position) "
		                   "VALUES (?, ?, ?, ?) ON CONFLICT (slug) DO UPDATE SET "
		                   "name = excluded.name, description = excluded.description, "
		                   "position = excluded.position RETURNING id",
		                   "ttti", json_str(o, "slug"), json_str(o, "name"),
		                   json_str(o, "description") ? json_str(o, "description") : "",
		                   (int64_t)i)) ||
		    (rc = returning_id(st, &topic_ids[i], e)))
			goto out;
	}
	json_array_foreach(d->topics, i, o)
	{
		json_array_foreach(json_object_get(o, "prerequisites"), k, x)
		{
			int p = find_slug(d->topics, json_string_value(x));
			if ((rc = db_run(
			         db, e, NULL,
			         "INSERT INTO topic_prerequisites (topic_id, prerequisite_id) "
			         "VALUES (?, ?)",
			         "ii", topic_ids[i], topic_ids[p])))
				goto out;
		}
	}
	json_array_foreach(d->companies, i, o)
	{
		if ((rc = db_query(
		         db, &st, e,
		         "INSERT INTO companies (slug, name) VALUES (?, ?) "
		         "ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id",
		         "tt", json_str(o, "slug"), json_str(o, "name"))) ||
		    (rc = returning_id(st, &company_ids[i], e)))
			goto out;
	}
	json_array_foreach(d->lists, i, o)
	{
		if ((rc = db_query(db, &st, e,
		                   "INSERT INTO lists (slug, name, description) VALUES (?, ?, ?) "
		                   "ON CONFLICT (slug) DO UPDATE SET name = excluded.name, "
		                   "description = excluded.description RETURNING id",
		                   "ttt", json_str(o, "slug"), json_str(o, "name"),
		                   json_str(o, "description") ? json_str(o, "description") : "")) ||
		    (rc = returning_id(st, &list_ids[i], e)))
			goto out;
	}
	json_array_foreach(d->problems, i, o)
	{
		int64_t pid;
		json_t *num = json_object_get(o, "number");
		if ((rc = db_query(
		         db, &st, e,
		         "INSERT INTO problems (slug, number, title, difficulty, url, active) "
		         "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (slug) DO UPDATE SET "
		         "number = excluded.number, title = excluded.title, "
		         "difficulty = excluded.difficulty, url = excluded.url, active = 1 "
		         "RETURNING id",
		         "tittt", json_str(o, "slug"), (int64_t)(num ? json_integer_value(num) : 0),
		         json_str(o, "title"), json_str(o, "difficulty"), json_str(o, "url"))) ||
		    (rc = returning_id(st, &pid, e)))
			goto out;
		if (!num &&
		    (rc = db_run(db, e, NULL, "UPDATE problems SET number = NULL WHERE id = ?", "i",
		                 pid)))
			goto out;
		json_array_foreach(json_object_get(o, "topics"), k, x)
		{
			int t = find_slug(d->topics, json_string_value(x));
			if ((rc = db_run(
			         db, e, NULL,
			         "INSERT INTO problem_topics (problem_id, topic_id, position) "
			         "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			         "iii", pid, topic_ids[t], (int64_t)k)))
				goto out;
		}
		const char *ck;
		json_object_foreach(json_object_get(o, "companies"), ck, x)
		{
			int c = find_slug(d->companies, ck);
			if ((rc = db_run(db, e, NULL,
			                 "INSERT INTO problem_companies (problem_id, company_id, "
			                 "frequency) VALUES (?, ?, ?)",
			                 "iii", pid, company_ids[c],
			                 (int64_t)json_integer_value(x))))
				goto out;
		}
		json_array_foreach(json_object_get(o, "lists"), k, x)
		{
			int l = find_slug(d->lists, json_string_value(x));
			if ((rc =
			         db_run(db, e, NULL,
			                "INSERT INTO list_problems (list_id, problem_id, position) "
			                "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			                "iii", list_ids[l], pid, (int64_t)i)))
				goto out;
		}
	}
	json_array_foreach(d->design, i, o)
	{
		char *checklist = json_text(o, "checklist"), *concepts = json_text(o, "concepts"),
		     *companies = json_text(o, "companies");
		rc = db_run(
		    db, e, NULL,
		    "INSERT INTO design_topics (slug, title, category, difficulty, summary, "
		    "checklist, concepts, companies) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
		    "ON CONFLICT (slug) DO UPDATE SET title = excluded.title, "
		    "category = excluded.category, difficulty = excluded.difficulty, "
		    "summary = excluded.summary, checklist = excluded.checklist, "
		    "concepts = excluded.concepts, companies = excluded.companies",
		    "tttttttt", json_str(o, "slug"), json_str(o, "title"), json_str(o, "category"),
		    json_str(o, "difficulty"), json_str(o, "summary") ? json_str(o, "summary") : "",
		    checklist, concepts, companies);
		free(checklist);
		free(concepts);
		free(companies);
		if (rc)
			goto out;
	}
	json_array_foreach(d->behavioral, i, o)
	{
		char *lp = json_text(o, "leadership_principles"), *fu = json_text(o, "follow_ups");
		rc = db_run(db, e, NULL,
		            "INSERT INTO behavioral_questions (slug, question, competency, level, "
		            "leadership_principles, follow_ups) VALUES (?, ?, ?, ?, ?, ?) "
		            "ON CONFLICT (slug) DO UPDATE SET question = excluded.question, "
		            "competency = excluded.competency, level = excluded.level, "
		            "leadership_principles = excluded.leadership_principles, "
		            "follow_ups = excluded.follow_ups",
		            "tttttt", json_str(o, "slug"), json_str(o, "question"),
		            json_str(o, "competency"),
		            json_str(o, "level") ? json_str(o, "level") : "all", lp, fu);
		free(lp);
		free(fu);
		if (rc)
			goto out;
	}
	if ((rc = sweep(db, "SELECT slug FROM design_topics",
	                "DELETE FROM design_topics WHERE slug = ?", d->design, e)) ||
	    (rc = sweep(db, "SELECT slug FROM behavioral_questions",
	                "DELETE FROM behavioral_questions WHERE slug = ?", d->behavioral, e)) ||
	    (rc = sweep(db, "SELECT slug FROM topics", "DELETE FROM topics WHERE slug = ?",
	                d->topics, e)) ||
	    (rc = sweep(db, "SELECT slug FROM companies", "DELETE FROM companies WHERE slug = ?",
	                d->companies, e)) ||
	    (rc = sweep(db, "SELECT slug FROM lists", "DELETE FROM lists WHERE slug = ?", d->lists,
	                e)))
		goto out;
out:
	free(topic_ids);
	free(company_ids);
	free(list_ids);
	return rc;
}

/* 1 if the stored checksum equals SUM. */
static int stored_checksum_is(struct db *db, const char *sum, int *same, struct err *e)
{
	struct db_stmt *st;
	int rc =
	    db_query(db, &st, e, "SELECT value FROM catalog_meta WHERE key = 'data_sha256'", "");
	if (rc)
		return rc;
	rc = db_step(st, e);
	*same = rc == DB_ROW && strcmp(db_col_text(st, 0), sum) == 0;
	db_finish(st);
	return rc < 0 ? rc : 0;
}

int catalog_sync(struct db *db, int *changed, struct err *e)
{
	struct data d;
	char sum[65];
	int same, rc;
	if (changed)
		*changed = 0;
	/* The common case, data unchanged since the last sync, costs one hash and one query. */
	data_checksum(sum);
	if ((rc = stored_checksum_is(db, sum, &same, e)))
		return rc;
	if (same)
		return 0;
	if ((rc = data_read(&d, e)))
		return rc;
	if ((rc = validate_data(&d, e)))
		goto out;
	if ((rc = db_begin(db, e)))
		goto out;
	/* Another process may have synced while we validated. */
	if ((rc = stored_checksum_is(db, sum, &same, e)))
		goto fail;
	if (same) {
		db_rollback(db);
		goto out;
	}
	if ((rc = write_data(db, &d, e)))
		goto fail;
	if ((rc = db_run(db, e, NULL,
	                 "INSERT INTO catalog_meta (key, value) VALUES ('data_sha256', ?) "
	                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	                 "t", sum)))
		goto fail;
	if ((rc = db_commit(db, e)))
		goto fail;
	log_info("catalog synced: %zu problems, %zu topics, %zu design topics, %zu behavioral "
	         "questions",
	         json_array_size(d.problems), json_array_size(d.topics), json_array_size(d.design),
	         json_array_size(d.behavioral));
	if (changed)
		*changed = 1;
	goto out;
fail:
	db_rollback(db);
out:
	data_release(&d);
	return rc;
}
