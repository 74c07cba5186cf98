/*
 * throttle.c: fixed-window failure counters in an open-addressed table.
 * When the table is full, expired entries are swept; if none expired the
 * oldest window is evicted, so memory never grows past the bound.
 */
#include "auth/throttle.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "core/util.h"

/* Keys are kept as two independent 64-bit hashes: 32 bytes an entry. */
struct entry {
	uint64_t h1, h2;
	int failures;
	int64_t window_start;
	int used;
};

struct throttle {
	pthread_mutex_t lock;
	int max_failures;
	int window;
	int count;
	struct entry *slots; /* THROTTLE_MAX_KEYS * 2, so probes stay short */
};

#define NSLOTS (THROTTLE_MAX_KEYS * 2)

struct throttle *throttle_new(int max_failures, int window_seconds)
{
	struct throttle *t = xcalloc(1, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->max_failures = max_failures;
	t->window = window_seconds;
	t->slots = xcalloc(NSLOTS, sizeof(struct entry));
	return t;
}

void throttle_free(struct throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->slots);
	free(t);
}

static uint64_t hash64(const char *s, uint64_t seed)
{
	uint64_t h = 14695981039346656037ull ^ seed;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ^ (h >> 29);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * Rebuilds the table without entries whose window ended (lock held). If
 * that frees less than an eighth of the table, the oldest windows go too:
 * memory stays bounded and the newest failures are the ones kept.
 */
static void sweep(struct throttle *t, int64_t now)
{
	struct entry *old = t->slots;
	int64_t *starts = xmalloc(NSLOTS * sizeof(int64_t));
	int n = 0;
	for (int i = 0; i < NSLOTS; i++)
		if (old[i].used && now - old[i].window_start < t->window)
			starts[n++] = old[i].window_start;
	int64_t cutoff = INT64_MIN; /* entries starting before this are dropped */
	if (n > THROTTLE_MAX_KEYS - THROTTLE_MAX_KEYS / 8) {
		qsort(starts, (size_t)n, sizeof(int64_t), cmp_i64);
		cutoff = starts[n - (THROTTLE_MAX_KEYS - THROTTLE_MAX_KEYS / 8)];
	}
	free(starts);
	t->slots = xcalloc(NSLOTS, sizeof(struct entry));
	t->count = 0;
	for (int i = 0; i < NSLOTS; i++) {
		struct entry *x = &old[i];
		if (!x->used || now - x->window_start >= t->window || x->window_start < cutoff)
			continue;
		if (t->count >= THROTTLE_MAX_KEYS - THROTTLE_MAX_KEYS / 8)
			continue; /* ties at the cutoff */
		uint64_t h = x->h1 % NSLOTS;
		while (t->slots[h].used)
			h = (h + 1) % NSLOTS;
		t->slots[h] = *x;
		t->count++;
	}
	free(old);
}

/* The entry of KEY, or NULL; with CREATE, a new one (lock held). */
static struct entry *lookup(struct throttle *t, const char *key, int create, int64_t now)
{
	uint64_t h1 = hash64(key, 0), h2 = hash64(key, 0x9e3779b97f4a7c15ull);
	uint64_t h = h1 % NSLOTS;
	while (t->slots[h].used) {
		if (t->slots[h].h1 == h1 && t->slots[h].h2 == h2)
			return &t->slots[h];
		h = (h + 1) % NSLOTS;
	}
	if (!create)
		return NULL;
	if (t->count >= THROTTLE_MAX_KEYS) {
		sweep(t, now);
		return lookup(t, key, create, now);
	}
	struct entry *x = &t->slots[h];
	x->h1 = h1;
	x->h2 = h2;
	x->used = 1;
	x->failures = 0;
	x->window_start = now;
	t->count++;
	return x;
}

int throttle_check(struct throttle *t, const char *key, int limit, int64_t now)
{
	int wait = 0;
	pthread_mutex_lock(&t->lock);
	struct entry *x = lookup(t, key, 0, now);
	if (x && now - x->window_start < t->window &&
	    x->failures >= (limit > 0 ? limit : t->max_failures))
		wait = (int)(x->window_start + t->window - now);
	pthread_mutex_unlock(&t->lock);
	return wait > 0 ? wait : 0;
}

void throttle_fail(struct throttle *t, const char *key, int64_t now)
{
	pthread_mutex_lock(&t->lock);
	struct entry *x = lookup(t, key, 1, now);
	if (now - x->window_start >= t->window) {
		x->window_start = now;
		x->failures = 0;
	}
	x->failures++;
	pthread_mutex_unlock(&t->lock);
}

void throttle_reset(struct throttle *t, const char *key)
{
	pthread_mutex_lock(&t->lock);
	struct entry *x = lookup(t, key, 0, 0);
	if (x)
		x->failures = 0;
	pthread_mutex_unlock(&t->lock);
}
