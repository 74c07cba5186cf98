/*
 * db.c: the driver-independent half of the database layer: URL dispatch,
 * typed-argument helpers and transactions.
 */
#include "db/db.h"

#include <stdarg.h>
#include <string.h>

#define OPS(x) (((const struct db_base *)(const void *)(x))->ops)

/* The driver of a statement is reached through its connection. */
struct db_stmt_base {
	const struct db_ops *ops;
};

int db_pool_open(const char *url, int size, struct db_pool **out, struct err *e)
{
	if (strncmp(url, "sqlite:", 7) == 0)
		return db_sqlite_ops.pool_open(url + 7, size, out, e);
	if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
		return db_pg_ops.pool_open(url, size, out, e);
	return err_set(e, ERR_INVALID, "invalid_database_url",
	               "DATABASE_URL must start with sqlite: or postgresql://");
}

void db_pool_close(struct db_pool *p)
{
	if (p)
		OPS(p)->pool_close(p);
}

const char *db_pool_dialect(const struct db_pool *p)
{
	return OPS(p)->dialect;
}

int db_acquire(struct db_pool *p, struct db **out, struct err *e)
{
	return OPS(p)->acquire(p, out, e);
}

void db_release(struct db *db)
{
	if (db)
		OPS(db)->release(db);
}

const char *db_dialect(const struct db *db)
{
	return OPS(db)->dialect;
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **out, struct err *e)
{
	return OPS(db)->prepare(db, sql, out, e);
}

int db_bind_text(struct db_stmt *st, int i, const char *s)
{
	if (!s)
		return OPS(st)->bind_null(st, i);
	return OPS(st)->bind_text(st, i, s, strlen(s));
}

int db_bind_textn(struct db_stmt *st, int i, const char *s, size_t n)
{
	return OPS(st)->bind_text(st, i, s, n);
}

int db_bind_int(struct db_stmt *st, int i, int64_t v)
{
	return OPS(st)->bind_int(st, i, v);
}

int db_bind_double(struct db_stmt *st, int i, double v)
{
	return OPS(st)->bind_double(st, i, v);
}

int db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
	if (!p)
		return OPS(st)->bind_null(st, i);
	return OPS(st)->bind_blob(st, i, p, n);
}

int db_bind_null(struct db_stmt *st, int i)
{
	return OPS(st)->bind_null(st, i);
}

int db_step(struct db_stmt *st, struct err *e)
{
	return OPS(st)->step(st, e);
}

int db_col_count(struct db_stmt *st)
{
	return OPS(st)->col_count(st);
}

int db_col_is_null(struct db_stmt *st, int i)
{
	return OPS(st)->col_is_null(st, i);
}

int64_t db_col_int(struct db_stmt *st, int i)
{
	return OPS(st)->col_int(st, i);
}

double db_col_double(struct db_stmt *st, int i)
{
	return OPS(st)->col_double(st, i);
}

const char *db_col_text(struct db_stmt *st, int i)
{
	return OPS(st)->col_text(st, i);
}

const void *db_col_blob(struct db_stmt *st, int i, size_t *n)
{
	return OPS(st)->col_blob(st, i, n);
}

void db_finish(struct db_stmt *st)
{
	if (st)
		OPS(st)->finish(st);
}

static int bind_va(struct db_stmt *st, const char *types, va_list ap)
{
	int rc = 0;
	for (int i = 0; types && types[i] && !rc; i++) {
		switch (types[i]) {
		case 't':
			rc = db_bind_text(st, i + 1, va_arg(ap, const char *));
			break;
		case 'i':
			rc = db_bind_int(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'o': {
			int64_t v = va_arg(ap, int64_t);
			rc = v < 0 ? db_bind_null(st, i + 1) : db_bind_int(st, i + 1, v);
			break;
		}
		case 'd':
			rc = db_bind_double(st, i + 1, va_arg(ap, double));
			break;
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);
			rc = db_bind_blob(st, i + 1, p, n);
			break;
		}
		case 'n':
			rc = db_bind_null(st, i + 1);
			break;
		default:
			rc = ERR_INTERNAL;
		}
	}
	return rc;
}

static int query_va(struct db *db, struct db_stmt **out, struct err *e, const char *sql,
                    const char *types, va_list ap)
{
	struct db_stmt *st;
	int rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	if (bind_va(st, types, ap)) {
		db_finish(st);
		return err_set(e, ERR_INTERNAL, "database_error", "cannot bind parameters");
	}
	*out = st;
	return 0;
}

int db_query(struct db *db, struct db_stmt **out, struct err *e, const char *sql, const char *types,
             ...)
{
	va_list ap;
	va_start(ap, types);
	int rc = query_va(db, out, e, sql, types, ap);
	va_end(ap);
	return rc;
}

int db_run(struct db *db, struct err *e, int64_t *changes, const char *sql, const char *types, ...)
{
	struct db_stmt *st;
	va_list ap;
	va_start(ap, types);
	int rc = query_va(db, &st, e, sql, types, ap);
	va_end(ap);
	if (rc)
		return rc;
	while ((rc = db_step(st, e)) == DB_ROW)
		;
	db_finish(st);
	if (rc < 0)
		return rc;
	if (changes)
		*changes = db_changes(db);
	return 0;
}

int db_scalar(struct db *db, struct err *e, int64_t *out, const char *sql, const char *types, ...)
{
	struct db_stmt *st;
	va_list ap;
	va_start(ap, types);
	int rc = query_va(db, &st, e, sql, types, ap);
	va_end(ap);
	if (rc)
		return rc;
	rc = db_step(st, e);
	if (rc == DB_ROW) {
		*out = db_col_int(st, 0);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = err_set(e, ERR_NOT_FOUND, "not_found", "no row");
	}
	db_finish(st);
	return rc;
}

int db_exec(struct db *db, const char *sql, struct err *e)
{
	return OPS(db)->exec(db, sql, e);
}

int db_begin(struct db *db, struct err *e)
{
	return OPS(db)->begin(db, e);
}

int db_commit(struct db *db, struct err *e)
{
	return OPS(db)->commit(db, e);
}

void db_rollback(struct db *db)
{
	OPS(db)->rollback(db);
}

int64_t db_changes(struct db *db)
{
	return OPS(db)->changes(db);
}

void db_pool_stats(struct db_pool *p, struct db_pool_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (p)
		OPS(p)->pool_stats(p, out);
}

uint32_t db_hash_sql(const char *sql)
{
	uint32_t h = 2166136261u;
	for (; *sql; sql++)
		h = (h ^ (unsigned char)*sql) * 16777619u;
	return h;
}
