/*
 * lexindex.c: posting lists per stem, BM25 accumulated over a dense score
 * array (see lexindex.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "memory/embed.h"
#include "memory/lexindex.h"

#define QUERY_TERMS_MAX 64

struct posting {
	uint32_t slot;
	uint32_t tf;
};

struct term {
	uint64_t key; /* stem hash; 0 = empty table cell */
	struct posting *p;
	uint32_t n, cap;
};

struct lexindex {
	uint64_t *mapkeys;  /* seq + 1 -> slot, open addressing (0 = empty) */
	uint32_t *mapslots; /* UINT32_MAX: the seq has no live slot */
	size_t mapcap, mapused;
	struct term *terms; /* open addressing */
	size_t cap, used;
	int64_t *seqs;  /* per slot */
	uint32_t *lens; /* terms per slot; 0 for a dead slot */
	size_t nslots, slotcap, live, dead;
	uint64_t total_len;
	float *acc; /* scratch scores, one per slot */
	size_t postings;
};

struct lexindex *lex_new(void)
{
	struct lexindex *x = xcalloc(1, sizeof(*x));
	x->cap = 1024;
	x->terms = xcalloc(x->cap, sizeof(struct term));
	return x;
}

void lex_free(struct lexindex *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->cap; i++)
		free(x->terms[i].p);
	free(x->terms);
	free(x->mapkeys);
	free(x->mapslots);
	free(x->seqs);
	free(x->lens);
	free(x->acc);
	free(x);
}

static struct term *find(struct lexindex *x, uint64_t key, int create)
{
	if (!key)
		key = 1;
	if (create && (x->used + 1) * 2 > x->cap) {
		struct term *old = x->terms;
		size_t oldcap = x->cap;
		x->cap *= 2;
		x->terms = xcalloc(x->cap, sizeof(struct term));
		for (size_t i = 0; i < oldcap; i++) {
			if (!old[i].key)
				continue;
			size_t j = old[i].key & (x->cap - 1);
			while (x->terms[j].key)
				j = (j + 1) & (x->cap - 1);
			x->terms[j] = old[i];
		}
		free(old);
	}
	size_t i = key & (x->cap - 1);
	while (x->terms[i].key && x->terms[i].key != key)
		i = (i + 1) & (x->cap - 1);
	if (x->terms[i].key)
		return &x->terms[i];
	if (!create)
		return NULL;
	x->terms[i].key = key;
	x->used++;
	return &x->terms[i];
}

struct add_ctx {
	struct lexindex *x;
	uint32_t slot, len;
};

static void add_term(void *arg, uint64_t key)
{
	struct add_ctx *a = arg;
	struct term *t = find(a->x, key, 1);
	a->len++;
	/* Terms of one document arrive in order of appearance: repeats add to tf. */
	if (t->n && t->p[t->n - 1].slot == a->slot) {
		t->p[t->n - 1].tf++;
		return;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 4;
		t->p = xrealloc(t->p, t->cap * sizeof(struct posting));
	}
	t->p[t->n].slot = a->slot;
	t->p[t->n].tf = 1;
	t->n++;
	a->x->postings++;
}

/* The map cell of SEQ (found or empty); grows the map when CREATE. */
static size_t map_cell(struct lexindex *x, int64_t seq, int create)
{
	uint64_t key = (uint64_t)seq + 1;
	if (create && (x->mapused + 1) * 2 > x->mapcap) {
		uint64_t *ok = x->mapkeys;
		uint32_t *os = x->mapslots;
		size_t oc = x->mapcap;
		x->mapcap = oc ? oc * 2 : 256;
		x->mapkeys = xcalloc(x->mapcap, sizeof(uint64_t));
		x->mapslots = xmalloc(x->mapcap * sizeof(uint32_t));
		for (size_t i = 0; i < oc; i++) {
			if (!ok[i])
				continue;
			size_t j = (ok[i] * 0x9e3779b97f4a7c15ULL) & (x->mapcap - 1);
			while (x->mapkeys[j])
				j = (j + 1) & (x->mapcap - 1);
			x->mapkeys[j] = ok[i];
			x->mapslots[j] = os[i];
		}
		free(ok);
		free(os);
	}
	if (!x->mapcap)
		return SIZE_MAX;
	size_t i = (key * 0x9e3779b97f4a7c15ULL) & (x->mapcap - 1);
	while (x->mapkeys[i] && x->mapkeys[i] != key)
		i = (i + 1) & (x->mapcap - 1);
	return i;
}

void lex_remove(struct lexindex *x, int64_t seq)
{
	size_t c = map_cell(x, seq, 0);
	if (c == SIZE_MAX || !x->mapkeys[c] || x->mapslots[c] == UINT32_MAX)
		return;
	uint32_t s = x->mapslots[c];
	x->mapslots[c] = UINT32_MAX;
	x->total_len -= x->lens[s];
	x->lens[s] = 0;
	x->live--;
	x->dead++;
}

void lex_add(struct lexindex *x, int64_t seq, const char *text)
{
	lex_remove(x, seq);
	if (x->nslots == x->slotcap) {
		x->slotcap = x->slotcap ? x->slotcap * 2 : 64;
		x->seqs = xrealloc(x->seqs, x->slotcap * sizeof(int64_t));
		x->lens = xrealloc(x->lens, x->slotcap * sizeof(uint32_t));
		x->acc = xrealloc(x->acc, x->slotcap * sizeof(float));
	}
	struct add_ctx a = {x, (uint32_t)x->nslots, 0};
	embed_doc_terms(text ? text : "", add_term, &a);
	size_t c = map_cell(x, seq, 1);
	if (!x->mapkeys[c]) {
		x->mapkeys[c] = (uint64_t)seq + 1;
		x->mapused++;
	}
	x->mapslots[c] = (uint32_t)x->nslots;
	x->seqs[x->nslots] = seq;
	/* A document without terms still occupies a live slot of length 1. */
	x->lens[x->nslots] = a.len ? a.len : 1;
	x->total_len += x->lens[x->nslots];
	x->nslots++;
	x->live++;
}

struct query {
	uint64_t keys[QUERY_TERMS_MAX][4];
	int len[QUERY_TERMS_MAX];
	int n;
};

static void add_query_term(void *arg, const uint64_t *stems, int n, int expansion)
{
	struct query *q = arg;
	(void)expansion;
	if (q->n >= QUERY_TERMS_MAX || n < 1 || n > 4)
		return;
	for (int i = 0; i < q->n; i++)
		if (q->len[i] == n && memcmp(q->keys[i], stems, sizeof(uint64_t) * (size_t)n) == 0)
			return; /* each term counts once */
	memcpy(q->keys[q->n], stems, sizeof(uint64_t) * (size_t)n);
	q->len[q->n++] = n;
}

static float idf(size_t n, size_t df)
{
	return (float)log(1.0 + ((double)n - (double)df + 0.5) / ((double)df + 0.5));
}

/*
 * A multi-word term counts where all its stems occur (without positions):
 * the postings are intersected, tf being the least of the words' tfs.
 */
static void score_phrase(struct lexindex *x, struct term **t, int n, float avgdl)
{
	uint32_t *idx = xcalloc((size_t)n, sizeof(uint32_t));
	/* First pass: df of the phrase; second: scores. */
	float w = 0;
	for (int pass = 0; pass < 2; pass++) {
		size_t df = 0;
		memset(idx, 0, sizeof(uint32_t) * (size_t)n);
		for (uint32_t i = 0; i < t[0]->n; i++) {
			uint32_t slot = t[0]->p[i].slot, tf = t[0]->p[i].tf;
			int all = 1;
			for (int k = 1; k < n && all; k++) {
				while (idx[k] < t[k]->n && t[k]->p[idx[k]].slot < slot)
					idx[k]++;
				if (idx[k] >= t[k]->n || t[k]->p[idx[k]].slot != slot)
					all = 0;
				else if (t[k]->p[idx[k]].tf < tf)
					tf = t[k]->p[idx[k]].tf;
			}
			if (!all || !x->lens[slot])
				continue;
			if (pass == 0) {
				df++;
				continue;
			}
			float dl = (float)x->lens[slot];
			x->acc[slot] += w * (float)tf * (float)(LEX_K1 + 1) /
			                ((float)tf + (float)LEX_K1 * (1 - (float)LEX_B +
			                                              (float)LEX_B * dl / avgdl));
		}
		if (pass == 0) {
			if (!df)
				break;
			w = idf(x->live, df);
		}
	}
	free(idx);
}

int lex_search(struct lexindex *x, const char *query, int k, struct lexhit *out)
{
	if (!x->live || k < 1)
		return 0;
	struct query *q = xcalloc(1, sizeof(*q));
	embed_query_stems(query, add_query_term, q);
	memset(x->acc, 0, sizeof(float) * x->nslots);
	float avgdl = (float)x->total_len / (float)x->live;
	for (int i = 0; i < q->n; i++) {
		struct term *t[4];
		int ok = 1;
		for (int j = 0; j < q->len[i] && ok; j++)
			ok = (t[j] = find(x, q->keys[i][j], 0)) != NULL;
		if (!ok)
			continue;
		if (q->len[i] > 1) {
			score_phrase(x, t, q->len[i], avgdl);
			continue;
		}
		float w = idf(x->live, t[0]->n);
		for (uint32_t p = 0; p < t[0]->n; p++) {
			uint32_t slot = t[0]->p[p].slot;
			float dl = (float)x->lens[slot], tf = (float)t[0]->p[p].tf;
			if (!x->lens[slot])
				continue;
			x->acc[slot] +=
			    w * tf * (float)(LEX_K1 + 1) /
			    (tf + (float)LEX_K1 * (1 - (float)LEX_B + (float)LEX_B * dl / avgdl));
		}
	}
	free(q);
	int n = 0;
	for (size_t s = 0; s < x->nslots; s++) {
		float sc = x->acc[s];
		if (sc <= 0 || (n == k && sc <= out[k - 1].score))
			continue;
		int at = n < k ? n++ : k - 1;
		while (at > 0 && (out[at - 1].score < sc ||
		                  (out[at - 1].score == sc && out[at - 1].seq < x->seqs[s]))) {
			out[at] = out[at - 1];
			at--;
		}
		out[at].seq = x->seqs[s];
		out[at].score = sc;
	}
	return n;
}

size_t lex_bytes(const struct lexindex *x)
{
	return sizeof(*x) + x->cap * sizeof(struct term) + x->postings * sizeof(struct posting) +
	       x->mapcap * (sizeof(uint64_t) + sizeof(uint32_t)) +
	       x->slotcap * (sizeof(int64_t) + sizeof(uint32_t) + sizeof(float));
}

int lex_wasteful(const struct lexindex *x)
{
	return x->dead > 64 && x->dead * 4 > x->nslots;
}
