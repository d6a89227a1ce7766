-- Steps 10-11: measures and their values, survey responses, quarterly reviews
-- with actions, the change history and period locking.

CREATE TABLE measure (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    side VARCHAR NOT NULL CHECK (side IN ('customer', 'employee')),
    unit VARCHAR NOT NULL,
    direction VARCHAR NOT NULL CHECK (direction IN ('higher', 'lower')),
    target DOUBLE,
    amber_band DOUBLE CHECK (amber_band IS NULL OR amber_band >= 0),
    cadence VARCHAR NOT NULL CHECK (cadence IN ('monthly', 'quarterly')),
    owner_id BIGINT,
    source VARCHAR NOT NULL CHECK (source IN ('manual', 'survey', 'derived')),
    formula VARCHAR,
    description VARCHAR NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, name)
);

-- scope is 'all', 'team:<id>' or 'segment:<id>' so that one value per measure,
-- period and scope can be enforced (NULLs would not be).
CREATE TABLE measure_value (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    measure_id BIGINT NOT NULL,
    period VARCHAR NOT NULL,
    scope VARCHAR NOT NULL DEFAULT 'all',
    value DOUBLE NOT NULL,
    entered_by VARCHAR NOT NULL DEFAULT '',
    entered_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    UNIQUE (measure_id, period, scope)
);

CREATE TABLE survey_response (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('nps', 'enps', 'csat', 'effort')),
    answered_on DATE NOT NULL,
    score SMALLINT,
    scope VARCHAR NOT NULL DEFAULT 'all',
    file_name VARCHAR NOT NULL DEFAULT '',
    imported_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE review (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    period VARCHAR NOT NULL,
    held_on DATE,
    what_worked VARCHAR NOT NULL DEFAULT '',
    what_did_not VARCHAR NOT NULL DEFAULT '',
    pitfalls VARCHAR[] NOT NULL DEFAULT [],
    decisions VARCHAR NOT NULL DEFAULT '',
    snapshot VARCHAR,
    closed_at TIMESTAMP,
    closed_by VARCHAR,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, period)
);

CREATE TABLE review_action (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    review_id BIGINT NOT NULL,
    description VARCHAR NOT NULL,
    owner VARCHAR NOT NULL,
    due DATE NOT NULL,
    status VARCHAR NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'in progress', 'done', 'dropped')),
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE change_log (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    changed_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    changed_by VARCHAR NOT NULL,
    area VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    summary VARCHAR NOT NULL,
    period VARCHAR,
    reason VARCHAR NOT NULL DEFAULT ''
);

-- Below this many answers a survey figure carries a small-sample warning.
ALTER TABLE organisation ADD COLUMN small_sample INTEGER DEFAULT 30;
