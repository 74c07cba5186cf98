/*
 * http.c: the Streamable HTTP transport of MCP at /mcp, on the main server
 * and on the dedicated listener (MCP_PORT). POST carries one JSON-RPC
 * message: a request gets its response as JSON, or as a short event stream
 * when the client takes only event streams or when log notifications go
 * with it; notifications and responses get 202. GET opens the session's
 * server stream: the user's live events as notifications/message. DELETE
 * ends the session.
 *
 * Checks before any message is read: the Origin (DNS rebinding: browsers
 * may only come from the configured origins or loopback), the bearer token
 * (the route's AUTH flag), MCP-Protocol-Version, and Mcp-Session-Id, which
 * every message after initialize names.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/log.h"
#include "events/events.h"
#include "mcp/mcp.h"

/* Replies with a JSON-RPC error and HTTP STATUS. */
static int rpc_fail(struct http_req *r, int status, json_t *id, int code, const char *msg)
{
	return http_reply(r, status, mcp_error(id, code, msg, NULL));
}

/* Whether ORIGIN ("scheme://host[:port]") is loopback or listed in MCP_ALLOWED_ORIGINS. */
static int origin_allowed(struct http_req *r, const char *origin)
{
	const char *list = APP(r)->cfg->mcp_allowed_origins;
	size_t n = strlen(origin);
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		while (len && *p == ' ')
			p++, len--;
		while (len && p[len - 1] == ' ')
			len--;
		if (len == n && strncasecmp(p, origin, n) == 0)
			return 1;
		if (len == 1 && *p == '*')
			return 1;
		p = end ? end + 1 : p + len;
	}
	const char *host = strstr(origin, "://");
	if (!host)
		return 0;
	host += 3;
	static const char *const loopback[] = {"localhost", "127.0.0.1", "[::1]"};
	for (size_t i = 0; i < ARRAY_LEN(loopback); i++) {
		size_t k = strlen(loopback[i]);
		if (strncasecmp(host, loopback[i], k) == 0 && (host[k] == '\0' || host[k] == ':'))
			return 1;
	}
	return 0;
}

static int accepts(struct http_req *r, const char *type)
{
	const char *a = http_header(r, "Accept");
	return !a || strcasestr(a, type) || strstr(a, "*/*");
}

/*
 * The shared checks: Origin, protocol version header, session. Returns 0
 * with *S loaded (or empty for initialize), or 1 after replying.
 */
static int preflight(struct http_req *r, int initializing, struct mcp_session *s)
{
	const char *origin = http_header(r, "Origin");
	memset(s, 0, sizeof(*s));
	if (origin && !origin_allowed(r, origin)) {
		rpc_fail(r, 403, NULL, -32003, "origin not allowed (see MCP_ALLOWED_ORIGINS)");
		return 1;
	}
	const char *version = http_header(r, "MCP-Protocol-Version");
	if (version && !mcp_version_supported(version)) {
		char msg[160];
		snprintf(msg, sizeof(msg), "unsupported MCP-Protocol-Version '%.40s'", version);
		rpc_fail(r, 400, NULL, RPC_INVALID_REQUEST, msg);
		return 1;
	}
	if (initializing)
		return 0;
	const char *sid = http_header(r, "Mcp-Session-Id");
	if (!sid || !*sid) {
		rpc_fail(r, 400, NULL, RPC_INVALID_REQUEST,
		         "missing Mcp-Session-Id: send initialize first");
		return 1;
	}
	struct err e = {0};
	if (mcp_session_load(r->db, sid, r->user.id, s, &e)) {
		if (e.code == ERR_NOT_FOUND)
			rpc_fail(r, 404, NULL, -32001, "session not found: initialize a new one");
		else
			rpc_fail(r, 503, NULL, RPC_INTERNAL_ERROR, e.msg);
		return 1;
	}
	if (version && strcmp(version, s->protocol)) {
		rpc_fail(r, 400, NULL, RPC_INVALID_REQUEST,
		         "MCP-Protocol-Version differs from the version of the session");
		return 1;
	}
	return 0;
}

static void sse_message(struct buf *b, json_t *msg)
{
	char *text = json_dump_compact(msg);
	buf_printf(b, "event: message\ndata: %s\n\n", text);
	free(text);
}

int h_mcp_post(struct http_req *r)
{
	json_t *msg;
	struct err e = {0};
	if (json_parse_body(r->body.data, r->body.len, 0, &msg, &e)) {
		struct mcp_session none;
		if (preflight(r, 1, &none))
			return 0;
		return rpc_fail(r, 400, NULL, RPC_PARSE_ERROR, e.msg);
	}
	const char *method = json_is_object(msg) ? json_str(msg, "method") : NULL;
	int initializing = method && !strcmp(method, "initialize");
	struct mcp_session s;
	if (preflight(r, initializing, &s)) {
		json_decref(msg);
		return 0;
	}
	if (!accepts(r, "application/json") && !accepts(r, "text/event-stream")) {
		json_decref(msg);
		return rpc_fail(r, 406, NULL, RPC_INVALID_REQUEST,
		                "Accept must include application/json or text/event-stream");
	}
	struct mcp_ctx c = {.app = APP(r),
	                    .db = r->db,
	                    .user = r->user,
	                    .session = &s,
	                    .request_id = r->id,
	                    .is_http = 1,
	                    .notes = json_array()};
	json_t *reply = mcp_handle(&c, msg);
	json_decref(msg);
	if (initializing && s.id[0])
		http_add_header(r, "Mcp-Session-Id", s.id);
	if (!reply) {
		json_decref(c.notes);
		return http_reply(r, 202, NULL);
	}
	/* Malformed messages (no usable id) are the client's error. */
	int status = json_is_null(json_object_get(reply, "id")) ? 400 : 200;
	int sse = status == 200 && accepts(r, "text/event-stream") &&
	          (!accepts(r, "application/json") || json_array_size(c.notes) > 0);
	if (!sse) {
		json_decref(c.notes);
		return http_reply(r, status, reply);
	}
	struct buf b;
	buf_init(&b, (size_t)MCP_MESSAGE_MAX * 8);
	size_t i;
	json_t *note;
	json_array_foreach(c.notes, i, note) sse_message(&b, note);
	sse_message(&b, reply);
	json_decref(c.notes);
	json_decref(reply);
	size_t len = b.len;
	return http_reply_raw(r, 200, "text/event-stream", buf_detach(&b), len);
}

/* The user's live events, as notifications/message of the logger "maang.events". */
static char *event_note(const struct event *ev, void *ctx)
{
	(void)ctx;
	json_error_t je;
	json_t *data = json_loads(ev->data, JSON_DECODE_ANY, &je);
	json_t *note =
	    json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:o}}}", "jsonrpc", "2.0", "method",
	              "notifications/message", "params", "level", "info", "logger", "maang.events",
	              "data", "type", ev->type, "data", data ? data : json_null());
	char *text = json_dump_compact(note);
	json_decref(note);
	char *out = xasprintf("id: %s\nevent: message\ndata: %s\n\n", ev->id, text);
	free(text);
	return out;
}

/* Sessions that asked for warnings only see heartbeats. */
static char *event_none(const struct event *ev, void *ctx)
{
	(void)ev, (void)ctx;
	return NULL;
}

int h_mcp_get(struct http_req *r)
{
	struct mcp_session s;
	if (preflight(r, 0, &s))
		return 0;
	const char *a = http_header(r, "Accept");
	if (!a || !strcasestr(a, "text/event-stream"))
		return rpc_fail(r, 406, NULL, RPC_INVALID_REQUEST,
		                "the server stream needs Accept: text/event-stream");
	int quiet = strcmp(s.log_level, "debug") && strcmp(s.log_level, "info");
	return http_reply_events(r, APP(r)->events, r->user.id, http_header(r, "Last-Event-ID"),
	                         quiet ? event_none : event_note, NULL);
}

int h_mcp_delete(struct http_req *r)
{
	struct mcp_session s;
	if (preflight(r, 0, &s))
		return 0;
	struct err e = {0};
	if (mcp_session_end(r->db, s.id, r->user.id, &e))
		return rpc_fail(r, e.code == ERR_NOT_FOUND ? 404 : 503, NULL, -32001, e.msg);
	return http_reply(r, 204, NULL);
}
