/*
 * log.h: structured logs, one JSON object per line on stderr:
 * {"ts":"...","level":"info","msg":"...", ...extra fields}.
 */
#ifndef MAANG_LOG_H
#define MAANG_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the minimum level from "debug", "info", "warn" or "error"; -1 if unknown. */
int log_set_level(const char *name);
int log_enabled(enum log_level level);
/*
 * Logs MSG with extra fields given as a JSON object body without braces
 * (e.g. "\"port\":5000"), or NULL. The message is JSON-escaped here.
 */
void log_emit(enum log_level level, const char *msg, const char *fields);
/* printf-style convenience: the formatted text becomes "msg". */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
