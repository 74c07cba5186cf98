-- The durable job queue and the schedule's runs (docs/jobs.md). A job is
-- claimed by setting state 'running' with a lease (locked_by, locked_until)
-- in one write transaction; a lease that runs out makes the job claimable
-- again, so a crashed worker's job is retried.
CREATE TABLE jobs (
	id              INTEGER PRIMARY KEY,
	kind            TEXT NOT NULL,
	payload         TEXT NOT NULL DEFAULT '{}',
	state           TEXT NOT NULL DEFAULT 'queued'
	                CHECK (state IN ('queued', 'running', 'done', 'dead', 'cancelled')),
	priority        INTEGER NOT NULL DEFAULT 0,
	attempts        INTEGER NOT NULL DEFAULT 0,
	max_attempts    INTEGER NOT NULL DEFAULT 5,
	run_at          INTEGER NOT NULL,
	locked_by       TEXT,
	locked_until    INTEGER,
	last_error      TEXT,
	result          TEXT,
	idempotency_key TEXT UNIQUE,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	finished_at     INTEGER
);
CREATE INDEX jobs_ready ON jobs(state, priority DESC, run_at);
CREATE INDEX jobs_finished ON jobs(finished_at);

-- One row per scheduled job and period: whoever inserts it enqueues the run.
CREATE TABLE job_schedule_runs (
	name         TEXT NOT NULL,
	period_start INTEGER NOT NULL,
	job_id       INTEGER,
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (name, period_start)
);

-- Messages for a user from background work (review reminders, ...).
CREATE TABLE notifications (
	id         TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	message    TEXT NOT NULL,
	data       TEXT NOT NULL DEFAULT '{}',
	created_at INTEGER NOT NULL,
	read_at    INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);
