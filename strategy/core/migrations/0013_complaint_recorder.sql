-- Who recorded a complaint or compliment, as an account: a contributor may change the
-- records they recorded, and a display name can be renamed or reused, so the name kept
-- in recorded_by (for reading) is not what decides. NULL for records made before this,
-- by the command line or by an import, where the name still decides.
ALTER TABLE complaint ADD COLUMN recorded_by_account INTEGER;
