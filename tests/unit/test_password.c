/*
 * test_password.c: Argon2id hashing through libsodium. Each hash at the
 * INTERACTIVE limits costs ~64 MiB and ~0.1 s, so this file computes at
 * most four: one hash, two verifications, and one cheap weak hash.
 */
#include <criterion/criterion.h>

#include <sodium.h>
#include <string.h>

#include "auth/password.h"

static void setup(void)
{
	cr_assert_eq(password_init(2), 0);
}

TestSuite(password, .init = setup);

Test(password, hash_verify_round_trip)
{
	static const char pw[] = "correct horse battery staple";
	char hash[PASSWORD_HASH_LEN];
	memset(hash, 0, sizeof(hash));
	cr_assert_eq(password_hash(pw, hash), 0);
	cr_assert_eq(strncmp(hash, "$argon2id$", 10), 0, "hash '%s' is not Argon2id", hash);
	cr_assert_lt(strnlen(hash, sizeof(hash)), sizeof(hash), "terminated within the buffer");
	cr_assert_null(strstr(hash, pw), "the password does not appear in the hash");
	cr_assert_eq(password_verify(hash, pw), 1);
	cr_assert_eq(password_verify(hash, "correct horse battery stapl"), 0,
	             "a wrong password fails");
	cr_assert_eq(password_needs_rehash(hash), 0, "a fresh hash uses current parameters");
}

Test(password, weaker_hash_needs_rehash)
{
	/* The minimum parameters make this hash nearly free. */
	char weak[crypto_pwhash_STRBYTES];
	cr_assert_eq(crypto_pwhash_str(weak, "pw", 2, crypto_pwhash_OPSLIMIT_MIN,
	                               crypto_pwhash_MEMLIMIT_MIN),
	             0);
	cr_assert_eq(password_needs_rehash(weak), 1);
}

Test(password, garbage_hash_never_verifies)
{
	cr_assert_eq(password_verify("", "anything"), 0);
	cr_assert_eq(password_verify("not a hash", "not a hash"), 0);
	cr_assert_eq(password_verify("$argon2id$v=19$m=65536,t=2,p=1$AAAA$BBBB", "x"), 0);
	cr_assert_eq(password_needs_rehash("not a hash"), 1);
}

Test(password, hash_buffer_size_matches_libsodium)
{
	cr_assert_eq(PASSWORD_HASH_LEN, crypto_pwhash_STRBYTES);
	cr_assert_leq(PASSWORD_MAX_LEN, crypto_pwhash_PASSWD_MAX);
}
