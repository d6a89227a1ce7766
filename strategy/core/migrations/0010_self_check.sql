-- The eleven-step self-check: rounds of private 1-5 ratings per step. Answers are
-- kept per respondent only so that each person answers once per round and can
-- change their answer; the app shows nothing but figures over all answers.
CREATE TABLE self_check_round (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    held_on DATE NOT NULL,
    title VARCHAR NOT NULL DEFAULT '',
    -- The workshop whose guests may answer, if it was opened for one.
    workshop_id INTEGER,
    opened_by VARCHAR NOT NULL,
    opened_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    closed_at TIMESTAMP,
    closed_by VARCHAR,
    -- Each step's status as the app computed it from the plan when the round was
    -- closed (Status values, step 1 first): opinion is compared with the evidence of
    -- the same day, not with a plan that has moved on since.
    plan_statuses VARCHAR[]
);

CREATE TABLE self_check_answer (
    round_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    -- "account:<id>" or "guest:<id>": who answered, never shown.
    respondent VARCHAR NOT NULL,
    step INTEGER NOT NULL CHECK (step BETWEEN 1 AND 11),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    answered_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (round_id, respondent, step)
);
