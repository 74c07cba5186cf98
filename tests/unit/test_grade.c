/*
 * test_grade.c: the deterministic interview grader: every score is 1-4
 * with a reason, complete answers outrank vague ones for each type, and
 * odd input (empty, huge, unbroken, non-ASCII, no checklist) is graded
 * without trouble.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "interview/interview.h"

static json_t *talk(const char *s)
{
	return s ? json_pack("[s]", s) : json_array();
}

static void check_shape(json_t *g, int items)
{
	json_t *rubric = json_object_get(g, "rubric");
	cr_assert_eq(json_array_size(rubric), (size_t)items);
	size_t i;
	json_t *it;
	json_array_foreach(rubric, i, it)
	{
		json_int_t s = json_integer_value(json_object_get(it, "score"));
		cr_assert(s >= 1 && s <= 4, "%s scored %lld",
		          json_string_value(json_object_get(it, "key")), (long long)s);
		cr_assert(strlen(json_string_value(json_object_get(it, "reason"))) > 3);
	}
	double overall = json_number_value(json_object_get(g, "overall"));
	cr_assert(overall >= 1 && overall <= 4);
}

static double overall(json_t *g)
{
	return json_number_value(json_object_get(g, "overall"));
}

Test(grade, coding_complete_beats_empty)
{
	json_t *q = json_pack("[{s:s, s:s}]", "slug", "two-sum", "title", "Two Sum");
	const char *code =
	    "def solve(nums, target):\n    seen = {}\n    for i, x in enumerate(nums):\n"
	    "        if target - x in seen:\n            return [seen[target - x], i]\n"
	    "        seen[x] = i\n    return []\n"
	    "# approach: hash map instead of brute force. Time O(n), space O(n).\n"
	    "# tests: empty input, duplicates, negative numbers\n";
	json_t *m =
	    talk("My approach is a hash map because lookups are constant time; edge case: empty "
	         "input. Time complexity is linear and space complexity is linear.");
	json_t *good = iv_grade("coding", q, 20 * 60, 45, 0, m, code);
	json_t *empty = json_array();
	json_t *bad = iv_grade("coding", q, 60 * 60, 45, 3, empty, "");
	check_shape(good, 5);
	check_shape(bad, 5);
	cr_assert_gt(overall(good), overall(bad) + 1);
	/* Overtime is named. */
	char *text = json_dumps(json_object_get(bad, "improvements"), 0);
	cr_assert(strstr(text, "over the time box"), "%s", text);
	free(text);
	json_decref(good);
	json_decref(bad);
	json_decref(m);
	json_decref(empty);
	json_decref(q);
}

Test(grade, behavioral_star_beats_vague)
{
	json_t *q = json_array(), *none = json_array();
	json_t *star = iv_grade(
	    "behavioral", q, 600, 30, 0, none,
	    "When I was on the payments team our checkout failed at peak. My task was to fix it in "
	    "three weeks. I analyzed the traces, I proposed a circuit breaker and I built it. As a "
	    "result errors fell from 4% to 0.05% and we shipped a week early.");
	json_t *vague = iv_grade("behavioral", q, 600, 30, 1, none, "I try hard.");
	check_shape(star, 4);
	check_shape(vague, 4);
	cr_assert_eq(json_integer_value(json_object_get(
	                 json_array_get(json_object_get(star, "rubric"), 0), "score")),
	             4);
	cr_assert_gt(overall(star), overall(vague) + 1);
	json_decref(star);
	json_decref(vague);
	json_decref(q);
	json_decref(none);
}

Test(grade, design_without_a_checklist_and_odd_input)
{
	json_t *q = json_pack("[{s:s}]", "title", "Design X");
	json_t *none = json_array();
	json_t *g = iv_grade("system_design", q, 0, 45, 0, none, "");
	check_shape(g, 7);
	json_decref(g);
	/* 64 KB without a space, non-ASCII text, and a checklist of odd items. */
	char *big = malloc(65537);
	memset(big, 'a', 65536);
	big[65536] = '\0';
	json_t *odd = json_pack("[{s:s, s:[s, s, s]}]", "title", "Design Y", "checklist", "",
	                        "a b c", "Ünïcödé 🚀 requirements throughput");
	g = iv_grade("system_design", odd, 10, 45, 2, none, big);
	check_shape(g, 7);
	json_decref(g);
	json_t *msgs = talk("Ünïcödé 🚀 throughput requirements: 10k writes per second");
	g = iv_grade("system_design", odd, 10, 45, 0, msgs, "Ünïcödé");
	check_shape(g, 7);
	json_decref(g);
	g = iv_grade("coding", none, 0, 5, 9, none, big);
	check_shape(g, 5);
	json_decref(g);
	g = iv_grade("behavioral", none, 0, 5, 0, msgs, big);
	check_shape(g, 4);
	json_decref(g);
	free(big);
	json_decref(msgs);
	json_decref(odd);
	json_decref(none);
	json_decref(q);
}
