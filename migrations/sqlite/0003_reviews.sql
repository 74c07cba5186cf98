-- Review scheduling (see docs/fsrs.md): the FSRS-6 memory state of each
-- problem a user has attempted, replayed from its attempts on every change.
ALTER TABLE problem_progress ADD COLUMN stability REAL;              -- days
ALTER TABLE problem_progress ADD COLUMN difficulty REAL;             -- 1 to 10
ALTER TABLE problem_progress ADD COLUMN reviews INTEGER NOT NULL DEFAULT 0;
ALTER TABLE problem_progress ADD COLUMN lapses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE problem_progress ADD COLUMN last_review INTEGER;         -- unix seconds
CREATE INDEX problem_progress_due ON problem_progress(user_id, next_review);
