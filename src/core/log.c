/*
 * log.c: JSON log lines. Each line is written with one write(2) so lines
 * from different threads never interleave.
 */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/json.h"

static int min_level = LOG_INFO;
static const char *names[] = {"debug", "info", "warn", "error"};

int log_set_level(const char *name)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, names[i]) == 0) {
			min_level = i;
			return 0;
		}
	}
	return -1;
}

int log_enabled(enum log_level level)
{
	return (int)level >= min_level;
}

void log_emit(enum log_level level, const char *msg, const char *fields)
{
	if (!log_enabled(level))
		return;
	struct timeval tv;
	struct tm tm;
	char ts[64];
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (int)(tv.tv_usec / 1000));
	struct buf b;
	buf_init(&b, 64 * 1024);
	buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts, names[level]);
	json_escape_buf(&b, msg);
	if (fields && *fields) {
		buf_puts(&b, ",");
		buf_puts(&b, fields);
	}
	buf_puts(&b, "}\n");
	if (b.data) {
		ssize_t r = write(STDERR_FILENO, b.data, b.len);
		(void)r;
	}
	buf_release(&b);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(level, msg, NULL);
}
