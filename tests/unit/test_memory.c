/*
 * test_memory.c: the built-in encoder (deterministic, normalised, synonyms
 * and typos close, unrelated texts far), the SIMD kernels against plain
 * loops, and the vector index: exact top-k, the int8 scan's agreement with
 * the exact one, filters, versions and the memory budget.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memory/embed.h"
#include "memory/lexindex.h"
#include "memory/simd.h"
#include "memory/vindex.h"

#define D EMBED_BUILTIN_DIM

static float cosine_of(const char *a, const char *b)
{
	float va[D], vb[D];
	struct err e = {0};
	struct embedder *m = embedder_builtin();
	cr_assert_eq(embed_one(m, a, va, &e), 0);
	cr_assert_eq(embed_one(m, b, vb, &e), 0);
	return embed_dot(va, vb, D);
}

Test(builtin, deterministic_and_normalised)
{
	float a[D], b[D];
	struct err e = {0};
	struct embedder *m = embedder_builtin();
	cr_assert_eq(m->dim, D);
	cr_assert(strncmp(m->model, "builtin/", 8) == 0);
	embed_one(m, "Binary search on the answer space", a, &e);
	embed_one(m, "Binary search on the answer space", b, &e);
	cr_assert_eq(memcmp(a, b, sizeof(a)), 0);
	double s = 0;
	for (int i = 0; i < D; i++)
		s += (double)a[i] * a[i];
	cr_assert_float_eq(s, 1.0, 1e-5);
	embed_one(m, "", a, &e); /* empty text: still a unit vector */
	s = 0;
	for (int i = 0; i < D; i++)
		s += (double)a[i] * a[i];
	cr_assert_float_eq(s, 1.0, 1e-5);
}

Test(builtin, lexicon_folds_abbreviations_and_synonyms)
{
	const char *note = "Used dynamic programming with a table over both prefixes";
	float dp = cosine_of(note, "DP over prefixes");
	float unrelated = cosine_of(note, "Amazon behavioral story about a missed deadline");
	cr_assert_gt(dp, unrelated + 0.15f, "dp %f unrelated %f", dp, unrelated);
	float pq = cosine_of("push onto a priority queue", "heap push");
	float other = cosine_of("push onto a priority queue", "sliding window over a string");
	cr_assert_gt(pq, other + 0.1f, "pq %f other %f", pq, other);
	float bfs = cosine_of("level order traversal of the tree", "BFS on a binary tree");
	float dfs = cosine_of("level order traversal of the tree", "rate limiter token bucket");
	cr_assert_gt(bfs, dfs + 0.1f);
}

Test(builtin, typos_stay_close)
{
	float typo = cosine_of("Dijkstra shortest path with a heap", "djikstra shortest pth");
	float unrelated = cosine_of("Dijkstra shortest path with a heap", "merge intervals sorted");
	cr_assert_gt(typo, 0.4f, "typo %f", typo);
	cr_assert_gt(typo, unrelated + 0.3f);
}

struct terms_seen {
	int words, expansions, saw_dynamic;
};

static void count_term(void *arg, const char *term, int expansion)
{
	struct terms_seen *g = arg;
	if (expansion)
		g->expansions++;
	else
		g->words++;
	if (strcmp(term, "dynamic programming") == 0)
		g->saw_dynamic = 1;
}

Test(builtin, query_terms_expand_concepts)
{
	struct terms_seen got = {0};
	embed_query_terms("the DP table", count_term, &got);
	cr_assert_eq(got.words, 2); /* "the" is a stop word */
	cr_assert_gt(got.expansions, 3);
	cr_assert(got.saw_dynamic);
}

Test(simd, kernels_match_plain_loops)
{
	for (int dim = 1; dim < 100; dim += 7) {
		float a[128], b[128];
		int8_t x[128], y[128];
		double want = 0;
		int32_t iwant = 0;
		for (int i = 0; i < dim; i++) {
			a[i] = (float)((i * 37) % 11) / 7.0f - 0.6f;
			b[i] = (float)((i * 13) % 17) / 9.0f - 0.9f;
			x[i] = (int8_t)((i * 29) % 255 - 127);
			y[i] = (int8_t)((i * 71) % 255 - 127);
			want += (double)a[i] * b[i];
			iwant += x[i] * y[i];
		}
		cr_assert_float_eq(embed_dot(a, b, dim), want, 1e-4, "dim %d", dim);
		cr_assert_eq(simd_dot_i8(x, y, dim), iwant, "dim %d", dim);
	}
}

/* ---- the index ---- */

struct fixture {
	int n, dim;
	float *vecs;
	unsigned *kinds;
	int64_t *valid_to;
	int loads;
	const char **texts;
};

static int load(void *arg, const char *user, struct vpart_builder *b, struct err *e)
{
	struct fixture *f = arg;
	(void)user;
	(void)e;
	f->loads++;
	for (int i = 0; i < f->n; i++)
		vpart_add(b, i + 1, f->vecs + (size_t)i * f->dim, f->kinds ? f->kinds[i] : 0,
		          f->valid_to ? f->valid_to[i] : 0, f->texts ? f->texts[i] : NULL);
	return 0;
}

static void random_unit(float *v, int dim, unsigned *seed)
{
	double s = 0;
	for (int i = 0; i < dim; i++) {
		v[i] = (float)rand_r(seed) / RAND_MAX - 0.5f;
		s += (double)v[i] * v[i];
	}
	for (int i = 0; i < dim; i++)
		v[i] /= (float)sqrt(s);
}

static struct fixture make(int n, int dim, unsigned seed)
{
	struct fixture f = {n, dim, malloc(sizeof(float) * (size_t)n * dim), NULL, NULL, 0, NULL};
	for (int i = 0; i < n; i++)
		random_unit(f.vecs + (size_t)i * dim, dim, &seed);
	return f;
}

/* The exact top K by brute force, as seqs (index + 1). */
static void brute(const struct fixture *f, const float *q, int k, int64_t *out)
{
	float best[64];
	int n = 0;
	for (int i = 0; i < f->n; i++) {
		float s = embed_dot(q, f->vecs + (size_t)i * f->dim, f->dim);
		if (n == k && s <= best[k - 1])
			continue;
		int at = n < k ? n++ : k - 1;
		while (at > 0 && best[at - 1] < s) {
			best[at] = best[at - 1];
			out[at] = out[at - 1];
			at--;
		}
		best[at] = s;
		out[at] = i + 1;
	}
}

static double recall_of(int int8, int n)
{
	struct fixture f = make(n, D, 7);
	struct vindex *x = vindex_new(1u << 30, int8);
	struct err e = {0};
	unsigned seed = 99;
	int found = 0, total = 0;
	for (int t = 0; t < 50; t++) {
		float q[D];
		/* Queries near a stored vector, as real queries are. */
		int target = rand_r(&seed) % n;
		for (int i = 0; i < D; i++)
			q[i] = f.vecs[(size_t)target * D + i] +
			       ((float)rand_r(&seed) / RAND_MAX - 0.5f) * 0.1f;
		float s = sqrtf(embed_dot(q, q, D));
		for (int i = 0; i < D; i++)
			q[i] /= s;
		int64_t want[10];
		brute(&f, q, 10, want);
		struct vhit got[10];
		int ng = 0;
		struct vfilter filt = {0, 0};
		cr_assert_eq(
		    vindex_search(x, "u", 1, "m", D, q, 10, -1.0f, &filt, load, &f, got, &ng, &e),
		    0);
		cr_assert_eq(ng, 10);
		for (int i = 0; i < 10; i++)
			for (int j = 0; j < 10; j++)
				found += got[j].seq == want[i];
		total += 10;
		for (int j = 1; j < ng; j++)
			cr_assert_geq(got[j - 1].score, got[j].score);
	}
	cr_assert_eq(f.loads, 1, "one load for fifty searches");
	vindex_free(x);
	free(f.vecs);
	return (double)found / total;
}

Test(vindex, exact_scan_is_exact)
{
	cr_assert_float_eq(recall_of(0, 3000), 1.0, 1e-9);
}

Test(vindex, int8_scan_recall_at_least_099)
{
	double r = recall_of(1, 3000);
	cr_assert_geq(r, 0.99, "recall %f", r);
}

Test(vindex, filters_versions_and_patches)
{
	struct fixture f = make(100, D, 3);
	unsigned kinds[100];
	int64_t valid_to[100];
	for (int i = 0; i < 100; i++) {
		kinds[i] = (unsigned)(i % 3);
		valid_to[i] = i < 10 ? 1000 : 0;
	}
	f.kinds = kinds;
	f.valid_to = valid_to;
	struct vindex *x = vindex_new(1u << 30, 1);
	struct err e = {0};
	struct vhit got[100];
	int n = 0;
	struct vfilter only1 = {1u << 1, 0};
	vindex_search(x, "u", 5, "m", D, f.vecs, 100, -1.0f, &only1, load, &f, got, &n, &e);
	cr_assert_eq(n, 33);
	for (int i = 0; i < n; i++)
		cr_assert_eq((got[i].seq - 1) % 3, 1);
	struct vfilter now = {0, 2000};
	vindex_search(x, "u", 5, "m", D, f.vecs, 100, -1.0f, &now, load, &f, got, &n, &e);
	cr_assert_eq(n, 90, "expired vectors are skipped");
	cr_assert_eq(f.loads, 1);
	/* A local write patches the partition: no reload, the new vector is found. */
	float v[D];
	unsigned seed = 5;
	random_unit(v, D, &seed);
	vindex_put(x, "u", 5, 6, "m", 1000, v, 0, 0, "a new memory");
	struct vfilter all = {0, 0};
	vindex_search(x, "u", 6, "m", D, v, 1, 0.0f, &all, load, &f, got, &n, &e);
	cr_assert_eq(n, 1);
	cr_assert_eq(got[0].seq, 1000);
	cr_assert_eq(f.loads, 1);
	vindex_put(x, "u", 6, 7, NULL, 1000, NULL, 0, 0, NULL);
	vindex_search(x, "u", 7, "m", D, v, 1, 0.99f, &all, load, &f, got, &n, &e);
	cr_assert_eq(n, 0, "removed");
	/* A newer version written elsewhere forces a reload. */
	vindex_search(x, "u", 9, "m", D, v, 1, 0.0f, &all, load, &f, got, &n, &e);
	cr_assert_eq(f.loads, 2);
	/* Another model is never compared: a reload for that model. */
	vindex_search(x, "u", 9, "other", D, v, 1, 0.0f, &all, load, &f, got, &n, &e);
	cr_assert_eq(f.loads, 3);
	vindex_free(x);
	free(f.vecs);
}

Test(vindex, budget_evicts_least_recently_used)
{
	struct fixture f = make(1000, D, 11);
	/* Room for about two partitions of 1,000 vectors. */
	struct vindex *x = vindex_new(1000 * (D * 5 + 32) * 2 + 4096, 1);
	struct err e = {0};
	struct vhit got[1];
	int n;
	struct vfilter all = {0, 0};
	const char *users[] = {"a", "b", "c"};
	for (int i = 0; i < 3; i++)
		vindex_search(x, users[i], 1, "m", D, f.vecs, 1, 0.0f, &all, load, &f, got, &n, &e);
	struct vindex_stats st;
	vindex_stats(x, &st);
	cr_assert_leq(st.bytes, st.budget);
	cr_assert_geq(st.evictions, 1);
	cr_assert_lt(st.partitions, 3);
	int before = f.loads;
	vindex_search(x, "c", 1, "m", D, f.vecs, 1, 0.0f, &all, load, &f, got, &n, &e);
	cr_assert_eq(f.loads, before, "the most recent stays");
	vindex_free(x);
	free(f.vecs);
}

Test(lexindex, bm25_ranks_and_follows_changes)
{
	struct lexindex *x = lex_new();
	lex_add(x, 1, "Sliding window over the string with a hash map of counts");
	lex_add(x, 2, "Binary search on the answer, checking feasibility");
	lex_add(x, 3, "Dynamic programming table for edit distance");
	lex_add(x, 4, "Sliding window again: sliding window maximum with a deque");
	struct lexhit h[4];
	int n = lex_search(x, "sliding window", 4, h);
	cr_assert_eq(n, 2);
	cr_assert_eq(h[0].seq, 4, "two occurrences rank first");
	cr_assert_eq(h[1].seq, 1);
	/* "DP" names a lexicon concept: its other terms are searched too. */
	n = lex_search(x, "DP", 4, h);
	cr_assert_eq(n, 1);
	cr_assert_eq(h[0].seq, 3);
	lex_remove(x, 3);
	cr_assert_eq(lex_search(x, "DP", 4, h), 0);
	lex_add(x, 2, "Memoization of the recursion");
	n = lex_search(x, "binary search", 4, h);
	cr_assert_eq(n, 0, "the old text of 2 is gone");
	n = lex_search(x, "dynamic programming", 4, h);
	cr_assert_eq(n, 1);
	cr_assert_eq(h[0].seq, 2);
	cr_assert_eq(lex_search(x, "", 4, h), 0);
	lex_free(x);
}

Test(vindex, lexical_search_through_the_partition)
{
	struct fixture f = make(3, D, 1);
	const char *texts[] = {"heap of k elements", "trie of words", "union find with ranks"};
	f.texts = texts;
	struct vindex *x = vindex_new(1u << 30, 1);
	struct err e = {0};
	struct vhit got[3];
	int n = 0;
	cr_assert_eq(vindex_lexical(x, "u", 1, "m", D, "disjoint set", 3, load, &f, got, &n, &e),
	             0);
	cr_assert_eq(n, 1);
	cr_assert_eq(got[0].seq, 3);
	vindex_put(x, "u", 1, 2, "m", 9, NULL, 0, 0, "a prefix tree note without a vector");
	vindex_lexical(x, "u", 2, "m", D, "prefix tree", 3, load, &f, got, &n, &e);
	cr_assert_eq(n, 2, "the trie memory (concept) and the new one");
	cr_assert_eq(f.loads, 1);
	vindex_free(x);
	free(f.vecs);
}
