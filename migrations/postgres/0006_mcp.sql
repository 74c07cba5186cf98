-- MCP sessions, as migrations/sqlite/0006_mcp.sql.
CREATE TABLE mcp_sessions (
	id               TEXT PRIMARY KEY,
	user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	protocol_version TEXT NOT NULL,
	client_name      TEXT NOT NULL DEFAULT '',
	client_version   TEXT NOT NULL DEFAULT '',
	log_level        TEXT NOT NULL DEFAULT 'info',
	created_at       BIGINT NOT NULL,
	last_used_at     BIGINT NOT NULL,
	ended_at         BIGINT
);
CREATE INDEX mcp_sessions_user ON mcp_sessions(user_id, created_at);
CREATE INDEX mcp_sessions_idle ON mcp_sessions(last_used_at);
