/*
 * test_redis.c: the Redis cache backend against a real, throwaway
 * redis-server on a free loopback port: round trips, expiry, versions
 * shared by two instances, and Redis going away and coming back.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cache/cache.h"
#include "core/config.h"

static char dir[256];
static int port;

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	close(fd);
	return ntohs(sa.sin_port);
}

static void redis_start(void)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
	         "redis-server --port %d --bind 127.0.0.1 --save '' --appendonly no "
	         "--daemonize yes --dir %s --pidfile %s/redis.pid --logfile %s/redis.log",
	         port, dir, dir, dir);
	cr_assert_eq(system(cmd), 0, "cannot start redis-server (is it installed?)");
	snprintf(cmd, sizeof(cmd), "redis-cli -p %d ping >/dev/null 2>&1", port);
	for (int i = 0; i < 100 && system(cmd) != 0; i++)
		usleep(50000);
	cr_assert_eq(system(cmd), 0, "redis-server did not answer");
}

static void redis_stop(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "redis-cli -p %d shutdown nosave >/dev/null 2>&1", port);
	if (system(cmd) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "redis-cli -p %d ping >/dev/null 2>&1", port);
	for (int i = 0; i < 100 && system(cmd) == 0; i++)
		usleep(50000);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/maang-redis-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	port = free_port();
	redis_start();
}

static void teardown(void)
{
	char cmd[512];
	redis_stop();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

TestSuite(redis, .init = setup, .fini = teardown, .timeout = 30);

static int get_str(struct cache *c, const char *key, char *out, size_t size)
{
	char *v;
	size_t n;
	if (!cache_get(c, key, &v, &n))
		return 0;
	cr_assert_lt(n, size);
	memcpy(out, v, n + 1);
	free(v);
	return 1;
}

Test(redis, round_trip_binary_values_and_delete)
{
	struct cache *c = cache_redis_new("127.0.0.1", port, NULL, 0);
	char out[64];
	cr_assert_str_eq(cache_backend(c), "redis");
	cr_assert(cache_ping(c));
	cr_assert_not(get_str(c, "k", out, sizeof(out)));
	cache_set(c, "k", "a\0b", 3, 60);
	char *v;
	size_t n;
	cr_assert(cache_get(c, "k", &v, &n));
	cr_assert_eq(n, 3);
	cr_assert_eq(memcmp(v, "a\0b", 3), 0);
	free(v);
	cache_del(c, "k");
	cr_assert_not(get_str(c, "k", out, sizeof(out)));
	struct cache_stats st;
	cache_stats(c, &st);
	cr_assert_eq(st.hits, 1);
	cr_assert_eq(st.misses, 2);
	cr_assert_eq(st.errors, 0);
	cache_free(c);
}

Test(redis, entries_expire)
{
	struct cache *c = cache_redis_new("127.0.0.1", port, NULL, 0);
	char out[16];
	cache_set(c, "short", "x", 1, 1);
	cache_set(c, "long", "y", 1, 3600);
	sleep(2);
	cr_assert_not(get_str(c, "short", out, sizeof(out)));
	cr_assert(get_str(c, "long", out, sizeof(out)));
	cache_free(c);
}

Test(redis, a_bump_on_one_instance_is_seen_by_another)
{
	struct cache *a = cache_redis_new("127.0.0.1", port, NULL, 0);
	struct cache *b = cache_redis_new("127.0.0.1", port, NULL, 0);
	uint64_t v1 = cache_user_version(a, "u1");
	cr_assert_gt(v1, 0);
	cr_assert_eq(cache_user_version(b, "u1"), v1);
	uint64_t other = cache_user_version(a, "u2");
	cache_bump_user(b, "u1");
	cr_assert_gt(cache_user_version(a, "u1"), v1);
	cr_assert_eq(cache_user_version(a, "u2"), other);
	/* An entry written by one instance is read by the other. */
	char out[16];
	cache_set(a, "shared", "z", 1, 60);
	cr_assert(get_str(b, "shared", out, sizeof(out)));
	cr_assert_str_eq(out, "z");
	cache_free(a);
	cache_free(b);
}

Test(redis, user_entries_check_the_shared_version_in_one_step)
{
	struct cache *a = cache_redis_new("127.0.0.1", port, NULL, 0);
	struct cache *b = cache_redis_new("127.0.0.1", port, NULL, 0);
	uint64_t v, v2;
	char *val;
	size_t n;
	cr_assert_not(cache_get_user(a, "u1", "p:u1", &v, &val, &n));
	cr_assert_gt(v, 0, "a version is created on first use");
	cache_set_user(a, "p:u1", v, "sum", 3, 60);
	cr_assert(cache_get_user(b, "u1", "p:u1", &v2, &val, &n),
	          "read through the other instance");
	cr_assert_eq(v2, v);
	cr_assert_str_eq(val, "sum");
	free(val);
	cache_bump_user(b, "u1"); /* a write on instance B */
	cr_assert_not(cache_get_user(a, "u1", "p:u1", &v2, &val, &n), "stale everywhere at once");
	cr_assert_gt(v2, v);
	struct cache_stats st;
	cache_stats(a, &st);
	cr_assert_eq(st.hits, 0);
	cr_assert_eq(st.misses, 2, "the stale entry counts as a miss");
	cache_free(a);
	cache_free(b);
}

Test(redis, down_is_a_miss_and_it_reconnects_by_itself)
{
	struct cache *c = cache_redis_new("127.0.0.1", port, NULL, 0);
	char out[16];
	cache_set(c, "k", "v", 1, 60);
	cr_assert(get_str(c, "k", out, sizeof(out)));
	redis_stop();
	cr_assert_not(get_str(c, "k", out, sizeof(out)));
	cache_set(c, "k2", "v", 1, 60); /* must not crash or block for long */
	cache_bump_user(c, "u");
	cr_assert_not(cache_ping(c));
	struct cache_stats st;
	cache_stats(c, &st);
	cr_assert_gt(st.errors, 0);
	redis_start();
	sleep(2); /* past the reconnect back-off */
	cr_assert(cache_ping(c));
	cache_set(c, "k3", "w", 1, 60);
	cr_assert(get_str(c, "k3", out, sizeof(out)));
	cr_assert_str_eq(out, "w");
	cache_free(c);
}

Test(redis, a_password_is_sent)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "redis-cli -p %d config set requirepass s3cret >/dev/null",
	         port);
	cr_assert_eq(system(cmd), 0);
	struct cache *wrong = cache_redis_new("127.0.0.1", port, "nope", 0);
	cr_assert_not(cache_ping(wrong));
	struct cache *right = cache_redis_new("127.0.0.1", port, "s3cret", 0);
	cr_assert(cache_ping(right));
	cache_free(wrong);
	cache_free(right);
	snprintf(cmd, sizeof(cmd),
	         "redis-cli -p %d -a s3cret --no-auth-warning config set requirepass '' >/dev/null",
	         port);
	cr_assert_eq(system(cmd), 0);
}

Test(cache_open, picks_the_backend_from_the_configuration)
{
	struct config cfg;
	struct err e;
	struct cache *c;
	memset(&cfg, 0, sizeof(cfg));
	cr_assert_eq(cache_open(&cfg, &c, &e), 0);
	cr_assert_str_eq(cache_backend(c), "local");
	cache_free(c);
	const char *good[] = {"redis://127.0.0.1", "redis://localhost:6380/2",
	                      "redis://:pw@cache.internal:6379/0", "redis://user:pw@h:1"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cfg.redis_url = (char *)good[i];
		cr_assert_eq(cache_open(&cfg, &c, &e), 0, "%s", good[i]);
		cr_assert_str_eq(cache_backend(c), "redis");
		cache_free(c);
	}
	const char *bad[] = {"http://h",        "redis://",       "redis://h:0",
	                     "redis://h:70000", "redis://h:port", "redis://h/99"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg.redis_url = (char *)bad[i];
		cr_assert_eq(cache_open(&cfg, &c, &e), ERR_INVALID, "%s", bad[i]);
	}
	cfg.redis_url = NULL;
	cfg.redis_host = (char *)"127.0.0.1";
	cfg.redis_port = (char *)"x";
	cr_assert_eq(cache_open(&cfg, &c, &e), ERR_INVALID);
	cfg.redis_port = (char *)"6379";
	cr_assert_eq(cache_open(&cfg, &c, &e), 0);
	cr_assert_str_eq(cache_backend(c), "redis");
	cache_free(c);
}
