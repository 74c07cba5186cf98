/*
 * jwt.h: HS256 JSON Web Tokens (RFC 7519, RFC 7515) for session access
 * tokens, following the best current practices of RFC 8725.
 *
 * Only one algorithm exists here: HMAC-SHA256 with a server-side key. The
 * algorithm is fixed by the verifier, never chosen by the token; "none",
 * other HMAC sizes and anything with "crit" are refused.
 */
#ifndef MAANG_JWT_H
#define MAANG_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

/* Tokens longer than this are rejected before any decoding or hashing. */
#define JWT_MAX_LEN 1024
/* Seconds an "iat" may lie in the future to allow for clock differences. */
#define JWT_CLOCK_SKEW 300
/* Characters in an id from jwt_new_id, without the NUL. */
#define JWT_ID_LEN 32

/*
 * The claims we issue and accept. Both strings are NUL-terminated, non-empty
 * and shorter than 64 bytes; times are seconds since the Unix epoch.
 */
struct jwt_claims {
	char sub[64]; /* the user's UUID */
	char jti[64]; /* random token id, the handle for revocation */
	int64_t iat;  /* issued at */
	int64_t exp;  /* expires at: the token is invalid from this second on */
};

/*
 * Writes a signed token for C into OUT (OUTSIZE bytes, NUL-terminated).
 * The header is exactly {"alg":"HS256","typ":"JWT"} and the payload is the
 * compact JSON {"sub":..,"jti":..,"iat":..,"exp":..}. KEY (KEYLEN bytes,
 * not owned) should be at least 32 random bytes (RFC 7518 section 3.2).
 * Returns 0, or ERR_INTERNAL when the key is empty, a claim string is
 * empty, unterminated or not UTF-8, the token would exceed JWT_MAX_LEN, or
 * OUTSIZE is too small; OUT is written only on success.
 */
int jwt_sign(const unsigned char *key, size_t keylen, const struct jwt_claims *c, char *out,
             size_t outsize, struct err *e);

/*
 * Checks TOKEN (NUL-terminated, not owned) against KEY at time NOW and on
 * success returns 0 and fills OUT. Otherwise OUT is untouched and the
 * result is ERR_UNAUTH with e->id:
 *   "token_expired"  signature and claims are good but exp <= NOW;
 *   "invalid_token"  anything else: longer than JWT_MAX_LEN, not three
 *                    non-empty dot-separated parts of strict base64url, a
 *                    header that is not a JSON object with "alg" exactly
 *                    "HS256" (or that has "crit", or a "typ" other than
 *                    "JWT"), a bad signature, a payload without string
 *                    sub and jti (1..63 bytes) and integer iat and exp,
 *                    duplicate JSON keys, or iat > NOW + JWT_CLOCK_SKEW.
 * The signature is checked in constant time before the payload is parsed.
 * An empty KEY is a configuration bug and gives ERR_INTERNAL.
 */
int jwt_verify(const unsigned char *key, size_t keylen, const char *token, int64_t now,
               struct jwt_claims *out, struct err *e);

/* Writes a new random token id: 16 random bytes as 32 lowercase hex digits. */
void jwt_new_id(char out[33]);

#endif
