/*
 * redis.c: the Redis cache backend (hiredis, synchronous). Each thread has
 * its own connection, opened on first use with short connect and command
 * timeouts. Any error closes that connection and counts as a miss; the
 * thread reconnects by itself, at most once per REDIS_RETRY_MS, so a dead
 * or slow Redis costs requests a timeout once, not on every call.
 *
 * Per-user versions live in Redis too (key maang:v:USER), so a write on
 * one instance invalidates the user's entries on every instance. A missing
 * version starts at the current time in microseconds, above any version a
 * lost key could have reached. While Redis is unreachable, bumps cannot be
 * recorded: the instance then moves to a new local epoch (part of every
 * key) so it never reads entries from before the outage itself; other
 * instances may serve such entries until their TTL ends.
 */
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "cache/cache.h"
#include "core/log.h"
#include "core/util.h"

#define REDIS_CONNECT_TIMEOUT_MS 200
#define REDIS_COMMAND_TIMEOUT_MS 100
#define REDIS_RETRY_MS           1000
#define KEY_PREFIX               "maang:"

struct conn {
	redisContext *c;
	int64_t retry_at; /* monotonic ms before which no reconnect is tried */
};

struct cache {
	const struct cache_ops *ops;
	char *host;
	int port;
	char *password;
	int db;
	pthread_key_t key;
	pthread_mutex_t lock; /* guards the list of connections */
	struct conn **conns;
	size_t nconns;
	atomic_uint_fast64_t hits, misses, sets, errors;
	atomic_uint_fast64_t epoch;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_drop(struct cache *c, struct conn *k, const char *why)
{
	if (k->c) {
		log_warn("redis %s:%d: %s; treating as a miss, reconnecting in %d ms", c->host,
		         c->port, why, REDIS_RETRY_MS);
		redisFree(k->c);
		k->c = NULL;
	}
	k->retry_at = now_ms() + REDIS_RETRY_MS;
	atomic_fetch_add(&c->errors, 1);
	atomic_fetch_add(&c->epoch, 1);
}

/* Runs one command on the thread's connection; NULL on any failure. */
static redisReply *command(struct cache *c, const char *fmt, ...)
{
	struct conn *k = pthread_getspecific(c->key);
	if (!k) {
		k = xcalloc(1, sizeof(*k));
		pthread_mutex_lock(&c->lock);
		c->conns = xrealloc(c->conns, (c->nconns + 1) * sizeof(*c->conns));
		c->conns[c->nconns++] = k;
		pthread_mutex_unlock(&c->lock);
		pthread_setspecific(c->key, k);
	}
	if (!k->c) {
		if (now_ms() < k->retry_at)
			return NULL;
		struct timeval ct = {0, REDIS_CONNECT_TIMEOUT_MS * 1000};
		struct timeval rt = {0, REDIS_COMMAND_TIMEOUT_MS * 1000};
		k->c = redisConnectWithTimeout(c->host, c->port, ct);
		if (!k->c || k->c->err) {
			conn_drop(c, k, k->c ? k->c->errstr : "cannot allocate a context");
			return NULL;
		}
		redisSetTimeout(k->c, rt);
		redisReply *r = NULL;
		if (c->password)
			r = redisCommand(k->c, "AUTH %s", c->password);
		if (c->password && (!r || r->type == REDIS_REPLY_ERROR)) {
			freeReplyObject(r);
			conn_drop(c, k, "authentication failed");
			return NULL;
		}
		freeReplyObject(r);
		r = c->db ? redisCommand(k->c, "SELECT %d", c->db) : NULL;
		if (c->db && (!r || r->type == REDIS_REPLY_ERROR)) {
			freeReplyObject(r);
			conn_drop(c, k, "cannot select the database");
			return NULL;
		}
		freeReplyObject(r);
	}
	va_list ap;
	va_start(ap, fmt);
	redisReply *r = redisvCommand(k->c, fmt, ap);
	va_end(ap);
	if (!r) {
		conn_drop(c, k, k->c->errstr[0] ? k->c->errstr : "no reply");
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		log_warn("redis: %s", r->str);
		freeReplyObject(r);
		atomic_fetch_add(&c->errors, 1);
		return NULL;
	}
	return r;
}

/* The full key: prefix, this instance's epoch and the caller's key. */
static void full_key(struct cache *c, const char *key, char *out, size_t size)
{
	snprintf(out, size, KEY_PREFIX "%llu:%s", (unsigned long long)atomic_load(&c->epoch), key);
}

static int r_get(struct cache *c, const char *key, char **val, size_t *len)
{
	char k[CACHE_KEY_MAX + 64];
	full_key(c, key, k, sizeof(k));
	redisReply *r = command(c, "GET %s", k);
	if (!r || r->type != REDIS_REPLY_STRING) {
		freeReplyObject(r);
		atomic_fetch_add(&c->misses, 1);
		return 0;
	}
	*val = xmalloc(r->len + 1);
	memcpy(*val, r->str, r->len);
	(*val)[r->len] = '\0';
	*len = r->len;
	freeReplyObject(r);
	atomic_fetch_add(&c->hits, 1);
	return 1;
}

static void r_set(struct cache *c, const char *key, const char *val, size_t len, int ttl)
{
	char k[CACHE_KEY_MAX + 64];
	if (len > CACHE_MAX_VALUE || strlen(key) > CACHE_KEY_MAX)
		return;
	full_key(c, key, k, sizeof(k));
	redisReply *r =
	    command(c, "SET %s %b EX %d", k, val, len, ttl > 0 ? ttl : CACHE_DEFAULT_TTL);
	if (r)
		atomic_fetch_add(&c->sets, 1);
	freeReplyObject(r);
}

static void r_del(struct cache *c, const char *key)
{
	char k[CACHE_KEY_MAX + 64];
	full_key(c, key, k, sizeof(k));
	freeReplyObject(command(c, "DEL %s", k));
}

static uint64_t r_user_version(struct cache *c, const char *user_id)
{
	redisReply *r = command(c, "GET " KEY_PREFIX "v:%s", user_id);
	if (r && r->type == REDIS_REPLY_STRING) {
		uint64_t v = strtoull(r->str, NULL, 10);
		freeReplyObject(r);
		return v;
	}
	freeReplyObject(r);
	if (!r)
		return 0; /* unreachable: the caller misses anyway */
	/* No version yet (or it was evicted): start above anything used before. */
	struct timeval tv;
	gettimeofday(&tv, NULL);
	uint64_t start = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
	freeReplyObject(
	    command(c, "SET " KEY_PREFIX "v:%s %llu NX", user_id, (unsigned long long)start));
	r = command(c, "GET " KEY_PREFIX "v:%s", user_id);
	uint64_t v = r && r->type == REDIS_REPLY_STRING ? strtoull(r->str, NULL, 10) : 0;
	freeReplyObject(r);
	return v;
}

static int r_get_with_version(struct cache *c, const char *user_id, const char *key,
                              uint64_t *version, char **val, size_t *len)
{
	char k[CACHE_KEY_MAX + 64];
	full_key(c, key, k, sizeof(k));
	redisReply *r = command(c, "MGET " KEY_PREFIX "v:%s %s", user_id, k);
	int hit = 0;
	*version = 0;
	if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
		redisReply *v = r->element[0], *e = r->element[1];
		if (v->type == REDIS_REPLY_STRING)
			*version = strtoull(v->str, NULL, 10);
		if (*version && e->type == REDIS_REPLY_STRING) {
			*val = xmalloc(e->len + 1);
			memcpy(*val, e->str, e->len);
			(*val)[e->len] = '\0';
			*len = e->len;
			hit = 1;
		}
	}
	int reachable = r != NULL;
	freeReplyObject(r);
	if (reachable && !*version)
		*version = r_user_version(c, user_id); /* first use: create the version */
	return hit;
}

static void r_count(struct cache *c, int hit)
{
	atomic_fetch_add(hit ? &c->hits : &c->misses, 1);
}

static void r_bump_user(struct cache *c, const char *user_id)
{
	redisReply *r = command(c, "INCR " KEY_PREFIX "v:%s", user_id);
	if (!r)
		atomic_fetch_add(&c->epoch, 1); /* see the file comment */
	freeReplyObject(r);
}

static void r_stats(struct cache *c, struct cache_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->hits = atomic_load(&c->hits);
	out->misses = atomic_load(&c->misses);
	out->sets = atomic_load(&c->sets);
	out->errors = atomic_load(&c->errors);
}

static int r_ping(struct cache *c)
{
	redisReply *r = command(c, "PING");
	int ok = r && r->type == REDIS_REPLY_STATUS;
	freeReplyObject(r);
	return ok;
}

static void r_free(struct cache *c)
{
	for (size_t i = 0; i < c->nconns; i++) {
		if (c->conns[i]->c)
			redisFree(c->conns[i]->c);
		free(c->conns[i]);
	}
	free(c->conns);
	pthread_key_delete(c->key);
	pthread_mutex_destroy(&c->lock);
	free(c->host);
	free(c->password);
	free(c);
}

static const struct cache_ops redis_ops = {
    .name = "redis",
    .get = r_get,
    .set = r_set,
    .del = r_del,
    .user_version = r_user_version,
    .get_with_version = r_get_with_version,
    .count = r_count,
    .bump_user = r_bump_user,
    .stats = r_stats,
    .ping = r_ping,
    .free = r_free,
};

struct cache *cache_redis_new(const char *host, int port, const char *password, int db)
{
	struct cache *c = xcalloc(1, sizeof(*c));
	c->ops = &redis_ops;
	c->host = xstrdup(host);
	c->port = port;
	c->password = password && *password ? xstrdup(password) : NULL;
	c->db = db;
	pthread_mutex_init(&c->lock, NULL);
	pthread_key_create(&c->key, NULL);
	atomic_init(&c->epoch, 0);
	return c;
}
