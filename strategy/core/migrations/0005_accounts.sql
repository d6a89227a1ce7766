-- Accounts, roles per organisation, sign-in sessions, the access log and workshops.

CREATE SEQUENCE account_id_seq;
CREATE TABLE account (
    id INTEGER PRIMARY KEY DEFAULT nextval('account_id_seq'),
    -- What the person types to sign in (a user name or an e-mail address).
    username VARCHAR NOT NULL,
    -- Lower-cased, so "Hana" and "hana" cannot be two accounts.
    username_key VARCHAR NOT NULL UNIQUE,
    display_name VARCHAR NOT NULL,
    email VARCHAR,
    -- Argon2id hash; NULL for an account that signs in only by single sign-on.
    password_hash VARCHAR,
    -- Administrator of every organisation, of accounts and of the access log.
    is_administrator BOOLEAN NOT NULL DEFAULT false,
    -- "issuer subject" of the single sign-on identity linked to this account.
    sso_subject VARCHAR UNIQUE,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    disabled_at TIMESTAMP
);

-- An account's role in one organisation (administrators have one everywhere).
CREATE TABLE membership (
    account_id INTEGER NOT NULL,
    org_id INTEGER NOT NULL,
    role VARCHAR NOT NULL,
    -- A contributor records observations and training for this team only.
    team_id INTEGER,
    PRIMARY KEY (account_id, org_id)
);

-- A signed-in browser. The cookie carries a random token; only its hash is kept.
CREATE TABLE sign_in_session (
    token_hash VARCHAR PRIMARY KEY,
    account_id INTEGER,
    guest_id INTEGER,
    method VARCHAR NOT NULL,
    address VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    expires_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);

-- Every sign-in attempt, for slowing down password guessing.
CREATE SEQUENCE sign_in_attempt_id_seq;
CREATE TABLE sign_in_attempt (
    id BIGINT PRIMARY KEY DEFAULT nextval('sign_in_attempt_id_seq'),
    attempted_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    username_key VARCHAR NOT NULL,
    address VARCHAR NOT NULL,
    succeeded BOOLEAN NOT NULL
);
CREATE INDEX sign_in_attempt_time ON sign_in_attempt (attempted_at);

-- Who signed in, who changed accounts and roles, who downloaded personal data.
-- The organisation column is not called org_id on purpose: deleting an
-- organisation deletes its rows from every table with org_id, and the record of
-- who did what must outlive the organisation.
CREATE SEQUENCE access_log_id_seq;
CREATE TABLE access_log (
    id BIGINT PRIMARY KEY DEFAULT nextval('access_log_id_seq'),
    logged_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    who VARCHAR NOT NULL,
    account_id INTEGER,
    organisation_id INTEGER,
    organisation_name VARCHAR,
    event VARCHAR NOT NULL,
    detail VARCHAR NOT NULL DEFAULT '',
    address VARCHAR
);

-- One-time links that create the first administrator.
CREATE TABLE setup_token (
    token_hash VARCHAR PRIMARY KEY,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

CREATE SEQUENCE workshop_id_seq;
CREATE TABLE workshop (
    id INTEGER PRIMARY KEY DEFAULT nextval('workshop_id_seq'),
    org_id INTEGER NOT NULL,
    code VARCHAR NOT NULL UNIQUE,
    opened_by VARCHAR NOT NULL,
    opened_by_account INTEGER,
    opened_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    expires_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP
);

CREATE SEQUENCE workshop_guest_id_seq;
CREATE TABLE workshop_guest (
    id INTEGER PRIMARY KEY DEFAULT nextval('workshop_guest_id_seq'),
    workshop_id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    joined_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Server-wide settings, such as how single sign-on groups map to roles.
CREATE TABLE app_setting (
    name VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
