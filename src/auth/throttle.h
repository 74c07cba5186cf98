/*
 * throttle.h: login throttling. Failed logins are counted per key (the
 * email, and separately the client address) in a fixed window; once a key
 * reaches its limit, logins for it get 429 until the window ends. The table
 * is in memory, bounded at THROTTLE_MAX_KEYS, and thread-safe.
 */
#ifndef MAANG_THROTTLE_H
#define MAANG_THROTTLE_H

#include <stdint.h>

#define THROTTLE_MAX_KEYS 65536

struct throttle;

struct throttle *throttle_new(int max_failures, int window_seconds);
void throttle_free(struct throttle *t);
/*
 * 0 if KEY may try now; otherwise the seconds until it may (> 0). LIMIT
 * overrides the default maximum when > 0.
 */
int throttle_check(struct throttle *t, const char *key, int limit, int64_t now);
/* Records one failure of KEY at NOW. */
void throttle_fail(struct throttle *t, const char *key, int64_t now);
/* Forgets KEY (after a successful login). */
void throttle_reset(struct throttle *t, const char *key);

#endif
