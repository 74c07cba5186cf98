/*
 * outbox.c: the event_outbox table as a channel between processes (see
 * outbox.h). One poller thread per serving process; a poll is one indexed
 * range read, so an idle server costs a query every OUTBOX_POLL_MS.
 */
#include "events/outbox.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/timeutil.h"

struct outbox {
	struct db_pool *pool;
	struct events *hub;
	struct cache *cache;
	char origin[40];
	int64_t last; /* newest seq seen */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop;
};

int outbox_write(struct db *db, const char *origin, const char *user, const char *type,
                 const char *data, struct err *e)
{
	int64_t now = time_now();
	int rc = db_begin(db, e);
	if (rc)
		return rc;
	if ((rc = db_run(db, e, NULL,
	                 "INSERT INTO event_outbox (origin, user_id, type, data, at) "
	                 "VALUES (?, ?, ?, ?, ?)",
	                 "tttti", origin, user, type, data, now)))
		goto fail;
	/* The writer keeps the table short; readers only read. */
	if ((rc = db_run(db, e, NULL, "DELETE FROM event_outbox WHERE at < ?", "i",
	                 now - OUTBOX_KEEP_SECONDS)))
		goto fail;
	if ((rc = db_commit(db, e)))
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return rc;
}

static int newest(struct db_pool *pool, int64_t *out)
{
	struct db *db;
	struct err e = {0};
	if (db_acquire(pool, &db, &e))
		return -1;
	int rc = db_scalar(db, &e, out, "SELECT COALESCE(MAX(seq), 0) FROM event_outbox", "");
	db_release(db);
	return rc;
}

/* Reads what arrived since the last poll; returns the rows handled. */
static int poll_once(struct outbox *o)
{
	struct db *db;
	struct db_stmt *st;
	struct err e = {0};
	int n = 0, rc;
	if (db_acquire(o->pool, &db, &e))
		return 0;
	if (db_query(db, &st, &e,
	             "SELECT seq, origin, user_id, type, data FROM event_outbox WHERE seq > ? "
	             "ORDER BY seq LIMIT ?",
	             "ii", o->last, (int64_t)OUTBOX_BATCH)) {
		db_release(db);
		return 0;
	}
	while ((rc = db_step(st, &e)) == DB_ROW) {
		o->last = db_col_int(st, 0);
		n++;
		if (!strcmp(db_col_text(st, 1), o->origin))
			continue;
		const char *user = db_col_text(st, 2);
		cache_bump_user(o->cache, user);
		events_publish(o->hub, user, db_col_text(st, 3), db_col_text(st, 4));
	}
	db_finish(st);
	db_release(db);
	if (rc < 0)
		log_msg(LOG_WARN, "outbox: poll failed: %s", e.msg);
	return n;
}

static void *poll_loop(void *arg)
{
	struct outbox *o = arg;
	pthread_mutex_lock(&o->lock);
	while (!o->stop) {
		pthread_mutex_unlock(&o->lock);
		int n = poll_once(o);
		pthread_mutex_lock(&o->lock);
		if (n >= OUTBOX_BATCH)
			continue; /* more waiting */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)OUTBOX_POLL_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		if (!o->stop)
			pthread_cond_timedwait(&o->cond, &o->lock, &ts);
	}
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

struct outbox *outbox_start(struct db_pool *pool, struct events *hub, struct cache *cache,
                            const char *origin)
{
	struct outbox *o = xcalloc(1, sizeof(*o));
	o->pool = pool;
	o->hub = hub;
	o->cache = cache;
	str_copy(o->origin, sizeof(o->origin), origin);
	if (newest(pool, &o->last))
		o->last = 0;
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->cond, NULL);
	if (pthread_create(&o->thread, NULL, poll_loop, o)) {
		log_error("outbox: cannot start the poller");
		pthread_mutex_destroy(&o->lock);
		pthread_cond_destroy(&o->cond);
		free(o);
		return NULL;
	}
	return o;
}

void outbox_stop(struct outbox *o)
{
	if (!o)
		return;
	pthread_mutex_lock(&o->lock);
	o->stop = 1;
	pthread_cond_signal(&o->cond);
	pthread_mutex_unlock(&o->lock);
	pthread_join(o->thread, NULL);
	pthread_mutex_destroy(&o->lock);
	pthread_cond_destroy(&o->cond);
	free(o);
}
