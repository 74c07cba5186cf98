/*
 * server.c: libmicrohttpd glue: one epoll loop per worker thread, bodies
 * collected up to the limit, routing over the table, the shared checks,
 * error bodies, request ids and access logs.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdatomic.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/json.h"
#include "core/log.h"
#include "http/metrics.h"

struct http_server {
	struct MHD_Daemon *d;
	struct http_server_opts o;
	int port;
	atomic_int inflight; /* requests begun and not completed (idle keep-alives are not) */
};

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *http_query(struct http_req *r, const char *name)
{
	if (!r->conn)
		return json_string_value(json_object_get(r->query, name));
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(struct http_req *r, const char *name)
{
	if (!r->conn)
		return NULL;
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

void http_add_header(struct http_req *r, const char *name, const char *value)
{
	for (int i = 0; i < HTTP_MAX_EXTRA_HEADERS; i++) {
		if (!r->headers[i][0]) {
			r->headers[i][0] = xstrdup(name);
			r->headers[i][1] = xstrdup(value);
			return;
		}
	}
	assert(!"http_add_header: too many headers");
}

void http_req_release(struct http_req *r)
{
	json_decref(r->json);
	json_decref(r->out);
	json_decref(r->query);
	if (r->stream_read && r->stream_free)
		r->stream_free(r->stream_ctx); /* never handed to MHD */
	free(r->raw);
	free(r->location);
	free(r->param_storage);
	free(r->path);
	for (int i = 0; i < HTTP_MAX_EXTRA_HEADERS; i++) {
		free(r->headers[i][0]);
		free(r->headers[i][1]);
	}
	buf_release(&r->body);
}

int http_query_int(struct http_req *r, const char *name, int64_t def, int64_t min, int64_t max,
                   int64_t *out)
{
	const char *v = http_query(r, name);
	if (!v || !*v) {
		*out = def;
		return 0;
	}
	if (str_to_i64(v, min, max, out))
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "'%s' must be an integer between %lld and %lld", name,
		               (long long)min, (long long)max);
	return 0;
}

int http_query_bool(struct http_req *r, const char *name, int *out)
{
	const char *v = http_query(r, name);
	*out = 0;
	if (!v || !*v || !strcmp(v, "0") || !strcmp(v, "false"))
		return 0;
	if (!strcmp(v, "1") || !strcmp(v, "true")) {
		*out = 1;
		return 0;
	}
	return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter", "'%s' must be 1 or 0", name);
}

int http_reply(struct http_req *r, int status, json_t *body)
{
	r->status = status;
	json_decref(r->out);
	r->out = body;
	return 0;
}

int http_reply_raw(struct http_req *r, int status, const char *type, char *data, size_t len)
{
	r->status = status;
	free(r->raw);
	r->raw = data;
	r->raw_len = len;
	r->raw_type = type;
	return 0;
}

static int valid_request_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 36)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static void peer_address(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	str_copy(out, size, "-");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		          (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		          out, (socklen_t)size);
}

/*
 * Matches PATH against PATTERN; on success stores the {param} segments in
 * R (copied into one allocation) and returns 1.
 */
static int match(const char *pattern, const char *path, struct http_req *r)
{
	const char *p = pattern, *s = path;
	const char *starts[HTTP_MAX_PARAMS];
	size_t lens[HTTP_MAX_PARAMS];
	int n = 0;
	while (*p && *s) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			const char *end = strchr(s, '/');
			size_t len = end ? (size_t)(end - s) : strlen(s);
			if (!close || len == 0 || n == HTTP_MAX_PARAMS)
				return 0;
			starts[n] = s;
			lens[n++] = len;
			p = close + 1;
			s += len;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	if (*p || *s)
		return 0;
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += lens[i] + 1;
	free(r->param_storage);
	r->param_storage = xmalloc(total + 1);
	char *w = r->param_storage;
	for (int i = 0; i < n; i++) {
		memcpy(w, starts[i], lens[i]);
		w[lens[i]] = '\0';
		r->params[i] = w;
		w += lens[i] + 1;
	}
	return 1;
}

/*
 * Finds the route; sets *METHOD_MISMATCH if the path exists with other
 * methods, and lists those in r->allow for the 405 answer.
 */
const struct http_route *http_route_find(const struct http_route *routes, int nroutes, int mask,
                                         struct http_req *r, int *method_mismatch)
{
	*method_mismatch = 0;
	r->allow[0] = '\0';
	for (int i = 0; i < nroutes; i++) {
		const struct http_route *rt = &routes[i];
		if ((mask && !(rt->flags & mask)) || !match(rt->pattern, r->path, r))
			continue;
		if (strcmp(rt->method, r->method) == 0 ||
		    (strcmp(r->method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0))
			return rt;
		*method_mismatch = 1;
		size_t n = strlen(r->allow);
		snprintf(r->allow + n, sizeof(r->allow) - n, "%s%s", n ? ", " : "", rt->method);
		if (!strcmp(rt->method, "GET") && !strstr(r->allow, "HEAD")) {
			n = strlen(r->allow);
			snprintf(r->allow + n, sizeof(r->allow) - n, ", HEAD");
		}
	}
	return NULL;
}

static int authenticate(const struct http_server_opts *o, struct http_req *r)
{
	const char *h = http_header(r, "Authorization");
	const char *q = (r->route->flags & ROUTE_QUERY_TOKEN) ? http_query(r, "token") : NULL;
	if (!h && q && *q) {
		int rc = o->authenticate(o->app, r, q, 1, &r->user, &r->err);
		if (rc)
			return rc;
		r->authed = 1;
		return 0;
	}
	if (!h)
		return err_set(&r->err, ERR_UNAUTH, "unauthenticated",
		               "missing Authorization: Bearer token");
	if (strncasecmp(h, "Bearer ", 7) != 0 || !h[7])
		return err_set(&r->err, ERR_UNAUTH, "unauthenticated",
		               "Authorization must be 'Bearer <token>'");
	const char *token = h + 7;
	while (*token == ' ')
		token++;
	int rc = o->authenticate(o->app, r, token, 0, &r->user, &r->err);
	if (rc)
		return rc;
	r->authed = 1;
	return 0;
}

/* Runs the checks of the route's flags, then the handler. */
static void dispatch(const struct http_server_opts *o, struct http_req *r)
{
	int mismatch, rc;
	if (!utf8_valid(r->path, strlen(r->path))) {
		err_set(&r->err, ERR_BAD_REQUEST, "invalid_path", "path is not valid UTF-8");
		return;
	}
	const struct http_route *rt =
	    http_route_find(o->routes, o->nroutes, o->route_mask, r, &mismatch);
	if (r->body_too_large) {
		r->route = rt; /* for the error's form */
		err_set(&r->err, ERR_TOO_LARGE, "body_too_large", "request body exceeds %ld bytes",
		        o->max_body);
		return;
	}
	if (!rt) {
		if (mismatch)
			err_set(&r->err, ERR_BAD_REQUEST, "method_not_allowed",
			        "method %s is not allowed on %s", r->method, r->path);
		else
			err_set(&r->err, ERR_NOT_FOUND, "not_found", "no route for %s %.200s",
			        r->method, r->path);
		if (mismatch)
			r->status = 405;
		return;
	}
	r->route = rt;
	if (o->begin && o->begin(r))
		return;
	rc = 0;
	if (rt->flags & (ROUTE_AUTH | ROUTE_ADMIN))
		rc = authenticate(o, r);
	if (!rc && (rt->flags & ROUTE_ADMIN) && strcmp(r->user.role, "admin") != 0)
		rc =
		    err_set(&r->err, ERR_FORBIDDEN, "forbidden", "this route needs the admin role");
	if (!rc && (rt->flags & ROUTE_JSON))
		rc = json_parse_body(r->body.data, r->body.len, 1, &r->json, &r->err);
	if (!rc) {
		r->status = 200;
		rc = rt->handler(r);
		if (rc && r->err.code == 0)
			err_set(&r->err, rc, "internal", "internal error");
	}
	if (o->end)
		o->end(r);
}

static void add_common_headers(struct MHD_Response *resp, struct http_req *r)
{
	int own_cache_control = 0;
	for (int i = 0; i < HTTP_MAX_EXTRA_HEADERS && r->headers[i][0]; i++)
		own_cache_control |= !strcasecmp(r->headers[i][0], "Cache-Control");
	MHD_add_response_header(resp, "X-Request-Id", r->id);
	if (!own_cache_control)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (r->location)
		MHD_add_response_header(resp, "Location", r->location);
	for (int i = 0; i < HTTP_MAX_EXTRA_HEADERS && r->headers[i][0]; i++)
		MHD_add_response_header(resp, r->headers[i][0], r->headers[i][1]);
	if (r->status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate",
		                        r->err.id[0] && strcmp(r->err.id, "unauthenticated")
		                            ? "Bearer realm=\"maang\", error=\"invalid_token\""
		                            : "Bearer realm=\"maang\"");
	if (r->retry_after > 0) {
		char v[16];
		snprintf(v, sizeof(v), "%d", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", v);
	}
}

static enum MHD_Result respond(struct MHD_Connection *conn, struct http_req *r)
{
	char *data;
	size_t len;
	const char *type = "application/json";
	if (!r->err.code && r->stream_read) {
		struct MHD_Response *resp = MHD_create_response_from_callback(
		    MHD_SIZE_UNKNOWN, 4096, r->stream_read, r->stream_ctx, r->stream_free);
		if (!resp) {
			r->stream_free(r->stream_ctx);
			return MHD_NO;
		}
		r->stream_read = NULL; /* MHD owns the stream now */
		MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
		MHD_add_response_header(resp, "X-Accel-Buffering",
		                        "no"); /* nginx: pass it on at once */
		MHD_add_response_header(resp, "X-Accel-Buffering", "no"); /* nginx: do not buffer */
		MHD_add_response_header(resp, "Connection", "close");
		add_common_headers(resp, r);
		enum MHD_Result ret = MHD_queue_response(conn, 200, resp);
		MHD_destroy_response(resp);
		r->queued = 1;
		return ret;
	}
	if (r->err.code) {
		int status = r->status == 405 ? 405 : err_http_status(r->err.code);
		if (status >= 500)
			log_error("request %s %s failed: %s", r->method, r->path, r->err.msg);
		r->status = status;
		struct buf b;
		buf_init(&b, 4096);
		if (r->route && (r->route->flags & ROUTE_RPC)) {
			/* A JSON-RPC error without an id: the message was not read. */
			buf_printf(&b, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":%d,",
			           status >= 500   ? -32603
			           : status == 401 ? -32001
			           : status == 403 ? -32003
			                           : -32600);
			buf_puts(&b, "\"message\":");
			json_escape_buf(&b, r->err.msg);
			buf_puts(&b, ",\"data\":{\"code\":");
			json_escape_buf(&b, r->err.id[0] ? r->err.id : "error");
			buf_puts(&b, "}}}");
		} else {
			buf_puts(&b, "{\"error\":{\"code\":");
			json_escape_buf(&b, r->err.id[0] ? r->err.id : "error");
			buf_puts(&b, ",\"message\":");
			json_escape_buf(&b, r->err.msg);
			buf_puts(&b, "}}");
		}
		len = b.len;
		data = buf_detach(&b);
	} else if (r->raw) {
		data = r->raw;
		len = r->raw_len;
		type = r->raw_type ? r->raw_type : "application/octet-stream";
		r->raw = NULL;
	} else if (r->out) {
		data = json_dump_compact(r->out);
		len = strlen(data);
	} else {
		data = xstrdup("");
		len = 0;
	}
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(data);
		return MHD_NO;
	}
	if (len || r->status != 204)
		MHD_add_response_header(resp, "Content-Type", type);
	add_common_headers(resp, r);
	if (r->status == 405 && r->allow[0])
		MHD_add_response_header(resp, "Allow", r->allow);
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	r->queued = 1;
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct http_req *r = *con_cls;
	(void)version;
	if (!r) {
		atomic_fetch_add(&s->inflight, 1);
		r = xcalloc(1, sizeof(*r));
		r->started_us = now_us();
		r->app = s->o.app;
		r->conn = conn;
		str_copy(r->method, sizeof(r->method), method);
		r->path = xstrdup(url);
		buf_init(&r->body, (size_t)s->o.max_body);
		const char *rid =
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
		if (valid_request_id(rid)) {
			str_copy(r->id, sizeof(r->id), rid);
		} else {
			unsigned char b[12];
			random_bytes(b, sizeof(b));
			hex_encode(b, sizeof(b), r->id);
		}
		peer_address(conn, r->ip, sizeof(r->ip));
		*con_cls = r;
		const char *cl =
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		int64_t n;
		if (cl && str_to_i64(cl, 0, INT64_MAX, &n) == 0 && n > s->o.max_body) {
			/* Answer before reading the body; MHD closes the connection after. */
			r->body_too_large = 1;
			dispatch(&s->o, r);
			return respond(conn, r);
		}
		if (strlen(url) > HTTP_MAX_PATH) {
			err_set(&r->err, ERR_BAD_REQUEST, "path_too_long", "path exceeds %d bytes",
			        HTTP_MAX_PATH);
			return respond(conn, r);
		}
		return MHD_YES;
	}
	if (r->queued) {
		*upload_data_size = 0; /* discard what follows an early answer */
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!r->body_too_large && buf_append(&r->body, upload_data, *upload_data_size)) {
			r->body_too_large = 1;
			buf_release(&r->body);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	dispatch(&s->o, r);
	return respond(conn, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)conn;
	struct http_req *r = *con_cls;
	struct http_server *s = cls;
	if (!r)
		return;
	int64_t elapsed_us = now_us() - r->started_us;
	metrics_observe(r->route ? (int)(r->route - s->o.routes) : -1, r->status,
	                (double)elapsed_us / 1e6);
	if (log_enabled(LOG_INFO)) {
		struct buf f;
		buf_init(&f, 8192);
		buf_printf(&f, "\"request_id\":\"%s\",\"method\":", r->id);
		json_escape_buf(&f, r->method);
		buf_puts(&f, ",\"path\":");
		json_escape_buf(&f, r->path);
		buf_printf(&f, ",\"status\":%d,\"ms\":%.3f,\"ip\":\"%s\"", r->status,
		           (double)elapsed_us / 1000.0, r->ip);
		if (r->authed)
			buf_printf(&f, ",\"user\":\"%s\"", r->user.id);
		if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
			buf_printf(&f, ",\"aborted\":%d", (int)toe);
		log_emit(LOG_INFO, "request", f.data);
		buf_release(&f);
	}
	http_req_release(r);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&s->inflight, 1);
}

int http_server_start(const struct http_server_opts *o, struct http_server **out, struct err *e)
{
	struct http_server *s = xcalloc(1, sizeof(*s));
	s->o = *o;
	metrics_init(o->routes, o->nroutes);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)o->port);
	if (inet_pton(AF_INET, o->bind_address ? o->bind_address : "0.0.0.0", &sa.sin_addr) != 1) {
		free(s);
		return err_set(e, ERR_INVALID, "invalid_config", "BIND_ADDRESS '%s' is not IPv4",
		               o->bind_address);
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = (unsigned)(o->threads > 0 ? o->threads : (cores > 0 ? cores : 2));
	s->d = MHD_start_daemon(
	    MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, 0, NULL,
	    NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_END);
	if (!s->d) {
		free(s);
		return err_set(e, ERR_UNAVAILABLE, "listen_failed", "cannot listen on %s:%d",
		               o->bind_address ? o->bind_address : "0.0.0.0", o->port);
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : o->port;
	*out = s;
	return 0;
}

int http_server_port(const struct http_server *s)
{
	return s->port;
}

void http_server_stop(struct http_server *s, int grace_ms)
{
	if (!s)
		return;
	/* Stop accepting, then let open requests finish before closing them. */
	MHD_socket fd = MHD_quiesce_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	/*
	 * Wait for requests, not connections: a browser keeps idle keep-alive
	 * connections open for minutes, and those are closed at once below.
	 */
	for (int waited = 0; waited < grace_ms; waited += 10) {
		if (atomic_load(&s->inflight) == 0)
			break;
		usleep(10000);
	}
	MHD_stop_daemon(s->d);
	free(s);
}
