/*
 * db_pg.c: the PostgreSQL driver on libpq. A pool of at most DB_POOL_SIZE
 * connections, opened on demand and handed to one request at a time.
 * Statements are written with `?` placeholders like everywhere else and
 * rewritten to $1, $2, ... here; each connection prepares a statement once
 * (PQprepare) and then only executes it. Results come back whole, in text
 * format, and db_step walks their rows.
 *
 * Parameters go out in the binary format of the type the server inferred
 * for them: after preparing, one PQdescribePrepared per connection and
 * statement records each parameter's type, and db_bind_int / db_bind_double
 * then write 1, 2, 4 or 8 big-endian bytes into a buffer inside the
 * statement instead of printing and parsing digits. Types without a simple
 * binary form (NUMERIC, TEXT, ...) get text, as do all strings; blobs are
 * binary bytea.
 *
 * A connection that fails is marked broken and reset on its next
 * acquisition; while the server is down requests get ERR_UNAVAILABLE
 * ("database_unavailable", 503) and the pool recovers by itself when it is
 * back.
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "db/db.h"

#define PG_STMT_CACHE        256 /* prepared statements per connection */
#define PG_MAX_PARAMS        64
#define PG_ACQUIRE_WAIT_MS   5000  /* waiting for a free connection */
#define PG_STATEMENT_TIMEOUT 30000 /* ms, per statement */
#define PG_CONNECT_TIMEOUT   5     /* seconds */

/* Type OIDs of the parameters sent in binary (PostgreSQL's catalog/pg_type.dat; fixed). */
#define PG_BOOLOID   16
#define PG_INT8OID   20
#define PG_INT2OID   21
#define PG_INT4OID   23
#define PG_FLOAT4OID 700
#define PG_FLOAT8OID 701

struct db_stmt {
	const struct db_ops *ops;
	struct db *conn;
	char *sql; /* the original text: the cache key */
	char name[24];
	int nparams;
	Oid types[PG_MAX_PARAMS];              /* as the server inferred them; 0 if unknown */
	char *values[PG_MAX_PARAMS];           /* malloc'd, or fixed[i] for a binary number */
	int lengths[PG_MAX_PARAMS];            /* bytes of binary values (text is NUL-terminated) */
	int formats[PG_MAX_PARAMS];            /* 0 text, 1 binary */
	unsigned char fixed[PG_MAX_PARAMS][8]; /* binary ints and floats: no allocation */
	PGresult *res;
	int row, nrows, executed, busy, cached;
	unsigned char *blob; /* decoded bytea of the last col_blob */
};

struct db {
	const struct db_ops *ops;
	PGconn *c;
	struct db_pool *pool;
	int in_use;
	int broken;
	int next_name;
	int64_t changes;
	struct db_stmt *cache[PG_STMT_CACHE];
};

struct db_pool {
	const struct db_ops *ops;
	char *conninfo;
	int size;
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct db **conns;
	int count;
	uint64_t waits, timeouts;
};

/* Maps a failed result or connection to our error codes. */
static int map_error(struct db *db, PGresult *res, struct err *e)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(db->c);
	char clean[ERR_MSG_MAX];
	str_copy(clean, sizeof(clean), msg && *msg ? msg : "unknown error");
	clean[strcspn(clean, "\n")] = '\0';
	if (PQstatus(db->c) != CONNECTION_OK || !state || !strncmp(state, "08", 2) ||
	    !strncmp(state, "57P", 3)) {
		db->broken = 1;
		return err_set(e, ERR_UNAVAILABLE, "database_unavailable",
		               "database unavailable: %s", clean);
	}
	if (!strcmp(state, "23505"))
		return err_set(e, ERR_CONFLICT, "conflict", "%s", clean);
	if (!strncmp(state, "23", 2))
		return err_set(e, ERR_INVALID, "constraint_failed", "%s", clean);
	if (!strcmp(state, "57014") || !strcmp(state, "40001") || !strcmp(state, "40P01") ||
	    !strcmp(state, "53300"))
		return err_set(e, ERR_UNAVAILABLE, "database_busy", "database is busy: %s", clean);
	return err_set(e, ERR_INTERNAL, "database_error", "postgres: %s", clean);
}

static int pg_pool_open(const char *url, int size, struct db_pool **out, struct err *e)
{
	struct db_pool *p = xcalloc(1, sizeof(*p));
	p->ops = &db_pg_ops;
	p->conninfo = xstrdup(url);
	p->size = size > 0 ? size : 1;
	p->conns = xcalloc((size_t)p->size, sizeof(*p->conns));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->freed, NULL);
	/* One connection now, so a wrong URL or a down server is reported at start-up. */
	struct db *db;
	int rc = db_pg_ops.acquire(p, &db, e);
	if (rc) {
		db_pg_ops.pool_close(p);
		return rc;
	}
	db_pg_ops.release(db);
	*out = p;
	return 0;
}

/* Drops parameter I (0-based); its value is freed unless it lives in fixed[I]. */
static void clear_param(struct db_stmt *st, int i)
{
	if (st->values[i] != (char *)st->fixed[i])
		free(st->values[i]);
	st->values[i] = NULL;
	st->lengths[i] = 0;
	st->formats[i] = 0;
}

static void free_stmt(struct db_stmt *st)
{
	for (int i = 0; i < st->nparams; i++)
		clear_param(st, i);
	PQclear(st->res);
	PQfreemem(st->blob);
	free(st->sql);
	free(st);
}

static void forget_statements(struct db *db)
{
	for (int i = 0; i < PG_STMT_CACHE; i++) {
		if (db->cache[i]) {
			free_stmt(db->cache[i]);
			db->cache[i] = NULL;
		}
	}
}

static void pg_pool_close(struct db_pool *p)
{
	for (int i = 0; i < p->count; i++) {
		forget_statements(p->conns[i]);
		PQfinish(p->conns[i]->c);
		free(p->conns[i]);
	}
	free(p->conns);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->freed);
	free(p->conninfo);
	free(p);
}

/* Session settings of a new or reset connection. */
static int configure(struct db *db, struct err *e)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SET statement_timeout = %d; SET client_min_messages = warning",
	         PG_STATEMENT_TIMEOUT);
	PGresult *res = PQexec(db->c, sql);
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : map_error(db, res, e);
	PQclear(res);
	return rc;
}

static int connect_db(struct db_pool *p, struct db *db, struct err *e)
{
	if (db->c) {
		PQreset(db->c);
		forget_statements(db); /* prepared statements die with the session */
	} else {
		const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
		char timeout[8];
		snprintf(timeout, sizeof(timeout), "%d", PG_CONNECT_TIMEOUT);
		const char *vals[] = {p->conninfo, timeout, "maang", NULL};
		db->c = PQconnectdbParams(keys, vals, 1);
	}
	if (!db->c || PQstatus(db->c) != CONNECTION_OK) {
		char msg[ERR_MSG_MAX];
		str_copy(msg, sizeof(msg), db->c ? PQerrorMessage(db->c) : "out of memory");
		msg[strcspn(msg, "\n")] = '\0';
		db->broken = 1;
		return err_set(e, ERR_UNAVAILABLE, "database_unavailable",
		               "cannot connect to PostgreSQL: %s", msg);
	}
	db->broken = 0;
	return configure(db, e);
}

static int pg_acquire(struct db_pool *p, struct db **out, struct err *e)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += PG_ACQUIRE_WAIT_MS / 1000;
	struct db *db = NULL;
	int waited = 0;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		for (int i = 0; i < p->count && !db; i++)
			if (!p->conns[i]->in_use)
				db = p->conns[i];
		if (!db && p->count < p->size) {
			db = xcalloc(1, sizeof(*db));
			db->ops = &db_pg_ops;
			db->pool = p;
			db->broken = 1; /* not connected yet */
			p->conns[p->count++] = db;
		}
		if (db)
			break;
		if (!waited++)
			p->waits++;
		if (pthread_cond_timedwait(&p->freed, &p->lock, &deadline)) {
			p->timeouts++;
			pthread_mutex_unlock(&p->lock);
			return err_set(e, ERR_UNAVAILABLE, "database_busy",
			               "no database connection free within %d ms (DB_POOL_SIZE=%d)",
			               PG_ACQUIRE_WAIT_MS, p->size);
		}
	}
	db->in_use = 1;
	pthread_mutex_unlock(&p->lock);
	/* Health check: a connection that failed, or whose server went away, is reset. */
	if (db->broken || PQstatus(db->c) != CONNECTION_OK) {
		int rc = connect_db(p, db, e);
		if (rc) {
			db_pg_ops.release(db);
			return rc;
		}
	}
	*out = db;
	return 0;
}

static void pg_release(struct db *db)
{
	struct db_pool *p = db->pool;
	/* A transaction left open by an error path must not leak into the next request. */
	if (db->c && PQtransactionStatus(db->c) != PQTRANS_IDLE) {
		PGresult *res = PQexec(db->c, "ROLLBACK");
		PQclear(res);
	}
	pthread_mutex_lock(&p->lock);
	db->in_use = 0;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

/* Writes "$N" at W; returns the characters written. */
static int put_param(char *w, int n)
{
	return snprintf(w, 12, "$%d", n);
}

/* Rewrites `?` placeholders (outside quotes) as $1, $2, ...; returns the count. */
static int rewrite(const char *sql, char **out)
{
	size_t n = strlen(sql);
	char *o = xmalloc(n * 4 + 1), *w = o;
	int count = 0;
	char quote = 0;
	for (const char *s = sql; *s; s++) {
		if (quote) {
			if (*s == quote)
				quote = 0;
		} else if (*s == '\'' || *s == '"') {
			quote = *s;
		} else if (*s == '?') {
			w += put_param(w, ++count);
			continue;
		}
		*w++ = *s;
	}
	*w = '\0';
	*out = o;
	return count;
}

/* Drops the server's side of a prepared statement; errors are ignored. */
static void deallocate(struct db *db, const char *name)
{
	char sql[48];
	snprintf(sql, sizeof(sql), "DEALLOCATE %s", name);
	PQclear(PQexec(db->c, sql));
}

static int pg_prepare(struct db *db, const char *sql, struct db_stmt **out, struct err *e)
{
	uint32_t h = db_hash_sql(sql);
	int free_slot = -1;
	for (int probe = 0; probe < 8; probe++) {
		int slot = (int)((h + (uint32_t)probe) & (PG_STMT_CACHE - 1));
		struct db_stmt *st = db->cache[slot];
		if (!st) {
			if (free_slot < 0)
				free_slot = slot;
			break;
		}
		if (!st->busy && strcmp(st->sql, sql) == 0) {
			st->busy = 1;
			*out = st;
			return 0;
		}
	}
	char *text;
	int n = rewrite(sql, &text);
	if (n > PG_MAX_PARAMS) {
		free(text);
		return err_set(e, ERR_INTERNAL, "database_error", "too many parameters (%d)", n);
	}
	struct db_stmt *st = xcalloc(1, sizeof(*st));
	st->ops = &db_pg_ops;
	st->conn = db;
	st->sql = xstrdup(sql);
	st->nparams = n;
	snprintf(st->name, sizeof(st->name), "s%d", db->next_name++);
	PGresult *res = PQprepare(db->c, st->name, text, 0, NULL);
	free(text);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		int rc = map_error(db, res, e);
		PQclear(res);
		free_stmt(st);
		return rc;
	}
	PQclear(res);
	/* The parameter types, once per connection and statement: binds encode for them. */
	res = PQdescribePrepared(db->c, st->name);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		int rc = map_error(db, res, e);
		PQclear(res);
		if (!db->broken)
			deallocate(db, st->name);
		free_stmt(st);
		return rc;
	}
	for (int i = 0; i < n && i < PQnparams(res); i++)
		st->types[i] = PQparamtype(res, i);
	PQclear(res);
	st->busy = 1;
	if (free_slot >= 0) {
		st->cached = 1;
		db->cache[free_slot] = st;
	}
	*out = st;
	return 0;
}

static int set_param(struct db_stmt *st, int i, char *value, int len, int format)
{
	if (i < 1 || i > st->nparams) {
		free(value);
		return ERR_INTERNAL;
	}
	clear_param(st, i - 1);
	st->values[i - 1] = value;
	st->lengths[i - 1] = len;
	st->formats[i - 1] = format;
	return 0;
}

/* Writes the low N bytes of V to P, most significant first (network order). */
static void put_be(unsigned char *p, uint64_t v, int n)
{
	for (int k = n - 1; k >= 0; k--) {
		p[k] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

/* Makes parameter I (1-based, checked) the low N bytes of V, big-endian, kept in fixed[]. */
static int set_binary(struct db_stmt *st, int i, uint64_t v, int n)
{
	clear_param(st, i - 1);
	put_be(st->fixed[i - 1], v, n);
	st->values[i - 1] = (char *)st->fixed[i - 1];
	st->lengths[i - 1] = n;
	st->formats[i - 1] = 1;
	return 0;
}

static uint64_t float8_bits(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof(u));
	return u;
}

static uint64_t float4_bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof(u));
	return u;
}

static int pg_bind_text(struct db_stmt *st, int i, const char *s, size_t n)
{
	return set_param(st, i, xstrndup(s, n), (int)n, 0);
}

/* An integer out of the parameter's range is an error, as the server would make it. */
static int out_of_range(const struct db_stmt *st, int i, int64_t v, const char *type)
{
	log_warn("pg_bind_int: %lld does not fit %s parameter $%d of '%.80s'", (long long)v, type,
	         i, st->sql);
	return ERR_INTERNAL;
}

static int pg_bind_int(struct db_stmt *st, int i, int64_t v)
{
	if (i < 1 || i > st->nparams)
		return ERR_INTERNAL;
	switch (st->types[i - 1]) {
	case PG_INT8OID:
		return set_binary(st, i, (uint64_t)v, 8);
	case PG_INT4OID:
		if (v < INT32_MIN || v > INT32_MAX)
			return out_of_range(st, i, v, "integer");
		return set_binary(st, i, (uint32_t)(int32_t)v, 4);
	case PG_INT2OID:
		if (v < INT16_MIN || v > INT16_MAX)
			return out_of_range(st, i, v, "smallint");
		return set_binary(st, i, (uint16_t)(int16_t)v, 2);
	case PG_FLOAT8OID:
		return set_binary(st, i, float8_bits((double)v), 8);
	case PG_FLOAT4OID:
		return set_binary(st, i, float4_bits((float)v), 4);
	case PG_BOOLOID:
		return set_binary(st, i, v != 0, 1);
	default: /* NUMERIC, TEXT, ...: the server parses the digits */
		return set_param(st, i, xasprintf("%lld", (long long)v), 0, 0);
	}
}

static int pg_bind_double(struct db_stmt *st, int i, double v)
{
	if (i < 1 || i > st->nparams)
		return ERR_INTERNAL;
	switch (st->types[i - 1]) {
	case PG_FLOAT8OID:
		return set_binary(st, i, float8_bits(v), 8);
	case PG_FLOAT4OID:
		return set_binary(st, i, float4_bits((float)v), 4);
	default:
		return set_param(st, i, xasprintf("%.17g", v), 0, 0);
	}
}

static int pg_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
	char *copy = xmalloc(n ? n : 1);
	memcpy(copy, p, n);
	return set_param(st, i, copy, (int)n, 1);
}

static int pg_bind_null(struct db_stmt *st, int i)
{
	return set_param(st, i, NULL, 0, 0);
}

static int pg_step(struct db_stmt *st, struct err *e)
{
	struct db *db = st->conn;
	if (!st->executed) {
		st->res =
		    PQexecPrepared(db->c, st->name, st->nparams, (const char *const *)st->values,
		                   st->lengths, st->formats, 0);
		ExecStatusType status = PQresultStatus(st->res);
		if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
			return map_error(db, st->res, e);
		st->executed = 1;
		st->nrows = PQntuples(st->res);
		st->row = -1;
		const char *tuples = PQcmdTuples(st->res);
		db->changes = tuples && *tuples ? strtoll(tuples, NULL, 10) : 0;
	}
	if (++st->row < st->nrows)
		return DB_ROW;
	return DB_DONE;
}

static int pg_col_count(struct db_stmt *st)
{
	return st->res ? PQnfields(st->res) : 0;
}

static int pg_col_is_null(struct db_stmt *st, int i)
{
	return PQgetisnull(st->res, st->row, i);
}

static int64_t pg_col_int(struct db_stmt *st, int i)
{
	if (PQgetisnull(st->res, st->row, i))
		return 0;
	return strtoll(PQgetvalue(st->res, st->row, i), NULL, 10);
}

static double pg_col_double(struct db_stmt *st, int i)
{
	if (PQgetisnull(st->res, st->row, i))
		return 0;
	return strtod(PQgetvalue(st->res, st->row, i), NULL);
}

static const char *pg_col_text(struct db_stmt *st, int i)
{
	if (PQgetisnull(st->res, st->row, i))
		return NULL;
	return PQgetvalue(st->res, st->row, i);
}

static const void *pg_col_blob(struct db_stmt *st, int i, size_t *n)
{
	PQfreemem(st->blob);
	st->blob = NULL;
	*n = 0;
	if (PQgetisnull(st->res, st->row, i))
		return NULL;
	st->blob = PQunescapeBytea((const unsigned char *)PQgetvalue(st->res, st->row, i), n);
	return st->blob;
}

static void pg_finish(struct db_stmt *st)
{
	PQclear(st->res);
	st->res = NULL;
	PQfreemem(st->blob);
	st->blob = NULL;
	for (int i = 0; i < st->nparams; i++)
		clear_param(st, i);
	st->executed = 0;
	st->row = -1;
	st->nrows = 0;
	st->busy = 0;
	if (!st->cached) {
		/* Uncached statements are deallocated so the session does not fill up. */
		deallocate(st->conn, st->name);
		free_stmt(st);
	}
}

static int pg_exec(struct db *db, const char *sql, struct err *e)
{
	PGresult *res = PQexec(db->c, sql);
	ExecStatusType status = PQresultStatus(res);
	int rc =
	    status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ? 0 : map_error(db, res, e);
	PQclear(res);
	return rc;
}

static int pg_begin(struct db *db, struct err *e)
{
	return pg_exec(db, "BEGIN", e);
}

static int pg_commit(struct db *db, struct err *e)
{
	return pg_exec(db, "COMMIT", e);
}

static void pg_rollback(struct db *db)
{
	struct err e;
	if (PQtransactionStatus(db->c) != PQTRANS_IDLE && pg_exec(db, "ROLLBACK", &e))
		log_warn("pg_rollback: %s", e.msg);
}

static int64_t pg_changes(struct db *db)
{
	return db->changes;
}

static void pg_pool_stats(struct db_pool *p, struct db_pool_stats *out)
{
	pthread_mutex_lock(&p->lock);
	out->size = p->size;
	for (int i = 0; i < p->count; i++) {
		out->open += p->conns[i]->c && !p->conns[i]->broken;
		out->in_use += p->conns[i]->in_use;
	}
	out->waits = p->waits;
	out->timeouts = p->timeouts;
	pthread_mutex_unlock(&p->lock);
}

const struct db_ops db_pg_ops = {
    .dialect = "postgres",
    .pool_open = pg_pool_open,
    .pool_close = pg_pool_close,
    .acquire = pg_acquire,
    .release = pg_release,
    .prepare = pg_prepare,
    .bind_text = pg_bind_text,
    .bind_int = pg_bind_int,
    .bind_double = pg_bind_double,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_count = pg_col_count,
    .col_is_null = pg_col_is_null,
    .col_int = pg_col_int,
    .col_double = pg_col_double,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .finish = pg_finish,
    .exec = pg_exec,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .changes = pg_changes,
    .pool_stats = pg_pool_stats,
};
