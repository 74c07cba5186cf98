/*
 * audit.c: activity_log rows.
 */
#include "audit/audit.h"

#include <stdlib.h>

#include "core/json.h"
#include "core/timeutil.h"

int audit_log(struct db *db, const struct audit_ctx *ctx, const char *action, const char *entity,
              const char *entity_id, json_t *detail, struct err *e)
{
	char *d = detail ? json_dump_compact(detail) : NULL;
	int rc =
	    db_run(db, e, NULL,
	           "INSERT INTO activity_log (user_id, action, entity, entity_id, detail, ip, "
	           "request_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	           "ttttttti", ctx ? ctx->user_id : NULL, action, entity, entity_id, d ? d : "{}",
	           ctx ? ctx->ip : NULL, ctx ? ctx->request_id : NULL, time_now());
	free(d);
	return rc;
}
