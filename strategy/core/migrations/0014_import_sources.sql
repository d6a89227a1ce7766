-- Survey tools export every response to date, each with its own id: keeping the id
-- lets a re-import add only the answers that are new. Older answers have none.
ALTER TABLE survey_response ADD COLUMN response_id VARCHAR;
CREATE UNIQUE INDEX survey_response_key ON survey_response (org_id, kind, response_id);

-- How an organisation's exports from one system are read (columns, what values
-- mean, the date order), saved so next month's file imports in one step.
CREATE TABLE import_mapping (
    org_id BIGINT NOT NULL,
    kind VARCHAR NOT NULL,
    source VARCHAR NOT NULL,  -- '' for a file whose system was not recognised
    columns VARCHAR NOT NULL,  -- JSON: field -> heading (null: not read)
    value_map VARCHAR NOT NULL,  -- JSON: field -> {value as exported: meaning}
    date_order VARCHAR CHECK (date_order IS NULL OR date_order IN ('dmy', 'mdy')),
    saved_by VARCHAR NOT NULL,
    saved_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (org_id, kind, source)
);

-- The organisation's own way of writing dates, for files that cannot tell.
CREATE TABLE import_setting (
    org_id BIGINT PRIMARY KEY,
    date_order VARCHAR CHECK (date_order IS NULL OR date_order IN ('dmy', 'mdy'))
);

-- Each file imported, by the hash of its content: a file without record keys
-- imported twice would count its rows twice, so the second time is said.
CREATE TABLE import_file (
    id BIGINT PRIMARY KEY DEFAULT nextval('id_seq'),
    org_id BIGINT NOT NULL,
    kind VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    rows_imported INTEGER NOT NULL,
    imported_by VARCHAR NOT NULL,
    imported_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE INDEX import_file_hash ON import_file (org_id, kind, sha256);
