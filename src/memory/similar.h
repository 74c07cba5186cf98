/*
 * similar.h: similar-problem discovery. Each catalog problem is embedded
 * with the built-in encoder from its title, topics, pattern and companies;
 * neighbours are the nearest vectors. Built once per catalog, on first use.
 */
#ifndef MAANG_SIMILAR_H
#define MAANG_SIMILAR_H

#include <jansson.h>

#include "catalog/catalog.h"
#include "core/util.h"

#define SIMILAR_K_DEFAULT 5
#define SIMILAR_K_MAX     20

/* {problem, items:[{slug, title, difficulty, score, shared_topics}]}; ERR_NOT_FOUND for an unknown
 * slug. */
int similar_problems(const struct catalog *c, const char *slug, int k, json_t **out, struct err *e);
/* The K nearest problems of problem index I into OUT (indexes), best first; returns the count. */
int similar_nearest(const struct catalog *c, int i, int k, int *out, float *scores);

#endif
