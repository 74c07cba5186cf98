/*
 * migrate.c: versioned migrations from the embedded migrations/ folder.
 */
#include "db/migrate.h"

#include <string.h>

#include "core/embedded.h"
#include "core/log.h"
#include "core/timeutil.h"

struct migration {
	int version;
	const char *name; /* file name */
	const char *sql;
};

#define MIGRATIONS_MAX 256

/* Collects the embedded migrations of the dialect, sorted by version. */
static int list_migrations(const char *dialect, struct migration *out, int max, struct err *e)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "migrations/%s/", dialect);
	size_t plen = strlen(prefix);
	int n = 0;
	for (const struct embedded_file *f = embedded_files; f->path; f++) {
		if (strncmp(f->path, prefix, plen) != 0)
			continue;
		const char *name = f->path + plen;
		int64_t v;
		char digits[5] = {0};
		memcpy(digits, name, strnlen(name, 4));
		if (strlen(name) < 6 || name[4] != '_' || str_to_i64(digits, 1, 9999, &v))
			return err_set(e, ERR_INTERNAL, "bad_migration",
			               "migration '%s' is not named NNNN_name.sql", f->path);
		if (n == max)
			return err_set(e, ERR_INTERNAL, "bad_migration", "too many migrations");
		out[n].version = (int)v;
		out[n].name = name;
		out[n].sql = f->data;
		for (int i = n; i > 0 && out[i - 1].version > out[i].version; i--) {
			struct migration t = out[i];
			out[i] = out[i - 1];
			out[i - 1] = t;
		}
		if (n > 0 && out[n].version == out[n - 1].version)
			return err_set(e, ERR_INTERNAL, "bad_migration", "duplicate version %d",
			               out[n].version);
		n++;
	}
	return n;
}

static int ensure_table(struct db *db, struct err *e)
{
	return db_exec(
	    db,
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
	    e);
}

static int is_applied(struct db *db, int version, int *applied, struct err *e)
{
	int64_t n;
	int rc = db_scalar(db, e, &n, "SELECT count(*) FROM schema_migrations WHERE version = ?",
	                   "i", (int64_t)version);
	if (rc == 0)
		*applied = n > 0;
	return rc;
}

int migrate_up(struct db *db, int *applied, struct err *e)
{
	struct migration m[MIGRATIONS_MAX];
	int n = list_migrations(db_dialect(db), m, MIGRATIONS_MAX, e);
	if (n < 0)
		return n;
	int rc = ensure_table(db, e), count = 0;
	if (rc)
		return rc;
	for (int i = 0; i < n; i++) {
		int done;
		/* Take the write lock first so two processes never apply one version twice. */
		if ((rc = db_begin(db, e)))
			return rc;
		if ((rc = is_applied(db, m[i].version, &done, e)))
			goto fail;
		if (done) {
			db_commit(db, e);
			continue;
		}
		if ((rc = db_exec(db, m[i].sql, e))) {
			log_error("migrate_up: %s: %s", m[i].name, e->msg);
			goto fail;
		}
		if ((rc = db_run(db, e, NULL,
		                 "INSERT INTO schema_migrations (version, name, applied_at) "
		                 "VALUES (?, ?, ?)",
		                 "iti", (int64_t)m[i].version, m[i].name, time_now())))
			goto fail;
		if ((rc = db_commit(db, e)))
			goto fail;
		log_info("applied migration %s", m[i].name);
		count++;
	}
	if (applied)
		*applied = count;
	return 0;
fail:
	db_rollback(db);
	return rc;
}

int migrate_status(struct db *db, FILE *out, int *pending, struct err *e)
{
	struct migration m[MIGRATIONS_MAX];
	int n = list_migrations(db_dialect(db), m, MIGRATIONS_MAX, e);
	if (n < 0)
		return n;
	int rc = ensure_table(db, e), count = 0;
	if (rc)
		return rc;
	for (int i = 0; i < n; i++) {
		int done;
		if ((rc = is_applied(db, m[i].version, &done, e)))
			return rc;
		fprintf(out, "%04d  %-9s %s\n", m[i].version, done ? "applied" : "pending",
		        m[i].name);
		count += !done;
	}
	if (pending)
		*pending = count;
	return 0;
}
