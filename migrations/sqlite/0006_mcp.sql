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

-- Live events of processes without Redis (`maang mcp` on stdio beside
-- `maang serve` on one SQLite file): written here, read by every serving
-- process within EVENTS_OUTBOX_POLL_MS, kept a minute (docs/mcp.md).
CREATE TABLE event_outbox (
	seq     INTEGER PRIMARY KEY,
	origin  TEXT NOT NULL,
	user_id TEXT NOT NULL,
	type    TEXT NOT NULL,
	data    TEXT NOT NULL,
	at      INTEGER NOT NULL
);
CREATE INDEX event_outbox_at ON event_outbox(at);
