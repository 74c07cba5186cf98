/*
 * accounts.c: users and credentials.
 */
#include "auth/accounts.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "auth/jwt.h"
#include "auth/password.h"
#include "core/base64.h"
#include "core/json.h"
#include "core/timeutil.h"

int accounts_normalize_email(const char *email, char out[ACCOUNT_EMAIL_MAX + 1], struct err *e)
{
	while (email && isspace((unsigned char)*email))
		email++;
	size_t n = email ? strlen(email) : 0;
	while (n && isspace((unsigned char)email[n - 1]))
		n--;
	if (n == 0 || n > ACCOUNT_EMAIL_MAX)
		return err_set(e, ERR_INVALID, "invalid_email", "email must be 1 to %d characters",
		               ACCOUNT_EMAIL_MAX);
	int at = -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)email[i];
		if (c <= ' ' || c == 0x7f || c == '"' || c == '<' || c == '>' || c == ',' ||
		    c == ';' || c == '\\')
			return err_set(e, ERR_INVALID, "invalid_email",
			               "email contains a character that is not allowed");
		if (c == '@') {
			if (at >= 0)
				return err_set(e, ERR_INVALID, "invalid_email",
				               "email must contain exactly one '@'");
			at = (int)i;
		}
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	const char *domain = at >= 0 ? out + at + 1 : NULL;
	if (at <= 0 || !domain || !*domain || !strchr(domain, '.') || domain[0] == '.' ||
	    out[n - 1] == '.' || strstr(domain, ".."))
		return err_set(e, ERR_INVALID, "invalid_email", "'%s' is not a valid email address",
		               out);
	return 0;
}

/* Characters (code points) in valid UTF-8 S. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

int accounts_check_password(const char *password, struct err *e)
{
	size_t n = password ? strlen(password) : 0;
	if (!password || utf8_chars(password) < PASSWORD_MIN_LEN)
		return err_set(e, ERR_INVALID, "weak_password",
		               "password must be at least %d characters", PASSWORD_MIN_LEN);
	if (n > PASSWORD_MAX_LEN)
		return err_set(e, ERR_INVALID, "invalid_password",
		               "password must be at most %d bytes", PASSWORD_MAX_LEN);
	return 0;
}

static int check_name(const char *name, struct err *e)
{
	size_t n = strlen(name);
	if (n == 0 || n > ACCOUNT_NAME_MAX * 4)
		return err_set(e, ERR_INVALID, "invalid_name", "name must be 1 to %d characters",
		               ACCOUNT_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return err_set(e, ERR_INVALID, "invalid_name",
			               "name must not contain control characters");
	return 0;
}

static void fill_account(struct db_stmt *st, struct account *a)
{
	str_copy(a->id, sizeof(a->id), db_col_text(st, 0));
	str_copy(a->email, sizeof(a->email), db_col_text(st, 1));
	str_copy(a->name, sizeof(a->name), db_col_text(st, 2));
	str_copy(a->role, sizeof(a->role), db_col_text(st, 3));
	a->created_at = db_col_int(st, 4);
}

#define USER_COLS "id, email, name, role, created_at"

int accounts_register(struct db *db, const struct audit_ctx *ctx, const char *email,
                      const char *password, const char *name, const char *role, struct account *out,
                      struct err *e)
{
	struct account a;
	char hash[PASSWORD_HASH_LEN];
	int rc;
	memset(&a, 0, sizeof(a));
	if ((rc = accounts_normalize_email(email, a.email, e)) ||
	    (rc = accounts_check_password(password, e)))
		return rc;
	if (name) {
		while (isspace((unsigned char)*name))
			name++;
		if ((rc = check_name(name, e)))
			return rc;
		str_copy(a.name, sizeof(a.name), name);
		size_t n = strlen(a.name);
		while (n && isspace((unsigned char)a.name[n - 1]))
			a.name[--n] = '\0';
	} else {
		str_copy(a.name, sizeof(a.name), a.email);
		*strchr(a.name, '@') = '\0';
	}
	if (strcmp(role, "user") && strcmp(role, "admin"))
		return err_set(e, ERR_INVALID, "invalid_role", "role must be user or admin");
	str_copy(a.role, sizeof(a.role), role);
	/* A taken email is answered before the slow hash; the unique index still decides. */
	int64_t taken;
	if ((rc = db_scalar(db, e, &taken, "SELECT count(*) FROM users WHERE email = ?", "t",
	                    a.email)))
		return rc;
	if (taken)
		return err_set(e, ERR_CONFLICT, "email_taken",
		               "an account with '%s' already exists", a.email);
	/* Hash outside the transaction: it is slow and needs no lock. */
	if (password_hash(password, hash))
		return err_set(e, ERR_INTERNAL, "internal", "cannot hash the password");
	uuid_v4(a.id);
	a.created_at = time_now();
	if ((rc = db_begin(db, e)))
		return rc;
	rc = db_run(db, e, NULL,
	            "INSERT INTO users (id, email, name, password_hash, role, created_at, "
	            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
	            "tttttii", a.id, a.email, a.name, hash, a.role, a.created_at, a.created_at);
	if (rc == ERR_CONFLICT) {
		err_set(e, ERR_CONFLICT, "email_taken", "an account with '%s' already exists",
		        a.email);
		goto fail;
	}
	if (rc)
		goto fail;
	if ((rc = db_run(db, e, NULL,
	                 "INSERT INTO user_profiles (user_id, updated_at) VALUES (?, ?)", "ti",
	                 a.id, a.created_at)))
		goto fail;
	struct audit_ctx c = ctx ? *ctx : (struct audit_ctx){0};
	c.user_id = a.id;
	json_t *detail = json_pack("{s:s, s:s}", "email", a.email, "role", a.role);
	rc = audit_log(db, &c, "user.register", "user", a.id, detail, e);
	json_decref(detail);
	if (rc || (rc = db_commit(db, e)))
		goto fail;
	*out = a;
	return 0;
fail:
	db_rollback(db);
	return rc;
}

int accounts_login(struct db *db, const struct audit_ctx *ctx, const char *email,
                   const char *password, struct account *out, struct err *e)
{
	char norm[ACCOUNT_EMAIL_MAX + 1];
	struct db_stmt *st;
	struct account a;
	char hash[PASSWORD_HASH_LEN] = "";
	int rc;
	if (!password || strlen(password) > PASSWORD_MAX_LEN ||
	    accounts_normalize_email(email, norm, e))
		return err_set(e, ERR_UNAUTH, "invalid_credentials", "wrong email or password");
	if ((rc = db_query(db, &st, e,
	                   "SELECT " USER_COLS ", password_hash FROM users WHERE email = ?", "t",
	                   norm)))
		return rc;
	rc = db_step(st, e);
	if (rc == DB_ROW) {
		fill_account(st, &a);
		str_copy(hash, sizeof(hash), db_col_text(st, 5));
	}
	db_finish(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE) {
		password_dummy_verify(password); /* same time as a real check */
		return err_set(e, ERR_UNAUTH, "invalid_credentials", "wrong email or password");
	}
	if (!password_verify(hash, password))
		return err_set(e, ERR_UNAUTH, "invalid_credentials", "wrong email or password");
	/* A stronger hash if the parameters were raised, and the audit row, in one write. */
	int rehash = password_needs_rehash(hash) && password_hash(password, hash) == 0;
	struct audit_ctx c = ctx ? *ctx : (struct audit_ctx){0};
	c.user_id = a.id;
	if ((rc = db_begin(db, e)))
		return rc;
	if ((rehash && (rc = db_run(db, e, NULL, "UPDATE users SET password_hash = ? WHERE id = ?",
	                            "tt", hash, a.id))) ||
	    (rc = audit_log(db, &c, "user.login", "user", a.id, NULL, e)) ||
	    (rc = db_commit(db, e))) {
		db_rollback(db);
		return rc;
	}
	*out = a;
	return 0;
}

static int get_one(struct db *db, const char *sql, const char *arg, struct account *out,
                   struct err *e)
{
	struct db_stmt *st;
	int rc = db_query(db, &st, e, sql, "t", arg);
	if (rc)
		return rc;
	rc = db_step(st, e);
	if (rc == DB_ROW) {
		fill_account(st, out);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = err_set(e, ERR_NOT_FOUND, "user_not_found", "no user '%.64s'", arg);
	}
	db_finish(st);
	return rc;
}

int accounts_get(struct db *db, const char *id, struct account *out, struct err *e)
{
	return get_one(db, "SELECT " USER_COLS " FROM users WHERE id = ?", id, out, e);
}

int accounts_get_by_email(struct db *db, const char *email, struct account *out, struct err *e)
{
	char norm[ACCOUNT_EMAIL_MAX + 1];
	int rc = accounts_normalize_email(email, norm, e);
	if (rc)
		return rc;
	return get_one(db, "SELECT " USER_COLS " FROM users WHERE email = ?", norm, out, e);
}

int accounts_set_role(struct db *db, const struct audit_ctx *ctx, const char *email,
                      const char *role, struct err *e)
{
	struct account a;
	int rc;
	if (strcmp(role, "user") && strcmp(role, "admin"))
		return err_set(e, ERR_INVALID, "invalid_role",
		               "role must be user or admin, not '%.32s'", role);
	if ((rc = accounts_get_by_email(db, email, &a, e)))
		return rc;
	if ((rc = db_begin(db, e)))
		return rc;
	if ((rc = db_run(db, e, NULL, "UPDATE users SET role = ?, updated_at = ? WHERE id = ?",
	                 "tit", role, time_now(), a.id)))
		goto fail;
	json_t *detail = json_pack("{s:s, s:s}", "from", a.role, "to", role);
	rc = audit_log(db, ctx, "user.set_role", "user", a.id, detail, e);
	json_decref(detail);
	if (rc || (rc = db_commit(db, e)))
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return rc;
}

json_t *account_json(const struct account *a)
{
	char ts[21];
	time_format_iso8601(a->created_at, ts);
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", a->id, "email", a->email, "name",
	                 a->name, "role", a->role, "created_at", ts);
}

int accounts_list(struct db *db, int64_t limit, int64_t offset, json_t **out, struct err *e)
{
	int64_t total;
	struct db_stmt *st;
	int rc = db_scalar(db, e, &total, "SELECT count(*) FROM users", "");
	if (rc || (rc = db_query(db, &st, e,
	                         "SELECT " USER_COLS " FROM users ORDER BY created_at, email "
	                         "LIMIT ? OFFSET ?",
	                         "ii", limit, offset)))
		return rc;
	json_t *items = json_array();
	while ((rc = db_step(st, e)) == DB_ROW) {
		struct account a;
		fill_account(st, &a);
		json_array_append_new(items, account_json(&a));
	}
	db_finish(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total);
	return 0;
}

int tokens_issue_access(const struct token_keys *k, const char *user_id, char *out, size_t size,
                        struct err *e)
{
	struct jwt_claims c;
	memset(&c, 0, sizeof(c));
	str_copy(c.sub, sizeof(c.sub), user_id);
	jwt_new_id(c.jti);
	c.iat = time_now();
	c.exp = c.iat + k->ttl_seconds;
	return jwt_sign(k->key, k->keylen, &c, out, size, e);
}

static void sha256_hex(const char *s, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
	hex_encode(md, 32, out);
}

/* The identity a verified JWT speaks for; its user must still exist. */
static int identity_from_claims(struct db *db, const struct jwt_claims *c, struct identity *out,
                                struct err *e)
{
	int rc = accounts_get(db, c->sub, &out->acct, e);
	if (rc == ERR_NOT_FOUND)
		return err_set(e, ERR_UNAUTH, "invalid_token", "the token's user no longer exists");
	if (rc)
		return rc;
	str_copy(out->jti, sizeof(out->jti), c->jti);
	out->exp = c->exp;
	return 0;
}

int tokens_authenticate(struct db *db, const struct token_keys *k, const char *token,
                        struct identity *out, struct err *e)
{
	struct db_stmt *st;
	int rc;
	memset(out, 0, sizeof(*out));
	if (strncmp(token, API_TOKEN_PREFIX, strlen(API_TOKEN_PREFIX)) == 0) {
		char hash[65];
		if (strlen(token) > 128)
			return err_set(e, ERR_UNAUTH, "invalid_token", "invalid token");
		sha256_hex(token, hash);
		if ((rc = db_query(
		         db, &st, e,
		         "SELECT u.id, u.email, u.name, u.role, u.created_at, t.id, t.last_used_at "
		         "FROM api_tokens t JOIN users u ON u.id = t.user_id "
		         "WHERE t.token_hash = ?",
		         "t", hash)))
			return rc;
		int64_t last_used = 0;
		rc = db_step(st, e);
		if (rc == DB_ROW) {
			fill_account(st, &out->acct);
			str_copy(out->token_id, sizeof(out->token_id), db_col_text(st, 5));
			last_used = db_col_is_null(st, 6) ? 0 : db_col_int(st, 6);
		}
		db_finish(st);
		if (rc < 0)
			return rc;
		if (rc == DB_DONE)
			return err_set(e, ERR_UNAUTH, "invalid_token",
			               "unknown or deleted API token");
		/*
		 * Last use is recorded at most once a minute, so most requests stay
		 * read-only; it is best effort and never fails the request.
		 */
		int64_t now = time_now();
		struct err ignore;
		if (now - last_used >= API_TOKEN_USE_GRANULARITY && db_begin(db, &ignore) == 0) {
			if (db_run(db, &ignore, NULL,
			           "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", "it", now,
			           out->token_id) ||
			    db_commit(db, &ignore))
				db_rollback(db);
		}
		return 0;
	}
	struct jwt_claims c;
	if ((rc = jwt_verify(k->key, k->keylen, token, time_now(), &c, e)))
		return rc;
	/* The user and the revocation check in one round trip. */
	if ((rc = db_query(db, &st, e,
	                   "SELECT " USER_COLS ", (SELECT count(*) FROM revoked_tokens "
	                   "WHERE jti = ?) FROM users WHERE id = ?",
	                   "tt", c.jti, c.sub)))
		return rc;
	rc = db_step(st, e);
	int64_t revoked = 0;
	if (rc == DB_ROW) {
		fill_account(st, &out->acct);
		revoked = db_col_int(st, 5);
	}
	db_finish(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return err_set(e, ERR_UNAUTH, "invalid_token", "the token's user no longer exists");
	if (revoked)
		return err_set(e, ERR_UNAUTH, "token_revoked", "this token has been revoked");
	str_copy(out->jti, sizeof(out->jti), c.jti);
	out->exp = c.exp;
	return 0;
}

int tokens_authenticate_scoped(struct db *db, const struct token_keys *k, const char *token,
                               struct identity *out, struct err *e)
{
	struct jwt_claims c;
	memset(out, 0, sizeof(*out));
	int rc = jwt_verify(k->key, k->keylen, token, time_now(), &c, e);
	if (rc)
		return rc;
	return identity_from_claims(db, &c, out, e);
}

int tokens_revoke(struct db *db, const struct audit_ctx *ctx, const struct identity *id,
                  struct err *e)
{
	int rc;
	if ((rc = db_begin(db, e)))
		return rc;
	if (id->token_id[0])
		rc = db_run(db, e, NULL, "DELETE FROM api_tokens WHERE id = ?", "t", id->token_id);
	else
		rc = db_run(db, e, NULL,
		            "INSERT INTO revoked_tokens (jti, user_id, expires_at, revoked_at) "
		            "VALUES (?, ?, ?, ?) ON CONFLICT (jti) DO NOTHING",
		            "ttii", id->jti, id->acct.id, id->exp, time_now());
	if (rc)
		goto fail;
	/* Revocations of expired tokens are no longer needed. */
	if ((rc = db_run(db, e, NULL, "DELETE FROM revoked_tokens WHERE expires_at < ?", "i",
	                 time_now() - 60)))
		goto fail;
	if ((rc = audit_log(db, ctx, "user.logout", id->token_id[0] ? "api_token" : "session",
	                    id->token_id[0] ? id->token_id : id->jti, NULL, e)) ||
	    (rc = db_commit(db, e)))
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return rc;
}

int api_tokens_create(struct db *db, const struct audit_ctx *ctx, const char *user_id,
                      const char *name, json_t **out, struct err *e)
{
	unsigned char raw[32];
	char token[64], hash[65], prefix[12], id[37], ts[21];
	int64_t count;
	int rc;
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > API_TOKEN_NAME_MAX)
		return err_set(e, ERR_INVALID, "invalid_field",
		               "field 'name' must be 1 to %d characters", API_TOKEN_NAME_MAX);
	random_bytes(raw, sizeof(raw));
	memcpy(token, API_TOKEN_PREFIX, 3);
	b64url_encode(raw, sizeof(raw), token + 3, sizeof(token) - 3);
	sha256_hex(token, hash);
	snprintf(prefix, sizeof(prefix), "%.10s", token);
	uuid_v4(id);
	int64_t now = time_now();
	if ((rc = db_begin(db, e)))
		return rc;
	if ((rc = db_scalar(db, e, &count, "SELECT count(*) FROM api_tokens WHERE user_id = ?", "t",
	                    user_id)))
		goto fail;
	if (count >= API_TOKENS_PER_USER) {
		rc = err_set(e, ERR_CONFLICT, "too_many_tokens",
		             "a user may have at most %d API tokens", API_TOKENS_PER_USER);
		goto fail;
	}
	if ((rc = db_run(db, e, NULL,
	                 "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, "
	                 "created_at) VALUES (?, ?, ?, ?, ?, ?)",
	                 "ttttti", id, user_id, name, hash, prefix, now)))
		goto fail;
	json_t *detail = json_pack("{s:s}", "name", name);
	rc = audit_log(db, ctx, "api_token.create", "api_token", id, detail, e);
	json_decref(detail);
	if (rc || (rc = db_commit(db, e)))
		goto fail;
	time_format_iso8601(now, ts);
	*out = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "name", name, "token", token,
	                 "prefix", prefix, "created_at", ts);
	return 0;
fail:
	db_rollback(db);
	return rc;
}

int api_tokens_list(struct db *db, const char *user_id, json_t **out, struct err *e)
{
	struct db_stmt *st;
	int rc = db_query(db, &st, e,
	                  "SELECT id, name, prefix, created_at, last_used_at FROM api_tokens "
	                  "WHERE user_id = ? ORDER BY created_at, id",
	                  "t", user_id);
	if (rc)
		return rc;
	json_t *items = json_array();
	while ((rc = db_step(st, e)) == DB_ROW) {
		char created[21], used[21];
		time_format_iso8601(db_col_int(st, 3), created);
		if (!db_col_is_null(st, 4))
			time_format_iso8601(db_col_int(st, 4), used);
		json_array_append_new(
		    items, json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", db_col_text(st, 0), "name",
		                     db_col_text(st, 1), "prefix", db_col_text(st, 2), "created_at",
		                     created, "last_used_at",
		                     db_col_is_null(st, 4) ? json_null() : json_string(used)));
	}
	db_finish(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items));
	return 0;
}

int api_tokens_delete(struct db *db, const struct audit_ctx *ctx, const char *user_id,
                      const char *id, struct err *e)
{
	int64_t changes;
	int rc;
	if ((rc = db_begin(db, e)))
		return rc;
	if ((rc = db_run(db, e, &changes, "DELETE FROM api_tokens WHERE id = ? AND user_id = ?",
	                 "tt", id, user_id)))
		goto fail;
	if (changes == 0) {
		rc = err_set(e, ERR_NOT_FOUND, "not_found", "no API token '%.40s'", id);
		goto fail;
	}
	if ((rc = audit_log(db, ctx, "api_token.delete", "api_token", id, NULL, e)) ||
	    (rc = db_commit(db, e)))
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return rc;
}
