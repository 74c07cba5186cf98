/*
 * password.c: Argon2id hashing through libsodium, bounded by a semaphore.
 */
#include "auth/password.h"

#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

static sem_t slots;
static int ready;
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

int password_init(int max_concurrent)
{
	if (ready)
		return 0;
	if (sodium_init() < 0)
		return -1;
	if (max_concurrent <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		max_concurrent = n > 0 ? (int)n : 2;
	}
	if (sem_init(&slots, 0, (unsigned)max_concurrent))
		return -1;
	ready = 1;
	return 0;
}

/* Made on first need, not at start-up: a hash costs tens of milliseconds. */
static void make_dummy(void)
{
	password_hash("dummy password for unknown accounts", dummy_hash);
}

static void take(void)
{
	while (sem_wait(&slots) != 0)
		;
}

int password_hash(const char *password, char out[PASSWORD_HASH_LEN])
{
	take();
	int rc =
	    crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE);
	sem_post(&slots);
	return rc == 0 ? 0 : -1;
}

int password_verify(const char *hash, const char *password)
{
	take();
	int rc = crypto_pwhash_str_verify(hash, password, strlen(password));
	sem_post(&slots);
	return rc == 0;
}

void password_dummy_verify(const char *password)
{
	pthread_once(&dummy_once, make_dummy);
	password_verify(dummy_hash, password);
}

int password_needs_rehash(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}
