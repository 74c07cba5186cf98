/*
 * vindex.c: per-user partitions of vectors, an LRU under a byte budget,
 * and the exact top-k scan.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "memory/embed.h"
#include "memory/lexindex.h"
#include "memory/simd.h"
#include "memory/vindex.h"

#define NBUCKETS 4096

struct vpart {
	char user[40];
	char model[EMBED_MODEL_ID_MAX];
	int dim;
	uint64_t version;
	size_t n, cap;
	int64_t *seqs;
	int64_t *valid_to;
	unsigned char *kinds;
	float *vecs;          /* n * dim, exact */
	int8_t *qvecs;        /* n * dim, quantised (int8 indexes only) */
	float *qscale;        /* per vector: the float value of one quantisation step */
	struct lexindex *lex; /* BM25 over the texts, vectors or not */
	pthread_rwlock_t lock;
	int refs;                  /* searches using it; under the index mutex */
	int dead;                  /* unlinked; the last user frees it */
	struct vpart *hnext;       /* hash chain */
	struct vpart *prev, *next; /* LRU list, most recent first */
};

struct vpart_builder {
	struct vpart *p;
};

struct vindex {
	pthread_mutex_t mu;
	int int8; /* scan quantised vectors, then rescore the best exactly */
	struct vpart *buckets[NBUCKETS];
	struct vpart *head, *tail;
	size_t bytes, budget, partitions, vectors;
	uint64_t loads, evictions, searches;
};

static size_t per_vector(int dim)
{
	return (size_t)dim * (sizeof(float) + 1) + sizeof(int64_t) * 2 + sizeof(float) + 1;
}

static size_t part_bytes(const struct vpart *p)
{
	return sizeof(*p) + p->cap * per_vector(p->dim) + (p->lex ? lex_bytes(p->lex) : 0);
}

static unsigned bucket_of(const char *user)
{
	unsigned h = 2166136261u;
	for (; *user; user++)
		h = (h ^ (unsigned char)*user) * 16777619u;
	return h % NBUCKETS;
}

static struct vpart *part_new(const char *user, const char *model, int dim, uint64_t version)
{
	struct vpart *p = xcalloc(1, sizeof(*p));
	str_copy(p->user, sizeof(p->user), user);
	str_copy(p->model, sizeof(p->model), model);
	p->dim = dim;
	p->version = version;
	p->lex = lex_new();
	pthread_rwlock_init(&p->lock, NULL);
	return p;
}

static void part_free(struct vpart *p)
{
	pthread_rwlock_destroy(&p->lock);
	lex_free(p->lex);
	free(p->seqs);
	free(p->valid_to);
	free(p->kinds);
	free(p->vecs);
	free(p->qvecs);
	free(p->qscale);
	free(p);
}

static void part_reserve(struct vpart *p, size_t want)
{
	if (want <= p->cap)
		return;
	size_t cap = p->cap ? p->cap * 2 : 64;
	while (cap < want)
		cap *= 2;
	p->seqs = xrealloc(p->seqs, cap * sizeof(int64_t));
	p->valid_to = xrealloc(p->valid_to, cap * sizeof(int64_t));
	p->kinds = xrealloc(p->kinds, cap);
	p->vecs = xrealloc(p->vecs, cap * (size_t)p->dim * sizeof(float));
	p->qvecs = xrealloc(p->qvecs, cap * (size_t)p->dim);
	p->qscale = xrealloc(p->qscale, cap * sizeof(float));
	p->cap = cap;
}

/* Symmetric int8 quantisation with one scale per vector; returns the scale. */
static float quantise(const float *v, int dim, int8_t *q)
{
	float m = 0;
	for (int i = 0; i < dim; i++)
		m = fabsf(v[i]) > m ? fabsf(v[i]) : m;
	float step = m > 0 ? m / 127.0f : 1.0f;
	for (int i = 0; i < dim; i++)
		q[i] = (int8_t)lrintf(v[i] / step);
	return step;
}

static void part_set(struct vpart *p, size_t i, int64_t seq, const float *vec, unsigned kind,
                     int64_t valid_to)
{
	size_t d = (size_t)p->dim;
	p->seqs[i] = seq;
	p->kinds[i] = (unsigned char)kind;
	p->valid_to[i] = valid_to;
	if (vec != p->vecs + i * d)
		memcpy(p->vecs + i * d, vec, d * sizeof(float));
	p->qscale[i] = quantise(vec, p->dim, p->qvecs + i * d);
}

void vpart_add(struct vpart_builder *b, int64_t seq, const float *vec, unsigned kind,
               int64_t valid_to, const char *text)
{
	struct vpart *p = b->p;
	if (text)
		lex_add(p->lex, seq, text);
	if (!vec)
		return;
	part_reserve(p, p->n + 1);
	part_set(p, p->n++, seq, vec, kind, valid_to);
}

struct vindex *vindex_new(size_t budget_bytes, int int8)
{
	struct vindex *x = xcalloc(1, sizeof(*x));
	pthread_mutex_init(&x->mu, NULL);
	x->budget = budget_bytes;
	x->int8 = int8;
	return x;
}

/* Unlinks P from the hash and the LRU; frees it unless a search holds it. Under mu. */
static void unlink_part(struct vindex *x, struct vpart *p)
{
	struct vpart **pp = &x->buckets[bucket_of(p->user)];
	while (*pp && *pp != p)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = p->hnext;
	if (p->prev)
		p->prev->next = p->next;
	else
		x->head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		x->tail = p->prev;
	x->bytes -= part_bytes(p);
	x->vectors -= p->n;
	x->partitions--;
	p->dead = 1;
	if (!p->refs)
		part_free(p);
}

void vindex_free(struct vindex *x)
{
	if (!x)
		return;
	while (x->head)
		unlink_part(x, x->head);
	pthread_mutex_destroy(&x->mu);
	free(x);
}

static struct vpart *find(struct vindex *x, const char *user)
{
	for (struct vpart *p = x->buckets[bucket_of(user)]; p; p = p->hnext)
		if (strcmp(p->user, user) == 0)
			return p;
	return NULL;
}

static void touch(struct vindex *x, struct vpart *p)
{
	if (x->head == p)
		return;
	p->prev->next = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		x->tail = p->prev;
	p->prev = NULL;
	p->next = x->head;
	x->head->prev = p;
	x->head = p;
}

/* Links a new partition, evicting the least recently used over the budget. Under mu. */
static void link_part(struct vindex *x, struct vpart *p)
{
	unsigned b = bucket_of(p->user);
	p->hnext = x->buckets[b];
	x->buckets[b] = p;
	p->prev = NULL;
	p->next = x->head;
	if (x->head)
		x->head->prev = p;
	x->head = p;
	if (!x->tail)
		x->tail = p;
	x->bytes += part_bytes(p);
	x->vectors += p->n;
	x->partitions++;
	struct vpart *v = x->tail;
	while (x->bytes > x->budget && v && v != p) {
		struct vpart *prev = v->prev;
		unlink_part(x, v);
		x->evictions++;
		v = prev;
	}
}

static void release(struct vindex *x, struct vpart *p)
{
	pthread_mutex_lock(&x->mu);
	if (--p->refs == 0 && p->dead)
		part_free(p);
	pthread_mutex_unlock(&x->mu);
}

/* Inserts HIT into the best-first array OUT of N (max K) entries. */
static void keep(struct vhit *out, int *n, int k, int64_t seq, float score)
{
	if (*n == k && score <= out[k - 1].score)
		return;
	int i = *n < k ? (*n)++ : k - 1;
	while (i > 0 && out[i - 1].score < score) {
		out[i] = out[i - 1];
		i--;
	}
	out[i].seq = seq;
	out[i].score = score;
}

static int keep_item(const struct vpart *p, size_t i, const struct vfilter *f)
{
	if (f->kinds && !(f->kinds & (1u << p->kinds[i])))
		return 0;
	return !(f->now && p->valid_to[i] > 0 && p->valid_to[i] <= f->now);
}

/*
 * The int8 scan: a quarter of the memory traffic of float32. The best
 * RESCORE candidates by the quantised score (which errs by a few
 * thousandths) are then scored exactly, so the answer is the exact one
 * unless a true top-k vector ranks below RESCORE approximately.
 */
#define RESCORE_MIN    32
#define RESCORE_FACTOR 4
#define QUANT_SLACK    0.05f

/* A min-heap of candidates by score: the root is the worst kept. */
static void heap_push(struct vhit *h, int *n, int cap, int64_t seq, float score)
{
	int i;
	if (*n < cap) {
		i = (*n)++;
		while (i > 0 && h[(i - 1) / 2].score > score) {
			h[i] = h[(i - 1) / 2];
			i = (i - 1) / 2;
		}
	} else {
		if (score <= h[0].score)
			return;
		/* Replace the root and sift down. */
		i = 0;
		for (;;) {
			int c = 2 * i + 1;
			if (c >= *n)
				break;
			if (c + 1 < *n && h[c + 1].score < h[c].score)
				c++;
			if (h[c].score >= score)
				break;
			h[i] = h[c];
			i = c;
		}
	}
	h[i].seq = seq;
	h[i].score = score;
}

static void scan_int8(const struct vpart *p, const float *q, int k, float threshold,
                      const struct vfilter *f, struct vhit *out, int *n)
{
	size_t d = (size_t)p->dim;
	int8_t *qq = xmalloc(d);
	float qstep = quantise(q, p->dim, qq);
	int r = k * RESCORE_FACTOR > RESCORE_MIN ? k * RESCORE_FACTOR : RESCORE_MIN;
	struct vhit *cand = xmalloc(sizeof(*cand) * (size_t)r);
	int nc = 0;
	float floor = threshold - QUANT_SLACK;
	for (size_t i = 0; i < p->n; i++) {
		if (!keep_item(p, i, f))
			continue;
		float s = (float)simd_dot_i8(qq, p->qvecs + i * d, p->dim) * qstep * p->qscale[i];
		if (s < floor)
			continue;
		heap_push(cand, &nc, r, (int64_t)i, s);
		if (nc == r && cand[0].score > floor)
			floor = cand[0].score;
	}
	for (int j = 0; j < nc; j++) {
		size_t i = (size_t)cand[j].seq;
		float s = embed_dot(q, p->vecs + i * d, p->dim);
		if (s >= threshold)
			keep(out, n, k, p->seqs[i], s);
	}
	free(cand);
	free(qq);
}

static void scan(const struct vpart *p, const float *q, int k, float threshold,
                 const struct vfilter *f, struct vhit *out, int *n)
{
	float floor = threshold;
	for (size_t i = 0; i < p->n; i++) {
		if (!keep_item(p, i, f))
			continue;
		float s = embed_dot(q, p->vecs + i * (size_t)p->dim, p->dim);
		if (s < floor)
			continue;
		keep(out, n, k, p->seqs[i], s);
		if (*n == k)
			floor = out[k - 1].score > threshold ? out[k - 1].score : threshold;
	}
}

/* The user's partition at VERSION or newer, loaded if need be, with a reference held. */
static int acquire(struct vindex *x, const char *user, uint64_t version, const char *model, int dim,
                   vindex_load_fn load, void *arg, struct vpart **out, struct err *e)
{
	pthread_mutex_lock(&x->mu);
	x->searches++;
	struct vpart *p = find(x, user);
	if (p && (p->version < version || p->dim != dim || strcmp(p->model, model) ||
	          lex_wasteful(p->lex))) {
		unlink_part(x, p);
		p = NULL;
	}
	if (p) {
		p->refs++;
		touch(x, p);
	}
	pthread_mutex_unlock(&x->mu);
	if (!p) {
		struct vpart *fresh = part_new(user, model, dim, version);
		struct vpart_builder b = {fresh};
		int rc = load(arg, user, &b, e);
		if (rc) {
			part_free(fresh);
			return rc;
		}
		pthread_mutex_lock(&x->mu);
		x->loads++;
		struct vpart *other = find(x, user);
		if (other && other->version >= version && other->dim == dim &&
		    strcmp(other->model, model) == 0) {
			/* Another search loaded it meanwhile; use the one in the index. */
			part_free(fresh);
			p = other;
		} else {
			if (other)
				unlink_part(x, other);
			link_part(x, fresh);
			p = fresh;
		}
		p->refs++;
		pthread_mutex_unlock(&x->mu);
	}
	*out = p;
	return 0;
}

int vindex_search(struct vindex *x, const char *user, uint64_t version, const char *model, int dim,
                  const float *q, int k, float threshold, const struct vfilter *f,
                  vindex_load_fn load, void *arg, struct vhit *out, int *n, struct err *e)
{
	if (k > VINDEX_K_MAX)
		k = VINDEX_K_MAX;
	*n = 0;
	struct vpart *p;
	int rc = acquire(x, user, version, model, dim, load, arg, &p, e);
	if (rc)
		return rc;
	pthread_rwlock_rdlock(&p->lock);
	if (k > 0 && x->int8)
		scan_int8(p, q, k, threshold, f, out, n);
	else if (k > 0)
		scan(p, q, k, threshold, f, out, n);
	pthread_rwlock_unlock(&p->lock);
	release(x, p);
	return 0;
}

int vindex_lexical(struct vindex *x, const char *user, uint64_t version, const char *model, int dim,
                   const char *query, int k, vindex_load_fn load, void *arg, struct vhit *out,
                   int *n, struct err *e)
{
	if (k > VINDEX_K_MAX)
		k = VINDEX_K_MAX;
	*n = 0;
	struct vpart *p;
	int rc = acquire(x, user, version, model, dim, load, arg, &p, e);
	if (rc)
		return rc;
	struct lexhit hits[VINDEX_K_MAX];
	/* The scorer writes scratch scores into the index: one search at a time. */
	pthread_rwlock_wrlock(&p->lock);
	int nh = lex_search(p->lex, query, k, hits);
	pthread_rwlock_unlock(&p->lock);
	release(x, p);
	for (int i = 0; i < nh; i++) {
		out[i].seq = hits[i].seq;
		out[i].score = hits[i].score;
	}
	*n = nh;
	return 0;
}

void vindex_put(struct vindex *x, const char *user, uint64_t old_version, uint64_t new_version,
                const char *model, int64_t seq, const float *vec, unsigned kind, int64_t valid_to,
                const char *text)
{
	pthread_mutex_lock(&x->mu);
	struct vpart *p = find(x, user);
	if (!p) {
		pthread_mutex_unlock(&x->mu);
		return;
	}
	if (p->version != old_version || (vec && strcmp(p->model, model ? model : ""))) {
		unlink_part(x, p);
		pthread_mutex_unlock(&x->mu);
		return;
	}
	size_t before = part_bytes(p), nbefore = p->n;
	pthread_rwlock_wrlock(&p->lock);
	if (text)
		lex_add(p->lex, seq, text);
	else if (!vec)
		lex_remove(p->lex, seq);
	size_t i = 0;
	while (i < p->n && p->seqs[i] != seq)
		i++;
	if (!vec) {
		if (i < p->n) {
			/* Keep the matrix dense: the last vector takes the hole. */
			size_t last = p->n - 1;
			if (i != last)
				part_set(p, i, p->seqs[last], p->vecs + last * (size_t)p->dim,
				         p->kinds[last], p->valid_to[last]);
			p->n--;
		}
	} else {
		if (i == p->n) {
			part_reserve(p, p->n + 1);
			p->n++;
		}
		part_set(p, i, seq, vec, kind, valid_to);
	}
	p->version = new_version;
	pthread_rwlock_unlock(&p->lock);
	x->bytes = x->bytes - before + part_bytes(p);
	x->vectors = x->vectors - nbefore + p->n;
	pthread_mutex_unlock(&x->mu);
}

void vindex_drop(struct vindex *x, const char *user)
{
	pthread_mutex_lock(&x->mu);
	struct vpart *p = find(x, user);
	if (p)
		unlink_part(x, p);
	pthread_mutex_unlock(&x->mu);
}

void vindex_stats(struct vindex *x, struct vindex_stats *out)
{
	pthread_mutex_lock(&x->mu);
	out->partitions = x->partitions;
	out->vectors = x->vectors;
	out->bytes = x->bytes;
	out->budget = x->budget;
	out->loads = x->loads;
	out->evictions = x->evictions;
	out->searches = x->searches;
	pthread_mutex_unlock(&x->mu);
}
