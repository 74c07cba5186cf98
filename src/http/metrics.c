/*
 * metrics.c: per-route request metrics in fixed arrays of atomics.
 */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const int statuses[] = {200, 201, 204, 400, 401, 403, 404,
                               405, 409, 413, 422, 429, 500, 503};
#define NSTATUS ((int)(sizeof(statuses) / sizeof(statuses[0])))
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKET ((int)(sizeof(bounds) / sizeof(bounds[0])))

/* Slot METRICS_MAX_ROUTES holds requests that matched no route. */
#define SLOTS (METRICS_MAX_ROUTES + 1)

static const struct http_route *table;
static int nroutes;
static atomic_uint_fast64_t requests[SLOTS][NSTATUS + 1]; /* last: any other status */
static atomic_uint_fast64_t buckets[SLOTS][NBUCKET];      /* not cumulative here */
static atomic_uint_fast64_t count[SLOTS];
static atomic_uint_fast64_t sum_us[SLOTS];
static atomic_uint_fast64_t server_errors;

void metrics_init(const struct http_route *routes, int n)
{
	table = routes;
	nroutes = n < METRICS_MAX_ROUTES ? n : METRICS_MAX_ROUTES;
}

void metrics_observe(int route, int status, double seconds)
{
	int slot = route >= 0 && route < nroutes ? route : METRICS_MAX_ROUTES;
	int k = NSTATUS;
	for (int i = 0; i < NSTATUS; i++)
		if (statuses[i] == status)
			k = i;
	atomic_fetch_add_explicit(&requests[slot][k], 1, memory_order_relaxed);
	for (int i = 0; i < NBUCKET; i++) {
		if (seconds <= bounds[i]) {
			atomic_fetch_add_explicit(&buckets[slot][i], 1, memory_order_relaxed);
			break;
		}
	}
	atomic_fetch_add_explicit(&count[slot], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sum_us[slot], (uint64_t)(seconds * 1e6), memory_order_relaxed);
	if (status >= 500)
		atomic_fetch_add_explicit(&server_errors, 1, memory_order_relaxed);
}

unsigned long long metrics_server_errors(void)
{
	return (unsigned long long)atomic_load(&server_errors);
}

/* The route label: "METHOD PATTERN", or "unmatched". */
static void label(int slot, char *out, size_t size)
{
	if (slot == METRICS_MAX_ROUTES)
		snprintf(out, size, "unmatched");
	else
		snprintf(out, size, "%s %s", table[slot].method, table[slot].pattern);
}

void metrics_write_http(struct buf *b)
{
	char route[300];
	buf_puts(b,
	         "# HELP maang_http_requests_total HTTP requests answered, by route and status.\n"
	         "# TYPE maang_http_requests_total counter\n");
	for (int s = 0; s < SLOTS; s++) {
		if (s >= nroutes && s != METRICS_MAX_ROUTES)
			continue;
		label(s, route, sizeof(route));
		for (int k = 0; k <= NSTATUS; k++) {
			uint64_t n = atomic_load(&requests[s][k]);
			if (!n)
				continue;
			if (k < NSTATUS)
				buf_printf(
				    b,
				    "maang_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
				    route, statuses[k], (unsigned long long)n);
			else
				buf_printf(b,
				           "maang_http_requests_total{route=\"%s\",status="
				           "\"other\"} %llu\n",
				           route, (unsigned long long)n);
		}
	}
	buf_puts(b, "# HELP maang_http_request_duration_seconds Time from the first byte of a "
	            "request to its answer.\n"
	            "# TYPE maang_http_request_duration_seconds histogram\n");
	for (int s = 0; s < SLOTS; s++) {
		if (s >= nroutes && s != METRICS_MAX_ROUTES)
			continue;
		uint64_t total = atomic_load(&count[s]);
		if (!total)
			continue;
		label(s, route, sizeof(route));
		uint64_t cumulative = 0;
		for (int i = 0; i < NBUCKET; i++) {
			cumulative += atomic_load(&buckets[s][i]);
			buf_printf(
			    b,
			    "maang_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} "
			    "%llu\n",
			    route, bounds[i], (unsigned long long)cumulative);
		}
		buf_printf(
		    b,
		    "maang_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
		    "maang_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
		    "maang_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
		    route, (unsigned long long)total, route, (double)atomic_load(&sum_us[s]) / 1e6,
		    route, (unsigned long long)total);
	}
}
