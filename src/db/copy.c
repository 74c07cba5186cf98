/*
 * copy.c: table-by-table copy with verification. The table list is the data
 * model, in foreign-key order; every column is named, so the copy works
 * between the two dialects whatever their physical column order.
 */
#include "db/copy.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "db/migrate.h"

struct table {
	const char *name;
	const char *pk;    /* comma-separated primary-key columns */
	const char *cols;  /* all columns, primary key first */
	const char *types; /* per column: i integer, d double, t text, j JSON text, b blob */
	int identity;      /* has an identity/serial id to move past the copied ids */
};

static const struct table tables[] = {
    {"users", "id", "id,email,name,password_hash,role,created_at,updated_at", "tttttii", 0},
    {"api_tokens", "id", "id,user_id,name,token_hash,prefix,created_at,last_used_at", "tttttii", 0},
    {"revoked_tokens", "jti", "jti,user_id,expires_at,revoked_at", "ttii", 0},
    {"topics", "id", "id,slug,name,description,position", "ittti", 1},
    {"topic_prerequisites", "topic_id,prerequisite_id", "topic_id,prerequisite_id", "ii", 0},
    {"companies", "id", "id,slug,name", "itt", 1},
    {"lists", "id", "id,slug,name,description", "ittt", 1},
    {"problems", "id", "id,slug,number,title,difficulty,url,active", "itittti", 1},
    {"problem_topics", "problem_id,topic_id", "problem_id,topic_id,position", "iii", 0},
    {"problem_companies", "problem_id,company_id", "problem_id,company_id,frequency", "iii", 0},
    {"list_problems", "list_id,problem_id", "list_id,problem_id,position", "iii", 0},
    {"design_topics", "id",
     "id,slug,title,category,difficulty,summary,checklist,concepts,companies", "itttttjjj", 1},
    {"behavioral_questions", "id",
     "id,slug,question,competency,level,leadership_principles,follow_ups", "ittttjj", 1},
    {"user_profiles", "user_id",
     "user_id,target_companies,interview_date,hours_per_week,focus_topic,time_zone,updated_at",
     "tjtdtti", 0},
    {"attempts", "seq",
     "seq,id,user_id,problem_id,outcome,minutes,language,confidence,notes,solution_url,at,day,"
     "created_at",
     "ittititittiii", 1},
    {"problem_progress", "user_id,problem_id",
     "user_id,problem_id,status,attempts,solved_count,first_at,last_at,last_outcome,"
     "best_minutes,next_review,stability,difficulty,reviews,lapses,last_review",
     "titiiiitiiddiii", 0},
    {"activity_days", "user_id,day", "user_id,day,count", "tii", 0},
    {"activity_log", "id", "id,user_id,action,entity,entity_id,detail,ip,request_id,at",
     "ittttjtti", 1},
    {"catalog_meta", "key", "key,value", "tt", 0},
    {"memories", "seq",
     "seq,id,user_id,kind,content,content_hash,metadata,importance,valid_from,valid_to,"
     "access_count,last_accessed_at,embedding,embedding_model,embedding_dim,created_at,"
     "updated_at",
     "itttttjdiiiibtiii", 1},
    {"memory_history", "seq",
     "seq,memory_id,user_id,event,old_content,new_content,old_metadata,new_metadata,at",
     "itttttjji", 1},
    {"memory_state", "user_id", "user_id,version,count", "tii", 0},
    {"weakness_analysis", "id", "id,user_id,computed_at,topics,items", "ititj", 1},
    {"user_metrics", "user_id,period,start_day,difficulty",
     "user_id,period,start_day,difficulty,attempts,solved,helped,failed,minutes", "ttitiiiii", 0},
    {"coach_messages", "seq", "seq,id,user_id,session_id,role,content,memories,provider,at",
     "itttttjti", 1},
    {"jobs", "id",
     "id,kind,payload,state,priority,attempts,max_attempts,run_at,locked_by,locked_until,"
     "last_error,result,idempotency_key,created_at,updated_at,finished_at",
     "itjtiiiititjtiii", 1},
    {"job_schedule_runs", "name,period_start", "name,period_start,job_id,created_at", "tiii", 0},
    {"notifications", "id", "id,user_id,kind,message,data,created_at,read_at", "ttttjii", 0},
    {"interview_sessions", "id",
     "id,user_id,type,company,level,difficulty,topic,duration_minutes,blind,repeat_weekly,"
     "state,questions,hints,scheduled_at,started_at,ended_at,answer,self_scores,scores,feedback,"
     "created_at,updated_at",
     "tttttttiiitjiiiitjjjii", 0},
    {"interview_messages", "seq", "seq,session_id,user_id,role,kind,content,at", "ittttti", 1},
    {"mcp_sessions", "id",
     "id,user_id,protocol_version,client_name,client_version,log_level,created_at,last_used_at,"
     "ended_at",
     "ttttttiii", 0},
};

static int ncols(const struct table *t)
{
	return (int)strlen(t->types);
}

/* "SELECT cols FROM t ORDER BY pk [LIMIT ? OFFSET ?]" (the source's own order, for paging) */
static char *select_sql(const struct table *t, int paged)
{
	return xasprintf("SELECT %s FROM %s ORDER BY %s%s", t->cols, t->name, t->pk,
	                 paged ? " LIMIT ? OFFSET ?" : "");
}

/* Column number K (0-based) of a comma-separated list into OUT. */
static void column(const char *list, int k, char *out, size_t size)
{
	const char *p = list;
	for (; k > 0 && p; k--) {
		p = strchr(p, ',');
		if (p)
			p++;
	}
	size_t n = p ? strcspn(p, ",") : 0;
	if (n >= size)
		n = size - 1;
	memcpy(out, p ? p : "", n);
	out[n] = '\0';
}

static int count_list(const char *list)
{
	int n = 1;
	for (; *list; list++)
		n += *list == ',';
	return n;
}

/* An upsert by primary key that rewrites every other column. */
static char *upsert_sql(const struct table *t)
{
	struct buf b;
	buf_init(&b, 8192);
	buf_printf(&b, "INSERT INTO %s (%s) VALUES (", t->name, t->cols);
	for (int i = 0; i < ncols(t); i++)
		buf_puts(&b, i ? ", ?" : "?");
	buf_printf(&b, ") ON CONFLICT (%s) DO ", t->pk);
	int npk = count_list(t->pk), any = 0;
	for (int i = npk; i < ncols(t); i++) {
		char c[64];
		column(t->cols, i, c, sizeof(c));
		buf_printf(&b, "%s%s = excluded.%s", any ? ", " : "UPDATE SET ", c, c);
		any = 1;
	}
	if (!any)
		buf_puts(&b, "NOTHING");
	return buf_detach(&b);
}

/* Binds column I of the current source row to parameter I + 1 of the upsert. */
static int bind_column(const struct table *t, struct db_stmt *src, struct db_stmt *dst, int i)
{
	if (db_col_is_null(src, i))
		return db_bind_null(dst, i + 1);
	switch (t->types[i]) {
	case 'i':
		return db_bind_int(dst, i + 1, db_col_int(src, i));
	case 'd':
		return db_bind_double(dst, i + 1, db_col_double(src, i));
	case 'b': {
		size_t n = 0;
		const void *p = db_col_blob(src, i, &n);
		return db_bind_blob(dst, i + 1, p ? p : "", n);
	}
	default:
		return db_bind_text(dst, i + 1, db_col_text(src, i));
	}
}

/*
 * Column I of the current row in a form both engines print alike: integers
 * in decimal, doubles with %.17g, JSON re-serialised compactly with sorted
 * keys (PostgreSQL's JSONB prints its own spacing), NULL as a marker.
 */
static char *column_text(const struct table *t, struct db_stmt *st, int i)
{
	if (db_col_is_null(st, i))
		return xstrdup("\x01NULL");
	switch (t->types[i]) {
	case 'i':
		return xasprintf("%lld", (long long)db_col_int(st, i));
	case 'd':
		return xasprintf("%.17g", db_col_double(st, i));
	case 'b': {
		size_t n = 0;
		const unsigned char *p = db_col_blob(st, i, &n);
		char *hex = xmalloc(n * 2 + 1);
		hex_encode(p, n, hex);
		hex[n * 2] = 0;
		return hex;
	}
	case 'j': {
		json_t *v = json_loads(db_col_text(st, i), JSON_DECODE_ANY, NULL);
		char *s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
		json_decref(v);
		return s ? s : xstrdup(db_col_text(st, i));
	}
	default:
		return xstrdup(db_col_text(st, i));
	}
}

/*
 * Row count and checksum of a table: the SHA-256 of every row (every column
 * in a form both engines print alike: integers in decimal, doubles with
 * %.17g, NULL as a marker), summed lane by lane. The sum does not depend on
 * the order rows come back in, which differs between SQLite's binary and a
 * PostgreSQL locale's collation of text keys.
 */
static int table_digest(struct db *db, const struct table *t, int64_t *count, char hex[65],
                        struct err *e)
{
	char *sql = select_sql(t, 0);
	struct db_stmt *st;
	int rc = db_prepare(db, sql, &st, e);
	free(sql);
	if (rc)
		return rc;
	uint64_t sum[4] = {0, 0, 0, 0};
	*count = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	while ((rc = db_step(st, e)) == DB_ROW) {
		(*count)++;
		EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
		for (int i = 0; i < ncols(t); i++) {
			char *v = column_text(t, st, i);
			EVP_DigestUpdate(ctx, v, strlen(v));
			EVP_DigestUpdate(ctx, "\x1f", 1);
			free(v);
		}
		unsigned char md[32];
		unsigned int n = 0;
		EVP_DigestFinal_ex(ctx, md, &n);
		for (int k = 0; k < 4; k++) {
			uint64_t lane;
			memcpy(&lane, md + 8 * k, 8);
			sum[k] += lane;
		}
	}
	EVP_MD_CTX_free(ctx);
	db_finish(st);
	hex_encode((const unsigned char *)sum, sizeof(sum), hex);
	return rc < 0 ? rc : 0;
}

static int copy_table(struct db *from, struct db *to, const struct table *t, FILE *log,
                      struct err *e)
{
	char *sel = select_sql(t, 1), *ins = upsert_sql(t);
	int64_t offset = 0, total;
	int rc;
	char *count_sql = xasprintf("SELECT count(*) FROM %s", t->name);
	rc = db_scalar(from, e, &total, count_sql, "");
	free(count_sql);
	if (rc)
		goto out;
	for (;;) {
		struct db_stmt *src, *dst;
		int64_t rows = 0;
		if ((rc = db_query(from, &src, e, sel, "ii", (int64_t)COPY_BATCH_ROWS, offset)))
			goto out;
		if ((rc = db_begin(to, e))) {
			db_finish(src);
			goto out;
		}
		while ((rc = db_step(src, e)) == DB_ROW) {
			if ((rc = db_prepare(to, ins, &dst, e)))
				break;
			for (int i = 0; i < ncols(t) && !rc; i++)
				if (bind_column(t, src, dst, i))
					rc = err_set(e, ERR_INTERNAL, "copy_failed",
					             "cannot bind %s", t->name);
			while (!rc && (rc = db_step(dst, e)) == DB_ROW)
				;
			db_finish(dst);
			if (rc < 0)
				break;
			rc = 0;
			rows++;
		}
		db_finish(src);
		if (rc < 0 || (rc = db_commit(to, e))) {
			db_rollback(to);
			goto out;
		}
		offset += rows;
		if (log)
			fprintf(log, "  %-22s %lld/%lld rows\n", t->name, (long long)offset,
			        (long long)total);
		if (rows < COPY_BATCH_ROWS)
			break;
	}
	if (t->identity && !strcmp(db_dialect(to), "postgres")) {
		/* Identity columns continue after the copied ids. */
		char col[64];
		column(t->cols, 0, col, sizeof(col));
		char *sql = xasprintf("SELECT setval(pg_get_serial_sequence('%s', '%s'), "
		                      "GREATEST((SELECT max(%s) FROM %s), 1))",
		                      t->name, col, col, t->name);
		rc = db_exec(to, sql, e);
		free(sql);
	}
out:
	free(sel);
	free(ins);
	return rc;
}

int db_copy(struct db *from, struct db *to, FILE *log, struct err *e)
{
	int applied, rc;
	if ((rc = migrate_up(to, &applied, e)))
		return rc;
	if (log)
		fprintf(log, "target migrated (%d new migrations)\n", applied);
	for (size_t i = 0; i < ARRAY_LEN(tables); i++)
		if ((rc = copy_table(from, to, &tables[i], log, e)))
			return rc;
	int bad = 0;
	for (size_t i = 0; i < ARRAY_LEN(tables); i++) {
		int64_t n1, n2;
		char h1[65], h2[65];
		if ((rc = table_digest(from, &tables[i], &n1, h1, e)) ||
		    (rc = table_digest(to, &tables[i], &n2, h2, e)))
			return rc;
		int ok = n1 == n2 && !strcmp(h1, h2);
		if (log)
			fprintf(log, "verify %-22s %8lld rows  checksum %.16s  %s\n",
			        tables[i].name, (long long)n1, h1,
			        ok         ? "ok"
			        : n1 != n2 ? "COUNT DIFFERS"
			                   : "CHECKSUM DIFFERS");
		if (!ok && !bad++)
			err_set(e, ERR_CONFLICT, "copy_mismatch",
			        "table '%s' differs after the copy: %lld rows in the source, %lld "
			        "in the "
			        "target",
			        tables[i].name, (long long)n1, (long long)n2);
	}
	return bad ? ERR_CONFLICT : 0;
}
