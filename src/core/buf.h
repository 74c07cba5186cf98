/*
 * buf.h: a growable byte buffer with a hard maximum (as curl's dynbuf).
 * Appends that would pass the maximum fail and leave the buffer as it was.
 */
#ifndef MAANG_BUF_H
#define MAANG_BUF_H

#include <stddef.h>

struct buf {
	char *data; /* NUL-terminated when len > 0 or after any append */
	size_t len;
	size_t cap;
	size_t max; /* hard limit on len */
};

void buf_init(struct buf *b, size_t max);
/* Frees the storage; the buffer may be used again after buf_init. */
void buf_release(struct buf *b);
/* Empties the buffer, keeping its storage. */
void buf_reset(struct buf *b);
/* 0, or -1 if the result would exceed the maximum. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the storage to the caller (who frees it) and empties the buffer. */
char *buf_detach(struct buf *b);

#endif
