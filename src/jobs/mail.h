/*
 * mail.h: e-mail through an SMTP server (libcurl), for reminders. Off
 * unless SMTP_URL is set (smtp://host:port, or smtps:// for TLS).
 */
#ifndef MAANG_JOBS_MAIL_H
#define MAANG_JOBS_MAIL_H

#include "core/config.h"
#include "core/util.h"

#define MAIL_TIMEOUT_SECONDS 20
#define MAIL_BODY_MAX        (64 * 1024)

/* Whether SMTP_URL is set. */
int mail_enabled(const struct config *cfg);
/* Sends a plain-text message; ERR_UPSTREAM when the server refuses or cannot be reached. */
int mail_send(const struct config *cfg, const char *to, const char *subject, const char *body,
              struct err *e);

#endif
