/*
 * test_base64.c: unpadded base64url, RFC 4648 test vectors and the strict
 * decoder's refusals.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "core/base64.h"

struct b64_vector {
	const char *plain;
	const char *encoded;
};

/* RFC 4648 section 10, with the padding removed. */
static const struct b64_vector rfc4648[] = {
    {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
    {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
};

Test(base64, rfc4648_vectors_encode)
{
	for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		const struct b64_vector *v = &rfc4648[i];
		size_t len = strlen(v->plain);
		char out[16];
		size_t n = b64url_encode((const unsigned char *)v->plain, len, out, sizeof(out));
		cr_assert_eq(n, strlen(v->encoded), "length for '%s'", v->plain);
		cr_assert_str_eq(out, v->encoded);
		cr_assert_eq(B64URL_ENCODED_LEN(len), strlen(v->encoded));
	}
}

Test(base64, rfc4648_vectors_decode)
{
	for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		const struct b64_vector *v = &rfc4648[i];
		size_t elen = strlen(v->encoded);
		unsigned char out[16];
		size_t n = 99;
		cr_assert_eq(b64url_decode(v->encoded, elen, out, sizeof(out), &n), 0,
		             "decode '%s'", v->encoded);
		cr_assert_eq(n, strlen(v->plain));
		cr_assert_eq(memcmp(out, v->plain, n), 0);
		cr_assert_eq(B64URL_DECODED_LEN(elen), n);
	}
}

/* The two characters where base64url differs from base64: '-' and '_'. */
Test(base64, url_safe_alphabet)
{
	static const unsigned char minus[] = {0xfb, 0xef, 0xbe}; /* "++++" in base64 */
	static const unsigned char under[] = {0xff, 0xff, 0xff}; /* "////" in base64 */
	static const unsigned char two[] = {0xfb, 0xff};         /* "+/8=" in base64 */
	char out[8];

	cr_assert_eq(b64url_encode(minus, 3, out, sizeof(out)), 4);
	cr_assert_str_eq(out, "----");
	cr_assert_eq(b64url_encode(under, 3, out, sizeof(out)), 4);
	cr_assert_str_eq(out, "____");
	cr_assert_eq(b64url_encode(two, 2, out, sizeof(out)), 3);
	cr_assert_str_eq(out, "-_8");

	unsigned char dec[4];
	size_t n;
	cr_assert_eq(b64url_decode("-_8", 3, dec, sizeof(dec), &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(memcmp(dec, two, 2), 0);
}

Test(base64, round_trip_all_lengths)
{
	unsigned char in[70], back[70];
	char enc[B64URL_ENCODED_SIZE(70)];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof(in); len++) {
		size_t n = b64url_encode(in, len, enc, B64URL_ENCODED_SIZE(len));
		cr_assert_eq(n, B64URL_ENCODED_LEN(len), "len %zu", len);
		cr_assert_eq(strlen(enc), n);
		size_t m = 0;
		cr_assert_eq(b64url_decode(enc, n, back, B64URL_DECODED_LEN(n), &m), 0, "len %zu",
		             len);
		cr_assert_eq(m, len);
		cr_assert_eq(memcmp(in, back, len), 0);
	}
}

/* Every byte value survives, including NUL and the high half. */
Test(base64, round_trip_every_byte)
{
	unsigned char in[256], back[256];
	char enc[B64URL_ENCODED_SIZE(256)];
	size_t m;

	for (int i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	size_t n = b64url_encode(in, sizeof(in), enc, sizeof(enc));
	cr_assert_eq(n, 342);
	cr_assert_eq(
	    strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), n);
	cr_assert_eq(b64url_decode(enc, n, back, sizeof(back), &m), 0);
	cr_assert_eq(m, 256);
	cr_assert_eq(memcmp(in, back, 256), 0);
}

Test(base64, encode_output_size_boundary)
{
	char out[8];

	memset(out, 'x', sizeof(out));
	cr_assert_eq(b64url_encode((const unsigned char *)"foo", 3, out, 4), 0);
	cr_assert_eq(out[0], 'x', "OUT must be untouched when too small");
	cr_assert_eq(b64url_encode((const unsigned char *)"foo", 3, out, 5), 4);
	cr_assert_str_eq(out, "Zm9v");
	cr_assert_eq(b64url_encode((const unsigned char *)"", 0, out, 0), 0);
	cr_assert_eq(b64url_encode((const unsigned char *)"", 0, out, 1), 0);
	cr_assert_str_eq(out, "");
}

Test(base64, decode_output_size_boundary)
{
	unsigned char out[8];
	size_t n = 77;

	memset(out, 0xAA, sizeof(out));
	cr_assert_eq(b64url_decode("Zm9vYmE", 7, out, 4, &n), -1);
	cr_assert_eq(n, 77);
	cr_assert_eq(out[0], 0xAA, "OUT must be untouched on failure");
	cr_assert_eq(b64url_decode("Zm9vYmE", 7, out, 5, &n), 0);
	cr_assert_eq(n, 5);
	cr_assert_eq(memcmp(out, "fooba", 5), 0);
	cr_assert_eq(b64url_decode("", 0, NULL, 0, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(b64url_decode("Zg", 2, out, sizeof(out), NULL), 0, "OUTLEN may be NULL");
}

Test(base64, decode_uses_len_not_nul)
{
	unsigned char out[8];
	size_t n;

	/* Only the first four characters are looked at. */
	cr_assert_eq(b64url_decode("Zm9v!!!!", 4, out, sizeof(out), &n), 0);
	cr_assert_eq(n, 3);
	cr_assert_eq(memcmp(out, "foo", 3), 0);
}

Test(base64, rejects_non_alphabet)
{
	static const char *bad[] = {
	    "Zg==",     /* padding */
	    "Zm9v=",    /* padding after a whole group */
	    "Zm8=",     /* padding */
	    "Zm+v",     /* standard alphabet */
	    "Zm/v",     /* standard alphabet */
	    "Zm 9v",    /* space */
	    "Zm9v\n",   /* newline */
	    "Zm9v\r\n", /* CRLF */
	    "\tZm9v",   /* tab */
	    "Zm.v",     /* JWT separator */
	    "Zm9\x80",  /* high byte */
	    "Zm9\xff",  /* high byte */
	    "Zm9v%3D",  /* percent-encoded '=' */
	};
	unsigned char out[16];
	size_t n = 123;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(b64url_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n), -1,
		             "'%s' must be rejected", bad[i]);
	cr_assert_eq(n, 123);
	/* An embedded NUL inside the stated length. */
	cr_assert_eq(b64url_decode("Zm\0v", 4, out, sizeof(out), &n), -1);
}

Test(base64, rejects_impossible_lengths)
{
	unsigned char out[16];

	cr_assert_eq(b64url_decode("Z", 1, out, sizeof(out), NULL), -1);
	cr_assert_eq(b64url_decode("Zm9vY", 5, out, sizeof(out), NULL), -1);
	cr_assert_eq(b64url_decode("Zm9vYmFyZ", 9, out, sizeof(out), NULL), -1);
}

/*
 * The bits of the last character that belong to no byte must be zero; a
 * lax decoder would map "Zh" and "Zg" both to "f".
 */
Test(base64, rejects_nonzero_trailing_bits)
{
	unsigned char out[16];
	size_t n;

	cr_assert_eq(b64url_decode("Zh", 2, out, sizeof(out), &n), -1);
	cr_assert_eq(b64url_decode("Zv", 2, out, sizeof(out), &n), -1);
	cr_assert_eq(b64url_decode("Zm9", 3, out, sizeof(out), &n), -1);
	cr_assert_eq(b64url_decode("Zm-", 3, out, sizeof(out), &n), -1);
	cr_assert_eq(b64url_decode("Zm9vYmF", 7, out, sizeof(out), &n), -1);
	/* The canonical forms are accepted. */
	cr_assert_eq(b64url_decode("Zg", 2, out, sizeof(out), &n), 0);
	cr_assert_eq(b64url_decode("Zm8", 3, out, sizeof(out), &n), 0);
	cr_assert_eq(b64url_decode("Zm9vYmE", 7, out, sizeof(out), &n), 0);
}

Test(base64, size_macros)
{
	cr_assert_eq(B64URL_ENCODED_LEN(0), 0);
	cr_assert_eq(B64URL_ENCODED_LEN(1), 2);
	cr_assert_eq(B64URL_ENCODED_LEN(2), 3);
	cr_assert_eq(B64URL_ENCODED_LEN(3), 4);
	cr_assert_eq(B64URL_ENCODED_LEN(32), 43);
	cr_assert_eq(B64URL_ENCODED_SIZE(32), 44);
	cr_assert_eq(B64URL_DECODED_LEN(43), 32);
	cr_assert_eq(B64URL_DECODED_LEN(4), 3);
	cr_assert_eq(B64URL_DECODED_LEN(0), 0);
}
