/*
 * copy.h: copies every table of one database into another (`maang db copy`,
 * the path from an embedded SQLite file to PostgreSQL). The target is
 * migrated first; rows are upserted by primary key in batches, so ids are
 * kept and a second run changes nothing; afterwards row counts and a
 * checksum of every table are compared.
 */
#ifndef MAANG_COPY_H
#define MAANG_COPY_H

#include <stdio.h>

#include "db/db.h"

#define COPY_BATCH_ROWS 500

/*
 * Copies FROM into TO, printing progress to LOG. Returns 0 when every
 * table verified; ERR_CONFLICT (with the table named) when counts or
 * checksums differ, or the error that stopped the copy.
 */
int db_copy(struct db *from, struct db *to, FILE *log, struct err *e);

#endif
