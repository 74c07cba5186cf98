-- Daily and weekly rollups of attempts per difficulty (the dashboard's
-- charts), kept in step by every attempt written or deleted. start_day is
-- the local day (days since 1970-01-01 in the profile's zone) of the day, or
-- of the Monday that starts the week.
CREATE TABLE user_metrics (
	user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	period     TEXT NOT NULL CHECK (period IN ('day', 'week')),
	start_day  INTEGER NOT NULL,
	difficulty TEXT NOT NULL CHECK (difficulty IN ('easy', 'medium', 'hard')),
	attempts   INTEGER NOT NULL DEFAULT 0,
	solved     INTEGER NOT NULL DEFAULT 0,
	helped     INTEGER NOT NULL DEFAULT 0,
	failed     INTEGER NOT NULL DEFAULT 0,
	minutes    INTEGER NOT NULL DEFAULT 0,             -- sum of the minutes given
	PRIMARY KEY (user_id, period, start_day, difficulty)
) WITHOUT ROWID;

INSERT INTO user_metrics (user_id, period, start_day, difficulty, attempts, solved, helped,
                          failed, minutes)
SELECT a.user_id, 'day', a.day, p.difficulty, count(*),
       sum(CASE WHEN a.outcome = 'solved' THEN 1 ELSE 0 END),
       sum(CASE WHEN a.outcome = 'solved_with_help' THEN 1 ELSE 0 END),
       sum(CASE WHEN a.outcome = 'failed' THEN 1 ELSE 0 END), coalesce(sum(a.minutes), 0)
FROM attempts a JOIN problems p ON p.id = a.problem_id
GROUP BY a.user_id, a.day, p.difficulty;

INSERT INTO user_metrics (user_id, period, start_day, difficulty, attempts, solved, helped,
                          failed, minutes)
SELECT a.user_id, 'week', a.day - ((a.day + 3) % 7), p.difficulty, count(*),
       sum(CASE WHEN a.outcome = 'solved' THEN 1 ELSE 0 END),
       sum(CASE WHEN a.outcome = 'solved_with_help' THEN 1 ELSE 0 END),
       sum(CASE WHEN a.outcome = 'failed' THEN 1 ELSE 0 END), coalesce(sum(a.minutes), 0)
FROM attempts a JOIN problems p ON p.id = a.problem_id
GROUP BY a.user_id, a.day - ((a.day + 3) % 7), p.difficulty;
