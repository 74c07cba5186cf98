/*
 * test_jwt.c: HS256 tokens. Besides the round trip, most tests forge a
 * token by hand (base64url + OpenSSL HMAC, independent of jwt_sign) to
 * check that each kind of bad token is refused, including the classic
 * attacks of RFC 8725: "alg":"none", algorithm substitution, signature
 * stripping and malleable encodings.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/jwt.h"
#include "core/base64.h"

#define NOW     INT64_C(1700000000)
#define SUB     "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
#define JTI     "00112233445566778899aabbccddeeff"
#define HS256   "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define TOKBUF  4096
#define HDR_B64 "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

/* The standard claims, valid at NOW for an hour. */
#define PAYLOAD "{\"sub\":\"" SUB "\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600}"

static const unsigned char key[] = "k3y-0f-32-bytes-for-hmac-sha256!";
#define KEYLEN (sizeof(key) - 1)

static void claims_init(struct jwt_claims *c, int64_t iat, int64_t exp)
{
	memset(c, 0, sizeof(*c));
	cr_assert_eq(str_copy(c->sub, sizeof(c->sub), SUB), 0);
	cr_assert_eq(str_copy(c->jti, sizeof(c->jti), JTI), 0);
	c->iat = iat;
	c->exp = exp;
}

/*
 * Builds base64url(HEADER) "." base64url(PAYLOAD) "." signature into OUT.
 * The signature is HMAC-SHA256 under K, or empty when K is NULL.
 */
static void forge(char *out, const char *header, const char *payload, const unsigned char *k,
                  size_t klen)
{
	size_t pos = b64url_encode((const unsigned char *)header, strlen(header), out, TOKBUF);
	out[pos++] = '.';
	pos +=
	    b64url_encode((const unsigned char *)payload, strlen(payload), out + pos, TOKBUF - pos);
	cr_assert_lt(pos + 50, TOKBUF);
	if (k) {
		unsigned char mac[EVP_MAX_MD_SIZE];
		unsigned int maclen = 0;
		cr_assert_not_null(HMAC(EVP_sha256(), k, (int)klen, (const unsigned char *)out, pos,
		                        mac, &maclen));
		cr_assert_eq(maclen, 32);
		out[pos++] = '.';
		b64url_encode(mac, maclen, out + pos, TOKBUF - pos);
	} else {
		out[pos++] = '.';
		out[pos] = '\0';
	}
}

/* Verifies TOKEN at NOW and expects success. */
static void expect_accept(const char *token, struct jwt_claims *out)
{
	struct err e = {0};
	cr_assert_eq(jwt_verify(key, KEYLEN, token, NOW, out, &e), 0, "token '%s' rejected: %s",
	             token, e.msg);
}

/*
 * Verifies TOKEN at NOW and expects ERR_UNAUTH with ID and OUT untouched;
 * when WHY is not NULL the message must contain it, which shows the token
 * failed the rule under test rather than a later one.
 */
static void expect_reject_why(const char *token, const char *id, const char *why)
{
	struct jwt_claims out, before;
	struct err e = {0};
	const char *shown = token ? token : "(null)";

	memset(&out, 0x5A, sizeof(out));
	before = out;
	cr_assert_eq(jwt_verify(key, KEYLEN, token, NOW, &out, &e), ERR_UNAUTH,
	             "token '%s' must be rejected", shown);
	cr_assert_eq(e.code, ERR_UNAUTH);
	cr_assert_str_eq(e.id, id, "token '%s': %s", shown, e.msg);
	if (why)
		cr_assert_not_null(strstr(e.msg, why), "token '%s': '%s' lacks '%s'", shown, e.msg,
		                   why);
	cr_assert_eq(memcmp(&out, &before, sizeof(out)), 0, "OUT written on failure");
}

static void expect_reject(const char *token, const char *id)
{
	expect_reject_why(token, id, NULL);
}

/* Signs claims (IAT, EXP) with the test key into OUT of OUTSIZE bytes. */
static void sign_claims(char *out, size_t outsize, int64_t iat, int64_t exp)
{
	struct jwt_claims c;
	struct err e = {0};

	claims_init(&c, iat, exp);
	cr_assert_eq(jwt_sign(key, KEYLEN, &c, out, outsize, &e), 0, "%s", e.msg);
}

Test(jwt, round_trip)
{
	char tok[TOKBUF];
	struct jwt_claims in, out;
	struct err e = {0};

	claims_init(&in, NOW - 10, NOW + 900);
	cr_assert_eq(jwt_sign(key, KEYLEN, &in, tok, sizeof(tok), &e), 0, "%s", e.msg);
	cr_assert_eq(strncmp(tok, HDR_B64 ".", strlen(HDR_B64) + 1), 0, "header is fixed");
	memset(&out, 0, sizeof(out));
	expect_accept(tok, &out);
	cr_assert_str_eq(out.sub, SUB);
	cr_assert_str_eq(out.jti, JTI);
	cr_assert_eq(out.iat, NOW - 10);
	cr_assert_eq(out.exp, NOW + 900);
}

/* A token signed by hand with the same algorithm verifies too. */
Test(jwt, accepts_forged_with_right_key)
{
	char tok[TOKBUF];
	struct jwt_claims out;

	forge(tok, HS256, PAYLOAD, key, KEYLEN);
	expect_accept(tok, &out);
	cr_assert_str_eq(out.sub, SUB);
	cr_assert_eq(out.exp, NOW + 3600);
}

/*
 * Known answer, computed independently with Python's standard library:
 *   h = b'{"alg":"HS256","typ":"JWT"}'
 *   p = json.dumps({"sub":SUB,"jti":JTI,"iat":1700000000,"exp":1700003600},
 *                  separators=(',',':')).encode()
 *   si = b64(h) + "." + b64(p)   # base64.urlsafe_b64encode, '=' stripped
 *   si + "." + b64(hmac.new(b"secret", si.encode(), hashlib.sha256).digest())
 */
Test(jwt, known_answer)
{
	static const char expected[] =
	    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
	    "eyJzdWIiOiI2ZjFjMmEzYi00ZDVlLTRmNjAtOGE3Yi05YzBkMWUyZjNhNGIiLCJqdGkiOiIwMDExMjIzMzQ0"
	    "NTU2Njc3ODg5OWFhYmJjY2RkZWVmZiIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwfQ."
	    "aay7t_Wz671B7Wjz1OVGcyoGoY01z6lqcrcTE61ke4o";
	static const unsigned char secret[] = "secret";
	char tok[TOKBUF];
	struct jwt_claims c, out;
	struct err e = {0};

	claims_init(&c, 1700000000, 1700003600);
	cr_assert_eq(jwt_sign(secret, 6, &c, tok, sizeof(tok), &e), 0, "%s", e.msg);
	cr_assert_str_eq(tok, expected);
	cr_assert_eq(jwt_verify(secret, 6, expected, NOW, &out, &e), 0, "%s", e.msg);
	cr_assert_str_eq(out.sub, SUB);
}

Test(jwt, rejects_tampered_payload)
{
	char good[TOKBUF], other[TOKBUF], tok[TOKBUF];
	char *sig;

	/* Another user's claims spliced in front of a valid signature. */
	forge(good, HS256, PAYLOAD, key, KEYLEN);
	forge(other, HS256,
	      "{\"sub\":\"00000000-0000-4000-8000-000000000000\",\"jti\":\"" JTI
	      "\",\"iat\":1700000000,\"exp\":1700003600}",
	      NULL, 0);
	sig = strrchr(good, '.');
	cr_assert_lt(strlen(other) + strlen(sig), sizeof(tok));
	snprintf(tok, sizeof(tok), "%.*s%s", (int)strlen(other) - 1, other, sig);
	expect_reject_why(tok, "invalid_token", "signature");

	/* One character changed in the middle of the payload. */
	snprintf(tok, sizeof(tok), "%s", good);
	char *p = strchr(tok, '.') + 10;
	*p = *p == 'A' ? 'B' : 'A';
	expect_reject_why(tok, "invalid_token", "signature");

	/* Extending the exp claim by re-signing nothing. */
	forge(tok, HS256,
	      "{\"sub\":\"" SUB "\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":9999999999}",
	      NULL, 0);
	snprintf(tok + strlen(tok) - 1, sizeof(tok) - strlen(tok) + 1, "%s", sig);
	expect_reject_why(tok, "invalid_token", "signature");
}

Test(jwt, rejects_tampered_signature)
{
	char tok[TOKBUF];
	char *sig;

	sign_claims(tok, sizeof(tok), NOW, NOW + 60);
	sig = strrchr(tok, '.') + 1;
	sig[0] = sig[0] == 'A' ? 'B' : 'A';
	expect_reject_why(tok, "invalid_token", "signature");

	/* A truncated signature. */
	sign_claims(tok, sizeof(tok), NOW, NOW + 60);
	tok[strlen(tok) - 1] = '\0';
	expect_reject_why(tok, "invalid_token", "signature");

	/* An extra signature character. */
	sign_claims(tok, sizeof(tok), NOW, NOW + 60);
	size_t n = strlen(tok);
	snprintf(tok + n, sizeof(tok) - n, "A");
	expect_reject_why(tok, "invalid_token", "signature");
}

/*
 * The last of the 43 signature characters carries 2 spare bits. A lax
 * decoder accepts four spellings of one signature; we accept exactly one,
 * so a token string is a unique handle.
 */
Test(jwt, rejects_malleable_signature_encoding)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char tok[TOKBUF];
	struct jwt_claims out;

	sign_claims(tok, sizeof(tok), NOW, NOW + 60);
	expect_accept(tok, &out);
	char *last = tok + strlen(tok) - 1;
	int v = (int)(strchr(alphabet, *last) - alphabet);
	cr_assert_eq(v & 3, 0);
	for (int bits = 1; bits < 4; bits++) {
		*last = alphabet[v | bits];
		expect_reject_why(tok, "invalid_token", "signature");
	}
}

Test(jwt, rejects_wrong_key)
{
	static const unsigned char other[] = "another-key-of-32-bytes-length!!";
	char tok[TOKBUF];

	forge(tok, HS256, PAYLOAD, other, sizeof(other) - 1);
	expect_reject_why(tok, "invalid_token", "signature");
	/* A key that differs only in length (a prefix of the right key). */
	forge(tok, HS256, PAYLOAD, key, KEYLEN - 1);
	expect_reject_why(tok, "invalid_token", "signature");
}

Test(jwt, rejects_alg_none)
{
	static const char none[] = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
	char tok[TOKBUF];

	/* The textbook attack: no signature at all. */
	forge(tok, none, PAYLOAD, NULL, 0);
	expect_reject(tok, "invalid_token");
	/* The same with a signature that is even correct for the key. */
	forge(tok, none, PAYLOAD, key, KEYLEN);
	expect_reject_why(tok, "invalid_token", "header");
	/* Spelling variants. */
	forge(tok, "{\"alg\":\"None\"}", PAYLOAD, key, KEYLEN);
	expect_reject(tok, "invalid_token");
	forge(tok, "{\"alg\":\"NONE\"}", PAYLOAD, NULL, 0);
	expect_reject(tok, "invalid_token");
	/* Our header with the signature stripped. */
	forge(tok, HS256, PAYLOAD, NULL, 0);
	expect_reject(tok, "invalid_token");
}

/* The header names another algorithm but the HS256 tag over it is valid. */
Test(jwt, rejects_other_alg_with_valid_hs256_signature)
{
	static const char *headers[] = {
	    "{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
	    "{\"alg\":\"HS384\",\"typ\":\"JWT\"}",
	    "{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
	    "{\"alg\":\"hs256\",\"typ\":\"JWT\"}",
	    "{\"alg\":\"HS256 \",\"typ\":\"JWT\"}",
	    "{\"alg\":\"HS256\\u0000\",\"typ\":\"JWT\"}",
	    "{\"typ\":\"JWT\"}",
	    "{\"alg\":null,\"typ\":\"JWT\"}",
	    "{\"alg\":256,\"typ\":\"JWT\"}",
	    "{\"alg\":[\"HS256\"],\"typ\":\"JWT\"}",
	    "{\"alg\":\"none\",\"alg\":\"HS256\"}",
	    "{\"alg\":\"HS256\",\"alg\":\"none\"}",
	    "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"crit\":[\"exp\"]}",
	    "{\"alg\":\"HS256\",\"crit\":[]}",
	    "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}",
	    "{\"alg\":\"HS256\",\"typ\":7}",
	    "[\"HS256\"]",
	    "\"HS256\"",
	    "{\"alg\":\"HS256\"",
	    "{\"alg\":\"HS256\"} x",
	    "",
	};
	char tok[TOKBUF];

	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		forge(tok, headers[i], PAYLOAD, key, KEYLEN);
		expect_reject_why(tok, "invalid_token", headers[i][0] ? "header" : "three");
	}
}

Test(jwt, header_variants_accepted)
{
	char tok[TOKBUF];
	struct jwt_claims out;

	/* "typ" is optional and case-insensitive (RFC 7515 section 4.1.9). */
	forge(tok, "{\"alg\":\"HS256\"}", PAYLOAD, key, KEYLEN);
	expect_accept(tok, &out);
	forge(tok, "{\"typ\":\"jwt\",\"alg\":\"HS256\"}", PAYLOAD, key, KEYLEN);
	expect_accept(tok, &out);
	forge(tok, "{ \"alg\" : \"HS256\" , \"typ\" : \"JWT\" }", PAYLOAD, key, KEYLEN);
	expect_accept(tok, &out);
}

Test(jwt, expiry_boundary)
{
	char tok[TOKBUF];
	struct jwt_claims out;

	sign_claims(tok, sizeof(tok), NOW - 3600, NOW);
	expect_reject(tok, "token_expired");
	sign_claims(tok, sizeof(tok), NOW - 3600, NOW - 1);
	expect_reject(tok, "token_expired");
	sign_claims(tok, sizeof(tok), NOW - 7200, NOW - 3600);
	expect_reject(tok, "token_expired");
	sign_claims(tok, sizeof(tok), NOW - 3600, NOW + 1);
	expect_accept(tok, &out);
	cr_assert_eq(out.exp, NOW + 1);
}

/* An expired token signed with another key is invalid, not expired. */
Test(jwt, bad_signature_beats_expiry)
{
	static const unsigned char other[] = "another-key-of-32-bytes-length!!";
	char tok[TOKBUF];

	forge(tok, HS256,
	      "{\"sub\":\"" SUB "\",\"jti\":\"" JTI "\",\"iat\":1600000000,\"exp\":1600000001}",
	      other, sizeof(other) - 1);
	expect_reject(tok, "invalid_token");
}

Test(jwt, iat_clock_skew)
{
	char tok[TOKBUF];
	struct jwt_claims out;

	sign_claims(tok, sizeof(tok), NOW + JWT_CLOCK_SKEW, NOW + 3600);
	expect_accept(tok, &out);
	sign_claims(tok, sizeof(tok), NOW + JWT_CLOCK_SKEW + 1, NOW + 3600);
	expect_reject(tok, "invalid_token");
	sign_claims(tok, sizeof(tok), NOW + 86400 * 365, NOW + 86400 * 366);
	expect_reject(tok, "invalid_token");
	sign_claims(tok, sizeof(tok), INT64_MAX, INT64_MAX);
	expect_reject(tok, "invalid_token");
}

Test(jwt, extreme_times_do_not_overflow)
{
	char tok[TOKBUF];
	struct jwt_claims out;
	struct err e = {0};

	/* iat far in the past and NOW very negative: no signed overflow. */
	sign_claims(tok, sizeof(tok), INT64_MIN, INT64_MAX);
	expect_accept(tok, &out);
	cr_assert_eq(out.iat, INT64_MIN);
	cr_assert_eq(jwt_verify(key, KEYLEN, tok, INT64_MIN, &out, &e), 0, "%s", e.msg);
	sign_claims(tok, sizeof(tok), INT64_MAX, INT64_MAX);
	cr_assert_eq(jwt_verify(key, KEYLEN, tok, INT64_MIN, &out, &e), ERR_UNAUTH);
	cr_assert_str_eq(e.id, "invalid_token");
}

/* Every payload here carries a valid signature: only the claims are wrong. */
Test(jwt, rejects_bad_claim_types)
{
	static const char *payloads[] = {
	    /* exp as a string, as a float, as an exponent, missing, null */
	    "{\"sub\":\"" SUB "\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":\"1700003600\"}",
	    "{\"sub\":\"" SUB "\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600.0}",
	    "{\"sub\":\"" SUB "\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600.5}",
	    "{\"sub\":\"" SUB "\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1.7e9}",
	    "{\"sub\":\"" SUB "\",\"jti\":\"" JTI "\",\"iat\":1700000000}",
	    "{\"sub\":\"" SUB "\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":null}",
	    "{\"sub\":\"" SUB "\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":true}",
	    /* exp beyond 64 bits */
	    "{\"sub\":\"" SUB "\",\"jti\":\"" JTI
	    "\",\"iat\":1700000000,\"exp\":99999999999999999999}",
	    /* iat as a string, a float, missing */
	    "{\"sub\":\"" SUB "\",\"jti\":\"" JTI "\",\"iat\":\"1700000000\",\"exp\":1700003600}",
	    "{\"sub\":\"" SUB "\",\"jti\":\"" JTI "\",\"iat\":1700000000.0,\"exp\":1700003600}",
	    "{\"sub\":\"" SUB "\",\"jti\":\"" JTI "\",\"exp\":1700003600}",
	    /* sub and jti: missing, not strings, empty, 64 bytes, embedded NUL */
	    "{\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600}",
	    "{\"sub\":\"" SUB "\",\"iat\":1700000000,\"exp\":1700003600}",
	    "{\"sub\":42,\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600}",
	    "{\"sub\":\"" SUB "\",\"jti\":[],\"iat\":1700000000,\"exp\":1700003600}",
	    "{\"sub\":\"\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600}",
	    "{\"sub\":\"" SUB "\",\"jti\":\"\",\"iat\":1700000000,\"exp\":1700003600}",
	    "{\"sub\":\"0123456789012345678901234567890123456789012345678901234567890123\","
	    "\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600}",
	    "{\"sub\":\"" SUB "\",\"jti\":"
	    "\"0123456789012345678901234567890123456789012345678901234567890123\","
	    "\"iat\":1700000000,\"exp\":1700003600}",
	    "{\"sub\":\"" SUB "\\u0000admin\",\"jti\":\"" JTI
	    "\",\"iat\":1700000000,\"exp\":1700003600}",
	    /* duplicate keys: which one would win is parser-dependent */
	    "{\"sub\":\"" SUB "\",\"jti\":\"" JTI
	    "\",\"iat\":1700000000,\"exp\":1700003600,\"exp\":1900000000}",
	    "{\"sub\":\"" SUB "\",\"sub\":\"x\",\"jti\":\"" JTI
	    "\",\"iat\":1700000000,\"exp\":1700003600}",
	    /* not an object, not JSON */
	    "[\"" SUB "\"]",
	    "\"" SUB "\"",
	    "{\"sub\":\"" SUB "\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600",
	    "not json",
	    "",
	};
	char tok[TOKBUF];

	for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		forge(tok, HS256, payloads[i], key, KEYLEN);
		expect_reject_why(tok, "invalid_token", payloads[i][0] ? "claims" : "three");
	}
}

Test(jwt, claim_string_boundary)
{
	static const char sub63[] =
	    "012345678901234567890123456789012345678901234567890123456789012";
	char tok[TOKBUF];
	struct jwt_claims c, out;
	struct err e = {0};

	claims_init(&c, NOW, NOW + 60);
	cr_assert_eq(str_copy(c.sub, sizeof(c.sub), sub63), 0);
	cr_assert_eq(str_copy(c.jti, sizeof(c.jti), sub63), 0);
	cr_assert_eq(jwt_sign(key, KEYLEN, &c, tok, sizeof(tok), &e), 0, "%s", e.msg);
	expect_accept(tok, &out);
	cr_assert_str_eq(out.sub, sub63);
	cr_assert_str_eq(out.jti, sub63);

	/* Unknown claims are ignored. */
	forge(tok, HS256,
	      "{\"sub\":\"" SUB "\",\"jti\":\"" JTI
	      "\",\"iat\":1700000000,\"exp\":1700003600,\"admin\":true}",
	      key, KEYLEN);
	expect_accept(tok, &out);
}

Test(jwt, rejects_bad_structure)
{
	char good[JWT_MAX_LEN + 1], tok[TOKBUF];
	const char *h, *p, *s;
	int hl, pl;

	sign_claims(good, sizeof(good), NOW, NOW + 60);
	h = good;
	p = strchr(h, '.') + 1;
	s = strchr(p, '.') + 1;
	hl = (int)(p - h - 1);
	pl = (int)(s - p - 1);

	expect_reject(NULL, "invalid_token");
	expect_reject_why("", "invalid_token", "three");
	expect_reject_why(".", "invalid_token", "three");
	expect_reject_why("..", "invalid_token", "three");
	expect_reject_why("...", "invalid_token", "three");
	/* Only two dots with empty parts. */
	snprintf(tok, sizeof(tok), "%.*s.%.*s.", hl, h, pl, p);
	expect_reject_why(tok, "invalid_token", "three");
	snprintf(tok, sizeof(tok), ".%.*s.%s", pl, p, s);
	expect_reject_why(tok, "invalid_token", "three");
	snprintf(tok, sizeof(tok), "%.*s..%s", hl, h, s);
	expect_reject_why(tok, "invalid_token", "three");
	/* Two parts. */
	snprintf(tok, sizeof(tok), "%.*s.%.*s", hl, h, pl, p);
	expect_reject_why(tok, "invalid_token", "three");
	/* Four parts, the JWE shape, and a trailing dot. */
	snprintf(tok, sizeof(tok), "%s.%s", good, s);
	expect_reject_why(tok, "invalid_token", "three");
	snprintf(tok, sizeof(tok), "%s.", good);
	expect_reject_why(tok, "invalid_token", "three");
	snprintf(tok, sizeof(tok), ".%s", good);
	expect_reject_why(tok, "invalid_token", "three");
	/* The signature repeated in place of the payload. */
	snprintf(tok, sizeof(tok), "%.*s.%s.%s", hl, h, s, s);
	expect_reject_why(tok, "invalid_token", "signature");
}

Test(jwt, rejects_non_base64url)
{
	char good[JWT_MAX_LEN + 1], tok[TOKBUF];

	sign_claims(good, sizeof(good), NOW, NOW + 60);
	/* Padding, whitespace and the standard alphabet anywhere. */
	snprintf(tok, sizeof(tok), "%s=", good);
	expect_reject(tok, "invalid_token");
	snprintf(tok, sizeof(tok), "%s ", good);
	expect_reject(tok, "invalid_token");
	snprintf(tok, sizeof(tok), " %s", good);
	expect_reject(tok, "invalid_token");
	snprintf(tok, sizeof(tok), "%s\n", good);
	expect_reject(tok, "invalid_token");
	snprintf(tok, sizeof(tok), "Bearer %s", good);
	expect_reject(tok, "invalid_token");
	snprintf(tok, sizeof(tok), "%s", good);
	char *p = strchr(tok, '.') + 5;
	*p = '+';
	expect_reject(tok, "invalid_token");
	*p = '/';
	expect_reject(tok, "invalid_token");
	/* The header padded with '=' to a multiple of four. */
	snprintf(tok, sizeof(tok), "%.*s==%s", (int)strlen(HDR_B64), good, good + strlen(HDR_B64));
	expect_reject(tok, "invalid_token");
}

/* Writes into OUT a properly signed token of exactly TOTAL characters. */
static void forge_of_length(char *out, size_t total)
{
	/* header (36) + '.' + payload + '.' + signature (43) */
	size_t p64 = total - strlen(HDR_B64) - 2 - 43;
	size_t plen = p64 / 4 * 3 + (p64 % 4 ? p64 % 4 - 1 : 0);
	static const char head[] = "{\"sub\":\"" SUB "\",\"jti\":\"" JTI
	                           "\",\"iat\":1700000000,\"exp\":1700003600,\"pad\":\"";
	char payload[TOKBUF];
	size_t fill = plen - strlen(head) - 2;

	cr_assert_neq(p64 % 4, 1);
	memcpy(payload, head, strlen(head));
	memset(payload + strlen(head), 'x', fill);
	memcpy(payload + strlen(head) + fill, "\"}", 3);
	cr_assert_eq(strlen(payload), plen);
	forge(out, HS256, payload, key, KEYLEN);
	cr_assert_eq(strlen(out), total);
}

Test(jwt, length_cap_boundary)
{
	char tok[TOKBUF];
	struct jwt_claims out;
	struct err e = {0};

	forge_of_length(tok, JWT_MAX_LEN);
	expect_accept(tok, &out);
	forge_of_length(tok, JWT_MAX_LEN + 1);
	expect_reject(tok, "invalid_token");
	cr_assert_eq(jwt_verify(key, KEYLEN, tok, NOW, &out, &e), ERR_UNAUTH);
	cr_assert_not_null(strstr(e.msg, "longer"), "rejected for its length: %s", e.msg);

	/* A huge token is refused by length alone. */
	memset(tok, 'A', sizeof(tok) - 1);
	tok[sizeof(tok) - 1] = '\0';
	tok[100] = '.';
	tok[200] = '.';
	cr_assert_eq(jwt_verify(key, KEYLEN, tok, NOW, &out, &e), ERR_UNAUTH);
	cr_assert_str_eq(e.id, "invalid_token");
	cr_assert_not_null(strstr(e.msg, "longer"), "%s", e.msg);
}

Test(jwt, sign_errors)
{
	char tok[TOKBUF];
	struct jwt_claims c;
	struct err e = {0};

	/* Output buffer: the exact size works, one byte less does not. */
	sign_claims(tok, sizeof(tok), NOW, NOW + 60);
	size_t need = strlen(tok) + 1;
	char small[TOKBUF];
	claims_init(&c, NOW, NOW + 60);
	memset(small, 'x', sizeof(small));
	cr_assert_eq(jwt_sign(key, KEYLEN, &c, small, need - 1, &e), ERR_INTERNAL);
	cr_assert_eq(small[0], 'x', "OUT written on failure");
	cr_assert_eq(jwt_sign(key, KEYLEN, &c, small, need, &e), 0, "%s", e.msg);
	cr_assert_str_eq(small, tok);

	/* Empty key. */
	cr_assert_eq(jwt_sign(key, 0, &c, tok, sizeof(tok), &e), ERR_INTERNAL);
	cr_assert_eq(jwt_sign(NULL, 32, &c, tok, sizeof(tok), &e), ERR_INTERNAL);

	/* Empty, unterminated or non-UTF-8 claims. */
	claims_init(&c, NOW, NOW + 60);
	c.sub[0] = '\0';
	cr_assert_eq(jwt_sign(key, KEYLEN, &c, tok, sizeof(tok), &e), ERR_INTERNAL);
	claims_init(&c, NOW, NOW + 60);
	memset(c.jti, 'a', sizeof(c.jti));
	cr_assert_eq(jwt_sign(key, KEYLEN, &c, tok, sizeof(tok), &e), ERR_INTERNAL);
	claims_init(&c, NOW, NOW + 60);
	c.sub[3] = (char)0xff;
	cr_assert_eq(jwt_sign(key, KEYLEN, &c, tok, sizeof(tok), &e), ERR_INTERNAL);

	/* Claims whose escaped JSON would push the token past JWT_MAX_LEN. */
	claims_init(&c, NOW, NOW + 60);
	memset(c.sub, '\x01', sizeof(c.sub) - 1);
	c.sub[sizeof(c.sub) - 1] = '\0';
	memset(c.jti, '\x01', sizeof(c.jti) - 1);
	c.jti[sizeof(c.jti) - 1] = '\0';
	cr_assert_eq(jwt_sign(key, KEYLEN, &c, tok, sizeof(tok), &e), ERR_INTERNAL);
	cr_assert_str_eq(e.id, "internal_error");
}

Test(jwt, verify_with_empty_key_is_internal)
{
	char tok[TOKBUF];
	struct jwt_claims out;
	struct err e = {0};

	sign_claims(tok, sizeof(tok), NOW, NOW + 60);
	cr_assert_eq(jwt_verify(key, 0, tok, NOW, &out, &e), ERR_INTERNAL);
	cr_assert_eq(jwt_verify(NULL, 0, tok, NOW, &out, &e), ERR_INTERNAL);
}

Test(jwt, new_id)
{
	char a[33], b[33];

	memset(a, 'x', sizeof(a));
	jwt_new_id(a);
	jwt_new_id(b);
	cr_assert_eq(strlen(a), JWT_ID_LEN);
	cr_assert_eq(strspn(a, "0123456789abcdef"), JWT_ID_LEN);
	cr_assert_str_neq(a, b);
}
