/*
 * config.h: the effective configuration, read once at start-up from the
 * environment and an optional .env file (the environment wins). Every key
 * is one row of a table in config.c with its default and whether it is a
 * secret; `maang config check` prints that table with secrets masked.
 */
#ifndef MAANG_CONFIG_H
#define MAANG_CONFIG_H

#include <stdio.h>

#include "core/util.h"

#define CONFIG_SECRET_MIN   32 /* bytes of SECRET_KEY required in production */
#define CONFIG_DEFAULT_PORT 5000

struct config {
	char *environment;  /* "development" (default), "test" or "production" */
	char *database_url; /* "sqlite:PATH" or "postgresql://..." */
	char *secret_key;
	int port;
	int mcp_port;
	char *smtp_url;
	char *smtp_from;
	char *smtp_user;
	char *smtp_password;
	char *backup_dir;
	int backup_keep;
	char *agent_embedded;
	int agent_workers;
	int job_lease_seconds;
	int job_max_attempts;
	int job_poll_ms;
	int job_backoff_seconds;
	char *job_schedule;
	int activity_retention_days;
	int job_retention_days;
	int memory_retention_days;
	char *mcp_bind_address;
	char *mcp_allowed_origins;
	char *bind_address;
	int db_pool_size;
	int http_threads;      /* 0 = one per core */
	long max_body_bytes;   /* request bodies above this get 413 */
	int token_ttl_seconds; /* lifetime of access tokens (JWT) */
	int login_max_failures;
	int login_window_seconds;
	char *log_level;
	int sse_heartbeat_seconds;
	char *db_synchronous; /* read by the SQLite driver itself; here for config check */
	/* Read now, used by later components; kept so config check shows them. */
	char *db_host, *db_port, *db_name, *db_user, *db_password, *db_sslmode;
	char *redis_url, *redis_host, *redis_port, *redis_password;
	char *google_api_key, *github_token, *openai_api_key, *openai_base_url;
	/* Memory, retrieval and AI providers (memory/). */
	char *embedding_model; /* builtin | openai:MODEL | gemini:MODEL */
	char *llm_model;       /* "" = the built-in coach | openai:MODEL | gemini:MODEL */
	char *gemini_base_url;
	int provider_timeout_seconds;
	int rag_top_k;
	double rag_similarity_threshold;
	double memory_dedup_threshold;
	int memory_index_mb;
	char *memory_lexical;  /* "index" (in-memory BM25) or "database" (FTS5 / tsvector) */
	int secret_is_default; /* set when SECRET_KEY was not configured */
};

/*
 * Loads the configuration: defaults, then ENV_FILE (if it exists; NULL
 * means ".env"), then the process environment. Invalid values (a port that
 * is not a number, ...) are reported in E with ERR_INVALID.
 */
int config_load(struct config *c, const char *env_file, struct err *e);
void config_release(struct config *c);
/*
 * Refuses configurations that are unsafe to serve with: in production a
 * missing, default or short SECRET_KEY. ERR_INVALID with the reason.
 */
int config_check_serve(const struct config *c, struct err *e);
/* Prints every key with its effective value and source; secrets masked. */
void config_print(const struct config *c, FILE *out);
/* True for ENVIRONMENT=production. */
int config_is_production(const struct config *c);
/* True for the level names LOG_LEVEL accepts. */
int log_level_valid(const char *s);

#endif
