/*
 * test_db.c: the database layer with the SQLite driver on a temporary
 * file: URL dispatch, typed binds that round-trip exactly, row iteration,
 * RETURNING, error mapping, transactions, the per-connection statement
 * cache, one connection per thread, and migrations.
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/embedded.h"
#include "db/db.h"
#include "db/migrate.h"

static char dir[64];
static char url[128];
static struct db_pool *pool;
static struct db *db;

static void rm_db_files(const char *base)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char path[256];
	for (size_t i = 0; i < ARRAY_LEN(suffix); i++) {
		snprintf(path, sizeof(path), "%s%s", base, suffix[i]);
		unlink(path);
	}
}

static void setup(void)
{
	str_copy(dir, sizeof(dir), "/tmp/maang-db-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(url, sizeof(url), "sqlite:%s/test.db", dir);
	struct err e = {0};
	cr_assert_eq(db_pool_open(url, 4, &pool, &e), 0, "%s", e.msg);
	cr_assert_eq(db_acquire(pool, &db, &e), 0, "%s", e.msg);
}

static void teardown(void)
{
	char path[128];
	if (db)
		db_release(db);
	db_pool_close(pool);
	pool = NULL;
	db = NULL;
	snprintf(path, sizeof(path), "%s/test.db", dir);
	rm_db_files(path);
	rmdir(dir);
}

TestSuite(db, .init = setup, .fini = teardown);
TestSuite(db_open);

/* Runs SQL that must succeed. */
static void exec_ok(const char *sql)
{
	struct err e = {0};
	cr_assert_eq(db_exec(db, sql, &e), 0, "%s: %s", sql, e.msg);
}

static int64_t scalar(const char *sql)
{
	struct err e = {0};
	int64_t v = -12345;
	cr_assert_eq(db_scalar(db, &e, &v, sql, ""), 0, "%s: %s", sql, e.msg);
	return v;
}

/* ---- opening ------------------------------------------------------------ */

static void assert_open_fails(const char *u, int code, const char *id)
{
	struct err e = {0};
	struct db_pool *p = (struct db_pool *)0x1;
	int rc = db_pool_open(u, 2, &p, &e);
	cr_assert_eq(rc, code, "'%s' gave %d, want %d (%s)", u, rc, code, e.msg);
	cr_assert_eq(e.code, code);
	if (id)
		cr_assert_str_eq(e.id, id, "'%s': %s", u, e.msg);
	cr_assert_eq(p, (struct db_pool *)0x1, "'%s': out-parameter written on failure", u);
}

Test(db_open, bad_scheme_is_invalid)
{
	assert_open_fails("mysql://root@localhost/maang", ERR_INVALID, "invalid_database_url");
	assert_open_fails("", ERR_INVALID, "invalid_database_url");
	assert_open_fails("./data/maang.db", ERR_INVALID, "invalid_database_url");
	assert_open_fails("sqlite:", ERR_INVALID, "invalid_database_url");
}

Test(db_open, postgres_without_a_server_is_unavailable)
{
	/* Nothing listens on port 1: the driver answers 503, it does not crash or hang. */
	assert_open_fails("postgresql://u:p@127.0.0.1:1/maang", ERR_UNAVAILABLE,
	                  "database_unavailable");
}

Test(db_open, unopenable_path_is_unavailable)
{
	char d[64], file[128], u[192];
	str_copy(d, sizeof(d), "/tmp/maang-db-XXXXXX");
	cr_assert_not_null(mkdtemp(d));
	snprintf(file, sizeof(file), "%s/plain-file", d);
	FILE *f = fopen(file, "w");
	cr_assert_not_null(f);
	fclose(f);
	/* A regular file where a directory is needed. */
	snprintf(u, sizeof(u), "sqlite:%s/sub/x.db", file);
	assert_open_fails(u, ERR_UNAVAILABLE, NULL);
	unlink(file);
	rmdir(d);
}

Test(db_open, creates_parent_directories)
{
	char d[64], u[192], path[192], sub[192];
	str_copy(d, sizeof(d), "/tmp/maang-db-XXXXXX");
	cr_assert_not_null(mkdtemp(d));
	snprintf(u, sizeof(u), "sqlite:%s/a/b/x.db", d);
	struct err e = {0};
	struct db_pool *p;
	cr_assert_eq(db_pool_open(u, 2, &p, &e), 0, "%s", e.msg);
	cr_assert_str_eq(db_pool_dialect(p), "sqlite");
	db_pool_close(p);
	snprintf(path, sizeof(path), "%s/a/b/x.db", d);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0, "the database file exists");
	rm_db_files(path);
	snprintf(sub, sizeof(sub), "%s/a/b", d);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/a", d);
	rmdir(sub);
	rmdir(d);
}

Test(db, dialect)
{
	cr_assert_str_eq(db_dialect(db), "sqlite");
	cr_assert_str_eq(db_pool_dialect(pool), "sqlite");
}

/* ---- exec and binds ----------------------------------------------------- */

Test(db, exec_ddl_and_errors)
{
	exec_ok("CREATE TABLE a (x INTEGER); CREATE TABLE b (y TEXT); INSERT INTO a VALUES (1)");
	cr_assert_eq(scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
	                    "name IN ('a', 'b')"),
	             2);
	cr_assert_eq(scalar("SELECT x FROM a"), 1);
	struct err e = {0};
	cr_assert_eq(db_exec(db, "CREATE TABLE a (x INTEGER)", &e), ERR_INTERNAL,
	             "the table exists already");
	cr_assert_str_eq(e.id, "database_error");
	cr_assert(strstr(e.msg, "already exists"), "the driver's reason is given: %s", e.msg);
	cr_assert_eq(db_exec(db, "SELEKT 1", &e), ERR_INTERNAL);
}

Test(db, typed_binds_round_trip)
{
	static const char text[] =
	    "it's \"quoted\"; -- DROP TABLE t; \\ h\xc3\xa9llo \xf0\x9f\x98\x80";
	static const unsigned char blob[] = {'a', 0, 'b', 0, 0xff, 0};
	exec_ok("CREATE TABLE t (k INTEGER PRIMARY KEY, s TEXT, i INTEGER, lo INTEGER, d REAL, "
	        "b BLOB, n TEXT, tn TEXT, o1 INTEGER, o2 INTEGER, o3 INTEGER)");
	struct err e = {0};
	int64_t changes = -1;
	int rc = db_run(db, &e, &changes,
	                "INSERT INTO t (s, i, lo, d, b, n, tn, o1, o2, o3) "
	                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                "tiidbntooo", text, (int64_t)INT64_MAX, (int64_t)INT64_MIN,
	                3.141592653589793, (const void *)blob, sizeof(blob), (const char *)NULL,
	                (int64_t)-1, (int64_t)0, (int64_t)42);
	cr_assert_eq(rc, 0, "%s", e.msg);
	cr_assert_eq(changes, 1);

	struct db_stmt *st;
	cr_assert_eq(db_query(db, &st, &e,
	                      "SELECT s, i, lo, d, b, n, tn, o1, o2, o3, typeof(b), typeof(n), "
	                      "typeof(tn), typeof(o1) FROM t",
	                      ""),
	             0, "%s", e.msg);
	cr_assert_eq(db_step(st, &e), DB_ROW, "%s", e.msg);
	cr_assert_eq(db_col_count(st), 14);
	cr_assert_str_eq(db_col_text(st, 0), text);
	cr_assert_eq(db_col_int(st, 1), INT64_MAX);
	cr_assert_eq(db_col_int(st, 2), INT64_MIN);
	cr_assert_eq(db_col_double(st, 3), 3.141592653589793, "doubles are stored exactly");
	size_t n = 0;
	const void *p = db_col_blob(st, 4, &n);
	cr_assert_eq(n, sizeof(blob), "blob length %zu", n);
	cr_assert_eq(memcmp(p, blob, sizeof(blob)), 0, "blob bytes survive, NULs included");
	cr_assert(db_col_is_null(st, 5), "'n' binds NULL");
	cr_assert_null(db_col_text(st, 5));
	cr_assert(db_col_is_null(st, 6), "a NULL text pointer binds NULL");
	cr_assert(db_col_is_null(st, 7), "'o' with a negative value binds NULL");
	cr_assert_not(db_col_is_null(st, 8), "'o' with 0 binds 0");
	cr_assert_eq(db_col_int(st, 8), 0);
	cr_assert_eq(db_col_int(st, 9), 42);
	cr_assert_str_eq(db_col_text(st, 10), "blob");
	cr_assert_str_eq(db_col_text(st, 11), "null");
	cr_assert_str_eq(db_col_text(st, 12), "null");
	cr_assert_str_eq(db_col_text(st, 13), "null");
	cr_assert_eq(db_step(st, &e), DB_DONE);
	db_finish(st);
}

Test(db, textn_binds_a_prefix)
{
	struct err e = {0};
	struct db_stmt *st;
	cr_assert_eq(db_prepare(db, "SELECT ?, length(?)", &st, &e), 0, "%s", e.msg);
	cr_assert_eq(db_bind_textn(st, 1, "abcdef", 3), 0);
	cr_assert_eq(db_bind_textn(st, 2, "abcdef", 3), 0);
	cr_assert_eq(db_step(st, &e), DB_ROW);
	cr_assert_str_eq(db_col_text(st, 0), "abc");
	cr_assert_eq(db_col_int(st, 1), 3);
	db_finish(st);
}

Test(db, empty_blob_and_text)
{
	struct err e = {0};
	struct db_stmt *st;
	cr_assert_eq(db_query(db, &st, &e, "SELECT ?, ?, typeof(?)", "tbt", "", (const void *)"",
	                      (size_t)0, ""),
	             0, "%s", e.msg);
	cr_assert_eq(db_step(st, &e), DB_ROW);
	cr_assert_not(db_col_is_null(st, 0), "an empty string is not NULL");
	cr_assert_str_eq(db_col_text(st, 0), "");
	size_t n = 99;
	db_col_blob(st, 1, &n);
	cr_assert_eq(n, 0);
	cr_assert_str_eq(db_col_text(st, 2), "text");
	db_finish(st);
}

Test(db, bind_errors)
{
	struct err e = {0};
	struct db_stmt *st = (struct db_stmt *)0x1;
	cr_assert_eq(db_query(db, &st, &e, "SELECT ?", "ii", (int64_t)1, (int64_t)2), ERR_INTERNAL,
	             "more arguments than placeholders");
	cr_assert_eq(st, (struct db_stmt *)0x1, "no statement is handed out on failure");
	cr_assert_eq(db_query(db, &st, &e, "SELECT ?", "x", (int64_t)1), ERR_INTERNAL,
	             "unknown type letter");
	/* The connection and the cached statement still work afterwards. */
	int64_t v = 0;
	cr_assert_eq(db_scalar(db, &e, &v, "SELECT ?", "i", (int64_t)7), 0, "%s", e.msg);
	cr_assert_eq(v, 7);
	cr_assert_eq(db_prepare(db, "SELECT nope FROM nowhere", &st, &e), ERR_INTERNAL);
}

/* ---- rows --------------------------------------------------------------- */

Test(db, step_iterates_rows_in_order)
{
	exec_ok("CREATE TABLE r (n INTEGER, label TEXT)");
	struct err e = {0};
	for (int64_t i = 0; i < 50; i++) {
		char label[32];
		snprintf(label, sizeof(label), "row-%lld", (long long)i);
		cr_assert_eq(db_run(db, &e, NULL, "INSERT INTO r (n, label) VALUES (?, ?)", "it",
		                    i * i, label),
		             0, "%s", e.msg);
	}
	struct db_stmt *st;
	cr_assert_eq(db_query(db, &st, &e, "SELECT n, label FROM r WHERE n >= ? ORDER BY n DESC",
	                      "i", (int64_t)100),
	             0, "%s", e.msg);
	int64_t count = 0, expect = 49;
	int rc;
	while ((rc = db_step(st, &e)) == DB_ROW) {
		char label[32];
		snprintf(label, sizeof(label), "row-%lld", (long long)expect);
		cr_assert_eq(db_col_int(st, 0), expect * expect);
		cr_assert_str_eq(db_col_text(st, 1), label);
		count++;
		expect--;
	}
	cr_assert_eq(rc, DB_DONE, "%s", e.msg);
	cr_assert_eq(count, 40, "rows 10..49 have n >= 100");
	db_finish(st);
}

Test(db, empty_result_is_done)
{
	exec_ok("CREATE TABLE r (n INTEGER)");
	struct err e = {0};
	struct db_stmt *st;
	cr_assert_eq(db_query(db, &st, &e, "SELECT n FROM r", ""), 0);
	cr_assert_eq(db_step(st, &e), DB_DONE);
	db_finish(st);
	db_finish(NULL); /* allowed */
}

Test(db, returning_id)
{
	exec_ok("CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT)");
	struct err e = {0};
	for (int64_t want = 1; want <= 3; want++) {
		struct db_stmt *st;
		cr_assert_eq(
		    db_query(db, &st, &e, "INSERT INTO u (name) VALUES (?) RETURNING id", "t", "x"),
		    0, "%s", e.msg);
		cr_assert_eq(db_step(st, &e), DB_ROW, "%s", e.msg);
		cr_assert_eq(db_col_int(st, 0), want);
		cr_assert_eq(db_step(st, &e), DB_DONE);
		db_finish(st);
	}
	cr_assert_eq(scalar("SELECT count(*) FROM u"), 3);
}

Test(db, changes_counts_rows)
{
	exec_ok("CREATE TABLE c (n INTEGER); INSERT INTO c VALUES (1), (2), (3), (4)");
	struct err e = {0};
	int64_t changes = -1;
	cr_assert_eq(
	    db_run(db, &e, &changes, "UPDATE c SET n = n + 10 WHERE n > ?", "i", (int64_t)1), 0,
	    "%s", e.msg);
	cr_assert_eq(changes, 3);
	cr_assert_eq(db_changes(db), 3);
	cr_assert_eq(db_run(db, &e, &changes, "DELETE FROM c WHERE n > 100", ""), 0);
	cr_assert_eq(changes, 0);
}

/* ---- errors ------------------------------------------------------------- */

Test(db, unique_violation_is_conflict)
{
	exec_ok("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, "
	        "age INTEGER CHECK (age >= 0))");
	struct err e = {0};
	cr_assert_eq(db_run(db, &e, NULL, "INSERT INTO users (email) VALUES (?)", "t", "a@x"), 0);
	memset(&e, 0, sizeof(e));
	cr_assert_eq(db_run(db, &e, NULL, "INSERT INTO users (email) VALUES (?)", "t", "a@x"),
	             ERR_CONFLICT);
	cr_assert_eq(e.code, ERR_CONFLICT);
	cr_assert_str_eq(e.id, "conflict");
	/* A primary key clash is a conflict too. */
	cr_assert_eq(
	    db_run(db, &e, NULL, "INSERT INTO users (id, email) VALUES (1, ?)", "t", "b@x"),
	    ERR_CONFLICT);
	/* Other constraints are not conflicts. */
	cr_assert_eq(db_run(db, &e, NULL, "INSERT INTO users (email) VALUES (?)", "n"), ERR_INVALID,
	             "NOT NULL");
	cr_assert_eq(db_run(db, &e, NULL, "INSERT INTO users (email, age) VALUES (?, ?)", "ti",
	                    "c@x", (int64_t)-1),
	             ERR_INVALID, "CHECK");
	/* The connection and the cached statement are usable afterwards. */
	cr_assert_eq(db_run(db, &e, NULL, "INSERT INTO users (email) VALUES (?)", "t", "d@x"), 0,
	             "%s", e.msg);
	cr_assert_eq(scalar("SELECT count(*) FROM users"), 2);
}

Test(db, scalar_not_found)
{
	exec_ok("CREATE TABLE s (n INTEGER)");
	struct err e = {0};
	int64_t v = 777;
	cr_assert_eq(db_scalar(db, &e, &v, "SELECT n FROM s WHERE n = ?", "i", (int64_t)1),
	             ERR_NOT_FOUND);
	cr_assert_eq(e.code, ERR_NOT_FOUND);
	cr_assert_eq(v, 777, "out-parameter untouched");
	exec_ok("INSERT INTO s VALUES (1)");
	cr_assert_eq(db_scalar(db, &e, &v, "SELECT n FROM s WHERE n = ?", "i", (int64_t)1), 0);
	cr_assert_eq(v, 1);
}

/* ---- transactions ------------------------------------------------------- */

Test(db, rollback_leaves_nothing)
{
	exec_ok("CREATE TABLE tx (n INTEGER)");
	struct err e = {0};
	cr_assert_eq(db_begin(db, &e), 0, "%s", e.msg);
	for (int64_t i = 0; i < 5; i++)
		cr_assert_eq(db_run(db, &e, NULL, "INSERT INTO tx VALUES (?)", "i", i), 0);
	cr_assert_eq(scalar("SELECT count(*) FROM tx"), 5, "visible inside the transaction");
	db_rollback(db);
	cr_assert_eq(scalar("SELECT count(*) FROM tx"), 0);
	/* A later transaction commits normally. */
	cr_assert_eq(db_begin(db, &e), 0, "%s", e.msg);
	cr_assert_eq(db_run(db, &e, NULL, "INSERT INTO tx VALUES (?)", "i", (int64_t)9), 0);
	cr_assert_eq(db_commit(db, &e), 0, "%s", e.msg);
	cr_assert_eq(scalar("SELECT count(*) FROM tx"), 1);
}

Test(db, rollback_after_a_failed_statement)
{
	exec_ok("CREATE TABLE tx (n INTEGER UNIQUE)");
	struct err e = {0};
	cr_assert_eq(db_begin(db, &e), 0);
	cr_assert_eq(db_run(db, &e, NULL, "INSERT INTO tx VALUES (?)", "i", (int64_t)1), 0);
	cr_assert_eq(db_run(db, &e, NULL, "INSERT INTO tx VALUES (?)", "i", (int64_t)1),
	             ERR_CONFLICT);
	db_rollback(db);
	cr_assert_eq(scalar("SELECT count(*) FROM tx"), 0);
}

Test(db, rollback_without_transaction_is_harmless)
{
	db_rollback(db);
	exec_ok("CREATE TABLE z (n INTEGER)");
}

Test(db, committed_data_survives_reopen)
{
	exec_ok("CREATE TABLE keep (v TEXT)");
	struct err e = {0};
	cr_assert_eq(db_run(db, &e, NULL, "INSERT INTO keep VALUES (?)", "t", "persisted"), 0);
	db_release(db);
	db_pool_close(pool);
	db = NULL;
	cr_assert_eq(db_pool_open(url, 4, &pool, &e), 0, "%s", e.msg);
	cr_assert_eq(db_acquire(pool, &db, &e), 0, "%s", e.msg);
	cr_assert_eq(scalar("SELECT count(*) FROM keep WHERE v = 'persisted'"), 1);
}

/* ---- statement cache ---------------------------------------------------- */

Test(db, statement_cache_reuses_one_statement)
{
	struct err e = {0};
	struct db_stmt *first = NULL;
	for (int64_t i = 0; i < 1000; i++) {
		struct db_stmt *st;
		cr_assert_eq(db_prepare(db, "SELECT ? + 1", &st, &e), 0, "%s", e.msg);
		if (!first)
			first = st;
		cr_assert_eq(st, first, "iteration %lld got a new statement", (long long)i);
		cr_assert_eq(db_bind_int(st, 1, i), 0);
		cr_assert_eq(db_step(st, &e), DB_ROW, "%s", e.msg);
		cr_assert_eq(db_col_int(st, 0), i + 1);
		db_finish(st);
	}
}

Test(db, finish_clears_bindings)
{
	struct err e = {0};
	struct db_stmt *st;
	cr_assert_eq(db_query(db, &st, &e, "SELECT ?", "i", (int64_t)5), 0);
	cr_assert_eq(db_step(st, &e), DB_ROW);
	db_finish(st);
	/* The cached statement comes back without the old value. */
	cr_assert_eq(db_prepare(db, "SELECT ?", &st, &e), 0);
	cr_assert_eq(db_step(st, &e), DB_ROW);
	cr_assert(db_col_is_null(st, 0), "a stale binding leaked into the next use");
	db_finish(st);
}

Test(db, same_sql_twice_without_finishing)
{
	/* Nested use of one SQL text (an inner loop) needs two statements. */
	exec_ok("CREATE TABLE g (n INTEGER); INSERT INTO g VALUES (1), (2), (3)");
	struct err e = {0};
	struct db_stmt *outer, *inner;
	const char *sql = "SELECT n FROM g WHERE n >= ? ORDER BY n";
	cr_assert_eq(db_query(db, &outer, &e, sql, "i", (int64_t)1), 0);
	int64_t pairs = 0;
	while (db_step(outer, &e) == DB_ROW) {
		int64_t a = db_col_int(outer, 0);
		cr_assert_eq(db_query(db, &inner, &e, sql, "i", a), 0);
		cr_assert_neq(inner, outer);
		while (db_step(inner, &e) == DB_ROW) {
			cr_assert_geq(db_col_int(inner, 0), a);
			pairs++;
		}
		db_finish(inner);
	}
	db_finish(outer);
	cr_assert_eq(pairs, 3 + 2 + 1);
}

Test(db, many_distinct_statements)
{
	/* More distinct SQL texts than the cache holds: all still work. */
	struct err e = {0};
	for (int64_t i = 0; i < 2000; i++) {
		char sql[64];
		snprintf(sql, sizeof(sql), "SELECT %lld * ?", (long long)i);
		int64_t v = -1;
		cr_assert_eq(db_scalar(db, &e, &v, sql, "i", (int64_t)2), 0, "%s: %s", sql, e.msg);
		cr_assert_eq(v, 2 * i);
	}
	/* And the earliest ones still run. */
	int64_t v = -1;
	cr_assert_eq(db_scalar(db, &e, &v, "SELECT 0 * ?", "i", (int64_t)2), 0);
	cr_assert_eq(v, 0);
}

/* ---- threads ------------------------------------------------------------ */

struct reader {
	pthread_barrier_t *barrier;
	struct db *conn;
	struct db *again;
	int64_t value;
	int rc;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct err e = {0};
	r->rc = db_acquire(pool, &r->conn, &e);
	if (r->rc == 0)
		r->rc = db_acquire(pool, &r->again, &e);
	/* Both threads hold their connections at the same time. */
	pthread_barrier_wait(r->barrier);
	if (r->rc == 0)
		r->rc = db_scalar(r->conn, &e, &r->value, "SELECT sum(n) FROM shared", "");
	pthread_barrier_wait(r->barrier);
	db_release(r->conn);
	return NULL;
}

Test(db, each_thread_gets_its_own_connection)
{
	exec_ok("CREATE TABLE shared (n INTEGER); INSERT INTO shared VALUES (40), (2)");
	pthread_barrier_t barrier;
	pthread_barrier_init(&barrier, NULL, 2);
	struct reader r[2] = {{.barrier = &barrier}, {.barrier = &barrier}};
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, reader_main, &r[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(r[i].rc, 0, "thread %d failed: %d", i, r[i].rc);
		cr_assert_eq(r[i].value, 42, "thread %d read %lld", i, (long long)r[i].value);
		cr_assert_eq(r[i].again, r[i].conn, "a thread keeps its connection");
		cr_assert_neq(r[i].conn, db, "not the main thread's connection");
	}
	cr_assert_neq(r[0].conn, r[1].conn, "the threads share a connection");
}

struct memory_reader {
	struct db_pool *pool;
	int rc;
	int64_t value;
	struct err e;
};

static void *memory_reader_main(void *arg)
{
	struct memory_reader *r = arg;
	struct db *conn;
	r->rc = db_acquire(r->pool, &conn, &r->e);
	if (r->rc == 0) {
		r->rc = db_scalar(conn, &r->e, &r->value, "SELECT n FROM m", "");
		db_release(conn);
	}
	return NULL;
}

Test(db_open, memory_database_is_one_database_for_all_threads)
{
	/*
	 * "sqlite::memory:" is a documented URL. The server migrates on the main
	 * thread and serves from others, so every thread must see the same data.
	 */
	struct err e = {0};
	struct db_pool *p;
	struct db *conn;
	cr_assert_eq(db_pool_open("sqlite::memory:", 2, &p, &e), 0, "%s", e.msg);
	cr_assert_eq(db_acquire(p, &conn, &e), 0, "%s", e.msg);
	cr_assert_eq(db_exec(conn, "CREATE TABLE m (n INTEGER); INSERT INTO m VALUES (5)", &e), 0,
	             "%s", e.msg);
	struct memory_reader r = {.pool = p, .rc = -1};
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, memory_reader_main, &r), 0);
	pthread_join(th, NULL);
	db_release(conn);
	db_pool_close(p);
	cr_expect_eq(r.rc, 0, "another thread cannot read the table: %s", r.e.msg);
	cr_expect_eq(r.value, 5);
}

/* ---- migrations --------------------------------------------------------- */

static int count_embedded_migrations(void)
{
	int n = 0;
	for (const struct embedded_file *f = embedded_files; f->path; f++)
		if (strncmp(f->path, "migrations/sqlite/", 18) == 0)
			n++;
	return n;
}

/* Runs migrate_status into a string the caller frees. */
static char *status_text(int *pending)
{
	struct err e = {0};
	FILE *f = tmpfile();
	cr_assert_not_null(f);
	cr_assert_eq(migrate_status(db, f, pending, &e), 0, "%s", e.msg);
	long n = ftell(f);
	char *text = calloc(1, (size_t)n + 1);
	rewind(f);
	cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

Test(db, migrate_up_applies_once)
{
	int total = count_embedded_migrations();
	cr_assert_gt(total, 0, "migrations are embedded");
	int pending = -1;
	char *text = status_text(&pending);
	cr_assert_eq(pending, total, "all pending on a new database");
	cr_assert(strstr(text, "pending"), "%s", text);
	free(text);

	struct err e = {0};
	int applied = -1;
	cr_assert_eq(migrate_up(db, &applied, &e), 0, "%s", e.msg);
	cr_assert_eq(applied, total);
	cr_assert_eq(scalar("SELECT count(*) FROM schema_migrations"), total);
	cr_assert_eq(scalar("SELECT count(*) FROM users"), 0, "the schema exists");

	applied = -1;
	cr_assert_eq(migrate_up(db, &applied, &e), 0, "%s", e.msg);
	cr_assert_eq(applied, 0, "a second run applies nothing");
	cr_assert_eq(scalar("SELECT count(*) FROM schema_migrations"), total);
	cr_assert_eq(migrate_up(db, NULL, &e), 0, "APPLIED may be NULL");

	pending = -1;
	text = status_text(&pending);
	cr_assert_eq(pending, 0);
	cr_assert_null(strstr(text, "pending"), "%s", text);
	cr_assert(strstr(text, "0001"), "%s", text);
	cr_assert(strstr(text, "applied"), "%s", text);
	free(text);
}

Test(db, migrate_leaves_no_open_transaction)
{
	struct err e = {0};
	cr_assert_eq(migrate_up(db, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(migrate_up(db, NULL, &e), 0, "%s", e.msg);
	/* BEGIN fails inside an open transaction, so this proves none is open. */
	cr_assert_eq(db_begin(db, &e), 0, "%s", e.msg);
	cr_assert_eq(db_commit(db, &e), 0, "%s", e.msg);
}
