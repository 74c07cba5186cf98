-- Review scheduling (see docs/fsrs.md), as migrations/sqlite/0003_reviews.sql.
ALTER TABLE problem_progress ADD COLUMN stability DOUBLE PRECISION;
ALTER TABLE problem_progress ADD COLUMN difficulty DOUBLE PRECISION;
ALTER TABLE problem_progress ADD COLUMN reviews INTEGER NOT NULL DEFAULT 0;
ALTER TABLE problem_progress ADD COLUMN lapses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE problem_progress ADD COLUMN last_review BIGINT;
CREATE INDEX problem_progress_due ON problem_progress(user_id, next_review);
