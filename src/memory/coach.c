/*
 * coach.c: one coach turn (see coach.h). The facts the coach may state are
 * gathered first, as JSON: progress totals, streak, the weakest topics
 * with their numbers, the next problems and why, the topic or problem the
 * message is about. The built-in coach turns them into sentences; an LLM
 * receives them in its system prompt with the retrieved memories and is
 * told to use no other numbers.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/embedded.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "learning/engine.h"
#include "practice/practice.h"

#include "memory/coach.h"

static pthread_once_t kb_once = PTHREAD_ONCE_INIT;
static json_t *kb; /* data/patterns.json, read-only after loading */

static void kb_load(void)
{
	const struct embedded_file *f = embedded_find("data/patterns.json");
	kb = f ? json_loadb(f->data, f->size, 0, NULL) : NULL;
	if (!json_is_array(kb)) {
		json_decref(kb);
		kb = json_array();
	}
}

json_t *coach_pattern(const char *topic)
{
	pthread_once(&kb_once, kb_load);
	size_t i;
	json_t *p;
	json_array_foreach(kb, i,
	                   p) if (topic && strcmp(json_string_value(json_object_get(p, "topic")),
	                                          topic) == 0) return p;
	return NULL;
}

/* ---- understanding the message ---- */

static void lower_copy(const char *s, char *out, size_t size)
{
	size_t i = 0;
	for (; s[i] && i + 1 < size; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[i] = 0;
}

static int has_any(const char *text, const char *const *words)
{
	for (; *words; words++)
		if (strstr(text, *words))
			return 1;
	return 0;
}

enum intent { INTENT_GENERAL, INTENT_EXPLAIN, INTENT_NEXT, INTENT_PROGRESS, INTENT_PROBLEM };

static enum intent intent_of(const char *low, const struct catalog_problem *problem,
                             const char *topic)
{
	static const char *const explain[] = {
	    "explain",           "what is",     "what's",
	    "what are",          "how does",    "how do i approach",
	    "when should i use", "when to use", "teach me",
	    "how to solve",      "template",    NULL};
	static const char *const next[] = {"what should", "next",     "today",   "recommend",
	                                   "practice",    "practise", "work on", "focus",
	                                   "plan",        "weak",     NULL};
	static const char *const progress[] = {"progress", "how am i doing", "stats", "streak",
	                                       "how many", "solved so far",  NULL};
	if (topic && has_any(low, explain))
		return INTENT_EXPLAIN;
	if (problem)
		return INTENT_PROBLEM;
	if (has_any(low, progress))
		return INTENT_PROGRESS;
	if (has_any(low, next))
		return INTENT_NEXT;
	if (topic)
		return INTENT_EXPLAIN;
	return INTENT_GENERAL;
}

/* The catalog problem the message names (by title or slug), longest title first. */
static const struct catalog_problem *problem_named(const struct catalog *c, const char *low)
{
	const struct catalog_problem *best = NULL;
	size_t best_len = 0;
	char title[256];
	for (int i = 0; i < c->nproblems; i++) {
		const struct catalog_problem *p = &c->problems[i];
		lower_copy(p->title, title, sizeof(title));
		size_t n = strlen(title);
		if (n > best_len && n >= 6 && (strstr(low, title) || strstr(low, p->slug))) {
			best = p;
			best_len = n;
		}
	}
	return best;
}

/* The topic the message names: a topic name, its slug in words, or a lexicon synonym. */
static const char *topic_named(const struct catalog *c, const char *low)
{
	static const struct {
		const char *word, *topic;
	} synonyms[] = {
	    {"dynamic programming", "1d-dp"},
	    {"memoization", "1d-dp"},
	    {" dp", "1d-dp"},
	    {"knapsack", "2d-dp"},
	    {"priority queue", "heap-priority-queue"},
	    {"heap", "heap-priority-queue"},
	    {"bfs", "graphs"},
	    {"dfs", "graphs"},
	    {"breadth first", "graphs"},
	    {"depth first", "graphs"},
	    {"dijkstra", "advanced-graphs"},
	    {"topological", "graphs"},
	    {"disjoint set", "union-find"},
	    {"union find", "union-find"},
	    {"prefix tree", "tries"},
	    {"trie", "tries"},
	    {"two pointer", "two-pointers"},
	    {"monotonic stack", "stack"},
	    {"bit manipulation", "bit-manipulation"},
	    {"xor", "bit-manipulation"},
	    {"intervals", "intervals"},
	    {"backtrack", "backtracking"},
	    {"binary tree", "trees"},
	    {"bst", "trees"},
	    {"linked list", "linked-list"},
	    {"hash map", "arrays-hashing"},
	    {"hashmap", "arrays-hashing"},
	    {"sliding window", "sliding-window"},
	};
	char name[128];
	for (int t = 0; t < c->ntopics; t++) {
		lower_copy(c->topics[t].name, name, sizeof(name));
		if (strstr(low, name))
			return c->topics[t].slug;
		str_copy(name, sizeof(name), c->topics[t].slug);
		for (char *p = name; *p; p++)
			if (*p == '-')
				*p = ' ';
		if (strstr(low, name) || strstr(low, c->topics[t].slug))
			return c->topics[t].slug;
	}
	for (size_t i = 0; i < ARRAY_LEN(synonyms); i++)
		if (strstr(low, synonyms[i].word))
			for (int t = 0; t < c->ntopics; t++)
				if (strcmp(c->topics[t].slug, synonyms[i].topic) == 0)
					return c->topics[t].slug;
	return NULL;
}

/* ---- facts ---- */

struct topic_stat {
	const char *slug, *name;
	int solved, total, fails, attempts;
};

/*
 * Per topic: solved and total from the progress summary, plus failed or
 * helped attempts among the user's 100 latest. Weak topics have failures,
 * the most first, then the lowest share solved.
 */
static int topic_stats(struct db *db, const struct catalog *c, const char *user, json_t *progress,
                       struct topic_stat *ts, struct err *e)
{
	json_t *topics = json_object_get(progress, "topics");
	for (int t = 0; t < c->ntopics; t++) {
		json_t *row = json_array_get(topics, (size_t)t);
		ts[t].slug = c->topics[t].slug;
		ts[t].name = c->topics[t].name;
		ts[t].solved = (int)json_integer_value(json_object_get(row, "solved"));
		ts[t].total = (int)json_integer_value(json_object_get(row, "total"));
		ts[t].fails = ts[t].attempts = 0;
	}
	struct db_stmt *st;
	int rc = db_query(db, &st, e,
	                  "SELECT problem_id, outcome FROM attempts WHERE user_id = ? "
	                  "ORDER BY at DESC, seq DESC LIMIT 100",
	                  "t", user);
	if (rc)
		return rc;
	while ((rc = db_step(st, e)) == DB_ROW) {
		const struct catalog_problem *p = catalog_problem_by_id(c, db_col_int(st, 0));
		int failed = strcmp(db_col_text(st, 1), "solved") != 0;
		for (int k = 0; p && k < p->ntopics; k++)
			for (int t = 0; t < c->ntopics; t++)
				if (strcmp(ts[t].slug, p->topics[k]) == 0) {
					ts[t].attempts++;
					ts[t].fails += failed;
				}
	}
	db_finish(st);
	return rc < 0 ? rc : 0;
}

static int weaker(const struct topic_stat *a, const struct topic_stat *b)
{
	if (a->fails != b->fails)
		return a->fails > b->fails;
	double ra = a->total ? (double)a->solved / a->total : 1,
	       rb = b->total ? (double)b->solved / b->total : 1;
	return ra < rb;
}

/* The topic to work on: the weakest started one, else the first roadmap topic not done. */
static const struct topic_stat *focus_topic(const struct catalog *c, struct topic_stat *ts,
                                            const char **why)
{
	const struct topic_stat *best = NULL;
	for (int t = 0; t < c->ntopics; t++)
		if (ts[t].fails > 0 && (!best || weaker(&ts[t], best)))
			best = &ts[t];
	if (best) {
		*why = "weak";
		return best;
	}
	/* Roadmap order: prerequisites come first in data/topics.json. */
	for (int t = 0; t < c->ntopics; t++) {
		if (ts[t].total == 0 || ts[t].solved * 3 >= ts[t].total)
			continue;
		int ready = 1;
		for (int k = 0; k < c->topics[t].nprereq && ready; k++)
			for (int u = 0; u < c->ntopics; u++)
				if (strcmp(ts[u].slug, c->topics[t].prerequisites[k]) == 0 &&
				    ts[u].solved == 0)
					ready = 0;
		if (ready) {
			*why = "next";
			return &ts[t];
		}
	}
	*why = "next";
	return c->ntopics ? &ts[0] : NULL;
}

/* Up to N unsolved problems of TOPIC, easier first for a topic barely started. */
static json_t *next_problems(struct db *db, const struct catalog *c, const char *user,
                             const struct topic_stat *topic, int n, struct err *e)
{
	json_t *out = json_array();
	if (!topic)
		return out;
	int64_t max_id = 0;
	for (int i = 0; i < c->nproblems; i++)
		max_id = c->problems[i].id > max_id ? c->problems[i].id : max_id;
	unsigned char *st = xcalloc((size_t)max_id + 1, 1);
	if (practice_statuses(db, user, st, max_id, e)) {
		free(st);
		return out;
	}
	const char *order[3] = {"easy", "medium", "hard"};
	if (topic->solved >= 3)
		order[0] = "medium", order[1] = "easy";
	for (int d = 0; d < 3 && (int)json_array_size(out) < n; d++)
		for (int i = 0; i < c->nproblems && (int)json_array_size(out) < n; i++) {
			const struct catalog_problem *p = &c->problems[i];
			if (st[p->id] == 2 || strcmp(p->difficulty, order[d]) ||
			    !catalog_problem_has_topic(p, topic->slug))
				continue;
			json_array_append_new(
			    out, json_pack("{s:s,s:s,s:s,s:s}", "slug", p->slug, "title", p->title,
			                   "difficulty", p->difficulty, "status",
			                   st[p->id] == 1 ? "attempted" : "todo"));
		}
	free(st);
	return out;
}

/* ---- the built-in coach ---- */

static void say_progress(struct buf *b, json_t *pr)
{
	json_t *solved = json_object_get(pr, "solved"), *streak = json_object_get(pr, "streak");
	buf_printf(b,
	           "You have solved %lld of %lld problems (%lld easy, %lld medium, %lld hard) "
	           "over %lld attempts; %lld more are attempted but not solved yet. ",
	           (long long)json_integer_value(json_object_get(solved, "total")),
	           (long long)json_integer_value(json_object_get(pr, "catalog_total")),
	           (long long)json_integer_value(json_object_get(solved, "easy")),
	           (long long)json_integer_value(json_object_get(solved, "medium")),
	           (long long)json_integer_value(json_object_get(solved, "hard")),
	           (long long)json_integer_value(json_object_get(pr, "attempts")),
	           (long long)json_integer_value(json_object_get(pr, "attempted")));
	buf_printf(b, "Your current streak is %lld day%s (longest %lld).\n",
	           (long long)json_integer_value(json_object_get(streak, "current")),
	           json_integer_value(json_object_get(streak, "current")) == 1 ? "" : "s",
	           (long long)json_integer_value(json_object_get(streak, "longest")));
}

static void say_next(struct buf *b, json_t *facts)
{
	json_t *focus = json_object_get(facts, "focus");
	json_t *problems = json_object_get(facts, "next_problems");
	if (!focus)
		return;
	const char *why = json_string_value(json_object_get(focus, "why"));
	const char *name = json_string_value(json_object_get(focus, "name"));
	if (strcmp(why, "weak") == 0)
		buf_printf(
		    b,
		    "Work on %s today: %lld of your latest attempts there failed or needed help, "
		    "and you have solved %lld of its %lld problems.\n",
		    name, (long long)json_integer_value(json_object_get(focus, "failed")),
		    (long long)json_integer_value(json_object_get(focus, "solved")),
		    (long long)json_integer_value(json_object_get(focus, "total")));
	else
		buf_printf(
		    b,
		    "Next on your roadmap is %s: you have solved %lld of its %lld problems and "
		    "its prerequisites are started.\n",
		    name, (long long)json_integer_value(json_object_get(focus, "solved")),
		    (long long)json_integer_value(json_object_get(focus, "total")));
	size_t i;
	json_t *p;
	if (json_array_size(problems))
		buf_puts(b, "Try these next:\n");
	json_array_foreach(problems, i, p)
	    buf_printf(b, "- %s (%s%s)\n", json_string_value(json_object_get(p, "title")),
	               json_string_value(json_object_get(p, "difficulty")),
	               strcmp(json_string_value(json_object_get(p, "status")), "attempted") == 0
	                   ? ", attempted before"
	                   : "");
}

static void say_pattern(struct buf *b, json_t *pat)
{
	size_t i;
	json_t *v;
	buf_printf(b, "%s: %s\n", json_string_value(json_object_get(pat, "name")),
	           json_string_value(json_object_get(pat, "summary")));
	buf_puts(b, "Reach for it when:\n");
	json_array_foreach(json_object_get(pat, "signals"), i, v)
	    buf_printf(b, "- %s\n", json_string_value(v));
	buf_puts(b, "Approach:\n");
	json_array_foreach(json_object_get(pat, "approach"), i, v)
	    buf_printf(b, "%zu. %s\n", i + 1, json_string_value(v));
	buf_printf(b, "Complexity: %s\n", json_string_value(json_object_get(pat, "complexity")));
	buf_puts(b, "Watch out for:\n");
	json_array_foreach(json_object_get(pat, "pitfalls"), i, v)
	    buf_printf(b, "- %s\n", json_string_value(v));
}

static void say_problem(struct buf *b, json_t *facts)
{
	json_t *p = json_object_get(facts, "problem");
	json_t *attempts = json_object_get(p, "attempts");
	const char *title = json_string_value(json_object_get(p, "title"));
	size_t n = json_array_size(attempts);
	if (!n) {
		buf_printf(b, "You have not logged an attempt on %s yet (%s).\n", title,
		           json_string_value(json_object_get(p, "difficulty")));
		return;
	}
	buf_printf(b, "You have %zu attempt%s on %s:\n", n, n == 1 ? "" : "s", title);
	size_t i;
	json_t *a;
	json_array_foreach(attempts, i, a)
	{
		const char *notes = json_string_value(json_object_get(a, "notes"));
		json_t *min = json_object_get(a, "minutes");
		buf_printf(b, "- %.10s: %s", json_string_value(json_object_get(a, "at")),
		           json_string_value(json_object_get(a, "outcome")));
		if (json_is_integer(min))
			buf_printf(b, " in %lld min", (long long)json_integer_value(min));
		if (notes && *notes)
			buf_printf(b, "; you wrote: \"%.300s\"", notes);
		buf_puts(b, "\n");
	}
}

static void say_memories(struct buf *b, json_t *memories, int intro)
{
	size_t i;
	json_t *m;
	if (!json_array_size(memories))
		return;
	if (intro)
		buf_puts(b, "From your notes:\n");
	json_array_foreach(memories, i, m)
	{
		if (i >= 3)
			break;
		char day[11] = "";
		const char *at = json_string_value(json_object_get(m, "created_at"));
		if (at)
			str_copy(day, sizeof(day), at);
		buf_printf(b, "- (%s, %s) %.400s\n", day,
		           json_string_value(json_object_get(m, "kind")),
		           json_string_value(json_object_get(m, "content")));
	}
}

static char *builtin_reply(json_t *facts, json_t *memories, enum intent intent)
{
	struct buf b;
	buf_init(&b, LLM_REPLY_MAX);
	json_t *pr = json_object_get(facts, "progress");
	json_t *pattern = json_object_get(facts, "pattern");
	switch (intent) {
	case INTENT_EXPLAIN:
		if (pattern)
			say_pattern(&b, pattern);
		say_memories(&b, memories, 1);
		break;
	case INTENT_PROBLEM:
		say_problem(&b, facts);
		say_memories(&b, memories, 1);
		break;
	case INTENT_PROGRESS:
		say_progress(&b, pr);
		say_next(&b, facts);
		break;
	case INTENT_NEXT:
		say_next(&b, facts);
		say_progress(&b, pr);
		say_memories(&b, memories, 1);
		break;
	default:
		if (json_array_size(memories)) {
			buf_puts(&b, "Here is what you wrote that relates to this:\n");
			say_memories(&b, memories, 0);
		} else {
			buf_puts(&b, "I found nothing in your notes about that yet. ");
		}
		say_next(&b, facts);
		break;
	}
	if (!b.len)
		buf_puts(&b,
		         "Log an attempt or write a note and I will have something to go on.\n");
	return buf_detach(&b);
}

/* ---- the LLM prompt ---- */

static char *system_prompt(json_t *facts, json_t *memories)
{
	struct buf b;
	buf_init(&b, 256 * 1024);
	buf_puts(
	    &b, "You are the interview-preparation coach of MAANG Tracker, helping a software "
	        "engineer prepare for coding, system-design and behavioral interviews. Be concrete "
	        "and brief. Use only the numbers in FACTS; if a number is not there, say you do "
	        "not know it. When you use one of the user's memories, cite it as [M1], [M2], ...\n"
	        "FACTS (JSON): ");
	char *f = json_dump_compact(facts);
	buf_puts(&b, f);
	free(f);
	buf_puts(&b, "\nMEMORIES:\n");
	size_t i;
	json_t *m;
	json_array_foreach(memories, i, m) buf_printf(
	    &b, "[M%zu] (%s, %.10s) %s\n", i + 1, json_string_value(json_object_get(m, "kind")),
	    json_string_value(json_object_get(m, "created_at")),
	    json_string_value(json_object_get(m, "content")));
	if (!json_array_size(memories))
		buf_puts(&b, "(none relevant)\n");
	return buf_detach(&b);
}

/* The last turns of the session, oldest first, for the LLM. */
static json_t *history(struct db *db, const char *user, const char *session, struct err *e)
{
	json_t *items = json_array();
	struct db_stmt *st;
	if (db_query(
	        db, &st, e,
	        "SELECT role, content FROM coach_messages WHERE user_id = ? AND session_id = ? "
	        "ORDER BY seq DESC LIMIT ?",
	        "tti", user, session, (int64_t)COACH_HISTORY_TURNS))
		return items;
	while (db_step(st, e) == DB_ROW)
		json_array_insert_new(items, 0,
		                      json_pack("{s:s,s:s}", "role", db_col_text(st, 0), "content",
		                                db_col_text(st, 1)));
	db_finish(st);
	return items;
}

static int save_message(struct db *db, const char *user, const char *session, const char *role,
                        const char *content, json_t *memory_ids, const char *provider, char id[37],
                        struct err *e)
{
	uuid_v4(id);
	char *mem = json_dump_compact(memory_ids);
	int rc =
	    db_run(db, e, NULL,
	           "INSERT INTO coach_messages (id, user_id, session_id, role, content, memories, "
	           "provider, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	           "ttttttti", id, user, session, role, content, mem, provider, time_now());
	free(mem);
	return rc;
}

/* Everything the coach may state, as JSON. */
static int gather_facts(struct coach *c, struct db *db, const char *user,
                        const struct catalog_problem *problem, const char *topic, json_t **out,
                        struct err *e)
{
	json_t *progress;
	int rc = practice_progress(db, c->catalog, user, &progress, e);
	if (rc)
		return rc;
	json_object_del(progress, "calendar"); /* a year of days says little to a coach */
	if ((rc = learn_fill_progress(db, c->catalog, user, time_now(), progress, e))) {
		json_decref(progress);
		return rc;
	}
	struct topic_stat *ts = xcalloc((size_t)c->catalog->ntopics + 1, sizeof(*ts));
	if ((rc = topic_stats(db, c->catalog, user, progress, ts, e))) {
		free(ts);
		json_decref(progress);
		return rc;
	}
	json_t *facts = json_object();
	json_t *weak = json_array();
	/* Up to three weak topics, weakest first. */
	for (int round = 0; round < 3; round++) {
		struct topic_stat *w = NULL;
		for (int t = 0; t < c->catalog->ntopics; t++)
			if (ts[t].fails > 0 && ts[t].attempts >= 0 && (!w || weaker(&ts[t], w)))
				w = &ts[t];
		if (!w)
			break;
		json_array_append_new(weak, json_pack("{s:s,s:s,s:i,s:i,s:i,s:i}", "topic", w->slug,
		                                      "name", w->name, "failed", w->fails,
		                                      "recent_attempts", w->attempts, "solved",
		                                      w->solved, "total", w->total));
		w->fails = -w->fails - 1; /* taken */
	}
	for (int t = 0; t < c->catalog->ntopics; t++)
		if (ts[t].fails < 0)
			ts[t].fails = -ts[t].fails - 1;
	const char *why = "next";
	const struct topic_stat *focus = focus_topic(c->catalog, ts, &why);
	if (focus) {
		json_object_set_new(facts, "focus",
		                    json_pack("{s:s,s:s,s:s,s:i,s:i,s:i}", "topic", focus->slug,
		                              "name", focus->name, "why", why, "failed",
		                              focus->fails, "solved", focus->solved, "total",
		                              focus->total));
		json_object_set_new(facts, "next_problems",
		                    next_problems(db, c->catalog, user, focus, 3, e));
	}
	json_object_set_new(facts, "weak_topics", weak);
	json_object_set_new(facts, "progress", progress);
	if (topic) {
		json_t *pat = coach_pattern(topic);
		if (pat)
			json_object_set_new(facts, "pattern", json_deep_copy(pat));
	}
	if (problem) {
		json_t *list = NULL;
		if (practice_list_attempts(db, c->catalog, user, problem->slug, 0, 10, 0, &list,
		                           e) == 0) {
			json_object_set_new(facts, "problem",
			                    json_pack("{s:s,s:s,s:s,s:O}", "slug", problem->slug,
			                              "title", problem->title, "difficulty",
			                              problem->difficulty, "attempts",
			                              json_object_get(list, "items")));
			json_decref(list);
		}
	}
	free(ts);
	*out = facts;
	return 0;
}

int coach_chat(struct coach *c, struct db *db, const struct audit_ctx *ctx, const char *user,
               const char *message, const char *session_id,
               void (*on_piece)(void *arg, const char *piece), void *arg, json_t **out,
               struct err *e)
{
	size_t mlen = message ? strlen(message) : 0;
	const char *p = message;
	while (p && isspace((unsigned char)*p))
		p++;
	if (!p || !*p)
		return err_set(e, ERR_INVALID, "missing_field", "field 'message' is required");
	if (mlen > COACH_MESSAGE_MAX)
		return err_set(e, ERR_INVALID, "invalid_field",
		               "field 'message' is %zu bytes; at most %d", mlen, COACH_MESSAGE_MAX);
	char session[37];
	if (session_id && *session_id) {
		if (!uuid_valid(session_id))
			return err_set(e, ERR_INVALID, "invalid_field",
			               "field 'session_id' must be a UUID from an earlier answer");
		str_copy(session, sizeof(session), session_id);
	} else {
		uuid_v4(session);
	}
	char *low = xmalloc(mlen + 2);
	low[0] = ' ';
	lower_copy(message, low + 1, mlen + 1);
	const struct catalog_problem *problem = problem_named(c->catalog, low);
	const char *topic = topic_named(c->catalog, low);
	if (!topic && problem && problem->ntopics)
		topic = problem->topics[0];
	enum intent intent = intent_of(low, problem, topic);
	free(low);

	json_t *facts = NULL, *found = NULL, *turn = NULL, *hist = NULL;
	char *reply = NULL, *sys = NULL, *query = NULL, msg_id[37], reply_id[37];
	const char *provider = "builtin";
	struct err perr = {0};
	/* The turn becomes a memory first; retrieval leaves it out. */
	json_t *meta = json_pack("{s:s,s:s}", "session_id", session, "source", "coach");
	struct mem_in in = {message, "conversation", meta, -1, -1, -1};
	int rc = mem_create(c->mem, db, ctx, user, &in, &turn, NULL, e);
	json_decref(meta);
	if (rc)
		goto out;
	/* Retrieval reads at most MEM_QUERY_MAX bytes of a long message. */
	query = xstrndup(message, strnlen(message, MEM_QUERY_MAX));
	utf8_sanitize(query);
	struct mem_query q = {0};
	q.q = query;
	q.k = COACH_MEMORIES;
	q.threshold = -1;
	q.touch = 1;
	q.exclude = json_string_value(json_object_get(json_object_get(turn, "memory"), "id"));
	if ((rc = mem_search(c->mem, db, user, &q, &found, e)) ||
	    (rc = gather_facts(c, db, user, problem, topic, &facts, e)))
		goto out;
	json_t *memories = json_object_get(found, "items");
	if (c->llm) {
		sys = system_prompt(facts, memories);
		hist = history(db, user, session, e);
		size_t nh = json_array_size(hist);
		struct llm_msg *msgs = xcalloc(nh + 2, sizeof(*msgs));
		msgs[0].role = "system";
		msgs[0].content = sys;
		for (size_t i = 0; i < nh; i++) {
			json_t *h = json_array_get(hist, i);
			msgs[i + 1].role = json_string_value(json_object_get(h, "role"));
			msgs[i + 1].content = json_string_value(json_object_get(h, "content"));
		}
		msgs[nh + 1].role = "user";
		msgs[nh + 1].content = message;
		struct buf b;
		buf_init(&b, LLM_REPLY_MAX);
		if (llm_chat(c->llm, msgs, (int)nh + 2, on_piece, arg, &b, &perr) == 0) {
			reply = buf_detach(&b);
			provider = llm_name(c->llm);
		} else {
			log_msg(LOG_WARN, "coach_chat: %s: %s (answering with the built-in coach)",
			        llm_name(c->llm), perr.msg);
			/* Pieces already streamed stay; the built-in answer follows them. */
			buf_release(&b);
		}
		free(msgs);
	}
	if (!reply) {
		reply = builtin_reply(facts, memories, intent);
		/* Quotes are cut by bytes: never hand out half a character. */
		utf8_sanitize(reply);
		if (on_piece)
			on_piece(arg, reply);
	}
	utf8_sanitize(reply);
	json_t *ids = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(memories, i, m) json_array_append(ids, json_object_get(m, "id"));
	if ((rc = db_begin(db, e))) {
		json_decref(ids);
		goto out;
	}
	json_t *none = json_array();
	rc = save_message(db, user, session, "user", message, none, NULL, msg_id, e);
	json_decref(none);
	if (rc ||
	    (rc =
	         save_message(db, user, session, "assistant", reply, ids, provider, reply_id, e)) ||
	    (rc = db_commit(db, e))) {
		db_rollback(db);
		json_decref(ids);
		goto out;
	}
	json_decref(ids);
	json_t *used = json_array();
	json_array_foreach(memories, i, m) json_array_append_new(
	    used,
	    json_pack("{s:O,s:O,s:O,s:O,s:O,s:O}", "id", json_object_get(m, "id"), "content",
	              json_object_get(m, "content"), "kind", json_object_get(m, "kind"), "score",
	              json_object_get(m, "score"), "match", json_object_get(m, "match"),
	              "created_at", json_object_get(m, "created_at")));
	*out = json_pack("{s:s,s:s,s:s,s:s,s:o,s:O}", "reply", reply, "session_id", session,
	                 "message_id", reply_id, "provider", provider, "memories", used, "facts",
	                 facts);
	if (perr.code)
		json_object_set_new(*out, "provider_error", json_string(perr.msg));
	rc = 0;
out:
	json_decref(facts);
	json_decref(found);
	json_decref(turn);
	json_decref(hist);
	free(reply);
	free(sys);
	free(query);
	return rc;
}

int coach_session(struct db *db, const char *user, const char *session_id, json_t **out,
                  struct err *e)
{
	struct db_stmt *st;
	int rc = db_query(db, &st, e,
	                  "SELECT id, role, content, memories, provider, at FROM coach_messages "
	                  "WHERE user_id = ? AND session_id = ? ORDER BY seq LIMIT ?",
	                  "tti", user, session_id, (int64_t)COACH_SESSION_MAX);
	if (rc)
		return rc;
	json_t *items = json_array();
	while ((rc = db_step(st, e)) == DB_ROW) {
		char at[21];
		time_format_iso8601(db_col_int(st, 5), at);
		json_t *mem = json_loads(db_col_text(st, 3), 0, NULL);
		const char *prov = db_col_text(st, 4);
		json_array_append_new(
		    items, json_pack("{s:s,s:s,s:s,s:o,s:o,s:s}", "id", db_col_text(st, 0), "role",
		                     db_col_text(st, 1), "content", db_col_text(st, 2), "memories",
		                     mem ? mem : json_array(), "provider",
		                     prov ? json_string(prov) : json_null(), "at", at));
	}
	db_finish(st);
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	if (!json_array_size(items)) {
		json_decref(items);
		return err_set(e, ERR_NOT_FOUND, "not_found", "no coach session '%.40s'",
		               session_id);
	}
	*out = json_pack("{s:s,s:o}", "session_id", session_id, "items", items);
	return 0;
}
