/*
 * migrate.h: schema migrations embedded in the binary, one SQL file per
 * version under migrations/<dialect>/NNNN_name.sql, applied in order, each
 * in its own transaction, and recorded in schema_migrations.
 */
#ifndef MAANG_MIGRATE_H
#define MAANG_MIGRATE_H

#include <stdio.h>

#include "db/db.h"

/* Applies every pending migration; *APPLIED (may be NULL) gets how many. */
int migrate_up(struct db *db, int *applied, struct err *e);
/* Prints each known migration and whether it is applied; *PENDING gets the count. */
int migrate_status(struct db *db, FILE *out, int *pending, struct err *e);

#endif
