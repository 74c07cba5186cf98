/*
 * db.h: one portable SQL interface over SQLite (now) and PostgreSQL (next).
 *
 * Domain code writes SQL once with `?` placeholders (numbered from 1 in the
 * bind calls) and iterates rows with db_step(). A driver is a const table of
 * function pointers (struct db_ops); each connection starts with a pointer
 * to its driver.
 *
 * Connections come from a pool: db_acquire() hands the calling thread a
 * connection (SQLite: one per thread, opened on first use and kept; a
 * pooled driver hands out one of DB_POOL_SIZE), db_release() gives it back.
 *
 * Statements are cached per connection by their SQL text: db_prepare() of
 * the same literal is cheap after the first time. A statement must be
 * finished with db_finish() before the connection is released.
 *
 * Errors are the codes of core/util.h: a unique-key violation is
 * ERR_CONFLICT, a busy or unreachable database ERR_UNAVAILABLE, anything
 * else ERR_INTERNAL; the message names the driver's reason.
 */
#ifndef MAANG_DB_H
#define MAANG_DB_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

struct db;
struct db_stmt;
struct db_pool;

/* Results of db_step. Errors are negative (enum err_code). */
#define DB_DONE 0
#define DB_ROW  1

/* Pool gauges and counters for /metrics. */
struct db_pool_stats {
	int size;          /* most connections the pool may open */
	int open;          /* connections open now */
	int in_use;        /* handed to a request now */
	uint64_t waits;    /* acquisitions that had to wait for a free connection */
	uint64_t timeouts; /* acquisitions that gave up (503) */
};

struct db_ops {
	const char *dialect; /* "sqlite" or "postgres": picks the migrations folder */
	int (*pool_open)(const char *url, int size, struct db_pool **out, struct err *e);
	void (*pool_close)(struct db_pool *p);
	int (*acquire)(struct db_pool *p, struct db **out, struct err *e);
	void (*release)(struct db *db);
	int (*prepare)(struct db *db, const char *sql, struct db_stmt **out, struct err *e);
	int (*bind_text)(struct db_stmt *st, int i, const char *s, size_t n);
	int (*bind_int)(struct db_stmt *st, int i, int64_t v);
	int (*bind_double)(struct db_stmt *st, int i, double v);
	int (*bind_blob)(struct db_stmt *st, int i, const void *p, size_t n);
	int (*bind_null)(struct db_stmt *st, int i);
	int (*step)(struct db_stmt *st, struct err *e);
	int (*col_count)(struct db_stmt *st);
	int (*col_is_null)(struct db_stmt *st, int i);
	int64_t (*col_int)(struct db_stmt *st, int i);
	double (*col_double)(struct db_stmt *st, int i);
	const char *(*col_text)(struct db_stmt *st, int i);
	const void *(*col_blob)(struct db_stmt *st, int i, size_t *n);
	void (*finish)(struct db_stmt *st);
	int (*exec)(struct db *db, const char *sql, struct err *e);
	int (*begin)(struct db *db, struct err *e);
	int (*commit)(struct db *db, struct err *e);
	void (*rollback)(struct db *db);
	int64_t (*changes)(struct db *db);
	void (*pool_stats)(struct db_pool *p, struct db_pool_stats *out);
};

/* Every connection and pool starts with its driver. */
struct db_base {
	const struct db_ops *ops;
};

/*
 * Opens a pool for URL ("sqlite:PATH", "sqlite::memory:"; later
 * "postgresql://..."). SIZE bounds pooled drivers. ERR_INVALID for an
 * unknown scheme, ERR_UNAVAILABLE if the database cannot be opened.
 */
int db_pool_open(const char *url, int size, struct db_pool **out, struct err *e);
void db_pool_close(struct db_pool *p);
const char *db_pool_dialect(const struct db_pool *p);

int db_acquire(struct db_pool *p, struct db **out, struct err *e);
void db_release(struct db *db);
const char *db_dialect(const struct db *db);

int db_prepare(struct db *db, const char *sql, struct db_stmt **out, struct err *e);
/*
 * Binds (1-based). TEXT or BLOB NULL binds SQL NULL. Return 0 or ERR_INTERNAL, which
 * on PostgreSQL includes an integer the parameter's type cannot hold (an
 * INTEGER parameter given 2^31, say).
 */
int db_bind_text(struct db_stmt *st, int i, const char *s);
int db_bind_textn(struct db_stmt *st, int i, const char *s, size_t n);
int db_bind_int(struct db_stmt *st, int i, int64_t v);
int db_bind_double(struct db_stmt *st, int i, double v);
int db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n);
int db_bind_null(struct db_stmt *st, int i);
/* DB_ROW, DB_DONE or a negative error. */
int db_step(struct db_stmt *st, struct err *e);
/* Columns (0-based) of the current row; text stays valid until the next step. */
int db_col_count(struct db_stmt *st);
int db_col_is_null(struct db_stmt *st, int i);
int64_t db_col_int(struct db_stmt *st, int i);
double db_col_double(struct db_stmt *st, int i);
const char *db_col_text(struct db_stmt *st, int i); /* NULL for SQL NULL */
const void *db_col_blob(struct db_stmt *st, int i, size_t *n);
/* Resets the statement and returns it to the cache. NULL is fine. */
void db_finish(struct db_stmt *st);

/*
 * Prepares SQL and binds arguments described by TYPES, one letter each:
 * 't' const char * (NULL binds NULL), 'i' int64_t, 'o' optional int64_t
 * (negative binds NULL), 'd' double,
 * 'b' const void * then size_t, 'n' nothing (binds NULL).
 */
int db_query(struct db *db, struct db_stmt **out, struct err *e, const char *sql, const char *types,
             ...);
/* Runs a statement with arguments to completion; *CHANGES (may be NULL) gets the row count. */
int db_run(struct db *db, struct err *e, int64_t *changes, const char *sql, const char *types, ...);
/* Runs a query that yields one integer; ERR_NOT_FOUND when there is no row. */
int db_scalar(struct db *db, struct err *e, int64_t *out, const char *sql, const char *types, ...);

/* Runs one or more statements without parameters (DDL, migrations). */
int db_exec(struct db *db, const char *sql, struct err *e);
/* Transactions. SQLite takes the write lock at once (BEGIN IMMEDIATE). */
int db_begin(struct db *db, struct err *e);
int db_commit(struct db *db, struct err *e);
/* Rolls back; errors are logged, never returned (used on error paths). */
void db_rollback(struct db *db);
int64_t db_changes(struct db *db);
/* FNV-1a of SQL text: the drivers' statement caches are keyed by it. */
uint32_t db_hash_sql(const char *sql);
void db_pool_stats(struct db_pool *p, struct db_pool_stats *out);

extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_pg_ops;

#endif
