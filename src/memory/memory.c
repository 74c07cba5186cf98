/*
 * memory.c: storing, changing, listing and searching a user's memories.
 * See memory.h for the model; docs/architecture.md for the retrieval
 * pipeline.
 */
#include <ctype.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "practice/practice.h"

#include "memory/memory.h"

static const char *const kind_names[MEM_NKINDS] = {"conversation", "note", "insight",
                                                   "attempt_note", "interview_feedback"};

int mem_kind_parse(const char *s)
{
	for (int i = 0; s && i < MEM_NKINDS; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -1;
}

const char *mem_kind_name(int kind)
{
	return kind >= 0 && kind < MEM_NKINDS ? kind_names[kind] : "note";
}

int mem_init(struct mem *m, const struct config *cfg, struct cache *cache, struct err *e)
{
	memset(m, 0, sizeof(*m));
	int rc = embedder_open(cfg, &m->emb, e);
	if (rc)
		return rc;
	m->index = vindex_new((size_t)cfg->memory_index_mb * 1024 * 1024, 1);
	m->cache = cache;
	m->threshold = cfg->rag_similarity_threshold;
	m->top_k = cfg->rag_top_k;
	m->dedup = cfg->memory_dedup_threshold;
	pthread_mutex_init(&m->touch_lock, NULL);
	m->touches = xcalloc(MEM_TOUCH_MAX, sizeof(*m->touches));
	if (strcmp(cfg->memory_lexical, "database") == 0)
		m->lexical_db = 1;
	else if (strcmp(cfg->memory_lexical, "index"))
		return err_set(e, ERR_INVALID, "invalid_config",
		               "MEMORY_LEXICAL must be index or database, not '%.40s'",
		               cfg->memory_lexical);
	return 0;
}

void mem_release(struct mem *m)
{
	if (m->touches) {
		pthread_mutex_destroy(&m->touch_lock);
		free(m->touches);
	}
	vindex_free(m->index);
	embedder_free(m->emb);
	memset(m, 0, sizeof(*m));
}

/* ---- input ---- */

static int parse_time_field(json_t *body, const char *name, int64_t *out, struct err *e)
{
	json_t *v = json_object_get(body, name);
	if (!v)
		return 0;
	if (json_is_null(v)) {
		*out = 0;
		return 0;
	}
	if (time_parse_iso8601(json_string_value(v), out))
		return err_set(e, ERR_INVALID, "invalid_field",
		               "field '%s' must be an ISO 8601 time such as 2025-05-01T00:00:00Z",
		               name);
	return 0;
}

int mem_from_json(json_t *body, int partial, struct mem_in *out, struct err *e)
{
	static const struct json_field fields[] = {
	    {"content", JF_STRING, 0, MEM_CONTENT_MAX},
	    {"kind", JF_STRING, 0, 32},
	    {"metadata", JF_OBJECT, 0, 0},
	    {"importance", JF_NUMBER, 0, 0},
	    {"valid_from", JF_DATE_STRING, 0, 64},
	    {"valid_to", JF_DATE_STRING, 0, 64},
	};
	int rc = json_check_fields(body, fields, ARRAY_LEN(fields), e);
	if (rc)
		return rc;
	struct mem_in in = {0};
	in.content = json_str(body, "content");
	in.kind = json_str(body, "kind");
	in.metadata = json_object_get(body, "metadata");
	if (json_is_null(in.metadata))
		in.metadata = NULL;
	in.importance = -1;
	in.valid_from = in.valid_to = -1;
	if (!partial && !in.content)
		return err_set(e, ERR_INVALID, "missing_field", "field 'content' is required");
	if (in.content) {
		const char *p = in.content;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return err_set(e, ERR_INVALID, "invalid_field", "field 'content' is empty");
	}
	if (!partial && !in.kind)
		in.kind = "note";
	if (in.kind && mem_kind_parse(in.kind) < 0)
		return err_set(e, ERR_INVALID, "invalid_field",
		               "field 'kind' must be conversation, note, insight, attempt_note or "
		               "interview_feedback");
	if (in.metadata) {
		char *text = json_dump_compact(in.metadata);
		size_t n = strlen(text);
		free(text);
		if (n > MEM_METADATA_MAX)
			return err_set(e, ERR_INVALID, "invalid_field",
			               "field 'metadata' is %zu bytes; at most %d", n,
			               MEM_METADATA_MAX);
	}
	if (json_has(body, "importance")) {
		in.importance = json_number_value(json_object_get(body, "importance"));
		if (!(in.importance >= 0 && in.importance <= 1))
			return err_set(e, ERR_INVALID, "invalid_field",
			               "field 'importance' must be between 0 and 1");
	}
	if ((rc = parse_time_field(body, "valid_from", &in.valid_from, e)) ||
	    (rc = parse_time_field(body, "valid_to", &in.valid_to, e)))
		return rc;
	if (in.valid_from > 0 && in.valid_to > 0 && in.valid_to <= in.valid_from)
		return err_set(e, ERR_INVALID, "invalid_field",
		               "field 'valid_to' must be after 'valid_from'");
	if (partial && !in.content && !in.kind && !in.metadata && in.importance < 0 &&
	    in.valid_from < 0 && in.valid_to < 0)
		return err_set(e, ERR_INVALID, "invalid_body", "nothing to change");
	*out = in;
	return 0;
}

/* SHA-256 of the text lowercased with runs of space folded: exact duplicates. */
static void content_hash(const char *s, char out[65])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	int space = 0, started = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isspace(c)) {
			space = started;
			continue;
		}
		if (space)
			EVP_DigestUpdate(ctx, " ", 1);
		space = 0;
		started = 1;
		char l = (char)tolower(c);
		EVP_DigestUpdate(ctx, &l, 1);
	}
	unsigned char md[32];
	unsigned int n = 0;
	EVP_DigestFinal_ex(ctx, md, &n);
	EVP_MD_CTX_free(ctx);
	hex_encode(md, 32, out);
}

/* ---- rows ---- */

#define MEM_COLS                                                                                   \
	"seq, id, kind, content, metadata, importance, valid_from, valid_to, access_count, "       \
	"last_accessed_at, embedding_model, created_at, updated_at"

static json_t *iso_or_null(struct db_stmt *st, int i)
{
	if (db_col_is_null(st, i))
		return json_null();
	char ts[21];
	time_format_iso8601(db_col_int(st, i), ts);
	return json_string(ts);
}

static json_t *parse_object(const char *s)
{
	json_t *j = s ? json_loads(s, 0, NULL) : NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		j = json_object();
	}
	return j;
}

static json_t *row_json(struct db_stmt *st)
{
	const char *model = db_col_text(st, 10);
	return json_pack("{s:s,s:s,s:s,s:o,s:f,s:o,s:o,s:I,s:o,s:o,s:o,s:o}", "id",
	                 db_col_text(st, 1), "kind", db_col_text(st, 2), "content",
	                 db_col_text(st, 3), "metadata", parse_object(db_col_text(st, 4)),
	                 "importance", db_col_double(st, 5), "valid_from", iso_or_null(st, 6),
	                 "valid_to", iso_or_null(st, 7), "access_count",
	                 (json_int_t)db_col_int(st, 8), "last_accessed_at", iso_or_null(st, 9),
	                 "embedding_model", model ? json_string(model) : json_null(), "created_at",
	                 iso_or_null(st, 11), "updated_at", iso_or_null(st, 12));
}

static int fetch_one(struct db *db, const char *user, const char *id, json_t **out, int64_t *seq,
                     struct err *e)
{
	struct db_stmt *st;
	int rc =
	    db_query(db, &st, e, "SELECT " MEM_COLS " FROM memories WHERE user_id = ? AND id = ?",
	             "tt", user, id);
	if (rc)
		return rc;
	rc = db_step(st, e);
	if (rc == DB_ROW) {
		if (seq)
			*seq = db_col_int(st, 0);
		*out = row_json(st);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = err_set(e, ERR_NOT_FOUND, "not_found", "no memory '%.40s'", id);
	}
	db_finish(st);
	return rc;
}

static uint32_t pending_touches(struct mem *m, int64_t seq);

int mem_get(struct mem *m, struct db *db, const char *user, const char *id, json_t **out,
            struct err *e)
{
	int64_t seq = 0;
	int rc = fetch_one(db, user, id, out, &seq, e);
	uint32_t pending = rc ? 0 : pending_touches(m, seq);
	if (pending) {
		json_t *ac = json_object_get(*out, "access_count");
		json_object_set_new(*out, "access_count",
		                    json_integer(json_integer_value(ac) + (json_int_t)pending));
	}
	return rc;
}

/*
 * Bumps the user's memory version, and their memory count by DELTA, in the
 * caller's transaction.
 */
static int bump_version(struct db *db, const char *user, int delta, uint64_t *version,
                        struct err *e)
{
	int64_t v;
	int rc =
	    db_scalar(db, e, &v,
	              "INSERT INTO memory_state (user_id, version, count) VALUES (?, 1, ?) "
	              "ON CONFLICT (user_id) DO UPDATE SET version = memory_state.version + 1, "
	              "count = memory_state.count + excluded.count RETURNING version",
	              "ti", user, (int64_t)delta);
	if (!rc)
		*version = (uint64_t)v;
	return rc;
}

static int read_version(struct db *db, const char *user, uint64_t *version, struct err *e)
{
	int64_t v = 0;
	int rc =
	    db_scalar(db, e, &v, "SELECT version FROM memory_state WHERE user_id = ?", "t", user);
	if (rc == ERR_NOT_FOUND) {
		memset(e, 0, sizeof(*e)); /* never written: version 0 */
		rc = 0, v = 0;
	}
	if (!rc)
		*version = (uint64_t)v;
	return rc;
}

static int history_add(struct db *db, const char *user, const char *memory_id, const char *event,
                       const char *old_content, const char *new_content, const char *old_meta,
                       const char *new_meta, int64_t now, struct err *e)
{
	return db_run(
	    db, e, NULL,
	    "INSERT INTO memory_history (memory_id, user_id, event, old_content, "
	    "new_content, old_metadata, new_metadata, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    "ttttttti", memory_id, user, event, old_content, new_content, old_meta, new_meta, now);
}

/* ---- embeddings ---- */

/*
 * Embeds TEXT with the configured provider into a new vector (*VEC, DIM
 * floats), or leaves *VEC NULL when the provider fails: the memory is then
 * stored without one and embedded later by mem_backfill().
 */
static void embed_text(struct mem *m, const char *text, float **vec, int is_write)
{
	struct err e = {0};
	float *v = xmalloc(sizeof(float) * (size_t)(m->emb->dim ? m->emb->dim : EMBED_DIM_MAX));
	if (embed_one(m->emb, text, v, &e)) {
		log_msg(LOG_WARN, "mem_embed: %s: %s (stored without a vector)", m->emb->model,
		        e.msg);
		if (is_write)
			__atomic_add_fetch(&m->embed_failures, 1, __ATOMIC_RELAXED);
		free(v);
		*vec = NULL;
		return;
	}
	*vec = v;
}

/* A memory was stored without a vector: the background embedder should look soon. */
static void wake_worker(struct mem *m)
{
	if (!m->running)
		return;
	pthread_mutex_lock(&m->lock);
	m->kick = 1;
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->lock);
}

struct load_arg {
	struct mem *m;
	struct db *db;
	struct err *e;
};

/* The vector index's loader: every vector of the user's current model. */
static int load_partition(void *arg, const char *user, struct vpart_builder *b, struct err *e)
{
	struct load_arg *a = arg;
	struct db_stmt *st;
	int rc = db_query(a->db, &st, e,
	                  "SELECT seq, kind, valid_to, embedding, embedding_model, embedding_dim, "
	                  "content FROM memories WHERE user_id = ?",
	                  "t", user);
	if (rc)
		return rc;
	size_t want = sizeof(float) * (size_t)a->m->emb->dim;
	float *tmp = xmalloc(want ? want : 1);
	while ((rc = db_step(st, e)) == DB_ROW) {
		size_t n = 0;
		const void *blob = NULL;
		const char *model = db_col_text(st, 4);
		/* Only vectors of the current model; the text is indexed either way. */
		if (model && strcmp(model, a->m->emb->model) == 0 &&
		    db_col_int(st, 5) == a->m->emb->dim)
			blob = db_col_blob(st, 3, &n);
		if (blob && n == want)
			memcpy(tmp, blob, want); /* the blob may not be aligned */
		int kind = mem_kind_parse(db_col_text(st, 1));
		vpart_add(b, db_col_int(st, 0), blob && n == want ? tmp : NULL,
		          (unsigned)(kind < 0 ? 0 : kind),
		          db_col_is_null(st, 2) ? 0 : db_col_int(st, 2), db_col_text(st, 6));
	}
	free(tmp);
	db_finish(st);
	return rc < 0 ? rc : 0;
}

/* ---- writes ---- */

static char *merged_metadata(const char *old, json_t *add)
{
	json_t *j = parse_object(old);
	if (add)
		json_object_update(j, add);
	char *s = json_dump_compact(j);
	json_decref(j);
	return s;
}

static int count_memories(struct db *db, const char *user, int64_t *n, struct err *e)
{
	int rc = db_scalar(db, e, n, "SELECT count FROM memory_state WHERE user_id = ?", "t", user);
	if (rc == ERR_NOT_FOUND) {
		memset(e, 0, sizeof(*e)); /* no row yet: none kept */
		rc = 0, *n = 0;
	}
	return rc;
}

/* A near duplicate of VEC among the user's memories of KIND: its seq, or 0. */
static int64_t near_duplicate(struct mem *m, struct db *db, const char *user, int kind,
                              const float *vec)
{
	struct err e = {0};
	uint64_t version;
	if (!vec || m->dedup >= 1.0 || read_version(db, user, &version, &e))
		return 0;
	struct load_arg la = {m, db, &e};
	struct vfilter f = {1u << kind, 0};
	struct vhit hit;
	int n = 0;
	if (vindex_search(m->index, user, version, m->emb->model, m->emb->dim, vec, 1,
	                  (float)m->dedup, &f, load_partition, &la, &hit, &n, &e))
		return 0;
	return n ? hit.seq : 0;
}

int mem_create(struct mem *m, struct db *db, const struct audit_ctx *ctx, const char *user,
               const struct mem_in *in, json_t **out, int *created, struct err *e)
{
	embed_ready(m->emb);
	int kind = mem_kind_parse(in->kind ? in->kind : "note");
	if (kind < 0 || !in->content)
		return err_set(e, ERR_INVALID, "invalid_field",
		               "a memory needs content and a kind");
	char hash[65], id[37];
	content_hash(in->content, hash);
	float *vec = NULL;
	embed_text(m, in->content, &vec, 1);
	int64_t near = near_duplicate(m, db, user, kind, vec);
	int64_t now = time_now(), seq = 0, count;
	uint64_t version = 0;
	char *meta = NULL, *old_content = NULL, *old_meta = NULL;
	int merged = 0;
	int rc = db_begin(db, e);
	if (rc)
		goto out;
	/* An exact duplicate first, then the near one found above. */
	for (int pass = 0; pass < 2 && !merged; pass++) {
		struct db_stmt *st;
		if (pass == 0)
			rc = db_query(
			    db, &st, e,
			    "SELECT seq, id, content, metadata FROM memories WHERE user_id = ? "
			    "AND content_hash = ? AND kind = ? LIMIT 1",
			    "ttt", user, hash, mem_kind_name(kind));
		else if (near)
			rc = db_query(db, &st, e,
			              "SELECT seq, id, content, metadata, user_id FROM memories "
			              "WHERE seq = ?",
			              "i", near);
		else
			break;
		if (rc)
			goto fail;
		if ((rc = db_step(st, e)) == DB_ROW &&
		    (pass == 0 || !strcmp(db_col_text(st, 4), user))) {
			merged = 1;
			seq = db_col_int(st, 0);
			str_copy(id, sizeof(id), db_col_text(st, 1));
			old_content = xstrdup(db_col_text(st, 2));
			old_meta = xstrdup(db_col_text(st, 3));
		}
		db_finish(st);
		if (rc < 0)
			goto fail;
	}
	if (merged) {
		meta = merged_metadata(old_meta, in->metadata);
		rc = db_run(db, e, NULL,
		            "UPDATE memories SET content = ?, content_hash = ?, metadata = ?, "
		            "importance = CASE WHEN ? > importance THEN ? ELSE importance END, "
		            "valid_to = CASE WHEN ? = 1 THEN ? ELSE valid_to END, "
		            "embedding = ?, embedding_model = ?, embedding_dim = ?, updated_at = ? "
		            "WHERE seq = ?",
		            "tttddiobtoii", in->content, hash, meta, in->importance, in->importance,
		            (int64_t)(in->valid_to >= 0), in->valid_to > 0 ? in->valid_to : -1,
		            (const void *)vec, vec ? sizeof(float) * (size_t)m->emb->dim : 0,
		            vec ? m->emb->model : NULL, vec ? (int64_t)m->emb->dim : -1, now, seq);
		if (rc)
			goto fail;
		if ((rc = history_add(db, user, id, "MERGE", old_content, in->content, old_meta,
		                      meta, now, e)))
			goto fail;
	} else {
		if ((rc = count_memories(db, user, &count, e)))
			goto fail;
		if (count >= MEM_PER_USER_MAX) {
			rc = err_set(e, ERR_CONFLICT, "memory_limit",
			             "a user keeps at most %d memories; delete some first",
			             MEM_PER_USER_MAX);
			goto fail;
		}
		uuid_v4(id);
		meta = merged_metadata(NULL, in->metadata);
		rc = db_scalar(
		    db, e, &seq,
		    "INSERT INTO memories (id, user_id, kind, content, content_hash, metadata, "
		    "importance, valid_from, valid_to, embedding, embedding_model, "
		    "embedding_dim, created_at, updated_at) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
		    "ttttttdoobtoii", id, user, mem_kind_name(kind), in->content, hash, meta,
		    in->importance >= 0 ? in->importance : 0.5,
		    in->valid_from > 0 ? in->valid_from : -1, in->valid_to > 0 ? in->valid_to : -1,
		    (const void *)vec, vec ? sizeof(float) * (size_t)m->emb->dim : 0,
		    vec ? m->emb->model : NULL, vec ? (int64_t)m->emb->dim : -1, now, now);
		if (rc)
			goto fail;
		if ((rc = history_add(db, user, id, "ADD", NULL, in->content, NULL, meta, now, e)))
			goto fail;
	}
	if ((rc = bump_version(db, user, merged ? 0 : 1, &version, e)))
		goto fail;
	json_t *detail = json_pack("{s:s,s:b}", "kind", mem_kind_name(kind), "merged", merged);
	rc = audit_log(db, ctx, merged ? "memory.merge" : "memory.create", "memory", id, detail, e);
	json_decref(detail);
	if (rc || (rc = db_commit(db, e)))
		goto fail;
	vindex_put(m->index, user, version - 1, version, m->emb->model, seq, vec, (unsigned)kind,
	           in->valid_to > 0 ? in->valid_to : 0, in->content);
	if (!vec)
		wake_worker(m);
	json_t *mem;
	if ((rc = fetch_one(db, user, id, &mem, NULL, e)))
		goto out;
	*out = json_pack("{s:o,s:b}", "memory", mem, "merged", merged);
	if (created)
		*created = !merged;
	rc = 0;
	goto out;
fail:
	db_rollback(db);
out:
	free(vec);
	free(meta);
	free(old_content);
	free(old_meta);
	return rc;
}

/* A memory as it stands, read in the caller's transaction before a change. */
struct existing {
	int64_t seq;
	char *content, *meta;
	int kind, has_from, has_to;
	int64_t valid_from, valid_to;
};

/* ERR_NOT_FOUND unless ID is one of USER's memories; free X's strings after. */
static int read_existing(struct db *db, const char *user, const char *id, struct existing *x,
                         struct err *e)
{
	memset(x, 0, sizeof(*x));
	struct db_stmt *st;
	int rc = db_query(db, &st, e,
	                  "SELECT seq, content, metadata, kind, valid_from, valid_to FROM memories "
	                  "WHERE user_id = ? AND id = ?",
	                  "tt", user, id);
	if (rc)
		return rc;
	if ((rc = db_step(st, e)) == DB_ROW) {
		x->seq = db_col_int(st, 0);
		x->content = xstrdup(db_col_text(st, 1));
		x->meta = xstrdup(db_col_text(st, 2));
		x->kind = mem_kind_parse(db_col_text(st, 3));
		x->has_from = !db_col_is_null(st, 4);
		x->valid_from = db_col_int(st, 4);
		x->has_to = !db_col_is_null(st, 5);
		x->valid_to = db_col_int(st, 5);
	}
	db_finish(st);
	if (rc < 0)
		return rc;
	if (!x->seq)
		return err_set(e, ERR_NOT_FOUND, "not_found", "no memory '%.40s'", id);
	return 0;
}

int mem_update(struct mem *m, struct db *db, const struct audit_ctx *ctx, const char *user,
               const char *id, const struct mem_in *in, json_t **out, struct err *e)
{
	embed_ready(m->emb);
	float *vec = NULL;
	if (in->content)
		embed_text(m, in->content, &vec, 1);
	int64_t now = time_now(), seq = 0, valid_from = 0, valid_to = 0;
	uint64_t version = 0;
	char *old_content = NULL, *old_meta = NULL, *meta = NULL, hash[65];
	int kind = 0, has_from = 0, has_to = 0;
	struct existing x;
	int rc = db_begin(db, e);
	if (rc)
		goto out;
	rc = read_existing(db, user, id, &x, e);
	old_content = x.content;
	old_meta = x.meta;
	if (rc)
		goto fail;
	seq = x.seq;
	kind = x.kind;
	has_from = x.has_from, valid_from = x.valid_from;
	has_to = x.has_to, valid_to = x.valid_to;
	if (in->kind)
		kind = mem_kind_parse(in->kind);
	if (in->valid_from >= 0)
		has_from = in->valid_from > 0, valid_from = in->valid_from;
	if (in->valid_to >= 0)
		has_to = in->valid_to > 0, valid_to = in->valid_to;
	if (has_from && has_to && valid_to <= valid_from) {
		rc = err_set(e, ERR_INVALID, "invalid_field",
		             "field 'valid_to' must be after 'valid_from'");
		goto fail;
	}
	/* A patch replaces metadata as a whole: that is how a key is removed. */
	if (in->metadata) {
		meta = json_dump_compact(in->metadata);
	} else {
		meta = old_meta;
		old_meta = xstrdup(meta);
	}
	const char *content = in->content ? in->content : old_content;
	content_hash(content, hash);
	if (in->content) {
		rc = db_run(db, e, NULL,
		            "UPDATE memories SET content = ?, content_hash = ?, embedding = ?, "
		            "embedding_model = ?, embedding_dim = ? WHERE seq = ?",
		            "ttbtoi", content, hash, (const void *)vec,
		            vec ? sizeof(float) * (size_t)m->emb->dim : 0,
		            vec ? m->emb->model : NULL, vec ? (int64_t)m->emb->dim : -1, seq);
		if (rc)
			goto fail;
	}
	rc = db_run(db, e, NULL,
	            "UPDATE memories SET kind = ?, metadata = ?, "
	            "importance = CASE WHEN ? = 1 THEN ? ELSE importance END, valid_from = ?, "
	            "valid_to = ?, updated_at = ? WHERE seq = ?",
	            "ttidooii", mem_kind_name(kind), meta, (int64_t)(in->importance >= 0),
	            in->importance, has_from ? valid_from : -1, has_to ? valid_to : -1, now, seq);
	if (rc)
		goto fail;
	if ((rc =
	         history_add(db, user, id, "UPDATE", old_content, content, old_meta, meta, now, e)))
		goto fail;
	if ((rc = bump_version(db, user, 0, &version, e)))
		goto fail;
	if ((rc = audit_log(db, ctx, "memory.update", "memory", id, NULL, e)) ||
	    (rc = db_commit(db, e)))
		goto fail;
	if (in->content) {
		vindex_put(m->index, user, version - 1, version, m->emb->model, seq, vec,
		           (unsigned)kind, has_to ? valid_to : 0, content);
		if (!vec)
			wake_worker(m);
	} else {
		/* Kind or validity changed: the partition holds both; reload it. */
		vindex_drop(m->index, user);
	}
	rc = fetch_one(db, user, id, out, NULL, e);
	goto out;
fail:
	db_rollback(db);
out:
	free(vec);
	free(old_content);
	free(old_meta);
	free(meta);
	return rc;
}

int mem_delete(struct mem *m, struct db *db, const struct audit_ctx *ctx, const char *user,
               const char *id, struct err *e)
{
	int64_t now = time_now(), seq = 0;
	uint64_t version = 0;
	struct existing x;
	int rc = db_begin(db, e);
	if (rc)
		return rc;
	rc = read_existing(db, user, id, &x, e);
	char *old_content = x.content, *old_meta = x.meta;
	if (rc)
		goto fail;
	seq = x.seq;
	if ((rc = db_run(db, e, NULL, "DELETE FROM memories WHERE seq = ?", "i", seq)) ||
	    (rc = history_add(db, user, id, "DELETE", old_content, NULL, old_meta, NULL, now, e)) ||
	    (rc = bump_version(db, user, -1, &version, e)) ||
	    (rc = audit_log(db, ctx, "memory.delete", "memory", id, NULL, e)) ||
	    (rc = db_commit(db, e)))
		goto fail;
	vindex_put(m->index, user, version - 1, version, NULL, seq, NULL, 0, 0, NULL);
	goto out;
fail:
	db_rollback(db);
out:
	free(old_content);
	free(old_meta);
	return rc;
}

/* ---- reads ---- */

int mem_list(struct mem *m, struct db *db, const char *user, const char *kind, json_t *filter,
             int64_t limit, int64_t offset, json_t **out, struct err *e)
{
	(void)m;
	if (kind && mem_kind_parse(kind) < 0)
		return err_set(
		    e, ERR_INVALID, "invalid_field",
		    "parameter 'kind' must be conversation, note, insight, attempt_note or "
		    "interview_feedback");
	if (filter && json_object_size(filter) > MEM_FILTERS_MAX)
		return err_set(e, ERR_INVALID, "invalid_field",
		               "parameter 'metadata' may name at most %d keys", MEM_FILTERS_MAX);
	int pg = strcmp(db_dialect(db), "postgres") == 0;
	struct buf where;
	buf_init(&where, 4096);
	buf_puts(&where, "user_id = ?");
	const char *vals[2 + 2 * MEM_FILTERS_MAX];
	int nv = 0;
	vals[nv++] = user;
	if (kind) {
		buf_puts(&where, " AND kind = ?");
		vals[nv++] = kind;
	}
	char *paths[MEM_FILTERS_MAX] = {0};
	int np = 0;
	const char *key;
	json_t *v;
	int rc = 0;
	json_object_foreach(filter, key, v)
	{
		if (!json_is_string(v)) {
			rc = err_set(e, ERR_INVALID, "invalid_field",
			             "parameter 'metadata' must map keys to strings");
			goto out;
		}
		if (pg) {
			buf_puts(&where, " AND metadata->>CAST(? AS TEXT) = ?");
			vals[nv++] = key;
		} else {
			/* A JSON path with the key quoted, so dots in a key are just dots. */
			struct buf p;
			buf_init(&p, 1024);
			buf_puts(&p, "$.");
			json_escape_buf(&p, key);
			paths[np] = buf_detach(&p);
			buf_puts(&where, " AND json_extract(metadata, ?) = ?");
			vals[nv++] = paths[np++];
		}
		vals[nv++] = json_string_value(v);
	}
	char *sql_items = xasprintf("SELECT " MEM_COLS " FROM memories WHERE %s "
	                            "ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?",
	                            where.data);
	char *sql_count = xasprintf("SELECT COUNT(*) FROM memories WHERE %s", where.data);
	struct db_stmt *st = NULL;
	json_t *items = json_array();
	int64_t total = 0;
	if ((rc = db_prepare(db, sql_count, &st, e)))
		goto done;
	for (int i = 0; i < nv; i++)
		db_bind_text(st, i + 1, vals[i]);
	if ((rc = db_step(st, e)) == DB_ROW)
		total = db_col_int(st, 0);
	db_finish(st);
	if (rc < 0)
		goto done;
	if ((rc = db_prepare(db, sql_items, &st, e)))
		goto done;
	for (int i = 0; i < nv; i++)
		db_bind_text(st, i + 1, vals[i]);
	db_bind_int(st, nv + 1, limit);
	db_bind_int(st, nv + 2, offset);
	while ((rc = db_step(st, e)) == DB_ROW)
		json_array_append_new(items, row_json(st));
	db_finish(st);
	if (rc < 0)
		goto done;
	*out = json_pack("{s:O,s:I,s:I,s:I}", "items", items, "total", (json_int_t)total, "limit",
	                 (json_int_t)limit, "offset", (json_int_t)offset);
	rc = 0;
done:
	json_decref(items);
	free(sql_items);
	free(sql_count);
out:
	for (int i = 0; i < np; i++)
		free(paths[i]);
	buf_release(&where);
	return rc;
}

int mem_history(struct mem *m, struct db *db, const char *user, const char *id, json_t **out,
                struct err *e)
{
	(void)m;
	struct db_stmt *st;
	int rc = db_query(db, &st, e,
	                  "SELECT event, old_content, new_content, old_metadata, new_metadata, at "
	                  "FROM memory_history WHERE user_id = ? AND memory_id = ? ORDER BY seq",
	                  "tt", user, id);
	if (rc)
		return rc;
	json_t *items = json_array();
	while ((rc = db_step(st, e)) == DB_ROW) {
		const char *oc = db_col_text(st, 1), *nc = db_col_text(st, 2);
		const char *om = db_col_text(st, 3), *nm = db_col_text(st, 4);
		json_array_append_new(
		    items,
		    json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}", "event", db_col_text(st, 0),
		              "old_content", oc ? json_string(oc) : json_null(), "new_content",
		              nc ? json_string(nc) : json_null(), "old_metadata",
		              om ? parse_object(om) : json_null(), "new_metadata",
		              nm ? parse_object(nm) : json_null(), "at", iso_or_null(st, 5)));
	}
	db_finish(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	if (json_array_size(items) == 0) {
		json_decref(items);
		return err_set(e, ERR_NOT_FOUND, "not_found", "no memory '%.40s'", id);
	}
	*out = json_pack("{s:s,s:o}", "memory_id", id, "items", items);
	return 0;
}

int mem_export(struct mem *m, struct db *db, const char *user, json_t **out, struct err *e)
{
	(void)m;
	struct db_stmt *st;
	int rc =
	    db_query(db, &st, e,
	             "SELECT " MEM_COLS " FROM memories WHERE user_id = ? ORDER BY created_at, seq",
	             "t", user);
	if (rc)
		return rc;
	json_t *items = json_array();
	while ((rc = db_step(st, e)) == DB_ROW)
		json_array_append_new(items, row_json(st));
	db_finish(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = items;
	return 0;
}

/* ---- search ---- */

struct cand {
	int64_t seq;
	float sim;        /* cosine, when the vector search found it */
	int vrank, lrank; /* 1-based; 0 = not found by that retriever */
	double score;
	json_t *row;
};

struct terms {
	struct buf *b;
	int pg;
	int n;
};

#define LEX_TERMS_MAX 64

static void lex_term(void *arg, const char *term, int expansion)
{
	struct terms *t = arg;
	(void)expansion;
	if (t->n >= LEX_TERMS_MAX || !*term)
		return;
	if (t->n++)
		buf_puts(t->b, t->pg ? " or " : " OR ");
	/* Terms are letters, digits and single spaces (embed_query_terms), so quoting is safe. */
	if (t->pg && !strchr(term, ' '))
		buf_puts(t->b, term);
	else
		buf_printf(t->b, "\"%s\"", term);
}

static struct cand *cand_get(struct cand *c, int *n, int64_t seq)
{
	for (int i = 0; i < *n; i++)
		if (c[i].seq == seq)
			return &c[i];
	memset(&c[*n], 0, sizeof(c[*n]));
	c[*n].seq = seq;
	return &c[(*n)++];
}

/* The lexical candidates from the in-memory BM25 index of the user's partition. */
static int lexical_index(struct mem *m, struct db *db, const char *user, uint64_t version,
                         const char *q, struct cand *c, int *n, struct err *e)
{
	struct vhit hits[MEM_CANDIDATES];
	int nh = 0;
	struct load_arg la = {m, db, e};
	int rc = vindex_lexical(m->index, user, version, m->emb->model, m->emb->dim, q,
	                        MEM_CANDIDATES, load_partition, &la, hits, &nh, e);
	if (rc)
		return rc;
	for (int i = 0; i < nh; i++)
		cand_get(c, n, hits[i].seq)->lrank = i + 1;
	return 0;
}

/* The lexical candidates from the database's full-text index (MEMORY_LEXICAL=database). */
static int lexical_db(struct db *db, const char *user, const char *q, struct cand *c, int *n,
                      struct err *e)
{
	int pg = strcmp(db_dialect(db), "postgres") == 0;
	struct buf b;
	buf_init(&b, 16384);
	struct terms t = {&b, pg, 0};
	if (!pg) {
		/* The owner column holds the user id as one token: "u" and its hex digits. */
		buf_puts(&b, "owner:u");
		for (const char *p = user; *p; p++)
			if (*p != '-')
				buf_append(&b, p, 1);
		buf_puts(&b, " AND (");
	}
	size_t mark = b.len;
	embed_query_terms(q, lex_term, &t);
	if (b.len == mark) {
		buf_release(&b);
		return 0; /* nothing to look up */
	}
	if (!pg)
		buf_puts(&b, ")");
	struct db_stmt *st;
	int rc = pg ? db_query(db, &st, e,
	                       "SELECT seq FROM memories, websearch_to_tsquery('english', ?) AS q "
	                       "WHERE user_id = ? AND tsv @@ q "
	                       "ORDER BY ts_rank_cd(tsv, q) DESC, seq DESC LIMIT ?",
	                       "tti", b.data, user, (int64_t)MEM_CANDIDATES)
	            : db_query(db, &st, e,
	                       "SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? "
	                       "ORDER BY bm25(memories_fts, 0.0, 1.0), rowid DESC LIMIT ?",
	                       "ti", b.data, (int64_t)MEM_CANDIDATES);
	buf_release(&b);
	if (rc)
		return rc;
	int rank = 0;
	while ((rc = db_step(st, e)) == DB_ROW)
		cand_get(c, n, db_col_int(st, 0))->lrank = ++rank;
	db_finish(st);
	return rc < 0 ? rc : 0;
}

/* Reads the rows of the candidates (one query); those not found stay without a row. */
static int hydrate(struct db *db, const char *user, struct cand *c, int n, struct err *e)
{
	if (!n)
		return 0;
	struct buf sql;
	buf_init(&sql, 8192);
	/* By primary key alone (an index on user_id would be scanned); the owner is checked here.
	 */
	buf_puts(&sql, "SELECT " MEM_COLS ", user_id FROM memories WHERE seq IN (");
	for (int i = 0; i < n; i++)
		buf_puts(&sql, i ? ", ?" : "?");
	buf_puts(&sql, ")");
	struct db_stmt *st;
	int rc = db_prepare(db, sql.data, &st, e);
	buf_release(&sql);
	if (rc)
		return rc;
	for (int i = 0; i < n; i++)
		db_bind_int(st, i + 1, c[i].seq);
	while ((rc = db_step(st, e)) == DB_ROW) {
		int64_t seq = db_col_int(st, 0);
		if (strcmp(db_col_text(st, 13), user) != 0)
			continue;
		for (int i = 0; i < n; i++)
			if (c[i].seq == seq && !c[i].row) {
				c[i].row = row_json(st);
				json_object_set_new(c[i].row, "_created",
				                    json_integer(db_col_int(st, 11)));
				json_object_set_new(
				    c[i].row, "_from",
				    json_integer(db_col_is_null(st, 6) ? 0 : db_col_int(st, 6)));
				json_object_set_new(
				    c[i].row, "_to",
				    json_integer(db_col_is_null(st, 7) ? 0 : db_col_int(st, 7)));
			}
	}
	db_finish(st);
	return rc < 0 ? rc : 0;
}

static int cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	return a->seq < b->seq ? 1 : (a->seq > b->seq ? -1 : 0);
}

/* Counts an access to each hit; the worker writes them (mem_flush_touches). */
static void touch_hits(struct mem *m, const struct cand *c, int n, int64_t now)
{
	if (!m->touches)
		return;
	pthread_mutex_lock(&m->touch_lock);
	for (int i = 0; i < n; i++) {
		size_t j = 0;
		while (j < m->ntouches && m->touches[j].seq != c[i].seq)
			j++;
		if (j == m->ntouches) {
			if (m->ntouches == MEM_TOUCH_MAX)
				continue; /* full until the next flush: this access goes uncounted
				           */
			m->touches[m->ntouches++] = (struct mem_touch){c[i].seq, 0, 0};
		}
		m->touches[j].count++;
		m->touches[j].at = now;
	}
	pthread_mutex_unlock(&m->touch_lock);
}

/* Accesses of SEQ not written yet (so a read on this instance sees its own count). */
static uint32_t pending_touches(struct mem *m, int64_t seq)
{
	uint32_t n = 0;
	if (!m->touches)
		return 0;
	pthread_mutex_lock(&m->touch_lock);
	for (size_t j = 0; j < m->ntouches; j++)
		if (m->touches[j].seq == seq)
			n = m->touches[j].count;
	pthread_mutex_unlock(&m->touch_lock);
	return n;
}

int mem_flush_touches(struct mem *m, struct db *db, struct err *e)
{
	if (!m->touches)
		return 0;
	pthread_mutex_lock(&m->touch_lock);
	size_t n = m->ntouches;
	struct mem_touch *t = NULL;
	if (n) {
		t = xmalloc(n * sizeof(*t));
		memcpy(t, m->touches, n * sizeof(*t));
		m->ntouches = 0;
	}
	pthread_mutex_unlock(&m->touch_lock);
	if (!n)
		return 0;
	int rc = db_begin(db, e);
	for (size_t i = 0; i < n && !rc; i++)
		rc = db_run(db, e, NULL,
		            "UPDATE memories SET access_count = access_count + ?, "
		            "last_accessed_at = CASE WHEN last_accessed_at IS NULL OR "
		            "last_accessed_at < ? THEN ? ELSE last_accessed_at END WHERE seq = ?",
		            "iiii", (int64_t)t[i].count, t[i].at, t[i].at, t[i].seq);
	if (!rc)
		rc = db_commit(db, e);
	if (rc)
		db_rollback(db); /* the counts of this round are lost; searches go on */
	free(t);
	return rc;
}

/* Applies the query's filters and boosts to a hydrated candidate; 0 to drop it. */
static int accept(const struct mem_query *q, int64_t now, struct cand *c)
{
	json_t *row = c->row;
	if (!row)
		return 0;
	int kind = mem_kind_parse(json_string_value(json_object_get(row, "kind")));
	int64_t from = json_integer_value(json_object_get(row, "_from"));
	int64_t to = json_integer_value(json_object_get(row, "_to"));
	int64_t created = json_integer_value(json_object_get(row, "_created"));
	const char *id = json_string_value(json_object_get(row, "id"));
	if ((q->kinds && !(q->kinds & (1u << kind))) ||
	    (!q->include_expired && ((from && from > now) || (to && to <= now))) ||
	    (q->exclude && strcmp(q->exclude, id) == 0))
		return 0;
	if (q->recency > 0) {
		double age_days = (double)(now - created) / 86400.0;
		c->score += q->recency * exp(-(age_days > 0 ? age_days : 0) / 30.0) * 0.25;
	}
	if (q->importance > 0)
		c->score += q->importance *
		            (json_real_value(json_object_get(row, "importance")) - 0.5) * 0.25;
	json_object_del(row, "_from");
	json_object_del(row, "_to");
	json_object_del(row, "_created");
	return 1;
}

static const char *mode_name(enum mem_mode mode)
{
	return mode == MEM_VECTOR ? "vector" : mode == MEM_LEXICAL ? "lexical" : "hybrid";
}

int mem_search(struct mem *m, struct db *db, const char *user, const struct mem_query *q,
               json_t **out, struct err *e)
{
	embed_ready(m->emb);
	size_t qlen = q->q ? strlen(q->q) : 0;
	if (!qlen)
		return err_set(e, ERR_INVALID, "missing_field", "parameter 'q' is required");
	if (qlen > MEM_QUERY_MAX)
		return err_set(e, ERR_INVALID, "invalid_field",
		               "parameter 'q' is %zu bytes; at most %d", qlen, MEM_QUERY_MAX);
	int k = q->k ? q->k : m->top_k;
	if (k < 1 || k > MEM_K_MAX)
		return err_set(e, ERR_INVALID, "invalid_field", "parameter 'k' must be 1..%d",
		               MEM_K_MAX);
	double threshold = q->threshold >= 0 ? q->threshold : m->threshold;
	int64_t now = time_now();
	uint64_t version;
	int rc = read_version(db, user, &version, e);
	if (rc)
		return rc;
	struct cand c[2 * MEM_CANDIDATES];
	int n = 0, degraded = 0, lists = 0;
	if (q->mode != MEM_LEXICAL) {
		float *qv = NULL;
		embed_text(m, q->q, &qv, 0);
		if (!qv) {
			degraded = 1; /* the provider is down: lexical results only */
		} else {
			struct vfilter f = {q->kinds, q->include_expired ? 0 : now};
			struct vhit hits[MEM_CANDIDATES];
			int nh = 0;
			struct load_arg la = {m, db, e};
			rc = vindex_search(m->index, user, version, m->emb->model, m->emb->dim, qv,
			                   MEM_CANDIDATES, (float)threshold, &f, load_partition,
			                   &la, hits, &nh, e);
			free(qv);
			if (rc)
				return rc;
			for (int i = 0; i < nh; i++) {
				struct cand *x = cand_get(c, &n, hits[i].seq);
				x->vrank = i + 1;
				x->sim = hits[i].score;
			}
			lists++;
		}
	}
	if (q->mode != MEM_VECTOR || degraded) {
		rc = m->lexical_db ? lexical_db(db, user, q->q, c, &n, e)
		                   : lexical_index(m, db, user, version, q->q, c, &n, e);
		if (rc)
			goto out;
		lists++;
	}
	/* Reciprocal-rank fusion; the score is scaled to 0..1 before any boost. */
	for (int i = 0; i < n; i++) {
		double sc = 0;
		if (c[i].vrank)
			sc += 1.0 / (MEM_RRF_K + c[i].vrank);
		if (c[i].lrank)
			sc += 1.0 / (MEM_RRF_K + c[i].lrank);
		c[i].score = sc / (lists / (double)(MEM_RRF_K + 1));
	}
	int boosts = q->recency > 0 || q->importance > 0, kept = 0;
	if (!boosts)
		qsort(c, (size_t)n, sizeof(c[0]), cand_cmp);
	/*
	 * Rows are read best first, a few more than still needed each round, so
	 * a search reads about K rows, not every candidate. Boosts need them all.
	 */
	for (int next = 0; next < n && (boosts || kept < k);) {
		int chunk = boosts ? n : k - kept + 2;
		if (chunk > n - next)
			chunk = n - next;
		if ((rc = hydrate(db, user, c + next, chunk, e)))
			goto out;
		for (int i = next; i < next + chunk; i++) {
			if (accept(q, now, &c[i]))
				c[kept++] = c[i];
			else
				json_decref(c[i].row);
			c[i].row = i < kept ? c[i].row : NULL;
		}
		next += chunk;
	}
	qsort(c, (size_t)kept, sizeof(c[0]), cand_cmp);
	json_t *items = json_array();
	int shown = kept < k ? kept : k;
	for (int i = 0; i < shown; i++) {
		json_t *row = c[i].row;
		json_object_set_new(row, "score", json_real(round(c[i].score * 10000) / 10000));
		json_object_set_new(row, "similarity",
		                    c[i].vrank ? json_real(round(c[i].sim * 10000) / 10000)
		                               : json_null());
		json_object_set_new(row, "match",
		                    json_string(c[i].vrank && c[i].lrank ? "both"
		                                : c[i].vrank             ? "vector"
		                                                         : "lexical"));
		json_array_append(items, row);
	}
	if (q->touch)
		touch_hits(m, c, shown, now);
	for (int i = 0; i < kept; i++)
		json_decref(c[i].row);
	*out = json_pack("{s:o,s:s,s:s,s:f,s:b}", "items", items, "mode", mode_name(q->mode),
	                 "model", m->emb->model, "threshold", threshold, "degraded", degraded);
	return 0;
out:
	for (int i = 0; i < n; i++)
		json_decref(c[i].row);
	return rc;
}

/* ---- attempts ---- */

static int strcmp_ptr(const char *const *a, const char *const *b)
{
	return strcmp(*a, *b);
}

int mem_note_attempt(struct mem *m, struct db *db, const struct audit_ctx *ctx, const char *user,
                     json_t *attempt, struct err *e)
{
	const char *notes = json_str(attempt, "notes");
	const char *p = notes;
	while (p && isspace((unsigned char)*p))
		p++;
	if (!p || !*p)
		return 0;
	const char *problem = json_str(attempt, "problem");
	const char *title = json_str(attempt, "title");
	json_t *meta = json_pack("{s:s,s:s,s:s}", "problem", problem ? problem : "", "attempt_id",
	                         json_str(attempt, "id") ? json_str(attempt, "id") : "", "outcome",
	                         json_str(attempt, "outcome") ? json_str(attempt, "outcome") : "");
	/* The problem's title travels with the note, so "two sum" finds it. */
	char *content = title ? xasprintf("%s: %s", title, p) : xstrdup(p);
	if (strlen(content) > MEM_CONTENT_MAX)
		content[MEM_CONTENT_MAX] = 0;
	utf8_sanitize(content);
	struct mem_in in = {content, "attempt_note", meta, -1, -1, -1};
	json_t *out = NULL;
	int rc = mem_create(m, db, ctx, user, &in, &out, NULL, e);
	json_decref(out);
	json_decref(meta);
	free(content);
	return rc;
}

int mem_forget_attempt(struct mem *m, struct db *db, const struct audit_ctx *ctx, const char *user,
                       const char *attempt_id, struct err *e)
{
	int pg = strcmp(db_dialect(db), "postgres") == 0;
	struct db_stmt *st;
	int rc =
	    db_query(db, &st, e,
	             pg ? "SELECT id FROM memories WHERE user_id = ? AND kind = 'attempt_note' "
	                  "AND metadata->>'attempt_id' = ?"
	                : "SELECT id FROM memories WHERE user_id = ? AND kind = 'attempt_note' "
	                  "AND json_extract(metadata, '$.attempt_id') = ?",
	             "tt", user, attempt_id);
	if (rc)
		return rc;
	char ids[8][37];
	int n = 0;
	while ((rc = db_step(st, e)) == DB_ROW && n < 8)
		str_copy(ids[n++], sizeof(ids[0]), db_col_text(st, 0));
	db_finish(st);
	if (rc < 0)
		return rc;
	for (int i = 0; i < n; i++)
		if ((rc = mem_delete(m, db, ctx, user, ids[i], e)) && rc != ERR_NOT_FOUND)
			return rc;
	return 0;
}

/* ---- background embedding ---- */

int mem_pending(struct mem *m, struct db *db, int64_t *n, struct err *e)
{
	embed_ready(m->emb);
	return db_scalar(db, e, n,
	                 "SELECT COUNT(*) FROM memories WHERE embedding_model IS NULL OR "
	                 "embedding_model <> ?",
	                 "t", m->emb->model);
}

int mem_backfill(struct mem *m, struct db *db, int *done, struct err *e)
{
	embed_ready(m->emb);
	*done = 0;
	struct db_stmt *st;
	int rc =
	    db_query(db, &st, e,
	             "SELECT seq, user_id, content FROM memories WHERE embedding_model IS NULL "
	             "OR embedding_model <> ? ORDER BY seq LIMIT ?",
	             "ti", m->emb->model, (int64_t)MEM_BACKFILL_BATCH);
	if (rc)
		return rc;
	int64_t seqs[MEM_BACKFILL_BATCH];
	char *users[MEM_BACKFILL_BATCH], *texts[MEM_BACKFILL_BATCH];
	int n = 0;
	while ((rc = db_step(st, e)) == DB_ROW && n < MEM_BACKFILL_BATCH) {
		seqs[n] = db_col_int(st, 0);
		users[n] = xstrdup(db_col_text(st, 1));
		texts[n] = xstrdup(db_col_text(st, 2));
		n++;
	}
	db_finish(st);
	if (rc < 0 || n == 0)
		goto out;
	size_t stride = (size_t)(m->emb->dim ? m->emb->dim : EMBED_DIM_MAX);
	float *vecs = xmalloc(sizeof(float) * stride * (size_t)n);
	if ((rc = m->emb->ops->embed(m->emb, (const char *const *)texts, n, vecs, e))) {
		free(vecs);
		goto out;
	}
	size_t bytes = sizeof(float) * (size_t)m->emb->dim;
	if ((rc = db_begin(db, e))) {
		free(vecs);
		goto out;
	}
	for (int i = 0; i < n && !rc; i++) {
		/* Only if the text is unchanged since it was read: a concurrent edit wins. */
		rc = db_run(
		    db, e, NULL,
		    "UPDATE memories SET embedding = ?, embedding_model = ?, embedding_dim = ? "
		    "WHERE seq = ? AND content = ?",
		    "btiit", (const void *)(vecs + stride * (size_t)i), bytes, m->emb->model,
		    (int64_t)m->emb->dim, seqs[i], texts[i]);
		for (int j = 0; j < i && !rc; j++)
			if (strcmp(users[j], users[i]) == 0)
				goto counted;
		uint64_t version;
		if (!rc)
			rc = bump_version(db, users[i], 0, &version, e);
	counted:;
	}
	if (!rc)
		rc = db_commit(db, e);
	if (rc)
		db_rollback(db);
	free(vecs);
	if (!rc) {
		for (int i = 0; i < n; i++) {
			vindex_drop(m->index, users[i]);
			if (m->cache)
				cache_bump_user(m->cache, users[i]);
		}
		*done = n;
	}
out:
	for (int i = 0; i < n; i++) {
		free(users[i]);
		free(texts[i]);
	}
	return rc < 0 ? rc : 0;
}

static int64_t mono_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Every MEM_TOUCH_FLUSH seconds: the access counts. Every
 * MEM_WORKER_INTERVAL seconds, or at once when a write was stored without a
 * vector: the backfill, retried with backoff while the provider fails.
 */
static void *worker_main(void *arg)
{
	struct mem *m = arg;
	embed_ready(m->emb); /* the built-in encoder's tables, off the startup path */
	int backoff = 1;
	int64_t next_backfill = 0;
	pthread_mutex_lock(&m->lock);
	while (!m->stop) {
		int kick = m->kick;
		m->kick = 0;
		pthread_mutex_unlock(&m->lock);
		struct err e = {0};
		struct db *db = NULL;
		int done = 0, rc = db_acquire(m->pool, &db, &e);
		if (!rc) {
			struct err te = {0};
			if (mem_flush_touches(m, db, &te))
				log_msg(LOG_WARN, "mem_worker: access counts not written: %s",
				        te.msg);
			if (kick || mono_seconds() >= next_backfill) {
				while (!(rc = mem_backfill(m, db, &done, &e)) && done > 0 &&
				       !m->stop)
					log_msg(LOG_INFO,
					        "mem_worker: embedded %d memories with %s", done,
					        m->emb->model);
				if (rc) {
					log_msg(LOG_WARN, "mem_worker: %s (retrying in %d s)",
					        e.msg, backoff);
					next_backfill = mono_seconds() + backoff;
					backoff = backoff < MEM_WORKER_RETRY_MAX
					              ? backoff * 2
					              : MEM_WORKER_RETRY_MAX;
				} else {
					next_backfill = mono_seconds() + MEM_WORKER_INTERVAL;
					backoff = 1;
				}
			}
			db_release(db);
		} else {
			log_msg(LOG_WARN, "mem_worker: %s", e.msg);
		}
		int64_t wait = next_backfill - mono_seconds();
		if (wait > MEM_TOUCH_FLUSH)
			wait = MEM_TOUCH_FLUSH;
		if (wait < 1)
			wait = 1;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += wait;
		pthread_mutex_lock(&m->lock);
		if (!m->stop && !m->kick)
			pthread_cond_timedwait(&m->wake, &m->lock, &until);
	}
	pthread_mutex_unlock(&m->lock);
	/* The last accesses, before the pool closes. */
	struct err e = {0};
	struct db *db = NULL;
	if (db_acquire(m->pool, &db, &e) == 0) {
		mem_flush_touches(m, db, &e);
		db_release(db);
	}
	return NULL;
}

void mem_worker_start(struct mem *m, struct db_pool *pool)
{
	m->pool = pool;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->wake, NULL);
	m->stop = 0;
	if (pthread_create(&m->worker, NULL, worker_main, m) == 0)
		m->running = 1;
}

void mem_worker_stop(struct mem *m)
{
	if (!m->running)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = 1;
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->worker, NULL);
	m->running = 0;
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->wake);
}

int mem_sync_attempt_notes(struct mem *m, struct db *db, const struct catalog *c,
                           const struct audit_ctx *ctx, const char *user, int *created,
                           struct err *e)
{
	*created = 0;
	int pg = strcmp(db_dialect(db), "postgres") == 0;
	struct db_stmt *st;
	/* The attempts that already have their memory, then those with notes that do not. */
	int rc = db_query(db, &st, e,
	                  pg ? "SELECT metadata->>'attempt_id' FROM memories WHERE user_id = ? "
	                       "AND kind = 'attempt_note'"
	                     : "SELECT json_extract(metadata, '$.attempt_id') FROM memories "
	                       "WHERE user_id = ? AND kind = 'attempt_note'",
	                  "t", user);
	if (rc)
		return rc;
	size_t nhave = 0, cap = 64;
	char **have = xmalloc(cap * sizeof(char *));
	while ((rc = db_step(st, e)) == DB_ROW) {
		const char *id = db_col_text(st, 0);
		if (!id)
			continue;
		if (nhave == cap)
			have = xrealloc(have, (cap *= 2) * sizeof(char *));
		have[nhave++] = xstrdup(id);
	}
	db_finish(st);
	qsort(have, nhave, sizeof(char *), (int (*)(const void *, const void *))strcmp_ptr);
	size_t nwant = 0, wcap = 64;
	char **want = xmalloc(wcap * sizeof(char *));
	if (rc >= 0 && !(rc = db_query(db, &st, e,
	                               "SELECT id FROM attempts WHERE user_id = ? AND notes IS NOT "
	                               "NULL AND notes <> '' ORDER BY seq",
	                               "t", user))) {
		while ((rc = db_step(st, e)) == DB_ROW) {
			const char *id = db_col_text(st, 0);
			if (bsearch(&id, have, nhave, sizeof(char *),
			            (int (*)(const void *, const void *))strcmp_ptr))
				continue;
			if (nwant == wcap)
				want = xrealloc(want, (wcap *= 2) * sizeof(char *));
			want[nwant++] = xstrdup(id);
		}
		db_finish(st);
	}
	for (size_t i = 0; rc >= 0 && i < nwant; i++) {
		json_t *a;
		if ((rc = practice_get_attempt(db, c, user, want[i], &a, e)))
			break;
		rc = mem_note_attempt(m, db, ctx, user, a, e);
		json_decref(a);
		if (rc)
			break;
		(*created)++;
	}
	for (size_t i = 0; i < nhave; i++)
		free(have[i]);
	for (size_t i = 0; i < nwant; i++)
		free(want[i]);
	free(have);
	free(want);
	return rc < 0 ? rc : 0;
}
