/*
 * outbox.h: live events between processes that share a database but no
 * Redis: `maang mcp` on stdio beside `maang serve` on one SQLite file (an
 * assistant logs an attempt; the open dashboard must update). The writing
 * process inserts its events into the event_outbox table; each serving
 * process polls the table, feeds other processes' events into its hub and
 * retires the user's cached answers. With Redis, events and cache versions
 * already travel through Redis and the outbox is not used.
 */
#ifndef MAANG_OUTBOX_H
#define MAANG_OUTBOX_H

#include "cache/cache.h"
#include "db/db.h"
#include "events/events.h"

#define OUTBOX_POLL_MS      250 /* how often a server looks for new events */
#define OUTBOX_KEEP_SECONDS 60  /* rows older than this are deleted */
#define OUTBOX_BATCH        500 /* rows read per poll */

/* Writes one event of USER (own transaction). ORIGIN names this process. */
int outbox_write(struct db *db, const char *origin, const char *user, const char *type,
                 const char *data, struct err *e);

struct outbox;
/*
 * Starts polling POOL for events of origins other than ORIGIN: each is
 * published to HUB and bumps its user's version in CACHE. Starts after the
 * newest row present now.
 */
struct outbox *outbox_start(struct db_pool *pool, struct events *hub, struct cache *cache,
                            const char *origin);
/* Stops the poller and frees it. NULL is fine. */
void outbox_stop(struct outbox *o);

#endif
