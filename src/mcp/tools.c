/*
 * tools.c: MCP tools. The table is data (data/mcp.json): each tool has a
 * description for the model, input and output schemas, annotations and the
 * REST route it calls. Arguments are checked against the input schema
 * here; the route then applies the same checks as over HTTP, and its JSON
 * answer becomes the result's structured content.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embedded.h"
#include "core/json.h"
#include "core/log.h"
#include "mcp/mcp.h"
#include "mcp/schema.h"

#define TOOLS_FILE    "data/mcp.json"
#define TOOL_NAME_MAX 64

struct tool {
	const char *name;
	const char *method;              /* of the route */
	const char *path;                /* "/api/v1/problems/{slug}" */
	json_t *def;                     /* as listed */
	json_t *input;                   /* inputSchema */
	atomic_uint_fast64_t ok, failed; /* calls, for /metrics */
};

static json_t *table_json;
static struct tool *tools;
static size_t ntools;

static int valid_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > TOOL_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* Each {param} of PATH must be a required string argument. */
static int check_path(const struct tool *t, struct err *e)
{
	json_t *req = json_object_get(t->input, "required");
	for (const char *p = strchr(t->path, '{'); p; p = strchr(p + 1, '{')) {
		const char *close = strchr(p, '}');
		if (!close)
			return err_set(e, ERR_INVALID, "invalid_tool", "tool %s: bad path",
			               t->name);
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(close - p - 1), p + 1);
		int required = 0;
		size_t i;
		json_t *x;
		json_array_foreach(req, i, x) required |= !strcmp(json_string_value(x), name);
		json_t *ps = json_object_get(json_object_get(t->input, "properties"), name);
		if (!required || !ps ||
		    strcmp(json_str(ps, "type") ? json_str(ps, "type") : "", "string") ||
		    !json_str(ps, "pattern"))
			return err_set(
			    e, ERR_INVALID, "invalid_tool",
			    "tool %s: path parameter '%s' must be a required string with a "
			    "pattern",
			    t->name, name);
	}
	/* The route must exist: try the path with each parameter as "x". */
	struct http_req r;
	memset(&r, 0, sizeof(r));
	struct buf b;
	buf_init(&b, 4096);
	for (const char *p = t->path; *p; p++) {
		if (*p == '{') {
			buf_puts(&b, "x");
			p = strchr(p, '}');
			continue;
		}
		buf_append(&b, p, 1);
	}
	r.path = b.data;
	str_copy(r.method, sizeof(r.method), t->method);
	int mismatch;
	const struct http_route *rt = http_route_find(api_routes, api_nroutes, 0, &r, &mismatch);
	free(r.param_storage);
	buf_release(&b);
	if (!rt || (rt->flags & (ROUTE_RAW | ROUTE_QUERY_TOKEN | ROUTE_ADMIN)))
		return err_set(e, ERR_INVALID, "invalid_tool", "tool %s: no usable route %s %s",
		               t->name, t->method, t->path);
	return 0;
}

int mcp_init(struct err *e)
{
	const struct embedded_file *f = embedded_find(TOOLS_FILE);
	if (!f)
		return err_set(e, ERR_INTERNAL, "invalid_tool", "%s is not embedded", TOOLS_FILE);
	json_error_t je;
	json_t *root = json_loadb(f->data, f->size, JSON_REJECT_DUPLICATES, &je);
	json_t *list = json_object_get(root, "tools");
	if (!json_is_array(list)) {
		json_decref(root);
		return err_set(e, ERR_INTERNAL, "invalid_tool", "%s: no tools array (%s)",
		               TOOLS_FILE, je.text);
	}
	struct tool *t = xcalloc(json_array_size(list) + 1, sizeof(*t));
	size_t i, n = 0;
	json_t *def;
	json_array_foreach(list, i, def)
	{
		struct tool *x = &t[n++];
		json_t *call = json_object_get(def, "call");
		x->name = json_str(def, "name");
		x->method = json_str(call, "method");
		x->path = json_str(call, "path");
		x->input = json_object_get(def, "inputSchema");
		x->def = def;
		if (!valid_name(x->name) || !x->method || !x->path ||
		    !json_str(def, "description") ||
		    !json_is_object(json_object_get(def, "annotations")) ||
		    !json_is_object(json_object_get(def, "outputSchema"))) {
			err_set(e, ERR_INVALID, "invalid_tool",
			        "tool #%zu: needs name, description, call, annotations, schemas",
			        i);
			goto fail;
		}
		for (size_t k = 0; k + 1 < n; k++)
			if (!strcmp(t[k].name, x->name)) {
				err_set(e, ERR_INVALID, "invalid_tool", "tool %s is listed twice",
				        x->name);
				goto fail;
			}
		if (!json_is_object(x->input) ||
		    strcmp(json_str(x->input, "type") ?: "", "object") ||
		    !json_is_false(json_object_get(x->input, "additionalProperties"))) {
			err_set(e, ERR_INVALID, "invalid_tool",
			        "tool %s: inputSchema must be an object schema without extra "
			        "properties",
			        x->name);
			goto fail;
		}
		if (schema_check(x->input, e)) {
			char msg[ERR_MSG_MAX];
			str_copy(msg, sizeof(msg), e->msg);
			err_set(e, ERR_INVALID, "invalid_tool", "tool %s: %.180s", x->name, msg);
			goto fail;
		}
		if (check_path(x, e))
			goto fail;
	}
	table_json = root;
	tools = t;
	ntools = n;
	return 0;
fail:
	free(t);
	json_decref(root);
	return e->code;
}

void mcp_release(void)
{
	free(tools);
	json_decref(table_json);
	tools = NULL;
	table_json = NULL;
	ntools = 0;
}

int mcp_tools_list(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error)
{
	(void)c;
	size_t from;
	if (mcp_page(params, ntools, &from, error))
		return -1;
	json_t *list = json_array();
	size_t to = from + MCP_PAGE_SIZE < ntools ? from + MCP_PAGE_SIZE : ntools;
	for (size_t i = from; i < to; i++) {
		json_t *d = json_deep_copy(tools[i].def);
		json_object_del(d, "call");
		json_array_append_new(list, d);
	}
	*result = json_pack("{s:o}", "tools", list);
	mcp_set_next_cursor(*result, to, ntools);
	return 0;
}

/* A tool error: the model reads it and may correct its call. */
static json_t *tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *tool_error(const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", text,
	                 "isError", 1);
}

/* An argument as a query-string value. */
static json_t *query_value(json_t *v)
{
	if (json_is_string(v))
		return json_incref(v);
	if (json_is_boolean(v))
		return json_string(json_is_true(v) ? "1" : "0");
	if (json_is_integer(v))
		return json_sprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d == (double)(long long)d)
			return json_sprintf("%lld", (long long)d);
		return json_sprintf("%.17g", d);
	}
	return NULL; /* objects, arrays and null have no query form: left out */
}

/*
 * Fills the route's path from ARGS and splits the other arguments into
 * QUERY (GET, DELETE) or BODY (the others). *PATH is the caller's.
 */
static void build_call(const struct tool *t, json_t *args, char **path, json_t **query,
                       json_t **body)
{
	struct buf b;
	json_t *rest = json_deep_copy(args);
	buf_init(&b, 8192);
	for (const char *p = t->path; *p; p++) {
		if (*p != '{') {
			buf_append(&b, p, 1);
			continue;
		}
		const char *close = strchr(p, '}');
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(close - p - 1), p + 1);
		buf_puts(&b, json_str(args, name));
		json_object_del(rest, name);
		p = close;
	}
	*path = buf_detach(&b);
	*query = NULL;
	*body = NULL;
	if (!strcmp(t->method, "GET") || !strcmp(t->method, "DELETE")) {
		*query = json_object();
		const char *k;
		json_t *v;
		json_object_foreach(rest, k, v)
		{
			json_t *s = query_value(v);
			if (s)
				json_object_set_new(*query, k, s);
		}
		json_decref(rest);
	} else {
		*body = rest;
	}
}

int mcp_tools_call(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error)
{
	const char *name = json_str(params, "name");
	json_t *args = json_object_get(params, "arguments");
	const struct tool *t = NULL;
	for (size_t i = 0; name && i < ntools; i++)
		if (!strcmp(tools[i].name, name))
			t = &tools[i];
	if (!t) {
		char text[200];
		snprintf(text, sizeof(text), "unknown tool '%.100s'", name ? name : "");
		*error = json_pack("{s:i, s:s}", "code", RPC_INVALID_PARAMS, "message", text);
		return -1;
	}
	if (args && !json_is_object(args) && !json_is_null(args)) {
		*error = json_pack("{s:i, s:s}", "code", RPC_INVALID_PARAMS, "message",
		                   "arguments must be an object");
		return -1;
	}
	json_t *empty = NULL;
	if (!args || json_is_null(args))
		args = empty = json_object();
	/* The table is read-only once loaded; the counters are atomic. */
	struct tool *counted = (struct tool *)t;
	char problems[1024];
	if (schema_validate(t->input, args, problems, sizeof(problems))) {
		atomic_fetch_add_explicit(&counted->failed, 1, memory_order_relaxed);
		json_decref(empty);
		mcp_log(c, "warning", "%s: invalid arguments: %s", t->name, problems);
		*result = tool_error("invalid arguments: %s", problems);
		return 0;
	}
	char *path;
	json_t *query, *body, *out = NULL;
	build_call(t, args, &path, &query, &body);
	struct err e = {0};
	int status = 0;
	int rc = api_call(c->app, c->db, &c->user, c->request_id, t->method, path, query, body,
	                  &status, &out, &e);
	json_decref(query);
	json_decref(body);
	free(path);
	if (rc) {
		json_decref(empty);
		atomic_fetch_add_explicit(&counted->failed, 1, memory_order_relaxed);
		mcp_log(c, err_http_status(e.code) >= 500 ? "error" : "warning", "%s failed: %s",
		        t->name, e.msg);
		*result = tool_error("%s (%s)", e.msg, e.id[0] ? e.id : "error");
		return 0;
	}
	if (!json_is_object(out)) {
		/* An empty answer (204): what was done, and to what. */
		json_t *done = json_pack("{s:b}", "ok", 1);
		const char *k;
		json_t *v;
		json_object_foreach(args, k, v)
		{
			char param[80];
			snprintf(param, sizeof(param), "{%s}", k);
			if (strstr(t->path, param))
				json_object_set(done, k, v);
		}
		json_decref(out);
		out = done;
	}
	json_decref(empty);
	atomic_fetch_add_explicit(&counted->ok, 1, memory_order_relaxed);
	mcp_log(c, "debug", "%s: done (HTTP %d)", t->name, status);
	char *text = json_dump_compact(out);
	*result = json_pack("{s:[{s:s, s:s}], s:o, s:b}", "content", "type", "text", "text", text,
	                    "structuredContent", out, "isError", 0);
	free(text);
	return 0;
}

void mcp_metrics_write(struct buf *b)
{
	buf_puts(b, "# HELP maang_mcp_tool_calls_total MCP tool calls by tool and result (error: "
	            "a tool error, such as invalid arguments).\n"
	            "# TYPE maang_mcp_tool_calls_total counter\n");
	for (size_t i = 0; i < ntools; i++)
		buf_printf(b,
		           "maang_mcp_tool_calls_total{tool=\"%s\",result=\"ok\"} %llu\n"
		           "maang_mcp_tool_calls_total{tool=\"%s\",result=\"error\"} %llu\n",
		           tools[i].name, (unsigned long long)atomic_load(&tools[i].ok),
		           tools[i].name, (unsigned long long)atomic_load(&tools[i].failed));
	mcp_protocol_metrics(b);
}
