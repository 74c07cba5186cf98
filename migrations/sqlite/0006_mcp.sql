-- MCP sessions of the Streamable HTTP transport (docs/mcp.md). In the
-- database, not in one process: any instance behind the load balancer can
-- serve the next request of a session, and sessions outlive restarts.
CREATE TABLE mcp_sessions (
	id               TEXT PRIMARY KEY,
	user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	protocol_version TEXT NOT NULL,
	client_name      TEXT NOT NULL DEFAULT '',
	client_version   TEXT NOT NULL DEFAULT '',
	log_level        TEXT NOT NULL DEFAULT 'info',
	created_at       INTEGER NOT NULL,
	last_used_at     INTEGER NOT NULL,
	ended_at         INTEGER
);
CREATE INDEX mcp_sessions_user ON mcp_sessions(user_id, created_at);
CREATE INDEX mcp_sessions_idle ON mcp_sessions(last_used_at);
