/*
 * audit.h: the activity log. Every mutation writes one row (who, what,
 * which entity, details, from which address and request) in the same
 * transaction as the change itself.
 */
#ifndef MAANG_AUDIT_H
#define MAANG_AUDIT_H

#include <jansson.h>

#include "db/db.h"

/* Where a change came from. */
struct audit_ctx {
	const char *user_id;    /* NULL for anonymous/system */
	const char *ip;         /* NULL when not over HTTP */
	const char *request_id; /* NULL when not over HTTP */
};

/*
 * Writes one activity_log row. DETAIL (may be NULL) is borrowed. Returns 0
 * or the database error.
 */
int audit_log(struct db *db, const struct audit_ctx *ctx, const char *action, const char *entity,
              const char *entity_id, json_t *detail, struct err *e);

#endif
