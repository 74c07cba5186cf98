/*
 * mcp.h: the Model Context Protocol server (docs/mcp.md). AI assistants
 * read and write the user's preparation data through tools, resources and
 * prompts; each of those is the REST API called in process (api_call), so
 * the checks, caches and live events are the same as over HTTP.
 *
 * The protocol core takes one parsed JSON-RPC message and gives back the
 * reply; the transports (stdio: mcp_stdio_run; Streamable HTTP: h_mcp_*
 * in mcp/http.c) frame messages and keep sessions.
 */
#ifndef MAANG_MCP_H
#define MAANG_MCP_H

#include <jansson.h>

#include "api/app.h"
#include "core/buf.h"

#define MCP_MESSAGE_MAX      (1024 * 1024) /* bytes of one JSON-RPC message */
#define MCP_PAGE_SIZE        50            /* items per tools/resources/prompts page */
#define MCP_SESSION_IDLE_MAX (7 * 86400)   /* seconds a session lives unused */
#define MCP_LOG_MAX          16            /* notifications/message kept per request */
#define MCP_SERVER_NAME      "maang"
#define MCP_PROTOCOL_LATEST  "2025-11-25"

/* JSON-RPC error codes. */
#define RPC_PARSE_ERROR        -32700
#define RPC_INVALID_REQUEST    -32600
#define RPC_METHOD_NOT_FOUND   -32601
#define RPC_INVALID_PARAMS     -32602
#define RPC_INTERNAL_ERROR     -32603
#define RPC_RESOURCE_NOT_FOUND -32002

/* A session: negotiated once by initialize, then named by every request. */
struct mcp_session {
	char id[33]; /* hex; empty on stdio */
	char user_id[37];
	char protocol[16]; /* negotiated version */
	char log_level[16];
	char client_name[64];
	int initialized;
};

/* One message being handled. */
struct mcp_ctx {
	struct app *app;
	struct db *db; /* borrowed for the message */
	struct http_user user;
	struct mcp_session *session;
	const char *request_id; /* for logs and the audit trail */
	int is_http;            /* initialize creates a stored session */
	json_t *notes;          /* notifications/message produced while handling (array) */
};

/*
 * Loads and checks the tool table (data/mcp.json): every tool names an
 * existing route, fills each path parameter from a required argument, and
 * has schemas in the supported subset. Once, before any message.
 */
int mcp_init(struct err *e);
void mcp_release(void);

/* Whether VERSION is a protocol version this server speaks. */
int mcp_version_supported(const char *version);

/*
 * Handles one message MSG (any JSON value). Returns the reply to send (a
 * response or an error response; the caller owns it), or NULL when there is
 * none (a notification, a response from the client). Notifications the
 * handling produced (log messages) are appended to c->notes when it is set.
 */
json_t *mcp_handle(struct mcp_ctx *c, json_t *msg);

/* A JSON-RPC error response; ID may be NULL (JSON null). */
json_t *mcp_error(json_t *id, int code, const char *message, json_t *data);

/*
 * Serves MCP over standard input and output (newline-delimited JSON-RPC)
 * as USER until end of input. Logs go to standard error. Returns 0.
 */
int mcp_stdio_run(struct app *a, const struct http_user *user);

/* Sessions of the HTTP transport (mcp/session.c). */
int mcp_session_create(struct db *db, struct mcp_session *s, struct err *e);
/* ERR_NOT_FOUND unless ID is a live session of USER_ID. */
int mcp_session_load(struct db *db, const char *id, const char *user_id, struct mcp_session *out,
                     struct err *e);
int mcp_session_set_level(struct db *db, const struct mcp_session *s, struct err *e);
int mcp_session_end(struct db *db, const char *id, const char *user_id, struct err *e);

/* Tools, resources and prompts (mcp/tools.c, resources.c, prompts.c): JSON-RPC methods. */
int mcp_tools_list(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error);
int mcp_tools_call(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error);
int mcp_resources_list(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error);
int mcp_resource_templates(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error);
int mcp_resources_read(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error);
int mcp_prompts_list(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error);
int mcp_prompts_get(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error);
int mcp_complete(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error);

/* Shared by the method files: paging cursors and log notifications. */
int mcp_page(json_t *params, size_t total, size_t *from, json_t **error);
void mcp_set_next_cursor(json_t *result, size_t next, size_t total);
void mcp_log(struct mcp_ctx *c, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Counters of tool calls and messages, in Prometheus text format, into B. */
void mcp_metrics_write(struct buf *b);
void mcp_protocol_metrics(struct buf *b);
/* Calls a REST route for C's user; see api_call. */
int mcp_call_route(struct mcp_ctx *c, const char *method, const char *path, json_t *query,
                   json_t *body, json_t **out, struct err *e);

#endif
