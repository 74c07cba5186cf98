/*
 * test_cache.c: the in-process cache: hits and misses, expiry, LRU
 * eviction by count and by bytes, per-user versions, limits.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/cache.h"

static int get_str(struct cache *c, const char *key, char *out, size_t size)
{
	char *v;
	size_t n;
	if (!cache_get(c, key, &v, &n))
		return 0;
	cr_assert_lt(n, size);
	memcpy(out, v, n + 1);
	free(v);
	return 1;
}

Test(cache, set_then_get_returns_a_copy)
{
	struct cache *c = cache_local_new(10, 1024);
	char out[64];
	cr_assert_not(get_str(c, "k", out, sizeof(out)));
	cache_set(c, "k", "value", 5, 60);
	cr_assert(get_str(c, "k", out, sizeof(out)));
	cr_assert_str_eq(out, "value");
	cache_set(c, "k", "other", 5, 60);
	cr_assert(get_str(c, "k", out, sizeof(out)));
	cr_assert_str_eq(out, "other");
	struct cache_stats st;
	cache_stats(c, &st);
	cr_assert_eq(st.hits, 2);
	cr_assert_eq(st.misses, 1);
	cr_assert_eq(st.entries, 1);
	cache_del(c, "k");
	cr_assert_not(get_str(c, "k", out, sizeof(out)));
	cr_assert_str_eq(cache_backend(c), "local");
	cache_free(c);
}

Test(cache, entries_expire_after_their_ttl)
{
	struct cache *c = cache_local_new(10, 1024);
	char out[16];
	cache_set(c, "short", "x", 1, 1);
	cache_set(c, "long", "y", 1, 3600);
	sleep(2);
	cr_assert_not(get_str(c, "short", out, sizeof(out)));
	cr_assert(get_str(c, "long", out, sizeof(out)));
	cache_free(c);
}

Test(cache, least_recently_used_is_evicted_at_the_entry_limit)
{
	struct cache *c = cache_local_new(3, 1 << 20);
	char out[16];
	cache_set(c, "a", "1", 1, 60);
	cache_set(c, "b", "2", 1, 60);
	cache_set(c, "c", "3", 1, 60);
	cr_assert(get_str(c, "a", out, sizeof(out))); /* a is now the most recent */
	cache_set(c, "d", "4", 1, 60);                /* evicts b */
	cr_assert_not(get_str(c, "b", out, sizeof(out)));
	cr_assert(get_str(c, "a", out, sizeof(out)));
	cr_assert(get_str(c, "c", out, sizeof(out)));
	cr_assert(get_str(c, "d", out, sizeof(out)));
	struct cache_stats st;
	cache_stats(c, &st);
	cr_assert_eq(st.entries, 3);
	cr_assert_eq(st.evictions, 1);
	cache_free(c);
}

Test(cache, byte_limit_is_never_exceeded)
{
	struct cache *c = cache_local_new(1000, 100);
	char val[40];
	memset(val, 'v', sizeof(val));
	cache_set(c, "k1", val, sizeof(val), 60); /* 42 bytes with the key */
	cache_set(c, "k2", val, sizeof(val), 60); /* 84 */
	cache_set(c, "k3", val, sizeof(val), 60); /* would be 126: k1 goes */
	struct cache_stats st;
	cache_stats(c, &st);
	cr_assert_leq(st.bytes, 100);
	cr_assert_eq(st.entries, 2);
	char *v;
	size_t n;
	cr_assert_not(cache_get(c, "k1", &v, &n));
	cache_free(c);
}

Test(cache, values_and_keys_over_the_limits_are_not_cached)
{
	struct cache *c = cache_local_new(10, CACHE_MAX_BYTES);
	size_t big = CACHE_MAX_VALUE + 1;
	char *val = calloc(1, big);
	char key[CACHE_KEY_MAX + 2];
	char *v;
	size_t n;
	cache_set(c, "big", val, big, 60);
	cr_assert_not(cache_get(c, "big", &v, &n));
	cache_set(c, "edge", val, CACHE_MAX_VALUE, 60);
	cr_assert(cache_get(c, "edge", &v, &n));
	cr_assert_eq(n, CACHE_MAX_VALUE);
	free(v);
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	cache_set(c, key, "x", 1, 60);
	cr_assert_not(cache_get(c, key, &v, &n));
	free(val);
	cache_free(c);
}

Test(cache, bumping_a_user_changes_only_that_users_version)
{
	struct cache *c = cache_local_new(10, 1024);
	uint64_t a1 = cache_user_version(c, "user-a"), b1 = cache_user_version(c, "user-b");
	cr_assert_eq(cache_user_version(c, "user-a"), a1);
	cache_bump_user(c, "user-a");
	uint64_t a2 = cache_user_version(c, "user-a");
	cr_assert_neq(a2, a1);
	cr_assert_eq(cache_user_version(c, "user-b"), b1);
	/* A user first seen after others never reuses their versions. */
	uint64_t c1 = cache_user_version(c, "user-c");
	cr_assert_neq(c1, a1);
	cr_assert_neq(c1, a2);
	cr_assert_neq(c1, b1);
	cache_free(c);
}

Test(cache, a_null_cache_is_always_a_miss)
{
	char *v;
	size_t n;
	cache_set(NULL, "k", "v", 1, 60);
	cr_assert_not(cache_get(NULL, "k", &v, &n));
	cr_assert_str_eq(cache_backend(NULL), "none");
}

Test(cache, user_entries_carry_their_version)
{
	struct cache *c = cache_local_new(10, 4096);
	uint64_t v;
	char *val;
	size_t n;
	cr_assert_not(cache_get_user(c, "u", "summary:u", &v, &val, &n));
	cr_assert_gt(v, 0);
	cache_set_user(c, "summary:u", v, "payload", 7, 60);
	uint64_t v2;
	cr_assert(cache_get_user(c, "u", "summary:u", &v2, &val, &n));
	cr_assert_eq(v2, v);
	cr_assert_eq(n, 7);
	cr_assert_str_eq(val, "payload");
	free(val);
	/* A write bumps the version: the entry is stale, not returned, and a miss. */
	struct cache_stats st;
	cache_stats(c, &st);
	cr_assert_eq(st.hits, 1);
	cr_assert_eq(st.misses, 1);
	cache_bump_user(c, "u");
	cr_assert_not(cache_get_user(c, "u", "summary:u", &v2, &val, &n));
	cr_assert_neq(v2, v);
	cache_stats(c, &st);
	cr_assert_eq(st.hits, 1);
	cr_assert_eq(st.misses, 2);
	/* Stored at the new version, it is served again. */
	cache_set_user(c, "summary:u", v2, "fresh", 5, 60);
	cr_assert(cache_get_user(c, "u", "summary:u", &v, &val, &n));
	cr_assert_str_eq(val, "fresh");
	free(val);
	cache_free(c);
}
