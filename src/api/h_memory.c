/*
 * h_memory.c: REST handlers of long-term memory, similar problems, the
 * coach and provider status. They parse and check the request, then call
 * the memory/ domain functions that MCP calls too.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "core/log.h"
#include "memory/similar.h"
#include "memory/simd.h"

#include "api/app.h"

int h_memory_create(struct http_req *r)
{
	struct mem_in in;
	int rc = mem_from_json(r->json, 0, &in, &r->err);
	if (rc)
		return rc;
	struct audit_ctx ctx = api_audit_ctx(r);
	json_t *out;
	int created = 0;
	if ((rc = mem_create(&APP(r)->mem, r->db, &ctx, r->user.id, &in, &out, &created, &r->err)))
		return rc;
	r->location =
	    xasprintf("/api/v1/memories/%s", json_str(json_object_get(out, "memory"), "id"));
	return http_reply(r, created ? 201 : 200, out);
}

/* Reads ?kind=a,b into a bit set; 0 for none. */
static int kinds_param(struct http_req *r, unsigned *out)
{
	const char *s = http_query(r, "kind");
	*out = 0;
	if (!s || !*s)
		return 0;
	char buf[128];
	if (str_copy(buf, sizeof(buf), s))
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter", "'kind' is too long");
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int k = mem_kind_parse(t);
		if (k < 0)
			return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
			               "'kind' takes conversation, note, insight, attempt_note or "
			               "interview_feedback");
		*out |= 1u << k;
	}
	return 0;
}

int h_memories(struct http_req *r)
{
	int64_t limit, offset;
	int rc;
	if ((rc = http_query_int(r, "limit", 50, 1, MEM_LIST_LIMIT_MAX, &limit)) ||
	    (rc = http_query_int(r, "offset", 0, 0, INT32_MAX, &offset)))
		return rc;
	const char *kind = http_query(r, "kind"), *meta = http_query(r, "metadata");
	if (kind && (!*kind || mem_kind_parse(kind) < 0))
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "'kind' takes conversation, note, insight, attempt_note or "
		               "interview_feedback");
	json_t *filter = NULL;
	if (meta && *meta) {
		struct err je = {0};
		if (strlen(meta) > MEM_METADATA_MAX ||
		    json_parse_body(meta, strlen(meta), 1, &filter, &je))
			return err_set(
			    &r->err, ERR_BAD_REQUEST, "invalid_parameter",
			    "'metadata' must be a JSON object such as {\"problem\":\"two-sum\"}");
	}
	json_t *out;
	rc = mem_list(&APP(r)->mem, r->db, r->user.id, kind, filter, limit, offset, &out, &r->err);
	json_decref(filter);
	if (rc)
		return rc == ERR_INVALID ? (r->err.code = ERR_BAD_REQUEST) : rc;
	return http_reply(r, 200, out);
}

/* The cache key of a search: its parameters, hashed. */
static void search_key(struct http_req *r, const struct mem_query *q, char *out, size_t size)
{
	char *text =
	    xasprintf("%s\x1f%d\x1f%u\x1f%g\x1f%d\x1f%g\x1f%g\x1f%d", q->q, q->k, q->kinds,
	              q->threshold, (int)q->mode, q->recency, q->importance, q->include_expired);
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL);
	free(text);
	char hex[65];
	hex_encode(md, 16, hex);
	snprintf(out, size, "msearch:%s:%s", r->user.id, hex);
}

static int double_param(struct http_req *r, const char *name, double def, double *out)
{
	const char *s = http_query(r, name);
	*out = def;
	if (!s || !*s)
		return 0;
	if (str_to_double(s, out) || *out < 0 || *out > 1)
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "'%s' must be a number between 0 and 1", name);
	return 0;
}

int h_memory_search(struct http_req *r)
{
	struct mem *m = &APP(r)->mem;
	struct mem_query q = {0};
	int64_t k;
	int rc;
	q.q = http_query(r, "q");
	if (!q.q || !*q.q)
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter", "'q' is required");
	if (strlen(q.q) > MEM_QUERY_MAX)
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "'q' is longer than %d bytes", MEM_QUERY_MAX);
	if ((rc = http_query_int(r, "k", m->top_k, 1, MEM_K_MAX, &k)) ||
	    (rc = kinds_param(r, &q.kinds)) ||
	    (rc = double_param(r, "threshold", m->threshold, &q.threshold)) ||
	    (rc = double_param(r, "recency", 0, &q.recency)) ||
	    (rc = double_param(r, "importance", 0, &q.importance)))
		return rc;
	q.k = (int)k;
	const char *mode = http_query(r, "mode");
	if (!mode || !strcmp(mode, "hybrid"))
		q.mode = MEM_HYBRID;
	else if (!strcmp(mode, "vector"))
		q.mode = MEM_VECTOR;
	else if (!strcmp(mode, "lexical"))
		q.mode = MEM_LEXICAL;
	else
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "'mode' must be hybrid, vector or lexical");
	if ((rc = http_query_bool(r, "include_expired", &q.include_expired)))
		return rc;
	/* Cached per user version: any write of the user's invalidates it. */
	char key[CACHE_KEY_MAX];
	search_key(r, &q, key, sizeof(key));
	uint64_t version = 0;
	char *val = NULL;
	size_t len = 0;
	if (APP(r)->cache && cache_get_user(APP(r)->cache, r->user.id, key, &version, &val, &len))
		return http_reply_raw(r, 200, "application/json", val, len);
	q.touch = 1;
	json_t *out;
	if ((rc = mem_search(m, r->db, r->user.id, &q, &out, &r->err)))
		return rc;
	char *text = json_dump_compact(out);
	int degraded = json_is_true(json_object_get(out, "degraded"));
	json_decref(out);
	if (APP(r)->cache && !degraded)
		cache_set_user(APP(r)->cache, key, version, text, strlen(text), CACHE_DEFAULT_TTL);
	return http_reply_raw(r, 200, "application/json", text, strlen(text));
}

int h_memory_export(struct http_req *r)
{
	json_t *items;
	int rc = mem_export(&APP(r)->mem, r->db, r->user.id, &items, &r->err);
	if (rc)
		return rc;
	return http_reply(r, 200, json_pack("{s:i,s:o}", "version", 1, "memories", items));
}

int h_memory(struct http_req *r)
{
	json_t *out;
	int rc = mem_get(&APP(r)->mem, r->db, r->user.id, r->params[0], &out, &r->err);
	if (rc)
		return rc;
	return http_reply(r, 200, json_pack("{s:o}", "memory", out));
}

int h_memory_patch(struct http_req *r)
{
	struct mem_in in;
	int rc = mem_from_json(r->json, 1, &in, &r->err);
	if (rc)
		return rc;
	struct audit_ctx ctx = api_audit_ctx(r);
	json_t *out;
	if ((rc = mem_update(&APP(r)->mem, r->db, &ctx, r->user.id, r->params[0], &in, &out,
	                     &r->err)))
		return rc;
	return http_reply(r, 200, json_pack("{s:o}", "memory", out));
}

int h_memory_delete(struct http_req *r)
{
	struct audit_ctx ctx = api_audit_ctx(r);
	int rc = mem_delete(&APP(r)->mem, r->db, &ctx, r->user.id, r->params[0], &r->err);
	if (rc)
		return rc;
	return http_reply(r, 204, NULL);
}

int h_memory_history(struct http_req *r)
{
	json_t *out;
	int rc = mem_history(&APP(r)->mem, r->db, r->user.id, r->params[0], &out, &r->err);
	if (rc)
		return rc;
	return http_reply(r, 200, out);
}

int h_problem_similar(struct http_req *r)
{
	int64_t k;
	int rc = http_query_int(r, "k", SIMILAR_K_DEFAULT, 1, SIMILAR_K_MAX, &k);
	if (rc)
		return rc;
	json_t *out;
	if ((rc = similar_problems(APP(r)->catalog, r->params[0], (int)k, &out, &r->err)))
		return rc;
	return http_reply(r, 200, out);
}

/* ---- the coach ---- */

static void publish_reply(struct app *a, const char *user, json_t *out)
{
	json_t *ev = json_pack("{s:O,s:O,s:O}", "session_id", json_object_get(out, "session_id"),
	                       "message_id", json_object_get(out, "message_id"), "provider",
	                       json_object_get(out, "provider"));
	char *text = json_dump_compact(ev);
	events_publish(a->events, user, "coach.replied", text);
	free(text);
	json_decref(ev);
}

/*
 * Streamed answers in progress: their threads use the database pool and the
 * HTTP connection, so shutdown waits for them (api_wait_streams).
 */
static int streams_active;

int api_wait_streams(int max_ms)
{
	for (int waited = 0; waited < max_ms; waited += 10) {
		if (!__atomic_load_n(&streams_active, __ATOMIC_ACQUIRE))
			return 0;
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return __atomic_load_n(&streams_active, __ATOMIC_ACQUIRE);
}

/* A streamed answer: the turn runs on its own thread and writes events to the pipe. */
struct coach_job {
	struct app *app;
	struct http_pipe *pipe;
	char user[40], ip[64], request_id[40];
	char *message, *session;
};

static void pipe_event(struct http_pipe *p, const char *event, json_t *data)
{
	char *text = json_dump_compact(data);
	char *frame = xasprintf("event: %s\ndata: %s\n\n", event, text);
	http_pipe_write(p, frame, strlen(frame));
	free(frame);
	free(text);
}

static void on_piece(void *arg, const char *piece)
{
	json_t *d = json_pack("{s:s}", "text", piece);
	pipe_event(arg, "delta", d);
	json_decref(d);
}

static void *coach_worker(void *arg)
{
	struct coach_job *j = arg;
	struct err e = {0};
	struct db *db = NULL;
	json_t *out = NULL;
	struct audit_ctx ctx = {j->user, j->ip, j->request_id};
	int rc = db_acquire(j->app->pool, &db, &e);
	if (!rc)
		rc = coach_chat(&j->app->coach, db, &ctx, j->user, j->message, j->session, on_piece,
		                j->pipe, &out, &e);
	if (rc) {
		json_t *err = json_pack("{s:s,s:s}", "error", e.id, "message", e.msg);
		pipe_event(j->pipe, "error", err);
		json_decref(err);
	} else {
		pipe_event(j->pipe, "done", out);
		cache_bump_user(j->app->cache, j->user);
		publish_reply(j->app, j->user, out);
	}
	json_decref(out);
	if (db)
		db_release(db);
	http_pipe_close(j->pipe);
	free(j->message);
	free(j->session);
	free(j);
	__atomic_sub_fetch(&streams_active, 1, __ATOMIC_RELEASE);
	return NULL;
}

int h_coach_chat(struct http_req *r)
{
	static const struct json_field fields[] = {
	    {"message", JF_STRING, 1, COACH_MESSAGE_MAX},
	    {"session_id", JF_STRING, 0, 64},
	    {"stream", JF_BOOL, 0, 0},
	};
	int rc = json_check_fields(r->json, fields, ARRAY_LEN(fields), &r->err);
	if (rc)
		return rc;
	const char *message = json_str(r->json, "message");
	const char *session = json_str(r->json, "session_id");
	const char *accept = http_header(r, "Accept");
	int stream = json_is_true(json_object_get(r->json, "stream")) ||
	             (accept && strstr(accept, "text/event-stream"));
	if (session && *session && !uuid_valid(session))
		return err_set(&r->err, ERR_INVALID, "invalid_field",
		               "field 'session_id' must be a UUID from an earlier answer");
	const char *p = message;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (!*p)
		return err_set(&r->err, ERR_INVALID, "missing_field", "field 'message' is empty");
	if (stream) {
		struct coach_job *j = xcalloc(1, sizeof(*j));
		j->app = APP(r);
		str_copy(j->user, sizeof(j->user), r->user.id);
		str_copy(j->ip, sizeof(j->ip), r->ip);
		str_copy(j->request_id, sizeof(j->request_id), r->id);
		j->message = xstrdup(message);
		j->session = session ? xstrdup(session) : NULL;
		j->pipe = http_reply_pipe(r);
		pthread_t t;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		__atomic_add_fetch(&streams_active, 1, __ATOMIC_RELEASE);
		if (pthread_create(&t, &attr, coach_worker, j)) {
			__atomic_sub_fetch(&streams_active, 1, __ATOMIC_RELEASE);
			http_pipe_close(j->pipe);
			free(j->message);
			free(j->session);
			free(j);
			pthread_attr_destroy(&attr);
			return err_set(&r->err, ERR_UNAVAILABLE, "busy", "cannot start the answer");
		}
		pthread_attr_destroy(&attr);
		return 0;
	}
	struct audit_ctx ctx = api_audit_ctx(r);
	json_t *out;
	if ((rc = coach_chat(&APP(r)->coach, r->db, &ctx, r->user.id, message, session, NULL, NULL,
	                     &out, &r->err)))
		return rc;
	publish_reply(APP(r), r->user.id, out);
	return http_reply(r, 200, out);
}

int h_coach_session(struct http_req *r)
{
	json_t *out;
	int rc = coach_session(r->db, r->user.id, r->params[0], &out, &r->err);
	if (rc)
		return rc;
	return http_reply(r, 200, out);
}

int h_providers(struct http_req *r)
{
	struct mem *m = &APP(r)->mem;
	int64_t pending = 0;
	struct err ignore = {0};
	mem_pending(m, r->db, &pending, &ignore);
	struct vindex_stats vs;
	vindex_stats(m->index, &vs);
	return http_reply(
	    r, 200,
	    json_pack("{s:{s:s,s:s,s:i,s:I,s:I},s:{s:s,s:o},s:{s:I,s:I,s:I,s:s},s:{s:i,s:f}}",
	              "embedding", "provider", m->emb->ops->name, "model", m->emb->model, "dim",
	              m->emb->dim, "pending", (json_int_t)pending, "failures",
	              (json_int_t)m->embed_failures, "llm", "provider",
	              APP(r)->llm ? "llm" : "builtin", "model",
	              APP(r)->llm ? json_string(llm_name(APP(r)->llm)) : json_null(), "index",
	              "partitions", (json_int_t)vs.partitions, "vectors", (json_int_t)vs.vectors,
	              "bytes", (json_int_t)vs.bytes, "kernels", simd_kernels(), "rag", "top_k",
	              m->top_k, "threshold", m->threshold));
}
