-- Foundation and steps 1-4: organisations, customer segments, needs
-- assessments, vision, brainstorm and service standards.
-- Foreign keys are deliberately not declared: DuckDB has no ON DELETE CASCADE
-- and treats an UPDATE of a referenced row as delete+insert, so the storage
-- layer keeps child rows consistent inside one transaction instead.

CREATE SEQUENCE id_seq START 1;

CREATE TABLE organisation (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    name VARCHAR NOT NULL UNIQUE,
    reassess_days INTEGER NOT NULL DEFAULT 180 CHECK (reassess_days BETWEEN 1 AND 3650),
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE segment (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('internal', 'external')),
    description VARCHAR NOT NULL DEFAULT '',
    size INTEGER CHECK (size IS NULL OR size >= 0),
    size_unit VARCHAR NOT NULL DEFAULT 'people' CHECK (size_unit IN ('people', 'accounts')),
    value_level VARCHAR NOT NULL DEFAULT 'medium' CHECK (value_level IN ('critical', 'high', 'medium', 'low')),
    annual_value DOUBLE CHECK (annual_value IS NULL OR annual_value >= 0),
    serving_teams VARCHAR[] NOT NULL DEFAULT [],
    channels VARCHAR[] NOT NULL DEFAULT [],
    expectation_factors VARCHAR[] NOT NULL DEFAULT [],
    expectation_notes VARCHAR NOT NULL DEFAULT '',
    choice_reasons VARCHAR[] NOT NULL DEFAULT [],
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, name)
);

CREATE TABLE service_quality (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE assessment (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    segment_id BIGINT NOT NULL,
    quality VARCHAR NOT NULL,
    importance SMALLINT NOT NULL CHECK (importance BETWEEN 1 AND 5),
    performance SMALLINT NOT NULL CHECK (performance BETWEEN 1 AND 5),
    source VARCHAR NOT NULL CHECK (source IN ('survey', 'interview', 'focus group',
        'complaint analysis', 'front-line feedback', 'assumption')),
    asked_on DATE NOT NULL,
    notes VARCHAR NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE vision (
    org_id BIGINT PRIMARY KEY,
    statement VARCHAR NOT NULL DEFAULT '',
    customer_story VARCHAR NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE org_value (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    description VARCHAR NOT NULL DEFAULT '',
    UNIQUE (org_id, name)
);

CREATE TABLE behaviour (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    value_id BIGINT NOT NULL,
    description VARCHAR NOT NULL
);

CREATE TABLE brainstorm_entry (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    text VARCHAR NOT NULL,
    author VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    merged_into BIGINT,
    adopted BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE brainstorm_vote (
    entry_id BIGINT NOT NULL,
    voter VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (entry_id, voter)
);

CREATE TABLE standard (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    title VARCHAR NOT NULL,
    description VARCHAR NOT NULL DEFAULT '',
    channel VARCHAR NOT NULL,
    quality VARCHAR NOT NULL,
    measure VARCHAR NOT NULL DEFAULT '',
    target DOUBLE,
    unit VARCHAR NOT NULL DEFAULT '',
    direction VARCHAR NOT NULL DEFAULT 'higher' CHECK (direction IN ('higher', 'lower')),
    promise DOUBLE,
    promise_text VARCHAR NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, title)
);

CREATE TABLE standard_communication (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    standard_id BIGINT NOT NULL,
    communicated_on DATE NOT NULL,
    audience VARCHAR NOT NULL CHECK (audience IN ('internal', 'external')),
    method VARCHAR NOT NULL,
    note VARCHAR NOT NULL DEFAULT ''
);
