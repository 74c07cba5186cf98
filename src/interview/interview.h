/*
 * interview.h: mock interviews (docs/interviews.md). A session has a type
 * (coding, system_design, behavioral), questions the server picks from the
 * catalog and the user's own data, server-side timing, a transcript with the
 * interviewer's follow-ups and hints, and a submission graded on the type's
 * rubric. A completed session feeds the learning engine (attempts for its
 * problems: FSRS, mastery, rollups, weaknesses) and long-term memory.
 */
#ifndef MAANG_INTERVIEW_H
#define MAANG_INTERVIEW_H

#include <jansson.h>

#include "api/app.h"

#define INTERVIEW_DURATION_DEFAULT  45
#define INTERVIEW_DURATION_MAX      180  /* minutes */
#define INTERVIEW_MESSAGE_MAX       8000 /* bytes of one message */
#define INTERVIEW_ANSWER_MAX        65536
#define INTERVIEW_MESSAGES_MAX      200 /* per session */
#define INTERVIEW_LIST_MAX          100
#define INTERVIEW_SCHEDULE_MAX_DAYS 366

/* The user, connection and services a call works with. */
struct iv_ctx {
	struct app *app;
	struct db *db;
	const char *user;
	struct audit_ctx audit;
};

/* POST /interviews: {type, company?, level?, difficulty?, topic?, duration_minutes?, blind?,
 * scheduled_at?} */
int iv_create(struct iv_ctx *c, json_t *body, json_t **out, struct err *e);
/* GET /interviews/{id}: the session with its transcript and timing. */
int iv_get(struct iv_ctx *c, const char *id, json_t **out, struct err *e);
/* GET /interviews: {items, total}, newest first; STATE filters (may be NULL). */
int iv_list(struct iv_ctx *c, const char *state, int64_t limit, int64_t offset, json_t **out,
            struct err *e);
/* POST /interviews/{id}/start: a scheduled session begins now. */
int iv_start(struct iv_ctx *c, const char *id, json_t **out, struct err *e);
/*
 * POST /interviews/{id}/messages {content, kind?}: the candidate speaks and
 * the interviewer answers; kind "note" keeps a note without an answer.
 */
int iv_message(struct iv_ctx *c, const char *id, json_t *body, json_t **out, struct err *e);
/* POST /interviews/{id}/hint: a hint (it lowers the grade). */
int iv_hint(struct iv_ctx *c, const char *id, json_t **out, struct err *e);
/* POST /interviews/{id}/submit {answer, self_scores?}: scores, feedback and their effects. */
int iv_submit(struct iv_ctx *c, const char *id, json_t *body, json_t **out, struct err *e);
/* POST /interviews/{id}/abandon. */
int iv_abandon(struct iv_ctx *c, const char *id, json_t **out, struct err *e);

/*
 * Grading (interview/grade.c): scores 1-4 per rubric item, each with its
 * reason, from the session (type, questions, elapsed seconds, duration,
 * hints, candidate messages) and the answer. *OUT = {rubric:[{key, name,
 * score, reason}], overall (1-4), strengths:[...], improvements:[...]}.
 */
json_t *iv_grade(const char *type, json_t *questions, int64_t elapsed, int duration_minutes,
                 int hints, json_t *candidate_messages, const char *answer);

#endif
