/*
 * runner.c: worker threads and the scheduler thread (see runner.h).
 */
#include "jobs/runner.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"

struct worker {
	struct runner *r;
	pthread_t thread;
	char id[64];
};

struct runner {
	struct app *app;
	struct worker *workers;
	int nworkers;
	int schedule;
	pthread_t scheduler;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	volatile int stopping;
};

static atomic_uint_fast64_t n_done, n_failed, n_dead, n_released;

void jobs_metrics_write(struct buf *b)
{
	buf_printf(
	    b,
	    "# HELP maang_jobs_processed_total Jobs this process ran, by outcome.\n"
	    "# TYPE maang_jobs_processed_total counter\n"
	    "maang_jobs_processed_total{outcome=\"done\"} %llu\n"
	    "maang_jobs_processed_total{outcome=\"failed\"} %llu\n"
	    "maang_jobs_processed_total{outcome=\"dead\"} %llu\n"
	    "maang_jobs_processed_total{outcome=\"released\"} %llu\n",
	    (unsigned long long)atomic_load(&n_done), (unsigned long long)atomic_load(&n_failed),
	    (unsigned long long)atomic_load(&n_dead), (unsigned long long)atomic_load(&n_released));
}

/* Sleeps up to MS unless the runner stops. */
static void nap(struct runner *r, int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&r->lock);
	if (!r->stopping)
		pthread_cond_timedwait(&r->cond, &r->lock, &ts);
	pthread_mutex_unlock(&r->lock);
}

int job_ctx_heartbeat(struct job_ctx *c, struct err *e)
{
	return job_heartbeat(c->db, c->job, c->lease, e);
}

static void log_job(const struct job *j, const char *outcome, int64_t ms, const char *error)
{
	char fields[1600];
	struct buf b;
	buf_init(&b, sizeof(fields));
	buf_printf(&b, "\"job\":%lld,\"kind\":\"%s\",\"attempt\":%d,\"worker\":", (long long)j->id,
	           j->kind, j->attempts);
	json_escape_buf(&b, j->worker);
	buf_printf(&b, ",\"outcome\":\"%s\",\"ms\":%lld", outcome, (long long)ms);
	if (error) {
		buf_puts(&b, ",\"error\":");
		json_escape_buf(&b, error);
	}
	log_emit(strcmp(outcome, "done") ? LOG_WARN : LOG_INFO, "job", b.data ? b.data : "");
	buf_release(&b);
}

/* Runs one claimed job to its end (done, retry, dead or released). */
static void run_one(struct runner *r, struct db *db, struct job *j)
{
	struct app *a = r->app;
	struct err e = {0};
	const struct job_kind *k = job_kind_find(j->kind);
	struct job_ctx c = {.app = a,
	                    .db = db,
	                    .job = j,
	                    .lease = a->cfg->job_lease_seconds,
	                    .stopping = &r->stopping};
	int64_t t0 = time_now_ms();
	int rc =
	    k ? k->run(&c, &e)
	      : err_set(&e, ERR_INVALID, "unknown_kind", "no handler for job kind '%s'", j->kind);
	int64_t ms = time_now_ms() - t0;
	struct err we = {0};
	if (rc == JOB_RELEASE) {
		if (job_release(db, j, &we))
			log_warn("job %lld: cannot release: %s", (long long)j->id, we.msg);
		atomic_fetch_add(&n_released, 1);
		log_job(j, "released", ms, NULL);
	} else if (rc) {
		int dead = 0;
		if (job_fail(db, j, e.msg[0] ? e.msg : "failed", a->cfg->job_backoff_seconds, &dead,
		             &we))
			log_warn("job %lld: cannot record the failure: %s", (long long)j->id,
			         we.msg);
		atomic_fetch_add(dead ? &n_dead : &n_failed, 1);
		log_job(j, dead ? "dead" : "retry", ms, e.msg);
	} else {
		if (job_complete(db, j, c.result, &we))
			log_warn("job %lld: cannot complete: %s", (long long)j->id, we.msg);
		atomic_fetch_add(&n_done, 1);
		log_job(j, "done", ms, NULL);
	}
	json_decref(c.result);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct runner *r = w->r;
	struct app *a = r->app;
	while (!r->stopping) {
		struct db *db;
		struct err e = {0};
		if (db_acquire(a->pool, &db, &e)) {
			nap(r, a->cfg->job_poll_ms);
			continue;
		}
		struct job j;
		int got = job_claim(db, w->id, a->cfg->job_lease_seconds, &j, &e);
		if (got == 1) {
			run_one(r, db, &j);
			job_release_struct(&j);
		}
		db_release(db);
		if (got < 0)
			log_warn("jobs: claim failed: %s", e.msg);
		if (got != 1)
			nap(r, a->cfg->job_poll_ms);
	}
	return NULL;
}

/* Enqueues each schedule entry whose current period nobody has recorded yet. */
static void schedule_tick(struct runner *r)
{
	struct app *a = r->app;
	int n;
	const struct schedule_entry *s = schedule_entries(a->cfg, &n);
	struct db *db;
	struct err e = {0};
	if (db_acquire(a->pool, &db, &e))
		return;
	int64_t now = time_now();
	for (int i = 0; i < n && !r->stopping; i++) {
		if (s[i].period <= 0)
			continue;
		int64_t start = now - now % s[i].period, changes = 0;
		if (db_begin(db, &e))
			break;
		if (db_run(db, &e, &changes,
		           "INSERT INTO job_schedule_runs (name, period_start, created_at) "
		           "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		           "tii", s[i].name, start, now) ||
		    db_commit(db, &e)) {
			db_rollback(db);
			log_warn("schedule: %s: %s", s[i].name, e.msg);
			continue;
		}
		if (!changes)
			continue; /* another process has it */
		char key[128];
		snprintf(key, sizeof(key), "schedule:%s:%lld", s[i].name, (long long)start);
		json_t *payload = json_pack("{s:s, s:I}", "schedule", s[i].name, "period_start",
		                            (json_int_t)start);
		struct job_in in = {.kind = s[i].kind, .payload = payload, .idempotency_key = key};
		int64_t id = 0;
		if (job_enqueue(db, &in, a->cfg->job_max_attempts, &id, NULL, &e))
			log_warn("schedule: cannot enqueue %s: %s", s[i].name, e.msg);
		else if (db_begin(db, &e) == 0) {
			if (db_run(db, &e, NULL,
			           "UPDATE job_schedule_runs SET job_id = ? WHERE name = ? AND "
			           "period_start = ?",
			           "iti", id, s[i].name, start) ||
			    db_commit(db, &e))
				db_rollback(db);
		}
		json_decref(payload);
	}
	db_release(db);
}

static void *schedule_loop(void *arg)
{
	struct runner *r = arg;
	while (!r->stopping) {
		schedule_tick(r);
		nap(r, SCHEDULE_TICK_MS);
	}
	return NULL;
}

struct runner *runner_start(struct app *app, int workers, int schedule)
{
	struct runner *r = xcalloc(1, sizeof(*r));
	char host[64] = "host";
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	r->app = app;
	r->schedule = schedule;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->workers = xcalloc((size_t)workers, sizeof(*r->workers));
	for (int i = 0; i < workers; i++) {
		struct worker *w = &r->workers[i];
		w->r = r;
		snprintf(w->id, sizeof(w->id), "%.40s:%d:%d", host, (int)getpid(), i);
		if (pthread_create(&w->thread, NULL, work, w)) {
			log_error("jobs: cannot start worker %d", i);
			break;
		}
		r->nworkers++;
	}
	if (schedule && pthread_create(&r->scheduler, NULL, schedule_loop, r)) {
		log_error("jobs: cannot start the scheduler");
		r->schedule = 0;
	}
	log_info("jobs: %d workers%s", r->nworkers, r->schedule ? " and the schedule" : "");
	return r;
}

void runner_stop(struct runner *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = 1;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	for (int i = 0; i < r->nworkers; i++)
		pthread_join(r->workers[i].thread, NULL);
	if (r->schedule)
		pthread_join(r->scheduler, NULL);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r->workers);
	free(r);
}
