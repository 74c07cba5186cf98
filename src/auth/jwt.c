/*
 * jwt.c: signing and verifying HS256 JSON Web Tokens with OpenSSL HMAC.
 *
 * Verification order matters (RFC 8725 section 3): the size cap comes
 * first, then the shape of the token, then the header (the algorithm is
 * ours to choose, not the token's), then the signature in constant time,
 * and only then is the payload, which an attacker fully controls until the
 * signature is checked, handed to the JSON parser.
 */
#include "auth/jwt.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/base64.h"

/* Bytes in an HMAC-SHA256 tag. */
#define JWT_SIG_LEN 32
/* Bytes in a claim string buffer of struct jwt_claims, NUL included. */
#define JWT_CLAIM_SIZE 64

static const char jwt_header_json[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

/* Computes HMAC-SHA256 of DATA under KEY into MAC; 0 or -1. */
static int jwt_hmac(const unsigned char *key, size_t keylen, const char *data, size_t len,
                    unsigned char mac[JWT_SIG_LEN])
{
	unsigned int maclen = 0;

	if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)data, len, mac, &maclen))
		return -1;
	return maclen == JWT_SIG_LEN ? 0 : -1;
}

/* True if S is a non-empty string terminated within a claim buffer. */
static int jwt_claim_str_ok(const char *s)
{
	size_t n = strnlen(s, JWT_CLAIM_SIZE);
	return n > 0 && n < JWT_CLAIM_SIZE;
}

int jwt_sign(const unsigned char *key, size_t keylen, const struct jwt_claims *c, char *out,
             size_t outsize, struct err *e)
{
	int rc = ERR_INTERNAL;
	json_t *payload = NULL;
	char *json = NULL;
	char tok[JWT_MAX_LEN + 1];
	unsigned char mac[JWT_SIG_LEN];
	size_t pos, n;

	if (!key || keylen == 0 || keylen > INT_MAX) {
		err_set(e, ERR_INTERNAL, "internal_error", "jwt_sign: key is empty or too long");
		goto out;
	}
	if (!jwt_claim_str_ok(c->sub) || !jwt_claim_str_ok(c->jti)) {
		err_set(e, ERR_INTERNAL, "internal_error",
		        "jwt_sign: sub or jti is empty or too long");
		goto out;
	}
	/* json_pack refuses strings that are not UTF-8. */
	payload = json_pack("{s:s, s:s, s:I, s:I}", "sub", c->sub, "jti", c->jti, "iat",
	                    (json_int_t)c->iat, "exp", (json_int_t)c->exp);
	if (!payload) {
		err_set(e, ERR_INTERNAL, "internal_error", "jwt_sign: claims are not valid UTF-8");
		goto out;
	}
	json = json_dumps(payload, JSON_COMPACT);
	if (!json) {
		err_set(e, ERR_INTERNAL, "internal_error", "jwt_sign: cannot encode claims");
		goto out;
	}

	/* TOK holds exactly JWT_MAX_LEN characters, so every step is bounded. */
	pos = b64url_encode((const unsigned char *)jwt_header_json, strlen(jwt_header_json), tok,
	                    sizeof(tok));
	if (pos == 0 || pos + 1 >= sizeof(tok))
		goto too_long;
	tok[pos++] = '.';
	n = b64url_encode((const unsigned char *)json, strlen(json), tok + pos, sizeof(tok) - pos);
	if (n == 0)
		goto too_long;
	pos += n;
	if (jwt_hmac(key, keylen, tok, pos, mac) < 0) {
		err_set(e, ERR_INTERNAL, "internal_error", "jwt_sign: HMAC failed");
		goto out;
	}
	if (pos + 1 >= sizeof(tok))
		goto too_long;
	tok[pos++] = '.';
	n = b64url_encode(mac, sizeof(mac), tok + pos, sizeof(tok) - pos);
	if (n == 0)
		goto too_long;
	pos += n;

	if (outsize < pos + 1) {
		err_set(e, ERR_INTERNAL, "internal_error",
		        "jwt_sign: output buffer of %zu bytes too small", outsize);
		goto out;
	}
	memcpy(out, tok, pos + 1);
	rc = 0;
	goto out;

too_long:
	err_set(e, ERR_INTERNAL, "internal_error", "jwt_sign: token longer than %d bytes",
	        JWT_MAX_LEN);
out:
	free(json);
	json_decref(payload);
	return rc;
}

/*
 * True if H is a header we accept: an object whose "alg" is exactly "HS256",
 * with no "crit" (we understand no extensions, RFC 7515 section 4.1.11) and
 * no "typ" other than "JWT" (compared case-insensitively, RFC 7515 4.1.9).
 */
static int jwt_header_ok(const json_t *h)
{
	const json_t *alg, *typ;

	if (!json_is_object(h))
		return 0;
	alg = json_object_get(h, "alg");
	if (!json_is_string(alg) || json_string_length(alg) != 5 ||
	    strcmp(json_string_value(alg), "HS256") != 0)
		return 0;
	if (json_object_get(h, "crit"))
		return 0;
	typ = json_object_get(h, "typ");
	if (typ && (!json_is_string(typ) || json_string_length(typ) != 3 ||
	            !str_ieq(json_string_value(typ), "JWT")))
		return 0;
	return 1;
}

/* Copies string claim NAME of OBJ into DST; -1 unless it is 1..63 bytes. */
static int jwt_claim_str(const json_t *obj, const char *name, char dst[JWT_CLAIM_SIZE])
{
	const json_t *v = json_object_get(obj, name);
	size_t n;

	if (!json_is_string(v))
		return -1;
	n = json_string_length(v);
	/* A NUL inside the string would make it mean something else in C. */
	if (n == 0 || n >= JWT_CLAIM_SIZE || strlen(json_string_value(v)) != n)
		return -1;
	memcpy(dst, json_string_value(v), n + 1);
	return 0;
}

/* Reads integer claim NAME of OBJ; -1 if missing or not a JSON integer. */
static int jwt_claim_int(const json_t *obj, const char *name, int64_t *dst)
{
	const json_t *v = json_object_get(obj, name);

	if (!json_is_integer(v))
		return -1;
	*dst = (int64_t)json_integer_value(v);
	return 0;
}

int jwt_verify(const unsigned char *key, size_t keylen, const char *token, int64_t now,
               struct jwt_claims *out, struct err *e)
{
	int rc = ERR_UNAUTH;
	json_t *header = NULL, *payload = NULL;
	unsigned char buf[JWT_MAX_LEN];
	unsigned char sig[JWT_SIG_LEN], mac[JWT_SIG_LEN];
	const char *dot1, *dot2, *end;
	struct jwt_claims c;
	size_t len, n;

	if (!key || keylen == 0 || keylen > INT_MAX) {
		rc = err_set(e, ERR_INTERNAL, "internal_error",
		             "jwt_verify: key is empty or too long");
		goto out;
	}
	if (!token) {
		err_set(e, ERR_UNAUTH, "invalid_token", "token is missing");
		goto out;
	}
	len = strnlen(token, JWT_MAX_LEN + 1);
	if (len > JWT_MAX_LEN) {
		err_set(e, ERR_UNAUTH, "invalid_token", "token longer than %d bytes", JWT_MAX_LEN);
		goto out;
	}

	/* Exactly three non-empty parts: header.payload.signature. */
	end = token + len;
	dot1 = memchr(token, '.', len);
	dot2 = dot1 ? memchr(dot1 + 1, '.', (size_t)(end - dot1 - 1)) : NULL;
	if (!dot2 || memchr(dot2 + 1, '.', (size_t)(end - dot2 - 1)) || dot1 == token ||
	    dot2 == dot1 + 1 || dot2 + 1 == end) {
		err_set(e, ERR_UNAUTH, "invalid_token", "token must have three non-empty parts");
		goto out;
	}

	if (b64url_decode(token, (size_t)(dot1 - token), buf, sizeof(buf), &n) < 0) {
		err_set(e, ERR_UNAUTH, "invalid_token", "token header is not base64url");
		goto out;
	}
	header = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
	if (!jwt_header_ok(header)) {
		err_set(e, ERR_UNAUTH, "invalid_token",
		        "unsupported token header: alg must be 'HS256', without 'crit'");
		goto out;
	}

	/* The tag must decode to exactly 32 bytes; SIG is too small for more. */
	if (b64url_decode(dot2 + 1, (size_t)(end - dot2 - 1), sig, sizeof(sig), &n) < 0 ||
	    n != JWT_SIG_LEN) {
		err_set(e, ERR_UNAUTH, "invalid_token", "token signature is malformed");
		goto out;
	}
	if (jwt_hmac(key, keylen, token, (size_t)(dot2 - token), mac) < 0) {
		rc = err_set(e, ERR_INTERNAL, "internal_error", "jwt_verify: HMAC failed");
		goto out;
	}
	if (CRYPTO_memcmp(sig, mac, JWT_SIG_LEN) != 0) {
		err_set(e, ERR_UNAUTH, "invalid_token", "token signature does not match");
		goto out;
	}

	/* From here on the payload is known to be ours. */
	if (b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), buf, sizeof(buf), &n) < 0) {
		err_set(e, ERR_UNAUTH, "invalid_token", "token payload is not base64url");
		goto out;
	}
	payload = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
	memset(&c, 0, sizeof(c));
	if (!json_is_object(payload) || jwt_claim_str(payload, "sub", c.sub) < 0 ||
	    jwt_claim_str(payload, "jti", c.jti) < 0 || jwt_claim_int(payload, "iat", &c.iat) < 0 ||
	    jwt_claim_int(payload, "exp", &c.exp) < 0) {
		err_set(e, ERR_UNAUTH, "invalid_token", "token claims are malformed");
		goto out;
	}
	/* Unsigned arithmetic: iat - now cannot overflow when iat > now. */
	if (c.iat > now && (uint64_t)c.iat - (uint64_t)now > JWT_CLOCK_SKEW) {
		err_set(e, ERR_UNAUTH, "invalid_token", "token issued in the future");
		goto out;
	}
	if (c.exp <= now) {
		err_set(e, ERR_UNAUTH, "token_expired", "token expired");
		goto out;
	}

	*out = c;
	rc = 0;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	json_decref(payload);
	json_decref(header);
	return rc;
}

void jwt_new_id(char out[33])
{
	unsigned char b[16];

	random_bytes(b, sizeof(b));
	hex_encode(b, sizeof(b), out);
}
