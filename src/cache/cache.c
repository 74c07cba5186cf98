/*
 * cache.c: dispatch to the backend's operations.
 */
#include "cache/cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

struct cache_base {
	const struct cache_ops *ops;
};

#define OPS(c) (((const struct cache_base *)(const void *)(c))->ops)

int cache_get(struct cache *c, const char *key, char **val, size_t *len)
{
	return c ? OPS(c)->get(c, key, val, len) : 0;
}

void cache_set(struct cache *c, const char *key, const char *val, size_t len, int ttl)
{
	if (c)
		OPS(c)->set(c, key, val, len, ttl);
}

void cache_del(struct cache *c, const char *key)
{
	if (c)
		OPS(c)->del(c, key);
}

uint64_t cache_user_version(struct cache *c, const char *user_id)
{
	return c ? OPS(c)->user_version(c, user_id) : 0;
}

void cache_bump_user(struct cache *c, const char *user_id)
{
	if (c)
		OPS(c)->bump_user(c, user_id);
}

void cache_stats(struct cache *c, struct cache_stats *out)
{
	if (c)
		OPS(c)->stats(c, out);
}

int cache_get_user(struct cache *c, const char *user_id, const char *key, uint64_t *version,
                   char **val, size_t *len)
{
	char *raw;
	size_t n;
	*version = 0;
	if (!c)
		return 0;
	if (!OPS(c)->get_with_version(c, user_id, key, version, &raw, &n)) {
		OPS(c)->count(c, 0);
		return 0;
	}
	/* "VERSION\n" then the payload. */
	char *nl = memchr(raw, '\n', n);
	int64_t v;
	if (nl) {
		*nl = '\0';
		if (str_to_i64(raw, 0, INT64_MAX, &v) == 0 && (uint64_t)v == *version && *version) {
			size_t head = (size_t)(nl + 1 - raw);
			memmove(raw, nl + 1, n - head);
			raw[n - head] = '\0';
			*val = raw;
			*len = n - head;
			OPS(c)->count(c, 1);
			return 1;
		}
	}
	free(raw);
	OPS(c)->count(c, 0); /* written before the user's last write */
	return 0;
}

void cache_set_user(struct cache *c, const char *key, uint64_t version, const char *val, size_t len,
                    int ttl)
{
	if (!c || !version)
		return;
	char head[32];
	int h = snprintf(head, sizeof(head), "%llu\n", (unsigned long long)version);
	char *buf = xmalloc((size_t)h + len + 1);
	memcpy(buf, head, (size_t)h);
	memcpy(buf + h, val, len);
	OPS(c)->set(c, key, buf, (size_t)h + len, ttl);
	free(buf);
}

int cache_ping(struct cache *c)
{
	return c ? OPS(c)->ping(c) : 0;
}

/* Parses redis://[USER][:PASSWORD@]HOST[:PORT][/DB] in place. */
static int parse_redis_url(char *url, char **host, int *port, char **password, int *db)
{
	if (strncmp(url, "redis://", 8) != 0)
		return -1;
	char *p = url + 8, *at = strrchr(p, '@');
	*password = NULL;
	if (at) {
		*at = '\0';
		char *colon = strchr(p, ':');
		*password = colon ? colon + 1 : p;
		p = at + 1;
	}
	char *slash = strchr(p, '/');
	int64_t n;
	*db = 0;
	if (slash) {
		*slash = '\0';
		if (slash[1] && str_to_i64(slash + 1, 0, 15, &n))
			return -1;
		*db = slash[1] ? (int)n : 0;
	}
	char *colon = strrchr(p, ':');
	*port = 6379;
	if (colon) {
		*colon = '\0';
		if (str_to_i64(colon + 1, 1, 65535, &n))
			return -1;
		*port = (int)n;
	}
	if (!*p)
		return -1;
	*host = p;
	return 0;
}

int redis_target(const struct config *cfg, struct redis_target *t, struct err *e)
{
	memset(t, 0, sizeof(*t));
	if (cfg->redis_url && *cfg->redis_url) {
		char *url = xstrdup(cfg->redis_url), *host, *password;
		int port, db;
		if (parse_redis_url(url, &host, &port, &password, &db)) {
			free(url);
			return err_set(
			    e, ERR_INVALID, "invalid_config",
			    "REDIS_URL must look like redis://[:PASSWORD@]HOST[:PORT][/DB]");
		}
		str_copy(t->host, sizeof(t->host), host);
		if (password)
			str_copy(t->password, sizeof(t->password), password);
		t->port = port;
		t->db = db;
		t->set = 1;
		free(url);
		return 0;
	}
	if (cfg->redis_host && *cfg->redis_host) {
		int64_t port = 6379;
		if (cfg->redis_port && *cfg->redis_port &&
		    str_to_i64(cfg->redis_port, 1, 65535, &port))
			return err_set(e, ERR_INVALID, "invalid_config",
			               "REDIS_PORT must be a port number");
		str_copy(t->host, sizeof(t->host), cfg->redis_host);
		if (cfg->redis_password)
			str_copy(t->password, sizeof(t->password), cfg->redis_password);
		t->port = (int)port;
		t->set = 1;
	}
	return 0;
}

int cache_open(const struct config *cfg, struct cache **out, struct err *e)
{
	struct redis_target t;
	int rc = redis_target(cfg, &t, e);
	if (rc)
		return rc;
	*out = t.set ? cache_redis_new(t.host, t.port, t.password, t.db) : cache_local_new(0, 0);
	return 0;
}

const char *cache_backend(const struct cache *c)
{
	return c ? OPS(c)->name : "none";
}

void cache_free(struct cache *c)
{
	if (c)
		OPS(c)->free(c);
}
