/*
 * db_sqlite.c: the SQLite driver. One connection per thread (SQLite
 * connections must not be shared between threads without a lock, and a
 * connection each lets readers run in parallel under WAL), opened on first
 * use and kept until the pool closes. Each connection caches its prepared
 * statements by SQL text.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <stdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "db/db.h"

#define STMT_CACHE_SLOTS 256 /* power of two; statements beyond are not cached */
#define BUSY_TIMEOUT_MS  5000
/*
 * Checkpoints copy the WAL back into the database file and fsync it, which
 * takes milliseconds on real disks. A background thread does that every
 * CHECKPOINT_INTERVAL_MS so that commits never wait for it; connections
 * checkpoint by themselves only past AUTOCHECKPOINT_PAGES, if that thread
 * falls behind.
 */
#define CHECKPOINT_INTERVAL_MS 200
#define AUTOCHECKPOINT_PAGES   10000

struct db_stmt {
	const struct db_ops *ops;
	sqlite3_stmt *s;
	struct db *conn;
	char *sql; /* cache key; NULL when not cached */
	int busy;  /* handed out and not finished yet */
};

struct db {
	const struct db_ops *ops;
	sqlite3 *h;
	int in_tx; /* holds the pool's write lock */
	struct db_pool *pool;
	struct db *next; /* all connections of the pool */
	struct db_stmt *cache[STMT_CACHE_SLOTS];
};

struct db_pool {
	const struct db_ops *ops;
	char *path; /* a file name, or a shared in-memory URI for ":memory:" */
	pthread_key_t key;
	pthread_mutex_t lock;
	/*
	 * Write transactions of this process take turns on this mutex before
	 * asking SQLite for its write lock. Without it, concurrent writers meet
	 * SQLITE_BUSY and SQLite's busy handler sleeps for milliseconds at a
	 * time; with it they queue in microseconds. Other processes (the CLI)
	 * still meet the busy timeout.
	 */
	pthread_mutex_t write_lock;
	/*
	 * The one connection all write transactions use, under write_lock. A
	 * connection's page cache is dropped whenever another connection has
	 * written; one writer keeps its cache warm from one write to the next.
	 */
	struct db *writer;
	/* Background checkpoints (file databases only). */
	pthread_t checkpointer;
	int checkpointing;
	int stop;
	pthread_cond_t wake;
	struct db *conns;
	int count;
};

static int map_error(sqlite3 *h, int rc, struct err *e)
{
	int ext = h ? sqlite3_extended_errcode(h) : rc;
	const char *msg = h ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		return err_set(e, ERR_CONFLICT, "conflict", "%s", msg);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return err_set(e, ERR_INVALID, "constraint_failed", "%s", msg);
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return err_set(e, ERR_UNAVAILABLE, "database_busy", "database is busy: %s", msg);
	if ((rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_FULL ||
	    (rc & 0xff) == SQLITE_IOERR)
		return err_set(e, ERR_UNAVAILABLE, "database_unavailable", "database error: %s",
		               msg);
	return err_set(e, ERR_INTERNAL, "database_error", "sqlite: %s", msg);
}

/* mkdir -p of the directory part of PATH. */
static int make_parent_dirs(const char *path)
{
	char dir[4096];
	if (str_copy(dir, sizeof(dir), path))
		return -1;
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	return 0;
}

static void *checkpoint_loop(void *arg)
{
	struct db_pool *p = arg;
	sqlite3 *h = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(p->path, &h, flags, NULL) != SQLITE_OK) {
		log_warn("checkpoint_loop: cannot open '%s'; connections checkpoint themselves",
		         p->path);
		sqlite3_close_v2(h);
		return NULL;
	}
	sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)CHECKPOINT_INTERVAL_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&p->wake, &p->lock, &ts);
		if (p->stop)
			break;
		pthread_mutex_unlock(&p->lock);
		/* PASSIVE never blocks readers or writers; it copies what it can. */
		sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	/* Leave a small WAL behind on a clean shutdown. */
	sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sqlite3_close_v2(h);
	return NULL;
}

static int open_conn(struct db_pool *p, struct db **out, struct err *e);

static int sq_pool_open(const char *path, int size, struct db_pool **out, struct err *e)
{
	(void)size;
	if (!*path)
		return err_set(e, ERR_INVALID, "invalid_database_url", "empty SQLite path");
	if (strcmp(path, ":memory:") && make_parent_dirs(path))
		return err_set(e, ERR_UNAVAILABLE, "database_unavailable",
		               "cannot create the directory of '%s'", path);
	struct db_pool *p = xcalloc(1, sizeof(*p));
	p->ops = &db_sqlite_ops;
	/*
	 * Every thread has its own connection, so a private ":memory:" database
	 * would be a different empty one per thread: name a shared one instead.
	 * It lives while the pool's first connection stays open.
	 */
	if (strcmp(path, ":memory:") == 0)
		p->path = xasprintf("file:maang-mem-%p?mode=memory&cache=shared", (void *)p);
	else
		p->path = xstrdup(path);
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->write_lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (pthread_key_create(&p->key, NULL)) {
		free(p->path);
		free(p);
		return err_set(e, ERR_INTERNAL, "internal", "pthread_key_create failed");
	}
	/* Open one connection now so a bad path is reported at start-up. */
	struct db *db;
	int rc = p->ops->acquire(p, &db, e);
	if (rc || (rc = open_conn(p, &p->writer, e))) {
		p->ops->pool_close(p);
		return rc;
	}
	if (strncmp(p->path, "file:", 5) != 0 &&
	    pthread_create(&p->checkpointer, NULL, checkpoint_loop, p) == 0)
		p->checkpointing = 1;
	*out = p;
	return 0;
}

static void close_conn(struct db *db)
{
	for (int i = 0; i < STMT_CACHE_SLOTS; i++) {
		if (db->cache[i]) {
			sqlite3_finalize(db->cache[i]->s);
			free(db->cache[i]->sql);
			free(db->cache[i]);
		}
	}
	sqlite3_close_v2(db->h);
	free(db);
}

static void sq_pool_close(struct db_pool *p)
{
	if (p->checkpointing) {
		pthread_mutex_lock(&p->lock);
		p->stop = 1;
		pthread_cond_signal(&p->wake);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->checkpointer, NULL);
	}
	pthread_cond_destroy(&p->wake);
	struct db *db = p->conns;
	while (db) {
		struct db *next = db->next;
		close_conn(db);
		db = next;
	}
	pthread_key_delete(p->key);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->write_lock);
	free(p->path);
	free(p);
}

static int open_conn(struct db_pool *p, struct db **out, struct err *e)
{
	sqlite3 *h = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (strncmp(p->path, "file:", 5) == 0)
		flags |= SQLITE_OPEN_URI;
	int rc = sqlite3_open_v2(p->path, &h, flags, NULL);
	if (rc != SQLITE_OK) {
		err_set(e, ERR_UNAVAILABLE, "database_unavailable", "cannot open '%s': %s", p->path,
		        h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		sqlite3_close_v2(h);
		return e->code;
	}
	sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
	const char *sync = getenv("DB_SYNCHRONOUS");
	char pragmas[256];
	snprintf(pragmas, sizeof(pragmas),
	         "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON;"
	         "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-8000; PRAGMA wal_autocheckpoint=%d;",
	         sync && str_ieq(sync, "full") ? "FULL" : "NORMAL", AUTOCHECKPOINT_PAGES);
	char *msg = NULL;
	rc = sqlite3_exec(h, pragmas, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		err_set(e, ERR_UNAVAILABLE, "database_unavailable", "cannot configure '%s': %s",
		        p->path, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		sqlite3_close_v2(h);
		return e->code;
	}
	struct db *db = xcalloc(1, sizeof(*db));
	db->ops = &db_sqlite_ops;
	db->h = h;
	db->pool = p;
	pthread_mutex_lock(&p->lock);
	db->next = p->conns;
	p->conns = db;
	p->count++;
	pthread_mutex_unlock(&p->lock);
	*out = db;
	return 0;
}

static int sq_acquire(struct db_pool *p, struct db **out, struct err *e)
{
	struct db *db = pthread_getspecific(p->key);
	if (!db) {
		int rc = open_conn(p, &db, e);
		if (rc)
			return rc;
		pthread_setspecific(p->key, db);
	}
	*out = db;
	return 0;
}

static void sq_release(struct db *db)
{
	(void)db; /* the connection stays with its thread */
}

/* The connection that runs DB's statements: the writer inside a transaction. */
static struct db *target(struct db *db)
{
	return db->in_tx ? db->pool->writer : db;
}

static int sq_prepare(struct db *db, const char *sql, struct db_stmt **out, struct err *e)
{
	db = target(db);
	uint32_t h = db_hash_sql(sql);
	int free_slot = -1;
	for (int probe = 0; probe < 8; probe++) {
		int slot = (int)((h + (uint32_t)probe) & (STMT_CACHE_SLOTS - 1));
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
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v3(db->h, sql, -1, free_slot >= 0 ? SQLITE_PREPARE_PERSISTENT : 0,
	                            &s, NULL);
	if (rc != SQLITE_OK)
		return map_error(db->h, rc, e);
	struct db_stmt *st = xcalloc(1, sizeof(*st));
	st->ops = &db_sqlite_ops;
	st->s = s;
	st->conn = db;
	st->busy = 1;
	if (free_slot >= 0) {
		st->sql = xstrdup(sql);
		db->cache[free_slot] = st;
	}
	*out = st;
	return 0;
}

static int bind_rc(int rc)
{
	return rc == SQLITE_OK ? 0 : ERR_INTERNAL;
}

static int sq_bind_text(struct db_stmt *st, int i, const char *s, size_t n)
{
	return bind_rc(sqlite3_bind_text64(st->s, i, s, n, SQLITE_TRANSIENT, SQLITE_UTF8));
}

static int sq_bind_int(struct db_stmt *st, int i, int64_t v)
{
	return bind_rc(sqlite3_bind_int64(st->s, i, v));
}

static int sq_bind_double(struct db_stmt *st, int i, double v)
{
	return bind_rc(sqlite3_bind_double(st->s, i, v));
}

static int sq_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
	return bind_rc(sqlite3_bind_blob64(st->s, i, p, n, SQLITE_TRANSIENT));
}

static int sq_bind_null(struct db_stmt *st, int i)
{
	return bind_rc(sqlite3_bind_null(st->s, i));
}

static int sq_step(struct db_stmt *st, struct err *e)
{
	int rc = sqlite3_step(st->s);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return map_error(st->conn->h, rc, e);
}

static int sq_col_count(struct db_stmt *st)
{
	return sqlite3_column_count(st->s);
}

static int sq_col_is_null(struct db_stmt *st, int i)
{
	return sqlite3_column_type(st->s, i) == SQLITE_NULL;
}

static int64_t sq_col_int(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(st->s, i);
}

static double sq_col_double(struct db_stmt *st, int i)
{
	return sqlite3_column_double(st->s, i);
}

static const char *sq_col_text(struct db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st->s, i);
}

static const void *sq_col_blob(struct db_stmt *st, int i, size_t *n)
{
	const void *p = sqlite3_column_blob(st->s, i);
	*n = (size_t)sqlite3_column_bytes(st->s, i);
	return p;
}

static void sq_finish(struct db_stmt *st)
{
	if (!st->sql) {
		sqlite3_finalize(st->s);
		free(st);
		return;
	}
	sqlite3_reset(st->s);
	sqlite3_clear_bindings(st->s);
	st->busy = 0;
}

static int sq_exec(struct db *db, const char *sql, struct err *e)
{
	db = target(db);
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		sqlite3_free(msg);
		return map_error(db->h, rc, e);
	}
	return 0;
}

static int sq_begin(struct db *db, struct err *e)
{
	if (db->in_tx)
		return err_set(e, ERR_INTERNAL, "database_error", "nested transaction");
	pthread_mutex_lock(&db->pool->write_lock);
	db->in_tx = 1;
	int rc = sq_exec(db, "BEGIN IMMEDIATE", e);
	if (rc) {
		db->in_tx = 0;
		pthread_mutex_unlock(&db->pool->write_lock);
		return rc;
	}
	return 0;
}

static int sq_commit(struct db *db, struct err *e)
{
	int rc = sq_exec(db, "COMMIT", e);
	/* A failed COMMIT leaves the transaction open: the caller rolls back. */
	if (rc == 0 && db->in_tx) {
		db->in_tx = 0;
		pthread_mutex_unlock(&db->pool->write_lock);
	}
	return rc;
}

static void sq_rollback(struct db *db)
{
	struct err e;
	if (!sqlite3_get_autocommit(target(db)->h) && sq_exec(db, "ROLLBACK", &e))
		log_warn("sq_rollback: %s", e.msg);
	if (db->in_tx) {
		db->in_tx = 0;
		pthread_mutex_unlock(&db->pool->write_lock);
	}
}

static int64_t sq_changes(struct db *db)
{
	return sqlite3_changes64(target(db)->h);
}

/* SQLite has no pool to wait for: one connection per thread, plus the writer. */
static void sq_pool_stats(struct db_pool *p, struct db_pool_stats *out)
{
	pthread_mutex_lock(&p->lock);
	out->open = p->count;
	out->size = p->count;
	pthread_mutex_unlock(&p->lock);
}

const struct db_ops db_sqlite_ops = {
    .dialect = "sqlite",
    .pool_open = sq_pool_open,
    .pool_close = sq_pool_close,
    .acquire = sq_acquire,
    .release = sq_release,
    .prepare = sq_prepare,
    .bind_text = sq_bind_text,
    .bind_int = sq_bind_int,
    .bind_double = sq_bind_double,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_count = sq_col_count,
    .col_is_null = sq_col_is_null,
    .col_int = sq_col_int,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .finish = sq_finish,
    .exec = sq_exec,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .changes = sq_changes,
    .pool_stats = sq_pool_stats,
};
