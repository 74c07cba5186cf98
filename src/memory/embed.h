/*
 * embed.h: text embeddings behind one interface. EMBEDDING_MODEL picks the
 * provider: "builtin" (the default: a deterministic encoder compiled into
 * the binary, no model files), "openai:MODEL" (any OpenAI-compatible
 * /v1/embeddings server: OpenAI, Ollama, text-embeddings-inference, vLLM)
 * or "gemini:MODEL" (Google's Generative Language API).
 *
 * Every vector is float32 and L2-normalised, so a dot product is the
 * cosine similarity. A vector is only ever compared with vectors of the
 * same model id (struct embedder.model): mixed dimensions never meet.
 */
#ifndef MAANG_EMBED_H
#define MAANG_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/util.h"

#define EMBED_BUILTIN_DIM  384
#define EMBED_DIM_MAX      4096 /* a provider answering more is refused */
#define EMBED_BATCH_MAX    64   /* texts per provider request */
#define EMBED_TEXT_MAX     8192 /* bytes of a text sent to a provider */
#define EMBED_MODEL_ID_MAX 128

struct embedder;

struct embed_ops {
	const char *name; /* "builtin", "openai", "gemini" */
	/*
	 * Embeds N texts into OUT, one normalised vector per row. Rows are dim
	 * floats apart, or EMBED_DIM_MAX floats apart when dim was still 0 at
	 * the call (a provider learns its dimension from its first answer), so
	 * OUT must then hold N * EMBED_DIM_MAX floats.
	 */
	int (*embed)(struct embedder *m, const char *const *texts, int n, float *out,
	             struct err *e);
	void (*free)(struct embedder *m);
};

struct embedder {
	const struct embed_ops *ops;
	/* Stored beside each vector, e.g. "builtin/1a2b3c4d" or "openai:text-embedding-3-small". */
	char model[EMBED_MODEL_ID_MAX];
	int dim; /* 0 until a provider has answered once */
};

/* The provider EMBEDDING_MODEL names; ERR_INVALID for an unknown one. */
int embedder_open(const struct config *cfg, struct embedder **out, struct err *e);
/* The built-in encoder (shared, never freed; the first call builds its tables). */
struct embedder *embedder_builtin(void);
/* The same encoder, its tables built later (by embed_ready or its first embedding). */
struct embedder *embedder_builtin_lazy(void);
/* Makes M ready to use: its model id is known after this. */
void embed_ready(struct embedder *m);
/* Embeds one text; OUT as for ops->embed. */
int embed_one(struct embedder *m, const char *text, float *out, struct err *e);
void embedder_free(struct embedder *m);

/* The OpenAI-compatible and Gemini providers (memory/provider.c). */
int embedder_openai_new(const struct config *cfg, const char *model, struct embedder **out,
                        struct err *e);
int embedder_gemini_new(const struct config *cfg, const char *model, struct embedder **out,
                        struct err *e);

/*
 * Lexical help from the built-in encoder's lexicon: calls FN for each word
 * of TEXT (lowercased) and, for each interview concept TEXT names ("dp",
 * "priority queue", ...), for each other term of that concept (EXPANSION
 * set, words separated by one space). Used to build full-text queries.
 */
void embed_query_terms(const char *text, void (*fn)(void *arg, const char *term, int expansion),
                       void *arg);

/*
 * The terms of the in-memory BM25 index, from the same tokeniser: a
 * document's stems (hashed, stop words dropped), and a query's stems and,
 * for each concept it names, each other term of the concept as a sequence
 * of stems (EXPANSION set).
 */
void embed_doc_terms(const char *text, void (*fn)(void *arg, uint64_t term), void *arg);
void embed_query_stems(const char *text,
                       void (*fn)(void *arg, const uint64_t *stems, int n, int expansion),
                       void *arg);

/* Dot product of two normalised vectors of DIM floats. */
float embed_dot(const float *a, const float *b, int dim);

#endif
