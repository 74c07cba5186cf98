/*
 * builtin.c: the built-in embedding encoder. No model files: a text
 * becomes a 384-dimension vector of hashed features, so texts that share
 * words, stems, interview concepts or character n-grams point the same way.
 *
 *   1. Words: lowercase runs of letters and digits (UTF-8 bytes kept).
 *   2. Snowball (Porter 2) English stems via libstemmer; stop words dropped.
 *   3. Lexicon (data/lexicon.json): longest-match of stemmed term sequences
 *      folds abbreviations and synonyms into one concept feature, so "DP",
 *      "memoization" and "dynamic programming" share a direction.
 *   4. Features: stem unigrams and bigrams weighted by IDF, concept ids,
 *      character trigrams of each word (robust to typos).
 *   5. Feature hashing into 384 signed buckets, then L2 normalisation.
 *
 * IDF comes from a fixed corpus: the catalog and knowledge-base texts
 * embedded in the binary. The encoder is therefore deterministic; its
 * model id carries a hash of the algorithm version, lexicon and corpus,
 * so a change to any of them re-embeds stored memories in the background.
 */
#include <ctype.h>
#include <jansson.h>
#include <libstemmer.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embedded.h"
#include "core/log.h"

#include "memory/embed.h"

#define BUILTIN_VERSION 1
#define WORD_MAX        40   /* longer words are cut */
#define WORDS_MAX       2048 /* words of a text that count */
#define TERM_WORDS_MAX  4    /* words of a lexicon term */
#define W_CONCEPT       1.6f /* a concept counts like a rare word and a half */
#define W_BIGRAM        0.55f
#define W_TRIGRAMS      0.9f /* all character trigrams of a word together */

static const char *const stop_words[] = {
    "a",       "about",  "above",  "after",  "again",  "against",  "all",        "also",
    "am",      "an",     "and",    "any",    "are",    "as",       "at",         "be",
    "because", "been",   "before", "being",  "below",  "between",  "both",       "but",
    "by",      "can",    "could",  "did",    "do",     "does",     "doing",      "down",
    "during",  "each",   "few",    "for",    "from",   "further",  "had",        "has",
    "have",    "having", "he",     "her",    "here",   "hers",     "herself",    "him",
    "himself", "his",    "how",    "i",      "if",     "in",       "into",       "is",
    "it",      "its",    "itself", "just",   "me",     "more",     "most",       "my",
    "myself",  "no",     "nor",    "not",    "now",    "of",       "off",        "on",
    "once",    "only",   "or",     "other",  "our",    "ours",     "ourselves",  "out",
    "over",    "own",    "same",   "she",    "should", "so",       "some",       "such",
    "than",    "that",   "the",    "their",  "theirs", "them",     "themselves", "then",
    "there",   "these",  "they",   "this",   "those",  "through",  "to",         "too",
    "under",   "until",  "up",     "very",   "was",    "we",       "were",       "what",
    "when",    "where",  "which",  "while",  "who",    "whom",     "why",        "will",
    "with",    "would",  "you",    "your",   "yours",  "yourself", "yourselves", "im",
    "ive",     "dont",   "didnt",  "its",    "s",      "t",        "ll",         "ve",
    "re",      "d",      "m",      "get",    "got",    "use",      "used",       "using",
    "one",     "way",    "thing",  "things", "really", "much",     "many",       "still",
    "even",
};

/* One lexicon term: a sequence of stem hashes standing for a concept. */
struct lex_term {
	uint64_t stems[TERM_WORDS_MAX];
	int n;
	int concept;
};

/* Open-addressing table of feature hash -> IDF. */
struct idf_table {
	uint64_t *keys;
	float *vals;
	size_t cap; /* a power of two */
	float unseen;
};

static struct {
	pthread_once_t once;
	struct lex_term *terms; /* sorted by first stem, longest first */
	int nterms;
	char **concept_ids;
	char ***concept_terms; /* NULL-terminated raw terms of each concept */
	int nconcepts;
	uint64_t stop[256]; /* hashes of the stop words, open addressing */
	struct idf_table idf;
	struct embedder m;
} B = {.once = PTHREAD_ONCE_INIT};

static pthread_key_t stemmer_key;

/* FNV-1a then a splitmix finaliser: cheap and well mixed. */
static uint64_t hash_bytes(const char *s, size_t n, uint64_t seed)
{
	uint64_t h = 1469598103934665603ULL ^ seed;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

static uint64_t mix2(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL + (a << 6) + (a >> 2));
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

static int stop_has(uint64_t h)
{
	for (size_t i = h & 255;; i = (i + 1) & 255) {
		if (B.stop[i] == 0)
			return 0;
		if (B.stop[i] == h)
			return 1;
	}
}

static void stemmer_free(void *p)
{
	sb_stemmer_delete(p);
}

/* libstemmer is not thread-safe: one stemmer per thread. */
static struct sb_stemmer *stemmer(void)
{
	struct sb_stemmer *s = pthread_getspecific(stemmer_key);
	if (!s) {
		s = sb_stemmer_new("english", NULL);
		if (!s)
			abort();
		pthread_setspecific(stemmer_key, s);
	}
	return s;
}

/* A word of a text: its lowercase form and its stem. */
struct word {
	char raw[WORD_MAX + 1];
	int rawlen;
	uint64_t stem; /* hash of the stem */
	int stop;
};

static int word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

/* Splits TEXT into at most MAX words; returns the count. */
static int words_split(const char *text, struct word *w, int max)
{
	struct sb_stemmer *st = stemmer();
	int n = 0;
	const unsigned char *p = (const unsigned char *)text;
	while (*p && n < max) {
		while (*p && !word_byte(*p))
			p++;
		if (!*p)
			break;
		int len = 0;
		while (*p && word_byte(*p)) {
			if (len < WORD_MAX)
				w[n].raw[len++] = (char)tolower(*p);
			p++;
		}
		w[n].raw[len] = 0;
		w[n].rawlen = len;
		const sb_symbol *s = sb_stemmer_stem(st, (const sb_symbol *)w[n].raw, len);
		int slen = sb_stemmer_length(st);
		w[n].stem =
		    s ? hash_bytes((const char *)s, (size_t)slen, 1) : hash_bytes(w[n].raw, len, 1);
		w[n].stop = stop_has(hash_bytes(w[n].raw, (size_t)len, 7));
		n++;
	}
	return n;
}

/* The longest lexicon term starting at W[i]; its index or -1. */
static int lex_match(const struct word *w, int n, int i)
{
	uint64_t first = w[i].stem;
	int lo = 0, hi = B.nterms;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (B.terms[mid].stems[0] < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int t = lo; t < B.nterms && B.terms[t].stems[0] == first; t++) {
		const struct lex_term *lt = &B.terms[t];
		if (i + lt->n > n)
			continue;
		int k = 1;
		while (k < lt->n && w[i + k].stem == lt->stems[k])
			k++;
		if (k == lt->n)
			return t; /* longest first */
	}
	return -1;
}

static float idf_get(uint64_t key)
{
	const struct idf_table *t = &B.idf;
	if (!t->cap)
		return 1.0f;
	for (size_t i = key & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (t->keys[i] == 0)
			return t->unseen;
		if (t->keys[i] == key)
			return t->vals[i];
	}
}

static void add_feature(float *v, uint64_t h, float w)
{
	int bucket = (int)(h % EMBED_BUILTIN_DIM);
	v[bucket] += (h >> 63) ? -w : w;
}

/*
 * The feature stream of one text. EMIT gets each feature hash with its raw
 * weight (before IDF for words: IDF_KEY says which IDF applies, 0 = none).
 */
typedef void (*feature_fn)(void *arg, uint64_t h, float w, uint64_t idf_key);

static void features(const char *text, feature_fn emit, void *arg)
{
	struct word *w = xmalloc(sizeof(*w) * WORDS_MAX);
	int n = words_split(text, w, WORDS_MAX);
	int prev = -1;
	for (int i = 0; i < n; i++) {
		int t = B.nterms ? lex_match(w, n, i) : -1;
		if (t >= 0) {
			int c = B.terms[t].concept;
			emit(arg, mix2(0xc0ffee, (uint64_t)c + 1), W_CONCEPT, 0);
		}
		if (w[i].stop)
			continue;
		uint64_t uni = mix2(1, w[i].stem);
		emit(arg, uni, 1.0f, uni);
		if (prev >= 0) {
			uint64_t bi = mix2(mix2(2, w[prev].stem), w[i].stem);
			emit(arg, bi, W_BIGRAM, bi);
		}
		prev = i;
		/* Character trigrams of "#word#", weighted to one word in total. */
		char buf[WORD_MAX + 3];
		int len = w[i].rawlen;
		if (len < 3)
			continue;
		buf[0] = '#';
		memcpy(buf + 1, w[i].raw, (size_t)len);
		buf[len + 1] = '#';
		int grams = len;
		float gw = W_TRIGRAMS / sqrtf((float)grams);
		for (int g = 0; g < grams; g++)
			emit(arg, hash_bytes(buf + g, 3, 3), gw, 0);
	}
	free(w);
}

struct vec_arg {
	float *v;
};

static void emit_vec(void *arg, uint64_t h, float w, uint64_t idf_key)
{
	struct vec_arg *a = arg;
	if (idf_key)
		w *= idf_get(idf_key);
	add_feature(a->v, h, w);
}

static void normalise(float *v, int dim)
{
	double s = 0;
	for (int i = 0; i < dim; i++)
		s += (double)v[i] * v[i];
	if (s <= 0) {
		v[0] = 1.0f; /* an empty text still has a direction */
		return;
	}
	float inv = (float)(1.0 / sqrt(s));
	for (int i = 0; i < dim; i++)
		v[i] *= inv;
}

static void encode(const char *text, float *out)
{
	memset(out, 0, sizeof(float) * EMBED_BUILTIN_DIM);
	struct vec_arg a = {out};
	features(text, emit_vec, &a);
	normalise(out, EMBED_BUILTIN_DIM);
}

/* ---- construction: lexicon and IDF, once ---- */

static int term_cmp(const void *pa, const void *pb)
{
	const struct lex_term *a = pa, *b = pb;
	if (a->stems[0] != b->stems[0])
		return a->stems[0] < b->stems[0] ? -1 : 1;
	return b->n - a->n;
}

static void lexicon_load(void)
{
	const struct embedded_file *f = embedded_find("data/lexicon.json");
	if (!f) {
		log_msg(LOG_WARN, "builtin_init: data/lexicon.json is missing");
		return;
	}
	json_error_t je;
	json_t *root = json_loadb(f->data, f->size, 0, &je);
	json_t *concepts = json_object_get(root, "concepts");
	size_t nc = json_array_size(concepts), cap = 0;
	B.concept_ids = xcalloc(nc ? nc : 1, sizeof(char *));
	B.concept_terms = xcalloc(nc ? nc : 1, sizeof(char **));
	struct word w[TERM_WORDS_MAX + 1];
	for (size_t i = 0; i < nc; i++) {
		json_t *c = json_array_get(concepts, i);
		json_t *terms = json_object_get(c, "terms");
		B.concept_ids[i] = xstrdup(json_string_value(json_object_get(c, "id")));
		B.concept_terms[i] = xcalloc(json_array_size(terms) + 1, sizeof(char *));
		for (size_t j = 0; j < json_array_size(terms); j++) {
			const char *s = json_string_value(json_array_get(terms, j));
			if (!s)
				continue;
			B.concept_terms[i][j] = xstrdup(s);
			int n = words_split(s, w, TERM_WORDS_MAX + 1);
			if (n < 1 || n > TERM_WORDS_MAX)
				continue;
			if ((size_t)B.nterms == cap) {
				cap = cap ? cap * 2 : 256;
				B.terms = xrealloc(B.terms, cap * sizeof(*B.terms));
			}
			struct lex_term *t = &B.terms[B.nterms++];
			memset(t, 0, sizeof(*t));
			for (int k = 0; k < n; k++)
				t->stems[k] = w[k].stem;
			t->n = n;
			t->concept = (int)i;
		}
	}
	B.nconcepts = (int)nc;
	if (B.nterms)
		qsort(B.terms, (size_t)B.nterms, sizeof(*B.terms), term_cmp);
	json_decref(root);
}

/* Document frequencies over the corpus, counted per distinct feature. */
struct df_table {
	uint64_t *keys;
	uint32_t *df;
	uint32_t *seen; /* the document that last counted the key */
	size_t cap, used;
	uint32_t doc;
};

static void df_grow(struct df_table *t);

static void df_add(void *arg, uint64_t h, float w, uint64_t idf_key)
{
	struct df_table *t = arg;
	(void)h;
	(void)w;
	if (!idf_key)
		return;
	if ((t->used + 1) * 2 > t->cap)
		df_grow(t);
	size_t i = idf_key & (t->cap - 1);
	while (t->keys[i] && t->keys[i] != idf_key)
		i = (i + 1) & (t->cap - 1);
	if (!t->keys[i]) {
		t->keys[i] = idf_key;
		t->used++;
	}
	if (t->seen[i] != t->doc) {
		t->seen[i] = t->doc;
		t->df[i]++;
	}
}

static void df_grow(struct df_table *t)
{
	struct df_table old = *t;
	t->cap = old.cap ? old.cap * 2 : 16384;
	t->keys = xcalloc(t->cap, sizeof(uint64_t));
	t->df = xcalloc(t->cap, sizeof(uint32_t));
	t->seen = xcalloc(t->cap, sizeof(uint32_t));
	for (size_t i = 0; i < old.cap; i++) {
		if (!old.keys[i])
			continue;
		size_t j = old.keys[i] & (t->cap - 1);
		while (t->keys[j])
			j = (j + 1) & (t->cap - 1);
		t->keys[j] = old.keys[i];
		t->df[j] = old.df[i];
		t->seen[j] = old.seen[i];
	}
	free(old.keys);
	free(old.df);
	free(old.seen);
}

static void corpus_doc(struct df_table *t, const char *text, unsigned char *md_acc, size_t *docs)
{
	(void)md_acc;
	if (!text || !*text)
		return;
	t->doc++;
	(*docs)++;
	features(text, df_add, t);
}

/* Every string of J (recursively) as one document each for arrays of strings. */
static void corpus_json(struct df_table *t, json_t *j, size_t *docs)
{
	size_t i;
	const char *k;
	json_t *v;
	if (json_is_string(j)) {
		corpus_doc(t, json_string_value(j), NULL, docs);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) corpus_json(t, v, docs);
	} else if (json_is_object(j)) {
		json_object_foreach(j, k, v)
		{
			if (strcmp(k, "url") && strcmp(k, "slug") && strcmp(k, "difficulty"))
				corpus_json(t, v, docs);
		}
	}
}

static const char *const corpus_files[] = {
    "data/problems-core.json", "data/problems-more.json", "data/topics.json",
    "data/system_design.json", "data/behavioral.json",    "data/patterns.json",
};

static uint64_t idf_build(void)
{
	struct df_table t = {0};
	size_t docs = 0;
	uint64_t sum = hash_bytes("builtin", 7, BUILTIN_VERSION);
	const struct embedded_file *lex = embedded_find("data/lexicon.json");
	if (lex)
		sum = mix2(sum, hash_bytes(lex->data, lex->size, 0));
	for (size_t i = 0; i < ARRAY_LEN(corpus_files); i++) {
		const struct embedded_file *f = embedded_find(corpus_files[i]);
		if (!f)
			continue;
		sum = mix2(sum, hash_bytes(f->data, f->size, 0));
		json_error_t je;
		json_t *root = json_loadb(f->data, f->size, 0, &je);
		if (root)
			corpus_json(&t, root, &docs);
		json_decref(root);
	}
	/* Only features seen at least once get a table entry; the rest are rare. */
	struct idf_table *it = &B.idf;
	it->cap = 16;
	while (it->cap < t.used * 2 + 16)
		it->cap *= 2;
	it->keys = xcalloc(it->cap, sizeof(uint64_t));
	it->vals = xcalloc(it->cap, sizeof(float));
	double n = (double)docs;
	it->unseen = (float)(log((n + 1) / 1.0) + 1.0);
	for (size_t i = 0; i < t.cap; i++) {
		if (!t.keys[i])
			continue;
		size_t j = t.keys[i] & (it->cap - 1);
		while (it->keys[j])
			j = (j + 1) & (it->cap - 1);
		it->keys[j] = t.keys[i];
		it->vals[j] = (float)(log((n + 1) / (t.df[i] + 1.0)) + 1.0);
	}
	free(t.keys);
	free(t.df);
	free(t.seen);
	/* Scale so a word never seen in the corpus weighs 1. */
	for (size_t i = 0; i < it->cap; i++)
		it->vals[i] /= it->unseen;
	it->unseen = 1.0f;
	return sum;
}

static int builtin_embed(struct embedder *m, const char *const *texts, int n, float *out,
                         struct err *e)
{
	(void)m;
	(void)e;
	embedder_builtin(); /* the tables, on first use */
	for (int i = 0; i < n; i++)
		encode(texts[i] ? texts[i] : "", out + (size_t)i * EMBED_BUILTIN_DIM);
	return 0;
}

static void builtin_free(struct embedder *m)
{
	(void)m; /* shared */
}

static const struct embed_ops builtin_ops = {"builtin", builtin_embed, builtin_free};

static void builtin_init(void)
{
	pthread_key_create(&stemmer_key, stemmer_free);
	for (size_t i = 0; i < ARRAY_LEN(stop_words); i++) {
		uint64_t h = hash_bytes(stop_words[i], strlen(stop_words[i]), 7);
		size_t j = h & 255;
		while (B.stop[j] && B.stop[j] != h)
			j = (j + 1) & 255;
		B.stop[j] = h;
	}
	lexicon_load();
	uint64_t sum = idf_build();
	B.m.ops = &builtin_ops;
	B.m.dim = EMBED_BUILTIN_DIM;
	snprintf(B.m.model, sizeof(B.m.model), "builtin/%08x", (unsigned)(sum & 0xffffffffu));
}

struct embedder *embedder_builtin(void)
{
	pthread_once(&B.once, builtin_init);
	return &B.m;
}

/*
 * The built-in encoder before its tables are built (they take ~40 ms and
 * ~9 MB: `maang serve` answers before they are ready). Its model id is
 * set once embed_ready() or any embedding has run.
 */
struct embedder *embedder_builtin_lazy(void)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&mu);
	if (!B.m.ops) {
		B.m.ops = &builtin_ops;
		B.m.dim = EMBED_BUILTIN_DIM;
	}
	pthread_mutex_unlock(&mu);
	return &B.m;
}

void embed_ready(struct embedder *m)
{
	if (m && m->ops == &builtin_ops)
		embedder_builtin();
}

/* ---- lexical query terms ---- */

void embed_query_terms(const char *text, void (*fn)(void *arg, const char *term, int expansion),
                       void *arg)
{
	embedder_builtin();
	struct word *w = xmalloc(sizeof(*w) * 256);
	int n = words_split(text, w, 256);
	unsigned char *done = xcalloc((size_t)B.nconcepts + 1, 1);
	for (int i = 0; i < n; i++) {
		int t = B.nterms ? lex_match(w, n, i) : -1;
		if (t >= 0 && !done[B.terms[t].concept]) {
			int c = B.terms[t].concept;
			done[c] = 1;
			for (char **s = B.concept_terms[c]; *s; s++)
				fn(arg, *s, 1);
		}
		if (!w[i].stop)
			fn(arg, w[i].raw, 0);
	}
	free(done);
	free(w);
}

/* ---- terms for the in-memory BM25 index ---- */

void embed_doc_terms(const char *text, void (*fn)(void *arg, uint64_t term), void *arg)
{
	embedder_builtin();
	struct word *w = xmalloc(sizeof(*w) * WORDS_MAX);
	int n = words_split(text, w, WORDS_MAX);
	for (int i = 0; i < n; i++)
		if (!w[i].stop)
			fn(arg, w[i].stem);
	free(w);
}

/* The stems of PHRASE that are not stop words, into OUT; returns the count. */
static int phrase_stems(const char *phrase, uint64_t *out, int max)
{
	struct word w[TERM_WORDS_MAX + 4];
	int n = words_split(phrase, w, TERM_WORDS_MAX + 4), k = 0;
	for (int i = 0; i < n && k < max; i++)
		if (!w[i].stop)
			out[k++] = w[i].stem;
	return k;
}

void embed_query_stems(const char *text,
                       void (*fn)(void *arg, const uint64_t *stems, int n, int expansion),
                       void *arg)
{
	embedder_builtin();
	struct word *w = xmalloc(sizeof(*w) * 256);
	int n = words_split(text, w, 256);
	unsigned char *done = xcalloc((size_t)B.nconcepts + 1, 1);
	uint64_t st[TERM_WORDS_MAX];
	for (int i = 0; i < n; i++) {
		int t = B.nterms ? lex_match(w, n, i) : -1;
		if (t >= 0 && !done[B.terms[t].concept]) {
			int c = B.terms[t].concept;
			done[c] = 1;
			for (char **s = B.concept_terms[c]; *s; s++) {
				int k = phrase_stems(*s, st, TERM_WORDS_MAX);
				if (k)
					fn(arg, st, k, 1);
			}
		}
		if (!w[i].stop)
			fn(arg, &w[i].stem, 1, 0);
	}
	free(done);
	free(w);
}
