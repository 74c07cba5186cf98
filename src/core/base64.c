/*
 * base64.c: strict unpadded base64url (RFC 4648 section 5).
 *
 * The decoder validates the whole input before writing anything, so a
 * failed decode leaves the caller's buffer as it was.
 */
#include "core/base64.h"

#include <stdint.h>

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The 6-bit value of C, or -1 if C is not in the base64url alphabet. */
static int b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

size_t b64url_encode(const unsigned char *in, size_t len, char *out, size_t outsize)
{
	/* Beyond this B64URL_ENCODED_SIZE would overflow size_t. */
	if (len > (SIZE_MAX - 8) / 4 * 3)
		return 0;
	size_t need = B64URL_ENCODED_LEN(len);
	if (outsize < need + 1)
		return 0;

	size_t i = 0, o = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64url_alphabet[(v >> 18) & 63];
		out[o++] = b64url_alphabet[(v >> 12) & 63];
		out[o++] = b64url_alphabet[(v >> 6) & 63];
		out[o++] = b64url_alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = b64url_alphabet[(v >> 18) & 63];
		out[o++] = b64url_alphabet[(v >> 12) & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64url_alphabet[(v >> 18) & 63];
		out[o++] = b64url_alphabet[(v >> 12) & 63];
		out[o++] = b64url_alphabet[(v >> 6) & 63];
	}
	out[o] = '\0';
	return o;
}

int b64url_decode(const char *in, size_t len, unsigned char *out, size_t outsize, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t rem = len % 4;

	/* One leftover character carries only 6 bits: never a whole byte. */
	if (rem == 1)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (b64url_value(s[i]) < 0)
			return -1;
	/*
	 * The last character of a 2- or 3-character group carries 4 or 2 bits
	 * that belong to no output byte. They must be zero, or several
	 * strings would decode to the same bytes.
	 */
	if (rem == 2 && (b64url_value(s[len - 1]) & 0x0F))
		return -1;
	if (rem == 3 && (b64url_value(s[len - 1]) & 0x03))
		return -1;
	size_t need = B64URL_DECODED_LEN(len);
	if (outsize < need)
		return -1;

	/* Shift in 6 bits per character; emit a byte whenever 8 are ready. */
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 6 | (uint32_t)b64url_value(s[i])) & 0x3FFF;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (outlen)
		*outlen = o;
	return 0;
}
