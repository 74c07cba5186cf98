/*
 * local.c: the in-process cache: a hash table of entries on a doubly
 * linked LRU list, bounded by entry count and bytes, with expiry checked on
 * read; plus a table of per-user versions. One mutex guards both: the
 * critical sections are a lookup and a memcpy.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache/cache.h"
#include "core/util.h"

struct entry {
	char *key;
	char *val;
	size_t len;
	int64_t expires; /* monotonic seconds */
	struct entry *hnext;
	struct entry *prev, *next; /* LRU: head is most recent */
};

struct version {
	char user[40];
	uint64_t v;
	struct version *next;
};

struct cache {
	const struct cache_ops *ops;
	pthread_mutex_t lock;
	struct entry **buckets;
	size_t nbuckets;
	struct entry *head, *tail;
	size_t entries, bytes, max_entries, max_bytes;
	struct version **vbuckets;
	size_t nversions;
	uint64_t next_version; /* versions handed out after a reset start here */
	struct cache_stats st;
};

#define VBUCKETS 65536

static int64_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static uint64_t hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void unlink_lru(struct cache *c, struct entry *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		c->head = x->next;
	if (x->next)
		x->next->prev = x->prev;
	else
		c->tail = x->prev;
	x->prev = x->next = NULL;
}

static void push_front(struct cache *c, struct entry *x)
{
	x->prev = NULL;
	x->next = c->head;
	if (c->head)
		c->head->prev = x;
	c->head = x;
	if (!c->tail)
		c->tail = x;
}

static struct entry **find_slot(struct cache *c, const char *key)
{
	struct entry **pp = &c->buckets[hash(key) % c->nbuckets];
	while (*pp && strcmp((*pp)->key, key) != 0)
		pp = &(*pp)->hnext;
	return pp;
}

static void remove_entry(struct cache *c, struct entry **slot)
{
	struct entry *x = *slot;
	*slot = x->hnext;
	unlink_lru(c, x);
	c->entries--;
	c->bytes -= x->len + strlen(x->key);
	free(x->key);
	free(x->val);
	free(x);
}

/* A copy of KEY's live entry in *VAL; the caller holds the lock and counts the lookup. */
static int lookup(struct cache *c, const char *key, char **val, size_t *len)
{
	struct entry **slot = find_slot(c, key);
	if (*slot && (*slot)->expires <= now_s()) {
		remove_entry(c, slot);
		return 0;
	}
	if (!*slot)
		return 0;
	struct entry *x = *slot;
	unlink_lru(c, x);
	push_front(c, x);
	*val = xmalloc(x->len + 1);
	memcpy(*val, x->val, x->len);
	(*val)[x->len] = '\0';
	*len = x->len;
	return 1;
}

static int local_get(struct cache *c, const char *key, char **val, size_t *len)
{
	pthread_mutex_lock(&c->lock);
	int hit = lookup(c, key, val, len);
	if (hit)
		c->st.hits++;
	else
		c->st.misses++;
	pthread_mutex_unlock(&c->lock);
	return hit;
}

static void local_set(struct cache *c, const char *key, const char *val, size_t len, int ttl)
{
	if (len > CACHE_MAX_VALUE || strlen(key) > CACHE_KEY_MAX)
		return;
	struct entry *x = xcalloc(1, sizeof(*x));
	x->key = xstrdup(key);
	x->val = xmalloc(len ? len : 1);
	memcpy(x->val, val, len);
	x->len = len;
	x->expires = now_s() + (ttl > 0 ? ttl : CACHE_DEFAULT_TTL);
	pthread_mutex_lock(&c->lock);
	struct entry **slot = find_slot(c, key);
	if (*slot)
		remove_entry(c, slot);
	while (c->tail &&
	       (c->entries + 1 > c->max_entries || c->bytes + len + strlen(key) > c->max_bytes)) {
		remove_entry(c, find_slot(c, c->tail->key));
		c->st.evictions++;
	}
	slot = find_slot(c, key);
	*slot = x;
	push_front(c, x);
	c->entries++;
	c->bytes += len + strlen(key);
	c->st.sets++;
	pthread_mutex_unlock(&c->lock);
}

static void local_del(struct cache *c, const char *key)
{
	pthread_mutex_lock(&c->lock);
	struct entry **slot = find_slot(c, key);
	if (*slot)
		remove_entry(c, slot);
	pthread_mutex_unlock(&c->lock);
}

/* Drops every version record (lock held). */
static void free_versions(struct cache *c)
{
	for (size_t i = 0; i < VBUCKETS; i++) {
		struct version *v = c->vbuckets[i];
		while (v) {
			struct version *next = v->next;
			free(v);
			v = next;
		}
		c->vbuckets[i] = NULL;
	}
	c->nversions = 0;
}

/* The version record of USER, created if missing (lock held). */
static struct version *version_of(struct cache *c, const char *user)
{
	struct version **pp = &c->vbuckets[hash(user) % VBUCKETS];
	for (struct version *v = *pp; v; v = v->next)
		if (strcmp(v->user, user) == 0)
			return v;
	if (c->nversions >= CACHE_VERSIONS_MAX) {
		/* Forget every version; new ones start above all handed out, so no stale hit. */
		free_versions(c);
		pp = &c->vbuckets[hash(user) % VBUCKETS];
	}
	struct version *v = xcalloc(1, sizeof(*v));
	str_copy(v->user, sizeof(v->user), user);
	v->v = ++c->next_version;
	v->next = *pp;
	*pp = v;
	c->nversions++;
	return v;
}

static uint64_t local_user_version(struct cache *c, const char *user_id)
{
	pthread_mutex_lock(&c->lock);
	uint64_t v = version_of(c, user_id)->v;
	pthread_mutex_unlock(&c->lock);
	return v;
}

static int local_get_with_version(struct cache *c, const char *user_id, const char *key,
                                  uint64_t *version, char **val, size_t *len)
{
	pthread_mutex_lock(&c->lock);
	*version = version_of(c, user_id)->v;
	int hit = lookup(c, key, val, len);
	pthread_mutex_unlock(&c->lock);
	return hit;
}

static void local_count(struct cache *c, int hit)
{
	pthread_mutex_lock(&c->lock);
	if (hit)
		c->st.hits++;
	else
		c->st.misses++;
	pthread_mutex_unlock(&c->lock);
}

static void local_bump_user(struct cache *c, const char *user_id)
{
	pthread_mutex_lock(&c->lock);
	version_of(c, user_id)->v = ++c->next_version;
	pthread_mutex_unlock(&c->lock);
}

static void local_stats(struct cache *c, struct cache_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->st;
	out->entries = c->entries;
	out->bytes = c->bytes;
	pthread_mutex_unlock(&c->lock);
}

static int local_ping(struct cache *c)
{
	(void)c;
	return 1;
}

static void local_free(struct cache *c)
{
	while (c->head)
		remove_entry(c, find_slot(c, c->head->key));
	free_versions(c);
	free(c->vbuckets);
	free(c->buckets);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static const struct cache_ops local_ops = {
    .name = "local",
    .get = local_get,
    .set = local_set,
    .del = local_del,
    .user_version = local_user_version,
    .get_with_version = local_get_with_version,
    .count = local_count,
    .bump_user = local_bump_user,
    .stats = local_stats,
    .ping = local_ping,
    .free = local_free,
};

struct cache *cache_local_new(size_t max_entries, size_t max_bytes)
{
	struct cache *c = xcalloc(1, sizeof(*c));
	c->ops = &local_ops;
	pthread_mutex_init(&c->lock, NULL);
	c->max_entries = max_entries ? max_entries : CACHE_MAX_ENTRIES;
	c->max_bytes = max_bytes ? max_bytes : CACHE_MAX_BYTES;
	c->nbuckets = 1;
	while (c->nbuckets < c->max_entries)
		c->nbuckets <<= 1;
	c->buckets = xcalloc(c->nbuckets, sizeof(*c->buckets));
	c->vbuckets = xcalloc(VBUCKETS, sizeof(*c->vbuckets));
	return c;
}
