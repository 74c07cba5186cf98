/*
 * prompts.c: MCP prompts. Each builds its messages from the user's own
 * data (through the REST routes) and the catalog, so the assistant starts
 * from facts: a mock interview on problems the user has not solved yet, a
 * weekly review over the real numbers, a pattern explained with the
 * knowledge base and the user's mastery of it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "mcp/mcp.h"
#include "memory/coach.h"

#define PROMPT_ARG_MAX 100 /* bytes of one argument value */

struct prompt_arg {
	const char *name;
	const char *description;
	int required;
};

struct prompt {
	const char *name;
	const char *title;
	const char *description;
	struct prompt_arg args[3];
	int (*build)(struct mcp_ctx *c, json_t *args, struct buf *text, json_t *extra,
	             struct err *e);
};

/* A user message; EXTRA holds more content blocks (embedded resources). */
static json_t *message(const char *text)
{
	return json_pack("{s:s, s:{s:s, s:s}}", "role", "user", "content", "type", "text", "text",
	                 text);
}

static json_t *embedded(const char *uri, json_t *data)
{
	char *text = json_dump_compact(data);
	json_t *o = json_pack("{s:s, s:{s:s, s:{s:s, s:s, s:s}}}", "role", "user", "content",
	                      "type", "resource", "resource", "uri", uri, "mimeType",
	                      "application/json", "text", text);
	free(text);
	return o;
}

static int get(struct mcp_ctx *c, const char *path, json_t **out, struct err *e)
{
	return mcp_call_route(c, "GET", path, NULL, NULL, out, e);
}

/* A stable pick for today and this user: the same prompt twice gives the same problems. */
static size_t pick(struct mcp_ctx *c, size_t n, size_t salt)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(time_now() / 86400) ^ salt;
	for (const char *p = c->user.id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return n ? (size_t)(h % n) : 0;
}

static int mock_coding(struct mcp_ctx *c, const char *company, struct buf *t, json_t *extra,
                       struct err *e)
{
	json_t *page;
	json_t *q = json_pack("{s:s, s:s}", "status", "todo", "limit", "500");
	if (company)
		json_object_set_new(q, "company", json_string(company));
	int rc = mcp_call_route(c, "GET", "/api/v1/problems", q, NULL, &page, e);
	json_decref(q);
	if (rc)
		return rc;
	json_t *items = json_object_get(page, "items");
	json_t *chosen[2] = {NULL, NULL};
	/* A warm-up (easy or medium) then a main problem (medium or hard), when there are. */
	for (int round = 0; round < 2; round++) {
		size_t n = json_array_size(items), start = pick(c, n, (size_t)round + 1), i;
		for (size_t k = 0; k < n && !chosen[round]; k++) {
			i = (start + k) % n;
			json_t *p = json_array_get(items, i);
			const char *d = json_str(p, "difficulty");
			if (p == chosen[0] || !d)
				continue;
			if ((round == 0 && strcmp(d, "hard")) || (round == 1 && strcmp(d, "easy")))
				chosen[round] = p;
		}
	}
	buf_printf(t,
	           "Run a 45-minute coding interview with me, as an interviewer at %s would. "
	           "Present one problem at a time without naming its difficulty or tags; let me "
	           "ask clarifying questions; ask me to explain my approach and its complexity "
	           "before I code; give hints only when I am stuck, and count them. Do not show a "
	           "solution unless I give up.\n\nAt the end, grade me on problem solving, code, "
	           "communication and testing (1-4 each) with one concrete thing to improve, then "
	           "log each problem with the log_attempt tool (outcome solved, solved_with_help "
	           "or failed; minutes taken; confidence 1-5 as I state it). Better still, run "
	           "the session with start_mock_interview, answer_mock_interview and "
	           "finish_mock_interview: it is then timed, graded on the rubric and recorded "
	           "for me.\n\nThe problems:\n",
	           company ? company : "a top technology company");
	int n = 0;
	for (int i = 0; i < 2; i++) {
		if (!chosen[i])
			continue;
		n++;
		buf_printf(t, "%d. %s (%s)\n", n, json_str(chosen[i], "title"),
		           json_str(chosen[i], "url") ? json_str(chosen[i], "url") : "");
		char uri[256];
		snprintf(uri, sizeof(uri), "problem://%s", json_str(chosen[i], "slug"));
		json_array_append_new(extra, embedded(uri, chosen[i]));
	}
	if (!n)
		buf_puts(t,
		         "(every matching problem is solved already: choose one I solved longest "
		         "ago with search_problems and get_due_reviews)\n");
	json_decref(page);
	return 0;
}

/* The items of LIST that name COMPANY, or all of LIST when none does (or no company). */
static json_t *by_company(json_t *list, const char *company)
{
	size_t i, k;
	json_t *x, *co, *keep = json_array();
	json_array_foreach(list, i, x)
	{
		int match = 0;
		json_array_foreach(json_object_get(x, "companies"), k, co) match |=
		    company && json_is_string(co) && !strcmp(json_string_value(co), company);
		if (match)
			json_array_append(keep, x);
	}
	if (!json_array_size(keep)) {
		json_decref(keep);
		keep = json_incref(list);
	}
	return keep;
}

static int mock_design(struct mcp_ctx *c, const char *company, struct buf *t, json_t *extra)
{
	json_t *list = by_company(c->app->catalog->design_topics, company);
	json_t *d = json_array_get(list, pick(c, json_array_size(list), 7));
	buf_printf(t,
	           "Run a 45-minute system design interview with me, as an interviewer at %s "
	           "would, on: %s. %s\n\nLet me drive: requirements and scale first, then the API, "
	           "data model, high-level design, and deep dives you choose. Push back on weak "
	           "choices and ask about failure modes. At the end, grade me on requirements, "
	           "design, trade-offs and communication (1-4 each) against the checklist below, "
	           "and save the most useful lesson with the add_memory tool (kind "
	           "interview_feedback).\n\nChecklist (do not show it to me before the end):\n",
	           company ? company : "a top technology company", json_str(d, "title"),
	           json_str(d, "summary") ? json_str(d, "summary") : "");
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(d, "checklist"), i, x)
	    buf_printf(t, "- %s\n", json_string_value(x));
	(void)extra;
	json_decref(list);
	return 0;
}

static int mock_behavioral(struct mcp_ctx *c, const char *company, struct buf *t)
{
	json_t *all = c->app->catalog->behavioral;
	size_t n = json_array_size(all), start = pick(c, n, 11);
	buf_printf(t,
	           "Run a 30-minute behavioral interview with me, as an interviewer at %s would. "
	           "Ask these questions one at a time; after each answer ask one or two of the "
	           "follow-ups, and press for specifics: my own actions, numbers, the outcome. At "
	           "the end, rate each answer on the STAR structure and impact (1-4), point out "
	           "what was missing, and save the most useful lesson with the add_memory tool "
	           "(kind interview_feedback).\n\n",
	           company ? company : "a top technology company");
	/* Three questions of different competencies. */
	const char *seen[3] = {NULL, NULL, NULL};
	int got = 0;
	for (size_t k = 0; k < n && got < 3; k++) {
		json_t *q = json_array_get(all, (start + k * 7) % n);
		const char *comp = json_str(q, "competency");
		int dup = 0;
		for (int i = 0; i < got; i++)
			dup |= comp && seen[i] && !strcmp(seen[i], comp);
		if (dup)
			continue;
		seen[got++] = comp;
		buf_printf(t, "%d. %s\n", got, json_str(q, "question"));
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(q, "follow_ups"), i, f)
		    buf_printf(t, "   follow-up: %s\n", json_string_value(f));
	}
	return 0;
}

static int p_mock_interview(struct mcp_ctx *c, json_t *args, struct buf *t, json_t *extra,
                            struct err *e)
{
	const char *company = json_str(args, "company"), *type = json_str(args, "type");
	if (company && !catalog_has_company(c->app->catalog, company))
		return err_set(e, ERR_INVALID, "invalid_argument",
		               "unknown company '%s': see the list_companies tool", company);
	if (!type || !strcmp(type, "coding"))
		return mock_coding(c, company, t, extra, e);
	if (!strcmp(type, "system_design"))
		return mock_design(c, company, t, extra);
	if (!strcmp(type, "behavioral"))
		return mock_behavioral(c, company, t);
	return err_set(e, ERR_INVALID, "invalid_argument",
	               "type must be coding, system_design or behavioral");
}

static void append_json(struct buf *t, const char *title, json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(1) | JSON_COMPACT);
	buf_printf(t, "\n%s:\n%s\n", title, s ? s : "null");
	free(s);
}

static int p_weekly_review(struct mcp_ctx *c, json_t *args, struct buf *t, json_t *extra,
                           struct err *e)
{
	(void)args, (void)extra;
	json_t *stats = NULL, *weak = NULL, *due = NULL, *progress = NULL;
	json_t *q = json_pack("{s:s}", "period", "week");
	int rc = mcp_call_route(c, "GET", "/api/v1/stats", q, NULL, &stats, e);
	json_decref(q);
	if (!rc)
		rc = get(c, "/api/v1/weaknesses", &weak, e);
	q = json_pack("{s:s}", "limit", "10");
	if (!rc)
		rc = mcp_call_route(c, "GET", "/api/v1/reviews/due", q, NULL, &due, e);
	json_decref(q);
	if (!rc)
		rc = get(c, "/api/v1/progress", &progress, e);
	if (!rc) {
		buf_puts(t,
		         "Review my interview preparation of the past week with me. Compare "
		         "this week with the weeks before (attempts, success rate, time), name "
		         "what went well and the two weakest areas with the evidence, check "
		         "which reviews are due, and propose a concrete plan for the next seven "
		         "days (which problems or topics, on which days) within my weekly hours. "
		         "Use plan_week and recommend_problems for the details, and ask me what "
		         "got in the way before you plan.\n");
		json_t *items = json_object_get(stats, "items");
		size_t n = json_array_size(items);
		json_t *recent = json_array();
		for (size_t i = n > 4 ? n - 4 : 0; i < n; i++)
			json_array_append(recent, json_array_get(items, i));
		append_json(t, "Last four weeks (newest last)", recent);
		json_decref(recent);
		json_t *totals =
		    json_pack("{s:O?, s:O?, s:O?}", "totals", json_object_get(progress, "totals"),
		              "streak", json_object_get(progress, "streak"), "interview_date",
		              json_object_get(progress, "interview_date"));
		append_json(t, "Overall progress", totals);
		json_decref(totals);
		append_json(t, "Weaknesses", weak);
		append_json(t, "Reviews due", json_object_get(due, "items"));
	}
	json_decref(stats);
	json_decref(weak);
	json_decref(due);
	json_decref(progress);
	return rc;
}

static int p_explain_pattern(struct mcp_ctx *c, json_t *args, struct buf *t, json_t *extra,
                             struct err *e)
{
	const char *topic = json_str(args, "topic");
	const struct catalog_topic *ct =
	    topic ? catalog_topic_by_slug(c->app->catalog, topic) : NULL;
	if (!ct)
		return err_set(e, ERR_INVALID, "invalid_argument",
		               "unknown topic '%s': see the list_topics tool", topic ? topic : "");
	char path[300];
	json_t *detail = NULL, *page = NULL;
	snprintf(path, sizeof(path), "/api/v1/topics/%s", topic);
	int rc = get(c, path, &detail, e);
	json_t *q = json_pack("{s:s, s:s}", "topic", topic, "limit", "6");
	if (!rc)
		rc = mcp_call_route(c, "GET", "/api/v1/problems", q, NULL, &page, e);
	json_decref(q);
	if (!rc) {
		buf_printf(t,
		           "Explain the %s pattern to me for coding interviews: when a problem "
		           "calls for it (the signals), the core idea, a template in the language "
		           "I use, its complexity, the classic mistakes, and how it differs from "
		           "the patterns it is confused with. Then walk through one of the "
		           "problems below step by step and give me one to try on my own, "
		           "matched to my mastery.\n",
		           ct->name);
		json_t *kb = coach_pattern(topic);
		if (kb)
			append_json(t, "Knowledge base", kb);
		append_json(t, "My mastery", json_object_get(detail, "mastery"));
		size_t i;
		json_t *p;
		buf_puts(t, "\nProblems of this topic:\n");
		json_array_foreach(json_object_get(page, "items"), i, p)
		    buf_printf(t, "- %s (%s, %s)\n", json_str(p, "title"),
		               json_str(p, "difficulty"), json_str(p, "status"));
		char uri[300];
		snprintf(uri, sizeof(uri), "topic://%s", topic);
		json_array_append_new(extra, embedded(uri, detail));
	}
	json_decref(detail);
	json_decref(page);
	return rc;
}

static const struct prompt prompts[] = {
    {"mock_interview",
     "Mock interview",
     "A mock interview run by the assistant: coding (problems this user has not solved), "
     "system design or behavioral, in the style of a company.",
     {{"company", "Company slug to interview for (see list_companies), e.g. google", 0},
      {"type", "coding (default), system_design or behavioral", 0}},
     p_mock_interview},
    {"weekly_review",
     "Weekly review",
     "Reviews the past week of practice with this user's real numbers and plans the next.",
     {{NULL, NULL, 0}},
     p_weekly_review},
    {"explain_pattern",
     "Explain a pattern",
     "Explains an algorithmic pattern (a topic of the roadmap) with signals, template, "
     "pitfalls and problems matched to this user's mastery.",
     {{"topic", "Topic slug (see list_topics), e.g. sliding-window", 1}},
     p_explain_pattern},
};

int mcp_prompts_list(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error)
{
	(void)c;
	size_t from;
	if (mcp_page(params, ARRAY_LEN(prompts), &from, error))
		return -1;
	json_t *list = json_array();
	for (size_t i = from; i < ARRAY_LEN(prompts); i++) {
		const struct prompt *p = &prompts[i];
		json_t *args = json_array();
		for (size_t k = 0; k < ARRAY_LEN(p->args) && p->args[k].name; k++)
			json_array_append_new(args,
			                      json_pack("{s:s, s:s, s:b}", "name", p->args[k].name,
			                                "description", p->args[k].description,
			                                "required", p->args[k].required));
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o}", "name", p->name,
		                                      "title", p->title, "description",
		                                      p->description, "arguments", args));
	}
	*result = json_pack("{s:o}", "prompts", list);
	return 0;
}

static int invalid(json_t **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int invalid(json_t **error, const char *fmt, ...)
{
	char text[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	*error = json_pack("{s:i, s:s}", "code", RPC_INVALID_PARAMS, "message", text);
	return -1;
}

int mcp_prompts_get(struct mcp_ctx *c, json_t *params, json_t **result, json_t **error)
{
	const char *name = json_str(params, "name");
	json_t *args = json_object_get(params, "arguments");
	const struct prompt *p = NULL;
	for (size_t i = 0; name && i < ARRAY_LEN(prompts); i++)
		if (!strcmp(prompts[i].name, name))
			p = &prompts[i];
	if (!p)
		return invalid(error, "unknown prompt '%.100s'", name ? name : "");
	if (args && !json_is_object(args) && !json_is_null(args))
		return invalid(error, "arguments must be an object of strings");
	/* Arguments are strings; unknown ones and missing required ones are errors. */
	const char *k;
	json_t *v;
	json_object_foreach(args, k, v)
	{
		int known = 0;
		for (size_t i = 0; i < ARRAY_LEN(p->args) && p->args[i].name; i++)
			known |= !strcmp(p->args[i].name, k);
		if (!known)
			return invalid(error, "unknown argument '%.64s'", k);
		if (!json_is_string(v) || json_string_length(v) > PROMPT_ARG_MAX)
			return invalid(error,
			               "argument '%.64s' must be a string of at most %d bytes", k,
			               PROMPT_ARG_MAX);
	}
	for (size_t i = 0; i < ARRAY_LEN(p->args) && p->args[i].name; i++)
		if (p->args[i].required && !json_str(args, p->args[i].name))
			return invalid(error, "argument '%s' is required", p->args[i].name);
	json_t *given = args && json_is_object(args) ? json_incref(args) : json_object();
	struct buf text;
	buf_init(&text, 256 * 1024);
	json_t *extra = json_array();
	struct err e = {0};
	int rc = p->build(c, given, &text, extra, &e);
	json_decref(given);
	if (rc) {
		buf_release(&text);
		json_decref(extra);
		if (e.code == ERR_INVALID)
			return invalid(error, "%s", e.msg);
		*error = json_pack("{s:i, s:s}", "code", RPC_INTERNAL_ERROR, "message", e.msg);
		return -1;
	}
	json_t *messages = json_array();
	json_array_append_new(messages, message(text.data ? text.data : ""));
	json_array_extend(messages, extra);
	json_decref(extra);
	buf_release(&text);
	*result = json_pack("{s:s, s:o}", "description", p->description, "messages", messages);
	return 0;
}
