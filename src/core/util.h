/*
 * util.h: allocation that never returns NULL, start-up failures, small
 * string helpers and the error buffer shared by every module.
 */
#ifndef MAANG_UTIL_H
#define MAANG_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Status codes returned by functions that can fail. Each maps to one HTTP
 * status in http/ (see err_http_status). The message that goes with the
 * code is written into a caller-owned struct err.
 */
enum err_code {
	ERR_OK = 0,
	ERR_INTERNAL = -1,    /* 500: a bug or an unexpected failure */
	ERR_BAD_REQUEST = -2, /* 400: malformed input */
	ERR_UNAUTH = -3,      /* 401 */
	ERR_FORBIDDEN = -4,   /* 403 */
	ERR_NOT_FOUND = -5,   /* 404: missing, or not the caller's */
	ERR_CONFLICT = -6,    /* 409 */
	ERR_TOO_LARGE = -7,   /* 413 */
	ERR_INVALID = -8,     /* 422: a field has a wrong value */
	ERR_THROTTLED = -9,   /* 429 */
	ERR_UNAVAILABLE = -10, /* 503: a dependency is down */
	ERR_UPSTREAM = -11     /* 502: an outside provider failed or answered nonsense */
};

#define ERR_MSG_MAX 256

/* An error: a snake_case code for machines and a sentence for people. */
struct err {
	int code;    /* enum err_code */
	char id[48]; /* e.g. "not_found" */
	char msg[ERR_MSG_MAX];
};

/* Fills E and returns CODE, so `return err_set(e, ...)` reads naturally. */
int err_set(struct err *e, int code, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* HTTP status for an error code. */
int err_http_status(int code);

/* Allocation: abort with a message on out-of-memory. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Copies the first N bytes of S (which must hold N bytes) and a NUL. */
char *xstrndup(const char *s, size_t n);
/* printf into a new string; the caller owns it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "maang: MESSAGE" to stderr and exit(1). Start-up only. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Bounded copy that always terminates; returns 0, or -1 if truncated. */
int str_copy(char *dst, size_t size, const char *src);
/* Parses a whole decimal string into [min, max]; 0 on success. */
int str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Parses a whole decimal floating-point string; 0 on success. */
int str_to_double(const char *s, double *out);
/* Case-insensitive ASCII equality. */
int str_ieq(const char *a, const char *b);
/* True if S is valid UTF-8 of LEN bytes (no overlongs, no surrogates). */
int utf8_valid(const char *s, size_t len);
/* Replaces each byte that is not part of valid UTF-8 with '?', in place. */
void utf8_sanitize(char *s);

/* Fills BUF with N cryptographically random bytes. */
void random_bytes(void *buf, size_t n);
/* Writes a random version-4 UUID (36 chars + NUL) into OUT. */
void uuid_v4(char out[37]);
/* True if S looks like a canonical lowercase UUID. */
int uuid_valid(const char *s);
/* Lowercase hex of LEN bytes into OUT (2*LEN+1 bytes). */
void hex_encode(const unsigned char *in, size_t len, char *out);

#endif
