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
 */
int backup_create(const struct config *cfg, const char *dir, int keep, json_t **report,
                  struct err *e);

#endif
