/*
 * base64.h: the URL-safe base64 alphabet of RFC 4648 section 5, without
 * padding, as used by JSON Web Tokens (RFC 7515 section 2).
 *
 * Decoding is strict so that every byte string has exactly one encoding:
 * a token that differs from a valid one in any character never decodes to
 * the same bytes.
 */
#ifndef MAANG_BASE64_H
#define MAANG_BASE64_H

#include <stddef.h>

/* Characters produced for N input bytes, without the terminating NUL. */
#define B64URL_ENCODED_LEN(n) (((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))
/* Buffer size b64url_encode needs for N input bytes, NUL included. */
#define B64URL_ENCODED_SIZE(n) (B64URL_ENCODED_LEN(n) + 1)
/* Upper bound on the bytes decoded from N characters (exact when N is valid). */
#define B64URL_DECODED_LEN(n) (((n) / 4) * 3 + ((n) % 4 ? (n) % 4 - 1 : 0))

/*
 * Encodes LEN bytes of IN into OUT as NUL-terminated base64url without
 * padding. Returns the number of characters written, not counting the NUL,
 * or 0 if OUTSIZE is below B64URL_ENCODED_SIZE(LEN), in which case OUT is
 * left untouched. An empty input writes "" and also returns 0, so callers
 * that accept empty input should size OUT with B64URL_ENCODED_SIZE.
 */
size_t b64url_encode(const unsigned char *in, size_t len, char *out, size_t outsize);

/*
 * Decodes LEN characters of IN (no NUL needed) into OUT, which holds
 * OUTSIZE bytes; B64URL_DECODED_LEN(LEN) is always enough. Returns 0 and
 * stores the byte count in *OUTLEN (if OUTLEN is not NULL), or -1 when IN
 * is not canonical unpadded base64url: any character outside A-Z a-z 0-9
 * '-' '_' (so '=', '+', '/', whitespace and NUL are rejected), a length
 * with LEN % 4 == 1, or non-zero bits left over in the last character.
 * Also -1 if OUTSIZE is too small. On failure OUT and *OUTLEN are untouched.
 */
int b64url_decode(const char *in, size_t len, unsigned char *out, size_t outsize, size_t *outlen);

#endif
