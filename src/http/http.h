/*
 * http.h: the HTTP server on libmicrohttpd. Routes are a table of
 * {method, pattern, flags, handler}; one dispatcher applies the shared
 * checks before any handler runs: the body limit (413), authentication
 * (401), the admin role (403), JSON parsing of bodies (400). Every answer
 * carries an X-Request-Id, and every request ends with one JSON access log
 * line.
 *
 * Handlers return 0 after setting r->status and r->out (a JSON value the
 * request then owns) or a raw body, or an error code after filling r->err;
 * the dispatcher turns errors into {"error":{"code":...,"message":...}}.
 */
#ifndef MAANG_HTTP_H
#define MAANG_HTTP_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/util.h"

#define HTTP_MAX_PARAMS      4
#define HTTP_MAX_PATH        2048 /* longer paths get 400 path_too_long */
#define HTTP_MAX_QUERY_VALUE 1024 /* longer query values get 400 */

/* Route flags. */
#define ROUTE_AUTH        0x01 /* needs a valid token */
#define ROUTE_ADMIN       0x02 /* needs role admin (implies AUTH) */
#define ROUTE_WRITE       0x04 /* changes data */
#define ROUTE_JSON        0x08 /* body must be a JSON object, parsed into r->json */
#define ROUTE_RAW         0x10 /* body is kept raw (imports) */
#define ROUTE_QUERY_TOKEN 0x20 /* also accepts ?token= (EventSource cannot set headers) */
#define ROUTE_MCP         0x40 /* served on the dedicated MCP listener too */
#define ROUTE_RPC         0x80 /* errors of the shared checks are JSON-RPC error objects */

#define HTTP_MAX_EXTRA_HEADERS 6

/* The authenticated caller. */
struct http_user {
	char id[37];
	char email[256];
	char name[256];
	char role[16];
	char jti[64];      /* JWT id, empty for API tokens */
	int64_t token_exp; /* JWT expiry, 0 for API tokens */
	char token_id[37]; /* API token id, empty for JWTs */
};

struct http_req;

struct http_route {
	const char *method;
	const char *pattern; /* "/api/v1/attempts/{id}" */
	int flags;
	int (*handler)(struct http_req *r);
	const char *event; /* published to the user's live events after a success, or NULL */
};

/*
 * Resolves a bearer token into a user. Returns 0 and fills USER, or an
 * error (ERR_UNAUTH with "invalid_token" / "token_expired" / "token_revoked").
 */
typedef int (*http_auth_fn)(void *app, struct http_req *r, const char *token, int from_query,
                            struct http_user *user, struct err *e);

struct http_server_opts {
	const char *bind_address; /* "0.0.0.0", "127.0.0.1", ... */
	int port;                 /* 0 picks a free port */
	int threads;              /* 0: one per core */
	long max_body;
	const struct http_route *routes;
	int nroutes;
	http_auth_fn authenticate;
	void *app; /* handed to handlers as r->app */
	/* Nonzero: only routes with one of these flags exist on this server. */
	int route_mask;
	/* Called before and after each handler (database connection per request). */
	int (*begin)(struct http_req *r);
	void (*end)(struct http_req *r);
};

struct http_req {
	void *app;
	void *conn; /* struct MHD_Connection */
	const struct http_route *route;
	char method[16];
	char *path;
	char id[40]; /* request id */
	char ip[64]; /* peer address */
	struct buf body;
	int body_too_large;
	const char *params[HTTP_MAX_PARAMS]; /* path parameters, in pattern order */
	char *param_storage;
	json_t *json;  /* parsed body for ROUTE_JSON */
	json_t *query; /* in-process calls (conn NULL): the query arguments, all strings */
	struct db *db;
	struct http_user user;
	int authed;
	/* The answer. */
	int status;
	json_t *out;
	char *raw;
	size_t raw_len;
	const char *raw_type;
	char *location;
	int retry_after;                          /* seconds, for 429 */
	char allow[64];                           /* methods of the path, for 405 */
	char *headers[HTTP_MAX_EXTRA_HEADERS][2]; /* more answer headers: http_add_header */
	struct err err;
	int64_t started_us;
	int queued; /* a response has been queued */
	/* A streamed answer (server-sent events): see http_reply_events. */
	ssize_t (*stream_read)(void *ctx, uint64_t pos, char *buf, size_t max);
	void (*stream_free)(void *ctx);
	void *stream_ctx;
};

struct http_server;

/* Starts listening; ERR_UNAVAILABLE if the port cannot be bound. */
int http_server_start(const struct http_server_opts *o, struct http_server **out, struct err *e);
/* The bound port (useful with port 0). */
int http_server_port(const struct http_server *s);
/*
 * Stops accepting connections, waits up to GRACE_MS for the requests in
 * flight to finish (idle keep-alive connections do not count), then closes
 * every connection and frees the server.
 */
void http_server_stop(struct http_server *s, int grace_ms);

/*
 * Finds the route of R's method and path among ROUTES (path parameters go
 * into R); NULL when none matches, with *METHOD_MISMATCH set when the path
 * exists with other methods (listed in r->allow).
 */
const struct http_route *http_route_find(const struct http_route *routes, int nroutes, int mask,
                                         struct http_req *r, int *method_mismatch);
/* Adds a header to the answer (copied); at most HTTP_MAX_EXTRA_HEADERS. */
void http_add_header(struct http_req *r, const char *name, const char *value);
/* Frees what a request owns (not R itself, not r->db). */
void http_req_release(struct http_req *r);

/* A query-string argument, or NULL. */
const char *http_query(struct http_req *r, const char *name);
/* A request header, or NULL. */
const char *http_header(struct http_req *r, const char *name);
/*
 * Parses an integer query argument into [min, max]; absent gives DEF.
 * ERR_BAD_REQUEST naming the argument otherwise.
 */
int http_query_int(struct http_req *r, const char *name, int64_t def, int64_t min, int64_t max,
                   int64_t *out);
/* A flag argument: 1 or true, 0 or false (absent: 0); ERR_BAD_REQUEST otherwise. */
int http_query_bool(struct http_req *r, const char *name, int *out);

/*
 * Answers with a text/event-stream of USER's live events from HUB, resuming
 * after LAST_ID (may be NULL). ERR_THROTTLED or ERR_UNAVAILABLE when the
 * hub's limits are reached.
 */
/*
 * Answers with a text/event-stream fed by another thread: the caller gets
 * a pipe to write to (http_pipe_write, any thread) and must end it with
 * http_pipe_close, after which it must not touch the pipe. Writes after the
 * client has gone are dropped. HTTP_PIPE_MAX bounds what may wait unsent.
 */
#define HTTP_PIPE_MAX (4 * 1024 * 1024)
struct http_pipe;
struct http_pipe *http_reply_pipe(struct http_req *r);
void http_pipe_write(struct http_pipe *p, const char *data, size_t len);
void http_pipe_close(struct http_pipe *p);

struct events;
struct event;
/* FMT (may be NULL) and FMT_CTX shape each event: see events_subscribe. */
int http_reply_events(struct http_req *r, struct events *hub, const char *user, const char *last_id,
                      char *(*fmt)(const struct event *ev, void *ctx), void *fmt_ctx);

/* Shortcuts for handlers: set status + body and return 0. */
int http_reply(struct http_req *r, int status, json_t *body);
int http_reply_raw(struct http_req *r, int status, const char *type, char *data, size_t len);

#endif
