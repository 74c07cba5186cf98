/*
 * test_throttle.c: fixed-window login throttling with explicit clocks:
 * the limit, the wait it reports, window expiry, per-call limits, reset,
 * and a table filled past THROTTLE_MAX_KEYS.
 */
#include <criterion/criterion.h>

#include <stdio.h>

#include "auth/throttle.h"

#define T0     ((int64_t)1700000000)
#define WINDOW 900

static struct throttle *t;

static void setup(void)
{
	t = throttle_new(3, WINDOW);
	cr_assert_not_null(t);
}

static void teardown(void)
{
	throttle_free(t);
	t = NULL;
}

TestSuite(throttle, .init = setup, .fini = teardown);

static void fail_n(const char *key, int n, int64_t now)
{
	for (int i = 0; i < n; i++)
		throttle_fail(t, key, now);
}

Test(throttle, unknown_key_is_allowed)
{
	cr_assert_eq(throttle_check(t, "nobody@example.com", 0, T0), 0);
	throttle_reset(t, "nobody@example.com"); /* forgetting an unknown key is harmless */
	cr_assert_eq(throttle_check(t, "nobody@example.com", 0, T0), 0);
}

Test(throttle, allows_until_the_limit)
{
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(throttle_check(t, "a@x", 0, T0 + i), 0, "after %d failures", i);
		throttle_fail(t, "a@x", T0 + i);
	}
	int wait = throttle_check(t, "a@x", 0, T0 + 3);
	cr_assert_gt(wait, 0, "blocked after 3 failures");
}

Test(throttle, wait_counts_down_to_the_window_end)
{
	fail_n("a@x", 3, T0);
	cr_assert_eq(throttle_check(t, "a@x", 0, T0), WINDOW);
	cr_assert_eq(throttle_check(t, "a@x", 0, T0 + 100), WINDOW - 100);
	cr_assert_eq(throttle_check(t, "a@x", 0, T0 + WINDOW - 1), 1);
	/* The window is counted from the first failure, not the last. */
	throttle_fail(t, "a@x", T0 + 500);
	cr_assert_eq(throttle_check(t, "a@x", 0, T0 + 500), WINDOW - 500);
}

Test(throttle, window_expiry_resets)
{
	fail_n("a@x", 3, T0);
	cr_assert_gt(throttle_check(t, "a@x", 0, T0 + WINDOW - 1), 0);
	cr_assert_eq(throttle_check(t, "a@x", 0, T0 + WINDOW), 0, "the window has ended");
	cr_assert_eq(throttle_check(t, "a@x", 0, T0 + 10 * WINDOW), 0);
	/* A failure after expiry starts a new window with a count of one. */
	throttle_fail(t, "a@x", T0 + WINDOW);
	cr_assert_eq(throttle_check(t, "a@x", 0, T0 + WINDOW), 0);
	fail_n("a@x", 2, T0 + WINDOW + 1);
	cr_assert_eq(throttle_check(t, "a@x", 0, T0 + WINDOW + 1), WINDOW - 1);
}

Test(throttle, keys_are_independent)
{
	fail_n("a@x", 3, T0);
	cr_assert_gt(throttle_check(t, "a@x", 0, T0), 0);
	cr_assert_eq(throttle_check(t, "b@x", 0, T0), 0);
	cr_assert_eq(throttle_check(t, "A@x", 0, T0), 0, "keys are compared exactly");
	cr_assert_eq(throttle_check(t, "a@x ", 0, T0), 0);
	cr_assert_eq(throttle_check(t, "", 0, T0), 0);
}

Test(throttle, per_call_limit_override)
{
	fail_n("10.0.0.1", 3, T0);
	cr_assert_gt(throttle_check(t, "10.0.0.1", 0, T0), 0, "default limit 3");
	cr_assert_eq(throttle_check(t, "10.0.0.1", 4, T0), 0, "a higher limit allows");
	cr_assert_eq(throttle_check(t, "10.0.0.1", 10, T0), 0);
	cr_assert_gt(throttle_check(t, "10.0.0.1", 3, T0), 0);
	cr_assert_gt(throttle_check(t, "10.0.0.1", 1, T0), 0, "a lower limit blocks");
	cr_assert_gt(throttle_check(t, "10.0.0.1", -5, T0), 0, "<= 0 means the default");
	fail_n("10.0.0.2", 1, T0);
	cr_assert_gt(throttle_check(t, "10.0.0.2", 1, T0), 0);
	cr_assert_eq(throttle_check(t, "10.0.0.2", 2, T0), 0);
	cr_assert_eq(throttle_check(t, "10.0.0.2", 0, T0), 0);
}

Test(throttle, reset_forgets_failures)
{
	fail_n("a@x", 3, T0);
	fail_n("b@x", 3, T0);
	throttle_reset(t, "a@x");
	cr_assert_eq(throttle_check(t, "a@x", 0, T0 + 1), 0);
	cr_assert_gt(throttle_check(t, "b@x", 0, T0 + 1), 0, "other keys keep their count");
	/* Counting starts over. */
	fail_n("a@x", 2, T0 + 2);
	cr_assert_eq(throttle_check(t, "a@x", 0, T0 + 2), 0);
	throttle_fail(t, "a@x", T0 + 2);
	cr_assert_gt(throttle_check(t, "a@x", 0, T0 + 2), 0);
}

Test(throttle, free_null)
{
	throttle_free(NULL);
}

/* Fills the table with distinct keys, one failure each, a second apart. */
static void fill(int n, int64_t start)
{
	char key[32];
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "spray-%d@example.com", i);
		throttle_fail(t, key, start + i);
	}
}

Test(throttle_full, past_max_keys_keeps_the_latest_block, .timeout = 30)
{
	/*
	 * An attacker sprays distinct keys over time; a real user's key that was
	 * just blocked must stay blocked when the table overflows, and the
	 * process must survive it.
	 */
	int64_t window = 7 * 86400; /* long enough that nothing expires here */
	t = throttle_new(3, (int)window);
	fill(THROTTLE_MAX_KEYS - 1, T0);
	int64_t now = T0 + THROTTLE_MAX_KEYS;
	fail_n("victim@example.com", 3, now);
	cr_assert_gt(throttle_check(t, "victim@example.com", 0, now), 0);
	/* Now the table is full: the next distinct key forces an eviction. */
	throttle_fail(t, "one-more@example.com", now + 1);
	fill(1000, now + 2);
	cr_assert_gt(throttle_check(t, "victim@example.com", 0, now + 2000), 0,
	             "the most recent block was lost");
	throttle_free(t);
	t = NULL;
}

Test(throttle_full, past_max_keys_same_second, .timeout = 30)
{
	/* Every key failing in the same second (one burst). */
	t = throttle_new(3, WINDOW);
	char key[32];
	for (int i = 0; i < THROTTLE_MAX_KEYS + 100; i++) {
		snprintf(key, sizeof(key), "burst-%d", i);
		throttle_fail(t, key, T0);
	}
	fail_n("victim@example.com", 3, T0);
	cr_assert_gt(throttle_check(t, "victim@example.com", 0, T0), 0);
	throttle_fail(t, "after@example.com", T0);
	cr_assert_gt(throttle_check(t, "victim@example.com", 0, T0), 0,
	             "the most recent block was lost");
	throttle_free(t);
	t = NULL;
}

Test(throttle_full, expired_keys_make_room, .timeout = 30)
{
	t = throttle_new(3, WINDOW);
	char key[32];
	for (int i = 0; i < THROTTLE_MAX_KEYS; i++) {
		snprintf(key, sizeof(key), "old-%d", i);
		throttle_fail(t, key, T0);
	}
	/* All of those windows have ended; a new key makes the table sweep them. */
	int64_t later = T0 + WINDOW + 1;
	fail_n("victim@example.com", 3, later);
	cr_assert_gt(throttle_check(t, "victim@example.com", 0, later), 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "new-%d", i);
		throttle_fail(t, key, later);
	}
	cr_assert_gt(throttle_check(t, "victim@example.com", 0, later), 0);
	throttle_free(t);
	t = NULL;
}
