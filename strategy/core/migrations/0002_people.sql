-- Steps 5-9: teams and employees, accountability, line of sight and the impact
-- model, training, recruiting and retention, reward and recognition.

CREATE TABLE team (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE employee (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    number VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    team_id BIGINT,
    role VARCHAR NOT NULL DEFAULT '',
    manager_number VARCHAR NOT NULL DEFAULT '',
    hire_date DATE NOT NULL,
    -- The last day employed; NULL while employed.
    leave_date DATE,
    leave_kind VARCHAR CHECK (leave_kind IS NULL OR leave_kind IN ('voluntary', 'involuntary')),
    leave_reason VARCHAR NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, number),
    CHECK (leave_date IS NULL OR leave_date >= hire_date)
);

-- Step 5: accountability.
CREATE TABLE standard_owner (
    standard_id BIGINT PRIMARY KEY,
    org_id BIGINT NOT NULL,
    employee_id BIGINT NOT NULL
);

CREATE TABLE standard_team (
    standard_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    team_id BIGINT NOT NULL,
    PRIMARY KEY (standard_id, team_id)
);

CREATE TABLE acknowledgement (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    standard_id BIGINT NOT NULL,
    employee_id BIGINT NOT NULL,
    acknowledged_on DATE NOT NULL,
    UNIQUE (standard_id, employee_id)
);

CREATE TABLE observation (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    standard_id BIGINT NOT NULL,
    observed_on DATE NOT NULL,
    observer VARCHAR NOT NULL,
    team_id BIGINT,
    employee_id BIGINT,
    met BOOLEAN NOT NULL,
    note VARCHAR NOT NULL DEFAULT ''
);

-- Step 6: which company results each standard moves, and the impact model.
CREATE TABLE standard_result (
    standard_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    result VARCHAR NOT NULL,
    PRIMARY KEY (standard_id, result)
);

CREATE TABLE impact_model (
    org_id BIGINT NOT NULL,
    period VARCHAR NOT NULL,
    active_customers INTEGER NOT NULL,
    value_per_customer DOUBLE NOT NULL,
    complaints INTEGER NOT NULL,
    quick_resolution_share DOUBLE NOT NULL,
    acquisition_cost DOUBLE NOT NULL,
    silent_per_complaint DOUBLE NOT NULL,
    told_per_bad_experience DOUBLE NOT NULL,
    return_if_quick DOUBLE NOT NULL,
    replace_to_keep_ratio DOUBLE NOT NULL,
    leave_for_indifference DOUBLE NOT NULL,
    good_per_bad_moment DOUBLE NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (org_id, period)
);

-- Step 7: training.
CREATE TABLE training_module (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    topic VARCHAR NOT NULL DEFAULT '',
    description VARCHAR NOT NULL DEFAULT '',
    due_within_days INTEGER NOT NULL DEFAULT 90 CHECK (due_within_days BETWEEN 1 AND 3650),
    pass_mark DOUBLE CHECK (pass_mark IS NULL OR pass_mark BETWEEN 0 AND 100),
    UNIQUE (org_id, name)
);

-- A module is required for a team, or for a role anywhere (exactly one of the two).
CREATE TABLE training_requirement (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    module_id BIGINT NOT NULL,
    team_id BIGINT,
    role VARCHAR,
    CHECK ((team_id IS NULL) <> (role IS NULL))
);

CREATE TABLE training_completion (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    module_id BIGINT NOT NULL,
    employee_id BIGINT NOT NULL,
    completed_on DATE NOT NULL,
    passed BOOLEAN NOT NULL,
    score DOUBLE CHECK (score IS NULL OR score BETWEEN 0 AND 100)
);

-- Step 8: hiring for attitude.
CREATE TABLE hiring_criterion (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('attitude', 'technique')),
    weight DOUBLE NOT NULL CHECK (weight > 0),
    UNIQUE (org_id, name)
);

CREATE TABLE candidate (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    role VARCHAR NOT NULL DEFAULT '',
    interviewer VARCHAR NOT NULL,
    interviewed_on DATE NOT NULL,
    notes VARCHAR NOT NULL DEFAULT ''
);

CREATE TABLE candidate_score (
    candidate_id BIGINT NOT NULL,
    criterion_id BIGINT NOT NULL,
    score SMALLINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    PRIMARY KEY (candidate_id, criterion_id)
);

-- Step 9: reward and recognition. Deletions are soft so the record of who did
-- what stays; every change is also written to recognition_history.
CREATE TABLE recognition (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    given_on DATE NOT NULL,
    giver VARCHAR NOT NULL,
    giver_kind VARCHAR NOT NULL CHECK (giver_kind IN ('peer', 'manager', 'customer')),
    value_id BIGINT,
    standard_id BIGINT,
    what VARCHAR NOT NULL,
    reward VARCHAR NOT NULL,
    amount DOUBLE CHECK (amount IS NULL OR amount >= 0),
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_by VARCHAR,
    updated_at TIMESTAMP,
    deleted_by VARCHAR,
    deleted_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE recognition_recipient (
    recognition_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    employee_id BIGINT NOT NULL,
    PRIMARY KEY (recognition_id, employee_id)
);

CREATE TABLE recognition_history (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    recognition_id BIGINT NOT NULL,
    action VARCHAR NOT NULL CHECK (action IN ('created', 'edited', 'deleted')),
    done_by VARCHAR NOT NULL,
    done_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    details VARCHAR NOT NULL DEFAULT ''
);

-- The compliance rate a standard should reach to count as kept (step 5).
ALTER TABLE organisation ADD COLUMN compliance_target DOUBLE DEFAULT 90;
