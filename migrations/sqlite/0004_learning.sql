-- The learning engine's weakness analyses (docs/learning.md): one row each
-- time the set of weak topics changes, so a user sees weaknesses resolved.
CREATE TABLE weakness_analysis (
	id          INTEGER PRIMARY KEY,
	user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	computed_at INTEGER NOT NULL,
	topics      TEXT NOT NULL,                    -- weak topic slugs, most severe first, comma-separated
	items       TEXT NOT NULL DEFAULT '[]'        -- the analysis as served (JSON)
);
CREATE INDEX weakness_analysis_user ON weakness_analysis(user_id, computed_at);

