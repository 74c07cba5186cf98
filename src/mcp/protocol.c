/*
 * protocol.c: JSON-RPC 2.0 framing and the MCP lifecycle: message checks,
 * the method table, initialize with version negotiation, ping,
 * logging/setLevel, paging cursors and log notifications.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "mcp/mcp.h"

/* Newest first: the answer to a version we do not speak. */
static const char *const versions[] = {"2025-11-25", "2025-06-18", "2025-03-26"};

/* Log levels of logging/setLevel (RFC 5424 severities), least severe first. */
static const char *const levels[] = {"debug", "info",     "notice", "warning",
                                     "error", "critical", "alert",  "emergency"};

int mcp_version_supported(const char *version)
{
	for (size_t i = 0; i < ARRAY_LEN(versions); i++)
		if (version && !strcmp(versions[i], version))
			return 1;
	return 0;
}

static int level_rank(const char *level)
{
	for (size_t i = 0; i < ARRAY_LEN(levels); i++)
		if (level && !strcmp(levels[i], level))
			return (int)i;
	return -1;
}

json_t *mcp_error(json_t *id, int code, const char *message, json_t *data)
{
	json_t *err = json_pack("{s:i, s:s}", "code", code, "message", message);
	if (data)
		json_object_set_new(err, "data", data);
	return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error",
	                 err);
}

static json_t *error_obj(int code, const char *message)
{
	return json_pack("{s:i, s:s}", "code", code, "message", message);
}

void mcp_log(struct mcp_ctx *c, const char *level, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!c->notes || !c->session || json_array_size(c->notes) >= MCP_LOG_MAX ||
	    level_rank(level) < level_rank(c->session->log_level))
		return;
	json_array_append_new(c->notes,
	                      json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "jsonrpc", "2.0", "method",
	                                "notifications/message", "params", "level", level, "logger",
	                                MCP_SERVER_NAME, "data", text));
}

int mcp_call_route(struct mcp_ctx *c, const char *method, const char *path, json_t *query,
                   json_t *body, json_t **out, struct err *e)
{
	int status;
	return api_call(c->app, c->db, &c->user, c->request_id, method, path, query, body, &status,
	                out, e);
}

/*
 * Cursors are opaque to clients: base64url of "o:<offset>". A cursor that
 * does not decode, or points past the end, is invalid params.
 */
int mcp_page(json_t *params, size_t total, size_t *from, json_t **error)
{
	json_t *cur = json_object_get(params, "cursor");
	*from = 0;
	if (!cur || json_is_null(cur))
		return 0;
	const char *s = json_string_value(cur);
	unsigned char raw[32];
	size_t n = 0;
	int64_t off;
	if (!s || strlen(s) > 40 || b64url_decode(s, strlen(s), raw, sizeof(raw) - 1, &n) ||
	    n < 3 || raw[0] != 'o' || raw[1] != ':') {
		*error = error_obj(RPC_INVALID_PARAMS, "invalid cursor");
		return -1;
	}
	raw[n] = '\0';
	if (str_to_i64((const char *)raw + 2, 1, (int64_t)total, &off)) {
		*error = error_obj(RPC_INVALID_PARAMS, "invalid cursor");
		return -1;
	}
	*from = (size_t)off;
	return 0;
}

void mcp_set_next_cursor(json_t *result, size_t next, size_t total)
{
	if (next >= total)
		return;
	char raw[32], enc[64];
	snprintf(raw, sizeof(raw), "o:%zu", next);
	b64url_encode((const unsigned char *)raw, strlen(raw), enc, sizeof(enc));
	json_object_set_new(result, "nextCursor", json_string(enc));
}

static int m_initialize(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error)
{
	const char *asked = json_str(params, "protocolVersion");
	json_t *info = json_object_get(params, "clientInfo");
	if (!asked || (info && !json_is_object(info)) ||
	    (json_object_get(params, "capabilities") &&
	     !json_is_object(json_object_get(params, "capabilities")))) {
		*error = error_obj(RPC_INVALID_PARAMS,
		                   "initialize needs protocolVersion, capabilities and clientInfo");
		return -1;
	}
	struct mcp_session *s = c->session;
	/* The client's version when we speak it, else our newest (the client decides). */
	str_copy(s->protocol, sizeof(s->protocol),
	         mcp_version_supported(asked) ? asked : MCP_PROTOCOL_LATEST);
	/* clientInfo.name is required by the schema; a client without one is still served. */
	const char *client = json_str(info, "name");
	str_copy(s->client_name, sizeof(s->client_name), client ? client : "");
	utf8_sanitize(s->client_name);
	str_copy(s->user_id, sizeof(s->user_id), c->user.id);
	if (!s->log_level[0])
		str_copy(s->log_level, sizeof(s->log_level), "info");
	if (c->is_http) {
		struct err e = {0};
		if (mcp_session_create(c->db, s, &e)) {
			*error = error_obj(RPC_INTERNAL_ERROR, e.msg);
			return -1;
		}
	}
	s->initialized = 1;
	*result = json_pack(
	    "{s:s, s:{s:{s:b}, s:{s:b, s:b}, s:{s:b}, s:{}, s:{}}, s:{s:s, s:s, s:s}, s:s}",
	    "protocolVersion", s->protocol, "capabilities", "tools", "listChanged", 0, "resources",
	    "subscribe", 0, "listChanged", 0, "prompts", "listChanged", 0, "logging", "completions",
	    "serverInfo", "name", MCP_SERVER_NAME, "title", "MAANG Tracker", "version",
	    MAANG_VERSION, "instructions",
	    "MAANG Tracker holds this user's interview preparation: a catalog of coding problems, "
	    "their attempts, progress, spaced-repetition reviews, weaknesses, a study plan and "
	    "long-term memory. Read before advising (get_progress, get_weakness_report, "
	    "get_due_reviews); log every practice session with log_attempt so the schedule "
	    "stays true; keep lasting insights with add_memory and look them up with "
	    "search_memory.");
	return 0;
}

static int m_ping(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error)
{
	(void)c, (void)params, (void)error;
	*result = json_object();
	return 0;
}

static int m_set_level(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error)
{
	const char *level = json_str(params, "level");
	if (level_rank(level) < 0) {
		*error = error_obj(RPC_INVALID_PARAMS,
		                   "level must be debug, info, notice, warning, error, critical, "
		                   "alert or emergency");
		return -1;
	}
	str_copy(c->session->log_level, sizeof(c->session->log_level), level);
	struct err e = {0};
	if (c->session->id[0] && mcp_session_set_level(c->db, c->session, &e)) {
		*error = error_obj(RPC_INTERNAL_ERROR, e.msg);
		return -1;
	}
	*result = json_object();
	return 0;
}

#define BEFORE_INIT 0x1 /* allowed before initialize */

static const struct method {
	const char *name;
	int flags;
	int (*fn)(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error);
} methods[] = {
    {"initialize", BEFORE_INIT, m_initialize},
    {"ping", BEFORE_INIT, m_ping},
    {"logging/setLevel", 0, m_set_level},
    {"tools/list", 0, mcp_tools_list},
    {"tools/call", 0, mcp_tools_call},
    {"resources/list", 0, mcp_resources_list},
    {"resources/templates/list", 0, mcp_resource_templates},
    {"resources/read", 0, mcp_resources_read},
    {"prompts/list", 0, mcp_prompts_list},
    {"prompts/get", 0, mcp_prompts_get},
    {"completion/complete", 0, mcp_complete},
};

/* Messages by kind, for /metrics. */
static atomic_uint_fast64_t n_requests, n_notifications, n_invalid, n_unknown;

void mcp_protocol_metrics(struct buf *b)
{
	buf_printf(b,
	           "# HELP maang_mcp_messages_total MCP messages received by kind.\n"
	           "# TYPE maang_mcp_messages_total counter\n"
	           "maang_mcp_messages_total{kind=\"request\"} %llu\n"
	           "maang_mcp_messages_total{kind=\"notification\"} %llu\n"
	           "maang_mcp_messages_total{kind=\"invalid\"} %llu\n"
	           "maang_mcp_messages_total{kind=\"unknown_method\"} %llu\n",
	           (unsigned long long)atomic_load(&n_requests),
	           (unsigned long long)atomic_load(&n_notifications),
	           (unsigned long long)atomic_load(&n_invalid),
	           (unsigned long long)atomic_load(&n_unknown));
}

static json_t *invalid_message(json_t *id, const char *why)
{
	atomic_fetch_add_explicit(&n_invalid, 1, memory_order_relaxed);
	return mcp_error(id, RPC_INVALID_REQUEST, why, NULL);
}

json_t *mcp_handle(struct mcp_ctx *c, json_t *msg)
{
	if (json_is_array(msg))
		return invalid_message(NULL, "batches are not supported: send one message");
	if (!json_is_object(msg))
		return invalid_message(NULL, "a message must be a JSON object");
	json_t *id = json_object_get(msg, "id");
	json_t *method = json_object_get(msg, "method");
	/* A request's id is a string or an integer; MCP forbids null. */
	int id_ok = id && (json_is_string(id) || json_is_integer(id));
	json_t *reply_id = id_ok ? id : NULL;
	if (!json_is_string(json_object_get(msg, "jsonrpc")) ||
	    strcmp(json_str(msg, "jsonrpc"), "2.0"))
		return invalid_message(reply_id, "jsonrpc must be \"2.0\"");
	if (!method) {
		/* A response to a request of ours: we send none, so there is nothing to do. */
		if (id_ok && (json_object_get(msg, "result") || json_object_get(msg, "error")))
			return NULL;
		return invalid_message(reply_id, "a message needs a method");
	}
	if (!json_is_string(method))
		return invalid_message(reply_id, "method must be a string");
	if (id && !id_ok)
		return invalid_message(NULL, "id must be a string or an integer");
	json_t *params = json_object_get(msg, "params");
	if (params && !json_is_object(params))
		return id ? mcp_error(id, RPC_INVALID_PARAMS, "params must be an object", NULL)
		          : NULL;
	const char *name = json_string_value(method);
	if (!id) {
		atomic_fetch_add_explicit(&n_notifications, 1, memory_order_relaxed);
		/* Notifications (initialized, cancelled, roots changed) need no answer. */
		if (!strcmp(name, "notifications/initialized"))
			c->session->initialized = 1;
		return NULL;
	}
	const struct method *m = NULL;
	for (size_t i = 0; i < ARRAY_LEN(methods); i++)
		if (!strcmp(methods[i].name, name))
			m = &methods[i];
	atomic_fetch_add_explicit(&n_requests, 1, memory_order_relaxed);
	if (!m) {
		atomic_fetch_add_explicit(&n_unknown, 1, memory_order_relaxed);
		char text[160];
		snprintf(text, sizeof(text), "method '%.100s' not found", name);
		return mcp_error(id, RPC_METHOD_NOT_FOUND, text, NULL);
	}
	if (!(m->flags & BEFORE_INIT) && !c->session->initialized)
		return invalid_message(id, "send initialize first");
	json_t *empty = NULL;
	if (!params)
		params = empty = json_object();
	json_t *result = NULL, *error = NULL;
	int64_t t0 = time_now_ms();
	int rc = m->fn(c, params, &result, &error);
	json_decref(empty);
	log_msg(LOG_DEBUG, "mcp_handle: %s in %lld ms%s", name, (long long)(time_now_ms() - t0),
	        rc ? " (error)" : "");
	if (rc) {
		if (!error)
			error = error_obj(RPC_INTERNAL_ERROR, "internal error");
		return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "error", error);
	}
	return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", result);
}
