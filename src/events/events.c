/*
 * events.c: the in-process hub (ring of recent events, subscribers with
 * bounded queues, heartbeats) and its Redis pub/sub link.
 *
 * Locking: one hub mutex guards the ring, the subscribers and their queues.
 * Wake callbacks are made without it (they take the stream's own lock and
 * may call into the HTTP library); a subscriber's `inflight` count keeps
 * it alive until every wake in progress has returned.
 */
#include "events/events.h"

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/util.h"

#define CHANNEL          "maang:events"
#define REDIS_TIMEOUT_MS 200
#define REDIS_RETRY_MS   1000

struct events_sub {
	struct events *hub;
	char user[40];
	events_wake_fn wake;
	void *ctx;
	events_format_fn fmt;
	void *fmt_ctx;
	char **queue; /* SSE texts, oldest first */
	int nqueue;
	int overflow;
	int heartbeat_due;
	int inflight;
	int64_t last_sent;
	struct events_sub *next;
};

struct events {
	pthread_mutex_t lock;
	pthread_cond_t idle; /* a wake finished */
	struct event ring[EVENTS_RING];
	int ring_head, ring_count;
	struct events_sub *subs;
	int nsubs;
	char instance[17];
	uint64_t seq;
	int closing, stop;
	int heartbeat_ms;
	pthread_t heartbeat;
	struct events_stats st;
	/* Redis */
	char *host, *password;
	int port;
	pthread_mutex_t pub_lock;
	redisContext *pub;
	int64_t pub_retry_at;
	pthread_t listener;
	int listening;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "id: ..\nevent: ..\ndata: ..\n\n"; the JSON has no raw newlines. */
static char *sse_text(const struct event *ev)
{
	return xasprintf("id: %s\nevent: %s\ndata: %s\n\n", ev->id, ev->type, ev->data);
}

static char *sub_text(struct events_sub *s, const struct event *ev)
{
	return s->fmt ? s->fmt(ev, s->fmt_ctx) : sse_text(ev);
}

/* A wake list entry: the subscriber is held by its inflight count. */
struct wake_list {
	struct events_sub **subs;
	int n;
};

static void hold(struct wake_list *w, struct events_sub *s)
{
	w->subs = xrealloc(w->subs, (size_t)(w->n + 1) * sizeof(*w->subs));
	w->subs[w->n++] = s;
	s->inflight++;
}

/* Makes the wakes collected under the lock, then releases the holds. */
static void wake_all(struct events *h, struct wake_list *w)
{
	for (int i = 0; i < w->n; i++)
		w->subs[i]->wake(w->subs[i]->ctx);
	pthread_mutex_lock(&h->lock);
	for (int i = 0; i < w->n; i++)
		w->subs[i]->inflight--;
	pthread_cond_broadcast(&h->idle);
	pthread_mutex_unlock(&h->lock);
	free(w->subs);
}

/* Adds EV to the ring and to its user's subscribers (lock held); collects wakes. */
static void deliver_locked(struct events *h, const struct event *ev, struct wake_list *w)
{
	struct event *slot = &h->ring[(h->ring_head + h->ring_count) % EVENTS_RING];
	if (h->ring_count == EVENTS_RING) {
		slot = &h->ring[h->ring_head];
		free(slot->data);
		h->ring_head = (h->ring_head + 1) % EVENTS_RING;
	} else {
		h->ring_count++;
	}
	*slot = *ev;
	slot->data = xstrdup(ev->data);
	for (struct events_sub *s = h->subs; s; s = s->next) {
		if (strcmp(s->user, ev->user) != 0 || s->overflow)
			continue;
		if (s->nqueue >= EVENTS_QUEUE_MAX) {
			s->overflow = 1; /* the stream ends; the client resumes from its last id */
			h->st.dropped_clients++;
		} else {
			char *text = sub_text(s, ev);
			if (!text)
				continue;
			s->queue = xrealloc(s->queue, (size_t)(s->nqueue + 1) * sizeof(char *));
			s->queue[s->nqueue++] = text;
		}
		hold(w, s);
	}
}

static void deliver(struct events *h, const struct event *ev)
{
	struct wake_list w = {0};
	pthread_mutex_lock(&h->lock);
	deliver_locked(h, ev, &w);
	pthread_mutex_unlock(&h->lock);
	wake_all(h, &w);
}

/* ---- Redis ---------------------------------------------------------------- */

static redisContext *redis_connect(struct events *h)
{
	struct timeval tv = {0, REDIS_TIMEOUT_MS * 1000};
	redisContext *c = redisConnectWithTimeout(h->host, h->port, tv);
	if (!c || c->err) {
		if (c)
			redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv);
	if (h->password) {
		redisReply *r = redisCommand(c, "AUTH %s", h->password);
		int ok = r && r->type != REDIS_REPLY_ERROR;
		freeReplyObject(r);
		if (!ok) {
			redisFree(c);
			return NULL;
		}
	}
	return c;
}

static void redis_publish(struct events *h, const struct event *ev)
{
	json_t *msg = json_pack("{s:s, s:s, s:s, s:s}", "id", ev->id, "user", ev->user, "type",
	                        ev->type, "data", ev->data);
	char *text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	pthread_mutex_lock(&h->pub_lock);
	if (!h->pub && now_ms() >= h->pub_retry_at) {
		h->pub = redis_connect(h);
		if (!h->pub)
			h->pub_retry_at = now_ms() + REDIS_RETRY_MS;
	}
	if (h->pub) {
		redisReply *r = redisCommand(h->pub, "PUBLISH %s %s", CHANNEL, text);
		if (!r) {
			log_warn(
			    "events: cannot publish to Redis: %s; other instances miss this event",
			    h->pub->errstr);
			redisFree(h->pub);
			h->pub = NULL;
			h->pub_retry_at = now_ms() + REDIS_RETRY_MS;
		}
		freeReplyObject(r);
	}
	pthread_mutex_unlock(&h->pub_lock);
	free(text);
}

/* One message from the channel: events of other instances go into the hub. */
static void on_message(struct events *h, redisReply *r)
{
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING || strcmp(r->element[0]->str, "message"))
		return;
	json_t *msg = json_loadb(r->element[2]->str, r->element[2]->len, 0, NULL);
	const char *id = json_string_value(json_object_get(msg, "id"));
	const char *user = json_string_value(json_object_get(msg, "user"));
	const char *type = json_string_value(json_object_get(msg, "type"));
	const char *data = json_string_value(json_object_get(msg, "data"));
	if (id && user && type && data && strncmp(id, h->instance, strlen(h->instance)) != 0) {
		struct event ev = {0};
		str_copy(ev.id, sizeof(ev.id), id);
		str_copy(ev.user, sizeof(ev.user), user);
		str_copy(ev.type, sizeof(ev.type), type);
		ev.data = (char *)data;
		pthread_mutex_lock(&h->lock);
		h->st.remote_received++;
		pthread_mutex_unlock(&h->lock);
		deliver(h, &ev);
	}
	json_decref(msg);
}

static void *listen_loop(void *arg)
{
	struct events *h = arg;
	redisContext *c = NULL;
	for (;;) {
		pthread_mutex_lock(&h->lock);
		int stop = h->stop;
		h->st.redis_up = c != NULL;
		pthread_mutex_unlock(&h->lock);
		if (stop)
			break;
		if (!c) {
			c = redis_connect(h);
			redisReply *r = c ? redisCommand(c, "SUBSCRIBE %s", CHANNEL) : NULL;
			if (!r) {
				if (c)
					redisFree(c);
				c = NULL;
				usleep(REDIS_RETRY_MS * 1000);
				continue;
			}
			freeReplyObject(r);
		}
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int n = poll(&p, 1, 500);
		if (n <= 0)
			continue;
		if (redisBufferRead(c) != REDIS_OK) {
			log_warn("events: lost the Redis subscription (%s); reconnecting",
			         c->errstr);
			redisFree(c);
			c = NULL;
			continue;
		}
		void *reply;
		while (redisGetReplyFromReader(c, &reply) == REDIS_OK && reply) {
			on_message(h, reply);
			freeReplyObject(reply);
		}
	}
	if (c)
		redisFree(c);
	return NULL;
}

/* ---- heartbeats ------------------------------------------------------------- */

static void *heartbeat_loop(void *arg)
{
	struct events *h = arg;
	for (;;) {
		struct wake_list w = {0};
		pthread_mutex_lock(&h->lock);
		if (h->stop) {
			pthread_mutex_unlock(&h->lock);
			break;
		}
		int64_t now = now_ms();
		for (struct events_sub *s = h->subs; s; s = s->next) {
			if (now - s->last_sent >= h->heartbeat_ms && !s->heartbeat_due) {
				s->heartbeat_due = 1;
				hold(&w, s);
			}
		}
		pthread_mutex_unlock(&h->lock);
		wake_all(h, &w);
		usleep(250000);
	}
	return NULL;
}

/* ---- public ----------------------------------------------------------------- */

struct events *events_new(const char *redis_host, int redis_port, const char *redis_password,
                          int heartbeat_seconds)
{
	struct events *h = xcalloc(1, sizeof(*h));
	h->heartbeat_ms = (heartbeat_seconds > 0 ? heartbeat_seconds : 15) * 1000;
	unsigned char rnd[8];
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->idle, NULL);
	pthread_mutex_init(&h->pub_lock, NULL);
	random_bytes(rnd, sizeof(rnd));
	hex_encode(rnd, sizeof(rnd), h->instance);
	pthread_create(&h->heartbeat, NULL, heartbeat_loop, h);
	if (redis_host) {
		h->host = xstrdup(redis_host);
		h->port = redis_port;
		h->password = redis_password && *redis_password ? xstrdup(redis_password) : NULL;
		if (pthread_create(&h->listener, NULL, listen_loop, h) == 0)
			h->listening = 1;
	}
	return h;
}

void events_close_all(struct events *h)
{
	struct wake_list w = {0};
	pthread_mutex_lock(&h->lock);
	h->closing = 1;
	for (struct events_sub *s = h->subs; s; s = s->next)
		hold(&w, s);
	pthread_mutex_unlock(&h->lock);
	wake_all(h, &w);
}

void events_free(struct events *h)
{
	if (!h)
		return;
	events_close_all(h);
	pthread_mutex_lock(&h->lock);
	h->stop = 1;
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->heartbeat, NULL);
	if (h->listening)
		pthread_join(h->listener, NULL);
	for (int i = 0; i < h->ring_count; i++)
		free(h->ring[(h->ring_head + i) % EVENTS_RING].data);
	if (h->pub)
		redisFree(h->pub);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->pub_lock);
	pthread_cond_destroy(&h->idle);
	free(h->host);
	free(h->password);
	free(h);
}

void events_publish(struct events *h, const char *user, const char *type, const char *data)
{
	if (!h || strlen(data) > EVENTS_DATA_MAX)
		return;
	struct event ev = {0};
	pthread_mutex_lock(&h->lock);
	snprintf(ev.id, sizeof(ev.id), "%s-%llu", h->instance, (unsigned long long)++h->seq);
	h->st.published++;
	pthread_mutex_unlock(&h->lock);
	str_copy(ev.user, sizeof(ev.user), user);
	str_copy(ev.type, sizeof(ev.type), type);
	ev.data = (char *)data;
	deliver(h, &ev);
	if (h->host)
		redis_publish(h, &ev);
}

struct events_sub *events_subscribe(struct events *h, const char *user, const char *last_id,
                                    events_format_fn fmt, void *fmt_ctx, events_wake_fn wake,
                                    void *ctx, const char **why)
{
	pthread_mutex_lock(&h->lock);
	int mine = 0;
	for (struct events_sub *s = h->subs; s; s = s->next)
		mine += strcmp(s->user, user) == 0;
	if (h->nsubs >= EVENTS_MAX_CLIENTS || mine >= EVENTS_MAX_PER_USER || h->closing) {
		*why = mine >= EVENTS_MAX_PER_USER ? "user" : "clients";
		pthread_mutex_unlock(&h->lock);
		return NULL;
	}
	struct events_sub *s = xcalloc(1, sizeof(*s));
	s->hub = h;
	str_copy(s->user, sizeof(s->user), user);
	s->wake = wake;
	s->ctx = ctx;
	s->fmt = fmt;
	s->fmt_ctx = fmt_ctx;
	s->last_sent = now_ms();
	/* Resume: the user's events after LAST_ID, if it is still in the ring. */
	if (last_id && *last_id) {
		int from = -1;
		for (int i = 0; i < h->ring_count; i++)
			if (!strcmp(h->ring[(h->ring_head + i) % EVENTS_RING].id, last_id))
				from = i + 1;
		for (int i = from < 0 ? h->ring_count : from; i < h->ring_count; i++) {
			const struct event *ev = &h->ring[(h->ring_head + i) % EVENTS_RING];
			if (strcmp(ev->user, user) || s->nqueue >= EVENTS_QUEUE_MAX)
				continue;
			char *text = sub_text(s, ev);
			if (!text)
				continue;
			s->queue = xrealloc(s->queue, (size_t)(s->nqueue + 1) * sizeof(char *));
			s->queue[s->nqueue++] = text;
		}
	}
	s->next = h->subs;
	h->subs = s;
	h->nsubs++;
	h->st.clients = h->nsubs;
	pthread_mutex_unlock(&h->lock);
	return s;
}

void events_unsubscribe(struct events_sub *s)
{
	if (!s)
		return;
	struct events *h = s->hub;
	pthread_mutex_lock(&h->lock);
	for (struct events_sub **pp = &h->subs; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			h->nsubs--;
			break;
		}
	}
	h->st.clients = h->nsubs;
	while (s->inflight > 0)
		pthread_cond_wait(&h->idle, &h->lock);
	pthread_mutex_unlock(&h->lock);
	for (int i = 0; i < s->nqueue; i++)
		free(s->queue[i]);
	free(s->queue);
	free(s);
}

int events_next(struct events_sub *s, char **out, size_t *len)
{
	struct events *h = s->hub;
	int rc = 0;
	pthread_mutex_lock(&h->lock);
	if (s->nqueue > 0) {
		/* Everything queued in one write. */
		struct buf b;
		buf_init(&b, (size_t)EVENTS_QUEUE_MAX * (EVENTS_DATA_MAX + 256));
		for (int i = 0; i < s->nqueue; i++) {
			buf_puts(&b, s->queue[i]);
			free(s->queue[i]);
		}
		h->st.delivered += (uint64_t)s->nqueue;
		s->nqueue = 0;
		*len = b.len;
		*out = buf_detach(&b);
		rc = 1;
	} else if (h->closing || s->overflow) {
		rc = -1;
	} else if (s->heartbeat_due) {
		*out = xstrdup(": heartbeat\n\n");
		*len = strlen(*out);
		rc = 1;
	}
	if (rc == 1) {
		s->heartbeat_due = 0;
		s->last_sent = now_ms();
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

void events_stats(struct events *h, struct events_stats *out)
{
	pthread_mutex_lock(&h->lock);
	*out = h->st;
	out->clients = h->nsubs;
	pthread_mutex_unlock(&h->lock);
}
