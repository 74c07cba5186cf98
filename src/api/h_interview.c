/*
 * h_interview.c: the mock interview routes over interview/.
 */
#include <string.h>

#include "api/app.h"
#include "core/json.h"
#include "interview/interview.h"

static struct iv_ctx ctx_of(struct http_req *r)
{
	struct iv_ctx c = {APP(r), r->db, r->user.id, api_audit_ctx(r)};
	return c;
}

static int done(struct http_req *r, int rc, int status, json_t *out)
{
	return rc ? rc : http_reply(r, status, out);
}

int h_interview_create(struct http_req *r)
{
	struct iv_ctx c = ctx_of(r);
	json_t *out = NULL;
	int rc = iv_create(&c, r->json, &out, &r->err);
	if (!rc)
		r->location = xasprintf("/api/v1/interviews/%s", json_str(out, "id"));
	return done(r, rc, 201, out);
}

int h_interviews(struct http_req *r)
{
	struct iv_ctx c = ctx_of(r);
	int64_t limit, offset;
	const char *state = http_query(r, "state");
	int rc;
	if ((rc = http_query_int(r, "limit", 20, 1, INTERVIEW_LIST_MAX, &limit)) ||
	    (rc = http_query_int(r, "offset", 0, 0, INT32_MAX, &offset)))
		return rc;
	if (state && !*state)
		state = NULL;
	if (state && strcmp(state, "scheduled") && strcmp(state, "active") &&
	    strcmp(state, "completed") && strcmp(state, "abandoned"))
		return err_set(&r->err, ERR_BAD_REQUEST, "invalid_parameter",
		               "state must be scheduled, active, completed or abandoned");
	json_t *out = NULL;
	rc = iv_list(&c, state, limit, offset, &out, &r->err);
	return done(r, rc, 200, out);
}

int h_interview(struct http_req *r)
{
	struct iv_ctx c = ctx_of(r);
	json_t *out = NULL;
	int rc = iv_get(&c, r->params[0], &out, &r->err);
	return done(r, rc, 200, out);
}

int h_interview_start(struct http_req *r)
{
	struct iv_ctx c = ctx_of(r);
	json_t *out = NULL;
	int rc = iv_start(&c, r->params[0], &out, &r->err);
	return done(r, rc, 200, out);
}

int h_interview_message(struct http_req *r)
{
	struct iv_ctx c = ctx_of(r);
	json_t *out = NULL;
	int rc = iv_message(&c, r->params[0], r->json, &out, &r->err);
	return done(r, rc, 201, out);
}

int h_interview_hint(struct http_req *r)
{
	struct iv_ctx c = ctx_of(r);
	json_t *out = NULL;
	int rc = iv_hint(&c, r->params[0], &out, &r->err);
	return done(r, rc, 201, out);
}

int h_interview_submit(struct http_req *r)
{
	struct iv_ctx c = ctx_of(r);
	json_t *out = NULL;
	int rc = iv_submit(&c, r->params[0], r->json, &out, &r->err);
	return done(r, rc, 200, out);
}

int h_interview_abandon(struct http_req *r)
{
	struct iv_ctx c = ctx_of(r);
	json_t *out = NULL;
	int rc = iv_abandon(&c, r->params[0], &out, &r->err);
	return done(r, rc, 200, out);
}
