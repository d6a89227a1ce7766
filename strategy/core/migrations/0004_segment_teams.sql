-- Step 1: the teams that serve a customer segment are the organisation's own teams
-- (People and teams), linked by id, instead of a separate list of typed names.

CREATE TABLE segment_team (
    org_id BIGINT NOT NULL,
    segment_id BIGINT NOT NULL,
    team_id BIGINT NOT NULL,
    PRIMARY KEY (segment_id, team_id)
);

-- Names typed into segments before this version become teams, unless a team of
-- that name (in any letter case) exists already.
INSERT INTO team (org_id, name)
SELECT named.org_id, min(named.name)
FROM (SELECT s.org_id, trim(unnest(s.serving_teams)) AS name FROM segment s) named
WHERE named.name <> ''
  AND NOT EXISTS (SELECT 1 FROM team t
                  WHERE t.org_id = named.org_id AND lower(t.name) = lower(named.name))
GROUP BY named.org_id, lower(named.name);

INSERT INTO segment_team (org_id, segment_id, team_id)
SELECT DISTINCT named.org_id, named.segment_id, t.id
FROM (SELECT s.org_id, s.id AS segment_id, trim(unnest(s.serving_teams)) AS name
      FROM segment s) named
JOIN team t ON t.org_id = named.org_id AND lower(t.name) = lower(named.name);

ALTER TABLE segment DROP COLUMN serving_teams;
