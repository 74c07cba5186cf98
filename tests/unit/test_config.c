/*
 * test_config.c: configuration defaults, environment overrides, .env file
 * parsing (the environment wins), validation, the production secret check
 * and `config check` output that must never reveal a secret.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"

/* Every key config.c reads; each test starts and ends with all unset. */
static const char *const all_keys[] = {
    "ENVIRONMENT",
    "DATABASE_URL",
    "SECRET_KEY",
    "PORT",
    "MCP_PORT",
    "SMTP_URL",
    "SMTP_FROM",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "BACKUP_DIR",
    "BACKUP_KEEP",
    "AGENT_EMBEDDED",
    "AGENT_WORKERS",
    "JOB_LEASE_SECONDS",
    "JOB_MAX_ATTEMPTS",
    "JOB_POLL_MS",
    "JOB_BACKOFF_SECONDS",
    "JOB_SCHEDULE",
    "ACTIVITY_RETENTION_DAYS",
    "JOB_RETENTION_DAYS",
    "MEMORY_RETENTION_DAYS",
    "MCP_BIND_ADDRESS",
    "MCP_ALLOWED_ORIGINS",
    "BIND_ADDRESS",
    "DB_POOL_SIZE",
    "HTTP_THREADS",
    "MAX_BODY_BYTES",
    "TOKEN_TTL_SECONDS",
    "LOGIN_MAX_FAILURES",
    "LOGIN_WINDOW_SECONDS",
    "LOG_LEVEL",
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_USER",
    "DB_PASSWORD",
    "DB_SSLMODE",
    "REDIS_URL",
    "REDIS_HOST",
    "REDIS_PORT",
    "REDIS_PASSWORD",
    "EMBEDDING_MODEL",
    "RAG_TOP_K",
    "RAG_SIMILARITY_THRESHOLD",
    "GOOGLE_API_KEY",
    "GITHUB_TOKEN",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
};

static char tmpdir[64];
static char envfile[128];

static void clear_env(void)
{
	for (size_t i = 0; i < ARRAY_LEN(all_keys); i++)
		unsetenv(all_keys[i]);
}

static void setup(void)
{
	clear_env();
	str_copy(tmpdir, sizeof(tmpdir), "/tmp/maang-config-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(envfile, sizeof(envfile), "%s/test.env", tmpdir);
}

static void teardown(void)
{
	clear_env();
	unlink(envfile);
	char dotenv[128];
	snprintf(dotenv, sizeof(dotenv), "%s/.env", tmpdir);
	unlink(dotenv);
	rmdir(tmpdir);
}

TestSuite(config, .init = setup, .fini = teardown);

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

/* Path of a file that does not exist, so no .env is read. */
static const char *no_file(void)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/absent.env", tmpdir);
	return path;
}

/* Loads with ENV_FILE; asserts success. */
static void load_ok(struct config *c, const char *env_file)
{
	struct err e = {0};
	int rc = config_load(c, env_file, &e);
	cr_assert_eq(rc, 0, "config_load: %s", e.msg);
}

/* Loads with ENV_FILE; asserts ERR_INVALID and returns the error. */
static struct err load_fails(const char *env_file)
{
	struct config c;
	struct err e = {0};
	int rc = config_load(&c, env_file, &e);
	cr_assert_eq(rc, ERR_INVALID, "config_load gave %d, want ERR_INVALID", rc);
	cr_assert_eq(e.code, ERR_INVALID);
	cr_assert_str_eq(e.id, "invalid_config");
	config_release(&c);
	return e;
}

/* ---- defaults and environment ------------------------------------------- */

Test(config, defaults)
{
	struct config c;
	load_ok(&c, no_file());
	cr_assert_eq(c.port, CONFIG_DEFAULT_PORT);
	cr_assert_eq(c.port, 5000);
	cr_assert_str_eq(c.database_url, "sqlite:./data/maang.db");
	cr_assert_str_eq(c.environment, "development");
	cr_assert_str_eq(c.log_level, "info");
	cr_assert_str_eq(c.bind_address, "0.0.0.0");
	cr_assert_eq(c.mcp_port, 8765);
	cr_assert_eq(c.db_pool_size, 20);
	cr_assert_eq(c.max_body_bytes, 1048576);
	cr_assert_eq(c.token_ttl_seconds, 86400);
	cr_assert_eq(c.login_max_failures, 5);
	cr_assert_eq(c.login_window_seconds, 900);
	cr_assert(c.secret_is_default);
	cr_assert_not_null(c.secret_key, "a development secret is filled in");
	cr_assert_null(c.db_password);
	cr_assert_null(c.redis_url);
	cr_assert_not(config_is_production(&c));
	config_release(&c);
}

Test(config, environment_overrides)
{
	setenv("PORT", "8080", 1);
	setenv("DATABASE_URL", "sqlite:/tmp/other.db", 1);
	setenv("ENVIRONMENT", "test", 1);
	setenv("MAX_BODY_BYTES", "2048", 1);
	setenv("LOG_LEVEL", "warn", 1);
	setenv("SECRET_KEY", "an-environment-secret", 1);
	setenv("GITHUB_TOKEN", "ghp_example", 1);
	struct config c;
	load_ok(&c, no_file());
	cr_assert_eq(c.port, 8080);
	cr_assert_str_eq(c.database_url, "sqlite:/tmp/other.db");
	cr_assert_str_eq(c.environment, "test");
	cr_assert_eq(c.max_body_bytes, 2048);
	cr_assert_str_eq(c.log_level, "warn");
	cr_assert_str_eq(c.secret_key, "an-environment-secret");
	cr_assert_not(c.secret_is_default);
	cr_assert_str_eq(c.github_token, "ghp_example");
	config_release(&c);
}

Test(config, port_bounds)
{
	struct config c;
	setenv("PORT", "0", 1);
	load_ok(&c, no_file());
	cr_assert_eq(c.port, 0, "0 means any free port");
	config_release(&c);
	setenv("PORT", "65535", 1);
	load_ok(&c, no_file());
	cr_assert_eq(c.port, 65535);
	config_release(&c);
}

Test(config, invalid_port)
{
	static const char *const bad[] = {
	    "abc", "65536", "-1", "", " 80", "80 ", "8o", "1e3", "99999999999999999999"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		setenv("PORT", bad[i], 1);
		struct err e = load_fails(no_file());
		cr_assert(strstr(e.msg, "PORT"), "'%s': message '%s' names the key", bad[i], e.msg);
	}
}

Test(config, other_invalid_values)
{
	setenv("DB_POOL_SIZE", "0", 1);
	load_fails(no_file());
	unsetenv("DB_POOL_SIZE");
	setenv("MAX_BODY_BYTES", "100", 1);
	load_fails(no_file());
	unsetenv("MAX_BODY_BYTES");
	setenv("ENVIRONMENT", "staging", 1);
	load_fails(no_file());
	unsetenv("ENVIRONMENT");
	setenv("LOG_LEVEL", "verbose", 1);
	load_fails(no_file());
}

/* ---- .env files --------------------------------------------------------- */

Test(config, env_file_parsing)
{
	write_file(envfile, "# a comment\n"
	                    "   # an indented comment\n"
	                    "\n"
	                    "   \n"
	                    "PORT=6000\n"
	                    "export DATABASE_URL=sqlite:/tmp/from-file.db\n"
	                    "SECRET_KEY=\"a quoted secret with spaces\"\n"
	                    "LOG_LEVEL='debug'\n"
	                    "  BIND_ADDRESS = 127.0.0.1  \n"
	                    "OPENAI_BASE_URL=https://api.example/v1?a=b&c=d\n"
	                    "UNKNOWN_KEY=ignored\n"
	                    "DB_USER=\"\"\n"
	                    "REDIS_HOST=no-final-newline");
	struct config c;
	load_ok(&c, envfile);
	cr_assert_eq(c.port, 6000);
	cr_assert_str_eq(c.database_url, "sqlite:/tmp/from-file.db", "export prefix is accepted");
	cr_assert_str_eq(c.secret_key, "a quoted secret with spaces", "quotes are removed");
	cr_assert_not(c.secret_is_default);
	cr_assert_str_eq(c.log_level, "debug", "single quotes are removed");
	cr_assert_str_eq(c.bind_address, "127.0.0.1", "surrounding spaces are trimmed");
	cr_assert_str_eq(c.openai_base_url, "https://api.example/v1?a=b&c=d",
	                 "only the first '=' separates");
	cr_assert_str_eq(c.db_user, "", "an empty quoted value is empty");
	cr_assert_str_eq(c.redis_host, "no-final-newline");
	config_release(&c);
}

Test(config, env_file_crlf_lines)
{
	write_file(envfile, "PORT=6001\r\nLOG_LEVEL=error\r\n");
	struct config c;
	load_ok(&c, envfile);
	cr_assert_eq(c.port, 6001);
	cr_assert_str_eq(c.log_level, "error");
	config_release(&c);
}

Test(config, environment_wins_over_file)
{
	write_file(envfile, "PORT=6000\nDATABASE_URL=sqlite:/tmp/file.db\nLOG_LEVEL=debug\n");
	setenv("PORT", "7000", 1);
	setenv("DATABASE_URL", "sqlite:/tmp/env.db", 1);
	struct config c;
	load_ok(&c, envfile);
	cr_assert_eq(c.port, 7000);
	cr_assert_str_eq(c.database_url, "sqlite:/tmp/env.db");
	cr_assert_str_eq(c.log_level, "debug", "keys not in the environment come from the file");
	config_release(&c);
}

Test(config, environment_hides_a_bad_file_value)
{
	/* The file's value is never used, so it is not an error either. */
	write_file(envfile, "PORT=not-a-port\n");
	setenv("PORT", "7001", 1);
	struct config c;
	load_ok(&c, envfile);
	cr_assert_eq(c.port, 7001);
	config_release(&c);
}

Test(config, line_without_equals_is_an_error)
{
	write_file(envfile, "# fine\nPORT=6000\nTHIS LINE IS WRONG\nLOG_LEVEL=debug\n");
	struct err e = load_fails(envfile);
	cr_assert(strstr(e.msg, envfile), "message '%s' names the file", e.msg);
	cr_assert(strstr(e.msg, ":3:"), "message '%s' names line 3", e.msg);
}

Test(config, invalid_port_in_file)
{
	write_file(envfile, "PORT=70000\n");
	struct err e = load_fails(envfile);
	cr_assert(strstr(e.msg, "PORT"), "%s", e.msg);
}

Test(config, missing_file_is_fine)
{
	struct config c;
	load_ok(&c, no_file());
	cr_assert_eq(c.port, 5000);
	config_release(&c);
}

Test(config, default_file_is_dot_env_in_cwd)
{
	char dotenv[128], cwd[4096];
	snprintf(dotenv, sizeof(dotenv), "%s/.env", tmpdir);
	write_file(dotenv, "PORT=6200\n");
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(chdir(tmpdir), 0);
	struct config c;
	struct err e = {0};
	int rc = config_load(&c, NULL, &e);
	cr_assert_eq(chdir(cwd), 0);
	cr_assert_eq(rc, 0, "%s", e.msg);
	cr_assert_eq(c.port, 6200);
	config_release(&c);
}

/* ---- config_check_serve ------------------------------------------------- */

/* Loads with ENVIRONMENT=ENV and SECRET_KEY=SECRET (NULL: unset); returns the check. */
static int serve_check(const char *env, const char *secret, struct err *e)
{
	setenv("ENVIRONMENT", env, 1);
	if (secret)
		setenv("SECRET_KEY", secret, 1);
	else
		unsetenv("SECRET_KEY");
	struct config c;
	load_ok(&c, no_file());
	memset(e, 0, sizeof(*e));
	int rc = config_check_serve(&c, e);
	config_release(&c);
	return rc;
}

static char *repeat(char ch, size_t n)
{
	char *s = malloc(n + 1);
	cr_assert_not_null(s);
	memset(s, ch, n);
	s[n] = '\0';
	return s;
}

Test(config, production_refuses_default_secret)
{
	struct err e;
	cr_assert_eq(serve_check("production", NULL, &e), ERR_INVALID);
	cr_assert_str_eq(e.id, "insecure_secret");
	cr_assert_eq(serve_check("production", "", &e), ERR_INVALID, "empty means unset");
	cr_assert_eq(serve_check("production", "dev-insecure-secret-change-me", &e), ERR_INVALID,
	             "the built-in default set explicitly is still the default");
}

Test(config, production_secret_length_boundary)
{
	struct err e;
	char *s31 = repeat('k', CONFIG_SECRET_MIN - 1);
	char *s32 = repeat('k', CONFIG_SECRET_MIN);
	cr_assert_eq(serve_check("production", s31, &e), ERR_INVALID);
	cr_assert_str_eq(e.id, "insecure_secret");
	cr_assert(strstr(e.msg, "31"), "message '%s' gives the length", e.msg);
	cr_assert_eq(serve_check("production", s32, &e), 0, "%s", e.msg);
	free(s31);
	free(s32);
}

Test(config, development_and_test_allow_default_secret)
{
	struct err e;
	cr_assert_eq(serve_check("development", NULL, &e), 0);
	cr_assert_eq(serve_check("test", NULL, &e), 0);
	cr_assert_eq(serve_check("development", "short", &e), 0);
}

/* ---- config_print ------------------------------------------------------- */

/* Prints C into a string the caller frees. */
static char *print_config(const struct config *c)
{
	FILE *f = tmpfile();
	cr_assert_not_null(f);
	config_print(c, f);
	long n = ftell(f);
	cr_assert_gt(n, 0);
	char *text = malloc((size_t)n + 1);
	rewind(f);
	cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* The printed line for KEY (up to its newline), copied into LINE. */
static void line_of(const char *text, const char *key, char *line, size_t size)
{
	size_t klen = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			cr_assert_lt(n, size);
			memcpy(line, p, n);
			line[n] = '\0';
			return;
		}
	}
	cr_assert_fail("no line for %s in:\n%s", key, text);
}

Test(config, print_masks_every_secret)
{
	setenv("SECRET_KEY", "SECRET-KEY-VALUE-0123456789abcdef", 1);
	setenv("DB_PASSWORD", "DB-PASSWORD-VALUE", 1);
	setenv("DATABASE_URL", "postgresql://maang:PG-URL-PASSWORD@db.example:5432/maang", 1);
	setenv("REDIS_URL", "redis://:REDIS-URL-PASSWORD@cache:6379/0", 1);
	setenv("REDIS_PASSWORD", "REDIS-PASSWORD-VALUE", 1);
	setenv("OPENAI_API_KEY", "OPENAI-KEY-VALUE", 1);
	setenv("GOOGLE_API_KEY", "GOOGLE-KEY-VALUE", 1);
	setenv("GITHUB_TOKEN", "GITHUB-TOKEN-VALUE", 1);
	struct config c;
	load_ok(&c, no_file());
	char *text = print_config(&c);
	static const char *const secrets[] = {
	    "SECRET-KEY-VALUE",     "DB-PASSWORD-VALUE", "PG-URL-PASSWORD",  "REDIS-URL-PASSWORD",
	    "REDIS-PASSWORD-VALUE", "OPENAI-KEY-VALUE",  "GOOGLE-KEY-VALUE", "GITHUB-TOKEN-VALUE",
	};
	for (size_t i = 0; i < ARRAY_LEN(secrets); i++)
		cr_assert_null(strstr(text, secrets[i]), "'%s' is printed:\n%s", secrets[i], text);
	/* The rest of the URL is still shown, so the output remains useful. */
	char line[512];
	line_of(text, "DATABASE_URL", line, sizeof(line));
	cr_assert(strstr(line, "postgresql://maang:****@db.example:5432/maang"), "%s", line);
	cr_assert(strstr(line, "environment"), "source is shown: %s", line);
	line_of(text, "SECRET_KEY", line, sizeof(line));
	cr_assert(strstr(line, "****"), "%s", line);
	config_release(&c);
	free(text);
}

Test(config, print_masks_postgres_password_variants)
{
	static const char *const urls[] = {
	    "postgres://u:PW-ONE@h/db",
	    "postgresql://u:PW-TWO@h:5432/db?sslmode=require",
	    "postgresql://host/db?user=u&password=PW-THREE",
	};
	static const char *const pw[] = {"PW-ONE", "PW-TWO", "PW-THREE"};
	for (size_t i = 0; i < ARRAY_LEN(urls); i++) {
		setenv("DATABASE_URL", urls[i], 1);
		struct config c;
		load_ok(&c, no_file());
		char *text = print_config(&c);
		cr_assert_null(strstr(text, pw[i]), "'%s' is printed:\n%s", pw[i], text);
		free(text);
		config_release(&c);
	}
}

Test(config, print_secret_from_file_is_masked)
{
	write_file(envfile, "SECRET_KEY=FILE-SECRET-0123456789abcdef0123\nPORT=6100\n");
	struct config c;
	load_ok(&c, envfile);
	char *text = print_config(&c);
	cr_assert_null(strstr(text, "FILE-SECRET"), "%s", text);
	char line[512];
	line_of(text, "PORT", line, sizeof(line));
	cr_assert(strstr(line, "6100"), "%s", line);
	cr_assert(strstr(line, ".env"), "source of a file value: %s", line);
	free(text);
	config_release(&c);
}

Test(config, print_default_secret_is_not_shown)
{
	struct config c;
	load_ok(&c, no_file());
	char *text = print_config(&c);
	cr_assert_null(strstr(text, "dev-insecure-secret-change-me"), "%s", text);
	char line[512];
	line_of(text, "SECRET_KEY", line, sizeof(line));
	cr_assert(strstr(line, "default"), "%s", line);
	line_of(text, "PORT", line, sizeof(line));
	cr_assert(strstr(line, "5000"), "%s", line);
	cr_assert(strstr(line, "default"), "%s", line);
	line_of(text, "DATABASE_URL", line, sizeof(line));
	cr_assert(strstr(line, "sqlite:./data/maang.db"), "a SQLite path is not a secret: %s",
	          line);
	free(text);
	config_release(&c);
}

Test(config, log_level_names)
{
	cr_assert(log_level_valid("debug"));
	cr_assert(log_level_valid("info"));
	cr_assert(log_level_valid("warn"));
	cr_assert(log_level_valid("error"));
	cr_assert_not(log_level_valid("INFO"));
	cr_assert_not(log_level_valid("trace"));
	cr_assert_not(log_level_valid(""));
}

Test(config, db_keys_compose_a_postgresql_url_when_database_url_is_not_set)
{
	struct config c;
	setenv("DB_HOST", "db.internal", 1);
	setenv("DB_PORT", "5433", 1);
	setenv("DB_USER", "maang", 1);
	setenv("DB_PASSWORD", "p@ss:w/rd", 1);
	setenv("DB_NAME", "prep", 1);
	setenv("DB_SSLMODE", "require", 1);
	load_ok(&c, no_file());
	cr_assert_str_eq(
	    c.database_url,
	    "postgresql://maang:p%40ss%3Aw%2Frd@db.internal:5433/prep?sslmode=require");
	config_release(&c);
	/* Only the host: the defaults of libpq apply, the database is "maang". */
	clear_env();
	setenv("DB_HOST", "localhost", 1);
	load_ok(&c, no_file());
	cr_assert_str_eq(c.database_url, "postgresql://localhost/maang");
	config_release(&c);
	/* An explicit DATABASE_URL wins over the DB_* keys. */
	setenv("DATABASE_URL", "sqlite:/tmp/x.db", 1);
	load_ok(&c, no_file());
	cr_assert_str_eq(c.database_url, "sqlite:/tmp/x.db");
	config_release(&c);
}
