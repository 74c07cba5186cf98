/*
 * cache.c: dispatch to the backend's operations.
 */
#include "cache/cache.h"

struct cache_base {
	const struct cache_ops *ops;
};

#define OPS(c) (((const struct cache_base *)(const void *)(c))->ops)

int cache_get(struct cache *c, const char *key, char **val, size_t *len)
{
	return c ? OPS(c)->get(c, key, val, len) : 0;
}

void cache_set(struct cache *c, const char *key, const char *val, size_t len, int ttl)
{
	if (c)
		OPS(c)->set(c, key, val, len, ttl);
}

void cache_del(struct cache *c, const char *key)
{
	if (c)
		OPS(c)->del(c, key);
}

uint64_t cache_user_version(struct cache *c, const char *user_id)
{
	return c ? OPS(c)->user_version(c, user_id) : 0;
}

void cache_bump_user(struct cache *c, const char *user_id)
{
	if (c)
		OPS(c)->bump_user(c, user_id);
}

void cache_stats(struct cache *c, struct cache_stats *out)
{
	if (c)
		OPS(c)->stats(c, out);
}

const char *cache_backend(const struct cache *c)
{
	return c ? OPS(c)->name : "none";
}

void cache_free(struct cache *c)
{
	if (c)
		OPS(c)->free(c);
}
