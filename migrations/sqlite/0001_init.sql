-- Data model v1 (see docs/data-model.md). Timestamps are unix seconds (UTC);
-- "day" columns are days since 1970-01-01 in the user's time zone.

CREATE TABLE users (
	id            TEXT PRIMARY KEY,              -- UUID v4
	email         TEXT NOT NULL UNIQUE,          -- lowercased
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,                 -- argon2id, libsodium string form
	role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
);

CREATE TABLE api_tokens (
	id           TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	token_hash   TEXT NOT NULL UNIQUE,           -- SHA-256 hex of the token
	prefix       TEXT NOT NULL,                  -- first characters, to recognise it
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id, created_at);

CREATE TABLE revoked_tokens (
	jti        TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL,
	expires_at INTEGER NOT NULL,                 -- rows may be purged after this
	revoked_at INTEGER NOT NULL
);
CREATE INDEX revoked_tokens_expiry ON revoked_tokens(expires_at);

CREATE TABLE topics (
	id          INTEGER PRIMARY KEY,
	slug        TEXT NOT NULL UNIQUE,
	name        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	position    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE topic_prerequisites (
	topic_id        INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
	prerequisite_id INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
	PRIMARY KEY (topic_id, prerequisite_id)
);

CREATE TABLE companies (
	id   INTEGER PRIMARY KEY,
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL
);

CREATE TABLE lists (
	id          INTEGER PRIMARY KEY,
	slug        TEXT NOT NULL UNIQUE,
	name        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE problems (
	id         INTEGER PRIMARY KEY,
	slug       TEXT NOT NULL UNIQUE,
	number     INTEGER,
	title      TEXT NOT NULL,
	difficulty TEXT NOT NULL CHECK (difficulty IN ('easy', 'medium', 'hard')),
	url        TEXT NOT NULL,
	active     INTEGER NOT NULL DEFAULT 1       -- 0 once removed from data/
);
CREATE INDEX problems_number ON problems(number);
CREATE INDEX problems_difficulty ON problems(difficulty);

CREATE TABLE problem_topics (
	problem_id INTEGER NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
	topic_id   INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
	position   INTEGER NOT NULL DEFAULT 0,      -- 0 = the problem's main topic
	PRIMARY KEY (problem_id, topic_id)
);
CREATE INDEX problem_topics_topic ON problem_topics(topic_id, problem_id);

CREATE TABLE problem_companies (
	problem_id INTEGER NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
	company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
	frequency  INTEGER NOT NULL CHECK (frequency BETWEEN 1 AND 3),
	PRIMARY KEY (problem_id, company_id)
);
CREATE INDEX problem_companies_company ON problem_companies(company_id, problem_id);

CREATE TABLE list_problems (
	list_id    INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
	problem_id INTEGER NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
	position   INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (list_id, problem_id)
);
CREATE INDEX list_problems_problem ON list_problems(problem_id, list_id);

CREATE TABLE design_topics (
	id         INTEGER PRIMARY KEY,
	slug       TEXT NOT NULL UNIQUE,
	title      TEXT NOT NULL,
	category   TEXT NOT NULL,
	difficulty TEXT NOT NULL CHECK (difficulty IN ('easy', 'medium', 'hard')),
	summary    TEXT NOT NULL DEFAULT '',
	checklist  TEXT NOT NULL DEFAULT '[]',      -- JSON array of strings
	concepts   TEXT NOT NULL DEFAULT '[]',
	companies  TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE behavioral_questions (
	id                    INTEGER PRIMARY KEY,
	slug                  TEXT NOT NULL UNIQUE,
	question              TEXT NOT NULL,
	competency            TEXT NOT NULL,
	level                 TEXT NOT NULL DEFAULT 'all',
	leadership_principles TEXT NOT NULL DEFAULT '[]',
	follow_ups            TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX behavioral_competency ON behavioral_questions(competency);

CREATE TABLE user_profiles (
	user_id          TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	target_companies TEXT NOT NULL DEFAULT '[]',  -- JSON array of company slugs
	interview_date   TEXT,                        -- YYYY-MM-DD
	hours_per_week   REAL,
	focus_topic      TEXT,                        -- topic slug
	time_zone        TEXT NOT NULL DEFAULT 'UTC', -- IANA name
	updated_at       INTEGER NOT NULL
);

CREATE TABLE attempts (
	seq          INTEGER PRIMARY KEY,            -- logging order (ties of "at")
	id           TEXT NOT NULL UNIQUE,           -- UUID, the public id
	user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	problem_id   INTEGER NOT NULL REFERENCES problems(id),
	outcome      TEXT NOT NULL CHECK (outcome IN ('solved', 'solved_with_help', 'failed')),
	minutes      INTEGER CHECK (minutes IS NULL OR minutes BETWEEN 0 AND 1440),
	language     TEXT,
	confidence   INTEGER CHECK (confidence IS NULL OR confidence BETWEEN 1 AND 5),
	notes        TEXT,
	solution_url TEXT,
	at           INTEGER NOT NULL,               -- when the attempt happened
	day          INTEGER NOT NULL,               -- local day of "at" in the profile's zone
	created_at   INTEGER NOT NULL                -- when it was logged
);
CREATE INDEX attempts_user_at ON attempts(user_id, at);
CREATE INDEX attempts_user_problem ON attempts(user_id, problem_id, at);

CREATE TABLE problem_progress (
	user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	problem_id   INTEGER NOT NULL REFERENCES problems(id),
	status       TEXT NOT NULL CHECK (status IN ('attempted', 'solved')),
	attempts     INTEGER NOT NULL,
	solved_count INTEGER NOT NULL,
	first_at     INTEGER NOT NULL,
	last_at      INTEGER NOT NULL,
	last_outcome TEXT NOT NULL,
	best_minutes INTEGER,
	next_review  INTEGER,                        -- filled by the review scheduler
	PRIMARY KEY (user_id, problem_id)
) WITHOUT ROWID;

-- Attempts per local day, kept in step with attempts: streaks and the
-- calendar read these few rows instead of every attempt.
CREATE TABLE activity_days (
	user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	day     INTEGER NOT NULL,
	count   INTEGER NOT NULL,
	PRIMARY KEY (user_id, day)
) WITHOUT ROWID;

CREATE TABLE activity_log (
	id         INTEGER PRIMARY KEY,
	user_id    TEXT,                             -- NULL for anonymous or system actions
	action     TEXT NOT NULL,                    -- e.g. "attempt.create"
	entity     TEXT NOT NULL,
	entity_id  TEXT,
	detail     TEXT NOT NULL DEFAULT '{}',       -- JSON
	ip         TEXT,
	request_id TEXT,
	at         INTEGER NOT NULL
);
CREATE INDEX activity_log_user ON activity_log(user_id, at);

CREATE TABLE catalog_meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
