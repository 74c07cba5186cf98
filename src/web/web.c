/*
 * web.c: the embedded dashboard files and their version (see web.h).
 */
#include "web/web.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/embedded.h"
#include "core/log.h"

#define WEB_PREFIX   "web/"
#define VERSION_MARK "{{VERSION}}"

static char version[WEB_VERSION_LEN + 1];
static const char *dev_dir;     /* MAANG_WEB_DIR: files read from disk on each request */
static __thread char *dev_file; /* the last file read from disk, per thread */
static char *index_html;        /* with the version filled in */
static size_t index_len;

static const struct {
	const char *ext;
	const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".json", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".png", "image/png"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < ARRAY_LEN(types); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

/* Reads DIR/PATH into this thread's buffer; NULL when it cannot. */
static const char *read_dev(const char *path, size_t *size)
{
	char *full = xasprintf("%s/%s", dev_dir, path);
	FILE *f = fopen(full, "rb");
	free(full);
	if (!f)
		return NULL;
	struct buf b;
	buf_init(&b, 8u << 20);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	free(dev_file);
	*size = b.len;
	dev_file = b.len ? buf_detach(&b) : xstrdup("");
	buf_release(&b);
	return dev_file;
}

int web_init(struct err *e)
{
	dev_dir = getenv("MAANG_WEB_DIR");
	if (dev_dir && !*dev_dir)
		dev_dir = NULL;
	if (dev_dir)
		log_warn("web: serving the dashboard from %s (MAANG_WEB_DIR, development)",
		         dev_dir);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[32];
	unsigned int mdlen = 0;
	const struct embedded_file *index = NULL;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	/* The table is sorted by path: the digest does not depend on build order. */
	for (const struct embedded_file *f = embedded_files; f->path; f++) {
		if (strncmp(f->path, WEB_PREFIX, strlen(WEB_PREFIX)))
			continue;
		EVP_DigestUpdate(ctx, f->path, strlen(f->path) + 1);
		EVP_DigestUpdate(ctx, f->data, f->size);
		if (!strcmp(f->path, WEB_PREFIX "index.html"))
			index = f;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	char hex[65];
	hex_encode(md, sizeof(md), hex);
	str_copy(version, sizeof(version), hex);
	if (!index)
		return err_set(e, ERR_INTERNAL, "no_dashboard", "web/index.html is not embedded");
	/* Fill in every {{VERSION}}. */
	struct buf b;
	buf_init(&b, index->size * 2 + 4096);
	for (const char *p = index->data; *p;) {
		const char *m = strstr(p, VERSION_MARK);
		if (!m) {
			buf_puts(&b, p);
			break;
		}
		buf_append(&b, p, (size_t)(m - p));
		buf_puts(&b, version);
		p = m + strlen(VERSION_MARK);
	}
	free(index_html);
	index_len = b.len;
	index_html = buf_detach(&b);
	return 0;
}

void web_release(void)
{
	free(index_html);
	index_html = NULL;
}

const char *web_version(void)
{
	return dev_dir ? "dev" : version;
}

int web_is_dev(void)
{
	return dev_dir != NULL;
}

const char *web_file(const char *path, size_t *size, const char **type)
{
	if (strstr(path, "..") || path[0] == '/')
		return NULL;
	if (dev_dir) {
		/* Development: every request reads the file; the page keeps its markers filled. */
		*type = type_of(path);
		if (strcmp(path, "index.html"))
			return read_dev(path, size);
		const char *page = read_dev(path, size);
		if (!page)
			return NULL;
		struct buf b;
		buf_init(&b, *size * 2 + 4096);
		for (const char *p = page; *p;) {
			const char *m = strstr(p, VERSION_MARK);
			if (!m) {
				buf_puts(&b, p);
				break;
			}
			buf_append(&b, p, (size_t)(m - p));
			buf_puts(&b, "dev");
			p = m + strlen(VERSION_MARK);
		}
		free(dev_file);
		*size = b.len;
		dev_file = buf_detach(&b);
		return dev_file;
	}
	if (!strcmp(path, "index.html")) {
		*size = index_len;
		*type = type_of(path);
		return index_html;
	}
	char full[512];
	if (strlen(path) + strlen(WEB_PREFIX) >= sizeof(full) || strstr(path, ".."))
		return NULL;
	str_copy(full, sizeof(full), WEB_PREFIX);
	str_copy(full + strlen(WEB_PREFIX), sizeof(full) - strlen(WEB_PREFIX), path);
	const struct embedded_file *f = embedded_find(full);
	if (!f)
		return NULL;
	*size = f->size;
	*type = type_of(path);
	return f->data;
}
