/*
 * events.h: live events for the dashboard and other clients. A change to a
 * user's data publishes an event (type, JSON data); subscribers of that user
 * receive it; a ring of recent events lets a reconnecting client resume
 * after the last id it saw (Last-Event-ID).
 *
 * The hub is in-process. With Redis configured, events are also published
 * on a Redis channel and every instance feeds what it hears into its own
 * hub, so an event written on instance A reaches a client on instance B.
 * Redis down: local delivery goes on, other instances miss those events
 * (clients then refetch on reconnect, see docs/api.md).
 */
#ifndef MAANG_EVENTS_H
#define MAANG_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#define EVENTS_RING         1024 /* recent events kept for resumption */
#define EVENTS_QUEUE_MAX    256  /* undelivered events per subscriber before it is cut off */
#define EVENTS_MAX_CLIENTS  1000 /* subscribers per instance */
#define EVENTS_MAX_PER_USER 16
#define EVENTS_DATA_MAX     (64 * 1024) /* bytes of JSON per event */
#define EVENTS_ID_MAX       48

struct events;
struct events_sub;

struct event {
	char id[EVENTS_ID_MAX]; /* "<instance>-<sequence>", unique across instances */
	char user[40];
	char type[48];
	char *data; /* JSON text */
};

/*
 * Called (from any thread, with no hub lock held) when a subscriber has
 * something to send: an event, a heartbeat, or its end.
 */
typedef void (*events_wake_fn)(void *ctx);

/*
 * A hub. REDIS_HOST NULL: in-process only. Otherwise it connects to Redis
 * for cross-instance delivery, reconnecting by itself. Every stream gets a
 * comment line after HEARTBEAT_SECONDS of silence: it keeps proxies from
 * closing it, and it is how a vanished client is noticed (a suspended
 * connection is not watched; the next write fails).
 */
struct events *events_new(const char *redis_host, int redis_port, const char *redis_password,
                          int heartbeat_seconds);
/* Ends every subscription (their streams finish) and frees the hub. */
void events_free(struct events *h);
/* Ends every subscription but keeps the hub (graceful shutdown). */
void events_close_all(struct events *h);

/* Publishes an event to USER's subscribers here and, with Redis, on every instance. */
void events_publish(struct events *h, const char *user, const char *type, const char *data);

/*
 * Subscribes to USER's events. LAST_ID (may be NULL) is a Last-Event-ID:
 * the user's events after it that are still in the ring are queued first.
 * FMT (NULL: "id/event/data" as is) shapes each event into SSE text.
 * Returns NULL when a limit is reached (*WHY: "clients" or "user").
 */
/*
 * How a subscriber's stream shows an event: SSE text the caller frees, or
 * NULL to leave the event out. Called with the hub locked: no hub calls.
 */
typedef char *(*events_format_fn)(const struct event *ev, void *ctx);

struct events_sub *events_subscribe(struct events *h, const char *user, const char *last_id,
                                    events_format_fn fmt, void *fmt_ctx, events_wake_fn wake,
                                    void *ctx, const char **why);
void events_unsubscribe(struct events_sub *s);

/*
 * What the subscriber should send next, as SSE text into OUT (the caller
 * frees *OUT): 1 with text, 0 when nothing is pending, -1 when the stream
 * must end (hub closing, or the subscriber fell EVENTS_QUEUE_MAX behind).
 */
int events_next(struct events_sub *s, char **out, size_t *len);

/* Counters for /metrics. */
struct events_stats {
	uint64_t published, delivered, dropped_clients, remote_received;
	int clients;
	int redis_up;
};
void events_stats(struct events *h, struct events_stats *out);

#endif
