/*
 * config.c: configuration keys as a table, .env parsing and validation.
 */
#include "core/config.h"

#include "core/buf.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SECRET "dev-insecure-secret-change-me"

enum key_kind { K_STR, K_INT, K_REAL };

struct config_key {
	const char *name;
	enum key_kind kind;
	size_t offset; /* of a char * or an int/long in struct config */
	const char *def;
	int secret;
	long min, max; /* for K_INT and K_REAL */
	const char *help;
};

#define S(field) offsetof(struct config, field)

static const struct config_key keys[] = {
    {"ENVIRONMENT", K_STR, S(environment), "development", 0, 0, 0,
     "development, test or production"},
    {"DATABASE_URL", K_STR, S(database_url), "sqlite:./data/maang.db", 1, 0, 0,
     "sqlite:PATH or postgresql://USER:PASS@HOST:PORT/DB"},
    {"SECRET_KEY", K_STR, S(secret_key), NULL, 1, 0, 0, "HS256 signing key (>= 32 bytes)"},
    {"PORT", K_INT, S(port), "5000", 0, 0, 65535, "HTTP port (0: any free port)"},
    {"BACKUP_DIR", K_STR, S(backup_dir), "./data/backups", 0, 0, 0,
     "where `maang backup` and the daily backup job write"},
    {"BACKUP_KEEP", K_INT, S(backup_keep), "7", 0, 1, 1000, "backups kept (the newest)"},
    {"AGENT_EMBEDDED", K_STR, S(agent_embedded), "on", 0, 0, 0,
     "on: `maang serve` also runs background jobs; off: only `maang agent` does"},
    {"AGENT_WORKERS", K_INT, S(agent_workers), "2", 0, 1, 64, "job worker threads per process"},
    {"JOB_LEASE_SECONDS", K_INT, S(job_lease_seconds), "60", 0, 1, 86400,
     "a claimed job's lease: a worker silent this long loses it"},
    {"JOB_MAX_ATTEMPTS", K_INT, S(job_max_attempts), "5", 0, 1, 100,
     "attempts before a job is dead"},
    {"JOB_BACKOFF_SECONDS", K_INT, S(job_backoff_seconds), "5", 0, 1, 3600,
     "wait before a failed job's first retry (doubling each time, at most an hour)"},
    {"JOB_SCHEDULE", K_STR, S(job_schedule), "", 0, 0, 0,
     "schedule overrides, name=seconds comma-separated (0: off), e.g. backup=43200"},
    {"JOB_POLL_MS", K_INT, S(job_poll_ms), "1000", 0, 10, 60000,
     "how often an idle worker looks for jobs"},
    {"ACTIVITY_RETENTION_DAYS", K_INT, S(activity_retention_days), "365", 0, 0, 36500,
     "activity log rows kept (0: forever)"},
    {"JOB_RETENTION_DAYS", K_INT, S(job_retention_days), "30", 0, 1, 3650, "finished jobs kept"},
    {"MEMORY_RETENTION_DAYS", K_INT, S(memory_retention_days), "0", 0, 0, 36500,
     "unused low-importance memories kept this long (0: forever)"},
    {"SMTP_URL", K_STR, S(smtp_url), "", 0, 0, 0,
     "e-mail reminders through this server: smtp://host:port or smtps://host:port"},
    {"SMTP_FROM", K_STR, S(smtp_from), "maang@localhost", 0, 0, 0, "sender address of e-mail"},
    {"SMTP_USER", K_STR, S(smtp_user), NULL, 0, 0, 0, "SMTP user (TLS required then)"},
    {"SMTP_PASSWORD", K_STR, S(smtp_password), NULL, 1, 0, 0, "SMTP password"},
    {"MCP_PORT", K_INT, S(mcp_port), "8765", 0, 0, 65535,
     "dedicated MCP Streamable HTTP port (0: none; /mcp on PORT always works)"},
    {"MCP_BIND_ADDRESS", K_STR, S(mcp_bind_address), "127.0.0.1", 0, 0, 0,
     "address of the dedicated MCP listener"},
    {"MCP_ALLOWED_ORIGINS", K_STR, S(mcp_allowed_origins), "", 0, 0, 0,
     "browser origins allowed on /mcp besides loopback (comma-separated)"},
    {"BIND_ADDRESS", K_STR, S(bind_address), "0.0.0.0", 0, 0, 0, "address to listen on"},
    {"DB_POOL_SIZE", K_INT, S(db_pool_size), "20", 0, 1, 40, "database connections"},
    {"HTTP_THREADS", K_INT, S(http_threads), "0", 0, 0, 256, "HTTP worker threads (0: cores)"},
    {"MAX_BODY_BYTES", K_INT, S(max_body_bytes), "1048576", 0, 1024, 67108864,
     "largest request body (413 above)"},
    {"TOKEN_TTL_SECONDS", K_INT, S(token_ttl_seconds), "86400", 0, 60, 31536000,
     "access token lifetime"},
    {"LOGIN_MAX_FAILURES", K_INT, S(login_max_failures), "5", 0, 1, 1000,
     "failed logins per email and address before 429"},
    {"LOGIN_WINDOW_SECONDS", K_INT, S(login_window_seconds), "900", 0, 1, 86400,
     "window of the login throttle"},
    {"DB_SYNCHRONOUS", K_STR, S(db_synchronous), "NORMAL", 0, 0, 0,
     "SQLite synchronous: NORMAL (survives kill -9) or FULL (also power loss)"},
    {"SSE_HEARTBEAT_SECONDS", K_INT, S(sse_heartbeat_seconds), "15", 0, 1, 300,
     "silence before a heartbeat on an event stream"},
    {"LOG_LEVEL", K_STR, S(log_level), "info", 0, 0, 0, "debug, info, warn or error"},
    {"DB_HOST", K_STR, S(db_host), NULL, 0, 0, 0, "PostgreSQL host"},
    {"DB_PORT", K_STR, S(db_port), NULL, 0, 0, 0, "PostgreSQL port"},
    {"DB_NAME", K_STR, S(db_name), NULL, 0, 0, 0, "PostgreSQL database"},
    {"DB_USER", K_STR, S(db_user), NULL, 0, 0, 0, "PostgreSQL user"},
    {"DB_PASSWORD", K_STR, S(db_password), NULL, 1, 0, 0, "PostgreSQL password"},
    {"DB_SSLMODE", K_STR, S(db_sslmode), NULL, 0, 0, 0, "PostgreSQL sslmode"},
    {"REDIS_URL", K_STR, S(redis_url), NULL, 1, 0, 0, "redis://[:PASS@]HOST:PORT"},
    {"REDIS_HOST", K_STR, S(redis_host), NULL, 0, 0, 0, "Redis host"},
    {"REDIS_PORT", K_STR, S(redis_port), NULL, 0, 0, 0, "Redis port"},
    {"REDIS_PASSWORD", K_STR, S(redis_password), NULL, 1, 0, 0, "Redis password"},
    {"EMBEDDING_MODEL", K_STR, S(embedding_model), "builtin", 0, 0, 0,
     "builtin, openai:MODEL or gemini:MODEL"},
    {"LLM_MODEL", K_STR, S(llm_model), "", 0, 0, 0,
     "coach chat model: openai:MODEL or gemini:MODEL (empty: built-in coach)"},
    {"RAG_TOP_K", K_INT, S(rag_top_k), "5", 0, 1, 50, "memories retrieved per query"},
    {"RAG_SIMILARITY_THRESHOLD", K_REAL, S(rag_similarity_threshold), "0.2", 0, 0, 1,
     "minimum cosine similarity of a vector hit"},
    {"MEMORY_DEDUP_THRESHOLD", K_REAL, S(memory_dedup_threshold), "0.92", 0, 0, 1,
     "cosine above which a new memory merges into an existing one"},
    {"MEMORY_INDEX_MB", K_INT, S(memory_index_mb), "256", 0, 1, 65536,
     "memory budget of the in-memory vector index"},
    {"MEMORY_LEXICAL", K_STR, S(memory_lexical), "index", 0, 0, 0,
     "lexical search: index (in-memory BM25) or database (FTS5 / PostgreSQL full text)"},
    {"PROVIDER_TIMEOUT_SECONDS", K_INT, S(provider_timeout_seconds), "30", 0, 1, 600,
     "timeout of one embedding or LLM request"},
    {"GOOGLE_API_KEY", K_STR, S(google_api_key), NULL, 1, 0, 0, "Gemini API key"},
    {"GITHUB_TOKEN", K_STR, S(github_token), NULL, 1, 0, 0, "GitHub token"},
    {"OPENAI_API_KEY", K_STR, S(openai_api_key), NULL, 1, 0, 0, "OpenAI-compatible API key"},
    {"OPENAI_BASE_URL", K_STR, S(openai_base_url), "https://api.openai.com/v1", 0, 0, 0,
     "OpenAI-compatible base URL (Ollama: http://HOST:11434/v1)"},
    {"GEMINI_BASE_URL", K_STR, S(gemini_base_url),
     "https://generativelanguage.googleapis.com/v1beta", 0, 0, 0, "Gemini API base URL"},
};

/* Where each key's value came from, for config check. */
static const char *sources[ARRAY_LEN(keys)];

static int set_value(struct config *c, const struct config_key *k, const char *v, struct err *e)
{
	char *base = (char *)c;
	if (k->kind == K_STR) {
		char **dst = (char **)(base + k->offset);
		free(*dst);
		*dst = v ? xstrdup(v) : NULL;
		return 0;
	}
	if (k->kind == K_REAL) {
		double d;
		if (!v || str_to_double(v, &d) || d < (double)k->min || d > (double)k->max)
			return err_set(e, ERR_INVALID, "invalid_config",
			               "%s must be a number in %ld..%ld", k->name, k->min, k->max);
		*(double *)(base + k->offset) = d;
		return 0;
	}
	int64_t n;
	if (!v || str_to_i64(v, k->min, k->max, &n))
		return err_set(e, ERR_INVALID, "invalid_config",
		               "%s must be an integer in %ld..%ld", k->name, k->min, k->max);
	if (k->offset == S(max_body_bytes))
		*(long *)(base + k->offset) = (long)n;
	else
		*(int *)(base + k->offset) = (int)n;
	return 0;
}

static const struct config_key *find_key(const char *name, size_t *idx)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		if (strcmp(keys[i].name, name) == 0) {
			*idx = i;
			return &keys[i];
		}
	}
	return NULL;
}

/* Strips surrounding whitespace and one pair of matching quotes in place. */
static char *trim_value(char *v)
{
	while (isspace((unsigned char)*v))
		v++;
	size_t n = strlen(v);
	while (n && isspace((unsigned char)v[n - 1]))
		v[--n] = '\0';
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = '\0';
		v++;
	}
	return v;
}

static int load_env_file(struct config *c, const char *path, struct err *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0; /* the file is optional */
	char line[4096];
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '#' || *p == '\0')
			continue;
		if (strncmp(p, "export ", 7) == 0)
			p += 7;
		char *eq = strchr(p, '=');
		if (!eq) {
			rc = err_set(e, ERR_INVALID, "invalid_config", "%s:%d: expected KEY=VALUE",
			             path, lineno);
			break;
		}
		*eq = '\0';
		char *name = trim_value(p);
		char *value = trim_value(eq + 1);
		size_t idx;
		const struct config_key *k = find_key(name, &idx);
		if (!k || getenv(name))
			continue; /* unknown keys are ignored; the environment wins */
		if ((rc = set_value(c, k, value, e)))
			break;
		sources[idx] = ".env";
	}
	fclose(f);
	return rc;
}

/* Appends S to B percent-encoded for a URL's user-info or path part. */
static void url_escape(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~')
			buf_append(b, s, 1);
		else
			buf_printf(b, "%%%02X", ch);
	}
}

/* postgresql://USER[:PASSWORD]@HOST[:PORT]/NAME[?sslmode=MODE] from the DB_* keys. */
static char *compose_pg_url(const struct config *c)
{
	struct buf b;
	buf_init(&b, 4096);
	buf_puts(&b, "postgresql://");
	if (c->db_user && *c->db_user) {
		url_escape(&b, c->db_user);
		if (c->db_password && *c->db_password) {
			buf_puts(&b, ":");
			url_escape(&b, c->db_password);
		}
		buf_puts(&b, "@");
	}
	buf_puts(&b, c->db_host);
	if (c->db_port && *c->db_port)
		buf_printf(&b, ":%s", c->db_port);
	buf_puts(&b, "/");
	url_escape(&b, c->db_name && *c->db_name ? c->db_name : "maang");
	if (c->db_sslmode && *c->db_sslmode) {
		buf_puts(&b, "?sslmode=");
		url_escape(&b, c->db_sslmode);
	}
	return buf_detach(&b);
}

int config_load(struct config *c, const char *env_file, struct err *e)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		sources[i] = "default";
		if (keys[i].def && set_value(c, &keys[i], keys[i].def, e))
			return e->code;
	}
	int rc = load_env_file(c, env_file ? env_file : ".env", e);
	if (rc)
		return rc;
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const char *v = getenv(keys[i].name);
		if (!v)
			continue;
		if ((rc = set_value(c, &keys[i], v, e)))
			return rc;
		sources[i] = "environment";
	}
	/* DB_HOST and friends stand for a PostgreSQL DATABASE_URL when that is not given. */
	size_t url_idx = 0;
	find_key("DATABASE_URL", &url_idx);
	if (c->db_host && *c->db_host && strcmp(sources[url_idx], "default") == 0) {
		char *url = compose_pg_url(c);
		free(c->database_url);
		c->database_url = url;
		sources[url_idx] = "DB_HOST...";
	}
	if (!c->secret_key || !*c->secret_key) {
		free(c->secret_key);
		c->secret_key = xstrdup(DEFAULT_SECRET);
		c->secret_is_default = 1;
	} else if (strcmp(c->secret_key, DEFAULT_SECRET) == 0) {
		c->secret_is_default = 1;
	}
	if (strcmp(c->environment, "development") && strcmp(c->environment, "test") &&
	    strcmp(c->environment, "production"))
		return err_set(e, ERR_INVALID, "invalid_config",
		               "ENVIRONMENT must be development, test or production, not '%.32s'",
		               c->environment);
	if (log_level_valid(c->log_level) == 0)
		return err_set(e, ERR_INVALID, "invalid_config",
		               "LOG_LEVEL must be debug, info, warn or error");
	return 0;
}

int log_level_valid(const char *s)
{
	return !strcmp(s, "debug") || !strcmp(s, "info") || !strcmp(s, "warn") ||
	       !strcmp(s, "error");
}

void config_release(struct config *c)
{
	char *base = (char *)c;
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		if (keys[i].kind == K_STR) {
			char **p = (char **)(base + keys[i].offset);
			free(*p);
			*p = NULL;
		}
	}
}

int config_is_production(const struct config *c)
{
	return strcmp(c->environment, "production") == 0;
}

int config_check_serve(const struct config *c, struct err *e)
{
	if (!config_is_production(c))
		return 0;
	if (c->secret_is_default)
		return err_set(e, ERR_INVALID, "insecure_secret",
		               "SECRET_KEY is missing or the default; set a random key of at "
		               "least %d bytes for production",
		               CONFIG_SECRET_MIN);
	if (strlen(c->secret_key) < CONFIG_SECRET_MIN)
		return err_set(e, ERR_INVALID, "insecure_secret",
		               "SECRET_KEY is %zu bytes; production needs at least %d",
		               strlen(c->secret_key), CONFIG_SECRET_MIN);
	return 0;
}

/*
 * Masks a secret for display. URL-valued keys (IS_URL) keep everything but
 * the password; other secrets show only their length.
 */
static void mask(const char *v, int is_url, char *out, size_t size)
{
	if (!is_url) {
		snprintf(out, size, "**** (%zu bytes)", strlen(v));
		return;
	}
	const char *scheme = strstr(v, "://");
	const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
	if (scheme && at) {
		const char *colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
		if (colon) {
			snprintf(out, size, "%.*s:****%s", (int)(colon - v), v, at);
			return;
		}
		str_copy(out, size, v);
		return;
	}
	if (strncmp(v, "sqlite:", 7) == 0) {
		str_copy(out, size, v);
		return;
	}
	snprintf(out, size, "**** (%zu bytes)", strlen(v));
}

void config_print(const struct config *c, FILE *out)
{
	const char *base = (const char *)c;
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const struct config_key *k = &keys[i];
		char val[512];
		if (k->kind == K_REAL) {
			snprintf(val, sizeof(val), "%g", *(const double *)(base + k->offset));
		} else if (k->kind == K_INT) {
			long n = k->offset == S(max_body_bytes) ? *(const long *)(base + k->offset)
			                                        : *(const int *)(base + k->offset);
			snprintf(val, sizeof(val), "%ld", n);
		} else {
			const char *v = *(char *const *)(base + k->offset);
			if (!v)
				str_copy(val, sizeof(val), "(unset)");
			else if (k->secret)
				mask(v, strstr(k->name, "_URL") != NULL, val, sizeof(val));
			else
				str_copy(val, sizeof(val), v);
			if (k->offset == S(secret_key) && c->secret_is_default)
				str_copy(val, sizeof(val), "(default: development only)");
		}
		fprintf(out, "%-26s %-40s %s\n", k->name, val, sources[i]);
	}
}
