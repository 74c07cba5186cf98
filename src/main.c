/*
 * main.c: the `maang` command. Subcommands are one table; each is a
 * cmd_<name>() taking its own arguments.
 *
 * Exit codes: 0 success; 1 the operation failed; 2 usage error; 3 invalid
 * or unsafe configuration; 4 database unavailable.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#include "api/app.h"
#include "auth/password.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "db/copy.h"
#include "db/migrate.h"
#include "practice/practice.h"
#include "memory/bench.h"
#include "jobs/backup.h"
#include "jobs/runner.h"
#include "mcp/mcp.h"
#include "web/web.h"

#define EXIT_USAGE  2
#define EXIT_CONFIG 3
#define EXIT_DB     4

#define SHUTDOWN_GRACE_MS 10000               /* for in-flight requests after SIGTERM */
#define STREAMS_GRACE_MS  8000                /* for streamed coach answers after SIGTERM */
#define EVENTS_TOKEN_TTL  60                  /* seconds an EventSource token is valid */
#define CLI_FILE_MAX      (64L * 1024 * 1024) /* largest file `maang import` reads */

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static int cmd_serve(int argc, char **argv);
static int cmd_migrate(int argc, char **argv);
static int cmd_user(int argc, char **argv);
static int cmd_db(int argc, char **argv);
static int cmd_import(int argc, char **argv);
static int cmd_export(int argc, char **argv);
static int cmd_config(int argc, char **argv);
static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);
static int cmd_bench(int argc, char **argv);
static int cmd_mcp(int argc, char **argv);
static int cmd_backup(int argc, char **argv);
static int cmd_agent(int argc, char **argv);
static int cmd_jobs(int argc, char **argv);
static int cmd_restore(int argc, char **argv);
static int fail_db(const struct err *e);
static const char *opt(int argc, char **argv, const char *name);

static const struct command commands[] = {
    {"serve", cmd_serve, "maang serve",
     "Migrates an embedded database, loads the catalog and serves the HTTP API on PORT\n"
     "(default 5000) until SIGTERM or SIGINT."},
    {"mcp", cmd_mcp, "maang mcp [--user EMAIL]\n       maang mcp --http",
     "Serves the Model Context Protocol (docs/mcp.md) to AI assistants.\n"
     "Without --http: on standard input and output, as the user named by --user or by\n"
     "the personal API token in MAANG_TOKEN (`maang user token EMAIL`); logs go to\n"
     "standard error. Ends at end of input.\n"
     "--http: only the Streamable HTTP endpoint /mcp on MCP_PORT (default 8765) and\n"
     "MCP_BIND_ADDRESS (default 127.0.0.1), bearer tokens required, until SIGTERM."},
    {"migrate", cmd_migrate, "maang migrate [up|status]",
     "up (default): applies pending schema migrations and syncs the catalog data.\n"
     "status: lists migrations and whether each is applied (exit 1 if any is pending)."},
    {"user", cmd_user,
     "maang user add EMAIL [--name NAME] [--admin]\n"
     "       maang user list\n"
     "       maang user set-role EMAIL ROLE\n"
     "       maang user token EMAIL [--name NAME]",
     "add: creates a user; the password comes from MAANG_PASSWORD or the first line of\n"
     "standard input, or a random one is generated and printed.\n"
     "list: prints every user. set-role: ROLE is user or admin.\n"
     "token: creates a personal API token (for MCP clients and scripts) and prints it once."},
    {"db", cmd_db, "maang db copy --from URL --to URL",
     "copy: migrates the target, copies every table from one database to the other in\n"
     "batches (ids kept; safe to re-run), then verifies row counts and a checksum of every\n"
     "table. The path from an embedded SQLite file to PostgreSQL:\n"
     "  maang db copy --from sqlite:./data/maang.db --to postgresql://u:p@host/maang\n"
     "Exit 1 if a table differs after the copy."},
    {"import", cmd_import, "maang import --user EMAIL [--format csv|json] FILE|-",
     "Imports attempts (CSV with a header row, JSON, or a LeetCode-style submissions\n"
     "export) for a user and prints the per-row report as JSON."},
    {"export", cmd_export, "maang export --user EMAIL [--format json|csv] [--output FILE]",
     "Writes all of a user's data as JSON (default) or their attempts as CSV."},
    {"agent", cmd_agent, "maang agent",
     "Runs background jobs (AGENT_WORKERS threads) and the schedule until SIGTERM, when the\n"
     "current jobs finish or go back to the queue. `maang serve` runs the same embedded\n"
     "unless AGENT_EMBEDDED=off. See docs/jobs.md."},
    {"jobs", cmd_jobs,
     "maang jobs list [--state S] [--kind K] [--limit N]\n"
     "       maang jobs stats\n"
     "       maang jobs retry ID | cancel ID\n"
     "       maang jobs enqueue KIND [--payload JSON] [--priority N] [--key KEY]",
     "The job queue: list jobs, counts by state and kind, run a dead or cancelled job\n"
     "again, cancel a queued one, or add one."},
    {"backup", cmd_backup, "maang backup [--dir DIR] [--keep N]",
     "Writes a consistent backup of the database (DATABASE_URL) into DIR (default\n"
     "BACKUP_DIR) as a SQLite file named maang-YYYYMMDD-HHMMSS.db, verifies it, and\n"
     "keeps the N newest (default BACKUP_KEEP). Safe while the server runs."},
    {"restore", cmd_restore, "maang restore FILE [--to URL] [--force]",
     "Restores a backup FILE into the database at URL (default DATABASE_URL), which must\n"
     "be empty unless --force (then every table is emptied first), and verifies row\n"
     "counts and checksums. Stop the servers first."},
    {"config", cmd_config, "maang config check",
     "Prints the effective configuration (secrets masked) and whether `serve` would\n"
     "accept it (exit 3 if not)."},
    {"bench", cmd_bench,
     "maang bench retrieval [--file PATH] [--verbose]\n"
     "       maang bench memory [--sizes 1000,10000,100000]\n"
     "       maang bench embed",
     "retrieval: recall@5 and MRR of hybrid, vector-only and BM25-only memory search on\n"
     "the evaluation set (default tests/retrieval/eval.json); --verbose lists misses.\n"
     "memory: insert rate, search latency p50/p99 and index size per memory count.\n"
     "embed: built-in embedding throughput on one core.\n"
     "Each runs on a throwaway in-memory database with EMBEDDING_MODEL."},
    {"version", cmd_version, "maang version", "Prints the version and library versions."},
    {"help", cmd_help, "maang help [COMMAND]", "Shows help."},
};

static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_usage(FILE *out)
{
	fprintf(out, "usage: maang COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].usage + 6);
	fprintf(out, "\nRun 'maang COMMAND --help' for details. Exit codes: 0 success, 1 failure,\n"
	             "2 usage error, 3 invalid configuration, 4 database unavailable.\n");
}

static int command_help(const struct command *c)
{
	printf("usage: %s\n\n%s\n", c->usage, c->help);
	return 0;
}

/* The process-wide application state of one command. */
static struct config cfg;
static struct app app;

static int load_config(void)
{
	struct err e = {0};
	if (config_load(&cfg, NULL, &e)) {
		fprintf(stderr, "maang: %s\n", e.msg);
		return EXIT_CONFIG;
	}
	log_set_level(cfg.log_level);
	return 0;
}

/*
 * Opens the database, migrates it (embedded SQLite only, or always when
 * MIGRATE is set), syncs and loads the catalog.
 */
static int open_app(int migrate)
{
	struct err e = {0};
	int rc = load_config();
	if (rc)
		return rc;
	if (password_init(0)) {
		fprintf(stderr, "maang: cannot initialise libsodium\n");
		return 1;
	}
	app.cfg = &cfg;
	app.keys.key = (const unsigned char *)cfg.secret_key;
	app.keys.keylen = strlen(cfg.secret_key);
	app.keys.ttl_seconds = cfg.token_ttl_seconds;
	if (db_pool_open(cfg.database_url, cfg.db_pool_size, &app.pool, &e)) {
		fprintf(stderr, "maang: %s\n", e.msg);
		return e.code == ERR_INVALID ? EXIT_CONFIG : EXIT_DB;
	}
	struct db *db;
	if (db_acquire(app.pool, &db, &e)) {
		fprintf(stderr, "maang: %s\n", e.msg);
		return EXIT_DB;
	}
	if (migrate || strcmp(db_dialect(db), "sqlite") == 0) {
		if (migrate_up(db, NULL, &e) || catalog_sync(db, NULL, &e)) {
			fprintf(stderr, "maang: migration failed: %s\n", e.msg);
			db_release(db);
			return 1;
		}
	}
	if (catalog_load(db, &app.catalog, &e)) {
		fprintf(stderr, "maang: cannot load the catalog: %s\n", e.msg);
		db_release(db);
		return 1;
	}
	db_release(db);
	return 0;
}

static void close_app(void)
{
	outbox_stop(app.outbox);
	mcp_release();
	web_release();
	mem_worker_stop(&app.mem);
	mem_release(&app.mem);
	llm_free(app.llm);
	catalog_free(app.catalog);
	throttle_free(app.throttle);
	cache_free(app.cache);
	events_free(app.events);
	db_pool_close(app.pool);
	config_release(&cfg);
	memset(&app, 0, sizeof(app));
}

/*
 * Everything a server needs besides its listeners: configuration (checked
 * as for serve), database, catalog, cache, memory, LLM, live events, the
 * MCP tool table.
 */
enum role { ROLE_SERVE, ROLE_MCP_HTTP, ROLE_MCP_STDIO, ROLE_AGENT };

static int start_services(enum role role)
{
	struct err e = {0};
	int rc = load_config();
	if (rc)
		return rc;
	if (config_check_serve(&cfg, &e)) {
		fprintf(stderr, "maang: refusing to start: %s\n", e.msg);
		config_release(&cfg);
		return EXIT_CONFIG;
	}
	config_release(&cfg);
	if ((rc = open_app(0)))
		return rc;
	if (cfg.secret_is_default)
		log_warn(
		    "SECRET_KEY is not set: using the development default (never in production)");
	app.throttle = throttle_new(cfg.login_max_failures, cfg.login_window_seconds);
	struct redis_target rt;
	if (redis_target(&cfg, &rt, &e) || cache_open(&cfg, &app.cache, &e)) {
		fprintf(stderr, "maang: %s\n", e.msg);
		return EXIT_CONFIG;
	}
	if (mem_init(&app.mem, &cfg, app.cache, &e) || llm_open(&cfg, &app.llm, &e)) {
		fprintf(stderr, "maang: %s\n", e.msg);
		return EXIT_CONFIG;
	}
	if (schedule_check(cfg.job_schedule, &e) ||
	    (strcmp(cfg.agent_embedded, "on") && strcmp(cfg.agent_embedded, "off") &&
	     err_set(&e, ERR_INVALID, "invalid_config", "AGENT_EMBEDDED must be on or off"))) {
		fprintf(stderr, "maang: %s\n", e.msg);
		return EXIT_CONFIG;
	}
	if (mcp_init(&e) || web_init(&e)) {
		fprintf(stderr, "maang: %s\n", e.msg);
		return 1;
	}
	app.coach.mem = &app.mem;
	app.coach.llm = app.llm;
	app.coach.catalog = app.catalog;
	mem_worker_start(&app.mem, app.pool);
	app.events =
	    events_new(rt.set ? rt.host : NULL, rt.port, rt.password, cfg.sse_heartbeat_seconds);
	/*
	 * Without Redis, MCP processes write their events to the database and
	 * serving processes read them from there (events/outbox.h).
	 */
	if (!rt.set) {
		unsigned char rnd[8];
		char origin[17];
		random_bytes(rnd, sizeof(rnd));
		hex_encode(rnd, sizeof(rnd), origin);
		if (role != ROLE_SERVE)
			str_copy(app.outbox_origin, sizeof(app.outbox_origin), origin);
		if (role == ROLE_SERVE || role == ROLE_MCP_HTTP)
			app.outbox = outbox_start(app.pool, app.events, app.cache, origin);
	}
	/* EventSource tokens are signed with a key of their own, derived from SECRET_KEY. */
	unsigned int klen = 0;
	HMAC(EVP_sha256(), cfg.secret_key, (int)strlen(cfg.secret_key),
	     (const unsigned char *)"maang events token", 18, app.events_key, &klen);
	app.events_keys.key = app.events_key;
	app.events_keys.keylen = klen;
	app.events_keys.ttl_seconds = EVENTS_TOKEN_TTL;
	app.started_at = time_now();
	return 0;
}

/* Starts an HTTP listener over the route table; MASK limits it to some routes. */
static int listen_on(const char *address, int port, int mask, struct http_server **srv)
{
	struct err e = {0};
	struct http_server_opts o = {
	    .bind_address = address,
	    .port = port,
	    .threads = cfg.http_threads,
	    .max_body = cfg.max_body_bytes,
	    .routes = api_routes,
	    .nroutes = api_nroutes,
	    .route_mask = mask,
	    .authenticate = api_authenticate,
	    .app = &app,
	    .begin = api_begin,
	    .end = api_end,
	};
	if (http_server_start(&o, srv, &e)) {
		fprintf(stderr, "maang: %s\n", e.msg);
		return 1;
	}
	return 0;
}

/* Blocks SIGINT and SIGTERM in every thread started after; waits for one. */
static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The graceful stop of serve and `mcp --http`: streams end, then requests finish. */
static void stop_servers(struct http_server *main_srv, struct http_server *mcp_srv, int sig)
{
	log_info("received signal %d: finishing in-flight requests", sig);
	events_close_all(app.events); /* event streams end first: they never finish by themselves */
	/* Streamed coach answers finish first: their threads use the pool and connections. */
	int streaming = api_wait_streams(STREAMS_GRACE_MS);
	if (streaming) {
		/* Their threads would outlive the pool: leave without tearing down (WAL keeps the
		 * data). */
		log_msg(LOG_WARN, "stopped with %d streamed answers cut short", streaming);
		_exit(0);
	}
	http_server_stop(mcp_srv, SHUTDOWN_GRACE_MS);
	http_server_stop(main_srv, SHUTDOWN_GRACE_MS);
	close_app();
	log_info("stopped");
}

static int cmd_serve(int argc, char **argv)
{
	(void)argc, (void)argv;
	int64_t t0 = time_now_ms();
	/* Signals go to this thread only: block them before any thread starts. */
	sigset_t set;
	block_signals(&set);
	int rc = start_services(ROLE_SERVE);
	if (rc) {
		close_app();
		return rc;
	}
	struct http_server *srv = NULL, *mcp_srv = NULL;
	if (listen_on(cfg.bind_address, cfg.port, 0, &srv) ||
	    (cfg.mcp_port > 0 &&
	     listen_on(cfg.mcp_bind_address, cfg.mcp_port, ROUTE_MCP, &mcp_srv))) {
		http_server_stop(srv, 0);
		close_app();
		return 1;
	}
	char fields[320];
	snprintf(fields, sizeof(fields),
	         "\"port\":%d,\"mcp_port\":%d,\"database\":\"%s\",\"cache\":\"%s\",\"problems\":%d,"
	         "\"startup_ms\":%lld",
	         http_server_port(srv), mcp_srv ? http_server_port(mcp_srv) : 0,
	         db_pool_dialect(app.pool), cache_backend(app.cache), app.catalog->nproblems,
	         (long long)(time_now_ms() - t0));
	log_emit(LOG_INFO, "listening", fields);
	/* The single-machine default: background jobs run in this process too. */
	struct runner *jobs = NULL;
	if (!strcmp(cfg.agent_embedded, "on"))
		jobs = runner_start(&app, cfg.agent_workers, 1);
	int sig = 0;
	while (sigwait(&set, &sig) != 0)
		;
	runner_stop(jobs);
	stop_servers(srv, mcp_srv, sig);
	return 0;
}

/* maang agent: job workers and the schedule, until SIGTERM (the current jobs finish or go back). */
static int cmd_agent(int argc, char **argv)
{
	(void)argc, (void)argv;
	sigset_t set;
	block_signals(&set); /* before any thread starts: they inherit the mask */
	int rc = start_services(ROLE_AGENT);
	if (rc) {
		close_app();
		return rc;
	}
	struct runner *jobs = runner_start(&app, cfg.agent_workers, 1);
	log_emit(LOG_INFO, "agent", "\"state\":\"running\"");
	int sig = 0;
	while (sigwait(&set, &sig) != 0)
		;
	log_info("received signal %d: finishing or releasing the current jobs", sig);
	runner_stop(jobs);
	close_app();
	log_info("stopped");
	return 0;
}

static int jobs_usage(void)
{
	fprintf(stderr,
	        "maang: usage: maang jobs list|stats|retry ID|cancel ID|enqueue KIND ...\n");
	return EXIT_USAGE;
}

/* maang jobs: the queue from the command line. */
static int cmd_jobs(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	if (!sub)
		return jobs_usage();
	int rc = load_config();
	if (rc)
		return rc;
	struct err e = {0};
	struct db_pool *pool;
	struct db *db;
	if (db_pool_open(cfg.database_url, 1, &pool, &e) || db_acquire(pool, &db, &e)) {
		fprintf(stderr, "maang: %s\n", e.msg);
		config_release(&cfg);
		return e.code == ERR_INVALID ? EXIT_CONFIG : EXIT_DB;
	}
	if (strcmp(db_dialect(db), "sqlite") == 0 && migrate_up(db, NULL, &e)) {
		fprintf(stderr, "maang: %s\n", e.msg);
		rc = 1;
		goto out;
	}
	json_t *out = NULL;
	int64_t id = 0;
	if (!strcmp(sub, "list")) {
		const char *state = opt(argc, argv, "--state"), *kind = opt(argc, argv, "--kind");
		const char *lim = opt(argc, argv, "--limit");
		int64_t limit = 50;
		if (lim && str_to_i64(lim, 1, JOB_LIST_MAX, &limit)) {
			rc = jobs_usage();
			goto out;
		}
		rc = job_list(db, state, kind, limit, 0, &out, &e);
	} else if (!strcmp(sub, "stats")) {
		rc = job_stats(db, &out, &e);
	} else if ((!strcmp(sub, "retry") || !strcmp(sub, "cancel")) && argc == 3) {
		if (str_to_i64(argv[2], 1, INT64_MAX, &id)) {
			rc = jobs_usage();
			goto out;
		}
		rc = !strcmp(sub, "retry") ? job_retry(db, id, &e) : job_cancel(db, id, &e);
		if (!rc)
			rc = job_get(db, id, &out, &e);
	} else if (!strcmp(sub, "enqueue") && argc >= 3) {
		const char *payload = opt(argc, argv, "--payload"),
		           *prio = opt(argc, argv, "--priority");
		json_error_t je;
		json_t *p = payload ? json_loads(payload, 0, &je) : NULL;
		int64_t priority = 0;
		if ((payload && !json_is_object(p)) ||
		    (prio && str_to_i64(prio, -JOB_PRIORITY_MAX, JOB_PRIORITY_MAX, &priority)) ||
		    !job_kind_find(argv[2])) {
			json_decref(p);
			fprintf(stderr,
			        "maang: enqueue KIND [--payload JSON-OBJECT] [--priority N] "
			        "[--key KEY]; KIND one of the kinds in docs/jobs.md\n");
			rc = EXIT_USAGE;
			goto out;
		}
		struct job_in in = {.kind = argv[2],
		                    .payload = p,
		                    .priority = (int)priority,
		                    .idempotency_key = opt(argc, argv, "--key")};
		rc = job_enqueue(db, &in, cfg.job_max_attempts, &id, NULL, &e);
		json_decref(p);
		if (!rc)
			rc = job_get(db, id, &out, &e);
	} else {
		rc = jobs_usage();
		goto out;
	}
	if (rc) {
		fprintf(stderr, "maang: %s\n", e.msg);
		rc = e.code == ERR_UNAVAILABLE ? EXIT_DB : 1;
	} else {
		char *text = json_dumps(out, JSON_INDENT(2));
		printf("%s\n", text);
		free(text);
		json_decref(out);
	}
out:
	db_release(db);
	db_pool_close(pool);
	config_release(&cfg);
	return rc;
}

/*
 * maang mcp: stdio for a user given by --user or MAANG_TOKEN; --http serves
 * only the Streamable HTTP endpoint on MCP_PORT (the Compose mcp service).
 */
static int cmd_mcp(int argc, char **argv)
{
	int http = 0;
	const char *email = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--http"))
			http = 1;
		else if (!strcmp(argv[i], "--user") && i + 1 < argc)
			email = argv[++i];
		else {
			fprintf(stderr, "maang: unknown mcp argument '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	const char *token = getenv("MAANG_TOKEN");
	if (!http && !email && !(token && *token)) {
		fprintf(stderr, "maang: mcp needs --user EMAIL or MAANG_TOKEN (or --http)\n");
		return EXIT_USAGE;
	}
	/* Standard output carries the protocol: nothing else may write there. */
	sigset_t set;
	if (http)
		block_signals(&set); /* before any thread starts: they inherit the mask */
	int rc = start_services(http ? ROLE_MCP_HTTP : ROLE_MCP_STDIO);
	if (rc) {
		close_app();
		return rc;
	}
	if (http) {
		struct http_server *srv = NULL;
		int port = cfg.mcp_port > 0 ? cfg.mcp_port : 8765;
		if (listen_on(cfg.mcp_bind_address, port, ROUTE_MCP, &srv)) {
			close_app();
			return 1;
		}
		char fields[160];
		snprintf(fields, sizeof(fields), "\"mcp_port\":%d,\"port\":%d,\"database\":\"%s\"",
		         http_server_port(srv), http_server_port(srv), db_pool_dialect(app.pool));
		log_emit(LOG_INFO, "listening", fields);
		int sig = 0;
		while (sigwait(&set, &sig) != 0)
			;
		stop_servers(NULL, srv, sig);
		return 0;
	}
	struct err e = {0};
	struct http_user user;
	struct db *db;
	memset(&user, 0, sizeof(user));
	if (db_acquire(app.pool, &db, &e)) {
		close_app();
		return fail_db(&e);
	}
	if (email) {
		struct account a;
		rc = accounts_get_by_email(db, email, &a, &e);
		if (!rc) {
			str_copy(user.id, sizeof(user.id), a.id);
			str_copy(user.email, sizeof(user.email), a.email);
			str_copy(user.name, sizeof(user.name), a.name);
			str_copy(user.role, sizeof(user.role), a.role);
		}
	} else {
		struct identity id;
		rc = tokens_authenticate(db, &app.keys, token, &id, &e);
		if (!rc) {
			str_copy(user.id, sizeof(user.id), id.acct.id);
			str_copy(user.email, sizeof(user.email), id.acct.email);
			str_copy(user.name, sizeof(user.name), id.acct.name);
			str_copy(user.role, sizeof(user.role), id.acct.role);
			str_copy(user.token_id, sizeof(user.token_id), id.token_id);
		}
	}
	db_release(db);
	if (rc) {
		fprintf(stderr, "maang: %s\n", e.msg);
		close_app();
		return rc == ERR_UNAVAILABLE ? EXIT_DB : 1;
	}
	signal(SIGPIPE, SIG_IGN);
	rc = mcp_stdio_run(&app, &user);
	close_app();
	return rc;
}

static int cmd_backup(int argc, char **argv)
{
	return backup_cmd(argc, argv);
}

static int cmd_restore(int argc, char **argv)
{
	return restore_cmd(argc, argv);
}

static int cmd_migrate(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "up";
	struct err e = {0};
	int rc;
	if (strcmp(sub, "up") && strcmp(sub, "status")) {
		fprintf(stderr, "maang: unknown migrate action '%s' (up or status)\n", sub);
		return EXIT_USAGE;
	}
	if ((rc = load_config()))
		return rc;
	struct db_pool *pool;
	struct db *db;
	if (db_pool_open(cfg.database_url, 1, &pool, &e) || db_acquire(pool, &db, &e)) {
		fprintf(stderr, "maang: %s\n", e.msg);
		config_release(&cfg);
		return e.code == ERR_INVALID ? EXIT_CONFIG : EXIT_DB;
	}
	if (!strcmp(sub, "status")) {
		int pending = 0;
		rc = migrate_status(db, stdout, &pending, &e) ? 1 : pending ? 1 : 0;
		if (e.code)
			fprintf(stderr, "maang: %s\n", e.msg);
	} else {
		int applied = 0, changed = 0;
		if (migrate_up(db, &applied, &e) || catalog_sync(db, &changed, &e)) {
			fprintf(stderr, "maang: migration failed: %s\n", e.msg);
			rc = 1;
		} else {
			printf("migrations applied: %d; catalog %s\n", applied,
			       changed ? "updated" : "unchanged");
			rc = 0;
		}
	}
	db_release(db);
	db_pool_close(pool);
	config_release(&cfg);
	return rc;
}

/* Value of "--NAME VALUE" in argv, or NULL. */
static const char *opt(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int has_flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

static int read_password(char *out, size_t size, int *generated)
{
	const char *env = getenv("MAANG_PASSWORD");
	*generated = 0;
	if (env)
		return str_copy(out, size, env);
	if (!isatty(STDIN_FILENO) && fgets(out, (int)size, stdin)) {
		out[strcspn(out, "\r\n")] = '\0';
		if (*out)
			return 0;
	}
	unsigned char raw[12];
	random_bytes(raw, sizeof(raw));
	hex_encode(raw, sizeof(raw), out);
	*generated = 1;
	return 0;
}

static int fail_db(const struct err *e)
{
	fprintf(stderr, "maang: %s\n", e->msg);
	return e->code == ERR_UNAVAILABLE ? EXIT_DB : 1;
}

static int user_cmd(int argc, char **argv, struct db *db)
{
	const char *sub = argv[1];
	struct err e = {0};
	struct audit_ctx ctx = {NULL, NULL, NULL};
	if (!strcmp(sub, "add") && argc >= 3) {
		char password[PASSWORD_MAX_LEN + 2];
		int generated;
		struct account a;
		if (read_password(password, sizeof(password), &generated)) {
			fprintf(stderr, "maang: password is too long\n");
			return EXIT_USAGE;
		}
		if (accounts_register(db, &ctx, argv[2], password, opt(argc, argv, "--name"),
		                      has_flag(argc, argv, "--admin") ? "admin" : "user", &a, &e))
			return fail_db(&e);
		printf("created %s %s (%s)\n", a.role, a.email, a.id);
		if (generated)
			printf("password: %s\n", password);
		return 0;
	}
	if (!strcmp(sub, "list") && argc == 2) {
		json_t *out;
		size_t i;
		json_t *u;
		if (accounts_list(db, 100000, 0, &out, &e))
			return fail_db(&e);
		printf("%-36s  %-6s  %-20s  %s\n", "ID", "ROLE", "CREATED", "EMAIL");
		json_array_foreach(json_object_get(out, "items"), i, u)
		    printf("%-36s  %-6s  %-20s  %s\n", json_str(u, "id"), json_str(u, "role"),
		           json_str(u, "created_at"), json_str(u, "email"));
		json_decref(out);
		return 0;
	}
	if (!strcmp(sub, "set-role") && argc == 4) {
		if (accounts_set_role(db, &ctx, argv[2], argv[3], &e))
			return e.code == ERR_INVALID
			           ? (fprintf(stderr, "maang: %s\n", e.msg), EXIT_USAGE)
			           : fail_db(&e);
		printf("%s is now %s\n", argv[2], argv[3]);
		return 0;
	}
	if (!strcmp(sub, "token") && argc >= 3) {
		struct account a;
		json_t *out;
		const char *name = opt(argc, argv, "--name");
		if (accounts_get_by_email(db, argv[2], &a, &e))
			return fail_db(&e);
		ctx.user_id = a.id;
		if (api_tokens_create(db, &ctx, a.id, name ? name : "cli", &out, &e))
			return fail_db(&e);
		printf("%s\n", json_str(out, "token"));
		json_decref(out);
		return 0;
	}
	fprintf(stderr, "maang: bad arguments; see 'maang user --help'\n");
	return EXIT_USAGE;
}

static int cmd_user(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "maang: user needs an action: add, list, set-role or token\n");
		return EXIT_USAGE;
	}
	int rc = open_app(0);
	if (rc) {
		close_app();
		return rc;
	}
	struct db *db;
	struct err e = {0};
	if (db_acquire(app.pool, &db, &e)) {
		close_app();
		return fail_db(&e);
	}
	rc = user_cmd(argc, argv, db);
	db_release(db);
	close_app();
	return rc;
}

static int cmd_db(int argc, char **argv)
{
	const char *from = opt(argc, argv, "--from"), *to = opt(argc, argv, "--to");
	if (argc != 6 || strcmp(argv[1], "copy") || !from || !to) {
		fprintf(stderr, "maang: usage: maang db copy --from URL --to URL\n");
		return EXIT_USAGE;
	}
	if (!strcmp(from, to)) {
		fprintf(stderr, "maang: --from and --to are the same database\n");
		return EXIT_USAGE;
	}
	int rc = load_config();
	if (rc)
		return rc;
	struct err e = {0};
	struct db_pool *pf = NULL, *pt = NULL;
	struct db *df = NULL, *dt = NULL;
	if (db_pool_open(from, 1, &pf, &e) || db_acquire(pf, &df, &e) ||
	    db_pool_open(to, 1, &pt, &e) || db_acquire(pt, &dt, &e)) {
		fprintf(stderr, "maang: %s\n", e.msg);
		rc = e.code == ERR_INVALID ? EXIT_CONFIG : EXIT_DB;
	} else if (db_copy(df, dt, stdout, &e)) {
		fprintf(stderr, "maang: copy failed: %s\n", e.msg);
		rc = e.code == ERR_UNAVAILABLE ? EXIT_DB : 1;
	} else {
		printf("copy verified: every table has the same rows in both databases\n");
	}
	db_release(df);
	db_release(dt);
	db_pool_close(pf);
	db_pool_close(pt);
	config_release(&cfg);
	return rc;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return NULL;
	struct buf b;
	buf_init(&b, (size_t)CLI_FILE_MAX);
	char chunk[65536];
	size_t n;
	int ok = 1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n)) {
			ok = 0;
			break;
		}
	if (f != stdin)
		fclose(f);
	if (!ok) {
		buf_release(&b);
		errno = EFBIG;
		return NULL;
	}
	*len = b.len;
	return buf_detach(&b);
}

static int with_user_db(int argc, char **argv, struct db **db, struct account *a)
{
	const char *email = opt(argc, argv, "--user");
	struct err e = {0};
	if (!email) {
		fprintf(stderr, "maang: --user EMAIL is required\n");
		return EXIT_USAGE;
	}
	int rc = open_app(0);
	if (rc)
		return rc;
	if (db_acquire(app.pool, db, &e) || accounts_get_by_email(*db, email, a, &e))
		return fail_db(&e);
	return 0;
}

/*
 * Retires what servers cached for USER_ID (progress, problem lists), as
 * api_end does after a write through the API. Only a shared cache (Redis)
 * reaches running servers; an in-process cache ages out (CACHE_DEFAULT_TTL).
 */
/*
 * After a CLI write: the user's cached answers are retired and the change
 * goes out as a live event, so an open dashboard updates: through Redis when
 * it is configured, else through the database outbox that servers poll.
 */
static void announce(struct db *db, const char *user_id, const char *type, json_t *data)
{
	struct err e = {0};
	struct redis_target rt;
	if (cache_open(&cfg, &app.cache, &e) || redis_target(&cfg, &rt, &e)) {
		log_warn("announce: %s", e.msg);
		return;
	}
	cache_bump_user(app.cache, user_id);
	char *text = json_dumps(data, JSON_COMPACT);
	if (rt.set) {
		app.events = events_new(rt.host, rt.port, rt.password, cfg.sse_heartbeat_seconds);
		events_publish(app.events, user_id, type, text);
	} else if (outbox_write(db, "cli", user_id, type, text, &e)) {
		log_warn("announce: event not written: %s", e.msg);
	}
	free(text);
}

static int cmd_import(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[argc - 1] : NULL;
	const char *format = opt(argc, argv, "--format");
	struct account a;
	struct db *db = NULL;
	struct err e = {0};
	if (!path || (path[0] == '-' && strcmp(path, "-")) || argc % 2 != 0) {
		fprintf(stderr, "maang: import needs a FILE (or - for standard input)\n");
		return EXIT_USAGE;
	}
	size_t len;
	char *data = read_file(path, &len);
	if (!data) {
		fprintf(stderr, "maang: cannot read '%s': %s\n", path, strerror(errno));
		return 1;
	}
	int csv = format ? !strcmp(format, "csv")
	                 : (strlen(path) > 4 && !strcmp(path + strlen(path) - 4, ".csv"));
	int rc = with_user_db(argc, argv, &db, &a);
	if (!rc) {
		json_t *report;
		struct audit_ctx ctx = {a.id, NULL, NULL};
		if (practice_import(db, app.catalog, &ctx, a.id, data, len, csv, &report, &e)) {
			rc = fail_db(&e);
		} else {
			/* Notes become memories, as through the API. */
			int notes = 0;
			struct err me = {0};
			if (mem_init(&app.mem, &cfg, NULL, &me) ||
			    mem_sync_attempt_notes(&app.mem, db, app.catalog, &ctx, a.id, &notes,
			                           &me))
				fprintf(stderr, "maang: notes not stored as memories: %s\n",
				        me.msg);
			json_object_set_new(report, "memories", json_integer(notes));
			announce(db, a.id, "attempts.imported", report);
			char *s = json_dumps(report, JSON_INDENT(2));
			printf("%s\n", s);
			free(s);
			rc = json_integer_value(json_object_get(report, "failed")) ? 1 : 0;
			json_decref(report);
		}
	}
	free(data);
	db_release(db);
	close_app();
	return rc;
}

static int cmd_export(int argc, char **argv)
{
	const char *format = opt(argc, argv, "--format");
	const char *output = opt(argc, argv, "--output");
	struct account a;
	struct db *db = NULL;
	struct err e = {0};
	if (format && strcmp(format, "json") && strcmp(format, "csv")) {
		fprintf(stderr, "maang: --format must be json or csv\n");
		return EXIT_USAGE;
	}
	int rc = with_user_db(argc, argv, &db, &a);
	char *data = NULL;
	size_t len = 0;
	if (!rc) {
		if (format && !strcmp(format, "csv")) {
			if (practice_export_csv(db, app.catalog, a.id, &data, &len, &e))
				rc = fail_db(&e);
		} else {
			json_t *out;
			if (practice_export(db, app.catalog, a.id, &out, &e)) {
				rc = fail_db(&e);
			} else {
				data = json_dumps(out, JSON_INDENT(2));
				len = strlen(data);
				json_decref(out);
			}
		}
	}
	if (!rc) {
		FILE *f = output ? fopen(output, "wb") : stdout;
		if (!f || fwrite(data, 1, len, f) != len ||
		    (f == stdout && fputc('\n', f) == EOF)) {
			fprintf(stderr, "maang: cannot write '%s'\n", output ? output : "stdout");
			rc = 1;
		}
		if (f && f != stdout && fclose(f))
			rc = 1;
	}
	free(data);
	db_release(db);
	close_app();
	return rc;
}

static int cmd_config(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "check")) {
		fprintf(stderr, "maang: usage: maang config check\n");
		return EXIT_USAGE;
	}
	struct err e = {0};
	int rc = load_config();
	if (rc)
		return rc;
	config_print(&cfg, stdout);
	if (config_check_serve(&cfg, &e)) {
		printf("\nconfiguration is NOT acceptable for serve: %s\n", e.msg);
		rc = EXIT_CONFIG;
	} else {
		printf("\nconfiguration ok (%s)\n", cfg.environment);
	}
	config_release(&cfg);
	return rc;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("maang %s (sqlite %s, libmicrohttpd %s, jansson %s)\n", MAANG_VERSION,
	       sqlite3_libversion(), MHD_get_version(), JANSSON_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	if (argc > 1) {
		const struct command *c = find_command(argv[1]);
		if (!c) {
			fprintf(stderr, "maang: unknown command '%s'\n", argv[1]);
			return EXIT_USAGE;
		}
		return command_help(c);
	}
	print_usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv);
	const struct command *c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "maang: unknown command '%s'\n\n", argv[1]);
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (wants_help(argc - 1, argv + 1))
		return command_help(c);
	return c->fn(argc - 1, argv + 1);
}

static int cmd_bench(int argc, char **argv)
{
	int rc = load_config();
	if (rc)
		return rc;
	const char *what = argc > 1 ? argv[1] : "";
	if (strcmp(what, "retrieval") == 0) {
		const char *path = opt(argc, argv, "--file");
		rc = mem_bench_retrieval(&cfg, path ? path : "tests/retrieval/eval.json",
		                         has_flag(argc, argv, "--verbose"), stdout);
	} else if (strcmp(what, "memory") == 0) {
		const char *list = opt(argc, argv, "--sizes");
		int sizes[8], n = 0;
		char *copy = xstrdup(list ? list : "1000,10000,100000"), *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t && n < 8;
		     t = strtok_r(NULL, ",", &save)) {
			int64_t v;
			if (str_to_i64(t, 1, 1000000, &v)) {
				fprintf(stderr, "maang: --sizes takes counts such as 1000,10000\n");
				free(copy);
				return EXIT_USAGE;
			}
			sizes[n++] = (int)v;
		}
		free(copy);
		rc = mem_bench_search(&cfg, sizes, n, stdout);
	} else if (strcmp(what, "embed") == 0) {
		rc = mem_bench_embed(stdout);
	} else {
		fprintf(stderr, "usage: maang bench retrieval|memory|embed\n");
		rc = EXIT_USAGE;
	}
	config_release(&cfg);
	return rc;
}
