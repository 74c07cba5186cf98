/*
 * coach.h: the AI coach. A turn stores the user's message as a
 * conversation memory, retrieves the memories relevant to it and the user's
 * live data (progress, weak topics, next problems), and answers: through
 * the LLM provider when LLM_MODEL is set, with the built-in coach otherwise
 * (or when the provider fails). The built-in coach answers from data and
 * memories and a knowledge base of the main patterns (data/patterns.json);
 * every number it says comes from the user's data, never made up.
 */
#ifndef MAANG_COACH_H
#define MAANG_COACH_H

#include <jansson.h>

#include "audit/audit.h"
#include "catalog/catalog.h"
#include "db/db.h"
#include "memory/llm.h"
#include "memory/memory.h"

#define COACH_MESSAGE_MAX   4000 /* bytes of a user message */
#define COACH_HISTORY_TURNS 6    /* earlier messages of the session sent to an LLM */
#define COACH_MEMORIES      5    /* memories retrieved per turn */
#define COACH_SESSION_MAX   200  /* messages returned for one session */

struct coach {
	struct mem *mem;
	struct llm *llm; /* NULL: the built-in coach */
	const struct catalog *catalog;
};

/*
 * One turn. SESSION_ID NULL starts a session. With ON_PIECE the answer is
 * also delivered piece by piece as it is produced. *OUT = {reply,
 * session_id, message_id, provider, provider_error?, memories:[{id, content,
 * kind, score, match}], facts:{...}}.
 */
int coach_chat(struct coach *c, struct db *db, const struct audit_ctx *ctx, const char *user,
               const char *message, const char *session_id,
               void (*on_piece)(void *arg, const char *piece), void *arg, json_t **out,
               struct err *e);
/* {session_id, items:[{id, role, content, memories, provider, at}]}; ERR_NOT_FOUND if empty. */
int coach_session(struct db *db, const char *user, const char *session_id, json_t **out,
                  struct err *e);
/* The knowledge-base entry of TOPIC (slug), borrowed, or NULL. */
json_t *coach_pattern(const char *topic);

#endif
