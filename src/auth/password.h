/*
 * password.h: Argon2id password hashes (libsodium, INTERACTIVE limits).
 * Each hash takes ~64 MiB and tens of milliseconds, so at most
 * PASSWORD_MAX_CONCURRENT hashes run at once (a counting semaphore): memory
 * stays bounded however many logins arrive together.
 */
#ifndef MAANG_PASSWORD_H
#define MAANG_PASSWORD_H

#include <stddef.h>

#define PASSWORD_MIN_LEN  8   /* characters */
#define PASSWORD_MAX_LEN  256 /* bytes */
#define PASSWORD_HASH_LEN 128 /* crypto_pwhash_STRBYTES */

/* Initialises libsodium and the semaphore (0 = one slot per core). 0 or -1. */
int password_init(int max_concurrent);
/* Hashes PASSWORD into OUT. 0, or -1 when out of memory. */
int password_hash(const char *password, char out[PASSWORD_HASH_LEN]);
/* 1 if PASSWORD matches HASH, 0 otherwise. Constant time in the password. */
int password_verify(const char *hash, const char *password);
/* Burns the same time as a verification (for unknown accounts). */
void password_dummy_verify(const char *password);
/* 1 if HASH was made with weaker parameters than the current ones. */
int password_needs_rehash(const char *hash);

#endif
