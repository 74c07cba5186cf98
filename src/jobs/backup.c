/*
 * backup.c: backups of the whole database into one SQLite file, their
 * rotation, and restoring one into any database (see backup.h and
 * docs/backup.md).
 *
 * A backup is always a SQLite file with the schema of the migrations, so
 * one restore path serves both engines: a SQLite source is copied page by
 * page with SQLite's online backup API (a consistent snapshot that never
 * blocks the server's writers under WAL); a PostgreSQL source is copied
 * table by table with db_copy() inside one REPEATABLE READ transaction. The
 * copy is written under a temporary name in the backup directory, checked
 * (PRAGMA integrity_check, the schema_migrations table), synced, and only
 * then linked to its final name, so a crash never leaves half a backup
 * under a name that rotation or a restore would take for a real one.
 *
 * A restore checks the file the same way, copies it to a temporary working
 * copy (the backup itself is never opened for writing), migrates that copy
 * to this binary's schema (so older backups restore too), and moves it into
 * the target with db_copy(), which verifies every table.
 */
#include "jobs/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "db/copy.h"
#include "db/db.h"
#include "db/migrate.h"

/* Exit codes of the commands (as in main.c). */
#define EXIT_FAILED 1
#define EXIT_USAGE  2
#define EXIT_CONFIG 3
#define EXIT_DB     4

#define BACKUP_KEEP_MAX      1000  /* as BACKUP_KEEP allows */
#define BACKUP_NAME_TRIES    1000  /* maang-STAMP.db, then -2 ... -1000 in the same second */
#define BACKUP_LIST_MAX      10000 /* backups rotation looks at in one directory */
#define BACKUP_STALE_SECONDS 86400 /* a temporary file this old is a crashed run's */
#define BACKUP_BUSY_TIMEOUT  5000  /* ms SQLite waits for a lock */
#define BACKUP_BUSY_RETRIES  50    /* copy steps retried after SQLITE_BUSY ... */
#define BACKUP_BUSY_SLEEP_MS 100   /* ... this far apart */
#define BACKUP_TMP_PREFIX    ".maang-backup-"
#define BACKUP_TABLE_MAX     63    /* longest table name restore empties */
#define BACKUP_SQL_MAX       65536 /* the TRUNCATE statement of a forced restore */

/* ---- SQLite files ---------------------------------------------------------- */

/* A failure of SQLite on the file PATH (H may be NULL) as an error. */
static int sq_fail(sqlite3 *h, int rc, const char *path, struct err *e)
{
	const char *msg = h ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return err_set(e, ERR_INVALID, "not_a_database",
		               "'%s' is not a sound SQLite database: %s", path, msg);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return err_set(e, ERR_UNAVAILABLE, "database_busy", "'%s' is busy: %s", path, msg);
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return err_set(e, ERR_UNAVAILABLE, "database_unavailable", "cannot open '%s': %s",
		               path, msg);
	default:
		return err_set(e, ERR_INTERNAL, "database_error", "sqlite on '%s': %s", path, msg);
	}
}

/* Opens PATH with FLAGS; *OUT is the caller's (sqlite3_close) on success. */
static int sq_open(const char *path, int flags, sqlite3 **out, struct err *e)
{
	sqlite3 *h = NULL;
	if (strncmp(path, "file:", 5) == 0)
		flags |= SQLITE_OPEN_URI;
	int rc = sqlite3_open_v2(path, &h, flags, NULL);
	if (rc != SQLITE_OK) {
		rc = sq_fail(h, rc, path, e);
		sqlite3_close(h);
		return rc;
	}
	sqlite3_busy_timeout(h, BACKUP_BUSY_TIMEOUT);
	sqlite3_extended_result_codes(h, 1);
	*out = h;
	return 0;
}

/* The first column of the first row of SQL into OUT ("" when there is no row). */
static int sq_text(sqlite3 *h, const char *path, const char *sql, char *out, size_t size,
                   struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(h, rc, path, e);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		const unsigned char *v = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
		str_copy(out, size, v ? (const char *)v : "");
		rc = 0;
	} else {
		rc = sq_fail(h, rc, path, e);
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Checks that H (the file PATH) is a sound maang database: PRAGMA
 * integrity_check says ok and the schema_migrations table is there. Counts
 * its tables and their rows (SQLite's own and full-text index internals
 * excepted) into *TABLES and *ROWS. ERR_INVALID when the file is not sound.
 */
static int sq_check(sqlite3 *h, const char *path, int64_t *tables, int64_t *rows, struct err *e)
{
	char v[ERR_MSG_MAX];
	int rc = sq_text(h, path, "PRAGMA integrity_check", v, sizeof(v), e);
	if (rc)
		return rc;
	if (strcmp(v, "ok"))
		return err_set(e, ERR_INVALID, "integrity_check_failed",
		               "integrity check of '%s' failed: %s", path, v);
	rc = sq_text(h, path,
	             "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
	             "name = 'schema_migrations'",
	             v, sizeof(v), e);
	if (rc)
		return rc;
	if (strcmp(v, "1"))
		return err_set(e, ERR_INVALID, "not_a_backup",
		               "'%s' is not a maang database (it has no schema_migrations table)",
		               path);
	sqlite3_stmt *list = NULL;
	rc = sqlite3_prepare_v2(h,
	                        "SELECT name FROM pragma_table_list WHERE schema = 'main' AND "
	                        "type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
	                        "ORDER BY name",
	                        -1, &list, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(h, rc, path, e);
	*tables = *rows = 0;
	while ((rc = sqlite3_step(list)) == SQLITE_ROW) {
		char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\"",
		                            (const char *)sqlite3_column_text(list, 0));
		rc = sq_text(h, path, sql, v, sizeof(v), e);
		sqlite3_free(sql);
		if (rc)
			break;
		int64_t n = 0;
		str_to_i64(v, 0, INT64_MAX, &n);
		(*tables)++;
		*rows += n;
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc > 0)
		rc = sq_fail(h, rc, path, e);
	sqlite3_finalize(list);
	return rc;
}

/*
 * Copies the open database SRC (the file SRC_PATH) into the existing empty
 * file DST with SQLite's online backup API. One step copies every page
 * inside one read transaction: the copy is a consistent snapshot, and under
 * WAL the server's writers go on meanwhile (a step of a few pages at a time
 * would start over after each of their commits and might never finish).
 */
static int sq_copy(sqlite3 *src, const char *src_path, const char *dst, struct err *e)
{
	sqlite3 *h = NULL;
	int rc = sq_open(dst, SQLITE_OPEN_READWRITE, &h, e);
	if (rc)
		return rc;
	sqlite3_backup *b = sqlite3_backup_init(h, "main", src, "main");
	if (!b) {
		rc = err_set(e, ERR_INTERNAL, "backup_failed", "cannot copy '%s': %s", src_path,
		             sqlite3_errmsg(h));
		sqlite3_close(h);
		return rc;
	}
	int step;
	for (int tries = 0;; tries++) {
		step = sqlite3_backup_step(b, -1);
		if ((step == SQLITE_BUSY || step == SQLITE_LOCKED) && tries < BACKUP_BUSY_RETRIES) {
			sqlite3_sleep(BACKUP_BUSY_SLEEP_MS);
			continue;
		}
		break;
	}
	sqlite3_backup_finish(b);
	if (step == SQLITE_DONE)
		rc = 0;
	else if ((step & 0xff) == SQLITE_NOTADB || (step & 0xff) == SQLITE_CORRUPT ||
	         (step & 0xff) == SQLITE_BUSY || (step & 0xff) == SQLITE_LOCKED)
		rc = sq_fail(NULL, step, src_path, e);
	else
		rc = err_set(e, ERR_INTERNAL, "backup_failed", "cannot copy '%s' into '%s': %s",
		             src_path, dst, sqlite3_errstr(step));
	sqlite3_close(h);
	return rc;
}

/* fsync of a file or directory; 0 or -1 (errno set). */
static int sync_path(const char *path, int dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/*
 * Makes the copy at PATH a self-contained file and checks it: a rollback
 * journal instead of WAL (the online backup copies the source's WAL flag
 * into the header, which a fresh connection sees and clears), then
 * sq_check(), then fsync. *TABLES and *ROWS as sq_check.
 */
static int seal(const char *path, int64_t *tables, int64_t *rows, struct err *e)
{
	sqlite3 *h = NULL;
	char mode[32];
	int rc = sq_open(path, SQLITE_OPEN_READWRITE, &h, e);
	if (rc)
		return rc;
	if (!(rc = sq_text(h, path, "PRAGMA journal_mode=DELETE", mode, sizeof(mode), e)) &&
	    strcmp(mode, "delete"))
		rc = err_set(e, ERR_INTERNAL, "backup_failed",
		             "cannot leave WAL mode in '%s' (journal mode %s)", path, mode);
	if (!rc)
		rc = sq_check(h, path, tables, rows, e);
	if (sqlite3_close(h) != SQLITE_OK && !rc)
		rc = err_set(e, ERR_INTERNAL, "backup_failed", "cannot close '%s'", path);
	if (!rc && sync_path(path, 0))
		rc = err_set(e, ERR_INTERNAL, "backup_failed", "cannot sync '%s': %s", path,
		             strerror(errno));
	return rc;
}

/* Removes a SQLite file and whatever journal files it left beside it. */
static void remove_db_files(const char *path)
{
	static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
	for (size_t i = 0; i < ARRAY_LEN(suffixes); i++) {
		char *p = xasprintf("%s%s", path, suffixes[i]);
		unlink(p);
		free(p);
	}
}

/* A new empty file (mode 0600) from TEMPLATE ("...XXXXXX"); *OUT is the caller's. */
static int temp_file(const char *template, char **out, struct err *e)
{
	char *path = xstrdup(template);
	int fd = mkstemp(path);
	if (fd < 0) {
		int rc = err_set(e, ERR_INTERNAL, "backup_failed", "cannot create '%s': %s",
		                 template, strerror(errno));
		free(path);
		return rc;
	}
	close(fd);
	*out = path;
	return 0;
}

/* ---- URLs ------------------------------------------------------------------- */

/* "sqlite" or "postgres" for a DATABASE_URL, or NULL for anything else. */
static const char *url_engine(const char *url)
{
	if (!url)
		return NULL;
	if (strncmp(url, "sqlite:", 7) == 0)
		return "sqlite";
	if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
		return "postgres";
	return NULL;
}

/* URL for reports and messages: the password of a postgresql:// URL masked. */
static char *url_masked(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
	const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
	if (!colon)
		return xstrdup(url);
	return xasprintf("%.*s:****%s", (int)(colon - url), url, at);
}

/* ---- Backup ------------------------------------------------------------------- */

/* mkdir -p DIR; directories created here get mode 0700 (backups hold password hashes). */
static int make_dirs(const char *dir, struct err *e)
{
	char *p = xstrdup(dir);
	int rc = 0;
	for (char *s = p + 1; *s && !rc; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (!rc && mkdir(p, 0700) && errno != EEXIST)
		rc = -1;
	struct stat sb;
	if (rc)
		rc = err_set(e, ERR_INTERNAL, "backup_failed", "cannot create '%s': %s", dir,
		             strerror(errno));
	else if (stat(p, &sb) || !S_ISDIR(sb.st_mode))
		rc = err_set(e, ERR_INTERNAL, "backup_failed", "'%s' is not a directory", dir);
	free(p);
	return rc;
}

/*
 * A backup's name: maang-YYYYMMDD-HHMMSS.db, or maang-YYYYMMDD-HHMMSS-N.db
 * for the Nth of one second. Writes the time stamp into STAMP and N (1 for
 * none) into *N; 0 for a backup name, -1 for any other file.
 */
static int parse_name(const char *name, char stamp[16], int *n)
{
	if (strncmp(name, "maang-", 6))
		return -1;
	const char *s = name + 6;
	for (int i = 0; i < 15; i++)
		if (i == 8 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return -1;
	memcpy(stamp, s, 15);
	stamp[15] = '\0';
	s += 15;
	*n = 1;
	if (*s == '-') {
		int64_t v;
		size_t len = strspn(s + 1, "0123456789");
		char digits[8];
		if (len == 0 || len >= sizeof(digits) || s[1] == '0')
			return -1;
		memcpy(digits, s + 1, len);
		digits[len] = '\0';
		if (str_to_i64(digits, 2, BACKUP_NAME_TRIES, &v))
			return -1;
		*n = (int)v;
		s += 1 + len;
	}
	return strcmp(s, ".db") ? -1 : 0;
}

struct backup_file {
	char *name;
	char stamp[16];
	int n;
};

/* Newest first: by time stamp, then by the number within the second. */
static int newest_first(const void *a, const void *b)
{
	const struct backup_file *x = a, *y = b;
	int c = strcmp(y->stamp, x->stamp);
	return c ? c : (y->n > x->n) - (y->n < x->n);
}

/* DIR/NAME; a trailing slash of DIR is not doubled. */
static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	return xasprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

static void free_backups(struct backup_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i].name);
	free(files);
}

/* The backups in DIR (regular files named as backups), newest first; *OUT is the caller's. */
static int list_backups(const char *dir, struct backup_file **out, size_t *count, struct err *e)
{
	DIR *d = opendir(dir);
	if (!d)
		return err_set(e, ERR_INTERNAL, "backup_failed", "cannot list '%s': %s", dir,
		               strerror(errno));
	struct backup_file *files = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct backup_file f;
		if (parse_name(de->d_name, f.stamp, &f.n))
			continue;
		char *path = join(dir, de->d_name);
		struct stat sb;
		int regular = lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);
		free(path);
		if (!regular)
			continue;
		if (n == BACKUP_LIST_MAX) {
			rc = err_set(e, ERR_INTERNAL, "backup_failed",
			             "more than %d backups in '%s'", BACKUP_LIST_MAX, dir);
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			files = xrealloc(files, cap * sizeof(*files));
		}
		f.name = xstrdup(de->d_name);
		files[n++] = f;
	}
	closedir(d);
	if (rc) {
		free_backups(files, n);
		return rc;
	}
	if (n)
		qsort(files, n, sizeof(*files), newest_first);
	*out = files;
	*count = n;
	return 0;
}

/*
 * Keeps the KEEP newest backups in DIR (counting CURRENT, the one just
 * written, which is never removed even if the clock went back) and removes
 * the others, appending their paths to REMOVED. Files that are not named as
 * backups are never touched.
 */
static int rotate(const char *dir, const char *current, int keep, json_t *removed, struct err *e)
{
	struct backup_file *files = NULL;
	size_t n = 0;
	int rc = list_backups(dir, &files, &n, e), kept = 1;
	for (size_t i = 0; i < n && !rc; i++) {
		if (!strcmp(files[i].name, current))
			continue;
		if (kept < keep) {
			kept++;
			continue;
		}
		char *path = join(dir, files[i].name);
		if (unlink(path) == 0)
			json_array_append_new(removed, json_string(path));
		else if (errno != ENOENT)
			rc = err_set(e, ERR_INTERNAL, "rotation_failed", "cannot remove '%s': %s",
			             path, strerror(errno));
		free(path);
	}
	free_backups(files, n);
	return rc;
}

/*
 * Removes temporary files of runs that crashed (older than a day; a run in
 * progress in another process keeps its own).
 */
static void sweep_stale(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	time_t now = time(NULL);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, BACKUP_TMP_PREFIX, strlen(BACKUP_TMP_PREFIX)))
			continue;
		char *path = join(dir, de->d_name);
		struct stat sb;
		if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    now - sb.st_mtime > BACKUP_STALE_SECONDS && unlink(path) == 0)
			log_warn("backup_create: removed '%s', left by an interrupted backup",
			         path);
		free(path);
	}
	closedir(d);
}

/*
 * Gives the finished file TMP its name in DIR: maang-STAMP.db, or -2, -3...
 * after the backups of the same second. link() never replaces a file, so
 * two backups at once cannot take one name. *OUT is the caller's.
 */
static int place(const char *dir, const char *tmp, const char *stamp, char **out, struct err *e)
{
	/* After the last of this second, even if rotation removed earlier ones: names sort by age.
	 */
	struct backup_file *files = NULL;
	size_t count = 0;
	int first = 1;
	int rc = list_backups(dir, &files, &count, e);
	if (rc)
		return rc;
	for (size_t i = 0; i < count; i++)
		if (!strcmp(files[i].stamp, stamp) && files[i].n >= first)
			first = files[i].n + 1;
	free_backups(files, count);
	for (int n = first; n <= BACKUP_NAME_TRIES; n++) {
		char name[64];
		if (n == 1)
			snprintf(name, sizeof(name), "maang-%s.db", stamp);
		else
			snprintf(name, sizeof(name), "maang-%s-%d.db", stamp, n);
		char *path = join(dir, name);
		rc = link(tmp, path);
		if (rc && errno != EEXIST && access(path, F_OK) != 0) {
			/* A file system without hard links: rename, the name being free. */
			rc = rename(tmp, path);
			if (rc) {
				rc = err_set(e, ERR_INTERNAL, "backup_failed",
				             "cannot rename '%s' to '%s': %s", tmp, path,
				             strerror(errno));
				free(path);
				return rc;
			}
		}
		if (rc) {
			free(path);
			continue;
		}
		unlink(tmp);
		if (sync_path(dir, 1))
			log_warn("backup_create: cannot sync '%s': %s", dir, strerror(errno));
		*out = path;
		return 0;
	}
	return err_set(e, ERR_INTERNAL, "backup_failed", "no free backup name in '%s' for %s", dir,
	               stamp);
}

/* A SQLite database: the online backup API from a read-only connection of its own. */
static int copy_sqlite(const char *path, const char *tmp, struct err *e)
{
	if (!*path || !strcmp(path, ":memory:"))
		return err_set(e, ERR_INVALID, "invalid_database_url",
		               "cannot back up an in-memory database");
	sqlite3 *src = NULL;
	int rc = sq_open(path, SQLITE_OPEN_READONLY, &src, e);
	if (rc)
		return rc;
	rc = sq_copy(src, path, tmp, e);
	sqlite3_close(src);
	return rc;
}

/*
 * Any other database (PostgreSQL): db_copy() into the SQLite file TMP,
 * reading every table inside one REPEATABLE READ READ ONLY transaction, so
 * the copy and its verification see one snapshot while the servers write.
 */
static int copy_pooled(const char *url, const char *tmp, struct err *e)
{
	struct db_pool *pf = NULL, *pt = NULL;
	struct db *from = NULL, *to = NULL;
	char *tmp_url = xasprintf("sqlite:%s", tmp);
	int rc;
	if ((rc = db_pool_open(url, 1, &pf, e)) || (rc = db_acquire(pf, &from, e)))
		goto out;
	if ((rc = db_pool_open(tmp_url, 1, &pt, e)) || (rc = db_acquire(pt, &to, e))) {
		char why[ERR_MSG_MAX];
		str_copy(why, sizeof(why), e->msg);
		rc = err_set(e, ERR_INTERNAL, "backup_failed", "cannot write '%s': %s", tmp, why);
		goto out;
	}
	if (!strcmp(db_dialect(from), "postgres") &&
	    (rc = db_exec(from, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", e)))
		goto out;
	rc = db_copy(from, to, NULL, e);
	db_rollback(from);
out:
	db_release(to);
	db_release(from);
	db_pool_close(pt);
	db_pool_close(pf);
	free(tmp_url);
	return rc;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
	return round(s * 1000) / 1000;
}

int backup_create(const struct config *cfg, const char *dir, int keep, json_t **report,
                  struct err *e)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const char *engine = url_engine(cfg->database_url);
	char *tmp = NULL, *path = NULL, *tmpl = NULL;
	int64_t tables = 0, rows = 0;
	int rc;
	if (!engine)
		return err_set(e, ERR_INVALID, "invalid_database_url",
		               "DATABASE_URL must start with sqlite: or postgresql://");
	if (!dir || !*dir)
		return err_set(e, ERR_INVALID, "invalid_backup_dir",
		               "the backup directory is empty");
	if (keep < 1 || keep > BACKUP_KEEP_MAX)
		return err_set(e, ERR_INVALID, "invalid_keep", "keep must be 1-%d",
		               BACKUP_KEEP_MAX);
	/* The name says when the snapshot was taken: now, in UTC. */
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);

	if ((rc = make_dirs(dir, e)))
		return rc;
	sweep_stale(dir);
	tmpl = join(dir, BACKUP_TMP_PREFIX "XXXXXX");
	if ((rc = temp_file(tmpl, &tmp, e)))
		goto out;
	rc = !strcmp(engine, "sqlite") ? copy_sqlite(cfg->database_url + 7, tmp, e)
	                               : copy_pooled(cfg->database_url, tmp, e);
	if (rc || (rc = seal(tmp, &tables, &rows, e)))
		goto out;
	struct stat sb;
	if (stat(tmp, &sb)) {
		rc = err_set(e, ERR_INTERNAL, "backup_failed", "cannot stat '%s': %s", tmp,
		             strerror(errno));
		goto out;
	}
	if ((rc = place(dir, tmp, stamp, &path, e)))
		goto out;
	json_t *removed = json_array();
	struct err re = {0};
	const char *slash = strrchr(path, '/');
	if (rotate(dir, slash ? slash + 1 : path, keep, removed, &re))
		log_warn("backup_create: %s", re.msg);
	*report = json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:o}", "file", path, "source", engine,
	                    "bytes", (json_int_t)sb.st_size, "tables", (json_int_t)tables, "rows",
	                    (json_int_t)rows, "seconds", seconds_since(&t0), "removed", removed);
	if (re.code)
		json_object_set_new(*report, "rotation_error", json_string(re.msg));
	log_info("backup_create: wrote '%s' (%lld bytes, %lld rows) in %.3f s", path,
	         (long long)sb.st_size, (long long)rows, seconds_since(&t0));
	rc = 0;
out:
	if (tmp && rc)
		remove_db_files(tmp);
	free(tmp);
	free(tmpl);
	free(path);
	return rc;
}

/* ---- Restore ------------------------------------------------------------------ */

/*
 * Tables a forced restore leaves in place: the catalog, which db_copy()
 * upserts from the backup (and serve or migrate syncs with the binary), and
 * the migrations' own record. Every other table is data and is emptied.
 */
static const char *const kept_tables[] = {
    "schema_migrations",
    "topics",
    "topic_prerequisites",
    "companies",
    "lists",
    "problems",
    "problem_topics",
    "problem_companies",
    "list_problems",
    "design_topics",
    "behavioral_questions",
    "catalog_meta",
};

static int kept_table(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(kept_tables); i++)
		if (!strcmp(kept_tables[i], name))
			return 1;
	return 0;
}

/* True for the names this code will put into SQL unquoted: [a-z0-9_], bounded. */
static int plain_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > BACKUP_TABLE_MAX)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* The target's ordinary tables (not views, not full-text internals), by name. */
static int target_tables(struct db *db, json_t **out, struct err *e)
{
	const char *sql =
	    !strcmp(db_dialect(db), "postgres")
	        ? "SELECT table_name FROM information_schema.tables WHERE table_schema = "
	          "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
	        : "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' "
	          "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
	struct db_stmt *st;
	int rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	json_t *names = json_array();
	while ((rc = db_step(st, e)) == DB_ROW)
		json_array_append_new(names, json_string(db_col_text(st, 0)));
	db_finish(st);
	if (rc < 0) {
		json_decref(names);
		return rc;
	}
	*out = names;
	return 0;
}

/* Users in the target; 0 when it has no users table yet (never migrated). */
static int target_users(struct db *db, json_t *tables, int64_t *n, struct err *e)
{
	*n = 0;
	for (size_t i = 0; i < json_array_size(tables); i++)
		if (!strcmp(json_string_value(json_array_get(tables, i)), "users"))
			return db_scalar(db, e, n, "SELECT count(*) FROM users", "");
	return 0;
}

/*
 * Empties every data table of the target in one transaction, users last.
 * Foreign keys between data tables may point either way in later
 * migrations: SQLite checks them at the commit (defer_foreign_keys), and
 * PostgreSQL's TRUNCATE of all of them in one statement admits references
 * among them. The names emptied are appended to EMPTIED.
 */
static int empty_data(struct db *db, json_t *tables, json_t *emptied, struct err *e)
{
	int pg = !strcmp(db_dialect(db), "postgres"), has_users = 0, rc = 0;
	json_t *names = json_array();
	for (size_t i = 0; i < json_array_size(tables); i++) {
		const char *name = json_string_value(json_array_get(tables, i));
		if (kept_table(name))
			continue;
		if (!plain_name(name)) {
			rc = err_set(e, ERR_INVALID, "unexpected_table",
			             "the target has a table named '%s'; empty it by hand", name);
			goto out;
		}
		if (!strcmp(name, "users"))
			has_users = 1;
		else
			json_array_append_new(names, json_string(name));
	}
	if (has_users)
		json_array_append_new(names, json_string("users"));
	size_t n = json_array_size(names);
	if (!n || (rc = db_begin(db, e)))
		goto out;
	if (pg) {
		struct buf sql;
		buf_init(&sql, BACKUP_SQL_MAX);
		int over = buf_puts(&sql, "TRUNCATE");
		for (size_t i = 0; i < n; i++)
			over |= buf_printf(&sql, "%s %s", i ? "," : "",
			                   json_string_value(json_array_get(names, i)));
		rc = over ? err_set(e, ERR_INTERNAL, "too_many_tables", "too many tables to empty")
		          : db_exec(db, sql.data, e);
		buf_release(&sql);
	} else {
		rc = db_exec(db, "PRAGMA defer_foreign_keys = ON", e);
		for (size_t i = 0; i < n && !rc; i++) {
			char *sql = xasprintf("DELETE FROM %s",
			                      json_string_value(json_array_get(names, i)));
			rc = db_exec(db, sql, e);
			free(sql);
		}
	}
	if (rc || (rc = db_commit(db, e))) {
		db_rollback(db);
		goto out;
	}
	json_array_extend(emptied, names);
out:
	json_decref(names);
	return rc;
}

/* The same file? (The target need not exist yet: then it is not.) */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/*
 * Checks FILE, prepares a migrated working copy of it in TMPDIR and copies
 * that into the database at URL. Errors: ERR_BAD_REQUEST when FILE is the
 * target itself, ERR_NOT_FOUND / ERR_INVALID when FILE is missing or not a
 * sound backup, ERR_CONFLICT when the target holds users and FORCE is not
 * set, ERR_UNAVAILABLE when the target cannot be reached.
 */
static int restore(const char *file, const char *url, int force, json_t **report, struct err *e)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sqlite3 *h = NULL;
	struct db_pool *pw = NULL, *pt = NULL;
	struct db *work = NULL, *to = NULL;
	char *tmp = NULL, *work_url = NULL, *tmpl = NULL;
	json_t *tables = NULL, *emptied = json_array();
	int64_t ntables = 0, rows = 0, users = 0, before = 0;
	int applied = 0, rc;
	struct stat sb;

	if (stat(file, &sb)) {
		rc = err_set(e, ERR_NOT_FOUND, "not_found", "cannot read '%s': %s", file,
		             strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = err_set(e, ERR_INVALID, "not_a_backup", "'%s' is not a file", file);
		goto out;
	}
	if (!strncmp(url, "sqlite:", 7) && same_file(file, url + 7)) {
		rc = err_set(e, ERR_BAD_REQUEST, "same_database",
		             "'%s' is the target database itself", file);
		goto out;
	}
	/* The backup is only ever opened read-only. */
	if ((rc = sq_open(file, SQLITE_OPEN_READONLY, &h, e)) ||
	    (rc = sq_check(h, file, &ntables, &rows, e)))
		goto bad_file;
	const char *tmpdir = getenv("TMPDIR");
	tmpl = join(tmpdir && *tmpdir ? tmpdir : "/tmp", "maang-restore-XXXXXX");
	if ((rc = temp_file(tmpl, &tmp, e)) || (rc = sq_copy(h, file, tmp, e)))
		goto bad_file;
	sqlite3_close(h);
	h = NULL;
	/* An older backup gets the migrations it lacks, so this binary's copy reads it. */
	work_url = xasprintf("sqlite:%s", tmp);
	if ((rc = db_pool_open(work_url, 1, &pw, e)) || (rc = db_acquire(pw, &work, e)) ||
	    (rc = migrate_up(work, &applied, e)) ||
	    (rc = db_scalar(work, e, &users, "SELECT count(*) FROM users", "")))
		goto bad_file;

	if ((rc = db_pool_open(url, 1, &pt, e)) || (rc = db_acquire(pt, &to, e)) ||
	    (rc = target_tables(to, &tables, e)) || (rc = target_users(to, tables, &before, e)))
		goto out;
	if (before && !force) {
		rc = err_set(e, ERR_CONFLICT, "target_not_empty",
		             "the target database is not empty (%lld users); restore needs an "
		             "empty database, or --force to replace its data",
		             (long long)before);
		goto out;
	}
	if (force && (rc = empty_data(to, tables, emptied, e)))
		goto out;
	if ((rc = db_copy(work, to, log_enabled(LOG_DEBUG) ? stderr : NULL, e)))
		goto out;
	char *masked = url_masked(url);
	*report = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:i, s:o, s:f}", "file", file,
	                    "to", masked, "engine", db_dialect(to), "tables", (json_int_t)ntables,
	                    "rows", (json_int_t)rows, "users", (json_int_t)users, "replaced_users",
	                    (json_int_t)before, "migrations_applied", applied, "emptied", emptied,
	                    "seconds", seconds_since(&t0));
	emptied = NULL;
	log_info("restore: '%s' restored into %s", file, masked);
	free(masked);
	rc = 0;
	goto out;
bad_file:
	/* Whatever went wrong with the file or its working copy, the target is not the cause. */
	if (rc == ERR_UNAVAILABLE)
		rc = e->code = ERR_INVALID;
out:
	if (h)
		sqlite3_close(h);
	db_release(to);
	db_release(work);
	db_pool_close(pt);
	db_pool_close(pw);
	if (tmp)
		remove_db_files(tmp);
	free(tmp);
	free(tmpl);
	free(work_url);
	json_decref(tables);
	json_decref(emptied);
	return rc;
}

/* ---- Commands --------------------------------------------------------------------- */

static int exit_code(int err)
{
	switch (err) {
	case ERR_BAD_REQUEST:
		return EXIT_USAGE;
	case ERR_UNAVAILABLE:
		return EXIT_DB;
	default:
		return EXIT_FAILED;
	}
}

static int print_report(json_t *report)
{
	char *s = json_dumps(report, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	int ok = s && printf("%s\n", s) > 0 && fflush(stdout) == 0;
	free(s);
	json_decref(report);
	if (!ok) {
		fprintf(stderr, "maang: cannot write the report\n");
		return EXIT_FAILED;
	}
	return 0;
}

/* Loads the configuration as every command does; 0 or EXIT_CONFIG (said on stderr). */
static int load_config(struct config *cfg)
{
	struct err e = {0};
	memset(cfg, 0, sizeof(*cfg));
	if (config_load(cfg, NULL, &e)) {
		fprintf(stderr, "maang: %s\n", e.msg);
		return EXIT_CONFIG;
	}
	log_set_level(cfg->log_level);
	if (!url_engine(cfg->database_url)) {
		fprintf(stderr, "maang: DATABASE_URL must start with sqlite: or postgresql://\n");
		config_release(cfg);
		return EXIT_CONFIG;
	}
	return 0;
}

int backup_cmd(int argc, char **argv)
{
	const char *dir = NULL;
	int64_t keep = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc && *argv[i + 1]) {
			dir = argv[++i];
		} else if (!strcmp(argv[i], "--keep") && i + 1 < argc) {
			if (str_to_i64(argv[++i], 1, BACKUP_KEEP_MAX, &keep)) {
				fprintf(stderr, "maang: --keep takes a number from 1 to %d\n",
				        BACKUP_KEEP_MAX);
				return EXIT_USAGE;
			}
		} else {
			fprintf(stderr,
			        "maang: unexpected backup argument '%s'\n"
			        "maang: usage: maang backup [--dir DIR] [--keep N]\n",
			        argv[i]);
			return EXIT_USAGE;
		}
	}
	struct config cfg;
	int rc = load_config(&cfg);
	if (rc)
		return rc;
	struct err e = {0};
	json_t *report = NULL;
	if (backup_create(&cfg, dir ? dir : cfg.backup_dir, keep ? (int)keep : cfg.backup_keep,
	                  &report, &e)) {
		fprintf(stderr, "maang: backup failed: %s\n", e.msg);
		rc = e.code == ERR_INVALID && !strcmp(e.id, "invalid_database_url")
		         ? EXIT_CONFIG
		         : exit_code(e.code);
	} else {
		rc = print_report(report);
	}
	config_release(&cfg);
	return rc;
}

int restore_cmd(int argc, char **argv)
{
	const char *file = NULL, *to = NULL;
	int force = 0;
	for (int i = 1; i < argc; i++) {
		const char *bad = NULL;
		if (!strcmp(argv[i], "--to") && i + 1 < argc)
			to = argv[++i];
		else if (!strcmp(argv[i], "--force"))
			force = 1;
		else if (argv[i][0] != '-' && !file && *argv[i])
			file = argv[i];
		else
			bad = argv[i];
		if (bad) {
			fprintf(stderr, "maang: unexpected restore argument '%s'\n", bad);
			file = NULL;
			break;
		}
	}
	if (!file) {
		fprintf(stderr, "maang: usage: maang restore FILE [--to URL] [--force]\n");
		return EXIT_USAGE;
	}
	if (to && !url_engine(to)) {
		fprintf(stderr, "maang: --to must be sqlite:PATH or postgresql://...\n");
		return EXIT_USAGE;
	}
	struct config cfg;
	int rc = load_config(&cfg);
	if (rc)
		return rc;
	struct err e = {0};
	json_t *report = NULL;
	if (restore(file, to ? to : cfg.database_url, force, &report, &e)) {
		fprintf(stderr, "maang: restore failed: %s\n", e.msg);
		rc = exit_code(e.code);
	} else {
		rc = print_report(report);
	}
	config_release(&cfg);
	return rc;
}
