/*
 * sse.c: server-sent events over libmicrohttpd. The answer is a callback
 * response; when the subscriber has nothing to send the connection is
 * suspended (it costs no thread and no polling) and the hub's wake resumes
 * it. A stream lock orders the two so that no wake is lost between "nothing
 * to send" and "suspended".
 */
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "events/events.h"
#include "http/http.h"

#define SSE_RETRY_MS 3000 /* how long EventSource waits before reconnecting */

struct sse_stream {
	pthread_mutex_t lock;
	struct MHD_Connection *conn;
	struct events_sub *sub;
	char *pending; /* text not yet handed to MHD */
	size_t plen, poff;
	int suspended;
	int woken;
};

static void sse_wake(void *ctx)
{
	struct sse_stream *s = ctx;
	pthread_mutex_lock(&s->lock);
	s->woken = 1;
	if (s->suspended) {
		s->suspended = 0;
		MHD_resume_connection(s->conn);
	}
	pthread_mutex_unlock(&s->lock);
}

static ssize_t sse_read(void *ctx, uint64_t pos, char *buf, size_t max)
{
	struct sse_stream *s = ctx;
	(void)pos;
	pthread_mutex_lock(&s->lock);
	if (!s->pending) {
		s->woken = 0;
		int rc = events_next(s->sub, &s->pending, &s->plen);
		if (rc < 0) {
			pthread_mutex_unlock(&s->lock);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		if (rc == 0) {
			if (!s->woken) {
				s->suspended = 1;
				MHD_suspend_connection(s->conn);
			}
			pthread_mutex_unlock(&s->lock);
			return 0;
		}
		s->poff = 0;
	}
	size_t n = s->plen - s->poff;
	if (n > max)
		n = max;
	memcpy(buf, s->pending + s->poff, n);
	s->poff += n;
	if (s->poff == s->plen) {
		free(s->pending);
		s->pending = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	return (ssize_t)n;
}

static void sse_free(void *ctx)
{
	struct sse_stream *s = ctx;
	events_unsubscribe(s->sub); /* waits for wakes in progress */
	free(s->pending);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int http_reply_events(struct http_req *r, struct events *hub, const char *user, const char *last_id,
                      events_format_fn fmt, void *fmt_ctx)
{
	struct sse_stream *s = xcalloc(1, sizeof(*s));
	const char *why = NULL;
	pthread_mutex_init(&s->lock, NULL);
	s->conn = r->conn;
	s->sub = events_subscribe(hub, user, last_id, fmt, fmt_ctx, sse_wake, s, &why);
	if (!s->sub) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		if (why && !strcmp(why, "user"))
			return err_set(&r->err, ERR_THROTTLED, "too_many_streams",
			               "at most %d event streams per user", EVENTS_MAX_PER_USER);
		return err_set(&r->err, ERR_UNAVAILABLE, "too_many_streams",
		               "this instance serves at most %d event streams", EVENTS_MAX_CLIENTS);
	}
	/* The first bytes: the reconnection delay, then anything being resumed. */
	s->pending = xasprintf("retry: %d\n\n", SSE_RETRY_MS);
	s->plen = strlen(s->pending);
	r->status = 200;
	r->stream_read = sse_read;
	r->stream_free = sse_free;
	r->stream_ctx = s;
	return 0;
}

/*
 * A one-off stream fed by another thread: the connection is suspended while
 * the pipe is empty and resumed by each write. Two references, the
 * connection's and the producer's; the last one frees the pipe, so either
 * side may go first (a client that hangs up, a producer that finishes).
 */
struct http_pipe {
	pthread_mutex_t lock;
	struct MHD_Connection *conn;
	struct buf data;
	size_t off;
	int closed, suspended, refs, gone;
};

static void pipe_unref(struct http_pipe *p)
{
	pthread_mutex_lock(&p->lock);
	int last = --p->refs == 0;
	pthread_mutex_unlock(&p->lock);
	if (!last)
		return;
	buf_release(&p->data);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static ssize_t pipe_read(void *ctx, uint64_t pos, char *out, size_t max)
{
	struct http_pipe *p = ctx;
	(void)pos;
	pthread_mutex_lock(&p->lock);
	size_t n = p->data.len - p->off;
	if (n == 0) {
		ssize_t rc = 0;
		if (p->closed) {
			rc = MHD_CONTENT_READER_END_OF_STREAM;
		} else {
			p->suspended = 1;
			MHD_suspend_connection(p->conn);
		}
		pthread_mutex_unlock(&p->lock);
		return rc;
	}
	if (n > max)
		n = max;
	memcpy(out, p->data.data + p->off, n);
	p->off += n;
	if (p->off == p->data.len) {
		buf_reset(&p->data);
		p->off = 0;
	}
	pthread_mutex_unlock(&p->lock);
	return (ssize_t)n;
}

static void pipe_free(void *ctx)
{
	struct http_pipe *p = ctx;
	pthread_mutex_lock(&p->lock);
	p->gone = 1;
	pthread_mutex_unlock(&p->lock);
	pipe_unref(p);
}

struct http_pipe *http_reply_pipe(struct http_req *r)
{
	struct http_pipe *p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->conn = r->conn;
	buf_init(&p->data, HTTP_PIPE_MAX);
	p->refs = 2;
	r->status = 200;
	r->stream_read = pipe_read;
	r->stream_free = pipe_free;
	r->stream_ctx = p;
	return p;
}

static void pipe_wake(struct http_pipe *p)
{
	if (p->suspended && !p->gone) {
		p->suspended = 0;
		MHD_resume_connection(p->conn);
	}
}

void http_pipe_write(struct http_pipe *p, const char *data, size_t len)
{
	pthread_mutex_lock(&p->lock);
	if (!p->gone && !p->closed) {
		buf_append(&p->data, data, len);
		pipe_wake(p);
	}
	pthread_mutex_unlock(&p->lock);
}

void http_pipe_close(struct http_pipe *p)
{
	pthread_mutex_lock(&p->lock);
	p->closed = 1;
	pipe_wake(p);
	pthread_mutex_unlock(&p->lock);
	pipe_unref(p);
}
