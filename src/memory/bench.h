/*
 * bench.h: measurements of the memory subsystem (`maang bench ...`), each on
 * a throwaway in-memory database. They print a table on OUT and return 0,
 * or 1 after printing the error on stderr.
 */
#ifndef MAANG_MEM_BENCH_H
#define MAANG_MEM_BENCH_H

#include <stdio.h>

#include "core/config.h"

/* Recall@5 and MRR of hybrid, vector-only and BM25-only search on the set at PATH. */
int mem_bench_retrieval(const struct config *cfg, const char *path, int verbose, FILE *out);
/* Insert rate, search latency p50/p99 and index size at each of SIZES memories. */
int mem_bench_search(const struct config *cfg, const int *sizes, int nsizes, FILE *out);
/* Built-in embedding throughput on one core. */
int mem_bench_embed(FILE *out);

#endif
