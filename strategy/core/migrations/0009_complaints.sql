-- Service recovery: the complaints and compliments register. Nothing about the
-- customer is kept beyond what people type into these fields (their segment, and
-- what happened in their words); there is no name, address or contact column on
-- purpose.
CREATE TABLE complaint (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('complaint', 'compliment')),
    -- The help desk's ticket number, when it came from one: a second import of the
    -- same export recognises the tickets it already holds.
    reference VARCHAR NOT NULL DEFAULT '',
    received_on DATE NOT NULL,
    channel VARCHAR NOT NULL DEFAULT '',
    segment_id BIGINT,
    -- A service quality by name, as assessments (step 2) name them.
    quality VARCHAR NOT NULL DEFAULT '',
    standard_id BIGINT,
    what_happened VARCHAR NOT NULL,
    recorded_by VARCHAR NOT NULL,
    -- One owner (an employee) who resolves it rather than passing the customer on.
    owner_id BIGINT,
    promised_by DATE,
    promise VARCHAR NOT NULL DEFAULT '',
    resolution VARCHAR NOT NULL DEFAULT '',
    resolved_on DATE,
    -- NULL: not known (yet) whether the customer accepted the resolution.
    accepted BOOLEAN,
    goodwill_kind VARCHAR NOT NULL DEFAULT '',
    goodwill_value DOUBLE CHECK (goodwill_value IS NULL OR goodwill_value >= 0),
    followed_up_on DATE,
    -- The recognition record made from a compliment, once someone has made it.
    recognition_id BIGINT,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (resolved_on IS NULL OR resolved_on >= received_on),
    CHECK (followed_up_on IS NULL OR followed_up_on >= received_on),
    CHECK (promised_by IS NULL OR promised_by >= received_on)
);
CREATE INDEX complaint_received ON complaint (org_id, received_on);

-- Members of staff a compliment names.
CREATE TABLE complaint_staff (
    complaint_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    employee_id BIGINT NOT NULL,
    PRIMARY KEY (complaint_id, employee_id)
);

-- How many working days the organisation gives itself to resolve a complaint.
ALTER TABLE organisation ADD COLUMN resolve_target_days INTEGER DEFAULT 2;
