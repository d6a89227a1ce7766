-- A help desk's ticket number names one record of an organisation's register: two
-- imports of the same export at the same moment, or a ticket number typed twice,
-- must not make two records of one ticket. "No reference" becomes NULL, which the
-- unique constraint allows any number of times. DuckDB cannot loosen a column or
-- index rows it has just updated in the same transaction, so the table is made
-- again with the new rule and the rows copied across.
CREATE TABLE complaint_next (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('complaint', 'compliment')),
    reference VARCHAR,
    received_on DATE NOT NULL,
    channel VARCHAR NOT NULL DEFAULT '',
    segment_id BIGINT,
    quality VARCHAR NOT NULL DEFAULT '',
    standard_id BIGINT,
    what_happened VARCHAR NOT NULL,
    recorded_by VARCHAR NOT NULL,
    owner_id BIGINT,
    promised_by DATE,
    promise VARCHAR NOT NULL DEFAULT '',
    resolution VARCHAR NOT NULL DEFAULT '',
    resolved_on DATE,
    accepted BOOLEAN,
    goodwill_kind VARCHAR NOT NULL DEFAULT '',
    goodwill_value DOUBLE CHECK (goodwill_value IS NULL OR goodwill_value >= 0),
    followed_up_on DATE,
    recognition_id BIGINT,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (resolved_on IS NULL OR resolved_on >= received_on),
    CHECK (followed_up_on IS NULL OR followed_up_on >= received_on),
    CHECK (promised_by IS NULL OR promised_by >= received_on),
    UNIQUE (org_id, reference)
);
-- Any ticket held twice before now keeps its number on the first record only.
INSERT INTO complaint_next
SELECT * REPLACE (CASE WHEN trim(reference) = '' THEN NULL
                       WHEN row_number() OVER (PARTITION BY org_id, reference ORDER BY id) > 1
                       THEN reference || ' (record ' || id || ')'
                       ELSE reference END AS reference)
FROM complaint;
DROP INDEX complaint_received;
DROP TABLE complaint;
ALTER TABLE complaint_next RENAME TO complaint;
CREATE INDEX complaint_received ON complaint (org_id, received_on);
