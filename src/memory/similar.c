/*
 * similar.c: problem vectors and their nearest neighbours (see similar.h).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

#include "memory/coach.h"
#include "memory/embed.h"
#include "memory/similar.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const struct catalog *built_for;
static float *vectors; /* nproblems * EMBED_BUILTIN_DIM */

static const char *topic_name(const struct catalog *c, const char *slug)
{
	for (int t = 0; t < c->ntopics; t++)
		if (strcmp(c->topics[t].slug, slug) == 0)
			return c->topics[t].name;
	return slug;
}

/* The text a problem is known by: title, topics, its main pattern's summary, companies. */
static char *problem_text(const struct catalog *c, const struct catalog_problem *p)
{
	struct buf b;
	buf_init(&b, 16384);
	buf_printf(&b, "%s. %s. ", p->title, p->title); /* the title weighs most */
	for (int k = 0; k < p->ntopics; k++)
		buf_printf(&b, "%s. ", topic_name(c, p->topics[k]));
	json_t *pat = p->ntopics ? coach_pattern(p->topics[0]) : NULL;
	if (pat)
		buf_printf(&b, "%s ", json_string_value(json_object_get(pat, "summary")));
	for (int k = 0; k < p->ncompanies; k++)
		buf_printf(&b, "%s ", p->companies[k].slug);
	return buf_detach(&b);
}

static void build(const struct catalog *c)
{
	if (built_for == c)
		return;
	struct embedder *m = embedder_builtin();
	float *v =
	    xmalloc(sizeof(float) * EMBED_BUILTIN_DIM * (size_t)(c->nproblems ? c->nproblems : 1));
	struct err e = {0};
	for (int i = 0; i < c->nproblems; i++) {
		char *text = problem_text(c, &c->problems[i]);
		embed_one(m, text, v + (size_t)i * EMBED_BUILTIN_DIM, &e);
		free(text);
	}
	free(vectors);
	vectors = v;
	built_for = c;
}

int similar_nearest(const struct catalog *c, int i, int k, int *out, float *scores)
{
	pthread_mutex_lock(&lock);
	build(c);
	int n = 0;
	const float *q = vectors + (size_t)i * EMBED_BUILTIN_DIM;
	for (int j = 0; j < c->nproblems; j++) {
		if (j == i)
			continue;
		float s = embed_dot(q, vectors + (size_t)j * EMBED_BUILTIN_DIM, EMBED_BUILTIN_DIM);
		if (n == k && s <= scores[k - 1])
			continue;
		int at = n < k ? n++ : k - 1;
		while (at > 0 && scores[at - 1] < s) {
			scores[at] = scores[at - 1];
			out[at] = out[at - 1];
			at--;
		}
		scores[at] = s;
		out[at] = j;
	}
	pthread_mutex_unlock(&lock);
	return n;
}

int similar_problems(const struct catalog *c, const char *slug, int k, json_t **out, struct err *e)
{
	const struct catalog_problem *p = catalog_problem_by_slug(c, slug);
	if (!p)
		return err_set(e, ERR_NOT_FOUND, "not_found", "unknown problem '%.100s'", slug);
	if (k < 1 || k > SIMILAR_K_MAX)
		k = SIMILAR_K_DEFAULT;
	int idx[SIMILAR_K_MAX];
	float sc[SIMILAR_K_MAX];
	int n = similar_nearest(c, (int)(p - c->problems), k, idx, sc);
	json_t *items = json_array();
	for (int i = 0; i < n; i++) {
		const struct catalog_problem *q = &c->problems[idx[i]];
		json_t *shared = json_array();
		for (int a = 0; a < p->ntopics; a++)
			if (catalog_problem_has_topic(q, p->topics[a]))
				json_array_append_new(shared, json_string(p->topics[a]));
		json_array_append_new(items,
		                      json_pack("{s:s,s:s,s:s,s:f,s:o}", "slug", q->slug, "title",
		                                q->title, "difficulty", q->difficulty, "score",
		                                (double)(int)(sc[i] * 10000 + 0.5) / 10000,
		                                "shared_topics", shared));
	}
	*out = json_pack("{s:s,s:o}", "problem", p->slug, "items", items);
	return 0;
}
