/*
 * bench.c: `maang bench retrieval|memory|embed`. Retrieval quality on our
 * evaluation set (recall@5 and MRR for hybrid, vector-only and BM25-only
 * search), search latency at 1k/10k/100k memories of one user, insert and
 * embedding throughput, and the index's memory. Each run uses a throwaway
 * in-memory SQLite database, so it measures the code, not a disk.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core/embedded.h"
#include "core/timeutil.h"
#include "db/migrate.h"

#include "memory/bench.h"
#include "memory/memory.h"

#define BENCH_USER  "00000000-0000-4000-8000-000000000001"
#define BENCH_USER2 "00000000-0000-4000-8000-000000000002"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A fresh in-memory database with the schema and two users. */
static int bench_db(struct db_pool **pool, struct db **db, struct err *e)
{
	int rc = db_pool_open("sqlite::memory:", 1, pool, e);
	if (rc || (rc = db_acquire(*pool, db, e)) || (rc = migrate_up(*db, NULL, e)))
		return rc;
	const char *users[] = {BENCH_USER, BENCH_USER2};
	for (int i = 0; i < 2; i++) {
		char email[64];
		snprintf(email, sizeof(email), "bench%d@example.com", i);
		if ((rc = db_begin(*db, e)) ||
		    (rc = db_run(*db, e, NULL,
		                 "INSERT INTO users (id, email, name, password_hash, created_at, "
		                 "updated_at) VALUES (?, ?, 'bench', 'x', 0, 0)",
		                 "tt", users[i], email)) ||
		    (rc = db_commit(*db, e)))
			return rc;
	}
	return 0;
}

static void bench_close(struct db_pool *pool, struct db *db)
{
	if (db)
		db_release(db);
	if (pool)
		db_pool_close(pool);
}

static int eval_mode(struct mem *m, struct db *db, json_t *queries, json_t *ids, enum mem_mode mode,
                     double *recall, double *mrr, FILE *misses, struct err *e)
{
	size_t i;
	json_t *q;
	double hits = 0, rr = 0;
	json_array_foreach(queries, i, q)
	{
		struct mem_query mq = {0};
		mq.q = json_string_value(json_object_get(q, "q"));
		mq.k = 5;
		mq.threshold = -1;
		mq.mode = mode;
		json_t *out;
		int rc = mem_search(m, db, BENCH_USER, &mq, &out, e);
		if (rc)
			return rc;
		json_t *items = json_object_get(out, "items"),
		       *rel = json_object_get(q, "relevant");
		int rank = 0;
		for (size_t r = 0; r < json_array_size(items) && !rank; r++) {
			const char *got =
			    json_string_value(json_object_get(json_array_get(items, r), "id"));
			size_t j;
			json_t *want;
			json_array_foreach(rel, j, want)
			{
				const char *mid = json_string_value(
				    json_object_get(ids, json_string_value(want)));
				if (mid && strcmp(mid, got) == 0)
					rank = (int)r + 1;
			}
		}
		if (rank) {
			hits++;
			rr += 1.0 / rank;
		} else if (misses) {
			fprintf(misses, "  miss [%s] %s\n",
			        json_string_value(json_object_get(q, "style")), mq.q);
		}
		json_decref(out);
	}
	size_t n = json_array_size(queries);
	*recall = n ? hits / (double)n : 0;
	*mrr = n ? rr / (double)n : 0;
	return 0;
}

int mem_bench_retrieval(const struct config *cfg, const char *path, int verbose, FILE *out)
{
	struct err e = {0};
	json_error_t je;
	json_t *set = json_load_file(path, 0, &je);
	if (!set) {
		fprintf(stderr, "maang: %s: %s (line %d)\n", path, je.text, je.line);
		return 1;
	}
	struct db_pool *pool = NULL;
	struct db *db = NULL;
	struct mem m;
	int rc = 1, merged = 0;
	json_t *ids = json_object();
	if (bench_db(&pool, &db, &e) || mem_init(&m, cfg, NULL, &e)) {
		fprintf(stderr, "maang: %s\n", e.msg);
		goto out;
	}
	struct audit_ctx ctx = {BENCH_USER, NULL, NULL};
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(set, "memories"), i, it)
	{
		struct mem_in in = {json_string_value(json_object_get(it, "content")),
		                    json_string_value(json_object_get(it, "kind")),
		                    NULL,
		                    -1,
		                    -1,
		                    -1};
		json_t *res;
		int created = 0;
		if (mem_create(&m, db, &ctx, BENCH_USER, &in, &res, &created, &e)) {
			fprintf(stderr, "maang: memory %zu: %s\n", i, e.msg);
			goto release;
		}
		merged += !created;
		json_object_set(ids, json_string_value(json_object_get(it, "id")),
		                json_object_get(json_object_get(res, "memory"), "id"));
		json_decref(res);
	}
	/* The other user's copy of every memory must never show up. */
	json_array_foreach(json_object_get(set, "memories"), i, it)
	{
		struct mem_in in = {
		    json_string_value(json_object_get(it, "content")), "note", NULL, -1, -1, -1};
		struct audit_ctx c2 = {BENCH_USER2, NULL, NULL};
		json_t *res;
		if (mem_create(&m, db, &c2, BENCH_USER2, &in, &res, NULL, &e))
			goto release;
		json_decref(res);
	}
	json_t *queries = json_object_get(set, "queries");
	static const struct {
		const char *name;
		enum mem_mode mode;
	} modes[] = {
	    {"hybrid", MEM_HYBRID}, {"vector-only", MEM_VECTOR}, {"bm25-only", MEM_LEXICAL}};
	fprintf(out, "retrieval: %zu memories (%d merged as duplicates), %zu queries, model %s\n",
	        json_array_size(json_object_get(set, "memories")), merged, json_array_size(queries),
	        m.emb->model);
	fprintf(out, "%-12s %9s %7s\n", "mode", "recall@5", "MRR");
	for (size_t k = 0; k < ARRAY_LEN(modes); k++) {
		double recall, mrr;
		if (eval_mode(&m, db, queries, ids, modes[k].mode, &recall, &mrr,
		              verbose && modes[k].mode == MEM_HYBRID ? out : NULL, &e)) {
			fprintf(stderr, "maang: %s\n", e.msg);
			goto release;
		}
		fprintf(out, "%-12s %9.3f %7.3f\n", modes[k].name, recall, mrr);
	}
	rc = 0;
release:
	mem_release(&m);
out:
	bench_close(pool, db);
	json_decref(ids);
	json_decref(set);
	return rc;
}

/*
 * Filler text for the load benchmarks: words of the catalog and knowledge
 * base (titles, descriptions, patterns) drawn with a skew, so a few words
 * are common and most are rare, as in real notes.
 */
static char **vocab;
static size_t nvocab;

static void vocab_add_text(const char *t)
{
	char w[48];
	size_t n = 0;
	for (;; t++) {
		if (*t && (isalnum((unsigned char)*t)) && n < sizeof(w) - 1) {
			w[n++] = (char)tolower((unsigned char)*t);
			continue;
		}
		if (n > 2) {
			w[n] = 0;
			size_t i = 0;
			while (i < nvocab && strcmp(vocab[i], w))
				i++;
			if (i == nvocab && nvocab < 20000) {
				vocab = xrealloc(vocab, (nvocab + 1) * sizeof(char *));
				vocab[nvocab++] = xstrdup(w);
			}
		}
		n = 0;
		if (!*t)
			break;
	}
}

static void vocab_add_json(json_t *j)
{
	size_t i;
	const char *k;
	json_t *v;
	if (json_is_string(j))
		vocab_add_text(json_string_value(j));
	else if (json_is_array(j))
		json_array_foreach(j, i, v) vocab_add_json(v);
	else if (json_is_object(j))
		json_object_foreach(j, k, v) if (strcmp(k, "url") && strcmp(k, "slug"))
		    vocab_add_json(v);
}

static void vocab_init(void)
{
	static const char *const files[] = {"data/problems-core.json", "data/problems-more.json",
	                                    "data/patterns.json", "data/system_design.json",
	                                    "data/behavioral.json"};
	if (nvocab)
		return;
	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		const struct embedded_file *f = embedded_find(files[i]);
		json_t *j = f ? json_loadb(f->data, f->size, 0, NULL) : NULL;
		vocab_add_json(j);
		json_decref(j);
	}
}

/* A note of 12-31 words, or a search query of 3-8 (QUERY set). */
static void fake_text(unsigned *seed, char *buf, size_t size, int query)
{
	vocab_init();
	size_t len = 0;
	int n = query ? 3 + (int)(rand_r(seed) % 6) : 12 + (int)(rand_r(seed) % 20);
	for (int i = 0; i < n && len + 50 < size; i++) {
		double u = (double)rand_r(seed) / RAND_MAX;
		size_t w = (size_t)(u * u * u * (double)nvocab) % nvocab;
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? " " : "", vocab[w]);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int mem_bench_search(const struct config *cfg, const int *sizes, int nsizes, FILE *out)
{
	struct err e = {0};
	int rc = 1;
	fprintf(out,
	        "latencies in ms over 200 searches (k = 10) after 5 warm-ups; vec = int8 scan\n"
	        "with exact rescoring (the server's index), f32 = the float32 scan alone\n");
	fprintf(out, "%-8s %10s %10s %10s %10s %10s %10s %10s %10s %10s\n", "memories", "insert/s",
	        "f32 p50", "vec p50", "vec p99", "lex p50", "lex p99", "hyb p50", "hyb p99",
	        "index MiB");
	for (int s = 0; s < nsizes; s++) {
		struct db_pool *pool = NULL;
		struct db *db = NULL;
		struct mem m;
		if (bench_db(&pool, &db, &e) || mem_init(&m, cfg, NULL, &e)) {
			fprintf(stderr, "maang: %s\n", e.msg);
			bench_close(pool, db);
			return 1;
		}
		m.dedup = 1.0; /* fillers are random: skip the near-duplicate scan */
		struct audit_ctx ctx = {BENCH_USER, NULL, NULL};
		unsigned seed = 42;
		char text[512];
		double t0 = now_s();
		for (int i = 0; i < sizes[s]; i++) {
			fake_text(&seed, text, sizeof(text), 0);
			struct mem_in in = {text, "note", NULL, -1, -1, -1};
			json_t *res;
			if (mem_create(&m, db, &ctx, BENCH_USER, &in, &res, NULL, &e)) {
				fprintf(stderr, "maang: %s\n", e.msg);
				goto fail;
			}
			json_decref(res);
		}
		double insert_rate = sizes[s] / (now_s() - t0);
		enum { RUNS = 200 };
		double vec[RUNS], lex[RUNS], hyb[RUNS];
		double *times[3] = {vec, lex, hyb};
		static const enum mem_mode modes[3] = {MEM_VECTOR, MEM_LEXICAL, MEM_HYBRID};
		for (int pass = 0; pass < 3; pass++) {
			for (int r = -5; r < RUNS; r++) { /* five warm-up runs load the partition */
				fake_text(&seed, text, sizeof(text), 1);
				struct mem_query q = {0};
				q.q = text;
				q.k = 10;
				q.threshold = 0;
				q.mode = modes[pass];
				json_t *res;
				double a = now_s();
				if (mem_search(&m, db, BENCH_USER, &q, &res, &e)) {
					fprintf(stderr, "maang: %s\n", e.msg);
					goto fail;
				}
				double ms = (now_s() - a) * 1000;
				json_decref(res);
				if (r >= 0)
					times[pass][r] = ms;
			}
		}
		for (int pass = 0; pass < 3; pass++)
			qsort(times[pass], RUNS, sizeof(double), cmp_double);
		struct vindex_stats vs;
		vindex_stats(m.index, &vs);
		/* The same vector searches on a float32-only index, for the int8 comparison. */
		double f32[RUNS];
		struct vindex *saved = m.index;
		m.index = vindex_new(SIZE_MAX, 0);
		for (int r = -5; r < RUNS; r++) {
			fake_text(&seed, text, sizeof(text), 1);
			struct mem_query q = {0};
			q.q = text;
			q.k = 10;
			q.threshold = 0;
			q.mode = MEM_VECTOR;
			json_t *res;
			double a = now_s();
			int frc = mem_search(&m, db, BENCH_USER, &q, &res, &e);
			double ms = (now_s() - a) * 1000;
			json_decref(res);
			if (frc)
				break;
			if (r >= 0)
				f32[r] = ms;
		}
		vindex_free(m.index);
		m.index = saved;
		qsort(f32, RUNS, sizeof(double), cmp_double);
		fprintf(out,
		        "%-8d %10.0f %10.3f %10.3f %10.3f %10.3f %10.3f %10.3f %10.3f %10.1f\n",
		        sizes[s], insert_rate, f32[RUNS / 2], vec[RUNS / 2], vec[RUNS * 99 / 100],
		        lex[RUNS / 2], lex[RUNS * 99 / 100], hyb[RUNS / 2], hyb[RUNS * 99 / 100],
		        vs.bytes / 1048576.0);
		mem_release(&m);
		bench_close(pool, db);
		continue;
	fail:
		mem_release(&m);
		bench_close(pool, db);
		return rc;
	}
	return 0;
}

int mem_bench_embed(FILE *out)
{
	struct embedder *b = embedder_builtin();
	unsigned seed = 7;
	enum { N = 100000 };
	char text[512];
	float v[EMBED_BUILTIN_DIM];
	struct err e = {0};
	double t0 = now_s();
	size_t bytes = 0;
	for (int i = 0; i < N; i++) {
		fake_text(&seed, text, sizeof(text), 0);
		bytes += strlen(text);
		embed_one(b, text, v, &e);
	}
	double dt = now_s() - t0;
	fprintf(out,
	        "builtin embedding: %d texts (%.0f bytes each) in %.2f s = %.0f texts/s on one "
	        "core\n",
	        N, (double)bytes / N, dt, N / dt);
	return 0;
}
