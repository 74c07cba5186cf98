-- Daily and weekly rollups of attempts per difficulty, as in the SQLite migration.
CREATE TABLE user_metrics (
	user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	period     TEXT NOT NULL CHECK (period IN ('day', 'week')),
	start_day  BIGINT NOT NULL,
	difficulty TEXT NOT NULL CHECK (difficulty IN ('easy', 'medium', 'hard')),
	attempts   INTEGER NOT NULL DEFAULT 0,
	solved     INTEGER NOT NULL DEFAULT 0,
	helped     INTEGER NOT NULL DEFAULT 0,
	failed     INTEGER NOT NULL DEFAULT 0,
	minutes    BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (user_id, period, start_day, difficulty)
);

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
