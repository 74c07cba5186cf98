/*
 * embed.c: picks the embedding provider EMBEDDING_MODEL names.
 */
#include <string.h>

#include "memory/embed.h"

int embedder_open(const struct config *cfg, struct embedder **out, struct err *e)
{
	const char *spec =
	    cfg->embedding_model && *cfg->embedding_model ? cfg->embedding_model : "builtin";
	if (strcmp(spec, "builtin") == 0) {
		*out = embedder_builtin_lazy();
		return 0;
	}
	if (strncmp(spec, "openai:", 7) == 0)
		return embedder_openai_new(cfg, spec + 7, out, e);
	if (strncmp(spec, "gemini:", 7) == 0)
		return embedder_gemini_new(cfg, spec + 7, out, e);
	return err_set(e, ERR_INVALID, "invalid_config",
	               "EMBEDDING_MODEL must be builtin, openai:MODEL or gemini:MODEL, not '%.40s'",
	               spec);
}

int embed_one(struct embedder *m, const char *text, float *out, struct err *e)
{
	return m->ops->embed(m, &text, 1, out, e);
}

void embedder_free(struct embedder *m)
{
	if (m)
		m->ops->free(m);
}
