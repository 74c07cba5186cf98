/*
 * grade.c: the deterministic grader. Every score (1 poor .. 4 strong) comes
 * from signals that are really in the session and says which: time used,
 * hints, the checklist items a design covers, the STAR parts a story has,
 * stated complexity, tests and edge cases, numbers and specifics. It does
 * not judge whether code is correct: it cannot run it, and says so.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "interview/interview.h"

/* Case-insensitive: does TEXT contain any of WORDS (NULL-terminated)? Returns how many. */
static int mentions(const char *text, const char *const *words)
{
	int n = 0;
	for (int i = 0; words[i]; i++)
		if (strcasestr(text, words[i]))
			n++;
	return n;
}

static int clamp(int s)
{
	return s < 1 ? 1 : s > 4 ? 4 : s;
}

static int count_words(const char *s)
{
	int n = 0, in = 0;
	for (; *s; s++) {
		int w = isalnum((unsigned char)*s);
		n += w && !in;
		in = w;
	}
	return n;
}

static int count_numbers(const char *s)
{
	int n = 0;
	for (const char *p = s; *p; p++)
		if (isdigit((unsigned char)*p) && (p == s || !isalnum((unsigned char)p[-1])))
			n++;
	return n;
}

static int count_lines_like_code(const char *s)
{
	int n = 0;
	const char *line = s;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[512];
		snprintf(buf, sizeof(buf), "%.*s", (int)(len < 511 ? len : 511), line);
		static const char *const code[] = {"(",      ")",    "{",    "}",      "=",
		                                   "return", "def ", "for ", "while ", "if ",
		                                   ";",      "[",    NULL};
		if (mentions(buf, code) >= 2)
			n++;
		if (!end)
			break;
		line = end + 1;
	}
	return n;
}

static void item(json_t *rubric, const char *key, const char *name, int score, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void item(json_t *rubric, const char *key, const char *name, int score, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	json_array_append_new(rubric, json_pack("{s:s, s:s, s:i, s:s}", "key", key, "name", name,
	                                        "score", clamp(score), "reason", reason));
}

static void grade_coding(json_t *rubric, json_t *questions, int64_t elapsed, int duration,
                         int hints, const char *talk, const char *answer)
{
	static const char *const complexity[] = {"o(",     "time complexity", "space complexity",
	                                         "linear", "logarithmic",     "quadratic",
	                                         NULL};
	static const char *const testing[] = {"test",     "edge case", "empty",  "null",
	                                      "assert",   "example",   "corner", "duplicate",
	                                      "negative", NULL};
	static const char *const approach[] = {
	    "approach", "idea", "because", "brute force", "optimi", "instead", "trade", "hash",
	    "pointer",  "sort", "stack",   "queue",       "dp",     "dynamic", NULL};
	int code = count_lines_like_code(answer), words = count_words(answer) + count_words(talk);
	int nq = (int)json_array_size(questions);
	double used = duration > 0 ? (double)elapsed / (duration * 60.0) : 1;
	/* Problem solving: an approach explained and code written, less for each hint. */
	int ps = 1 + (code >= 3) + (mentions(answer, approach) + mentions(talk, approach) >= 2) +
	         (code >= 3 * (nq ? nq : 1));
	ps -= hints;
	item(rubric, "problem_solving", "Problem solving", ps,
	     "%d line%s of code for %d problem%s, %s; %d hint%s taken (each costs a point)", code,
	     code == 1 ? "" : "s", nq, nq == 1 ? "" : "s",
	     mentions(answer, approach) + mentions(talk, approach) >= 2
	         ? "the approach explained"
	         : "the approach not explained",
	     hints, hints == 1 ? "" : "s");
	/* Code quality: enough code, split into functions, descriptive names. */
	static const char *const structure[] = {"def ", "function", "class ", "fn ",
	                                        "int ", "return",   NULL};
	int cq = 1 + (code >= 5) + (code >= 10) + (mentions(answer, structure) >= 2);
	item(rubric, "code_quality", "Code quality", cq,
	     "%d code lines, %s (correctness is not checked: the grader does not run code)", code,
	     mentions(answer, structure) >= 2 ? "organised in functions with returns"
	                                      : "little structure");
	/* Communication: what the candidate said while working. */
	int said = count_words(talk);
	int cm = 1 + (said >= 20) + (said >= 80) + (said >= 200);
	item(rubric, "communication", "Communication", cm,
	     "%d words said to the interviewer during the session", said);
	int t = mentions(answer, testing) + mentions(talk, testing);
	item(rubric, "testing", "Testing", 1 + (t >= 1) + (t >= 3) + (t >= 5),
	     "%d kinds of test or edge case mentioned", t);
	int cx = mentions(answer, complexity) + mentions(talk, complexity);
	int both = (strcasestr(answer, "time") || strcasestr(talk, "time")) &&
	           (strcasestr(answer, "space") || strcasestr(talk, "space"));
	item(rubric, "complexity", "Complexity analysis", 1 + (cx >= 1) + (cx >= 2) + both, "%s%s",
	     cx ? "complexity stated" : "no complexity stated",
	     both ? ", for both time and space" : "");
	(void)used;
	(void)words;
}

/* Words of 4+ letters of a checklist item, as lowercase keys. */
static int item_keywords(const char *item, char words[][24], int max)
{
	static const char *const stop[] = {
	    "with", "that", "this", "from",  "what",  "when",  "into",  "than",    "them",
	    "they", "each", "such", "your",  "their", "have",  "will",  "does",    "more",
	    "only", "over", "like", "about", "which", "where", "while", "without", NULL};
	int n = 0;
	const char *p = item;
	while (*p && n < max) {
		while (*p && !isalpha((unsigned char)*p))
			p++;
		const char *s = p;
		while (isalpha((unsigned char)*p))
			p++;
		size_t len = (size_t)(p - s);
		if (len < 4 || len > 22)
			continue;
		char w[24];
		for (size_t i = 0; i < len; i++)
			w[i] = (char)tolower((unsigned char)s[i]);
		w[len] = '\0';
		int skip = 0;
		for (int k = 0; stop[k]; k++)
			skip |= !strcmp(stop[k], w);
		/* Compare on a stem: the first 5 letters catch plurals and -ing forms. */
		if (len > 5)
			w[5] = '\0';
		if (!skip)
			str_copy(words[n++], 24, w);
	}
	return n;
}

static void grade_design(json_t *rubric, json_t *questions, int hints, const char *talk,
                         const char *answer, json_t *strengths, json_t *improve)
{
	json_t *q = json_array_get(questions, 0);
	json_t *checklist = json_object_get(q, "checklist");
	char *all = xasprintf("%s\n%s", answer, talk);
	size_t i;
	json_t *x;
	int covered = 0, total = 0;
	json_t *missed = json_array();
	json_array_foreach(checklist, i, x)
	{
		char words[16][24];
		int n = item_keywords(json_string_value(x), words, 16), hit = 0;
		for (int k = 0; k < n; k++)
			hit += strcasestr(all, words[k]) != NULL;
		total++;
		if (n && (hit >= 2 || hit * 2 >= n))
			covered++;
		else
			json_array_append(missed, x);
	}
	static const char *const req[] = {"requirement", "qps",     "users",        "read",
	                                  "write",       "latency", "availability", "scale",
	                                  "per second",  NULL};
	static const char *const api[] = {"api",     "endpoint", "get ", "post ", "put ",
	                                  "request", "response", "rpc",  NULL};
	static const char *const data[] = {"schema", "table", "key",    "index",         "database",
	                                   "sql",    "nosql", "column", "partition key", NULL};
	static const char *const high[] = {"service",       "cache",  "queue",
	                                   "load balancer", "server", "worker",
	                                   "storage",       "cdn",    NULL};
	static const char *const scaling[] = {
	    "shard", "partition",          "replica", "replicat", "cache", "horizontal",
	    "cdn",   "consistent hashing", NULL};
	static const char *const trade[] = {"trade-off",  "tradeoff", "trade off", "instead",
	                                    "because",    "however",  "downside",  "alternative",
	                                    "bottleneck", NULL};
	int nums = count_numbers(all);
	item(rubric, "requirements", "Requirements",
	     1 + (mentions(all, req) >= 2) + (mentions(all, req) >= 4) + (nums >= 3),
	     "%d requirement signals, %d numbers (scale, rates, sizes)", mentions(all, req), nums);
	item(rubric, "api", "API", 1 + mentions(all, api) / 2, "%d API signals",
	     mentions(all, api));
	item(rubric, "data_model", "Data model", 1 + mentions(all, data) / 2,
	     "%d data-model signals", mentions(all, data));
	item(rubric, "high_level", "High-level design", 1 + mentions(all, high) / 2 - (hints > 1),
	     "%d components named", mentions(all, high));
	item(rubric, "scaling", "Scaling", 1 + mentions(all, scaling) / 2, "%d scaling techniques",
	     mentions(all, scaling));
	item(rubric, "tradeoffs", "Bottlenecks and trade-offs", 1 + mentions(all, trade) / 2,
	     "%d trade-off signals", mentions(all, trade));
	int pct = total ? covered * 100 / total : 0;
	item(rubric, "checklist", "Checklist coverage", 1 + (pct >= 30) + (pct >= 55) + (pct >= 80),
	     "%d of %d checklist points covered (%d%%)", covered, total, pct);
	if (pct >= 55)
		json_array_append_new(
		    strengths, json_sprintf("covered %d of %d checklist points", covered, total));
	/* The first points it missed, to work on. */
	for (size_t k = 0; k < json_array_size(missed) && k < 3; k++)
		json_array_append_new(
		    improve,
		    json_sprintf("not covered: %s", json_string_value(json_array_get(missed, k))));
	json_decref(missed);
	free(all);
}

static void grade_behavioral(json_t *rubric, int hints, const char *talk, const char *answer)
{
	static const char *const situation[] = {"when i",  "at my",     "we were",   "our team",
	                                        "project", "last year", "situation", "context",
	                                        "company", NULL};
	static const char *const task[] = {"my goal", "i was responsible", "needed to", "my task",
	                                   "had to",  "i owned",           "the goal",  "challenge",
	                                   NULL};
	static const char *const action[] = {
	    "i decided",   "i built",     "i led",       "i proposed", "i wrote",  "i talked",
	    "i organized", "i organised", "i set up",    "i created",  "i worked", "i reached out",
	    "i analyzed",  "i analysed",  "i convinced", NULL};
	static const char *const result[] = {"result",   "as a result", "reduced",  "increased",
	                                     "improved", "shipped",     "launched", "saved",
	                                     "outcome",  "learned",     NULL};
	char *all = xasprintf("%s\n%s", answer, talk);
	int s = mentions(all, situation) > 0, t = mentions(all, task) > 0,
	    a = mentions(all, action) > 0, r = mentions(all, result) > 0;
	int parts = s + t + a + r;
	item(rubric, "star", "STAR structure", parts, "situation %s, task %s, action %s, result %s",
	     s ? "yes" : "missing", t ? "yes" : "missing", a ? "yes" : "missing",
	     r ? "yes" : "missing");
	int nums = count_numbers(all), words = count_words(all);
	item(rubric, "specificity", "Specificity",
	     1 + (words >= 120) + (nums >= 1) + (mentions(all, action) >= 3),
	     "%d words, %d numbers, %d first-person actions", words, nums, mentions(all, action));
	static const char *const impact[] = {"%",       "percent", "users", "customers",
	                                     "revenue", "latency", "hours", "days",
	                                     "weeks",   "million", NULL};
	item(rubric, "impact", "Impact", 1 + r + (nums >= 1) + (mentions(all, impact) >= 2),
	     "%s, %d measures of impact", r ? "an outcome is stated" : "no outcome stated",
	     mentions(all, impact));
	item(rubric, "competency", "Competency fit",
	     1 + (words >= 80) + (parts >= 3) + (hints == 0),
	     "%d words answering the question, %d of 4 STAR parts%s", words, parts,
	     hints ? ", after a hint" : "");
	free(all);
}

json_t *iv_grade(const char *type, json_t *questions, int64_t elapsed, int duration_minutes,
                 int hints, json_t *candidate_messages, const char *answer)
{
	struct buf talk;
	buf_init(&talk, 1 << 20);
	size_t i;
	json_t *m;
	json_array_foreach(candidate_messages, i, m)
	{
		buf_puts(&talk, json_string_value(m));
		buf_puts(&talk, "\n");
	}
	const char *said = talk.data ? talk.data : "";
	json_t *rubric = json_array(), *strengths = json_array(), *improve = json_array();
	if (!strcmp(type, "coding"))
		grade_coding(rubric, questions, elapsed, duration_minutes, hints, said, answer);
	else if (!strcmp(type, "system_design"))
		grade_design(rubric, questions, hints, said, answer, strengths, improve);
	else
		grade_behavioral(rubric, hints, said, answer);
	int sum = 0, n = 0;
	json_t *it;
	json_array_foreach(rubric, i, it)
	{
		int s = (int)json_integer_value(json_object_get(it, "score"));
		sum += s;
		n++;
		char line[600];
		snprintf(line, sizeof(line), "%s: %s", json_str(it, "name"),
		         json_str(it, "reason"));
		if (s >= 3)
			json_array_append_new(strengths, json_string(line));
		else
			json_array_append_new(improve, json_string(line));
	}
	double overall = n ? (double)sum / n : 1;
	int64_t over = elapsed - (int64_t)duration_minutes * 60;
	if (over > 0)
		json_array_append_new(improve,
		                      json_sprintf("finished %lld minutes over the time box",
		                                   (long long)(over + 59) / 60));
	buf_release(&talk);
	return json_pack("{s:o, s:f, s:o, s:o, s:s}", "rubric", rubric, "overall",
	                 (double)((int)(overall * 10 + 0.5)) / 10, "strengths", strengths,
	                 "improvements", improve, "grader", "deterministic");
}
