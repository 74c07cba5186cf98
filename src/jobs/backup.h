/*
 * backup.h: backups of the whole database and their restoration
 * (`maang backup`, `maang restore`, and the scheduled backup job).
 */
#ifndef MAANG_JOBS_BACKUP_H
#define MAANG_JOBS_BACKUP_H

#include <jansson.h>

#include "core/config.h"
#include "core/util.h"

/* `maang backup ...` and `maang restore ...`: argc/argv as given to the command. */
int backup_cmd(int argc, char **argv);
int restore_cmd(int argc, char **argv);

/*
 * Writes a backup of the database at CFG's DATABASE_URL into DIR and keeps
 * the KEEP newest backups there; *REPORT (caller's) says what was written.
 *
 * The backup is a SQLite file DIR/maang-YYYYMMDD-HHMMSS[-N].db (UTC), mode
 * 0600, checked before it gets that name (docs/backup.md). DIR is created
 * (0700) if missing; KEEP is 1-1000. *REPORT is {file, source, bytes,
 * tables, rows, seconds, removed:[paths]} plus rotation_error when the
 * backup was written but old ones could not be removed. Safe to call from
 * any thread while the process serves: it opens connections of its own.
 * Errors: ERR_INVALID (bad DATABASE_URL, DIR or KEEP, or a source that is
 * not a maang database), ERR_UNAVAILABLE (the database cannot be reached or
 * is busy), ERR_CONFLICT (a PostgreSQL copy did not verify), ERR_INTERNAL
 * (the directory or the file cannot be written).
 */
int backup_create(const struct config *cfg, const char *dir, int keep, json_t **report,
                  struct err *e);

#endif
