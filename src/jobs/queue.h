/*
 * queue.h: the durable job queue (table jobs; docs/jobs.md). Any process
 * enqueues; workers claim one job at a time with a lease: on PostgreSQL
 * with FOR UPDATE SKIP LOCKED, on SQLite inside a write transaction (SQLite
 * admits one writer, so two claims cannot pick the same row). A job whose
 * lease runs out (its worker died) is claimable again; a failed job comes
 * back after an exponential backoff, and is dead after max_attempts.
 */
#ifndef MAANG_JOBS_QUEUE_H
#define MAANG_JOBS_QUEUE_H

#include <jansson.h>
#include <stdint.h>

#include "db/db.h"

#define JOB_KIND_MAX     48
#define JOB_PAYLOAD_MAX  (64 * 1024) /* bytes of JSON */
#define JOB_ERROR_MAX    1000        /* bytes of last_error kept */
#define JOB_BACKOFF_MAX  3600        /* seconds, the longest wait between attempts */
#define JOB_PRIORITY_MAX 100
#define JOB_LIST_MAX     500

struct job_in {
	const char *kind;
	json_t *payload;             /* object, or NULL for {} */
	int priority;                /* -100..100, higher first */
	int max_attempts;            /* 0: the default (JOB_MAX_ATTEMPTS) */
	int64_t run_at;              /* unix seconds; 0 = now */
	const char *idempotency_key; /* NULL or unique: a second enqueue returns the first job */
};

/* A claimed job; payload is the caller's after job_claim. */
struct job {
	int64_t id;
	char kind[JOB_KIND_MAX + 1];
	json_t *payload;
	int attempts; /* including this one */
	int max_attempts;
	char worker[64];
};

/*
 * Adds a job; *ID (may be NULL) gets its id, or the existing job's id when
 * the idempotency key was used before (*CREATED 0). ERR_INVALID for a bad
 * kind, payload or priority.
 */
int job_enqueue(struct db *db, const struct job_in *in, int default_max_attempts, int64_t *id,
                int *created, struct err *e);

/*
 * Claims the most urgent runnable job for WORKER with a lease of LEASE
 * seconds: 1 with *OUT filled, 0 when there is none. Jobs whose lease ran
 * out with no attempts left are marked dead on the way.
 */
int job_claim(struct db *db, const char *worker, int lease, struct job *out, struct err *e);
/* Frees what a claimed job holds. */
void job_release_struct(struct job *j);

/* The worker that holds J finished it: state done, RESULT (may be NULL) kept. */
int job_complete(struct db *db, const struct job *j, json_t *result, struct err *e);
/*
 * The attempt failed with MESSAGE: back to queued after job_backoff(attempts,
 * BASE), or dead when it was the last attempt. *DEAD (may be NULL) says which.
 */
int job_fail(struct db *db, const struct job *j, const char *message, int base, int *dead,
             struct err *e);
/* Gives the job back unfinished (shutdown): queued again, the attempt not counted. */
int job_release(struct db *db, const struct job *j, struct err *e);
/* Extends the lease of a long job; ERR_CONFLICT if the worker lost it. */
int job_heartbeat(struct db *db, const struct job *j, int lease, struct err *e);

/* Seconds to wait after failed attempt N (1-based): BASE, 2 BASE, 4 BASE, ... up to an hour. */
int64_t job_backoff(int attempt, int base);

/* Admin: a dead or cancelled job runs again from scratch; ERR_CONFLICT otherwise. */
int job_retry(struct db *db, int64_t id, struct err *e);
/* Admin: a queued job will not run; ERR_CONFLICT when running or finished. */
int job_cancel(struct db *db, int64_t id, struct err *e);
/* {items:[job...], total}, newest first; STATE and KIND (may be NULL) filter. */
int job_list(struct db *db, const char *state, const char *kind, int64_t limit, int64_t offset,
             json_t **out, struct err *e);
/* One job as JSON; ERR_NOT_FOUND. */
int job_get(struct db *db, int64_t id, json_t **out, struct err *e);
/* {states:{queued,running,done,dead,cancelled}, oldest_queued_age, by_kind:[...]} */
int job_stats(struct db *db, json_t **out, struct err *e);

#endif
