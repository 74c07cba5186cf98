/*
 * metrics.h: request counters and latency histograms per route, kept in
 * atomics (no lock on the request path) and written in the Prometheus
 * text exposition format (version 0.0.4).
 */
#ifndef MAANG_METRICS_H
#define MAANG_METRICS_H

#include "core/buf.h"
#include "http/http.h"

#define METRICS_MAX_ROUTES 128

/* Names the routes whose requests are counted; called once by the server. */
void metrics_init(const struct http_route *routes, int n);
/* Counts one finished request. ROUTE is its index in the table, -1 if none matched. */
void metrics_observe(int route, int status, double seconds);
/* Appends maang_http_requests_total and maang_http_request_duration_seconds. */
void metrics_write_http(struct buf *b);
/* Requests answered with a 5xx status so far. */
unsigned long long metrics_server_errors(void);

#endif
