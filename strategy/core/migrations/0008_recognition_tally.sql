-- How many recognitions each person received in each quarter (deleted records
-- left out). The scorecard's "recognition per head" reads eight quarters of it for
-- every team; from the records themselves that meant joining a million of them on
-- every page. recognition.py adds a row of +1 or -1 per person for every record it
-- adds, moves or deletes, so people recording at the same moment never touch the
-- same row; readers add the rows up, and `migrate` folds them together again.
CREATE TABLE recognition_tally (
    org_id BIGINT NOT NULL,
    employee_id BIGINT NOT NULL,
    quarter_start DATE NOT NULL,
    received INTEGER NOT NULL
);

INSERT INTO recognition_tally
SELECT r.org_id, rr.employee_id, CAST(date_trunc('quarter', r.given_on) AS DATE), count(*)
FROM recognition r JOIN recognition_recipient rr ON rr.recognition_id = r.id
WHERE r.deleted_at IS NULL
GROUP BY ALL;
