-- A brainstorm's countdown, set by the facilitator: when it ends, for the projector
-- and every participant's wall to show the same time left.
ALTER TABLE workshop ADD COLUMN countdown_ends_at TIMESTAMP;
