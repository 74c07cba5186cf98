/*
 * session.c: sessions of the Streamable HTTP transport, in the database
 * (table mcp_sessions): any instance behind the load balancer serves any
 * session, and a session survives a restart. A session belongs to the user
 * who initialized it; someone else's id is as unknown as a made-up one.
 */
#include <string.h>

#include "core/timeutil.h"
#include "mcp/mcp.h"

#define TOUCH_EVERY 60 /* seconds between last_used_at updates */

/* One write in its own transaction. */
static int write1(struct db *db, struct err *e, const char *sql, const char *types, const char *a,
                  const char *b, int64_t n)
{
	int rc = db_begin(db, e);
	if (rc)
		return rc;
	if (types[0] == 'i')
		rc = db_run(db, e, NULL, sql, types, n, a, b);
	else
		rc = db_run(db, e, NULL, sql, types, a, b);
	if (rc || (rc = db_commit(db, e))) {
		db_rollback(db);
		return rc;
	}
	return 0;
}

int mcp_session_create(struct db *db, struct mcp_session *s, struct err *e)
{
	unsigned char raw[16];
	random_bytes(raw, sizeof(raw));
	hex_encode(raw, sizeof(raw), s->id);
	int64_t now = time_now();
	int rc = db_begin(db, e);
	if (rc)
		return rc;
	if ((rc = db_run(db, e, NULL,
	                 "INSERT INTO mcp_sessions (id, user_id, protocol_version, client_name, "
	                 "log_level, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
	                 "tttttii", s->id, s->user_id, s->protocol, s->client_name, s->log_level,
	                 now, now)) ||
	    /* Sessions idle for long are forgotten on the way. */
	    (rc = db_run(db, e, NULL,
	                 "DELETE FROM mcp_sessions WHERE last_used_at < ? AND user_id = ?", "it",
	                 now - MCP_SESSION_IDLE_MAX, s->user_id)) ||
	    (rc = db_commit(db, e))) {
		db_rollback(db);
		s->id[0] = '\0';
		return rc;
	}
	return 0;
}

int mcp_session_load(struct db *db, const char *id, const char *user_id, struct mcp_session *out,
                     struct err *e)
{
	struct db_stmt *st;
	int64_t now = time_now();
	if (strlen(id) != 32)
		return err_set(e, ERR_NOT_FOUND, "session_not_found", "no session '%.40s'", id);
	int rc = db_query(db, &st, e,
	                  "SELECT protocol_version, log_level, client_name, last_used_at "
	                  "FROM mcp_sessions WHERE id = ? AND user_id = ? AND ended_at IS NULL "
	                  "AND last_used_at >= ?",
	                  "tti", id, user_id, now - MCP_SESSION_IDLE_MAX);
	if (rc)
		return rc;
	rc = db_step(st, e);
	if (rc != DB_ROW) {
		db_finish(st);
		return rc < 0 ? rc
		              : err_set(e, ERR_NOT_FOUND, "session_not_found", "no session '%.40s'",
		                        id);
	}
	memset(out, 0, sizeof(*out));
	str_copy(out->id, sizeof(out->id), id);
	str_copy(out->user_id, sizeof(out->user_id), user_id);
	str_copy(out->protocol, sizeof(out->protocol), db_col_text(st, 0));
	str_copy(out->log_level, sizeof(out->log_level), db_col_text(st, 1));
	str_copy(out->client_name, sizeof(out->client_name), db_col_text(st, 2));
	int64_t last = db_col_int(st, 3);
	db_finish(st);
	out->initialized = 1;
	if (now - last >= TOUCH_EVERY) {
		struct err ignore = {0};
		write1(db, &ignore,
		       "UPDATE mcp_sessions SET last_used_at = ? WHERE id = ? AND user_id = ?",
		       "itt", id, user_id, now);
	}
	return 0;
}

int mcp_session_set_level(struct db *db, const struct mcp_session *s, struct err *e)
{
	return write1(db, e, "UPDATE mcp_sessions SET log_level = ? WHERE id = ?", "tt",
	              s->log_level, s->id, 0);
}

int mcp_session_end(struct db *db, const char *id, const char *user_id, struct err *e)
{
	int64_t changes = 0;
	int rc = db_begin(db, e);
	if (rc)
		return rc;
	if ((rc = db_run(db, e, &changes,
	                 "UPDATE mcp_sessions SET ended_at = ? WHERE id = ? AND user_id = ? AND "
	                 "ended_at IS NULL",
	                 "itt", time_now(), id, user_id)) ||
	    (rc = db_commit(db, e))) {
		db_rollback(db);
		return rc;
	}
	if (!changes)
		return err_set(e, ERR_NOT_FOUND, "session_not_found", "no session '%.40s'", id);
	return 0;
}
