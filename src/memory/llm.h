/*
 * llm.h: chat completions from an LLM provider, for the coach. LLM_MODEL
 * picks it: "openai:MODEL" (any OpenAI-compatible /v1/chat/completions
 * server, OPENAI_API_KEY / OPENAI_BASE_URL) or "gemini:MODEL"
 * (GOOGLE_API_KEY / GEMINI_BASE_URL). Empty: no provider, the coach
 * answers on its own.
 *
 * Requests time out after PROVIDER_TIMEOUT_SECONDS and are retried with
 * backoff on connection errors, 429 and 5xx (a streamed answer only until
 * its first piece has arrived).
 */
#ifndef MAANG_LLM_H
#define MAANG_LLM_H

#include <jansson.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/util.h"

#define LLM_REPLY_MAX      (64 * 1024) /* bytes of an answer we keep */
#define PROVIDER_RETRIES   3           /* attempts after the first */
#define PROVIDER_BODY_MAX  (16 * 1024 * 1024)
#define PROVIDER_RETRY_CAP 10 /* seconds of Retry-After we honour */

struct llm;

struct llm_msg {
	const char *role; /* "system", "user" or "assistant" */
	const char *content;
};

/* *OUT = the provider LLM_MODEL names, or NULL when it is empty. ERR_INVALID if unknown. */
int llm_open(const struct config *cfg, struct llm **out, struct err *e);
/* "openai:MODEL" or "gemini:MODEL". */
const char *llm_name(const struct llm *l);
/*
 * Sends the conversation and fills REPLY with the answer. With ON_PIECE,
 * asks for a stream and calls it with each piece as it arrives.
 * ERR_UPSTREAM when the provider fails or answers nonsense.
 */
int llm_chat(struct llm *l, const struct llm_msg *msgs, int n,
             void (*on_piece)(void *arg, const char *piece), void *arg, struct buf *reply,
             struct err *e);
void llm_free(struct llm *l);

/* Shared by the HTTP providers (memory/provider.c). */
struct provider_req {
	const char *url;
	const char *const *headers; /* NULL-terminated "Name: value" lines */
	const char *body;           /* JSON */
	int timeout_seconds;
	/* Streaming: called with each "data:" payload of a text/event-stream answer. */
	int (*on_event)(void *arg, const char *data);
	void *arg;
};
/* POSTs REQ; *OUT is the parsed JSON answer (not for streams). ERR_UPSTREAM on failure. */
int provider_post(const struct provider_req *req, json_t **out, struct err *e);

#endif
