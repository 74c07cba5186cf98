/*
 * provider.c: the HTTP providers of embeddings and chat, over libcurl:
 * OpenAI-compatible servers (/embeddings, /chat/completions) and Google's
 * Generative Language API (batchEmbedContents, generateContent and
 * streamGenerateContent). One POST helper does timeouts, retries with
 * backoff (Retry-After honoured up to a cap), size limits and the parsing
 * of Server-Sent Events for streamed answers.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/json.h"
#include "core/log.h"

#include "memory/embed.h"
#include "memory/llm.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct xfer {
	struct buf body; /* the whole answer (not for streams) */
	struct buf line; /* the stream's current line */
	const struct provider_req *req;
	int streaming;    /* the answer is text/event-stream */
	int delivered;    /* events handed to on_event */
	int aborted;      /* on_event refused */
	long retry_after; /* seconds, from the header */
};

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0)
		x->retry_after = strtol(p + 12, NULL, 10);
	if (len > 13 && strncasecmp(p, "Content-Type:", 13) == 0 &&
	    memmem(p, len, "text/event-stream", 17))
		x->streaming = 1;
	return len;
}

/* One complete line of an event stream: "data: ..." lines go to on_event. */
static int stream_line(struct xfer *x, char *line)
{
	size_t n = strlen(line);
	if (n && line[n - 1] == '\r')
		line[--n] = 0;
	if (strncmp(line, "data:", 5) != 0)
		return 0;
	const char *d = line + 5;
	if (*d == ' ')
		d++;
	if (strcmp(d, "[DONE]") == 0)
		return 0;
	x->delivered++;
	return x->req->on_event(x->req->arg, d);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	if (!(x->streaming && x->req->on_event))
		return buf_append(&x->body, p, len) ? 0 : len;
	for (size_t i = 0; i < len; i++) {
		if (p[i] != '\n') {
			if (buf_append(&x->line, p + i, 1))
				return 0;
			continue;
		}
		int rc = stream_line(x, x->line.len ? x->line.data : (char[]){0});
		buf_reset(&x->line);
		if (rc) {
			x->aborted = 1;
			return 0;
		}
	}
	return len;
}

static int retryable(CURLcode cc, long status)
{
	if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT ||
	    cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR || cc == CURLE_GOT_NOTHING ||
	    cc == CURLE_PARTIAL_FILE)
		return 1;
	return cc == CURLE_OK &&
	       (status == 429 || status == 500 || status == 502 || status == 503 || status == 504);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* The provider's own error message from an error body, when it has one. */
static void upstream_message(const struct buf *body, char *out, size_t size)
{
	out[0] = 0;
	if (!body->len)
		return;
	json_error_t je;
	json_t *j = json_loadb(body->data, body->len, 0, &je);
	json_t *err = json_object_get(j, "error");
	const char *m = json_is_object(err) ? json_string_value(json_object_get(err, "message"))
	                                    : json_string_value(err);
	if (m)
		snprintf(out, size, ": %.160s", m);
	json_decref(j);
}

int provider_post(const struct provider_req *req, json_t **out, struct err *e)
{
	pthread_once(&curl_once, curl_init);
	CURL *h = curl_easy_init();
	if (!h)
		return err_set(e, ERR_INTERNAL, "internal_error", "cannot start an HTTP client");
	struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/json");
	for (const char *const *p = req->headers; p && *p; p++)
		hl = curl_slist_append(hl, *p);
	struct xfer x = {.req = req};
	buf_init(&x.body, PROVIDER_BODY_MAX);
	buf_init(&x.line, PROVIDER_BODY_MAX);
	int rc = ERR_UPSTREAM;
	long status = 0;
	CURLcode cc = CURLE_OK;
	for (int attempt = 0;; attempt++) {
		buf_reset(&x.body);
		buf_reset(&x.line);
		x.streaming = x.aborted = 0;
		x.retry_after = -1;
		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_URL, req->url);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)req->timeout_seconds);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(h, CURLOPT_USERAGENT, "maang/" MAANG_VERSION);
		cc = curl_easy_perform(h);
		status = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (cc == CURLE_OK && status >= 200 && status < 300)
			break;
		/* A stream that has started cannot be replayed without repeating pieces. */
		if (x.delivered || x.aborted || attempt >= PROVIDER_RETRIES ||
		    !retryable(cc, status))
			break;
		long wait = 250L << attempt;
		if (x.retry_after >= 0)
			wait = (x.retry_after > PROVIDER_RETRY_CAP ? PROVIDER_RETRY_CAP
			                                           : x.retry_after) *
			       1000L;
		log_msg(LOG_WARN, "provider_post: %s: %s (status %ld), retrying in %ld ms",
		        req->url, curl_easy_strerror(cc), status, wait);
		sleep_ms(wait);
	}
	if (x.aborted) {
		rc = err_set(e, ERR_UPSTREAM, "provider_error",
		             "the provider's stream was malformed");
		goto out;
	}
	if (cc != CURLE_OK) {
		rc = err_set(e, ERR_UPSTREAM, "provider_unreachable", "provider request failed: %s",
		             curl_easy_strerror(cc));
		goto out;
	}
	if (status < 200 || status >= 300) {
		char m[200];
		upstream_message(&x.body, m, sizeof(m));
		rc = err_set(e, ERR_UPSTREAM, "provider_error", "provider answered %ld%s", status,
		             m);
		goto out;
	}
	if (x.streaming && req->on_event) {
		if (x.line.len && stream_line(&x, x.line.data)) {
			rc = err_set(e, ERR_UPSTREAM, "provider_error",
			             "the provider's stream was malformed");
			goto out;
		}
		if (out)
			*out = NULL;
		rc = 0;
		goto out;
	}
	if (out) {
		json_error_t je;
		json_t *j = json_loadb(x.body.len ? x.body.data : "", x.body.len, 0, &je);
		if (!j) {
			rc = err_set(e, ERR_UPSTREAM, "provider_error",
			             "the provider's answer is not JSON");
			goto out;
		}
		if (req->on_event) {
			/* Asked for a stream, got one JSON document: hand it over as one event. */
			char *text = json_dump_compact(j);
			int bad = req->on_event(req->arg, text);
			free(text);
			if (bad) {
				json_decref(j);
				rc = err_set(e, ERR_UPSTREAM, "provider_error",
				             "unexpected provider answer");
				goto out;
			}
		}
		*out = j;
	}
	rc = 0;
out:
	buf_release(&x.body);
	buf_release(&x.line);
	curl_slist_free_all(hl);
	curl_easy_cleanup(h);
	return rc;
}

/* ---- embeddings ---- */

struct http_embedder {
	struct embedder m; /* first: the embedder is this struct */
	char *url;
	char *auth; /* header line */
	char *model;
	int timeout;
	int gemini;
};

/* Copies a provider vector into OUT (normalised); checks the dimension. */
static int take_vector(struct embedder *m, json_t *values, float *out, struct err *e)
{
	size_t dim = json_array_size(values);
	if (dim == 0 || dim > EMBED_DIM_MAX)
		return err_set(e, ERR_UPSTREAM, "provider_error",
		               "the provider returned a vector of %zu dimensions", dim);
	if (m->dim && (size_t)m->dim != dim)
		return err_set(e, ERR_UPSTREAM, "provider_error",
		               "the provider changed dimension from %d to %zu", m->dim, dim);
	double s = 0;
	for (size_t i = 0; i < dim; i++) {
		json_t *v = json_array_get(values, i);
		if (!json_is_number(v))
			return err_set(e, ERR_UPSTREAM, "provider_error",
			               "a vector holds a non-number");
		out[i] = (float)json_number_value(v);
		s += (double)out[i] * out[i];
	}
	if (!(s > 0) || !isfinite(s))
		return err_set(e, ERR_UPSTREAM, "provider_error",
		               "the provider returned a zero vector");
	float inv = (float)(1.0 / sqrt(s));
	for (size_t i = 0; i < dim; i++)
		out[i] *= inv;
	m->dim = (int)dim;
	return 0;
}

/* Bytes of T sent to a provider: at most EMBED_TEXT_MAX, never half a character. */
static size_t text_len(const char *t)
{
	size_t n = strnlen(t, EMBED_TEXT_MAX);
	if (n == EMBED_TEXT_MAX)
		while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80)
			n--;
	return n;
}

static json_t *text_part(const char *t)
{
	return json_pack("{s:[{s:s%}]}", "parts", "text", t, text_len(t));
}

static int http_embed(struct embedder *base, const char *const *texts, int n, float *out,
                      struct err *e)
{
	struct http_embedder *m = (struct http_embedder *)base;
	/* Rows are this far apart for the whole call, even once the first answer sets dim. */
	size_t stride = (size_t)(base->dim ? base->dim : EMBED_DIM_MAX);
	for (int off = 0; off < n; off += EMBED_BATCH_MAX) {
		int cnt = n - off < EMBED_BATCH_MAX ? n - off : EMBED_BATCH_MAX;
		json_t *body, *arr = json_array();
		for (int i = 0; i < cnt; i++) {
			const char *t = texts[off + i] ? texts[off + i] : "";
			if (m->gemini) {
				char *name = xasprintf("models/%s", m->model);
				json_array_append_new(arr, json_pack("{s:s,s:o}", "model", name,
				                                     "content", text_part(t)));
				free(name);
			} else {
				json_array_append_new(arr, json_stringn(t, text_len(t)));
			}
		}
		if (m->gemini)
			body = json_pack("{s:o}", "requests", arr);
		else
			body = json_pack("{s:s,s:o}", "model", m->model, "input", arr);
		char *text = json_dump_compact(body);
		json_decref(body);
		const char *headers[] = {m->auth, NULL};
		struct provider_req req = {m->url, headers, text, m->timeout, NULL, NULL};
		json_t *ans = NULL;
		int rc = provider_post(&req, &ans, e);
		free(text);
		if (rc)
			return rc;
		json_t *items = json_object_get(ans, m->gemini ? "embeddings" : "data");
		if (json_array_size(items) != (size_t)cnt) {
			json_decref(ans);
			return err_set(e, ERR_UPSTREAM, "provider_error",
			               "the provider returned %zu vectors for %d texts",
			               json_array_size(items), cnt);
		}
		for (int i = 0; i < cnt; i++) {
			json_t *it = json_array_get(items, (size_t)i);
			int slot = i;
			if (!m->gemini) {
				/* OpenAI answers carry their input's index; trust it, bounded. */
				json_int_t idx = json_integer_value(json_object_get(it, "index"));
				if (json_is_integer(json_object_get(it, "index")) && idx >= 0 &&
				    idx < cnt)
					slot = (int)idx;
			}
			json_t *values = json_object_get(it, m->gemini ? "values" : "embedding");
			if ((rc = take_vector(base, values, out + (size_t)(off + slot) * stride,
			                      e))) {
				json_decref(ans);
				return rc;
			}
		}
		json_decref(ans);
	}
	return 0;
}

static void http_embedder_free(struct embedder *base)
{
	struct http_embedder *m = (struct http_embedder *)base;
	free(m->url);
	free(m->auth);
	free(m->model);
	free(m);
}

static const struct embed_ops openai_ops = {"openai", http_embed, http_embedder_free};
static const struct embed_ops gemini_ops = {"gemini", http_embed, http_embedder_free};

static char *base_url(const char *url)
{
	char *s = xstrdup(url);
	size_t n = strlen(s);
	while (n && s[n - 1] == '/')
		s[--n] = 0;
	return s;
}

int embedder_openai_new(const struct config *cfg, const char *model, struct embedder **out,
                        struct err *e)
{
	if (!*model)
		return err_set(e, ERR_INVALID, "invalid_config",
		               "EMBEDDING_MODEL openai: needs a model");
	struct http_embedder *m = xcalloc(1, sizeof(*m));
	m->m.ops = &openai_ops;
	snprintf(m->m.model, sizeof(m->m.model), "openai:%s", model);
	char *b = base_url(cfg->openai_base_url);
	m->url = xasprintf("%s/embeddings", b);
	free(b);
	m->auth = cfg->openai_api_key && *cfg->openai_api_key
	              ? xasprintf("Authorization: Bearer %s", cfg->openai_api_key)
	              : NULL;
	m->model = xstrdup(model);
	m->timeout = cfg->provider_timeout_seconds;
	*out = &m->m;
	return 0;
}

int embedder_gemini_new(const struct config *cfg, const char *model, struct embedder **out,
                        struct err *e)
{
	if (!*model)
		return err_set(e, ERR_INVALID, "invalid_config",
		               "EMBEDDING_MODEL gemini: needs a model");
	if (!cfg->google_api_key || !*cfg->google_api_key)
		return err_set(e, ERR_INVALID, "invalid_config",
		               "EMBEDDING_MODEL gemini: needs GOOGLE_API_KEY");
	struct http_embedder *m = xcalloc(1, sizeof(*m));
	m->m.ops = &gemini_ops;
	snprintf(m->m.model, sizeof(m->m.model), "gemini:%s", model);
	char *b = base_url(cfg->gemini_base_url);
	m->url = xasprintf("%s/models/%s:batchEmbedContents", b, model);
	free(b);
	m->auth = xasprintf("x-goog-api-key: %s", cfg->google_api_key);
	m->model = xstrdup(model);
	m->timeout = cfg->provider_timeout_seconds;
	m->gemini = 1;
	*out = &m->m;
	return 0;
}

/* ---- chat ---- */

struct llm {
	char name[EMBED_MODEL_ID_MAX];
	char *model;
	char *base;
	char *auth;
	int timeout;
	int gemini;
};

int llm_open(const struct config *cfg, struct llm **out, struct err *e)
{
	const char *spec = cfg->llm_model ? cfg->llm_model : "";
	*out = NULL;
	if (!*spec)
		return 0;
	int gemini = strncmp(spec, "gemini:", 7) == 0;
	if (!gemini && strncmp(spec, "openai:", 7) != 0)
		return err_set(e, ERR_INVALID, "invalid_config",
		               "LLM_MODEL must be openai:MODEL or gemini:MODEL, not '%.40s'", spec);
	if (!spec[7])
		return err_set(e, ERR_INVALID, "invalid_config", "LLM_MODEL '%s' needs a model",
		               spec);
	if (gemini && (!cfg->google_api_key || !*cfg->google_api_key))
		return err_set(e, ERR_INVALID, "invalid_config",
		               "LLM_MODEL gemini: needs GOOGLE_API_KEY");
	struct llm *l = xcalloc(1, sizeof(*l));
	str_copy(l->name, sizeof(l->name), spec);
	l->model = xstrdup(spec + 7);
	l->base = base_url(gemini ? cfg->gemini_base_url : cfg->openai_base_url);
	if (gemini)
		l->auth = xasprintf("x-goog-api-key: %s", cfg->google_api_key);
	else if (cfg->openai_api_key && *cfg->openai_api_key)
		l->auth = xasprintf("Authorization: Bearer %s", cfg->openai_api_key);
	l->timeout = cfg->provider_timeout_seconds;
	l->gemini = gemini;
	*out = l;
	return 0;
}

const char *llm_name(const struct llm *l)
{
	return l->name;
}

void llm_free(struct llm *l)
{
	if (!l)
		return;
	free(l->model);
	free(l->base);
	free(l->auth);
	free(l);
}

struct chat_stream {
	struct llm *l;
	struct buf *reply;
	void (*on_piece)(void *arg, const char *piece);
	void *arg;
};

/* The text of one answer or stream chunk, in either provider's shape. */
static const char *chat_text(const struct llm *l, json_t *j, int chunk)
{
	if (l->gemini) {
		json_t *c = json_array_get(json_object_get(j, "candidates"), 0);
		json_t *parts = json_object_get(json_object_get(c, "content"), "parts");
		return json_string_value(json_object_get(json_array_get(parts, 0), "text"));
	}
	json_t *c = json_array_get(json_object_get(j, "choices"), 0);
	return json_string_value(
	    json_object_get(json_object_get(c, chunk ? "delta" : "message"), "content"));
}

static int chat_event(void *arg, const char *data)
{
	struct chat_stream *s = arg;
	json_error_t je;
	json_t *j = json_loads(data, 0, &je);
	if (!j)
		return -1;
	/* One whole answer instead of chunks: it has "message", not "delta". */
	int chunk =
	    s->l->gemini ||
	    json_object_get(json_array_get(json_object_get(j, "choices"), 0), "delta") != NULL;
	const char *t = chat_text(s->l, j, chunk);
	if (t && *t && s->reply->len < LLM_REPLY_MAX) {
		buf_puts(s->reply, t);
		if (s->on_piece)
			s->on_piece(s->arg, t);
	}
	json_decref(j);
	return 0;
}

static json_t *chat_body(const struct llm *l, const struct llm_msg *msgs, int n, int stream)
{
	if (!l->gemini) {
		json_t *arr = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(arr, json_pack("{s:s,s:s}", "role", msgs[i].role,
			                                     "content", msgs[i].content));
		return json_pack("{s:s,s:o,s:b,s:f}", "model", l->model, "messages", arr, "stream",
		                 stream, "temperature", 0.2);
	}
	json_t *contents = json_array();
	struct buf sys;
	buf_init(&sys, LLM_REPLY_MAX * 8);
	for (int i = 0; i < n; i++) {
		if (strcmp(msgs[i].role, "system") == 0) {
			if (sys.len)
				buf_puts(&sys, "\n\n");
			buf_puts(&sys, msgs[i].content);
			continue;
		}
		const char *role = strcmp(msgs[i].role, "assistant") == 0 ? "model" : "user";
		json_array_append_new(contents, json_pack("{s:s,s:[{s:s}]}", "role", role, "parts",
		                                          "text", msgs[i].content));
	}
	json_t *body = json_pack("{s:o,s:{s:f}}", "contents", contents, "generationConfig",
	                         "temperature", 0.2);
	if (sys.len)
		json_object_set_new(body, "systemInstruction",
		                    json_pack("{s:[{s:s}]}", "parts", "text", sys.data));
	buf_release(&sys);
	return body;
}

int llm_chat(struct llm *l, const struct llm_msg *msgs, int n,
             void (*on_piece)(void *arg, const char *piece), void *arg, struct buf *reply,
             struct err *e)
{
	int stream = on_piece != NULL;
	json_t *body = chat_body(l, msgs, n, stream);
	char *text = json_dump_compact(body);
	json_decref(body);
	char *url;
	if (l->gemini)
		url = xasprintf("%s/models/%s:%s", l->base, l->model,
		                stream ? "streamGenerateContent?alt=sse" : "generateContent");
	else
		url = xasprintf("%s/chat/completions", l->base);
	const char *headers[] = {l->auth, NULL};
	struct chat_stream s = {l, reply, on_piece, arg};
	struct provider_req req = {url, headers, text, l->timeout, stream ? chat_event : NULL, &s};
	json_t *ans = NULL;
	int rc = provider_post(&req, &ans, e);
	free(text);
	free(url);
	if (rc)
		return rc;
	if (ans && !stream) {
		const char *t = chat_text(l, ans, 0);
		if (t)
			buf_append(reply, t, strnlen(t, LLM_REPLY_MAX));
	}
	json_decref(ans);
	if (!reply->len)
		return err_set(e, ERR_UPSTREAM, "provider_error", "the provider returned no text");
	return 0;
}
