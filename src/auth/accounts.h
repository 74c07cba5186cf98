/*
 * accounts.h: users, sign-in, access tokens (JWT), personal API tokens and
 * revocation. Pure domain code: no HTTP; the database connection and the
 * audit context come from the caller.
 */
#ifndef MAANG_ACCOUNTS_H
#define MAANG_ACCOUNTS_H

#include <jansson.h>
#include <stdint.h>

#include "audit/audit.h"
#include "db/db.h"

#define ACCOUNT_EMAIL_MAX         254
#define ACCOUNT_NAME_MAX          100
#define API_TOKEN_NAME_MAX        100
#define API_TOKENS_PER_USER       50
#define API_TOKEN_PREFIX          "mt_"
#define API_TOKEN_USE_GRANULARITY 60 /* seconds between last_used_at updates */

struct account {
	char id[37];
	char email[ACCOUNT_EMAIL_MAX + 1];
	char name[ACCOUNT_NAME_MAX * 4 + 1];
	char role[16];
	int64_t created_at;
};

/* Who a bearer token speaks for. */
struct identity {
	struct account acct;
	char jti[64];      /* JWTs: the id used for revocation */
	int64_t exp;       /* JWTs: expiry */
	char token_id[37]; /* API tokens: their id */
};

/* Secret material for signing access tokens. */
struct token_keys {
	const unsigned char *key;
	size_t keylen;
	int ttl_seconds;
};

/*
 * Normalises EMAIL (trimmed, lowercased) into OUT and checks its shape.
 * ERR_INVALID "invalid_email" otherwise.
 */
int accounts_normalize_email(const char *email, char out[ACCOUNT_EMAIL_MAX + 1], struct err *e);
/* ERR_INVALID "weak_password" (< PASSWORD_MIN_LEN) or "invalid_password". */
int accounts_check_password(const char *password, struct err *e);

/*
 * Creates a user. NAME may be NULL (the email's local part is used). ROLE
 * is "user" or "admin". ERR_CONFLICT "email_taken" if the email exists.
 */
int accounts_register(struct db *db, const struct audit_ctx *ctx, const char *email,
                      const char *password, const char *name, const char *role, struct account *out,
                      struct err *e);
/* Checks a password. ERR_UNAUTH "invalid_credentials" on any mismatch. */
int accounts_login(struct db *db, const struct audit_ctx *ctx, const char *email,
                   const char *password, struct account *out, struct err *e);
int accounts_get(struct db *db, const char *id, struct account *out, struct err *e);
int accounts_get_by_email(struct db *db, const char *email, struct account *out, struct err *e);
/* ERR_NOT_FOUND for an unknown email, ERR_INVALID for a role other than user/admin. */
int accounts_set_role(struct db *db, const struct audit_ctx *ctx, const char *email,
                      const char *role, struct err *e);
/* {items:[user...], total}; a new reference in *OUT. */
int accounts_list(struct db *db, int64_t limit, int64_t offset, json_t **out, struct err *e);
/* {id,email,name,role,created_at} */
json_t *account_json(const struct account *a);

/* Issues an access token (JWT) for USER_ID into OUT (at least 1024 bytes). */
int tokens_issue_access(const struct token_keys *k, const char *user_id, char *out, size_t size,
                        struct err *e);
/*
 * Resolves a bearer token (JWT or "mt_" API token) into an identity.
 * ERR_UNAUTH with "invalid_token", "token_expired" or "token_revoked".
 */
int tokens_authenticate(struct db *db, const struct token_keys *k, const char *token,
                        struct identity *out, struct err *e);
/*
 * Resolves a JWT signed with a scoped key (the events key): no API tokens,
 * no revocation list (such tokens live a minute). Same errors as above.
 */
int tokens_authenticate_scoped(struct db *db, const struct token_keys *k, const char *token,
                               struct identity *out, struct err *e);
/* Revokes the JWT described by ID (logout). API tokens are deleted instead. */
int tokens_revoke(struct db *db, const struct audit_ctx *ctx, const struct identity *id,
                  struct err *e);
/*
 * Creates a personal API token; *OUT gets {id,name,token,prefix,created_at}
 * where token is shown this once (only its SHA-256 is stored).
 */
int api_tokens_create(struct db *db, const struct audit_ctx *ctx, const char *user_id,
                      const char *name, json_t **out, struct err *e);
/* {items:[{id,name,prefix,created_at,last_used_at}],total} */
int api_tokens_list(struct db *db, const char *user_id, json_t **out, struct err *e);
/* ERR_NOT_FOUND if ID is not one of the user's tokens. */
int api_tokens_delete(struct db *db, const struct audit_ctx *ctx, const char *user_id,
                      const char *id, struct err *e);

#endif
