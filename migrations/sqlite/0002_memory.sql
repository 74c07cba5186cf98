-- Long-term memory (see docs/data-model.md): per-user memories with their
-- embedding, the history of every change, a full-text index for the
-- lexical half of hybrid search, the per-user memory version that keeps
-- every instance's vector index fresh, and the coach's transcripts.

CREATE TABLE memories (
	seq              INTEGER PRIMARY KEY,         -- row key (the vector index's id)
	id               TEXT NOT NULL UNIQUE,        -- UUID, the public id
	user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	kind             TEXT NOT NULL CHECK (kind IN ('conversation', 'note', 'insight',
	                                               'attempt_note', 'interview_feedback')),
	content          TEXT NOT NULL,
	content_hash     TEXT NOT NULL,               -- SHA-256 of the normalised content
	metadata         TEXT NOT NULL DEFAULT '{}',  -- JSON object
	importance       REAL NOT NULL DEFAULT 0.5 CHECK (importance BETWEEN 0 AND 1),
	valid_from       INTEGER,                     -- unix seconds; NULL = always
	valid_to         INTEGER,                     -- unix seconds; NULL = never expires
	access_count     INTEGER NOT NULL DEFAULT 0,  -- times returned by a search
	last_accessed_at INTEGER,
	embedding        BLOB,                        -- float32 little-endian, normalised
	embedding_model  TEXT,                        -- NULL until embedded
	embedding_dim    INTEGER,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
);
CREATE INDEX memories_user ON memories(user_id, created_at);
CREATE INDEX memories_user_hash ON memories(user_id, content_hash);
CREATE INDEX memories_user_model ON memories(user_id, embedding_model);

-- BM25 over the content; "owner" is the user id as one token, so a query
-- is restricted to its user inside the index. Kept in step by triggers.
CREATE VIRTUAL TABLE memories_fts USING fts5(owner, content, tokenize = 'porter unicode61');
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
	INSERT INTO memories_fts(rowid, owner, content)
	VALUES (new.seq, 'u' || replace(new.user_id, '-', ''), new.content);
END;
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
	DELETE FROM memories_fts WHERE rowid = old.seq;
END;
CREATE TRIGGER memories_fts_update AFTER UPDATE OF content ON memories BEGIN
	UPDATE memories_fts SET content = new.content WHERE rowid = new.seq;
END;

CREATE TABLE memory_history (
	seq          INTEGER PRIMARY KEY,
	memory_id    TEXT NOT NULL,                   -- kept after the memory is deleted
	user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	event        TEXT NOT NULL CHECK (event IN ('ADD', 'UPDATE', 'MERGE', 'DELETE')),
	old_content  TEXT,
	new_content  TEXT,
	old_metadata TEXT,
	new_metadata TEXT,
	at           INTEGER NOT NULL
);
CREATE INDEX memory_history_memory ON memory_history(user_id, memory_id, seq);

CREATE TABLE memory_state (
	user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	version INTEGER NOT NULL,                     -- bumped by every memory write
	count   INTEGER NOT NULL DEFAULT 0            -- memories the user keeps
);

CREATE TABLE coach_messages (
	seq        INTEGER PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	session_id TEXT NOT NULL,
	role       TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
	content    TEXT NOT NULL,
	memories   TEXT NOT NULL DEFAULT '[]',        -- ids of the memories an answer used
	provider   TEXT,                              -- "builtin" or the LLM_MODEL that answered
	at         INTEGER NOT NULL
);
CREATE INDEX coach_messages_session ON coach_messages(user_id, session_id, seq);
