/*
 * memory.h: the user's long-term memory. A memory is a short text with a
 * kind (conversation, note, insight, attempt_note, interview_feedback),
 * free JSON metadata, an importance, a validity window and its embedding.
 * Every change is kept in a history (ADD, UPDATE, MERGE, DELETE).
 *
 * Writes store the row first and embed it with the configured provider;
 * when the provider is down the memory is kept without a vector (found by
 * full-text search) and embedded later by mem_backfill(), which also
 * re-embeds everything after EMBEDDING_MODEL changes.
 *
 * Search is hybrid: exact vector search over the user's partition
 * (memory/vindex.h) and full-text ranking (SQLite FTS5 BM25, PostgreSQL
 * ts_rank_cd) fused by reciprocal rank. Domain code: REST, MCP and the
 * coach call these alike; every function is scoped to one user and never
 * reads another user's rows.
 */
#ifndef MAANG_MEMORY_H
#define MAANG_MEMORY_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "audit/audit.h"
#include "cache/cache.h"
#include "core/config.h"
#include "db/db.h"
#include "memory/embed.h"
#include "memory/vindex.h"

#define MEM_CONTENT_MAX    8000   /* bytes of a memory's text */
#define MEM_METADATA_MAX   4096   /* bytes of its metadata, serialised */
#define MEM_PER_USER_MAX   100000 /* memories one user may keep */
#define MEM_QUERY_MAX      1000   /* bytes of a search query */
#define MEM_K_MAX          50     /* results of one search */
#define MEM_LIST_LIMIT_MAX 500
#define MEM_FILTERS_MAX    4    /* metadata keys in one list filter */
#define MEM_CANDIDATES     50   /* hits each retriever hands to the fusion */
#define MEM_RRF_K          60   /* reciprocal-rank fusion constant */
#define MEM_BACKFILL_BATCH 64   /* memories embedded per backfill step */
#define MEM_TOUCH_MAX      4096 /* memories with accesses waiting to be written */
#define MEM_TOUCH_FLUSH    5    /* seconds between writes of access counts */

struct mem_touch {
	int64_t seq;
	uint32_t count;
	int64_t at;
};

enum mem_kind {
	MEM_CONVERSATION,
	MEM_NOTE,
	MEM_INSIGHT,
	MEM_ATTEMPT_NOTE,
	MEM_INTERVIEW_FEEDBACK,
	MEM_NKINDS
};

/* The memory service: one per process. */
struct mem {
	struct embedder *emb;
	struct vindex *index;
	struct cache *cache;     /* search results; may be NULL */
	double threshold;        /* RAG_SIMILARITY_THRESHOLD */
	int top_k;               /* RAG_TOP_K */
	double dedup;            /* MEMORY_DEDUP_THRESHOLD */
	int lexical_db;          /* MEMORY_LEXICAL=database: full text by SQL, not in memory */
	uint64_t embed_failures; /* writes stored without a vector */
	/*
	 * Accesses counted by searches, written by the worker every
	 * MEM_TOUCH_FLUSH seconds (a search never waits on a write).
	 */
	pthread_mutex_t touch_lock;
	struct mem_touch *touches;
	size_t ntouches;
	/* The background embedder (mem_worker_start). */
	struct db_pool *pool;
	pthread_t worker;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int running, stop, kick; /* kick: a write is waiting for a vector */
};

int mem_init(struct mem *m, const struct config *cfg, struct cache *cache, struct err *e);
void mem_release(struct mem *m);

/* A memory as given by a client; absent fields are NULL / negative. */
struct mem_in {
	const char *content;
	const char *kind;
	json_t *metadata;             /* an object, borrowed */
	double importance;            /* < 0: absent */
	int64_t valid_from, valid_to; /* -1: absent, 0: clear (PATCH with null) */
};

/* Reads a POST (PARTIAL 0) or PATCH (PARTIAL 1) body; strings point into BODY. */
int mem_from_json(json_t *body, int partial, struct mem_in *out, struct err *e);
/* The kind named S, or -1. */
int mem_kind_parse(const char *s);
const char *mem_kind_name(int kind);

/*
 * Stores a memory; *OUT = {memory:{...}, merged:bool}. An exact duplicate
 * (same normalised text and kind) or a near duplicate (cosine at least
 * MEMORY_DEDUP_THRESHOLD) merges into the existing memory instead: the
 * newer text wins, metadata are merged, the history says MERGE with both
 * texts, and *CREATED is 0. ERR_CONFLICT past MEM_PER_USER_MAX.
 */
int mem_create(struct mem *m, struct db *db, const struct audit_ctx *ctx, const char *user,
               const struct mem_in *in, json_t **out, int *created, struct err *e);
int mem_get(struct mem *m, struct db *db, const char *user, const char *id, json_t **out,
            struct err *e);
/* {items, total}: newest first; KIND and metadata FILTER (an object of strings) narrow it. */
int mem_list(struct mem *m, struct db *db, const char *user, const char *kind, json_t *filter,
             int64_t limit, int64_t offset, json_t **out, struct err *e);
/* Applies the fields present in IN; re-embeds when the text changes. */
int mem_update(struct mem *m, struct db *db, const struct audit_ctx *ctx, const char *user,
               const char *id, const struct mem_in *in, json_t **out, struct err *e);
int mem_delete(struct mem *m, struct db *db, const struct audit_ctx *ctx, const char *user,
               const char *id, struct err *e);
/* {items:[{event, old_content, new_content, ..., at}]}, oldest first; kept after a delete. */
int mem_history(struct mem *m, struct db *db, const char *user, const char *id, json_t **out,
                struct err *e);
/* Every memory of the user (for export), oldest first. */
int mem_export(struct mem *m, struct db *db, const char *user, json_t **out, struct err *e);

enum mem_mode { MEM_HYBRID, MEM_VECTOR, MEM_LEXICAL };

struct mem_query {
	const char *q;
	int k;            /* 0: RAG_TOP_K */
	unsigned kinds;   /* bit per enum mem_kind; 0 = all */
	double threshold; /* < 0: RAG_SIMILARITY_THRESHOLD */
	enum mem_mode mode;
	double recency;    /* 0..1: weight of a boost for recent memories */
	double importance; /* 0..1: weight of a boost for important memories */
	int include_expired;
	int touch;           /* count the access on the returned memories (written later) */
	const char *exclude; /* a memory id to leave out (the coach's own turn) */
};

/*
 * {items:[{id, content, kind, metadata, score, similarity, match, ...}]},
 * best first. "match" is vector, lexical or both. A vector hit needs a
 * similarity of at least the threshold; a lexical hit always counts.
 */
int mem_search(struct mem *m, struct db *db, const char *user, const struct mem_query *q,
               json_t **out, struct err *e);

/*
 * An attempt with notes becomes an attempt_note memory (metadata: problem,
 * attempt_id, outcome). ATTEMPT is the attempt as served.
 */
int mem_note_attempt(struct mem *m, struct db *db, const struct audit_ctx *ctx, const char *user,
                     json_t *attempt, struct err *e);
/*
 * Makes the attempt_note memories of every attempt with notes that has
 * none (after an import); *CREATED gets how many.
 */
struct catalog;
int mem_sync_attempt_notes(struct mem *m, struct db *db, const struct catalog *c,
                           const struct audit_ctx *ctx, const char *user, int *created,
                           struct err *e);
/* Deletes the attempt_note memory of attempt ID, if any. */
int mem_forget_attempt(struct mem *m, struct db *db, const struct audit_ctx *ctx, const char *user,
                       const char *attempt_id, struct err *e);

/*
 * Embeds up to MEM_BACKFILL_BATCH memories that have no vector of the
 * current model; *DONE gets how many. Safe to run from several instances.
 */
int mem_backfill(struct mem *m, struct db *db, int *done, struct err *e);
/* Memories still waiting for a vector of the current model, over all users. */
int mem_pending(struct mem *m, struct db *db, int64_t *n, struct err *e);
/*
 * Starts a thread that runs mem_backfill on POOL until nothing is pending,
 * then every MEM_WORKER_INTERVAL seconds (sooner when a write could not be
 * embedded), backing off from 1 to MEM_WORKER_RETRY_MAX seconds while the
 * provider fails. Stop before mem_release.
 */
#define MEM_WORKER_INTERVAL  30
#define MEM_WORKER_RETRY_MAX 8 /* seconds between attempts while the provider fails */
void mem_worker_start(struct mem *m, struct db_pool *pool);
/* Writes the access counts searches have gathered; the worker calls it. */
int mem_flush_touches(struct mem *m, struct db *db, struct err *e);
void mem_worker_stop(struct mem *m);

#endif
