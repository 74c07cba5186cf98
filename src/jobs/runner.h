/*
 * runner.h: job workers and the schedule (docs/jobs.md). A runner is N
 * worker threads that claim jobs from the queue and run the handler of
 * their kind, plus a scheduler thread that enqueues the periodic jobs once
 * per period across every process (the first process to record a period in
 * job_schedule_runs enqueues it). `maang agent` is a runner alone; `maang
 * serve` embeds one unless AGENT_EMBEDDED=off.
 */
#ifndef MAANG_JOBS_RUNNER_H
#define MAANG_JOBS_RUNNER_H

#include <jansson.h>

#include "api/app.h"
#include "core/buf.h"
#include "jobs/queue.h"

#define SCHEDULE_TICK_MS 1000 /* how often the scheduler looks at the clock */
#define JOB_RELEASE      1    /* a handler's answer: stopping, give the job back */

/* What a handler gets. It sets *RESULT (a JSON object it owns) on success. */
struct job_ctx {
	struct app *app;
	struct db *db; /* held for the job */
	const struct job *job;
	int lease;
	volatile int *stopping; /* set when the process is shutting down */
	json_t *result;
};

/*
 * A handler: 0 on success, JOB_RELEASE to give the job back unfinished
 * (shutdown), or an error (E says why; the job is retried with backoff).
 */
typedef int (*job_fn)(struct job_ctx *c, struct err *e);

struct job_kind {
	const char *kind;
	job_fn run;
	const char *about;
	int lease; /* seconds, for handlers that cannot renew their lease; 0: JOB_LEASE_SECONDS */
};

/* The kinds (jobs/tasks.c); NULL when KIND is unknown. */
const struct job_kind *job_kind_find(const char *kind);
/* Every kind, for listings: the table and its length. */
const struct job_kind *job_kinds(int *n);

/* One periodic job: enqueued once per PERIOD seconds (0: off). */
struct schedule_entry {
	const char *name;
	const char *kind;
	int period;
	const char *about;
};
/* The schedule with JOB_SCHEDULE's overrides applied; *N entries. */
const struct schedule_entry *schedule_entries(const struct config *cfg, int *n);
/* Checks JOB_SCHEDULE ("name=seconds,..."): ERR_INVALID naming a bad entry. */
int schedule_check(const char *spec, struct err *e);
/* [{name, kind, period_seconds, last_period, last_job}] for the admin view. */
int schedule_status(const struct config *cfg, struct db *db, json_t **out, struct err *e);

struct runner;
/* Starts WORKERS threads (and the scheduler when SCHEDULE) for APP. */
struct runner *runner_start(struct app *app, int workers, int schedule);
/*
 * Stops claiming, tells running handlers to stop (JOB_RELEASE), waits for
 * them, and frees the runner. NULL is fine.
 */
void runner_stop(struct runner *r);
/* Counters for /metrics (this process). */
void jobs_metrics_write(struct buf *b);

/* Keeps the lease of a long job alive; handlers call it between steps. */
int job_ctx_heartbeat(struct job_ctx *c, struct err *e);

#endif
