-- Mock interviews (docs/interviews.md): a session with its questions,
-- timing, submission, rubric scores and feedback; and its transcript.
CREATE TABLE interview_sessions (
	id               TEXT PRIMARY KEY,
	user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	type             TEXT NOT NULL CHECK (type IN ('coding', 'system_design', 'behavioral')),
	company          TEXT,
	level            TEXT,
	difficulty       TEXT,
	topic            TEXT,
	duration_minutes INTEGER NOT NULL,
	blind            INTEGER NOT NULL DEFAULT 0,
	repeat_weekly    INTEGER NOT NULL DEFAULT 0,
	state            TEXT NOT NULL CHECK (state IN ('scheduled', 'active', 'completed', 'abandoned')),
	questions        TEXT NOT NULL DEFAULT '[]',
	hints            INTEGER NOT NULL DEFAULT 0,
	scheduled_at     INTEGER,
	started_at       INTEGER,
	ended_at         INTEGER,
	answer           TEXT,
	self_scores      TEXT,
	scores           TEXT,
	feedback         TEXT,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
);
CREATE INDEX interview_sessions_user ON interview_sessions(user_id, created_at);
CREATE INDEX interview_sessions_scheduled ON interview_sessions(state, scheduled_at);

CREATE TABLE interview_messages (
	seq        INTEGER PRIMARY KEY,
	session_id TEXT NOT NULL REFERENCES interview_sessions(id) ON DELETE CASCADE,
	user_id    TEXT NOT NULL,
	role       TEXT NOT NULL CHECK (role IN ('candidate', 'interviewer')),
	kind       TEXT NOT NULL CHECK (kind IN ('message', 'hint', 'question', 'follow_up', 'note')),
	content    TEXT NOT NULL,
	at         INTEGER NOT NULL
);
CREATE INDEX interview_messages_session ON interview_messages(session_id, seq);
