/*
 * mail.c: plain-text e-mail over SMTP with libcurl (see mail.h).
 */
#include "jobs/mail.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/timeutil.h"

struct reader {
	const char *data;
	size_t len, off;
};

static size_t read_cb(char *out, size_t size, size_t n, void *arg)
{
	struct reader *r = arg;
	size_t room = size * n, left = r->len - r->off;
	if (left > room)
		left = room;
	memcpy(out, r->data + r->off, left);
	r->off += left;
	return left;
}

int mail_enabled(const struct config *cfg)
{
	return cfg->smtp_url && *cfg->smtp_url;
}

/* Header values may not carry line breaks (header injection). */
static int clean(const char *s)
{
	return s && !strpbrk(s, "\r\n");
}

int mail_send(const struct config *cfg, const char *to, const char *subject, const char *body,
              struct err *e)
{
	if (!mail_enabled(cfg))
		return err_set(e, ERR_INVALID, "mail_off", "SMTP_URL is not set");
	if (!clean(to) || !clean(subject) || !clean(cfg->smtp_from) || strlen(body) > MAIL_BODY_MAX)
		return err_set(e, ERR_INVALID, "invalid_mail", "bad recipient, subject or body");
	char date[64], rfc[64];
	time_t now = (time_t)time_now();
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	struct buf msg;
	buf_init(&msg, MAIL_BODY_MAX * 2 + 4096);
	buf_printf(&msg,
	           "Date: %s\r\nFrom: MAANG Tracker <%s>\r\nTo: <%s>\r\nSubject: %s\r\n"
	           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
	           date, cfg->smtp_from, to, subject);
	/* Body lines end in CRLF; a line starting with '.' is doubled (RFC 5321 4.5.2). */
	for (const char *p = body; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len && p[len - 1] == '\r')
			len--;
		if (*p == '.')
			buf_puts(&msg, ".");
		buf_append(&msg, p, len);
		buf_puts(&msg, "\r\n");
		p = end ? end + 1 : p + strlen(p);
	}
	snprintf(rfc, sizeof(rfc), "<%s>", cfg->smtp_from);
	char rcpt[320];
	snprintf(rcpt, sizeof(rcpt), "<%s>", to);
	CURL *c = curl_easy_init();
	struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
	struct reader r = {msg.data, msg.len, 0};
	char curl_err[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, rfc);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &r);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)MAIL_TIMEOUT_SECONDS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	if (cfg->smtp_user && *cfg->smtp_user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->smtp_password ? cfg->smtp_password : "");
		/* Credentials only over TLS: smtps://, or STARTTLS required for smtp://. */
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	}
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(c);
	buf_release(&msg);
	if (rc != CURLE_OK)
		return err_set(e, ERR_UPSTREAM, "mail_failed", "cannot send mail to %s: %s", to,
		               curl_err[0] ? curl_err : curl_easy_strerror(rc));
	return 0;
}
