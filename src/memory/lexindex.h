/*
 * lexindex.h: an in-memory BM25 index of one user's memories, kept in the
 * same partition as their vectors (memory/vindex.h) and tokenised like the
 * built-in encoder (stems, stop words dropped, lexicon expansions).
 *
 * Why not only the database's full-text index: SQLite FTS5 and PostgreSQL
 * rank every matching row, and interview notes share many words, so a
 * query over 10,000 memories ranked thousands of rows (12 ms, see
 * BENCHMARKS.md); here the same ranking walks posting lists in memory.
 * Documents live in slots; a removed or changed document leaves a dead slot
 * behind, and the owner rebuilds the index when too many are dead.
 */
#ifndef MAANG_LEXINDEX_H
#define MAANG_LEXINDEX_H

#include <stddef.h>
#include <stdint.h>

#define LEX_K1 1.2
#define LEX_B  0.75

struct lexindex;

struct lexhit {
	int64_t seq;
	float score;
};

struct lexindex *lex_new(void);
void lex_free(struct lexindex *x);
/* Indexes TEXT as document SEQ (replacing an earlier text of SEQ). */
void lex_add(struct lexindex *x, int64_t seq, const char *text);
void lex_remove(struct lexindex *x, int64_t seq);
/* The K best documents for QUERY by BM25, best first, into OUT; returns the count. */
int lex_search(struct lexindex *x, const char *query, int k, struct lexhit *out);
size_t lex_bytes(const struct lexindex *x);
/* 1 when dead slots make up more than a quarter: time to rebuild. */
int lex_wasteful(const struct lexindex *x);

#endif
