/*
 * fuzz_mcp.c: MCP messages, fuzzed. Each input is one message as a
 * transport receives it: parsed with the transports' limits, then handled
 * by the protocol core as an initialized stdio session of a real user on a
 * real SQLite database, so tools, resources and prompts run end to end.
 *
 * With libFuzzer (cmake -DMAANG_FUZZ=ON, clang; `make fuzz`):
 *   build-fuzz/tests/fuzz_mcp tests/fuzz/corpus/mcp
 * Without it, the same file builds a program that replays files and
 * directories given as arguments (CTest runs the corpus this way).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/app.h"
#include "auth/password.h"
#include "core/json.h"
#include "core/log.h"
#include "db/migrate.h"
#include "mcp/mcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config cfg;
static struct app app;
static struct http_user user;

static void setup(void)
{
	struct err e = {0};
	char dir[] = "/tmp/maang-fuzz-XXXXXX";
	if (!mkdtemp(dir))
		fatal("mkdtemp failed");
	char *url = xasprintf("sqlite:%s/fuzz.db", dir);
	setenv("DATABASE_URL", url, 1);
	setenv("SECRET_KEY", "fuzz-secret-fuzz-secret-fuzz-secret-0123456789", 1);
	setenv("LOG_LEVEL", "error", 1);
	free(url);
	if (config_load(&cfg, NULL, &e))
		fatal("config: %s", e.msg);
	log_set_level("error");
	if (password_init(0))
		fatal("libsodium");
	app.cfg = &cfg;
	struct db *db;
	if (db_pool_open(cfg.database_url, 2, &app.pool, &e) || db_acquire(app.pool, &db, &e) ||
	    migrate_up(db, NULL, &e) || catalog_sync(db, NULL, &e) ||
	    catalog_load(db, &app.catalog, &e))
		fatal("database: %s", e.msg);
	struct audit_ctx ctx = {NULL, NULL, NULL};
	struct account a;
	if (accounts_register(db, &ctx, "fuzz@example.com", "fuzz-password-123", "Fuzz", "user", &a,
	                      &e))
		fatal("user: %s", e.msg);
	db_release(db);
	str_copy(user.id, sizeof(user.id), a.id);
	str_copy(user.email, sizeof(user.email), a.email);
	str_copy(user.role, sizeof(user.role), a.role);
	if (cache_open(&cfg, &app.cache, &e) || mem_init(&app.mem, &cfg, app.cache, &e) ||
	    mcp_init(&e))
		fatal("services: %s", e.msg);
	app.events = events_new(NULL, 0, NULL, 15);
	app.coach.mem = &app.mem;
	app.coach.catalog = app.catalog;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		setup();
		ready = 1;
	}
	if (size > MCP_MESSAGE_MAX)
		return 0;
	json_t *msg;
	struct err e = {0};
	if (json_parse_body((const char *)data, size, 0, &msg, &e))
		return 0;
	struct mcp_session s;
	memset(&s, 0, sizeof(s));
	s.initialized = 1;
	str_copy(s.log_level, sizeof(s.log_level), "debug");
	struct mcp_ctx c = {
	    .app = &app, .user = user, .session = &s, .request_id = "fuzz", .notes = json_array()};
	if (db_acquire(app.pool, &c.db, &e) == 0) {
		json_t *reply = mcp_handle(&c, msg);
		if (reply) {
			/* Every reply is a JSON-RPC response that serialises. */
			char *text = json_dump_compact(reply);
			if (!text || !json_object_get(reply, "jsonrpc") ||
			    !(json_object_get(reply, "result") || json_object_get(reply, "error")))
				abort();
			free(text);
		}
		json_decref(reply);
		db_release(c.db);
	}
	json_decref(c.notes);
	json_decref(msg);
	return 0;
}

#ifndef MAANG_LIBFUZZER
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	static char buf[MCP_MESSAGE_MAX + 1];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput((const uint8_t *)buf, n);
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st))
			fatal("cannot read %s", argv[i]);
		if (!S_ISDIR(st.st_mode)) {
			files += replay_file(argv[i]) == 0;
			continue;
		}
		DIR *d = opendir(argv[i]);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char *p = xasprintf("%s/%s", argv[i], de->d_name);
			files += replay_file(p) == 0;
			free(p);
		}
		if (d)
			closedir(d);
	}
	printf("fuzz_mcp: replayed %d inputs\n", files);
	return files > 0 ? 0 : 1;
}
#endif
