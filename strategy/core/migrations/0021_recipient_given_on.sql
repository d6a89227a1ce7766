-- Each recipient row carries its record's day and whether the record stands (not
-- deleted). "Who was recognised in these 90 days" — step 9's status on every
-- recognition page, and the overview's — then reads the recipients alone. Joining a
-- quarter's records to a million recipient rows took PostgreSQL 150 ms a page.
-- recognition.py writes both with every record it adds, changes or deletes.
ALTER TABLE recognition_recipient ADD COLUMN given_on DATE;
ALTER TABLE recognition_recipient ADD COLUMN live BOOLEAN NOT NULL DEFAULT TRUE;

UPDATE recognition_recipient
SET given_on = r.given_on, live = r.deleted_at IS NULL
FROM recognition r
WHERE r.id = recognition_recipient.recognition_id;
