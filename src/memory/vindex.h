/*
 * vindex.h: the in-memory vector index. Exact search: each user's vectors
 * form one partition, a dense float32 matrix scanned with a SIMD dot
 * product. A user has thousands of memories, not billions: at that size an
 * exact scan beats an approximate index and never misses a filtered hit.
 *
 * Partitions load lazily (through the caller's loader), live in an LRU
 * bounded by a byte budget, and carry the user's memory version: a search
 * passes the version it read from the database, and a partition older than
 * that is reloaded, so writes on another instance are seen at once. Writes
 * on this instance patch the partition in place (vindex_put/remove).
 *
 * The interface is small on purpose, so an ANN index could replace the scan
 * where measurements call for one.
 */
#ifndef MAANG_VINDEX_H
#define MAANG_VINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

#define VINDEX_K_MAX 200 /* candidates one search may return */

struct vindex;

/* What a search keeps: memory kinds (bit i = kind i) and validity at NOW. */
struct vfilter {
	unsigned kinds; /* 0 = every kind */
	int64_t now;    /* vectors with 0 < valid_to <= now are skipped; 0 = keep all */
};

struct vhit {
	int64_t seq; /* the memory's row key */
	float score; /* cosine similarity */
};

/* Filled by a loader: one vector per memory. */
struct vpart_builder;
/* VEC NULL: the memory has no vector of the model yet (only its TEXT is indexed). */
void vpart_add(struct vpart_builder *b, int64_t seq, const float *vec, unsigned kind,
               int64_t valid_to, const char *text);

/*
 * Loads USER's vectors of MODEL (DIM floats each) into B; 0 or an error.
 * Called without any index lock held.
 */
typedef int (*vindex_load_fn)(void *arg, const char *user, struct vpart_builder *b, struct err *e);

struct vindex_stats {
	size_t partitions, vectors, bytes, budget;
	uint64_t loads, evictions, searches;
};

/*
 * INT8: scan int8-quantised copies of the vectors and rescore the best
 * candidates with the exact float32 ones (a quarter of the memory traffic;
 * `maang bench memory` measures both and the recall of the int8 scan).
 */
struct vindex *vindex_new(size_t budget_bytes, int int8);
void vindex_free(struct vindex *x);

/*
 * The K (<= VINDEX_K_MAX) vectors of USER nearest to Q with a score of at
 * least THRESHOLD, best first, into OUT; *N gets the count. VERSION is the
 * user's memory version as read from the database; MODEL and DIM those of
 * Q (vectors of another model are never compared).
 */
int vindex_search(struct vindex *x, const char *user, uint64_t version, const char *model, int dim,
                  const float *q, int k, float threshold, const struct vfilter *f,
                  vindex_load_fn load, void *arg, struct vhit *out, int *n, struct err *e);
/*
 * The K best memories of USER for QUERY by BM25 over the partition's text
 * index (loaded as for vindex_search); scores are BM25, not cosines.
 */
int vindex_lexical(struct vindex *x, const char *user, uint64_t version, const char *model, int dim,
                   const char *query, int k, vindex_load_fn load, void *arg, struct vhit *out,
                   int *n, struct err *e);
/*
 * A write on this instance moved USER from version OLD to NEW: adds or
 * replaces SEQ's vector and TEXT (both NULL: removes it; VEC NULL with a
 * TEXT: the memory has no vector). A partition that was not at OLD is
 * dropped instead, to be reloaded by the next search.
 */
void vindex_put(struct vindex *x, const char *user, uint64_t old_version, uint64_t new_version,
                const char *model, int64_t seq, const float *vec, unsigned kind, int64_t valid_to,
                const char *text);
/* Forgets USER's partition. */
void vindex_drop(struct vindex *x, const char *user);
void vindex_stats(struct vindex *x, struct vindex_stats *out);

#endif
