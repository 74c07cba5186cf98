/*
 * cache.h: read-through cache for expensive reads. Values are opaque bytes
 * under string keys, with a time to live. Keys of per-user data embed the
 * user's version (cache_user_version): a write bumps the version, so every
 * older entry of that user is never read again and ages out, with no scan.
 *
 * One interface over backends (struct cache_ops); the in-process LRU is
 * the embedded default. A backend that fails behaves as a miss: the cache
 * never fails a request.
 */
#ifndef MAANG_CACHE_H
#define MAANG_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

#define CACHE_MAX_ENTRIES  20000
#define CACHE_MAX_BYTES    (64u * 1024 * 1024)
#define CACHE_MAX_VALUE    (4u * 1024 * 1024) /* larger values are not cached */
#define CACHE_KEY_MAX      200
#define CACHE_VERSIONS_MAX 1000000 /* users whose version is tracked */
#define CACHE_DEFAULT_TTL  300     /* seconds */

struct cache;

struct cache_stats {
	uint64_t hits, misses, sets, evictions, errors;
	size_t entries, bytes;
};

struct cache_ops {
	const char *name;
	/* 1 on a hit with a new malloc'd copy in *VAL, 0 on a miss. */
	int (*get)(struct cache *c, const char *key, char **val, size_t *len);
	void (*set)(struct cache *c, const char *key, const char *val, size_t len, int ttl);
	void (*del)(struct cache *c, const char *key);
	uint64_t (*user_version)(struct cache *c, const char *user_id);
	/*
	 * The user's current version and the entry KEY in one step (one round
	 * trip for Redis). 1 with a new malloc'd *VAL when there is an entry.
	 * Not counted: only the caller knows whether the entry is current.
	 */
	int (*get_with_version)(struct cache *c, const char *user_id, const char *key,
	                        uint64_t *version, char **val, size_t *len);
	/* Counts one lookup in the stats as a hit or a miss. */
	void (*count)(struct cache *c, int hit);
	void (*bump_user)(struct cache *c, const char *user_id);
	void (*stats)(struct cache *c, struct cache_stats *out);
	/* 1 if the backend answers now. */
	int (*ping)(struct cache *c);
	void (*free)(struct cache *c);
};

/* The in-process LRU backend. */
struct cache *cache_local_new(size_t max_entries, size_t max_bytes);
/* The Redis backend; connects lazily, so it never fails here. */
struct cache *cache_redis_new(const char *host, int port, const char *password, int db);
/*
 * The backend the configuration asks for: Redis when REDIS_URL
 * (redis://[:PASSWORD@]HOST[:PORT][/DB]) or REDIS_HOST is set, the local LRU
 * otherwise. ERR_INVALID for a malformed URL.
 */
struct config;
int cache_open(const struct config *cfg, struct cache **out, struct err *e);

/* Where Redis is, from REDIS_URL or REDIS_HOST/PORT/PASSWORD; set = 0 if nowhere. */
struct redis_target {
	int set;
	char host[256];
	int port;
	char password[256];
	int db;
};
int redis_target(const struct config *cfg, struct redis_target *t, struct err *e);

int cache_get(struct cache *c, const char *key, char **val, size_t *len);
void cache_set(struct cache *c, const char *key, const char *val, size_t len, int ttl);
void cache_del(struct cache *c, const char *key);
/* The current version of a user's cached data (starts at 1). */
uint64_t cache_user_version(struct cache *c, const char *user_id);
/*
 * Per-user entries whose version travels inside the value: 1 when KEY holds
 * an entry written at the user's current version (*VAL is then the payload,
 * malloc'd), 0 otherwise; *VERSION gets the current version either way, for
 * cache_set_user. One round trip to Redis instead of two. An entry of an
 * older version counts as a miss.
 */
int cache_get_user(struct cache *c, const char *user_id, const char *key, uint64_t *version,
                   char **val, size_t *len);
/* Stores VAL under KEY as written at VERSION (from cache_get_user). */
void cache_set_user(struct cache *c, const char *key, uint64_t version, const char *val, size_t len,
                    int ttl);
/* Invalidates every cached entry of the user. */
void cache_bump_user(struct cache *c, const char *user_id);
void cache_stats(struct cache *c, struct cache_stats *out);
/* 1 if the backend answers (always for the local one). */
int cache_ping(struct cache *c);
const char *cache_backend(const struct cache *c);
void cache_free(struct cache *c);

#endif
