/*
 * catalog.h: the problem catalog (coding problems, topics with
 * prerequisites, companies, curated lists, system-design topics and
 * behavioral questions).
 *
 * The catalog ships as JSON files in data/, embedded in the binary.
 * catalog_sync() validates them and upserts them into the database
 * (idempotent: a second run with the same data changes nothing; edited data
 * updates rows). catalog_load() reads the database into an immutable
 * in-memory snapshot that request handlers share without locks: the catalog
 * is a few hundred rows and changes only when the binary does.
 */
#ifndef MAANG_CATALOG_H
#define MAANG_CATALOG_H

#include <jansson.h>
#include <stdint.h>

#include "core/util.h"
#include "db/db.h"

#define CATALOG_MAX_TOPICS_PER_PROBLEM    8
#define CATALOG_MAX_COMPANIES_PER_PROBLEM 12

struct catalog_company_ref {
	const char *slug;
	int frequency; /* 1..3, 3 = most often reported */
};

struct catalog_problem {
	int64_t id;
	char *slug;
	int number;
	char *title;
	char *difficulty; /* "easy", "medium" or "hard" */
	char *url;
	const char *topics[CATALOG_MAX_TOPICS_PER_PROBLEM]; /* slugs, main topic first */
	int ntopics;
	struct catalog_company_ref companies[CATALOG_MAX_COMPANIES_PER_PROBLEM];
	int ncompanies;
	const char **lists; /* slugs */
	int nlists;
};

struct catalog_topic {
	int64_t id;
	char *slug;
	char *name;
	char *description;
	const char **prerequisites; /* slugs */
	int nprereq;
	int problem_count; /* active problems whose topics include this one */
};

struct catalog_named {
	int64_t id;
	char *slug;
	char *name;
	char *description; /* lists only */
	int problem_count;
};

struct catalog {
	struct catalog_problem *problems; /* sorted by slug */
	int nproblems;
	int *by_id;                   /* problem id -> index in problems, -1 for none */
	int64_t max_id;               /* largest problem id */
	struct catalog_topic *topics; /* in roadmap order */
	int ntopics;
	struct catalog_named *companies; /* by name */
	int ncompanies;
	struct catalog_named *lists;
	int nlists;
	json_t *design_topics; /* array of objects, as served */
	json_t *behavioral;    /* array of objects, as served */
	char **strings;        /* owned strings the pointers above refer to */
	int nstrings;
	char version[17]; /* hex digest of the problems as served: part of cache keys */
};

/*
 * Checks the embedded data files: well-formed, unique slugs and numbers,
 * known topics/companies/lists, valid difficulties, acyclic prerequisites,
 * minimum sizes. ERR_INVALID with the first problem found.
 */
int catalog_validate(struct err *e);
/*
 * Validates the embedded data, then writes it to the database in one
 * transaction unless its checksum matches the one stored last time.
 * *CHANGED (may be NULL) is set to 1 if rows were written.
 */
int catalog_sync(struct db *db, int *changed, struct err *e);
/*
 * Reads the catalog from the database and computes its version; the caller
 * owns *OUT (catalog_free).
 */
int catalog_load(struct db *db, struct catalog **out, struct err *e);
void catalog_free(struct catalog *c);

const struct catalog_problem *catalog_problem_by_slug(const struct catalog *c, const char *slug);
const struct catalog_problem *catalog_problem_by_id(const struct catalog *c, int64_t id);
const struct catalog_topic *catalog_topic_by_slug(const struct catalog *c, const char *slug);
int catalog_has_company(const struct catalog *c, const char *slug);
int catalog_has_list(const struct catalog *c, const char *slug);
int catalog_problem_in_list(const struct catalog_problem *p, const char *list);
int catalog_problem_has_topic(const struct catalog_problem *p, const char *topic);
int catalog_problem_has_company(const struct catalog_problem *p, const char *company);

/* {slug,number,title,difficulty,topics,companies,lists,url}; a new reference. */
json_t *catalog_problem_json(const struct catalog_problem *p);

#endif
